// safetensors files: an 8-byte little-endian header length, a JSON header naming each tensor's
// dtype, shape and byte range, then the raw little-endian data. numpy, PyTorch and the
// `safetensors` package read them; Mote stores float32 tensors and string metadata.
import Foundation

public struct NamedTensor: Sendable {
    public var name: String
    public var shape: [Int]
    public var values: [Float]
    public init(name: String, shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "\(name): shape \(shape) does not hold \(values.count) values")
        self.name = name; self.shape = shape; self.values = values
    }
}

public struct SafetensorsFile: Sendable {
    public var tensors: [NamedTensor]
    public var metadata: [String: String]
    public init(tensors: [NamedTensor], metadata: [String: String]) {
        self.tensors = tensors; self.metadata = metadata
    }

    public subscript(name: String) -> NamedTensor? { tensors.first { $0.name == name } }

    /// Serializes deterministically (sorted JSON keys), so equal contents give equal bytes.
    public func encoded() throws -> [UInt8] {
        var header: [String: Any] = [:]
        var offset = 0
        for t in tensors {
            let bytes = t.values.count * 4
            header[t.name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + bytes]] as [String: Any]
            offset += bytes
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = [UInt8](try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        while json.count % 8 != 0 { json.append(0x20) }  // pad so the data starts 8-aligned
        var out = [UInt8]()
        out.reserveCapacity(8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out += $0 }
        out += json
        for t in tensors {
            t.values.withUnsafeBytes { raw in out += raw }  // little-endian hosts only (x86-64, arm64)
        }
        return out
    }

    public func write(to path: String) throws { try AtomicFile.write(encoded(), to: path) }

    public static func read(_ path: String) throws -> SafetensorsFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MoteIOError("\(path): no such file or not readable")
        }
        return try decode([UInt8](data), path: path)
    }

    public static func decode(_ bytes: [UInt8], path: String) throws -> SafetensorsFile {
        func bad(_ why: String) -> MoteIOError { MoteIOError("\(path): not a valid safetensors file: \(why)") }
        guard bytes.count >= 8 else { throw bad("only \(bytes.count) bytes") }
        var n: UInt64 = 0
        for i in 0..<8 { n |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard n <= UInt64(bytes.count - 8) else { throw bad("header length \(n) exceeds the file (\(bytes.count) bytes): truncated?") }
        let headerEnd = 8 + Int(n)
        guard let obj = try? JSONSerialization.jsonObject(with: Data(bytes[8..<headerEnd])),
              let header = obj as? [String: Any] else { throw bad("header is not a JSON object") }
        let dataCount = bytes.count - headerEnd
        var tensors = [NamedTensor]()
        var metadata = [String: String]()
        for (name, value) in header {
            if name == "__metadata__" {
                guard let m = value as? [String: String] else { throw bad("__metadata__ is not a string map") }
                metadata = m
                continue
            }
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int],
                  offsets.count == 2 else { throw bad("entry \(name) is malformed") }
            guard dtype == "F32" else { throw bad("tensor \(name) has dtype \(dtype); Mote reads F32 only") }
            // The element count may not overflow, and must fit the data that is there.
            var count = 1
            for d in shape {
                let (c, overflow) = count.multipliedReportingOverflow(by: d)
                guard d >= 0, !overflow, c <= dataCount / 4 else { throw bad("tensor \(name) has shape \(shape), more values than the file holds") }
                count = c
            }
            let (b, e) = (offsets[0], offsets[1])
            guard b >= 0, e >= b, e <= dataCount, e - b == count * 4 else {
                throw bad("tensor \(name) byte range \(b)..<\(e) does not fit shape \(shape) in \(dataCount) data bytes")
            }
            var values = [Float](repeating: 0, count: count)
            values.withUnsafeMutableBytes { dst in
                bytes.withUnsafeBytes { src in
                    dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[(headerEnd + b)..<(headerEnd + e)]))
                }
            }
            tensors.append(NamedTensor(name: name, shape: shape, values: values))
        }
        tensors.sort { $0.name < $1.name }
        return SafetensorsFile(tensors: tensors, metadata: metadata)
    }
}
