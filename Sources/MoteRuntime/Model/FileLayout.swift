// The .mote file layout as the runtime reads it: header, section table, and the fixed-size
// records of each section. docs/FORMAT.md describes the same bytes for people; the exporter's
// writer (MoteExport/ModelWriter.swift) produces them. All integers are little-endian.

public enum FileLayout {
    /// "MOTE" read as a little-endian u32.
    public static let magic: UInt32 = 0x4554_4F4D
    public static let major: UInt16 = 1
    public static let minor: UInt16 = 0
    public static let headerBytes = 32
    public static let sectionEntryBytes = 12
    /// Sections start at multiples of this, so int64 biases in the constants load aligned.
    public static let sectionAlignment = 8
    /// The caller's arena must start at a multiple of this.
    public static let arenaAlignment = 16
    /// Bytes [checksumStart, file size) are covered by the CRC-32 at offset 12.
    public static let checksumStart = 16

    public static let tensorRecordBytes = 20
    public static let opRecordBytes = 16
    public static let subgraphRecordBytes = 28

    /// Section tags: four ASCII characters read as a little-endian u32.
    public enum Tag {
        public static let tensors: UInt32 = 0x534E_4554    // "TENS"
        public static let ops: UInt32 = 0x5F53_504F        // "OPS_"
        public static let subgraphs: UInt32 = 0x4742_5553  // "SUBG"
        public static let constants: UInt32 = 0x534E_4F43  // "CONS"
        public static let names: UInt32 = 0x454D_414E      // "NAME" (optional; the runtime skips it)
        public static let channelScales: UInt32 = 0x4353_4843  // "CHSC" (optional, for tools; the runtime skips it)
    }

    /// The σ table of a fused sigmoid: σ(−16 + i/8) in Q15 for i = 0...256.
    public static let sigmoidTableEntries = 257
    /// The σ table of the sampling op: exp(z_log_var / 2) in Q16 at 257 points.
    public static let samplingTableEntries = 257
}

/// Element type of a tensor or of an op's weights.
public enum ElementType: UInt8, Sendable {
    case int8 = 1, int16 = 2
    @inlinable public var bytes: Int { self == .int8 ? 1 : 2 }
    /// The values a tensor of this type holds: int8's full range, int16's symmetric ±32767.
    @inlinable public var levels: (min: Int32, max: Int32) { self == .int8 ? (-128, 127) : (-32767, 32767) }
}

public enum OpKind: UInt8, Sendable {
    case conv = 1, transposedConv = 2, dense = 3, maxPool = 4, resizeNearest = 5, zeroPad = 6, lookup = 7, sampling = 8
}

/// The output stage of a conv / transposed conv / dense op.
public enum StageKind: UInt8, Sendable {
    case linear = 0, relu = 1, leakyRelu = 2, sigmoid = 3
}

public enum SubgraphKind: UInt8, Sendable {
    case encoder = 0, decoder = 1, autoencoder = 2
}

extension UnsafeRawPointer {
    @inlinable @inline(__always) func u8(_ at: Int) -> UInt8 { load(fromByteOffset: at, as: UInt8.self) }
    @inlinable @inline(__always) func u16(_ at: Int) -> UInt16 { UInt16(littleEndian: loadUnaligned(fromByteOffset: at, as: UInt16.self)) }
    @inlinable @inline(__always) func i16(_ at: Int) -> Int16 { Int16(littleEndian: loadUnaligned(fromByteOffset: at, as: Int16.self)) }
    @inlinable @inline(__always) func u32(_ at: Int) -> UInt32 { UInt32(littleEndian: loadUnaligned(fromByteOffset: at, as: UInt32.self)) }
    @inlinable @inline(__always) func i32(_ at: Int) -> Int32 { Int32(littleEndian: loadUnaligned(fromByteOffset: at, as: Int32.self)) }
}

/// One tensor record (20 bytes): u8 type, u8 0, i16 zero point, u16 h, w, c, u16 0,
/// u32 scale (IEEE-754 binary32 bits, for tools; the runtime never reads it), u32 arena offset.
public struct TensorRecord: Sendable {
    public var type: ElementType
    public var zeroPoint: Int32
    public var h: Int, w: Int, c: Int
    public var scaleBits: UInt32
    public var offset: Int
    /// h·w·c; fits Int32 in a validated model.
    public var count: Int { h &* w &* c }
    public var bytes: Int { count &* type.bytes }

    @inlinable init?(_ p: UnsafeRawPointer) {
        guard let t = ElementType(rawValue: p.u8(0)) else { return nil }
        type = t
        zeroPoint = Int32(p.i16(2))
        h = Int(p.u16(4)); w = Int(p.u16(6)); c = Int(p.u16(8))
        scaleBits = p.u32(12)
        offset = Int(p.u32(16))
    }
}

