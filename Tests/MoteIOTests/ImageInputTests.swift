// What `mote run` and `mote plot` read and draw: image files by content, fitting to a model's
// size, latent files, the projection of wide latents, and the plots' geometry.
import Foundation
import Testing
@testable import MoteIO

@Suite("Image inputs and plots")
struct ImageInputTests {
    @Test func readsPNGAndIDXByContentWithNames() throws {
        let dir = scratchDir("inputs")
        let gray = GrayImage(width: 2, height: 2, pixels: [1, 2, 3, 4])
        try PNG.write(gray, to: "\(dir)/shirt.png")
        write(try Zlib.gzip(IDX.encode(images: tinyImages)), "\(dir)/t10k-images-idx3-ubyte.gz")
        // A PNG without its extension is still a PNG: contents decide.
        try FileManager.default.copyItem(atPath: "\(dir)/shirt.png", toPath: "\(dir)/noext")
        let images = try ImageFiles.read(["\(dir)/shirt.png", "\(dir)/t10k-images-idx3-ubyte.gz", "\(dir)/noext"], limit: 2)
        #expect(images.map(\.name) == ["shirt", "t10k-images-0000", "t10k-images-0001", "noext"])
        #expect(images[0].image.pixels == [1, 2, 3, 4])
        #expect(images[2].image.pixels == [10, 11, 12, 13])
        write(IDX.encode(labels: [1, 2]), "\(dir)/labels")
        #expect(throws: ImageFileError.self) { try ImageFiles.read(["\(dir)/labels"]) }
        #expect(throws: ImageFileError.self) { try ImageFiles.read([dir]) }
    }

    @Test func fittingPadsCentredAndShrinksByAveraging() {
        let small = GrayImage(width: 2, height: 2, pixels: [10, 20, 30, 40])
        let padded = small.fitted(width: 4, height: 4)
        #expect(padded.pixels == [0, 0, 0, 0,  0, 10, 20, 0,  0, 30, 40, 0,  0, 0, 0, 0])
        // 4x2 into 2x2: halved to 2x1 (each output pixel the mean of a 2x2 block), centred vertically.
        let wide = GrayImage(width: 4, height: 2, pixels: [0, 10, 100, 200,  20, 30, 100, 100])
        let shrunk = wide.fitted(width: 2, height: 2)
        #expect(shrunk.pixels == [15, 125, 0, 0])   // (0+10+20+30)/4 = 15, (100+200+100+100)/4 = 125; pad row below
        #expect(small.fitted(width: 2, height: 2).pixels == small.pixels)
    }

    @Test func latentFilesInEveryShapeTheDocsPromise() throws {
        let dir = scratchDir("latents")
        try AtomicFile.write("name,z0,z1\na,0.5,-1\n# comment\nb,2,3e-1\n", to: "\(dir)/z.csv")
        #expect(try LatentFile.read("\(dir)/z.csv", dimension: 2) == [[0.5, -1], [2, 0.3]])
        try AtomicFile.write("[{\"name\": \"a\", \"z\": [1, 2]}, [3, 4]]", to: "\(dir)/z.json")
        #expect(try LatentFile.read("\(dir)/z.json", dimension: 2) == [[1, 2], [3, 4]])
        try AtomicFile.write("a,1,2\nb,1,x\n", to: "\(dir)/bad.csv")
        #expect { try LatentFile.read("\(dir)/bad.csv", dimension: 2) } throws: { "\($0)".contains("line 2") }
        #expect(throws: ImageFileError.self) { try LatentFile.read("\(dir)/z.json", dimension: 3) }
        // Plain rows of numbers, and names or labels as text before the values.
        try AtomicFile.write("1,2\nshirt,-3,4\n", to: "\(dir)/plain.csv")
        #expect(try LatentFile.read("\(dir)/plain.csv", dimension: 2) == [[1, 2], [-3, 4]])
    }

