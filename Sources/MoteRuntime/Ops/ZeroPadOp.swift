// The zero-padding op: no constants; the same border on every side, filled with the input's
// zero point (a real 0).

enum ZeroPadOp {
    static func validate(_ op: OpCheck) throws(ModelError) {
        let (x, y) = (op.input, op.output)
        let p2 = y.h &- x.h
        guard x.type == y.type, x.c == y.c, p2 >= 0, p2 % 2 == 0, y.w &- x.w == p2 else { throw op.failure("pad: output is not the input plus the same border on every side") }
    }

    @inline(__always)
    static func execute(_ op: OpOperands) {
        let x = op.input
        let (h, w, c, p) = (Int32(x.h), Int32(x.w), Int32(x.c), Int32((op.output.h &- x.h) / 2))
        if x.type == .int8 { zeroPad(op.source(Int8.self), h: h, w: w, channels: c, pad: p, zeroPoint: Int8(truncatingIfNeeded: x.zeroPoint), output: op.destination(Int8.self)) }
        else { zeroPad(op.source(Int16.self), h: h, w: w, channels: c, pad: p, zeroPoint: 0, output: op.destination(Int16.self)) }
    }
}
