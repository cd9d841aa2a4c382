// Writing files so that a crash or kill never leaves a half-written one behind.
import Foundation

public enum AtomicFile {
    /// Writes to a temporary file beside `path`, flushes it, then renames it over `path`. A
    /// full disk or a read-only folder is an error and leaves `path` as it was.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        do { try FileManager.default.createDirectory(atPath: dir.isEmpty ? "." : dir, withIntermediateDirectories: true) } catch {
            throw MoteIOError("cannot create the folder \(dir): \(error.localizedDescription)")
        }
        removeStaleTemporaries(of: path)
        let tmp = temporaryName(of: path, pid: ProcessInfo.processInfo.processIdentifier)
        guard let fd = fopen(tmp, "wb") else { throw MoteIOError("cannot create \(tmp): \(String(cString: strerror(errno)))") }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, fd) }
        let flushed = fflush(fd) == 0 && fsync(fileno(fd)) == 0
        let closed = fclose(fd) == 0
        guard written == bytes.count, flushed, closed else {
            unlink(tmp)
            throw MoteIOError("writing \(tmp) failed: \(String(cString: strerror(errno)))")
        }
        guard rename(tmp, path) == 0 else {
            unlink(tmp)
            throw MoteIOError("cannot rename \(tmp) to \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// The temporary name `path` is written under first: the writer's process id marks whose it
    /// is, `.mote-` marks it as ours, so a sweep never touches a user's own `.tmp` files.
    static func temporaryName(of path: String, pid: Int32) -> String { "\(path).mote-\(pid).tmp" }

    /// Temporary files in `path`'s folder left by a process that was killed mid-write (their
    /// writer is gone), whatever file they were for: removed, so kills never pile up
    /// half-written copies — also of files nobody writes again, like one epoch's picture.
    static func removeStaleTemporaries(of path: String) {
        let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path, dir = parent.isEmpty ? "." : parent
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
        for name in names where name.hasSuffix(".tmp") {
            guard let marker = name.range(of: ".mote-", options: .backwards),
                  let pid = Int32(name[marker.upperBound...].dropLast(4)), pid > 0,
                  pid != ProcessInfo.processInfo.processIdentifier,
                  kill(pid, 0) != 0 && errno == ESRCH else { continue }
            unlink("\(dir)/\(name)")
        }
    }

    /// Throws unless a file can be created in `dir` (made if missing): a run that would fail
    /// to save its results fails before it starts.
    public static func checkWritable(_ dir: String) throws {
        let probe = "\(dir)/.mote-write-check-\(ProcessInfo.processInfo.processIdentifier)"
        try write([], to: probe)
        unlink(probe)
    }

    public static func write(_ text: String, to path: String) throws {
        try write(Array(text.utf8), to: path)
    }
}
