// What a .mote file is made of, read back from the file itself: weight bytes, quantization
// parameters, structure (the overhead), and the arena beside the lower bound and naive sum
// recomputed from the op list. `mote export` and `mote inspect` both print it.
import MoteRuntime

public struct ModelAnatomy: Sendable {
    public var fileBytes: Int
    /// Weight values.
    public var weightBytes: Int
    /// Biases, multipliers, shifts, tables, per-tensor scales and zero points, per-channel
    /// factors of equalized tensors, subgraph multipliers.
    public var quantizationBytes: Int
    /// Everything else: header, section table, the records' structure, names, alignment padding.
    public var overheadBytes: Int { fileBytes - weightBytes - quantizationBytes }
    public var arenaBytes: Int
    /// The most bytes alive at one op (no plan can do better), and every tensor apart.
    public var lowerBound: Int, naiveBytes: Int
    /// Multiply-accumulates per op.
    public var macs: [Int]

    public init(_ file: LoadedModel) {
        fileBytes = file.model.fileBytes
        arenaBytes = file.model.arenaBytes
        var weights = 0, quant = file.model.tensorCount * 6 + file.model.subgraphCount * 16
        for i in 0..<file.model.opCount {
            let r = file.model.op(i), x = file.model.tensor(r.input), y = file.model.tensor(r.output)
            switch r.kind {
            case .conv, .transposedConv, .dense:
                let l = WeightedLayout(op: r, weightType: r.weightType!, input: x, output: y)
                weights += l.weightBytes!
                quant += l.weights
            case .lookup: quant += LookupOp.constantsBytes
            case .sampling: quant += SamplingOp.constantsBytes
            case .maxPool, .resizeNearest, .zeroPad: break
            }
        }
        weightBytes = weights
        // Equalized tensors' per-channel factors complete their (per-tensor) quantization.
        quant += file.channelScales.values.reduce(0) { $0 + 4 + 4 * $1.count }
        quantizationBytes = quant
        let requests = lifetimeRequests(tensorBytes: (0..<file.model.tensorCount).map { file.model.tensor($0).bytes },
                                        names: (0..<file.model.tensorCount).map { "t\($0)" },
                                        ops: (0..<file.model.opCount).map { (file.model.op($0).input, file.model.op($0).output) })
        let plan = planMemory(requests, alignment: FileLayout.arenaAlignment)
        lowerBound = plan.lowerBound
        naiveBytes = plan.naiveBytes
        macs = (0..<file.model.opCount).map { file.macs(op: $0) }
    }
}
