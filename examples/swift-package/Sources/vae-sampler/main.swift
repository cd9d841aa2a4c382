// Draws faces of clothing from the int8 VAE decoder with MoteRuntime alone: open the .mote file
// in place, draw N(0, 1) latents with the runtime's integer sampler, run the decoder, print the
// pictures as text. The same draws and pixels as `mote run sample --seed S` and as a board.
//   swift run vae-sampler [MODEL.mote] [SEED]
import Foundation
import MoteRuntime

let args = CommandLine.arguments
let path = args.count > 1 ? args[1] : "../../models/vae.int8.mote"
let seed = args.count > 2 ? UInt32(args[2]) ?? 7 : 7
guard let data = FileManager.default.contents(atPath: path) else {
    FileHandle.standardError.write(Data("vae-sampler: cannot read \(path)\n".utf8))
    exit(2)
}
// The runtime reads the model where it lies (8-byte aligned) and keeps every activation in one
// caller-owned arena (16-byte aligned) whose size the file states.
let file = UnsafeMutableRawBufferPointer.allocate(byteCount: data.count, alignment: 16)
data.copyBytes(to: file)
let view = UnsafeRawBufferPointer(file)
do throws(ModelError) {
    let arena = UnsafeMutableRawBufferPointer.allocate(byteCount: max(try MoteModel.requiredArenaBytes(view), 1), alignment: 16)
    let model = try MoteModel(model: view, arena: arena)
    guard let decoder = model.subgraph(.decoder) else { print("\(path) has no decoder"); exit(2) }
    let out = model.tensor(decoder.output)
    var rng = Xoshiro128StarStar(seed: seed)
    var pixels = [UInt8](repeating: 0, count: out.count)
    let shades = Array(" .:-=+*#%@")
    var rows = [String](repeating: "", count: out.h / 2)
    for _ in 0..<4 {
        try model.drawLatent(&rng)                       // z ~ N(0, 1), integer sampler
        try model.run(.decoder)
        try pixels.withUnsafeMutableBufferPointer { p throws(ModelError) in try model.readOutput(.decoder, pixels: p.baseAddress!, count: p.count) }
        for y in stride(from: 0, to: out.h - 1, by: 2) {   // two pixel rows per text row
            rows[y / 2] += String((0..<out.w).map { x in shades[Int(max(pixels[y * out.w + x], pixels[(y + 1) * out.w + x])) * (shades.count - 1) / 255] }) + "  "
        }
    }
    print("4 samples from \(path) (\(model.arenaBytes) bytes of arena, seed \(seed)):")
    rows.forEach { print($0) }
} catch {
    print("vae-sampler: \(path): \(error.code.summary)")
    exit(2)
}
