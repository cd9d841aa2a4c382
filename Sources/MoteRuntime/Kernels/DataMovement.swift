// Ops that move or select values without arithmetic on them: max pooling, nearest resize and
// zero padding (int8 or int16), and element-wise table lookup (int8). Input and output share
// quantization parameters, except for lookups whose table maps between them.

/// Max over each window; windows cut by "same" padding use only their real pixels.
/// Quantization is monotone, so the max of quantized values is the quantized max.
@inlinable
public func maxPool<T: QuantizedValue>(_ input: UnsafePointer<T>, _ g: KernelGeometry, output: UnsafeMutablePointer<T>) {
    let c = Int(g.inC)
    var o = 0
    for oy in 0..<Int(g.outH) {
        for ox in 0..<Int(g.outW) {
            let dst = output + o
            for ch in 0..<c { dst[ch] = T.min }
            forEachTap(oy, ox, g, transposed: false) { pixel, _ in
                let src = input + pixel &* c
                for ch in 0..<c { dst[ch] = Swift.max(dst[ch], src[ch]) }    // a plain max vectorizes; a `where` does not
            }
            o &+= c
        }
    }
}

/// Nearest resize: source row = floor(dst · inH / outH) (the trainer's rule, in integers).
@inlinable
public func resizeNearest<T: QuantizedValue>(_ input: UnsafePointer<T>, inH: Int32, inW: Int32, channels: Int32,
                                             outH: Int32, outW: Int32, output: UnsafeMutablePointer<T>) {
    let c = Int(channels)
    var o = 0
    for oy in 0..<Int(outH) {
        let sy = oy &* Int(inH) / Int(outH)
        for ox in 0..<Int(outW) {
            let sx = ox &* Int(inW) / Int(outW)
            let src = input + (sy &* Int(inW) &+ sx) &* c
            for ch in 0..<c { output[o &+ ch] = src[ch] }
            o &+= c
        }
    }
}

/// Pads by `pad` pixels on every side with the zero point (the quantized 0.0).
@inlinable
public func zeroPad<T: QuantizedValue>(_ input: UnsafePointer<T>, h: Int32, w: Int32, channels: Int32, pad: Int32,
                                       zeroPoint: T, output: UnsafeMutablePointer<T>) {
    let c = Int(channels), p = Int(pad), ow = Int(w) &+ 2 &* p, oh = Int(h) &+ 2 &* p
    for i in 0..<(oh &* ow &* c) { output[i] = zeroPoint }
    for y in 0..<Int(h) {
        let dst = output + ((y &+ p) &* ow &+ p) &* c, src = input + y &* Int(w) &* c
        for i in 0..<(Int(w) &* c) { dst[i] = src[i] }
    }
}

/// output[i] = table[input[i] + 128]: any element-wise function of one int8 value, exact to
/// the output's rounding, with the table built at export.
public func lookupInt8(_ input: UnsafePointer<Int8>, count: Int32, table: UnsafePointer<Int8>,
                       output: UnsafeMutablePointer<Int8>) {
    for i in 0..<Int(count) { output[i] = table[Int(input[i]) &+ 128] }
}
