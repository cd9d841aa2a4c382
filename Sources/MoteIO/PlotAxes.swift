// The frame shared by Mote's plots: a plot area in pixels, data ranges with round-number
// ticks, the mapping between them, and the axes drawn as SVG or into a PNG canvas.
import Foundation

public struct PlotAxes: Sendable {
    public var left: Double, top: Double, width: Double, height: Double
    public var x: ClosedRange<Double>, y: ClosedRange<Double>
    /// Tick positions: given, or round numbers (1, 2 or 5 × 10^k apart) inside each range.
    public var xTicks: [Double], yTicks: [Double]

    public init(left: Double, top: Double, width: Double, height: Double, x: ClosedRange<Double>, y: ClosedRange<Double>,
                xTicks: [Double]? = nil, yTicks: [Double]? = nil) {
        self.left = left; self.top = top; self.width = width; self.height = height
        self.x = x.lowerBound < x.upperBound ? x : (x.lowerBound - 1)...(x.upperBound + 1)
        self.y = y.lowerBound < y.upperBound ? y : (y.lowerBound - 1)...(y.upperBound + 1)
        self.xTicks = xTicks ?? Self.niceTicks(self.x)
        self.yTicks = yTicks ?? Self.niceTicks(self.y)
    }

    public static func niceTicks(_ r: ClosedRange<Double>, about count: Double = 6) -> [Double] {
        let raw = (r.upperBound - r.lowerBound) / count
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        var ticks = [Double]()
        var t = (r.lowerBound / step).rounded(.up) * step
        while t <= r.upperBound + step * 1e-9 { ticks.append(abs(t) < step * 1e-9 ? 0 : t); t += step }
        return ticks
    }

    /// A range around `values` with a margin of `pad` of its width on each side.
    public static func range(_ values: [Double], pad: Double = 0.05) -> ClosedRange<Double> {
        guard let lo = values.min(), let hi = values.max() else { return 0...1 }
        let m = max(hi - lo, 1e-9) * pad
        return (lo - m)...(hi + m)
    }

    public func px(_ v: Double) -> Double { left + (v - x.lowerBound) / (x.upperBound - x.lowerBound) * width }
    public func py(_ v: Double) -> Double { top + (1 - (v - y.lowerBound) / (y.upperBound - y.lowerBound)) * height }

    public static func label(_ v: Double) -> String { String(format: "%g", (v * 1e6).rounded() / 1e6) }

    public func svg(xLabel: String, yLabel: String, grid: Bool = true) -> String {
        var s = "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(width)\" height=\"\(height)\" fill=\"none\" stroke=\"#888\"/>\n"
        for t in xTicks {
            let p = String(format: "%.1f", px(t))
            if grid { s += "<line x1=\"\(p)\" x2=\"\(p)\" y1=\"\(top)\" y2=\"\(top + height)\" stroke=\"#eee\"/>" }
            s += "<line x1=\"\(p)\" x2=\"\(p)\" y1=\"\(top + height)\" y2=\"\(top + height + 5)\" stroke=\"#888\"/>"
            s += "<text x=\"\(p)\" y=\"\(top + height + 18)\" text-anchor=\"middle\">\(Self.label(t))</text>\n"
        }
        for t in yTicks {
            let p = String(format: "%.1f", py(t))
            if grid { s += "<line x1=\"\(left)\" x2=\"\(left + width)\" y1=\"\(p)\" y2=\"\(p)\" stroke=\"#eee\"/>" }
            s += "<line x1=\"\(left - 5)\" x2=\"\(left)\" y1=\"\(p)\" y2=\"\(p)\" stroke=\"#888\"/>"
            s += "<text x=\"\(left - 8)\" y=\"\(p)\" dy=\"4\" text-anchor=\"end\">\(Self.label(t))</text>\n"
        }
        s += "<text x=\"\(left + width / 2)\" y=\"\(top + height + 40)\" text-anchor=\"middle\">\(SVG.escape(xLabel))</text>\n"
        s += "<text transform=\"translate(\(left - 48) \(top + height / 2)) rotate(-90)\" text-anchor=\"middle\">\(SVG.escape(yLabel))</text>\n"
        return s
    }

    public func draw(on c: inout Canvas, xLabel: String, yLabel: String, grid: Bool = true) {
        let (l, t, w, h) = (Int(left), Int(top), Int(width), Int(height))
        let gridColor = RGB(235, 235, 235), frame = RGB(136, 136, 136)
        for v in xTicks {
            let p = Int(px(v).rounded())
            if grid { c.line(x0: p, y0: t, x1: p, y1: t + h - 1, gridColor) }
            c.line(x0: p, y0: t + h, x1: p, y1: t + h + 4, frame)
            c.text(Self.label(v), x: p, y: t + h + 6, anchor: .middle)
        }
        for v in yTicks {
            let p = Int(py(v).rounded())
            if grid { c.line(x0: l, y0: p, x1: l + w - 1, y1: p, gridColor) }
            c.line(x0: l - 5, y0: p, x1: l - 1, y1: p, frame)
            c.text(Self.label(v), x: l - 8, y: p - BitmapFont.glyphHeight / 2, anchor: .end)
        }
        c.rectangle(x: l, y: t, width: w, height: h, frame)
        c.text(xLabel, x: l + w / 2, y: t + h + 26, anchor: .middle)
        c.text(yLabel, x: l - 56, y: t + h / 2, anchor: .middle, vertical: true)
    }
}

public enum SVG {
    public static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
    public static func header(width: Int, height: Int) -> String {
        """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>

        """
    }
}
