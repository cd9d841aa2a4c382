// IDX reading: valid files round-trip (plain and gzip'd); every malformed file is a clear
// error naming the file, never a crash.
import Foundation
import Testing
@testable import MoteIO

func scratchDir(_ name: String) -> String {
    let dir = NSTemporaryDirectory() + "mote-tests-\(name)-\(UUID().uuidString)"
    try? FileManager.default.removeItem(atPath: dir)
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

func write(_ bytes: [UInt8], _ path: String) { _ = FileManager.default.createFile(atPath: path, contents: Data(bytes)) }

let tinyImages = IDXImages(count: 3, rows: 2, cols: 2, pixels: [0, 1, 2, 3, 10, 11, 12, 13, 250, 251, 252, 255])

@Suite("IDX files")
struct IDXTests {
    @Test func roundTripPlainAndGzip() throws {
        let dir = scratchDir("idx-ok")
        write(IDX.encode(images: tinyImages), "\(dir)/plain")
        write(try Zlib.gzip(IDX.encode(images: tinyImages)), "\(dir)/packed.gz")
        for path in ["\(dir)/plain", "\(dir)/packed.gz"] {
            let read = try IDX.readImages(path)
            #expect(read.count == 3 && read.rows == 2 && read.cols == 2)
            #expect(read.pixels == tinyImages.pixels)
        }
        // The header is big-endian: 0x00000803 then 3, 2, 2.
        #expect(Array(IDX.encode(images: tinyImages).prefix(16)) == [0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 2])
    }

    func expectError(_ bytes: [UInt8], mentions words: [String], labels: Bool = false) {
        let path = scratchDir("idx-bad") + "/file"
        write(bytes, path)
        do {
            if labels { _ = try IDX.readLabels(path) } else { _ = try IDX.readImages(path) }
            Issue.record("expected an error for \(words)")
        } catch {
            #expect(error.path == path)
            for w in words { #expect(error.description.contains(w), "\(error.description) should mention \(w)") }
        }
    }

    @Test func truncatedData() { expectError(Array(IDX.encode(images: tinyImages).dropLast(3)), mentions: ["truncated"]) }
    @Test func truncatedHeader() { expectError([0, 0, 8, 3, 0, 0], mentions: ["truncated"]) }
    @Test func wrongMagic() { expectError([0x50, 0x4b, 3, 4] + [UInt8](repeating: 0, count: 20), mentions: ["magic"]) }
    @Test func labelsWhereImagesExpected() { expectError(IDX.encode(labels: [1, 2, 3]), mentions: ["dimensions"]) }
    @Test func wrongElementType() { expectError([0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0], mentions: ["unsigned byte"], labels: true) }
    @Test func hugeDimensions() { expectError([0, 0, 8, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff], mentions: ["large"]) }
    @Test func trailingBytes() { expectError(IDX.encode(images: tinyImages) + [1, 2], mentions: ["trailing"]) }
    @Test func emptyFile() { expectError([], mentions: ["too short"]) }

    @Test func damagedGzip() throws {
        var gz = try Zlib.gzip(IDX.encode(images: tinyImages))
        gz.removeLast(gz.count / 2)
        expectError(gz, mentions: ["gzip"])
    }

    @Test func gzipBombStopsAtTheDeclaredSize() throws {
        // 64 MB of zeros compress to ~64 KB; the zero header declares 1 byte of data, so
        // inflating must stop at once rather than expand the lot, and say why.
        let bomb = try Zlib.gzip([UInt8](repeating: 0, count: 64 << 20))
        #expect(bomb.count < 200_000)
        expectError(bomb, mentions: ["decompresses to more than the 5 bytes"])
        // Real images followed by a megabyte of zeros inside the same gzip stream: trailing data.
        expectError(try Zlib.gzip(IDX.encode(images: tinyImages) + [UInt8](repeating: 0, count: 1 << 20)), mentions: ["more than the 28 bytes"])
        // The limit itself: a prefix read, and an exact-size stream, both succeed.
        let plain = IDX.encode(images: tinyImages)
        #expect(try Zlib.inflate(try Zlib.gzip(plain), limit: 4, prefix: true) == Array(plain.prefix(4)))
        #expect(try Zlib.inflate(try Zlib.gzip(plain), limit: plain.count) == plain)
    }

    @Test func missingFile() {
        #expect(throws: IDXError.self) { try IDX.readImages("/nonexistent/mote/file") }
    }

    @Test func imagesAndLabelsMustAgree() throws {
        let dir = scratchDir("idx-count")
        write(try Zlib.gzip(IDX.encode(images: tinyImages)), "\(dir)/train-images-idx3-ubyte.gz")
        write(IDX.encode(labels: [1, 2]), "\(dir)/train-labels-idx1-ubyte")
        do {
            _ = try DatasetFolder(path: dir).load(.train)
            Issue.record("expected a count mismatch error")
        } catch {
            #expect("\(error)".contains("3 images") && "\(error)".contains("2 labels"))
        }
    }

    @Test func missingDataFolderSaysWhatToInstall() {
        do {
            _ = try DatasetFolder.resolve(nil, fallbacks: ["/nonexistent/a"], installHint: "apt-get install dataset-fashion-mnist")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("apt-get install dataset-fashion-mnist"))
        }
    }

    @Test func shippedSampleIsValid() throws {
        // The repo's sample: 1,000 images and labels per split.
        let folder = DatasetFolder(path: "data/fashion-mnist-sample")
        for split in Split.allCases {
            let d = try folder.load(split)
            #expect(d.count == 1000 && d.images.rows == 28 && d.labels.allSatisfy { $0 < 10 })
        }
    }
}

@Suite("PNG and safetensors")
struct FileFormatTests {
    @Test func pngStructureAndPixels() throws {
        let img = GrayImage(width: 3, height: 2, pixels: [0, 128, 255, 1, 2, 3])
        let png = try PNG.encode(width: 3, height: 2, channels: 1, samples: img.pixels)
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        // Walk the chunks, check each CRC, and inflate IDAT back to filter byte + rows.
        var o = 8, idat = [UInt8](), types = [String]()
        while o < png.count {
            let len = Int(png[o]) << 24 | Int(png[o + 1]) << 16 | Int(png[o + 2]) << 8 | Int(png[o + 3])
            let type = String(decoding: png[(o + 4)..<(o + 8)], as: UTF8.self)
            let body = Array(png[(o + 8)..<(o + 8 + len)])
            let crc = UInt32(png[o + 8 + len]) << 24 | UInt32(png[o + 9 + len]) << 16 | UInt32(png[o + 10 + len]) << 8 | UInt32(png[o + 11 + len])
            #expect(crc == Zlib.crc32(Array(type.utf8) + body))
            if type == "IDAT" { idat += body }
            types.append(type)
            o += 12 + len
        }
        #expect(types == ["IHDR", "IDAT", "IEND"])
        #expect(try Zlib.inflate(idat) == [0, 0, 128, 255, 0, 1, 2, 3])
    }

    @Test func safetensorsRoundTrip() throws {
        let file = SafetensorsFile(tensors: [NamedTensor(name: "a.kernel", shape: [2, 3], values: [1, 2, 3, 4, 5, 6]),
                                             NamedTensor(name: "a.bias", shape: [3], values: [-1, 0, 1])],
                                   metadata: ["epoch": "3"])
        let bytes = try file.encoded()
        // Header length (little-endian u64) and 8-byte alignment of the data.
        let n = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect(n % 8 == 0 && 8 + n + 36 == bytes.count)
        let back = try SafetensorsFile.decode(bytes, path: "mem")
        #expect(back["a.kernel"]?.values == [1, 2, 3, 4, 5, 6] && back["a.bias"]?.shape == [3])
        #expect(back.metadata["epoch"] == "3")
        #expect(try file.encoded() == bytes)  // deterministic: same contents, same bytes
    }

    /// A safetensors header: its length (8 bytes, little-endian) and the JSON.
    func header(_ json: String) -> [UInt8] {
        withUnsafeBytes(of: UInt64(json.utf8.count).littleEndian) { Array($0) } + Array(json.utf8)
    }

    @Test func hostileSafetensorsAreRejected() throws {
        let good = try SafetensorsFile(tensors: [NamedTensor(name: "w", shape: [4], values: [1, 2, 3, 4])], metadata: [:]).encoded()
        let cases: [[UInt8]] = [
            [], Array(good.prefix(5)), Array(good.dropLast(4)),
            [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f] + good.dropFirst(8),
            Array(good.prefix(8)) + Array("{\"w\":{\"dtype\":\"F32\",\"shape\":[400],\"data_offsets\":[0,1600]}}".utf8),
            // A shape whose element count overflows 64 bits (it used to trap).
            header(#"{"w":{"dtype":"F32","shape":[2147483647,2147483647,2147483647],"data_offsets":[0,16]}}"#) + [UInt8](repeating: 0, count: 16),
            header(#"{"w":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,16]}}"#) + [UInt8](repeating: 0, count: 16),
        ]
        for bytes in cases {
            #expect(throws: (any Error).self) { try SafetensorsFile.decode(bytes, path: "bad") }
        }
    }
}
