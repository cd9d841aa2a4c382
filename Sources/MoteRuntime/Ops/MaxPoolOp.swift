// The max pool op: no constants; the record's kernel, stride and padding give the window.

enum MaxPoolOp {
    static func validate(_ op: OpCheck) throws(ModelError) {
        let (r, x, y) = (op.record, op.input, op.output)
        guard x.type == y.type, x.c == y.c, r.kernel >= 1, r.stride >= 1 else { throw op.failure("max pool: types, channels, kernel or stride do not match") }
        guard op.shapesAgree() else { throw op.failure("max pool: the output's height and width do not follow from the input, pool size and padding") }
    }

    @inline(__always)
    static func execute(_ op: OpOperands) {
        if op.input.type == .int8 { maxPool(op.source(Int8.self), op.geometry, output: op.destination(Int8.self)) }
        else { maxPool(op.source(Int16.self), op.geometry, output: op.destination(Int16.self)) }
    }
}
