// Serializes a QuantizedGraph to the .mote format (docs/FORMAT.md): plans the arena, encodes
// the records and each op's constants block through the runtime's own definitions
// (Format/Records.swift, Ops/), writes the sections, and seals the file with its size and CRC-32.
import Foundation
import MoteRuntime

/// Little-endian byte sink; fixed-size records and constants blocks are encoded in place by
/// the runtime's own definitions (`reserve`).
struct ByteWriter {
    var bytes = [UInt8]()
    mutating func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func align(_ n: Int) { while bytes.count % n != 0 { bytes.append(0) } }
    mutating func patch(_ at: Int, u16 v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes.replaceSubrange(at..<(at + 2), with: $0) } }
    mutating func patch(_ at: Int, u32 v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.replaceSubrange(at..<(at + 4), with: $0) } }
    /// Appends `count` zero bytes and lets `fill` write them.
    mutating func reserve(_ count: Int, _ fill: (UnsafeMutableRawPointer) throws -> Void) rethrows {
        let at = bytes.count
        bytes += repeatElement(0, count: count)
        try bytes.withUnsafeMutableBytes { try fill($0.baseAddress! + at) }
    }
}

public enum ModelWriter {
    /// The .mote bytes of `graph`.
    public static func write(_ graph: QuantizedGraph) throws -> [UInt8] {
        let requests = lifetimeRequests(tensorBytes: graph.tensors.map { $0.shape.count * $0.quantization.type.bytes },
                                        names: graph.tensors.map(\.name), ops: graph.steps.map { ($0.input, $0.output) })
        let plan = planMemory(requests, alignment: FileLayout.arenaAlignment)

        var tensors = [TensorRecord]()
        for (i, t) in graph.tensors.enumerated() {
            let s = t.shape
            guard [s.h, s.w, s.c].allSatisfy({ $0 >= 1 && $0 <= 0xFFFF }) else { throw LoweringError("\(t.name): a dimension of \(s) does not fit 16 bits") }
            tensors.append(TensorRecord(type: t.elementType, zeroPoint: Int32(t.quantization.zeroPoint), h: s.h, w: s.w, c: s.c,
                                        scaleBits: Float(t.quantization.scale).bitPattern, offset: plan.offsets[i]))
        }

        // Op records, and their constants: one 8-aligned block per op that has any, laid out by
        // the op family's definition in the runtime (Ops/).
        var ops = [OpRecord](), cons = ByteWriter(), names = ByteWriter()
        for step in graph.steps {
            var r = OpRecord(kind: step.op.kind, input: step.input, output: step.output)
            cons.align(FileLayout.sectionAlignment)
            switch step.op {
            case let .weighted(w):
                guard [w.kernel, w.stride, w.padTop, w.padLeft].allSatisfy({ $0 >= 0 && $0 <= 255 }) else { throw LoweringError("\(step.name): kernel, stride or padding over 255") }
                let weightType: ElementType = w.weightType == .int8 ? .int8 : .int16
                (r.stage, r.weightType) = (w.stage.kind, weightType)
                (r.kernel, r.stride, r.padTop, r.padLeft) = (Int32(w.kernel), Int32(w.stride), Int32(w.padTop), Int32(w.padLeft))
                r.constants = cons.bytes.count
                let layout = WeightedLayout(op: r, weightType: weightType, input: tensors[step.input], output: tensors[step.output])
                guard let bytes = layout.bytes, layout.channels == w.bias.count, layout.channels * layout.taps == w.weights.count else {
                    throw LoweringError("\(step.name): the weights do not match the op's shapes")
                }
                do {
                    try cons.reserve(bytes) { block in
                        try layout.encode(into: block, kernel: w.kernel, weightType: weightType, inputZeroPoint: tensors[step.input].zeroPoint,
                                          stage: w.stage.kind) { part, i in
                            switch part {
                            case .bias: return w.bias[i]
                            case .multiplier: return Int64(w.stage.multipliers[i].multiplier)
                            case .shift: return Int64(w.stage.multipliers[i].shift)
                            case .negativeMultiplier: return Int64(w.stage.negativeMultipliers[i].multiplier)
                            case .negativeShift: return Int64(w.stage.negativeMultipliers[i].shift)
                            case .sigmoidTable: return Int64(sigmoidTableQ15[i])
                            case .weight: return Int64(w.weights[i])
                            }
                        }
                    }
                } catch let e as ModelError { throw LoweringError("\(step.name): \(e.detail)") }
            case let .maxPool(k, s, t, l):
                guard [k, s, t, l].allSatisfy({ $0 >= 0 && $0 <= 255 }) else { throw LoweringError("\(step.name): pool size, stride or padding over 255") }
                (r.kernel, r.stride, r.padTop, r.padLeft) = (Int32(k), Int32(s), Int32(t), Int32(l))
            case let .lookup(table):
                r.constants = cons.bytes.count
                cons.reserve(LookupOp.constantsBytes) { LookupOp.encode(into: $0) { table[$0] } }
            case let .sampling(sigma, mean, noise):
                r.constants = cons.bytes.count
                cons.reserve(SamplingOp.constantsBytes) {
                    SamplingOp.encode(into: $0, sigmaQ16: { sigma[$0] }, mean: (mean.multiplier, mean.shift), noise: (noise.multiplier, noise.shift))
                }
            case .resizeNearest, .zeroPad:
                break
            }
            ops.append(r)
            // Layer names without their "encoder." / "decoder." prefix: the subgraph ranges say it.
            names.bytes += Array(step.name.split(separator: ".", maxSplits: 1).last!.utf8) + [0]
        }

        var subgraphs = [SubgraphRecord]()
        let n = graph.steps.count
        let parts: [(SubgraphKind, Range<Int>, Int, Int)] = [(.encoder, 0..<graph.encoderSteps, graph.input, graph.latent),
                                                             (.decoder, graph.encoderSteps..<n, graph.latent, graph.output),
                                                             (.autoencoder, 0..<n, graph.input, graph.output)]
        // A decoder-only graph has no encoder, so no autoencoder either.
        for (kind, range, input, output) in parts where !range.isEmpty && !(kind == .autoencoder && graph.encoderSteps == 0) {
            let inM = try QuantizedMultiplier(pow(2, -16) / graph.tensors[input].quantization.scale)
            let outM = try QuantizedMultiplier(graph.tensors[output].quantization.scale * 65536)
            subgraphs.append(SubgraphRecord(kind: kind, firstOp: range.lowerBound, opCount: range.count, input: input, output: output,
                                            inputMultiplier: inM.multiplier, inputShift: inM.shift,
                                            outputMultiplier: outM.multiplier, outputShift: outM.shift))
        }

        // Per-channel factors of equalized tensors: u16 tensor, u16 count, count × f32.
        var chsc = ByteWriter()
        for (i, t) in graph.tensors.enumerated() {
            guard let f = t.channelScales else { continue }
            chsc.u16(UInt16(i)); chsc.u16(UInt16(f.count))
            for v in f { chsc.u32(v.bitPattern) }
        }

        func records<R>(_ list: [R], _ size: Int, _ encode: (R, UnsafeMutableRawPointer) -> Void) -> [UInt8] {
            var w = ByteWriter()
            for r in list { w.reserve(size) { encode(r, $0) } }
            return w.bytes
        }
        // Header, section table, then the sections, each 8-aligned.
        var sections: [(UInt32, [UInt8])] = [
            (FileLayout.Tag.tensors, records(tensors, TensorRecord.recordBytes) { $0.encode(into: $1) }),
            (FileLayout.Tag.ops, records(ops, OpRecord.recordBytes) { $0.encode(into: $1) }),
            (FileLayout.Tag.subgraphs, records(subgraphs, SubgraphRecord.recordBytes) { $0.encode(into: $1) }),
            (FileLayout.Tag.names, names.bytes), (FileLayout.Tag.constants, cons.bytes)]
        if !chsc.bytes.isEmpty { sections.append((FileLayout.Tag.channelScales, chsc.bytes)) }
        typealias H = FileLayout.Header
        typealias E = FileLayout.SectionEntry
        var file = ByteWriter()
        file.reserve(FileLayout.headerBytes + sections.count * FileLayout.sectionEntryBytes) { _ in }
        file.patch(H.magic, u32: FileLayout.magic)
        file.patch(H.major, u16: FileLayout.major); file.patch(H.minor, u16: FileLayout.minor)
        file.patch(H.arenaBytes, u32: UInt32(plan.arenaBytes))
        file.patch(H.sectionCount, u16: UInt16(sections.count))
        for (k, (tag, body)) in sections.enumerated() {
            file.align(FileLayout.sectionAlignment)
            let at = FileLayout.headerBytes + k * FileLayout.sectionEntryBytes
            file.patch(at + E.tag, u32: tag); file.patch(at + E.offset, u32: UInt32(file.bytes.count)); file.patch(at + E.length, u32: UInt32(body.count))
            file.bytes += body
        }
        file.patch(H.fileBytes, u32: UInt32(file.bytes.count))
        file.patch(H.checksum, u32: file.bytes.withUnsafeBytes { crc32(UnsafeRawBufferPointer(rebasing: $0[FileLayout.checksumStart...])) })
        return file.bytes
    }
}
