// Opening a .mote model: the file's bytes are read in place (never copied) and every offset,
// count, shape, type and multiplier is validated once here, against the file and the caller's
// arena (Validation.swift; each op by its family in Ops/). After `init` succeeds the interpreter runs without checks and cannot read or write
// outside the two buffers.

public struct MoteModel: ~Copyable {
    public let file: UnsafeRawPointer
    public let fileBytes: Int
    public let arena: UnsafeMutableRawPointer
    /// Bytes of arena the model uses (from the header).
    public let arenaBytes: Int
    @usableFromInline let tensors: UnsafeRawPointer
    public let tensorCount: Int
    @usableFromInline let ops: UnsafeRawPointer
    public let opCount: Int
    @usableFromInline let subgraphs: UnsafeRawPointer
    public let subgraphCount: Int
    @usableFromInline let constants: UnsafeRawPointer
    /// The optional NAME section (op names, NUL-terminated, in op order), or nil.
    public let names: UnsafeRawBufferPointer?

    /// The arena size a model needs, after checking its header and checksum (to size the
    /// buffer before opening).
    public static func requiredArenaBytes(_ model: UnsafeRawBufferPointer) throws(ModelError) -> Int {
        let header = try checkHeader(model)
        return Int(header.u32(FileLayout.Header.arenaBytes))
    }

    static func checkHeader(_ model: UnsafeRawBufferPointer) throws(ModelError) -> UnsafeRawPointer {
        guard let p = model.baseAddress, model.count >= FileLayout.headerBytes else { throw ModelError(.truncated) }
        guard p.u32(FileLayout.Header.magic) == FileLayout.magic else { throw ModelError(.badMagic) }
        guard p.u16(FileLayout.Header.major) == FileLayout.major else { throw ModelError(.unsupportedVersion) }
        let size = Int(p.u32(FileLayout.Header.fileBytes))
        guard size >= FileLayout.headerBytes, size <= model.count else { throw ModelError(.truncated) }
        let body = UnsafeRawBufferPointer(start: p + FileLayout.checksumStart, count: size &- FileLayout.checksumStart)
        guard crc32(body) == p.u32(FileLayout.Header.checksum) else { throw ModelError(.checksumMismatch) }
        return p
    }

