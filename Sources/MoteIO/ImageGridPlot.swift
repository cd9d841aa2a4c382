// A grid of images laid over two real axes — the decoded manifold of a 2-D latent space:
// tile (i, j) shows what the decoder makes of the latent at the tile's centre. SVG (the grid
// embedded as a PNG) and PNG, on axes whose round-number ticks fall where those latents are.
import Foundation

public struct ImageGridPlot: Sendable {
    public var title: String
    public var xLabel: String, yLabel: String
    /// Tiles row by row, top row first (the largest y), each `tileSize` pixels square.
    public var grid: GrayImage
    public var columnValues: [Double], rowValues: [Double]

    public init(title: String, xLabel: String, yLabel: String, grid: GrayImage, columnValues: [Double], rowValues: [Double]) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.grid = grid
        self.columnValues = columnValues; self.rowValues = rowValues
    }

    /// The axes: the image spans half a tile beyond the first and last centres.
    public var axes: PlotAxes {
        let n = Double(columnValues.count), m = Double(rowValues.count)
        let dx = columnValues.count > 1 ? (columnValues.last! - columnValues[0]) / (n - 1) : 1
        let dy = rowValues.count > 1 ? (rowValues[0] - rowValues.last!) / (m - 1) : 1
        return PlotAxes(left: 80, top: 40, width: Double(grid.width), height: Double(grid.height),
                        x: (columnValues[0] - dx / 2)...(columnValues.last! + dx / 2),
                        y: (rowValues.last! - dy / 2)...(rowValues[0] + dy / 2))
    }
    var size: (width: Int, height: Int) { (grid.width + 80 + 30, grid.height + 40 + 60) }

    public func svg() throws -> String {
        let a = axes
        var s = SVG.header(width: size.width, height: size.height)
        s += "<text x=\"\(size.width / 2)\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">\(SVG.escape(title))</text>\n"
        let png = try PNG.encode(width: grid.width, height: grid.height, channels: 1, samples: grid.pixels)
        s += "<image x=\"\(a.left)\" y=\"\(a.top)\" width=\"\(grid.width)\" height=\"\(grid.height)\" style=\"image-rendering:pixelated\" href=\"data:image/png;base64,\(Data(png).base64EncodedString())\"/>\n"
        s += a.svg(xLabel: xLabel, yLabel: yLabel, grid: false)
        return s + "</svg>\n"
    }

    public func canvas() -> Canvas {
        let a = axes
        var c = Canvas(width: size.width, height: size.height)
        c.text(title, x: size.width / 2, y: 10, anchor: .middle)
        c.draw(grid, x: Int(a.left), y: Int(a.top))
        a.draw(on: &c, xLabel: xLabel, yLabel: yLabel, grid: false)
        return c
    }
}
