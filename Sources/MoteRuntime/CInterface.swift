// The C interface (include/mote.h): open a model in place, size the arena, fill inputs, run
// a subgraph, read outputs, and turn error codes into sentences. Every function returns 0 or
// a ModelErrorCode; none allocates.

/// Bytes of the opaque `mote_model` struct in mote.h.
public let cModelStorageBytes = 128

@_cdecl("mote_required_arena")
public func mote_required_arena(_ model: UnsafeRawPointer?, _ size: Int, _ arenaBytes: UnsafeMutablePointer<Int>?) -> Int32 {
    guard let model, let arenaBytes else { return ModelErrorCode.badArgument.rawValue }
    do throws(ModelError) {
        arenaBytes.pointee = try MoteModel.requiredArenaBytes(UnsafeRawBufferPointer(start: model, count: size))
        return 0
    } catch { return error.code.rawValue }
}

@_cdecl("mote_open")
public func mote_open(_ handle: UnsafeMutableRawPointer?, _ model: UnsafeRawPointer?, _ size: Int,
                      _ arena: UnsafeMutableRawPointer?, _ arenaSize: Int, _ err: UnsafeMutableRawPointer?) -> Int32 {
    func fail(_ e: ModelError) -> Int32 {
        if let err {
            err.storeBytes(of: e.code.rawValue, as: Int32.self)
            err.storeBytes(of: e.index, toByteOffset: 4, as: Int32.self)
            err.storeBytes(of: e.detail.utf8Start, toByteOffset: 8, as: UnsafePointer<UInt8>.self)   // 8 on 32- and 64-bit
        }
        return e.code.rawValue
    }
    guard let handle, let model, MemoryLayout<MoteModel>.size <= cModelStorageBytes else { return fail(ModelError(.badArgument)) }
    do throws(ModelError) {
        let m = try MoteModel(model: UnsafeRawBufferPointer(start: model, count: size),
                              arena: UnsafeMutableRawBufferPointer(start: arena, count: arena == nil ? 0 : arenaSize))
        handle.bindMemory(to: MoteModel.self, capacity: 1).initialize(to: m)
        return 0
    } catch { return fail(error) }
}

/// The opened model behind a handle (used in place: a model is never copied), with the
/// subgraph number checked.
func opened(_ handle: UnsafeRawPointer?, _ subgraph: Int32) -> (UnsafePointer<MoteModel>, SubgraphKind)? {
    guard let handle, subgraph >= 0, subgraph <= 2, let kind = SubgraphKind(rawValue: UInt8(subgraph)) else { return nil }
    return (handle.assumingMemoryBound(to: MoteModel.self), kind)
}

/// Fills a `mote_tensor`: data pointer, then type, count, h, w, c, zero point (int32) and the
/// scale bits (uint32). The int32 fields start right after the pointer: offset 8 on 64-bit
/// targets, 4 on 32-bit ones (Cortex-M), as the C compiler lays the struct out.
func describe(_ m: borrowing MoteModel, _ t: TensorRecord, _ out: UnsafeMutableRawPointer) {
    out.storeBytes(of: m.data(t), as: UnsafeMutableRawPointer.self)
    let base = MemoryLayout<UnsafeMutableRawPointer>.size
    let fields: (Int32, Int32, Int32, Int32, Int32, Int32) = (Int32(t.type.rawValue), Int32(t.count), Int32(t.h), Int32(t.w), Int32(t.c), t.zeroPoint)
    out.storeBytes(of: fields.0, toByteOffset: base, as: Int32.self)
    out.storeBytes(of: fields.1, toByteOffset: base &+ 4, as: Int32.self)
    out.storeBytes(of: fields.2, toByteOffset: base &+ 8, as: Int32.self)
    out.storeBytes(of: fields.3, toByteOffset: base &+ 12, as: Int32.self)
    out.storeBytes(of: fields.4, toByteOffset: base &+ 16, as: Int32.self)
    out.storeBytes(of: fields.5, toByteOffset: base &+ 20, as: Int32.self)
    out.storeBytes(of: t.scaleBits, toByteOffset: base &+ 24, as: UInt32.self)
}

