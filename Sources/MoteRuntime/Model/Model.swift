// Opening a .mote model: the file's bytes are read in place (never copied) and every offset,
// count, shape, type and multiplier is validated once here, against the file and the caller's
// arena. After `init` succeeds the interpreter runs without checks and cannot read or write
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
        return Int(header.u32(16))
    }

    static func checkHeader(_ model: UnsafeRawBufferPointer) throws(ModelError) -> UnsafeRawPointer {
        guard let p = model.baseAddress, model.count >= FileLayout.headerBytes else { throw ModelError(.truncated) }
        guard p.u32(0) == FileLayout.magic else { throw ModelError(.badMagic) }
        guard p.u16(4) == FileLayout.major else { throw ModelError(.unsupportedVersion) }
        let size = Int(p.u32(8))
        guard size >= FileLayout.headerBytes, size <= model.count else { throw ModelError(.truncated) }
        let body = UnsafeRawBufferPointer(start: p + FileLayout.checksumStart, count: size &- FileLayout.checksumStart)
        guard crc32(body) == p.u32(12) else { throw ModelError(.checksumMismatch) }
        return p
    }

    public init(model: UnsafeRawBufferPointer, arena: UnsafeMutableRawBufferPointer) throws(ModelError) {
        let p = try Self.checkHeader(model)
        guard UInt(bitPattern: p) % UInt(FileLayout.sectionAlignment) == 0 else { throw ModelError(.misalignedModel) }
        let size = Int(p.u32(8))
        file = p; fileBytes = size
        arenaBytes = Int(p.u32(16))
        guard arenaBytes <= Int(Int32.max) else { throw ModelError(.badTensor, "the arena size is over 2^31 bytes") }
        guard let a = arena.baseAddress ?? (arenaBytes == 0 ? UnsafeMutableRawPointer(mutating: p) : nil) else { throw ModelError(.arenaTooSmall) }
        guard arena.count >= arenaBytes else { throw ModelError(.arenaTooSmall) }
        guard UInt(bitPattern: a) % UInt(FileLayout.arenaAlignment) == 0 else { throw ModelError(.misalignedArena) }
        self.arena = a

        // Section table.
        let sectionCount = Int(p.u16(20))
        let tableEnd = FileLayout.headerBytes &+ sectionCount &* FileLayout.sectionEntryBytes
        guard tableEnd <= size else { throw ModelError(.badSectionTable, "the section table runs past the end of the file") }
        var found: (t: (Int, Int)?, o: (Int, Int)?, s: (Int, Int)?, c: (Int, Int)?, n: (Int, Int)?) = (nil, nil, nil, nil, nil)
        for i in 0..<sectionCount {
            let e = FileLayout.headerBytes &+ i &* FileLayout.sectionEntryBytes
            let tag = p.u32(e), offset = Int(p.u32(e &+ 4)), length = Int(p.u32(e &+ 8))
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
        guard t.1 % FileLayout.tensorRecordBytes == 0, t.1 / FileLayout.tensorRecordBytes <= 0xFFFF,
              o.1 % FileLayout.opRecordBytes == 0, o.1 / FileLayout.opRecordBytes <= 0xFFFF,
              s.1 % FileLayout.subgraphRecordBytes == 0 else { throw ModelError(.badSectionTable, "a section's length is not a whole number of records") }
        tensors = p + t.0; tensorCount = t.1 / FileLayout.tensorRecordBytes
        ops = p + o.0; opCount = o.1 / FileLayout.opRecordBytes
        subgraphs = p + s.0; subgraphCount = s.1 / FileLayout.subgraphRecordBytes
        constants = p + c.0
        names = found.n.map { UnsafeRawBufferPointer(start: p + $0.0, count: $0.1) }

        for i in 0..<tensorCount { try validateTensor(i) }
        for i in 0..<opCount { try validateOp(i, constantsBytes: c.1) }
        var seen: UInt8 = 0
        for i in 0..<subgraphCount {
            guard let g = SubgraphRecord(subgraphs + i &* FileLayout.subgraphRecordBytes) else { throw ModelError(.badSubgraph, index: i, "unknown subgraph kind") }
            let bit = UInt8(1) << g.kind.rawValue
            guard seen & bit == 0 else { throw ModelError(.badSubgraph, index: i, "the same subgraph kind appears twice") }
            seen |= bit
            guard g.opCount >= 1, g.firstOp &+ g.opCount <= opCount else { throw ModelError(.badSubgraph, index: i, "the op range lies outside the op list") }
            guard g.input < tensorCount, g.output < tensorCount else { throw ModelError(.badSubgraph, index: i, "a tensor index is out of range") }
            guard Self.validShift(g.inputShift, wide: false), Self.validShift(g.outputShift, wide: false) else { throw ModelError(.badSubgraph, index: i, "a shift is out of range") }
        }
    }

    @inlinable public func tensor(_ i: Int) -> TensorRecord { TensorRecord(tensors + i &* FileLayout.tensorRecordBytes)! }
    @inlinable public func op(_ i: Int) -> OpRecord { OpRecord(ops + i &* FileLayout.opRecordBytes)! }

    /// The record of a subgraph, or nil when the model has none of that kind.
    public func subgraph(_ kind: SubgraphKind) -> SubgraphRecord? {
        for i in 0..<subgraphCount {
            let g = SubgraphRecord(subgraphs + i &* FileLayout.subgraphRecordBytes)!
            if g.kind == kind { return g }
        }
        return nil
    }

    /// A tensor's values in the arena.
    @inlinable public func data(_ t: TensorRecord) -> UnsafeMutableRawPointer { arena + t.offset }

    /// Multiplier shifts the kernels accept: 31 + shift in 1...62 for int32 accumulators,
    /// 16...62 for the wide (int64) path.
    static func validShift(_ s: Int32, wide: Bool) -> Bool { s >= (wide ? -15 : -30) && s <= 31 }

    /// The most taps (k·k·inC, or a dense op's inputs) one output may sum.
    static let maxTaps = 1 << 16

    /// True when a convolution-shaped op's output size and padding are the ones TensorFlow's
    /// "same" or "valid" rule gives (for a transposed conv: "same", output = input · stride),
    /// the only geometries the exporter writes (docs/FORMAT.md).
    static func shapesAgree(_ r: OpRecord, _ x: TensorRecord, _ y: TensorRecord) -> Bool {
        let k = Int(r.kernel), s = Int(r.stride)
        func agrees(_ input: Int, _ output: Int, _ pad: Int) -> Bool {
            if r.kind == .transposedConv {
                return output == input &* s && pad == Swift.max((input &- 1) &* s &+ k &- output, 0) / 2
            }
            let same = (input &+ s &- 1) / s
            if output == same && pad == Swift.max((same &- 1) &* s &+ k &- input, 0) / 2 { return true }
            return input >= k && output == (input &- k) / s &+ 1 && pad == 0     // "valid"
        }
        return agrees(x.h, y.h, Int(r.padTop)) && agrees(x.w, y.w, Int(r.padLeft))
    }

    func validateTensor(_ i: Int) throws(ModelError) {
        let raw = tensors + i &* FileLayout.tensorRecordBytes
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
        let raw = ops + i &* FileLayout.opRecordBytes
        guard let r = OpRecord(raw) else { throw ModelError(.badOp, index: i, "unknown op kind or stage") }
        guard r.input < tensorCount, r.output < tensorCount else { throw ModelError(.badOp, index: i, "a tensor index is out of range") }
        let x = tensor(r.input), y = tensor(r.output)
        // An op never works in place: its input and output must not share arena bytes.
        guard x.offset &+ x.bytes <= y.offset || y.offset &+ y.bytes <= x.offset else { throw ModelError(.badOp, index: i, "input and output overlap in the arena") }
        func block(_ bytes: Int?) throws(ModelError) -> UnsafeRawPointer {
            guard let bytes, r.constants % FileLayout.sectionAlignment == 0, r.constants <= constantsBytes,
                  bytes <= constantsBytes &- r.constants else { throw ModelError(.badOp, index: i, "the op's constants lie outside the constants section") }
            return constants + r.constants
        }
        func shifts(_ p: UnsafeRawPointer, _ n: Int, wide: Bool) throws(ModelError) {
            for k in 0..<n where !Self.validShift(p.i32(k &* 4), wide: wide) { throw ModelError(.badOp, index: i, "a multiplier shift is out of range") }
        }
        switch r.kind {
        case .conv, .transposedConv, .dense:
            guard let wt = r.weightType else { throw ModelError(.badOp, index: i, "unknown weight type") }
            if r.kind != .dense {
                guard r.kernel >= 1, r.stride >= 1, r.padTop < r.kernel, r.padLeft < r.kernel else { throw ModelError(.badOp, index: i, "bad kernel, stride or padding") }
                guard Self.shapesAgree(r, x, y) else { throw ModelError(.badOp, index: i, "the output's height and width do not follow from the input, kernel, stride and padding") }
            }
            let layout = WeightedLayout(op: r, weightType: wt, input: x, output: y)
            // The int32 accumulators (and the wide path's saturation limit) assume at most 2^16 taps.
            guard layout.taps <= Self.maxTaps else { throw ModelError(.badOp, index: i, "more than 65,536 taps per output") }
            let b = try block(layout.bytes)
            try shifts(b + layout.shifts, layout.channels, wide: layout.wideAccumulator)
            if r.stage == .leakyRelu { try shifts(b + layout.negativeShifts, layout.channels, wide: layout.wideAccumulator) }
        case .maxPool:
            guard x.type == y.type, x.c == y.c, r.kernel >= 1, r.stride >= 1 else { throw ModelError(.badOp, index: i, "max pool: types, channels, kernel or stride do not match") }
            guard Self.shapesAgree(r, x, y) else { throw ModelError(.badOp, index: i, "max pool: the output's height and width do not follow from the input, pool size and padding") }
        case .resizeNearest:
            guard x.type == y.type, x.c == y.c else { throw ModelError(.badOp, index: i, "resize: types or channels do not match") }
            // oy · inH must not overflow a 32-bit Int.
            guard !y.h.multipliedReportingOverflow(by: x.h).overflow, y.h &* x.h <= Int(Int32.max),
                  !y.w.multipliedReportingOverflow(by: x.w).overflow, y.w &* x.w <= Int(Int32.max) else { throw ModelError(.badOp, index: i, "resize: sizes too large") }
        case .zeroPad:
            let p2 = y.h &- x.h
            guard x.type == y.type, x.c == y.c, p2 >= 0, p2 % 2 == 0, y.w &- x.w == p2 else { throw ModelError(.badOp, index: i, "pad: output is not the input plus the same border on every side") }
        case .lookup:
            guard x.type == .int8, y.type == .int8, x.count == y.count else { throw ModelError(.badOp, index: i, "lookup: needs int8 tensors of equal size") }
            _ = try block(256)
        case .sampling:
            guard x.count == 2 &* y.count else { throw ModelError(.badOp, index: i, "sampling: input must hold z_mean and z_log_var") }
            let b = try block(FileLayout.samplingTableEntries &* 4 &+ 16)
            let params = b + FileLayout.samplingTableEntries &* 4
            guard Self.validShift(params.i32(4), wide: false), Self.validShift(params.i32(12), wide: false) else { throw ModelError(.badOp, index: i, "a multiplier shift is out of range") }
        }
    }
}
