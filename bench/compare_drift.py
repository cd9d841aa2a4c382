"""TFLite post-training quantization of Mote's own checkpoints, beside Mote's exports.

For each shipped model: rebuild it in Keras from the spec stored in its checkpoint (a second,
independent implementation of the spec's layers), load the same weights, check that Keras'
float output matches Mote's float model (`mote eval`'s test PSNR on the same images), then
convert it with the TFLite converter — int8 (int8 weights and activations) and 16x8 (int16
activations, int8 weights) — calibrated on the same images Mote's exporter uses, and measure
each against the float model on the same test images as `mote drift`: mean per-image PSNR.
Mote's numbers come from `mote drift --json` on its int8 file and on an int16-activation /
int8-weight export made here, so like is compared with like.

Run through bench/compare-drift (which installs TensorFlow into bench/.venv).
"""
import json, subprocess, sys, tempfile

import numpy as np
from keras_twin import Twin, build, psnr, tflite

MOTE = sys.argv[1]
COUNT = int(sys.argv[2])
NAMES = sys.argv[3:] or ["dense-ae", "conv-ae", "vae", "denoise-ae", "mnist-ae"]
work = tempfile.mkdtemp(prefix="mote-drift-")


def mote_drift(model_file, checkpoint, data):
    r = subprocess.run([MOTE, "drift", "--model", model_file, "--checkpoint", checkpoint, "--count", str(COUNT), "--data", data, "--json"],
                       capture_output=True, text=True, check=True)
    d = json.loads(r.stdout)
    return d["psnr_db"], d.get("decoder_sampled", {}).get("psnr_db")


rows = []
for name in NAMES:
    t = Twin(name, COUNT)
    ck, spec, weights, data, noise, mnist = t.checkpoint, t.spec, t.weights, t.data, t.noise, t.mnist
    model, dec, calib, test, clean = t.model, t.decoder_layers, t.calibration, t.test, t.clean
    float_out = model.predict(test, verbose=0)
    # The independent check of the translation: Keras' float model against the clean images must
    # score what Mote's float model scores (mote eval) on the same clean test images (no noise).
    if not noise:
        ev = json.loads(subprocess.run([MOTE, "eval", "--checkpoint", ck, "--data", data, "--limit", str(COUNT), "--json"] if not mnist else
                                       [MOTE, "eval", "--checkpoint", ck, "--limit", str(COUNT), "--json"], capture_output=True, text=True, check=True).stdout)
        assert abs(psnr(float_out, clean) - ev["psnr_db"]) < 0.01, f"{name}: Keras float {psnr(float_out, clean):.3f} dB vs Mote float {ev['psnr_db']:.3f} dB"
    t8 = psnr(tflite(model, calib, "int8")(test), float_out)
    t16 = psnr(tflite(model, calib, "16x8")(test), float_out)
    # Plain int8 throughout, like TFLite's (the shipped int8 files of models that miss 40 dB carry
    # an int16 layer chosen by --mixed-precision; this compares the engines, not that choice).
    plain = f"{work}/{name}.int8.mote"
    subprocess.run([MOTE, "export", "--checkpoint", ck, "--out", plain, "--activations", "int8"], check=True, capture_output=True)
    m8, m8s = mote_drift(plain, ck, data)
    mixed = f"{work}/{name}.16x8.mote"
    subprocess.run([MOTE, "export", "--checkpoint", ck, "--out", mixed, "--activations", "int16", "--weights", "int8"], check=True, capture_output=True)
    m16, m16s = mote_drift(mixed, ck, data)
    rows.append((name, m8, t8, m16, t16))
    if spec["encoder"][-1]["type"] == "sampling":
        # The decoder alone on N(0, 1) latents (calibrated on N(0, 1) draws too, as Mote's is).
        latent = weights[f"decoder.{spec['decoder'][0]['name']}.kernel"].shape[0]
        z = np.random.default_rng(7).normal(size=(COUNT, latent)).astype("float32")
        zc = np.random.default_rng(8).normal(size=(1000, latent)).astype("float32")
        decoder = build(dec, (latent,), weights)
        zf = decoder.predict(z, verbose=0)
        rows.append((f"{name} decoder on N(0, 1)", m8s, psnr(tflite(decoder, zc, "int8")(z), zf), m16s, psnr(tflite(decoder, zc, "16x8")(z), zf)))
    print(f"{name}: done", file=sys.stderr, flush=True)

print(f"drift against each engine's float model (same weights), mean PSNR over {COUNT} test images")
print(f"{'model':28} {'Mote int8':>10} {'TFLite int8':>12} {'Mote 16x8':>10} {'TFLite 16x8':>12}")
for r in rows:
    print(f"{r[0]:28} {r[1]:10.2f} {r[2]:12.2f} {r[3]:10.2f} {r[4]:12.2f}")
