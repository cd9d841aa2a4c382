/* The generating board: a decoder-only model (mote export --subgraph decoder) decodes 8
 * latents drawn by the integer sampler (seed 7) into one 1-image buffer, each compared with
 * the host's image, on a budget of 256 KB flash and 64 KB RAM (budget.ld). */
#include <stddef.h>
#include <stdint.h>
#include "harness.h"
#include "mote.h"

void board_print(const char *s);
uint32_t board_stack_used(void);
void board_print_number(const char *label, uint32_t v);
extern const uint8_t model_start[], model_end[], dec_start[], dec_end[];

static _Alignas(16) uint8_t arena[ARENA_BYTES];
static uint8_t image[1024];

int main(void) {
    mote_model m;
    int rc = mote_open(&m, model_start, (size_t)(model_end - model_start), arena, sizeof arena, 0);
    if (rc) { board_print("mote error\n"); return 10 + rc; }
    mote_tensor out;
    if ((rc = mote_output(&m, MOTE_DECODER, &out))) return 10 + rc;
    size_t n = (size_t)out.count;
    if (n > sizeof image || (size_t)(dec_end - dec_start) != HARNESS_IMAGES * n) return 3;
    mote_rng rng;
    mote_rng_seed(&rng, HARNESS_LATENT_SEED);
    for (int i = 0; i < HARNESS_IMAGES; i++) {
        if ((rc = mote_sample_latent(&m, &rng)) || (rc = mote_run(&m, MOTE_DECODER, 0)) ||
            (rc = mote_get_output_pixels(&m, MOTE_DECODER, image, n))) return 10 + rc;
        for (size_t k = 0; k < n; k++) if (image[k] != dec_start[i * n + k]) { board_print("outputs differ from the host's\n"); return 2; }
    }
    board_print("identical to the host\n");
    board_print_number("stack bytes: ", board_stack_used());
    return 0;
}
