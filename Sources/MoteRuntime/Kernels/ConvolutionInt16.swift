// The int16-activation path for convolution, transposed convolution and dense ops (int16
// inputs, int16 or int8 weights, int64 accumulators) on targets with a vector unit;
// bit-identical to the reference kernels in Convolution.swift, which other targets use.
//
// Each pair of neighbouring products is summed in int32 — one pmaddwd for 16 pairs (exact, see
// `accumulateInt16`) — and the pair sums are kept in two int32 parts (`SplitSum`). The taps
// an output pixel reads are listed once per pixel on the stack, so the tap arithmetic is not
// redone for every output channel, and four output channels share each input load.
// Layers with few input channels (a first layer reading a 1-channel image) instead gather
// the pixel's whole receptive field once, zeros outside the input, and take a plain dot
// product of it with each channel's contiguous weights.

/// The most taps (kernelH · kernelW) the fast path lists on the stack; larger kernels take the
/// reference kernels.
@usableFromInline let tapListCapacity = 64

/// The most values (k · k · inC) of a receptive field the few-input-channel path gathers.
@usableFromInline let fewInputsCapacity = 64

/// The int16 × W dot product, 32 values per step, into `sum`. The pair sums are exact: int16
/// weights are narrow-range (±32767, checked when a file is opened), so
/// |x₀w₀ + x₁w₁| ≤ 2 · 32768 · 32767 < 2^31 (int8 weights: < 2^24). `count` is a multiple of 16.
@inlinable @inline(__always)
func accumulateInt16<W: QuantizedValue>(_ sum: inout SplitSum, _ x: UnsafePointer<Int16>, _ w: UnsafePointer<W>, count: Int) {
    var i = 0
    while i &+ 32 <= count {
        sum.add(pairSums(x + i, w + i, SIMD16<Int32>.self))
        i &+= 32
    }
    if i < count { sum.add(pairSums(x + i, w + i, SIMD8<Int32>.self)) }
}

/// Convolution or transposed convolution, int16 inputs × W weights [outC][kh][kw][inC], with
/// an int64 accumulator (`S.Accumulator`); a dense op is the 1×1 case. Needs
/// kernelH · kernelW ≤ `tapListCapacity`, and inC a multiple of 16 or (not transposed)
/// k · k · inC ≤ `fewInputsCapacity`.
@inlinable
func convolveInt16<W: QuantizedValue, S: OutputStage>(
    _ input: UnsafePointer<Int16>, weights w: UnsafePointer<W>, bias: UnsafePointer<S.Accumulator>,
    _ g: KernelGeometry, transposed: Bool, _ stage: S, output: UnsafeMutablePointer<S.Output>) {
    let inC = Int(g.inC), outC = Int(g.outC), outW = Int(g.outW)
    let tapStride = Int(g.kernelH) &* Int(g.kernelW) &* inC
    if inC & 15 != 0 {
        convolveInt16FewInputs(input, weights: w, bias: bias, g, stage, output: output)
        return
    }
    // (input pixel, tap) of each tap the output pixel reads.
    var list = (SIMD64<Int32>(repeating: 0), SIMD64<Int32>(repeating: 0))
    withUnsafeMutableBytes(of: &list) { raw in
        let pixels = raw.baseAddress!.assumingMemoryBound(to: Int32.self), taps = pixels + tapListCapacity
        for oy in 0..<Int(g.outH) {
            for ox in 0..<outW {
                let n = listTaps(oy, ox, g, transposed: transposed, pixels: pixels, taps: taps)
                let o = (oy &* outW &+ ox) &* outC
                // Four output channels from `oc` on.
                @inline(__always) func channels(_ oc: Int) {
                    var s0 = SplitSum(), s1 = s0, s2 = s0, s3 = s0
                    let w0 = w + oc &* tapStride, w1 = w0 + tapStride, w2 = w1 + tapStride, w3 = w2 + tapStride
                    for t in 0..<n {
                        let x = input + Int(pixels[t]) &* inC, wt = Int(taps[t]) &* inC
                        var i = 0
                        while i &+ 32 <= inC {
                            s0.add(pairSums(x + i, w0 + (wt &+ i), SIMD16<Int32>.self))
                            s1.add(pairSums(x + i, w1 + (wt &+ i), SIMD16<Int32>.self))
                            s2.add(pairSums(x + i, w2 + (wt &+ i), SIMD16<Int32>.self))
                            s3.add(pairSums(x + i, w3 + (wt &+ i), SIMD16<Int32>.self))
                            i &+= 32
                        }
                        if i < inC {                            // 16 channels left
                            s0.add(pairSums(x + i, w0 + (wt &+ i), SIMD8<Int32>.self))
                            s1.add(pairSums(x + i, w1 + (wt &+ i), SIMD8<Int32>.self))
                            s2.add(pairSums(x + i, w2 + (wt &+ i), SIMD8<Int32>.self))
                            s3.add(pairSums(x + i, w3 + (wt &+ i), SIMD8<Int32>.self))
                        }
                    }
                    let sums = SIMD4(s0.total, s1.total, s2.total, s3.total)
                    stage.apply4(sums &+ fourBiases(bias, oc), channels: oc, to: output + (o &+ oc))
                }
                var oc = 0
                while oc &+ 4 <= outC { channels(oc); oc &+= 4 }
                while oc < outC {
                    // The last outC mod 4 channels (an image's single channel) one by one.
                    var sum = SplitSum()
                    let wc = w + oc &* tapStride
                    for t in 0..<n { accumulateInt16(&sum, input + Int(pixels[t]) &* inC, wc + Int(taps[t]) &* inC, count: inC) }
                    output[o &+ oc] = stage.apply(bias[oc] &+ S.Accumulator(truncatingIfNeeded: sum.total), channel: oc)
                    oc &+= 1
                }
            }
        }
    }
}

