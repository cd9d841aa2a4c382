// The work behind each `mote run` mode: reading and checking inputs, running them in batches
// across threads, and writing PNGs, grids and latent files.
import Foundation
import MoteExport
import MoteIO
import MoteRuntime
import MoteTraining

struct RunSession {
    let mode: String
    let args: Arguments
    let runner: ParallelInference
    let threads: Int
    var file: LoadedModel { runner.model }
    var out: String { args.string("out") ?? "mote-out" }

    func shape(_ kind: SubgraphKind, output: Bool = false) throws -> TensorRecord {
        let g: SubgraphRecord
        do { g = try file.subgraph(kind) } catch {
            throw ExitError(code: 2, message: "\(runner.path) has no \(kind) subgraph\(kind == .decoder ? "" : " (a decoder-only file: use mote run decode or sample)")")
        }
        return file.model.tensor(output ? g.output : g.input)
    }

    /// The input images, checked against (or with --fit, fitted to) the model's input size.
    func inputImages(_ kind: SubgraphKind) throws -> [NamedImage] {
        guard !args.positionals.isEmpty else { throw UsageError("no input images: pass PNG or IDX files (see mote run \(mode) --help)") }
        let t = try shape(kind)
        var images: [NamedImage]
        let limit = try args.int("count", min: 1, max: 100_000)
        do { images = try ImageFiles.read(args.positionals, limit: limit) } catch { throw ExitError(code: 2, message: error.description) }
        for i in images.indices {
            if args.has("invert") { images[i].image = images[i].image.inverted }
            let img = images[i].image
            guard img.width != t.w || img.height != t.h else { continue }
            guard args.has("fit") else {
                throw ExitError(code: 2, message: "\(images[i].name) is \(img.width)x\(img.height) pixels; \(runner.path) takes \(t.w)x\(t.h) (pass --fit to shrink or pad it)")
            }
            images[i].image = img.fitted(width: t.w, height: t.h)
        }
        return images
    }

    /// Runs `kind` on all inputs, in chunks so long batches show progress.
    func run(_ kind: SubgraphKind, _ inputs: [[Float]]) throws -> [[Float]] {
        var results = [[Float]]()
        results.reserveCapacity(inputs.count)
        let chunk = 256
        for start in stride(from: 0, to: inputs.count, by: chunk) {
            if inputs.count > chunk { Console.progress("\(mode): \(start)/\(inputs.count) images") }
            results += try runner.run(kind, inputs: Array(inputs[start..<min(start + chunk, inputs.count)]))
        }
        if inputs.count > chunk { Console.clearProgress() }
        return results
    }

    func picture(_ values: [Float], _ t: TensorRecord) -> GrayImage {
        GrayImage(width: t.w, height: t.h, unitFloats: values)
    }

    func scale(grid: Bool) throws -> Int { try args.int("scale", min: 1, max: 16) ?? (grid ? 2 : 1) }

    /// A grid of `tiles` images of `t`'s size, `columns` wide, enlarged `k` times, must stay a
    /// picture a viewer opens (at most 2^28 pixels): checked before any of it is drawn.
    func checkGrid(tiles: Int, columns: Int, _ t: TensorRecord, scale k: Int) throws {
        let rows = (tiles + columns - 1) / columns
        let (w, h) = ((columns * (t.w + 2)) * k, (rows * (t.h + 2)) * k)
        guard w * h <= 1 << 28 else {
            throw UsageError("a grid of \(tiles) images at --scale \(k) would be \(w)x\(h) pixels (the limit is 2^28): use fewer images, a smaller --scale, or no --grid")
        }
    }

