/* A 64-bit Arm Linux board with no C library: raw system calls, static buffers, no heap.
 *   board MODEL.mote INPUTS OUT_PREFIX  → writes OUT_PREFIX.ae and OUT_PREFIX.dec
 * Reads the model from disk as a real board would; exits with 0 or the mote error code. */
#include <stddef.h>
#include <stdint.h>
#include "harness.h"

static long sys(long n, long a, long b, long c, long d) {
    register long x8 __asm__("x8") = n, x0 __asm__("x0") = a, x1 __asm__("x1") = b, x2 __asm__("x2") = c, x3 __asm__("x3") = d;
    __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
    return x0;
}
enum { SYS_OPENAT = 56, SYS_CLOSE = 57, SYS_READ = 63, SYS_WRITE = 64, SYS_EXIT_GROUP = 94, AT_FDCWD = -100 };

void board_abort(void) { sys(SYS_EXIT_GROUP, 99, 0, 0, 0); for (;;) {} }   /* stack smashed */

static _Alignas(16) uint8_t model[2 << 20];
static _Alignas(16) uint8_t arena[256 << 10];
static uint8_t inputs[HARNESS_IMAGES * 4096], ae[HARNESS_IMAGES * 4096], dec[HARNESS_IMAGES * 4096];

static long load(const char *path, uint8_t *buf, long cap) {
    long fd = sys(SYS_OPENAT, AT_FDCWD, (long)path, 0, 0), n = 0, r;
    if (fd < 0) return -1;
    while (n < cap && (r = sys(SYS_READ, fd, (long)(buf + n), cap - n, 0)) > 0) n += r;
    sys(SYS_CLOSE, fd, 0, 0, 0);
    return n;
}
static int save(const char *prefix, const char *suffix, const uint8_t *buf, long n) {
    char path[512]; int k = 0;
    while (*prefix && k < 500) path[k++] = *prefix++;
    while (*suffix && k < 510) path[k++] = *suffix++;
    path[k] = 0;
    long fd = sys(SYS_OPENAT, AT_FDCWD, (long)path, 0x241 /* O_WRONLY|O_CREAT|O_TRUNC */, 0644);
    if (fd < 0) return -1;
    long w = sys(SYS_WRITE, fd, (long)buf, n, 0);
    sys(SYS_CLOSE, fd, 0, 0, 0);
    return w == n ? 0 : -1;
}

static int board_main(int argc, char **argv) {
    if (argc != 4) return 2;
    long size = load(argv[1], model, sizeof model), in = load(argv[2], inputs, sizeof inputs);
    if (size <= 0 || in <= 0) return 2;
    long outputs = in;  /* every shipped model's output has its input's size */
    int rc = harness_run(model, (size_t)size, arena, sizeof arena, inputs, (size_t)in, ae, dec, (size_t)outputs);
    if (rc) return rc;
    return save(argv[3], ".ae", ae, outputs) || save(argv[3], ".dec", dec, outputs) ? 3 : 0;
}

/* Linux entry: sp → argc, argv[]. */
__attribute__((used)) static void start_c(long *sp) { sys(SYS_EXIT_GROUP, board_main((int)sp[0], (char **)(sp + 1)), 0, 0, 0); }
__asm__(".global _start\n_start:\n mov x0, sp\n bl start_c\n");
