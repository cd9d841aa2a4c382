/* The fixed workload every simulated board runs, through include/mote.h only: open the model
 * (validating it), 8 autoencoder passes on the given images, 8 decoder passes on latents
 * drawn by the integer sampler seeded with 7. The host writes the expected bytes
 * (firmware-vectors); the board's must be identical. */
#ifndef HARNESS_H
#define HARNESS_H
#include <stddef.h>
#include <stdint.h>

enum { HARNESS_IMAGES = 8, HARNESS_LATENT_SEED = 7 };

/* Returns 0, or the mote error code of the first call that failed. `inputs` holds
 * HARNESS_IMAGES × input count pixels; `ae` and `dec` receive HARNESS_IMAGES × output count. */
int harness_run(const void *model, size_t model_size, void *arena, size_t arena_size,
                const uint8_t *inputs, size_t inputs_size, uint8_t *ae, uint8_t *dec, size_t outputs_size);

#endif
