// Accuracy-drift guards for the shipped models: each exported file in models/ (int8 and
// int16), opened and run by the runtime, must stay within a fixed PSNR of its float
// checkpoint on test images it was not calibrated on. The int8 floors sit about 1.5 dB under
// what was measured on 2,000 test images (models/README.md), the int16 ones 3–8 dB under, so
// noise from the smaller set does not trip them while a broken kernel, lowering or stale file does.
import Foundation
import Testing
@testable import MoteExport
@testable import MoteIO
@testable import MoteTraining

@Suite("Shipped models: drift of the exported files", .serialized)
struct ShippedModelDriftTests {
    /// (model, type, floor for the autoencoder, floor for the VAE decoder on N(0, 1) latents).
    static let floors: [(String, String, Double, Double)] = [
        ("dense-ae", "int8", 38.5, 0), ("conv-ae", "int8", 40.0, 0), ("vae", "int8", 37.3, 39.5), ("denoise-ae", "int8", 46.0, 0), ("mnist-ae", "int8", 38.7, 0),
        ("dense-ae", "int16", 70.0, 0), ("conv-ae", "int16", 70.0, 0), ("vae", "int16", 70.0, 75.0), ("denoise-ae", "int16", 70.0, 0), ("mnist-ae", "int16", 58.0, 0),
    ]

    @Test(arguments: floors)
    func exportedFileStaysCloseToFloat(name: String, type: String, floor: Double, sampledFloor: Double) throws {
        let (model, _) = try Checkpoint.loadModel("models/\(name).safetensors")
        let file = try LoadedModel.open(path: "models/\(name).\(type).mote")
        let spec = model.spec
        let mnist = spec.data.dataset == "mnist"
        let folder = DatasetFolder(path: mnist ? "../shared/data/mnist" : "data/fashion-mnist-sample")
        guard folder.has(.test) else {
            Issue.record("\(folder.path) is missing: the MNIST digits live in ../shared/data/mnist beside the repository")
            return
        }
        let all = try ImageSet(folder.load(.test)).prepared(for: spec, source: folder.path)
        // MNIST: calibrated on the start of t10k, tested on its held-out end.
        let test = mnist ? ImageSet(pixels: Array(all.pixels.suffix(40 * spec.input.count)), labels: Array(all.labels.suffix(40)), shape: spec.input)
                         : all.prefix(40)
        let drift = try Drift.reconstruction(model, file, images: test)
        #expect(drift.meanPSNR >= floor, "\(name) \(type): drift \(String(format: "%.2f", drift.meanPSNR)) dB < \(floor) dB")
        if model.sampling != nil {
            let sampled = try Drift.sampledDecoder(model, file, count: 40)
            #expect(sampled.meanPSNR >= sampledFloor, "\(name) \(type) decoder on N(0,1) latents: \(sampled.meanPSNR) dB")
        }
    }
}
