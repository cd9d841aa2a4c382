/* Denoising images from C with the Mote runtime (libmote.a + include/mote.h) on a Linux board.
 *
 * Reads a .mote denoiser and raw 8-bit grey images (28x28 each, one after another: the pixels
 * of an IDX file without its 16-byte header), adds seeded Gaussian noise (σ = 0.5, the
 * training noise) in integer arithmetic so every board draws the same noise, denoises each
 * image, and prints how much cleaner the output is than the noisy input (PSNR against the
 * clean image). Writes the denoised pixels to OUT.raw if given; with --expect REF.raw it
 * compares them with a reference run (another board, or the host) and prints the drift.
 *
 *   denoise MODEL.mote IMAGES.raw COUNT [OUT.raw] [--expect REF.raw]
 *
 * Exit codes: 0 ok, 1 output differs from --expect, 2 bad arguments or files, 3 the model
 * was refused (the message says which check failed). */
#include "mote.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned char *read_file(const char *path, size_t *size, size_t align) {
    FILE *f = fopen(path, "rb");
    if (!f) { fprintf(stderr, "denoise: cannot open %s\n", path); exit(2); }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    if (n < 0) { fprintf(stderr, "denoise: cannot read %s\n", path); exit(2); }
    /* The runtime reads the model in place: it must start at a multiple of 8 bytes. */
    unsigned char *p = aligned_alloc(align, ((size_t)n + align) / align * align);
    if (!p || fread(p, 1, (size_t)n, f) != (size_t)n) { fprintf(stderr, "denoise: cannot read %s\n", path); exit(2); }
    fclose(f);
    *size = (size_t)n;
    return p;
}

/* xorshift32: the noise generator, the same sequence on every board. */
static uint32_t rng_state = 2024;
static uint32_t next_u32(void) {
    uint32_t x = rng_state;
    x ^= x << 13; x ^= x >> 17; x ^= x << 5;
    return rng_state = x;
}

/* p + σ·N(0, 1) in pixel units, clipped to 0..255. N(0, 1) is approximated by the sum of 12
 * uniforms minus 6 (Irwin–Hall: mean 0, variance 1), all in integers. σ = 0.5 → 127.5. */
static uint8_t noisy(uint8_t p) {
    int64_t s = 0;
    for (int k = 0; k < 12; k++) s += next_u32() & 0xFFFF;           /* Σ u · 2^16 */
    int64_t n = s - 6 * 65536;                                        /* N(0,1) · 2^16 */
    int64_t v = (int64_t)p * 65536 + n * 255 / 2;                     /* (p + 127.5 · N) · 2^16 */
    v = (v + 32768) >> 16;
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

static double psnr(const uint8_t *a, const uint8_t *b, int n) {
    double se = 0;
    for (int i = 0; i < n; i++) { double d = (double)a[i] - (double)b[i]; se += d * d; }
    return se == 0 ? INFINITY : 10 * log10(255.0 * 255.0 / (se / n));
}

int main(int argc, char **argv) {
    const char *expect = NULL;
    const char *pos[4] = {0};
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--expect") && i + 1 < argc) expect = argv[++i];
        else if (npos < 4) pos[npos++] = argv[i];
        else { npos = 99; break; }
    }
    if (npos < 3 || npos > 4) {
        fprintf(stderr, "usage: denoise MODEL.mote IMAGES.raw COUNT [OUT.raw] [--expect REF.raw]\n");
        return 2;
    }
    size_t model_size, raw_size;
    unsigned char *model = read_file(pos[0], &model_size, 16);
    unsigned char *images = read_file(pos[1], &raw_size, 16);
    long count = atol(pos[2]);

    size_t arena_size;
    int rc = mote_required_arena(model, model_size, &arena_size);
    if (rc != MOTE_OK) { fprintf(stderr, "denoise: %s: %s\n", pos[0], mote_error_string(rc)); return 3; }
    void *arena = aligned_alloc(16, (arena_size + 16) / 16 * 16);     /* the one buffer the runtime uses */
    mote_model m;
    mote_error err;
    rc = mote_open(&m, model, model_size, arena, arena_size, &err);
    if (rc != MOTE_OK) {
        fprintf(stderr, "denoise: %s: %s (record %d: %s)\n", pos[0], mote_error_string(rc), err.index, err.detail ? err.detail : "");
        return 3;
    }
    mote_tensor in, out;
    if (mote_input(&m, MOTE_AUTOENCODER, &in) != MOTE_OK || mote_output(&m, MOTE_AUTOENCODER, &out) != MOTE_OK || in.count != out.count) {
        fprintf(stderr, "denoise: %s has no autoencoder subgraph of equal input and output size\n", pos[0]);
        return 2;
    }
    size_t pixels = (size_t)in.count;
    if (count < 1 || (size_t)count * pixels > raw_size) {
        fprintf(stderr, "denoise: %s holds %zu images of %dx%d; asked for %ld\n", pos[1], raw_size / pixels, in.w, in.h, count);
        return 2;
    }
    printf("%s: %dx%d %s model, arena %zu bytes, %ld images\n", pos[0], in.w, in.h, in.type == 1 ? "int8" : "int16", arena_size, count);

    uint8_t *noise = malloc(pixels), *result = malloc(pixels * (size_t)count);
    double noisy_db = 0, clean_db = 0;
    for (long k = 0; k < count; k++) {
        const uint8_t *clean = images + (size_t)k * pixels;
        for (size_t i = 0; i < pixels; i++) noise[i] = noisy(clean[i]);
        uint8_t *y = result + (size_t)k * pixels;
        if (mote_set_input_pixels(&m, MOTE_AUTOENCODER, noise, pixels) != MOTE_OK ||
            mote_run(&m, MOTE_AUTOENCODER, NULL) != MOTE_OK ||
            mote_get_output_pixels(&m, MOTE_AUTOENCODER, y, pixels) != MOTE_OK) {
            fprintf(stderr, "denoise: running the model failed\n");
            return 3;
        }
        noisy_db += psnr(noise, clean, (int)pixels);
        clean_db += psnr(y, clean, (int)pixels);
    }
    printf("noisy %.2f dB -> denoised %.2f dB (mean PSNR against the clean images)\n", noisy_db / count, clean_db / count);

    if (npos == 4) {
        FILE *f = fopen(pos[3], "wb");
        if (!f || fwrite(result, 1, pixels * (size_t)count, f) != pixels * (size_t)count || fclose(f) != 0) {
            fprintf(stderr, "denoise: cannot write %s\n", pos[3]);
            return 2;
        }
    }
    if (expect) {
        size_t ref_size;
        unsigned char *ref = read_file(expect, &ref_size, 16);
        if (ref_size != pixels * (size_t)count) { fprintf(stderr, "denoise: %s has %zu bytes, expected %zu\n", expect, ref_size, pixels * (size_t)count); return 2; }
        int worst = 0;
        long differing = 0;
        for (size_t i = 0; i < ref_size; i++) {
            int d = abs((int)ref[i] - (int)result[i]);
            if (d) differing++;
            if (d > worst) worst = d;
        }
        if (differing == 0) printf("drift against %s: none (identical bytes)\n", expect);
        else printf("drift against %s: %ld of %zu pixels differ, by at most %d, PSNR %.2f dB\n", expect, differing, ref_size, worst, psnr(ref, result, (int)ref_size));
        return differing == 0 ? 0 : 1;
    }
    return 0;
}
