// `mote demo`: the whole pipeline on the shipped defaults, offline, in seconds — the five
// models of models/ on the sample images of data/, int8 and int16 on the fixed-point runtime
// beside the float model — written to one self-contained web page.
import Foundation
import MoteExport
import MoteIO
import MoteRuntime
import MoteTraining

enum DemoCommand {
    static let help = """
    Run the shipped models on the shipped sample images and write a web page of the results.

    usage: mote demo [--out DIR] [--count N] [--runs N]

      --out DIR     where index.html goes (default mote-demo)
      --count N     test images per model for the drift and PSNR figures (default 200)
      --runs N      timed runs per model and type, batch 1, one thread (default 21; the median counts)

    Denoises noisy sample clothes (int8, beside the float model), reconstructs clothes and
    digits, decodes a latent grid and random samples from the VAE, plots latents, and measures
    for every model in float, int8 and int16: drift (PSNR of the quantized output against the
    float one), file size, activation memory and time per image. Run it from the repository
    root (it reads models/ and data/).

    example: mote demo && xdg-open mote-demo/index.html
    """

    static let models = ["dense-ae", "conv-ae", "vae", "denoise-ae", "mnist-ae"]

    static func run(_ argv: [String]) throws {
        let args = try Arguments(argv, options: ["out", "count", "runs"], flags: ["help"], command: "demo")
        if args.has("help") { print(help); return }
        if let p = args.positionals.first { throw UsageError("unexpected argument \(p) (see mote demo --help)") }
        let out = args.string("out") ?? "mote-demo"
        let count = try args.int("count", min: 1, max: 1000) ?? 200
        let runs = try args.int("runs", min: 1, max: 10_000) ?? 21
        for name in models {
            for file in ["models/\(name).safetensors", "models/\(name).int8.mote", "models/\(name).int16.mote"] where !FileManager.default.fileExists(atPath: file) {
                throw ExitError(code: 2, message: "\(file) is missing: run mote demo from the repository root (models/ and data/ hold the shipped defaults)")
            }
        }
        let started = Date()
        var demo = try Demo(count: count, runs: runs)
        try demo.denoising()
        try demo.reconstructions()
        try demo.vae()
        try demo.latentPlots()
        try demo.measurements()
        let seconds = Date().timeIntervalSince(started)
        demo.page.paragraph("Made by <code>mote demo</code> in \(String(format: "%.1f", seconds)) s on \(ProcessInfo.processInfo.activeProcessorCount) core(s), \(Demo.today()).")
        do { try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true) } catch {
            throw ExitError(code: 2, message: "cannot create \(out): \(error.localizedDescription)")
        }
        let path = "\(out)/index.html"
        try AtomicFile.write(demo.page.html, to: path)
        Console.clearProgress()
        for line in demo.summary { Console.line(line) }
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        Console.line(String(format: "done in %.1f s. Open the page: file://%@", seconds, absolute))
    }
}

/// The demo's steps; each adds a section to the page and a line to the summary.
struct Demo {
    let count: Int, runs: Int
    var page = DemoPage(title: "Mote: fixed-point autoencoders, end to end",
                        lead: "The five shipped models of <code>models/</code> on the sample images of <code>data/</code>: int8 and int16 run on Mote's fixed-point runtime (integer arithmetic only, no heap, the same code that runs on a Cortex-M4), beside the float model they were exported from.")
    var summary = [String]()
    let threads = ProcessInfo.processInfo.activeProcessorCount

    init(count: Int, runs: Int) throws { self.count = count; self.runs = runs }

    static func today() -> String {
        let f = DateFormatter()
        f.dateFormat = "yyyy-MM-dd HH:mm"
        return f.string(from: Date())
    }

    func step(_ s: String) { Console.progress("mote demo: \(s)…") }

    /// The shipped sample's test images for `spec` (digits for MNIST models), prepared as in
    /// training (padding) but without a denoiser's noise.
    func testImages(_ spec: ModelSpec, count n: Int) throws -> ImageSet {
        let folder = spec.data.dataset == "mnist" ? "data/mnist-sample" : DataLocation.sample
        let data = try DatasetFolder.resolve(folder, fallbacks: [], installHint: "the sample images ship in the repository's data/ folder").load(.test)
        return try ImageSet(data).prefix(n).prepared(for: spec, source: folder)
    }

    func tiles(_ set: ImageSet, _ range: Range<Int>) -> [GrayImage] { range.map { tile(set.image($0), set.shape) } }
    func tile(_ values: [Float], _ shape: Shape) -> GrayImage { GrayImage(width: shape.w, height: shape.h, unitFloats: values) }

