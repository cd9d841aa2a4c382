// The demo's self-contained web page: sections of labelled picture rows (PNG data URIs),
// inline SVG plots and a results table, with nothing fetched from anywhere.
import Foundation
import MoteIO

struct DemoPage {
    var title: String
    var lead: String
    private var body = ""

    init(title: String, lead: String) { self.title = title; self.lead = lead }

    static func escape(_ s: String) -> String { SVG.escape(s).replacingOccurrences(of: "\"", with: "&quot;") }

    static func dataURI(_ image: GrayImage) -> String {
        let png = (try? PNG.encode(width: image.width, height: image.height, channels: 1, samples: image.pixels)) ?? []
        return "data:image/png;base64," + Data(png).base64EncodedString()
    }

    mutating func section(_ heading: String, _ text: String) {
        body += "<section><h2>\(Self.escape(heading))</h2>\n<p>\(text)</p>\n"
    }
    mutating func endSection() { body += "</section>\n" }

    /// Rows of equally sized tiles, each row one image strip with its label on the left;
    /// shown at `zoom` with square pixels.
    mutating func imageRows(_ rows: [(label: String, tiles: [GrayImage])], zoom: Int = 2) {
        body += "<table class=\"rows\">\n"
        for row in rows where !row.tiles.isEmpty {
            let strip = GrayImage.grid(row.tiles, columns: row.tiles.count, gap: 2, background: 60)
            body += "<tr><th>\(Self.escape(row.label))</th><td><img alt=\"\(Self.escape(row.label))\" width=\"\(strip.width * zoom)\" height=\"\(strip.height * zoom)\" src=\"\(Self.dataURI(strip))\"></td></tr>\n"
        }
        body += "</table>\n"
    }

    mutating func figure(_ image: GrayImage, caption: String, zoom: Int = 2) {
        body += "<figure><img alt=\"\(Self.escape(caption))\" width=\"\(image.width * zoom)\" height=\"\(image.height * zoom)\" src=\"\(Self.dataURI(image))\"><figcaption>\(Self.escape(caption))</figcaption></figure>\n"
    }

    mutating func svgFigures(_ svgs: [(svg: String, caption: String)]) {
        body += "<div class=\"figures\">"
        for f in svgs { body += "<figure>\(f.svg)<figcaption>\(Self.escape(f.caption))</figcaption></figure>\n" }
        body += "</div>\n"
    }

    /// A table; cells are escaped text, the first row is the header.
    mutating func table(_ rows: [[String]], numericFrom column: Int = 1) {
        guard let header = rows.first else { return }
        body += "<table class=\"results\"><thead><tr>" + header.map { "<th>\(Self.escape($0))</th>" }.joined() + "</tr></thead><tbody>\n"
        for r in rows.dropFirst() {
            body += "<tr>" + r.enumerated().map { i, c in "<td\(i >= column ? " class=\"num\"" : "")>\(Self.escape(c))</td>" }.joined() + "</tr>\n"
        }
        body += "</tbody></table>\n"
    }

    mutating func paragraph(_ html: String) { body += "<p>\(html)</p>\n" }
    mutating func code(_ text: String) { body += "<pre>\(Self.escape(text))</pre>\n" }

    var html: String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(Self.escape(title))</title>
        <style>
        body { font-family: DejaVu Sans, Helvetica, Arial, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
        h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 2em; }
        img { image-rendering: pixelated; }
        table.rows th { text-align: right; font-weight: normal; padding-right: 0.8em; white-space: nowrap; color: #555; }
        table.rows td { padding: 1px 0; }
        table.results { border-collapse: collapse; margin: 1em 0; }
        table.results th, table.results td { border-bottom: 1px solid #e4e4e4; padding: 0.3em 0.8em; text-align: left; }
        table.results td.num { text-align: right; font-variant-numeric: tabular-nums; }
        .figures { display: flex; flex-wrap: wrap; gap: 1em; }
        figure { margin: 0.5em 0; } figcaption { color: #555; font-size: 0.9em; max-width: 760px; }
        pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; }
        .lead { color: #444; }
        </style></head>
        <body>
        <h1>\(Self.escape(title))</h1>
        <p class="lead">\(lead)</p>
        \(body)
        </body></html>

        """
    }
}
