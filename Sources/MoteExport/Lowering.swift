// Lowering a trained model to a QuantizedGraph: calibrate activation ranges on real images,
// pick each tensor's integer type (the model's, or a per-layer override), fuse activations,
// quantize weights per channel and turn every real multiplier into mantissa + shift.
import Foundation
import MoteRuntime
import MoteTraining

public struct QuantizationOptions: Sendable {
    /// Activation type of every tensor unless overridden.
    public var activations: IntegerType = .int8
    /// Weight type; nil: the same as the layer's output activations.
    public var weights: IntegerType?
    /// Layer name ("conv1", or "decoder.conv1" where names repeat) → type of that layer's
    /// output activations and weights.
    public var layers: [String: IntegerType] = [:]
    public var calibration: CalibrationMethod = .percentile
    /// Equalize per-channel activation ranges across ReLU pairs (Equalization.swift).
    public var equalize = true
    /// Which layers get their bias corrected for the mean error of their rounded weights
    /// (BiasCorrection.swift).
    public var biasCorrection: BiasCorrectionScope = .dense

    public init(activations: IntegerType = .int8, weights: IntegerType? = nil, layers: [String: IntegerType] = [:],
                calibration: CalibrationMethod = .percentile, equalize: Bool = true) {
        self.activations = activations; self.weights = weights; self.layers = layers; self.calibration = calibration
        self.equalize = equalize
    }
}

public struct LoweringError: Error, CustomStringConvertible {
    public var description: String
    init(_ d: String) { description = d }
}

public enum Lowering {
    /// The layers as units: a conv/dense with the activation that follows it (ReLU, LeakyReLU
    /// and sigmoid all fuse), or one layer.
    static func units(_ layers: [Layer]) -> [[Layer]] {
        var out = [[Layer]]()
        var i = 0
        while i < layers.count {
            let l = layers[i]
            // Reshapes between the op and its activation are views: look through them.
            var j = i + 1
            while j < layers.count && layers[j] is Reshape { j += 1 }
            if l is ConvolutionLayer || l is Dense, j < layers.count,
               let a = layers[j] as? Activation, a.function != .linear {
                out.append(Array(layers[i...j])); i = j + 1
            } else {
                out.append([l]); i += 1
            }
        }
        return out
    }

    /// Float outputs of every unit on `images` (prepared for the model's input), `visit`ed
    /// per batch: (unit index, values). A VAE's decoder also sees as many latents drawn
    /// N(0, 1) by the runtime's sampler (fixed seed): it decodes those too, and its ranges
    /// must cover them.
    static func forEachUnitOutput(_ model: Autoencoder, _ images: ImageSet, _ visit: (Int, UnsafeBufferPointer<Float>) -> Void) {
        let encoderUnits = units(model.encoder), decoderUnits = units(model.decoder)
        let batch = min(100, max(images.count, 1))
        model.allocate(maxBatch: batch)
        model.sampling?.stochastic = false
        defer { model.sampling?.stochastic = true }
        let per = model.spec.input.count, latent = model.latentShape.count
        let x = FloatStorage(batch * max(per, latent))
        var rng = Xoshiro128StarStar(seed: 0x5EED)
        for prior in model.sampling != nil ? [false, true] : [false] {
            var lo = 0
            while lo < images.count {
                let n = min(batch, images.count - lo)
                var h: Batch
                if prior {
                    for k in 0..<(n * latent) { x.pointer[k] = Float(Double(rng.standardNormalQ16()) / 65536) }
                    h = Batch(data: x.pointer, n: n, shape: model.latentShape)
                } else {
                    images.pixels.withUnsafeBufferPointer { p in x.pointer.update(from: p.baseAddress! + lo * per, count: n * per) }
                    h = Batch(data: x.pointer, n: n, shape: model.spec.input)
                }
                for (u, unit) in (prior ? decoderUnits : encoderUnits + decoderUnits).enumerated() {
                    for l in unit { h = l.forward(h, training: false) }
                    visit(prior ? encoderUnits.count + u : u, UnsafeBufferPointer(start: UnsafePointer(h.data), count: h.count))
                }
                lo += n
            }
        }
    }

