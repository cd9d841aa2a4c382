#!/usr/bin/env python3
"""PNG checks for CI, independent of Mote's own PNG code (Python's zlib and struct only).

    png-tool.py check FILE...                  every file is a valid PNG: signature, chunk CRCs,
                                               IHDR, IDAT inflating to exactly the rows IHDR says
    png-tool.py ink FILE MIN_FRACTION           the share of pixels that are not white is at least
                                               MIN_FRACTION (8-bit RGB/RGBA, not interlaced: a
                                               browser's screenshot of a plot is not blank)
    png-tool.py similar A B MIN_CORRELATION    two same-size 8-bit non-interlaced PNGs draw the
                                               same thing: the correlation of their darkness over
                                               a 12x12 grid of cells is at least MIN_CORRELATION
    png-tool.py from-idx IDX INDEX OUT [--rgb] [--invert] [--scale N]
                                               writes image INDEX of an IDX file as a PNG (RGB,
                                               inverted, enlarged on request) — user-style input
"""
import gzip, struct, sys, zlib

def chunks(data, path):
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path}: no PNG signature"
    at, out = 8, []
    while at < len(data):
        n, kind = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + n]
        crc, = struct.unpack(">I", data[at + 8 + n:at + 12 + n])
        assert zlib.crc32(kind + body) & 0xFFFFFFFF == crc, f"{path}: bad CRC in {kind}"
        out.append((kind, body))
        at += 12 + n
    assert out[0][0] == b"IHDR" and out[-1][0] == b"IEND", f"{path}: IHDR first and IEND last"
    return out

def decode(path):
    data = open(path, "rb").read()
    cs = chunks(data, path)
    w, h, depth, color, comp, filt, interlace = struct.unpack(">IIBBBBB", cs[0][1])
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color]
    raw = zlib.decompress(b"".join(b for k, b in cs if k == b"IDAT"))
    stride = (w * channels * depth + 7) // 8
    if interlace == 0:
        assert len(raw) == (stride + 1) * h, f"{path}: IDAT holds {len(raw)} bytes, IHDR needs {(stride + 1) * h}"
    return w, h, depth, channels, interlace, raw, stride

def unfiltered(raw, h, bpp, stride):
    """Undoes the row filters."""
    out, prev = [], bytearray(stride)
    for y in range(h):
        t, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a, b, c = (line[i - bpp] if i >= bpp else 0), prev[i], (prev[i - bpp] if i >= bpp else 0)
            p = a + b - c
            paeth = a if abs(p - a) <= abs(p - b) and abs(p - a) <= abs(p - c) else b if abs(p - b) <= abs(p - c) else c
            line[i] = (line[i] + [0, a, b, (a + b) // 2, paeth][t]) & 0xFF
        out.append(line)
        prev = line
    return out

def write_png(path, w, h, channels, samples):
    raw = b"".join(b"\x00" + bytes(samples[y * w * channels:(y + 1) * w * channels]) for y in range(h))
    def chunk(k, b): return struct.pack(">I", len(b)) + k + b + struct.pack(">I", zlib.crc32(k + b) & 0xFFFFFFFF)
    open(path, "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2 if channels == 3 else 0, 0, 0, 0))
                           + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))

def main(argv):
    if argv[0] == "check":
        for p in argv[1:]:
            decode(p)
        print(f"{len(argv) - 1} PNG file(s) valid")
    elif argv[0] == "ink":
        w, h, depth, channels, interlace, raw, stride = decode(argv[1])
        assert depth == 8 and interlace == 0 and channels in (3, 4), f"{argv[1]}: expected 8-bit RGB(A)"
        ink = sum(1 for r in unfiltered(raw, h, channels, stride) for x in range(w) if min(r[x * channels:x * channels + 3]) < 235)
        share = ink / (w * h)
        assert share >= float(argv[2]), f"{argv[1]}: only {share:.1%} of the pixels are drawn"
        print(f"{argv[1]}: {share:.1%} drawn")
    elif argv[0] == "similar":
        grids = []
        for path in argv[1:3]:
            w, h, depth, channels, interlace, raw, stride = decode(path)
            assert depth == 8 and interlace == 0, f"{path}: expected 8-bit, not interlaced"
            cells = [[0.0] * 12 for _ in range(12)]
            for y, r in enumerate(unfiltered(raw, h, channels, stride)):
                for x in range(w):
                    cells[y * 12 // h][x * 12 // w] += 255 - min(r[x * channels:x * channels + min(channels, 3)])
            grids.append(([v for row in cells for v in row], (w, h)))
        (a, sa), (b, sb) = grids
        assert sa == sb, f"sizes differ: {sa} and {sb}"
        ma, mb = sum(a) / len(a), sum(b) / len(b)
        cov = sum((x - ma) * (y - mb) for x, y in zip(a, b))
        corr = cov / (sum((x - ma) ** 2 for x in a) * sum((y - mb) ** 2 for y in b)) ** 0.5
        assert corr >= float(argv[3]), f"{argv[1]} and {argv[2]} differ: correlation {corr:.3f}"
        print(f"{argv[1]} ~ {argv[2]}: correlation {corr:.3f}")
    elif argv[0] == "from-idx":
        idx, index, out = argv[1], int(argv[2]), argv[3]
        scale = int(argv[argv.index("--scale") + 1]) if "--scale" in argv else 1
        data = open(idx, "rb").read()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        n, rows, cols = struct.unpack(">III", data[4:16])
        img = data[16 + index * rows * cols:16 + (index + 1) * rows * cols]
        px = [255 - v if "--invert" in argv else v for v in img]
        big = [px[(y // scale) * cols + x // scale] for y in range(rows * scale) for x in range(cols * scale)]
        channels = 3 if "--rgb" in argv else 1
        write_png(out, cols * scale, rows * scale, channels, [v for v in big for _ in range(channels)])
    else:
        sys.exit(__doc__)

main(sys.argv[1:])
