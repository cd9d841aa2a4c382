// Small SVG line charts (loss curves): the shared plot axes, one polyline per series, a legend.
import Foundation

public struct LineSeries: Sendable {
    public var name: String
    public var color: String
    public var points: [(x: Double, y: Double)]
    public init(name: String, color: String, points: [(x: Double, y: Double)]) {
        self.name = name; self.color = color; self.points = points
    }
}

public enum SVGChart {
    public static func lineChart(title: String, xLabel: String, yLabel: String, series: [LineSeries],
                                 width: Int = 640, height: Int = 400) -> String {
        let all = series.flatMap(\.points)
        let xs = all.map(\.x)
        let xRange = (xs.min() ?? 0)...max(xs.max() ?? 1, (xs.min() ?? 0) + 1)
        // Epochs are whole numbers: ticks on integers only.
        let xTicks = PlotAxes.niceTicks(xRange).filter { $0 == $0.rounded() }
        let a = PlotAxes(left: 75, top: 40, width: Double(width) - 95, height: Double(height) - 100,
                         x: xRange, y: PlotAxes.range(all.map(\.y)), xTicks: xTicks)
        var out = SVG.header(width: width, height: height)
        out += "<text x=\"\(width / 2)\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">\(SVG.escape(title))</text>\n"
        out += a.svg(xLabel: xLabel, yLabel: yLabel)
        for (i, s) in series.enumerated() {
            let pts = s.points.map { String(format: "%.1f,%.1f", a.px($0.x), a.py($0.y)) }.joined(separator: " ")
            out += "<polyline fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"2\" points=\"\(pts)\"/>\n"
            for p in s.points { out += String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%@\"/>", a.px(p.x), a.py(p.y), s.color) }
            let ly = a.top + 16 + Double(i) * 18
            out += "<line x1=\"\(a.left + a.width - 130)\" x2=\"\(a.left + a.width - 110)\" y1=\"\(ly - 4)\" y2=\"\(ly - 4)\" stroke=\"\(s.color)\" stroke-width=\"2\"/>"
            out += "<text x=\"\(a.left + a.width - 104)\" y=\"\(ly)\">\(SVG.escape(s.name))</text>\n"
        }
        return out + "</svg>\n"
    }
}
