#!/usr/bin/env python3
"""Writes the PNG fixtures of PNGReadingTests with an encoder independent of Mote's: every
colour type and bit depth PNG allows, all five row filters (cycled row by row), Adam7
interlacing and IDAT split across chunks. Beside each NAME.png it writes NAME.gray: the 8-bit
grey values Mote must decode to, computed here from the source pixels (not by decoding).

Conversion rules (docs in Sources/MoteIO/PNG.swift): RGB -> (299 R + 587 G + 114 B + 500) // 1000;
16-bit samples -> (v * 255 + 32767) // 65535; 1/2/4-bit grey scaled to 0...255; alpha
composited over black: (v * a + 127) // 255 (16-bit alpha first reduced to 8 bits).

Run from this folder: python3 make-png-fixtures.py"""
import struct, zlib

W, H = 13, 7

def source(x, y):
    return ((x * 19 + y * 7) % 256, (x * 3 + y * 41) % 256, (x * y * 11 + 5) % 256)

def lum(r, g, b):
    return (299 * r + 587 * g + 114 * b + 500) // 1000

def to8(v16):
    return (v16 * 255 + 32767) // 65535

def over_black(v, a):
    return (v * a + 127) // 255

def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c

def filter_rows(rows, bpp):
    """rows: list of raw scanline bytes; returns filtered stream, filter type = row index % 5."""
    out = bytearray()
    prev = bytes(len(rows[0])) if rows else b""
    for i, row in enumerate(rows):
        t = i % 5
        f = bytearray()
        for k, v in enumerate(row):
            a = row[k - bpp] if k >= bpp else 0
            b = prev[k]
            c = prev[k - bpp] if k >= bpp else 0
            pred = [0, a, b, (a + b) // 2, paeth(a, b, c)][t]
            f.append((v - pred) & 0xFF)
        out.append(t)
        out += f
        prev = row
    return bytes(out)

def pack(values, bits):
    """Packs samples of `bits` bits into bytes, most significant first (one scanline)."""
    if bits == 8:
        return bytes(values)
    if bits == 16:
        return b"".join(struct.pack(">H", v) for v in values)
    out, acc, n = bytearray(), 0, 0
    for v in values:
        acc = (acc << bits) | v
        n += bits
        if n == 8:
            out.append(acc); acc, n = 0, 0
    if n:
        out.append(acc << (8 - n))
    return bytes(out)

ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]

def write(name, color_type, bits, samples_of, gray_of, palette=None, interlace=False, split=False):
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color_type]
    bpp = max(1, channels * bits // 8)
    data = bytearray()
    passes = ADAM7 if interlace else [(0, 0, 1, 1)]
    for (x0, y0, dx, dy) in passes:
        xs, ys = list(range(x0, W, dx)), list(range(y0, H, dy))
        if not xs or not ys:
            continue
        rows = [pack([s for x in xs for s in samples_of(x, y)], bits) for y in ys]
        data += filter_rows(rows, bpp)
    z = zlib.compress(bytes(data), 9)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, bits, color_type, 0, 0, 1 if interlace else 0))
    if palette:
        png += chunk(b"PLTE", b"".join(bytes(c) for c in palette))
    png += chunk(b"tEXt", b"Comment\x00an ancillary chunk the decoder skips")
    if split:
        png += chunk(b"IDAT", z[:len(z) // 2]) + chunk(b"IDAT", z[len(z) // 2:])
    else:
        png += chunk(b"IDAT", z)
    png += chunk(b"IEND", b"")
    open(name + ".png", "wb").write(png)
    open(name + ".gray", "wb").write(bytes(gray_of(x, y) for y in range(H) for x in range(W)))

r = lambda x, y: source(x, y)[0]
for bits in (1, 2, 4):
    top = (1 << bits) - 1
    write(f"gray{bits}", 0, bits, lambda x, y, b=bits: [r(x, y) >> (8 - b)],
          lambda x, y, b=bits, t=top: (r(x, y) >> (8 - b)) * 255 // t)
write("gray8", 0, 8, lambda x, y: [r(x, y)], r, split=True)
g16 = lambda x, y: r(x, y) * 256 + source(x, y)[1]
write("gray16", 0, 16, lambda x, y: [g16(x, y)], lambda x, y: to8(g16(x, y)))
write("rgb8", 2, 8, lambda x, y: list(source(x, y)), lambda x, y: lum(*source(x, y)))
s16 = lambda x, y: [c * 257 - (x + y) % 2 * (c > 0) for c in source(x, y)]
write("rgb16", 2, 16, s16, lambda x, y: lum(*[to8(c) for c in s16(x, y)]))
palette = [(0, 0, 0), (255, 255, 255), (200, 30, 30), (30, 200, 30), (30, 30, 200), (128, 128, 0), (0, 128, 128), (90, 90, 90)]
idx = lambda x, y: (x + 2 * y) % 8
write("palette8", 3, 8, lambda x, y: [idx(x, y)], lambda x, y: lum(*palette[idx(x, y)]), palette=palette)
write("palette4", 3, 4, lambda x, y: [idx(x, y)], lambda x, y: lum(*palette[idx(x, y)]), palette=palette)
alpha = lambda x, y: (x * 20 + y * 3) % 256
write("gray-alpha8", 4, 8, lambda x, y: [r(x, y), alpha(x, y)], lambda x, y: over_black(r(x, y), alpha(x, y)))
write("rgba8", 6, 8, lambda x, y: list(source(x, y)) + [alpha(x, y)], lambda x, y: over_black(lum(*source(x, y)), alpha(x, y)))
write("rgb8-interlaced", 2, 8, lambda x, y: list(source(x, y)), lambda x, y: lum(*source(x, y)), interlace=True)
write("gray4-interlaced", 0, 4, lambda x, y: [r(x, y) >> 4], lambda x, y: (r(x, y) >> 4) * 17, interlace=True)
