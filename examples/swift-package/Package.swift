// swift-tools-version:6.0
// An app that uses Mote's runtime as a package dependency: here by path; from a git tag it is
//   .package(url: "https://…/mote.git", from: "…")
// (the runtime builds with no unsafe flags when it is a dependency, so SwiftPM accepts it).
import PackageDescription

let package = Package(
    name: "VAESampler",
    dependencies: [.package(name: "Mote", path: "../..")],
    targets: [
        .executableTarget(name: "vae-sampler", dependencies: [.product(name: "MoteRuntime", package: "Mote")]),
    ]
)
