/* The little a MoteRuntime object needs from a C library after --gc-sections, for boards that
 * have none: memcpy, memmove, memset and the stack protector's guard. A smashed stack ends the
 * program through the board's `board_abort`. */
#include <stddef.h>
#include <stdint.h>

void board_abort(void);

void *memcpy(void *d, const void *s, size_t n) { uint8_t *o = d; const uint8_t *i = s; while (n--) *o++ = *i++; return d; }
void *memmove(void *d, const void *s, size_t n) {
    uint8_t *o = d; const uint8_t *i = s;
    if (o < i) { while (n--) *o++ = *i++; } else { while (n--) o[n] = i[n]; }
    return d;
}
void *memset(void *d, int v, size_t n) { uint8_t *o = d; while (n--) *o++ = (uint8_t)v; return d; }
uintptr_t __stack_chk_guard = 0x5eed5eed;
void __stack_chk_fail(void) { board_abort(); }
