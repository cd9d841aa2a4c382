// The in-process half of bench/compare-revisions: two builds of MoteRuntime (modules
// MoteBefore and MoteAfter, compiled by the script from two revisions' sources) linked into
// one program, timed op by op in alternating short bursts, so that both see the same machine:
// on a shared, noisy host the speed drifts by tens of percent over seconds, which separate
// processes measured one after the other mistake for a difference between the builds.
//   revision-driver ROUNDS REPS MODEL.mote...
// Prints, per op, the fastest burst of each build and the median over rounds of the ratio of
// adjacent bursts (before / after: above 1 is faster now), then the model's sum; and checks
// that both builds wrote the same bytes.
import Glibc
import MoteAfter
import MoteBefore

func now() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

func fixed(_ v: Double, _ digits: Int = 1) -> String {
    var p = 1.0
    for _ in 0..<digits { p *= 10 }
    let r = (v * p).rounded() / p
    var s = "\(r)"
    if let dot = s.firstIndex(of: ".") { while s.distance(from: dot, to: s.endIndex) <= digits { s += "0" } }
    return s
}

func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
func padLeft(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }

func readFile(_ path: String) -> [UInt8]? {
    guard let f = fopen(path, "rb") else { return nil }
    defer { fclose(f) }
    fseek(f, 0, SEEK_END)
    let n = ftell(f)
    fseek(f, 0, SEEK_SET)
    var bytes = [UInt8](repeating: 0, count: n)
    let read = bytes.withUnsafeMutableBytes { fread($0.baseAddress, 1, n, f) }
    return read == n ? bytes : nil
}

let args = CommandLine.arguments
guard args.count >= 4, let rounds = Int(args[1]), let reps = Int(args[2]), rounds > 0, reps > 0 else {
    print("usage: revision-driver ROUNDS REPS MODEL.mote...")
    exit(2)
}
print("µs per op: fastest burst of \(reps) runs over \(rounds) alternating rounds; ratio = median over rounds of before / after")
for path in args[3...] {
    guard let bytes = readFile(path) else { print("\(path): cannot read"); exit(1) }
    let file = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 64)
    file.copyBytes(from: bytes)
    let arenaBytes = 1 << 22
    let arenas = (UnsafeMutableRawBufferPointer.allocate(byteCount: arenaBytes, alignment: 64),
                  UnsafeMutableRawBufferPointer.allocate(byteCount: arenaBytes, alignment: 64))
    for i in 0..<arenaBytes { arenas.0[i] = UInt8(truncatingIfNeeded: (i &* 2_654_435_761) >> 13); arenas.1[i] = arenas.0[i] }
    let before: MoteBefore.MoteModel, after: MoteAfter.MoteModel
    do {
        before = try MoteBefore.MoteModel(model: UnsafeRawBufferPointer(file), arena: arenas.0)
        after = try MoteAfter.MoteModel(model: UnsafeRawBufferPointer(file), arena: arenas.1)
    } catch {
        print("\(path): cannot open (\(error))"); exit(1)
    }
    var names = [String]()
    if let n = after.names { names = n.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) } }
    // Op names as `mote bench` prints them: the subgraph, then the layer.
    let encoder = after.subgraph(.encoder).map { $0.firstOp..<($0.firstOp + $0.opCount) } ?? 0..<0
    names = names.enumerated().map { (encoder.contains($0.offset) ? "encoder." : "decoder.") + $0.element }
    let ops = after.opCount
    var times = [[UInt64]](repeating: [], count: 2 &* ops)
    for r in 0..<rounds {
        for i in 0..<ops {
            for side in (r % 2 == 0 ? [0, 1] : [1, 0]) {
                let t0 = now()
                for _ in 0..<reps { if side == 0 { before.run(ops: i..<(i + 1)) } else { after.run(ops: i..<(i + 1)) } }
                times[2 &* i &+ side].append(now() &- t0)
            }
        }
    }
    // Both builds from the same input: every op's output must match byte for byte.
    before.run(ops: 0..<ops)
    after.run(ops: 0..<ops)
    var same = true
    for i in 0..<ops {
        let t = after.tensor(after.op(i).output)
        let a = before.data(before.tensor(before.op(i).output)), b = after.data(t)
        for j in 0..<t.bytes where a.load(fromByteOffset: j, as: UInt8.self) != b.load(fromByteOffset: j, as: UInt8.self) { same = false }
    }
    print("\n\(path)")
    var sums = (0.0, 0.0)
    for i in 0..<ops {
        let b = Double(times[2 &* i].min()!) / Double(reps) / 1000, a = Double(times[2 &* i &+ 1].min()!) / Double(reps) / 1000
        let ratios = zip(times[2 &* i], times[2 &* i &+ 1]).map { Double($0) / Double(max($1, 1)) }.sorted()
        sums.0 += b; sums.1 += a
        if b < 0.5 && a < 0.5 { continue }
        let name = i < names.count ? names[i] : "op \(i)"
        print("    " + pad(name, 22) + padLeft(fixed(b), 9) + " -> " + padLeft(fixed(a), 9) + "  " + padLeft(fixed(ratios[ratios.count / 2], 2), 5) + "x")
    }
    print("  all ops               " + padLeft(fixed(sums.0), 9) + " -> " + padLeft(fixed(sums.1), 9) + "  " + padLeft(fixed(sums.0 / sums.1, 2), 5)
          + "x (sums of the fastest bursts)" + (same ? "" : "   OUTPUTS DIFFER"))
    if !same { exit(1) }
}
