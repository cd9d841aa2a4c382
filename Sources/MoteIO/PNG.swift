// PNG files through system zlib: writing 8-bit grey or RGB, and reading any valid PNG (every
// colour type and bit depth, all row filters, Adam7 interlacing) into an 8-bit grey image.
//
// Reading converts the way the models need: RGB to grey as (299 R + 587 G + 114 B + 500) / 1000
// (ITU-R 601 luma, rounded), 16-bit samples to 8 bits rounded, 1/2/4-bit grey scaled to 0...255,
// and alpha composited over black (the background of MNIST-style images). Every length, size
// and checksum is checked: a damaged file is a PNGError, never a crash.
import Foundation

public enum PNG {
    /// Encodes 8-bit samples: `channels` 1 (gray) or 3 (RGB).
    public static func encode(width: Int, height: Int, channels: Int, samples: [UInt8]) throws -> [UInt8] {
        precondition(channels == 1 || channels == 3)
        precondition(samples.count == width * height * channels)
        var raw = [UInt8]()
        raw.reserveCapacity((width * channels + 1) * height)
        for y in 0..<height {
            raw.append(0)  // filter type: none
            raw += samples[(y * width * channels)..<((y + 1) * width * channels)]
        }
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var ihdr = IDX.bigEndian(width) + IDX.bigEndian(height)
        ihdr += [8, channels == 1 ? 0 : 2, 0, 0, 0]
        appendChunk("IHDR", ihdr, to: &out)
        appendChunk("IDAT", try Zlib.deflate(raw), to: &out)
        appendChunk("IEND", [], to: &out)
        return out
    }

    public static func write(_ image: GrayImage, to path: String) throws {
        try AtomicFile.write(encode(width: image.width, height: image.height, channels: 1, samples: image.pixels), to: path)
    }

    static func appendChunk(_ type: String, _ data: [UInt8], to out: inout [UInt8]) {
        let typeBytes = Array(type.utf8)
        out += IDX.bigEndian(data.count)
        out += typeBytes
        out += data
        out += IDX.bigEndian(Int(Zlib.crc32(typeBytes + data)))
    }

    /// Largest image read (pixels): bigger files are refused before anything is allocated.
    public static let maxPixels = 1 << 26