    /// Lowers `model`, calibrating activation ranges on `calibration` (images already prepared
    /// for the model's input, e.g. padded).
    public static func lower(_ model: Autoencoder, calibration: ImageSet, options: QuantizationOptions = QuantizationOptions()) throws -> QuantizedGraph {
        // Overrides are checked before any calibration work. Layer names are "encoder.conv1"; an
        // override may also use the bare "conv1".
        let layers = model.encoder + model.decoder
        func shortName(_ l: Layer) -> String { String(l.name.split(separator: ".", maxSplits: 1).last ?? "") }
        for name in options.layers.keys where !layers.contains(where: { $0.name == name || shortName($0) == name }) {
            let ops = layers.filter { !($0 is Activation) && !($0 is Reshape) }.map(\.name)
            throw LoweringError("--layer \(name): the model has no layer of that name (layers: \(ops.joined(separator: ", ")))")
        }
        func override(_ layer: Layer) -> IntegerType? { options.layers[layer.name] ?? options.layers[shortName(layer)] }
        // NaN or infinite weights (a diverged run) have no quantization: refuse them by name.
        for p in model.parameters where !p.value.buffer.allSatisfy(\.isFinite) {
            throw LoweringError("\(p.name) holds NaN or infinite values (did training diverge? retrain with a lower learning rate)")
        }

        let encoderUnits = units(model.encoder), decoderUnits = units(model.decoder)
        let eq = options.equalize ? Equalization.plan(model, encoderUnits, decoderUnits, calibration: calibration)
                                  : Equalization.none(encoderUnits.count + decoderUnits.count)
        var observers = [RangeObserver](repeating: RangeObserver(), count: encoderUnits.count + decoderUnits.count)
        var scaled = [Float]()
        // The ranges of rescaled outputs are observed rescaled.
        func observe(_ u: Int, _ v: UnsafeBufferPointer<Float>, _ body: (UnsafeBufferPointer<Float>) -> Void) {
            guard let s = eq.outputScales[u] else { return body(v) }
            scaled.removeAll(keepingCapacity: true)
            for i in v.indices { scaled.append(v[i] / s[i % s.count]) }
            scaled.withUnsafeBufferPointer(body)
        }
        // Pass 1: every tensor's range, and the mean of every unit's output per element (the
        // images' pass only, not the VAE decoder's prior pass after it) for bias correction.
        let allUnits = encoderUnits + decoderUnits
        var sums = allUnits.map { [Double](repeating: 0, count: $0.last!.outputShape.count) }
        var seen = [Int](repeating: 0, count: allUnits.count)
        forEachUnitOutput(model, calibration) { u, v in
            observe(u, v) { observers[u].observeRange($0) }
            guard seen[u] < calibration.count else { return }
            let n = sums[u].count
            for i in v.indices { sums[u][i % n] += Double(v[i]) }
            seen[u] += v.count / n
        }
        var imageMean = [Double](repeating: 0, count: model.spec.input.count)
        for (i, p) in calibration.pixels.enumerated() { imageMean[i % imageMean.count] += Double(p) }
        func inputMean(_ u: Int) -> [Double] {
            u == 0 ? imageMean.map { $0 / Double(max(calibration.count, 1)) } : sums[u - 1].map { $0 / Double(max(seen[u - 1], 1)) }
        }
        // Pass 2: histograms over those ranges.
        forEachUnitOutput(model, calibration) { u, v in observe(u, v) { observers[u].observeHistogram($0) } }


        var tensors = [QuantizedTensor(name: "input", shape: model.spec.input,
                                       quantization: ActivationQuantization(lo: 0, hi: 1, type: options.activations))]
        var producerIsDense = [false]
        func lowerUnits(_ list: [[Layer]], offset: Int) throws -> [QuantizedStep] {
            var steps = [QuantizedStep]()
            for (k, unit) in list.enumerated() {
                let u = offset + k
                let first = unit[0], last = unit[unit.count - 1]
                let inIndex = tensors.count - 1
                let inQ = tensors[inIndex].quantization
                if first is Reshape {
                    // NHWC order is unchanged: an alias, no op. A dense op's output takes the new
                    // shape (the conv that reads it needs it); anything else keeps the shape its
                    // producer writes, and a dense reader only counts elements.
                    if producerIsDense[inIndex] { tensors[inIndex].shape = first.outputShape }
                    continue
                }
                // Pooling, resize and padding move values: the output keeps the input's quantization.
                let movesData = first is MaxPool || first is ResizeNearest || first is ZeroPad
                let outType = override(first) ?? options.activations
                let outQ: ActivationQuantization
                if movesData {
                    outQ = inQ
                } else if let a = last as? Activation, a.function == .sigmoid {
                    outQ = ActivationQuantization(lo: 0, hi: 1, type: outType)
                } else {
                    var r = observers[u].range(options.calibration, type: outType)
                    if last is Sampling { r = (min(r.lo, -sampledLatentCover), max(r.hi, sampledLatentCover)) }
                    guard r.lo.isFinite, r.hi.isFinite, r.hi - r.lo < 1e30 else {
                        throw LoweringError("\(last.name): its outputs on the calibration images are not finite or exceed 1e30 (weights far out of range?); cannot calibrate")
                    }
                    outQ = ActivationQuantization(lo: r.lo, hi: r.hi, type: outType)
                }
                // Shape of the output as the op writes it (a trailing reshape does not change it).
                // (a dense output takes a reshape inside the unit: the conv that reads it needs it).
                let written = first is Dense ? last.outputShape : first.outputShape
                tensors.append(QuantizedTensor(name: last.name, shape: written, quantization: outQ,
                                               channelScales: movesData ? tensors[inIndex].channelScales : eq.outputScales[u]))
                producerIsDense.append(first is Dense)
                let weightType = override(first) ?? options.weights ?? outType
                let op = try lowerUnit(unit, inQ: inQ, outQ: outQ, weightType: weightType, outputScale: eq.outputScales[u], inputScale: eq.inputScales[u],
                                       inputMean: options.biasCorrection == .none ? nil : inputMean(u), correctConvolutions: options.biasCorrection == .all)
                steps.append(QuantizedStep(name: first.name, op: op, input: inIndex, output: tensors.count - 1))
            }
            return steps
        }
        let encoder = try lowerUnits(encoderUnits, offset: 0)
        let latent = tensors.count - 1
        let decoder = try lowerUnits(decoderUnits, offset: encoderUnits.count)
        return QuantizedGraph(tensors: tensors, steps: encoder + decoder, encoderSteps: encoder.count,
                              input: 0, latent: latent, output: tensors.count - 1)
    }

