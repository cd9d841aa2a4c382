// Conv, transposed conv and dense: the ops with weights. Here are their constants block layout
// (`WeightedLayout`, which the exporter's writer encodes through), their validation, and their
// execution: a switch over (input, weight, output) element types that picks a kernel specialized
// for them and for the output stage (Kernels/Convolution.swift, PackedConvolutionInt8.swift).

/// The three op kinds that carry weights.
enum WeightedForm { case conv, transposedConv, dense }

/// Where the constants of a conv / transposed conv / dense op live inside its block, in bytes
/// from the block start: bias (int32, or int64 when an int16 operand is involved),
/// multipliers and shifts (int32 per channel), for LeakyReLU the negative-side multipliers
/// and shifts, for a sigmoid the σ table, for packed ops the folded bias, then the weights:
/// [out][kh][kw][in], or packed for the SIMD kernel when `packed` (PackedConvolutionInt8.swift).
package struct WeightedLayout: Sendable {
    /// The σ table of a fused sigmoid: σ(−16 + i/8) in Q15 for i = 0...256.
    package static let sigmoidTableEntries = 257

    package var channels: Int, taps: Int
    package var wideAccumulator: Bool
    package var multipliers: Int, shifts: Int, negativeMultipliers: Int, negativeShifts: Int
    package var table: Int, weights: Int
    package var packed: Bool
    /// Packed ops only: bias − (zero point + 128) · Σ weights, for output pixels whose taps all
    /// lie inside the input (the kernel then multiplies unsigned input bytes); [class][channel],
    /// one class per stride phase (s² for a transposed conv, whose taps depend on it; else 1).
    package var foldedBias: Int
    package var phases: Int
    /// Bytes of weights (the same count packed or not).
    package var weightBytes: Int?
    /// Block size; nil when it does not fit Int (hostile shapes on a 32-bit target).
    package var bytes: Int?

    package init(op: OpRecord, weightType: ElementType, input x: TensorRecord, output y: TensorRecord) {
        channels = op.kind == .dense ? y.count : y.c
        let k = Int(op.kernel)
        taps = op.kind == .dense ? x.count : k &* k &* x.c
        wideAccumulator = x.type == .int16 || weightType == .int16
        let c4 = channels &* 4
        multipliers = channels &* (wideAccumulator ? 8 : 4)
        shifts = multipliers &+ c4
        var end = shifts &+ c4
        negativeMultipliers = multipliers; negativeShifts = shifts
        if op.stage == .leakyRelu { negativeMultipliers = end; negativeShifts = end &+ c4; end = negativeShifts &+ c4 }
        table = end
        if op.stage == .sigmoid { end = end &+ Self.sigmoidTableEntries &* 4 }
        packed = usesPackedWeights(wideAccumulator: wideAccumulator, channels: channels)
        foldedBias = end
        phases = op.kind == .transposedConv ? Int(op.stride) : 1
        if packed { end = end &+ c4 &* phases &* phases }
        weights = end
        let (w, o1) = channels.multipliedReportingOverflow(by: taps)
        let (wb, o2) = w.multipliedReportingOverflow(by: weightType.bytes)
        let (total, o3) = end.addingReportingOverflow(wb)
        weightBytes = o1 || o2 ? nil : wb
        bytes = o1 || o2 || o3 ? nil : total
    }

    /// Where weight `index` (= tap · inC + input channel; dense: the input) of `channel` lies in
    /// the packed weights: per block of 16 channels, the quads of the reduction as [16 channels][4],
    /// then the reduction's last (taps mod 4) values as [16 channels][rest].
    package func packedPosition(channel c: Int, index i: Int) -> Int {
        let quads = taps / 4, rest = taps % 4, lane = c % 16
        let base = (c / 16) &* 16 &* taps
        return base &+ (i < quads &* 4 ? ((i / 4) &* 16 &+ lane) &* 4 &+ i % 4 : quads &* 64 &+ lane &* rest &+ (i &- quads &* 4))
    }
}

/// The values of a weighted op's constants block, by part and index, as the exporter computed them.
package enum WeightedPart { case bias, multiplier, shift, negativeMultiplier, negativeShift, sigmoidTable, weight }

