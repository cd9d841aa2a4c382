// `mote plot`: pictures of a model's latent space, computed on the fixed-point runtime — the
// test set's latents coloured by class, and the images the decoder makes over a grid of
// latents. Each plot is written as SVG (for browsers) and PNG.
import Foundation
import MoteExport
import MoteIO
import MoteRuntime

enum PlotCommand {
    static let help = """
    Plot a model's latent space (SVG and PNG).

    usage: mote plot latent   --model FILE.mote [--data DIR] [--count N] [--classes fashion|digits] [--out PATH]
           mote plot manifold --model FILE.mote [--range R] [--size N] [--out PATH]

    latent     encodes the test images of DIR (t10k-images/-labels, plain or .gz; default the shipped
               sample data/fashion-mnist-sample) and plots their latents coloured by class, with a
               legend of the class names. Latents of more than two values are projected on their
               first two principal components. Images are fitted to the model's input as in
               training (28x28 digits padded to 32x32 for conv-ae).
      --count N        at most N test images (default: all)
      --classes C      class names: fashion (Fashion-MNIST) or digits (MNIST); default: digits when
                       DIR's path says mnist but not fashion, else fashion
    manifold   decodes an N x N grid of latents evenly spaced over [-R, R]^2 (2-D latents only)
      --range R        half-width of the grid (default 2; at most 1000)
      --size N         tiles per side (default 15; 2 to 64)
    both
      --model F        the .mote file (its encoder for latent, its decoder for manifold)
      --out PATH       writes PATH.svg and PATH.png (default NAME-latent / NAME-manifold, NAME the model's file name)
      --threads N      threads (default: all cores)

    example: mote plot latent --model models/vae.int8.mote --data /usr/share/datasets/fashion-mnist
             mote plot manifold --model models/vae.int8.mote --range 3
    """

    static func run(_ argv: [String]) throws {
        if argv.first == "--help" || argv.first == "-h" { print(help); return }
        guard let kind = argv.first, !kind.hasPrefix("-") else {
            throw UsageError("missing plot kind: latent or manifold first (see mote plot --help)")
        }
        guard kind == "latent" || kind == "manifold" else { throw UsageError("unknown plot \"\(kind)\" (latent or manifold; see mote plot --help)") }
        let args = try Arguments(Array(argv.dropFirst()), options: ["model", "data", "count", "classes", "out", "range", "size", "threads"],
                                 flags: ["help"], command: "plot \(kind)")
        if args.has("help") { print(help); return }
        if let p = args.positionals.first { throw UsageError("unexpected argument \(p) (see mote plot --help)") }
        for option in kind == "latent" ? ["range", "size"] : ["data", "count", "classes"] where args.string(option) != nil {
            throw UsageError("--\(option) does not apply to mote plot \(kind)")
        }
        guard let modelPath = args.string("model") else { throw UsageError("missing --model FILE.mote (e.g. --model models/vae.int8.mote)") }
        let threads = try args.int("threads", min: 1, max: 256) ?? ProcessInfo.processInfo.activeProcessorCount
        let runner: ParallelInference
        do { runner = try ParallelInference(path: modelPath, threads: threads) } catch let e as ModelFileError { throw ExitError(code: 2, message: e.description) }
        let name = URL(fileURLWithPath: modelPath).deletingPathExtension().lastPathComponent
        let base = args.string("out") ?? "\(name)-\(kind)"
        if kind == "latent" {
            let folder = args.string("data") ?? DataLocation.sample
            let classes = args.string("classes") ?? (folder.lowercased().contains("mnist") && !folder.lowercased().contains("fashion") ? "digits" : "fashion")
            guard let names = ClassNames.named[classes] else { throw UsageError("--classes \(classes): expected fashion or digits") }
            let test = try LatentPlots.testImages(folder, count: try args.int("count", min: 1, max: 100_000))
            let plot = try LatentPlots.scatter(runner, images: test.images, labels: test.labels, classNames: names, title: "\(name): latents of \(test.images.count) test images")
            try write(svg: plot.svg(), png: plot.canvas(), to: base)
        } else {
            let plot = try LatentPlots.manifold(runner, range: try args.double("range", min: 0.001, max: 1000) ?? 2, size: try args.int("size", min: 2, max: 64) ?? 15, title: "\(name): decoded latent grid")
            try write(svg: plot.svg(), png: plot.canvas(), to: base)
        }
    }

