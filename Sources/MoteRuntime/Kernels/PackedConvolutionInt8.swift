// The fast int8 × int8 path for convolution, transposed convolution and dense ops whose
// output channel count is a multiple of 16: weights packed at export so that one 64-byte load
// feeds 16 output channels with 4 reduction steps each.
//
// Packed layout, per block of 16 output channels: the reduction index r = tap · inC + ic
// (tap = ky · k + kx; dense: r = input index) in quads r = 4q ... 4q + 3, each quad as
// [16 channels][4] int8 — 64 bytes, read as 16 int32 lanes whose bytes are split by shifts —
// then the R mod 4 remaining r as [16 channels][R mod 4] (no padding: the file stays as
// small as the weights). Swift's SIMD widening conversions compile to lane-by-lane code, 16x
// slower; shifts and masks compile to plain vector ops.
// Output pixels whose taps all lie inside the input (most of them) multiply the input bytes
// made unsigned (x + 128, read 4 at a time) and start from a bias folded at export,
// bias − (zp + 128) · Σ w: written this way LLVM emits pmaddwd + add (vpdpwssd with AVX-512
// VNNI) for 32 multiply-adds; with the zero point subtracted per value it often falls back to
// 32-bit multiplies. Those pixels also go 4 at a time along a row, so one weight load serves 4.
// Edge pixels subtract the zero point per value and skip taps outside the input, which then
// contribute 0, exactly as in the reference kernels; results are bit-identical either way.
// The byte split (w << 24) >> 24 … is written out at each use: a helper returning the four
// vectors as a tuple more than doubled the Cortex-M code (-Osize), for no host speed.

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

/// The 4 input bytes at `x` made unsigned (x + 128), as four 16-bit values in one 64-bit word.
@inlinable @inline(__always)
func unsignedQuad(_ x: UnsafePointer<Int8>) -> UInt64 {
    var t = UInt64(UnsafeRawPointer(x).loadUnaligned(as: UInt32.self) ^ 0x8080_8080)
    t = (t | t &<< 16) & 0x0000_FFFF_0000_FFFF
    return (t | t &<< 8) & 0x00FF_00FF_00FF_00FF
}

/// The 4 input bytes at `x` less the zero point (−255 ... 255), as four 16-bit values in one
/// 64-bit word.
@inlinable @inline(__always)
func centeredQuad(_ x: UnsafePointer<Int8>, _ zp: Int32) -> UInt64 {
    quadWord { Int32(x[$0]) &- zp }
}

/// value(0) ... value(3) (each within int16) as four 16-bit values in one 64-bit word, the
/// form `multiplyAddQuadPairs` broadcasts.
@inlinable @inline(__always)
func quadWord(_ value: (Int) -> Int32) -> UInt64 {
    @inline(__always) func lane(_ i: Int) -> UInt64 { UInt64(UInt16(truncatingIfNeeded: value(i))) }
    return lane(0) | lane(1) &<< 16 | lane(2) &<< 32 | lane(3) &<< 48
}

/// low/high += one quad's products for channels 0-7 / 8-15, as two pair sums per channel
/// (w_c0·x0 + w_c1·x1, w_c2·x2 + w_c3·x3), `quad` the 4 inputs (`unsignedQuad`) and `w16` the
/// quad's [16 channels][4] weights widened to int16. Written as `pairSums` over the quad
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

