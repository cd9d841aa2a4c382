// The fast int8 × int8 path for convolution, transposed convolution and dense ops whose
// output channel count is a multiple of 16: weights packed at export so that one 64-byte load
// feeds 16 output channels with 4 reduction steps each.
//
// Packed layout, per block of 16 output channels: the reduction index r = tap · inC + ic
// (tap = ky · k + kx; dense: r = input index) in quads r = 4q ... 4q + 3, each quad as
// [16 channels][4] int8 — 64 bytes, read as 16 int32 lanes whose bytes are split by shifts —
// then the R mod 4 remaining r as [16 channels][R mod 4] (no padding: the file stays as
// small as the weights). Swift's SIMD widening conversions compile to lane by lane code, 16x
// slower; shifts and masks compile to plain vector ops.
//
// On vector targets (x86-64, AArch64) a call first rewrites the weights of as many blocks as
// fit on the stack in pair order (`pairOrderedWeights`, int16): a pair of inputs, doubled into
// a 64-bit word and broadcast, then meets 8 channels' weight pairs in one pmaddwd whose sums are
// those channels' sums. Four output pixels × 16 channels are 8 AVX2 registers of sums, with
// room for the operands (the file's quad order needs two sums per channel: 16 registers, and
// spills). The inputs are widened and doubled once per op when they fit on the stack, less the
// zero point (every pixel then starts from the bias); larger inputs once per four-pixel group,
// made unsigned (x + 128) against a bias folded at export, bias − (zp + 128) · Σ w, or per
// pixel. Output pixels whose taps all lie inside the input go 4 at a time along a row, so that
// one weight load serves 4; the others one at a time, skipping taps outside the input, which
// contribute 0 exactly as in the reference kernels. Results are bit-identical either way. Zen 3
// issues one vpmaddwd per cycle: 16 multiply-adds per cycle is this path's ceiling on AVX2.
// Other targets (Cortex-M has its own file, PackedConvolutionCortexM.swift) read the quads
// directly. The byte split (w << 24) >> 24 … is written out at each use: a helper returning
// the four vectors as a tuple more than doubled the Cortex-M code (-Osize), for no host speed.

/// Whether an op's weights are stored packed: int8 input and weights, channels a multiple of 16.
@inlinable public func usesPackedWeights(wideAccumulator: Bool, channels: Int) -> Bool {
    !wideAccumulator && channels % 16 == 0 && channels > 0
}

/// acc += Σ of the quad's 4 weights (bytes of each lane of `w`) times x0...x3 (in `a`, `b`
/// as two 16-bit values per 32-bit lane).
@inlinable @inline(__always)
func multiplyAddQuad(_ acc: inout SIMD16<Int32>, _ a: SIMD16<Int32>, _ b: SIMD16<Int32>, _ w: UnsafeRawPointer) {
    let wv = w.loadUnaligned(as: SIMD16<Int32>.self)
    acc &+= ((wv &<< 24) &>> 24) &* ((a &<< 16) &>> 16) &+ ((wv &<< 16) &>> 24) &* (a &>> 16)
    acc &+= ((wv &<< 8) &>> 24) &* ((b &<< 16) &>> 16) &+ (wv &>> 24) &* (b &>> 16)
}

/// acc += Σ over the quad of weight × (input + 128), the 4 input bytes at `x` read at once and
/// made unsigned: in this form (signed byte × unsigned byte, split by shifts and masks) LLVM
/// reliably emits pmaddwd / vpdpwssd; with the zero point subtracted per value it may not.
@inlinable @inline(__always)
func multiplyAddQuadUnsigned(_ acc: inout SIMD16<Int32>, _ x: UnsafePointer<Int8>, _ wv: SIMD16<Int32>) {
    let xq = SIMD16<Int32>(repeating: UnsafeRawPointer(x).loadUnaligned(as: Int32.self) ^ Int32(bitPattern: 0x8080_8080))
    acc &+= ((wv &<< 24) &>> 24) &* (xq & 0xFF) &+ ((wv &<< 16) &>> 24) &* ((xq &>> 8) & 0xFF)
    acc &+= ((wv &<< 8) &>> 24) &* ((xq &>> 16) & 0xFF) &+ (wv &>> 24) &* ((xq &>> 24) & 0xFF)
}

/// low/high += one quad's products for channels 0-7 / 8-15, as two pair sums per channel
/// (w_c0·x0 + w_c1·x1, w_c2·x2 + w_c3·x3), `quad` the 4 inputs as four int16 in one word and
/// `w16` the quad's [16 channels][4] weights widened to int16. Written as `pairSums` over the quad
/// repeated 16 times, LLVM multiplies whole 16-bit pairs — 32 multiply-adds per vpdpwssd, where
/// the byte split by shifts leaves one half of each pair zero. |pair| ≤ 2 · 255 · 128, and the
/// sums are the same int32 sums as the byte split's.
@inlinable @inline(__always)
func multiplyAddQuadPairs(_ low: inout SIMD16<Int32>, _ high: inout SIMD16<Int32>, _ quad: UInt64, _ w16: UnsafePointer<Int16>) {
    var repeated = SIMD16<UInt64>(repeating: quad)
    withUnsafeBytes(of: &repeated) { raw in
        let xs = raw.baseAddress!.assumingMemoryBound(to: Int16.self)
        low &+= pairSums(xs, w16, SIMD16<Int32>.self)
        high &+= pairSums(xs + 32, w16 + 32, SIMD16<Int32>.self)
    }
}

