// The records and constants blocks against the byte tables of docs/FORMAT.md, written out by
// hand here: what the writer encodes and the runtime decodes is what the document says.
import Testing
@testable import MoteRuntime

@Suite("File records and constants layout")
struct RecordTests {
    func encoded(_ count: Int, _ encode: (UnsafeMutableRawPointer) -> Void) -> [UInt8] {
        var bytes = [UInt8](repeating: 0xAA, count: count)
        bytes.withUnsafeMutableBytes { encode($0.baseAddress!) }
        return bytes
    }

    @Test func tensorRecordMatchesTheFormatTable() {
        let t = TensorRecord(type: .int8, zeroPoint: -3, h: 28, w: 14, c: 300, scaleBits: 0x3C00_0000, offset: 0x1234_5670)
        let bytes = encoded(TensorRecord.recordBytes) { t.encode(into: $0) }
        // u8 type 1, u8 0, i16 −3, u16 28, 14, 300, u16 0, u32 scale bits, u32 arena offset.
        #expect(bytes == [1, 0, 0xFD, 0xFF, 28, 0, 14, 0, 0x2C, 0x01, 0, 0, 0, 0, 0x00, 0x3C, 0x70, 0x56, 0x34, 0x12])
        let back = bytes.withUnsafeBytes { TensorRecord($0.baseAddress!)! }
        #expect((back.type, back.zeroPoint, back.h, back.w, back.c) == (.int8, -3, 28, 14, 300))
        #expect((back.scaleBits, back.offset) == (0x3C00_0000, 0x1234_5670))
    }

    @Test func opRecordMatchesTheFormatTable() {
        let r = OpRecord(kind: .transposedConv, stage: .leakyRelu, weightType: .int16, input: 2, output: 515,
                         kernel: 3, stride: 2, padTop: 1, padLeft: 0, constants: 0x0102_0304)
        let bytes = encoded(OpRecord.recordBytes) { r.encode(into: $0) }
        // kind 2, stage 2, weight type 2, 0, u16 2, u16 515, kernel, stride, pads, u32 constants.
        #expect(bytes == [2, 2, 2, 0, 2, 0, 3, 2, 3, 2, 1, 0, 4, 3, 2, 1])
        let back = bytes.withUnsafeBytes { OpRecord($0.baseAddress!)! }
        #expect((back.kind, back.stage, back.weightType, back.input, back.output) == (.transposedConv, .leakyRelu, .int16, 2, 515))
        #expect((back.kernel, back.stride, back.padTop, back.padLeft, back.constants) == (3, 2, 1, 0, 0x0102_0304))
        // Ops without weights store weight type 0, which decodes as none.
        let pool = encoded(OpRecord.recordBytes) { OpRecord(kind: .maxPool, input: 0, output: 1, kernel: 2, stride: 2).encode(into: $0) }
        #expect(pool == [4, 0, 0, 0, 0, 0, 1, 0, 2, 2, 0, 0, 0, 0, 0, 0])
        #expect(pool.withUnsafeBytes { OpRecord($0.baseAddress!)!.weightType } == nil)
    }

