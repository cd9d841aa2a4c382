// End-to-end training behaviour on tiny models: loss goes down, checkpoints round-trip,
// `--resume` equals an uninterrupted run bit for bit, and the shipped specs build.
import Foundation
import Testing
@testable import MoteIO
@testable import MoteTraining

/// A small conv autoencoder exercising conv, pooling, resize, transposed conv and sampling.
func tinySpec(vae: Bool = false, noise: Double = 0, optimizer: String = "adam") -> ModelSpec {
    let encoder = vae
        ? #"[{"type":"conv2d","filters":4,"strides":2,"activation":"relu"},{"type":"flatten"},{"type":"dense","units":6,"activation":"relu"},{"type":"dense","units":4},{"type":"sampling"}]"#
        : #"[{"type":"conv2d","filters":4,"activation":"leaky_relu"},{"type":"maxpool","pool":2},{"type":"flatten"},{"type":"dense","units":3}]"#
    let decoder = vae
        ? #"[{"type":"dense","units":196,"activation":"relu"},{"type":"reshape","shape":[7,7,4]},{"type":"conv2d_transpose","filters":4,"strides":2,"activation":"relu"},{"type":"conv2d_transpose","filters":1,"strides":1},{"type":"sigmoid"}]"#
        : #"[{"type":"dense","units":196},{"type":"reshape","shape":[7,7,4]},{"type":"resize_nearest","size":[14,14]},{"type":"conv2d","filters":1},{"type":"sigmoid"}]"#
    let json = """
    {"name": "tiny", "input": [14, 14, 1], "noise": \(noise),
     "data": {"dataset": "fashion-mnist", "train": [{"split": "train"}], "test": {"split": "t10k"}},
     "encoder": \(encoder), "decoder": \(decoder),
     "loss": {"type": "bce", "reduction": "\(vae ? "sum_per_image" : "mean")"},
     "optimizer": {"type": "\(optimizer)", "lr": 0.01, "momentum": 0.9}, "batch_size": 8, "epochs": 2, "seed": 7}
    """
    return try! ModelSpec.parse(json)
}

/// 40 synthetic 14x14 images: soft blobs at varying places (independent of any dataset).
func blobImages(_ n: Int = 40) -> ImageSet {
    var pixels = [Float]()
    for i in 0..<n {
        let cy = Float(3 + i % 8), cx = Float(3 + (i * 3) % 8)
        for y in 0..<14 { for x in 0..<14 {
            let d = (Float(y) - cy) * (Float(y) - cy) + (Float(x) - cx) * (Float(x) - cx)
            pixels.append(exp(-d / 8))
        } }
    }
    return ImageSet(pixels: pixels, labels: (0..<n).map { UInt8($0 % 10) }, shape: Shape(14, 14, 1))
}

func makeTrainer(_ spec: ModelSpec) -> Trainer {
    let model = try! Autoencoder(spec: spec)
    model.initialize(seed: spec.seed)
    let data = blobImages()
    return Trainer(model: model, train: data, test: data.prefix(16))
}

func parameterBits(_ t: Trainer) -> [[UInt32]] { t.model.parameters.map { $0.values.map(\.bitPattern) } }

@Suite("Training", .serialized)
struct TrainingTests {
    @Test(arguments: [(false, 0.0, "adam"), (true, 0.0, "rmsprop"), (false, 0.3, "sgd")])
    func lossDecreases(vae: Bool, noise: Double, optimizer: String) {
        let t = makeTrainer(tinySpec(vae: vae, noise: noise, optimizer: optimizer))
        let before = t.evaluate(t.test).loss.total
        for _ in 0..<6 { _ = t.runEpoch() }
        let after = t.evaluate(t.test).loss.total
        #expect(after < before * 0.97, "\(optimizer): \(before) -> \(after)")
    }

