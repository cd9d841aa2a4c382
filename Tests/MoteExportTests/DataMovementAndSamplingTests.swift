// int8 pooling, resize, padding, lookup and sampling against the trainer's float layers and
// the float sampling formula.
import Foundation
import Testing
@testable import MoteExport
@testable import MoteTraining
import MoteRuntime

func floatForward(_ layer: Layer, _ input: [Float]) -> [Float] {
    layer.allocate(maxBatch: 1)
    let x = FloatStorage(input.count)
    for (i, v) in input.enumerated() { x.pointer[i] = v }
    return Array(layer.forward(Batch(data: x.pointer, n: 1, shape: layer.inputShape), training: false).buffer)
}

@Suite("int8 data movement and sampling")
struct DataMovementAndSamplingTests {
    let q = ActivationQuantization(lo: -1, hi: 2, type: .int8)

    func quantized(_ n: Int, seed: UInt64 = 4) -> ([Float], [Int8]) {
        var rng = SeededRandom(seed: seed)
        // Values already on the int8 grid, so float and int8 paths see identical inputs.
        let qs = (0..<n).map { _ in Int8(Int(rng.next() % 256) - 128) }
        return (qs.map { Float(q.dequantize(Int($0))) }, qs)
    }

    @Test(arguments: [(7, Padding.same), (7, .valid), (8, .same)])
    func maxPoolMatchesFloat(size: Int, padding: Padding) {
        let layer = MaxPool(name: "p", input: Shape(size, size, 3), pool: 2, padding: padding)
        let (x, xq) = quantized(size * size * 3)
        let g = layer.geometry
        var out = [Int8](repeating: 0, count: layer.outputShape.count)
        let kg = KernelGeometry(inH: Int32(size), inW: Int32(size), inC: 3, outH: Int32(g.narrowH), outW: Int32(g.narrowW),
                                outC: 3, kernelH: 2, kernelW: 2, stride: 2, padTop: Int32(g.padTop), padLeft: Int32(g.padLeft))
        maxPool(xq, kg, output: &out)
        #expect(out.map { Float(q.dequantize(Int($0))) } == floatForward(layer, x))
    }

    @Test(arguments: [(4, 7), (7, 14), (14, 28), (3, 5)])
    func resizeMatchesFloat(from: Int, to: Int) {
        let layer = ResizeNearest(name: "r", input: Shape(from, from, 2), height: to, width: to)
        let (x, xq) = quantized(from * from * 2)
        var out = [Int8](repeating: 0, count: to * to * 2)
        resizeNearest(xq, inH: Int32(from), inW: Int32(from), channels: 2, outH: Int32(to), outW: Int32(to), output: &out)
        #expect(out.map { Float(q.dequantize(Int($0))) } == floatForward(layer, x))
    }

    @Test func zeroPadMatchesFloat() {
        let layer = ZeroPad(name: "z", input: Shape(5, 4, 2), pad: 2)
        let (x, xq) = quantized(40)
        var out = [Int8](repeating: 0, count: layer.outputShape.count)
        zeroPad(xq, h: 5, w: 4, channels: 2, pad: 2, zeroPoint: Int8(q.zeroPoint), output: &out)
        #expect(out.map { Float(q.dequantize(Int($0))) } == floatForward(layer, x))
    }

    @Test func sigmoidTableIsExactToOutputRounding() {
        let inQ = ActivationQuantization(lo: -8, hi: 6, type: .int8), outQ = ActivationQuantization(lo: 0, hi: 1, type: .int8)
        let table = (0..<256).map { i in Int8(outQ.quantize(1 / (1 + exp(-inQ.dequantize(i - 128))))) }
        let xq = (-128...127).map { Int8($0) }
        var out = [Int8](repeating: 0, count: 256)
        lookupInt8(xq, count: 256, table: table, output: &out)
        for i in 0..<256 {
            let exact = 1 / (1 + exp(-inQ.dequantize(Int(xq[i]))))
            #expect(abs(outQ.dequantize(Int(out[i])) - exact) <= outQ.scale / 2 + 1e-12)
        }
    }

    @Test func samplingMatchesTheFloatFormula() throws {
        let inQ = ActivationQuantization(lo: -4, hi: 3, type: .int8), outQ = ActivationQuantization(lo: -5, hi: 5, type: .int8)
        let sigma = (0...256).map { i in Int32(roundHalfAway(min(exp(0.5 * inQ.dequantize(i - 128)), 128) * 65536)) }   // 257 points: an int8 q is table entry q + 128
        let mean = try QuantizedMultiplier(inQ.scale / outQ.scale), noise = try QuantizedMultiplier(pow(2, -16) / outQ.scale)
        let latent = 2
        var rng = SeededRandom(seed: 9)
        for _ in 0..<300 {
            let params = (0..<(2 * latent)).map { _ in Int8(Int(rng.next() % 256) - 128) }
            var out = [Int8](repeating: 0, count: latent)
            var gen = Xoshiro128StarStar(seed: UInt32(truncatingIfNeeded: rng.next()))
            var replay = gen   // the same ε, drawn independently below
            sigma.withUnsafeBufferPointer { s in
                let p = SamplingParameters(inputZeroPoint: Int32(inQ.zeroPoint), sigmaQ16: s.baseAddress!,
                                           meanMultiplier: mean.multiplier, meanShift: mean.shift,
                                           noiseMultiplier: noise.multiplier, noiseShift: noise.shift,
                                           outputZeroPoint: Int32(outQ.zeroPoint))
                sampleLatent(params, latent: Int32(latent), p, rng: &gen, output: &out)
            }
            for j in 0..<latent {
                let eps = Double(replay.standardNormalQ16()) / 65536
                let mu = inQ.dequantize(Int(params[j])), logVar = inQ.dequantize(Int(params[latent + j]))
                let z = mu + min(exp(0.5 * logVar), 128) * eps
                let expected = min(max(z, outQ.representable.lowerBound), outQ.representable.upperBound)
                // Two roundings (mean term, noise term) and the σ table: within 1.5 output steps.
                #expect(abs(outQ.dequantize(Int(out[j])) - expected) <= 1.5 * outQ.scale, "z \(z)")
            }
        }
    }
}

@Suite("Fused sigmoid")
struct FusedSigmoidTests {
    @Test func matchesTheRealSigmoidToWithinOneStep() throws {
        // Accumulators over a wide range, two channels with different scales.
        let reals = [0.004, 0.0007]
        let m = try reals.map { try QuantizedMultiplier($0 * 2048) }
        let mult = m.map(\.multiplier), shifts = m.map(\.shift)
        var exact = 0, total = 0
        mult.withUnsafeBufferPointer { mp in shifts.withUnsafeBufferPointer { sp in sigmoidTableQ15.withUnsafeBufferPointer { tp in
            let stage = FusedSigmoid<Int32, Int8>(multipliers: mp.baseAddress!, shifts: sp.baseAddress!, table: tp.baseAddress!)
            for c in 0..<2 {
                for acc in stride(from: -40_000, through: 40_000, by: 7) {
                    let q = Int(stage.apply(Int32(acc), channel: c))
                    let ideal = Int((255 / (1 + exp(-Double(acc) * reals[c]))).rounded()) - 128
                    #expect(abs(q - ideal) <= 1, "acc \(acc) ch \(c): \(q) vs \(ideal)")
                    if q == ideal { exact += 1 }
                    total += 1
                }
            }
        } } }
        #expect(Double(exact) / Double(total) > 0.98)   // off by one only next to rounding ties
    }
}
