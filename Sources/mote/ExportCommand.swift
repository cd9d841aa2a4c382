// `mote export`: calibrate a trained checkpoint on real images, quantize it to int8 or int16
// and write the .mote file the runtime runs.
import Foundation
import MoteExport
import MoteIO
import MoteTraining

enum ExportCommand {
    static let help = """
    Quantize a trained checkpoint into a .mote file for the fixed-point runtime.

    usage: mote export --checkpoint FILE.safetensors --out FILE.mote [options]

      --checkpoint F        a checkpoint written by mote train (e.g. models/vae.safetensors)
      --out F               the .mote file to write (written atomically)
      --activations T       int8 (asymmetric, default) or int16 (symmetric)
      --weights T           int8 or int16 (default: the same as the activations)
      --layer NAME=T        this layer's output activations and weights in T (mixed precision;
                            repeatable; NAME as mote inspect shows it, e.g. decoder.out)
      --mixed-precision P   let the exporter move layers to int16 while the file grows by at
                            most P percent: each round it tries every layer, keeps the one that
                            brings the model closest to float (on 200 calibration images) per
                            added byte, and stops when no move gains 0.25 dB
      --until-psnr DB       with --mixed-precision: stop as soon as the model is DB (PSNR
                            against float, on the same images) or better: models/export-all
                            uses 40, so only files that miss 40 dB in int8 take int16 layers
      --calibration M       percentile (default: clip the rarest 0.01% at each end), minmax,
                            or mse (the clipping range with the least quantization error)
      --bias-correction S   dense (default): correct dense layers' biases for the mean error of
                            their rounded weights; all: convolutions too; none
      --calib-data DIR      images to calibrate on (default: the shipped sample in
                            data/fashion-mnist-sample; MNIST models: data/mnist)
      --calib-count N       how many of its training images (default 1000)
      --subgraph decoder    write the decoder alone (for a board that only generates images:
                            the same bits as the full file's decoder, a third of the size)
      --json                print the summary as JSON

    example: mote export --checkpoint models/vae.safetensors --out models/vae.int8.mote
    """

    static func type(_ s: String, _ flag: String) throws -> IntegerType {
        guard let t = IntegerType(rawValue: s) else { throw UsageError("--\(flag) \(s): expected int8 or int16") }
        return t
    }

    static func run(_ argv: [String]) throws {
        let args = try Arguments(argv, options: ["checkpoint", "out", "activations", "weights", "layer", "calibration", "bias-correction", "calib-data", "calib-count", "subgraph", "mixed-precision", "until-psnr"],
                                 flags: ["json", "help"], command: "export")
        if args.has("help") { print(help); return }
        guard let path = args.string("checkpoint") else { throw UsageError("missing --checkpoint FILE (e.g. models/vae.safetensors)") }
        guard let out = args.string("out") else { throw UsageError("missing --out FILE.mote") }
        var options = QuantizationOptions()
        if let a = args.string("activations") { options.activations = try type(a, "activations") }
        if let w = args.string("weights") { options.weights = try type(w, "weights") }
        for l in args.all("layer") {
            let parts = l.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw UsageError("--layer \(l): expected NAME=int8 or NAME=int16") }
            options.layers[parts[0]] = try type(parts[1], "layer")
        }
        if let c = args.string("calibration") {
            guard let m = CalibrationMethod(rawValue: c) else { throw UsageError("--calibration \(c): expected percentile, minmax or mse") }
            options.calibration = m
        }
        if let b = args.string("bias-correction") {
            guard let scope = BiasCorrectionScope(rawValue: b) else { throw UsageError("--bias-correction \(b): expected dense, all or none") }
            options.biasCorrection = scope
        }
        let count = try args.int("calib-count", min: 1, max: 100_000) ?? 1000
        let mixedPercent = try args.double("mixed-precision", min: 0, max: 1000)
        let goal = try args.double("until-psnr", min: 0, max: 1000)
        if goal != nil && mixedPercent == nil { throw UsageError("--until-psnr is a goal for --mixed-precision P: give both") }

