// `mote eval`: test-set loss and per-image reconstruction MSE / PSNR of a checkpoint.
import Foundation
import MoteIO
import MoteTraining

enum EvalCommand {
    static let help = """
    Evaluate a trained checkpoint on its test split.

    usage: mote eval --checkpoint FILE.safetensors [--data DIR] [--limit N] [--json] [--per-image]

      --checkpoint F   a checkpoint written by mote train (e.g. models/vae.safetensors)
      --data DIR       dataset folder (default as for mote train)
      --limit N        evaluate the first N test images only
      --json           machine-readable output
      --per-image      also list each image's MSE and PSNR

    Denoisers are evaluated on noisy inputs against clean targets with a fixed noise seed;
    the VAE's loss samples z with a fixed seed, its reconstructions decode z_mean.

    example: mote eval --checkpoint models/denoise-ae.safetensors --data data/fashion-mnist-sample
    """

    static func run(_ argv: [String]) throws {
        let args = try Arguments(argv, options: ["checkpoint", "data", "limit"], flags: ["json", "per-image", "help"], command: "eval")
        if args.has("help") { print(help); return }
        guard let path = args.string("checkpoint") else { throw UsageError("missing --checkpoint FILE (e.g. models/vae.safetensors)") }
        let (model, file) = try Checkpoint.loadModel(path)
        let spec = model.spec
        let folder = try DataLocation.folder(for: spec, requested: args.string("data"), specPath: nil)
        var notes = [String]()
        var test = try ImageSet.load([spec.data.test], from: folder, notes: &notes).prepared(for: spec, source: folder.path)
        if let limit = try args.int("limit", min: 1, max: 10_000_000) { test = test.prefix(limit) }
        let trainer = Trainer(model: model, train: test.prefix(0), test: test)
        let e = trainer.evaluate(test)
        let epoch = Int(file.metadata["epoch"] ?? "0") ?? 0
        if args.has("json") {
            var obj: [String: Any] = ["model": spec.name, "checkpoint": path, "epoch": epoch, "images": e.count,
                                      "data": folder.path, "loss": e.loss.total, "mse": e.mse, "psnr_db": e.psnr]
            if model.sampling != nil { obj["reconstruction_loss"] = e.loss.reconstruction; obj["kl_loss"] = e.loss.kl }
            if let noisy = e.inputPSNR { obj["noisy_input_psnr_db"] = noisy }
            if args.has("per-image") { obj["per_image_mse"] = e.perImageMSE }
            let data = try JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        for n in notes { print("note: \(n)") }
        print("\(spec.name) (\(path), epoch \(epoch)) on \(e.count) test images from \(folder.path)")
        func row(_ label: String, _ value: String) {
            print("  " + label.padding(toLength: 22, withPad: " ", startingAt: 0) + value)
        }
        row("test loss", String(format: "%.5f", e.loss.total))
        if model.sampling != nil {
            row("  reconstruction", String(format: "%.5f", e.loss.reconstruction))
            row("  KL", String(format: "%.5f", e.loss.kl))
        }
        row("mean MSE per image", String(format: "%.6f", e.mse))
        row("mean PSNR per image", String(format: "%.2f dB", e.psnr))
        if let noisy = e.inputPSNR { row("  noisy inputs", String(format: "%.2f dB (noise σ %.2g, seed 1234, the trainer's noise stream; mote drift draws its own)", noisy, spec.noise)) }
        if args.has("per-image") {
            print("  image        MSE   PSNR dB")
            for (i, m) in e.perImageMSE.enumerated() { print(String(format: "  %5d %10.6f %9.2f", i, m, psnr(mse: m))) }
        }
    }
}
