"""Mote's checkpoints rebuilt in Keras and converted by TFLite: the shared half of
bench/compare_drift.py and bench/compare_runtime.py.

Each model is rebuilt from the spec stored in its checkpoint (a second, independent
implementation of the spec's layers) with the same weights.
"""
import contextlib, gzip, io, json, os, struct

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers as L


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


def convert(model, calibration, mode, integer_io=False):
    """The TFLite flatbuffer of `model`: "float", "int8" or "16x8", calibrated on `calibration`.
    integer_io: int8 input and output tensors too (no quantize / dequantize ops at the ends)."""
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    if mode != "float":
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.representative_dataset = lambda: ([calibration[i:i + 1]] for i in range(len(calibration)))
        conv.target_spec.supported_ops = ([tf.lite.OpsSet.TFLITE_BUILTINS_INT8] if mode == "int8"
                                          else [tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8])
        if integer_io and mode == "int8":
            conv.inference_input_type = conv.inference_output_type = tf.int8
    with contextlib.redirect_stdout(io.StringIO()):      # the converter prints its SavedModel
        return conv.convert()


def tflite(model, calibration, mode):
    """A function running the quantized model on a batch of float inputs, one at a time."""
    interp = tf.lite.Interpreter(model_content=convert(model, calibration, mode))
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


class Twin:
    """One shipped model (models/NAME.safetensors) rebuilt in Keras, with the images Mote uses:
    calibration as `mote export` takes them by default (the spec's training range, first 1,000),
    test images as `mote drift --data` reads them (the spec's test range, first `count`), both
    padded and, for a denoiser, noisy (seed 1234) as the spec says."""

    def __init__(self, name, count):
        self.name, self.checkpoint = name, f"models/{name}.safetensors"
        self.weights, meta = safetensors(self.checkpoint)
        self.spec = spec = json.loads(meta["spec"])
        self.mnist = spec["data"]["dataset"] == "mnist"
        self.data = data = "data/mnist" if self.mnist else "data/fashion-mnist-sample"
        pad, self.noise = spec.get("pad", 0), spec.get("noise", 0)
        train_split = "t10k" if self.mnist else "train"
        calib = idx_images(f"{data}/{train_split}-images-idx3-ubyte.gz")[spec["data"]["train"][0].get("start", 0):][:1000]
        test = idx_images(f"{data}/t10k-images-idx3-ubyte.gz")[spec["data"]["test"].get("start", 0):][:count]
        prep = lambda x: np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0))) if pad else x
        rng = np.random.default_rng(1234)
        noisy = lambda x: np.clip(x + self.noise * rng.normal(size=x.shape), 0, 1).astype("float32") if self.noise else x
        self.clean = prep(test)
        self.calibration, self.test = noisy(prep(calib)), noisy(prep(test))
        self.encoder_layers = keras_layers(spec["encoder"], "encoder", self.weights)
        self.decoder_layers = keras_layers(spec["decoder"], "decoder", self.weights)
        self.model = build(self.encoder_layers + self.decoder_layers, tuple(spec["input"]), self.weights)
