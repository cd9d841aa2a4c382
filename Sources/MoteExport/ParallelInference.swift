// One subgraph of a .mote model run over many inputs on several threads. Each thread has its
// own copy of the model with its own arena (the runtime keeps all state there), opened once
// up front, so runs never share memory; results come back in input order whatever the
// thread count.
import Foundation
import MoteRuntime

public struct ParallelInference {
    public let path: String
    /// The model opened on the calling thread (shapes, scales, subgraphs); also worker 0.
    public var model: LoadedModel { workers[0] }
    let workers: [LoadedModel]

    public init(path: String, threads: Int) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelFileError(description: "\(path): cannot read the file (does it exist?)")
        }
        let bytes = [UInt8](data)
        self.path = path
        workers = try (0..<max(1, threads)).map { _ in try LoadedModel.open(bytes: bytes, path: path) }
    }

    /// Runs `kind` on every input (real values, the subgraph's input size each).
    public func run(_ kind: SubgraphKind, inputs: [[Float]]) throws -> [[Float]] {
        let g = try model.subgraph(kind)
        let size = model.model.tensor(g.input).count
        if let bad = inputs.firstIndex(where: { $0.count != size }) {
            throw ModelFileError(description: "input \(bad) has \(inputs[bad].count) values; the \(kind) takes \(size)")
        }
        let n = max(1, min(workers.count, inputs.count))
        var results = [[Float]](repeating: [], count: inputs.count)
        // A failed run is reported, never turned into an empty output: each worker keeps its
        // first error (a slot per worker, so no locking), and the lowest-numbered one is thrown.
        var failures = [(index: Int, error: Error)?](repeating: nil, count: n)
        results.withUnsafeMutableBufferPointer { results in
            failures.withUnsafeMutableBufferPointer { failures in
                // Each output index and failure slot is written by exactly one worker, and each
                // worker runs only its own model: nothing is shared, so the handover is safe.
                let (out, failed, models) = (WorkerShare(results), WorkerShare(failures), WorkerShare(workers))
                DispatchQueue.concurrentPerform(iterations: n) { w in
                    for i in stride(from: w, to: inputs.count, by: n) {
                        do { out.value[i] = try models.value[w].run(kind, input: inputs[i]) } catch {
                            failed.value[w] = (i, error)
                            return
                        }
                    }
                }
            }
        }
        if let first = failures.compactMap({ $0 }).min(by: { $0.index < $1.index }) {
            throw ModelFileError(description: "\(path): input \(first.index): \(first.error)")
        }
        return results
    }
}

/// A value handed to worker threads under a rule the compiler cannot check: each worker touches
/// only its own elements of it (its output slots, its failure slot, its own model and arena).
struct WorkerShare<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