/// Σ_j t[16 channels][n][j] · x[j] for the last n (1...3) values of a reduction, 16 channels.
@inlinable @inline(__always)
func restProducts(_ t: UnsafePointer<Int8>, _ n: Int, _ x: UnsafePointer<Int32>) -> SIMD16<Int32> {
    var r = SIMD16<Int32>()
    withUnsafeMutableBytes(of: &r) { raw in
        let o = raw.baseAddress!.assumingMemoryBound(to: Int32.self)
        for l in 0..<16 {
            var sum: Int32 = 0
            for j in 0..<n { sum &+= Int32(t[l &* n &+ j]) &* x[j] }
            o[l] = sum
        }
    }
    return r
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
    if targetHasVectorUnit && channelQuads && k == 1 && outW == 1 && g.outH == 1 && inC <= denseInputCapacity {
        denseUnsigned(input, inputs: inC, packed: packed, blocks: blocks, blockBytes: blockBytes, foldedBias: foldedBias, stage, output: output)
        return
    }
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
                        if targetHasVectorUnit {
                            // Whole 16-bit pairs per multiply-add (see `multiplyAddQuadPairs`):
                            // channels 0-7 in the `l` sums, 8-15 in the `h` sums, two per channel.
                            var sums = (c0, c1, c2, c3)
                            withUnsafeMutableBytes(of: &sums) { raw in
                                unsignedFourPixelSums(input, inC: inC, pixelStride: pixelStride, oy: oy, ox: ox, g, transposed: transposed,
                                                      weights: wb.assumingMemoryBound(to: Int8.self), into: raw.baseAddress!.assumingMemoryBound(to: SIMD16<Int32>.self))
                            }
                            (c0, c1, c2, c3) = sums
                        } else {
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
                    if channelQuads && targetHasVectorUnit {
                        // Whole 16-bit pairs per multiply-add, as in the four-pixel case: unsigned
                        // bytes when every tap is inside, else the zero point taken off per value
                        // (taps outside the input skipped whole).
                        var l0 = a0, h0 = a0, l1 = a0, h1 = a0
                        forEachTap(oy, ox, g, transposed: transposed) { pixel, tap in
                            let x = input + pixel &* inC
                            let wTap = tap &* inC &* 16
                            var c = 0
                            while c < inC {
                                let quad = allInside ? unsignedQuad(x + c) : centeredQuad(x + c, zp)
                                withWidened((w0 + (wTap &+ c &* 16)).assumingMemoryBound(to: Int8.self), count: 64) { multiplyAddQuadPairs(&l0, &h0, quad, $0) }
                                if two {
                                    withWidened((w1 + (wTap &+ c &* 16)).assumingMemoryBound(to: Int8.self), count: 64) { multiplyAddQuadPairs(&l1, &h1, quad, $0) }
                                }
                                c &+= 4
                            }
                        }
                        a0 = foldPairs(l0, h0)
                        if two { a1 = foldPairs(l1, h1) }
                    } else if channelQuads && allInside {
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

/// The sums of one block of 16 output channels for four output pixels whose taps all lie
/// inside the input, the pixels at input distance `pixelStride`: Σ weight × (input + 128),
/// pixel p in sums[p]. Each tap's channels are widened to int16 for the four pixels, 64 at a
/// time, so that every quad is one broadcast load; the weights once per quad for all four.
/// Out of line, so that the pair sums' helpers inline into it.
@inlinable @inline(never)
func unsignedFourPixelSums(_ input: UnsafePointer<Int8>, inC: Int, pixelStride: Int, oy: Int, ox: Int, _ g: KernelGeometry, transposed: Bool,
                           weights: UnsafePointer<Int8>, into sums: UnsafeMutablePointer<SIMD16<Int32>>) {
    // Channels 0-7 in the `l` sums, 8-15 in the `h` sums, two per channel (`multiplyAddQuadPairs`).
    var l0 = SIMD16<Int32>(repeating: 0), h0 = l0, l1 = l0, h1 = l0, l2 = l0, h2 = l0, l3 = l0, h3 = l0
    var wide = (SIMD64<Int16>(), SIMD64<Int16>(), SIMD64<Int16>(), SIMD64<Int16>())
    withUnsafeMutableBytes(of: &wide) { raw in
        let u = raw.baseAddress!.assumingMemoryBound(to: Int16.self)
        forEachTap(oy, ox, g, transposed: transposed) { pixel, tap in
            let x = input + pixel &* inC, w = weights + tap &* inC &* 16
            var first = 0
            while first < inC {
                let count = min(inC &- first, 64)       // a multiple of 4
                for p in 0..<4 { widenUnsigned(x + (p &* pixelStride &+ first), count: count, into: u + p &* 64) }
                var c = 0
                while c < count {
                    withWidened(w + (first &+ c) &* 16, count: 64) { w16 in
                        multiplyAddQuadPairs(&l0, &h0, raw.load(fromByteOffset: 2 &* c, as: UInt64.self), w16)
                        multiplyAddQuadPairs(&l1, &h1, raw.load(fromByteOffset: 128 &+ 2 &* c, as: UInt64.self), w16)
                        multiplyAddQuadPairs(&l2, &h2, raw.load(fromByteOffset: 256 &+ 2 &* c, as: UInt64.self), w16)
                        multiplyAddQuadPairs(&l3, &h3, raw.load(fromByteOffset: 384 &+ 2 &* c, as: UInt64.self), w16)
                    }
                    c &+= 4
                }
                first &+= 64
            }
        }
    }
    sums[0] = foldPairs(l0, h0); sums[1] = foldPairs(l1, h1); sums[2] = foldPairs(l2, h2); sums[3] = foldPairs(l3, h3)
}

/// The most inputs `denseUnsigned` widens on the stack.
@usableFromInline let denseInputCapacity = 1024

/// A dense op (inputs a multiple of 4) on vector targets: the inputs made unsigned (x + 128)
/// and widened to int16 once, so that each quad is one broadcast load for every block, then
/// two blocks of 16 outputs at a time from the folded bias. Out of line, so that the pair
/// sums' helpers inline into it.
@inlinable @inline(never)
func denseUnsigned<S: OutputStage>(_ input: UnsafePointer<Int8>, inputs: Int, packed: UnsafeRawPointer, blocks: Int, blockBytes: Int,
                                   foldedBias: UnsafePointer<Int32>, _ stage: S, output: UnsafeMutablePointer<S.Output>) where S.Accumulator == Int32 {
    var wide = (SIMD64<Int16>(), SIMD64<Int16>(), SIMD64<Int16>(), SIMD64<Int16>(), SIMD64<Int16>(), SIMD64<Int16>(), SIMD64<Int16>(), SIMD64<Int16>(),
                SIMD64<Int16>(), SIMD64<Int16>(), SIMD64<Int16>(), SIMD64<Int16>(), SIMD64<Int16>(), SIMD64<Int16>(), SIMD64<Int16>(), SIMD64<Int16>())
    withUnsafeMutableBytes(of: &wide) { raw in
        widenUnsigned(input, count: inputs, into: raw.baseAddress!.assumingMemoryBound(to: Int16.self))
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
}

/// out[i] = x[i] + 128 as int16 for i < count (a multiple of 4): 16 at a time while it can,
/// then 4. Each run is loaded into a local value first: read from memory that may alias `out`
/// the loop stays scalar; from a local it is one vpmovsxbw.
@inlinable @inline(__always)
func widenUnsigned(_ x: UnsafePointer<Int8>, count: Int, into out: UnsafeMutablePointer<Int16>) {
    @inline(__always) func run<V: SIMD, W: SIMD>(_ i: Int, _: V.Type, _: W.Type) where V.Scalar == Int8, W.Scalar == Int16 {
        var v = UnsafeRawPointer(x + i).loadUnaligned(as: V.self), w = W()
        withUnsafeBytes(of: &v) { s in
            withUnsafeMutableBytes(of: &w) { d in
                let src = s.baseAddress!.assumingMemoryBound(to: Int8.self), dst = d.baseAddress!.assumingMemoryBound(to: Int16.self)
                for j in 0..<V.scalarCount { dst[j] = Int16(src[j]) &+ 128 }
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
/// inputs (zero point subtracted, 0 for taps outside) are gathered once into 32 lanes on the
/// stack; every block of 16 output channels then takes them one broadcast at a time.
@inlinable
func convolvePackedFewInputs<S: OutputStage>(
    _ input: UnsafePointer<Int8>, inputZeroPoint zp: Int32, packed: UnsafeRawPointer, bias: UnsafePointer<Int32>,
    _ g: KernelGeometry, transposed: Bool, _ stage: S, output: UnsafeMutablePointer<S.Output>) where S.Accumulator == Int32 {
    let inC = Int(g.inC), k = Int(g.kernelH), outW = Int(g.outW), outC = Int(g.outC), blocks = outC / 16
    let r = k &* k &* inC, quads = r / 4, rest = r % 4, blockBytes = quads &* 64 &+ rest &* 16
    var lanes = (SIMD16<Int32>(repeating: 0), SIMD16<Int32>(repeating: 0))
    withUnsafeMutableBytes(of: &lanes) { raw in
        let v = raw.baseAddress!.assumingMemoryBound(to: Int32.self)
        let s = Int(g.stride), inW = Int(g.inW), row = k &* inC
        for oy in 0..<Int(g.outH) {
            let rowInside = !transposed && allTapsInside(oy, kernel: k, stride: s, pad: Int(g.padTop), size: Int(g.inH), transposed: false)
            for ox in 0..<outW {
                if rowInside && allTapsInside(ox, kernel: k, stride: s, pad: Int(g.padLeft), size: inW, transposed: false) {
                    // Every tap inside: the field is k runs of k · inC contiguous values.
                    let first = input + firstTapPixel(oy, ox, g, transposed: false) &* inC
                    for ky in 0..<k {
                        let x = first + ky &* inW &* inC, d = v + ky &* row
                        for i in 0..<row { d[i] = Int32(x[i]) &- zp }
                    }
                } else {
                    raw.storeBytes(of: SIMD16<Int32>(repeating: 0), toByteOffset: 0, as: SIMD16<Int32>.self)
                    raw.storeBytes(of: SIMD16<Int32>(repeating: 0), toByteOffset: 64, as: SIMD16<Int32>.self)
                    forEachTap(oy, ox, g, transposed: transposed) { pixel, tap in
                        let x = input + pixel &* inC, d = v + tap &* inC
                        for ic in 0..<inC { d[ic] = Int32(x[ic]) &- zp }
                    }
                }
                let o = (oy &* outW &+ ox) &* outC
                #if arch(arm)
                fewInputsDSP(v, quads: quads, rest: rest, packed: packed, bias: bias, channels: outC, stage, output: output + o)
                #else
                for b in 0..<blocks {
                    let wb = packed + b &* blockBytes
                    var acc = SIMD16<Int32>(repeating: 0)
                    if targetHasVectorUnit {
                        // Whole 16-bit pairs per multiply-add (`multiplyAddQuadPairs`), each quad of
                        // the field narrowed to four int16 (|x − zp| ≤ 255).
                        var l = acc, h = acc
                        for q in 0..<quads {
                            let x = v + 4 &* q
                            let quad = quadWord { x[$0] }
                            withWidened((wb + q &* 64).assumingMemoryBound(to: Int8.self), count: 64) { multiplyAddQuadPairs(&l, &h, quad, $0) }
                        }
                        acc = foldPairs(l, h)
                    } else {
                        for q in 0..<quads {
                            let wv = (wb + q &* 64).loadUnaligned(as: SIMD16<Int32>.self), x = v + 4 &* q
                            acc &+= ((wv &<< 24) &>> 24) &* SIMD16(repeating: x[0]) &+ ((wv &<< 16) &>> 24) &* SIMD16(repeating: x[1])
                            acc &+= ((wv &<< 8) &>> 24) &* SIMD16(repeating: x[2]) &+ (wv &>> 24) &* SIMD16(repeating: x[3])
                        }
                    }
                    let t = (wb + quads &* 64).assumingMemoryBound(to: Int8.self)
                    if targetHasVectorUnit {
                        // A plain loop with the stride a constant: LLVM widens the 16 weights
                        // with vector instructions instead of 16 scalar loads and inserts.
                        switch rest {
                        case 1: acc &+= restProducts(t, 1, v + 4 &* quads)
                        case 2: acc &+= restProducts(t, 2, v + 4 &* quads)
                        case 3: acc &+= restProducts(t, 3, v + 4 &* quads)
                        default: break
                        }
                    } else {
                        for j in 0..<rest {
                            var w = SIMD16<Int32>(repeating: 0)
                            for l in 0..<16 { w[l] = Int32(t[l &* rest &+ j]) }
                            acc &+= w &* SIMD16(repeating: v[4 &* quads &+ j])
                        }
                    }
                    let bv: SIMD16<Int32> = UnsafeRawPointer(bias + b &* 16).loadUnaligned(as: SIMD16<Int32>.self)
                    stage.apply16(acc &+ bv, channels: b &* 16, to: output + (o &+ b &* 16))
                }
                #endif
            }
        }
    }
}
