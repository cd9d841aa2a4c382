// Convolution, transposed convolution and dense kernels over quantized activations (int8
// asymmetric with a zero point, or int16 symmetric) and symmetric per-output-channel weights
// (int8 or int16), with int32 accumulators for int8 × int8 and int64 otherwise.
//
// Weights are stored [outC][kh][kw][inC] (the exporter reorders Keras' layouts), so the inner
// loop walks input channels contiguously in both operands. Padding taps are skipped: in real
// terms they are 0, which is exactly (x − zeroPoint) = 0. int32 accumulators cannot overflow
// for the models' sizes: |x − zp| ≤ 255, |w| ≤ 127, and k·k·inC ≤ 65,536 taps keeps |acc| < 2^31.
// @inlinable: the kernels are generic over element types and the output stage, and callers
// must get them specialized, not dispatched per output element.

/// Σ (x[i] − zeroPoint) · w[i] over `count` contiguous values: the inner loop of every kernel.
@inlinable @inline(__always)
public func dot<X: QuantizedValue, W: QuantizedValue, A: AccumulatorValue>(
    _ x: UnsafePointer<X>, _ zeroPoint: A, _ w: UnsafePointer<W>, count: Int) -> A {
    // int8 × int8 runs of 16: the branch folds away in every specialization.
    if X.bitWidth == 8 && W.bitWidth == 8 && A.bitWidth == 32 && count & 15 == 0 && targetHasVectorUnit {
        return A(truncatingIfNeeded: dotInt8(UnsafeRawPointer(x), Int32(truncatingIfNeeded: zeroPoint), UnsafeRawPointer(w), count: count))
    }
    if X.bitWidth == 16 && count & 15 == 0 && targetHasVectorUnit {
        // int16 inputs, runs of 16 (int16 tensors are symmetric: the zero point is 0).
        var sum = SplitSum()
        accumulateInt16(&sum, UnsafeRawPointer(x).assumingMemoryBound(to: Int16.self), w, count: count)
        return A(truncatingIfNeeded: sum.total)
    }
    if A.bitWidth == 64 && zeroPoint >= -128 && zeroPoint <= 127 {
        // Each product fits int32 (|x − zp| ≤ 32,895, |w| ≤ 32,768): multiplied in 32 bits and
        // added in 64. On Cortex-M (-Osize) that is 10 instructions per product where the 64-bit
        // multiply of Swift integers takes 19 (a 32 × 32 → 64 form compiles the same).
        let zp = Int32(truncatingIfNeeded: zeroPoint)
        var acc: Int64 = 0
        for i in 0..<count { acc &+= Int64((Int32(truncatingIfNeeded: x[i]) &- zp) &* Int32(truncatingIfNeeded: w[i])) }
        return A(truncatingIfNeeded: acc)
    }
    var acc: A = 0
    for i in 0..<count { acc &+= (A(truncatingIfNeeded: x[i]) &- zeroPoint) &* A(truncatingIfNeeded: w[i]) }
    return acc
}

/// The int8 dot product 16 bytes at a time, into vector sums of x·w and of w: each 32-bit
/// lane holds 4 values, split by shifts (which compile to vector ops; Swift's widening
/// conversions go lane by lane). The caller takes the zero point off once at the end,
/// Σ (x − zp)·w = Σ x·w − zp·Σ w, exact in wrapping int32. `count` is a multiple of 16.
@inlinable @inline(__always)
func accumulateInt8(_ acc: inout SIMD8<Int32>, _ weights: inout SIMD8<Int32>, _ x: UnsafeRawPointer, _ w: UnsafeRawPointer, count: Int) {
    @inline(__always) func step<V: SIMD>(_ xv: V, _ wv: V) -> (V, V) where V.Scalar == Int32 {
        let w0 = (wv &<< 24) &>> 24, w1 = (wv &<< 16) &>> 24, w2 = (wv &<< 8) &>> 24, w3 = wv &>> 24
        let p = ((xv &<< 24) &>> 24) &* w0 &+ ((xv &<< 16) &>> 24) &* w1 &+ ((xv &<< 8) &>> 24) &* w2 &+ (xv &>> 24) &* w3
        return (p, w0 &+ w1 &+ w2 &+ w3)
    }
    var i = 0
    while i &+ 32 <= count {
        let (p, ws) = step(x.loadUnaligned(fromByteOffset: i, as: SIMD8<Int32>.self), w.loadUnaligned(fromByteOffset: i, as: SIMD8<Int32>.self))
        acc &+= p
        weights &+= ws
        i &+= 32
    }
    if i < count {
        let (p, ws) = step(x.loadUnaligned(fromByteOffset: i, as: SIMD4<Int32>.self), w.loadUnaligned(fromByteOffset: i, as: SIMD4<Int32>.self))
        acc.lowHalf &+= p
        weights.lowHalf &+= ws
    }
}

