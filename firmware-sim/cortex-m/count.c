/* Instruction counting: one build opens the model and runs nothing (PHASE 0), one adds a
 * single autoencoder pass on the first test image (PHASE 1), one a single decoder pass on a
 * sampled latent (PHASE 2). The differences of their counts (tools/count-insns.c) are the
 * instructions of one inference, exactly. */
#include <stddef.h>
#include <stdint.h>
#include "mote.h"

extern const uint8_t model_start[], model_end[], inputs_start[], inputs_end[];
static _Alignas(16) uint8_t arena[ARENA_BYTES];
static uint8_t out[4096];

int main(void) {
    mote_model m;
    if (mote_open(&m, model_start, (size_t)(model_end - model_start), arena, sizeof arena, 0)) return 1;
    mote_tensor in, o;
    mote_input(&m, MOTE_AUTOENCODER, &in);
    mote_output(&m, MOTE_AUTOENCODER, &o);
#if PHASE == 1
    mote_set_input_pixels(&m, MOTE_AUTOENCODER, inputs_start, (size_t)in.count);
    mote_run(&m, MOTE_AUTOENCODER, 0);
    mote_get_output_pixels(&m, MOTE_AUTOENCODER, out, (size_t)o.count);
#elif PHASE == 2
    mote_rng rng;
    mote_rng_seed(&rng, 7);
    mote_sample_latent(&m, &rng);
    mote_run(&m, MOTE_DECODER, 0);
    mote_get_output_pixels(&m, MOTE_DECODER, out, (size_t)o.count);
#endif
    (void)in; (void)o; (void)out;
    return 0;
}