    @Test func latentFilesOfTheWrongWidthOrRangeAreErrors() throws {
        let dir = scratchDir("latents-bad")
        let cases: [(String, String)] = [
            ("a,1,2\nb,1,2,3\n", "line 2: expected 2 numbers at the end of the line, got 3"),   // a 3-value row for a 2-D model
            ("1,2,3\n", "line 1: expected 2 numbers"),
            ("a,1e308,0\n", "outside the 32-bit float range"),
            ("a,nan,0\n", "not finite"),
            ("a,inf,0\n", "not finite"),
        ]
        for (text, words) in cases {
            try AtomicFile.write(text, to: "\(dir)/z.csv")
            #expect { try LatentFile.read("\(dir)/z.csv", dimension: 2) } throws: { "\($0)".contains(words) }
        }
        try AtomicFile.write("[[1e308, 0]]", to: "\(dir)/z.json")
        #expect { try LatentFile.read("\(dir)/z.json", dimension: 2) } throws: { "\($0)".contains("32-bit float range") }
        try AtomicFile.write(String(repeating: "1,2\n", count: LatentFile.maxLatents + 1), to: "\(dir)/many.csv")
        #expect { try LatentFile.read("\(dir)/many.csv", dimension: 2) } throws: { "\($0)".contains("more than 100000 latents") }
    }

    @Test func principalComponentsFindTheSpreadDirections() {
        // Points spread along (1, 2, 0)/√5 by t and along (0, 0, 1) by a smaller s.
        var rows = [[Double]]()
        for t in stride(from: -5.0, through: 5, by: 1) { for s in [-1.0, 0, 1] { rows.append([t + 7, 2 * t - 3, s]) } }
        let p = PrincipalComponents.project(rows)
        for (i, row) in rows.enumerated() {
            let t = row[0] - 7
            #expect(abs(abs(p[i].x) - abs(t) * 5.0.squareRoot()) < 1e-6)
            #expect(abs(abs(p[i].y) - abs(row[2])) < 1e-6)
        }
    }

    @Test func plotsPutEveryPointAndLabelWhereTheAxesSay() throws {
        let plot = ScatterPlot(title: "t", xLabel: "z[0]", yLabel: "z[1]",
                               points: [(0, 0, 0), (1, 2, 1), (-1, 4, 1)], groupNames: ["Coat", "Bag"])
        let svg = plot.svg()
        #expect(svg.components(separatedBy: "<circle").count - 1 == 3 + 2)   // points + legend
        #expect(svg.contains(">Coat<") && svg.contains(">Bag<"))
        let a = plot.axes
        #expect(a.px(-1) > a.left && a.px(1) < a.left + a.width && a.py(4) > a.top && a.py(0) < a.top + a.height)
        // The PNG has the dots in their colours where the axes map them.
        let c = plot.canvas()
        let at = (Int(a.py(2)) * c.width + Int(a.px(1))) * 3
        #expect(Array(c.samples[at..<(at + 3)]) != [255, 255, 255])
        // Manifold: tile i's centre sits at the i-th value on the axis.
        let grid = GrayImage(width: 30, height: 30)
        let m = ImageGridPlot(title: "m", xLabel: "x", yLabel: "y", grid: grid, columnValues: [-1, 0, 1], rowValues: [1, 0, -1])
        for i in 0..<3 {
            #expect(abs(m.axes.px([-1.0, 0, 1][i]) - (m.axes.left + 5 + 10 * Double(i))) < 1e-9)
            #expect(abs(m.axes.py([1.0, 0, -1][i]) - (m.axes.top + 5 + 10 * Double(i))) < 1e-9)
        }
        #expect(try m.svg().contains("data:image/png;base64,"))
    }

    @Test func niceTicksAreRoundAndInside() {
        #expect(PlotAxes.niceTicks(-2.14...2.14) == [-2, -1, 0, 1, 2])
        let unit = PlotAxes.niceTicks(0...1)
        #expect(unit.count == 6 && zip(unit, [0, 0.2, 0.4, 0.6, 0.8, 1]).allSatisfy { abs($0 - $1) < 1e-9 })
    }

    @Test func canvasTextIsDrawn() {
        var c = Canvas(width: 40, height: 20)
        let w = c.text("Ag", x: 2, y: 2)
        #expect(w == 2 * BitmapFont.glyphWidth)
        #expect(c.samples.contains { $0 < 128 })
    }
}
