// What a write leaves in the output folder: the file, and no temporaries of writers that
// were killed — while a user's own `.tmp` files and a live writer's temporaries stay.
import Foundation
import Testing
@testable import MoteIO

@Suite("Atomic file writes")
struct AtomicFileTests {
    @Test func aWriteSweepsTemporariesOfKilledWritersOfAnyFile() throws {
        let dir = scratchDir("atomic")
        let gone = Int32.max                         // above pid_max: no such process
        let alive = getppid()                        // the process that started the tests
        let stalePicture = AtomicFile.temporaryName(of: "\(dir)/run-epoch-046.png", pid: gone)
        let staleProbe = AtomicFile.temporaryName(of: "\(dir)/.mote-write-check-\(gone)", pid: gone)
        let liveWriter = AtomicFile.temporaryName(of: "\(dir)/model.safetensors", pid: alive)
        let usersOwn = "\(dir)/notes.\(gone).tmp"
        for path in [stalePicture, staleProbe, liveWriter, usersOwn] { write([1, 2, 3], path) }

        try AtomicFile.write([7, 8], to: "\(dir)/model.safetensors")

        let names = Set(try FileManager.default.contentsOfDirectory(atPath: dir))
        #expect(names == ["model.safetensors", URL(fileURLWithPath: liveWriter).lastPathComponent, "notes.\(gone).tmp"])
        #expect(FileManager.default.contents(atPath: "\(dir)/model.safetensors") == Data([7, 8]))
    }
}