@inlinable @inline(__always)
func dotInt8(_ x: UnsafeRawPointer, _ zeroPoint: Int32, _ w: UnsafeRawPointer, count: Int) -> Int32 {
    var acc = SIMD8<Int32>(repeating: 0), weights = acc
    accumulateInt8(&acc, &weights, x, w, count: count)
    return acc.wrappedSum() &- zeroPoint &* weights.wrappedSum()
}

/// (x₂ᵢ − zp)·w₂ᵢ + (x₂ᵢ₊₁ − zp)·w₂ᵢ₊₁ for i = 0 ..< V.scalarCount, int8 inputs and weights: both
/// widened to int16 first (|x − zp| ≤ 255), so that `pairSums` multiplies whole 16-bit pairs.
@inlinable @inline(__always)
func centeredPairSums<V: SIMD>(_ x: UnsafePointer<Int8>, _ zp: Int32, _ w: UnsafePointer<Int8>, _: V.Type) -> V where V.Scalar == Int32 {
    var wide = (SIMD32<Int16>(), SIMD32<Int16>())
    return withUnsafeMutableBytes(of: &wide) { raw in
        let x16 = raw.baseAddress!.assumingMemoryBound(to: Int16.self), w16 = x16 + 32
        let z = Int16(truncatingIfNeeded: zp)
        for i in 0..<(2 &* V.scalarCount) { x16[i] = Int16(x[i]) &- z; w16[i] = Int16(w[i]) }
        return pairSums(UnsafePointer(x16), UnsafePointer(w16), V.self)
    }
}

/// out[oy, ox, oc] = stage(bias[oc] + Σ (in[iy, ix, ic] − zp) · w[oc, ky, kx, ic]),
/// iy = oy·s + ky − padTop, ix = ox·s + kx − padLeft.
@inlinable
public func convolve<X: QuantizedValue, W: QuantizedValue, S: OutputStage>(
    _ input: UnsafePointer<X>, inputZeroPoint: S.Accumulator, weights: UnsafePointer<W>,
    bias: UnsafePointer<S.Accumulator>, _ g: KernelGeometry, _ stage: S, output: UnsafeMutablePointer<S.Output>) {
    gather(input, inputZeroPoint: inputZeroPoint, weights: weights, bias: bias, g, transposed: false, stage, output: output)
}

/// Transposed convolution computed by gathering: each output pixel sums the input pixels that
/// a scatter would have sent to it (iy = (oy + padTop − ky) / s when that divides exactly), so
/// no scratch buffer the size of the output is needed. g.in* is the input (narrow) side.
@inlinable
public func transposedConvolve<X: QuantizedValue, W: QuantizedValue, S: OutputStage>(
    _ input: UnsafePointer<X>, inputZeroPoint: S.Accumulator, weights: UnsafePointer<W>,
    bias: UnsafePointer<S.Accumulator>, _ g: KernelGeometry, _ stage: S, output: UnsafeMutablePointer<S.Output>) {
    gather(input, inputZeroPoint: inputZeroPoint, weights: weights, bias: bias, g, transposed: true, stage, output: output)
}