enum WeightedOp {
    static func validate(_ op: OpCheck, _ form: WeightedForm) throws(ModelError) {
        let r = op.record
        guard let wt = r.weightType else { throw op.failure("unknown weight type") }
        if form != .dense {
            guard r.kernel >= 1, r.stride >= 1, r.padTop < r.kernel, r.padLeft < r.kernel else { throw op.failure("bad kernel, stride or padding") }
            guard op.shapesAgree() else { throw op.failure("the output's height and width do not follow from the input, kernel, stride and padding") }
        }
        let layout = WeightedLayout(op: r, weightType: wt, input: op.input, output: op.output)
        // The int32 accumulators (and the wide path's saturation limit) assume at most 2^16 taps.
        guard layout.taps <= maxTaps else { throw op.failure("more than 65,536 taps per output") }
        let b = try op.block(layout.bytes)
        try op.checkShifts(b + layout.shifts, count: layout.channels, wide: layout.wideAccumulator)
        if r.stage == .leakyRelu { try op.checkShifts(b + layout.negativeShifts, count: layout.channels, wide: layout.wideAccumulator) }
        if wt == .int16 {
            // Narrow range, as the exporter writes them: the int16 kernels sum two products in
            // int32, which (−32768)² · 2 would overflow.
            let w = b + layout.weights
            for i in 0..<(layout.channels &* layout.taps) where w.i16(i &* 2) == Int16.min { throw op.failure("an int16 weight is −32768 (weights are ±32767)") }
        }
    }

    /// The most taps (k·k·inC, or a dense op's inputs) one output may sum.
    static let maxTaps = 1 << 16

    @inline(__always)
    static func execute(_ op: OpOperands, _ form: WeightedForm) {
        switch (op.input.type, op.record.weightType!, op.output.type) {
        case (.int8, .int8, .int8): run(op, form, Int8.self, Int8.self, Int32.self, Int8.self)
        case (.int8, .int8, .int16): run(op, form, Int8.self, Int8.self, Int32.self, Int16.self)
        case (.int8, .int16, .int8): run(op, form, Int8.self, Int16.self, Int64.self, Int8.self)
        case (.int8, .int16, .int16): run(op, form, Int8.self, Int16.self, Int64.self, Int16.self)
        case (.int16, .int8, .int8): run(op, form, Int16.self, Int8.self, Int64.self, Int8.self)
        case (.int16, .int8, .int16): run(op, form, Int16.self, Int8.self, Int64.self, Int16.self)
        case (.int16, .int16, .int8): run(op, form, Int16.self, Int16.self, Int64.self, Int8.self)
        case (.int16, .int16, .int16): run(op, form, Int16.self, Int16.self, Int64.self, Int16.self)
        }
    }

    /// One element-type combination, its constants block unpacked.
    @inline(__always)
    static func run<X: QuantizedValue, W: QuantizedValue, A: AccumulatorValue, Y: QuantizedValue>(
        _ op: OpOperands, _ form: WeightedForm, _: X.Type, _: W.Type, _: A.Type, _: Y.Type) {
        let (r, x, y, b) = (op.record, op.input, op.output, op.constants)
        let layout = WeightedLayout(op: r, weightType: W.bitWidth == 8 ? .int8 : .int16, input: x, output: y)
        let m = (b + layout.multipliers).assumingMemoryBound(to: Int32.self), s = (b + layout.shifts).assumingMemoryBound(to: Int32.self)
        let dst = op.destination(Y.self)
        if layout.packed {
            // int8 × int8 with channels in blocks of 16: the SIMD kernel over packed weights.
            let g = form == .dense
                ? KernelGeometry.dense(inputs: Int32(x.count), outputs: Int32(y.count))
                : op.geometry
            let (input, bias) = (op.source(Int8.self), b.assumingMemoryBound(to: Int32.self))
            let packed = UnsafeRawPointer(b + layout.weights), folded = (b + layout.foldedBias).assumingMemoryBound(to: Int32.self)
            if r.stage == .sigmoid {
                let stage = FusedSigmoid<Int32, Y>(multipliers: m, shifts: s, table: (b + layout.table).assumingMemoryBound(to: Int32.self))
                    .checkingShifts(channels: Int(g.outC))
                convolvePackedInt8(input, inputZeroPoint: x.zeroPoint, packed: packed, bias: bias, foldedBias: folded, g, transposed: form == .transposedConv, stage, output: dst)
            } else {
                let stage = requantization(op, layout, Int32.self, Y.self).checkingShifts(channels: Int(g.outC))
                convolvePackedInt8(input, inputZeroPoint: x.zeroPoint, packed: packed, bias: bias, foldedBias: folded, g, transposed: form == .transposedConv, stage, output: dst)
            }
            return
        }
        if r.stage == .sigmoid {
            launch(op, form, layout, FusedSigmoid<A, Y>(multipliers: m, shifts: s, table: (b + layout.table).assumingMemoryBound(to: Int32.self)), X.self, W.self)
        } else {
            launch(op, form, layout, requantization(op, layout, A.self, Y.self), X.self, W.self)
        }
    }

    @inline(__always)
    static func requantization<A: AccumulatorValue, Y: QuantizedValue>(_ op: OpOperands, _ layout: WeightedLayout, _: A.Type, _: Y.Type) -> Requantization<A, Y> {
        let (y, b) = (op.output, op.constants)
        let levels = y.type.levels
        return Requantization<A, Y>(multipliers: (b + layout.multipliers).assumingMemoryBound(to: Int32.self),
                                    shifts: (b + layout.shifts).assumingMemoryBound(to: Int32.self),
                                    negativeMultipliers: (b + layout.negativeMultipliers).assumingMemoryBound(to: Int32.self),
                                    negativeShifts: (b + layout.negativeShifts).assumingMemoryBound(to: Int32.self),
                                    outputZeroPoint: y.zeroPoint, min: op.record.stage == .relu ? y.zeroPoint : levels.min, max: levels.max)
    }

