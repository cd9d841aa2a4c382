// Inference latency of the shipped models, single thread, batch 1: the runtime on the int8
// and int16 .mote files against the trainer's float forward pass, per subgraph, median of
// many runs, ratios side by side, with MACs per inference.
import Foundation
import MoteExport
import MoteRuntime
import MoteTraining

enum RuntimeBench {
    static let models = ["dense-ae", "conv-ae", "vae", "denoise-ae", "mnist-ae"]

    /// Median microseconds of `body` over enough runs to fill ~`budget` seconds (at least 15).
    static func median(budget: Double = 0.4, _ body: () -> Void) -> Double {
        body()   // warm caches
        var times = [Double]()
        let start = Date()
        while times.count < 15 || (Date().timeIntervalSince(start) < budget && times.count < 20_000) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1000)
        }
        times.sort()
        return times[times.count / 2]
    }

    struct Options: Error, CustomStringConvertible {
        var description: String
    }

    /// `--json`: one JSON object per line (model, subgraph, macs, float_us, int8_us, int16_us) for
    /// scripts (bench/compare-runtime); `--int8-dir DIR`: the int8 files from DIR instead of models/.
    static func run(_ argv: [String]) throws {
        Parallel.threads = 1
        var names = [String](), json = false, int8Dir = "models"
        var rest = argv[...]
        while let a = rest.popFirst() {
            switch a {
            case "--json": json = true
            case "--int8-dir": guard let d = rest.popFirst() else { throw Options(description: "--int8-dir needs a folder") }; int8Dir = d
            case _ where a.hasPrefix("-"): throw Options(description: "unknown option \(a)")
            default: names.append(a)
            }
        }
        if names.isEmpty { names = models }
        if !json {
            print("inference latency, 1 thread, batch 1, median µs (float = the trainer's forward pass)")
            print("  model        subgraph        MACs     float µs   int8 µs  int16 µs   float/int8  float/int16")
        }
        for name in names {
            let (model, _) = try Checkpoint.loadModel("models/\(name).safetensors")
            let q8 = try LoadedModel.open(path: "\(int8Dir)/\(name).int8.mote"), q16 = try LoadedModel.open(path: "models/\(name).int16.mote")
            model.allocate(maxBatch: 1)
            model.sampling?.stochastic = false
            let x = FloatStorage(max(model.spec.input.count, model.latentShape.count))
            for i in 0..<model.spec.input.count { x.pointer[i] = Float(i % 29) / 29 }
            for (kind, sub) in [(SubgraphKind.encoder, Subgraph.encoder), (.decoder, .decoder), (.autoencoder, .autoencoder)] {
                let shape = kind == .decoder ? model.latentShape : model.spec.input
                let f = median { _ = model.forward(Batch(data: x.pointer, n: 1, shape: shape), sub) }
                let times = [q8, q16].map { q in median { try! q.model.run(kind) } }
                let g = q8.model.subgraph(kind)!
                let macs = ModelAnatomy(q8).macs[g.firstOp..<(g.firstOp + g.opCount)].reduce(0, +)
                if json {
                    print(#"{"model": "\#(name)", "subgraph": "\#(kind)", "macs": \#(macs), "float_us": \#(f), "int8_us": \#(times[0]), "int16_us": \#(times[1])}"#)
                    continue
                }
                print("  " + name.padding(toLength: 13, withPad: " ", startingAt: 0) + "\(kind)".padding(toLength: 12, withPad: " ", startingAt: 0)
                      + String(format: "%9d  %9.1f %9.1f %9.1f   %8.2fx   %8.2fx", macs, f, times[0], times[1], f / times[0], f / times[1]))
            }
        }
    }
}
