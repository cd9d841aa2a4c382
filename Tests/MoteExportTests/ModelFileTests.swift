// The .mote reader against bad input: truncated, damaged and hostile files (records that
// point outside the file or arena, with a correct checksum) must be rejected with the right
// typed error, and nothing any input can do may crash the reader or the interpreter.
import Foundation
import Testing
@testable import MoteExport
@testable import MoteIO
@testable import MoteRuntime

/// A small valid model file (the tiny VAE: every weighted op kind, sampling, both subgraphs).
let tinyModelBytes: [UInt8] = {
    let (model, images) = tinyTrainedModel(vae: true)
    return try! ModelWriter.write(try! Lowering.lower(model, calibration: images))
}()

/// Opens `bytes` in a fresh aligned buffer with an arena of `arenaBytes` (default: what it asks for).
func open(_ bytes: [UInt8], arenaBytes: Int? = nil, arenaOffset: Int = 0) -> ModelErrorCode? {
    let file = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
    defer { file.deallocate() }
    bytes.withUnsafeBytes { file.copyMemory(from: $0) }
    let view = UnsafeRawBufferPointer(rebasing: file[0..<bytes.count])
    let size = arenaBytes ?? ((try? MoteModel.requiredArenaBytes(view)) ?? 0)
    let arena = UnsafeMutableRawBufferPointer.allocate(byteCount: size + arenaOffset + 1, alignment: 16)
    defer { arena.deallocate() }
    do throws(ModelError) {
        let m = try MoteModel(model: view, arena: UnsafeMutableRawBufferPointer(rebasing: arena[arenaOffset..<(arenaOffset + size)]))
        // Whatever was accepted must run without trapping.
        var rng = Xoshiro128StarStar(seed: 7)
        try? m.run(.autoencoder, sampler: &rng)
        try? m.run(.decoder)
        return nil
    } catch { return error.code }
}

/// `bytes` with the CRC recomputed, as a hostile (not merely damaged) file would have it.
func resealed(_ bytes: [UInt8]) -> [UInt8] {
    var b = bytes
    let crc = Zlib.crc32(Array(b[16...]))
    withUnsafeBytes(of: crc.littleEndian) { b.replaceSubrange(12..<16, with: $0) }
    return b
}

func section(_ bytes: [UInt8], _ tag: UInt32) -> Int {
    let count = Int(bytes[20]) | Int(bytes[21]) << 8
    for i in 0..<count {
        let e = 32 + 12 * i
        let t = bytes[e..<(e + 4)].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * $1.offset) }
        if t == tag { return bytes[(e + 4)..<(e + 8)].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) } }
    }
    return -1
}

func poke(_ bytes: [UInt8], at: Int, u16 v: UInt16) -> [UInt8] {
    var b = bytes; b[at] = UInt8(v & 0xFF); b[at + 1] = UInt8(v >> 8); return resealed(b)
}
func poke(_ bytes: [UInt8], at: Int, u32 v: UInt32) -> [UInt8] {
    var b = bytes
    for k in 0..<4 { b[at + k] = UInt8((v >> (8 * UInt32(k))) & 0xFF) }
    return resealed(b)
}

@Suite("Model file: validation")
struct ModelFileTests {
    let bytes = tinyModelBytes

    @Test func validFileOpensAndItsChecksumIsZlibsCRC32() {
        #expect(open(bytes) == nil)
        let stored = UInt32(bytes[12]) | UInt32(bytes[13]) << 8 | UInt32(bytes[14]) << 16 | UInt32(bytes[15]) << 24
        #expect(stored == Zlib.crc32(Array(bytes[16...])))
        #expect(bytes.withUnsafeBytes { crc32(UnsafeRawBufferPointer(rebasing: $0[16...])) } == stored)
    }

    @Test func everyTruncationIsRejected() {
        for n in 0..<bytes.count {
            let code = open(Array(bytes[0..<n]))
            #expect(code == .truncated, "prefix \(n): \(String(describing: code))")
        }
    }

