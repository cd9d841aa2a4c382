// `mote drift`: the accuracy-drift check users put in CI — the float checkpoint and its
// quantized .mote file on the same images, end to end and layer by layer, with a threshold.
import Foundation
import MoteExport
import MoteRuntime
import MoteTraining

enum DriftCommand {
    static let help = """
    Measure how far a quantized .mote model drifts from its float checkpoint.

    usage: mote drift --model FILE.mote --checkpoint FILE.safetensors [options]

      --model F         the exported model (mote export)
      --checkpoint F    the float checkpoint it was exported from
      --data DIR        test images (default: Debian's Fashion-MNIST if installed, else the
                        shipped sample; MNIST models: data/mnist); the spec's test range
      --count N         images to compare (default 1000); a VAE's decoder also decodes N
                        latents drawn N(0, 1) by the runtime's integer sampler
      --min-psnr DB     exit 1 when the mean PSNR (of any subgraph measured) is below DB
      --json            machine-readable output

    Reports the mean per-image PSNR of the quantized output against the float output, the RMSE
    and the largest absolute error, and the SQNR of every op's output tensor against its float
    twin (where accuracy is lost). Denoisers are fed noisy images (fixed seed), as in use.

    example: mote drift --model models/vae.int8.mote --checkpoint models/vae.safetensors --min-psnr 38
    """

    static func run(_ argv: [String]) throws {
        let args = try Arguments(argv, options: ["model", "checkpoint", "data", "count", "min-psnr"], flags: ["json", "help"], command: "drift")
        if args.has("help") { print(help); return }
        guard let modelPath = args.string("model") else { throw UsageError("missing --model FILE.mote") }
        guard let checkpoint = args.string("checkpoint") else { throw UsageError("missing --checkpoint FILE.safetensors (the float model it was exported from)") }
        let count = try args.int("count", min: 1, max: 100_000) ?? 1000
        let threshold = try args.double("min-psnr", min: 0, max: 1000)
        let file: LoadedModel
        do { file = try LoadedModel.open(path: modelPath) } catch let e as ModelFileError { throw ExitError(code: 2, message: e.description) }
        let (model, _) = try Checkpoint.loadModel(checkpoint)
        // A decoder-only file is checked on sampled latents only.
        let whole = file.model.subgraph(.autoencoder) != nil
        let (test, source) = whole ? try QuantizationData.test(for: model.spec, requested: args.string("data"), count: count) : (ImageSet(pixels: [], labels: [], shape: model.spec.input), "-")
        let json = args.has("json")
        if !json && whole { Console.progress("comparing on \(test.count) test images from \(source)…") }
        var e2e: DriftReport?, layers = [LayerDrift]()
        do {
            if whole {
                e2e = try Drift.reconstruction(model, file, images: test)
                if !json { Console.progress("per-layer SQNR…") }
                layers = try Drift.perLayer(model, file, images: test.prefix(min(test.count, 200)))
            }
        } catch let e as ModelFileError { throw ExitError(code: 2, message: "\(modelPath) and \(checkpoint): \(e.description)") }
        let sampled = model.sampling != nil || !whole ? try Drift.sampledDecoder(model, file, count: count) : nil
        let failed = threshold.map { t in (e2e?.meanPSNR ?? .infinity) < t || (sampled?.meanPSNR ?? .infinity) < t } ?? false


        if json {
            var obj: [String: Any] = ["model": modelPath, "checkpoint": checkpoint, "data": source, "pass": !failed,
                                      "layers": layers.map { ["name": $0.name, "type": InspectCommand.typeName($0.type), "sqnr_db": $0.sqnr] }]
            if let e2e { obj["images"] = e2e.images; obj["psnr_db"] = e2e.meanPSNR; obj["rmse"] = e2e.rmse; obj["max_abs_error"] = e2e.maxAbsError }
            if let sampled { obj["decoder_sampled"] = ["latents": sampled.images, "psnr_db": sampled.meanPSNR, "rmse": sampled.rmse, "max_abs_error": sampled.maxAbsError] }
            if let threshold { obj["min_psnr_db"] = threshold }
            print(String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]), as: UTF8.self))
        } else {
            if let e2e {
                Console.line("\(modelPath) vs \(checkpoint) on \(e2e.images) test images from \(source)\(model.spec.noise > 0 ? " (noisy inputs, as the denoiser sees them)" : "")")
                Console.line(String(format: "  autoencoder           PSNR %6.2f dB   RMSE %.5f   max error %.4f", e2e.meanPSNR, e2e.rmse, e2e.maxAbsError))
            } else {
                Console.line("\(modelPath) (decoder only) vs \(checkpoint)")
            }
            if let sampled {
                Console.line(String(format: "  decoder on N(0,1) z   PSNR %6.2f dB   RMSE %.5f   max error %.4f  (%d latents)", sampled.meanPSNR, sampled.rmse, sampled.maxAbsError, sampled.images))
            }
            if whole { Console.line("  per op: SQNR of its output against float (on \(min(test.count, 200)) images)") }
            for l in layers {
                let bar = String(repeating: "█", count: max(0, min(40, Int(l.sqnr / 2))))
                Console.line("    " + l.name.padding(toLength: 24, withPad: " ", startingAt: 0) + InspectCommand.typeName(l.type).padding(toLength: 7, withPad: " ", startingAt: 0)
                             + String(format: "%6.2f dB ", l.sqnr) + bar)
            }
            if let threshold { Console.line(failed ? String(format: "FAIL: below --min-psnr %.2f dB", threshold) : String(format: "ok: at or above --min-psnr %.2f dB", threshold)) }
        }
        if failed { throw ExitError(code: 1, message: String(format: "drift check failed: PSNR below %.2f dB", threshold!)) }
    }
}
