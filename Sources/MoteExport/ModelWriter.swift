// Serializes a QuantizedGraph to the .mote format (docs/FORMAT.md): plans the arena, lays out
// each op's constants block, writes the records and sections, and seals the file with its
// size and CRC-32. The runtime's FileLayout.swift reads the same bytes.
import Foundation
import MoteRuntime

/// Little-endian byte sink.
struct ByteWriter {
    var bytes = [UInt8]()
    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func i16(_ v: Int16) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func i32(_ v: Int32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func i64(_ v: Int64) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func align(_ n: Int) { while bytes.count % n != 0 { bytes.append(0) } }
    mutating func patch(_ at: Int, u32 v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.replaceSubrange(at..<(at + 4), with: $0) } }
}

/// [out][r] int8 weights (r = tap · inC + ic) in the packed SIMD layout: per block of 16
/// channels, the quads of r as [16 channels][4], then the R mod 4 rest as [16 channels][rest].
public func packForSIMD(_ weights: [Int32], channels: Int) -> [Int8] {
    let r = weights.count / channels, quads = r / 4, rest = r % 4
    var out = [Int8](repeating: 0, count: weights.count)
    for c in 0..<channels {
        let (block, lane) = (c / 16, c % 16)
        let base = block * 16 * r
        for i in 0..<r {
            let at = i < quads * 4 ? ((i / 4) * 16 + lane) * 4 + i % 4 : quads * 64 + lane * rest + (i - quads * 4)
            out[base + at] = Int8(weights[c * r + i])
        }
    }
    return out
}

