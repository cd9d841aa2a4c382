// The VAE's sampling op: z = z_mean + σ · ε from [z_mean | z_log_var]. Its constants block is
// the σ = exp(z_log_var / 2) table in Q16 at 257 points (int32 each), then the z_mean and the
// noise multipliers as (i32 mantissa, i32 shift) pairs. The arithmetic is in Kernels/Sampling.swift.

package enum SamplingOp {
    package static let tableEntries = 257
    /// Byte offsets in the constants block.
    package static let meanMultiplier = tableEntries &* 4, meanShift = meanMultiplier &+ 4,
                      noiseMultiplier = meanMultiplier &+ 8, noiseShift = meanMultiplier &+ 12
    package static let constantsBytes = meanMultiplier &+ 16

    static func validate(_ op: OpCheck) throws(ModelError) {
        guard op.input.count == 2 &* op.output.count else { throw op.failure("sampling: input must hold z_mean and z_log_var") }
        let b = try op.block(constantsBytes)
        guard validShift(b.i32(meanShift), wide: false), validShift(b.i32(noiseShift), wide: false) else { throw op.failure("a multiplier shift is out of range") }
    }

    @inline(__always)
    static func execute(_ op: OpOperands, sampler: UnsafeMutablePointer<Xoshiro128StarStar>?) {
        let (x, y, b) = (op.input, op.output, op.constants)
        let p = SamplingParameters(inputZeroPoint: x.zeroPoint, sigmaQ16: b.assumingMemoryBound(to: Int32.self),
                                   meanMultiplier: b.i32(meanMultiplier), meanShift: b.i32(meanShift),
                                   noiseMultiplier: b.i32(noiseMultiplier), noiseShift: b.i32(noiseShift),
                                   outputZeroPoint: y.zeroPoint)
        let n = Int32(y.count)
        switch (x.type, y.type) {
        case (.int8, .int8): sampleLatent(op.source(Int8.self), latent: n, p, rng: sampler, output: op.destination(Int8.self))
        case (.int8, .int16): sampleLatent(op.source(Int8.self), latent: n, p, rng: sampler, output: op.destination(Int16.self))
        case (.int16, .int8): sampleLatent(op.source(Int16.self), latent: n, p, rng: sampler, output: op.destination(Int8.self))
        case (.int16, .int16): sampleLatent(op.source(Int16.self), latent: n, p, rng: sampler, output: op.destination(Int16.self))
        }
    }

    /// Writes the constants block (`constantsBytes`).
    package static func encode(into block: UnsafeMutableRawPointer, sigmaQ16: (Int) -> Int32,
                              mean: (multiplier: Int32, shift: Int32), noise: (multiplier: Int32, shift: Int32)) {
        for i in 0..<tableEntries { block.put(sigmaQ16(i), at: i &* 4) }
        block.put(mean.multiplier, at: meanMultiplier); block.put(mean.shift, at: meanShift)
        block.put(noise.multiplier, at: noiseMultiplier); block.put(noise.shift, at: noiseShift)
    }
}
