// The reference kernels against results computed independently: small cases worked out by
// hand from the definitions (docs/QUANTIZATION.md), and random cases against a naive
// implementation written here from TensorFlow's definitions with exact 128-bit rounding.
import Testing
import MoteRuntime

/// A per-tensor requantization stage (the same multiplier for every channel) over owned storage.
final class Stage<A: AccumulatorValue, Y: QuantizedValue> {
    let m: UnsafeMutablePointer<Int32>, s: UnsafeMutablePointer<Int32>, nm: UnsafeMutablePointer<Int32>, ns: UnsafeMutablePointer<Int32>
    let stage: Requantization<A, Y>
    init(channels: Int, multiplier: Int32, shift: Int32, negative: (Int32, Int32)? = nil, zeroPoint: Int32 = 0, min: Int32, max: Int32) {
        (m, s, nm, ns) = (.allocate(capacity: channels), .allocate(capacity: channels), .allocate(capacity: channels), .allocate(capacity: channels))
        m.initialize(repeating: multiplier, count: channels); s.initialize(repeating: shift, count: channels)
        nm.initialize(repeating: negative?.0 ?? multiplier, count: channels); ns.initialize(repeating: negative?.1 ?? shift, count: channels)
        stage = Requantization(multipliers: m, shifts: s, negativeMultipliers: nm, negativeShifts: ns, outputZeroPoint: zeroPoint, min: min, max: max)
    }
    deinit { m.deallocate(); s.deallocate(); nm.deallocate(); ns.deallocate() }
}

@Suite("Kernels against independent reference vectors")
struct ReferenceVectorTests {
    // m = 2^30: shift −1 makes the real multiplier 2^30 / 2^30 = 1, shift 0 makes it 0.5.
    static let one: (Int32, Int32) = (1 << 30, -1), half: (Int32, Int32) = (1 << 30, 0), quarter: (Int32, Int32) = (1 << 30, 1)

    func geometry(_ inH: Int, _ inC: Int, _ outH: Int, _ outC: Int, k: Int, s: Int, pad: Int) -> KernelGeometry {
        KernelGeometry(inH: Int32(inH), inW: Int32(inH), inC: Int32(inC), outH: Int32(outH), outW: Int32(outH), outC: Int32(outC),
                       kernelH: Int32(k), kernelW: Int32(k), stride: Int32(s), padTop: Int32(pad), padLeft: Int32(pad))
    }

    @Test func convolutionByHand() {
        // 3x3 input 1..9, 2x2 kernel [1 2; 3 4], "valid", bias 10, input zero point 1:
        // (x − 1) is 0..8, so the top-left output is 0·1 + 1·2 + 3·3 + 4·4 + 10 = 37.
        let x: [Int8] = [1, 2, 3, 4, 5, 6, 7, 8, 9], w: [Int8] = [1, 2, 3, 4], bias: [Int32] = [10]
        let g = geometry(3, 1, 2, 1, k: 2, s: 1, pad: 0)
        var out = [Int8](repeating: 0, count: 4)
        let unit = Stage<Int32, Int8>(channels: 1, multiplier: Self.one.0, shift: Self.one.1, min: -128, max: 127)
        convolve(x, inputZeroPoint: 1, weights: w, bias: bias, g, unit.stage, output: &out)
        #expect(out == [37, 47, 67, 77])
        // Halved: 18.5, 23.5, 33.5, 38.5 round half away from zero.
        let halved = Stage<Int32, Int8>(channels: 1, multiplier: Self.half.0, shift: Self.half.1, min: -128, max: 127)
        convolve(x, inputZeroPoint: 1, weights: w, bias: bias, g, halved.stage, output: &out)
        #expect(out == [19, 24, 34, 39])
    }

