// The JSON model spec: layers of the named subgraphs (encoder, decoder), loss, optimizer,
// schedule, batch size, data and input transform. One file per reference model in models/.
import Foundation

public struct SpecError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// One layer as written in the spec, e.g. {"type": "conv2d", "filters": 32, "kernel": 3,
/// "strides": 2, "padding": "same", "activation": "relu"}.
public struct LayerSpec: Sendable {
    public var type: String
    public var name: String?
    public var units: Int?            // dense
    public var filters: Int?          // conv2d, conv2d_transpose
    public var kernel: Int = 3
    public var strides: Int = 1
    public var padding: Padding = .same
    public var activation: ActivationKind = .linear
    public var alpha: Float = 0.3     // leaky_relu slope (Keras default)
    public var pool: Int = 2          // maxpool
    public var size: [Int]?           // resize_nearest [h, w]
    public var pad: Int?              // zero_pad
    public var shape: [Int]?          // reshape
}

/// A range of one split of a dataset folder: {"split": "t10k", "start": 0, "count": 8000}.
public struct SplitRange: Sendable {
    public var split: String
    public var start: Int = 0
    public var count: Int?
    public init(split: String, start: Int = 0, count: Int? = nil) { self.split = split; self.start = start; self.count = count }
}

public struct DataSpec: Sendable {
    public var dataset: String        // "fashion-mnist" or "mnist"
    public var train: [SplitRange]
    public var test: SplitRange
}

public struct ModelSpec: Sendable {
    public var name: String
    public var description: String
    public var input: Shape
    public var data: DataSpec
    /// Denoising: train on clip(x + noise · N(0, 1), 0, 1) against the clean x.
    public var noise: Float
    /// Zero padding added around each image before it enters the model (conv-ae: 2).
    public var pad: Int
    public var encoder: [LayerSpec]
    public var decoder: [LayerSpec]
    public var loss: Loss
    public var optimizer: OptimizerConfig
    public var schedule: StepDecay
    public var batchSize: Int
    public var epochs: Int
    public var seed: UInt64
    /// The spec's JSON text, stored in checkpoints so they are self-describing.
    public var json: String

    public static func load(_ path: String) throws -> ModelSpec {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SpecError("\(path): no such model spec (the shipped ones are models/*.json)")
        }
        do { return try parse(String(decoding: data, as: UTF8.self)) } catch let e as SpecError {
            throw SpecError("\(path): \(e.message)")
        }
    }

    public static func parse(_ text: String) throws -> ModelSpec {
        guard let obj = try? JSONSerialization.jsonObject(with: Data(text.utf8)), let root = obj as? [String: Any] else {
            throw SpecError("not a JSON object")
        }
        let r = Fields(root, "spec")
        let input = try r.ints("input", SpecLimits.size)
        guard input.count == 3, input[2] <= SpecLimits.inputChannels.upperBound else {
            throw SpecError("input must be [height, width, channels] (sides ≤ \(SpecLimits.size.upperBound), channels ≤ \(SpecLimits.inputChannels.upperBound))")
        }
        let dataFields = try r.object("data")
        let data = DataSpec(dataset: try dataFields.string("dataset"),
                            train: try dataFields.objects("train").map(splitRange),
                            test: try splitRange(try dataFields.object("test")))
        let lossFields = try r.object("loss")
        guard let lossKind = LossKind(rawValue: try lossFields.string("type")) else {
            throw SpecError("loss.type must be mse, bce or bce_logits")
        }
        guard let reduction = LossReduction(rawValue: lossFields.optString("reduction") ?? "mean") else {
            throw SpecError("loss.reduction must be mean or sum_per_image")
        }
        let opt = try r.object("optimizer")
        guard let optKind = OptimizerKind(rawValue: try opt.string("type")) else {
            throw SpecError("optimizer.type must be sgd, adam or rmsprop")
        }
        var optimizer = OptimizerConfig(kind: optKind, learningRate: Float(try opt.optDouble("lr", 1e-12...10) ?? 0.001))
        optimizer.momentum = Float(try opt.optDouble("momentum", 0...0.999999) ?? 0)
        var schedule = StepDecay()
        if let s = r.optObject("schedule") {
            schedule = StepDecay(decay: Float(try s.optDouble("decay", 1e-6...1) ?? 1), every: try s.optInt("every", 1...1_000_000) ?? 1)
        }
        let spec = ModelSpec(
            name: try r.string("name"), description: r.optString("description") ?? "",
            input: Shape(input[0], input[1], input[2]), data: data,
            noise: Float(try r.optDouble("noise", 0...10) ?? 0), pad: try r.optInt("pad", SpecLimits.pad) ?? 0,
            encoder: try r.objects("encoder").map(layerSpec), decoder: try r.objects("decoder").map(layerSpec),
            loss: Loss(kind: lossKind, reduction: reduction), optimizer: optimizer, schedule: schedule,
            batchSize: try r.optInt("batch_size", SpecLimits.batchSize) ?? 32, epochs: try r.optInt("epochs", 0...1_000_000) ?? 10,
            seed: UInt64(try r.optInt("seed", 0...Int.max) ?? 1), json: text)
        return spec
    }

    static func splitRange(_ f: Fields) throws -> SplitRange {
        SplitRange(split: try f.string("split"), start: try f.optInt("start", 0...Int(Int32.max)) ?? 0, count: try f.optInt("count", 0...Int(Int32.max)))
    }

    static func layerSpec(_ f: Fields) throws -> LayerSpec {
        var l = LayerSpec(type: try f.string("type"))
        l.name = f.optString("name")
        l.units = try f.optInt("units", SpecLimits.units)
        l.filters = try f.optInt("filters", SpecLimits.filters)
        l.kernel = try f.optInt("kernel", SpecLimits.kernel) ?? 3
        l.strides = try f.optInt("strides", SpecLimits.stride) ?? 1
        if let p = f.optString("padding") {
            guard let padding = Padding(rawValue: p) else { throw SpecError("\(l.type): padding must be same or valid") }
            l.padding = padding
        }
        if let a = f.optString("activation") {
            guard let act = ActivationKind(rawValue: a) else {
                throw SpecError("\(l.type): activation must be relu, leaky_relu, sigmoid or linear")
            }
            l.activation = act
        }
        l.alpha = Float(try f.optDouble("alpha", 0...1) ?? 0.3)
        l.pool = try f.optInt("pool", SpecLimits.stride) ?? 2
        l.size = try f.optInts("size", SpecLimits.size)
        l.pad = try f.optInt("pad", SpecLimits.pad)
        l.shape = try f.optInts("shape", SpecLimits.units)
        return l
    }
}