    func createOut() throws {
        do { try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true) } catch {
            throw ExitError(code: 2, message: "cannot create the output folder \(out): \(error.localizedDescription)")
        }
    }

    /// denoise and reconstruct: image in, image out.
    func images() throws {
        let start = Date()
        var images = try inputImages(.autoencoder)
        let clean = images
        let sigma = try args.double("add-noise", min: 0, max: 10) ?? 0
        if sigma < 0 { throw UsageError("--add-noise \(sigma): expected a noise level ≥ 0 (training used 0.5)") }
        if sigma > 0 {
            let seed = UInt64(try args.int("seed", min: 0, max: Int(UInt32.max)) ?? 1)
            for i in images.indices {
                let t = images[i].image
                let noisy = ImageSet(pixels: t.unitFloats, labels: [0], shape: Shape(t.height, t.width, 1)).withNoise(Float(sigma), seed: seed &+ UInt64(i))
                images[i].image = GrayImage(width: t.width, height: t.height, unitFloats: noisy.pixels)
            }
        }
        let outShape = try shape(.autoencoder, output: true)
        if args.has("grid") { try checkGrid(tiles: images.count * (sigma > 0 ? 3 : 2), columns: min(10, images.count), outShape, scale: try scale(grid: true)) }
        let outputs = try run(.autoencoder, images.map(\.image.unitFloats)).map { picture($0, outShape) }
        try createOut()
        let grid = args.has("grid"), k = try scale(grid: grid)
        var written = [String]()
        if grid {
            var rows = [GrayImage]()
            let columns = min(10, images.count)
            for block in stride(from: 0, to: images.count, by: columns) {
                let r = block..<min(block + columns, images.count)
                let pad = Array(repeating: GrayImage(width: outShape.w, height: outShape.h, fill: 40), count: columns - r.count)
                if sigma > 0 { rows += r.map { clean[$0].image.fitted(width: outShape.w, height: outShape.h) } + pad }
                rows += r.map { images[$0].image.fitted(width: outShape.w, height: outShape.h) } + pad
                rows += r.map { outputs[$0] } + pad
            }
            let path = "\(out)/\(mode)-grid.png"
            try PNG.write(GrayImage.grid(rows, columns: columns, gap: 2, background: 40).scaled(by: k), to: path)
            written.append(path)
            Console.line("\(path): \(sigma > 0 ? "clean, noisy and denoised rows" : "input row over output row"), \(images.count) image(s)")
        } else {
            for (i, image) in images.enumerated() {
                let path = "\(out)/\(image.name).png"
                try PNG.write(outputs[i].scaled(by: k), to: path)
                if sigma > 0 { try PNG.write(image.image.scaled(by: k), to: "\(out)/\(image.name)-noisy.png") }
                written.append(path)
            }
        }
        let what = mode == "denoise" ? "denoised" : "reconstructed"
        Console.line("\(what) \(images.count) image(s) with \(runner.path) (\(typeName)) on \(min(threads, images.count)) thread(s) in \(String(format: "%.2f", Date().timeIntervalSince(start))) s → \(grid ? written[0] : "\(out)/ (\(written.count) PNG file(s))")")
    }

    var typeName: String { file.model.tensor(file.model.op(0).output).type == .int8 ? "int8" : "int16" }

    func encode() throws {
        let images = try inputImages(.encoder)
        let latents = try run(.encoder, images.map(\.image.unitFloats))
        let d = latents.first?.count ?? 0
        let text: String
        if let path = args.string("out"), path.hasSuffix(".json") {
            let rows: [[String: Any]] = zip(images, latents).map { ["name": $0.name, "z": $1.map { Double($0) }] }
            text = String(decoding: try JSONSerialization.data(withJSONObject: rows, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self) + "\n"
        } else {
            text = LatentFile.csv(names: images.map(\.name), latents: latents)
        }
        if let path = args.string("out") {
            try AtomicFile.write(text, to: path)
            Console.line("encoded \(images.count) image(s) to \(d)-value latents\(file.samplesLatent ? " (z_mean)" : "") → \(path)")
        } else {
            print(text, terminator: "")
        }
    }

    func decode() throws {
        let d = try shape(.decoder).count
        var latents = [[Float]]()
        for v in args.all("latent") {
            let z = v.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard z.allSatisfy({ $0 != nil }) else { throw UsageError("--latent \"\(v)\": expected \(d) comma-separated numbers") }
            guard z.count == d else { throw UsageError("--latent \"\(v)\" has \(z.count) values; the decoder of \(runner.path) takes \(d)") }
            guard z.allSatisfy({ $0!.isFinite && Float($0!).isFinite }) else { throw UsageError("--latent \"\(v)\": a value is not finite or lies outside the 32-bit float range (±3.4e38)") }
            latents.append(z.map { Float($0!) })
        }
        if let path = args.string("latents") {
            do { latents += try LatentFile.read(path, dimension: d) } catch { throw ExitError(code: 2, message: error.description) }
            guard latents.count <= LatentFile.maxLatents else { throw UsageError("more than \(LatentFile.maxLatents) latents in all: decode them in parts") }
        }
        guard !latents.isEmpty else { throw UsageError("no latents: pass --latent \"x,y\" or --latents FILE (see mote run decode --help)") }
        try writeDecoded(latents, name: "decoded")
    }

    func sample() throws {
        let count = try args.int("count", min: 1, max: 10_000) ?? 16
        let seed = try args.int("seed", min: 0, max: Int(UInt32.max)) ?? 1
        let g = try file.subgraph(.decoder)
        let d = file.model.tensor(g.input).count
        var latents = [[Float]]()
        if file.samplesLatent {
            latents = try file.drawLatents(count: count, seed: UInt32(truncatingIfNeeded: seed))
        } else {
            let range = file.representableRange(g.input)
            var rng = SeededRandom(seed: UInt64(seed))
            latents = (0..<count).map { _ in (0..<d).map { _ in rng.uniform(Float(range.lowerBound), Float(range.upperBound)) } }
            Console.line(String(format: "uniform latents in [%.3g, %.3g]^%d (the latent range calibrated at export)", range.lowerBound, range.upperBound, d))
        }
        try writeDecoded(latents, name: "sample")
        let names = latents.indices.map { ImageFiles.numbered("sample", $0, of: count, digits: 3) }
        try AtomicFile.write(LatentFile.csv(names: names, latents: latents), to: "\(out)/latents.csv")
    }

    func writeDecoded(_ latents: [[Float]], name: String) throws {
        let start = Date()
        let t = try shape(.decoder, output: true)
        let grid = args.has("grid"), k = try scale(grid: grid)
        let columns = latents.count <= 10 ? latents.count : Int(Double(latents.count).squareRoot().rounded(.up))
        if grid { try checkGrid(tiles: latents.count, columns: columns, t, scale: k) }
        let pictures = try run(.decoder, latents).map { picture($0, t) }
        try createOut()
        if grid {
            let path = "\(out)/\(name)-grid.png"
            try PNG.write(GrayImage.grid(pictures, columns: columns, gap: 2, background: 40).scaled(by: k), to: path)
            Console.line("\(name == "sample" ? "sampled" : "decoded") \(pictures.count) image(s) with \(runner.path) (\(typeName)) in \(String(format: "%.2f", Date().timeIntervalSince(start))) s → \(path)")
        } else {
            for (i, p) in pictures.enumerated() { try PNG.write(p.scaled(by: k), to: "\(out)/\(ImageFiles.numbered(name, i, of: pictures.count, digits: 3)).png") }
            Console.line("\(name == "sample" ? "sampled" : "decoded") \(pictures.count) image(s) with \(runner.path) (\(typeName)) in \(String(format: "%.2f", Date().timeIntervalSince(start))) s → \(out)/\(name)-NNN.png")
        }
    }
}
