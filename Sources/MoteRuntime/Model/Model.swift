// Opening a .mote model: the file's bytes are read in place (never copied) and every offset,
// count, shape, type and multiplier is validated once here, against the file and the caller's
// arena (each op by its family in Ops/). After `init` succeeds the interpreter runs without checks and cannot read or write
// outside the two buffers.

public struct MoteModel {
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
        let size = Int(p.u32(FileLayout.Header.fileBytes))
        file = p; fileBytes = size
        arenaBytes = Int(p.u32(FileLayout.Header.arenaBytes))
        guard arenaBytes <= Int(Int32.max) else { throw ModelError(.badTensor, "the arena size is over 2^31 bytes") }
        guard let a = arena.baseAddress ?? (arenaBytes == 0 ? UnsafeMutableRawPointer(mutating: p) : nil) else { throw ModelError(.arenaTooSmall) }
        guard arena.count >= arenaBytes else { throw ModelError(.arenaTooSmall) }
        guard UInt(bitPattern: a) % UInt(FileLayout.arenaAlignment) == 0 else { throw ModelError(.misalignedArena) }
        self.arena = a

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
        tensors = p + t.0; tensorCount = t.1 / TensorRecord.recordBytes
        ops = p + o.0; opCount = o.1 / OpRecord.recordBytes
        subgraphs = p + s.0; subgraphCount = s.1 / SubgraphRecord.recordBytes
        constants = p + c.0
        names = found.n.map { UnsafeRawBufferPointer(start: p + $0.0, count: $0.1) }

        for i in 0..<tensorCount { try validateTensor(i) }
        for i in 0..<opCount { try validateOp(i, constantsBytes: c.1) }
        var seen: UInt8 = 0
        for i in 0..<subgraphCount {
            guard let g = SubgraphRecord(subgraphs + i &* SubgraphRecord.recordBytes) else { throw ModelError(.badSubgraph, index: i, "unknown subgraph kind") }
            let bit = UInt8(1) << g.kind.rawValue
            guard seen & bit == 0 else { throw ModelError(.badSubgraph, index: i, "the same subgraph kind appears twice") }
            seen |= bit
            guard g.opCount >= 1, g.firstOp &+ g.opCount <= opCount else { throw ModelError(.badSubgraph, index: i, "the op range lies outside the op list") }
            guard g.input < tensorCount, g.output < tensorCount else { throw ModelError(.badSubgraph, index: i, "a tensor index is out of range") }
            guard validShift(g.inputShift, wide: false), validShift(g.outputShift, wide: false) else { throw ModelError(.badSubgraph, index: i, "a shift is out of range") }
        }
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

    func validateTensor(_ i: Int) throws(ModelError) {
        let raw = tensors + i &* TensorRecord.recordBytes
        guard let t = TensorRecord(raw) else { throw ModelError(.badTensor, index: i, "unknown element type") }
        guard t.h >= 1, t.w >= 1, t.c >= 1 else { throw ModelError(.badTensor, index: i, "a dimension is zero") }
        let (hw, o1) = t.h.multipliedReportingOverflow(by: t.w)
        let (hwc, o2) = hw.multipliedReportingOverflow(by: t.c)
        let (bytes, o3) = hwc.multipliedReportingOverflow(by: t.type.bytes)
        guard !o1, !o2, !o3, bytes <= arenaBytes else { throw ModelError(.badTensor, index: i, "the tensor is larger than the arena") }
        guard t.offset <= arenaBytes &- bytes else { throw ModelError(.badTensor, index: i, "the tensor lies outside the arena") }
        guard t.offset % t.type.bytes == 0 else { throw ModelError(.badTensor, index: i, "the tensor's arena offset is misaligned") }
        if t.type == .int8 {
            guard t.zeroPoint >= -128, t.zeroPoint <= 127 else { throw ModelError(.badTensor, index: i, "an int8 zero point is outside -128...127") }
        } else {
            guard t.zeroPoint == 0 else { throw ModelError(.badTensor, index: i, "int16 tensors are symmetric: the zero point must be 0") }
        }
    }

    func validateOp(_ i: Int, constantsBytes: Int) throws(ModelError) {
        guard let r = OpRecord(ops + i &* OpRecord.recordBytes) else { throw ModelError(.badOp, index: i, "unknown op kind or stage") }
        guard r.input < tensorCount, r.output < tensorCount else { throw ModelError(.badOp, index: i, "a tensor index is out of range") }
        let x = tensor(r.input), y = tensor(r.output)
        // An op never works in place: its input and output must not share arena bytes.
        guard x.offset &+ x.bytes <= y.offset || y.offset &+ y.bytes <= x.offset else { throw ModelError(.badOp, index: i, "input and output overlap in the arena") }
        let op = OpCheck(index: i, record: r, input: x, output: y, constants: constants, constantsBytes: constantsBytes)
        switch r.kind {
        case .conv: try WeightedOp.validate(op, .conv)
        case .transposedConv: try WeightedOp.validate(op, .transposedConv)
        case .dense: try WeightedOp.validate(op, .dense)
        case .maxPool: try MaxPoolOp.validate(op)
        case .resizeNearest: try ResizeNearestOp.validate(op)
        case .zeroPad: try ZeroPadOp.validate(op)
        case .lookup: try LookupOp.validate(op)
        case .sampling: try SamplingOp.validate(op)
        }
    }
}
