// `mote run`: what users do with an exported model — denoise or reconstruct images, encode
// them to latents, decode latents, sample new images — on the fixed-point runtime, with PNG
// and IDX input and PNG / CSV / JSON output. Batches of images use every core.
import Foundation
import MoteExport
import MoteIO
import MoteRuntime

enum RunCommand {
    static let help = """
    Run an exported .mote model on the fixed-point runtime.

    usage: mote run <mode> --model FILE.mote [inputs] [options]      (mote run <mode> --help)

    modes:
      denoise      clean noisy images          mote run denoise --model models/denoise-ae.int8.mote IMAGES --out DIR
      reconstruct  encode and decode images    mote run reconstruct --model models/dense-ae.int8.mote IMAGES
      encode       images to latents (CSV)     mote run encode --model models/vae.int8.mote IMAGES --out z.csv
      decode       latents to images           mote run decode --model models/vae.int8.mote --latent "0.5,-1"
      sample       new images, random latents  mote run sample --model models/vae.int8.mote --count 16 --grid

    Images are PNG files (grey or colour, converted to grey) or IDX image files
    (t10k-images-idx3-ubyte[.gz]). Shipped models: models/NAME.int8.mote and .int16.mote for
    dense-ae, conv-ae, vae, denoise-ae, mnist-ae.

    example: mote run denoise --model models/denoise-ae.int8.mote data/fashion-mnist-sample/t10k-images-idx3-ubyte.gz --count 10 --add-noise 0.5 --grid
    """

    struct Mode {
        let name: String, summary: String, usage: String, options: String, example: String
    }

    static let imageOptions = """
      --out DIR         where the PNGs go (default mote-out)
      --grid            one PNG grid (inputs over outputs, 10 a row) instead of one PNG per image
      --scale N         enlarge written PNGs N times, 1 to 16 (default 1; grids 2)
      --count N         at most N images from each IDX file (up to 100,000)
      --fit             shrink or pad images of another size to the model's (default: an error)
      --invert          invert inputs first (dark drawings on white; the models saw light on black)
      --threads N       threads (default: all cores)
    """

    static let modes: [String: Mode] = [
        "denoise": Mode(name: "denoise", summary: "Denoise images with a denoising autoencoder.",
                        usage: "mote run denoise --model FILE.mote IMAGE... [--add-noise SIGMA] [--seed S] [options]",
                        options: imageOptions + """

                          --add-noise SIGMA add clip(x + SIGMA·N(0, 1), 0, 1) noise first, as in training (0.5), to
                                            show what the model does; writes NAME-noisy.png beside NAME.png
                          --seed S          seed of that noise, 0 to 4294967295 (default 1)
                        """,
                        example: "mote run denoise --model models/denoise-ae.int8.mote data/fashion-mnist-sample/t10k-images-idx3-ubyte.gz --count 20 --add-noise 0.5 --grid --out denoised"),
        "reconstruct": Mode(name: "reconstruct", summary: "Encode and decode images (the autoencoder subgraph).",
                            usage: "mote run reconstruct --model FILE.mote IMAGE... [options]",
                            options: imageOptions,
                            example: "mote run reconstruct --model models/conv-ae.int8.mote shirt.png --fit --out recon"),
        "encode": Mode(name: "encode", summary: "Encode images to latents (the encoder subgraph; a VAE gives z_mean).",
                       usage: "mote run encode --model FILE.mote IMAGE... [--out FILE.csv|FILE.json] [options]",
                       options: """
                         --out FILE        write CSV (name,z0,z1,…) or, for FILE.json, JSON (default: CSV on stdout)
                         --count N         at most N images from each IDX file (up to 100,000)
                         --fit, --invert   as for reconstruct
                         --threads N       threads (default: all cores)
                       """,
                       example: "mote run encode --model models/vae.int8.mote data/fashion-mnist-sample/t10k-images-idx3-ubyte.gz --count 100 --out z.csv"),
        "decode": Mode(name: "decode", summary: "Decode latents to images (the decoder subgraph).",
                       usage: "mote run decode --model FILE.mote (--latent \"x,y\"... | --latents FILE) [options]",
                       options: """
                         --latent V        one latent, comma-separated (repeatable)
                         --latents FILE    latents from `mote run encode` (CSV or JSON), or any CSV whose rows
                                           end with exactly the latent's values (at most 100,000)
                         --out DIR         where the PNGs go (default mote-out)
                         --grid            one PNG grid instead of one PNG per latent
                         --scale N         enlarge written PNGs N times, 1 to 16 (default 1; grids 2)
                         --threads N       threads (default: all cores)
                       """,
                       example: "mote run decode --model models/vae.int8.mote --latent \"0,0\" --latent \"1.5,-0.5\" --out decoded"),
        "sample": Mode(name: "sample", summary: """
                       Decode random latents: N(0, 1) draws from the runtime's integer sampler for a VAE (the
                       same draws a board makes); for a plain autoencoder uniform draws over the latent's
                       calibrated range, which the .mote file records (close to the calibration images'
                       lowest and highest embeddings; the seed tutorial samples between those).
                       """,
                       usage: "mote run sample --model FILE.mote [--count N] [--seed S] [options]",
                       options: """
                         --count N         how many images (default 16, at most 10,000)
                         --seed S          sampler seed, 0 to 4294967295 (default 1)
                         --out DIR         where the PNGs and latents.csv go (default mote-out)
                         --grid            one PNG grid instead of one PNG per sample
                         --scale N         enlarge written PNGs N times, 1 to 16 (default 1; grids 2)
                         --threads N       threads (default: all cores)
                       """,
                       example: "mote run sample --model models/vae.int8.mote --count 64 --grid --out samples"),
    ]

