// Running a validated model: a plain loop over the op records of a subgraph, each dispatched
// by an enum switch to its family in Ops/, which picks a kernel specialized for its element
// types and output stage. Nothing
// here allocates, checks bounds again, or touches memory outside the file and the arena.

extension MoteModel {
    /// Runs a subgraph on the values in its input tensor. `sampler` draws the VAE's ε; with
    /// nil, the sampling op outputs z_mean.
    public func run(_ kind: SubgraphKind, sampler: UnsafeMutablePointer<Xoshiro128StarStar>? = nil) throws(ModelError) {
        guard let g = subgraph(kind) else { throw ModelError(.noSuchSubgraph) }
        run(ops: g.firstOp..<(g.firstOp &+ g.opCount), sampler: sampler)
    }

    /// Runs ops `range` in order (for tools that look at intermediate tensors between ops).
    public func run(ops range: Range<Int>, sampler: UnsafeMutablePointer<Xoshiro128StarStar>? = nil) {
        let lo = range.lowerBound < 0 ? 0 : range.lowerBound, hi = range.upperBound > opCount ? opCount : range.upperBound
        var i = lo
        while i < hi {
            execute(op(i), sampler: sampler)
            i &+= 1
        }
    }

    func execute(_ r: OpRecord, sampler: UnsafeMutablePointer<Xoshiro128StarStar>?) {
        let x = tensor(r.input), y = tensor(r.output)
        let op = OpOperands(record: r, input: x, output: y, source: UnsafeRawPointer(data(x)), destination: data(y),
                            constants: constants + r.constants)
        switch r.kind {
        case .conv: WeightedOp.execute(op, .conv)
        case .transposedConv: WeightedOp.execute(op, .transposedConv)
        case .dense: WeightedOp.execute(op, .dense)
        case .maxPool: MaxPoolOp.execute(op)
        case .resizeNearest: ResizeNearestOp.execute(op)
        case .zeroPad: ZeroPadOp.execute(op)
        case .lookup: LookupOp.execute(op)
        case .sampling: SamplingOp.execute(op, sampler: sampler)
        }
    }
}
