/*
 * mote.h — the C interface of MoteRuntime, the zero-allocation fixed-point runtime of Mote.
 *
 * A model is a .mote file held in memory (on a microcontroller: flash), read in place and
 * never copied. The caller owns every byte: the model buffer (8-byte aligned), one arena
 * (16-byte aligned, at least mote_required_arena() bytes) and the mote_model handle. Nothing
 * allocates. Every function returns 0 on success or a MOTE_ERR_* code (mote_error_string).
 *
 *   size_t arena_size;
 *   mote_required_arena(model, model_size, &arena_size);
 *   mote_model m; mote_error err;
 *   if (mote_open(&m, model, model_size, arena, arena_size, &err)) puts(err.detail);
 *   mote_set_input_pixels(&m, MOTE_AUTOENCODER, pixels, 784);
 *   mote_run(&m, MOTE_AUTOENCODER, NULL);
 *   mote_get_output_pixels(&m, MOTE_AUTOENCODER, out, 784);
 *
 * The file format is docs/FORMAT.md; the arithmetic docs/QUANTIZATION.md.
 */
#ifndef MOTE_H
#define MOTE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Subgraphs. */
enum { MOTE_ENCODER = 0, MOTE_DECODER = 1, MOTE_AUTOENCODER = 2 };

/* Error codes (ModelErrorCode in Sources/MoteRuntime/Model/ModelError.swift). */
enum {
    MOTE_OK = 0,
    MOTE_ERR_TRUNCATED = 1, MOTE_ERR_BAD_MAGIC, MOTE_ERR_UNSUPPORTED_VERSION, MOTE_ERR_CHECKSUM,
    MOTE_ERR_BAD_SECTION_TABLE, MOTE_ERR_MISSING_SECTION, MOTE_ERR_BAD_TENSOR, MOTE_ERR_BAD_OP,
    MOTE_ERR_BAD_SUBGRAPH, MOTE_ERR_ARENA_TOO_SMALL, MOTE_ERR_MISALIGNED_ARENA,
    MOTE_ERR_MISALIGNED_MODEL, MOTE_ERR_NO_SUCH_SUBGRAPH, MOTE_ERR_BAD_ARGUMENT
};

/* An opened model: opaque, owned by the caller, valid while the model and arena buffers are. */
typedef struct { uint64_t opaque[16]; } mote_model;

/* The integer sampler's state (xoshiro128**), seeded by mote_rng_seed. */
typedef struct { uint32_t state[4]; } mote_rng;

/* Why mote_open failed: the code, the record concerned (or -1), and the check that failed. */
typedef struct { int32_t code; int32_t index; const char *detail; } mote_error;

/* A subgraph's input or output tensor in the arena. type: 1 = int8, 2 = int16.
 * real value = scale * (q - zero_point); scale_bits is the IEEE-754 binary32 bit pattern. */
typedef struct {
    void *data;
    int32_t type, count, h, w, c, zero_point;
    uint32_t scale_bits;
} mote_tensor;

/* The arena size the model needs (checks header and checksum). */
int mote_required_arena(const void *model, size_t model_size, size_t *arena_size);

/* Validates the whole file once; afterwards runs need no checks. err may be NULL. */
int mote_open(mote_model *m, const void *model, size_t model_size, void *arena, size_t arena_size, mote_error *err);

int mote_input(const mote_model *m, int subgraph, mote_tensor *t);
int mote_output(const mote_model *m, int subgraph, mote_tensor *t);

/* 8-bit pixels (0..255 for 0.0..1.0) in and out, converted with integer multipliers. */
int mote_set_input_pixels(const mote_model *m, int subgraph, const uint8_t *pixels, size_t count);
int mote_get_output_pixels(const mote_model *m, int subgraph, uint8_t *pixels, size_t count);

void mote_rng_seed(mote_rng *rng, uint32_t seed);
/* Fills the decoder's input with N(0, 1) draws (a VAE's prior), bit-exact on every target. */
int mote_sample_latent(const mote_model *m, mote_rng *rng);

/* Runs a subgraph. rng: the VAE's sampling noise, or NULL to use z_mean. */
int mote_run(const mote_model *m, int subgraph, mote_rng *rng);

/* A sentence for an error code (static storage). */
const char *mote_error_string(int code);

#ifdef __cplusplus
}
#endif
#endif /* MOTE_H */
