/* Exercises include/mote.h from C against the runtime compiled as an Embedded Swift object
 * for the host: opens each model given on the command line, checks the tensor descriptions,
 * runs every subgraph, and checks the integer pixel conversion against an independent float
 * computation from the raw output tensor. Then the error paths: a damaged byte, a small or
 * misaligned arena. Prints one line per model; exits non-zero on any mismatch. */
#include "mote.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;
#define CHECK(cond, ...) do { if (!(cond)) { printf("FAIL %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); failures++; } } while (0)

static void *load(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(2); }
    fseek(f, 0, SEEK_END); *size = (size_t)ftell(f); fseek(f, 0, SEEK_SET);
    void *p = aligned_alloc(16, (*size + 15) / 16 * 16);
    if (fread(p, 1, *size, f) != *size) { perror(path); exit(2); }
    fclose(f);
    return p;
}

static float scale_of(const mote_tensor *t) { float s; memcpy(&s, &t->scale_bits, 4); return s; }

int main(int argc, char **argv) {
    for (int a = 1; a < argc; a++) {
        size_t n, arena_size = 0;
        unsigned char *model = load(argv[a], &n);
        CHECK(mote_required_arena(model, n, &arena_size) == MOTE_OK && arena_size > 0, "required arena");
        void *arena = aligned_alloc(16, (arena_size + 15) / 16 * 16 + 16);
        mote_model m; mote_error err = {0, 0, 0};
        int rc = mote_open(&m, model, n, arena, arena_size, &err);
        CHECK(rc == MOTE_OK, "%s: open: %s (%s)", argv[a], mote_error_string(rc), err.detail);
        if (rc) continue;

        mote_tensor in, out;
        CHECK(mote_input(&m, MOTE_AUTOENCODER, &in) == MOTE_OK, "input");
        CHECK(mote_output(&m, MOTE_AUTOENCODER, &out) == MOTE_OK, "output");
        CHECK(in.count == in.h * in.w * in.c && out.count == out.h * out.w * out.c, "counts");
        CHECK((in.type == 1 || in.type == 2) && in.type == out.type, "types %d %d", in.type, out.type);
        CHECK((char *)in.data >= (char *)arena && (char *)in.data + in.count * in.type <= (char *)arena + arena_size, "input inside the arena");

        uint8_t *px = malloc((size_t)in.count), *res = malloc((size_t)out.count);
        for (int i = 0; i < in.count; i++) px[i] = (uint8_t)((i * 37 + (i / in.w) * 11) % 256);
        CHECK(mote_set_input_pixels(&m, MOTE_AUTOENCODER, px, (size_t)in.count) == MOTE_OK, "set input");
        CHECK(mote_set_input_pixels(&m, MOTE_AUTOENCODER, px, (size_t)in.count + 1) == MOTE_ERR_BAD_ARGUMENT, "wrong count rejected");
        CHECK(mote_run(&m, MOTE_AUTOENCODER, NULL) == MOTE_OK, "run");
        CHECK(mote_get_output_pixels(&m, MOTE_AUTOENCODER, res, (size_t)out.count) == MOTE_OK, "get output");
        /* Independent: pixel = clamp(round(255 * scale * (q - zero_point))). */
        int worst = 0;
        float s = scale_of(&out);
        for (int i = 0; i < out.count; i++) {
            int q = out.type == 1 ? ((int8_t *)out.data)[i] : ((int16_t *)out.data)[i];
            float v = roundf(255.0f * s * (float)(q - out.zero_point));
            int ref = v < 0 ? 0 : v > 255 ? 255 : (int)v;
            int d = abs(ref - (int)res[i]);
            if (d > worst) worst = d;
        }
        CHECK(worst <= 1, "output pixels differ from the float conversion by %d", worst);

        /* Encoder then decoder gives the autoencoder's result (z_mean, no sampling). */
        uint8_t *res2 = malloc((size_t)out.count);
        mote_set_input_pixels(&m, MOTE_ENCODER, px, (size_t)in.count);
        CHECK(mote_run(&m, MOTE_ENCODER, NULL) == MOTE_OK && mote_run(&m, MOTE_DECODER, NULL) == MOTE_OK, "encoder, decoder");
        mote_get_output_pixels(&m, MOTE_DECODER, res2, (size_t)out.count);
        CHECK(memcmp(res, res2, (size_t)out.count) == 0, "encoder+decoder differs from autoencoder");
        mote_rng rng; mote_rng_seed(&rng, 42);
        CHECK(mote_sample_latent(&m, &rng) == MOTE_OK && mote_run(&m, MOTE_DECODER, NULL) == MOTE_OK, "sampled decode");

        /* Error paths. */
        mote_model bad;
        CHECK(mote_open(&bad, model, n, arena, arena_size - 1, &err) == MOTE_ERR_ARENA_TOO_SMALL, "small arena");
        CHECK(mote_open(&bad, model, n, (char *)arena + 8, arena_size, &err) == MOTE_ERR_MISALIGNED_ARENA, "misaligned arena");
        model[n / 2] ^= 0x40;
        CHECK(mote_open(&bad, model, n, arena, arena_size, &err) == MOTE_ERR_CHECKSUM, "damaged byte");
        CHECK(mote_open(&bad, model, n / 2, arena, arena_size, &err) == MOTE_ERR_TRUNCATED, "truncated");
        printf("ok   C interface: %s (%dx%dx%d %s, arena %zu B)\n", argv[a], in.h, in.w, in.c, in.type == 1 ? "int8" : "int16", arena_size);
        free(px); free(res); free(res2); free(arena); free(model);
    }
    return failures ? 1 : 0;
}
