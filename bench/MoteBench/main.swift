// mote-bench: performance measurements, printed side by side (never asserted in tests).
//   swift run -c release mote-bench gemm      GEMM GFLOP/s on the models' shapes
//   swift run -c release mote-bench train     training samples/s per reference model
//   swift run -c release mote-bench runtime   inference µs per shipped model: int8 / int16 runtime vs float
import Foundation
import MoteTraining

let args = Array(CommandLine.arguments.dropFirst())
let usage = "usage: mote-bench gemm | train [--data DIR] [--images N] [MODEL...] | runtime [--json] [--int8-dir DIR] [MODEL...]"
do {
    switch args.first ?? "" {
    case "gemm":
        GEMMBench.run(threads: 1)
        GEMMBench.run(threads: 2)
    case "runtime":
        try RuntimeBench.run(Array(args.dropFirst()))
    case "train":
        try TrainBench.run(Array(args.dropFirst()))
    default:
        print(usage)
        exit(2)
    }
} catch {
    FileHandle.standardError.write(Data("mote-bench: \(error)\n\(usage)\n".utf8))
    exit(2)
}
