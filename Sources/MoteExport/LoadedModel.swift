// A .mote file opened on the host through the runtime itself (the same validation and
// kernels a board runs), with the conveniences tools need: names, real-valued scales, float
// inputs and outputs, and the intermediate tensor after any op.
import Foundation
import MoteRuntime

public struct ModelFileError: Error, CustomStringConvertible {
    public var description: String
}

public final class LoadedModel {
    let storage: UnsafeMutableRawBufferPointer
    let arenaStorage: UnsafeMutableRawBufferPointer
    public let model: MoteModel
    public let opNames: [String]

    init(storage: UnsafeMutableRawBufferPointer, arena: UnsafeMutableRawBufferPointer, model: MoteModel) {
        self.storage = storage; arenaStorage = arena; self.model = model
        var names = model.names.map { $0.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) } } ?? []
        if names.count < model.opCount { names += (names.count..<model.opCount).map { "op\($0)" } }
        // The file stores bare layer names; the subgraph an op belongs to is its prefix.
        let encoderOps = model.subgraph(.encoder).map { $0.firstOp..<($0.firstOp + $0.opCount) } ?? 0..<0
        opNames = (0..<model.opCount).map { (encoderOps.contains($0) ? "encoder." : "decoder.") + names[$0] }
    }

    /// Opens `bytes` (copied once into an aligned buffer, as a board's flash would hold them);
    /// a file the runtime rejects gives an error that says why.
    public static func open(bytes: [UInt8], path: String = "model") throws -> LoadedModel {
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        bytes.withUnsafeBytes { storage.copyMemory(from: $0) }
        let view = UnsafeRawBufferPointer(rebasing: storage[0..<bytes.count])
        var arena: UnsafeMutableRawBufferPointer?
        do throws(ModelError) {
            let arenaBytes = try MoteModel.requiredArenaBytes(view)
            arena = .allocate(byteCount: max(arenaBytes, 1), alignment: FileLayout.arenaAlignment)
            return LoadedModel(storage: storage, arena: arena!, model: try MoteModel(model: view, arena: arena!))
        } catch {
            storage.deallocate(); arena?.deallocate()
            var s = "\(path): \(error.code.summary)"
            if error.index >= 0 { s += " (record \(error.index))" }
            if error.detail.utf8CodeUnitCount > 0 { s += ": \(error.detail)" }
            throw ModelFileError(description: s)
        }
    }

    public static func open(path: String) throws -> LoadedModel {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelFileError(description: "\(path): cannot read the file (does it exist?)")
        }
        return try open(bytes: [UInt8](data), path: path)
    }

    deinit { storage.deallocate(); arenaStorage.deallocate() }

    public func scale(_ t: TensorRecord) -> Double { Double(Float(bitPattern: t.scaleBits)) }

    public func subgraph(_ kind: SubgraphKind) throws -> SubgraphRecord {
        guard let g = model.subgraph(kind) else { throw ModelFileError(description: "the model has no \(kind) subgraph") }
        return g
    }

    /// Quantizes real `values` into tensor `t`.
    public func write(_ values: UnsafeBufferPointer<Float>, to t: TensorRecord) {
        let s = scale(t), zp = Double(t.zeroPoint)
        let (lo, hi) = t.type == .int8 ? (-128.0, 127.0) : (-32767.0, 32767.0)
        for i in 0..<t.count {
            let q = min(max((Double(values[i]) / s).rounded(.toNearestOrAwayFromZero) + zp, lo), hi)
            if t.type == .int8 { model.data(t).assumingMemoryBound(to: Int8.self)[i] = Int8(q) }
            else { model.data(t).assumingMemoryBound(to: Int16.self)[i] = Int16(q) }
        }
    }

    /// Tensor `t`'s values, dequantized.
    public func read(_ t: TensorRecord) -> [Float] {
        let s = scale(t), zp = Int(t.zeroPoint)
        return (0..<t.count).map { i in
            let q = t.type == .int8 ? Int(model.data(t).assumingMemoryBound(to: Int8.self)[i]) : Int(model.data(t).assumingMemoryBound(to: Int16.self)[i])
            return Float(s * Double(q - zp))
        }
    }

    /// Runs a subgraph on real inputs and returns its real outputs.
    public func run(_ kind: SubgraphKind, input: [Float], sampler: UnsafeMutablePointer<Xoshiro128StarStar>? = nil) throws -> [Float] {
        let g = try subgraph(kind)
        let t = model.tensor(g.input)
        guard input.count == t.count else { throw ModelFileError(description: "the \(kind) takes \(t.count) values, not \(input.count)") }
        input.withUnsafeBufferPointer { write($0, to: t) }
        try model.run(kind, sampler: sampler)
        return read(model.tensor(g.output))
    }

    /// Multiply-accumulates of one run of each op (the cost `mote inspect` and the benchmark report).
    public func macs(op i: Int) -> Int {
        let r = model.op(i), x = model.tensor(r.input), y = model.tensor(r.output)
        switch r.kind {
        case .conv: return y.count * Int(r.kernel * r.kernel) * x.c
        case .transposedConv: return x.count * Int(r.kernel * r.kernel) * y.c
        case .dense: return x.count * y.count
        default: return 0
        }
    }
}
