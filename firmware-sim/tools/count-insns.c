/* QEMU TCG plugin: counts the guest instructions a run executes and prints
 * "instructions: N" at exit. Debian's QEMU 7.2 ships no qemu-plugin.h, so the few API
 * declarations used are written out here (they match QEMU's plugin API version 1).
 * Counts are exact and repeatable run to run, unlike wall time. With MOTE_PROFILE_BLOCKS=1 in
 * the environment it also prints "pc count" per translation block (its address, instructions
 * executed in it), which firmware-sim/tools/profile sums per function. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>

typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t;
struct qemu_plugin_tb;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };

extern void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, void (*cb)(qemu_plugin_id_t, struct qemu_plugin_tb *));
extern size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
extern uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
extern void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op, void *ptr, uint64_t imm);
extern void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, void (*cb)(qemu_plugin_id_t, void *), void *userdata);
extern void qemu_plugin_outs(const char *string);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

static uint64_t count;
static int profiling;
typedef struct { uint64_t pc, insns; } block;
static block *blocks; static size_t nblocks, capacity;

static void translated(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
    (void)id;
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &count, qemu_plugin_tb_n_insns(tb));
    if (!profiling) return;
    if (nblocks == capacity) {
        block *grown = realloc(blocks, (capacity = capacity ? 2 * capacity : 4096) * sizeof *blocks);
        if (!grown) { profiling = 0; return; }
        blocks = grown;
    }
    block *b = &blocks[nblocks++];
    b->pc = qemu_plugin_tb_vaddr(tb); b->insns = 0;
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &b->insns, qemu_plugin_tb_n_insns(tb));
}
static void finished(qemu_plugin_id_t id, void *p) {
    (void)id; (void)p;
    char line[64];
    for (size_t i = 0; i < nblocks; i++) if (blocks[i].insns) {
        snprintf(line, sizeof line, "%llx %llu\n", (unsigned long long)blocks[i].pc, (unsigned long long)blocks[i].insns);
        qemu_plugin_outs(line);
    }
    snprintf(line, sizeof line, "instructions: %llu\n", (unsigned long long)count);
    qemu_plugin_outs(line);
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv) {
    (void)info; (void)argc; (void)argv;
    profiling = getenv("MOTE_PROFILE_BLOCKS") != NULL;
    qemu_plugin_register_vcpu_tb_trans_cb(id, translated);
    qemu_plugin_register_atexit_cb(id, finished, NULL);
    return 0;
}
