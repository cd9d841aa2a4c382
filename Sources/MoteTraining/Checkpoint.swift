// Checkpoints: parameters and optimizer state as safetensors, with the spec, epoch and metric
// history in the metadata. Written atomically, so a killed run keeps the previous checkpoint.
import Foundation
import MoteIO

public enum Checkpoint {
    public static let format = "mote-checkpoint-1"

    public static func save(_ trainer: Trainer, to path: String) throws {
        var tensors = trainer.model.parameters.map { NamedTensor(name: $0.name, shape: $0.shape, values: $0.values) }
        let opt = trainer.optimizer
        for (pi, p) in opt.parameters.enumerated() {
            for (si, slot) in opt.slotNames.enumerated() {
                tensors.append(NamedTensor(name: "optimizer.\(slot).\(p.name)", shape: p.shape, values: Array(opt.slots[pi][si].buffer)))
            }
        }
        let history = trainer.history.map { r -> [String: Any] in
            // No wall-clock time here: same seed and data must give byte-identical files.
            ["epoch": r.epoch, "lr": Double(r.learningRate),
             "train_loss": rounded(r.train.total), "train_reconstruction": rounded(r.train.reconstruction),
             "train_kl": rounded(r.train.kl), "test_loss": rounded(r.test.loss.total),
             "test_mse": rounded(r.test.mse, 8), "test_psnr": rounded(r.test.psnr)]
        }
        let historyJSON = String(decoding: try JSONSerialization.data(withJSONObject: history, options: [.sortedKeys]), as: UTF8.self)
        let file = SafetensorsFile(tensors: tensors, metadata: [
            "format": format, "spec": trainer.spec.json, "model": trainer.spec.name,
            "epoch": String(trainer.epochsDone), "iterations": String(opt.iterations),
            "optimizer": opt.config.kind.rawValue, "history": historyJSON,
        ])
        try file.write(to: path)
    }

    /// Reads a checkpoint's spec and builds its model with the stored weights.
    public static func loadModel(_ path: String) throws -> (Autoencoder, SafetensorsFile) {
        let file = try SafetensorsFile.read(path)
        guard file.metadata["format"] == format, let specText = file.metadata["spec"] else {
            throw SpecError("\(path): not a Mote checkpoint (no \(format) metadata)")
        }
        let model = try Autoencoder(spec: try ModelSpec.parse(specText))
        try restore(model.parameters, from: file, path: path)
        return (model, file)
    }

    /// Restores weights, optimizer state, epoch count and history into `trainer`.
    public static func resume(_ trainer: Trainer, from path: String) throws {
        let file = try SafetensorsFile.read(path)
        guard file.metadata["format"] == format else { throw SpecError("\(path): not a Mote checkpoint") }
        guard let stored = file.metadata["spec"], let storedSpec = try? ModelSpec.parse(stored),
              storedSpec.encoder.count == trainer.spec.encoder.count, storedSpec.decoder.count == trainer.spec.decoder.count,
              storedSpec.name == trainer.spec.name else {
            throw SpecError("\(path) was trained from a different model spec; use another --out folder or drop --resume")
        }
        try restore(trainer.model.parameters, from: file, path: path)
        let opt = trainer.optimizer
        for (pi, p) in opt.parameters.enumerated() {
            for (si, slot) in opt.slotNames.enumerated() {
                guard let t = file["optimizer.\(slot).\(p.name)"], t.values.count == p.count else {
                    throw SpecError("\(path): optimizer state optimizer.\(slot).\(p.name) is missing (optimizer changed?)")
                }
                guard t.values.allSatisfy(\.isFinite) else { throw SpecError("\(path): optimizer state optimizer.\(slot).\(p.name) holds NaN or infinite values") }
                for i in 0..<p.count { opt.slots[pi][si].pointer[i] = t.values[i] }
            }
        }
        opt.iterations = Int(file.metadata["iterations"] ?? "0") ?? 0
        trainer.epochsDone = Int(file.metadata["epoch"] ?? "0") ?? 0
        trainer.history = parseHistory(file.metadata["history"])
    }

    static func restore(_ parameters: [Parameter], from file: SafetensorsFile, path: String) throws {
        for p in parameters {
            guard let t = file[p.name] else { throw SpecError("\(path): tensor \(p.name) is missing") }
            guard t.shape == p.shape else { throw SpecError("\(path): tensor \(p.name) has shape \(t.shape), the model needs \(p.shape)") }
            guard t.values.allSatisfy(\.isFinite) else {
                throw SpecError("\(path): tensor \(p.name) holds NaN or infinite values (a diverged or damaged checkpoint); retrain, or resume from an earlier one")
            }
            p.load(t.values)
        }
    }

    static func parseHistory(_ text: String?) -> [EpochReport] {
        guard let text, let rows = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [[String: Any]] else { return [] }
        return rows.map { r in
            func d(_ k: String) -> Double { (r[k] as? NSNumber)?.doubleValue ?? 0 }
            var test = Evaluation()
            test.loss.total = d("test_loss"); test.mse = d("test_mse"); test.psnr = d("test_psnr")
            return EpochReport(epoch: Int(d("epoch")), learningRate: Float(d("lr")),
                               train: LossTerms(total: d("train_loss"), reconstruction: d("train_reconstruction"), kl: d("train_kl")),
                               test: test, seconds: 0, samplesPerSecond: 0)
        }
    }

    static func rounded(_ v: Double, _ digits: Int = 5) -> Double {
        let s = pow(10, Double(digits))
        return (v * s).rounded() / s
    }
}
