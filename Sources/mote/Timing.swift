// Timing a piece of work the way the benchmarks report it: the median (and fastest) of many
// runs, in microseconds. The times array is made before the first run and sorted in place,
// so the timed loop allocates nothing (scripts/check-allocations relies on it).
import Foundation

struct Timing {
    let median: Double, fastest: Double

    init(runs: Int, _ body: () -> Void) {
        var times = [UInt64](repeating: 0, count: max(runs, 1))
        for i in times.indices {
            let t0 = DispatchTime.now().uptimeNanoseconds
            body()
            times[i] = DispatchTime.now().uptimeNanoseconds - t0
        }
        times.withUnsafeMutableBufferPointer { heapSort($0) }
        median = Double(times[times.count / 2]) / 1000
        fastest = Double(times[0]) / 1000
    }
}

/// In-place heapsort: the standard library's sort allocates a scratch buffer, whose size
/// depends on the run count, and the allocation check compares counts across run counts.
func heapSort(_ a: UnsafeMutableBufferPointer<UInt64>) {
    func siftDown(_ start: Int, _ end: Int) {
        var root = start
        while 2 * root + 1 < end {
            var child = 2 * root + 1
            if child + 1 < end && a[child] < a[child + 1] { child += 1 }
            if a[root] >= a[child] { return }
            a.swapAt(root, child)
            root = child
        }
    }
    for start in stride(from: a.count / 2 - 1, through: 0, by: -1) { siftDown(start, a.count) }
    for end in stride(from: a.count - 1, to: 0, by: -1) {
        a.swapAt(0, end)
        siftDown(0, end)
    }
}
