// swift-tools-version:6.0
// Mote: float trainer, exporter and zero-allocation fixed-point runtime for tiny autoencoders.
import PackageDescription
import Foundation

// Release builds are tuned for the CPU they are built on: without a target CPU, SIMD
// `.addingProduct` lowers to calls to `fmaf` and the trainer's GEMM runs ~100x slower.
// Set MOTE_PORTABLE=1 to build a binary that runs on any x86-64 / arm64 CPU.
// When Mote is another package's versioned dependency (a checkout under that package's build
// folder), SwiftPM refuses unsafe flags, so none are set: the library builds portable there.
let asDependency = Context.packageDirectory.contains("/checkouts/")
let portable = asDependency || ProcessInfo.processInfo.environment["MOTE_PORTABLE"] == "1"
let tuned: [SwiftSetting] = portable ? [] : [
    .unsafeFlags(["-Xcc", "-march=native"], .when(configuration: .release)),
]
// The numeric targets are optimized in debug builds too: the test suite trains small models
// and runs int8 kernels over real images, which unoptimized code makes 20x slower.
let numeric: [SwiftSetting] = asDependency ? [] : tuned + [
    .unsafeFlags(portable ? ["-O"] : ["-O", "-Xcc", "-march=native"], .when(configuration: .debug)),
]

// The runtime, IO and the exporter are checked in Swift 6 language mode (full data-race
// checking; ParallelInference states its one deliberate handover in `WorkerShare`); the
// trainer and the tools stay in Swift 5 mode (below): the trainer's kernels hand raw buffer
// pointers to worker threads throughout.
let swift6: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "Mote",
    products: [
        .executable(name: "mote", targets: ["mote"]),
        .library(name: "MoteRuntime", targets: ["MoteRuntime"]),
    ],
    targets: [
        // System zlib: gzip'd IDX files in, deflate for PNG out.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib",
                       providers: [.apt(["zlib1g-dev"])]),
        // The core: imports nothing, allocates nothing, integer arithmetic only.
        .target(name: "MoteRuntime", swiftSettings: numeric + swift6),
        .target(name: "MoteIO", dependencies: ["CZlib"], swiftSettings: tuned + swift6),
        .target(name: "MoteTraining", dependencies: ["MoteIO"], swiftSettings: numeric),
        .target(name: "MoteExport", dependencies: ["MoteRuntime", "MoteTraining"], swiftSettings: numeric + swift6),
        .executableTarget(name: "mote", dependencies: ["MoteTraining", "MoteIO", "MoteRuntime", "MoteExport"],
                          swiftSettings: tuned),
        .executableTarget(name: "mote-bench", dependencies: ["MoteTraining", "MoteIO", "MoteExport"],
                          path: "bench/MoteBench", swiftSettings: tuned),
        // The host half of firmware-sim: expected outputs for the simulated boards.
        .executableTarget(name: "firmware-vectors", dependencies: ["MoteExport", "MoteIO", "MoteRuntime"],
                          path: "firmware-sim/HostVectors", swiftSettings: tuned),
        .testTarget(name: "MoteRuntimeTests", dependencies: ["MoteRuntime"]),
        .testTarget(name: "MoteIOTests", dependencies: ["MoteIO"], exclude: ["Fixtures"]),   // read through #filePath
        .testTarget(name: "MoteExportTests", dependencies: ["MoteExport", "MoteIO"]),
        .testTarget(name: "MoteTrainingTests", dependencies: ["MoteTraining", "MoteIO"]),
    ],
    // Swift 5 mode: the trainer hands raw buffer pointers to worker threads by design.
    swiftLanguageModes: [.v5]
)
