/* QEMU TCG plugin: instructions executed per translation block, printed at exit as
 * "pc count" lines (the block's address, instructions executed in it). firmware-sim/tools/profile
 * runs an image under it and sums the blocks per function. Declarations as in count-insns.c. */
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

typedef struct { uint64_t pc, insns; } entry;
static entry *entries; static size_t n, cap;

static void translated(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
    (void)id;
    if (n == cap) { cap = cap ? cap * 2 : 4096; entries = realloc(entries, cap * sizeof *entries); }
    entry *e = &entries[n++]; e->pc = qemu_plugin_tb_vaddr(tb); e->insns = 0;
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &e->insns, qemu_plugin_tb_n_insns(tb));
}
static void finished(qemu_plugin_id_t id, void *p) {
    (void)id; (void)p;
    char line[64];
    for (size_t i = 0; i < n; i++) if (entries[i].insns) {
        snprintf(line, sizeof line, "%llx %llu\n", (unsigned long long)entries[i].pc, (unsigned long long)entries[i].insns);
        qemu_plugin_outs(line);
    }
}
__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv) {
    (void)info; (void)argc; (void)argv;
    qemu_plugin_register_vcpu_tb_trans_cb(id, translated);
    qemu_plugin_register_atexit_cb(id, finished, NULL);
    return 0;
}
