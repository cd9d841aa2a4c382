// The fixed-size records of the TENS, OPS_ and SUBG sections and the enums stored in them.
// Each record decodes from and encodes to its bytes here, field offsets named once; the runtime
// decodes, the exporter's writer encodes, and a round-trip test pins that the two agree.

/// Element type of a tensor or of an op's weights.
public enum ElementType: UInt8, Sendable {
    case int8 = 1, int16 = 2
    @inlinable public var bytes: Int { self == .int8 ? 1 : 2 }
    /// The values a tensor of this type holds: int8's full range, int16's symmetric ±32767.
    @inlinable public var levels: (min: Int32, max: Int32) { self == .int8 ? (-128, 127) : (-32767, 32767) }
}

/// What an op does; each kind's validation, constants layout and execution live in one file
/// of Ops/ (conv, transposed conv and dense share WeightedOp.swift).
public enum OpKind: UInt8, Sendable {
    case conv = 1, transposedConv = 2, dense = 3, maxPool = 4, resizeNearest = 5, zeroPad = 6, lookup = 7, sampling = 8

    /// The name tools print (TensorFlow's where there is one).
    public var name: StaticString {
        switch self {
        case .conv: return "conv"
        case .transposedConv: return "conv_transpose"
        case .dense: return "dense"
        case .maxPool: return "max_pool"
        case .resizeNearest: return "resize_nearest"
        case .zeroPad: return "zero_pad"
        case .lookup: return "lookup"
        case .sampling: return "sampling"
        }
    }
}

/// The output stage of a conv / transposed conv / dense op.
public enum StageKind: UInt8, Sendable {
    case linear = 0, relu = 1, leakyRelu = 2, sigmoid = 3
}

public enum SubgraphKind: UInt8, Sendable {
    case encoder = 0, decoder = 1, autoencoder = 2
}

/// One tensor record (20 bytes): u8 type, u8 0, i16 zero point, u16 h, w, c, u16 0,
/// u32 scale (IEEE-754 binary32 bits, for tools; the runtime never reads it), u32 arena offset.
public struct TensorRecord: Sendable {
    public static let recordBytes = 20
    @usableFromInline enum Field {
        @usableFromInline static let type = 0, zeroPoint = 2, h = 4, w = 6, c = 8, scale = 12, offset = 16
    }

    public var type: ElementType
    public var zeroPoint: Int32
    public var h: Int, w: Int, c: Int
    public var scaleBits: UInt32
    public var offset: Int
    /// h·w·c; fits Int32 in a validated model.
    public var count: Int { h &* w &* c }
    public var bytes: Int { count &* type.bytes }

    package init(type: ElementType, zeroPoint: Int32, h: Int, w: Int, c: Int, scaleBits: UInt32, offset: Int) {
        self.type = type; self.zeroPoint = zeroPoint; self.h = h; self.w = w; self.c = c; self.scaleBits = scaleBits; self.offset = offset
    }

    @inlinable init?(_ p: UnsafeRawPointer) {
        guard let t = ElementType(rawValue: p.u8(Field.type)) else { return nil }
        type = t
        zeroPoint = Int32(p.i16(Field.zeroPoint))
        h = Int(p.u16(Field.h)); w = Int(p.u16(Field.w)); c = Int(p.u16(Field.c))
        scaleBits = p.u32(Field.scale)
        offset = Int(p.u32(Field.offset))
    }

    /// Writes the record's 20 bytes (the caller has checked that the fields fit them).
    package func encode(into p: UnsafeMutableRawPointer) {
        p.initializeMemory(as: UInt8.self, repeating: 0, count: Self.recordBytes)
        p.put(type.rawValue, at: Field.type)
        p.put(Int16(truncatingIfNeeded: zeroPoint), at: Field.zeroPoint)
        p.put(UInt16(truncatingIfNeeded: h), at: Field.h); p.put(UInt16(truncatingIfNeeded: w), at: Field.w)
        p.put(UInt16(truncatingIfNeeded: c), at: Field.c)
        p.put(scaleBits, at: Field.scale)
        p.put(UInt32(truncatingIfNeeded: offset), at: Field.offset)
    }
}

/// One op record (16 bytes): u8 kind, u8 stage, u8 weight type (0 for ops without weights), u8 0,
/// u16 input tensor, u16 output tensor, u8 kernel, u8 stride, u8 pad top, u8 pad left,
/// u32 constants offset (from the start of the constants section).
public struct OpRecord: Sendable {
    public static let recordBytes = 16
    @usableFromInline enum Field {
        @usableFromInline static let kind = 0, stage = 1, weightType = 2, input = 4, output = 6,
                                      kernel = 8, stride = 9, padTop = 10, padLeft = 11, constants = 12
    }

    public var kind: OpKind
    public var stage: StageKind
    public var weightType: ElementType?
    public var input: Int, output: Int
    public var kernel: Int32, stride: Int32, padTop: Int32, padLeft: Int32
    public var constants: Int