    @Test func subgraphRecordMatchesTheFormatTable() {
        let g = SubgraphRecord(kind: .decoder, firstOp: 4, opCount: 3, input: 7, output: 9,
                               inputMultiplier: 0x4000_0000, inputShift: -2, outputMultiplier: 0x7FFF_FFFF, outputShift: 5)
        let bytes = encoded(SubgraphRecord.recordBytes) { g.encode(into: $0) }
        #expect(bytes == [1, 0, 4, 0, 3, 0, 7, 0, 9, 0, 0, 0,
                          0, 0, 0, 0x40, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 5, 0, 0, 0])
        let back = bytes.withUnsafeBytes { SubgraphRecord($0.baseAddress!)! }
        #expect((back.kind, back.firstOp, back.opCount, back.input, back.output) == (.decoder, 4, 3, 7, 9))
        #expect((back.inputMultiplier, back.inputShift, back.outputMultiplier, back.outputShift) == (0x4000_0000, -2, 0x7FFF_FFFF, 5))
    }

    func tensor(_ type: ElementType, _ h: Int, _ c: Int) -> TensorRecord {
        TensorRecord(type: type, zeroPoint: 0, h: h, w: h, c: c, scaleBits: 0, offset: 0)
    }

    @Test func weightedBlockMatchesTheFormatOrder() throws {
        // A 1x1 int8 conv, 1 → 2 channels, LeakyReLU: bias C×i32, C mantissas, C shifts, C negative
        // mantissas, C negative shifts, then the weights [C][R] (R = 1): 4 × 5 × 2 + 2 = 42 bytes.
        let r = OpRecord(kind: .conv, stage: .leakyRelu, weightType: .int8, input: 0, output: 1, kernel: 1, stride: 1)
        let layout = WeightedLayout(op: r, weightType: .int8, input: tensor(.int8, 4, 1), output: tensor(.int8, 4, 2))
        #expect(layout.bytes == 42 && !layout.packed && layout.weights == 40)
        let values: [WeightedPart: [Int64]] = [.bias: [-2, 3], .multiplier: [0x4000_0000, 0x4000_0001], .shift: [-1, 2],
                                               .negativeMultiplier: [0x5000_0000, 0x5000_0001], .negativeShift: [3, 4], .weight: [-7, 9]]
        var bytes = [UInt8](repeating: 0, count: 42)
        try bytes.withUnsafeMutableBytes { b in
            try layout.encode(into: b.baseAddress!, kernel: 1, weightType: .int8, inputZeroPoint: 0, stage: .leakyRelu) { values[$0]![$1] }
        }
        func i32(_ v: Int32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        let expected = i32(-2) + i32(3) + i32(0x4000_0000) + i32(0x4000_0001) + i32(-1) + i32(2)
            + i32(0x5000_0000) + i32(0x5000_0001) + i32(3) + i32(4) + [0xF9, 9]
        #expect(bytes == expected)

        // With an int16 input the accumulator is wide: the bias takes 8 bytes a channel.
        let wide = WeightedLayout(op: r, weightType: .int8, input: tensor(.int16, 4, 1), output: tensor(.int8, 4, 2))
        #expect(wide.wideAccumulator && wide.multipliers == 16 && wide.weights == 48)
    }

    @Test func packedPositionsFollowTheFormat() {
        // Dense 5 → 32, int8: packed; R = 5 is one quad and a rest of 1.
        let r = OpRecord(kind: .dense, weightType: .int8, input: 0, output: 1)
        let layout = WeightedLayout(op: r, weightType: .int8, input: tensor(.int8, 1, 5), output: tensor(.int8, 1, 32))
        #expect(layout.packed && layout.taps == 5)
        // Block 0: quad 0 as [16 channels][4] (64 bytes), then the rest as [16 channels][1].
        #expect(layout.packedPosition(channel: 3, index: 2) == 3 * 4 + 2)
        #expect(layout.packedPosition(channel: 3, index: 4) == 64 + 3)
        // Block 1 starts after block 0's 16 × 5 bytes.
        #expect(layout.packedPosition(channel: 17, index: 0) == 80 + 4)
        #expect(layout.packedPosition(channel: 31, index: 4) == 80 + 64 + 15)
    }

    @Test func samplingBlockMatchesTheFormat() {
        // 257 × i32 σ table, then (mantissa, shift) for the mean term and for the noise term.
        #expect(SamplingOp.constantsBytes == 257 * 4 + 16)
        var bytes = [UInt8](repeating: 0, count: SamplingOp.constantsBytes)
        bytes.withUnsafeMutableBytes { SamplingOp.encode(into: $0.baseAddress!, sigmaQ16: { Int32($0) }, mean: (11, -1), noise: (12, 2)) }
        #expect(bytes[4 * 256 ..< 4 * 257] == [0, 1, 0, 0])
        #expect(Array(bytes[1028...]) == [11, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 12, 0, 0, 0, 2, 0, 0, 0])
    }
}
