// An RGB raster to draw plots into for PNG files: filled rectangles, dots, lines, grey images
// and text in the bitmap font. Everything is clipped to the canvas.
import Foundation

public struct RGB: Sendable, Equatable {
    public var r: UInt8, g: UInt8, b: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { self.r = r; self.g = g; self.b = b }
    /// "#rrggbb"
    public init(hex: String) {
        let v = UInt32(hex.dropFirst(), radix: 16) ?? 0
        self.init(UInt8(v >> 16), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF))
    }
    public var hex: String { String(format: "#%02x%02x%02x", r, g, b) }
    public static let white = RGB(255, 255, 255), black = RGB(0, 0, 0)
}

public struct Canvas: Sendable {
    public let width: Int, height: Int
    public private(set) var samples: [UInt8]   // r, g, b per pixel, row-major

    public init(width: Int, height: Int, background: RGB = .white) {
        self.width = width; self.height = height
        samples = [UInt8](repeating: 0, count: width * height * 3)
        fill(x: 0, y: 0, width: width, height: height, background)
    }

    /// Mixes `color` into pixel (x, y) with weight `alpha` (0...255).
    public mutating func blend(_ x: Int, _ y: Int, _ color: RGB, alpha: Int = 255) {
        guard x >= 0, y >= 0, x < width, y < height, alpha > 0 else { return }
        let i = (y * width + x) * 3, a = min(alpha, 255)
        func mix(_ old: UInt8, _ new: UInt8) -> UInt8 { UInt8((Int(old) * (255 - a) + Int(new) * a + 127) / 255) }
        samples[i] = mix(samples[i], color.r); samples[i + 1] = mix(samples[i + 1], color.g); samples[i + 2] = mix(samples[i + 2], color.b)
    }

    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, _ color: RGB) {
        for yy in max(0, y)..<min(height, y + h) where w > 0 {
            for xx in max(0, x)..<min(width, x + w) { blend(xx, yy, color) }
        }
    }

    /// A dot of radius `r` with a soft edge, at a real-valued centre.
    public mutating func dot(x cx: Double, y cy: Double, radius r: Double, _ color: RGB, alpha: Double = 1) {
        for y in Int((cy - r - 1).rounded(.down))...Int((cy + r + 1).rounded(.up)) {
            for x in Int((cx - r - 1).rounded(.down))...Int((cx + r + 1).rounded(.up)) {
                let d = ((Double(x) + 0.5 - cx) * (Double(x) + 0.5 - cx) + (Double(y) + 0.5 - cy) * (Double(y) + 0.5 - cy)).squareRoot()
                let coverage = max(0, min(1, r + 0.5 - d))
                blend(x, y, color, alpha: Int(coverage * alpha * 255))
            }
        }
    }

    /// A one-pixel line (horizontal and vertical lines are exact; others are stepped).
    public mutating func line(x0: Int, y0: Int, x1: Int, y1: Int, _ color: RGB) {
        let steps = max(abs(x1 - x0), abs(y1 - y0), 1)
        for s in 0...steps {
            blend(x0 + (x1 - x0) * s / steps, y0 + (y1 - y0) * s / steps, color)
        }
    }

    public mutating func rectangle(x: Int, y: Int, width w: Int, height h: Int, _ color: RGB) {
        line(x0: x, y0: y, x1: x + w - 1, y1: y, color); line(x0: x, y0: y + h - 1, x1: x + w - 1, y1: y + h - 1, color)
        line(x0: x, y0: y, x1: x, y1: y + h - 1, color); line(x0: x + w - 1, y0: y, x1: x + w - 1, y1: y + h - 1, color)
    }

    /// Pastes a grey image with its top-left corner at (x, y).
    public mutating func draw(_ image: GrayImage, x: Int, y: Int) {
        for row in 0..<image.height {
            for col in 0..<image.width {
                let v = image.pixels[row * image.width + col]
                blend(x + col, y + row, RGB(v, v, v))
            }
        }
    }

    public enum Anchor { case start, middle, end }

    /// Text in the bitmap font; `y` is the top of the line. Returns the text's width.
    @discardableResult
    public mutating func text(_ s: String, x: Int, y: Int, anchor: Anchor = .start, _ color: RGB = .black, vertical: Bool = false) -> Int {
        let w = s.unicodeScalars.count * BitmapFont.glyphWidth
        let start = anchor == .start ? 0 : anchor == .middle ? -w / 2 : -w
        for (i, ch) in s.unicodeScalars.enumerated() {
            for gy in 0..<BitmapFont.glyphHeight {
                for gx in 0..<BitmapFont.glyphWidth {
                    let a = Int(BitmapFont.coverage(ch, x: gx, y: gy))
                    guard a > 0 else { continue }
                    let along = start + i * BitmapFont.glyphWidth + gx
                    // Vertical text reads bottom to top (a y-axis label).
                    if vertical { blend(x + gy, y - along, color, alpha: a) } else { blend(x + along, y + gy, color, alpha: a) }
                }
            }
        }
        return w
    }

    public func pngBytes() throws -> [UInt8] { try PNG.encode(width: width, height: height, channels: 3, samples: samples) }
    public func writePNG(to path: String) throws { try AtomicFile.write(pngBytes(), to: path) }
}
