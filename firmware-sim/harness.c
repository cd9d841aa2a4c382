/* See harness.h. Uses only the C interface the runtime ships. */
#include "harness.h"
#include "mote.h"

int harness_run(const void *model, size_t model_size, void *arena, size_t arena_size,
                const uint8_t *inputs, size_t inputs_size, uint8_t *ae, uint8_t *dec, size_t outputs_size) {
    mote_model m;
    mote_error err;
    int rc = mote_open(&m, model, model_size, arena, arena_size, &err);
    if (rc) return rc;
    mote_tensor in, out;
    if ((rc = mote_input(&m, MOTE_AUTOENCODER, &in)) || (rc = mote_output(&m, MOTE_AUTOENCODER, &out))) return rc;
    size_t n_in = (size_t)in.count, n_out = (size_t)out.count;
    if (inputs_size < HARNESS_IMAGES * n_in || outputs_size < HARNESS_IMAGES * n_out) return MOTE_ERR_BAD_ARGUMENT;
    for (int i = 0; i < HARNESS_IMAGES; i++) {
        if ((rc = mote_set_input_pixels(&m, MOTE_AUTOENCODER, inputs + i * n_in, n_in))) return rc;
        if ((rc = mote_run(&m, MOTE_AUTOENCODER, 0))) return rc;
        if ((rc = mote_get_output_pixels(&m, MOTE_AUTOENCODER, ae + i * n_out, n_out))) return rc;
    }
    mote_rng rng;
    mote_rng_seed(&rng, HARNESS_LATENT_SEED);
    for (int i = 0; i < HARNESS_IMAGES; i++) {
        if ((rc = mote_sample_latent(&m, &rng))) return rc;
        if ((rc = mote_run(&m, MOTE_DECODER, 0))) return rc;
        if ((rc = mote_get_output_pixels(&m, MOTE_DECODER, dec + i * n_out, n_out))) return rc;
    }
    return 0;
}