        let (model, _) = try Checkpoint.loadModel(path)
        let (calibration, source) = try QuantizationData.calibration(for: model.spec, requested: args.string("calib-data"), count: count)
        if !args.has("json") { Console.progress("calibrating on \(calibration.count) images from \(source)…") }
        var graph: QuantizedGraph
        do {
            if let percent = mixedPercent {
                options = try chooseMixedPrecision(model, calibration, options, percent: percent, goal: goal, quiet: args.has("json"))
            }
            graph = try Lowering.lower(model, calibration: calibration, options: options)
        } catch let e as LoweringError {
            throw ExitError(code: 2, message: e.description)
        }
        switch args.string("subgraph") {
        case nil, "autoencoder"?: break
        case "decoder"?: graph = graph.decoderOnly()
        case let other?: throw UsageError("--subgraph \(other): expected decoder (or autoencoder, the default: everything)")
        }
        let bytes = try ModelWriter.write(graph)
        let file = try LoadedModel.open(bytes: bytes, path: out)   // what is written opens in the runtime
        try AtomicFile.write(bytes, to: out)
        let summary = ModelAnatomy(file)
        let macs = summary.macs.reduce(0, +)
        if args.has("json") {
            let obj: [String: Any] = ["model": model.spec.name, "checkpoint": path, "out": out, "activations": options.activations.rawValue,
                                      "calibration": options.calibration.rawValue, "calibration_images": calibration.count, "calibration_data": source,
                                      "file_bytes": summary.fileBytes, "weight_bytes": summary.weightBytes,
                                      "quantization_bytes": summary.quantizationBytes, "overhead_bytes": summary.overheadBytes,
                                      "arena_bytes": summary.arenaBytes, "arena_lower_bound": summary.lowerBound,
                                      "arena_naive": summary.naiveBytes, "ops": file.model.opCount, "macs": macs]
            print(String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]), as: UTF8.self))
            return
        }
        Console.line("wrote \(out): \(model.spec.name), \(options.activations.rawValue) activations, \(file.model.opCount) ops, calibrated (\(options.calibration.rawValue)) on \(calibration.count) images from \(source)")
        Console.line(Report.sizeLine(summary))
        Console.line(Report.arenaLine(arena: summary.arenaBytes, lowerBound: summary.lowerBound, naive: summary.naiveBytes))
        Console.line("  \(Report.count(macs)) MACs per \(graph.encoderSteps == 0 ? "decoder" : "autoencoder") pass; check the drift with: mote drift --model \(out) --checkpoint \(path)")
    }
}

extension ExportCommand {
    /// `--mixed-precision P [--until-psnr DB]`: the layers MixedPrecision moves to int16 within P
    /// percent more bytes (until the model reaches DB).
    static func chooseMixedPrecision(_ model: Autoencoder, _ calibration: ImageSet, _ options: QuantizationOptions,
                                     percent: Double, goal: Double?, quiet: Bool) throws -> QuantizationOptions {
        if !quiet { Console.progress("mixed precision: trying each layer in int16…") }
        let (chosen, start, moves) = try MixedPrecision.choose(model, calibration: calibration, evaluation: calibration.prefix(200),
                                                               options: options, maxGrowth: percent / 100, goal: goal)
        if !quiet {
            Console.clearProgress()
            var line = String(format: "mixed precision (within %g%% of %@): %.2f dB against float on 200 calibration images", percent, Report.bytes(start.fileBytes), start.psnr)
            for m in moves { line += String(format: "; %@ → int16: %.2f dB, %@", m.layer, m.psnr, Report.bytes(m.fileBytes)) }
            if let goal, (moves.last ?? start).psnr >= goal { line += String(format: moves.isEmpty ? "; already %g dB or better" : "; %g dB reached", goal) }
            else if moves.isEmpty { line += "; no layer gains 0.25 dB within the budget" }
            Console.line(line)
        }
        return chosen
    }
}

/// Numbers shared by export, inspect and drift output.
enum Report {
    static func count(_ n: Int) -> String {
        n >= 1_000_000 ? String(format: "%.2fM", Double(n) / 1e6) : n >= 1000 ? String(format: "%.1fk", Double(n) / 1e3) : "\(n)"
    }
    /// "712 B", "117.3 KB", "1.02 MB" (1 KB = 1,000 bytes).
    static func bytes(_ n: Int) -> String {
        n >= 1_000_000 ? String(format: "%.2f MB", Double(n) / 1e6) : n >= 1000 ? String(format: "%.1f KB", Double(n) / 1e3) : "\(n) B"
    }
    static func sizeLine(_ s: ModelAnatomy) -> String {
        "  file \(s.fileBytes) B = weights \(s.weightBytes) + quantization parameters \(s.quantizationBytes) + structure \(s.overheadBytes)"
            + String(format: " (%.2f%% over weights and parameters)", 100 * Double(s.overheadBytes) / Double(max(s.weightBytes + s.quantizationBytes, 1)))
    }
    static func arenaLine(arena: Int, lowerBound: Int, naive: Int) -> String {
        "  arena \(arena) B" + String(format: " (lower bound %d B, +%.1f%%; every tensor apart: %d B)",
                                      lowerBound, 100 * Double(arena - lowerBound) / Double(max(lowerBound, 1)), naive)
    }
}