/// Each channel's two pair sums added: lane c of the result is low[2c] + low[2c + 1] for
/// c < 8 and high[2c − 16] + high[2c − 15] after.
@inlinable @inline(__always)
func foldPairs(_ low: SIMD16<Int32>, _ high: SIMD16<Int32>) -> SIMD16<Int32> {
    var pairs = (low, high), out = SIMD16<Int32>()
    withUnsafeBytes(of: &pairs) { src in
        withUnsafeMutableBytes(of: &out) { dst in
            let s = src.baseAddress!.assumingMemoryBound(to: Int32.self), d = dst.baseAddress!.assumingMemoryBound(to: Int32.self)
            for c in 0..<16 { d[c] = s[2 &* c] &+ s[2 &* c &+ 1] }
        }
    }
    return out
}

/// Two 16-bit values in every 32-bit lane.
@inlinable @inline(__always)
func pairLanes(_ lo: Int32, _ hi: Int32) -> SIMD16<Int32> { SIMD16(repeating: (lo & 0xFFFF) | (hi &<< 16)) }

/// Convolution (`transposed` false: rows iy = oy·s + ky − padTop) or transposed convolution
/// (true: iy = (oy + padTop − ky) / s where that divides) over packed weights. A dense op is
/// the 1×1 case: inH = inW = outH = outW = 1, kernel 1, inC = inputs. `foldedBias` is
/// bias − (zp + 128) · Σ weights, for output pixels whose taps all lie inside the input.
@inlinable
public func convolvePackedInt8<S: OutputStage>(
    _ input: UnsafePointer<Int8>, inputZeroPoint zp: Int32, packed: UnsafeRawPointer, bias: UnsafePointer<Int32>,
    foldedBias: UnsafePointer<Int32>, _ g: KernelGeometry, transposed: Bool, _ stage: S,
    output: UnsafeMutablePointer<S.Output>) where S.Accumulator == Int32 {
    let inC = Int(g.inC), k = Int(g.kernelH), s = Int(g.stride), inH = Int(g.inH), inW = Int(g.inW)
    let outC = Int(g.outC), blocks = outC / 16
    let r = k &* k &* inC, quads = r / 4, rest = r % 4, blockBytes = quads &* 64 &+ rest &* 16
    let channelQuads = inC % 4 == 0
    if !channelQuads && r <= 32 {
        convolvePackedFewInputs(input, inputZeroPoint: zp, packed: packed, bias: bias, g, transposed: transposed, stage, output: output)
        return
    }
    #if arch(arm)
    if channelQuads {
        convolvePackedDSP(input, inputZeroPoint: zp, packed: packed, bias: bias, g, transposed: transposed, stage, output: output)
        return
    }
    #endif
    let outW = Int(g.outW)
    if targetHasVectorUnit && channelQuads {
        if k == 1 && outW == 1 && g.outH == 1 && inC <= denseInputCapacity {
            denseUnsigned(input, inputs: inC, packed: packed, blocks: blocks, blockBytes: blockBytes, foldedBias: foldedBias, stage, output: output)
            return
        }
        if r &* 16 <= pairedWeightCapacity && k &* inW &* inC <= doubledInputCapacity {
            convolvePackedPaired(input, inputZeroPoint: zp, packed: packed, bias: bias, g, transposed: transposed, stage, output: output)
            return
        }
    }
    // The portable path: other targets without vector registers, and on vector targets the
    // layers too large for the paired path's stack copies (one block of weights: 3×3 with more
    // than 455 input channels; k input rows: more than 16,384 values) or whose channels are
    // not a multiple of 4.
    // Output pixels in groups of 4 along a row (spaced by the stride for a transposed conv,
    // so that all 4 use the same taps) where every tap lies inside the input horizontally:
    // each weight load then serves 4 pixels. Other pixels go one by one.
    let step = transposed ? s : 1
    let pixelStride = (transposed ? 1 : s) &* inC     // input distance between grouped pixels
    // A pixel whose taps all lie inside the input (for a transposed conv: all taps of its
    // stride phase) uses the folded bias and unsigned input bytes.
    @inline(__always) func inside(_ o: Int, _ pad: Int, _ size: Int) -> Bool {
        allTapsInside(o, kernel: k, stride: s, pad: pad, size: size, transposed: transposed)
    }
    for oy in 0..<Int(g.outH) {
        let rowInside = inside(oy, Int(g.padTop), inH)
        for phase in 0..<step {
            var ox = phase
            while ox < outW {
                let o = (oy &* outW &+ ox) &* outC
                let folded = foldedBias + (transposed ? ((oy &+ Int(g.padTop)) % s &* s &+ (ox &+ Int(g.padLeft)) % s) &* outC : 0)
                if channelQuads && rowInside && ox &+ 3 &* step < outW && inside(ox, Int(g.padLeft), inW) && inside(ox &+ 3 &* step, Int(g.padLeft), inW) {
                    for b in 0..<blocks {
                        var c0 = SIMD16<Int32>(repeating: 0), c1 = c0, c2 = c0, c3 = c0
                        let wb = packed + b &* blockBytes
                        forEachTap(oy, ox, g, transposed: transposed) { pixel, tap in
                            let x = input + pixel &* inC
                            let w = wb + tap &* inC &* 16
                            var c = 0
                            while c < inC {
                                let wv = (w + c &* 16).loadUnaligned(as: SIMD16<Int32>.self)
                                multiplyAddQuadUnsigned(&c0, x + c, wv)
                                multiplyAddQuadUnsigned(&c1, x + (pixelStride &+ c), wv)
                                multiplyAddQuadUnsigned(&c2, x + (2 &* pixelStride &+ c), wv)
                                multiplyAddQuadUnsigned(&c3, x + (3 &* pixelStride &+ c), wv)
                                c &+= 4
                            }
                        }
                        let ch = b &* 16, pixel = step &* outC
                        let bl = UnsafeRawPointer(folded + ch).loadUnaligned(as: SIMD16<Int32>.self)
                        stage.apply16(c0 &+ bl, channels: ch, to: output + (o &+ ch))
                        stage.apply16(c1 &+ bl, channels: ch, to: output + (o &+ pixel &+ ch))
                        stage.apply16(c2 &+ bl, channels: ch, to: output + (o &+ 2 &* pixel &+ ch))
                        stage.apply16(c3 &+ bl, channels: ch, to: output + (o &+ 3 &* pixel &+ ch))
                    }
                    ox &+= 4 &* step
                    continue
                }
                let allInside = rowInside && inside(ox, Int(g.padLeft), inW)
                var b = 0
                while b < blocks {
                    let two = b &+ 1 < blocks
                    var a0 = SIMD16<Int32>(repeating: 0), a1 = SIMD16<Int32>(repeating: 0)
                    let w0 = packed + b &* blockBytes, w1 = w0 + (two ? blockBytes : 0)
                    if channelQuads && allInside {
                        // Every tap inside: unsigned bytes and the folded bias.
                        forEachTap(oy, ox, g, transposed: transposed) { pixel, tap in
                            let x = input + pixel &* inC
                            let wTap = tap &* inC &* 16
                            var c = 0
                            while c < inC {
                                multiplyAddQuadUnsigned(&a0, x + c, (w0 + (wTap &+ c &* 16)).loadUnaligned(as: SIMD16<Int32>.self))
                                if two { multiplyAddQuadUnsigned(&a1, x + c, (w1 + (wTap &+ c &* 16)).loadUnaligned(as: SIMD16<Int32>.self)) }
                                c &+= 4
                            }
                        }
                    } else if channelQuads {
                        // Quads never straddle a tap: skip taps outside the input whole.
                        forEachTap(oy, ox, g, transposed: transposed) { pixel, tap in
                            let x = input + pixel &* inC
                            let wTap = tap &* inC &* 16      // (tap · inC / 4) quads × 64 bytes
                            var c = 0
                            while c < inC {
                                let pa = pairLanes(Int32(x[c]) &- zp, Int32(x[c &+ 1]) &- zp)
                                let pb = pairLanes(Int32(x[c &+ 2]) &- zp, Int32(x[c &+ 3]) &- zp)
                                multiplyAddQuad(&a0, pa, pb, w0 + (wTap &+ c &* 16))
                                if two { multiplyAddQuad(&a1, pa, pb, w1 + (wTap &+ c &* 16)) }
                                c &+= 4
                            }
                        }
                    } else {
                        // Other channel counts (a 1-channel image): walk r with counters, in quads
                        // across taps, then the rest; taps outside the input give 0.
                        var ky = 0, kx = 0, ic = 0
                        for q in 0...quads {
                            if q == quads && rest == 0 { break }
                            var v = SIMD4<Int32>(repeating: 0)
                            for j in 0..<(q < quads ? 4 : rest) {
                                let iy = sourceIndex(oy, ky, stride: s, pad: Int(g.padTop), size: inH, transposed: transposed)
                                let ix = sourceIndex(ox, kx, stride: s, pad: Int(g.padLeft), size: inW, transposed: transposed)
                                if iy >= 0 && ix >= 0 {
                                    v[j] = Int32(input[(iy &* inW &+ ix) &* inC &+ ic]) &- zp
                                }
                                ic &+= 1
                                if ic == inC { ic = 0; kx &+= 1; if kx == k { kx = 0; ky &+= 1 } }
                            }
                            if q < quads {
                                let pa = pairLanes(v[0], v[1]), pb = pairLanes(v[2], v[3])
                                multiplyAddQuad(&a0, pa, pb, w0 + q &* 64)
                                if two { multiplyAddQuad(&a1, pa, pb, w1 + q &* 64) }
                            } else {
                                let t0 = (w0 + quads &* 64).assumingMemoryBound(to: Int8.self), t1 = (w1 + quads &* 64).assumingMemoryBound(to: Int8.self)
                                for l in 0..<16 {
                                    for j in 0..<rest {
                                        a0[l] &+= Int32(t0[l &* rest &+ j]) &* v[j]
                                        if two { a1[l] &+= Int32(t1[l &* rest &+ j]) &* v[j] }
                                    }
                                }
                            }
                        }
                    }
                    let c0 = b &* 16, bs = channelQuads && allInside ? folded : bias
                    let b0: SIMD16<Int32> = UnsafeRawPointer(bs + c0).loadUnaligned(as: SIMD16<Int32>.self)
                    stage.apply16(a0 &+ b0, channels: c0, to: output + (o &+ c0))
                    if two {
                        let b1: SIMD16<Int32> = UnsafeRawPointer(bs + (c0 &+ 16)).loadUnaligned(as: SIMD16<Int32>.self)
                        stage.apply16(a1 &+ b1, channels: c0 &+ 16, to: output + (o &+ c0 &+ 16))
                    }
                    b &+= two ? 2 : 1
                }
                ox &+= step
            }
        }
    }
}