/// x₂ᵢ·w₂ᵢ + x₂ᵢ₊₁·w₂ᵢ₊₁ for i = 0 ..< V.scalarCount in int32 (exact: see `accumulateInt16`).
/// Written as a plain loop into memory because that is the form LLVM turns into one pmaddwd; the same sums
/// through SIMD32<Int16> halves and conversions compile lane by lane.
@inlinable @inline(__always)
func pairSums<V: SIMD, W: QuantizedValue>(_ xs: UnsafePointer<Int16>, _ ws: UnsafePointer<W>, _: V.Type = V.self) -> V where V.Scalar == Int32 {
    if W.bitWidth == 8 {
        // int8 weights widened to int16 first: mixing the two widths in the pair loop makes
        // LLVM fall back to 32-bit multiplies.
        return withWidened(UnsafeRawPointer(ws).assumingMemoryBound(to: Int8.self), count: 2 &* V.scalarCount) { pairSums(xs, $0, V.self) }
    }
    var p = V()
    withUnsafeMutableBytes(of: &p) { raw in
        let o = raw.baseAddress!.assumingMemoryBound(to: Int32.self)
        for i in 0..<V.scalarCount {
            o[i] = Int32(xs[2 &* i]) &* Int32(truncatingIfNeeded: ws[2 &* i]) &+ Int32(xs[2 &* i &+ 1]) &* Int32(truncatingIfNeeded: ws[2 &* i &+ 1])
        }
    }
    return p
}

/// `body` on a stack copy of `count` (at most 64) int8 values widened to int16 — a plain loop,
/// which LLVM turns into vpmovsxbw.
@inlinable @inline(__always)
func withWidened<R>(_ values: UnsafePointer<Int8>, count: Int, _ body: (UnsafePointer<Int16>) -> R) -> R {
    var wide = (SIMD32<Int16>(), SIMD32<Int16>())
    return withUnsafeMutableBytes(of: &wide) { raw in
        let w16 = raw.baseAddress!.assumingMemoryBound(to: Int16.self)
        for i in 0..<count { w16[i] = Int16(values[i]) }
        return body(UnsafePointer(w16))
    }
}

/// Int64 sums kept as two int32 parts, 65536 · high + low: adding a pair sum p (|p| < 2^31) adds
/// its low 16 bits (unsigned) to `low` and its high 16 bits (signed) to `high`. Cheaper per step
/// than widening to int64 lanes. Exact for up to 32,768 pair sums in all (one output's at most
/// 65,536 taps): even the lanes' totals stay below 32,768 · 65,535 < 2^31 and 32,768 · 2^15.
@usableFromInline struct SplitSum {
    @usableFromInline var low = SIMD16<Int32>(repeating: 0), high = SIMD16<Int32>(repeating: 0)

    @inlinable @inline(__always) init() {}

    @inlinable @inline(__always)
    mutating func add(_ p: SIMD16<Int32>) {
        low &+= p & 0xFFFF
        high &+= p &>> 16
    }