func tensorInfo(_ handle: UnsafeRawPointer?, _ subgraph: Int32, _ out: UnsafeMutableRawPointer?, input: Bool) -> Int32 {
    guard let (m, kind) = opened(handle, subgraph), let out else { return ModelErrorCode.badArgument.rawValue }
    guard let g = m.pointee.subgraph(kind) else { return ModelErrorCode.noSuchSubgraph.rawValue }
    describe(m.pointee, m.pointee.tensor(input ? g.input : g.output), out)
    return 0
}

@_cdecl("mote_input")
public func mote_input(_ handle: UnsafeRawPointer?, _ subgraph: Int32, _ out: UnsafeMutableRawPointer?) -> Int32 {
    tensorInfo(handle, subgraph, out, input: true)
}

@_cdecl("mote_output")
public func mote_output(_ handle: UnsafeRawPointer?, _ subgraph: Int32, _ out: UnsafeMutableRawPointer?) -> Int32 {
    tensorInfo(handle, subgraph, out, input: false)
}

@_cdecl("mote_set_input_pixels")
public func mote_set_input_pixels(_ handle: UnsafeRawPointer?, _ subgraph: Int32, _ pixels: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    guard let (m, kind) = opened(handle, subgraph), let pixels else { return ModelErrorCode.badArgument.rawValue }
    do throws(ModelError) { try m.pointee.setInput(kind, pixels: pixels, count: count); return 0 } catch { return error.code.rawValue }
}

@_cdecl("mote_get_output_pixels")
public func mote_get_output_pixels(_ handle: UnsafeRawPointer?, _ subgraph: Int32, _ pixels: UnsafeMutablePointer<UInt8>?, _ count: Int) -> Int32 {
    guard let (m, kind) = opened(handle, subgraph), let pixels else { return ModelErrorCode.badArgument.rawValue }
    do throws(ModelError) { try m.pointee.readOutput(kind, pixels: pixels, count: count); return 0 } catch { return error.code.rawValue }
}

@_cdecl("mote_rng_seed")
public func mote_rng_seed(_ rng: UnsafeMutableRawPointer?, _ seed: UInt32) {
    rng?.initializeMemory(as: Xoshiro128StarStar.self, to: Xoshiro128StarStar(seed: seed))
}

@_cdecl("mote_sample_latent")
public func mote_sample_latent(_ handle: UnsafeRawPointer?, _ rng: UnsafeMutableRawPointer?) -> Int32 {
    guard let (m, _) = opened(handle, 1), let rng else { return ModelErrorCode.badArgument.rawValue }
    let r = rng.assumingMemoryBound(to: Xoshiro128StarStar.self)
    do throws(ModelError) { try m.pointee.drawLatent(&r.pointee); return 0 } catch { return error.code.rawValue }
}

@_cdecl("mote_run")
public func mote_run(_ handle: UnsafeRawPointer?, _ subgraph: Int32, _ rng: UnsafeMutableRawPointer?) -> Int32 {
    guard let (m, kind) = opened(handle, subgraph) else { return ModelErrorCode.badArgument.rawValue }
    do throws(ModelError) { try m.pointee.run(kind, sampler: rng?.assumingMemoryBound(to: Xoshiro128StarStar.self)); return 0 }
    catch { return error.code.rawValue }
}

@_cdecl("mote_error_string")
public func mote_error_string(_ code: Int32) -> UnsafePointer<UInt8> {
    if code == 0 { return ("ok" as StaticString).utf8Start }
    guard let c = ModelErrorCode(rawValue: code) else { return ("unknown error code" as StaticString).utf8Start }
    return c.summary.utf8Start
}
