// Terminal output: a live progress line on a terminal, plain lines otherwise; errors on stderr.
import Foundation

enum Console {
    static let isTerminal = isatty(STDOUT_FILENO) == 1

    static func line(_ s: String) {
        if isTerminal && progressShown { clearProgress() }
        print(s)
        fflush(stdout)
    }

    nonisolated(unsafe) static var progressShown = false
    /// Overwrites the progress line (terminal only).
    static func progress(_ s: String) {
        guard isTerminal else { return }
        FileHandle.standardOutput.write(Data(("\r\u{1B}[2K" + s).utf8))
        progressShown = true
    }
    static func clearProgress() {
        guard progressShown else { return }
        FileHandle.standardOutput.write(Data("\r\u{1B}[2K".utf8))
        progressShown = false
    }

    static func error(_ s: String) {
        if progressShown { clearProgress() }
        FileHandle.standardError.write(Data("mote: \(s)\n".utf8))
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%dh%02dm", s / 3600, s % 3600 / 60)
            : s >= 60 ? String(format: "%dm%02ds", s / 60, s % 60) : "\(s)s"
    }
}

/// A failure that has its own exit code: 2 for bad usage or input, 1 for a failed check.
struct ExitError: Error {
    let code: Int32
    let message: String
}
