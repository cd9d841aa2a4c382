// `mote sample-data`: writes the small datasets shipped in the repo (N images of each split a
// folder has, gzip'd IDX) so demos and tests run without the full dataset.
import Foundation
import MoteIO

enum SampleDataCommand {
    static let help = """
    Write a small sample of a dataset folder as gzip'd IDX files.

    usage: mote sample-data [--data DIR] [--start N] [--count N] --out DIR

      --data DIR   source folder (default /usr/share/datasets/fashion-mnist)
      --start N    first image of each split (default 0)
      --count N    images per split (default 1000)
      --out DIR    destination

    The shipped samples: data/fashion-mnist-sample (the first 1,000 of each split) and
    data/mnist-sample (t10k images 8,000...8,999, which mnist-ae never trained on).

    example: mote sample-data --out data/fashion-mnist-sample
             mote sample-data --data data/mnist --start 8000 --count 1000 --out data/mnist-sample
    """

    static func run(_ argv: [String]) throws {
        let args = try Arguments(argv, options: ["data", "start", "count", "out"], flags: ["help"], command: "sample-data")
        if args.has("help") { print(help); return }
        guard let out = args.string("out") else { throw UsageError("missing --out DIR") }
        let count = try args.int("count", min: 1, max: 100_000) ?? 1000
        let start = try args.int("start", min: 0, max: 100_000) ?? 0
        let folder = try DatasetFolder.resolve(args.string("data"), fallbacks: [DatasetFolder.debianFashionMNIST],
                                               installHint: "Install it with `sudo apt-get install dataset-fashion-mnist`")
        for split in Split.allCases where folder.has(split) {
            let data = try folder.load(split)
            guard start < data.count else { throw UsageError("--start \(start): the \(split.rawValue) split has only \(data.count) images") }
            let part = data.slice(start..<min(start + count, data.count))
            try AtomicFile.write(Zlib.gzip(IDX.encode(images: part.images)), to: "\(out)/\(split.rawValue)-images-idx3-ubyte.gz")
            try AtomicFile.write(Zlib.gzip(IDX.encode(labels: part.labels)), to: "\(out)/\(split.rawValue)-labels-idx1-ubyte.gz")
            print("wrote \(part.count) \(split.rawValue) images and labels to \(out)")
        }
    }
}
