"""Inference latency, Mote vs LiteRT (TFLite) on the same weights, side by side in one run.

For each shipped model: rebuild it in Keras (keras_twin), convert it with the TFLite converter
to int8 (int8 input and output too, so the graph is integer end to end, as Mote's is) calibrated
on the images Mote's exporter uses, and to float. Mote runs a plain int8 export of the same
checkpoint (no int16 layer, like TFLite's), the shipped int16 file, and its trainer's float
forward pass (`mote-bench runtime --json`). LiteRT runs int8 with XNNPACK (its default
delegate) and with its builtin kernels (no delegate), and float with XNNPACK. One thread,
batch 1, the whole autoencoder. Rounds are interleaved (every engine once per round, the
engine order rotating) so the shared machine's drift hits all engines alike; each engine's
figure is the median over rounds of its median per round.

Run through bench/compare-runtime (which installs TensorFlow into bench/.venv).
"""
import json, subprocess, sys, tempfile, time

import numpy as np
import tensorflow as tf
from keras_twin import Twin, convert

BENCH, MOTE = sys.argv[1], sys.argv[2]
ROUNDS = int(sys.argv[3])
NAMES = sys.argv[4:] or ["dense-ae", "conv-ae", "vae", "denoise-ae", "mnist-ae"]
work = tempfile.mkdtemp(prefix="mote-runtime-")


def litert(flat, builtin=False):
    """A function timing `invoke` alone (input set once), median µs over ~0.4 s of runs."""
    resolver = tf.lite.experimental.OpResolverType
    interp = tf.lite.Interpreter(model_content=flat, num_threads=1, experimental_op_resolver_type=(
        resolver.BUILTIN_WITHOUT_DEFAULT_DELEGATES if builtin else resolver.AUTO))
    interp.allocate_tensors()
    inp = interp.get_input_details()[0]
    interp.set_tensor(inp["index"], np.full(inp["shape"], 0 if inp["dtype"] == np.int8 else 0.5, inp["dtype"]))

    def timed():
        interp.invoke()                                  # warm
        times, start = [], time.perf_counter()
        while len(times) < 15 or (time.perf_counter() - start < 0.4 and len(times) < 20000):
            t0 = time.perf_counter_ns()
            interp.invoke()
            times.append((time.perf_counter_ns() - t0) / 1000)
        return float(np.median(times))
    return timed


def mote(name):
    """Mote's float, int8 and int16 autoencoder latencies (µs) from one mote-bench run."""
    out = subprocess.run([BENCH, "runtime", "--json", "--int8-dir", work, name], capture_output=True, text=True, check=True).stdout
    row = next(r for r in map(json.loads, out.splitlines()) if r["subgraph"] == "autoencoder")
    return {"mote float": row["float_us"], "mote int8": row["int8_us"], "mote int16": row["int16_us"]}


engines = {}
for name in NAMES:
    t = Twin(name, 1)
    subprocess.run([MOTE, "export", "--checkpoint", t.checkpoint, "--out", f"{work}/{name}.int8.mote", "--activations", "int8"],
                   check=True, capture_output=True)
    int8 = convert(t.model, t.calibration, "int8", integer_io=True)
    flt = convert(t.model, t.calibration, "float")
    engines[name] = {"litert int8 xnnpack": litert(int8), "litert int8 builtin": litert(int8, builtin=True),
                     "litert float xnnpack": litert(flt)}
    print(f"{name}: converted", file=sys.stderr, flush=True)

results = {name: {} for name in NAMES}
for r in range(ROUNDS):
    for name in NAMES:
        steps = list(engines[name].items()) + [("mote", None)]
        steps = steps[r % len(steps):] + steps[:r % len(steps)]
        for key, run in steps:
            measured = mote(name) if run is None else {key: run()}
            for k, v in measured.items():
                results[name].setdefault(k, []).append(v)
    print(f"round {r + 1}/{ROUNDS} done", file=sys.stderr, flush=True)

med = {n: {k: float(np.median(v)) for k, v in e.items()} for n, e in results.items()}
cols = ["mote int8", "litert int8 xnnpack", "litert int8 builtin", "mote int16", "mote float", "litert float xnnpack"]
print(f"latency, µs per autoencoder pass (1 thread, batch 1), median of {ROUNDS} interleaved rounds")
print(f"{'model':12}" + "".join(f"{c:>22}" for c in cols) + f"{'int8 Mote/XNNPACK':>20}{'int8 Mote/builtin':>19}")
for n in NAMES:
    m = med[n]
    print(f"{n:12}" + "".join(f"{m[c]:22.1f}" for c in cols)
          + f"{m['mote int8'] / m['litert int8 xnnpack']:19.2f}x{m['mote int8'] / m['litert int8 builtin']:18.2f}x")