/// The most int16 weights the paired path rewrites on the stack per pass (128 KB): one block of
/// a 3×3 convolution over up to 455 channels, or 5×5 over 163; three blocks of a 3×3 over 128
/// (one block per pass, which the 64 KB of session 9's first version held, left conv-ae's
/// 128-channel transposed layers 1.2–1.3x slower).
@usableFromInline let pairedWeightCapacity = int16ScratchCapacity

/// One block's weights ([16 channels] × `reduction` values in the packed layout: quads, then
/// the rest) in pair order, int16: for each pair of reduction values (r, r + 1),
/// [16 channels][2], the last pair completed with a zero weight when the reduction is odd.
/// A broadcast pair of inputs then meets 8 channels' weight pairs in one pmaddwd, whose 8 sums
/// are those channels' sums — no second sum per channel to fold.
@inlinable @inline(__always)
func pairOrderedWeights(_ packed: UnsafeRawPointer, reduction: Int, into out: UnsafeMutablePointer<Int16>) {
    let quads = reduction / 4, rest = reduction % 4
    for q in 0..<quads {
        let w = packed.loadUnaligned(fromByteOffset: q &* 64, as: SIMD16<Int32>.self)
        let first = (((w &<< 24) &>> 24) & 0xFFFF) | (((w &<< 16) &>> 24) &<< 16)
        let second = (((w &<< 8) &>> 24) & 0xFFFF) | ((w &>> 24) &<< 16)
        UnsafeMutableRawPointer(out + q &* 64).storeBytes(of: first, as: SIMD16<Int32>.self)
        UnsafeMutableRawPointer(out + (q &* 64 &+ 32)).storeBytes(of: second, as: SIMD16<Int32>.self)
    }
    // The rest, [16 channels][rest]: two values are a pair already (vpmovsxbw: written value by
    // value, the loads that follow would wait for 32 stores to drain); one or three are
    // completed with a zero weight.
    let t = (packed + quads &* 64).assumingMemoryBound(to: Int8.self), o = out + quads &* 64
    switch rest {
    case 1: for c in 0..<16 { o[2 &* c] = Int16(t[c]); o[2 &* c &+ 1] = 0 }
    case 2: widenCentered(t, count: 32, zeroPoint: 0, into: o)
    case 3:
        for c in 0..<16 {
            o[2 &* c] = Int16(t[3 &* c]); o[2 &* c &+ 1] = Int16(t[3 &* c &+ 1])
            o[32 &+ 2 &* c] = Int16(t[3 &* c &+ 2]); o[33 &+ 2 &* c] = 0
        }
    default: break
    }
}