    static func multiplier(_ real: Double, wide: Bool, _ what: String) throws -> QuantizedMultiplier {
        let m = try QuantizedMultiplier(real)
        // The runtime's wide (int64) path takes shifts ≥ −15: multipliers below 2^15.
        if wide && m.shift < -15 { throw LoweringError("\(what): multiplier \(real) is too large for int16 arithmetic") }
        return m
    }

    static func stage(scales: [Double], inQ: ActivationQuantization, outQ: ActivationQuantization, activation: Activation?,
                      wide: Bool, name: String) throws -> QuantizedStage {
        switch activation?.function {
        case .sigmoid?:
            // Accumulator → logit in Q11: multiplier = input scale · weight scale · 2^11.
            let m = try scales.map { try multiplier(inQ.scale * $0 * 2048, wide: wide, name) }
            return QuantizedStage(kind: .sigmoid, multipliers: m, negativeMultipliers: [])
        case .leakyRelu?:
            let real = scales.map { inQ.scale * $0 / outQ.scale }
            return QuantizedStage(kind: .leakyRelu, multipliers: try real.map { try multiplier($0, wide: wide, name) },
                                  negativeMultipliers: try real.map { try multiplier($0 * Double(activation!.alpha), wide: wide, name) })
        default:
            let real = scales.map { inQ.scale * $0 / outQ.scale }
            return QuantizedStage(kind: activation?.function == .relu ? .relu : .linear,
                                  multipliers: try real.map { try multiplier($0, wide: wide, name) }, negativeMultipliers: [])
        }
    }

