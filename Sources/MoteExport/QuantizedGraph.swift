// A trained model lowered to integer ops, in memory: activations fused into the op that
// produces them, weights quantized per channel, activation ranges from calibration, each
// tensor int8 or int16. ModelWriter serializes it to a .mote file; the runtime runs that.
import Foundation
import MoteRuntime
import MoteTraining

public struct QuantizedTensor: Sendable {
    public var name: String
    public var shape: Shape
    public var quantization: ActivationQuantization
    /// Equalized tensors: real value = scale · (q − zero point) · channelScales[i % count].
    public var channelScales: [Float]? = nil
    public var elementType: ElementType { quantization.type == .int8 ? .int8 : .int16 }
}

/// How a conv / dense op turns accumulators into outputs.
public struct QuantizedStage: Sendable {
    public var kind: StageKind
    /// Per channel: requantization to the output (or, for a sigmoid, to the Q11 logit).
    public var multipliers: [QuantizedMultiplier]
    /// LeakyReLU only: the multipliers for negative accumulators (slope folded in).
    public var negativeMultipliers: [QuantizedMultiplier]
}

public struct WeightedOp: Sendable {
    public var kind: OpKind                 // .conv, .transposedConv or .dense
    /// [out][kh][kw][in] (dense: [out][in]), int8 or int16 values.
    public var weights: [Int32]
    public var weightType: IntegerType
    public var bias: [Int64]
    public var kernel = 1, stride = 1, padTop = 0, padLeft = 0
    public var stage: QuantizedStage
}

public enum QuantizedOp: Sendable {
    case weighted(WeightedOp)
    case maxPool(kernel: Int, stride: Int, padTop: Int, padLeft: Int)
    case resizeNearest
    case zeroPad
    case lookup(table: [Int8])
    case sampling(sigmaQ16: [Int32], mean: QuantizedMultiplier, noise: QuantizedMultiplier)

    public var kind: OpKind {
        switch self {
        case let .weighted(w): return w.kind
        case .maxPool: return .maxPool
        case .resizeNearest: return .resizeNearest
        case .zeroPad: return .zeroPad
        case .lookup: return .lookup
        case .sampling: return .sampling
        }
    }
}

public struct QuantizedStep: Sendable {
    public var name: String
    public var op: QuantizedOp
    public var input: Int, output: Int   // tensor indices
}

public struct QuantizedGraph: Sendable {
    public var tensors: [QuantizedTensor]
    public var steps: [QuantizedStep]
    /// Steps [0, encoderSteps) are the encoder, the rest the decoder.
    public var encoderSteps: Int
    /// Tensor indices of the subgraph boundaries.
    public var input: Int, latent: Int, output: Int

    public var encoder: ArraySlice<QuantizedStep> { steps[..<encoderSteps] }
    public var decoder: ArraySlice<QuantizedStep> { steps[encoderSteps...] }

    /// The decoder alone (for a board that only generates): its steps and the tensors they use,
    /// renumbered, the latent first. Its arithmetic is the full graph's, bit for bit.
    public func decoderOnly() -> QuantizedGraph {
        var map = [latent: 0]
        var kept = [tensors[latent]]
        func index(_ t: Int) -> Int {
            if let i = map[t] { return i }
            map[t] = kept.count
            kept.append(tensors[t])
            return kept.count - 1
        }
        let newSteps = decoder.map { s in QuantizedStep(name: s.name, op: s.op, input: index(s.input), output: index(s.output)) }
        return QuantizedGraph(tensors: kept, steps: newSteps, encoderSteps: 0, input: 0, latent: 0, output: map[output]!)
    }
}

/// σ(−16 + i/8) in Q15 for i = 0...256: the FusedSigmoid table.
public let sigmoidTableQ15: [Int32] = (0...256).map { i in
    Int32(roundHalfAway(32768 / (1 + exp(-(-16 + Double(i) / 8)))))
}

/// How far the decoder's input range must reach for sampled latents (σ units): the sampler
/// draws up to ±6, beyond ±4 only 1.7·10^-5 of the time.
public let sampledLatentCover = 4.0