/// Σ over one input pair of 16 channels' weight pairs times the pair: `pairTwice` the two
/// int16 inputs twice in one 64-bit word (`widenDoubled`), `w16` [16 channels][2] int16
/// (`pairOrderedWeights`). One pmaddwd per 8 channels. (From a 32-bit splat of the pair LLVM
/// sees every even lane equal, simplifies, and loses pmaddwd: 32-bit multiplies, 2.4x slower.)
@inlinable @inline(__always)
func pairProducts(_ pairTwice: UInt64, _ w16: UnsafePointer<Int16>) -> SIMD16<Int32> {
    var repeated = SIMD8<UInt64>(repeating: pairTwice)
    return withUnsafeBytes(of: &repeated) { pairSums($0.baseAddress!.assumingMemoryBound(to: Int16.self), w16, SIMD16<Int32>.self) }
}

/// out[j] = the int16 pair v[2j], v[2j + 1] twice in a 64-bit word, for j < pairs: the form
/// `pairProducts` broadcasts. 8 pairs at a time from a local copy (read through pointers that
/// might alias `out`, LLVM keeps the loop scalar), which becomes vpmovzxdq, shift, or.
@inlinable @inline(__always)
func doublePairs(_ v: UnsafePointer<Int16>, pairs: Int, into out: UnsafeMutablePointer<UInt64>) {
    let p32 = UnsafeRawPointer(v)
    var j = 0
    while j &+ 8 <= pairs {
        var run = p32.loadUnaligned(fromByteOffset: 4 &* j, as: SIMD8<UInt32>.self), twice = SIMD8<UInt64>()
        withUnsafeBytes(of: &run) { s in
            withUnsafeMutableBytes(of: &twice) { d in
                let src = s.baseAddress!.assumingMemoryBound(to: UInt32.self), dst = d.baseAddress!.assumingMemoryBound(to: UInt64.self)
                for l in 0..<8 { let p = UInt64(src[l]); dst[l] = p | p &<< 32 }
            }
        }
        UnsafeMutableRawPointer(out + j).storeBytes(of: twice, as: SIMD8<UInt64>.self)
        j &+= 8
    }
    while j < pairs { let p = UInt64(p32.loadUnaligned(fromByteOffset: 4 &* j, as: UInt32.self)); out[j] = p | p &<< 32; j &+= 1 }
}

/// `doublePairs` of x[i] − zp for i < count (a multiple of 4, at most 64). Widening and
/// doubling are two loops: written as one, LLVM compiles them lane by lane.
@inlinable @inline(__always)
func widenDoubled(_ x: UnsafePointer<Int8>, count: Int, zeroPoint zp: Int16, into out: UnsafeMutablePointer<UInt64>) {
    var wide = (SIMD32<Int16>(), SIMD32<Int16>())
    withUnsafeMutableBytes(of: &wide) { raw in
        let v = raw.baseAddress!.assumingMemoryBound(to: Int16.self)
        widenCentered(x, count: count, zeroPoint: zp, into: v)
        doublePairs(v, pairs: count / 2, into: out)
    }
}

/// The most input values `convolvePackedPaired` holds widened and doubled (64 KB of stack):
/// the input rows of a band of output rows, at least one row's k input rows.
@usableFromInline let doubledInputCapacity = int16ScratchCapacity / 4

