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

/// The sweep takes minutes on a loaded 2-core machine, so the default `swift test` skips it;
/// `.ci/run` sets MOTE_DRIFT_TESTS=1 (and so can you).
@Suite("Shipped models: drift of the exported files", .serialized,
       .enabled(if: ProcessInfo.processInfo.environment["MOTE_DRIFT_TESTS"] == "1", "set MOTE_DRIFT_TESTS=1 to run the shipped-model drift sweep"))
struct ShippedModelDriftTests {
    /// (model, type, floor for the autoencoder, floor for the VAE decoder on N(0, 1) latents).
    static let floors: [(String, String, Double, Double)] = [
        ("dense-ae", "int8", 40.0, 0), ("conv-ae", "int8", 40.0, 0), ("vae", "int8", 39.8, 39.5), ("denoise-ae", "int8", 46.0, 0), ("mnist-ae", "int8", 38.7, 0),
        ("dense-ae", "int16", 70.0, 0), ("conv-ae", "int16", 70.0, 0), ("vae", "int16", 70.0, 75.0), ("denoise-ae", "int16", 70.0, 0), ("mnist-ae", "int16", 58.0, 0),
    ]

    @Test(arguments: floors)
    func exportedFileStaysCloseToFloat(name: String, type: String, floor: Double, sampledFloor: Double) throws {
        let (model, _) = try Checkpoint.loadModel("models/\(name).safetensors")
        let file = try LoadedModel.open(path: "models/\(name).\(type).mote")
        let spec = model.spec
        let mnist = spec.data.dataset == "mnist"
        // The shipped samples: for MNIST, t10k images 8,000...8,999, which mnist-ae was neither
        // trained nor calibrated on.
        let folder = DatasetFolder(path: mnist ? "data/mnist-sample" : "data/fashion-mnist-sample")
        let test = try ImageSet(folder.load(.test)).prepared(for: spec, source: folder.path).prefix(40).withNoise(spec.noise)
        let drift = try Drift.reconstruction(model, file, images: test)
        #expect(drift.meanPSNR >= floor, "\(name) \(type): drift \(String(format: "%.2f", drift.meanPSNR)) dB < \(floor) dB")
        if model.sampling != nil {
            let sampled = try Drift.sampledDecoder(model, file, count: 40)
            #expect(sampled.meanPSNR >= sampledFloor, "\(name) \(type) decoder on N(0,1) latents: \(sampled.meanPSNR) dB")
        }
    }
}