    public init(model: UnsafeRawBufferPointer, arena: UnsafeMutableRawBufferPointer) throws(ModelError) {
        let p = try Self.checkHeader(model)
        guard UInt(bitPattern: p) % UInt(FileLayout.sectionAlignment) == 0 else { throw ModelError(.misalignedModel) }
        // Every field is worked out in locals and assigned at the end: a noncopyable value is
        // either wholly initialized or not at all when a check fails.
        let size = Int(p.u32(FileLayout.Header.fileBytes))
        let arenaBytes = Int(p.u32(FileLayout.Header.arenaBytes))
        guard arenaBytes <= Int(Int32.max) else { throw ModelError(.badTensor, "the arena size is over 2^31 bytes") }
        guard let a = arena.baseAddress ?? (arenaBytes == 0 ? UnsafeMutableRawPointer(mutating: p) : nil) else { throw ModelError(.arenaTooSmall) }
        guard arena.count >= arenaBytes else { throw ModelError(.arenaTooSmall) }
        guard UInt(bitPattern: a) % UInt(FileLayout.arenaAlignment) == 0 else { throw ModelError(.misalignedArena) }

        // Section table.
        let sectionCount = Int(p.u16(FileLayout.Header.sectionCount))
        let tableEnd = FileLayout.headerBytes &+ sectionCount &* FileLayout.sectionEntryBytes
        guard tableEnd <= size else { throw ModelError(.badSectionTable, "the section table runs past the end of the file") }
        var found: (t: (Int, Int)?, o: (Int, Int)?, s: (Int, Int)?, c: (Int, Int)?, n: (Int, Int)?) = (nil, nil, nil, nil, nil)
        for i in 0..<sectionCount {
            let e = FileLayout.headerBytes &+ i &* FileLayout.sectionEntryBytes
            let tag = p.u32(e &+ FileLayout.SectionEntry.tag), offset = Int(p.u32(e &+ FileLayout.SectionEntry.offset)),
                length = Int(p.u32(e &+ FileLayout.SectionEntry.length))
            guard offset >= tableEnd, offset <= size, length <= size &- offset else { throw ModelError(.badSectionTable, index: i, "a section lies outside the file") }
            guard offset % FileLayout.sectionAlignment == 0 else { throw ModelError(.badSectionTable, index: i, "a section is not 8-byte aligned") }
            let span = (offset, length)
            switch tag {
            case FileLayout.Tag.tensors: if found.t != nil { throw ModelError(.badSectionTable, index: i, "TENS appears twice") }; found.t = span
            case FileLayout.Tag.ops: if found.o != nil { throw ModelError(.badSectionTable, index: i, "OPS_ appears twice") }; found.o = span
            case FileLayout.Tag.subgraphs: if found.s != nil { throw ModelError(.badSectionTable, index: i, "SUBG appears twice") }; found.s = span
            case FileLayout.Tag.constants: if found.c != nil { throw ModelError(.badSectionTable, index: i, "CONS appears twice") }; found.c = span
            case FileLayout.Tag.names: if found.n != nil { throw ModelError(.badSectionTable, index: i, "NAME appears twice") }; found.n = span
            default: break   // a section from a later minor version: skipped
            }
        }
        guard let t = found.t, let o = found.o, let s = found.s, let c = found.c else { throw ModelError(.missingSection) }
        guard t.1 % TensorRecord.recordBytes == 0, t.1 / TensorRecord.recordBytes <= 0xFFFF,
              o.1 % OpRecord.recordBytes == 0, o.1 / OpRecord.recordBytes <= 0xFFFF,
              s.1 % SubgraphRecord.recordBytes == 0 else { throw ModelError(.badSectionTable, "a section's length is not a whole number of records") }
        let sections = Sections(tensors: p + t.0, tensorCount: t.1 / TensorRecord.recordBytes, ops: p + o.0, opCount: o.1 / OpRecord.recordBytes,
                                subgraphs: p + s.0, subgraphCount: s.1 / SubgraphRecord.recordBytes, constants: p + c.0, constantsBytes: c.1,
                                arenaBytes: arenaBytes)
        try sections.validate()

        file = p; fileBytes = size; self.arenaBytes = arenaBytes; self.arena = a
        tensors = sections.tensors; tensorCount = sections.tensorCount
        ops = sections.ops; opCount = sections.opCount
        subgraphs = sections.subgraphs; subgraphCount = sections.subgraphCount
        constants = sections.constants
        names = found.n.map { UnsafeRawBufferPointer(start: p + $0.0, count: $0.1) }

    }

    @inlinable public func tensor(_ i: Int) -> TensorRecord { TensorRecord(tensors + i &* TensorRecord.recordBytes)! }
    @inlinable public func op(_ i: Int) -> OpRecord { OpRecord(ops + i &* OpRecord.recordBytes)! }

    /// The record of a subgraph, or nil when the model has none of that kind.
    public func subgraph(_ kind: SubgraphKind) -> SubgraphRecord? {
        for i in 0..<subgraphCount {
            let g = SubgraphRecord(subgraphs + i &* SubgraphRecord.recordBytes)!
            if g.kind == kind { return g }
        }
        return nil
    }

    /// The file's format version.
    public var version: (major: UInt16, minor: UInt16) { (file.u16(FileLayout.Header.major), file.u16(FileLayout.Header.minor)) }

    /// A section's bytes, found through the (validated) section table; nil when the file has none
    /// with this tag. For tools that read sections the runtime skips (NAME, CHSC).
    public func section(_ tag: UInt32) -> UnsafeRawBufferPointer? {
        for i in 0..<Int(file.u16(FileLayout.Header.sectionCount)) {
            let e = FileLayout.headerBytes &+ i &* FileLayout.sectionEntryBytes
            guard file.u32(e &+ FileLayout.SectionEntry.tag) == tag else { continue }
            return UnsafeRawBufferPointer(start: file + Int(file.u32(e &+ FileLayout.SectionEntry.offset)),
                                          count: Int(file.u32(e &+ FileLayout.SectionEntry.length)))
        }
        return nil
    }

    /// A tensor's values in the arena.
    @inlinable public func data(_ t: TensorRecord) -> UnsafeMutableRawPointer { arena + t.offset }
}