/// One op record (16 bytes): u8 kind, u8 stage, u8 weight type, u8 0, u16 input tensor,
/// u16 output tensor, u8 kernel, u8 stride, u8 pad top, u8 pad left, u32 constants offset
/// (from the start of the constants section).
public struct OpRecord: Sendable {
    public var kind: OpKind
    public var stage: StageKind
    public var weightType: ElementType?
    public var input: Int, output: Int
    public var kernel: Int32, stride: Int32, padTop: Int32, padLeft: Int32
    public var constants: Int

    @inlinable init?(_ p: UnsafeRawPointer) {
        guard let k = OpKind(rawValue: p.u8(0)), let s = StageKind(rawValue: p.u8(1)) else { return nil }
        kind = k; stage = s
        weightType = ElementType(rawValue: p.u8(2))
        input = Int(p.u16(4)); output = Int(p.u16(6))
        kernel = Int32(p.u8(8)); stride = Int32(p.u8(9)); padTop = Int32(p.u8(10)); padLeft = Int32(p.u8(11))
        constants = Int(p.u32(12))
    }
}

/// One subgraph record (28 bytes): u8 kind, u8 0, u16 first op, u16 op count, u16 input
/// tensor, u16 output tensor, u16 0, then two multipliers (i32 mantissa, i32 shift): real
/// input in Q16 → input q (added to the zero point), and output (q − zero point) → Q16.
public struct SubgraphRecord: Sendable {
    public var kind: SubgraphKind
    public var firstOp: Int, opCount: Int
    public var input: Int, output: Int
    public var inputMultiplier: Int32, inputShift: Int32
    public var outputMultiplier: Int32, outputShift: Int32

    @inlinable init?(_ p: UnsafeRawPointer) {
        guard let k = SubgraphKind(rawValue: p.u8(0)) else { return nil }
        kind = k
        firstOp = Int(p.u16(2)); opCount = Int(p.u16(4))
        input = Int(p.u16(6)); output = Int(p.u16(8))
        inputMultiplier = p.i32(12); inputShift = p.i32(16)
        outputMultiplier = p.i32(20); outputShift = p.i32(24)
    }
}

/// Where the constants of a conv / transposed conv / dense op live inside its block, in bytes
/// from the block start: bias (int32, or int64 when an int16 operand is involved),
/// multipliers and shifts (int32 per channel), for LeakyReLU the negative-side multipliers
/// and shifts, for a sigmoid the σ table, for packed ops the folded bias, then the weights:
/// [out][kh][kw][in], or packed for the SIMD kernel when `packed` (PackedConvolutionInt8.swift).
public struct WeightedLayout: Sendable {
    public var channels: Int, taps: Int
    public var wideAccumulator: Bool
    public var multipliers: Int, shifts: Int, negativeMultipliers: Int, negativeShifts: Int
    public var table: Int, weights: Int
    public var packed: Bool
    /// Packed ops only: bias − (zero point + 128) · Σ weights, for output pixels whose taps all
    /// lie inside the input (the kernel then multiplies unsigned input bytes); [class][channel],
    /// one class per stride phase (s² for a transposed conv, whose taps depend on it; else 1).
    public var foldedBias: Int
    /// Bytes of weights (the same count packed or not).
    public var weightBytes: Int?
    /// Block size; nil when it does not fit Int (hostile shapes on a 32-bit target).
    public var bytes: Int?

    @inlinable
    public init(op: OpRecord, weightType: ElementType, input x: TensorRecord, output y: TensorRecord) {
        channels = op.kind == .dense ? y.count : y.c
        let k = Int(op.kernel)
        taps = op.kind == .dense ? x.count : k &* k &* x.c
        wideAccumulator = x.type == .int16 || weightType == .int16
        let c4 = channels &* 4
        multipliers = channels &* (wideAccumulator ? 8 : 4)
        shifts = multipliers &+ c4
        var end = shifts &+ c4
        negativeMultipliers = multipliers; negativeShifts = shifts
        if op.stage == .leakyRelu { negativeMultipliers = end; negativeShifts = end &+ c4; end = negativeShifts &+ c4 }
        table = end
        if op.stage == .sigmoid { end = end &+ FileLayout.sigmoidTableEntries &* 4 }
        packed = usesPackedWeights(wideAccumulator: wideAccumulator, channels: channels)
        foldedBias = end
        if packed { end = end &+ c4 &* (op.kind == .transposedConv ? Int(op.stride) &* Int(op.stride) : 1) }
        weights = end
        let perChannel = taps
        let (w, o1) = channels.multipliedReportingOverflow(by: perChannel)
        let (wb, o2) = w.multipliedReportingOverflow(by: weightType.bytes)
        let (total, o3) = end.addingReportingOverflow(wb)
        weightBytes = o1 || o2 ? nil : wb
        bytes = o1 || o2 || o3 ? nil : total
    }
}
