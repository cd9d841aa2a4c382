// The runtime's single rounding rule, checked against exact rational arithmetic.
import Foundation
import Testing
@testable import MoteRuntime

@Suite("Fixed-point requantization")
struct FixedPointTests {
    /// round-half-away-from-zero of x·m / 2^(31+s), computed exactly with integer division.
    func reference(_ x: Int32, _ m: Int32, _ s: Int32) -> Int32 {
        let p = Int64(x) * Int64(m)
        let d = Int64(1) << (31 + Int64(s))
        let q = abs(p) / d, r = abs(p) % d
        let mag = q + (2 * r >= d ? 1 : 0)
        return Int32(truncatingIfNeeded: p < 0 ? -mag : mag)
    }

    @Test func matchesExactRounding() {
        var state: UInt64 = 0x1234_5678
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 16 }
        for _ in 0..<20_000 {
            let x = Int32(truncatingIfNeeded: next())
            let m = Int32(truncatingIfNeeded: next() & 0x7fff_ffff) | (1 << 30)
            let s = Int32(next() % 50) - 30   // -30...19: left and right effective shifts
            #expect(multiplyByQuantizedMultiplier(x, m, s) == reference(x, m, s))
        }
    }

    @Test func halfwayCasesRoundAwayFromZero() {
        // m = 2^30 is 0.5 in Q31: x·0.5 with x odd lands exactly on .5.
        #expect(multiplyByQuantizedMultiplier(3, 1 << 30, 0) == 2)
        #expect(multiplyByQuantizedMultiplier(-3, 1 << 30, 0) == -2)
        #expect(multiplyByQuantizedMultiplier(5, 1 << 30, 1) == 1)   // 1.25 -> 1
        #expect(multiplyByQuantizedMultiplier(-7, 1 << 30, 1) == -2) // -1.75 -> -2
    }

    /// The same rule for int64 accumulators, computed exactly in 128 bits.
    func wideReference(_ x: Int64, _ m: Int32, _ s: Int32) -> Int32 {
        let c = min(max(x, -wideAccumulatorLimit), wideAccumulatorLimit)
        let p = Int128(c) * Int128(m)
        let d = Int128(1) << (31 + Int(s))
        let q = abs(p) / d, r = abs(p) % d
        let mag = min(q + (2 * r >= d ? 1 : 0), Int128(Int32.max))
        return Int32(p < 0 ? -mag : mag)
    }

    @Test func wideMatchesExactRoundingAndTheNarrowRule() {
        var state: UInt64 = 0x9E37_79B9
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 11 }
        for k in 0..<50_000 {
            // Accumulators of every size up to and beyond the 2^47 limit, both signs.
            let bits = Int(next() % 50)
            var x = Int64(bitPattern: next()) >> (63 - bits)
            if k % 7 == 0 { x = Int64(bitPattern: next() << 13) }   // far beyond: saturates
            let m = Int32(truncatingIfNeeded: next() & 0x7fff_ffff) | (1 << 30)
            let s = Int32(next() % 47) - 15   // -15...31
            #expect(multiplyWideByQuantizedMultiplier(x, m, s) == wideReference(x, m, s), "x \(x) m \(m) s \(s)")
            if let x32 = Int32(exactly: x), s >= -15 {
                #expect(multiplyWideByQuantizedMultiplier(x, m, s) == multiplyByQuantizedMultiplier(x32, m, s) || abs(Int(wideReference(x, m, s))) == Int(Int32.max))
            }
        }
        // Halfway cases round away from zero, as the narrow rule does.
        #expect(multiplyWideByQuantizedMultiplier(3, 1 << 30, 0) == 2)
        #expect(multiplyWideByQuantizedMultiplier(-3, 1 << 30, 0) == -2)
        #expect(multiplyWideByQuantizedMultiplier(-7, 1 << 30, 1) == -2)
    }

    /// Stages over per-channel multipliers and shifts (separate ones for negative accumulators,
    /// as LeakyReLU has): int8 output with zero point `zp` clamped at it (ReLU), int16 symmetric.
    func withStages<A: AccumulatorValue>(_ m: [Int32], _ nm: [Int32], _ sh: [Int32], _ nsh: [Int32], zeroPoint zp: Int32,
                                         _ body: (Requantization<A, Int8>, Requantization<A, Int16>) -> Void) {
        m.withUnsafeBufferPointer { mp in nm.withUnsafeBufferPointer { nmp in sh.withUnsafeBufferPointer { sp in nsh.withUnsafeBufferPointer { nsp in
            body(Requantization(multipliers: mp.baseAddress!, shifts: sp.baseAddress!, negativeMultipliers: nmp.baseAddress!,
                                negativeShifts: nsp.baseAddress!, outputZeroPoint: zp, min: zp, max: 127),
                 Requantization(multipliers: mp.baseAddress!, shifts: sp.baseAddress!, negativeMultipliers: nmp.baseAddress!,
                                negativeShifts: nsp.baseAddress!, outputZeroPoint: 0, min: -32767, max: 32767))
        } } } }
    }

    /// Runs a vector stage (`vector` writes `acc.count` lanes of the int8 and the int16 output)
    /// and expects every lane to be what the scalar stage gives.
    func expectLanesMatchScalar<A: AccumulatorValue>(_ acc: [A], _ q8: Requantization<A, Int8>, _ q16: Requantization<A, Int16>,
                                                     _ vector: (UnsafeMutablePointer<Int8>, UnsafeMutablePointer<Int16>) -> Void) {
        var out8 = [Int8](repeating: 0, count: acc.count), out16 = [Int16](repeating: 0, count: acc.count)
        out8.withUnsafeMutableBufferPointer { p8 in out16.withUnsafeMutableBufferPointer { p16 in vector(p8.baseAddress!, p16.baseAddress!) } }
        for l in acc.indices {
            #expect(out8[l] == q8.apply(acc[l], channel: l))
            #expect(out16[l] == q16.apply(acc[l], channel: l))
        }
    }

    /// The 4-lane int64 rule (the int16 kernels' output stage) against the exact 128-bit rule,
    /// and the 4-lane stage against the scalar stage, LeakyReLU and clamps included.
    @Test func fourWideLanesMatchTheExactRuleAndTheScalarStage() {
        var state: UInt64 = 0x5151_2026
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 11 }
        for round in 0..<5_000 {
            var x = SIMD4<Int64>(), m = SIMD4<Int64>(), s = SIMD4<Int64>()
            for l in 0..<4 {
                let bits = Int(next() % 50)
                x[l] = round % 9 == 0 ? Int64(bitPattern: next() << 13) : Int64(bitPattern: next()) >> (63 - bits)
                m[l] = Int64(Int32(truncatingIfNeeded: next() & 0x7fff_ffff) | (1 << 30)) * (l == 3 && round % 2 == 0 ? -1 : 1)
                s[l] = Int64(next() % 47) - 15
            }
            let v = multiplyWideByQuantizedMultiplier(x, m, s)
            for l in 0..<4 {
                #expect(v[l] == Int64(wideReference(x[l], Int32(m[l]), Int32(s[l]))), "x \(x[l]) m \(m[l]) s \(s[l])")
            }
        }
        for _ in 0..<300 {
            let m = (0..<4).map { _ in Int32(truncatingIfNeeded: next() & 0x7fff_ffff) | (1 << 30) }
            let nm = (0..<4).map { _ in Int32(truncatingIfNeeded: next() & 0x7fff_ffff) | (1 << 30) }
            let sh = (0..<4).map { _ in Int32(next() % 20) + 8 }, nsh = (0..<4).map { _ in Int32(next() % 20) + 10 }
            var acc = SIMD4<Int64>()
            for l in 0..<4 { acc[l] = Int64(bitPattern: next()) >> Int(next() % 30 + 20) }
            withStages(m, nm, sh, nsh, zeroPoint: -3) { (q8: Requantization<Int64, Int8>, q16: Requantization<Int64, Int16>) in
                expectLanesMatchScalar((0..<4).map { acc[$0] }, q8, q16) { q8.apply4(acc, channels: 0, to: $0); q16.apply4(acc, channels: 0, to: $1) }
            }
        }
    }

    /// The 16-lane requantization of the packed kernel against the scalar stage, lane by lane:
    /// any accumulator, multiplier and shift, separate negative multipliers (LeakyReLU), clamps.
    @Test func sixteenLanesMatchTheScalarStage() {
        var state: UInt64 = 0x9E37_79B9
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 16 }
        for round in 0..<400 {
            let m = (0..<16).map { _ in Int32(truncatingIfNeeded: next() & 0x7fff_ffff) | (1 << 30) }
            let nm = (0..<16).map { _ in Int32(truncatingIfNeeded: next() & 0x7fff_ffff) | (1 << 30) }
            let sh = (0..<16).map { _ in Int32(next() % 62) - 30 }, nsh = (0..<16).map { _ in Int32(next() % 62) - 30 }
            var acc = SIMD16<Int32>()
            for l in 0..<16 { acc[l] = round % 2 == 0 ? Int32(truncatingIfNeeded: next()) : Int32(truncatingIfNeeded: next() % 200_001) - 100_000 }
            let zp = Int32(next() % 41) - 20
            withStages(m, nm, sh, nsh, zeroPoint: zp) { (q8: Requantization<Int32, Int8>, q16: Requantization<Int32, Int16>) in
                expectLanesMatchScalar((0..<16).map { acc[$0] }, q8, q16) { q8.apply16(acc, channels: 0, to: $0); q16.apply16(acc, channels: 0, to: $1) }
            }
        }
    }
    /// The 16-lane stage as the packed ops run it: shifts checked once per op
    /// (`checkingShifts`), one multiplier set (ReLU) or two (LeakyReLU). Lane for lane the scalar
    /// stage, whether every shift exceeds 1 or one of them does not (which must keep the
    /// general rule).
    @Test func checkedStagesMatchTheScalarStage() {
        var state: UInt64 = 0xC0FF_EE11
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 16 }
        for round in 0..<600 {
            let m = (0..<16).map { _ in Int32(truncatingIfNeeded: next() & 0x7fff_ffff) | (1 << 30) }
            let nm = round % 2 == 0 ? m : (0..<16).map { _ in Int32(truncatingIfNeeded: next() & 0x7fff_ffff) | (1 << 30) }
            var sh = (0..<16).map { _ in Int32(next() % 30) + 2 }
            if round % 3 == 0 { sh[Int(next() % 16)] = Int32(next() % 3) - 1 }             // one shift of -1...1
            let nsh = round % 2 == 0 ? sh : (0..<16).map { _ in Int32(next() % 30) + 2 }
            var acc = SIMD16<Int32>()
            for l in 0..<16 { acc[l] = Int32(truncatingIfNeeded: next() >> UInt64(next() % 40)) * (l % 3 == 0 ? -1 : 1) }
            let lanes = (0..<16).map { acc[$0] }
            func expectMatch(_ q8: Requantization<Int32, Int8>, _ q16: Requantization<Int32, Int16>) {
                let c8 = q8.checkingShifts(channels: 16), c16 = q16.checkingShifts(channels: 16)
                #expect(c8.shiftsAboveOne == (sh + nsh).allSatisfy { $0 > 1 } && c16.shiftsAboveOne == c8.shiftsAboveOne)
                expectLanesMatchScalar(lanes, q8, q16) { c8.apply16(acc, channels: 0, to: $0); c16.apply16(acc, channels: 0, to: $1) }
            }
            if round % 2 == 0 {
                // ReLU: the negative set is the same memory, as the file reader lays it out.
                m.withUnsafeBufferPointer { mp in sh.withUnsafeBufferPointer { sp in
                    let q8 = Requantization<Int32, Int8>(multipliers: mp.baseAddress!, shifts: sp.baseAddress!, negativeMultipliers: mp.baseAddress!,
                                                         negativeShifts: sp.baseAddress!, outputZeroPoint: -5, min: -5, max: 127)
                    let q16 = Requantization<Int32, Int16>(multipliers: mp.baseAddress!, shifts: sp.baseAddress!, negativeMultipliers: mp.baseAddress!,
                                                           negativeShifts: sp.baseAddress!, outputZeroPoint: 0, min: -32767, max: 32767)
                    #expect(!q8.twoMultiplierSets)
                    expectMatch(q8, q16)
                } }
            } else {
                withStages(m, nm, sh, nsh, zeroPoint: -5) { (q8: Requantization<Int32, Int8>, q16: Requantization<Int32, Int16>) in
                    #expect(q8.twoMultiplierSets)
                    expectMatch(q8, q16)
                }
            }
        }
    }

    /// The 16-lane rule when every shift exceeds 1 (it then works on the products' high words):
    /// lane for lane the scalar rule, over every such shift, ties and products whose low word is 0.
    @Test func sixteenLanesWithLargeShiftsMatchTheScalarRule() {
        var state: UInt64 = 0x51ED_270B
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 16 }
        for round in 0..<4000 {
            var x = SIMD16<Int32>(), m = x, sh = x
            for l in 0..<16 {
                sh[l] = Int32(next() % 30) + 2                                               // 2...31
                m[l] = round % 5 == 0 ? 1 << 30 : Int32(truncatingIfNeeded: next() >> 33) | (1 << 30)
                switch (round &+ l) % 4 {
                case 0: x[l] = Int32(truncatingIfNeeded: next())                              // any value
                case 1: x[l] = Int32(truncatingIfNeeded: next() >> UInt64(next() % 32)) * (l % 2 == 0 ? 1 : -1)
                case 2: x[l] = Int32(truncatingIfNeeded: (Int64(1) << Int64(next() % 31)) * (l % 2 == 0 ? 3 : -3))   // ties, zero low words
                default: x[l] = Int32(truncatingIfNeeded: next() % 2001) - 1000
                }
            }
            let v = multiplyByQuantizedMultiplier(x, m, sh)
            for l in 0..<16 {
                #expect(v[l] == multiplyByQuantizedMultiplier(x[l], m[l], sh[l]), "x \(x[l]) m \(m[l]) shift \(sh[l])")
            }
        }
    }

    /// The 16-lane fused sigmoid against its scalar form, int8 and int16 outputs: logits across
    /// the table and past both clamps (σ table as the exporter writes it).
    @Test func sixteenLaneSigmoidMatchesTheScalarStage() {
        var state: UInt64 = 0x51A7_2026
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 16 }
        let table: [Int32] = (0...256).map { i in Int32((32768 / (1 + exp(16 - Double(i) / 8)) + 0.5).rounded(.down)) }
        for round in 0..<400 {
            let m = (0..<16).map { _ in Int32(truncatingIfNeeded: next() & 0x7fff_ffff) | (1 << 30) }
            let sh = (0..<16).map { _ in Int32(next() % 40) - 20 }
            var acc = SIMD16<Int32>()
            for l in 0..<16 { acc[l] = round % 2 == 0 ? Int32(truncatingIfNeeded: next()) : Int32(truncatingIfNeeded: next() % 2_000_001) - 1_000_000 }
            m.withUnsafeBufferPointer { mp in sh.withUnsafeBufferPointer { sp in table.withUnsafeBufferPointer { tp in
                let s8 = FusedSigmoid<Int32, Int8>(multipliers: mp.baseAddress!, shifts: sp.baseAddress!, table: tp.baseAddress!)
                let s16 = FusedSigmoid<Int32, Int16>(multipliers: mp.baseAddress!, shifts: sp.baseAddress!, table: tp.baseAddress!)
                var out8 = [Int8](repeating: 0, count: 16), out16 = [Int16](repeating: 0, count: 16)
                out8.withUnsafeMutableBufferPointer { s8.apply16(acc, channels: 0, to: $0.baseAddress!) }
                out16.withUnsafeMutableBufferPointer { s16.apply16(acc, channels: 0, to: $0.baseAddress!) }
                for l in 0..<16 {
                    #expect(out8[l] == s8.apply(acc[l], channel: l), "acc \(acc[l]) m \(m[l]) s \(sh[l])")
                    #expect(out16[l] == s16.apply(acc[l], channel: l))
                }
            } } }
        }
    }
}

