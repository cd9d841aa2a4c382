/* A structure-aware fuzzer for the .mote reader and interpreter, driven through the C interface
 * (include/mote.h) and built with AddressSanitizer together with the runtime (scripts/fuzz/run).
 *
 * For each seed file it tries: every truncation (first file only, or all with --truncate-all),
 * mutations that know the layout (header fields, section table entries, tensor / op / subgraph
 * record fields, constants such as multiplier shifts, byte flips and splices) with the CRC-32
 * recomputed so the mutation reaches the validator instead of the checksum, and random bytes
 * behind a valid header. Every buffer is malloc'ed at its exact size so that an out-of-bounds
 * read or write is a sanitizer report; every model that opens is run on every subgraph with
 * random inputs, with and without the sampler. A case that takes longer than --timeout seconds
 * is a hang. On a crash, hang or sanitizer report the case is written to --crash-dir and the
 * process exits non-zero; otherwise it prints the counts and exits 0.
 *
 * usage: mote-fuzz [--seed S] [--cases N] [--timeout SEC] [--save DIR --save-count K]
 *                  [--crash-dir DIR] SEED.mote...                                            */
#include "mote.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { HEADER = 32, ENTRY = 12, TENSOR = 20, OP = 16, SUBGRAPH = 28 };
static const uint32_t TAG_TENS = 0x534E4554, TAG_OPS = 0x5F53504F, TAG_SUBG = 0x47425553, TAG_CONS = 0x534E4F43;

/* The case being tried, for the crash handlers. */
static const unsigned char *current = NULL;
static size_t current_size = 0;
static const char *crash_dir = ".";
static const char *current_kind = "";

static void dump_case(const char *why) {
    char path[4096];
    snprintf(path, sizeof path, "%s/crash-%s-%d.mote", crash_dir, why, (int)getpid());
    FILE *f = fopen(path, "wb");
    if (f && current) { fwrite(current, 1, current_size, f); }
    if (f) fclose(f);
    fprintf(stderr, "mote-fuzz: %s in a %s case (%zu bytes), written to %s\n", why, current_kind, current_size, path);
}

/* AddressSanitizer calls this before it reports and aborts. */
void __asan_on_error(void) { dump_case("asan"); }
static void on_alarm(int sig) { (void)sig; dump_case("hang"); _exit(3); }
static void on_crash(int sig) { dump_case(sig == SIGSEGV ? "segv" : sig == SIGILL ? "trap" : "signal"); signal(sig, SIG_DFL); raise(sig); }

/* splitmix64: small, seeded, the same sequence everywhere. */
static uint64_t rng_state = 1;
static uint64_t next(void) {
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static uint32_t below(uint32_t n) { return n ? (uint32_t)(next() % n) : 0; }

static uint32_t rd32(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint16_t rd16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static void wr32(unsigned char *p, uint32_t v) { p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8); p[2] = (unsigned char)(v >> 16); p[3] = (unsigned char)(v >> 24); }
static void wr16(unsigned char *p, uint16_t v) { p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8); }

/* CRC-32 (zlib's), computed here independently of the runtime's, a byte at a time. */
static uint32_t crc_table[256];
static uint32_t crc32_of(const unsigned char *p, size_t n) {
    if (!crc_table[1]) {
        for (uint32_t b = 0; b < 256; b++) {
            uint32_t c = b;
            for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
            crc_table[b] = c;
        }
    }
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) c = (c >> 8) ^ crc_table[(c ^ p[i]) & 0xFF];
    return ~c;
}
static void fix_checksum(unsigned char *p, size_t n) {
    if (n < HEADER) return;
    size_t size = rd32(p + 8);
    if (size < 16 || size > n) return;
    wr32(p + 12, crc32_of(p + 16, size - 16));
}

/* A section's byte range in a (seed) file, or 0 when absent. */
static int section(const unsigned char *p, size_t n, uint32_t tag, size_t *offset, size_t *length) {
    if (n < HEADER) return 0;
    size_t count = rd16(p + 20);
    for (size_t i = 0; i < count && HEADER + (i + 1) * ENTRY <= n; i++) {
        const unsigned char *e = p + HEADER + i * ENTRY;
        if (rd32(e) == tag && (size_t)rd32(e + 4) + rd32(e + 8) <= n) { *offset = rd32(e + 4); *length = rd32(e + 8); return 1; }
    }
    return 0;
}

static const uint32_t interesting32[] = { 0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x10000,
    0x7FFFFFFF, 0x80000000u, 0xFFFFFFFFu, 0xFFFFFFFEu, 31, 32, 62, 63, (uint32_t)-30, (uint32_t)-31, (uint32_t)-15, (uint32_t)-16 };
static uint32_t interesting(void) {
    return below(4) == 0 ? (uint32_t)next() : interesting32[below(sizeof interesting32 / sizeof interesting32[0])];
}

