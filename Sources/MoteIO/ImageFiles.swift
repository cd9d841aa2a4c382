// The images users hand to `mote run`: PNG files (one image each) and IDX image files (many,
// plain or gzip'd), told apart by their contents, each image named after its file.
import Foundation

public struct NamedImage: Sendable {
    public var name: String
    public var image: GrayImage
    public init(name: String, image: GrayImage) { self.name = name; self.image = image }
}

public struct ImageFileError: Error, CustomStringConvertible {
    public let path: String, problem: String
    public var description: String { "\(path): \(problem)" }
}

public enum ImageFiles {
    /// Reads every image of `paths` in order; an IDX file contributes at most `limit` images.
    /// The most images one run reads from all its inputs (100,000 28x28 images are 78 MB of
    /// pixels and 314 MB as floats).
    public static let maxImages = 100_000

    public static func read(_ paths: [String], limit: Int? = nil) throws(ImageFileError) -> [NamedImage] {
        var out = [NamedImage]()
        for path in paths {
            guard out.count < maxImages else {
                throw ImageFileError(path: path, problem: "more than \(maxImages) images in all: pass fewer files or a smaller --count")
            }
            guard let data = FileManager.default.contents(atPath: path) else {
                var isDirectory: ObjCBool = false
                let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
                throw ImageFileError(path: path, problem: isDirectory.boolValue ? "is a folder; pass PNG or IDX image files"
                                     : exists ? "cannot be read (permissions?)" : "no such file")
            }
            let bytes = [UInt8](data)
            let stem = Self.stem(path)
            if PNG.isPNG(bytes) {
                do { out.append(NamedImage(name: stem, image: try PNG.decode(bytes))) } catch { throw ImageFileError(path: path, problem: error.problem) }
            } else if Zlib.isGzip(bytes) || bytes.starts(with: [0, 0, 8, 3]) {
                let images: IDXImages
                do { images = try IDX.readImages(path) } catch { throw ImageFileError(path: path, problem: error.problem) }
                let n = min(images.count, limit ?? images.count)
                guard out.count + n <= maxImages else {
                    throw ImageFileError(path: path, problem: "its \(n) images make more than \(maxImages) in all: pass --count or fewer files")
                }
                for i in 0..<n {
                    let pixels = Array(images.pixels[(i * images.pixelsPerImage)..<((i + 1) * images.pixelsPerImage)])
                    out.append(NamedImage(name: numbered(stem, i, of: images.count, digits: 4), image: GrayImage(width: images.cols, height: images.rows, pixels: pixels)))
                }
            } else if bytes.starts(with: [0, 0, 8, 1]) {
                throw ImageFileError(path: path, problem: "is an IDX label file; pass the images file (…-images-idx3-ubyte)")
            } else {
                throw ImageFileError(path: path, problem: "is neither a PNG nor an IDX image file (Mote reads PNG, and IDX images like t10k-images-idx3-ubyte[.gz])")
            }
        }
        return out
    }

    /// "stem-0042": the index zero-padded to at least `digits` digits, more when `n` needs them.
    public static func numbered(_ stem: String, _ i: Int, of n: Int, digits: Int) -> String {
        let s = String(i), width = max(digits, String(n - 1).count)
        return "\(stem)-" + String(repeating: "0", count: max(0, width - s.count)) + s
    }

    /// "t10k-images-idx3-ubyte.gz" → "t10k-images", "shirt.png" → "shirt".
    static func stem(_ path: String) -> String {
        var name = URL(fileURLWithPath: path).lastPathComponent
        for suffix in [".gz", ".png", ".PNG", "-idx3-ubyte", ".idx3-ubyte", ".idx3", ".idx"] where name.hasSuffix(suffix) {
            name = String(name.dropLast(suffix.count))
        }
        return name.isEmpty ? "image" : name
    }
}
