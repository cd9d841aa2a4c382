// Validating a file's records once, when it is opened: every tensor against the arena, every op
// by its family (Ops/), every subgraph against the op list. What passes here the interpreter
// runs without checks.

/// The sections of a file as found in its section table, before they are trusted.
struct Sections {
    let tensors: UnsafeRawPointer, tensorCount: Int
    let ops: UnsafeRawPointer, opCount: Int
    let subgraphs: UnsafeRawPointer, subgraphCount: Int
    let constants: UnsafeRawPointer, constantsBytes: Int
    let arenaBytes: Int

    func tensor(_ i: Int) -> TensorRecord { TensorRecord(tensors + i &* TensorRecord.recordBytes)! }

    func validate() throws(ModelError) {
        for i in 0..<tensorCount { try validateTensor(i) }
        for i in 0..<opCount { try validateOp(i) }
        var seen: UInt8 = 0
        for i in 0..<subgraphCount {
            guard let g = SubgraphRecord(subgraphs + i &* SubgraphRecord.recordBytes) else { throw ModelError(.badSubgraph, index: i, "unknown subgraph kind") }
            let bit = UInt8(1) << g.kind.rawValue
            guard seen & bit == 0 else { throw ModelError(.badSubgraph, index: i, "the same subgraph kind appears twice") }
            seen |= bit
            guard g.opCount >= 1, g.firstOp &+ g.opCount <= opCount else { throw ModelError(.badSubgraph, index: i, "the op range lies outside the op list") }
            guard g.input < tensorCount, g.output < tensorCount else { throw ModelError(.badSubgraph, index: i, "a tensor index is out of range") }
            guard validShift(g.inputShift, wide: false), validShift(g.outputShift, wide: false) else { throw ModelError(.badSubgraph, index: i, "a shift is out of range") }
        }
    }

    func validateTensor(_ i: Int) throws(ModelError) {
        let raw = tensors + i &* TensorRecord.recordBytes
        guard let t = TensorRecord(raw) else { throw ModelError(.badTensor, index: i, "unknown element type") }
        guard t.h >= 1, t.w >= 1, t.c >= 1 else { throw ModelError(.badTensor, index: i, "a dimension is zero") }
        let (hw, o1) = t.h.multipliedReportingOverflow(by: t.w)
        let (hwc, o2) = hw.multipliedReportingOverflow(by: t.c)
        let (bytes, o3) = hwc.multipliedReportingOverflow(by: t.type.bytes)
        guard !o1, !o2, !o3, bytes <= arenaBytes else { throw ModelError(.badTensor, index: i, "the tensor is larger than the arena") }
        guard t.offset <= arenaBytes &- bytes else { throw ModelError(.badTensor, index: i, "the tensor lies outside the arena") }
        guard t.offset % t.type.bytes == 0 else { throw ModelError(.badTensor, index: i, "the tensor's arena offset is misaligned") }
        if t.type == .int8 {
            guard t.zeroPoint >= -128, t.zeroPoint <= 127 else { throw ModelError(.badTensor, index: i, "an int8 zero point is outside -128...127") }
        } else {
            guard t.zeroPoint == 0 else { throw ModelError(.badTensor, index: i, "int16 tensors are symmetric: the zero point must be 0") }
        }
    }

    func validateOp(_ i: Int) throws(ModelError) {
        guard let r = OpRecord(ops + i &* OpRecord.recordBytes) else { throw ModelError(.badOp, index: i, "unknown op kind or stage") }
        guard r.input < tensorCount, r.output < tensorCount else { throw ModelError(.badOp, index: i, "a tensor index is out of range") }
        let x = tensor(r.input), y = tensor(r.output)
        // An op never works in place: its input and output must not share arena bytes.
        guard x.offset &+ x.bytes <= y.offset || y.offset &+ y.bytes <= x.offset else { throw ModelError(.badOp, index: i, "input and output overlap in the arena") }
        let op = OpCheck(index: i, record: r, input: x, output: y, constants: constants, constantsBytes: constantsBytes)
        switch r.kind {
        case .conv: try WeightedOp.validate(op, .conv)
        case .transposedConv: try WeightedOp.validate(op, .transposedConv)
        case .dense: try WeightedOp.validate(op, .dense)
        case .maxPool: try MaxPoolOp.validate(op)
        case .resizeNearest: try ResizeNearestOp.validate(op)
        case .zeroPad: try ZeroPadOp.validate(op)
        case .lookup: try LookupOp.validate(op)
        case .sampling: try SamplingOp.validate(op)
        }
    }
}
