// The int8 kernels on 32-bit Arm (Cortex-M): int8 weights and inputs as pairs of 16-bit halves
// in 32-bit words, multiplied a halfword pair at a time — LLVM turns `smlad` below into the
// Cortex-M4/M7 DSP extension's halfword multiply-adds (SMLABB, SMLABT, SMLATB), one instruction
// per multiply-add where the portable code needs about three. The core imports nothing, so this
// is plain Swift: LLVM forms neither SMLAD (two multiply-adds at once) nor SXTB16 from it.
// Results are the same integers as the portable and vector paths'. Sums live in registers inside
// small out-of-line loops (a core without vector registers builds a 16-lane vector value lane by
// lane through the stack); instruction counts per step are in firmware-sim/README.md.

#if arch(arm)
/// acc + a.lo16 · b.lo16 + a.hi16 · b.hi16, the halves signed (SMLAD's arithmetic).
@inlinable @inline(__always)
func smlad(_ a: UInt32, _ b: UInt32, _ acc: Int32) -> Int32 {
    acc &+ Int32(Int16(truncatingIfNeeded: a)) &* Int32(Int16(truncatingIfNeeded: b))
        &+ (Int32(bitPattern: a) &>> 16) &* (Int32(bitPattern: b) &>> 16)
}

/// Bytes 0 and 2 of x sign-extended into the two 16-bit halves (SXTB16's result).
@inlinable @inline(__always)
func sxtb16(_ x: UInt32) -> UInt32 {
    UInt32(UInt16(bitPattern: Int16(Int8(truncatingIfNeeded: x)))) | UInt32(UInt16(bitPattern: Int16(Int8(truncatingIfNeeded: x &>> 16)))) &<< 16
}

/// Bytes 1 and 3 of x sign-extended into the two 16-bit halves.
@inlinable @inline(__always)
func sxtb16Odd(_ x: UInt32) -> UInt32 { sxtb16(x &>> 8) }

/// value(0) ... value(3) (each within int16) as the 16-bit pairs (v0, v2) and (v1, v3), the
/// halves `smlad` multiplies with `sxtb16`'s (w0, w2) and (w1, w3).
@inlinable @inline(__always)
func quadPairs(_ value: (Int) -> Int32) -> (even: UInt32, odd: UInt32) {
    @inline(__always) func pair(_ lo: Int32, _ hi: Int32) -> UInt32 { UInt32(bitPattern: (lo & 0xFFFF) | (hi &<< 16)) }
    return (pair(value(0), value(2)), pair(value(1), value(3)))
}

/// The low and high words of a staged pair.
@inlinable @inline(__always) func lowWord(_ v: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: v) }
@inlinable @inline(__always) func highWord(_ v: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: v &>> 32) }

/// a0...a3 += the products of `quads` staged input pairs (x, one pixel) with 4 consecutive
/// channels' weights (the 16 bytes at w, then every 64 bytes): one input load serves 4 channels.
@inlinable @inline(__always)
func multiplyAddFourChannelsDSP(_ a0: inout Int32, _ a1: inout Int32, _ a2: inout Int32, _ a3: inout Int32,
                                _ x: UnsafePointer<UInt64>, _ w: UnsafeRawPointer, quads: Int) {
    var x = x, wq = w.assumingMemoryBound(to: UInt64.self)
    for _ in 0..<quads {
        let xv = x[0], w01 = wq[0], w23 = wq[1]
        let xe = lowWord(xv), xo = highWord(xv)
        a0 = smlad(sxtb16(lowWord(w01)), xe, smlad(sxtb16Odd(lowWord(w01)), xo, a0))
        a1 = smlad(sxtb16(highWord(w01)), xe, smlad(sxtb16Odd(highWord(w01)), xo, a1))
        a2 = smlad(sxtb16(lowWord(w23)), xe, smlad(sxtb16Odd(lowWord(w23)), xo, a2))
        a3 = smlad(sxtb16(highWord(w23)), xe, smlad(sxtb16Odd(highWord(w23)), xo, a3))
        wq += 8; x += 1
    }
}

