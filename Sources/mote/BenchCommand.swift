// `mote bench`: how fast a .mote model runs here — median microseconds per inference of one
// subgraph, batch 1, on one thread — and, for the allocation check, nothing else: the run loop
// touches only the model's arena and a timing array made before it starts (Timing.swift).
import Foundation
import MoteExport
import MoteRuntime

enum BenchCommand {
    static let help = """
    Time a .mote model on this machine (the runtime is single-threaded; batch 1).

    usage: mote bench --model FILE.mote [--subgraph autoencoder|encoder|decoder] [--runs N] [--ops] [--json] [--quiet]

      --subgraph S   which subgraph to run (default autoencoder)
      --runs N       inferences to time (default 1000); the median is reported
      --ops          also time every op on its own (median µs, share of the total, GMAC/s)
      --json         machine-readable output
      --quiet        print nothing (for profilers and scripts/check-allocations: the printed
                     timings would allocate a varying number of strings)

    Side by side with float and the other integer type: swift run -c release mote-bench runtime

    example: mote bench --model models/denoise-ae.int8.mote --runs 2000
    """

    static func run(_ argv: [String]) throws {
        let args = try Arguments(argv, options: ["model", "subgraph", "runs"], flags: ["json", "quiet", "ops", "help"], command: "bench")
        if args.has("help") { print(help); return }
        guard let path = args.string("model") else { throw UsageError("missing --model FILE.mote") }
        let kinds: [String: SubgraphKind] = ["encoder": .encoder, "decoder": .decoder, "autoencoder": .autoencoder]
        let name = args.string("subgraph") ?? "autoencoder"
        guard let kind = kinds[name] else { throw UsageError("--subgraph \(name): expected autoencoder, encoder or decoder") }
        let runs = try args.int("runs", min: 1, max: 1_000_000) ?? 1000
        let file: LoadedModel
        do { file = try LoadedModel.open(path: path) } catch let e as ModelFileError { throw ExitError(code: 2, message: e.description) }
        guard let g = file.model.subgraph(kind) else { throw ExitError(code: 2, message: "\(path) has no \(name) subgraph") }
        let macs = ModelAnatomy(file).macs[g.firstOp..<(g.firstOp + g.opCount)].reduce(0, +)
        // A fixed input (mid-grey image or zero latent) so every run does the same work.
        let input = file.model.tensor(g.input)
        [Float](repeating: kind == .decoder ? 0 : 0.5, count: input.count).withUnsafeBufferPointer { file.write($0, to: g.input) }
        let whole = Timing(runs: runs) { file.model.run(ops: g.firstOp..<(g.firstOp + g.opCount)) }
        let median = whole.median
        if args.has("quiet") { return }
        // Per op: each op run alone on the arena the full runs left (its real input).
        var perOp = [(name: String, us: Double, macs: Int)]()
        if args.has("ops") {
            let opMACs = ModelAnatomy(file).macs
            for i in g.firstOp..<(g.firstOp + g.opCount) {
                perOp.append((file.opNames[i], Timing(runs: runs) { file.model.run(ops: i..<(i + 1)) }.median, opMACs[i]))
            }
        }
        if args.has("json") {
            var obj: [String: Any] = ["model": path, "subgraph": name, "runs": runs, "median_us": median, "min_us": whole.fastest,
                                      "macs": macs, "gmacs_per_s": Double(macs) / median / 1000]
            if !perOp.isEmpty { obj["ops"] = perOp.map { ["name": $0.name, "median_us": $0.us, "macs": $0.macs] } }
            print(String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]), as: UTF8.self))
        } else {
            print(String(format: "%@ %@: median %.1f µs per inference (min %.1f, %d runs), %@ MACs, %.2f GMAC/s",
                         path, name, median, whole.fastest, runs, Report.count(macs), Double(macs) / median / 1000))
            let total = perOp.reduce(0) { $0 + $1.us }
            for op in perOp {
                print(String(format: "  %@ %8.1f µs  %5.1f%%  %8@ MACs  %6.2f GMAC/s", op.name.padding(toLength: 24, withPad: " ", startingAt: 0),
                             op.us, 100 * op.us / max(total, 1e-9), Report.count(op.macs), Double(op.macs) / max(op.us, 1e-9) / 1000))
            }
        }
    }
}
