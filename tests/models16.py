"""16x8 single-op test models (int16 activations, zero point 0; int8 symmetric weights; int64/int32/no bias),
built with modelgen.ModelBuilder for tests/host/test_ops_int16*.py and tests/target/test_int16*_on_target.py."""
from __future__ import annotations

import math

import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from microforge import modelgen as mg

BIAS = ("int64", "int32", "none", "none-int32")  # "none-int32": no bias, options.quantized_bias_type = INT32


def _weights(mb: mg.ModelBuilder, rng: np.random.Generator, name: str, shape, axis: int, per_channel: bool,
             in_scale: float, bias: str, bias_sd: float):
    """int8 weights (full range, per-channel spread) and the bias; returns (w, b, acc_sd, w_scales)."""
    n = shape[axis]
    bshape = [1] * len(shape)
    bshape[axis] = n
    lim = rng.integers(1, 128, n) if per_channel else np.full(n, 127)
    w = np.clip(np.round(rng.uniform(-1, 1, shape) * lim.reshape(bshape)), -127, 127).astype(np.int8)
    scales = rng.uniform(0.002, 0.02, n).astype(np.float32) if per_channel else np.full(n, np.float32(0.01))
    wi = mb.const(f"{name}/weights", w, scale=scales if per_channel else float(scales[0]),
                  zero_point=np.zeros(n, np.int64) if per_channel else 0, axis=axis)
    fan = w.size // n
    # |x| is uniform over int16: E[x^2] = 2^30 / 3
    acc_sd = math.sqrt(fan * (1 << 30) / 3 * float(np.mean(w.astype(np.float64) ** 2)) + 1.0)
    b_idx = mg.OPTIONAL
    if bias in ("int64", "int32"):
        lo, hi = (-(1 << 31), (1 << 31) - 1) if bias == "int32" else (-(1 << 40), 1 << 40)
        b = np.clip(np.round(rng.standard_normal(n) * acc_sd * bias_sd), lo, hi).astype(bias)
        b_scales = (in_scale * scales.astype(np.float64)).astype(np.float32)
        b_idx = mb.const(f"{name}/bias", b, scale=b_scales if per_channel else float(b_scales[0]),
                         zero_point=np.zeros(n, np.int64) if per_channel else 0, dtype=bias)
    return wi, b_idx, acc_sd, scales


def _out_scale(in_scale: float, w_scales: np.ndarray, acc_sd: float, spread: float) -> float:
    """An output scale that maps `spread` accumulator standard deviations onto the int16 range."""
    return float(in_scale * float(np.median(w_scales)) * acc_sd * spread / 32767)


def _options(cls, bias: str, **kw):
    o = cls()
    for k, v in kw.items():
        setattr(o, k, v)
    if bias == "none-int32":
        o.quantizedBiasType = schema.TensorType.INT32
    return o


def conv2d_s16(seed, in_shape, out_c: int, kernel=3, stride=1, padding="SAME", dilation=1, act="NONE",
               per_channel=True, bias="int64", in_scale=0.001, spread=3.0, bias_sd=0.5) -> bytes:
    """One 16x8 CONV_2D."""
    rng = np.random.default_rng(seed)
    (kh, kw), (sh, sw), (dh, dw) = mg._pair(kernel), mg._pair(stride), mg._pair(dilation)
    n, h, w, c = in_shape
    oh, ow = mg.conv_out_size(h, kh, sh, dh, padding), mg.conv_out_size(w, kw, sw, dw, padding)
    mb = mg.ModelBuilder("conv2d 16x8")
    x = mb.input("input", in_shape, "int16", in_scale, 0)
    wi, bi, sd, ws = _weights(mb, rng, "conv", (out_c, kh, kw, c), 0, per_channel, in_scale, bias, bias_sd)
    y = mb.tensor("output", (n, oh, ow, out_c), "int16", _out_scale(in_scale, ws, sd, spread), 0)
    o = _options(schema.Conv2DOptionsT, bias, padding=mg._PADDING[padding], strideH=sh, strideW=sw,
                 dilationHFactor=dh, dilationWFactor=dw, fusedActivationFunction=mg._ACTIVATION[act])
    mb.op("CONV_2D", [x, wi, bi], [y], options=o)
    mb.outputs(y)
    return mb.finish()


