// A model built from its spec: the encoder and decoder subgraphs as layer lists, run as a
// plain loop forward and in reverse for gradients.

import Foundation

public enum Subgraph: String, Sendable, CaseIterable {
    case encoder, decoder, autoencoder
}

public final class Autoencoder {
    public let spec: ModelSpec
    public let encoder: [Layer]
    public let decoder: [Layer]
    public let layers: [Layer]
    public let parameters: [Parameter]
    /// The VAE's sampling layer (it also contributes the KL term), if any.
    public let sampling: Sampling?
    public var latentShape: Shape { decoder[0].inputShape }
    public var outputShape: Shape { decoder.last!.outputShape }
    public private(set) var maxBatch = 0

    public init(spec: ModelSpec) throws {
        self.spec = spec
        var shape = spec.input
        guard shape.count <= SpecLimits.activationValues else { throw SpecError("input \(shape) has more than \(SpecLimits.activationValues) values") }
        var parameterTotal = 0
        encoder = try Self.build(spec.encoder, part: "encoder", shape: &shape, parameters: &parameterTotal)
        decoder = try Self.build(spec.decoder, part: "decoder", shape: &shape, parameters: &parameterTotal)
        guard shape == spec.input else {
            throw SpecError("the decoder produces \(shape) but the input is \(spec.input): an autoencoder must reproduce its input")
        }
        guard !encoder.isEmpty, !decoder.isEmpty else { throw SpecError("encoder and decoder need at least one layer") }
        layers = encoder + decoder
        layers[0].needsInputGradient = false
        parameters = layers.flatMap(\.parameters)
        sampling = encoder.last as? Sampling
        if layers.dropLast().contains(where: { $0 is Sampling && $0 !== encoder.last }) {
            throw SpecError("sampling must be the last layer of the encoder")
        }
    }

    static func build(_ specs: [LayerSpec], part: String, shape: inout Shape, parameters total: inout Int) throws -> [Layer] {
        var layers = [Layer]()
        for (i, s) in specs.enumerated() {
            let name = "\(part).\(s.name ?? "\(i)_\(s.type)")"
            let input = shape
            func need(_ v: Int?, _ field: String) throws -> Int {
                guard let v, v > 0 else { throw SpecError("\(name): \(s.type) needs a positive \(field)") }
                return v
            }
            // Weights are allocated when the layer is made: bound them before that.
            let weights: Int
            switch s.type {
            case "dense": weights = input.count * (try need(s.units, "units") + 1)
            case "conv2d", "conv2d_transpose": weights = (s.kernel * s.kernel * input.c + 1) * (try need(s.filters, "filters"))
            default: weights = 0
            }
            total += weights
            guard total <= SpecLimits.parameters else {
                throw SpecError("\(name): the model would have over \(SpecLimits.parameters) parameters (\(total) so far); use fewer units or filters")
            }
            let layer: Layer
            switch s.type {
            case "dense":
                guard input.isVector else { throw SpecError("\(name): dense needs a flat input, got \(input) (add a flatten layer)") }
                layer = Dense(name: name, input: input, units: try need(s.units, "units"))
            case "conv2d":
                guard s.strides > 0, s.kernel > 0 else { throw SpecError("\(name): kernel and strides must be positive") }
                if s.padding == .valid && (input.h < s.kernel || input.w < s.kernel) {
                    throw SpecError("\(name): input \(input) is smaller than the kernel")
                }
                layer = Conv2D(name: name, input: input, filters: try need(s.filters, "filters"),
                               kernelSize: s.kernel, stride: s.strides, padding: s.padding)
            case "conv2d_transpose":
                guard s.padding == .same else { throw SpecError("\(name): conv2d_transpose supports same padding only") }
                guard s.strides > 0, s.kernel > 0 else { throw SpecError("\(name): kernel and strides must be positive") }
                layer = Conv2DTranspose(name: name, input: input, filters: try need(s.filters, "filters"),
                                        kernelSize: s.kernel, stride: s.strides)
            case "maxpool":
                guard s.pool > 0 else { throw SpecError("\(name): pool must be positive") }
                if s.padding == .valid && (input.h < s.pool || input.w < s.pool) {
                    throw SpecError("\(name): input \(input) is smaller than the pool")
                }
                layer = MaxPool(name: name, input: input, pool: s.pool, padding: s.padding)
            case "resize_nearest":
                guard let size = s.size, size.count == 2, size[0] > 0, size[1] > 0 else {
                    throw SpecError("\(name): resize_nearest needs size [height, width]")
                }
                layer = ResizeNearest(name: name, input: input, height: size[0], width: size[1])
            case "zero_pad":
                layer = ZeroPad(name: name, input: input, pad: try need(s.pad, "pad"))
            case "flatten":
                layer = Reshape(name: name, input: input, to: .vector(input.count))
            case "reshape":
                guard let d = s.shape, d.count == 3, d[0] * d[1] * d[2] == input.count else {
                    throw SpecError("\(name): reshape needs shape [h, w, c] holding \(input.count) values")
                }
                layer = Reshape(name: name, input: input, to: Shape(d[0], d[1], d[2]))
            case "sampling":
                guard input.isVector, input.c % 2 == 0 else {
                    throw SpecError("\(name): sampling needs a flat [z_mean | z_log_var] input of even size, got \(input)")
                }
                layer = Sampling(name: name, input: input)
            case "relu", "leaky_relu", "sigmoid":
                layer = Activation(name: name, input: input, function: ActivationKind(rawValue: s.type)!, alpha: s.alpha)
            default:
                throw SpecError("\(name): unknown layer type \"\(s.type)\"")
            }
            layers.append(layer)
            shape = layer.outputShape
            guard shape.h >= 1, shape.w >= 1, shape.c >= 1, shape.count <= SpecLimits.activationValues else {
                throw SpecError("\(name): output \(shape) is empty or has more than \(SpecLimits.activationValues) values per image")
            }
            if s.activation != .linear && !(layer is Activation) {
                let act = Activation(name: "\(name).\(s.activation.rawValue)", input: shape, function: s.activation, alpha: s.alpha)
                layers.append(act)
            }
        }
        return layers
    }