    static func lowerUnit(_ unit: [Layer], inQ: ActivationQuantization, outQ: ActivationQuantization, weightType: IntegerType,
                          outputScale: [Float]? = nil, inputScale: [Float]? = nil, inputMean: [Double]? = nil,
                          correctConvolutions: Bool = false) throws -> QuantizedOp {
        let layer = unit[0]
        let act = unit.count > 1 ? unit.last as? Activation : nil
        let wide = inQ.type == .int16 || weightType == .int16
        func bias(_ b: [Float], _ scales: [Double]) -> [Int64] {
            let limit = wide ? Double(wideAccumulatorLimit) : Double(Int32.max)
            return b.indices.map { Int64(min(max(roundHalfAway(Double(b[$0]) / (inQ.scale * scales[$0])), -limit), limit)) }
        }
        switch layer {
        case let c as ConvolutionLayer:
            // Keras kernels: Conv2D [ky][kx][in][out], Conv2DTranspose [ky][kx][out][in]; the
            // runtime reads [out][ky][kx][in].
            let transposed = c is Conv2DTranspose
            let k = c.geometry.kernelH, inC = c.inputShape.c, outC = c.outputShape.c
            guard c.geometry.kernelW == k else { throw LoweringError("\(layer.name): only square kernels are supported") }
            let (kernel, b0) = Equalization.parameters(c, kernel: c.kernel, bias: c.bias, output: outputScale, input: inputScale)
            let w = quantizePerChannel(kernel, shape: c.kernel.shape, channelAxis: transposed ? 2 : 3, as: weightType)
            var b = b0
            if !transposed, correctConvolutions, let inputMean {
                b = BiasCorrection.corrected(b, kernel: kernel, weights: w, inputs: inC, inputMean: inputMean, inputScale: inputScale,
                                             tapShare: BiasCorrection.tapShare(c.geometry))
            }
            let reordered = (0..<w.values.count).map { i -> Int32 in
                let (o, r) = (i / (k * k * inC), i % (k * k * inC)), (tap, ic) = (r / inC, r % inC)
                return w.values[transposed ? (tap * outC + o) * inC + ic : r * outC + o]
            }
            let g = c.geometry
            return .weighted(WeightedOp(kind: transposed ? .transposedConv : .conv, weights: reordered, weightType: weightType,
                                        bias: bias(b, w.scales), kernel: k, stride: g.stride, padTop: g.padTop, padLeft: g.padLeft,
                                        stage: try stage(scales: w.scales, inQ: inQ, outQ: outQ, activation: act, wide: wide, name: layer.name)))
        case let d as Dense:
            let inF = d.inputShape.count, outF = d.outputShape.count
            let (kernel, b0) = Equalization.parameters(d, kernel: d.kernel, bias: d.bias, output: outputScale, input: inputScale)
            let w = quantizePerChannel(kernel, shape: d.kernel.shape, channelAxis: 1, as: weightType)
            var b = b0
            if let inputMean { b = BiasCorrection.corrected(b, kernel: kernel, weights: w, inputs: inF, inputMean: inputMean, inputScale: inputScale) }
            let reordered = (0..<w.values.count).map { i in w.values[(i % inF) * outF + i / inF] }   // [out][in]
            return .weighted(WeightedOp(kind: .dense, weights: reordered, weightType: weightType, bias: bias(b, w.scales),
                                        stage: try stage(scales: w.scales, inQ: inQ, outQ: outQ, activation: act, wide: wide, name: layer.name)))
        case let p as MaxPool:
            let g = p.geometry
            guard g.kernelH == g.kernelW else { throw LoweringError("\(layer.name): only square pools are supported") }
            return .maxPool(kernel: g.kernelH, stride: g.stride, padTop: g.padTop, padLeft: g.padLeft)
        case is ResizeNearest:
            return .resizeNearest
        case is ZeroPad:
            return .zeroPad
        case let a as Activation:
            guard inQ.type == .int8, outQ.type == .int8 else { throw LoweringError("\(layer.name): a standalone activation needs int8 (fuse it into the layer before)") }
            let table = (0..<256).map { i -> Int8 in
                let x = inQ.dequantize(i - 128)
                let y: Double
                switch a.function {
                case .sigmoid: y = 1 / (1 + exp(-x))
                case .relu: y = max(x, 0)
                case .leakyRelu: y = x > 0 ? x : Double(a.alpha) * x
                case .linear: y = x
                }
                return Int8(outQ.quantize(y))
            }
            return .lookup(table: table)
        case is Sampling:
            // σ at the 257 int16-domain points q = −32768 + 256·i (an int8 value q stands for q·256).
            let sigma = (0...256).map { i -> Int32 in
                let q16 = Double(-32768 + 256 * i)
                let logVar = inQ.type == .int8 ? inQ.scale * (q16 / 256 - Double(inQ.zeroPoint)) : inQ.scale * q16
                return Int32(roundHalfAway(min(exp(0.5 * logVar), 128) * 65536))
            }
            return .sampling(sigmaQ16: sigma, mean: try QuantizedMultiplier(inQ.scale / outQ.scale),
                             noise: try QuantizedMultiplier(pow(2, -16) / outQ.scale))
        default:
            throw LoweringError("\(layer.name): no integer lowering for \(layer.kind)")
        }
    }
}
