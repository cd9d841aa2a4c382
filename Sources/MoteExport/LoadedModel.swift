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
    /// Per-channel factors of equalized tensors (the optional CHSC section), by tensor index.
    public let channelScales: [Int: [Float]]

    init(storage: UnsafeMutableRawBufferPointer, arena: UnsafeMutableRawBufferPointer, model: consuming MoteModel, channelScales: [Int: [Float]]) {
        self.storage = storage; arenaStorage = arena; self.model = model; self.channelScales = channelScales
        var names = self.model.names.map { $0.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) } } ?? []
        let opCount = self.model.opCount
        if names.count < opCount { names += (names.count..<opCount).map { "op\($0)" } }
        // The file stores bare layer names; the subgraph an op belongs to is its prefix.
        let encoderOps = self.model.subgraph(.encoder).map { $0.firstOp..<($0.firstOp + $0.opCount) } ?? 0..<0
        opNames = (0..<opCount).map { (encoderOps.contains($0) ? "encoder." : "decoder.") + names[$0] }
    }

    /// Checks what only tools read — every tensor's real-valued scale and the CHSC section — and
    /// returns the per-channel factors. The runtime never reads these floats; the tools convert
    /// with them, so a NaN, infinite, zero or negative one is refused here rather than trapping later.
    static func toolFields(_ model: borrowing MoteModel, path: String) throws(ModelFileError) -> [Int: [Float]] {
        for i in 0..<model.tensorCount {
            let s = Float(bitPattern: model.tensor(i).scaleBits)
            guard plausibleScale(s) else {
                throw ModelFileError(description: "\(path): tensor \(i) has quantization scale \(s), not a finite number in [1e-30, 1e30]: the file is damaged or was not written by mote export")
            }
        }
        var scales = [Int: [Float]]()
        guard let chsc = model.section(FileLayout.Tag.channelScales) else { return scales }
        var at = 0
        while at + 4 <= chsc.count {
            let t = Int(chsc.loadUnaligned(fromByteOffset: at, as: UInt16.self)), n = Int(chsc.loadUnaligned(fromByteOffset: at + 2, as: UInt16.self))
            guard n > 0, at + 4 + 4 * n <= chsc.count, t < model.tensorCount, model.tensor(t).count % n == 0, scales[t] == nil else {
                throw ModelFileError(description: "\(path): the CHSC section's record at byte \(at) is malformed (tensor \(t), \(n) channels)")
            }
            let factors = (0..<n).map { Float(bitPattern: chsc.loadUnaligned(fromByteOffset: at + 4 + 4 * $0, as: UInt32.self)) }
            guard factors.allSatisfy(plausibleScale) else {
                throw ModelFileError(description: "\(path): the CHSC section's factors for tensor \(t) are not all finite numbers in [1e-30, 1e30]")
            }
            scales[t] = factors
            at += 4 + 4 * n
        }
        return scales
    }

    /// A scale or channel factor a tool can divide and multiply by without leaving the finite floats.
    static func plausibleScale(_ s: Float) -> Bool { s.isFinite && s >= 1e-30 && s <= 1e30 }

    /// Opens `bytes` (copied once into an aligned buffer, as a board's flash would hold them);
    /// a file the runtime rejects gives an error that says why.
    public static func open(bytes: [UInt8], path: String = "model") throws -> LoadedModel {
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        bytes.withUnsafeBytes { storage.copyMemory(from: $0) }
        let view = UnsafeRawBufferPointer(rebasing: storage[0..<bytes.count])
        var arena: UnsafeMutableRawBufferPointer?
        let model: MoteModel
        do throws(ModelError) {
            let arenaBytes = try MoteModel.requiredArenaBytes(view)
            arena = .allocate(byteCount: max(arenaBytes, 1), alignment: FileLayout.arenaAlignment)
            model = try MoteModel(model: view, arena: arena!)
        } catch {
            storage.deallocate(); arena?.deallocate()
            var s = "\(path): \(error.code.summary)"
            if error.index >= 0 { s += " (record \(error.index))" }
            if error.detail.utf8CodeUnitCount > 0 { s += ": \(error.detail)" }
            throw ModelFileError(description: s)
        }
        do {
            let scales = try toolFields(model, path: path)
            return LoadedModel(storage: storage, arena: arena!, model: model, channelScales: scales)
        } catch {
            storage.deallocate(); arena!.deallocate()
            throw error
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

    /// Quantizes real `values` into tensor `index`.
    public func write(_ values: UnsafeBufferPointer<Float>, to index: Int) {
        let t = model.tensor(index), s = scale(t), zp = Double(t.zeroPoint), f = channelScales[index]
        let (lo, hi) = (Double(t.type.levels.min), Double(t.type.levels.max))
        for i in 0..<t.count {
            let v = Double(values[i]) / Double(f?[i % f!.count] ?? 1)
            let r = (v / s).rounded(.toNearestOrAwayFromZero) + zp
            let q = r.isNaN ? zp : min(max(r, lo), hi)     // NaN in: the zero point, never a trap
            if t.type == .int8 { model.data(t).assumingMemoryBound(to: Int8.self)[i] = Int8(q) }
            else { model.data(t).assumingMemoryBound(to: Int16.self)[i] = Int16(q) }
        }
    }

    /// Tensor `index`'s values, dequantized (equalized channels scaled back).
    public func read(_ index: Int) -> [Float] {
        let t = model.tensor(index), s = scale(t), zp = Int(t.zeroPoint), f = channelScales[index]
        return (0..<t.count).map { i in
            let q = t.type == .int8 ? Int(model.data(t).assumingMemoryBound(to: Int8.self)[i]) : Int(model.data(t).assumingMemoryBound(to: Int16.self)[i])
            return Float(s * Double(q - zp) * Double(f?[i % f!.count] ?? 1))
        }
    }

    /// Runs a subgraph on real inputs and returns its real outputs.
    public func run(_ kind: SubgraphKind, input: [Float], sampler: UnsafeMutablePointer<Xoshiro128StarStar>? = nil) throws -> [Float] {
        let g = try subgraph(kind)
        let t = model.tensor(g.input)
        guard input.count == t.count else { throw ModelFileError(description: "the \(kind) takes \(t.count) values, not \(input.count)") }
        input.withUnsafeBufferPointer { write($0, to: g.input) }
        try model.run(kind, sampler: sampler)
        return read(g.output)
    }

    /// The real values tensor `index` can hold: its quantization range, which for a latent is
    /// the range the exporter calibrated it on.
    public func representableRange(_ index: Int) -> ClosedRange<Double> {
        let t = model.tensor(index), s = scale(t), zp = Double(t.zeroPoint)
        return s * (Double(t.type.levels.min) - zp)...s * (Double(t.type.levels.max) - zp)
    }

    /// `count` latents drawn N(0, 1) by the runtime's integer sampler in order, as real values:
    /// the draws a board seeded with `seed` makes.
    public func drawLatents(count: Int, seed: UInt32) throws -> [[Float]] {
        let g = try subgraph(.decoder)
        var rng = Xoshiro128StarStar(seed: seed)
        return try (0..<count).map { _ in
            try model.drawLatent(&rng)
            return read(g.input)
        }
    }

    /// True for a VAE: its encoder ends by sampling z from [z_mean | z_log_var].
    public var samplesLatent: Bool { (0..<model.opCount).contains { model.op($0).kind == .sampling } }

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
