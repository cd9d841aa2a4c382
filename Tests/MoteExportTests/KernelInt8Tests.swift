// The runtime's int8 kernels against two independent computations: the ideal requantized
// result in Double arithmetic from the same quantized operands (must match bit for bit), and
// the trainer's float layer (must agree within quantization error, which also pins the weight
// reordering and the padding conventions).
import Foundation
import Testing
@testable import MoteExport
@testable import MoteTraining
import MoteRuntime

/// A float layer, its quantized twin, and helpers to run and compare both.
struct QuantizedFixture {
    var input: [Float]
    var floatOutput: [Float]
    var inQ: ActivationQuantization, outQ: ActivationQuantization
    var qInput: [Int8]
    var qWeights: [Int8]          // [out][kh][kw][in]
    var qBias: [Int32]
    var multipliers: [Int32], shifts: [Int32], negMultipliers: [Int32], negShifts: [Int32]
    var realMultipliers: [Double], alpha: Double
    var clampMin: Int32

    /// `kernel` in Keras layout with output channel on `channelAxis`; `toOIHW(i)` maps an index
    /// of the reordered [out][kh][kw][in] weights to the Keras index.
    init(layer: Layer, kernel: Parameter, bias: Parameter, channelAxis: Int, outChannels: Int,
         reorder: (Int) -> Int, activation: ActivationKind = .linear, seed: UInt64 = 1) {
        var rng = SeededRandom(seed: seed)
        layer.allocate(maxBatch: 1)
        for i in 0..<kernel.count { kernel.value.pointer[i] = rng.uniform(-0.5, 0.5) }
        for i in 0..<bias.count { bias.value.pointer[i] = rng.uniform(-0.2, 0.2) }
        let input = (0..<layer.inputShape.count).map { _ in rng.uniform(-1, 2) }
        let x = FloatStorage(input.count)
        for (i, v) in input.enumerated() { x.pointer[i] = v }
        var out = Array(layer.forward(Batch(data: x.pointer, n: 1, shape: layer.inputShape), training: false).buffer)
        let alpha: Double = activation == .leakyRelu ? 0.3 : activation == .relu ? 0 : 1
        if activation != .linear { out = out.map { $0 >= 0 ? $0 : Float(alpha) * $0 } }
        let inQ = ActivationQuantization(lo: Double(input.min()!), hi: Double(input.max()!), type: .int8)
        let outQ = ActivationQuantization(lo: Double(out.min()!), hi: Double(out.max()!), type: .int8)
        let w = quantizePerChannel(kernel.values, shape: kernel.shape, channelAxis: channelAxis, as: .int8)
        let real = w.scales.map { inQ.scale * $0 / outQ.scale }
        let qm = real.map { try! QuantizedMultiplier($0) }
        let qn = real.map { try! QuantizedMultiplier($0 * (activation == .leakyRelu ? 0.3 : 1)) }
        self.input = input
        self.floatOutput = out
        self.alpha = alpha
        self.inQ = inQ
        self.outQ = outQ
        self.qInput = input.map { Int8(inQ.quantize(Double($0))) }
        self.qWeights = (0..<kernel.count).map { Int8(w.values[reorder($0)]) }
        self.qBias = (0..<outChannels).map { c in Int32(roundHalfAway(Double(bias.value.pointer[c]) / (inQ.scale * w.scales[c]))) }
        self.realMultipliers = real
        self.multipliers = qm.map(\.multiplier); self.shifts = qm.map(\.shift)
        self.negMultipliers = qn.map(\.multiplier); self.negShifts = qn.map(\.shift)
        self.clampMin = activation == .relu ? Int32(outQ.zeroPoint) : -128
    }

    func run(_ kernel: (UnsafePointer<Int8>, UnsafePointer<Int8>, UnsafePointer<Int32>, Requantization<Int32, Int8>, UnsafeMutablePointer<Int8>) -> Void) -> [Int8] {
        var out = [Int8](repeating: 0, count: floatOutput.count)
        qInput.withUnsafeBufferPointer { xi in qWeights.withUnsafeBufferPointer { wi in qBias.withUnsafeBufferPointer { bi in
        multipliers.withUnsafeBufferPointer { m in shifts.withUnsafeBufferPointer { s in
        negMultipliers.withUnsafeBufferPointer { nm in negShifts.withUnsafeBufferPointer { ns in
        out.withUnsafeMutableBufferPointer { o in
            let rq = Requantization<Int32, Int8>(multipliers: m.baseAddress!, shifts: s.baseAddress!,
                                    negativeMultipliers: nm.baseAddress!, negativeShifts: ns.baseAddress!,
                                    outputZeroPoint: Int32(outQ.zeroPoint), min: clampMin, max: 127)
            kernel(xi.baseAddress!, wi.baseAddress!, bi.baseAddress!, rq, o.baseAddress!)
        } } } } } } } }
        return out
    }

