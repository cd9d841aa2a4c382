// `mote train`: trains a model spec on IDX data with live progress, evaluates each epoch,
// checkpoints each epoch (atomically) and writes a picture of the model's output.
import Foundation
import MoteIO
import MoteTraining

enum TrainCommand {
    static let help = """
    Train an autoencoder from a JSON model spec.

    usage: mote train --model SPEC.json [--data DIR] [--epochs N] [--limit N] [--seed S]
                      [--out DIR] [--resume] [--threads N] [--batch-size N]

      --model SPEC     model spec (shipped: models/dense-ae.json, conv-ae.json, vae.json,
                       denoise-ae.json, mnist-ae.json)
      --data DIR       folder with train-/t10k- images and labels IDX files (plain or .gz);
                       default: /usr/share/datasets/fashion-mnist (apt-get install
                       dataset-fashion-mnist), or data/mnist (shipped) for mnist-ae
      --epochs N       train until N epochs are done in total (default: the spec's)
      --limit N        use only the first N training and N test images
      --seed S         seed for initialisation, shuffling, noise and sampling (default: spec's)
      --out DIR        where checkpoints and pictures go (default: runs/NAME)
      --resume         continue from DIR/NAME.safetensors
      --threads N      threads for matrix work (default: all cores; 1 = single-threaded)
      --batch-size N   override the spec's batch size

    Each epoch writes DIR/NAME.safetensors (weights, optimizer state, history) and
    DIR/NAME-epoch-NNN.png (test reconstructions; decoded samples for a VAE) and
    DIR/NAME-loss.svg (train and test loss per epoch).

    example: mote train --model models/vae.json --epochs 10
             mote train --model models/dense-ae.json --data data/fashion-mnist-sample --epochs 2
    """

    static func run(_ argv: [String]) throws {
        let args = try Arguments(argv, options: ["model", "data", "epochs", "limit", "seed", "out", "threads", "batch-size"],
                                 flags: ["resume", "help"], command: "train")
        if args.has("help") { print(help); return }
        guard let specPath = args.string("model") else { throw UsageError("missing --model SPEC.json (e.g. --model models/vae.json)") }
        var spec = try ModelSpec.load(specPath)
        if let seed = try args.int("seed", min: 0, max: Int(UInt32.max)) { spec.seed = UInt64(seed) }
        if let b = try args.int("batch-size", min: 1, max: SpecLimits.batchSize.upperBound) { spec.batchSize = b }
        if let t = try args.int("threads", min: 1, max: 256) { Parallel.threads = t }
        let epochs = try args.int("epochs", min: 0, max: 1_000_000) ?? spec.epochs
        let limit = try args.int("limit", min: 1, max: 10_000_000)
        let out = args.string("out") ?? "runs/\(spec.name)"
        let checkpointPath = "\(out)/\(spec.name).safetensors"

        // The output folder, the model and the memory a batch needs are checked before any data is read.
        try AtomicFile.checkWritable(out)
        let model = try Autoencoder(spec: spec)
        try model.checkBatchMemory(spec.batchSize)
        let folder = try DataLocation.folder(for: spec, requested: args.string("data"), specPath: specPath)
        var notes = [String]()
        var train = try ImageSet.load(spec.data.train, from: folder, notes: &notes)
        var test = try ImageSet.load([spec.data.test], from: folder, notes: &notes)
        if let limit { train = train.prefix(limit); test = test.prefix(limit) }
        train = try train.prepared(for: spec, source: folder.path)
        test = try test.prepared(for: spec, source: folder.path)
        for n in notes { Console.line("note: \(n)") }

        model.initialize(seed: spec.seed)
        let trainer = Trainer(model: model, train: train, test: test)
        if args.has("resume") {
            guard FileManager.default.fileExists(atPath: checkpointPath) else {
                throw UsageError("--resume: no checkpoint at \(checkpointPath) (train without --resume first, or pass the same --out)")
            }
            try Checkpoint.resume(trainer, from: checkpointPath)
            Console.line("resumed \(checkpointPath) after epoch \(trainer.epochsDone)")
        }
        Console.line("\(spec.name): \(model.parameterCount) parameters, \(train.count) training / \(test.count) test images from \(folder.path), batch \(spec.batchSize), \(Parallel.threads) thread(s)")
        if trainer.epochsDone >= epochs {
            Console.line("already trained for \(trainer.epochsDone) epochs (asked for \(epochs)); nothing to do")
            return
        }
        while trainer.epochsDone < epochs {
            let report = trainer.runEpoch { p in
                Console.progress(String(format: "epoch %d/%d  step %d/%d  loss %.4f%@  %.0f img/s  ETA %@",
                                        p.epoch, epochs, p.step, p.steps, p.loss.total,
                                        model.sampling != nil ? String(format: " (recon %.3f, kl %.3f)", p.loss.reconstruction, p.loss.kl) : "",
                                        p.samplesPerSecond, Console.duration(p.secondsLeft)))
            }
            // A diverged epoch is not saved: the previous checkpoint stays what --resume reads.
            guard report.train.total.isFinite, report.test.loss.total.isFinite else {
                throw ExitError(code: 1, message: "training diverged in epoch \(report.epoch) (loss \(report.train.total)); \(checkpointPath) still holds epoch \(report.epoch - 1). Lower the learning rate in \(specPath) and resume or retrain.")
            }
            try Checkpoint.save(trainer, to: checkpointPath)
            let picture = String(format: "%@/%@-epoch-%03d.png", out, spec.name, report.epoch)
            try Pictures.trainingPicture(trainer, to: picture)
            try Pictures.lossCurve(trainer, to: "\(out)/\(spec.name)-loss.svg")
            Console.line(String(format: "epoch %3d/%d  train loss %.4f%@  test loss %.4f  test PSNR %.2f dB  lr %.2g  %.1fs (%.0f img/s)",
                                report.epoch, epochs, report.train.total,
                                model.sampling != nil ? String(format: " (recon %.2f, kl %.3f)", report.train.reconstruction, report.train.kl) : "",
                                report.test.loss.total, report.test.psnr, report.learningRate, report.seconds, report.samplesPerSecond))
        }
        Console.line("checkpoint: \(checkpointPath)")
    }

}
