// IDX files (the MNIST / Fashion-MNIST format): validated readers and a writer, plain or gzip'd.
//
// Layout: 2 zero bytes, a type byte (0x08 = unsigned byte), a dimension count, then one
// big-endian UInt32 per dimension, then the data. Images are idx3 (count, rows, cols), labels idx1.
import Foundation

public struct IDXError: Error, CustomStringConvertible {
    public let path: String
    public let problem: String
    public init(path: String, problem: String) { self.path = path; self.problem = problem }
    public var description: String { "\(path): \(problem)" }
}

/// Grayscale images, row-major, one byte per pixel.
public struct IDXImages: Sendable {
    public var count: Int
    public var rows: Int
    public var cols: Int
    public var pixels: [UInt8]
    public init(count: Int, rows: Int, cols: Int, pixels: [UInt8]) {
        self.count = count; self.rows = rows; self.cols = cols; self.pixels = pixels
    }
    public var pixelsPerImage: Int { rows * cols }

    public func slice(_ range: Range<Int>) -> IDXImages {
        let n = pixelsPerImage
        return IDXImages(count: range.count, rows: rows, cols: cols,
                         pixels: Array(pixels[(range.lowerBound * n)..<(range.upperBound * n)]))
    }
}

public enum IDX {
    /// The most data bytes an IDX file may declare (Fashion-MNIST's training images are 47 MB).
    public static let maxDataBytes = 1 << 30

    /// Reads a file's bytes, inflating it when it is gzip'd. Neither the file nor what it
    /// inflates to may exceed what its header declares (or `maxDataBytes`): inflating stops there.
    static func contents(of path: String) throws(IDXError) -> [UInt8] {
        let size = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue
        if let size, size > maxDataBytes + 1024 {
            throw IDXError(path: path, problem: "is \(size) bytes, more than an IDX file Mote reads (\(maxDataBytes) bytes of data)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw IDXError(path: path, problem: FileManager.default.fileExists(atPath: path)
                           ? "cannot be read (permissions?)" : "no such file")
        }
        let raw = [UInt8](data)
        guard Zlib.isGzip(raw) else { return raw }
        do {
            let head = try Zlib.inflate(raw, limit: 4 + 4 * 255, prefix: true)
            return try Zlib.inflate(raw, limit: declaredBytes(head) ?? maxDataBytes)
        } catch {
            throw IDXError(path: path, problem: "gzip data is damaged or does not match its header: \(error)")
        }
    }

    /// Header plus data bytes the header at the start of `bytes` declares, or nil when there is
    /// no plausible header there (the full check comes in `header`).
    static func declaredBytes(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4, bytes[0] == 0, bytes[1] == 0 else { return nil }
        let offset = 4 + 4 * Int(bytes[3])
        guard bytes.count >= offset, let data = dataBytes(dimensions(bytes, count: Int(bytes[3]))) else { return nil }
        return offset + data
    }

    /// The `count` big-endian u32 dimensions after the 4-byte magic.
    static func dimensions(_ bytes: [UInt8], count: Int) -> [Int] {
        (0..<count).map { d in
            let o = 4 + 4 * d
            return Int(bytes[o]) << 24 | Int(bytes[o + 1]) << 16 | Int(bytes[o + 2]) << 8 | Int(bytes[o + 3])
        }
    }

    /// Their product, or nil when it overflows or exceeds `maxDataBytes`.
    static func dataBytes(_ dims: [Int]) -> Int? {
        var total = 1
        for d in dims {
            let (p, overflow) = total.multipliedReportingOverflow(by: d)
            guard !overflow, p <= maxDataBytes else { return nil }
            total = p
        }
        return total
    }

    /// Parses and validates the header; returns the dimensions and where the data starts.
    static func header(_ bytes: [UInt8], path: String, expectDims: Int) throws(IDXError) -> (dims: [Int], offset: Int) {
        guard bytes.count >= 4 else { throw IDXError(path: path, problem: "too short to be an IDX file (\(bytes.count) bytes)") }
        guard bytes[0] == 0, bytes[1] == 0 else {
            throw IDXError(path: path, problem: String(format: "wrong magic %02x %02x: not an IDX file", bytes[0], bytes[1]))
        }
        guard bytes[2] == 0x08 else {
            throw IDXError(path: path, problem: String(format: "element type 0x%02x is not unsigned byte (0x08)", bytes[2]))
        }
        let ndims = Int(bytes[3])
        guard ndims == expectDims else {
            throw IDXError(path: path, problem: "has \(ndims) dimensions, expected \(expectDims) (\(expectDims == 3 ? "images" : "labels"))")
        }
        let offset = 4 + 4 * ndims
        guard bytes.count >= offset else { throw IDXError(path: path, problem: "header is truncated") }
        let dims = dimensions(bytes, count: ndims)
        guard let expected = dataBytes(dims) else { throw IDXError(path: path, problem: "dimensions \(dims) are too large: more than \(maxDataBytes) bytes of data") }
        let have = bytes.count - offset
        guard have >= expected else {
            throw IDXError(path: path, problem: "truncated: header says \(dims.map(String.init).joined(separator: "x")) = \(expected) bytes of data, file has \(have)")
        }
        guard have == expected else {
            throw IDXError(path: path, problem: "has \(have - expected) bytes of trailing data after \(dims) elements")
        }
        return (dims, offset)
    }

    public static func readImages(_ path: String) throws(IDXError) -> IDXImages {
        let bytes = try contents(of: path)
        let (dims, offset) = try header(bytes, path: path, expectDims: 3)
        guard dims[1] > 0, dims[2] > 0 else { throw IDXError(path: path, problem: "images of size \(dims[1])x\(dims[2])") }
        return IDXImages(count: dims[0], rows: dims[1], cols: dims[2], pixels: Array(bytes[offset...]))
    }

    public static func readLabels(_ path: String) throws(IDXError) -> [UInt8] {
        let bytes = try contents(of: path)
        let (_, offset) = try header(bytes, path: path, expectDims: 1)
        return Array(bytes[offset...])
    }

    /// Serializes images as idx3 bytes (gzip them with `Zlib.gzip` for the usual .gz files).
    public static func encode(images: IDXImages) -> [UInt8] {
        var out: [UInt8] = [0, 0, 0x08, 3]
        for d in [images.count, images.rows, images.cols] { out += bigEndian(d) }
        return out + images.pixels
    }

    public static func encode(labels: [UInt8]) -> [UInt8] {
        [0, 0, 0x08, 1] + bigEndian(labels.count) + labels
    }

    static func bigEndian(_ v: Int) -> [UInt8] {
        [UInt8(truncatingIfNeeded: v >> 24), UInt8(truncatingIfNeeded: v >> 16),
         UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)]
    }
}
