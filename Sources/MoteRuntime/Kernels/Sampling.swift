// The VAE's sampling op in integers: z = z_mean + exp(0.5 · z_log_var) · ε, ε ~ N(0, 1) from
// the integer sampler, or z = z_mean when decoding deterministically.

/// Quantization constants of the sampling op, all computed at export.
public struct SamplingParameters {
    /// Zero point of the [z_mean | z_log_var] input.
    public var inputZeroPoint: Int32
    /// σ = exp(0.5 · z_log_var) in Q16 at the 257 int16-domain points q = −32768 + 256·i (an
    /// int8 input q stands for q·256), interpolated linearly in between; export caps σ at 128
    /// so that σ·ε stays within 2^42 in Q32.
    public var sigmaQ16: UnsafePointer<Int32>
    /// input scale / output scale, for the z_mean term.
    public var meanMultiplier: Int32, meanShift: Int32
    /// 2^-16 / output scale, for the σ·ε term (σ·ε in Q16).
    public var noiseMultiplier: Int32, noiseShift: Int32
    public var outputZeroPoint: Int32

    @inlinable
    public init(inputZeroPoint: Int32, sigmaQ16: UnsafePointer<Int32>, meanMultiplier: Int32, meanShift: Int32,
                noiseMultiplier: Int32, noiseShift: Int32, outputZeroPoint: Int32) {
        self.inputZeroPoint = inputZeroPoint; self.sigmaQ16 = sigmaQ16
        self.meanMultiplier = meanMultiplier; self.meanShift = meanShift
        self.noiseMultiplier = noiseMultiplier; self.noiseShift = noiseShift; self.outputZeroPoint = outputZeroPoint
    }
}

/// `latent` values of z from `2·latent` input values [z_mean | z_log_var]. With `rng` nil, z = z_mean.
@inlinable
public func sampleLatent<X: QuantizedValue, Y: QuantizedValue>(_ input: UnsafePointer<X>, latent: Int32, _ p: SamplingParameters,
                                                              rng: UnsafeMutablePointer<Xoshiro128StarStar>?, output: UnsafeMutablePointer<Y>) {
    let d = Int(latent)
    let lo = Int32(Y.min) &+ (Y.bitWidth == 8 ? 0 : 1), hi = Int32(Y.max)   // int16: symmetric ±32767
    for j in 0..<d {
        var z = multiplyByQuantizedMultiplier(Int32(input[j]) &- p.inputZeroPoint, p.meanMultiplier, p.meanShift)
        if let rng {
            let eps = Int64(rng.pointee.standardNormalQ16())               // |ε| ≤ 6 · 2^16
            // z_log_var in the int16 domain, then the table with linear interpolation.
            let u = (X.bitWidth == 8 ? Int32(input[d &+ j]) &<< 8 : Int32(input[d &+ j])) &+ 32768
            let i = Int(u >> 8), frac = Int64(u & 255)
            let a = Int64(p.sigmaQ16[i]), b = Int64(p.sigmaQ16[i &+ 1])            // i ≤ 255
            let sigma = a &+ (((b &- a) &* frac &+ 128) >> 8)                // Q16, ≤ 128 · 2^16
            let product = sigma &* eps                                       // Q32, |·| < 2^42
            // Back to Q16 with the one rounding rule (half away from zero); |·| < 2^26.
            let half = Int64(1) &<< 15
            let rounded = product >= 0 ? (product &+ half) >> 16 : -((-product &+ half) >> 16)
            z &+= multiplyByQuantizedMultiplier(Int32(truncatingIfNeeded: rounded), p.noiseMultiplier, p.noiseShift)
        }
        var v = z &+ p.outputZeroPoint
        if v < lo { v = lo }
        if v > hi { v = hi }
        output[j] = Y(truncatingIfNeeded: v)
    }
}
