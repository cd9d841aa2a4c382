// Scratch memory for the vector kernels, on the stack: the runtime allocates nothing, and the
// arena holds only tensors. Only vector targets (x86-64, AArch64 under an OS, with megabyte
// stacks) take these paths; Cortex-M kernels keep their few hundred bytes of locals.

/// The most int16 values `withInt16Scratch` provides (128 KB).
@usableFromInline let int16ScratchCapacity = 65536

/// 512 int16 values (1 KB), zero: the unit the scratch sizes are built from, as tuples (laid out
/// contiguously, like the kernels' other stack copies).
@usableFromInline typealias Int16x512 = (SIMD64<Int16>, SIMD64<Int16>, SIMD64<Int16>, SIMD64<Int16>,
                                          SIMD64<Int16>, SIMD64<Int16>, SIMD64<Int16>, SIMD64<Int16>)

/// `body` on a stack buffer of at least `count` (≤ `int16ScratchCapacity`) int16 values, in
/// one of six sizes so that small layers do not clear 128 KB per call.
@inlinable @inline(__always)
func withInt16Scratch<R>(count: Int, _ body: (UnsafeMutablePointer<Int16>) -> R) -> R {
    @inline(__always) func run<T>(_ storage: inout T) -> R {
        withUnsafeMutableBytes(of: &storage) { body($0.baseAddress!.assumingMemoryBound(to: Int16.self)) }
    }
    @inline(__always) func twice<T>(_ x: T) -> (T, T) { (x, x) }
    let z = SIMD64<Int16>(), unit: Int16x512 = (z, z, z, z, z, z, z, z)
    if count <= 512 { var s = unit; return run(&s) }
    if count <= 1024 { var s = twice(unit); return run(&s) }
    if count <= 2048 { var s = twice(twice(unit)); return run(&s) }
    if count <= 8192 { var s = twice(twice(twice(twice(unit)))); return run(&s) }
    if count <= 32768 { var s = twice(twice(twice(twice(twice(twice(unit)))))); return run(&s) }
    var s = Halves(twice(twice(twice(twice(twice(twice(unit))))))); return run(&s)
}

/// Two equal halves in one struct: the 128 KB size as a tuple nested seven deep is left
/// unspecialized by the optimizer (a generic call with runtime type metadata per use).
@usableFromInline struct Halves<T> {
    @usableFromInline var first: T, second: T
    @inlinable @inline(__always) init(_ half: T) { first = half; second = half }
}
