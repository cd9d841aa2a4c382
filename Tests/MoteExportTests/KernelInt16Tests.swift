// The int16 path of the runtime's kernels (int16 activations, int16 weights, int64
// accumulators and bias): each output against an exact 128-bit computation of the same
// integer formula written out independently, and against the trainer's float layer.
import Foundation
import Testing
@testable import MoteExport
@testable import MoteTraining
import MoteRuntime

@Suite("int16 kernels")
struct KernelInt16Tests {
    /// Runs `layer` in float and through `kernel` in int16; checks both references.
    func check(_ layer: ConvolutionLayer, transposed: Bool, seed: UInt64) {
        var rng = SeededRandom(seed: seed)
        layer.allocate(maxBatch: 1)
        for i in 0..<layer.kernel.count { layer.kernel.value.pointer[i] = rng.uniform(-0.5, 0.5) }
        for i in 0..<layer.bias.count { layer.bias.value.pointer[i] = rng.uniform(-0.2, 0.2) }
        let input = (0..<layer.inputShape.count).map { _ in rng.uniform(-1, 2) }
        let x = FloatStorage(input.count)
        for (i, v) in input.enumerated() { x.pointer[i] = v }
        let out = Array(layer.forward(Batch(data: x.pointer, n: 1, shape: layer.inputShape), training: false).buffer)
        let inQ = ActivationQuantization(lo: Double(input.min()!), hi: Double(input.max()!), type: .int16)
        let outQ = ActivationQuantization(lo: Double(out.min()!), hi: Double(out.max()!), type: .int16)
        let k = layer.geometry.kernelH, inC = layer.inputShape.c, outC = layer.outputShape.c
        let w = quantizePerChannel(layer.kernel.values, shape: layer.kernel.shape, channelAxis: transposed ? 2 : 3, as: .int16)
        let qw = (0..<w.values.count).map { i -> Int16 in
            let (o, r) = (i / (k * k * inC), i % (k * k * inC)), (tap, ic) = (r / inC, r % inC)
            return Int16(w.values[transposed ? (tap * outC + o) * inC + ic : r * outC + o])
        }
        let qx = input.map { Int16(inQ.quantize(Double($0))) }
        let bias = (0..<outC).map { Int64(roundHalfAway(Double(layer.bias.value.pointer[$0]) / (inQ.scale * w.scales[$0]))) }
        let m = w.scales.map { try! QuantizedMultiplier(inQ.scale * $0 / outQ.scale) }
        let mult = m.map(\.multiplier), shifts = m.map(\.shift)
        let g = layer.geometry
        let (ih, iw, oh, ow) = transposed ? (g.narrowH, g.narrowW, g.wideH, g.wideW) : (g.wideH, g.wideW, g.narrowH, g.narrowW)
        let kg = KernelGeometry(inH: Int32(ih), inW: Int32(iw), inC: Int32(inC), outH: Int32(oh), outW: Int32(ow), outC: Int32(outC),
                                kernelH: Int32(k), kernelW: Int32(k), stride: Int32(g.stride), padTop: Int32(g.padTop), padLeft: Int32(g.padLeft))
        var q = [Int16](repeating: 0, count: out.count)
        mult.withUnsafeBufferPointer { mp in shifts.withUnsafeBufferPointer { sp in
            let stage = Requantization<Int64, Int16>(multipliers: mp.baseAddress!, shifts: sp.baseAddress!, negativeMultipliers: mp.baseAddress!,
                                                     negativeShifts: sp.baseAddress!, outputZeroPoint: 0, min: -32767, max: 32767)
            if transposed { transposedConvolve(qx, inputZeroPoint: 0, weights: qw, bias: bias, kg, stage, output: &q) }
            else { convolve(qx, inputZeroPoint: 0, weights: qw, bias: bias, kg, stage, output: &q) }
        } }
        // Exact accumulators by the definition (scatter for the transposed case), in 128 bits.
        var acc = [Int128](repeating: 0, count: out.count)
        for p in 0..<(oh * ow) { for oc in 0..<outC { acc[p * outC + oc] = Int128(bias[oc]) } }
        let (sy, sx) = transposed ? (ih, iw) : (oh, ow)   // the side the loop runs over
        for a in 0..<sy { for b in 0..<sx { for ky in 0..<k { for kx in 0..<k {
            let (py, px) = transposed ? (a * g.stride + ky - g.padTop, b * g.stride + kx - g.padLeft) : (a * g.stride + ky - g.padTop, b * g.stride + kx - g.padLeft)
            let (ny, nx) = transposed ? (oh, ow) : (ih, iw)
            guard py >= 0, py < ny, px >= 0, px < nx else { continue }
            for oc in 0..<outC { for ic in 0..<inC {
                let (xi, oi) = transposed ? ((a * iw + b) * inC + ic, (py * ow + px) * outC + oc) : ((py * iw + px) * inC + ic, (a * ow + b) * outC + oc)
                acc[oi] += Int128(qx[xi]) * Int128(qw[((oc * k + ky) * k + kx) * inC + ic])
            } }
        } } } }
        var worst = 0.0
        for i in q.indices {
            let c = i % outC
            let p = acc[i] * Int128(mult[c]), d = Int128(1) << (31 + Int(shifts[c]))
            let mag = (abs(p) + d / 2) / d
            let ideal = min(max(p < 0 ? -mag : mag, -32767), 32767)
            #expect(Int128(q[i]) == ideal, "element \(i)")
            worst = max(worst, abs(outQ.dequantize(Int(q[i])) - Double(out[i])))
        }
        // int16 grids: input and weight rounding at ~2^-15 relative, a few output steps at most.
        #expect(worst <= 4 * outQ.scale, "worst error \(worst), output step \(outQ.scale)")
    }

    @Test(arguments: [(7, 1), (7, 2), (8, 2)])
    func convolution(size: Int, stride: Int) {
        check(Conv2D(name: "c", input: Shape(size, size, 3), filters: 4, kernelSize: 3, stride: stride, padding: .same), transposed: false, seed: 5)
    }

    /// Sizes of the reference decoders (7 → 14, 14 → 28, 4 → 8) and kernels whose padding is
    /// not a multiple of the stride (k = 4, 5).
    @Test(arguments: [(7, 2, 3), (14, 2, 3), (4, 2, 5), (5, 2, 4), (7, 1, 3)])
    func transposedConvolution(size: Int, stride: Int, kernel: Int) {
        check(Conv2DTranspose(name: "t", input: Shape(size, size, 3), filters: 2, kernelSize: kernel, stride: stride), transposed: true, seed: 6)
    }
}
