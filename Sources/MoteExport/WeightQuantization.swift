// Weights: symmetric, per output channel, int8 or int16 (narrow range: ±127 / ±32767, so the
// range is symmetric and −128 never appears, as in TFLite and CMSIS-NN).
import Foundation

public enum IntegerType: String, Sendable, CaseIterable {
    case int8, int16
    public var maxMagnitude: Int { self == .int8 ? 127 : 32767 }
    public var range: ClosedRange<Int> { self == .int8 ? -128...127 : -32768...32767 }
    public var bytes: Int { self == .int8 ? 1 : 2 }
}

public struct PerChannelWeights: Sendable {
    public var values: [Int32]        // same layout as the float tensor
    public var scales: [Double]       // one per output channel: real = q · scale
    public var channelAxis: Int
}

/// Round half away from zero (the rule used everywhere in Mote, float side included).
@inline(__always)
public func roundHalfAway(_ x: Double) -> Double { x.rounded(.toNearestOrAwayFromZero) }

/// Quantizes `values` (row-major, `shape`) per index along `channelAxis` (Keras layouts: the
/// last axis of Dense [in, out] and Conv2D [k, k, in, out]; axis 2 of Conv2DTranspose
/// [k, k, out, in]). A channel of zeros gets scale 1 so that it stays exactly zero.
public func quantizePerChannel(_ values: [Float], shape: [Int], channelAxis: Int, as type: IntegerType) -> PerChannelWeights {
    precondition(shape.reduce(1, *) == values.count && shape.indices.contains(channelAxis))
    let channels = shape[channelAxis]
    let inner = shape[(channelAxis + 1)...].reduce(1, *)   // stride of the channel index
    func channel(_ i: Int) -> Int { (i / inner) % channels }
    var maxAbs = [Double](repeating: 0, count: channels)
    for i in values.indices { maxAbs[channel(i)] = max(maxAbs[channel(i)], Double(abs(values[i]))) }
    let qmax = Double(type.maxMagnitude)
    let scales = maxAbs.map { $0 > 0 ? $0 / qmax : 1 }
    var q = [Int32](repeating: 0, count: values.count)
    for i in values.indices {
        let v = roundHalfAway(Double(values[i]) / scales[channel(i)])
        q[i] = Int32(min(max(v, -qmax), qmax))
    }
    return PerChannelWeights(values: q, scales: scales, channelAxis: channelAxis)
}

/// The (input channel, output channel) of element `i` of a Keras kernel: Dense [in][out] and
/// Conv2D [ky][kx][in][out] (output last), or Conv2DTranspose [ky][kx][out][in] (`transposed`).
@inline(__always)
func kerasChannels(_ i: Int, inputs: Int, outputs: Int, transposed: Bool) -> (input: Int, output: Int) {
    transposed ? (i % inputs, (i / inputs) % outputs) : ((i / outputs) % inputs, i % outputs)
}
