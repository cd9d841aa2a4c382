// The fast int8 × int8 path for convolution, transposed convolution and dense ops whose
// output channel count is a multiple of 16: weights packed at export so that one 64-byte load
// feeds 16 output channels with 4 reduction steps each.
//
// Packed layout, per block of 16 output channels: the reduction index r = tap · inC + ic
// (tap = ky · k + kx; dense: r = input index) in quads r = 4q ... 4q + 3, each quad as
// [16 channels][4] int8 — 64 bytes, read as 16 int32 lanes whose bytes are split by shifts —
// then the R mod 4 remaining r as [16 channels][R mod 4] (no padding: the file stays as
// small as the weights). (Swift's SIMD widening
// conversions compile to lane-by-lane code, 16x slower; shifts compile to plain vector ops.)
// The products are formed in 16-bit halves of 32-bit lanes, a pattern LLVM turns into one
// pmaddwd + add (vpdpwssd with AVX-512 VNNI) per 32 multiply-adds.
// Taps outside the input contribute 0, exactly as in the reference kernels.

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

/// Two 16-bit values in every 32-bit lane.
@inlinable @inline(__always)
func pairLanes(_ lo: Int32, _ hi: Int32) -> SIMD16<Int32> { SIMD16(repeating: (lo & 0xFFFF) | (hi &<< 16)) }

/// Convolution (`transposed` false: rows iy = oy·s + ky − padTop) or transposed convolution
/// (true: iy = (oy + padTop − ky) / s where that divides) over packed weights. A dense op is
/// the 1×1 case: inH = inW = outH = outW = 1, kernel 1, inC = inputs.
@inlinable
public func convolvePackedInt8<S: OutputStage>(
    _ input: UnsafePointer<Int8>, inputZeroPoint zp: Int32, packed: UnsafeRawPointer, bias: UnsafePointer<Int32>,
    _ g: KernelGeometry, transposed: Bool, _ stage: S, output: UnsafeMutablePointer<S.Output>) where S.Accumulator == Int32 {
    let inC = Int(g.inC), k = Int(g.kernelH), s = Int(g.stride), inH = Int(g.inH), inW = Int(g.inW)
    let outC = Int(g.outC), blocks = outC / 16
    let r = k &* k &* inC, quads = r / 4, rest = r % 4, blockBytes = quads &* 64 &+ rest &* 16
    let channelQuads = inC % 4 == 0
    var o = 0
    for oy in 0..<Int(g.outH) {
        for ox in 0..<Int(g.outW) {
            var b = 0
            while b < blocks {
                let two = b &+ 1 < blocks
                var a0 = SIMD16<Int32>(repeating: 0), a1 = SIMD16<Int32>(repeating: 0)
                let w0 = packed + b &* blockBytes, w1 = w0 + (two ? blockBytes : 0)
                if channelQuads {
                    // Quads never straddle a tap: skip taps outside the input whole.
                    for ky in 0..<k {
                        let iy: Int
                        if transposed {
                            let ty = oy &+ Int(g.padTop) &- ky
                            if ty < 0 || ty % s != 0 { continue }
                            iy = ty / s
                        } else {
                            iy = oy &* s &+ ky &- Int(g.padTop)
                            if iy < 0 { continue }
                        }
                        if iy >= inH { continue }
                        for kx in 0..<k {
                            let ix: Int
                            if transposed {
                                let tx = ox &+ Int(g.padLeft) &- kx
                                if tx < 0 || tx % s != 0 { continue }
                                ix = tx / s
                            } else {
                                ix = ox &* s &+ kx &- Int(g.padLeft)
                                if ix < 0 { continue }
                            }
                            if ix >= inW { continue }
                            let x = input + (iy &* inW &+ ix) &* inC
                            let wTap = (ky &* k &+ kx) &* inC &* 16      // (tap · inC / 4) quads × 64 bytes
                            var c = 0
                            while c < inC {
                                let pa = pairLanes(Int32(x[c]) &- zp, Int32(x[c &+ 1]) &- zp)
                                let pb = pairLanes(Int32(x[c &+ 2]) &- zp, Int32(x[c &+ 3]) &- zp)
                                multiplyAddQuad(&a0, pa, pb, w0 + (wTap &+ c &* 16))
                                if two { multiplyAddQuad(&a1, pa, pb, w1 + (wTap &+ c &* 16)) }
                                c &+= 4
                            }
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
                            var iy = 0, ix = 0, inside = true
                            if transposed {
                                let ty = oy &+ Int(g.padTop) &- ky, tx = ox &+ Int(g.padLeft) &- kx
                                inside = ty >= 0 && tx >= 0 && ty % s == 0 && tx % s == 0
                                iy = ty / s; ix = tx / s
                            } else {
                                iy = oy &* s &+ ky &- Int(g.padTop); ix = ox &* s &+ kx &- Int(g.padLeft)
                            }
                            if inside && iy >= 0 && iy < inH && ix >= 0 && ix < inW {
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
                let c0 = b &* 16
                for l in 0..<16 { output[o &+ c0 &+ l] = stage.apply(a0[l] &+ bias[c0 &+ l], channel: c0 &+ l) }
                if two { for l in 0..<16 { output[o &+ c0 &+ 16 &+ l] = stage.apply(a1[l] &+ bias[c0 &+ 16 &+ l], channel: c0 &+ 16 &+ l) } }
                b &+= two ? 2 : 1
            }
            o &+= outC
        }
    }
}