/// Calls body(the quad's weights) for every quad of the `count` (≥ 1) staged runs, in staging
/// order: run r starts at w + runs[2r] and has runs[2r + 1] quads, 64 bytes apart.
@inlinable @inline(__always)
func forEachStagedQuad(_ w: UnsafeRawPointer, _ runs: UnsafePointer<Int32>, count: Int, _ body: (UnsafeRawPointer) -> Void) {
    var run = runs
    let end = runs + 2 &* count
    repeat {
        var wq = w + Int(run[0]), quads = run[1]
        repeat {
            body(wq)
            wq += 64; quads &-= 1
        } while quads != 0
        run += 2
    } while run != end
}

/// One channel's sums of 4 pixels (a[0 ..< 4]) plus the staged runs: per quad one weight word,
/// its bytes split into halfword pairs once, and four halfword multiply-adds per pixel with the
/// pixel's staged pairs. Out of line, so that
/// its registers are allocated apart from the kernel's bookkeeping.
@inlinable @inline(never)
func fourPixelSumsDSP(_ a: UnsafeMutablePointer<Int32>, _ pairs: UnsafePointer<UInt64>, _ w: UnsafeRawPointer,
                      _ runs: UnsafePointer<Int32>, count: Int) {
    var a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3]
    var x = pairs
    forEachStagedQuad(w, runs, count: count) { wq in
        let q = wq.load(as: UInt32.self)
        let we = sxtb16(q), wo = sxtb16Odd(q)
        a0 = smlad(we, lowWord(x[0]), smlad(wo, highWord(x[0]), a0))
        a1 = smlad(we, lowWord(x[1]), smlad(wo, highWord(x[1]), a1))
        a2 = smlad(we, lowWord(x[2]), smlad(wo, highWord(x[2]), a2))
        a3 = smlad(we, lowWord(x[3]), smlad(wo, highWord(x[3]), a3))
        x += 4
    }
    a[0] = a0; a[1] = a1; a[2] = a2; a[3] = a3
}

/// Four channels' sums of one pixel (a[0], a[4], a[8], a[12]) plus the staged runs, the pixel's
/// pairs every 4 (the 4-pixel staging).
@inlinable @inline(never)
func fourChannelSumsDSP(_ a: UnsafeMutablePointer<Int32>, _ pairs: UnsafePointer<UInt64>, _ w: UnsafeRawPointer,
                        _ runs: UnsafePointer<Int32>, count: Int) {
    var a0 = a[0], a1 = a[4], a2 = a[8], a3 = a[12]
    var x = pairs
    forEachStagedQuad(w, runs, count: count) { wq in
        multiplyAddFourChannelsDSP(&a0, &a1, &a2, &a3, x, wq, quads: 1)
        x += 4
    }
    a[0] = a0; a[4] = a1; a[8] = a2; a[12] = a3
}

/// The most quads (4 reduction values each) `convolvePackedDSP` stages at once, and the most
/// runs of contiguous weights (taps, or parts of one) they may come from.
@usableFromInline let dspStagedQuads = 80
@usableFromInline let dspStagedRuns = 32