/// `convolvePackedInt8` on vector targets. The weights are rewritten in pair order
/// (`pairOrderedWeights`) for as many blocks as fit `pairedWeightCapacity`, and the input rows
/// of as many output rows as fit `doubledInputCapacity` are widened and doubled
/// (`widenDoubled`), less the zero point — once per band, not once per pixel and tap (which
/// cost denoise-ae's 28×28×32 convolution a fifth of its time). Every output pixel of the band
/// then takes its taps' pairs from there: in groups of 4 along a row where all their taps lie
/// inside the input, the others one at a time (two blocks per pass) skipping taps outside,
/// which contribute 0 as in the reference kernels. And so on for the next blocks.
@inlinable
func convolvePackedPaired<S: OutputStage>(
    _ input: UnsafePointer<Int8>, inputZeroPoint zp: Int32, packed: UnsafeRawPointer, bias: UnsafePointer<Int32>,
    _ g: KernelGeometry, transposed: Bool, _ stage: S, output: UnsafeMutablePointer<S.Output>) where S.Accumulator == Int32 {
    let blockWeights = Int(g.kernelH) &* Int(g.kernelH) &* Int(g.inC) &* 16
    let chunk = min(Int(g.outC) / 16, pairedWeightCapacity / blockWeights)
    withInt16Scratch(count: 2 &* doubledInputCapacity) { bandStorage in
        withInt16Scratch(count: chunk &* blockWeights) { paired in
            convolvePairedPasses(input, inputZeroPoint: zp, packed: packed, bias: bias, g, transposed: transposed, stage, output: output,
                                 band: UnsafeMutableRawPointer(bandStorage).assumingMemoryBound(to: UInt64.self), paired: paired, chunk: chunk)
        }
    }
}

/// `convolvePackedPaired`'s passes over its two stack buffers: `band` for the doubled input
/// rows, `paired` for `chunk` blocks of weights. Out of line, not in the buffers' closures
/// (called through a pointer, where LLVM keeps less in registers).
@inlinable @inline(never)
func convolvePairedPasses<S: OutputStage>(
    _ input: UnsafePointer<Int8>, inputZeroPoint zp: Int32, packed: UnsafeRawPointer, bias: UnsafePointer<Int32>,
    _ g: KernelGeometry, transposed: Bool, _ stage: S, output: UnsafeMutablePointer<S.Output>,
    band: UnsafeMutablePointer<UInt64>, paired: UnsafeMutablePointer<Int16>, chunk: Int) where S.Accumulator == Int32 {
    let inC = Int(g.inC), k = Int(g.kernelH), s = Int(g.stride), inH = Int(g.inH), inW = Int(g.inW)
    let outC = Int(g.outC), outH = Int(g.outH), outW = Int(g.outW), blocks = outC / 16
    let r = k &* k &* inC, blockBytes = r &* 16, blockWeights = r &* 16   // no rest: r is a multiple of 4
    let rowValues = inW &* inC, bandRows = doubledInputCapacity / rowValues   // ≥ k, by the caller's check
    let step = transposed ? s : 1
    let pixelWords = (transposed ? 1 : s) &* inC / 2     // distance between grouped pixels' pairs
    @inline(__always) func inside(_ o: Int, _ pad: Int, _ size: Int) -> Bool {
        allTapsInside(o, kernel: k, stride: s, pad: pad, size: size, transposed: transposed)
    }
    /// The input rows that output rows first ..< end read, clamped to the input (for a
    /// transposed conv from floor((first + padTop − k + 1) / s): at most a row more than read).
    @inline(__always) func inputRows(_ first: Int, _ end: Int) -> (Int, Int) {
        let pad = Int(g.padTop)
        let low = transposed ? (first &+ pad &- (k &- 1) &+ s &* k) / s &- k : first &* s &- pad
        let high = transposed ? (end &- 1 &+ pad) / s : (end &- 1) &* s &- pad &+ k &- 1
        return (max(low, 0), min(high &+ 1, inH))
    }
    var sums = (SIMD16<Int32>(), SIMD16<Int32>(), SIMD16<Int32>(), SIMD16<Int32>())
    withUnsafeMutableBytes(of: &sums) { raw in
        let sum = raw.baseAddress!.assumingMemoryBound(to: SIMD16<Int32>.self)
        var firstBlock = 0
        while firstBlock < blocks {
            let count = min(chunk, blocks &- firstBlock)
            for b in 0..<count { pairOrderedWeights(packed + (firstBlock &+ b) &* blockBytes, reduction: r, into: paired + b &* blockWeights) }
            var bandStart = 0
            while bandStart < outH {
                // As many output rows as their input rows fit, those rows widened and doubled;
                // `doubled` addresses them by input pixel, as if the whole input were there.
                var bandEnd = bandStart &+ 1
                while bandEnd < outH { let (a, b) = inputRows(bandStart, bandEnd &+ 1); if b &- a > bandRows { break }; bandEnd &+= 1 }
                let (rowsFirst, rowsEnd) = inputRows(bandStart, bandEnd)
                let values = max(rowsEnd &- rowsFirst, 0) &* rowValues
                var at = 0
                while at < values {
                    widenDoubled(input + (rowsFirst &* rowValues &+ at), count: min(values &- at, 64), zeroPoint: Int16(truncatingIfNeeded: zp), into: band + at / 2)
                    at &+= 64
                }
                let doubled = UnsafePointer(band) - rowsFirst &* rowValues / 2
                for oy in bandStart..<bandEnd {
                    let rowInside = inside(oy, Int(g.padTop), inH)
                    for phase in 0..<step {
                        var ox = phase
                        while ox < outW {
                            let o = (oy &* outW &+ ox) &* outC
                            if rowInside && ox &+ 3 &* step < outW && inside(ox, Int(g.padLeft), inW) && inside(ox &+ 3 &* step, Int(g.padLeft), inW) {
                                for b in 0..<count {
                                    fourPixelSums(doubled, pixelWords: pixelWords, inC: inC, oy: oy, ox: ox, g, transposed: transposed,
                                                  weights: paired + b &* blockWeights, into: sum)
                                    let ch = (firstBlock &+ b) &* 16, pixel = step &* outC
                                    let bl = UnsafeRawPointer(bias + ch).loadUnaligned(as: SIMD16<Int32>.self)
                                    for p in 0..<4 { stage.apply16(sum[p] &+ bl, channels: ch, to: output + (o &+ p &* pixel &+ ch)) }
                                }
                                ox &+= 4 &* step
                                continue
                            }
                            var b = 0
                            while b < count {
                                let two = b &+ 1 < count, w = paired + b &* blockWeights
                                onePixelSums(doubled, inC: inC, oy: oy, ox: ox, g, transposed: transposed, first: w, second: two ? w + blockWeights : nil, into: sum)
                                for i in 0..<(two ? 2 : 1) {
                                    let ch = (firstBlock &+ b &+ i) &* 16
                                    let bl = UnsafeRawPointer(bias + ch).loadUnaligned(as: SIMD16<Int32>.self)
                                    stage.apply16(sum[i] &+ bl, channels: ch, to: output + (o &+ ch))
                                }
                                b &+= 2
                            }
                            ox &+= step
                        }
                    }
                }
                bandStart = bandEnd
            }
            firstBlock &+= count
        }
    }
}

