// The packed SIMD int8 kernel against the reference kernels (themselves checked against exact
// integer arithmetic in ReferenceVectorTests and against the float layers in MoteExportTests):
// bit-identical outputs for convolutions, transposed convolutions and dense ops of many shapes,
// with both output stages. Weights are packed by the file's layout (WeightedLayout.packedPosition).
import Foundation
import Testing
@testable import MoteRuntime

@Suite("Packed int8 kernel")
struct PackedKernelTests {
    struct Case: Sendable, CustomStringConvertible {
        var kind: OpKind, inH: Int, inC: Int, outC: Int, k: Int, s: Int
        var description: String { "\(kind) \(inH)x\(inH)x\(inC) -> \(outC) k\(k) s\(s)" }
    }
    static let cases: [Case] = [
        Case(kind: .conv, inH: 7, inC: 1, outC: 32, k: 3, s: 1), Case(kind: .conv, inH: 8, inC: 1, outC: 16, k: 3, s: 2),
        Case(kind: .conv, inH: 7, inC: 3, outC: 48, k: 3, s: 2), Case(kind: .conv, inH: 6, inC: 32, outC: 16, k: 3, s: 1),
        Case(kind: .conv, inH: 5, inC: 8, outC: 64, k: 5, s: 2), Case(kind: .transposedConv, inH: 4, inC: 16, outC: 32, k: 3, s: 2),
        Case(kind: .transposedConv, inH: 7, inC: 4, outC: 16, k: 3, s: 2), Case(kind: .transposedConv, inH: 3, inC: 1, outC: 16, k: 4, s: 2),
        Case(kind: .transposedConv, inH: 5, inC: 12, outC: 32, k: 5, s: 1), Case(kind: .dense, inH: 1, inC: 37, outC: 16, k: 1, s: 1),
        Case(kind: .dense, inH: 1, inC: 784, outC: 48, k: 1, s: 1),
        // Short reductions gathered on the stack: a 2-value latent, 6 and 31 inputs.
        Case(kind: .dense, inH: 1, inC: 2, outC: 64, k: 1, s: 1), Case(kind: .dense, inH: 1, inC: 6, outC: 16, k: 1, s: 1),
        Case(kind: .dense, inH: 1, inC: 31, outC: 32, k: 1, s: 1), Case(kind: .conv, inH: 9, inC: 2, outC: 16, k: 3, s: 1),
        // Wide enough for the 4-pixel groups, with edges on both sides.
        Case(kind: .conv, inH: 14, inC: 16, outC: 32, k: 3, s: 1), Case(kind: .conv, inH: 16, inC: 8, outC: 16, k: 3, s: 2),
        Case(kind: .transposedConv, inH: 8, inC: 16, outC: 32, k: 3, s: 2), Case(kind: .transposedConv, inH: 9, inC: 4, outC: 16, k: 5, s: 2),
        Case(kind: .transposedConv, inH: 10, inC: 8, outC: 16, k: 3, s: 1), Case(kind: .conv, inH: 13, inC: 4, outC: 16, k: 5, s: 1),
        // Channels widened in runs of 64 and then of 16 and 4 (the four-pixel groups' and the
        // dense path's stack copies of the inputs).
        Case(kind: .conv, inH: 10, inC: 84, outC: 16, k: 3, s: 1), Case(kind: .dense, inH: 1, inC: 36, outC: 48, k: 1, s: 1),
        // Vector targets rewrite the weights in pair order on the stack, as many blocks as fit
        // at a time: three passes (3 + 3 + 2 blocks; 3 + 1, the last one block alone), and a
        // block too large for it (the portable path). Short reductions: 16 + 16 + 1 blocks.
        Case(kind: .conv, inH: 9, inC: 128, outC: 128, k: 3, s: 1), Case(kind: .transposedConv, inH: 5, inC: 128, outC: 64, k: 3, s: 2),
        Case(kind: .conv, inH: 4, inC: 464, outC: 16, k: 3, s: 1), Case(kind: .dense, inH: 1, inC: 31, outC: 528, k: 1, s: 1),
        // Inputs of more than 16,384 values: widened in bands of rows; and k input rows of more
        // than that (the portable path).
        Case(kind: .conv, inH: 24, inC: 32, outC: 32, k: 3, s: 1), Case(kind: .transposedConv, inH: 17, inC: 64, outC: 16, k: 3, s: 2),
        Case(kind: .conv, inH: 23, inC: 36, outC: 16, k: 5, s: 2), Case(kind: .conv, inH: 35, inC: 96, outC: 16, k: 5, s: 2),
    ]

    /// σ(−16 + i/8) in Q15, as the exporter writes it.
    let sigmoidTable: [Int32] = (0...256).map { i in
        let v = 32768 / (1 + exp(16 - Double(i) / 8))
        return Int32((v + 0.5).rounded(.down))
    }