    /// The reference kernels (any element types, channels not in blocks of 16).
    @inline(__always)
    static func launch<X: QuantizedValue, W: QuantizedValue, S: OutputStage>(
        _ op: OpOperands, _ form: WeightedForm, _ layout: WeightedLayout, _ stage: S, _: X.Type, _: W.Type) {
        let b = op.constants
        let (src, dst) = (op.source(X.self), op.destination(S.Output.self))
        let zp = S.Accumulator(truncatingIfNeeded: op.input.zeroPoint)
        let weights = (b + layout.weights).assumingMemoryBound(to: W.self), bias = b.assumingMemoryBound(to: S.Accumulator.self)
        switch form {
        case .conv: convolve(src, inputZeroPoint: zp, weights: weights, bias: bias, op.geometry, stage, output: dst)
        case .transposedConv: transposedConvolve(src, inputZeroPoint: zp, weights: weights, bias: bias, op.geometry, stage, output: dst)
        case .dense: dense(src, inputZeroPoint: zp, weights: weights, bias: bias, inFeatures: Int32(op.input.count),
                           outFeatures: Int32(op.output.count), stage, output: dst)
        }
    }
}

extension WeightedLayout {
    /// Writes an op's constants block (`bytes` long, 8-aligned) from its values: each part at its
    /// place, the bias int32 or int64, the weights int8, int16 or packed, and for packed ops the
    /// folded bias. `kernel` and `inputZeroPoint` are the op's. Throws when a folded bias leaves
    /// int32 (impossible for weights and biases from a real model).
    package func encode(into block: UnsafeMutableRawPointer, kernel: Int, weightType: ElementType, inputZeroPoint: Int32,
                       stage: StageKind, _ value: (WeightedPart, Int) -> Int64) throws(ModelError) {
        for c in 0..<channels {
            if wideAccumulator { block.put(value(.bias, c), at: c &* 8) } else { block.put(Int32(truncatingIfNeeded: value(.bias, c)), at: c &* 4) }
            block.put(Int32(truncatingIfNeeded: value(.multiplier, c)), at: multipliers &+ c &* 4)
            block.put(Int32(truncatingIfNeeded: value(.shift, c)), at: shifts &+ c &* 4)
            if stage == .leakyRelu {
                block.put(Int32(truncatingIfNeeded: value(.negativeMultiplier, c)), at: negativeMultipliers &+ c &* 4)
                block.put(Int32(truncatingIfNeeded: value(.negativeShift, c)), at: negativeShifts &+ c &* 4)
            }
        }
        if stage == .sigmoid {
            for i in 0..<Self.sigmoidTableEntries { block.put(Int32(truncatingIfNeeded: value(.sigmoidTable, i)), at: table &+ i &* 4) }
        }
        guard packed else {
            for i in 0..<(channels &* taps) {
                let v = value(.weight, i)
                if weightType == .int8 { block.put(UInt8(bitPattern: Int8(truncatingIfNeeded: v)), at: weights &+ i) }
                else { block.put(Int16(truncatingIfNeeded: v), at: weights &+ i &* 2) }
            }
            return
        }
        // Interior pixels: Σ (x + 128) · w + bias − (zp + 128) · Σ w, the sum over the taps a pixel
        // of each stride phase (py, px) uses: all, or for a transposed conv those with ky ≡ py and
        // kx ≡ px (mod s).
        let zp = Int64(inputZeroPoint) &+ 128, inC = taps / Swift.max(kernel &* kernel, 1)
        for py in 0..<phases {
            for px in 0..<phases {
                for c in 0..<channels {
                    var sum: Int64 = 0
                    for i in 0..<taps {
                        let tap = i / inC
                        if phases > 1 && ((tap / kernel) % phases != py || (tap % kernel) % phases != px) { continue }
                        sum &+= value(.weight, c &* taps &+ i)
                    }
                    let folded = value(.bias, c) &- zp &* sum
                    guard folded >= Int64(Int32.min), folded <= Int64(Int32.max) else { throw ModelError(.badOp, "a folded bias is out of int32 range") }
                    block.put(Int32(truncatingIfNeeded: folded), at: foldedBias &+ ((py &* phases &+ px) &* channels &+ c) &* 4)
                }
            }
        }
        for c in 0..<channels {
            for i in 0..<taps {
                block.put(UInt8(bitPattern: Int8(truncatingIfNeeded: value(.weight, c &* taps &+ i))), at: weights &+ packedPosition(channel: c, index: i))
            }
        }
    }
}
