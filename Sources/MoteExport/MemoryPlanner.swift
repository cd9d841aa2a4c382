// Arena planning: every activation and scratch buffer gets an offset in one arena, from the
// op order alone. Buffers whose lifetimes overlap never share bytes.
//
// Greedy by size (as TFLite Micro's planner): largest buffers first, each at the lowest
// aligned offset that clears every already placed buffer alive at the same time. The plan
// reports its arena size beside the lower bound (the most bytes alive at any one op) and the
// naive sum (every buffer on its own).

public struct BufferRequest: Sendable, Equatable {
    public var name: String
    public var bytes: Int
    /// Alive from the op that first writes it to the op that last reads it, inclusive.
    public var firstOp: Int
    public var lastOp: Int
    public init(name: String, bytes: Int, firstOp: Int, lastOp: Int) {
        self.name = name; self.bytes = bytes; self.firstOp = firstOp; self.lastOp = lastOp
    }
    func overlapsInTime(_ o: BufferRequest) -> Bool { firstOp <= o.lastOp && o.firstOp <= lastOp }
}

public struct MemoryPlan: Sendable {
    /// Offsets in the order of the requests.
    public var offsets: [Int]
    public var arenaBytes: Int
    /// The most bytes alive at one op: no plan can do better.
    public var lowerBound: Int
    /// Every buffer in its own place.
    public var naiveBytes: Int
}

public func planMemory(_ requests: [BufferRequest], alignment: Int = 16) -> MemoryPlan {
    func aligned(_ x: Int) -> Int { (x + alignment - 1) / alignment * alignment }
    let order = requests.indices.sorted {
        (requests[$0].bytes, requests[$1].firstOp, $1) > (requests[$1].bytes, requests[$0].firstOp, $0)
    }
    var offsets = [Int](repeating: 0, count: requests.count)
    var placed = [Int]()
    for i in order {
        let r = requests[i]
        // Occupied intervals of buffers alive at the same time, by offset.
        let busy = placed.filter { requests[$0].overlapsInTime(r) }
            .map { (offsets[$0], offsets[$0] + aligned(requests[$0].bytes)) }
            .sorted { $0.0 < $1.0 }
        var offset = 0
        for (start, end) in busy {
            if offset + aligned(r.bytes) <= start { break }
            offset = max(offset, end)
        }
        offsets[i] = offset
        placed.append(i)
    }
    let arena = requests.indices.map { offsets[$0] + aligned(requests[$0].bytes) }.max() ?? 0
    let lastOp = requests.map(\.lastOp).max() ?? -1
    var lower = 0
    if lastOp >= 0 {
        for op in 0...lastOp {
            lower = max(lower, requests.filter { $0.firstOp <= op && op <= $0.lastOp }.reduce(0) { $0 + aligned($1.bytes) })
        }
    }
    return MemoryPlan(offsets: offsets, arenaBytes: arena, lowerBound: lower,
                      naiveBytes: requests.reduce(0) { $0 + aligned($1.bytes) })
}

/// Buffers for the planner from an op list: one per tensor, alive from the op that writes it
/// (a tensor no op writes, like the model's input: op 0) to the last op that reads it.
public func lifetimeRequests(tensorBytes: [Int], names: [String], ops: [(input: Int, output: Int)]) -> [BufferRequest] {
    tensorBytes.indices.map { t in
        let producer = ops.firstIndex { $0.output == t } ?? 0
        let lastReader = ops.lastIndex { $0.input == t } ?? producer
        return BufferRequest(name: names[t], bytes: tensorBytes[t], firstOp: producer, lastOp: max(producer, lastReader))
    }
}
