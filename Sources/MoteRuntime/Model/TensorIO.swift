// Getting values into and out of a subgraph without floating point: real values travel as
// Q16 integers (1.0 = 65536) and are converted with the subgraph's multipliers; images as
// 8-bit pixels (0...255 = 0.0...1.0); VAE latents are drawn N(0, 1) by the integer sampler.

extension MoteModel {
    func boundary(_ kind: SubgraphKind, input: Bool, count: Int) throws(ModelError) -> (SubgraphRecord, TensorRecord) {
        guard let g = subgraph(kind) else { throw ModelError(.noSuchSubgraph) }
        let t = tensor(input ? g.input : g.output)
        guard count == t.count else { throw ModelError(.badArgument, "the value count differs from the tensor's element count") }
        return (g, t)
    }

    /// Writes real values (Q16) into the subgraph's input tensor, quantized and clamped.
    public func setInput(_ kind: SubgraphKind, q16 values: UnsafePointer<Int32>, count: Int) throws(ModelError) {
        let (g, t) = try boundary(kind, input: true, count: count)
        for i in 0..<count { store(multiplyByQuantizedMultiplier(values[i], g.inputMultiplier, g.inputShift), t, i) }
    }

    /// Reads the subgraph's output tensor as real values in Q16.
    public func readOutput(_ kind: SubgraphKind, q16 values: UnsafeMutablePointer<Int32>, count: Int) throws(ModelError) {
        let (g, t) = try boundary(kind, input: false, count: count)
        for i in 0..<count { values[i] = multiplyByQuantizedMultiplier(load(t, i) &- t.zeroPoint, g.outputMultiplier, g.outputShift) }
    }

    /// Writes 8-bit pixels (0...255 standing for 0.0...1.0) into the subgraph's input tensor.
    public func setInput(_ kind: SubgraphKind, pixels: UnsafePointer<UInt8>, count: Int) throws(ModelError) {
        let (g, t) = try boundary(kind, input: true, count: count)
        for i in 0..<count {
            let v = (Int32(pixels[i]) &* 131_072 &+ 255) / 510          // round(p · 65536 / 255)
            store(multiplyByQuantizedMultiplier(v, g.inputMultiplier, g.inputShift), t, i)
        }
    }

    /// Reads the subgraph's output tensor as 8-bit pixels (0.0...1.0 → 0...255, clamped).
    public func readOutput(_ kind: SubgraphKind, pixels: UnsafeMutablePointer<UInt8>, count: Int) throws(ModelError) {
        let (g, t) = try boundary(kind, input: false, count: count)
        for i in 0..<count {
            let v = Int64(multiplyByQuantizedMultiplier(load(t, i) &- t.zeroPoint, g.outputMultiplier, g.outputShift))
            var p = (v &* 255 &+ 32768) >> 16                            // round(v · 255 / 65536)
            if p < 0 { p = 0 }
            if p > 255 { p = 255 }
            pixels[i] = UInt8(truncatingIfNeeded: p)
        }
    }

    /// Fills the decoder's input with N(0, 1) draws from `rng` (the VAE's prior), quantized.
    public func drawLatent(_ rng: inout Xoshiro128StarStar) throws(ModelError) {
        guard let g = subgraph(.decoder) else { throw ModelError(.noSuchSubgraph) }
        let t = tensor(g.input)
        for i in 0..<t.count { store(multiplyByQuantizedMultiplier(rng.standardNormalQ16(), g.inputMultiplier, g.inputShift), t, i) }
    }

    /// Stores value i of tensor t: `scaled` (real / scale) plus the zero point, clamped to the type.
    @inline(__always) func store(_ scaled: Int32, _ t: TensorRecord, _ i: Int) {
        let levels = t.type.levels
        var q = t.zeroPoint &+ scaled
        if q < levels.min { q = levels.min }
        if q > levels.max { q = levels.max }
        if t.type == .int8 { data(t).assumingMemoryBound(to: Int8.self)[i] = Int8(truncatingIfNeeded: q) }
        else { data(t).assumingMemoryBound(to: Int16.self)[i] = Int16(truncatingIfNeeded: q) }
    }

    @inline(__always) func load(_ t: TensorRecord, _ i: Int) -> Int32 {
        t.type == .int8 ? Int32(data(t).assumingMemoryBound(to: Int8.self)[i]) : Int32(data(t).assumingMemoryBound(to: Int16.self)[i])
    }
}
