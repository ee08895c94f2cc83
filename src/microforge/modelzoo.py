"""Realistic int8 combination models (MobileNetV3 block, U-Net block, audio CNN, attention block).

Each constructor runs a float network on a fixed-seed calibration batch while it builds the
graph, then post-training quantises it: per-channel symmetric weights, int32 biases, and every
activation tensor quantised to the range it reached in calibration, so the int8 model's
activations are meaningful (not saturated noise). Ops whose output quantisation TFLM dictates
(LOGISTIC, SOFTMAX) or that pass quantisation through (RESHAPE, pools, RESIZE, TRANSPOSE,
CONCATENATION) get exactly what TFLM expects.

    from microforge import modelzoo
    data = modelzoo.mobilenetv3_block()        # .tflite bytes
    modelzoo.MODELS                             # name -> constructor
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .modelgen import ModelBuilder, _conv_float, _out_quant, _ptq_weights, conv_out_size

CALIBRATION_BATCH = 16
_SOFTMAX_QUANT = (1.0 / 256.0, -128)  # TFLM fixes LOGISTIC's and SOFTMAX's int8 output to this
_ACT_FN = {"NONE": lambda v: v, "RELU": lambda v: np.maximum(v, 0.0), "RELU6": lambda v: np.clip(v, 0.0, 6.0)}


@dataclass
class _V:
    """One tensor of the network: its index in the model, its float calibration values, its quant."""
    idx: int
    f: np.ndarray  # (CALIBRATION_BATCH, *shape[1:])
    q: tuple[float, int]


class _Net:
    """Builds an int8 graph op by op while evaluating the float network on the calibration batch."""

    def __init__(self, description: str, seed: int):
        self.mb = ModelBuilder(description)
        self.rng = np.random.default_rng(seed)

    # -- helpers ------------------------------------------------------------------------------
    def _tensor(self, name: str, f: np.ndarray, q=None, act: str = "NONE") -> _V:
        if q is None:
            q = _out_quant(float(f.min()), float(f.max()), act)
        return _V(self.mb.tensor(name, (1, *f.shape[1:]), "int8", *q), f, q)

    def _he(self, shape, fan_in: int, gain: float = 1.0) -> np.ndarray:
        return self.rng.standard_normal(shape) * math.sqrt(2.0 / fan_in) * gain

    def _bias(self, n: int, sd: float = 0.1) -> np.ndarray:
        return self.rng.standard_normal(n) * sd

    # -- model edges --------------------------------------------------------------------------
    def input(self, name: str, shape, scale: float, zp: int) -> _V:
        f = self.rng.integers(-128, 128, (CALIBRATION_BATCH, *shape[1:])) * scale - zp * scale
        return _V(self.mb.input(name, shape, "int8", scale, zp), f, (scale, zp))

    def outputs(self, *vs: _V) -> bytes:
        self.mb.outputs(*(v.idx for v in vs))
        return self.mb.finish()

    # -- weighted ops -------------------------------------------------------------------------
    def conv(self, name: str, x: _V, out_c: int, kernel: int = 1, stride: int = 1,
             padding: str = "SAME", act: str = "NONE", gain: float = 1.0) -> _V:
        c = x.f.shape[-1]
        w, b = self._he((out_c, kernel, kernel, c), kernel * kernel * c, gain), self._bias(out_c)
        f = _ACT_FN[act](_conv_float(x.f, w, b, stride, padding))
        y = self._tensor(name, f, act=act)
        self.mb.op("CONV_2D", [x.idx, *_ptq_weights(self.mb, name, w, b, 0, x.q[0])], [y.idx],
                   padding=padding, stride_h=stride, stride_w=stride, fused_activation=act)
        return y

    def depthwise(self, name: str, x: _V, kernel: int = 3, stride: int = 1, padding: str = "SAME",
                  act: str = "NONE") -> _V:
        c = x.f.shape[-1]
        w, b = self._he((1, kernel, kernel, c), kernel * kernel), self._bias(c)
        f = _ACT_FN[act](_conv_float(x.f, w, b, stride, padding, depthwise=True))
        y = self._tensor(name, f, act=act)
        self.mb.op("DEPTHWISE_CONV_2D", [x.idx, *_ptq_weights(self.mb, name, w, b, 3, x.q[0])],
                   [y.idx], padding=padding, stride_h=stride, stride_w=stride, depth_multiplier=1,
                   fused_activation=act)
        return y

    def fc(self, name: str, x: _V, units: int, act: str = "NONE", keep_num_dims: bool = False,
           gain: float = 1.0) -> _V:
        depth = x.f.shape[-1]
        w, b = self._he((units, depth), depth, gain), self._bias(units)
        f = _ACT_FN[act](x.f @ w.T + b)
        if not keep_num_dims and x.f.ndim != 2:
            raise ValueError("fc without keep_num_dims takes (1, depth) inputs here")
        y = self._tensor(name, f, act=act)
        self.mb.op("FULLY_CONNECTED", [x.idx, *_ptq_weights(self.mb, name, w, b, 0, x.q[0])],
                   [y.idx], fused_activation=act, keep_num_dims=keep_num_dims)
        return y

    # -- elementwise --------------------------------------------------------------------------
    def unary(self, name: str, op: str, x: _V) -> _V:
        if op == "HARD_SWISH":
            y = self._tensor(name, x.f * np.clip(x.f + 3.0, 0.0, 6.0) / 6.0)
        elif op == "LOGISTIC":
            y = self._tensor(name, 1.0 / (1.0 + np.exp(-x.f)), _SOFTMAX_QUANT)
        else:
            raise ValueError(f"unary op {op}")
        self.mb.op(op, [x.idx], [y.idx])
        return y

    def binary(self, name: str, op: str, a: _V, b: _V, act: str = "NONE") -> _V:
        f = {"ADD": np.add, "MUL": np.multiply, "SUB": np.subtract}[op](a.f, b.f)
        y = self._tensor(name, _ACT_FN[act](f), act=act)
        self.mb.op(op, [a.idx, b.idx], [y.idx], fused_activation=act)
        return y

    def const_scalar(self, name: str, value: float) -> _V:
        """A (1,) int8 constant holding `value` exactly representable (scale |value|/127)."""
        scale = max(abs(value), 1e-6) / 127.0
        q = int(round(value / scale))
        idx = self.mb.const(name, np.array([q], np.int8), scale=scale, zero_point=0)
        return _V(idx, np.full((1,), q * scale), (scale, 0))

    def requantize(self, name: str, x: _V, q: tuple[float, int]) -> _V:
        """QUANTIZE int8 -> int8 with quantisation `q` (same real values)."""
        y = self._tensor(name, x.f, q)
        self.mb.op("QUANTIZE", [x.idx], [y.idx])
        return y

    # -- reductions, pooling, data movement ----------------------------------------------------
    def mean_hw(self, name: str, x: _V) -> _V:
        y = self._tensor(name, x.f.mean(axis=(1, 2), keepdims=True))
        self.mb.op("MEAN", [x.idx, self.mb.const(f"{name}/axes", np.array([1, 2], np.int32))],
                   [y.idx], keep_dims=True)
        return y

    def max_pool(self, name: str, x: _V, size: int = 2) -> _V:
        n, h, w, c = x.f.shape
        oh, ow = conv_out_size(h, size, size, 1, "VALID"), conv_out_size(w, size, size, 1, "VALID")
        f = x.f[:, :oh * size, :ow * size].reshape(n, oh, size, ow, size, c).max(axis=(2, 4))
        y = self._tensor(name, f, x.q)
        self.mb.op("MAX_POOL_2D", [x.idx], [y.idx], padding="VALID", stride_h=size, stride_w=size,
                   filter_h=size, filter_w=size)
        return y

    def resize_nearest(self, name: str, x: _V, factor: int = 2) -> _V:
        _, h, w, _ = x.f.shape
        y = self._tensor(name, x.f.repeat(factor, axis=1).repeat(factor, axis=2), x.q)
        size = self.mb.const(f"{name}/size", np.array([h * factor, w * factor], np.int32))
        self.mb.op("RESIZE_NEAREST_NEIGHBOR", [x.idx, size], [y.idx], align_corners=False,
                   half_pixel_centers=False)
        return y

    def concat(self, name: str, xs: list[_V], axis: int = -1) -> _V:
        y = self._tensor(name, np.concatenate([x.f for x in xs], axis=axis), xs[0].q)
        self.mb.op("CONCATENATION", [x.idx for x in xs], [y.idx], axis=axis)
        return y

    def reshape(self, name: str, x: _V, shape) -> _V:
        y = self._tensor(name, x.f.reshape(CALIBRATION_BATCH, *shape[1:]), x.q)
        self.mb.op("RESHAPE", [x.idx, self.mb.const(f"{name}/shape", np.array(shape, np.int32))],
                   [y.idx], new_shape=list(shape))
        return y

    def transpose(self, name: str, x: _V, perm) -> _V:
        y = self._tensor(name, x.f.transpose(perm), x.q)
        self.mb.op("TRANSPOSE", [x.idx, self.mb.const(f"{name}/perm", np.array(perm, np.int32))], [y.idx])
        return y

    def softmax(self, name: str, x: _V, beta: float = 1.0) -> _V:
        z = x.f * beta
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        y = self._tensor(name, e / e.sum(axis=-1, keepdims=True), _SOFTMAX_QUANT)
        self.mb.op("SOFTMAX", [x.idx], [y.idx], beta=beta)
        return y

    def batch_matmul(self, name: str, a: _V, b: _V, adj_y: bool = False) -> _V:
        rhs = np.swapaxes(b.f, -1, -2) if adj_y else b.f
        y = self._tensor(name, a.f @ rhs)
        self.mb.op("BATCH_MATMUL", [a.idx, b.idx], [y.idx], options=_batch_matmul_options(adj_y))
        return y


def _batch_matmul_options(adj_y: bool):
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema
    o = schema.BatchMatMulOptionsT()
    o.adjX, o.adjY, o.asymmetricQuantizeInputs = False, adj_y, False
    return o


# ---------------------------------------------------------------------------------------------
# The models
# ---------------------------------------------------------------------------------------------

def mobilenetv3_block(seed: int = 3, shape=(1, 12, 12, 8), expand: int = 24, se: int = 8,
                      gate: str = "LOGISTIC") -> bytes:
    """A MobileNetV3 bottleneck with squeeze-excite and a residual (input/output `shape`).

    1x1 expand CONV_2D -> HARD_SWISH -> 3x3 DEPTHWISE -> HARD_SWISH -> squeeze-excite
    (MEAN over H,W -> 1x1 CONV RELU -> 1x1 CONV -> gate -> MUL broadcast over H,W) ->
    1x1 project CONV_2D -> ADD with the block input. `gate` is "LOGISTIC" or "HARD_SIGMOID"
    (as the converter lowers it: ADD 3 -> RELU6 -> MUL 1/6).
    """
    net = _Net(f"mobilenetv3 block ({gate})", seed)
    x = net.input("input", shape, 1.0 / 64, 3)
    e = net.unary("expand/hswish", "HARD_SWISH", net.conv("expand", x, expand, 1))
    d = net.unary("dw/hswish", "HARD_SWISH", net.depthwise("dw", e, 3))
    s = net.mean_hw("se/squeeze", d)
    s = net.conv("se/reduce", s, se, 1, act="RELU")
    s = net.conv("se/expand", s, expand, 1)
    if gate == "LOGISTIC":
        g = net.unary("se/gate", "LOGISTIC", s)
    elif gate == "HARD_SIGMOID":
        g = net.binary("se/plus3", "ADD", s, net.const_scalar("se/three", 3.0), act="RELU6")
        g = net.binary("se/gate", "MUL", g, net.const_scalar("se/sixth", 1.0 / 6.0))
    else:
        raise ValueError(f"gate must be LOGISTIC or HARD_SIGMOID, got {gate}")
    d = net.binary("se/scale", "MUL", d, g)
    p = net.conv("project", d, shape[-1], 1, gain=0.5)
    return net.outputs(net.binary("residual", "ADD", x, p))


def unet_block(seed: int = 5, shape=(1, 16, 16, 4), width: int = 8, out_c: int = 3) -> bytes:
    """A U-Net level: CONV 3x3 RELU (skip) -> MAX_POOL 2x2 -> CONV 3x3 RELU -> QUANTIZE (to the
    skip's quantisation) -> RESIZE_NEAREST_NEIGHBOR x2 -> CONCATENATION(skip, up) -> CONV 3x3."""
    net = _Net("unet block", seed)
    x = net.input("input", shape, 1.0 / 100, -4)
    skip = net.conv("enc", x, width, 3, act="RELU")
    down = net.max_pool("pool", skip, 2)
    mid = net.conv("mid", down, width, 3, act="RELU")
    # CONCATENATION copies bytes, so TFLM requires its inputs to share the output's quantisation:
    # the converter gives both branches one range; do the same by requantising `mid` to `skip`'s.
    up = net.resize_nearest("up", net.requantize("mid/requant", mid, skip.q), 2)
    cat = net.concat("concat", [skip, up], axis=3)
    return net.outputs(net.conv("dec", cat, out_c, 3))


def audio_cnn(seed: int = 7, shape=(1, 49, 10, 1), classes: int = 12) -> bytes:
    """A keyword-spotting CNN over a 49x10 spectrogram: CONV 3x3 RELU -> MAX_POOL 2x2 ->
    DEPTHWISE 3x3 RELU -> CONV 1x1 RELU -> MAX_POOL 2x2 -> RESHAPE -> FC -> SOFTMAX."""
    net = _Net("audio cnn", seed)
    x = net.input("spectrogram", shape, 1.0 / 32, -128)
    h = net.conv("conv1", x, 8, 3, act="RELU")
    h = net.max_pool("pool1", h, 2)
    h = net.depthwise("dw2", h, 3, act="RELU")
    h = net.conv("pw2", h, 16, 1, act="RELU")
    h = net.max_pool("pool2", h, 2)
    flat = int(np.prod(h.f.shape[1:]))
    h = net.reshape("flatten", h, (1, flat))
    logits = net.fc("logits", h, classes, gain=0.1)
    return net.outputs(net.softmax("probs", logits))


def attention_block(seed: int = 11, tokens: int = 8, dim: int = 16, adj_y: bool = False) -> bytes:
    """Single-head self-attention with a residual over x (1, tokens, dim):

    Q, K, V = FC(x) (keep_num_dims) -> scores = BATCH_MATMUL(Q, K^T) (K^T by TRANSPOSE, or the
    adj_y option) -> SOFTMAX(beta = 1/sqrt(dim)) -> BATCH_MATMUL(P, V) -> FC -> ADD x.
    """
    net = _Net("attention block", seed)
    x = net.input("x", (1, tokens, dim), 1.0 / 40, 0)
    q = net.fc("q", x, dim, keep_num_dims=True)
    k = net.fc("k", x, dim, keep_num_dims=True)
    v = net.fc("v", x, dim, keep_num_dims=True)
    if adj_y:
        scores = net.batch_matmul("scores", q, k, adj_y=True)
    else:
        scores = net.batch_matmul("scores", q, net.transpose("k_t", k, (0, 2, 1)))
    p = net.softmax("attn", scores, beta=1.0 / math.sqrt(dim))
    ctx = net.batch_matmul("context", p, v)
    out = net.fc("proj", ctx, dim, keep_num_dims=True, gain=0.5)
    return net.outputs(net.binary("residual", "ADD", x, out))


MODELS = {
    "mobilenetv3_block": mobilenetv3_block,
    "mobilenetv3_block_hsig": lambda: mobilenetv3_block(gate="HARD_SIGMOID"),
    "unet_block": unet_block,
    "audio_cnn": audio_cnn,
    "attention_block": attention_block,
    "attention_block_adj_y": lambda: attention_block(adj_y=True),
}
"""Name -> constructor (default arguments) of every combination model."""
