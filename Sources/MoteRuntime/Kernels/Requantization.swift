// How an accumulator becomes an output value: per-channel multiplier and shift, the output
// zero point, and the clamp that also implements fused ReLU. A fused LeakyReLU uses a second
// multiplier set (the first one times the slope) for negative accumulators. A fused sigmoid
// goes through a logit in Q11 and a table instead.

/// What turns a kernel's accumulator for one output channel into the output value.
public protocol OutputStage {
    associatedtype Accumulator: AccumulatorValue
    associatedtype Output: QuantizedValue
    func apply(_ acc: Accumulator, channel c: Int) -> Output
    /// The same for 16 consecutive channels c ..< c + 16 of int32 accumulators (the packed SIMD
    /// kernel's), written to out[0 ..< 16]; bit-identical to `apply` lane by lane.
    func apply16(_ acc: SIMD16<Int32>, channels c: Int, to out: UnsafeMutablePointer<Output>)
    /// The same for 4 consecutive channels c ..< c + 4 of int64 accumulators (the int16
    /// kernel's), written to out[0 ..< 4]; bit-identical to `apply` lane by lane.
    func apply4(_ acc: SIMD4<Int64>, channels c: Int, to out: UnsafeMutablePointer<Output>)
}

extension OutputStage {
    @inlinable @inline(__always)
    public func apply16(_ acc: SIMD16<Int32>, channels c: Int, to out: UnsafeMutablePointer<Output>) {
        applyLaneByLane(acc, channels: c, to: out)
    }

    @inlinable @inline(__always)
    public func apply4(_ acc: SIMD4<Int64>, channels c: Int, to out: UnsafeMutablePointer<Output>) {
        applyLaneByLane(acc, channels: c, to: out)
    }

    /// `apply` on each of the 4 lanes: the default `apply4`, and the fallback of vector ones.
    @inlinable @inline(__always)
    public func applyLaneByLane(_ acc: SIMD4<Int64>, channels c: Int, to out: UnsafeMutablePointer<Output>) {
        for l in 0..<4 { out[l] = apply(Accumulator(truncatingIfNeeded: acc[l]), channel: c &+ l) }
    }

    /// `apply` on each of the 16 lanes: the default `apply16`, and the fallback of vector ones.
    @inlinable @inline(__always)
    public func applyLaneByLane(_ acc: SIMD16<Int32>, channels c: Int, to out: UnsafeMutablePointer<Output>) {
        for l in 0..<16 { out[l] = apply(Accumulator(truncatingIfNeeded: acc[l]), channel: c &+ l) }
    }
}

/// v with every lane clamped to lo...hi. A plain loop, which LLVM turns into pmaxsd/pminsd:
/// SIMD's `clamped` stayed a call to the generic pointwiseMin/Max here, once per 16 outputs.
@inlinable @inline(__always)
func clampLanes(_ v: SIMD16<Int32>, _ lo: Int32, _ hi: Int32) -> SIMD16<Int32> {
    var r = v
    withUnsafeMutableBytes(of: &r) { raw in
        let p = raw.baseAddress!.assumingMemoryBound(to: Int32.self)
        for i in 0..<16 { p[i] = Swift.min(Swift.max(p[i], lo), hi) }
    }
    return r
}

/// Whether shifts[0 ..< count] all exceed 1 (see `roundedHighWords`). A min reduction, which
/// LLVM vectorizes (a loop with an early exit stays scalar: 3,136 channels cost 2 µs).
@inlinable
func allAboveOne(_ shifts: UnsafePointer<Int32>, _ count: Int) -> Bool {
    var least = Int32.max
    for c in 0..<count { least = Swift.min(least, shifts[c]) }
    return least > 1
}

public struct Requantization<Accumulator: AccumulatorValue, Output: QuantizedValue>: OutputStage {
    public var multipliers: UnsafePointer<Int32>
    public var shifts: UnsafePointer<Int32>
    /// Multipliers/shifts for negative accumulators (LeakyReLU); the same pointers otherwise.
    public var negativeMultipliers: UnsafePointer<Int32>
    public var negativeShifts: UnsafePointer<Int32>
    public var outputZeroPoint: Int32
    /// Clamp bounds in the output's quantized domain (ReLU: min = zero point).
    public var min: Int32
    public var max: Int32
    /// Whether negative accumulators have multipliers of their own (LeakyReLU): without, the
    /// 16-lane form skips choosing between the two sets.
    @usableFromInline var twoMultiplierSets: Bool
    /// Set by whoever knows the channel count (`checkingShifts`): every shift, of both sets,
    /// above 1, so the 16-lane form goes straight to `roundedHighWords`.
    @usableFromInline var shiftsAboveOne = false

