// A small command-line parser: `--flag value`, `--flag=value`, boolean switches, positionals.
// Unknown flags and missing values are usage errors (exit code 2), reported in one line.

struct UsageError: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

struct Arguments {
    private(set) var values: [String: [String]] = [:]
    private(set) var switches: Set<String> = []
    private(set) var positionals: [String] = []

    /// `options` take a value; `flags` do not. Both are written without the leading "--".
    init(_ args: [String], options: Set<String>, flags: Set<String>, command: String) throws {
        var i = 0
        while i < args.count {
            let a = args[i]
            if a == "--" { positionals += args[(i + 1)...]; break }
            if a.hasPrefix("--") {
                var name = String(a.dropFirst(2))
                var inline: String?
                if let eq = name.firstIndex(of: "=") {
                    inline = String(name[name.index(after: eq)...])
                    name = String(name[..<eq])
                }
                if flags.contains(name) {
                    guard inline == nil else { throw UsageError("--\(name) takes no value") }
                    switches.insert(name)
                } else if options.contains(name) {
                    if let inline { values[name, default: []].append(inline) } else {
                        guard i + 1 < args.count else { throw UsageError("--\(name) needs a value (see mote \(command) --help)") }
                        i += 1
                        values[name, default: []].append(args[i])
                    }
                } else {
                    throw UsageError("unknown option --\(name) for mote \(command) (see mote \(command) --help)")
                }
            } else if a.hasPrefix("-") && a.count > 1 && Int(a) == nil && Double(a) == nil {
                throw UsageError("unknown option \(a) for mote \(command) (see mote \(command) --help)")
            } else {
                positionals.append(a)
            }
            i += 1
        }
    }

    func string(_ name: String) -> String? { values[name]?.last }
    func all(_ name: String) -> [String] { values[name] ?? [] }
    func has(_ name: String) -> Bool { switches.contains(name) }

    /// An integer option in lo...hi: every count, size and seed has a limit, so a typo cannot
    /// ask for more memory or time than a run should take.
    func int(_ name: String, min lo: Int, max hi: Int) throws -> Int? {
        guard let s = string(name) else { return nil }
        guard let v = Int(s), v >= lo, v <= hi else { throw UsageError("--\(name) \(s): expected a whole number from \(lo) to \(hi)") }
        return v
    }
    func double(_ name: String, min lo: Double, max hi: Double) throws -> Double? {
        guard let s = string(name) else { return nil }
        guard let v = Double(s), v >= lo, v <= hi else { throw UsageError("--\(name) \(s): expected a number from \(lo) to \(hi)") }
        return v
    }
}