    static func write(svg: String, png: Canvas, to base: String) throws {
        try AtomicFile.write(svg, to: base + ".svg")
        try png.writePNG(to: base + ".png")
        Console.line("wrote \(base).svg and \(base).png")
    }
}

enum ClassNames {
    static let fashion = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
    static let digits = (0..<10).map(String.init)
    static let named = ["fashion": fashion, "digits": digits]
}

/// The latent plots, shared by `mote plot` and `mote demo`.
enum LatentPlots {
    /// The t10k images and labels of `folder`.
    static func testImages(_ folder: String, count: Int?) throws -> (images: [GrayImage], labels: [UInt8]) {
        let data: LabeledImages
        do { data = try DatasetFolder.resolve(folder, fallbacks: [], installHint: "").load(.test) } catch { throw ExitError(code: 2, message: "\(error)") }
        let n = min(count ?? data.count, data.count), per = data.images.pixelsPerImage
        let images = (0..<n).map { GrayImage(width: data.images.cols, height: data.images.rows, pixels: Array(data.images.pixels[($0 * per)..<(($0 + 1) * per)])) }
        return (images, Array(data.labels.prefix(n)))
    }

    static func scatter(_ runner: ParallelInference, images: [GrayImage], labels: [UInt8], classNames: [String], title: String) throws -> ScatterPlot {
        let t = runner.model.model.tensor(try runner.model.subgraph(.encoder).input)
        let latents = try runner.run(.encoder, inputs: images.map { $0.fitted(width: t.w, height: t.h).unitFloats })
        let d = latents.first?.count ?? 0
        let points: [(x: Double, y: Double)]
        let axes: (String, String)
        if d == 2 {
            points = latents.map { (Double($0[0]), Double($0[1])) }
            axes = ("z[0]", "z[1]")
        } else {
            points = PrincipalComponents.project(latents.map { $0.map(Double.init) })
            axes = ("first principal component of the \(d)-value latent", "second principal component")
        }
        return ScatterPlot(title: title + (runner.model.samplesLatent ? " (z_mean)" : ""), xLabel: axes.0, yLabel: axes.1,
                           points: zip(points, labels).map { ($0.x, $0.y, Int($1)) }, groupNames: classNames)
    }

    static func manifold(_ runner: ParallelInference, range r: Double, size n: Int, title: String) throws -> ImageGridPlot {
        let g = try runner.model.subgraph(.decoder)
        let d = runner.model.model.tensor(g.input).count, t = runner.model.model.tensor(g.output)
        guard d == 2 else { throw ExitError(code: 2, message: "\(runner.path): a manifold needs a 2-value latent; this decoder takes \(d)") }
        guard r > 0 else { throw UsageError("--range \(r): expected a positive half-width") }
        let values = (0..<n).map { -r + 2 * r * Double($0) / Double(n - 1) }
        // Row 0 is the top of the picture: the largest z[1].
        let latents = (0..<(n * n)).map { i in [Float(values[i % n]), Float(values[n - 1 - i / n])] }
        let tiles = try runner.run(.decoder, inputs: latents).map { GrayImage(width: t.w, height: t.h, unitFloats: $0) }
        return ImageGridPlot(title: title, xLabel: "z[0]", yLabel: "z[1]", grid: GrayImage.grid(tiles, columns: n),
                             columnValues: values, rowValues: values.reversed())
    }
}
