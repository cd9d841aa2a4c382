// The float model run the way the quantized one is compared with it: deterministic (a VAE
// uses z_mean), one output per input, in batches so the trainer's matrix kernels use every core.
import Foundation
import MoteTraining

public enum FloatReference {
    public static func run(_ model: Autoencoder, _ subgraph: Subgraph, inputs: [[Float]], batch: Int = 100) -> [[Float]] {
        guard let first = inputs.first else { return [] }
        let shape = subgraph == .decoder ? model.latentShape : model.spec.input
        precondition(first.count == shape.count, "input size \(first.count) is not the \(subgraph) input \(shape.count)")
        model.allocate(maxBatch: batch)
        model.sampling?.stochastic = false
        defer { model.sampling?.stochastic = true }
        let x = FloatStorage(batch * shape.count)
        var outputs = [[Float]]()
        outputs.reserveCapacity(inputs.count)
        for start in stride(from: 0, to: inputs.count, by: batch) {
            let n = min(batch, inputs.count - start)
            for i in 0..<n { for (k, v) in inputs[start + i].enumerated() { x.pointer[i * shape.count + k] = v } }
            let y = model.forward(Batch(data: x.pointer, n: n, shape: shape), subgraph)
            let per = y.shape.count
            for i in 0..<n { outputs.append(Array(y.buffer[(i * per)..<((i + 1) * per)])) }
        }
        return outputs
    }
}
