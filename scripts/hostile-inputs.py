#!/usr/bin/env python3
"""Hostile inputs to the `mote` command line, each with the exit code it must give.

Makes a corpus of bad files — .mote files with NaN or negative scales and a malformed CHSC
section (checksums recomputed, so only the content is wrong), checkpoints with NaN weights or
overflowing shapes, specs asking for 10^9 units, IDX and PNG files that are truncated, lie about
their size or are decompression bombs, latent files with the wrong width or out-of-range values —
and bad flags, then runs every case through the release binary. A case passes when the exit
code is the expected one (2: bad input or usage; never a signal), stderr says what is wrong in
one line starting with "mote:", and, for the bombs, the process stayed under a memory bound.

usage: scripts/hostile-inputs.py [path/to/mote]       (default .build/release/mote)
"""
import gzip, json, math, os, resource, struct, subprocess, sys, tempfile, zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MOTE = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/release/mote"))
os.chdir(ROOT)
tmp = tempfile.mkdtemp(prefix="mote-hostile-")
IDX = "data/fashion-mnist-sample/t10k-images-idx3-ubyte.gz"


def path(name):
    return os.path.join(tmp, name)


def write(name, data):
    with open(path(name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    return path(name)


# --- .mote files: patch a field, recompute the CRC-32 over [16, size) --------------------------
def sections(b):
    n = struct.unpack_from("<H", b, 20)[0]
    return {struct.unpack_from("<4s", b, 32 + 12 * i)[0].decode(): struct.unpack_from("<II", b, 36 + 12 * i) for i in range(n)}


def resealed(b):
    b = bytearray(b)
    size = struct.unpack_from("<I", b, 8)[0]
    struct.pack_into("<I", b, 12, zlib.crc32(bytes(b[16:size])))
    return bytes(b)


vae = open("models/vae.int8.mote", "rb").read()
sec = sections(vae)
tens_off = sec["TENS"][0]
subg_off, subg_len = sec["SUBG"]
# The decoder subgraph's input tensor (its latent): the scale `run decode/sample` and `plot` use.
decoder_input = next(struct.unpack_from("<H", vae, subg_off + 28 * i + 6)[0]
                     for i in range(subg_len // 28) if vae[subg_off + 28 * i] == 1)


def with_scale(tensor, value):
    b = bytearray(vae)
    struct.pack_into("<f", b, tens_off + 20 * tensor + 12, value)
    return resealed(b)


chsc_off, chsc_len = sec["CHSC"]
bad_chsc = bytearray(vae)
struct.pack_into("<H", bad_chsc, chsc_off + 2, 0xFFFF)          # more channels than the section holds
nan_chsc = bytearray(vae)
struct.pack_into("<f", nan_chsc, chsc_off + 4, float("nan"))
files = {
    "nan-scale": write("nan-scale.mote", with_scale(decoder_input, float("nan"))),
    "negative-scale": write("negative-scale.mote", with_scale(decoder_input, -0.5)),
    "zero-scale": write("zero-scale.mote", with_scale(0, 0.0)),
    "inf-scale": write("inf-scale.mote", with_scale(0, float("inf"))),
    "bad-chsc": write("bad-chsc.mote", resealed(bad_chsc)),
    "nan-chsc": write("nan-chsc.mote", resealed(nan_chsc)),
    "empty": write("empty.mote", b""),
    "truncated": write("truncated.mote", vae[:1000]),
    "damaged": write("damaged.mote", vae[:5000] + bytes([vae[5000] ^ 1]) + vae[5001:]),
    "random": write("random.mote", os.urandom(3000)),
}

# --- checkpoints ------------------------------------------------------------------------------
def safetensors_parts(b):
    n = struct.unpack_from("<Q", b, 0)[0]
    return json.loads(b[8:8 + n]), 8 + n


ck = open("models/dense-ae.safetensors", "rb").read()
header, start = safetensors_parts(ck)
kernel = next(k for k in sorted(header) if k.endswith(".kernel") and not k.startswith("optimizer"))
nan_ck = bytearray(ck)
struct.pack_into("<f", nan_ck, start + header[kernel]["data_offsets"][0] + 4 * 17, float("nan"))
write("nan.safetensors", bytes(nan_ck))
def st(header_json, data=b""):
    h = header_json.encode()
    return struct.pack("<Q", len(h)) + h + data
write("overflow.safetensors", st('{"w":{"dtype":"F32","shape":[2147483647,2147483647,2147483647],"data_offsets":[0,16]}}', bytes(16)))
write("huge-header.safetensors", struct.pack("<Q", 2**63) + b"{}")
write("not-json.safetensors", struct.pack("<Q", 4) + b"\xff\xfe{[")
write("f16.safetensors", st('{"w":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}', bytes(4)))
write("short.safetensors", ck[:len(ck) // 2])

# --- specs ------------------------------------------------------------------------------------
base = json.load(open("models/dense-ae.json"))
def spec(name, edit):
    s = json.loads(json.dumps(base))
    edit(s)
    return write(name, json.dumps(s))
def set_units(v):
    def edit(s): s["encoder"][1]["units"] = v
    return edit
assert base["encoder"][1]["type"] == "dense"
spec("units-1e9.json", set_units(10**9))
spec("units-2p62.json", set_units(2**62))
spec("units-1.5.json", set_units(1.5))
spec("units-string.json", set_units("64"))
spec("seed-negative.json", lambda s: s.update(seed=-1))
spec("batch-huge.json", lambda s: s.update(batch_size=10**9))
spec("lr-negative.json", lambda s: s["optimizer"].update(lr=-1))
# Within every per-field limit, but 4096 images of it would need ~50 GB of activations.
spec("batch-memory.json", lambda s: s.update(input=[512, 512, 1], batch_size=4096, encoder=[
    {"type": "conv2d", "filters": 16, "kernel": 3}, {"type": "maxpool", "pool": 16}, {"type": "flatten"}, {"type": "dense", "units": 2}],
    decoder=[{"type": "dense", "units": 1024}, {"type": "reshape", "shape": [32, 32, 1]}, {"type": "resize_nearest", "size": [512, 512]}]))
write("not-json.json", "{ units: 3")

# --- IDX and PNG --------------------------------------------------------------------------------
good_idx = gzip.decompress(open(IDX, "rb").read())
os.makedirs(path("bomb"), exist_ok=True)
for name in os.listdir("data/fashion-mnist-sample"):
    if "idx" in name:
        with open(os.path.join("data/fashion-mnist-sample", name), "rb") as src:
            write(os.path.join("bomb", name), src.read())
zeros = zlib.compressobj(9, zlib.DEFLATED, 31)
with open(path("bomb/t10k-images-idx3-ubyte.gz"), "wb") as f:       # 1 GB of zeros, ~1 MB on disk
    chunk = bytes(1 << 20)
    for _ in range(1024):
        f.write(zeros.compress(chunk))
    f.write(zeros.flush())
with open(path("trailing.gz"), "wb") as f:                            # real images, then 512 MB of zeros
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    f.write(z.compress(good_idx))
    for _ in range(512):
        f.write(z.compress(bytes(1 << 20)))
    f.write(z.flush())
write("truncated-idx", good_idx[:5000])
write("huge-dims-idx", bytes([0, 0, 8, 3]) + struct.pack(">III", 0xFFFFFFFF, 0xFFFF, 0xFFFF))
write("labels-as-images", bytes([0, 0, 8, 1]) + struct.pack(">I", 3) + bytes(3))


def png(width, height, raw, color=0, depth=8, crc_ok=True):
    def chunk(tag, body):
        crc = zlib.crc32(tag + body) ^ (0 if crc_ok else 1)
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", crc)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
ok_png = png(28, 28, b"".join(b"\x00" + bytes(28) for _ in range(28)))
write("ok.png", ok_png)
write("truncated.png", ok_png[:60])
write("bad-crc.png", png(28, 28, bytes(29 * 28), crc_ok=False))
write("huge.png", png(100000, 100000, bytes(100)))
write("png-bomb.png", png(28, 28, bytes(200 << 20)))              # 200 MB inflating for a 28x28 image
write("not-a.png", b"GIF89a" + bytes(100))

# --- latents ----------------------------------------------------------------------------------
write("z-1e308.csv", "name,z0,z1\na,1e308,0\n")
write("z-three.csv", "name,z0,z1\na,0.1,0.2,0.3\n")
write("z-nan.csv", "a,nan,0\n")
write("z-many.csv", "1,2\n" * 100001)
write("z-json-big.json", "[[1e308, 0]]")
write("z-json-short.json", "[[1]]")
write("z-binary.csv", os.urandom(2000).replace(b"\n", b" "))

M8 = "models/vae.int8.mote"
D8 = "models/denoise-ae.int8.mote"
out = path("out")
cases = [
    # .mote files the runtime accepts but whose float scales tools cannot use, and damaged ones.
    *[(f"{k}: mote {' '.join(c[:2])}", c + [f], 2) for k, f in files.items() for c in [["inspect"]]],
    ("nan-scale: run decode", ["run", "decode", "--model", files["nan-scale"], "--latent", "0,0", "--out", out], 2),
    ("nan-scale: run sample", ["run", "sample", "--model", files["nan-scale"], "--count", "2", "--out", out], 2),
    ("negative-scale: run sample", ["run", "sample", "--model", files["negative-scale"], "--out", out], 2),
    ("nan-scale: run reconstruct", ["run", "reconstruct", "--model", files["nan-scale"], IDX, "--count", "2", "--out", out], 2),
    ("negative-scale: plot manifold", ["plot", "manifold", "--model", files["negative-scale"], "--out", path("m")], 2),
    ("inf-scale: drift", ["drift", "--model", files["inf-scale"], "--checkpoint", "models/vae.safetensors", "--count", "5"], 2),
    ("bad-chsc: run reconstruct", ["run", "reconstruct", "--model", files["bad-chsc"], IDX, "--count", "2", "--out", out], 2),
    ("random bytes: bench", ["bench", "--model", files["random"], "--runs", "2"], 2),
    ("a folder as the model", ["inspect", tmp], 2),
    # Checkpoints.
    ("NaN weights: export", ["export", "--checkpoint", path("nan.safetensors"), "--out", path("x.mote"), "--calib-count", "20"], 2),
    ("NaN weights: eval", ["eval", "--checkpoint", path("nan.safetensors"), "--limit", "20"], 2),
    ("NaN weights: drift", ["drift", "--model", "models/dense-ae.int8.mote", "--checkpoint", path("nan.safetensors"), "--count", "5"], 2),
    *[(f"{n}: eval", ["eval", "--checkpoint", path(n), "--limit", "5"], 2)
      for n in ["overflow.safetensors", "huge-header.safetensors", "not-json.safetensors", "f16.safetensors", "short.safetensors"]],
    ("overflow shape: export", ["export", "--checkpoint", path("overflow.safetensors"), "--out", path("x.mote")], 2),
    # Specs.
    *[(f"spec {n}", ["train", "--model", path(n), "--data", "data/fashion-mnist-sample", "--epochs", "1", "--limit", "10", "--out", path("runs")], 2)
      for n in ["units-1e9.json", "units-2p62.json", "units-1.5.json", "units-string.json", "seed-negative.json",
                "batch-huge.json", "lr-negative.json", "batch-memory.json", "not-json.json"]],
    # IDX and PNG inputs (the bombs also under a memory bound, below).
    ("gzip bomb (1 GB of zeros): eval", ["eval", "--checkpoint", "models/dense-ae.safetensors", "--data", path("bomb")], 2),
    ("gzip bomb: run denoise", ["run", "denoise", "--model", D8, path("bomb/t10k-images-idx3-ubyte.gz"), "--out", out], 2),
    ("gzip with 512 MB trailing: run", ["run", "denoise", "--model", D8, path("trailing.gz"), "--out", out], 2),
    ("truncated IDX", ["run", "denoise", "--model", D8, path("truncated-idx"), "--out", out], 2),
    ("IDX declaring 2^64 bytes", ["run", "denoise", "--model", D8, path("huge-dims-idx"), "--out", out], 2),
    ("labels where images go", ["run", "denoise", "--model", D8, path("labels-as-images"), "--out", out], 2),
    *[(f"PNG {n}", ["run", "denoise", "--model", D8, path(n), "--out", out], 2)
      for n in ["truncated.png", "bad-crc.png", "huge.png", "png-bomb.png", "not-a.png"]],
    ("a missing data folder", ["eval", "--checkpoint", "models/dense-ae.safetensors", "--data", path("nowhere")], 2),
    # Latents.
    *[(f"latents {n}", ["run", "decode", "--model", M8, "--latents", path(n), "--out", out], 2)
      for n in ["z-1e308.csv", "z-three.csv", "z-nan.csv", "z-many.csv", "z-json-big.json", "z-json-short.json", "z-binary.csv"]],
    ("--latent 1e308", ["run", "decode", "--model", M8, "--latent", "1e308,0", "--out", out], 2),
    ("--latent with 3 values", ["run", "decode", "--model", M8, "--latent", "1,2,3", "--out", out], 2),
    ("--latent nan", ["run", "decode", "--model", M8, "--latent", "nan,0", "--out", out], 2),
    # Flags: counts, sizes and seeds out of range.
    ("sample --count 10^12", ["run", "sample", "--model", M8, "--count", "1000000000000", "--out", out], 2),
    ("sample --count 100000", ["run", "sample", "--model", M8, "--count", "100000", "--out", out], 2),
    ("sample --scale 100000", ["run", "sample", "--model", M8, "--scale", "100000", "--out", out], 2),
    ("grid of 10,000 at scale 16", ["run", "sample", "--model", M8, "--count", "10000", "--grid", "--scale", "16", "--out", out], 2),
    ("--seed -1", ["run", "sample", "--model", M8, "--seed", "-1", "--out", out], 2),
    ("--seed 2^40", ["run", "sample", "--model", M8, "--seed", "1099511627776", "--out", out], 2),
    ("--threads 0", ["run", "sample", "--model", M8, "--threads", "0", "--out", out], 2),
    ("--threads 100000", ["run", "sample", "--model", M8, "--threads", "100000", "--out", out], 2),
    ("--add-noise nan", ["run", "denoise", "--model", D8, IDX, "--add-noise", "nan", "--out", out], 2),
    ("--add-noise 1e9", ["run", "denoise", "--model", D8, IDX, "--add-noise", "1e9", "--out", out], 2),
    ("--count 10^6 images", ["run", "denoise", "--model", D8, IDX, "--count", "1000000", "--out", out], 2),
    ("plot --range nan", ["plot", "manifold", "--model", M8, "--range", "nan", "--out", path("m")], 2),
    ("plot --size 100000", ["plot", "manifold", "--model", M8, "--size", "100000", "--out", path("m")], 2),
    ("train --epochs 10^9", ["train", "--model", "models/dense-ae.json", "--epochs", "1000000000", "--data", "data/fashion-mnist-sample"], 2),
    ("train --batch-size 10^6", ["train", "--model", "models/dense-ae.json", "--batch-size", "1000000", "--data", "data/fashion-mnist-sample"], 2),
    ("export --calib-count -5", ["export", "--checkpoint", "models/dense-ae.safetensors", "--calib-count", "-5", "--out", path("x.mote")], 2),
    ("drift --min-psnr nan", ["drift", "--model", M8, "--checkpoint", "models/vae.safetensors", "--min-psnr", "nan"], 2),
    ("bench --runs 10^12", ["bench", "--model", M8, "--runs", "1000000000000"], 2),
    ("an unknown flag", ["run", "sample", "--model", M8, "--frobnicate"], 2),
    ("a flag without its value", ["run", "sample", "--model"], 2),
    ("an unknown command", ["frobnicate"], 2),
]
# Bombs and large inputs must be refused without taking the memory they ask for.
memory_bound_mb = {"gzip bomb (1 GB of zeros): eval": 400, "gzip bomb: run denoise": 400,
                   "gzip with 512 MB trailing: run": 400, "PNG png-bomb.png": 400,
                   "sample --count 10^12": 200, "grid of 10,000 at scale 16": 400, "spec units-1e9.json": 400,
                   "spec batch-memory.json": 400}

passed = failed = 0
for name, argv, expected in cases:
    probe = ("import resource, subprocess, sys\n"
             "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)\n"
             "sys.stderr.buffer.write(r.stderr)\n"
             "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)\n")
    p = subprocess.run([sys.executable, "-c", probe, MOTE] + argv, capture_output=True, text=True)
    try:
        rc, rss_mb = map(int, p.stdout.split())
    except ValueError:
        rc, rss_mb = -999, 0
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    problems = []
    if rc != expected:
        problems.append(f"exit {rc}, expected {expected}")
    if expected == 2 and not (len(lines) == 1 and lines[0].startswith("mote: ")):
        problems.append(f"stderr is not one 'mote: …' line: {p.stderr.strip()[:300]!r}")
    if name in memory_bound_mb and rss_mb > memory_bound_mb[name]:
        problems.append(f"peak memory {rss_mb} MB, bound {memory_bound_mb[name]} MB")
    if problems:
        failed += 1
        print(f"FAIL {name}: {'; '.join(problems)}")
    else:
        passed += 1
        print(f"ok   {name}: {lines[0][:110] if lines else 'exit 0'}" + (f" ({rss_mb} MB)" if name in memory_bound_mb else ""))
print(f"hostile inputs: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
