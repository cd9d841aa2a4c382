/* A Cortex-M board: the model, the input images and the host's expected outputs are in flash
 * (blobs.S); the arena and output buffers are static. Runs the harness, compares byte for
 * byte, prints one line over semihosting, exits 0 when identical. */
#include <stddef.h>
#include <stdint.h>
#include "harness.h"

void board_print(const char *s);
uint32_t board_stack_used(void);

void board_print_number(const char *label, uint32_t v);
extern const uint8_t model_start[], model_end[], inputs_start[], inputs_end[], ae_start[], dec_start[];

static _Alignas(16) uint8_t arena[ARENA_BYTES];
static uint8_t ae[HARNESS_IMAGES * 1024], dec[HARNESS_IMAGES * 1024];

int main(void) {
    size_t n = (size_t)(inputs_end - inputs_start);
    int rc = harness_run(model_start, (size_t)(model_end - model_start), arena, sizeof arena, inputs_start, n, ae, dec, n);
    if (rc) { board_print("mote error\n"); return 10 + rc; }
    for (size_t i = 0; i < n; i++) {
        if (ae[i] != ae_start[i] || dec[i] != dec_start[i]) { board_print("outputs differ from the host's\n"); return 2; }
    }
    board_print("identical to the host\n");
    board_print_number("stack bytes: ", board_stack_used());
    return 0;
}
