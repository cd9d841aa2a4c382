// One subgraph of a .mote model run over many inputs on several threads. Each thread opens
// its own copy of the model with its own arena (the runtime keeps all state there), so runs
// never share memory; results come back in input order whatever the thread count.
import Foundation
import MoteRuntime

public struct ParallelInference {
    public let path: String
    let bytes: [UInt8]
    /// The model opened once on the calling thread (shapes, scales, subgraphs).
    public let model: LoadedModel

    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelFileError(description: "\(path): cannot read the file (does it exist?)")
        }
        bytes = [UInt8](data)
        self.path = path
        model = try LoadedModel.open(bytes: bytes, path: path)
    }

    /// Runs `kind` on every input (real values, the subgraph's input size each) on up to
    /// `threads` threads.
    public func run(_ kind: SubgraphKind, inputs: [[Float]], threads: Int) throws -> [[Float]] {
        let g = try model.subgraph(kind)
        let size = model.model.tensor(g.input).count
        if let bad = inputs.firstIndex(where: { $0.count != size }) {
            throw ModelFileError(description: "input \(bad) has \(inputs[bad].count) values; the \(kind) takes \(size)")
        }
        let workers = max(1, min(threads, inputs.count))
        let models = try [model] + (1..<workers).map { _ in try LoadedModel.open(bytes: bytes, path: path) }
        var results = [[Float]](repeating: [], count: inputs.count)
        results.withUnsafeMutableBufferPointer { out in
            // Each index is written by exactly one worker.
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                for i in stride(from: w, to: inputs.count, by: workers) {
                    out[i] = (try? models[w].run(kind, input: inputs[i])) ?? []
                }
            }
        }
        return results
    }
}
