/* Cortex-M startup without a C library: vector table, .data copy, .bss clear, main, and
 * semihosting for output and exit (QEMU ends with the program's status). A fault or a Swift
 * trap (udf) exits with status 1 instead of hanging. */
#include <stddef.h>
#include <stdint.h>

extern uint32_t _data, _edata, _data_load, _bss, _ebss, _stack_top;
int main(void);

static int semihost(int op, const void *arg) {
    register int r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}
void board_exit(int status) {
    uint32_t block[2] = {0x20026 /* ADP_Stopped_ApplicationExit */, (uint32_t)status};
    semihost(0x20 /* SYS_EXIT_EXTENDED */, block);
    for (;;) {}
}
void board_print(const char *s) {
    static int handle = -1;
    if (handle < 0) { uint32_t open[3] = {(uint32_t)":tt", 4 /* "w" */, 3}; handle = semihost(0x01, open); }
    size_t n = 0; while (s[n]) n++;
    uint32_t write[3] = {(uint32_t)handle, (uint32_t)s, n};
    semihost(0x05, write);
}

/* Stack high-water mark: the top STACK_WATCH bytes of the stack are painted before main;
 * afterwards the deepest word no longer holding the paint shows how much was used. */
enum { STACK_WATCH = 64 * 1024, PAINT = 0x5AFEC0DE };
static uint32_t *watch_bottom(void) {
    uintptr_t bottom = (uintptr_t)&_stack_top - STACK_WATCH;
    return bottom < (uintptr_t)&_ebss ? &_ebss : (uint32_t *)bottom;   /* never paint over .bss */
}
uint32_t board_stack_used(void) {
    uint32_t *p = watch_bottom();
    while (p < &_stack_top && *p == PAINT) p++;
    return (uint32_t)((uintptr_t)&_stack_top - (uintptr_t)p);
}

void board_print_number(const char *label, uint32_t v) {
    char digits[16], line[64];
    int n = 0, k = 0;
    do { digits[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (*label && k < 40) line[k++] = *label++;
    while (n) line[k++] = digits[--n];
    line[k++] = '\n'; line[k] = 0;
    board_print(line);
}

void reset(void) {
    for (uint32_t *s = &_data_load, *d = &_data; d < &_edata;) *d++ = *s++;
    for (uint32_t *d = &_bss; d < &_ebss;) *d++ = 0;
    uint32_t *sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    for (uint32_t *p = watch_bottom(); p < sp - 16; p++) *p = PAINT;   /* below this frame */
    board_exit(main());
}
static void fault(void) { board_print("fault\n"); board_exit(1); }

__attribute__((section(".vectors"), used)) static const void *vectors[16] = {
    &_stack_top, (void *)reset, (void *)fault, (void *)fault, (void *)fault, (void *)fault, (void *)fault,
};

/* The C library pieces are in ../minimal-libc.c; these are Arm EABI's names for them. */
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
void *memset(void *d, int v, size_t n);
void __aeabi_memcpy(void *d, const void *s, size_t n) { memcpy(d, s, n); }
void __aeabi_memcpy4(void *d, const void *s, size_t n) { memcpy(d, s, n); }
void __aeabi_memcpy8(void *d, const void *s, size_t n) { memcpy(d, s, n); }
void __aeabi_memmove(void *d, const void *s, size_t n) { memmove(d, s, n); }
void __aeabi_memset(void *d, size_t n, int v) { memset(d, v, n); }
void __aeabi_memclr(void *d, size_t n) { memset(d, 0, n); }
void __aeabi_memclr4(void *d, size_t n) { memset(d, 0, n); }
void __aeabi_memclr8(void *d, size_t n) { memset(d, 0, n); }
void board_abort(void) { board_print("stack smashed\n"); board_exit(1); }

/* 64-bit shifts by a variable amount (the runtime's fixed-point rule): the compiler calls
 * these helpers on 32-bit Arm. Written on 32-bit halves so they cannot call themselves. */
static uint64_t join(uint32_t hi, uint32_t lo) { return ((uint64_t)hi << 32) | lo; }
uint64_t __aeabi_llsl(uint64_t v, int n) {
    uint32_t lo = (uint32_t)v, hi = (uint32_t)(v >> 32);
    if (n == 0) return v;
    if (n >= 32) return join(lo << (n - 32), 0);
    return join((hi << n) | (lo >> (32 - n)), lo << n);
}
uint64_t __aeabi_llsr(uint64_t v, int n) {
    uint32_t lo = (uint32_t)v, hi = (uint32_t)(v >> 32);
    if (n == 0) return v;
    if (n >= 32) return join(0, hi >> (n - 32));
    return join(hi >> n, (lo >> n) | (hi << (32 - n)));
}
int64_t __aeabi_lasr(int64_t v, int n) {
    uint32_t lo = (uint32_t)v; int32_t hi = (int32_t)((uint64_t)v >> 32);
    if (n == 0) return v;
    if (n >= 32) return (int64_t)join((uint32_t)(hi >> 31), (uint32_t)(hi >> (n - 32)));
    return (int64_t)join((uint32_t)(hi >> n), (lo >> n) | ((uint32_t)hi << (32 - n)));
}
