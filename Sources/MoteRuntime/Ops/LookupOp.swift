// The lookup op (int8 → int8 through a 256-entry table, indexed by input + 128): an activation
// that could not be fused into the op before it.

package enum LookupOp {
    /// The constants block: the table, output q for input q = −128 ... 127.
    package static let tableEntries = 256
    package static let constantsBytes = tableEntries

    static func validate(_ op: OpCheck) throws(ModelError) {
        let (x, y) = (op.input, op.output)
        guard x.type == .int8, y.type == .int8, x.count == y.count else { throw op.failure("lookup: needs int8 tensors of equal size") }
        _ = try op.block(constantsBytes)
    }

    @inline(__always)
    static func execute(_ op: OpOperands) {
        lookupInt8(op.source(Int8.self), count: Int32(op.input.count), table: op.constants.assumingMemoryBound(to: Int8.self),
                   output: op.destination(Int8.self))
    }

    /// Writes the constants block (`constantsBytes`) from the table's values.
    package static func encode(into block: UnsafeMutableRawPointer, table: (Int) -> Int8) {
        for i in 0..<tableEntries { block.put(UInt8(bitPattern: table(i)), at: i) }
    }
}