    /// Bytes of outputs, input gradients and patch scratch a batch of `n` needs (an estimate
    /// within a few percent; checked against `SpecLimits.trainingBytes` before allocating).
    public func batchBytes(_ n: Int) -> Int {
        layers.reduce(0) { $0 + n * ($1.inputShape.count + $1.outputShape.count) * 4 + (($1 as? ConvolutionLayer).map { $0.patch * $0.chunk * 4 } ?? 0) }
    }

    /// Throws when a batch of `n` would need more memory than `SpecLimits.trainingBytes`.
    public func checkBatchMemory(_ n: Int) throws {
        let bytes = batchBytes(n)
        guard bytes <= SpecLimits.trainingBytes else {
            throw SpecError(String(format: "a batch of %d images of %@ needs %.1f GB of activations, over the %d GB limit: lower batch_size (--batch-size)",
                                   n, spec.name, Double(bytes) / 1e9, SpecLimits.trainingBytes >> 30))
        }
    }

    public func allocate(maxBatch: Int) {
        guard maxBatch > self.maxBatch else { return }
        self.maxBatch = maxBatch
        for l in layers { l.allocate(maxBatch: maxBatch) }
    }

    public func initialize(seed: UInt64) {
        var rng = SeededRandom(seed: seed, stream: RandomStream.initialization.rawValue, epoch: 0)
        for l in layers { l.initialize(rng: &rng) }
    }

    public func layers(_ subgraph: Subgraph) -> [Layer] {
        switch subgraph {
        case .encoder: return encoder
        case .decoder: return decoder
        case .autoencoder: return layers
        }
    }

    /// True when the last layer is a sigmoid and the loss is BCE: training then computes BCE on
    /// the logits (as Keras does), which is stable and skips the sigmoid's own backward.
    public var trainsOnLogits: Bool {
        (decoder.last as? Activation)?.function == .sigmoid && spec.loss.kind != .mse
    }

    /// Runs `subgraph` on x (n ≤ maxBatch). With `dropLast`, stops before the final layer.
    public func forward(_ x: Batch, _ subgraph: Subgraph = .autoencoder, training: Bool = false,
                        dropLast: Bool = false) -> Batch {
        var h = x
        let list = layers(subgraph)
        for i in 0..<(list.count - (dropLast ? 1 : 0)) { h = list[i].forward(h, training: training) }
        return h
    }

    /// Back-propagates dL/d(output of layer `upTo` − 1) through layers [0, upTo).
    public func backward(_ dy: Batch, upTo: Int) {
        var g = dy
        var i = upTo - 1
        while i >= 0 {
            g = layers[i].backward(g)
            i -= 1
        }
    }

    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }
    public func parameterCount(_ subgraph: Subgraph) -> Int {
        layers(subgraph).flatMap(\.parameters).reduce(0) { $0 + $1.count }
    }
    public func macs(_ subgraph: Subgraph) -> Int { layers(subgraph).reduce(0) { $0 + $1.macsPerSample } }
}