/// The sums of one block of 16 output channels for four output pixels whose taps all lie
/// inside the input, pixel p in sums[p], over the block's pair-ordered weights and the input
/// pairs as `convolvePackedPaired` lays them out (less the zero point, doubled: one broadcast
/// load each; `doubled` addressed by input pixel, `pixelWords` between the pixels). One
/// accumulator of 16 lanes per pixel, 8 registers for the four on AVX2. Out of line, so that
/// the helpers inline into it.
@inlinable @inline(never)
func fourPixelSums(_ doubled: UnsafePointer<UInt64>, pixelWords: Int, inC: Int, oy: Int, ox: Int, _ g: KernelGeometry,
                   transposed: Bool, weights: UnsafePointer<Int16>, into sums: UnsafeMutablePointer<SIMD16<Int32>>) {
    var s0 = SIMD16<Int32>(repeating: 0), s1 = s0, s2 = s0, s3 = s0
    forEachTap(oy, ox, g, transposed: transposed) { pixel, tap in
        let d = doubled + pixel &* inC / 2, w = weights + tap &* inC &* 16
        for j in 0..<(inC / 2) {
            let wp = w + j &* 32
            s0 &+= pairProducts(d[j], wp)
            s1 &+= pairProducts(d[pixelWords &+ j], wp)
            s2 &+= pairProducts(d[2 &* pixelWords &+ j], wp)
            s3 &+= pairProducts(d[3 &* pixelWords &+ j], wp)
        }
    }
    sums[0] = s0; sums[1] = s1; sums[2] = s2; sums[3] = s3
}

/// The sums of one output pixel for two blocks over their pair-ordered weights (`first`,
/// `second`; `second` nil for one block), into sums[0] and sums[1]: Σ weight × (input − zp)
/// over the taps inside the input — taps outside contribute 0, as in the reference kernels —
/// from the input pairs as `convolvePackedPaired` lays them out. Out of line, so that the sums
/// stay in registers.
@inlinable @inline(never)
func onePixelSums(_ doubled: UnsafePointer<UInt64>, inC: Int, oy: Int, ox: Int, _ g: KernelGeometry, transposed: Bool,
                  first: UnsafePointer<Int16>, second: UnsafePointer<Int16>?, into sums: UnsafeMutablePointer<SIMD16<Int32>>) {
    var a = SIMD16<Int32>(repeating: 0), b = a
    forEachTap(oy, ox, g, transposed: transposed) { pixel, tap in
        let d = doubled + pixel &* inC / 2, at = tap &* inC &* 16
        for j in 0..<(inC / 2) {
            a &+= pairProducts(d[j], first + (at &+ j &* 32))
            if let second { b &+= pairProducts(d[j], second + (at &+ j &* 32)) }
        }
    }
    sums[0] = a; sums[1] = b
}

/// The most inputs `denseUnsigned` widens on the stack.
@usableFromInline let denseInputCapacity = int16ScratchCapacity / 2

/// A dense op (inputs a multiple of 4) on vector targets: the inputs made unsigned (x + 128)
/// and widened to int16 once, so that each quad is one broadcast load for every block, then
/// two blocks of 16 outputs at a time from the folded bias.
@inlinable
func denseUnsigned<S: OutputStage>(_ input: UnsafePointer<Int8>, inputs: Int, packed: UnsafeRawPointer, blocks: Int, blockBytes: Int,
                                   foldedBias: UnsafePointer<Int32>, _ stage: S, output: UnsafeMutablePointer<S.Output>) where S.Accumulator == Int32 {
    withInt16Scratch(count: inputs) { wide in
        widenCentered(input, count: inputs, zeroPoint: -128, into: wide)
        denseBlocks(UnsafePointer(wide), inputs: inputs, packed: packed, blocks: blocks, blockBytes: blockBytes, foldedBias: foldedBias, stage, output: output)
    }
}

