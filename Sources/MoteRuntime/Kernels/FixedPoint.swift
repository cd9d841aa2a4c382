// Fixed-point arithmetic shared by every integer kernel: the one rounding rule of the runtime,
// and the integer types kernels are generic over.
//
// A real multiplier M is stored as an int32 mantissa m (|m| in [2^30, 2^31) when M ≠ 0) and a
// shift s so that M ≈ m · 2^−(31 + s) (see docs/QUANTIZATION.md; the exporter computes them).
// Applying it to an accumulator x computes x · m exactly and rounds at bit 31 + s, half away
// from zero — exact and identical on every target.

/// Whether the target has the vector registers the SIMD paths are written for (x86-64,
/// AArch64). On 32-bit Cortex-M, SIMD code unrolls into scalar code lane by lane: more flash
/// and no speed, so those targets keep the scalar paths (with bit-identical results).
@inlinable @inline(__always)
var targetHasVectorUnit: Bool {
    #if arch(x86_64) || arch(arm64)
    return true
    #else
    return false
    #endif
}

/// Activation and weight element types: int8 and int16.
public protocol QuantizedValue: FixedWidthInteger, SignedInteger {}
extension Int8: QuantizedValue {}
extension Int16: QuantizedValue {}

/// Accumulator types: int32 for int8 × int8, int64 whenever an int16 operand is involved.
public protocol AccumulatorValue: FixedWidthInteger, SignedInteger {
    /// round(x · m / 2^(31 + shift)) by the one rounding rule.
    static func scaled(_ x: Self, _ multiplier: Int32, _ shift: Int32) -> Int32
}

extension Int32: AccumulatorValue {
    @inlinable @inline(__always)
    public static func scaled(_ x: Int32, _ multiplier: Int32, _ shift: Int32) -> Int32 {
        multiplyByQuantizedMultiplier(x, multiplier, shift)
    }
}

extension Int64: AccumulatorValue {
    @inlinable @inline(__always)
    public static func scaled(_ x: Int64, _ multiplier: Int32, _ shift: Int32) -> Int32 {
        multiplyWideByQuantizedMultiplier(x, multiplier, shift)
    }
}

/// round(x · m / 2^(31 + shift)), rounding half away from zero. `shift` in -30...31.
@inlinable @inline(__always)
public func multiplyByQuantizedMultiplier(_ x: Int32, _ multiplier: Int32, _ shift: Int32) -> Int32 {
    #if arch(arm)
    return roundedProductOnWords(x, multiplier, 31 &+ shift)
    #else
    let product = Int64(x) &* Int64(multiplier)
    let total = Int64(31) &+ Int64(shift)   // 1...62 by the contract on `shift`
    let half = Int64(1) &<< (total &- 1)
    // |product| ≤ 2^62, so adding half cannot overflow; the quotient fits Int32 whenever the
    // real result does (the caller clamps to the output type right after).
    let rounded = product >= 0 ? (product &+ half) >> total : -((-product &+ half) >> total)
    return Int32(truncatingIfNeeded: rounded)
    #endif
}

/// The same rule on 32-bit words, as 32-bit Arm runs it: there a variable 64-bit shift is a
/// runtime helper call (`__aeabi_lasr`, `__aeabi_llsl`: a tenth of a Cortex-M4 int8 pass).
/// Rounding half away from zero is floor((p + h) / 2^t) for p ≥ 0 and floor((p + h − 1) / 2^t)
/// for p < 0 (h = 2^(t − 1)), so no negation is needed; for t > 32 only the high word and
/// whether the low word is 0 matter. `t` = 31 + shift, 1...62. Compiled everywhere, so that the
/// host tests check it against the 64-bit form.
@inlinable @inline(__always)
func roundedProductOnWords(_ x: Int32, _ multiplier: Int32, _ t: Int32) -> Int32 {
    let (hi, lo) = x.multipliedFullWidth(by: multiplier)
    let negative = hi < 0
    if t > 32 {
        let u = t &- 32
        return (hi &+ (Int32(1) &<< (u &- 1)) &- (negative && lo == 0 ? 1 : 0)) &>> u
    }
    let h = UInt32(1) &<< UInt32(t &- 1)
    let (low, carry) = lo.addingReportingOverflow(negative ? h &- 1 : h)
    let high = hi &+ (carry ? 1 : 0)
    if t == 32 { return high }
    return Int32(bitPattern: (low &>> UInt32(t)) | (UInt32(bitPattern: high) &<< UInt32(32 &- t)))
}