    @inlinable
    public init(multipliers: UnsafePointer<Int32>, shifts: UnsafePointer<Int32>,
                negativeMultipliers: UnsafePointer<Int32>, negativeShifts: UnsafePointer<Int32>,
                outputZeroPoint: Int32, min: Int32, max: Int32) {
        self.multipliers = multipliers; self.shifts = shifts
        self.negativeMultipliers = negativeMultipliers; self.negativeShifts = negativeShifts
        self.outputZeroPoint = outputZeroPoint; self.min = min; self.max = max
        twoMultiplierSets = negativeMultipliers != multipliers || negativeShifts != shifts
    }

    /// This stage with `shiftsAboveOne` set when it holds for channels 0 ..< channels: a
    /// check once per op instead of once per 16 outputs.
    @inlinable
    public func checkingShifts(channels: Int) -> Self {
        var s = self
        s.shiftsAboveOne = allAboveOne(shifts, channels) && allAboveOne(negativeShifts, channels)
        return s
    }

    @inlinable @inline(__always)
    public func apply(_ acc: Accumulator, channel c: Int) -> Output {
        let scaled = acc >= 0 ? Accumulator.scaled(acc, multipliers[c], shifts[c])
                              : Accumulator.scaled(acc, negativeMultipliers[c], negativeShifts[c])
        var v = scaled &+ outputZeroPoint
        if v < min { v = min }
        if v > max { v = max }
        return Output(truncatingIfNeeded: v)
    }

    /// The int32 rule on 16 lanes at once (`multiplyByQuantizedMultiplier`'s vector form).
    @inlinable @inline(__always)
    public func apply16(_ acc: SIMD16<Int32>, channels c: Int, to out: UnsafeMutablePointer<Output>) {
        guard Accumulator.bitWidth == 32 && targetHasVectorUnit else { return applyLaneByLane(acc, channels: c, to: out) }
        var m = UnsafeRawPointer(multipliers + c).loadUnaligned(as: SIMD16<Int32>.self)
        var sh = UnsafeRawPointer(shifts + c).loadUnaligned(as: SIMD16<Int32>.self)
        if twoMultiplierSets {
            let negative = acc .< SIMD16<Int32>(repeating: 0)
            m.replace(with: UnsafeRawPointer(negativeMultipliers + c).loadUnaligned(as: SIMD16<Int32>.self), where: negative)
            sh.replace(with: UnsafeRawPointer(negativeShifts + c).loadUnaligned(as: SIMD16<Int32>.self), where: negative)
        }
        var v = multiplyByQuantizedMultiplier(acc, m, sh, shiftsAboveOne: shiftsAboveOne) &+ outputZeroPoint
        v = clampLanes(v, min, max)
        for l in 0..<16 { out[l] = Output(truncatingIfNeeded: v[l]) }
    }
}

extension Requantization {
    /// The int64 rule on 4 lanes (`multiplyWideByQuantizedMultiplier`'s vector form).
    @inlinable @inline(__always)
    public func apply4(_ acc: SIMD4<Int64>, channels c: Int, to out: UnsafeMutablePointer<Output>) {
        guard Accumulator.bitWidth == 64 && targetHasVectorUnit else { return applyLaneByLane(acc, channels: c, to: out) }
        @inline(__always) func wide(_ p: UnsafePointer<Int32>) -> SIMD4<Int64> {
            SIMD4(Int64(p[c]), Int64(p[c &+ 1]), Int64(p[c &+ 2]), Int64(p[c &+ 3]))
        }
        let positive = acc .>= SIMD4<Int64>(repeating: 0)
        let m = wide(negativeMultipliers).replacing(with: wide(multipliers), where: positive)
        let sh = wide(negativeShifts).replacing(with: wide(shifts), where: positive)
        let v = (multiplyWideByQuantizedMultiplier(acc, m, sh) &+ Int64(outputZeroPoint))
            .clamped(lowerBound: SIMD4(repeating: Int64(min)), upperBound: SIMD4(repeating: Int64(max)))
        for l in 0..<4 { out[l] = Output(truncatingIfNeeded: v[l]) }
    }
}