    /// The ideal result from exact integer accumulators `acc` (Double arithmetic, same rule).
    func ideal(_ acc: Int, channel c: Int) -> Int8 {
        let m = acc >= 0 ? Double(multipliers[c]) * pow(2, -Double(31 + shifts[c]))
                         : Double(negMultipliers[c]) * pow(2, -Double(31 + negShifts[c]))
        let v = Double(acc) * m
        let r = Int(v >= 0 ? (v + 0.5).rounded(.down) : -((-v + 0.5).rounded(.down)))
        return Int8(min(max(r + outQ.zeroPoint, Int(clampMin)), 127))
    }

    func expectCloseToFloat(_ q: [Int8], _ what: String) {
        // Input and weight rounding plus one output step: a few output steps at most.
        var worst = 0.0
        for i in q.indices { worst = max(worst, abs(outQ.dequantize(Int(q[i])) - Double(floatOutput[i]))) }
        #expect(worst <= 3 * outQ.scale, "\(what): worst error \(worst), output step \(outQ.scale)")
    }
}

@Suite("int8 kernels")
struct KernelInt8Tests {
    @Test(arguments: [(7, 1, Padding.same, ActivationKind.linear), (7, 2, .same, .relu), (8, 2, .same, .leakyRelu),
                      (6, 1, .valid, .linear), (5, 2, .valid, .relu)])
    func convolution(size: Int, stride: Int, padding: Padding, activation: ActivationKind) {
        let (inC, outC, k) = (3, 4, 3)
        let layer = Conv2D(name: "c", input: Shape(size, size, inC), filters: outC, kernelSize: k, stride: stride, padding: padding)
        // [out][ky][kx][in] -> Keras [ky][kx][in][out]
        let f = QuantizedFixture(layer: layer, kernel: layer.kernel, bias: layer.bias, channelAxis: 3, outChannels: outC,
                                 reorder: { i in let (o, r) = (i / (k * k * inC), i % (k * k * inC)); return r * outC + o },
                                 activation: activation)
        let g = layer.geometry
        let kg = KernelGeometry(inH: Int32(g.wideH), inW: Int32(g.wideW), inC: Int32(inC), outH: Int32(g.narrowH), outW: Int32(g.narrowW),
                                outC: Int32(outC), kernelH: 3, kernelW: 3, stride: Int32(stride), padTop: Int32(g.padTop), padLeft: Int32(g.padLeft))
        let q = f.run { x, w, b, rq, o in convolve(x, inputZeroPoint: Int32(f.inQ.zeroPoint), weights: w, bias: b, kg, rq, output: o) }
        // Ideal, from exact accumulators over the same taps (written out independently).
        var i = 0
        for oy in 0..<g.narrowH { for ox in 0..<g.narrowW { for oc in 0..<outC {
            var acc = Int(f.qBias[oc])
            for ky in 0..<k { for kx in 0..<k {
                let iy = oy * stride + ky - g.padTop, ix = ox * stride + kx - g.padLeft
                guard iy >= 0, iy < size, ix >= 0, ix < size else { continue }
                for ic in 0..<inC {
                    acc += (Int(f.qInput[(iy * size + ix) * inC + ic]) - f.inQ.zeroPoint) * Int(f.qWeights[((oc * k + ky) * k + kx) * inC + ic])
                }
            } }
            #expect(q[i] == f.ideal(acc, channel: oc), "pixel \(oy),\(ox) ch \(oc)")
            i += 1
        } } }
        f.expectCloseToFloat(q, "conv \(size) s\(stride) \(padding) \(activation)")
    }

