// Where a convolution's taps land: the geometry fixed at export, and the one rule — shared by
// every kernel — that maps an output pixel and a kernel tap to the input pixel it reads.

/// The spatial geometry of a convolution in the runtime: the same TensorFlow "same"/"valid"
/// rule as the trainer, with every number fixed at export.
public struct KernelGeometry: Sendable {
    public var inH: Int32, inW: Int32, inC: Int32
    public var outH: Int32, outW: Int32, outC: Int32
    public var kernelH: Int32, kernelW: Int32
    public var stride: Int32
    public var padTop: Int32, padLeft: Int32

    @inlinable
    public init(inH: Int32, inW: Int32, inC: Int32, outH: Int32, outW: Int32, outC: Int32,
                kernelH: Int32, kernelW: Int32, stride: Int32, padTop: Int32, padLeft: Int32) {
        self.inH = inH; self.inW = inW; self.inC = inC; self.outH = outH; self.outW = outW; self.outC = outC
        self.kernelH = kernelH; self.kernelW = kernelW; self.stride = stride; self.padTop = padTop; self.padLeft = padLeft
    }
}

extension KernelGeometry {
    /// A dense op as the 1×1 case of a convolution: one pixel, `inputs` channels in, `outputs` out.
    @inlinable
    public static func dense(inputs: Int32, outputs: Int32) -> KernelGeometry {
        KernelGeometry(inH: 1, inW: 1, inC: inputs, outH: 1, outW: 1, outC: outputs, kernelH: 1, kernelW: 1, stride: 1, padTop: 0, padLeft: 0)
    }
}

/// The input row (or column) that tap `t` of output row `o` reads, or −1 when it reads none:
/// o·s + t − pad for a convolution, (o + pad − t) / s when that divides for a transposed one.
@inlinable @inline(__always)
func sourceIndex(_ o: Int, _ t: Int, stride s: Int, pad: Int, size: Int, transposed: Bool) -> Int {
    let i: Int
    if transposed {
        let v = o &+ pad &- t
        if v < 0 { return -1 }
        if s == 2 {                                    // the common case, without a division
            if v & 1 != 0 { return -1 }
            i = v &>> 1
        } else {
            if v % s != 0 { return -1 }
            i = v / s
        }
    } else {
        i = o &* s &+ t &- pad
        if i < 0 { return -1 }
    }
    return i < size ? i : -1
}

/// Whether every tap of output row (or column) `o` reads the input: for a convolution all k
/// source indices o·s + t − pad lie in 0 ..< size; for a transposed one all taps of o's stride
/// phase do. Pixels where this holds on both axes need no per-tap check.
@inlinable @inline(__always)
func allTapsInside(_ o: Int, kernel k: Int, stride s: Int, pad: Int, size: Int, transposed: Bool) -> Bool {
    transposed ? o &+ pad &- (k &- 1) >= 0 && (o &+ pad) / s < size
               : o &* s &- pad >= 0 && o &* s &- pad &+ k &- 1 < size
}

/// The input pixel (iy · inW + ix) that tap (0, 0) of output pixel (oy, ox) reads, for pixels
/// whose taps all lie inside the input (`allTapsInside`): a convolution's taps (ky, kx) then
/// read this pixel plus ky rows and kx columns; a stride-1 transposed conv's (the only
/// transposed case asked for) this pixel less ky rows and kx columns.
@inlinable @inline(__always)
func firstTapPixel(_ oy: Int, _ ox: Int, _ g: KernelGeometry, transposed: Bool) -> Int {
    let inW = Int(g.inW)
    return transposed ? (oy &+ Int(g.padTop)) &* inW &+ ox &+ Int(g.padLeft)
                      : (oy &* Int(g.stride) &- Int(g.padTop)) &* inW &+ ox &* Int(g.stride) &- Int(g.padLeft)
}

/// Calls `body(input pixel, tap)` for every tap of output pixel (oy, ox) that reads the input:
/// pixel = iy · inW + ix, tap = ky · kernelW + kx. Taps that fall outside the input (padding,
/// or for a transposed conv a stride phase that does not divide) are skipped: they contribute 0.
@inlinable @inline(__always)
func forEachTap(_ oy: Int, _ ox: Int, _ g: KernelGeometry, transposed: Bool, _ body: (Int, Int) -> Void) {
    let kh = Int(g.kernelH), kw = Int(g.kernelW), s = Int(g.stride)
    for ky in 0..<kh {
        let iy = sourceIndex(oy, ky, stride: s, pad: Int(g.padTop), size: Int(g.inH), transposed: transposed)
        if iy < 0 { continue }
        for kx in 0..<kw {
            let ix = sourceIndex(ox, kx, stride: s, pad: Int(g.padLeft), size: Int(g.inW), transposed: transposed)
            if ix < 0 { continue }
            body(iy &* Int(g.inW) &+ ix, ky &* kw &+ kx)
        }
    }
}