    @inlinable @inline(__always)
    mutating func add(_ p: SIMD8<Int32>) {
        low.lowHalf &+= p & 0xFFFF
        high.lowHalf &+= p &>> 16
    }

    /// The sum of all lanes.
    @inlinable @inline(__always)
    var total: Int64 {
        Int64(low.wrappedSum()) &+ Int64(high.wrappedSum()) &<< 16
    }
}

/// bias[c ..< c + 4] as int64 lanes.
@inlinable @inline(__always)
func fourBiases<A: AccumulatorValue>(_ bias: UnsafePointer<A>, _ c: Int) -> SIMD4<Int64> {
    SIMD4(Int64(truncatingIfNeeded: bias[c]), Int64(truncatingIfNeeded: bias[c &+ 1]),
          Int64(truncatingIfNeeded: bias[c &+ 2]), Int64(truncatingIfNeeded: bias[c &+ 3]))
}

/// Writes the (input pixel, tap) pairs `forEachTap` visits for output pixel (oy, ox) to
/// `pixels` and `taps`; returns how many. (A separate function so that the caller's count is
/// a constant its nested code can capture without a heap box.)
@inlinable @inline(__always)
func listTaps(_ oy: Int, _ ox: Int, _ g: KernelGeometry, transposed: Bool, pixels: UnsafeMutablePointer<Int32>, taps: UnsafeMutablePointer<Int32>) -> Int {
    var n = 0
    forEachTap(oy, ox, g, transposed: transposed) { pixel, tap in
        pixels[n] = Int32(truncatingIfNeeded: pixel); taps[n] = Int32(truncatingIfNeeded: tap); n &+= 1
    }
    return n
}

/// Convolution with a short receptive field (k · k · inC ≤ `fewInputsCapacity`): the field is
/// gathered once per output pixel (0 outside the input) and each output channel is one
/// contiguous dot product with its weights.
@inlinable
func convolveInt16FewInputs<W: QuantizedValue, S: OutputStage>(
    _ input: UnsafePointer<Int16>, weights: UnsafePointer<W>, bias: UnsafePointer<S.Accumulator>,
    _ g: KernelGeometry, _ stage: S, output: UnsafeMutablePointer<S.Output>) {
    let inC = Int(g.inC), outC = Int(g.outC), outW = Int(g.outW)
    let r = Int(g.kernelH) &* Int(g.kernelW) &* inC
    var field = SIMD64<Int32>(repeating: 0)
    withUnsafeMutableBytes(of: &field) { raw in
        let v = raw.baseAddress!.assumingMemoryBound(to: Int32.self)
        for oy in 0..<Int(g.outH) {
            for ox in 0..<outW {
                raw.storeBytes(of: SIMD64<Int32>(repeating: 0), as: SIMD64<Int32>.self)
                forEachTap(oy, ox, g, transposed: false) { pixel, tap in
                    let x = input + pixel &* inC, d = v + tap &* inC
                    for ic in 0..<inC { d[ic] = Int32(x[ic]) }
                }
                let o = (oy &* outW &+ ox) &* outC
                // Each product fits int32 (|x · w| ≤ 2^30); the sums are kept in int64. Four
                // channels at a time share the output stage's vector form.
                @inline(__always) func product(_ i: Int, _ w: UnsafePointer<W>) -> Int64 { Int64(v[i] &* Int32(truncatingIfNeeded: w[i])) }
                var oc = 0
                while oc &+ 4 <= outC {
                    let w0 = weights + oc &* r, w1 = w0 + r, w2 = w1 + r, w3 = w2 + r
                    var a0: Int64 = 0, a1: Int64 = 0, a2: Int64 = 0, a3: Int64 = 0
                    for i in 0..<r { a0 &+= product(i, w0); a1 &+= product(i, w1); a2 &+= product(i, w2); a3 &+= product(i, w3) }
                    stage.apply4(SIMD4(a0, a1, a2, a3) &+ fourBiases(bias, oc), channels: oc, to: output + (o &+ oc))
                    oc &+= 4
                }
                while oc < outC {
                    let wc = weights + oc &* r
                    var acc: Int64 = 0
                    for i in 0..<r { acc &+= product(i, wc) }
                    output[o &+ oc] = stage.apply(bias[oc] &+ S.Accumulator(truncatingIfNeeded: acc), channel: oc)
                    oc &+= 1
                }
            }
        }
    }
}