    package init(kind: OpKind, stage: StageKind = .linear, weightType: ElementType? = nil, input: Int, output: Int,
                kernel: Int32 = 0, stride: Int32 = 0, padTop: Int32 = 0, padLeft: Int32 = 0, constants: Int = 0) {
        self.kind = kind; self.stage = stage; self.weightType = weightType; self.input = input; self.output = output
        self.kernel = kernel; self.stride = stride; self.padTop = padTop; self.padLeft = padLeft; self.constants = constants
    }

    @inlinable init?(_ p: UnsafeRawPointer) {
        guard let k = OpKind(rawValue: p.u8(Field.kind)), let s = StageKind(rawValue: p.u8(Field.stage)) else { return nil }
        kind = k; stage = s
        weightType = ElementType(rawValue: p.u8(Field.weightType))
        input = Int(p.u16(Field.input)); output = Int(p.u16(Field.output))
        kernel = Int32(p.u8(Field.kernel)); stride = Int32(p.u8(Field.stride))
        padTop = Int32(p.u8(Field.padTop)); padLeft = Int32(p.u8(Field.padLeft))
        constants = Int(p.u32(Field.constants))
    }

    /// Writes the record's 16 bytes (the caller has checked that the fields fit them).
    package func encode(into p: UnsafeMutableRawPointer) {
        p.initializeMemory(as: UInt8.self, repeating: 0, count: Self.recordBytes)
        p.put(kind.rawValue, at: Field.kind); p.put(stage.rawValue, at: Field.stage)
        p.put(weightType?.rawValue ?? 0, at: Field.weightType)
        p.put(UInt16(truncatingIfNeeded: input), at: Field.input); p.put(UInt16(truncatingIfNeeded: output), at: Field.output)
        p.put(UInt8(truncatingIfNeeded: kernel), at: Field.kernel); p.put(UInt8(truncatingIfNeeded: stride), at: Field.stride)
        p.put(UInt8(truncatingIfNeeded: padTop), at: Field.padTop); p.put(UInt8(truncatingIfNeeded: padLeft), at: Field.padLeft)
        p.put(UInt32(truncatingIfNeeded: constants), at: Field.constants)
    }
}

/// One subgraph record (28 bytes): u8 kind, u8 0, u16 first op, u16 op count, u16 input
/// tensor, u16 output tensor, u16 0, then two multipliers (i32 mantissa, i32 shift): real
/// input in Q16 → input q (added to the zero point), and output (q − zero point) → Q16.
public struct SubgraphRecord: Sendable {
    public static let recordBytes = 28
    @usableFromInline enum Field {
        @usableFromInline static let kind = 0, firstOp = 2, opCount = 4, input = 6, output = 8,
                                      inputMultiplier = 12, inputShift = 16, outputMultiplier = 20, outputShift = 24
    }

    public var kind: SubgraphKind
    public var firstOp: Int, opCount: Int
    public var input: Int, output: Int
    public var inputMultiplier: Int32, inputShift: Int32
    public var outputMultiplier: Int32, outputShift: Int32

    package init(kind: SubgraphKind, firstOp: Int, opCount: Int, input: Int, output: Int,
                inputMultiplier: Int32, inputShift: Int32, outputMultiplier: Int32, outputShift: Int32) {
        self.kind = kind; self.firstOp = firstOp; self.opCount = opCount; self.input = input; self.output = output
        self.inputMultiplier = inputMultiplier; self.inputShift = inputShift
        self.outputMultiplier = outputMultiplier; self.outputShift = outputShift
    }

    @inlinable init?(_ p: UnsafeRawPointer) {
        guard let k = SubgraphKind(rawValue: p.u8(Field.kind)) else { return nil }
        kind = k
        firstOp = Int(p.u16(Field.firstOp)); opCount = Int(p.u16(Field.opCount))
        input = Int(p.u16(Field.input)); output = Int(p.u16(Field.output))
        inputMultiplier = p.i32(Field.inputMultiplier); inputShift = p.i32(Field.inputShift)
        outputMultiplier = p.i32(Field.outputMultiplier); outputShift = p.i32(Field.outputShift)
    }

    /// Writes the record's 28 bytes (the caller has checked that the fields fit them).
    package func encode(into p: UnsafeMutableRawPointer) {
        p.initializeMemory(as: UInt8.self, repeating: 0, count: Self.recordBytes)
        p.put(kind.rawValue, at: Field.kind)
        p.put(UInt16(truncatingIfNeeded: firstOp), at: Field.firstOp); p.put(UInt16(truncatingIfNeeded: opCount), at: Field.opCount)
        p.put(UInt16(truncatingIfNeeded: input), at: Field.input); p.put(UInt16(truncatingIfNeeded: output), at: Field.output)
        p.put(inputMultiplier, at: Field.inputMultiplier); p.put(inputShift, at: Field.inputShift)
        p.put(outputMultiplier, at: Field.outputMultiplier); p.put(outputShift, at: Field.outputShift)
    }
}
