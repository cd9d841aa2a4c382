// firmware-vectors: the host half of firmware-sim. For each .mote file given, runs the host
// build of MoteRuntime on fixed inputs and writes what every board must reproduce byte for
// byte: NAME.in (8 sample images as 8-bit pixels, fitted to the model's input by centring or
// cropping), NAME.ae (the autoencoder's output pixels for them) and NAME.dec (the decoder's
// output pixels for 8 latents drawn by the integer sampler seeded with 7).
//   firmware-vectors --out DIR [--data DIR] MODEL.mote...
import Foundation
import MoteExport
import MoteIO
import MoteRuntime

let images = 8, latentSeed: UInt32 = 7
var args = Array(CommandLine.arguments.dropFirst())
func option(_ name: String) -> String? {
    guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
    defer { args.removeSubrange(i...(i + 1)) }
    return args[i + 1]
}
guard let out = option("--out"), !args.isEmpty else {
    FileHandle.standardError.write(Data("usage: firmware-vectors --out DIR [--data DIR] MODEL.mote...\n".utf8))
    exit(2)
}
let data = option("--data") ?? "data/fashion-mnist-sample"
do {
    let source = try DatasetFolder(path: data).load(.test).images
    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    for path in args {
        let file = try LoadedModel.open(path: path)
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let input = file.model.tensor(file.model.subgraph(.autoencoder)!.input), output = file.model.tensor(file.model.subgraph(.autoencoder)!.output)
        var inputs = [UInt8](), reconstructions = [UInt8](), decoded = [UInt8]()
        var pixels = [UInt8](repeating: 0, count: input.count), result = [UInt8](repeating: 0, count: output.count)
        for n in 0..<images {
            // Centre the 28×28 image in the model's input (or crop it to fit).
            for y in 0..<input.h {
                for x in 0..<input.w {
                    let sy = y - (input.h - source.rows) / 2, sx = x - (input.w - source.cols) / 2
                    let inside = sy >= 0 && sy < source.rows && sx >= 0 && sx < source.cols
                    pixels[y * input.w + x] = inside ? source.pixels[(n * source.rows + sy) * source.cols + sx] : 0
                }
            }
            inputs += pixels
            try file.model.setInput(.autoencoder, pixels: pixels, count: pixels.count)
            try file.model.run(.autoencoder)
            try file.model.readOutput(.autoencoder, pixels: &result, count: result.count)
            reconstructions += result
        }
        var rng = Xoshiro128StarStar(seed: latentSeed)
        for _ in 0..<images {
            try file.model.drawLatent(&rng)
            try file.model.run(.decoder)
            try file.model.readOutput(.decoder, pixels: &result, count: result.count)
            decoded += result
        }
        for (suffix, bytes) in [("in", inputs), ("ae", reconstructions), ("dec", decoded)] {
            try Data(bytes).write(to: URL(fileURLWithPath: "\(out)/\(name).\(suffix)"))
        }
        print("\(name): \(images) images \(input.h)x\(input.w), \(images) latents")
    }
} catch {
    FileHandle.standardError.write(Data("firmware-vectors: \(error)\n".utf8))
    exit(2)
}