def depthwise_s16(seed, in_shape, depth_multiplier=1, kernel=3, stride=1, padding="SAME", dilation=1, act="NONE",
                  per_channel=True, bias="int64", in_scale=0.001, spread=3.0, bias_sd=0.5) -> bytes:
    """One 16x8 DEPTHWISE_CONV_2D (TFLM reads its bias as int64)."""
    rng = np.random.default_rng(seed)
    (kh, kw), (sh, sw), (dh, dw) = mg._pair(kernel), mg._pair(stride), mg._pair(dilation)
    n, h, w, c = in_shape
    oc = c * depth_multiplier
    oh, ow = mg.conv_out_size(h, kh, sh, dh, padding), mg.conv_out_size(w, kw, sw, dw, padding)
    mb = mg.ModelBuilder("depthwise 16x8")
    x = mb.input("input", in_shape, "int16", in_scale, 0)
    wi, bi, sd, ws = _weights(mb, rng, "dw", (1, kh, kw, oc), 3, per_channel, in_scale, bias, bias_sd)
    y = mb.tensor("output", (n, oh, ow, oc), "int16", _out_scale(in_scale, ws, sd, spread), 0)
    o = _options(schema.DepthwiseConv2DOptionsT, "int64", padding=mg._PADDING[padding], strideH=sh, strideW=sw,
                 dilationHFactor=dh, dilationWFactor=dw, depthMultiplier=depth_multiplier,
                 fusedActivationFunction=mg._ACTIVATION[act])
    mb.op("DEPTHWISE_CONV_2D", [x, wi] if bi == mg.OPTIONAL else [x, wi, bi], [y], options=o)
    mb.outputs(y)
    return mb.finish()