public enum ModelWriter {
    /// The .mote bytes of `graph`.
    public static func write(_ graph: QuantizedGraph) throws -> [UInt8] {
        let requests = lifetimeRequests(tensorBytes: graph.tensors.map { $0.shape.count * $0.quantization.type.bytes },
                                        names: graph.tensors.map(\.name), ops: graph.steps.map { ($0.input, $0.output) })
        let plan = planMemory(requests, alignment: FileLayout.arenaAlignment)

        // Constants: one 8-aligned block per op that has any.
        var cons = ByteWriter()
        var blockOffsets = [Int]()
        for step in graph.steps {
            cons.align(FileLayout.sectionAlignment)
            blockOffsets.append(cons.bytes.count)
            switch step.op {
            case let .weighted(w):
                let wide = graph.tensors[step.input].quantization.type == .int16 || w.weightType == .int16
                for b in w.bias { if wide { cons.i64(b) } else { cons.i32(Int32(b)) } }
                for m in w.stage.multipliers { cons.i32(m.multiplier) }
                for m in w.stage.multipliers { cons.i32(m.shift) }
                if w.stage.kind == .leakyRelu {
                    for m in w.stage.negativeMultipliers { cons.i32(m.multiplier) }
                    for m in w.stage.negativeMultipliers { cons.i32(m.shift) }
                }
                if w.stage.kind == .sigmoid { for v in sigmoidTableQ15 { cons.i32(v) } }
                if usesPackedWeights(wideAccumulator: wide, channels: w.bias.count) {
                    // Interior pixels: Σ (x + 128) · w + bias − (zp + 128) · Σ w, the sum over the
                    // taps a pixel of each stride phase (py, px) uses: all, or for a transposed
                    // conv those with ky ≡ py and kx ≡ px (mod s).
                    let zp = Int64(graph.tensors[step.input].quantization.zeroPoint) + 128
                    let r = w.weights.count / w.bias.count, k = w.kernel, inC = r / max(k * k, 1)
                    let phases = w.kind == .transposedConv ? w.stride : 1
                    for py in 0..<phases {
                        for px in 0..<phases {
                            for c in w.bias.indices {
                                var sum: Int64 = 0
                                for i in 0..<r {
                                    let tap = i / inC
                                    if phases > 1 && ((tap / k) % phases != py || (tap % k) % phases != px) { continue }
                                    sum += Int64(w.weights[c * r + i])
                                }
                                guard let v = Int32(exactly: w.bias[c] - zp * sum) else { throw LoweringError("\(step.name): folded bias out of int32 range") }
                                cons.i32(v)
                            }
                        }
                    }
                    for v in packForSIMD(w.weights, channels: w.bias.count) { cons.u8(UInt8(bitPattern: v)) }
                } else {
                    for v in w.weights { if w.weightType == .int8 { cons.u8(UInt8(bitPattern: Int8(v))) } else { cons.i16(Int16(v)) } }
                }
            case let .lookup(table):
                for v in table { cons.u8(UInt8(bitPattern: v)) }
            case let .sampling(sigma, mean, noise):
                for v in sigma { cons.i32(v) }
                for m in [mean, noise] { cons.i32(m.multiplier); cons.i32(m.shift) }
            case .maxPool, .resizeNearest, .zeroPad:
                blockOffsets[blockOffsets.count - 1] = 0
            }
        }

        var tens = ByteWriter()
        for (i, t) in graph.tensors.enumerated() {
            let s = t.shape
            guard [s.h, s.w, s.c].allSatisfy({ $0 >= 1 && $0 <= 0xFFFF }) else { throw LoweringError("\(t.name): a dimension of \(s) does not fit 16 bits") }
            tens.u8(t.elementType.rawValue); tens.u8(0)
            tens.i16(Int16(t.quantization.zeroPoint))
            tens.u16(UInt16(s.h)); tens.u16(UInt16(s.w)); tens.u16(UInt16(s.c)); tens.u16(0)
            tens.u32(Float(t.quantization.scale).bitPattern)
            tens.u32(UInt32(plan.offsets[i]))
        }

        var ops = ByteWriter(), names = ByteWriter()
        for (i, step) in graph.steps.enumerated() {
            var stage = StageKind.linear, weightType: UInt8 = 0
            var (kernel, stride, padTop, padLeft) = (0, 0, 0, 0)
            switch step.op {
            case let .weighted(w):
                stage = w.stage.kind
                weightType = w.weightType == .int8 ? ElementType.int8.rawValue : ElementType.int16.rawValue
                (kernel, stride, padTop, padLeft) = (w.kernel, w.stride, w.padTop, w.padLeft)
            case let .maxPool(k, s, t, l):
                (kernel, stride, padTop, padLeft) = (k, s, t, l)
            default: break
            }
            guard [kernel, stride, padTop, padLeft].allSatisfy({ $0 >= 0 && $0 <= 255 }) else { throw LoweringError("\(step.name): kernel, stride or padding over 255") }
            ops.u8(step.op.kind.rawValue); ops.u8(stage.rawValue); ops.u8(weightType); ops.u8(0)
            ops.u16(UInt16(step.input)); ops.u16(UInt16(step.output))
            ops.u8(UInt8(kernel)); ops.u8(UInt8(stride)); ops.u8(UInt8(padTop)); ops.u8(UInt8(padLeft))
            ops.u32(UInt32(blockOffsets[i]))
            // Layer names without their "encoder." / "decoder." prefix: the subgraph ranges say it.
            names.bytes += Array(step.name.split(separator: ".", maxSplits: 1).last!.utf8) + [0]
        }

        var subg = ByteWriter()
        let n = graph.steps.count
        let parts: [(SubgraphKind, Range<Int>, Int, Int)] = [(.encoder, 0..<graph.encoderSteps, graph.input, graph.latent),
                                                             (.decoder, graph.encoderSteps..<n, graph.latent, graph.output),
                                                             (.autoencoder, 0..<n, graph.input, graph.output)]
        // A decoder-only graph has no encoder, so no autoencoder either.
        for (kind, ops, input, output) in parts where !ops.isEmpty && !(kind == .autoencoder && graph.encoderSteps == 0) {
            let inM = try QuantizedMultiplier(pow(2, -16) / graph.tensors[input].quantization.scale)
            let outM = try QuantizedMultiplier(graph.tensors[output].quantization.scale * 65536)
            subg.u8(kind.rawValue); subg.u8(0)
            subg.u16(UInt16(ops.lowerBound)); subg.u16(UInt16(ops.count))
            subg.u16(UInt16(input)); subg.u16(UInt16(output)); subg.u16(0)
            subg.i32(inM.multiplier); subg.i32(inM.shift); subg.i32(outM.multiplier); subg.i32(outM.shift)
        }

        // Per-channel factors of equalized tensors: u16 tensor, u16 count, count × f32.
        var chsc = ByteWriter()
        for (i, t) in graph.tensors.enumerated() {
            guard let f = t.channelScales else { continue }
            chsc.u16(UInt16(i)); chsc.u16(UInt16(f.count))
            for v in f { chsc.u32(v.bitPattern) }
        }

        // Header, section table, then the sections, each 8-aligned.
        var sections: [(UInt32, [UInt8])] = [(FileLayout.Tag.tensors, tens.bytes), (FileLayout.Tag.ops, ops.bytes),
                                             (FileLayout.Tag.subgraphs, subg.bytes), (FileLayout.Tag.names, names.bytes),
                                             (FileLayout.Tag.constants, cons.bytes)]
        if !chsc.bytes.isEmpty { sections.append((FileLayout.Tag.channelScales, chsc.bytes)) }
        var file = ByteWriter()
        file.u32(FileLayout.magic); file.u16(FileLayout.major); file.u16(FileLayout.minor)
        file.u32(0); file.u32(0)                       // size and CRC, patched below
        file.u32(UInt32(plan.arenaBytes)); file.u16(UInt16(sections.count)); file.u16(0)
        file.u32(0); file.u32(0)
        let table = file.bytes.count
        for _ in sections { file.u32(0); file.u32(0); file.u32(0) }
        for (k, (tag, body)) in sections.enumerated() {
            file.align(FileLayout.sectionAlignment)
            let at = table + k * FileLayout.sectionEntryBytes
            file.patch(at, u32: tag); file.patch(at + 4, u32: UInt32(file.bytes.count)); file.patch(at + 8, u32: UInt32(body.count))
            file.bytes += body
        }
        file.patch(8, u32: UInt32(file.bytes.count))
        file.patch(12, u32: file.bytes.withUnsafeBytes { crc32(UnsafeRawBufferPointer(rebasing: $0[FileLayout.checksumStart...])) })
        return file.bytes
    }
}
