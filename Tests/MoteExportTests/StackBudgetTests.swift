// The runtime allocates nothing; its vector kernels keep their scratch on the stack (128 KB of
// weights and 64 KB of input rows at most, Kernels/StackScratch.swift). This pins the promise ARCHITECTURE.md makes to
// host callers: every shipped model runs on a thread with 512 KB of stack, and gives there the
// same bytes as on the test's own thread.
import Foundation
import Testing
@testable import MoteExport
@testable import MoteRuntime

@Suite("Stack budget")
struct StackBudgetTests {
    @Test(arguments: ["dense-ae", "conv-ae", "vae", "denoise-ae", "mnist-ae"])
    func shippedModelsRunOnAHalfMegabyteStack(name: String) throws {
        let file = try LoadedModel.open(path: "models/\(name).int8.mote")
        let count = file.model.tensor(try file.subgraph(.autoencoder).input).count
        let input = (0..<count).map { Float(($0 * 37) % 101) / 100 }
        let here = try file.run(.autoencoder, input: input)
        // The model and the results handed to the thread and back (the semaphore orders it).
        final class Handoff: @unchecked Sendable {
            let file: LoadedModel; var output: [Float]?; var error: (any Error)?
            init(_ file: LoadedModel) { self.file = file }
        }
        let result = Handoff(file), done = DispatchSemaphore(value: 0)
        let thread = Thread {
            do { result.output = try result.file.run(.autoencoder, input: input) } catch { result.error = error }
            done.signal()
        }
        thread.stackSize = 512 * 1024
        thread.start()
        done.wait()
        if let error = result.error { throw error }
        #expect(result.output == here)
    }
}