/// `denseUnsigned`'s sums over the widened inputs. Out of line (and not in the scratch's
/// closure, which is called through a pointer: 8 % slower), so that the pair sums' helpers
/// inline into it.
@inlinable @inline(never)
func denseBlocks<S: OutputStage>(_ wide: UnsafePointer<Int16>, inputs: Int, packed: UnsafeRawPointer, blocks: Int, blockBytes: Int,
                                 foldedBias: UnsafePointer<Int32>, _ stage: S, output: UnsafeMutablePointer<S.Output>) where S.Accumulator == Int32 {
    let raw = UnsafeRawPointer(wide)
    var b = 0
    while b < blocks {
        let two = b &+ 1 < blocks
        let w0 = (packed + b &* blockBytes).assumingMemoryBound(to: Int8.self), w1 = w0 + (two ? blockBytes : 0)
        var l0 = SIMD16<Int32>(repeating: 0), h0 = l0, l1 = l0, h1 = l0
        var c = 0
        while c < inputs {
            let quad = raw.load(fromByteOffset: 2 &* c, as: UInt64.self)
            withWidened(w0 + c &* 16, count: 64) { multiplyAddQuadPairs(&l0, &h0, quad, $0) }
            if two { withWidened(w1 + c &* 16, count: 64) { multiplyAddQuadPairs(&l1, &h1, quad, $0) } }
            c &+= 4
        }
        let ch = b &* 16
        let bias0: SIMD16<Int32> = UnsafeRawPointer(foldedBias + ch).loadUnaligned(as: SIMD16<Int32>.self)
        stage.apply16(foldPairs(l0, h0) &+ bias0, channels: ch, to: output + ch)
        if two {
            let bias1: SIMD16<Int32> = UnsafeRawPointer(foldedBias + (ch &+ 16)).loadUnaligned(as: SIMD16<Int32>.self)
            stage.apply16(foldPairs(l1, h1) &+ bias1, channels: ch &+ 16, to: output + (ch &+ 16))
        }
        b &+= two ? 2 : 1
    }
}

/// out[i] = x[i] − zp as int16 for i < count (a multiple of 4): 16 at a time while it can,
/// then 4 (zp = −128: the unsigned bytes). Each run is loaded into a local value first: read
/// from memory that may alias `out` the loop stays scalar; from a local it is one vpmovsxbw.
@inlinable @inline(__always)
func widenCentered(_ x: UnsafePointer<Int8>, count: Int, zeroPoint zp: Int16, into out: UnsafeMutablePointer<Int16>) {
    @inline(__always) func run<V: SIMD, W: SIMD>(_ i: Int, _: V.Type, _: W.Type) where V.Scalar == Int8, W.Scalar == Int16 {
        var v = UnsafeRawPointer(x + i).loadUnaligned(as: V.self), w = W()
        withUnsafeBytes(of: &v) { s in
            withUnsafeMutableBytes(of: &w) { d in
                let src = s.baseAddress!.assumingMemoryBound(to: Int8.self), dst = d.baseAddress!.assumingMemoryBound(to: Int16.self)
                for j in 0..<V.scalarCount { dst[j] = Int16(src[j]) &- zp }
            }
        }
        UnsafeMutableRawPointer(out + i).storeBytes(of: w, as: W.self)
    }
    var i = 0
    while i &+ 16 <= count { run(i, SIMD16<Int8>.self, SIMD16<Int16>.self); i &+= 16 }
    while i < count { run(i, SIMD4<Int8>.self, SIMD4<Int16>.self); i &+= 4 }
}

/// Ops with a short reduction (at most 32 values) over channels that are not a multiple of 4:
/// a first layer reading a 1-channel image, a dense op on a 2-value latent. Each output pixel's
/// inputs (zero point subtracted, 0 for taps outside) are gathered once on the stack
/// (`gatherShortField`); every block of 16 output channels then takes them one broadcast at a
/// time — on vector targets as pairs against pair-ordered weights (`fewInputsPaired`).
@inlinable
func convolvePackedFewInputs<S: OutputStage>(
    _ input: UnsafePointer<Int8>, inputZeroPoint zp: Int32, packed: UnsafeRawPointer, bias: UnsafePointer<Int32>,
    _ g: KernelGeometry, transposed: Bool, _ stage: S, output: UnsafeMutablePointer<S.Output>) where S.Accumulator == Int32 {
    let inC = Int(g.inC), k = Int(g.kernelH), outW = Int(g.outW), outC = Int(g.outC), blocks = outC / 16
    let r = k &* k &* inC, quads = r / 4, rest = r % 4, blockBytes = quads &* 64 &+ rest &* 16
    if targetHasVectorUnit {
        // Blocks rewritten once per call, up to 8,192 weights' worth at a time; one output pixel
        // (a dense op on a latent) rewrites each block once anyway: one at a time into a small
        // buffer (clearing a large one costs more than the op).
        let blockWeights = (r &+ 1) / 2 &* 32, single = g.outH == 1 && outW == 1
        let chunk = single ? 1 : min(blocks, 8192 / blockWeights)
        withInt16Scratch(count: chunk &* blockWeights) { paired in
            fewInputsPaired(input, inputZeroPoint: zp, packed: packed, bias: bias, g, transposed: transposed, stage, output: output, paired: paired, chunk: chunk)
        }
        return
    }
    var lanes = (SIMD16<Int32>(repeating: 0), SIMD16<Int32>(repeating: 0))
    withUnsafeMutableBytes(of: &lanes) { raw in
        let v = raw.baseAddress!.assumingMemoryBound(to: Int32.self)
        for oy in 0..<Int(g.outH) {
            for ox in 0..<outW {
                gatherShortField(input, inputZeroPoint: zp, g, transposed: transposed, oy, ox, into: v)
                let o = (oy &* outW &+ ox) &* outC
                #if arch(arm)
                fewInputsDSP(v, quads: quads, rest: rest, packed: packed, bias: bias, channels: outC, stage, output: output + o)
                #else
                for b in 0..<blocks {
                    let wb = packed + b &* blockBytes
                    var acc = SIMD16<Int32>(repeating: 0)
                    for q in 0..<quads {
                        let wv = (wb + q &* 64).loadUnaligned(as: SIMD16<Int32>.self), x = v + 4 &* q
                        acc &+= ((wv &<< 24) &>> 24) &* SIMD16(repeating: x[0]) &+ ((wv &<< 16) &>> 24) &* SIMD16(repeating: x[1])
                        acc &+= ((wv &<< 8) &>> 24) &* SIMD16(repeating: x[2]) &+ (wv &>> 24) &* SIMD16(repeating: x[3])
                    }
                    let t = (wb + quads &* 64).assumingMemoryBound(to: Int8.self)
                    for j in 0..<rest {
                        var w = SIMD16<Int32>(repeating: 0)
                        for l in 0..<16 { w[l] = Int32(t[l &* rest &+ j]) }
                        acc &+= w &* SIMD16(repeating: v[4 &* quads &+ j])
                    }
                    let bv: SIMD16<Int32> = UnsafeRawPointer(bias + b &* 16).loadUnaligned(as: SIMD16<Int32>.self)
                    stage.apply16(acc &+ bv, channels: b &* 16, to: output + (o &+ b &* 16))
                }
                #endif
            }
        }
    }
}