    static func run(_ argv: [String]) throws {
        if argv.first == "--help" || argv.first == "-h" { print(help); return }
        guard let name = argv.first, !name.hasPrefix("-") else {
            throw UsageError("missing mode (denoise, reconstruct, encode, decode or sample) first (see mote run --help)")
        }
        guard let mode = modes[name] else {
            throw UsageError("unknown mode \"\(name)\" for mote run (denoise, reconstruct, encode, decode, sample; see mote run --help)")
        }
        let args = try Arguments(Array(argv.dropFirst()),
                                 options: ["model", "out", "scale", "count", "threads", "add-noise", "seed", "latent", "latents"],
                                 flags: ["grid", "fit", "invert", "help"], command: "run \(name)")
        if args.has("help") {
            let model = "  --model FILE      the exported model (shipped: models/NAME.int8.mote and .int16.mote)\n"
            print("\(mode.summary)\n\nusage: \(mode.usage)\n\n\(model)\(mode.options)\n\nexample: \(mode.example)")
            return
        }
        let allowed: [String: Set<String>] = [
            "denoise": ["add-noise", "seed"], "reconstruct": [], "encode": [],
            "decode": ["latent", "latents"], "sample": ["seed"],
        ]
        let imageModes: Set<String> = ["denoise", "reconstruct", "encode"]
        for option in ["add-noise", "seed", "latent", "latents"] where args.string(option) != nil && !allowed[name]!.contains(option) {
            throw UsageError("--\(option) does not apply to mote run \(name) (see mote run \(name) --help)")
        }
        for flag in ["fit", "invert"] where args.has(flag) && !imageModes.contains(name) {
            throw UsageError("--\(flag) applies to image inputs (denoise, reconstruct, encode), not mote run \(name)")
        }
        if !imageModes.contains(name) && !args.positionals.isEmpty {
            throw UsageError("mote run \(name) takes no input files (got \(args.positionals[0])); see mote run \(name) --help")
        }
        guard let modelPath = args.string("model") else {
            throw UsageError("missing --model FILE.mote (e.g. --model models/\(name == "denoise" ? "denoise-ae" : "vae").int8.mote)")
        }
        let threads = try args.int("threads", min: 1, max: 256) ?? ProcessInfo.processInfo.activeProcessorCount
        let runner: ParallelInference
        do { runner = try ParallelInference(path: modelPath, threads: threads) } catch let e as ModelFileError { throw ExitError(code: 2, message: e.description) }
        let session = RunSession(mode: name, args: args, runner: runner, threads: threads)
        switch name {
        case "denoise", "reconstruct": try session.images()
        case "encode": try session.encode()
        case "decode": try session.decode()
        default: try session.sample()
        }
    }
}