/// 32-bit Arm applies the rule on 32-bit words (no 64-bit shift helper calls); that form is
/// compiled everywhere, so it is checked here against the 64-bit form the host uses, over every
/// shift and the cases where the low word is 0 or the result is a tie.
@Suite("Fixed-point rule on 32-bit words")
struct FixedPointOnWordsTests {
    @Test func matchesTheSixtyFourBitRule() {
        var state: UInt64 = 0x51ED_270B
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 16 }
        for i in 0..<100_000 {
            let s = Int32(i % 62) - 30                                         // every shift, -30...31
            var x = Int32(truncatingIfNeeded: next() >> UInt64(i % 32))        // all magnitudes
            if i % 7 == 0 { x = -x }
            var m = Int32(truncatingIfNeeded: next() >> 33) | (1 << 30)        // [2^30, 2^31)
            if i % 11 == 0 { m = 1 << 30 }                                     // products with a zero low word
            if i % 13 == 0 { x = Int32(truncatingIfNeeded: (Int64(1) << (i % 31)) * (i % 2 == 0 ? 3 : -3)) }   // ties
            #expect(roundedProductOnWords(x, m, 31 + s) == multiplyByQuantizedMultiplier(x, m, s), "x \(x) m \(m) shift \(s)")
        }
    }
}
