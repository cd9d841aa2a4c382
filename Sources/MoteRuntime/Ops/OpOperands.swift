// What an op family is handed: at open, an `OpCheck` (its record, its tensors and the constants
// section, with the checks every family shares); when running, `OpOperands` (its tensors' values
// in the arena and its own constants block). Each family in Ops/ validates and executes through
// these, so the model and the interpreter stay a loop and a switch.

/// One op as validation sees it.
package struct OpCheck {
    package let index: Int
    package let record: OpRecord
    package let input: TensorRecord, output: TensorRecord
    let constants: UnsafeRawPointer
    let constantsBytes: Int

    /// The error for this op: the check that failed, in one sentence.
    func failure(_ why: StaticString) -> ModelError { ModelError(.badOp, index: index, why) }

    /// The op's constants block, after checking that its `bytes` lie inside the constants section
    /// (nil: the size overflowed, from hostile shapes).
    func block(_ bytes: Int?) throws(ModelError) -> UnsafeRawPointer {
        let start = record.constants
        guard let bytes, start % FileLayout.sectionAlignment == 0, start <= constantsBytes,
              bytes <= constantsBytes &- start else { throw failure("the op's constants lie outside the constants section") }
        return constants + start
    }

    /// Checks `count` int32 multiplier shifts at `p`.
    func checkShifts(_ p: UnsafeRawPointer, count: Int, wide: Bool) throws(ModelError) {
        for k in 0..<count where !validShift(p.i32(k &* 4), wide: wide) { throw failure("a multiplier shift is out of range") }
    }

    /// True when a convolution-shaped op's output size and padding are the ones TensorFlow's
    /// "same" or "valid" rule gives (for a transposed conv: "same", output = input · stride),
    /// the only geometries the exporter writes (docs/FORMAT.md).
    func shapesAgree() -> Bool {
        let r = record, k = Int(r.kernel), s = Int(r.stride)
        func agrees(_ input: Int, _ output: Int, _ pad: Int) -> Bool {
            if r.kind == .transposedConv {
                return output == input &* s && pad == Swift.max((input &- 1) &* s &+ k &- output, 0) / 2
            }
            let same = (input &+ s &- 1) / s
            if output == same && pad == Swift.max((same &- 1) &* s &+ k &- input, 0) / 2 { return true }
            return input >= k && output == (input &- k) / s &+ 1 && pad == 0     // "valid"
        }
        return agrees(input.h, output.h, Int(r.padTop)) && agrees(input.w, output.w, Int(r.padLeft))
    }
}

/// Multiplier shifts the kernels accept: 31 + shift in 1...62 for int32 accumulators,
/// 16...62 for the wide (int64) path.
func validShift(_ s: Int32, wide: Bool) -> Bool { s >= (wide ? -15 : -30) && s <= 31 }

/// One validated op as execution sees it.
struct OpOperands {
    let record: OpRecord
    let input: TensorRecord, output: TensorRecord
    let source: UnsafeRawPointer
    let destination: UnsafeMutableRawPointer
    /// The op's constants block (meaningless for ops without one).
    let constants: UnsafeRawPointer

    @inline(__always) func source<T>(_: T.Type) -> UnsafePointer<T> { source.assumingMemoryBound(to: T.self) }
    @inline(__always) func destination<T>(_: T.Type) -> UnsafeMutablePointer<T> { destination.assumingMemoryBound(to: T.self) }

    /// The kernel geometry of a convolution-shaped op.
    @inline(__always) var geometry: KernelGeometry {
        KernelGeometry(inH: Int32(input.h), inW: Int32(input.w), inC: Int32(input.c), outH: Int32(output.h), outW: Int32(output.w),
                       outC: Int32(output.c), kernelH: record.kernel, kernelW: record.kernel, stride: record.stride,
                       padTop: record.padTop, padLeft: record.padLeft)
    }
}
