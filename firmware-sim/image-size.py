#!/usr/bin/env python3
"""Flash and RAM of a Cortex-M image, from `llvm-objdump -h` on stdin.
usage: llvm-objdump -h app.elf | image-size.py NAME MODEL_BYTES ARENA_BYTES
Flash: vectors, code, constants (model, test inputs, expected outputs), the .data image.
RAM: .data and .bss (the arena and the harness's output buffers); the stack is not included."""
import sys

name, model, arena = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
size = {}
for line in sys.stdin:
    f = line.split()
    if len(f) >= 3 and f[1] in (".vectors", ".text", ".rodata", ".got", ".data", ".bss"):
        size[f[1]] = int(f[2], 16)
g = lambda k: size.get(k, 0)
flash = g(".vectors") + g(".text") + g(".rodata") + g(".got") + g(".data")
print(f"{name:<18} flash {flash:8d} (code {g('.vectors') + g('.text'):6d}, model {model:7d})  RAM {g('.data') + g('.bss'):7d} (arena {arena:6d})")
