// The DSP-extension instructions the int8 kernels use on 32-bit Arm (Cortex-M4/M7, ARMv7-A), as
// static inline wrappers: LLVM does not form SMLAD / SXTB16 from Swift. Not a SwiftPM target:
// a 32-bit Arm build passes -I / -Xcc -I Sources/MoteDSP/include (firmware-sim/run,
// examples/c-denoise), and the runtime's `#if canImport(MoteDSP) && arch(arm)` then picks the
// DSP path (Sources/MoteRuntime/Kernels/PackedConvolutionDSP.swift); every other target, and a
// core without the extension (Cortex-M0/M3: leave the include path out), builds without it.
#ifndef MOTE_DSP_H
#define MOTE_DSP_H
#include <stdint.h>

#if defined(__ARM_FEATURE_DSP)
/// acc + a.lo16 · b.lo16 + a.hi16 · b.hi16 (signed halves).
static inline int32_t mote_smlad(uint32_t a, uint32_t b, int32_t acc) { return __builtin_arm_smlad(a, b, acc); }
/// Bytes 0 and 2 sign-extended into two 16-bit halves.
static inline uint32_t mote_sxtb16(uint32_t x) { return __builtin_arm_sxtb16(x); }
/// Bytes 1 and 3 sign-extended into two 16-bit halves.
static inline uint32_t mote_sxtb16_odd(uint32_t x) { return __builtin_arm_sxtb16((x >> 8) | (x << 24)); }
/// Bytes 0 and 2 zero-extended into two 16-bit halves.
static inline uint32_t mote_uxtb16(uint32_t x) { return __builtin_arm_uxtb16(x); }
/// Bytes 1 and 3 zero-extended into two 16-bit halves.
static inline uint32_t mote_uxtb16_odd(uint32_t x) { return __builtin_arm_uxtb16((x >> 8) | (x << 24)); }
/// The two words at p as one 64-bit value, loaded as one LDRD that the compiler may not split
/// into two loads (an empty asm consumes it whole): left to itself, LLVM's pre-allocation
/// load/store pass regroups a 4-pixel step's eight input loads at the top of the loop, and the
/// registers they then hold push the sums onto the stack. No instruction of its own.
static inline uint64_t mote_load_pair(const uint64_t *_Nonnull p) { uint64_t v = *p; __asm__("" : "+r"(v)); return v; }
/// p itself, but known only once `after` is computed: a load through the result stays below
/// the instruction that made `after` (the scheduler would otherwise hoist a loop body's loads to
/// its top, where the values they hold push the sums onto the stack). No instruction.
static inline const uint64_t *_Nonnull mote_after(const uint64_t *_Nonnull p, int32_t after) { __asm__("" : "+r"(p) : "r"(after)); return p; }
#endif
#endif
