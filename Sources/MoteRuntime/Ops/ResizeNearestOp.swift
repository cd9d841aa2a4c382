// The nearest-neighbour resize op: no constants; the tensors' sizes give the scale.

enum ResizeNearestOp {
    static func validate(_ op: OpCheck) throws(ModelError) {
        let (x, y) = (op.input, op.output)
        guard x.type == y.type, x.c == y.c else { throw op.failure("resize: types or channels do not match") }
        // oy · inH must not overflow a 32-bit Int.
        guard !y.h.multipliedReportingOverflow(by: x.h).overflow, y.h &* x.h <= Int(Int32.max),
              !y.w.multipliedReportingOverflow(by: x.w).overflow, y.w &* x.w <= Int(Int32.max) else { throw op.failure("resize: sizes too large") }
    }

    @inline(__always)
    static func execute(_ op: OpOperands) {
        let (x, y) = (op.input, op.output)
        let (ih, iw, c, oh, ow) = (Int32(x.h), Int32(x.w), Int32(x.c), Int32(y.h), Int32(y.w))
        if x.type == .int8 { resizeNearest(op.source(Int8.self), inH: ih, inW: iw, channels: c, outH: oh, outW: ow, output: op.destination(Int8.self)) }
        else { resizeNearest(op.source(Int16.self), inH: ih, inW: iw, channels: c, outH: oh, outW: ow, output: op.destination(Int16.self)) }
    }
}