    @Test func sameSeedSameBits() {
        Parallel.threads = 1
        defer { Parallel.threads = ProcessInfo.processInfo.activeProcessorCount }
        let a = makeTrainer(tinySpec(vae: true)), b = makeTrainer(tinySpec(vae: true))
        _ = a.runEpoch(); _ = b.runEpoch()
        #expect(parameterBits(a) == parameterBits(b))
        // The files themselves, metadata included, are byte-identical.
        let dir = NSTemporaryDirectory() + "mote-bits-\(ProcessInfo.processInfo.processIdentifier)"
        try? Checkpoint.save(a, to: dir + "/a.safetensors")
        try? Checkpoint.save(b, to: dir + "/b.safetensors")
        let fa = FileManager.default.contents(atPath: dir + "/a.safetensors"), fb = FileManager.default.contents(atPath: dir + "/b.safetensors")
        #expect(fa != nil && fa == fb)
    }

    @Test func threadCountDoesNotChangeResults() {
        // The batch is split into fixed halves and GEMM never splits a sum, so one and two
        // threads give the same bits.
        func train(threads: Int) -> [[UInt32]] {
            let saved = Parallel.threads
            Parallel.threads = threads
            defer { Parallel.threads = saved }
            let t = makeTrainer(tinySpec(vae: true))
            _ = t.runEpoch()
            return parameterBits(t)
        }
        #expect(train(threads: 1) == train(threads: 2))
    }

