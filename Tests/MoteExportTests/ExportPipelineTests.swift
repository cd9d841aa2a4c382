// Lowering a trained model to int8 and running it: the pipeline end to end on a small model
// trained for a few steps (every op kind of the reference models appears in one of the two).
import Foundation
import Testing
import MoteRuntime
@testable import MoteExport
@testable import MoteTraining

func tinyTrainedModel(vae: Bool) -> (Autoencoder, ImageSet) {
    let encoder = vae
        ? #"[{"type":"conv2d","filters":4,"strides":2,"activation":"relu"},{"type":"flatten"},{"type":"dense","units":6,"activation":"leaky_relu"},{"type":"dense","units":4},{"type":"sampling"}]"#
        : #"[{"type":"conv2d","filters":4,"activation":"relu"},{"type":"maxpool","pool":2},{"type":"flatten"},{"type":"dense","units":8}]"#
    let decoder = vae
        ? #"[{"type":"dense","units":196,"activation":"relu"},{"type":"reshape","shape":[7,7,4]},{"type":"conv2d_transpose","filters":4,"strides":2,"activation":"relu"},{"type":"conv2d_transpose","filters":1,"strides":1},{"type":"sigmoid"}]"#
        : #"[{"type":"dense","units":196},{"type":"reshape","shape":[7,7,4]},{"type":"resize_nearest","size":[14,14]},{"type":"zero_pad","pad":1},{"type":"conv2d","filters":1,"padding":"valid"},{"type":"sigmoid"}]"#
    let spec = try! ModelSpec.parse("""
    {"name": "tiny", "input": [14, 14, 1], "data": {"dataset": "x", "train": [], "test": {"split": "t10k"}},
     "encoder": \(encoder), "decoder": \(decoder), "loss": {"type": "bce"},
     "optimizer": {"type": "adam", "lr": 0.01}, "batch_size": 8, "seed": 3}
    """)
    var pixels = [Float]()
    for i in 0..<64 {
        let cy = Float(3 + i % 8), cx = Float(3 + (i * 3) % 8)
        for y in 0..<14 { for x in 0..<14 { pixels.append(exp(-((Float(y) - cy) * (Float(y) - cy) + (Float(x) - cx) * (Float(x) - cx)) / 8)) } }
    }
    let images = ImageSet(pixels: pixels, labels: [UInt8](repeating: 0, count: 64), shape: Shape(14, 14, 1))
    let model = try! Autoencoder(spec: spec)
    model.initialize(seed: 3)
    let trainer = Trainer(model: model, train: images, test: images.prefix(8))
    for _ in 0..<5 { _ = trainer.runEpoch() }
    return (model, images)
}

func exported(_ model: Autoencoder, _ calibration: ImageSet, _ options: QuantizationOptions = QuantizationOptions()) throws -> (QuantizedGraph, LoadedModel, ModelAnatomy) {
    let graph = try Lowering.lower(model, calibration: calibration, options: options)
    let file = try LoadedModel.open(bytes: try ModelWriter.write(graph))
    return (graph, file, ModelAnatomy(file))
}