/* Writes a value of 1, 2 or 4 bytes at p (within n bytes of the buffer's end). */
static void poke(unsigned char *p, size_t room) {
    uint32_t v = interesting();
    switch (below(3)) {
    case 0: p[0] = (unsigned char)v; break;
    case 1: if (room >= 2) wr16(p, (uint16_t)v); else p[0] = (unsigned char)v; break;
    default: if (room >= 4) wr32(p, v); else p[0] = (unsigned char)v; break;
    }
}

/* One structure-aware mutation of buf (n bytes), in place. */
static const char *mutate(unsigned char *buf, size_t n) {
    size_t off, len;
    switch (below(9)) {
    case 0: { /* header field */
        static const int fields[] = { 4, 6, 8, 16, 20 };
        poke(buf + fields[below(5)], 4); return "header";
    }
    case 1: { /* section table entry */
        size_t count = rd16(buf + 20);
        if (!count) break;
        size_t e = HEADER + below((uint32_t)count) * ENTRY;
        if (e + ENTRY > n) break;
        poke(buf + e + 4 * below(3), 4); return "section-table";
    }
    case 2: case 3: { /* a field of a tensor, op or subgraph record */
        static const uint32_t tags[] = { TAG_TENS, TAG_OPS, TAG_SUBG };
        static const size_t sizes[] = { TENSOR, OP, SUBGRAPH };
        int which = (int)below(3);
        if (!section(buf, n, tags[which], &off, &len) || len < sizes[which]) break;
        size_t r = off + below((uint32_t)(len / sizes[which])) * sizes[which];
        size_t at = r + below((uint32_t)sizes[which]);
        poke(buf + at, r + sizes[which] - at);
        return which == 0 ? "tensor-record" : which == 1 ? "op-record" : "subgraph-record";
    }
    case 4: { /* constants: biases, multipliers, shifts, tables */
        if (!section(buf, n, TAG_CONS, &off, &len) || len < 4) break;
        size_t at = off + (below((uint32_t)(len / 4)) * 4);
        wr32(buf + at, interesting()); return "constants";
    }
    case 5: { /* a run of random bytes */
        size_t at = below((uint32_t)n), k = 1 + below(16);
        for (size_t i = 0; i < k && at + i < n; i++) buf[at + i] = (unsigned char)next();
        return "random-run";
    }
    case 6: { /* splice: one region copied over another */
        size_t a = below((uint32_t)n), b = below((uint32_t)n), k = 1 + below(64);
        if (a + k > n) k = n - a;
        if (b + k > n) k = n - b;
        memmove(buf + b, buf + a, k); return "splice";
    }
    case 7: { /* an op's constants offset pointed elsewhere */
        if (!section(buf, n, TAG_OPS, &off, &len) || len < OP) break;
        size_t r = off + below((uint32_t)(len / OP)) * OP;
        wr32(buf + r + 12, below(2) ? (uint32_t)below(1u << 20) : interesting()); return "op-constants";
    }
    default: break;
    }
    buf[below((uint32_t)n)] ^= (unsigned char)(1u << below(8));
    return "bit-flip";
}

typedef struct { long cases, opened, runs, rejected, skipped; long by_code[16]; int last_opened; } counts;

/* Opens and runs one candidate file; exact-size heap buffers so ASan sees any overrun. */
static void try_file(const unsigned char *bytes, size_t n, counts *c, unsigned timeout) {
    unsigned char *model = malloc(n ? n : 1);
    memcpy(model, bytes, n);
    current = model; current_size = n;
    c->cases++;
    alarm(timeout);
    size_t arena_size = 0;
    c->last_opened = 0;
    int rc = mote_required_arena(model, n, &arena_size);
    if (rc == MOTE_OK && arena_size > (64u << 20)) { c->skipped++; rc = -1; }
    if (rc == MOTE_OK) {
        unsigned char *arena = aligned_alloc(16, (arena_size + 15) / 16 * 16 ? (arena_size + 15) / 16 * 16 : 16);
        mote_model m; mote_error err;
        rc = mote_open(&m, model, n, arena, arena_size, &err);
        c->last_opened = rc == MOTE_OK;
        if (rc == MOTE_OK) {
            c->opened++;
            for (int g = 0; g < 3; g++) {
                mote_tensor in, out;
                if (mote_input(&m, g, &in) != MOTE_OK || mote_output(&m, g, &out) != MOTE_OK) continue;
                unsigned char *x = in.data;
                for (int i = 0; i < in.count * in.type; i++) x[i] = (unsigned char)next();
                mote_rng rng; mote_rng_seed(&rng, (uint32_t)next());
                if (g == MOTE_DECODER && below(2)) mote_sample_latent(&m, &rng);
                if (mote_run(&m, g, below(2) ? &rng : NULL) == MOTE_OK) c->runs++;
                unsigned char *px = malloc((size_t)out.count);
                mote_get_output_pixels(&m, g, px, (size_t)out.count);
                free(px);
            }
        } else {
            c->rejected++;
        }
        free(arena);
    } else if (rc > 0) {
        c->rejected++;
    }
    if (rc > 0 && rc < 16) c->by_code[rc]++;
    alarm(0);
    free(model);
    current = NULL;
}