    @Test func checkpointRoundTripAndResumeEqualsUninterrupted() throws {
        let dir = NSTemporaryDirectory() + "mote-resume-\(ProcessInfo.processInfo.processIdentifier)"
        let path = dir + "/tiny.safetensors"
        for vae in [false, true] {
            let spec = tinySpec(vae: vae, noise: vae ? 0 : 0.2)
            let straight = makeTrainer(spec)
            for _ in 0..<3 { _ = straight.runEpoch() }

            let first = makeTrainer(spec)
            _ = first.runEpoch()
            try Checkpoint.save(first, to: path)
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".tmp") }.isEmpty)

            // A fresh process would build the model from scratch (different init seed here to
            // prove everything comes from the file) and resume.
            var other = spec
            other.seed = spec.seed
            let resumed = Trainer(model: try Autoencoder(spec: other), train: first.train, test: first.test)
            resumed.model.initialize(seed: 12345)
            try Checkpoint.resume(resumed, from: path)
            #expect(resumed.epochsDone == 1 && resumed.optimizer.iterations == first.optimizer.iterations)
            #expect(parameterBits(resumed) == parameterBits(first))
            for _ in 0..<2 { _ = resumed.runEpoch() }
            #expect(parameterBits(resumed) == parameterBits(straight), "vae \(vae): resumed run differs")
            #expect(resumed.history.count == 3)

            // loadModel builds the architecture from the stored spec.
            let (model, file) = try Checkpoint.loadModel(path)
            #expect(model.parameterCount == first.model.parameterCount && file.metadata["epoch"] == "1")
        }
    }

    @Test func resumeRefusesAnotherModel() throws {
        let dir = NSTemporaryDirectory() + "mote-refuse-\(ProcessInfo.processInfo.processIdentifier)"
        let t = makeTrainer(tinySpec(vae: false))
        try Checkpoint.save(t, to: dir + "/a.safetensors")
        let other = makeTrainer(tinySpec(vae: true))
        #expect(throws: SpecError.self) { try Checkpoint.resume(other, from: dir + "/a.safetensors") }
    }

    @Test func shippedSpecsBuildWithSeedParameterCounts() throws {
        let expected = ["dense-ae": 473_636, "vae": 69_076 + 65_089]
        for name in ["dense-ae", "conv-ae", "vae", "denoise-ae", "mnist-ae"] {
            let model = try Autoencoder(spec: try ModelSpec.load("models/\(name).json"))
            #expect(model.outputShape == model.spec.input)
            if let n = expected[name] { #expect(model.parameterCount == n, "\(name)") }
        }
        let vae = try Autoencoder(spec: try ModelSpec.load("models/vae.json"))
        #expect(vae.parameterCount(.encoder) == 69_076 && vae.parameterCount(.decoder) == 65_089)
    }

    /// A minimal dense spec with `units` written as given (JSON text) and extra top-level fields.
    func spec(units: String, extra: String = "") -> String {
        #"{"name":"x","input":[4,4,1],"data":{"dataset":"m","train":[],"test":{"split":"t10k"}},"encoder":[{"type":"flatten"},{"type":"dense","units":"# + units
            + #"}],"decoder":[{"type":"dense","units":16},{"type":"reshape","shape":[4,4,1]}],"loss":{"type":"mse"},"optimizer":{"type":"adam"}"# + extra + "}"
    }

    @Test func trainingMemoryIsCheckedBeforeAllocating() throws {
        let json = spec(units: "8").replacingOccurrences(of: #""input":[4,4,1]"#, with: #""input":[64,64,1]"#)
            .replacingOccurrences(of: #""units":16"#, with: #""units":4096"#).replacingOccurrences(of: "[4,4,1]", with: "[64,64,1]")
        let model = try Autoencoder(spec: try ModelSpec.parse(json))
        // Independent estimate: each layer keeps its output and input gradient, 4 bytes a value.
        let perImage = model.layers.reduce(0) { $0 + 4 * ($1.inputShape.count + $1.outputShape.count) }
        #expect(model.batchBytes(10) == 10 * perImage)
        try model.checkBatchMemory(32)
        #expect(throws: SpecError.self) { try model.checkBatchMemory(SpecLimits.trainingBytes / perImage + 1) }
    }

    @Test func badSpecsAreClearErrors() {
        let cases = [
            ("{}", "input"),
            (#"{"name":"x","input":[4,4,1],"data":{"dataset":"m","train":[],"test":{"split":"t10k"}},"encoder":[{"type":"dense","units":2}],"decoder":[],"loss":{"type":"mse"},"optimizer":{"type":"adam"}}"#, "flatten"),
            (#"{"name":"x","input":[4,4,1],"data":{"dataset":"m","train":[],"test":{"split":"t10k"}},"encoder":[{"type":"warp"}],"decoder":[],"loss":{"type":"mse"},"optimizer":{"type":"adam"}}"#, "unknown layer"),
            // Sizes a typo makes: each is refused naming the field, before anything is allocated.
            (spec(units: "1000000000"), "units: expected a whole number in 1...65535"),
            (spec(units: "4611686018427387904"), "units: expected a whole number"),
            (spec(units: "1.5"), "units: expected a whole number"),
            (spec(units: "-3"), "units: expected a whole number"),
            (spec(units: "\"8\""), "units: expected a whole number"),
            (spec(units: "8", extra: #","seed":-1"#), "seed: expected a whole number"),
            (spec(units: "8", extra: #","batch_size":1e9"#), "batch_size"),
            (spec(units: "8", extra: #","noise":-1"#), "noise: expected a number in 0.0...10.0"),
            // 4096·4096 inputs into 65,535 units: over the parameter limit, refused before allocating.
            (#"{"name":"x","input":[4096,4096,1],"data":{"dataset":"m","train":[],"test":{"split":"t10k"}},"encoder":[{"type":"flatten"},{"type":"dense","units":65535}],"decoder":[],"loss":{"type":"mse"},"optimizer":{"type":"adam"}}"#, "parameters"),
            (#"{"name":"x","input":[8,8,1],"data":{"dataset":"m","train":[],"test":{"split":"t10k"}},"encoder":[{"type":"resize_nearest","size":[4096,4096]},{"type":"conv2d","filters":4096,"kernel":1}],"decoder":[],"loss":{"type":"mse"},"optimizer":{"type":"adam"}}"#, "values per image"),
        ]
        for (json, word) in cases {
            do {
                _ = try Autoencoder(spec: try ModelSpec.parse(json))
                Issue.record("expected an error mentioning \(word)")
            } catch {
                #expect("\(error)".contains(word), "\(error)")
            }
        }
    }
}