/// Convolution, transposed convolution or dense op over packed weights (input channels a
/// multiple of 4) on 32-bit Arm, 4 output pixels along a row at a time (spaced by the stride
/// for a transposed conv, so that all 4 use the same taps). The inputs of as many taps as fit
/// (or a part of one tap's channels) are staged once as halfword pairs for the 4 pixels, zero
/// point taken off and 0 where a pixel's tap falls outside the input; then each output channel
/// runs through them with its 4 sums in registers: per quad one weight word split into halfword
/// pairs and 16 halfword multiply-adds. A group of fewer than 4 pixels (a dense op, a row's end) runs
/// pixel by pixel, 4 channels at a time. The sums of up to 64 channels wait on the stack
/// between stagings (3.9 KB of stack in all).
@inlinable
func convolvePackedDSP<S: OutputStage>(
    _ input: UnsafePointer<Int8>, inputZeroPoint zp: Int32, packed: UnsafeRawPointer, bias: UnsafePointer<Int32>,
    _ g: KernelGeometry, transposed: Bool, _ stage: S, output: UnsafeMutablePointer<S.Output>) where S.Accumulator == Int32 {
    let inC = Int(g.inC), k = Int(g.kernelH), s = Int(g.stride), inH = Int(g.inH), inW = Int(g.inW)
    let outW = Int(g.outW), outC = Int(g.outC), field = k &* k &* inC
    let step = transposed ? s : 1
    // Pairs: 2 words per pixel per quad; sums: 4 per channel for 64 channels; runs: where each
    // staged run's weights start (byte offset in a block) and how many quads it has.
    var pairStore = (SIMD64<UInt32>(), SIMD64<UInt32>(), SIMD64<UInt32>(), SIMD64<UInt32>(), SIMD64<UInt32>(),
                     SIMD64<UInt32>(), SIMD64<UInt32>(), SIMD64<UInt32>(), SIMD64<UInt32>(), SIMD64<UInt32>())
    var sumStore = (SIMD64<Int32>(), SIMD64<Int32>(), SIMD64<Int32>(), SIMD64<Int32>())
    var runStore = (SIMD32<Int32>(), SIMD32<Int32>())
    withUnsafeMutableBytes(of: &pairStore) { pairBytes in
    withUnsafeMutableBytes(of: &sumStore) { sumBytes in
    withUnsafeMutableBytes(of: &runStore) { runBytes in
        let pairs = pairBytes.baseAddress!.assumingMemoryBound(to: UInt32.self)
        let sums = sumBytes.baseAddress!.assumingMemoryBound(to: Int32.self)
        let run = runBytes.baseAddress!.assumingMemoryBound(to: Int32.self)   // run r: run[2r] start, run[2r + 1] quads
        for oy in 0..<Int(g.outH) {
            for phase in 0..<step {
                var ox = phase
                while ox < outW {
                    let n = min(4, (outW &- ox &+ step &- 1) / step)      // pixels in this group
                    var firstLane = 0
                    while firstLane < outC {
                        let lanes = min(64, outC &- firstLane)
                        for i in 0..<(lanes &* 4) { sums[i] = 0 }
                        var staged = 0, runs = 0
                        // Adds the staged quads' products to the sums, 4 pixels × 1 channel or
                        // 1 pixel × 4 channels at a time.
                        @inline(__always) func flush() {
                            if runs == 0 { return }
                            @inline(__always) func channelWeights(_ lane: Int) -> UnsafeRawPointer {
                                let c = firstLane &+ lane
                                return packed + ((c &>> 4) &* field &* 16 &+ (c & 15) &* 4)
                            }
                            let x = UnsafeRawPointer(pairs).assumingMemoryBound(to: UInt64.self)
                            if n < 4 {
                                // Fewer than 4 pixels: each one 4 channels at a time, none wasted.
                                for p in 0..<n {
                                    var lane = 0
                                    while lane < lanes {
                                        fourChannelSumsDSP(sums + (4 &* lane &+ p), x + p, channelWeights(lane), run, count: runs)
                                        lane &+= 4
                                    }
                                }
                            } else {
                                for lane in 0..<lanes { fourPixelSumsDSP(sums + 4 &* lane, x, channelWeights(lane), run, count: runs) }
                            }
                            staged = 0; runs = 0
                        }
                        for ky in 0..<k {
                            let iy = sourceIndex(oy, ky, stride: s, pad: Int(g.padTop), size: inH, transposed: transposed)
                            if iy < 0 { continue }
                            for kx in 0..<k {
                                var source = (-1, -1, -1, -1)          // each pixel's input pixel for this tap, or −1
                                withUnsafeMutableBytes(of: &source) { raw in
                                    let ix = raw.baseAddress!.assumingMemoryBound(to: Int.self)
                                    for p in 0..<n {
                                        let c = sourceIndex(ox &+ p &* step, kx, stride: s, pad: Int(g.padLeft), size: inW, transposed: transposed)
                                        ix[p] = c < 0 ? -1 : iy &* inW &+ c
                                    }
                                }
                                if source.0 < 0 && source.1 < 0 && source.2 < 0 && source.3 < 0 { continue }
                                var first = 0
                                while first < inC {
                                    let quads = min(inC &- first, 4 &* dspStagedQuads) / 4
                                    if staged &+ quads > dspStagedQuads || runs == dspStagedRuns { flush() }
                                    withUnsafeBytes(of: &source) { raw in
                                        let ix = raw.baseAddress!.assumingMemoryBound(to: Int.self)
                                        for p in 0..<4 {
                                            let d = pairs + (8 &* staged &+ 2 &* p)
                                            if ix[p] < 0 {
                                                for q in 0..<quads { d[8 &* q] = 0; d[8 &* q &+ 1] = 0 }
                                            } else {
                                                let x = input + (ix[p] &* inC &+ first)
                                                for q in 0..<quads {
                                                    let v = quadPairs { Int32(x[4 &* q &+ $0]) &- zp }
                                                    d[8 &* q] = v.even; d[8 &* q &+ 1] = v.odd
                                                }
                                            }
                                        }
                                    }
                                    let start = Int32(truncatingIfNeeded: ((ky &* k &+ kx) &* inC &+ first) &* 16)
                                    let last = run + 2 &* (runs &- 1)
                                    if runs > 0 && last[0] &+ last[1] &* 64 == start {
                                        last[1] &+= Int32(truncatingIfNeeded: quads)     // the next tap's weights follow on
                                    } else {
                                        run[2 &* runs] = start
                                        run[2 &* runs &+ 1] = Int32(truncatingIfNeeded: quads)
                                        runs &+= 1
                                    }
                                    staged &+= quads
                                    first &+= 4 &* dspStagedQuads
                                }
                            }
                        }
                        flush()
                        for lane in 0..<lanes {
                            let c = firstLane &+ lane, a = sums + 4 &* lane
                            for p in 0..<n {
                                output[(oy &* outW &+ ox &+ p &* step) &* outC &+ c] = stage.apply(a[p] &+ bias[c], channel: c)
                            }
                        }
                        firstLane &+= 64
                    }
                    ox &+= 4 &* step
                }
            }
        }
    }
    }
    }
}