/// `multiplyByQuantizedMultiplier` on 16 lanes at once, lane for lane the same arithmetic (the
/// packed kernel's output stages): the 64-bit products of even and odd lanes in two
/// SIMD8<Int64> (sign-extended by shifts: Swift's widening conversions go lane by lane),
/// rounded half away from zero through the magnitude; the low 32 bits of each result, as the
/// scalar rule truncates.
@inlinable @inline(__always)
public func multiplyByQuantizedMultiplier(_ x: SIMD16<Int32>, _ multiplier: SIMD16<Int32>, _ shift: SIMD16<Int32>,
                                          shiftsAboveOne: Bool = false) -> SIMD16<Int32> {
    // `shiftsAboveOne`: the caller checked every channel's shift once (an output stage's
    // `checkingShifts`); otherwise check these 16 lanes: the sign bits of shift − 2, or-ed
    // across the lanes, are clear. (Plain lane arithmetic: mask operations compile lane by lane.)
    if shiftsAboveOne { return roundedHighWords(x, multiplier, shift) }
    let below = shift &- 2, eight = below.lowHalf | below.highHalf, four = eight.lowHalf | eight.highHalf
    if (four.lowHalf | four.highHalf).x | (four.lowHalf | four.highHalf).y >= 0 { return roundedHighWords(x, multiplier, shift) }
    @inline(__always) func scaled(_ x: SIMD8<Int64>, _ m: SIMD8<Int64>, _ s: SIMD8<Int64>) -> SIMD8<Int64> {
        let p = x &* m, total = s &+ 31
        let sign = p &>> 63, magnitude = (p ^ sign) &- sign
        let r = (magnitude &+ (SIMD8<Int64>(repeating: 1) &<< (total &- 1))) &>> total
        return (r ^ sign) &- sign
    }
    @inline(__always) func even(_ v: SIMD16<Int32>) -> SIMD8<Int64> { (unsafeBitCast(v, to: SIMD8<Int64>.self) &<< 32) &>> 32 }
    @inline(__always) func odd(_ v: SIMD16<Int32>) -> SIMD8<Int64> { unsafeBitCast(v, to: SIMD8<Int64>.self) &>> 32 }
    let lo = scaled(even(x), even(multiplier), even(shift)), hi = scaled(odd(x), odd(multiplier), odd(shift))
    return unsafeBitCast((lo & 0xFFFF_FFFF) | (hi &<< 32), to: SIMD16<Int32>.self)
}

/// `multiplyByQuantizedMultiplier` on 16 lanes whose shifts all exceed 1 (rounding at bit
/// t = 31 + shift > 32, the usual case): the rule's floor((p + 2^(t−1) − [p < 0]) / 2^t) with
/// the sum formed in 64-bit lanes (|p| ≤ 2^62: no overflow) and the quotient as the sum's high
/// word shifted right by u = t − 32 — on AVX2, which has no 64-bit arithmetic shift or
/// multiply, pmuldq, pcmpgtq and 32-bit lane shifts only (a quarter fewer instructions than
/// splitting the product into high and low words and correcting for a zero low word).
@inlinable @inline(__always)
func roundedHighWords(_ x: SIMD16<Int32>, _ multiplier: SIMD16<Int32>, _ shift: SIMD16<Int32>) -> SIMD16<Int32> {
    @inline(__always) func even(_ v: SIMD16<Int32>) -> SIMD8<Int64> { (unsafeBitCast(v, to: SIMD8<Int64>.self) &<< 32) &>> 32 }
    @inline(__always) func odd(_ v: SIMD16<Int32>) -> SIMD8<Int64> { unsafeBitCast(v, to: SIMD8<Int64>.self) &>> 32 }
    let u = shift &- 1
    let half = unsafeBitCast(SIMD16<Int32>(repeating: 1) &<< (u &- 1), to: SIMD8<Int64>.self)   // 2^(u−1) per lane
    let highWords = SIMD8<Int64>(repeating: -1 &<< 32)
    let pe = even(x) &* even(multiplier), po = odd(x) &* odd(multiplier)   // products of lanes 0, 2, 4 … and 1, 3, 5 …
    // p + 2^(t−1) − [p < 0]: an even lane's half moved into the high word, an odd lane's is there.
    let qe = pe &+ (half &<< 32) &+ (pe &>> 63), qo = po &+ (half & highWords) &+ (po &>> 63)
    let high = unsafeBitCast((unsafeBitCast(qe, to: SIMD8<UInt64>.self) &>> 32) | unsafeBitCast(qo & highWords, to: SIMD8<UInt64>.self), to: SIMD16<Int32>.self)
    return high &>> u
}