    mutating func denoising() throws {
        step("denoising")
        let (model, _) = try Checkpoint.loadModel("models/denoise-ae.safetensors")
        let clean = try testImages(model.spec, count: count)
        let noisy = clean.withNoise(model.spec.noise)
        let inputs = (0..<noisy.count).map { noisy.image($0) }, truth = (0..<clean.count).map { clean.image($0) }
        let int8 = try ParallelInference(path: "models/denoise-ae.int8.mote", threads: threads).run(.autoencoder, inputs: inputs)
        let float = FloatReference.run(model, .autoencoder, inputs: inputs)
        let (pn, pq, pf) = try (Drift.compare(truth, inputs).meanPSNR, Drift.compare(truth, int8).meanPSNR, Drift.compare(truth, float).meanPSNR)
        page.section("Denoising", String(format: "<code>denoise-ae</code> removes the noise it was trained on (clip(x + 0.5·N(0, 1), 0, 1)) from test images it never saw. Mean PSNR against the clean image over %d images: noisy %.1f dB, <b>Mote int8 %.1f dB</b>, float %.1f dB.", clean.count, pn, pq, pf))
        let shape = model.spec.input, k = min(12, clean.count)
        page.imageRows([("clean", tiles(clean, 0..<k)), ("noisy input", tiles(noisy, 0..<k)),
                        ("Mote int8", (0..<k).map { tile(int8[$0], shape) }), ("float model", (0..<k).map { tile(float[$0], shape) })])
        page.code("mote run denoise --model models/denoise-ae.int8.mote data/fashion-mnist-sample/t10k-images-idx3-ubyte.gz --count 12 --add-noise 0.5 --grid")
        page.endSection()
        summary.append(String(format: "denoise-ae int8: noisy %.1f dB → denoised %.1f dB against the clean images (float model %.1f dB), %d images", pn, pq, pf, clean.count))
    }

    mutating func reconstructions() throws {
        step("reconstructing")
        page.section("Reconstructions", "Test images through each autoencoder (encoder, latent, decoder): clothes through the dense and the convolutional model (28×28 padded to 32×32 for <code>conv-ae</code>, as in training), held-out digits through <code>mnist-ae</code>.")
        for name in ["dense-ae", "conv-ae", "mnist-ae"] {
            let (model, _) = try Checkpoint.loadModel("models/\(name).safetensors")
            let images = try testImages(model.spec, count: 12)
            let inputs = (0..<images.count).map { images.image($0) }
            let int8 = try ParallelInference(path: "models/\(name).int8.mote", threads: threads).run(.autoencoder, inputs: inputs)
            let float = FloatReference.run(model, .autoencoder, inputs: inputs)
            let shape = model.spec.input
            page.imageRows([("\(name) input", tiles(images, 0..<images.count)), ("Mote int8", int8.map { tile($0, shape) }), ("float model", float.map { tile($0, shape) })])
        }
        page.code("mote run reconstruct --model models/conv-ae.int8.mote data/fashion-mnist-sample/t10k-images-idx3-ubyte.gz --count 12 --fit --grid")
        page.endSection()
    }

    mutating func vae() throws {
        step("sampling the VAE")
        let (model, _) = try Checkpoint.loadModel("models/vae.safetensors")
        let runner = try ParallelInference(path: "models/vae.int8.mote", threads: threads)
        // The runtime's integer sampler draws the latents (as a board would); the float decoder
        // decodes the same values.
        let latents = try runner.model.drawLatents(count: 24, seed: 1)
        let int8 = try runner.run(.decoder, inputs: latents), float = FloatReference.run(model, .decoder, inputs: latents)
        let shape = model.outputShape
        page.section("Generating: the VAE's decoder", "New clothes from random latents z ~ N(0, 1), drawn by the runtime's integer sampler (bit-exact on every target) and decoded in int8; the float decoder is given the same latents. The int8 decoder alone is a 117 KB file that runs in 64 KB of RAM on a simulated STM32 (see firmware-sim/).")
        page.imageRows([("Mote int8", Array(int8.prefix(12)).map { tile($0, shape) }), ("float decoder", Array(float.prefix(12)).map { tile($0, shape) }),
                        ("Mote int8", Array(int8.dropFirst(12)).map { tile($0, shape) }), ("float decoder", Array(float.dropFirst(12)).map { tile($0, shape) })])
        let manifold = try LatentPlots.manifold(runner, range: 2, size: 15, title: "vae.int8: decoded latent grid")
        page.svgFigures([(try manifold.svg(), "The decoder (int8) over a 15×15 grid of latents in [−2, 2]²: the learned 2-D map of clothing.")])
        page.code("mote run sample --model models/vae.int8.mote --count 64 --grid\nmote plot manifold --model models/vae.int8.mote")
        page.endSection()
        summary.append("vae int8: 24 random samples and a 15x15 latent grid decoded on the runtime")
    }

