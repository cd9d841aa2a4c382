// Where a model's dataset lives when the user does not say: Fashion-MNIST from Debian's
// package, MNIST's test split from data/mnist in the repository.
import Foundation
import MoteIO
import MoteTraining

enum DataLocation {
    /// The shipped sample, the fallback of commands that need only a few hundred images.
    static let sample = "data/fashion-mnist-sample"
    /// MNIST's test split (all 10,000 images), shipped.
    static let mnist = "data/mnist"

    static func folder(for spec: ModelSpec, requested: String?, specPath: String?, sampleWillDo: Bool = false) throws -> DatasetFolder {
        switch spec.data.dataset {
        case "mnist":
            // Shipped in the repository (data/mnist, CC BY-SA 3.0): found from the repository
            // root, or beside the spec's folder (models/ → ../data/mnist).
            var candidates = [mnist]
            if let specPath {
                let dir = URL(fileURLWithPath: specPath).deletingLastPathComponent()
                candidates.append(dir.appendingPathComponent("../\(mnist)").standardized.path)
            }
            return try DatasetFolder.resolve(requested, fallbacks: candidates,
                                             installHint: "MNIST's t10k files ship in \(mnist) of the repository: run from its root, or pass --data DIR")
        default:
            return try DatasetFolder.resolve(requested, fallbacks: [DatasetFolder.debianFashionMNIST] + (sampleWillDo ? [sample] : []),
                                             installHint: "Install Fashion-MNIST with `sudo apt-get install dataset-fashion-mnist` (or use the shipped sample: --data data/fashion-mnist-sample)")
        }
    }
}

/// The images a quantized model is calibrated on and checked against, chosen the same way by
/// `mote export` and `mote drift`: calibration from the spec's training ranges (default: the
/// shipped sample), drift from its test range, so the two never overlap. A denoiser sees
/// noisy images in both, as in use.
enum QuantizationData {
    static func calibration(for spec: ModelSpec, requested: String?, count: Int) throws -> (ImageSet, String) {
        let folder = try requested == nil && spec.data.dataset != "mnist"
            ? DatasetFolder.resolve(DataLocation.sample, fallbacks: [], installHint: "")
            : DataLocation.folder(for: spec, requested: requested, specPath: nil)
        var notes = [String]()
        let images = try ImageSet.load(spec.data.train, from: folder, notes: &notes).prefix(count).withNoise(spec.noise).prepared(for: spec, source: folder.path)
        return (images, folder.path)
    }

    static func test(for spec: ModelSpec, requested: String?, count: Int) throws -> (ImageSet, String) {
        let folder = try DataLocation.folder(for: spec, requested: requested, specPath: nil, sampleWillDo: true)
        var notes = [String]()
        let images = try ImageSet.load([spec.data.test], from: folder, notes: &notes).prefix(count).withNoise(spec.noise).prepared(for: spec, source: folder.path)
        return (images, folder.path)
    }
}