/// The largest accumulator magnitude the wide path keeps: int16 × int16 products summed over
/// 65,536 taps stay below it; larger values saturate (they cannot come from a valid model).
public let wideAccumulatorLimit: Int64 = (1 << 47) - 1

/// The same rule for int64 accumulators, exact without 128-bit arithmetic (which 32-bit Arm
/// has no instruction or libgcc helper for): x is saturated to ±(2^47 − 1), the multiplier
/// split into 15 + 16 bits, so every partial product fits 64 bits. `shift` in -15...31 (the
/// file reader enforces it); the result saturates to ±(2^31 − 1).
@inlinable @inline(__always)
public func multiplyWideByQuantizedMultiplier(_ x: Int64, _ multiplier: Int32, _ shift: Int32) -> Int32 {
    let c = x > wideAccumulatorLimit ? wideAccumulatorLimit : (x < -wideAccumulatorLimit ? -wideAccumulatorLimit : x)
    let negative = (c < 0) != (multiplier < 0)
    let a = c.magnitude, m = UInt64(multiplier.magnitude)      // a < 2^47, m ≤ 2^31
    let high = a &* (m >> 16)                                   // < 2^62
    let low = a &* (m & 0xFFFF)                                  // < 2^63
    // a·m = top·2^16 + rest; floor((a·m + half) / 2^t) = floor((top + (rest + half) / 2^16) / 2^(t − 16)).
    let top = high &+ (low >> 16)
    let total = UInt64(truncatingIfNeeded: 31 &+ shift)          // 16...62
    let half = UInt64(1) &<< (total &- 1)
    let r = (top &+ (((low & 0xFFFF) &+ half) >> 16)) >> (total &- 16)
    let magnitude = r > UInt64(Int32.max) ? Int32.max : Int32(truncatingIfNeeded: r)
    return negative ? -magnitude : magnitude
}

/// `multiplyWideByQuantizedMultiplier` on 4 lanes at once, lane for lane the same arithmetic
/// (the int16 kernels' output stage). Multipliers and shifts come sign-extended to 64 bits.
@inlinable @inline(__always)
public func multiplyWideByQuantizedMultiplier(_ x: SIMD4<Int64>, _ multiplier: SIMD4<Int64>, _ shift: SIMD4<Int64>) -> SIMD4<Int64> {
    let c = x.clamped(lowerBound: SIMD4(repeating: -wideAccumulatorLimit), upperBound: SIMD4(repeating: wideAccumulatorLimit))
    let cSign = c &>> 63, mSign = multiplier &>> 63
    let a = SIMD4<UInt64>(truncatingIfNeeded: (c ^ cSign) &- cSign)
    let m = SIMD4<UInt64>(truncatingIfNeeded: (multiplier ^ mSign) &- mSign)
    let high = a &* (m &>> 16), low = a &* (m & 0xFFFF)
    let top = high &+ (low &>> 16)
    let total = SIMD4<UInt64>(truncatingIfNeeded: shift &+ 31)
    let half = SIMD4<UInt64>(repeating: 1) &<< (total &- 1)
    let r = (top &+ (((low & 0xFFFF) &+ half) &>> 16)) &>> (total &- 16)
    let magnitude = SIMD4<Int64>(truncatingIfNeeded: r.replacing(with: SIMD4(repeating: UInt64(Int32.max)), where: r .> SIMD4(repeating: UInt64(Int32.max))))
    let negative = cSign ^ mSign                                   // all ones where the signs differ
    return (magnitude ^ negative) &- negative
}