@Suite("Export pipeline: lower, write, open, run", .serialized)
struct ExportPipelineTests {
    @Test(arguments: [(false, IntegerType.int8), (true, .int8), (false, .int16), (true, .int16)])
    func tracksTheFloatModel(vae: Bool, type: IntegerType) throws {
        let (model, images) = tinyTrainedModel(vae: vae)
        let (graph, file, summary) = try exported(model, images, QuantizationOptions(activations: type))
        // Activations fused: no standalone relu or sigmoid step; the last op carries the sigmoid.
        guard case let .weighted(last) = graph.steps.last!.op else { Issue.record("the last op should be a conv"); return }
        #expect(last.stage.kind == .sigmoid)
        // One step per unit; flatten/reshape are aliases and produce none.
        #expect(graph.steps.count == 7 && file.model.opCount == 7)
        #expect(file.opNames.count == 7 && !file.opNames.contains(""))
        // The arena is planned: never above the naive sum, never below the lower bound.
        #expect(summary.arenaBytes >= summary.lowerBound && summary.arenaBytes <= summary.naiveBytes)
        #expect(summary.weightBytes == graph.steps.reduce(0) { n, s in if case let .weighted(w) = s.op { return n + w.weights.count * w.weightType.bytes }; return n })
        let drift = try Drift.reconstruction(model, file, images: images)
        #expect(drift.images == 64)
        let floor = type == .int8 ? 30.0 : 45.0
        #expect(drift.meanPSNR > floor, "\(type) drift \(drift.meanPSNR) dB")
        let layers = try Drift.perLayer(model, file, images: images.prefix(8))
        #expect(layers.count == graph.steps.count)
        // (The latent of a barely trained VAE is ~0 against a ±4σ range: its SQNR says nothing.)
        for l in layers where !l.name.contains("sampling") { #expect(l.sqnr > (type == .int8 ? 20 : 35), "\(l.name): \(l.sqnr) dB") }
        if vae {
            let sampled = try Drift.sampledDecoder(model, file, count: 50)
            #expect(sampled.meanPSNR > floor - 5)
            // The decoder's input covers the sampler's ±4σ (to within the zero point's rounding).
            let zq = graph.tensors[graph.latent].quantization
            #expect(zq.representable.lowerBound <= -4 + zq.scale && zq.representable.upperBound >= 4 - zq.scale)
        }
    }

    @Test func int16BeatsInt8AndMixedPrecisionSitsBetween() throws {
        let (model, images) = tinyTrainedModel(vae: false)
        let psnr = try [QuantizationOptions(activations: .int8), QuantizationOptions(activations: .int16),
                        QuantizationOptions(activations: .int8, layers: ["decoder.4_conv2d": .int16])].map { o -> Double in
            let (_, file, _) = try exported(model, images, o)
            return try Drift.reconstruction(model, file, images: images).meanPSNR
        }
        #expect(psnr[1] > psnr[0] + 10, "int16 \(psnr[1]) vs int8 \(psnr[0])")
        #expect(psnr[2] > psnr[0], "mixed \(psnr[2]) vs int8 \(psnr[0])")
    }

    @Test func nonFiniteWeightsAreRefusedByName() throws {
        let (model, images) = tinyTrainedModel(vae: false)
        let p = model.parameters[2]
        p.value.pointer[1] = .nan
        do {
            _ = try Lowering.lower(model, calibration: images)
            Issue.record("NaN weights exported")
        } catch let e as LoweringError {
            #expect(e.description.contains(p.name) && e.description.contains("NaN"), "\(e)")
        }
        // The checkpoint such a run would leave is refused when read back, naming the tensor.
        let trainer = Trainer(model: model, train: images, test: images.prefix(8))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("nan-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Checkpoint.save(trainer, to: path)
        do {
            _ = try Checkpoint.loadModel(path)
            Issue.record("a NaN checkpoint loaded")
        } catch {
            #expect("\(error)".contains(p.name) && "\(error)".contains("NaN"), "\(error)")
        }
    }

    @Test func mixedPrecisionMovesOnlyWhatPaysWithinTheBudget() throws {
        let (model, images) = tinyTrainedModel(vae: true)
        let base = try ModelWriter.write(try Lowering.lower(model, calibration: images)).count
        // No room for a single extra byte: nothing may move.
        let none = try MixedPrecision.choose(model, calibration: images, evaluation: images.prefix(16), options: QuantizationOptions(), maxGrowth: 0)
        #expect(none.moves.isEmpty && none.options.layers.isEmpty && none.start.fileBytes == base)
        // Room to move everything: each accepted move gains at least 0.25 dB, stays in budget,
        // and the chosen options, exported again, give exactly what the last move measured.
        let budget = 4 * base
        let all = try MixedPrecision.choose(model, calibration: images, evaluation: images.prefix(16), options: QuantizationOptions(), maxGrowth: 3)
        var previous = all.start.psnr
        for m in all.moves {
            #expect(m.psnr >= previous + 0.25 && m.fileBytes <= budget && all.options.layers[m.layer] == .int16)
            previous = m.psnr
        }
        let file = try LoadedModel.open(bytes: try ModelWriter.write(try Lowering.lower(model, calibration: images, options: all.options)))
        #expect(try Drift.reconstruction(model, file, images: images.prefix(16)).meanPSNR == previous)
        #expect(!all.moves.isEmpty && all.options.layers.count == all.moves.count)
        // A goal the plain export already meets moves nothing; one between the start and the
        // first move's result stops right after that move.
        let met = try MixedPrecision.choose(model, calibration: images, evaluation: images.prefix(16), options: QuantizationOptions(),
                                            maxGrowth: 3, goal: all.start.psnr - 1)
        #expect(met.moves.isEmpty && met.options.layers.isEmpty)
        let first = try MixedPrecision.choose(model, calibration: images, evaluation: images.prefix(16), options: QuantizationOptions(),
                                              maxGrowth: 3, goal: (all.start.psnr + all.moves[0].psnr) / 2)
        #expect(first.moves.map(\.layer) == [all.moves[0].layer])
    }

    @Test func unknownLayerOverrideIsAnError() throws {
        let (model, images) = tinyTrainedModel(vae: false)
        #expect(throws: LoweringError.self) { try Lowering.lower(model, calibration: images, options: QuantizationOptions(layers: ["nope": .int16])) }
    }
}

@Suite("Decoder-only export")
struct DecoderOnlyExportTests {
    /// The decoder sliced out of a VAE's graph decodes sampled latents to exactly the bytes the
    /// full file's decoder does, in a smaller file with only the decoder subgraph.
    @Test func decodesBitForBitLikeTheFullFile() throws {
        let (model, images) = tinyTrainedModel(vae: true)
        let graph = try Lowering.lower(model, calibration: images)
        let full = try LoadedModel.open(bytes: try ModelWriter.write(graph))
        let decoderBytes = try ModelWriter.write(graph.decoderOnly())
        let decoder = try LoadedModel.open(bytes: decoderBytes)
        #expect(decoder.model.subgraph(.decoder) != nil && decoder.model.subgraph(.encoder) == nil && decoder.model.subgraph(.autoencoder) == nil)
        #expect(decoder.model.opCount == graph.steps.count - graph.encoderSteps)
        #expect(decoderBytes.count < full.model.fileBytes)
        var a = Xoshiro128StarStar(seed: 3), b = a
        for _ in 0..<20 {
            try full.model.drawLatent(&a); try full.model.run(.decoder)
            try decoder.model.drawLatent(&b); try decoder.model.run(.decoder)
            #expect(full.read(full.model.subgraph(.decoder)!.output) == decoder.read(decoder.model.subgraph(.decoder)!.output))
        }
    }
}