    @Test(arguments: [(4, 2), (7, 2), (3, 1), (7, 1)])
    func transposedConvolution(size: Int, stride: Int) {
        let (inC, outC, k) = (3, 2, 3)
        let layer = Conv2DTranspose(name: "t", input: Shape(size, size, inC), filters: outC, kernelSize: k, stride: stride)
        // [out][ky][kx][in] -> Keras [ky][kx][out][in]
        let f = QuantizedFixture(layer: layer, kernel: layer.kernel, bias: layer.bias, channelAxis: 2, outChannels: outC,
                                 reorder: { i in let (o, r) = (i / (k * k * inC), i % (k * k * inC)); let (tap, ic) = (r / inC, r % inC)
                                            return (tap * outC + o) * inC + ic }, activation: .relu)
        let g = layer.geometry
        let kg = KernelGeometry(inH: Int32(size), inW: Int32(size), inC: Int32(inC), outH: Int32(g.wideH), outW: Int32(g.wideW),
                                outC: Int32(outC), kernelH: 3, kernelW: 3, stride: Int32(stride), padTop: Int32(g.padTop), padLeft: Int32(g.padLeft))
        let q = f.run { x, w, b, rq, o in transposedConvolve(x, inputZeroPoint: Int32(f.inQ.zeroPoint), weights: w, bias: b, kg, rq, output: o) }
        // Ideal by scattering (the definition), independent of the kernel's gather.
        var acc = [Int](repeating: 0, count: g.wideH * g.wideW * outC)
        for p in 0..<(g.wideH * g.wideW) { for oc in 0..<outC { acc[p * outC + oc] = Int(f.qBias[oc]) } }
        for iy in 0..<size { for ix in 0..<size { for ky in 0..<k { for kx in 0..<k {
            let oy = iy * stride + ky - g.padTop, ox = ix * stride + kx - g.padLeft
            guard oy >= 0, oy < g.wideH, ox >= 0, ox < g.wideW else { continue }
            for oc in 0..<outC { for ic in 0..<inC {
                acc[(oy * g.wideW + ox) * outC + oc] += (Int(f.qInput[(iy * size + ix) * inC + ic]) - f.inQ.zeroPoint)
                    * Int(f.qWeights[((oc * k + ky) * k + kx) * inC + ic])
            } }
        } } } }
        for i in q.indices { #expect(q[i] == f.ideal(acc[i], channel: i % outC), "element \(i)") }
        f.expectCloseToFloat(q, "transposed conv \(size) s\(stride)")
    }

    @Test(arguments: [ActivationKind.linear, .relu, .leakyRelu])
    func dense(activation: ActivationKind) {
        let (inF, outF) = (37, 9)
        let layer = Dense(name: "d", input: .vector(inF), units: outF)
        let f = QuantizedFixture(layer: layer, kernel: layer.kernel, bias: layer.bias, channelAxis: 1, outChannels: outF,
                                 reorder: { i in (i % inF) * outF + i / inF }, activation: activation)
        let q = f.run { x, w, b, rq, o in MoteRuntime.dense(x, inputZeroPoint: Int32(f.inQ.zeroPoint), weights: w, bias: b,
                                                    inFeatures: Int32(inF), outFeatures: Int32(outF), rq, output: o) }
        for j in 0..<outF {
            var acc = Int(f.qBias[j])
            for i in 0..<inF { acc += (Int(f.qInput[i]) - f.inQ.zeroPoint) * Int(f.qWeights[j * inF + i]) }
            #expect(q[j] == f.ideal(acc, channel: j))
        }
        f.expectCloseToFloat(q, "dense \(activation)")
    }

    /// The vectorized int8 dot product (runs of 16 and 32 bytes, zero point taken off at the
    /// end) against the plain sum, with extreme values, every zero point sign and odd lengths.
    @Test func int8DotProductIsExact() {
        var rng = SystemRandomNumberGenerator()
        for count in [16, 32, 48, 80, 2048, 5, 33] {
            for trial in 0..<20 {
                let x = (0..<count).map { i in trial == 0 ? Int8.min : trial == 1 ? Int8.max : i % 7 == 0 ? Int8.min : Int8.random(in: -128...127, using: &rng) }
                let w = (0..<count).map { i in trial == 0 ? Int8(-127) : trial == 1 ? Int8(127) : i % 5 == 0 ? Int8(127) : Int8.random(in: -127...127, using: &rng) }
                let zp = Int32.random(in: -128...127, using: &rng)
                let exact = zip(x, w).reduce(0) { $0 + (Int($1.0) - Int(zp)) * Int($1.1) }
                #expect(Int(dot(x, zp, w, count: count)) == exact, "count \(count)")
            }
        }
    }
}