/// A sigmoid fused into the op that produces its input: the accumulator becomes a logit in
/// Q11 (±16, step 2^-11) through the per-channel multiplier, then σ comes from a 257-entry Q15
/// table over [−16, 16] (step 1/8) with linear interpolation (error below 2·10^-4), and the
/// output is σ on the fixed [0, 1] grid: int8 q = round(255·σ) − 128, int16 q = round(32767·σ).
/// No quantized logit tensor stands in between, which is where an unfused int8 sigmoid loses most.
public struct FusedSigmoid<Accumulator: AccumulatorValue, Output: QuantizedValue>: OutputStage {
    public var multipliers: UnsafePointer<Int32>
    public var shifts: UnsafePointer<Int32>
    /// σ(−16 + i/8) in Q15, i = 0...256.
    public var table: UnsafePointer<Int32>
    /// As in `Requantization`: set by `checkingShifts`.
    @usableFromInline var shiftsAboveOne = false

    @inlinable
    public init(multipliers: UnsafePointer<Int32>, shifts: UnsafePointer<Int32>, table: UnsafePointer<Int32>) {
        self.multipliers = multipliers; self.shifts = shifts; self.table = table
    }

    /// This stage with `shiftsAboveOne` set when it holds for channels 0 ..< channels.
    @inlinable
    public func checkingShifts(channels: Int) -> Self {
        var s = self
        s.shiftsAboveOne = allAboveOne(shifts, channels)
        return s
    }

    @inlinable @inline(__always)
    public func apply(_ acc: Accumulator, channel c: Int) -> Output {
        var logit = Accumulator.scaled(acc, multipliers[c], shifts[c])
        if logit < -32768 { logit = -32768 }
        if logit > 32767 { logit = 32767 }
        let u = logit &+ 32768                        // 0...65535, 256 units per table step
        let i = Int(u >> 8), frac = u & 255
        let a = table[i], b = table[i &+ 1]
        let sigma = a &+ (((b &- a) &* frac &+ 128) >> 8)   // Q15; b ≥ a, so the rounding is half up
        return Output(truncatingIfNeeded: ((sigma &* Self.gridSpan &+ 16384) >> 15) &+ Self.gridBase)   // σ ≥ 0
    }

    /// The [0, 1] grid of the output type: 255 steps from −128 (int8), 32767 from 0 (int16).
    @inlinable static var gridSpan: Int32 { Output.bitWidth == 8 ? 255 : 32767 }
    @inlinable static var gridBase: Int32 { Output.bitWidth == 8 ? -128 : 0 }

    /// `apply` on 16 lanes of int32 accumulators (a dense or packed op's image output): the
    /// logits by the vector rule, the table read lane by lane, the rest vector arithmetic.
    @inlinable @inline(__always)
    public func apply16(_ acc: SIMD16<Int32>, channels c: Int, to out: UnsafeMutablePointer<Output>) {
        guard Accumulator.bitWidth == 32 && targetHasVectorUnit else { return applyLaneByLane(acc, channels: c, to: out) }
        let m = UnsafeRawPointer(multipliers + c).loadUnaligned(as: SIMD16<Int32>.self)
        let sh = UnsafeRawPointer(shifts + c).loadUnaligned(as: SIMD16<Int32>.self)
        let logit = multiplyByQuantizedMultiplier(acc, m, sh, shiftsAboveOne: shiftsAboveOne)
        let u = clampLanes(logit, -32768, 32767) &+ 32768
        let i = u &>> 8, frac = u & 255
        var a = SIMD16<Int32>(), b = SIMD16<Int32>()
        for l in 0..<16 { a[l] = table[Int(i[l])]; b[l] = table[Int(i[l]) &+ 1] }
        let sigma = a &+ (((b &- a) &* frac &+ 128) &>> 8)
        let q = ((sigma &* Self.gridSpan &+ 16384) &>> 15) &+ Self.gridBase
        for l in 0..<16 { out[l] = Output(truncatingIfNeeded: q[l]) }
    }
}
