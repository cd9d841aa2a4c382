// Scratch memory for the vector kernels, on the stack: the runtime allocates nothing, and the
// arena holds only tensors. Only vector targets (x86-64, AArch64 under an OS, with megabyte
// stacks) take these paths; Cortex-M kernels keep their few hundred bytes of locals.

/// The most int16 values `withInt16Scratch` provides (128 KB).
@usableFromInline let int16ScratchCapacity = 65536

/// `body` on a stack buffer of at least `count` (≤ `int16ScratchCapacity`) int16 values, in
/// one of six sizes so that small layers do not clear 128 KB per call.
@inlinable @inline(__always)
func withInt16Scratch<R>(count: Int, _ body: (UnsafeMutablePointer<Int16>) -> R) -> R {
    @inline(__always) func run<T>(_ storage: inout T) -> R {
        withUnsafeMutableBytes(of: &storage) { body($0.baseAddress!.assumingMemoryBound(to: Int16.self)) }
    }
    if count <= 512 { var s = InlineArray<512, Int16>(repeating: 0); return run(&s) }
    if count <= 1024 { var s = InlineArray<1024, Int16>(repeating: 0); return run(&s) }
    if count <= 2048 { var s = InlineArray<2048, Int16>(repeating: 0); return run(&s) }
    if count <= 8192 { var s = InlineArray<8192, Int16>(repeating: 0); return run(&s) }
    if count <= 32768 { var s = InlineArray<32768, Int16>(repeating: 0); return run(&s) }
    var s = InlineArray<65536, Int16>(repeating: 0); return run(&s)
}