def fc_s16(seed, in_shape, units: int, act="NONE", per_channel=False, bias="int64", keep_num_dims=False,
           in_scale=0.001, spread=3.0, bias_sd=0.5) -> bytes:
    """One 16x8 FULLY_CONNECTED over the last axis of `in_shape`."""
    rng = np.random.default_rng(seed)
    depth = in_shape[-1]
    out_shape = (*in_shape[:-1], units) if keep_num_dims else (int(np.prod(in_shape)) // depth, units)
    mb = mg.ModelBuilder("fully_connected 16x8")
    x = mb.input("input", in_shape, "int16", in_scale, 0)
    wi, bi, sd, ws = _weights(mb, rng, "fc", (units, depth), 0, per_channel, in_scale, bias, bias_sd)
    y = mb.tensor("output", out_shape, "int16", _out_scale(in_scale, ws, sd, spread), 0)
    o = _options(schema.FullyConnectedOptionsT, bias, fusedActivationFunction=mg._ACTIVATION[act],
                 keepNumDims=keep_num_dims)
    mb.op("FULLY_CONNECTED", [x, wi, bi], [y], options=o)
    mb.outputs(y)
    return mb.finish()


def transpose_conv_s16(seed, in_shape, out_c: int, kernel=3, stride=2, padding="SAME", act="NONE", per_channel=True,
                       bias="int64", out_hw=None, shape_input=False, in_scale=0.001, spread=3.0, bias_sd=0.5) -> bytes:
    """One 16x8 TRANSPOSE_CONV (bias "int64", "int16" or "none"). The output extent defaults to what the converter
    writes (in*stride for SAME, (in-1)*stride + kernel for VALID); shape_input: the output-shape operand is a graph
    input instead of a constant (as in TFLM's seanet model; TFLM never reads it)."""
    rng = np.random.default_rng(seed)
    (kh, kw), (sh, sw) = mg._pair(kernel), mg._pair(stride)
    n, h, w, c = in_shape
    if out_hw is None:
        out_hw = (h * sh, w * sw) if padding == "SAME" else ((h - 1) * sh + kh, (w - 1) * sw + kw)
    out_shape = (n, *out_hw, out_c)
    mb = mg.ModelBuilder("transpose_conv 16x8")
    shape = (mb.input("output_shape", (4,), "int32") if shape_input
             else mb.const("output_shape", np.asarray(out_shape, np.int32)))
    x = mb.input("input", in_shape, "int16", in_scale, 0)
    wi, bi, sd, ws = _weights(mb, rng, "tconv", (out_c, kh, kw, c), 0, per_channel, in_scale,
                              "none" if bias == "int16" else bias, bias_sd)
    sd = sd / math.sqrt(min(sh, kh) * min(sw, kw))  # an output element takes about 1/(sh*sw) of the filter's taps
    if bias == "int16":
        b_scales = (in_scale * ws.astype(np.float64)).astype(np.float32)
        bi = mb.const("tconv/bias", rng.integers(-32768, 32768, out_c).astype(np.int16),
                      scale=b_scales if per_channel else float(b_scales[0]),
                      zero_point=np.zeros(out_c, np.int64) if per_channel else 0, dtype="int16")
    y = mb.tensor("output", out_shape, "int16", _out_scale(in_scale, ws, sd, spread), 0)
    mb.op("TRANSPOSE_CONV", [shape, wi, x] if bi == mg.OPTIONAL else [shape, wi, x, bi], [y], padding=padding,
          stride_h=sh, stride_w=sw, fused_activation=act)
    mb.outputs(y)
    return mb.finish()


def batch_matmul_s16(seed, lhs_shape, rhs_shape, adj_x=False, adj_y=False, const_rhs=False, scales=(0.001, 0.002),
                     spread=3.0) -> bytes:
    """One int16 x int16 -> int16 BATCH_MATMUL (zero points 0, as TFLM requires); batch dims broadcast; the rhs
    may be a constant. The output scale maps `spread` standard deviations of the sum onto the int16 range."""
    rng = np.random.default_rng(seed)
    depth, out_shape = mg.batch_matmul_shape(lhs_shape, rhs_shape, adj_x, adj_y)
    mb = mg.ModelBuilder("batch_matmul int16")
    a = mb.input("lhs", lhs_shape, "int16", scales[0], 0)
    b = (mb.const("rhs", rng.integers(-32768, 32768, rhs_shape).astype(np.int16), scale=scales[1], zero_point=0)
         if const_rhs else mb.input("rhs", rhs_shape, "int16", scales[1], 0))
    sd = math.sqrt(depth) * (1 << 30) / 3   # uniform int16 operands: E[x^2] = 2^30 / 3
    y = mb.tensor("output", out_shape, "int16", float(scales[0] * scales[1] * sd * spread / 32767), 0)
    mb.op("BATCH_MATMUL", [a, b], [y], adj_x=adj_x, adj_y=adj_y)
    mb.outputs(y)
    return mb.finish()


def softmax_s8_s16_model(shape, then: str, in_scale=0.07, out_scale=1.5259022e-05) -> bytes:
    """TFLM's keyword benchmark tail: int8 SOFTMAX -> int16 (zero point -32768, scale ~1/65536), then `then`:
    QUANTIZE to int32 (as that model ends) or to int8 / int16, DEQUANTIZE to float32, or nothing (the int16
    tensor is the output)."""
    mb = mg.ModelBuilder(f"softmax s8->s16 then {then}")
    x = mb.input("input", shape, "int8", in_scale, 2)
    s = mb.tensor("probs", shape, "int16", out_scale, -32768)
    mb.op("SOFTMAX", [x], [s], beta=1.0)
    if then == "none":
        mb.outputs(s)
        return mb.finish()
    dtype, q = {"int32": ("int32", (3.051851e-05, 0)), "int8": ("int8", (1 / 256, -128)),
                "int16": ("int16", (1 / 32768, 0)), "float32": ("float32", (None, None))}[then]
    y = mb.tensor("output", shape, dtype, *q)
    mb.op("DEQUANTIZE" if then == "float32" else "QUANTIZE", [s], [y])
    mb.outputs(y)
    return mb.finish()


def chain_s16(seed=0, in_shape=(1, 9, 8, 5), in_scale=0.001) -> bytes:
    """CONV_2D 3x3 -> DEPTHWISE_CONV_2D stride 2 -> CONV_2D 1x1 -> FULLY_CONNECTED, all 16x8: the planner
    places several int16 tensors (2 bytes each) and may overlap outputs with dying inputs."""
    rng = np.random.default_rng(seed)
    mb = mg.ModelBuilder("chain 16x8")
    n, h, w, c = in_shape
    x = mb.input("input", in_shape, "int16", in_scale, 0)

    def conv(x, scale, shape, out_c, k, op, stride=1, bias="int64"):
        n, h, w, c = shape
        oh, ow = mg.conv_out_size(h, k, stride, 1, "SAME"), mg.conv_out_size(w, k, stride, 1, "SAME")
        if op == "CONV_2D":
            wi, bi, sd, ws = _weights(mb, rng, f"conv{len(mb._operators)}", (out_c, k, k, c), 0, True, scale, bias, 0.5)
            o = _options(schema.Conv2DOptionsT, bias, padding=mg._PADDING["SAME"], strideH=stride, strideW=stride,
                         dilationHFactor=1, dilationWFactor=1)
        else:
            wi, bi, sd, ws = _weights(mb, rng, f"dw{len(mb._operators)}", (1, k, k, out_c), 3, True, scale, bias, 0.5)
            o = _options(schema.DepthwiseConv2DOptionsT, bias, padding=mg._PADDING["SAME"], strideH=stride,
                         strideW=stride, dilationHFactor=1, dilationWFactor=1, depthMultiplier=out_c // c)
        out_scale = _out_scale(scale, ws, sd, 2.0)
        y = mb.tensor(f"t{len(mb._operators)}", (n, oh, ow, out_c), "int16", out_scale, 0)
        mb.op(op, [x, wi, bi], [y], options=o)
        return y, out_scale, (n, oh, ow, out_c)

    t, s, shape = conv(x, in_scale, in_shape, 7, 3, "CONV_2D")
    t, s, shape = conv(t, s, shape, 14, 3, "DEPTHWISE_CONV_2D", stride=2)
    t, s, shape = conv(t, s, shape, 6, 1, "CONV_2D", bias="int32")
    flat = int(np.prod(shape[1:]))
    wi, bi, sd, ws = _weights(mb, rng, "fc", (10, flat), 0, False, s, "int64", 0.5)
    y = mb.tensor("output", (n, 10), "int16", _out_scale(s, ws, sd, 2.0), 0)
    mb.op("FULLY_CONNECTED", [t, wi, bi], [y], options=_options(schema.FullyConnectedOptionsT, "int64"))
    mb.outputs(y)
    return mb.finish()


def binary_s16(op: str, shape1, shape2, scales=(0.001, 0.0007), out_scale=0.0015, act: str | None = "NONE") -> bytes:
    """One int16 ADD / SUB / MUL (or, with act None: MAXIMUM, MINIMUM, SQUARED_DIFFERENCE) of two inputs (NumPy
    broadcasting), zero points 0."""
    mb = mg.ModelBuilder(f"{op.lower()} int16")
    a = mb.input("input1", shape1, "int16", scales[0], 0)
    b = mb.input("input2", shape2, "int16", scales[1], 0)
    y = mb.tensor("output", np.broadcast_shapes(tuple(shape1), tuple(shape2)), "int16", out_scale, 0)
    mb.op(op, [a, b], [y], **({} if act is None else dict(fused_activation=act)))
    mb.outputs(y)
    return mb.finish()


def quantize_s16(shape, in_dtype: str, out_dtype: str, in_q=(0.01, 0), out_q=(0.0003, 0), op: str = "QUANTIZE") -> bytes:
    """One QUANTIZE (float32/int8/int16 -> int8/int16) or DEQUANTIZE (int16 -> float32); int16 zero points are 0."""
    mb = mg.ModelBuilder(f"{op.lower()} {in_dtype}->{out_dtype}")
    x = mb.input("input", shape, in_dtype, *(in_q if in_dtype != "float32" else (None, None)))
    y = mb.tensor("output", shape, out_dtype, *(out_q if out_dtype != "float32" else (None, None)))
    mb.op(op, [x], [y])
    mb.outputs(y)
    return mb.finish()


def softmax_s16(shape, in_scale: float, beta: float = 1.0) -> bytes:
    """One int16 -> int16 SOFTMAX (output scale 1/32768, zero points 0: what TFLM requires)."""
    mb = mg.ModelBuilder("softmax int16")
    x = mb.input("input", shape, "int16", in_scale, 0)
    y = mb.tensor("output", shape, "int16", 1 / 32768, 0)
    mb.op("SOFTMAX", [x], [y], beta=beta)
    mb.outputs(y)
    return mb.finish()


def unary_s16(op: str, shape, in_scale: float, out_scale: float = 2.0 ** -15, **options) -> bytes:
    """One int16 elementwise op (LOGISTIC, TANH, RELU, RELU6, LEAKY_RELU with alpha=...), zero points 0."""
    mb = mg.ModelBuilder(f"{op.lower()} int16")
    x = mb.input("input", shape, "int16", in_scale, 0)
    y = mb.tensor("output", shape, "int16", out_scale, 0)
    mb.op(op, [x], [y], **options)
    mb.outputs(y)
    return mb.finish()


def prelu_s16(seed, in_shape, alpha_shape, in_scale=0.001, alpha_scale=0.004, alpha_zp=0, out_scale=0.0008) -> bytes:
    """One 16x8 PRELU: int16 input and output (zero points 0), a random constant int8 alpha (TFLM requires int8)."""
    rng = np.random.default_rng(seed)
    mb = mg.ModelBuilder("prelu 16x8")
    x = mb.input("input", in_shape, "int16", in_scale, 0)
    a = mb.const("alpha", rng.integers(-128, 128, alpha_shape, dtype=np.int8), alpha_scale, alpha_zp)
    y = mb.tensor("output", in_shape, "int16", out_scale, 0)
    mb.op("PRELU", [x, a], [y])
    mb.outputs(y)
    return mb.finish()
