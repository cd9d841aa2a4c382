// Weight quantization against hand-worked values; calibration ranges against brute force.
import Foundation
import Testing
@testable import MoteExport
import MoteTraining

@Suite("Weight and activation quantization")
struct QuantizationTests {
    @Test func perChannelWeightsHandWorked() {
        // Dense [in 2, out 2]: channel 0 = {1, 0.5}, channel 1 = {−2, 4}.
        let w = quantizePerChannel([1, -2, 0.5, 4], shape: [2, 2], channelAxis: 1, as: .int8)
        #expect(w.scales == [1.0 / 127, 4.0 / 127])
        // −2 / (4/127) = −63.5 → −64 and 0.5 / (1/127) = 63.5 → 64: ties round away from zero.
        #expect(w.values == [127, -64, 64, 127])
    }

    @Test func transposedConvChannelAxisAndZeroChannel() {
        // [k 1, k 1, out 2, in 3]: output channel is axis 2; channel 1 is all zeros.
        let w = quantizePerChannel([3, -6, 1.5, 0, 0, 0], shape: [1, 1, 2, 3], channelAxis: 2, as: .int16)
        #expect(w.scales == [6.0 / 32767, 1])
        #expect(w.values == [16384, -32767, 8192, 0, 0, 0])   // 3/(6/32767) = 16383.5 → 16384
    }

    @Test func reconstructionErrorIsBoundedByHalfAStep() {
        var rng = SystemRandomNumberGenerator()
        let values = (0..<600).map { _ in Float.random(in: -3...3, using: &rng) }
        for type in IntegerType.allCases {
            let w = quantizePerChannel(values, shape: [20, 30], channelAxis: 1, as: type)
            for i in values.indices {
                let s = w.scales[i % 30]
                #expect(abs(Double(w.values[i]) * s - Double(values[i])) <= s / 2 + 1e-12)
            }
        }
    }

    @Test func activationParameters() {
        let a = ActivationQuantization(lo: 0, hi: 1, type: .int8)    // a sigmoid output
        #expect(a.scale == 1.0 / 255 && a.zeroPoint == -128)
        #expect(a.quantize(0) == -128 && a.quantize(1) == 127 && a.quantize(2) == 127)
        let b = ActivationQuantization(lo: 0.5, hi: 2, type: .int8)   // widened to contain 0
        #expect(b.quantize(0) == b.zeroPoint && b.dequantize(b.zeroPoint) == 0)
        let c = ActivationQuantization(lo: -3, hi: 1, type: .int16)
        #expect(c.zeroPoint == 0 && abs(c.scale - 3.0 / 32767) < 1e-15)
    }

    func observe(_ values: [Float]) -> RangeObserver {
        var o = RangeObserver()
        values.withUnsafeBufferPointer { o.observeRange($0) }
        values.withUnsafeBufferPointer { o.observeHistogram($0) }
        return o
    }

    @Test func minmaxAndPercentile() {
        let values = (0..<10_000).map { Float($0) / 9999 * 4 - 1 }   // uniform on [−1, 3]
        let o = observe(values)
        #expect(o.range(.minmax, type: .int8) == (lo: -1, hi: 3))
        let p = o.range(.percentile, type: .int8, percentile: 99)      // clips ~1% at each end
        #expect(abs(p.lo - (-0.96)) < 0.01 && abs(p.hi - 2.96) < 0.01)
    }

    func trueError(_ values: [Float], _ r: (lo: Double, hi: Double)) -> Double {
        // Brute force on the real values (not the histogram the search used).
        let q = ActivationQuantization(lo: r.lo, hi: r.hi, type: .int8)
        return values.reduce(0) { let d = q.dequantize(q.quantize(Double($1))) - Double($1); return $0 + d * d } / Double(values.count)
    }

    @Test func mseClipsAHeavyTailAndLowersTheTrueError() {
        // Laplace-distributed values (quantiles of a symmetric exponential): the extreme tail
        // is sparse, so a slightly narrower range rounds the bulk finely enough to pay for it.
        let n = 20_000
        let values = (0..<n).map { i -> Float in
            let u = (Double(i) + 0.5) / Double(n) - 0.5
            return Float(-(u < 0 ? -1.0 : 1.0) * log(1 - 2 * abs(u)))
        }
        let o = observe(values)
        let mm = o.range(.minmax, type: .int8), ms = o.range(.mse, type: .int8)
        #expect(ms.hi < mm.hi && ms.lo > mm.lo)
        #expect(trueError(values, ms) < trueError(values, mm) * 0.98)
    }

    @Test func mseKeepsALoneFarOutlier() {
        // Clipping one value of 40 down to ~1 would cost 39² / 20,001 ≈ 0.08 of MSE, far more
        // than the rounding error min/max gives: the MSE range must keep it.
        var values = (0..<20_000).map { i in Float(sin(Double(i) * 0.37)) * 0.5 }
        values.append(40)
        let o = observe(values)
        let mm = o.range(.minmax, type: .int8), ms = o.range(.mse, type: .int8)
        #expect(ms.hi > mm.hi * 0.9)
        #expect(trueError(values, ms) <= trueError(values, mm) * 1.001)
    }
}

@Suite("Bias correction")
struct BiasCorrectionTests {
    /// A dense layer with int8 weights on inputs with a large mean: the rounded weights shift
    /// every output's mean; the corrected bias removes that shift (checked on fresh inputs).
    @Test func removesTheMeanOutputError() {
        var rng = SeededRandom(seed: 21)
        let (inputs, outputs) = (64, 8)
        let kernel = (0..<(inputs * outputs)).map { _ in rng.uniform(-0.5, 0.5) }     // [in][out]
        let bias = [Float](repeating: 0.1, count: outputs)
        let w = quantizePerChannel(kernel, shape: [inputs, outputs], channelAxis: 1, as: .int8)
        let means = (0..<inputs).map { _ in Double(rng.uniform(0.5, 1.5)) }
        let corrected = BiasCorrection.corrected(bias, kernel: kernel, weights: w, inputs: inputs, inputMean: means, inputScale: nil)
        var before = [Double](repeating: 0, count: outputs), after = before
        let n = 4000
        for _ in 0..<n {
            let x = means.map { $0 + Double(rng.uniform(-0.5, 0.5)) }
            for o in 0..<outputs {
                var exact = Double(bias[o]), rounded = 0.0
                for i in 0..<inputs {
                    exact += Double(kernel[i * outputs + o]) * x[i]
                    rounded += Double(w.values[i * outputs + o]) * w.scales[o] * x[i]
                }
                before[o] += (rounded + Double(bias[o]) - exact) / Double(n)
                after[o] += (rounded + Double(corrected[o]) - exact) / Double(n)
            }
        }
        let worstBefore = before.map(abs).max()!, worstAfter = after.map(abs).max()!
        #expect(worstBefore > 5e-4, "the rounding should shift the mean measurably: \(worstBefore)")
        #expect(worstAfter < worstBefore / 10, "mean error \(worstAfter) after vs \(worstBefore) before")
    }
}