    @Test func anyDamagedByteFailsTheChecksum() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            var b = bytes
            let at = Int.random(in: 16..<b.count, using: &rng)
            b[at] ^= UInt8.random(in: 1...255, using: &rng)
            #expect(open(b) == .checksumMismatch, "byte \(at)")
        }
    }

    @Test func headerErrors() {
        var b = bytes; b[0] = UInt8(ascii: "X")
        #expect(open(b) == .badMagic)
        #expect(open(poke(bytes, at: 4, u16: 2)) == .unsupportedVersion)
        #expect(open(poke(bytes, at: 6, u16: 9)) == nil)   // a newer minor version still reads
        #expect(open(poke(bytes, at: 8, u32: UInt32(bytes.count + 1))) == .truncated)
        #expect(open(bytes, arenaBytes: 16) == .arenaTooSmall)
        #expect(open(bytes, arenaOffset: 8) == .misalignedArena)
    }

    @Test func hostileRecordsAreRejected() {
        let tens = section(bytes, FileLayout.Tag.tensors), ops = section(bytes, FileLayout.Tag.ops)
        let subg = section(bytes, FileLayout.Tag.subgraphs)
        #expect(tens > 0 && ops > 0 && subg > 0)
        // Section table: a section pointing past the end; a required one renamed away.
        #expect(open(poke(bytes, at: 32 + 4, u32: UInt32(bytes.count))) == .badSectionTable)
        #expect(open(poke(bytes, at: 32, u32: 0x5858_5858)) == .missingSection)
        // Tensors: unknown type, arena offset past the arena, a dimension of zero, a huge shape.
        var b = bytes; b[tens] = 9
        #expect(open(resealed(b)) == .badTensor)
        #expect(open(poke(bytes, at: tens + 16, u32: 0x00FF_FFF0)) == .badTensor)
        #expect(open(poke(bytes, at: tens + 4, u16: 0)) == .badTensor)
        #expect(open(poke(poke(bytes, at: tens + 4, u16: 0xFFFF), at: tens + 6, u16: 0xFFFF)) == .badTensor)
        // Ops: tensor index out of range, constants outside the section, input == output, bad kind.
        #expect(open(poke(bytes, at: ops + 4, u16: 999)) == .badOp)
        #expect(open(poke(bytes, at: ops + 12, u32: 0x7FFF_FFF8)) == .badOp)
        #expect(open(poke(bytes, at: ops + 6, u16: UInt16(bytes[ops + 4]) | UInt16(bytes[ops + 5]) << 8)) == .badOp)
        b = bytes; b[ops] = 42
        #expect(open(resealed(b)) == .badOp)
        // Subgraphs: op range past the list, duplicate kind.
        #expect(open(poke(bytes, at: subg + 4, u16: 500)) == .badSubgraph)
        b = bytes; b[subg + 28] = b[subg]
        #expect(open(resealed(b)) == .badSubgraph)
    }

    @Test func opShapesMustFollowFromTheGeometry() throws {
        let ops = section(bytes, FileLayout.Tag.ops)
        let count = try LoadedModel.open(bytes: bytes).model.opCount
        let conv = (0..<count).first { bytes[ops + 16 * $0] == OpKind.conv.rawValue }!
        let transposed = (0..<count).first { bytes[ops + 16 * $0] == OpKind.transposedConv.rawValue }!
        #expect(open(bytes) == nil)
        // The first conv is 3x3, stride 2, "same" on 14x14: padding 0 (TensorFlow's rule). Padding
        // 1 is still inside the kernel, but that op would produce another picture: refused.
        #expect(bytes[ops + 16 * conv + 8] == 3 && bytes[ops + 16 * conv + 9] == 2 && bytes[ops + 16 * conv + 10] == 0)
        var b = bytes; b[ops + 16 * conv + 10] = 1
        #expect(open(resealed(b)) == .badOp)
        // A transposed conv whose stride does not turn its input size into its output size.
        b = bytes; b[ops + 16 * transposed + 9] = 3
        #expect(open(resealed(b)) == .badOp)
        // A kernel with more taps than the int32 accumulators allow (255·255·4 > 65,536).
        b = bytes; b[ops + 16 * conv + 8] = 255
        #expect(open(resealed(b)) == .badOp)
    }

    @Test func int16WeightsAreNarrowRange() throws {
        // An int16 export: every weight in ±32767. One weight set to −32768 (which the int16
        // kernels' int32 pair sums could not hold next to another) makes the file invalid.
        let (model, images) = tinyTrainedModel(vae: false)
        let wide = try ModelWriter.write(try Lowering.lower(model, calibration: images, options: QuantizationOptions(activations: .int16)))
        #expect(open(wide) == nil)
        let (tens, ops, cons) = (section(wide, FileLayout.Tag.tensors), section(wide, FileLayout.Tag.ops), section(wide, FileLayout.Tag.constants))
        let weights = try wide.withUnsafeBytes { raw throws -> Int in
            let base = raw.baseAddress!
            let op = try #require(OpRecord(base + ops))
            let (x, y) = (try #require(TensorRecord(base + tens + 20 * op.input)), try #require(TensorRecord(base + tens + 20 * op.output)))
            #expect(op.weightType == .int16)
            return cons + op.constants + WeightedLayout(op: op, weightType: .int16, input: x, output: y).weights
        }
        var b = wide; b[weights + 6] = 0x00; b[weights + 7] = 0x80
        #expect(open(resealed(b)) == .badOp)
        b[weights + 7] = 0x7F                           // 32512: fine
        #expect(open(resealed(b)) == nil)
    }

    @Test func toolsRefuseScalesTheyCannotComputeWith() throws {
        // The runtime never reads the float scales, so it accepts these files; the host tools,
        // which convert with them, must refuse them with an error that names the tensor.
        let tens = section(bytes, FileLayout.Tag.tensors)
        for bits: UInt32 in [0x7FC0_0000, 0xBF80_0000, 0, 0x7F80_0000] {   // NaN, −1, 0, +∞
            for t in [0, 3] {
                let b = poke(bytes, at: tens + 20 * t + 12, u32: bits)
                #expect(open(b) == nil)
                do {
                    _ = try LoadedModel.open(bytes: b, path: "m.mote")
                    Issue.record("scale bits \(bits) of tensor \(t) accepted")
                } catch let e as ModelFileError {
                    #expect(e.description.contains("tensor \(t) has quantization scale"), "\(e)")
                }
            }
        }
        _ = try LoadedModel.open(bytes: bytes)
    }

    @Test func randomHostileMutationsNeverCrash() {
        // Mutations anywhere after the header (its fields are covered above), resealed: most are rejected; whatever opens,
        // runs (the run inside `open`) without trapping or touching memory it was not given.
        var rng = SystemRandomNumberGenerator()
        var rejected = 0
        for _ in 0..<3000 {
            var b = bytes
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let at = Int.random(in: 32..<min(b.count, 1200), using: &rng)
                b[at] = UInt8.random(in: 0...255, using: &rng)
            }
            if open(resealed(b)) != nil { rejected += 1 }
        }
        #expect(rejected > 0)
    }
}
