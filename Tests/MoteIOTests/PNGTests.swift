// PNG reading against fixtures written by an independent Python encoder (every colour type and
// bit depth, all five row filters, Adam7, split IDAT), with the expected grey values computed
// from the source pixels in Python; writing checked by reading back; damaged files are errors.
import Foundation
import Testing
@testable import MoteIO

let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

@Suite("PNG files")
struct PNGTests {
    static let names = ["gray1", "gray2", "gray4", "gray8", "gray16", "rgb8", "rgb16", "palette4", "palette8",
                        "gray-alpha8", "rgba8", "rgb8-interlaced", "gray4-interlaced"]

    @Test(arguments: names) func readsIndependentFixture(_ name: String) throws {
        let image = try PNG.read(path: "\(fixtures)/\(name).png")
        let expected = [UInt8](FileManager.default.contents(atPath: "\(fixtures)/\(name).gray")!)
        #expect(image.width == 13 && image.height == 7)
        #expect(image.pixels == expected)
    }

    @Test func writtenFilesReadBack() throws {
        var rng = SystemRandomNumberGenerator()
        let image = GrayImage(width: 31, height: 17, pixels: (0..<(31 * 17)).map { _ in UInt8.random(in: 0...255, using: &rng) })
        #expect(try PNG.decode(PNG.encode(width: 31, height: 17, channels: 1, samples: image.pixels)).pixels == image.pixels)
        // RGB: written samples come back as their luma.
        let rgb: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]
        #expect(try PNG.decode(PNG.encode(width: 2, height: 2, channels: 3, samples: rgb)).pixels == [76, 150, 29, 18])
    }

    @Test func damagedFilesAreErrors() throws {
        let good = [UInt8](FileManager.default.contents(atPath: "\(fixtures)/rgb8.png")!)
        func problem(_ bytes: [UInt8]) -> String? {
            do { _ = try PNG.decode(bytes); return nil } catch { return error.problem }
        }
        #expect(problem(Array(good.prefix(40)))?.contains("truncated") == true)
        #expect(problem([UInt8]("GIF89a".utf8))?.contains("not a PNG") == true)
        var flipped = good
        flipped[40] ^= 0x10
        #expect(problem(flipped)?.contains("CRC") == true)
        // A huge declared size is refused before any allocation (IHDR resealed with a valid CRC).
        var huge = good
        huge[16] = 0x7F
        let crc = Zlib.crc32(Array(huge[12..<29]))
        huge[29] = UInt8(crc >> 24); huge[30] = UInt8(crc >> 16 & 0xFF); huge[31] = UInt8(crc >> 8 & 0xFF); huge[32] = UInt8(crc & 0xFF)
        #expect(problem(huge)?.contains("too large") == true)
        // Every truncation and every single damaged byte: an error or an image, never a crash.
        for n in 0..<good.count { _ = problem(Array(good.prefix(n))) }
        for i in 8..<good.count {
            var bad = good
            bad[i] = ~bad[i]
            _ = problem(bad)
        }
    }
}