/// Output pixel (oy, ox)'s inputs less the zero point into v[0 ..< 32] (the reduction's order,
/// 0 for taps outside the input and after the reduction's end; at most 32 values).
@inlinable @inline(__always)
func gatherShortField<T: FixedWidthInteger & SignedInteger>(_ input: UnsafePointer<Int8>, inputZeroPoint zp: Int32, _ g: KernelGeometry, transposed: Bool,
                                                           _ oy: Int, _ ox: Int, into v: UnsafeMutablePointer<T>) {
    let inC = Int(g.inC), k = Int(g.kernelH), s = Int(g.stride), inW = Int(g.inW), row = k &* inC, z = T(truncatingIfNeeded: zp)
    if !transposed && allTapsInside(oy, kernel: k, stride: s, pad: Int(g.padTop), size: Int(g.inH), transposed: false)
        && allTapsInside(ox, kernel: k, stride: s, pad: Int(g.padLeft), size: inW, transposed: false) {
        // Every tap inside: the field is k runs of k · inC contiguous values.
        let first = input + firstTapPixel(oy, ox, g, transposed: false) &* inC
        for ky in 0..<k {
            let x = first + ky &* inW &* inC
            for i in 0..<row { v[ky &* row &+ i] = T(truncatingIfNeeded: x[i]) &- z }
        }
        return
    }
    for i in 0..<32 { v[i] = 0 }
    forEachTap(oy, ox, g, transposed: transposed) { pixel, tap in
        let x = input + pixel &* inC
        for ic in 0..<inC { v[tap &* inC &+ ic] = T(truncatingIfNeeded: x[ic]) &- z }
    }
}

/// `convolvePackedFewInputs` on vector targets: `chunk` blocks at a time rewritten in pair order
/// into `paired` (one block per output pixel when chunk is 1 and there is one pixel), each
/// pixel's field gathered as int16 and its pairs doubled, one pmaddwd per pair and 8 channels.
/// Out of line, not in the buffer's closure (called through a pointer).
@inlinable @inline(never)
func fewInputsPaired<S: OutputStage>(
    _ input: UnsafePointer<Int8>, inputZeroPoint zp: Int32, packed: UnsafeRawPointer, bias: UnsafePointer<Int32>,
    _ g: KernelGeometry, transposed: Bool, _ stage: S, output: UnsafeMutablePointer<S.Output>,
    paired: UnsafeMutablePointer<Int16>, chunk: Int) where S.Accumulator == Int32 {
    let inC = Int(g.inC), k = Int(g.kernelH), outW = Int(g.outW), outC = Int(g.outC), blocks = outC / 16
    let r = k &* k &* inC, quads = r / 4, rest = r % 4, blockBytes = quads &* 64 &+ rest &* 16
    let pairs = (r &+ 1) / 2, blockWeights = pairs &* 32, single = g.outH == 1 && outW == 1
    var field = (SIMD32<Int16>(), SIMD16<UInt64>())      // the gathered values, then their pairs doubled
    withUnsafeMutableBytes(of: &field) { raw in
        let v = raw.baseAddress!.assumingMemoryBound(to: Int16.self), d = (raw.baseAddress! + 64).assumingMemoryBound(to: UInt64.self)
        var firstBlock = 0
        while firstBlock < blocks {
            let count = single ? blocks : min(chunk, blocks &- firstBlock)
            if !single {
                for b in 0..<count { pairOrderedWeights(packed + (firstBlock &+ b) &* blockBytes, reduction: r, into: paired + b &* blockWeights) }
            }
            for oy in 0..<Int(g.outH) {
                for ox in 0..<outW {
                    gatherShortField(input, inputZeroPoint: zp, g, transposed: transposed, oy, ox, into: v)
                    doublePairs(v, pairs: pairs, into: d)
                    let o = (oy &* outW &+ ox) &* outC
                    for b in 0..<count {
                        let ch = (firstBlock &+ b) &* 16
                        if single { pairOrderedWeights(packed + (firstBlock &+ b) &* blockBytes, reduction: r, into: paired) }
                        let w = paired + (single ? 0 : b &* blockWeights)
                        var acc = SIMD16<Int32>(repeating: 0)
                        for j in 0..<pairs { acc &+= pairProducts(d[j], w + j &* 32) }
                        stage.apply16(acc &+ UnsafeRawPointer(bias + ch).loadUnaligned(as: SIMD16<Int32>.self), channels: ch, to: output + (o &+ ch))
                    }
                }
            }
            firstBlock &+= count
        }
    }
}
