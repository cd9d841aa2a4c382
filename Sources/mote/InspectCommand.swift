// `mote inspect`: what is in a .mote file — subgraphs, ops with shapes, types and MACs,
// tensors and their arena places, and the size and arena budgets.
import Foundation
import MoteExport
import MoteRuntime

enum InspectCommand {
    static let help = """
    Show what is in a .mote file: subgraphs, ops, shapes, types, MACs, sizes and the arena.

    usage: mote inspect FILE.mote [--json]

    The file is opened by the runtime itself (magic, version, checksum and every record are
    validated); a damaged file is reported with the record that is wrong, exit code 2.

    example: mote inspect models/vae.int8.mote
    """

    static func kindName(_ k: OpKind) -> String { k.name.description }
    static func stageName(_ s: StageKind) -> String {
        switch s { case .linear: return ""; case .relu: return "+relu"; case .leakyRelu: return "+leaky_relu"; case .sigmoid: return "+sigmoid" }
    }
    static func typeName(_ t: ElementType) -> String { t == .int8 ? "int8" : "int16" }
    static func shape(_ t: TensorRecord) -> String { t.h == 1 && t.w == 1 ? "\(t.c)" : "\(t.h)x\(t.w)x\(t.c)" }
    static func subgraphName(_ k: SubgraphKind) -> String { k == .encoder ? "encoder" : k == .decoder ? "decoder" : "autoencoder" }

    static func run(_ argv: [String]) throws {
        let args = try Arguments(argv, options: [], flags: ["json", "help"], command: "inspect")
        if args.has("help") { print(help); return }
        guard args.positionals.count == 1, let path = args.positionals.first else { throw UsageError("usage: mote inspect FILE.mote") }
        let file: LoadedModel
        do { file = try LoadedModel.open(path: path) } catch let e as ModelFileError { throw ExitError(code: 2, message: e.description) }
        let a = ModelAnatomy(file)
        let version = "\(file.model.version.major).\(file.model.version.minor)"
        let subgraphs = [SubgraphKind.encoder, .decoder, .autoencoder].compactMap { file.model.subgraph($0) }
        if args.has("json") {
            let ops: [[String: Any]] = (0..<file.model.opCount).map { i in
                let r = file.model.op(i), x = file.model.tensor(r.input), y = file.model.tensor(r.output)
                var o: [String: Any] = ["name": file.opNames[i], "kind": kindName(r.kind), "input": shape(x), "output": shape(y),
                                        "input_type": typeName(x.type), "output_type": typeName(y.type), "macs": a.macs[i]]
                if let w = r.weightType { o["weights"] = typeName(w); o["activation"] = String(stageName(r.stage).dropFirst()) }
                return o
            }
            let tensors: [[String: Any]] = (0..<file.model.tensorCount).map { i in
                let t = file.model.tensor(i)
                return ["shape": shape(t), "type": typeName(t.type), "scale": file.scale(t), "zero_point": Int(t.zeroPoint), "arena_offset": t.offset, "bytes": t.bytes]
            }
            let obj: [String: Any] = [
                "file": path, "version": version, "file_bytes": a.fileBytes, "weight_bytes": a.weightBytes,
                "quantization_bytes": a.quantizationBytes, "overhead_bytes": a.overheadBytes,
                "arena_bytes": a.arenaBytes, "arena_lower_bound": a.lowerBound, "arena_naive": a.naiveBytes,
                "macs": a.macs.reduce(0, +), "ops": ops, "tensors": tensors,
                "subgraphs": subgraphs.map { g -> [String: Any] in
                    ["name": subgraphName(g.kind), "first_op": g.firstOp, "ops": g.opCount,
                     "input": shape(file.model.tensor(g.input)), "output": shape(file.model.tensor(g.output)),
                     "macs": a.macs[g.firstOp..<(g.firstOp + g.opCount)].reduce(0, +)]
                },
            ]
            print(String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]), as: UTF8.self))
            return
        }
        print("\(path): .mote version \(version), \(file.model.opCount) ops, \(file.model.tensorCount) tensors, checksum ok")
        print(Report.sizeLine(a))
        print(Report.arenaLine(arena: a.arenaBytes, lowerBound: a.lowerBound, naive: a.naiveBytes))
        print("\nsubgraphs")
        for g in subgraphs {
            let x = file.model.tensor(g.input), y = file.model.tensor(g.output)
            print("  " + subgraphName(g.kind).padding(toLength: 12, withPad: " ", startingAt: 0)
                  + "ops \(g.firstOp)..<\(g.firstOp + g.opCount)".padding(toLength: 12, withPad: " ", startingAt: 0)
                  + "\(shape(x)) \(typeName(x.type)) -> \(shape(y)) \(typeName(y.type))".padding(toLength: 36, withPad: " ", startingAt: 0)
                  + "\(Report.count(a.macs[g.firstOp..<(g.firstOp + g.opCount)].reduce(0, +))) MACs")
        }
        print("\nops" + String(repeating: " ", count: 27) + "kind" + String(repeating: " ", count: 24) + "input -> output" + String(repeating: " ", count: 18) + "weights     MACs  arena out")
        for i in 0..<file.model.opCount {
            let r = file.model.op(i), x = file.model.tensor(r.input), y = file.model.tensor(r.output)
            let w = r.weightType.map(typeName) ?? "-"
            print(String(format: "  %2d ", i) + file.opNames[i].padding(toLength: 24, withPad: " ", startingAt: 0)
                  + (kindName(r.kind) + stageName(r.stage)).padding(toLength: 28, withPad: " ", startingAt: 0)
                  + "\(shape(x)) \(typeName(x.type)) -> \(shape(y)) \(typeName(y.type))".padding(toLength: 33, withPad: " ", startingAt: 0)
                  + w.padding(toLength: 6, withPad: " ", startingAt: 0)
                  + Report.count(a.macs[i]).leftPadded(9) + "  \(y.offset)+\(y.bytes)")
        }
    }
}

extension String {
    func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
