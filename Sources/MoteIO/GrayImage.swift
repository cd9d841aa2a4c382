// Grey 8-bit images: the pixels Mote reads from and writes to PNG files, and grids of them.
import Foundation

public struct GrayImage: Sendable {
    public var width: Int
    public var height: Int
    public var pixels: [UInt8]
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height)
        self.width = width; self.height = height; self.pixels = pixels
    }
    public init(width: Int, height: Int, fill: UInt8 = 0) {
        self.init(width: width, height: height, pixels: [UInt8](repeating: fill, count: width * height))
    }

    /// Converts [0, 1] floats (clamped) to bytes.
    public init(width: Int, height: Int, unitFloats: UnsafeBufferPointer<Float>) {
        var p = [UInt8](repeating: 0, count: width * height)
        for i in 0..<(width * height) {
            p[i] = UInt8(max(0, min(255, (unitFloats[i] * 255).rounded())))
        }
        self.init(width: width, height: height, pixels: p)
    }

    public init(width: Int, height: Int, unitFloats: [Float]) {
        self = unitFloats.withUnsafeBufferPointer { GrayImage(width: width, height: height, unitFloats: $0) }
    }

    /// Copies `tile` with its top-left corner at (x, y).
    public mutating func paste(_ tile: GrayImage, x: Int, y: Int) {
        for row in 0..<tile.height where y + row < height {
            for col in 0..<tile.width where x + col < width {
                pixels[(y + row) * width + x + col] = tile.pixels[row * tile.width + col]
            }
        }
    }

    /// Nearest-neighbour upscaling by an integer factor (28-pixel digits are hard to see).
    public func scaled(by f: Int) -> GrayImage {
        var out = GrayImage(width: width * f, height: height * f)
        for y in 0..<(height * f) { for x in 0..<(width * f) { out.pixels[y * width * f + x] = pixels[(y / f) * width + x / f] } }
        return out
    }

    /// Lays tiles out in rows of `columns`, with `gap` pixels of `background` between them.
    public static func grid(_ tiles: [GrayImage], columns: Int, gap: Int = 0, background: UInt8 = 0) -> GrayImage {
        guard let first = tiles.first else { return GrayImage(width: 1, height: 1) }
        let rows = (tiles.count + columns - 1) / columns
        var out = GrayImage(width: columns * first.width + (columns - 1) * gap,
                            height: rows * first.height + (rows - 1) * gap, fill: background)
        for (i, tile) in tiles.enumerated() {
            out.paste(tile, x: (i % columns) * (first.width + gap), y: (i / columns) * (first.height + gap))
        }
        return out
    }

    /// Fits the image into `w`x`h` for a model that takes that size: a smaller image is centred
    /// on black (how MNIST pads), a larger one is first shrunk, keeping its aspect ratio, by
    /// averaging the source pixels each output pixel covers.
    public func fitted(width w: Int, height h: Int) -> GrayImage {
        if width == w && height == h { return self }
        var source = self
        if width > w || height > h {
            let f = min(Double(w) / Double(width), Double(h) / Double(height))
            let sw = max(1, min(w, Int((Double(width) * f).rounded()))), sh = max(1, min(h, Int((Double(height) * f).rounded())))
            source = GrayImage(width: sw, height: sh)
            for oy in 0..<sh {
                let y0 = oy * height / sh, y1 = max(y0 + 1, (oy + 1) * height / sh)
                for ox in 0..<sw {
                    let x0 = ox * width / sw, x1 = max(x0 + 1, (ox + 1) * width / sw)
                    var sum = 0
                    for y in y0..<y1 { for x in x0..<x1 { sum += Int(pixels[y * width + x]) } }
                    let n = (y1 - y0) * (x1 - x0)
                    source.pixels[oy * sw + ox] = UInt8((sum + n / 2) / n)
                }
            }
        }
        var out = GrayImage(width: w, height: h)
        out.paste(source, x: (w - source.width) / 2, y: (h - source.height) / 2)
        return out
    }

    public var inverted: GrayImage { GrayImage(width: width, height: height, pixels: pixels.map { 255 - $0 }) }

    /// Pixels as [0, 1] floats, the models' input range.
    public var unitFloats: [Float] { pixels.map { Float($0) / 255 } }
}