    @Test func transposedConvolutionByHand() {
        // 2x2 input [1 2; 3 4], 2x2 kernel [1 2; 3 4], stride 2, "same" (pad 0): each input
        // pixel stamps its value times the kernel into its own 2x2 block of the 4x4 output.
        let x: [Int8] = [1, 2, 3, 4], w: [Int8] = [1, 2, 3, 4], bias: [Int32] = [0]
        var out = [Int8](repeating: 0, count: 16)
        let unit = Stage<Int32, Int8>(channels: 1, multiplier: Self.one.0, shift: Self.one.1, min: -128, max: 127)
        transposedConvolve(x, inputZeroPoint: 0, weights: w, bias: bias, geometry(2, 1, 4, 1, k: 2, s: 2, pad: 0), unit.stage, output: &out)
        #expect(out == [1, 2, 2, 4,
                         3, 4, 6, 8,
                         3, 6, 4, 8,
                         9, 12, 12, 16])
    }

    @Test func wideDenseByHand() {
        // int16 × int16, int64 accumulators. Output 0: 1000 − 4000 + 9000 + 100000 = 106000;
        // output 1: −4000 − 10000 − 18000 − 5 = −32005.
        let x: [Int16] = [1000, -2000, 3000], w: [Int16] = [1, 2, 3, -4, 5, -6], bias: [Int64] = [100_000, -5]
        var out = [Int16](repeating: 0, count: 2)
        // × 1/4: 26500 and −8001.25 → −8001.
        let quarter = Stage<Int64, Int16>(channels: 2, multiplier: Self.quarter.0, shift: Self.quarter.1, min: -32767, max: 32767)
        dense(x, inputZeroPoint: 0, weights: w, bias: bias, inFeatures: 3, outFeatures: 2, quarter.stage, output: &out)
        #expect(out == [26500, -8001])
        // × 1/2 (53000 clamps to 32767; −16002.5 is a tie, away from zero: −16003).
        let half = Stage<Int64, Int16>(channels: 2, multiplier: Self.half.0, shift: Self.half.1, min: -32767, max: 32767)
        dense(x, inputZeroPoint: 0, weights: w, bias: bias, inFeatures: 3, outFeatures: 2, half.stage, output: &out)
        #expect(out == [32767, -16003])
        // LeakyReLU: negative accumulators take the second multiplier (here 1/4 · 1/2 = 1/8):
        // −32005 / 8 = −4000.625 → −4001; positive ones keep 1/4.
        let leaky = Stage<Int64, Int16>(channels: 2, multiplier: Self.quarter.0, shift: Self.quarter.1, negative: (1 << 30, 2), min: -32767, max: 32767)
        dense(x, inputZeroPoint: 0, weights: w, bias: bias, inFeatures: 3, outFeatures: 2, leaky.stage, output: &out)
        #expect(out == [26500, -4001])
    }

    /// round-half-away-from-zero of acc · m / 2^(31 + s), exactly, then the output zero point and clamp.
    /// int16-input dense ops of every length the kernels split on (short, 16k, other), int16
    /// and int8 weights, seven outputs (four at a time, then the rest), against a plain sum.
    @Test(arguments: [2, 20, 48, 64, 100])
    func wideDenseMatchesThePlainSum(inputs n: Int) {
        var state: UInt64 = UInt64(n) &* 0x9E37_79B9
        func next(_ range: ClosedRange<Int64>) -> Int64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return range.lowerBound + Int64((state >> 20) % UInt64(range.upperBound - range.lowerBound + 1))
        }
        let spread = Int32(Int.bitWidth - Int(Double(n).squareRoot()).leadingZeroBitCount - 1)   // ⌊log2 √n⌋: sums grow with √n
        let outs = 7, (m, sh): (Int32, Int32) = (Int32(next(1 << 30 ... Int64(Int32.max))), 16 + spread)
        let x = (0..<n).map { _ in Int16(next(-32767...32767)) }, bias = (0..<outs).map { _ in next(-800_000...800_000) }
        let w16 = (0..<(n * outs)).map { _ in Int16(next(-32767...32767)) }, w8 = w16.map { Int8($0 >> 8) }
        let stage = Stage<Int64, Int16>(channels: outs, multiplier: m, shift: sh, min: -32767, max: 32767)
        func expected<W: BinaryInteger>(_ w: [W], shift: Int32) -> [Int16] {
            (0..<outs).map { j in
                let acc = bias[j] + (0..<n).reduce(Int64(0)) { $0 + Int64(x[$1]) * Int64(w[j * n + $1]) }
                return Int16(Self.requantize(acc, m, shift, zeroPoint: 0, min: -32767, max: 32767))
            }
        }
        var out = [Int16](repeating: 0, count: outs)
        dense(x, inputZeroPoint: 0, weights: w16, bias: bias, inFeatures: Int32(n), outFeatures: Int32(outs), stage.stage, output: &out)
        #expect(out == expected(w16, shift: sh), "int16 weights, \(n) inputs")
        let stage8 = Stage<Int64, Int16>(channels: outs, multiplier: m, shift: sh - 8, min: -32767, max: 32767)
        dense(x, inputZeroPoint: 0, weights: w8, bias: bias, inFeatures: Int32(n), outFeatures: Int32(outs), stage8.stage, output: &out)
        #expect(out == expected(w8, shift: sh - 8), "int8 weights, \(n) inputs")
        #expect(Set(out).count > 3, "outputs should vary")
    }

    static func requantize(_ acc: Int64, _ m: Int32, _ s: Int32, zeroPoint: Int32, min: Int32, max: Int32) -> Int32 {
        let p = Int128(acc) * Int128(m), d = Int128(1) << (31 + Int(s))
        let q = p.magnitude / d.magnitude, r = p.magnitude % d.magnitude
        let mag = Int128(q) + (2 * r >= d.magnitude ? 1 : 0)
        return Swift.min(Swift.max(Int32(clamping: p < 0 ? -mag : mag) &+ zeroPoint, min), max)
    }

    /// TensorFlow's convolution and transposed convolution, written from their definitions:
    /// a conv reads in[oy·s + ky − pad]; a transposed conv scatters in[iy] · w[ky] to iy·s + ky − pad.
    static func naive<X: BinaryInteger, W: BinaryInteger>(_ x: [X], zp: Int64, _ w: [W], bias: [Int64], _ g: KernelGeometry, transposed: Bool) -> [Int64] {
        let (inH, inC, outH, outC, k, s, pad) = (Int(g.inH), Int(g.inC), Int(g.outH), Int(g.outC), Int(g.kernelH), Int(g.stride), Int(g.padTop))
        var acc = [Int64](repeating: 0, count: outH * outH * outC)
        for i in acc.indices { acc[i] = bias[i % outC] }
        for ky in 0..<k { for kx in 0..<k { for ic in 0..<inC { for oc in 0..<outC {
            let wv = Int64(w[((oc * k + ky) * k + kx) * inC + ic])
            if transposed {
                for iy in 0..<inH { for ix in 0..<inH {
                    let (oy, ox) = (iy * s + ky - pad, ix * s + kx - pad)
                    guard oy >= 0, oy < outH, ox >= 0, ox < outH else { continue }
                    acc[(oy * outH + ox) * outC + oc] += (Int64(x[(iy * inH + ix) * inC + ic]) - zp) * wv
                } }
            } else {
                for oy in 0..<outH { for ox in 0..<outH {
                    let (iy, ix) = (oy * s + ky - pad, ox * s + kx - pad)
                    guard iy >= 0, iy < inH, ix >= 0, ix < inH else { continue }
                    acc[(oy * outH + ox) * outC + oc] += (Int64(x[(iy * inH + ix) * inC + ic]) - zp) * wv
                } }
            }
        } } } }
        return acc
    }

    struct Case: Sendable, CustomStringConvertible {
        var transposed: Bool, inH: Int, inC: Int, outC: Int, k: Int, s: Int, same: Bool
        var description: String { "\(transposed ? "transposed " : "")\(inH)x\(inH)x\(inC)->\(outC) k\(k) s\(s) \(same ? "same" : "valid")" }
    }
    static let cases = [Case(transposed: false, inH: 7, inC: 3, outC: 5, k: 3, s: 1, same: true), Case(transposed: false, inH: 8, inC: 2, outC: 3, k: 3, s: 2, same: true),
                        Case(transposed: false, inH: 9, inC: 16, outC: 2, k: 5, s: 2, same: false), Case(transposed: false, inH: 6, inC: 1, outC: 4, k: 2, s: 2, same: true),
                        Case(transposed: true, inH: 4, inC: 3, outC: 2, k: 3, s: 2, same: true), Case(transposed: true, inH: 5, inC: 2, outC: 3, k: 4, s: 2, same: true),
                        Case(transposed: true, inH: 3, inC: 4, outC: 1, k: 3, s: 1, same: true),
                        // The int16 × int16 fast paths: 16k channels (steps of 32 and a last 16), four
                        // output channels at a time and the rest one by one, edges, stride phases; a
                        // short receptive field; and a kernel too large for the tap list (reference).
                        Case(transposed: false, inH: 6, inC: 48, outC: 6, k: 3, s: 1, same: true), Case(transposed: false, inH: 7, inC: 32, outC: 4, k: 3, s: 2, same: true),
                        Case(transposed: true, inH: 4, inC: 64, outC: 5, k: 3, s: 2, same: true), Case(transposed: true, inH: 3, inC: 16, outC: 9, k: 5, s: 2, same: true),
                        Case(transposed: false, inH: 8, inC: 1, outC: 7, k: 5, s: 1, same: true), Case(transposed: false, inH: 10, inC: 16, outC: 3, k: 9, s: 1, same: true),
                        // An image-producing last layer as the models have it (int8: interior pixels
                        // read without per-tap checks, a stride-1 transposed one too).
                        Case(transposed: true, inH: 7, inC: 32, outC: 1, k: 3, s: 1, same: true), Case(transposed: false, inH: 7, inC: 48, outC: 1, k: 3, s: 1, same: true)]

    @Test(arguments: cases)
    func convolutionsMatchTheDefinition(c: Case) {
        var state: UInt64 = UInt64(c.inH * 131 + c.k * 17 + c.inC)
        func next(_ range: ClosedRange<Int64>) -> Int64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return range.lowerBound + Int64((state >> 20) % UInt64(range.upperBound - range.lowerBound + 1))
        }
        let outH = c.transposed ? c.inH * c.s : c.same ? (c.inH + c.s - 1) / c.s : (c.inH - c.k) / c.s + 1
        let pad = c.transposed ? max((c.inH - 1) * c.s + c.k - outH, 0) / 2 : c.same ? max((outH - 1) * c.s + c.k - c.inH, 0) / 2 : 0
        let g = geometry(c.inH, c.inC, outH, c.outC, k: c.k, s: c.s, pad: pad)
        let taps = c.k * c.k * c.inC, n = outH * outH * c.outC
        // A multiplier that keeps outputs mostly inside int8: accumulators grow with √taps.
        let spread = Int32(Int.bitWidth - Int(Double(taps).squareRoot()).leadingZeroBitCount - 1)   // ⌊log2 √taps⌋
        let (m, s): (Int32, Int32) = (Int32(next(1 << 30 ... Int64(Int32.max))), 7 + spread + Int32(next(0...1)))

        // int8 × int8 (int32 accumulators), zero point −7.
        let x8 = (0..<(c.inH * c.inH * c.inC)).map { _ in Int8(next(-128...127)) }, w8 = (0..<(c.outC * taps)).map { _ in Int8(next(-127...127)) }
        let b32 = (0..<c.outC).map { _ in Int32(next(-3000...3000)) }
        let stage8 = Stage<Int32, Int8>(channels: c.outC, multiplier: m, shift: s, zeroPoint: 5, min: -128, max: 127)
        var out8 = [Int8](repeating: 0, count: n)
        if c.transposed { transposedConvolve(x8, inputZeroPoint: -7, weights: w8, bias: b32, g, stage8.stage, output: &out8) }
        else { convolve(x8, inputZeroPoint: -7, weights: w8, bias: b32, g, stage8.stage, output: &out8) }
        let ref8 = Self.naive(x8, zp: -7, w8, bias: b32.map(Int64.init), g, transposed: c.transposed)
            .map { Int8(Self.requantize($0, m, s, zeroPoint: 5, min: -128, max: 127)) }
        #expect(out8 == ref8, "\(c): int8")
        #expect(Set(out8).count > 4, "\(c): outputs should vary")

        // int16 activations × int8 weights (int64 accumulators), a larger shift for the wider range.
        let x16 = (0..<(c.inH * c.inH * c.inC)).map { _ in Int16(next(-32767...32767)) }, b64 = (0..<c.outC).map { _ in next(-800_000...800_000) }
        let s16 = s + 8
        let stage16 = Stage<Int64, Int16>(channels: c.outC, multiplier: m, shift: s16, min: -32767, max: 32767)
        var out16 = [Int16](repeating: 0, count: n)
        if c.transposed { transposedConvolve(x16, inputZeroPoint: 0, weights: w8, bias: b64, g, stage16.stage, output: &out16) }
        else { convolve(x16, inputZeroPoint: 0, weights: w8, bias: b64, g, stage16.stage, output: &out16) }
        let ref16 = Self.naive(x16, zp: 0, w8, bias: b64, g, transposed: c.transposed)
            .map { Int16(Self.requantize($0, m, s16, zeroPoint: 0, min: -32767, max: 32767)) }
        #expect(out16 == ref16, "\(c): int16 x int8")
        #expect(Set(out16).count > 4, "\(c): outputs should vary")

        // int16 × int16 with a LeakyReLU's second multiplier for negative accumulators, weights
        // over the whole narrow range ±32767 (the extremes included).
        let w16 = (0..<(c.outC * taps)).map { i in i % 97 == 0 ? (i % 2 == 0 ? Int16(32767) : -32767) : Int16(next(-32767...32767)) }
        let (nm, ns): (Int32, Int32) = (Int32(next(1 << 30 ... Int64(Int32.max))), s + 18)
        let stageWide = Stage<Int64, Int16>(channels: c.outC, multiplier: m, shift: s + 16, negative: (nm, ns), min: -32767, max: 32767)
        var outWide = [Int16](repeating: 0, count: n)
        if c.transposed { transposedConvolve(x16, inputZeroPoint: 0, weights: w16, bias: b64, g, stageWide.stage, output: &outWide) }
        else { convolve(x16, inputZeroPoint: 0, weights: w16, bias: b64, g, stageWide.stage, output: &outWide) }
        let refWide = Self.naive(x16, zp: 0, w16, bias: b64, g, transposed: c.transposed)
            .map { Int16($0 >= 0 ? Self.requantize($0, m, s + 16, zeroPoint: 0, min: -32767, max: 32767) : Self.requantize($0, nm, ns, zeroPoint: 0, min: -32767, max: 32767)) }
        #expect(outWide == refWide, "\(c): int16 x int16")
        #expect(Set(outWide).count > 4, "\(c): outputs should vary")
    }
}
