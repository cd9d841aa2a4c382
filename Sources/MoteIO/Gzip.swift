// gzip/zlib through the system zlib: inflating gzip'd IDX files and deflating PNG data.
import CZlib
import Foundation

public enum ZlibError: Error, CustomStringConvertible {
    case corrupt(String)
    case failed(String)
    case tooLarge(Int)
    public var description: String {
        switch self {
        case .corrupt(let why): return "corrupt compressed data (\(why))"
        case .failed(let why): return "zlib failed (\(why))"
        case .tooLarge(let limit): return "it decompresses to more than the \(limit) bytes expected"
        }
    }
}

public enum Zlib {
    /// True when `data` starts with the gzip magic (1f 8b).
    public static func isGzip(_ data: [UInt8]) -> Bool {
        data.count >= 2 && data[0] == 0x1f && data[1] == 0x8b
    }

    /// Inflates a gzip or zlib stream (auto-detected). Truncated or corrupt input throws, and so
    /// does a stream that would produce more than `limit` bytes — stopped as soon as it does, so
    /// a small "bomb" never takes more than `limit` of memory. With `prefix`, returns just the
    /// first `limit` bytes instead (to read a header).
    public static func inflate(_ input: [UInt8], limit: Int = Int.max, prefix: Bool = false) throws(ZlibError) -> [UInt8] {
        var stream = z_stream()
        // windowBits 15 + 32: accept both zlib and gzip headers.
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .failed("inflateInit2")
        }
        defer { inflateEnd(&stream) }
        var output = [UInt8]()
        output.reserveCapacity(min(input.count * 6, limit))
        let chunk = 1 << 20
        var buffer = [UInt8](repeating: 0, count: chunk)
        var result: Int32 = Z_OK
        var mutableInput = input
        let count = mutableInput.count
        try mutableInput.withUnsafeMutableBufferPointer { (inp) throws(ZlibError) in
            stream.next_in = inp.baseAddress
            stream.avail_in = UInt32(count)
            repeat {
                let produced: Int = buffer.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = UInt32(chunk)
                    result = CZlib.inflate(&stream, Z_NO_FLUSH)
                    return chunk - Int(stream.avail_out)
                }
                if result == Z_DATA_ERROR || result == Z_NEED_DICT || result == Z_MEM_ERROR || result == Z_STREAM_ERROR {
                    throw .corrupt(stream.msg.map { String(cString: $0) } ?? String(cString: zError(result)))
                }
                output.append(contentsOf: buffer[0..<produced])
                if output.count >= limit && prefix { return }
                if output.count > limit { throw .tooLarge(limit) }
                if result == Z_BUF_ERROR && stream.avail_in == 0 { break }
            } while result != Z_STREAM_END
        }
        if prefix && output.count >= limit { return Array(output[0..<limit]) }
        if result != Z_STREAM_END && !prefix { throw .corrupt("stream ends early: the file is truncated") }
        return output
    }

    /// Compresses with the zlib wrapper (what PNG IDAT chunks hold).
    public static func deflate(_ input: [UInt8], level: Int32 = 6) throws(ZlibError) -> [UInt8] {
        var destLen = compressBound(uLong(input.count))
        var output = [UInt8](repeating: 0, count: Int(destLen))
        let status = output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { inp in
                compress2(out.baseAddress, &destLen, inp.baseAddress, uLong(input.count), level)
            }
        }
        guard status == Z_OK else { throw .failed("compress2 returned \(status)") }
        output.removeSubrange(Int(destLen)...)
        return output
    }

    /// Gzip-wraps data (for writing sample IDX files).
    public static func gzip(_ input: [UInt8]) throws(ZlibError) -> [UInt8] {
        var stream = z_stream()
        guard deflateInit2_(&stream, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY,
                            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .failed("deflateInit2")
        }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(input.count))) + 64
        var output = [UInt8](repeating: 0, count: bound)
        var mutableInput = input
        let status: Int32 = mutableInput.withUnsafeMutableBufferPointer { inp in
            output.withUnsafeMutableBufferPointer { out in
                stream.next_in = inp.baseAddress
                stream.avail_in = UInt32(inp.count)
                stream.next_out = out.baseAddress
                stream.avail_out = UInt32(out.count)
                return CZlib.deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { throw .failed("deflate returned \(status)") }
        output.removeSubrange(Int(stream.total_out)...)
        return output
    }

    public static func crc32(_ bytes: [UInt8], start: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBufferPointer { p in
            UInt32(CZlib.crc32(uLong(start), p.baseAddress, uInt(p.count)))
        }
    }
}
