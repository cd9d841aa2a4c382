#!/usr/bin/env python3
"""Flash and RAM of a Cortex-M image, from `llvm-objdump -h` on stdin.
usage: llvm-objdump -h app.elf | image-size.py NAME MODEL_BYTES ARENA_BYTES STACK INSNS_AE INSNS_DEC [MACS_AE MACS_DEC]
Flash: vectors, code, constants (model, test inputs, expected outputs), the .data image.
RAM: .data and .bss (the arena and the harness's output buffers) plus the measured stack."""
import sys

name, model, arena, stack, ae, dec = sys.argv[1], *map(int, sys.argv[2:7])
macs = list(map(int, sys.argv[7:9])) or [0, 0]
size = {}
for line in sys.stdin:
    f = line.split()
    if len(f) >= 3 and f[1] in (".vectors", ".text", ".rodata", ".got", ".data", ".bss"):
        size[f[1]] = int(f[2], 16)
g = lambda k: size.get(k, 0)
flash = g(".vectors") + g(".text") + g(".rodata") + g(".got") + g(".data")
ram = g(".data") + g(".bss") + stack
per_mac = lambda insns, n: f"{insns / n:9.2f}" if n and insns else f"{'–':>9}"
print(f"{name:<18} {flash:9d} {g('.vectors') + g('.text'):8d} {model:8d} {ram:8d} {arena:8d} {stack:8d} {ae:13,d} {dec:13,d}"
      f" {per_mac(ae, macs[0])} {per_mac(dec, macs[1])}")