/// One output pixel of the short-reduction kernel (`convolvePackedFewInputs`) on Cortex-M4/M7:
/// its gathered field v (zero point taken off, 0 outside the input) staged once as pairs, then
/// 4 channels at a time; the last r mod 4 values ([16 channels][rest] after a block's quads)
/// one by one.
@inlinable
func fewInputsDSP<S: OutputStage>(_ v: UnsafePointer<Int32>, quads: Int, rest: Int, packed: UnsafeRawPointer, bias: UnsafePointer<Int32>,
                                  channels outC: Int, _ stage: S, output: UnsafeMutablePointer<S.Output>) where S.Accumulator == Int32 {
    var staged = SIMD8<UInt64>()                 // r ≤ 32: at most 8 quads
    withUnsafeMutableBytes(of: &staged) { raw in
        let x = raw.baseAddress!.assumingMemoryBound(to: UInt64.self)
        for q in 0..<quads {
            let p = quadPairs { v[4 &* q &+ $0] }
            x[q] = UInt64(p.even) | UInt64(p.odd) &<< 32
        }
        let blockBytes = quads &* 64 &+ rest &* 16
        var c = 0
        while c < outC {
            let wb = packed + (c &>> 4) &* blockBytes, lane = c & 15
            var a0 = bias[c], a1 = bias[c &+ 1], a2 = bias[c &+ 2], a3 = bias[c &+ 3]
            multiplyAddFourChannelsDSP(&a0, &a1, &a2, &a3, x, wb + lane &* 4, quads: quads)
            let t = (wb + quads &* 64).assumingMemoryBound(to: Int8.self) + lane &* rest
            for j in 0..<rest {
                let xj = v[4 &* quads &+ j]
                a0 &+= Int32(t[j]) &* xj; a1 &+= Int32(t[rest &+ j]) &* xj
                a2 &+= Int32(t[2 &* rest &+ j]) &* xj; a3 &+= Int32(t[3 &* rest &+ j]) &* xj
            }
            output[c] = stage.apply(a0, channel: c); output[c &+ 1] = stage.apply(a1, channel: c &+ 1)
            output[c &+ 2] = stage.apply(a2, channel: c &+ 2); output[c &+ 3] = stage.apply(a3, channel: c &+ 3)
            c &+= 4
        }
    }
}

/// acc + Σ over `quads` quads of (x + 128) · w, the inputs read 4 bytes at a time and made
/// unsigned, the weights staged as halfword pairs (`sxtb16`). Out of line, with its own registers.
@inlinable @inline(never)
func unsignedDotDSP(_ x: UnsafePointer<Int8>, _ w: UnsafePointer<UInt64>, quads: Int, _ acc: Int32) -> Int32 {
    var acc = acc, x = UnsafeRawPointer(x), w = w
    for _ in 0..<quads {
        let u = x.loadUnaligned(as: UInt32.self) ^ 0x8080_8080, wv = w[0]
        acc = smlad(u & 0x00FF_00FF, lowWord(wv), smlad((u &>> 8) & 0x00FF_00FF, highWord(wv), acc))
        x += 4; w += 1
    }
    return acc
}

