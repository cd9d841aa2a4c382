// Latent vectors in files: what `mote run encode` writes and `mote run decode --latents` reads.
import Foundation

/// Latents written by `mote run encode` (CSV or JSON) or any CSV whose last columns are the
/// latent's values; a header line and lines starting with # are skipped.
public enum LatentFile {
    /// "name,z0,z1,…" then one line per latent.
    public static func csv(names: [String], latents: [[Float]]) -> String {
        let d = latents.first?.count ?? 0
        return "name," + (0..<d).map { "z\($0)" }.joined(separator: ",") + "\n"
            + zip(names, latents).map { "\($0)," + $1.map { String(format: "%.6g", $0) }.joined(separator: ",") + "\n" }.joined()
    }

    public static func read(_ path: String, dimension d: Int) throws(ImageFileError) -> [[Float]] {
        guard let data = FileManager.default.contents(atPath: path) else { throw ImageFileError(path: path, problem: "no such file") }
        if path.hasSuffix(".json") {
            guard let json = try? JSONSerialization.jsonObject(with: data) as? [Any] else {
                throw ImageFileError(path: path, problem: "expected a JSON array of latents ([[x, y], …] or [{\"z\": [x, y]}, …])")
            }
            var latents = [[Float]]()
            for (i, item) in json.enumerated() {
                let values = ((item as? [String: Any])?["z"] ?? item) as? [NSNumber]
                guard let values, values.count == d else { throw ImageFileError(path: path, problem: "latent \(i) is not \(d) numbers") }
                latents.append(values.map { $0.floatValue })
            }
            return latents
        }
        var latents = [[Float]]()
        for (n, line) in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).enumerated() {
            let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            if fields.isEmpty || fields[0].hasPrefix("#") { continue }
            let tail = fields.suffix(d).map { Float($0) }
            guard fields.count >= d, tail.allSatisfy({ $0 != nil && $0!.isFinite }) else {
                if n == 0 { continue }   // a header
                throw ImageFileError(path: path, problem: "line \(n + 1): expected \(d) numbers at the end of the line, got \"\(line)\"")
            }
            latents.append(tail.map { $0! })
        }
        return latents
    }
}