    public static func read(path: String) throws(PNGError) -> GrayImage {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PNGError(FileManager.default.fileExists(atPath: path) ? "cannot be read (permissions?)" : "no such file")
        }
        return try decode([UInt8](data))
    }

    public static func isPNG(_ bytes: [UInt8]) -> Bool { bytes.starts(with: signature) }
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    public static func decode(_ bytes: [UInt8]) throws(PNGError) -> GrayImage {
        guard isPNG(bytes) else { throw PNGError("not a PNG file (no PNG signature)") }
        var header: Header?
        var palette = [UInt8]()
        var compressed = [UInt8]()
        var at = 8, sawEnd = false
        while !sawEnd {
            guard at + 12 <= bytes.count else { throw PNGError("truncated: the file ends inside a chunk (no IEND)") }
            let length = Int(bigEndian32(bytes, at))
            let type = String(decoding: bytes[(at + 4)..<(at + 8)], as: UTF8.self)
            guard length <= 0x7FFF_FFFF, at + 12 + length <= bytes.count else {
                throw PNGError("truncated: chunk \(type) says \(length) bytes but the file ends sooner")
            }
            let body = Array(bytes[(at + 8)..<(at + 8 + length)])
            guard Zlib.crc32(Array(bytes[(at + 4)..<(at + 8)]) + body) == bigEndian32(bytes, at + 8 + length) else {
                throw PNGError("chunk \(type) is damaged (CRC mismatch)")
            }
            switch type {
            case "IHDR": header = try Header(body)
            case "PLTE": palette = body
            case "IDAT": compressed += body
            case "IEND": sawEnd = true
            default:
                // Unknown critical chunks (upper-case first letter) change how pixels read.
                if let first = type.utf8.first, first < 0x61 { throw PNGError("unsupported critical chunk \(type)") }
            }
            at += 12 + length
        }
        guard let header else { throw PNGError("no IHDR chunk") }
        guard !compressed.isEmpty else { throw PNGError("no image data (no IDAT chunk)") }
        if header.colorType == 3 && (palette.isEmpty || palette.count % 3 != 0) { throw PNGError("palette image without a valid PLTE chunk") }
        let raw: [UInt8]
        // At most 8 bytes a pixel plus a filter byte a row (Adam7's seven passes at most double
        // the rows): inflating stops there, so a small file cannot expand without bound.
        let limit = 2 * header.height * (8 * header.width + 1) + 64
        do { raw = try Zlib.inflate(compressed, limit: limit) } catch { throw PNGError("image data is damaged: \(error)") }
        return try header.pixels(raw, palette: palette)
    }

    static func bigEndian32(_ b: [UInt8], _ at: Int) -> UInt32 {
        UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3])
    }

    struct Header {
        let width: Int, height: Int, bitDepth: Int, colorType: Int, interlaced: Bool
        var channels: Int { [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][colorType]! }
        /// Bytes per complete pixel, at least 1 (the filters' left neighbour distance).
        var filterStride: Int { max(1, channels * bitDepth / 8) }
        func rowBytes(_ w: Int) -> Int { (w * channels * bitDepth + 7) / 8 }

        init(_ b: [UInt8]) throws(PNGError) {
            guard b.count == 13 else { throw PNGError("IHDR has \(b.count) bytes, not 13") }
            width = Int(PNG.bigEndian32(b, 0)); height = Int(PNG.bigEndian32(b, 4))
            bitDepth = Int(b[8]); colorType = Int(b[9])
            guard width > 0, height > 0, width <= PNG.maxPixels, height <= PNG.maxPixels, width * height <= PNG.maxPixels else {
                throw PNGError("image size \(width)x\(height) is empty or too large")
            }
            let depths: [Int: [Int]] = [0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16]]
            guard let allowed = depths[colorType] else { throw PNGError("colour type \(colorType) does not exist") }
            guard allowed.contains(bitDepth) else { throw PNGError("bit depth \(bitDepth) is not allowed for colour type \(colorType)") }
            guard b[10] == 0, b[11] == 0, b[12] <= 1 else { throw PNGError("unknown compression, filter or interlace method") }
            interlaced = b[12] == 1
        }

        /// The passes' sub-images: origin and step (one pass of step 1 when not interlaced).
        var passes: [(x0: Int, y0: Int, dx: Int, dy: Int)] {
            interlaced ? [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)] : [(0, 0, 1, 1)]
        }

        func pixels(_ raw: [UInt8], palette: [UInt8]) throws(PNGError) -> GrayImage {
            var out = GrayImage(width: width, height: height)
            var at = 0
            for p in passes {
                let w = (width - p.x0 + p.dx - 1) / p.dx, h = (height - p.y0 + p.dy - 1) / p.dy
                guard w > 0, h > 0 else { continue }
                let n = rowBytes(w)
                guard at + (n + 1) * h <= raw.count else { throw PNGError("image data is shorter than \(width)x\(height) pixels need") }
                var previous = [UInt8](repeating: 0, count: n), row = previous
                for y in 0..<h {
                    let filter = raw[at]
                    guard filter <= 4 else { throw PNGError("unknown row filter \(filter)") }
                    for k in 0..<n { row[k] = raw[at + 1 + k] }
                    unfilter(&row, previous: previous, type: filter)
                    for x in 0..<w {
                        out.pixels[(p.y0 + y * p.dy) * width + p.x0 + x * p.dx] = try grey(row, x, palette: palette)
                    }
                    swap(&row, &previous)
                    at += n + 1
                }
            }
            return out
        }

        func unfilter(_ row: inout [UInt8], previous: [UInt8], type: UInt8) {
            let s = filterStride
            for k in row.indices {
                let a = k >= s ? Int(row[k - s]) : 0, b = Int(previous[k]), c = k >= s ? Int(previous[k - s]) : 0
                let prediction: Int
                switch type {
                case 1: prediction = a
                case 2: prediction = b
                case 3: prediction = (a + b) / 2
                case 4:
                    let p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                    prediction = pa <= pb && pa <= pc ? a : pb <= pc ? b : c
                default: prediction = 0
                }
                row[k] = UInt8(truncatingIfNeeded: Int(row[k]) + prediction)
            }
        }

        /// Sample `i` of a row (any bit depth), reduced to 8 bits.
        func sample(_ row: [UInt8], _ i: Int) -> Int {
            switch bitDepth {
            case 8: return Int(row[i])
            case 16: return ((Int(row[2 * i]) << 8 | Int(row[2 * i + 1])) * 255 + 32767) / 65535
            default:
                let bit = i * bitDepth, v = Int(row[bit / 8]) >> (8 - bitDepth - bit % 8) & ((1 << bitDepth) - 1)
                return colorType == 3 ? v : v * 255 / ((1 << bitDepth) - 1)
            }
        }

        func grey(_ row: [UInt8], _ x: Int, palette: [UInt8]) throws(PNGError) -> UInt8 {
            func luma(_ r: Int, _ g: Int, _ b: Int) -> Int { (299 * r + 587 * g + 114 * b + 500) / 1000 }
            func overBlack(_ v: Int, _ a: Int) -> Int { (v * a + 127) / 255 }
            let c = channels * x
            switch colorType {
            case 0: return UInt8(sample(row, c))
            case 2: return UInt8(luma(sample(row, c), sample(row, c + 1), sample(row, c + 2)))
            case 3:
                let i = sample(row, c)
                guard 3 * i + 2 < palette.count else { throw PNGError("pixel uses palette entry \(i) of \(palette.count / 3)") }
                return UInt8(luma(Int(palette[3 * i]), Int(palette[3 * i + 1]), Int(palette[3 * i + 2])))
            case 4: return UInt8(overBlack(sample(row, c), sample(row, c + 1)))
            default: return UInt8(overBlack(luma(sample(row, c), sample(row, c + 1), sample(row, c + 2)), sample(row, c + 3)))
            }
        }
    }
}

public struct PNGError: Error, CustomStringConvertible {
    public let problem: String
    init(_ problem: String) { self.problem = problem }
    public var description: String { problem }
}
