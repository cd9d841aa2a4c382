// Running a validated model: a plain loop over the op records of a subgraph, each dispatched
// by an enum switch to a kernel specialized for its element types and output stage. Nothing
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

    @usableFromInline
    func execute(_ r: OpRecord, sampler: UnsafeMutablePointer<Xoshiro128StarStar>?) {
        let x = tensor(r.input), y = tensor(r.output)
        let src = UnsafeRawPointer(data(x)), dst = data(y)
        switch r.kind {
        case .conv, .transposedConv, .dense:
            let wt = r.weightType!
            switch (x.type, wt, y.type) {
            case (.int8, .int8, .int8): weighted(r, x, y, src.assumingMemoryBound(to: Int8.self), Int8.self, Int32.self, dst.assumingMemoryBound(to: Int8.self))
            case (.int8, .int8, .int16): weighted(r, x, y, src.assumingMemoryBound(to: Int8.self), Int8.self, Int32.self, dst.assumingMemoryBound(to: Int16.self))
            case (.int8, .int16, .int8): weighted(r, x, y, src.assumingMemoryBound(to: Int8.self), Int16.self, Int64.self, dst.assumingMemoryBound(to: Int8.self))
            case (.int8, .int16, .int16): weighted(r, x, y, src.assumingMemoryBound(to: Int8.self), Int16.self, Int64.self, dst.assumingMemoryBound(to: Int16.self))
            case (.int16, .int8, .int8): weighted(r, x, y, src.assumingMemoryBound(to: Int16.self), Int8.self, Int64.self, dst.assumingMemoryBound(to: Int8.self))
            case (.int16, .int8, .int16): weighted(r, x, y, src.assumingMemoryBound(to: Int16.self), Int8.self, Int64.self, dst.assumingMemoryBound(to: Int16.self))
            case (.int16, .int16, .int8): weighted(r, x, y, src.assumingMemoryBound(to: Int16.self), Int16.self, Int64.self, dst.assumingMemoryBound(to: Int8.self))
            case (.int16, .int16, .int16): weighted(r, x, y, src.assumingMemoryBound(to: Int16.self), Int16.self, Int64.self, dst.assumingMemoryBound(to: Int16.self))
            }
        case .maxPool:
            let g = geometry(r, x, y)
            if x.type == .int8 { maxPool(src.assumingMemoryBound(to: Int8.self), g, output: dst.assumingMemoryBound(to: Int8.self)) }
            else { maxPool(src.assumingMemoryBound(to: Int16.self), g, output: dst.assumingMemoryBound(to: Int16.self)) }
        case .resizeNearest:
            let (ih, iw, c, oh, ow) = (Int32(x.h), Int32(x.w), Int32(x.c), Int32(y.h), Int32(y.w))
            if x.type == .int8 { resizeNearest(src.assumingMemoryBound(to: Int8.self), inH: ih, inW: iw, channels: c, outH: oh, outW: ow, output: dst.assumingMemoryBound(to: Int8.self)) }
            else { resizeNearest(src.assumingMemoryBound(to: Int16.self), inH: ih, inW: iw, channels: c, outH: oh, outW: ow, output: dst.assumingMemoryBound(to: Int16.self)) }
        case .zeroPad:
            let (h, w, c, p) = (Int32(x.h), Int32(x.w), Int32(x.c), Int32((y.h &- x.h) / 2))
            if x.type == .int8 { zeroPad(src.assumingMemoryBound(to: Int8.self), h: h, w: w, channels: c, pad: p, zeroPoint: Int8(truncatingIfNeeded: x.zeroPoint), output: dst.assumingMemoryBound(to: Int8.self)) }
            else { zeroPad(src.assumingMemoryBound(to: Int16.self), h: h, w: w, channels: c, pad: p, zeroPoint: 0, output: dst.assumingMemoryBound(to: Int16.self)) }
        case .lookup:
            lookupInt8(src.assumingMemoryBound(to: Int8.self), count: Int32(x.count), table: (constants + r.constants).assumingMemoryBound(to: Int8.self),
                       output: dst.assumingMemoryBound(to: Int8.self))
        case .sampling:
            let b = constants + r.constants
            let q = b + FileLayout.samplingTableEntries &* 4
            let p = SamplingParameters(inputZeroPoint: x.zeroPoint, sigmaQ16: b.assumingMemoryBound(to: Int32.self),
                                       meanMultiplier: q.i32(0), meanShift: q.i32(4), noiseMultiplier: q.i32(8), noiseShift: q.i32(12),
                                       outputZeroPoint: y.zeroPoint)
            switch (x.type, y.type) {
            case (.int8, .int8): sampleLatent(src.assumingMemoryBound(to: Int8.self), latent: Int32(y.count), p, rng: sampler, output: dst.assumingMemoryBound(to: Int8.self))
            case (.int8, .int16): sampleLatent(src.assumingMemoryBound(to: Int8.self), latent: Int32(y.count), p, rng: sampler, output: dst.assumingMemoryBound(to: Int16.self))
            case (.int16, .int8): sampleLatent(src.assumingMemoryBound(to: Int16.self), latent: Int32(y.count), p, rng: sampler, output: dst.assumingMemoryBound(to: Int8.self))
            case (.int16, .int16): sampleLatent(src.assumingMemoryBound(to: Int16.self), latent: Int32(y.count), p, rng: sampler, output: dst.assumingMemoryBound(to: Int16.self))
            }
        }
    }

    @inline(__always)
    func geometry(_ r: OpRecord, _ x: TensorRecord, _ y: TensorRecord) -> KernelGeometry {
        KernelGeometry(inH: Int32(x.h), inW: Int32(x.w), inC: Int32(x.c), outH: Int32(y.h), outW: Int32(y.w), outC: Int32(y.c),
                       kernelH: r.kernel, kernelW: r.kernel, stride: r.stride, padTop: r.padTop, padLeft: r.padLeft)
    }

    /// A conv / transposed conv / dense op with its constants block unpacked.
    @inline(__always)
    func weighted<X: QuantizedValue, W: QuantizedValue, A: AccumulatorValue, Y: QuantizedValue>(
        _ r: OpRecord, _ x: TensorRecord, _ y: TensorRecord, _ src: UnsafePointer<X>, _: W.Type, _: A.Type,
        _ dst: UnsafeMutablePointer<Y>) {
        let layout = WeightedLayout(op: r, weightType: W.bitWidth == 8 ? .int8 : .int16, input: x, output: y)
        let b = constants + r.constants
        let bias = b.assumingMemoryBound(to: A.self)
        let m = (b + layout.multipliers).assumingMemoryBound(to: Int32.self), s = (b + layout.shifts).assumingMemoryBound(to: Int32.self)
        let weights = (b + layout.weights).assumingMemoryBound(to: W.self)
        let zp = A(truncatingIfNeeded: x.zeroPoint)
        if layout.packed {
            // int8 × int8 with channels in blocks of 16: the SIMD kernel over packed weights.
            let input = UnsafeRawPointer(src).assumingMemoryBound(to: Int8.self), b32 = b.assumingMemoryBound(to: Int32.self)
            let g = r.kind == .dense
                ? KernelGeometry(inH: 1, inW: 1, inC: Int32(x.count), outH: 1, outW: 1, outC: Int32(y.count), kernelH: 1, kernelW: 1, stride: 1, padTop: 0, padLeft: 0)
                : geometry(r, x, y)
            let packed = UnsafeRawPointer(b + layout.weights), folded = (b + layout.foldedBias).assumingMemoryBound(to: Int32.self)
            if r.stage == .sigmoid {
                let stage = FusedSigmoid<Int32, Y>(multipliers: m, shifts: s, table: (b + layout.table).assumingMemoryBound(to: Int32.self))
                convolvePackedInt8(input, inputZeroPoint: x.zeroPoint, packed: packed, bias: b32, foldedBias: folded, g, transposed: r.kind == .transposedConv, stage, output: dst)
            } else {
                let stage = requantization(r, y, layout, b, m, s, Int32.self, Y.self)
                convolvePackedInt8(input, inputZeroPoint: x.zeroPoint, packed: packed, bias: b32, foldedBias: folded, g, transposed: r.kind == .transposedConv, stage, output: dst)
            }
            return
        }
        if r.stage == .sigmoid {
            let stage = FusedSigmoid<A, Y>(multipliers: m, shifts: s, table: (b + layout.table).assumingMemoryBound(to: Int32.self))
            launch(r, x, y, src, zp, weights, bias, stage, dst)
        } else {
            launch(r, x, y, src, zp, weights, bias, requantization(r, y, layout, b, m, s, A.self, Y.self), dst)
        }
    }

    @inline(__always)
    func requantization<A: AccumulatorValue, Y: QuantizedValue>(_ r: OpRecord, _ y: TensorRecord, _ layout: WeightedLayout, _ b: UnsafeRawPointer,
                                                               _ m: UnsafePointer<Int32>, _ s: UnsafePointer<Int32>, _: A.Type, _: Y.Type) -> Requantization<A, Y> {
        let levels = y.type.levels
        return Requantization<A, Y>(multipliers: m, shifts: s,
                                    negativeMultipliers: (b + layout.negativeMultipliers).assumingMemoryBound(to: Int32.self),
                                    negativeShifts: (b + layout.negativeShifts).assumingMemoryBound(to: Int32.self),
                                    outputZeroPoint: y.zeroPoint, min: r.stage == .relu ? y.zeroPoint : levels.min, max: levels.max)
    }

    @inline(__always)
    func launch<X: QuantizedValue, W: QuantizedValue, S: OutputStage>(
        _ r: OpRecord, _ x: TensorRecord, _ y: TensorRecord, _ src: UnsafePointer<X>, _ zp: S.Accumulator,
        _ weights: UnsafePointer<W>, _ bias: UnsafePointer<S.Accumulator>, _ stage: S, _ dst: UnsafeMutablePointer<S.Output>) {
        switch r.kind {
        case .conv: convolve(src, inputZeroPoint: zp, weights: weights, bias: bias, geometry(r, x, y), stage, output: dst)
        case .transposedConv: transposedConvolve(src, inputZeroPoint: zp, weights: weights, bias: bias, geometry(r, x, y), stage, output: dst)
        default: dense(src, inputZeroPoint: zp, weights: weights, bias: bias, inFeatures: Int32(x.count), outFeatures: Int32(y.count), stage, output: dst)
        }
    }
}