    @Test(arguments: cases)
    func matchesTheReferenceKernels(c: Case) {
        // Seeded by the case (FNV-1a of its description): the same data every run, so the
        // "outputs vary" check cannot fail by chance (16 random outputs once had 7 values).
        var rng = SplitMix64(seed: c.description.utf8.reduce(0xcbf2_9ce4_8422_2325 as UInt64) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 })
        let outH = c.kind == .dense ? 1 : c.kind == .transposedConv ? c.inH * c.s : (c.inH + c.s - 1) / c.s
        // TensorFlow "same" padding for the forward direction; the transposed case mirrors it.
        let total = max((outH - 1) * c.s + c.k - c.inH, 0)
        let padTop = c.kind == .transposedConv ? max((c.inH - 1) * c.s + c.k - outH, 0) / 2 : total / 2
        let g = KernelGeometry(inH: Int32(c.inH), inW: Int32(c.inH), inC: Int32(c.inC), outH: Int32(outH), outW: Int32(outH), outC: Int32(c.outC),
                               kernelH: Int32(c.k), kernelW: Int32(c.k), stride: Int32(c.s), padTop: Int32(padTop), padLeft: Int32(padTop))
        let taps = c.k * c.k * c.inC
        let x = (0..<(c.inH * c.inH * c.inC)).map { _ in Int8.random(in: -128...127, using: &rng) }
        let w = (0..<(c.outC * taps)).map { _ in Int32.random(in: -127...127, using: &rng) }
        let w8 = w.map { Int8($0) }
        let x8 = TensorRecord(type: .int8, zeroPoint: 0, h: c.inH, w: c.inH, c: c.inC, scaleBits: 0, offset: 0)
        let y8 = TensorRecord(type: .int8, zeroPoint: 0, h: outH, w: outH, c: c.outC, scaleBits: 0, offset: 0)
        let layout = WeightedLayout(op: OpRecord(kind: c.kind, weightType: .int8, input: 0, output: 1, kernel: Int32(c.k), stride: Int32(c.s)),
                                    weightType: .int8, input: c.kind == .dense ? TensorRecord(type: .int8, zeroPoint: 0, h: 1, w: 1, c: c.inC, scaleBits: 0, offset: 0) : x8,
                                    output: c.kind == .dense ? TensorRecord(type: .int8, zeroPoint: 0, h: 1, w: 1, c: c.outC, scaleBits: 0, offset: 0) : y8)
        #expect(layout.packed && layout.taps == taps)
        var packed = [Int8](repeating: 0, count: w8.count), placed = Set<Int>()
        for o in 0..<c.outC { for i in 0..<taps {
            let at = layout.packedPosition(channel: o, index: i)
            packed[at] = w8[o * taps + i]; placed.insert(at)
        } }
        #expect(placed.count == w8.count, "\(c): the packed layout maps two weights to one byte")
        let bias = (0..<c.outC).map { _ in Int32.random(in: -5000...5000, using: &rng) }
        let m = (0..<c.outC).map { _ in Int32.random(in: (1 << 30)...Int32.max, using: &rng) }
        let sh = (0..<c.outC).map { _ in Int32.random(in: 6...10, using: &rng) }
        let zp = Int32.random(in: -20...20, using: &rng)
        // The writer's folding, written out again: bias − (zp + 128) · Σ weights over the taps
        // of each stride phase (a transposed conv's pixels use the taps with ky ≡ py, kx ≡ px).
        let phases = c.kind == .transposedConv ? c.s : 1
        var folded = [Int32]()
        for py in 0..<phases { for px in 0..<phases { for o in 0..<c.outC {
            var sum: Int32 = 0
            for ky in 0..<c.k where ky % phases == py { for kx in 0..<c.k where kx % phases == px { for ic in 0..<c.inC {
                sum += w[o * taps + (ky * c.k + kx) * c.inC + ic]
            } } }
            folded.append(bias[o] - (zp + 128) * sum)
        } } }
        let n = outH * outH * c.outC
        var ref = [Int8](repeating: 0, count: n), fast = ref, refSig = ref, fastSig = ref
        m.withUnsafeBufferPointer { mp in sh.withUnsafeBufferPointer { sp in sigmoidTable.withUnsafeBufferPointer { tp in
            packed.withUnsafeBytes { pk in
                let rq = Requantization<Int32, Int8>(multipliers: mp.baseAddress!, shifts: sp.baseAddress!, negativeMultipliers: mp.baseAddress!,
                                                     negativeShifts: sp.baseAddress!, outputZeroPoint: 3, min: -128, max: 127)
                let sg = FusedSigmoid<Int32, Int8>(multipliers: mp.baseAddress!, shifts: sp.baseAddress!, table: tp.baseAddress!)
                switch c.kind {
                case .conv:
                    convolve(x, inputZeroPoint: zp, weights: w8, bias: bias, g, rq, output: &ref)
                    convolve(x, inputZeroPoint: zp, weights: w8, bias: bias, g, sg, output: &refSig)
                case .transposedConv:
                    transposedConvolve(x, inputZeroPoint: zp, weights: w8, bias: bias, g, rq, output: &ref)
                    transposedConvolve(x, inputZeroPoint: zp, weights: w8, bias: bias, g, sg, output: &refSig)
                default:
                    MoteRuntime.dense(x, inputZeroPoint: zp, weights: w8, bias: bias, inFeatures: Int32(c.inC), outFeatures: Int32(c.outC), rq, output: &ref)
                    MoteRuntime.dense(x, inputZeroPoint: zp, weights: w8, bias: bias, inFeatures: Int32(c.inC), outFeatures: Int32(c.outC), sg, output: &refSig)
                }
                convolvePackedInt8(x, inputZeroPoint: zp, packed: pk.baseAddress!, bias: bias, foldedBias: folded, g, transposed: c.kind == .transposedConv, rq, output: &fast)
                convolvePackedInt8(x, inputZeroPoint: zp, packed: pk.baseAddress!, bias: bias, foldedBias: folded, g, transposed: c.kind == .transposedConv, sg, output: &fastSig)
            }
        } } }
        #expect(fast == ref, "\(c): requantized outputs differ")
        #expect(fastSig == refSig, "\(c): sigmoid outputs differ")
        #expect(Set(ref).count > 8, "\(c): outputs should vary")   // the case exercises the arithmetic
    }
}

/// SplitMix64: a small seeded generator for reproducible test data.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