    mutating func latentPlots() throws {
        step("plotting latents")
        page.section("Latent spaces", "Each test image of the samples encoded to its 2-D latent by the int8 encoder, coloured by class. Similar clothes — and equal digits — land together, although the models never saw a label.")
        var figures = [(svg: String, caption: String)]()
        for (name, folder, classes) in [("vae", DataLocation.sample, ClassNames.fashion), ("mnist-ae", "data/mnist-sample", ClassNames.digits)] {
            let runner = try ParallelInference(path: "models/\(name).int8.mote", threads: threads)
            let test = try LatentPlots.testImages(folder, count: nil)
            var plot = try LatentPlots.scatter(runner, images: test.images, labels: test.labels, classNames: classes,
                                               title: "\(name).int8: latents of \(test.images.count) test images")
            (plot.width, plot.height) = (540, 440)   // two side by side
            figures.append((plot.svg(), "\(name): \(test.images.count) images of \(folder)"))
        }
        page.svgFigures(figures)
        page.code("mote plot latent --model models/vae.int8.mote --data data/fashion-mnist-sample")
        page.endSection()
    }

    mutating func measurements() throws {
        var rows = [["model", "type", "drift: PSNR vs float", "file size", "activation memory", "time per image", "vs float"]]
        var driftLine = [String]()
        for name in DemoCommand.models {
            step("measuring \(name)")
            let (model, _) = try Checkpoint.loadModel("models/\(name).safetensors")
            let images = try testImages(model.spec, count: count).withNoise(model.spec.noise)
            let input = images.image(0)
            // Float: one image at a time on one thread, like the runtime.
            let saved = Parallel.threads
            Parallel.threads = 1
            defer { Parallel.threads = saved }
            model.allocate(maxBatch: 1)
            model.sampling?.stochastic = false
            let x = FloatStorage(input.count)
            for (k, v) in input.enumerated() { x.pointer[k] = v }
            let floatTime = Timing(runs: runs) { _ = model.forward(Batch(data: x.pointer, n: 1, shape: model.spec.input)) }.median
            model.sampling?.stochastic = true
            let layers = model.encoder + model.decoder
            // Activation layers work in place in any float runtime: they do not count.
            let floatActivations = layers.filter { !($0 is Activation) }.map { ($0.inputShape.count + $0.outputShape.count) * 4 }.max() ?? 0
            rows.append([name, "float32", "reference", Report.bytes(model.parameterCount * 4), Report.bytes(floatActivations), Self.time(floatTime), "1.0×"])
            var psnrs = [String]()
            for type in ["int8", "int16"] {
                let file = try LoadedModel.open(path: "models/\(name).\(type).mote")
                let drift = try Drift.reconstruction(model, file, images: images)
                let sampled = model.sampling != nil ? try Drift.sampledDecoder(model, file, count: count) : nil
                let g = try file.subgraph(.autoencoder)
                input.withUnsafeBufferPointer { file.write($0, to: g.input) }
                let time = Timing(runs: runs) { file.model.run(ops: g.firstOp..<(g.firstOp + g.opCount)) }.median
                let anatomy = ModelAnatomy(file)
                let driftText = String(format: "%.1f dB", drift.meanPSNR) + (sampled.map { String(format: " (decoder on N(0,1): %.1f)", $0.meanPSNR) } ?? "")
                rows.append(["", type, driftText, Report.bytes(anatomy.fileBytes), Report.bytes(anatomy.arenaBytes), Self.time(time), String(format: "%.2g×", floatTime / time)])
                psnrs.append(String(format: "%@ %.1f", type, drift.meanPSNR))
            }
            driftLine.append("\(name) " + psnrs.joined(separator: " / "))
        }
        page.section("Drift, size, memory and speed", String(format: "For every shipped model: the PSNR of the quantized output against the float model's on %d sample test images (noisy ones for the denoiser; higher is closer; 40 dB is an RMS error of 1%% of the pixel range), the file size (float: its float32 weights), the activation memory (int: the arena the file asks for, every scratch buffer included; float: the largest input + output of one layer, a lower bound) and the median time for one image on one thread of this machine (%d runs; \"vs float\" above 1 is faster).", count, runs))
        page.table(rows, numericFrom: 2)
        page.paragraph("Accuracy in CI: <code>mote drift --model models/vae.int8.mote --checkpoint models/vae.safetensors --min-psnr 38</code> exits 1 below the threshold. Careful timings, peers (ONNX Runtime, TFLite) and their commands: <code>bench/README.md</code>.")
        page.endSection()
        summary.append("drift vs float, PSNR dB on \(count) sample images: " + driftLine.joined(separator: ", "))
    }

    static func time(_ us: Double) -> String { us >= 1000 ? String(format: "%.2f ms", us / 1000) : String(format: "%.0f µs", us) }
}
