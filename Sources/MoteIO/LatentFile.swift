// Latent vectors in files: what `mote run encode` writes and `mote run decode --latents` reads.
import Foundation

/// Latents written by `mote run encode` (CSV or JSON) or any CSV whose rows end with exactly
/// the latent's values (names or labels may come first, as text); a header line and lines
/// starting with # are skipped.
public enum LatentFile {
    /// "name,z0,z1,…" then one line per latent.
    public static func csv(names: [String], latents: [[Float]]) -> String {
        let d = latents.first?.count ?? 0
        return "name," + (0..<d).map { "z\($0)" }.joined(separator: ",") + "\n"
            + zip(names, latents).map { "\($0)," + $1.map { String(format: "%.6g", $0) }.joined(separator: ",") + "\n" }.joined()
    }

    /// The most latents one file may hold (a decode of that many takes about a minute).
    public static let maxLatents = 100_000

    public static func read(_ path: String, dimension d: Int) throws(ImageFileError) -> [[Float]] {
        guard let data = FileManager.default.contents(atPath: path) else { throw ImageFileError(path: path, problem: "no such file") }
        var latents = [[Float]]()
        func add(_ z: [Float]) throws(ImageFileError) {
            guard latents.count < maxLatents else { throw ImageFileError(path: path, problem: "more than \(maxLatents) latents: split the file") }
            latents.append(z)
        }
        if path.hasSuffix(".json") {
            guard let json = try? JSONSerialization.jsonObject(with: data) as? [Any] else {
                throw ImageFileError(path: path, problem: "expected a JSON array of latents ([[x, y], …] or [{\"z\": [x, y]}, …])")
            }
            for (i, item) in json.enumerated() {
                let values = ((item as? [String: Any])?["z"] ?? item) as? [NSNumber]
                guard let values, values.count == d else { throw ImageFileError(path: path, problem: "latent \(i) is not \(d) numbers") }
                let z = values.map { $0.floatValue }
                guard z.allSatisfy(\.isFinite) else { throw ImageFileError(path: path, problem: "latent \(i) has a value outside the 32-bit float range") }
                try add(z)
            }
            return latents
        }
        for (n, line) in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).enumerated() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            if fields.allSatisfy(\.isEmpty) || fields[0].hasPrefix("#") { continue }
            // The values are the numeric fields at the end of the line; before them there may
            // be names (text). Exactly `d` of them: a row of another width is an error.
            let numbers = fields.reversed().prefix { Double($0) != nil }.reversed().map { Double($0)! }
            if numbers.isEmpty && n == 0 { continue }   // a header
            guard numbers.count == d else {
                throw ImageFileError(path: path, problem: "line \(n + 1): expected \(d) numbers at the end of the line, got \(numbers.count) in \"\(printable(line.prefix(80)))\"")
            }
            let z = numbers.map { Float($0) }
            guard numbers.allSatisfy({ $0.isFinite }), z.allSatisfy(\.isFinite) else {
                throw ImageFileError(path: path, problem: "line \(n + 1): a value is not finite or lies outside the 32-bit float range (±3.4e38)")
            }
            try add(z)
        }
        return latents
    }

    /// A line of a file as it may appear in a one-line error message (control bytes and broken
    /// UTF-8 shown as "?").
    static func printable(_ s: Substring) -> String {
        String(s.map { $0 == "\u{FFFD}" || $0.unicodeScalars.contains { $0.value < 32 || $0.value == 127 || $0.properties.generalCategory == .lineSeparator } ? "?" : $0 })
    }
}
