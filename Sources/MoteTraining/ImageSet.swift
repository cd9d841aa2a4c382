// Images as the trainer consumes them: float pixels in [0, 1] with labels, assembled from the
// splits a model spec names.
import MoteIO

public struct ImageSet: Sendable {
    public var pixels: [Float]
    public var labels: [UInt8]
    public var shape: Shape
    public var count: Int { labels.count }

    public init(pixels: [Float], labels: [UInt8], shape: Shape) {
        self.pixels = pixels; self.labels = labels; self.shape = shape
    }

    public init(_ data: LabeledImages) {
        shape = Shape(data.images.rows, data.images.cols, 1)
        labels = data.labels
        pixels = data.images.pixels.map { Float($0) / 255 }
    }

    /// Image `i`'s pixels.
    public func image(_ i: Int) -> [Float] { Array(pixels[(i * shape.count)..<((i + 1) * shape.count)]) }

    public func prefix(_ n: Int) -> ImageSet {
        let k = min(n, count)
        return ImageSet(pixels: Array(pixels[0..<(k * shape.count)]), labels: Array(labels[0..<k]), shape: shape)
    }

    /// A denoiser's inputs: clip(x + σ · N(0, 1), 0, 1) with a fixed seed. This is what `mote
    /// drift`, export calibration and the demo use (the evaluation stream); `mote eval` and the
    /// trainer's test loss draw from the trainer's noise stream instead (`Trainer.evaluate`),
    /// so under the same seed 1234 the two see different, equally fixed, noisy copies.
    public func withNoise(_ sigma: Float, seed: UInt64 = 1234) -> ImageSet {
        guard sigma > 0 else { return self }
        var rng = SeededRandom(seed: seed, stream: RandomStream.evaluation.rawValue, epoch: 0)
        return ImageSet(pixels: pixels.map { min(max($0 + sigma * rng.gaussian(), 0), 1) }, labels: labels, shape: shape)
    }

    /// Loads the ranges `spec` names from `folder`, concatenated. Ranges past the end of a split
    /// are clipped (the shipped sample has 1,000 images per split); `notes` says when.
    public static func load(_ ranges: [SplitRange], from folder: DatasetFolder, notes: inout [String]) throws -> ImageSet {
        var pixels = [Float](), labels = [UInt8]()
        var shape: Shape?
        var cache = [String: LabeledImages]()
        for r in ranges {
            let splitName = r.split == "test" ? "t10k" : r.split
            guard let split = Split(rawValue: splitName) else { throw SpecError("unknown split \"\(r.split)\" (train or t10k)") }
            let data: LabeledImages
            if let cached = cache[splitName] { data = cached } else {
                data = try folder.load(split)
                cache[splitName] = data
            }
            let start = min(r.start, data.count)
            let end = min(start + (r.count ?? data.count), data.count)
            if let want = r.count, end - start < want {
                notes.append("\(folder.path): \(split.rawValue) has \(data.count) images; using \(end - start) instead of \(want) from index \(r.start)")
            }
            let part = ImageSet(data.slice(start..<end))
            if let s = shape, s != part.shape {
                throw MoteIOError("\(folder.path): \(split.rawValue) images are \(part.shape), others \(s)")
            }
            shape = part.shape
            pixels += part.pixels
            labels += part.labels
        }
        return ImageSet(pixels: pixels, labels: labels, shape: shape ?? Shape(28, 28, 1))
    }

    /// Zero-pads every image by `pad` pixels on each side (conv-ae's 28x28 -> 32x32).
    public func padded(by pad: Int) -> ImageSet {
        guard pad > 0 else { return self }
        let out = Shape(shape.h + 2 * pad, shape.w + 2 * pad, shape.c)
        var p = [Float](repeating: 0, count: count * out.count)
        let rowLen = shape.w * shape.c
        for i in 0..<count {
            for y in 0..<shape.h {
                let src = i * shape.count + y * rowLen
                let dst = i * out.count + ((y + pad) * out.w + pad) * shape.c
                for k in 0..<rowLen { p[dst + k] = pixels[src + k] }
            }
        }
        return ImageSet(pixels: p, labels: labels, shape: out)
    }

    /// Applies the spec's input transform and checks the images then fit the model's input.
    public func prepared(for spec: ModelSpec, source: String) throws -> ImageSet {
        let set = padded(by: spec.pad)
        guard set.shape == spec.input else {
            throw MoteIOError("\(source) has \(shape) images but \(spec.name) takes \(spec.input)\(spec.pad > 0 ? " after padding by \(spec.pad)" : "")")
        }
        return set
    }
}