static unsigned char *load(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(2); }
    fseek(f, 0, SEEK_END); *size = (size_t)ftell(f); fseek(f, 0, SEEK_SET);
    unsigned char *p = malloc(*size);
    if (fread(p, 1, *size, f) != *size) { perror(path); exit(2); }
    fclose(f);
    return p;
}

static void save(const char *dir, long k, const unsigned char *p, size_t n) {
    char path[4096];
    snprintf(path, sizeof path, "%s/case-%05ld.mote", dir, k);
    FILE *f = fopen(path, "wb");
    if (!f) { perror(path); exit(2); }
    fwrite(p, 1, n, f); fclose(f);
}

int main(int argc, char **argv) {
    long cases = 2000, save_count = 0; unsigned timeout = 10; int truncate_all = 0;
    const char *save_dir = NULL;
    int first = 1;
    for (; first < argc && strncmp(argv[first], "--", 2) == 0; first += 2) {
        const char *flag = argv[first], *value = first + 1 < argc ? argv[first + 1] : NULL;
        if (!strcmp(flag, "--truncate-all")) { truncate_all = 1; first--; continue; }
        if (!value) { fprintf(stderr, "mote-fuzz: %s needs a value\n", flag); return 2; }
        if (!strcmp(flag, "--seed")) rng_state = strtoull(value, NULL, 10);
        else if (!strcmp(flag, "--cases")) cases = atol(value);
        else if (!strcmp(flag, "--timeout")) timeout = (unsigned)atoi(value);
        else if (!strcmp(flag, "--save")) save_dir = value;
        else if (!strcmp(flag, "--save-count")) save_count = atol(value);
        else if (!strcmp(flag, "--crash-dir")) crash_dir = value;
        else { fprintf(stderr, "mote-fuzz: unknown option %s\n", flag); return 2; }
    }
    if (first >= argc) { fprintf(stderr, "usage: mote-fuzz [--seed S] [--cases N] [--timeout SEC] [--save DIR --save-count K] [--crash-dir DIR] [--truncate-all] SEED.mote...\n"); return 2; }
    signal(SIGALRM, on_alarm); signal(SIGSEGV, on_crash); signal(SIGILL, on_crash); signal(SIGBUS, on_crash); signal(SIGFPE, on_crash);

    /* Cases saved for the CLI: an equal share per seed, half of them files that opened (those
     * reach the tools' own checks and kernels), half rejected ones. */
    long saved = 0, share = save_count / (argc - first);
    for (int a = first; a < argc; a++) {
        long saved_open = 0, saved_rejected = 0;
        size_t n; unsigned char *seed = load(argv[a], &n);
        counts c = {0};
        /* The seed itself must open: otherwise the mutations test nothing. */
        current_kind = "seed";
        try_file(seed, n, &c, timeout);
        if (c.opened != 1) { fprintf(stderr, "mote-fuzz: the seed %s does not open\n", argv[a]); return 1; }
        long truncations = 0, mutations = 0, randoms = 0;
        if (a == first || truncate_all) {
            current_kind = "truncation";
            for (size_t k = 0; k < n; k++) { try_file(seed, k, &c, timeout); truncations++; }
        }
        unsigned char *buf = malloc(n);
        for (long i = 0; i < cases; i++) {
            memcpy(buf, seed, n);
            if (below(10) == 0) {
                /* Random bytes behind the real header and section table. */
                current_kind = "random";
                size_t keep = HEADER + (size_t)rd16(seed + 20) * ENTRY;
                for (size_t k = keep; k < n; k++) buf[k] = (unsigned char)next();
                randoms++;
            } else {
                current_kind = "mutation";
                int rounds = 1 + (int)below(4);
                for (int r = 0; r < rounds; r++) mutate(buf, n);
                mutations++;
            }
            if (below(10) != 0) fix_checksum(buf, n);
            size_t size = below(20) == 0 ? below((uint32_t)n + 1) : n;   /* sometimes also cut short */
            try_file(buf, size, &c, timeout);
            if (save_dir && c.last_opened && saved_open < share / 2) { save(save_dir, saved++, buf, size); saved_open++; }
            else if (save_dir && !c.last_opened && saved_rejected < share - share / 2 && below(8) == 0) { save(save_dir, saved++, buf, size); saved_rejected++; }
        }
        free(buf); free(seed);
        printf("%s: %ld cases (%ld truncations, %ld mutations, %ld random), %ld opened and ran %ld subgraphs, %ld rejected",
               argv[a], c.cases, truncations, mutations, randoms, c.opened, c.runs, c.rejected);
        if (c.skipped) printf(", %ld with arenas over 64 MB not run", c.skipped);
        printf("; rejections by code:");
        for (int k = 1; k < 16; k++) if (c.by_code[k]) printf(" %d:%ld", k, c.by_code[k]);
        printf("\n");
    }
    if (save_dir) printf("saved %ld cases to %s\n", saved, save_dir);
    printf("0 crashes, 0 hangs, 0 sanitizer reports\n");
    return 0;
}
