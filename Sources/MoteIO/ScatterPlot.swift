// Scatter plots of latents coloured by class, with a legend of the class names: the same
// layout written as SVG (for browsers) and as a PNG (for viewers and the demo page).
import Foundation

public struct ScatterPlot: Sendable {
    public var title: String
    public var xLabel: String, yLabel: String
    public var points: [(x: Double, y: Double, group: Int)]
    public var groupNames: [String]
    public var width = 760, height = 560

    /// Matplotlib's ten categorical colours (tab10).
    public static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                 "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"].map { RGB(hex: $0) }

    public init(title: String, xLabel: String, yLabel: String, points: [(x: Double, y: Double, group: Int)], groupNames: [String]) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.points = points; self.groupNames = groupNames
    }

    func color(_ group: Int) -> RGB { Self.palette[((group % Self.palette.count) + Self.palette.count) % Self.palette.count] }
    var legendWidth: Double { Double(max(groupNames.map(\.count).max() ?? 0, 6) * 7 + 40) }

    public var axes: PlotAxes {
        PlotAxes(left: 75, top: 40, width: Double(width) - 75 - legendWidth - 20, height: Double(height) - 40 - 60,
                 x: PlotAxes.range(points.map(\.x)), y: PlotAxes.range(points.map(\.y)))
    }
    /// Dots drawn half-transparent so dense clusters show their density.
    var dotRadius: Double { points.count > 2000 ? 1.6 : 2.4 }

    public func svg() -> String {
        let a = axes
        var s = SVG.header(width: width, height: height)
        s += "<text x=\"\(width / 2)\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">\(SVG.escape(title))</text>\n"
        s += a.svg(xLabel: xLabel, yLabel: yLabel)
        for p in points {
            s += String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%@\" fill-opacity=\"0.6\"/>", a.px(p.x), a.py(p.y), dotRadius, color(p.group).hex)
        }
        s += "\n"
        let lx = a.left + a.width + 20
        for (i, name) in groupNames.enumerated() {
            let ly = a.top + 10 + Double(i) * 20
            s += "<circle cx=\"\(lx + 6)\" cy=\"\(ly)\" r=\"5\" fill=\"\(color(i).hex)\"/>"
            s += "<text x=\"\(lx + 18)\" y=\"\(ly + 4)\">\(SVG.escape(name))</text>\n"
        }
        return s + "</svg>\n"
    }

    public func canvas() -> Canvas {
        let a = axes
        var c = Canvas(width: width, height: height)
        c.text(title, x: width / 2, y: 10, anchor: .middle)
        a.draw(on: &c, xLabel: xLabel, yLabel: yLabel)
        for p in points { c.dot(x: a.px(p.x), y: a.py(p.y), radius: dotRadius, color(p.group), alpha: 0.6) }
        let lx = Int(a.left + a.width) + 20
        for (i, name) in groupNames.enumerated() {
            let ly = Int(a.top) + 10 + i * 20
            c.dot(x: Double(lx + 6), y: Double(ly), radius: 5, color(i))
            c.text(name, x: lx + 18, y: ly - BitmapFont.glyphHeight / 2)
        }
        return c
    }
}
