// Running a model over many inputs on several threads gives exactly what one model run
// serially gives, in input order; the batched float reference matches the float model run
// image by image.
import Foundation
import Testing
@testable import MoteExport
@testable import MoteRuntime
@testable import MoteTraining

@Suite("Parallel inference and the float reference")
struct ParallelInferenceTests {
    static func inputs(_ n: Int, size: Int) -> [[Float]] {
        var rng = SeededRandom(seed: 9)
        return (0..<n).map { _ in (0..<size).map { _ in rng.uniform(0, 1) } }
    }

    @Test func threadsChangeNothingButTime() throws {
        let serial = try LoadedModel.open(path: "models/vae.int8.mote")
        let x = Self.inputs(7, size: 28 * 28)
        let expected = try x.map { try serial.run(.autoencoder, input: $0) }
        for threads in [1, 2, 3, 8] {
            #expect(try ParallelInference(path: "models/vae.int8.mote", threads: threads).run(.autoencoder, inputs: x) == expected)
        }
        // Wrong sizes are refused before any thread starts.
        #expect(throws: ModelFileError.self) { try ParallelInference(path: "models/vae.int8.mote", threads: 2).run(.decoder, inputs: x) }
    }

    @Test func floatReferenceMatchesImageByImage() throws {
        let (model, _) = try Checkpoint.loadModel("models/vae.safetensors")
        let z = Self.inputs(5, size: 2).map { $0.map { 4 * $0 - 2 } }
        let batched = FloatReference.run(model, .decoder, inputs: z, batch: 3)
        model.allocate(maxBatch: 1)
        let x = FloatStorage(2)
        for (i, latent) in z.enumerated() {
            x.pointer[0] = latent[0]; x.pointer[1] = latent[1]
            let single = Array(model.forward(Batch(data: x.pointer, n: 1, shape: model.latentShape), .decoder).buffer)
            #expect(batched[i].count == single.count)
            #expect(zip(batched[i], single).allSatisfy { abs($0 - $1) < 1e-5 })
        }
    }
}