/// The most weights `convolveOneChannelDSP` stages, and the most taps.
@usableFromInline let oneChannelStagedWeights = 1024
@usableFromInline let oneChannelStagedTaps = 64

/// A convolution or transposed convolution with one output channel (an image-producing last
/// layer: the reference kernels' plain weights, inC a multiple of 4) on 32-bit Arm. The
/// channel's weights are staged once as halfword pairs with each tap's Σ w; every output pixel
/// then sums (x + 128) · w over its taps, four halfword multiply-adds per 4 inputs, and takes
/// (zp + 128) · Σ w of the taps it used off at the end — the same integer as Σ (x − zp) · w.
@inlinable
func convolveOneChannelDSP<S: OutputStage>(
    _ input: UnsafePointer<Int8>, inputZeroPoint zp: Int32, weights: UnsafePointer<Int8>, bias: Int32,
    _ g: KernelGeometry, transposed: Bool, _ stage: S, output: UnsafeMutablePointer<S.Output>) {
    let inC = Int(g.inC), taps = Int(g.kernelH) &* Int(g.kernelW), quads = inC / 4
    var pairStore = (SIMD64<UInt64>(), SIMD64<UInt64>(), SIMD64<UInt64>(), SIMD64<UInt64>())
    var tapStore = SIMD64<Int32>()
    withUnsafeMutableBytes(of: &pairStore) { pairBytes in
    withUnsafeMutableBytes(of: &tapStore) { tapBytes in
        let pairs = pairBytes.baseAddress!.assumingMemoryBound(to: UInt64.self)
        let tapSums = tapBytes.baseAddress!.assumingMemoryBound(to: Int32.self)
        let w = UnsafeRawPointer(weights)
        for t in 0..<taps {
            var sum: Int32 = 0
            for q in 0..<quads {
                let i = t &* quads &+ q, word = w.loadUnaligned(fromByteOffset: 4 &* i, as: UInt32.self)
                pairs[i] = UInt64(sxtb16(word)) | UInt64(sxtb16Odd(word)) &<< 32
                for j in 0..<4 { sum &+= Int32(weights[4 &* i &+ j]) }
            }
            tapSums[t] = sum
        }
        var all: Int32 = 0
        for t in 0..<taps { all &+= tapSums[t] }
        // Pixels with every tap inside the input read them at fixed offsets (`firstTapPixel`):
        // a convolution's kernel rows as k · inC contiguous values, a stride-1 transposed one's
        // taps (ky, kx) at −(ky · inW + kx) pixels.
        let k = Int(g.kernelH), s = Int(g.stride), inW = Int(g.inW), direct = !transposed || s == 1
        var o = 0
        for oy in 0..<Int(g.outH) {
            let rowInside = direct && g.kernelW == g.kernelH && allTapsInside(oy, kernel: k, stride: s, pad: Int(g.padTop), size: Int(g.inH), transposed: transposed)
            for ox in 0..<Int(g.outW) {
                var acc: Int32 = 0, used: Int32 = 0
                if rowInside && allTapsInside(ox, kernel: k, stride: s, pad: Int(g.padLeft), size: inW, transposed: transposed) {
                    let first = input + firstTapPixel(oy, ox, g, transposed: transposed) &* inC
                    for ky in 0..<k {
                        if transposed {
                            for kx in 0..<k {
                                acc = unsignedDotDSP(first - (ky &* inW &+ kx) &* inC, pairs + (ky &* k &+ kx) &* quads, quads: quads, acc)
                            }
                        } else {
                            acc = unsignedDotDSP(first + ky &* inW &* inC, pairs + ky &* k &* quads, quads: k &* quads, acc)
                        }
                    }
                    used = all
                } else {
                    forEachTap(oy, ox, g, transposed: transposed) { pixel, tap in
                        acc = unsignedDotDSP(input + pixel &* inC, pairs + tap &* quads, quads: quads, acc)
                        used &+= tapSums[tap]
                    }
                }
                output[o] = stage.apply(S.Accumulator(truncatingIfNeeded: bias &+ acc &- (zp &+ 128) &* used), channel: 0)
                o &+= 1
            }
        }
    }
    }
}

#endif