/// What a spec may ask for, so that a typo (units 10^9) is an error that names the field instead
/// of an allocation that takes the machine down. Sizes stay within what a .mote file can
/// describe (16-bit dimensions, 8-bit kernels); `Autoencoder` also bounds the totals.
public enum SpecLimits {
    public static let size = 1...4096               // input sides, resize sizes
    public static let inputChannels = 1...64
    public static let units = 1...65_535             // dense units, reshape dimensions
    public static let filters = 1...4096
    public static let kernel = 1...31
    public static let stride = 1...16                // strides, pool sizes
    public static let pad = 0...256
    public static let batchSize = 1...4096
    /// Parameters of the whole model (value + gradient + two Adam slots: 16 bytes each → 4 GiB).
    public static let parameters = 1 << 28
    /// Values of one layer's output for one image.
    public static let activationValues = 1 << 24
    /// Bytes of activations, gradients and scratch a training batch may take.
    public static let trainingBytes = 8 << 30
}

/// Typed access to a JSON object with errors that name the missing or wrong field.
struct Fields {
    let dict: [String: Any]
    let path: String
    init(_ dict: [String: Any], _ path: String) { self.dict = dict; self.path = path }

    func string(_ k: String) throws -> String {
        guard let v = dict[k] as? String else { throw SpecError("\(path).\(k): expected a string") }
        return v
    }
    func ints(_ k: String, _ range: ClosedRange<Int>) throws -> [Int] {
        guard let v = try optInts(k, range) else { throw SpecError("\(path).\(k): expected an array of integers") }
        return v
    }
    func object(_ k: String) throws -> Fields {
        guard let v = dict[k] as? [String: Any] else { throw SpecError("\(path).\(k): expected an object") }
        return Fields(v, "\(path).\(k)")
    }
    func objects(_ k: String) throws -> [Fields] {
        guard let v = dict[k] as? [[String: Any]] else { throw SpecError("\(path).\(k): expected an array of objects") }
        return v.enumerated().map { Fields($1, "\(path).\(k)[\($0)]") }
    }
    func optString(_ k: String) -> String? { dict[k] as? String }
    /// An integer in `range`, or nil when absent; 1.5, "3" or 1e300 is an error naming the field.
    func optInt(_ k: String, _ range: ClosedRange<Int>) throws -> Int? {
        guard let v = dict[k] else { return nil }
        return try integer(v, "\(path).\(k)", range)
    }
    func optDouble(_ k: String, _ range: ClosedRange<Double>) throws -> Double? {
        guard let v = dict[k] else { return nil }
        guard let n = v as? NSNumber, range.contains(n.doubleValue) else {
            throw SpecError("\(path).\(k): expected a number in \(range.lowerBound)...\(range.upperBound), got \(v)")
        }
        return n.doubleValue
    }
    func optInts(_ k: String, _ range: ClosedRange<Int>) throws -> [Int]? {
        guard let v = dict[k] else { return nil }
        guard let list = v as? [Any] else { throw SpecError("\(path).\(k): expected an array of integers") }
        return try list.enumerated().map { try integer($1, "\(path).\(k)[\($0)]", range) }
    }
    private func integer(_ v: Any, _ field: String, _ range: ClosedRange<Int>) throws -> Int {
        let d = (v as? NSNumber)?.doubleValue
        guard let d, d.rounded() == d, abs(d) <= 0x1p53, d >= Double(range.lowerBound), d <= Double(range.upperBound) else {
            throw SpecError("\(field): expected a whole number in \(range.lowerBound)...\(range.upperBound), got \(v)")
        }
        return (v as! NSNumber).intValue
    }
    func optObject(_ k: String) -> Fields? { (dict[k] as? [String: Any]).map { Fields($0, "\(path).\(k)") } }
}
