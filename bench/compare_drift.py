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
import contextlib, gzip, io, json, os, struct, subprocess, sys, tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers as L

MOTE = sys.argv[1]
COUNT = int(sys.argv[2])
NAMES = sys.argv[3:] or ["dense-ae", "conv-ae", "vae", "denoise-ae", "mnist-ae"]
work = tempfile.mkdtemp(prefix="mote-drift-")


def safetensors(path):
    b = open(path, "rb").read()
    n = struct.unpack_from("<Q", b)[0]
    header = json.loads(b[8:8 + n])
    meta = header.pop("__metadata__", {})
    tensors = {k: np.frombuffer(b[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]], "<f4").reshape(v["shape"])
               for k, v in header.items()}
    return tensors, meta


def idx_images(path):
    with gzip.open(path) as f:
        return np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28, 1).astype("float32") / 255


def keras_layers(specs, part, weights):
    """The spec's layers in Keras, with Mote's weights (same layouts: Dense [in, out], Conv2D
    [k, k, in, out], Conv2DTranspose [k, k, out, in]). The VAE's sampling outputs z_mean, as
    Mote's exporter and drift do."""
    out = []
    for i, s in enumerate(specs):
        t = s["type"]
        name = part + "." + s.get("name", f"{i}_{t}")
        act = s.get("activation", "linear")
        if t == "dense":
            layer = L.Dense(s["units"])
        elif t == "conv2d":
            layer = L.Conv2D(s["filters"], s.get("kernel", 3), strides=s.get("strides", 1), padding=s.get("padding", "same"))
        elif t == "conv2d_transpose":
            layer = L.Conv2DTranspose(s["filters"], s.get("kernel", 3), strides=s.get("strides", 1), padding="same")
        elif t == "maxpool":
            layer = L.MaxPooling2D(s.get("pool", 2), padding=s.get("padding", "same"))
        elif t == "resize_nearest":
            layer = L.Resizing(s["size"][0], s["size"][1], interpolation="nearest")
        elif t == "zero_pad":
            layer = L.ZeroPadding2D(s["pad"])
        elif t == "flatten":
            layer = L.Flatten()
        elif t == "reshape":
            layer = L.Reshape(tuple(s["shape"]))
        elif t == "sampling":
            layer = L.Lambda(lambda v: v[:, : v.shape[1] // 2])
        elif t in ("relu", "leaky_relu", "sigmoid"):
            layer, act = None, t
        else:
            raise SystemExit(f"{name}: layer type {t} not translated")
        if layer is not None:
            out.append((layer, name if t in ("dense", "conv2d", "conv2d_transpose") else None))
        if act == "relu":
            out.append((L.ReLU(), None))
        elif act == "leaky_relu":
            out.append((L.LeakyReLU(negative_slope=s.get("alpha", 0.3)), None))
        elif act == "sigmoid":
            out.append((L.Activation("sigmoid"), None))
    return out


def build(layers, input_shape, weights):
    model = keras.Sequential([keras.Input(input_shape)] + [l for l, _ in layers])
    for layer, name in layers:
        if name:
            layer.set_weights([weights[f"{name}.kernel"], weights[f"{name}.bias"]])
    return model


def psnr(a, b):
    mse = np.mean((a.reshape(len(a), -1).astype("float64") - b.reshape(len(b), -1)) ** 2, axis=1)
    return float(np.mean(10 * np.log10(1 / np.maximum(mse, 1e-20))))


def tflite(model, calibration, mode):
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = lambda: ([calibration[i:i + 1]] for i in range(len(calibration)))
    conv.target_spec.supported_ops = ([tf.lite.OpsSet.TFLITE_BUILTINS_INT8] if mode == "int8"
                                      else [tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8])
    with contextlib.redirect_stdout(io.StringIO()):      # the converter prints its SavedModel
        flat = conv.convert()
    interp = tf.lite.Interpreter(model_content=flat)
    interp.allocate_tensors()
    inp, out = interp.get_input_details()[0], interp.get_output_details()[0]

    def run(x):
        ys = []
        for i in range(len(x)):
            interp.set_tensor(inp["index"], x[i:i + 1])
            interp.invoke()
            ys.append(interp.get_tensor(out["index"])[0])
        return np.stack(ys)
    return run


def mote_drift(model_file, checkpoint, data):
    r = subprocess.run([MOTE, "drift", "--model", model_file, "--checkpoint", checkpoint, "--count", str(COUNT), "--data", data, "--json"],
                       capture_output=True, text=True, check=True)
    d = json.loads(r.stdout)
    return d["psnr_db"], d.get("decoder_sampled", {}).get("psnr_db")


rows = []
for name in NAMES:
    ck = f"models/{name}.safetensors"
    weights, meta = safetensors(ck)
    spec = json.loads(meta["spec"])
    mnist = spec["data"]["dataset"] == "mnist"
    data = "data/mnist" if mnist else "data/fashion-mnist-sample"
    pad, noise = spec.get("pad", 0), spec.get("noise", 0)
    # Calibration: what `mote export` uses by default (the spec's training ranges, first 1,000);
    # test: the spec's test range, first COUNT, as `mote drift --data` reads them.
    train_split = "t10k" if mnist else "train"
    calib = idx_images(f"{data}/{train_split}-images-idx3-ubyte.gz")
    calib = calib[spec["data"]["train"][0].get("start", 0):][:1000]
    test = idx_images(f"{data}/t10k-images-idx3-ubyte.gz")[spec["data"]["test"].get("start", 0):][:COUNT]
    prep = lambda x: np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0))) if pad else x
    rng = np.random.default_rng(1234)
    noisy = lambda x: np.clip(x + noise * rng.normal(size=x.shape), 0, 1).astype("float32") if noise else x
    calib, test = noisy(prep(calib)), noisy(prep(test))

    enc = keras_layers(spec["encoder"], "encoder", weights)
    dec = keras_layers(spec["decoder"], "decoder", weights)
    model = build(enc + dec, tuple(spec["input"]), weights)
    clean = prep(idx_images(f"{data}/t10k-images-idx3-ubyte.gz")[spec["data"]["test"].get("start", 0):][:COUNT])
    float_out = model.predict(test, verbose=0)
    # The independent check of the translation: Keras' float model against the clean images must
    # score what Mote's float model scores (mote eval) on the same clean test images (no noise).
    if not noise:
        ev = json.loads(subprocess.run([MOTE, "eval", "--checkpoint", ck, "--data", data, "--limit", str(COUNT), "--json"] if not mnist else
                                       [MOTE, "eval", "--checkpoint", ck, "--limit", str(COUNT), "--json"], capture_output=True, text=True, check=True).stdout)
        assert abs(psnr(float_out, clean) - ev["psnr_db"]) < 0.01, f"{name}: Keras float {psnr(float_out, clean):.3f} dB vs Mote float {ev['psnr_db']:.3f} dB"
    t8 = psnr(tflite(model, calib, "int8")(test), float_out)
    t16 = psnr(tflite(model, calib, "16x8")(test), float_out)
    m8, m8s = mote_drift(f"models/{name}.int8.mote", ck, data)
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