/// Both convolutions: each output value sums, over the taps that read the input
/// (`forEachTap`), the dot product of the input pixel's channels with the tap's weights.
@inlinable @inline(__always)
func gather<X: QuantizedValue, W: QuantizedValue, S: OutputStage>(
    _ input: UnsafePointer<X>, inputZeroPoint: S.Accumulator, weights: UnsafePointer<W>, bias: UnsafePointer<S.Accumulator>,
    _ g: KernelGeometry, transposed: Bool, _ stage: S, output: UnsafeMutablePointer<S.Output>) {
    let inC = Int(g.inC)
    let tapStride = Int(g.kernelH) &* Int(g.kernelW) &* inC
    #if arch(arm)
    if X.bitWidth == 8 && W.bitWidth == 8 && S.Accumulator.bitWidth == 32 && g.outC == 1 && inC & 3 == 0
        && tapStride <= oneChannelStagedWeights && Int(g.kernelH) &* Int(g.kernelW) <= oneChannelStagedTaps {
        // 32-bit Arm: an image-producing last layer (Kernels/PackedConvolutionCortexM.swift).
        convolveOneChannelDSP(UnsafeRawPointer(input).assumingMemoryBound(to: Int8.self), inputZeroPoint: Int32(truncatingIfNeeded: inputZeroPoint),
                              weights: UnsafeRawPointer(weights).assumingMemoryBound(to: Int8.self), bias: Int32(truncatingIfNeeded: bias[0]),
                              g, transposed: transposed, stage, output: output)
        return
    }
    #endif
    var o = 0
    if X.bitWidth == 8 && W.bitWidth == 8 && S.Accumulator.bitWidth == 32 && inC & 15 == 0 && targetHasVectorUnit
        && inputZeroPoint >= -128 && inputZeroPoint <= 127 {
        // int8 with 16k channels (an image-producing last layer): vector sums across all taps,
        // one reduction per output value. (A file's zero point is an int8; the bound keeps
        // x − zp inside int16 for any caller.)
        let zp = Int32(truncatingIfNeeded: inputZeroPoint)
        let k = Int(g.kernelH), s = Int(g.stride), inW = Int(g.inW), row = k &* inC
        @inline(__always) func accumulate(_ acc: inout SIMD16<Int32>, _ x: UnsafePointer<Int8>, _ w: UnsafePointer<Int8>, count: Int) {
            var i = 0
            while i &+ 32 <= count { acc &+= centeredPairSums(x + i, zp, w + i, SIMD16<Int32>.self); i &+= 32 }
            if i < count { acc.lowHalf &+= centeredPairSums(x + i, zp, w + i, SIMD8<Int32>.self) }
        }
        // Pixels with every tap inside the input need no per-tap checks: a convolution's reads k
        // runs of k · inC contiguous values against k contiguous runs of its weights; a
        // stride-1 transposed one's taps (ky, kx) read input (oy + padTop − ky, ox + padLeft − kx).
        let direct = !transposed || s == 1
        for oy in 0..<Int(g.outH) {
            let rowInside = direct && allTapsInside(oy, kernel: k, stride: s, pad: Int(g.padTop), size: Int(g.inH), transposed: transposed)
            for ox in 0..<Int(g.outW) {
                let interior = rowInside && allTapsInside(ox, kernel: k, stride: s, pad: Int(g.padLeft), size: inW, transposed: transposed)
                let x0 = UnsafeRawPointer(input + firstTapPixel(oy, ox, g, transposed: transposed) &* inC).assumingMemoryBound(to: Int8.self)
                for oc in 0..<Int(g.outC) {
                    var acc = SIMD16<Int32>(repeating: 0)
                    let wChannel = UnsafeRawPointer(weights + oc &* tapStride).assumingMemoryBound(to: Int8.self)
                    if interior && !transposed {
                        for ky in 0..<k { accumulate(&acc, x0 + ky &* inW &* inC, wChannel + ky &* row, count: row) }
                    } else if interior {
                        for ky in 0..<k {
                            for kx in 0..<k { accumulate(&acc, x0 - (ky &* inW &+ kx) &* inC, wChannel + (ky &* k &+ kx) &* inC, count: inC) }
                        }
                    } else {
                        forEachTap(oy, ox, g, transposed: transposed) { pixel, tap in
                            accumulate(&acc, UnsafeRawPointer(input + pixel &* inC).assumingMemoryBound(to: Int8.self), wChannel + tap &* inC, count: inC)
                        }
                    }
                    let sum = acc.wrappedSum()
                    output[o] = stage.apply(bias[oc] &+ S.Accumulator(truncatingIfNeeded: sum), channel: oc)
                    o &+= 1
                }
            }
        }
        return
    }
    if X.bitWidth == 16 && targetHasVectorUnit
        && Int(g.kernelH) &* Int(g.kernelW) <= tapListCapacity && (inC & 15 == 0 || (!transposed && tapStride <= fewInputsCapacity)) {
        convolveInt16(UnsafeRawPointer(input).assumingMemoryBound(to: Int16.self), weights: weights, bias: bias, g, transposed: transposed, stage, output: output)
        return
    }
    for oy in 0..<Int(g.outH) {
        for ox in 0..<Int(g.outW) {
            for oc in 0..<Int(g.outC) {
                var acc = bias[oc]
                let wChannel = weights + oc &* tapStride
                forEachTap(oy, ox, g, transposed: transposed) { pixel, tap in
                    acc &+= dot(input + pixel &* inC, inputZeroPoint, wChannel + tap &* inC, count: inC)
                }
                output[o] = stage.apply(acc, channel: oc)
                o &+= 1
            }
        }
    }
}

/// out[j] = stage(bias[j] + Σ_i (in[i] − zp) · w[j, i]), weights stored [out][in].
@inlinable
public func dense<X: QuantizedValue, W: QuantizedValue, S: OutputStage>(
    _ input: UnsafePointer<X>, inputZeroPoint: S.Accumulator, weights: UnsafePointer<W>,
    bias: UnsafePointer<S.Accumulator>, inFeatures: Int32, outFeatures: Int32, _ stage: S,
    output: UnsafeMutablePointer<S.Output>) {
    let n = Int(inFeatures)
    if X.bitWidth == 16 && (n & 15 == 0 || n <= fewInputsCapacity) && targetHasVectorUnit {
        // The int16 kernel's 1×1 case: four outputs at a time.
        convolveInt16(UnsafeRawPointer(input).assumingMemoryBound(to: Int16.self), weights: weights, bias: bias,
                      .dense(inputs: inFeatures, outputs: outFeatures), transposed: false, stage, output: output)
        return
    }
    for j in 0..<Int(outFeatures) {
        let acc = bias[j] &+ dot(input, inputZeroPoint, weights + j &* n, count: n)
        output[j] = stage.apply(acc, channel: j)
    }
}
