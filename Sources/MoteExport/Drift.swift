// Accuracy drift of a quantized model against its float twin: end-to-end PSNR, RMSE and
// largest error of the dequantized output, and the SQNR of every intermediate tensor, so a
// user can see where accuracy is lost. The quantized side runs through the runtime on the
// .mote bytes, exactly as a board would.
import Foundation
import MoteRuntime
import MoteTraining

public struct DriftReport: Sendable {
    public var images = 0
    public var meanPSNR = 0.0
    public var rmse = 0.0
    public var maxAbsError = 0.0
}

public struct LayerDrift: Sendable {
    public var name: String
    public var type: ElementType
    /// 10·log10(Σ float² / Σ (quantized − float)²) over every value seen.
    public var sqnr: Double
}

public enum Drift {
    /// Autoencoder drift on `images`: the float model (z = z_mean) against the quantized
    /// autoencoder subgraph (no sampling).
    public static func reconstruction(_ model: Autoencoder, _ quantized: LoadedModel, images: ImageSet) throws -> DriftReport {
        let per = model.spec.input.count
        model.allocate(maxBatch: 1)
        model.sampling?.stochastic = false
        defer { model.sampling?.stochastic = true }
        var acc = Accumulator()
        let x = FloatStorage(per)
        for i in 0..<images.count {
            let img = Array(images.pixels[(i * per)..<((i + 1) * per)])
            for k in 0..<per { x.pointer[k] = img[k] }
            let f = Array(model.forward(Batch(data: x.pointer, n: 1, shape: model.spec.input)).buffer)
            let q = try quantized.run(.autoencoder, input: img)
            try acc.add(float: f, quantized: q)
        }
        return acc.report
    }

    /// Decoder drift on `count` latents drawn N(0, 1) by the runtime's integer sampler (the
    /// float decoder gets the same draws).
    public static func sampledDecoder(_ model: Autoencoder, _ quantized: LoadedModel, count: Int, seed: UInt32 = 1) throws -> DriftReport {
        let d = model.latentShape.count
        let g = try quantized.subgraph(.decoder)
        var rng = Xoshiro128StarStar(seed: seed)
        model.allocate(maxBatch: 1)
        var acc = Accumulator()
        let z = FloatStorage(d)
        for _ in 0..<count {
            var twin = rng
            for k in 0..<d { z.pointer[k] = Float(Double(twin.standardNormalQ16()) / 65536) }
            let f = Array(model.forward(Batch(data: z.pointer, n: 1, shape: model.latentShape), .decoder).buffer)
            try quantized.model.drawLatent(&rng)
            try quantized.model.run(.decoder)
            try acc.add(float: f, quantized: quantized.read(g.output))
        }
        return acc.report
    }

    /// SQNR of every op's output tensor, dequantized, against its float twin, over `images`.
    public static func perLayer(_ model: Autoencoder, _ quantized: LoadedModel, images: ImageSet) throws -> [LayerDrift] {
        let per = model.spec.input.count
        let units = (Lowering.units(model.encoder) + Lowering.units(model.decoder)).filter { !($0[0] is Reshape) }
        guard units.count == quantized.model.opCount else {
            throw ModelFileError(description: "the checkpoint has \(units.count) fused layers but the model file \(quantized.model.opCount) ops: they are not the same model")
        }
        let g = try quantized.subgraph(.autoencoder)
        model.allocate(maxBatch: 1)
        model.sampling?.stochastic = false
        defer { model.sampling?.stochastic = true }
        var signal = [Double](repeating: 0, count: units.count), noise = signal
        let x = FloatStorage(per)
        for i in 0..<images.count {
            let img = Array(images.pixels[(i * per)..<((i + 1) * per)])
            for k in 0..<per { x.pointer[k] = img[k] }
            img.withUnsafeBufferPointer { quantized.write($0, to: g.input) }
            var h = Batch(data: x.pointer, n: 1, shape: model.spec.input)
            for (s, unit) in units.enumerated() {
                for l in unit { h = l.forward(h, training: false) }
                quantized.model.run(ops: s..<(s + 1))
                let q = quantized.read(quantized.model.op(s).output)
                guard q.count == h.count else { throw ModelFileError(description: "op \(s) (\(quantized.opNames[s])) has \(q.count) values, its float twin \(h.count): not the same model") }
                for k in 0..<h.count {
                    let f = Double(h.data[k]), d = Double(q[k]) - f
                    signal[s] += f * f
                    noise[s] += d * d
                }
            }
        }
        return units.indices.map { s in
            LayerDrift(name: quantized.opNames[s], type: quantized.model.tensor(quantized.model.op(s).output).type,
                       sqnr: noise[s] > 0 ? 10 * log10(signal[s] / noise[s]) : 120)
        }
    }

    /// Two sets of outputs compared image by image (`reference` plays the float side).
    public static func compare(_ reference: [[Float]], _ other: [[Float]]) throws -> DriftReport {
        var acc = Accumulator()
        for (f, q) in zip(reference, other) { try acc.add(float: f, quantized: q) }
        return acc.report
    }

    struct Accumulator {
        var psnrSum = 0.0, squared = 0.0, values = 0, worst = 0.0, images = 0
        mutating func add(float f: [Float], quantized q: [Float]) throws {
            guard f.count == q.count else { throw ModelFileError(description: "the quantized output has \(q.count) values, the float one \(f.count): not the same model") }
            var e = 0.0
            for k in f.indices {
                let d = Double(q[k]) - Double(f[k])
                e += d * d
                worst = max(worst, abs(d))
            }
            squared += e
            values += f.count
            psnrSum += psnr(mse: e / Double(f.count))
            images += 1
        }
        var report: DriftReport {
            DriftReport(images: images, meanPSNR: psnrSum / Double(max(images, 1)),
                        rmse: (squared / Double(max(values, 1))).squareRoot(), maxAbsError: worst)
        }
    }
}
