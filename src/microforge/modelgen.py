"""Build small int8 .tflite models with the TFLite schema object API (bundled example, tests)."""
from __future__ import annotations

import math
from collections.abc import Sequence

import flatbuffers
import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

OPTIONAL = -1
"""Tensor index of an omitted optional input (e.g. a FULLY_CONNECTED without bias)."""

_DTYPES = {
    "int8": (schema.TensorType.INT8, np.int8),
    "uint8": (schema.TensorType.UINT8, np.uint8),
    "int16": (schema.TensorType.INT16, np.int16),
    "int32": (schema.TensorType.INT32, np.int32),
    "int64": (schema.TensorType.INT64, np.int64),
    "float32": (schema.TensorType.FLOAT32, np.float32),
    "bool": (schema.TensorType.BOOL, np.bool_),
}
_PADDING = {"SAME": schema.Padding.SAME, "VALID": schema.Padding.VALID}
_ACTIVATION = {
    "NONE": schema.ActivationFunctionType.NONE,
    "RELU": schema.ActivationFunctionType.RELU,
    "RELU_N1_TO_1": schema.ActivationFunctionType.RELU_N1_TO_1,
    "RELU6": schema.ActivationFunctionType.RELU6,
    "TANH": schema.ActivationFunctionType.TANH,   # LSTM's cell gate activation
}
_ACT_RANGE = {"NONE": (-math.inf, math.inf), "RELU": (0.0, math.inf),
              "RELU_N1_TO_1": (-1.0, 1.0), "RELU6": (0.0, 6.0)}


# ---------------------------------------------------------------------------------------------
# Builtin options, by op name: keyword arguments -> schema *OptionsT object
# ---------------------------------------------------------------------------------------------

def _conv_options(padding="SAME", stride_h=1, stride_w=1, dilation_h=1, dilation_w=1,
                  fused_activation="NONE"):
    o = schema.Conv2DOptionsT()
    o.padding, o.strideH, o.strideW = _PADDING[padding], stride_h, stride_w
    o.dilationHFactor, o.dilationWFactor = dilation_h, dilation_w
    o.fusedActivationFunction = _ACTIVATION[fused_activation]
    return o


def _depthwise_options(padding="SAME", stride_h=1, stride_w=1, dilation_h=1, dilation_w=1,
                       depth_multiplier=1, fused_activation="NONE"):
    o = schema.DepthwiseConv2DOptionsT()
    o.padding, o.strideH, o.strideW = _PADDING[padding], stride_h, stride_w
    o.dilationHFactor, o.dilationWFactor = dilation_h, dilation_w
    o.depthMultiplier = depth_multiplier
    o.fusedActivationFunction = _ACTIVATION[fused_activation]
    return o


def _fc_options(fused_activation="NONE", keep_num_dims=False):
    o = schema.FullyConnectedOptionsT()
    o.fusedActivationFunction = _ACTIVATION[fused_activation]
    o.keepNumDims = keep_num_dims
    return o


def _pool_options(padding="VALID", stride_h=1, stride_w=1, filter_h=2, filter_w=2,
                  fused_activation="NONE"):
    o = schema.Pool2DOptionsT()
    o.padding, o.strideH, o.strideW = _PADDING[padding], stride_h, stride_w
    o.filterHeight, o.filterWidth = filter_h, filter_w
    o.fusedActivationFunction = _ACTIVATION[fused_activation]
    return o


def _add_options(fused_activation="NONE"):
    o = schema.AddOptionsT()
    o.fusedActivationFunction = _ACTIVATION[fused_activation]
    return o


def _reducer_options(keep_dims=False):
    o = schema.ReducerOptionsT()
    o.keepDims = keep_dims
    return o


def _reshape_options(new_shape=None):
    if new_shape is None:
        return None
    o = schema.ReshapeOptionsT()
    o.newShape = [int(d) for d in new_shape]
    return o


def _softmax_options(beta=1.0):
    o = schema.SoftmaxOptionsT()
    o.beta = float(beta)
    return o


_OPTIONS = {
    "CONV_2D": _conv_options,
    "DEPTHWISE_CONV_2D": _depthwise_options,
    "FULLY_CONNECTED": _fc_options,
    "ADD": _add_options,
    "AVERAGE_POOL_2D": _pool_options,
    "MAX_POOL_2D": _pool_options,
    "MEAN": _reducer_options,
    "PAD": lambda: schema.PadOptionsT(),
    "PADV2": lambda: schema.PadV2OptionsT(),
    "RESHAPE": _reshape_options,
    "SOFTMAX": _softmax_options,
    "QUANTIZE": lambda: None,
    "DEQUANTIZE": lambda: None,
}


# Other builtins: keyword arguments in snake_case set the schema object's camelCase fields
# (fused_activation takes an activation name, mode a MirrorPadMode name).
_GENERIC_OPTIONS = {
    "SUB": "SubOptionsT", "MUL": "MulOptionsT", "LEAKY_RELU": "LeakyReluOptionsT",
    "CONCATENATION": "ConcatenationOptionsT", "SQUEEZE": "SqueezeOptionsT", "STRIDED_SLICE": "StridedSliceOptionsT",
    "SPLIT": "SplitOptionsT", "SPLIT_V": "SplitVOptionsT", "PACK": "PackOptionsT", "UNPACK": "UnpackOptionsT",
    "RESIZE_NEAREST_NEIGHBOR": "ResizeNearestNeighborOptionsT", "RESIZE_BILINEAR": "ResizeBilinearOptionsT",
    "DEPTH_TO_SPACE": "DepthToSpaceOptionsT", "SPACE_TO_DEPTH": "SpaceToDepthOptionsT",
    "MIRROR_PAD": "MirrorPadOptionsT", "SUM": "ReducerOptionsT", "REDUCE_MAX": "ReducerOptionsT",
    "REDUCE_MIN": "ReducerOptionsT", "ARG_MAX": "ArgMaxOptionsT", "ARG_MIN": "ArgMinOptionsT",
    "GATHER": "GatherOptionsT",
    "LOG_SOFTMAX": "LogSoftmaxOptionsT", "SHAPE": "ShapeOptionsT",
    "TRANSPOSE_CONV": "TransposeConvOptionsT", "BATCH_MATMUL": "BatchMatMulOptionsT", "SVDF": "SVDFOptionsT",
    "UNIDIRECTIONAL_SEQUENCE_LSTM": "UnidirectionalSequenceLSTMOptionsT",
}


def _generic_options(name: str, **kwargs):
    o = getattr(schema, _GENERIC_OPTIONS[name])()
    for key, value in kwargs.items():
        if key == "fused_activation":
            key, value = "fusedActivationFunction", _ACTIVATION[value]
        elif key == "mode":
            value = getattr(schema.MirrorPadMode, value)
        elif key == "padding":
            value = _PADDING[value]
        field = key.split("_")[0] + "".join(w.title() for w in key.split("_")[1:])
        if not hasattr(o, field):
            raise TypeError(f"{name} has no option {key}")
        setattr(o, field, value)
    return o


def _options_type(options) -> int:
    """BuiltinOptions union tag of a schema options object (class FooOptionsT -> tag FooOptions)."""
    return getattr(schema.BuiltinOptions, type(options).__name__.removesuffix("T"))


class _AlignedBufferT(schema.BufferT):
    """A BufferT whose data starts on a 16-byte boundary, as the TFLite converter writes it."""

    def Pack(self, builder):
        payload = np.ascontiguousarray(self.data).tobytes()
        builder.StartVector(1, len(payload), 16)
        builder.head = builder.head - len(payload)
        builder.Bytes[builder.head:builder.head + len(payload)] = payload
        builder.vectorNumElems = len(payload)
        data = builder.EndVector()
        schema.BufferStart(builder)
        schema.BufferAddData(builder, data)
        return schema.BufferEnd(builder)


def _quantization(scale, zero_point, axis: int):
    if scale is None:
        return None
    scale = np.atleast_1d(np.asarray(scale, dtype=np.float32))
    zp = np.zeros(scale.shape, np.int64) if zero_point is None else np.atleast_1d(zero_point)
    if zp.size == 1 and scale.size > 1:
        zp = np.full(scale.shape, int(zp[0]))
    if zp.size != scale.size:
        raise ValueError(f"{scale.size} scales but {zp.size} zero points")
    q = schema.QuantizationParametersT()
    q.scale = [float(s) for s in scale]
    q.zeroPoint = [int(z) for z in zp]
    q.quantizedDimension = int(axis) if scale.size > 1 else 0
    return q


class ModelBuilder:
    """Incrementally builds a single-subgraph TFLite model; tensors are referred to by index.

    >>> mb = ModelBuilder()
    >>> x = mb.input("x", (1, 4), "int8", scale=0.1, zero_point=0)
    >>> y = mb.tensor("y", (1, 4), "int8", scale=0.1, zero_point=0)
    >>> _ = mb.op("RESHAPE", [x], [y], new_shape=[1, 4])
    >>> mb.outputs(y)
    >>> data = mb.finish()
    """

    def __init__(self, description: str = "microforge modelgen"):
        self.description = description
        self._tensors: list[schema.TensorT] = []
        self._buffers: list[schema.BufferT] = [schema.BufferT()]  # buffer 0: the empty sentinel
        self._operators: list[schema.OperatorT] = []
        self._opcodes: list[schema.OperatorCodeT] = []
        self._opcode_index: dict[int, int] = {}  # builtin code -> index in self._opcodes
        self._inputs: list[int] = []
        self._outputs: list[int] = []

    def tensor(self, name: str, shape: Sequence[int], dtype: str = "int8", scale=None,
               zero_point=None, axis: int = 0) -> int:
        """Add an activation tensor; `scale`/`zero_point` scalar (per-tensor) or arrays (per-axis)."""
        t = schema.TensorT()
        t.name = name
        t.shape = [int(d) for d in shape]
        t.type = _DTYPES[dtype][0]
        t.buffer = 0
        t.quantization = _quantization(scale, zero_point, axis)
        self._tensors.append(t)
        return len(self._tensors) - 1

    def input(self, name: str, shape: Sequence[int], dtype: str = "int8", scale=None,
              zero_point=None) -> int:
        """Add a model input tensor."""
        idx = self.tensor(name, shape, dtype, scale, zero_point)
        self._inputs.append(idx)
        return idx

    def const(self, name: str, data, scale=None, zero_point=None, axis: int = 0,
              dtype: str | None = None) -> int:
        """Add a constant tensor holding `data` (dtype taken from the array unless given)."""
        data = np.asarray(data)
        if dtype is None:
            dtype = next(k for k, (_, npt) in _DTYPES.items() if np.dtype(npt) == data.dtype)
        data = np.ascontiguousarray(data.astype(_DTYPES[dtype][1]))
        idx = self.tensor(name, data.shape, dtype, scale, zero_point, axis)
        self._buffers.append(_AlignedBufferT(data=data.reshape(-1).view(np.uint8)))
        self._tensors[idx].buffer = len(self._buffers) - 1
        return idx

    def op(self, name: str, inputs: Sequence[int], outputs: Sequence[int], options=None,
           **kwargs) -> int:
        """Add builtin op `name` (e.g. "CONV_2D"); options as a schema object or keyword arguments.

        Use OPTIONAL (-1) for an omitted optional input.
        """
        code = getattr(schema.BuiltinOperator, name)
        if options is None and name not in _OPTIONS and kwargs and name in _GENERIC_OPTIONS:
            options = _generic_options(name, **kwargs)
            kwargs = {}
        if options is None:
            if name not in _OPTIONS:
                if kwargs:
                    raise TypeError(f"no keyword options known for {name}; pass an options object")
            else:
                options = _OPTIONS[name](**kwargs)
        elif kwargs:
            raise TypeError("pass either an options object or keyword options, not both")
        if code not in self._opcode_index:
            oc = schema.OperatorCodeT()
            oc.builtinCode = code
            oc.deprecatedBuiltinCode = min(code, 127)
            oc.version = 1
            self._opcode_index[code] = len(self._opcodes)
            self._opcodes.append(oc)
        o = schema.OperatorT()
        o.opcodeIndex = self._opcode_index[code]
        o.inputs = [int(i) for i in inputs]
        o.outputs = [int(i) for i in outputs]
        if options is not None:
            o.builtinOptionsType = _options_type(options)
            o.builtinOptions = options
        self._operators.append(o)
        return len(self._operators) - 1

    def outputs(self, *tensors: int) -> None:
        """Mark tensors as model outputs, in order."""
        self._outputs.extend(int(t) for t in tensors)

    def finish(self) -> bytes:
        """Serialise the model to .tflite bytes."""
        sg = schema.SubGraphT()
        sg.tensors, sg.operators = self._tensors, self._operators
        sg.inputs, sg.outputs = self._inputs, self._outputs
        sg.name = "main"
        m = schema.ModelT()
        m.version = 3
        m.operatorCodes = self._opcodes
        m.subgraphs = [sg]
        m.description = self.description
        m.buffers = self._buffers
        builder = flatbuffers.Builder(1024)
        builder.Finish(m.Pack(builder), file_identifier=b"TFL3")
        return bytes(builder.Output())


# ---------------------------------------------------------------------------------------------
# Quantisation helpers
# ---------------------------------------------------------------------------------------------

def conv_out_size(n: int, kernel: int, stride: int, dilation: int, padding: str) -> int:
    """Output extent of a convolution/pool window along one axis (TFLite rules)."""
    effective = (kernel - 1) * dilation + 1
    if padding == "SAME":
        return (n + stride - 1) // stride
    return (n - effective + stride) // stride


def _uniform_stats(scale: float, zp: int) -> tuple[float, float]:
    """Mean and variance of the real value of a uniformly random int8 tensor."""
    return (-0.5 - zp) * scale, scale * scale * (256 * 256 - 1) / 12


def _out_quant(lo: float, hi: float, act: str = "NONE", zp: int | None = None):
    """(scale, zero_point) covering real range [lo, hi] clipped by the fused activation."""
    a_lo, a_hi = _ACT_RANGE[act]
    lo, hi = max(lo, a_lo), min(hi, a_hi)
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    if hi - lo < 1e-6:
        hi = lo + 1e-3
    if zp is None:
        scale = (hi - lo) / 255.0
        zp = int(np.clip(round(-128 - lo / scale), -128, 127))
        return scale, zp
    cands = []
    if hi > 0 and zp < 127:
        cands.append(hi / (127 - zp))
    if lo < 0 and zp > -128:
        cands.append(lo / (-128 - zp))
    scale = max(cands) if cands else (hi - lo) / 255.0
    return scale, int(zp)


def _quantize_weights(rng: np.random.Generator, shape, axis: int, per_channel: bool, fan_in: int):
    """Symmetric int8 weights with per-channel spread; returns (w_q int8, w_real, scales)."""
    n = shape[axis]
    sigma = math.sqrt(2.0 / fan_in) * rng.uniform(0.3, 1.5, n)
    bshape = [1] * len(shape)
    bshape[axis] = n
    w = rng.standard_normal(shape) * sigma.reshape(bshape)
    reduce_axes = tuple(i for i in range(len(shape)) if i != axis)
    if per_channel:
        scales = np.maximum(np.abs(w).max(axis=reduce_axes), 1e-8) / 127.0
    else:
        scales = np.full(n, max(np.abs(w).max(), 1e-8) / 127.0)
    w_q = np.clip(np.round(w / scales.reshape(bshape)), -127, 127).astype(np.int8)
    w_real = w_q.astype(np.float64) * scales.reshape(bshape)
    return w_q, w_real, scales.astype(np.float32)


def _add_weighted(mb: ModelBuilder, rng, name: str, w_shape, axis: int, per_channel: bool,
                  fan_in: int, in_scale: float, in_zp: int, bias: bool, spread: float = 2.0):
    """Add weight (+ bias) constants; return (w_idx, b_idx, lo, hi) of the expected real output."""
    w_q, w_real, w_scales = _quantize_weights(rng, w_shape, axis, per_channel, fan_in)
    n = w_shape[axis]
    reduce_axes = tuple(i for i in range(len(w_shape)) if i != axis)
    mean_x, var_x = _uniform_stats(in_scale, in_zp)
    mean = mean_x * w_real.sum(axis=reduce_axes)
    sd = np.sqrt(var_x * (w_real ** 2).sum(axis=reduce_axes))
    w_idx = mb.const(f"{name}/weights", w_q, scale=w_scales if per_channel else w_scales[0],
                     zero_point=np.zeros(n, np.int64) if per_channel else 0, axis=axis)
    b_idx = OPTIONAL
    if bias:
        b_scales = (in_scale * w_scales.astype(np.float64)).astype(np.float32)
        b_real = rng.standard_normal(n) * sd * 0.5
        b_q = np.clip(np.round(b_real / b_scales), -(2**31) + 1, 2**31 - 1).astype(np.int32)
        mean = mean + b_q * b_scales
        b_idx = mb.const(f"{name}/bias", b_q, scale=b_scales if per_channel else b_scales[0],
                         zero_point=np.zeros(n, np.int64) if per_channel else 0)
    # A typical channel stays within `spread` standard deviations; the widest channels saturate.
    lo = float(np.percentile(mean - spread * sd, 25))
    hi = float(np.percentile(mean + spread * sd, 75))
    return w_idx, b_idx, lo, hi


def _rng(rng) -> np.random.Generator:
    """A Generator from a seed or a Generator (passed through)."""
    return np.random.default_rng(rng)


def _pair(v) -> tuple[int, int]:
    return (int(v), int(v)) if np.isscalar(v) else (int(v[0]), int(v[1]))


# ---------------------------------------------------------------------------------------------
# Single-op test models
# ---------------------------------------------------------------------------------------------

def conv2d_model(rng=0, in_shape=(1, 8, 8, 3), out_c: int = 4, kernel=(3, 3), stride=(1, 1),
                 padding: str = "SAME", dilation=(1, 1), act: str = "NONE",
                 per_channel: bool = True, in_scale: float = 0.02, in_zp: int = -3,
                 out_zp: int | None = None, bias: bool = True) -> bytes:
    """One int8 CONV_2D (OHWI weights, int32 bias)."""
    rng = _rng(rng)
    (kh, kw), (sh, sw), (dh, dw) = _pair(kernel), _pair(stride), _pair(dilation)
    n, h, w, c = in_shape
    oh, ow = conv_out_size(h, kh, sh, dh, padding), conv_out_size(w, kw, sw, dw, padding)
    mb = ModelBuilder("conv2d")
    x = mb.input("input", in_shape, "int8", in_scale, in_zp)
    wi, bi, lo, hi = _add_weighted(mb, rng, "conv", (out_c, kh, kw, c), 0, per_channel,
                                   kh * kw * c, in_scale, in_zp, bias)
    scale, zp = _out_quant(lo, hi, act, out_zp)
    y = mb.tensor("output", (n, oh, ow, out_c), "int8", scale, zp)
    mb.op("CONV_2D", [x, wi, bi], [y], padding=padding, stride_h=sh, stride_w=sw,
          dilation_h=dh, dilation_w=dw, fused_activation=act)
    mb.outputs(y)
    return mb.finish()


def depthwise_model(rng=0, in_shape=(1, 8, 8, 3), depth_multiplier: int = 1, kernel=(3, 3),
                    stride=(1, 1), padding: str = "SAME", dilation=(1, 1), act: str = "NONE",
                    per_channel: bool = True, in_scale: float = 0.02, in_zp: int = -3,
                    out_zp: int | None = None, bias: bool = True) -> bytes:
    """One int8 DEPTHWISE_CONV_2D (1HW(C*M) weights, per-channel axis 3)."""
    rng = _rng(rng)
    (kh, kw), (sh, sw), (dh, dw) = _pair(kernel), _pair(stride), _pair(dilation)
    n, h, w, c = in_shape
    out_c = c * depth_multiplier
    oh, ow = conv_out_size(h, kh, sh, dh, padding), conv_out_size(w, kw, sw, dw, padding)
    mb = ModelBuilder("depthwise")
    x = mb.input("input", in_shape, "int8", in_scale, in_zp)
    wi, bi, lo, hi = _add_weighted(mb, rng, "dw", (1, kh, kw, out_c), 3, per_channel,
                                   kh * kw, in_scale, in_zp, bias)
    scale, zp = _out_quant(lo, hi, act, out_zp)
    y = mb.tensor("output", (n, oh, ow, out_c), "int8", scale, zp)
    mb.op("DEPTHWISE_CONV_2D", [x, wi, bi], [y], padding=padding, stride_h=sh, stride_w=sw,
          dilation_h=dh, dilation_w=dw, depth_multiplier=depth_multiplier, fused_activation=act)
    mb.outputs(y)
    return mb.finish()


def fc_model(rng=0, in_shape=(1, 16), units: int = 8, act: str = "NONE",
             per_channel: bool = False, keep_num_dims: bool = False, in_scale: float = 0.05,
             in_zp: int = 7, out_zp: int | None = None, bias: bool = True) -> bytes:
    """One int8 FULLY_CONNECTED over the last axis of `in_shape`."""
    rng = _rng(rng)
    depth = in_shape[-1]
    if keep_num_dims:
        out_shape = (*in_shape[:-1], units)
    else:
        out_shape = (int(np.prod(in_shape)) // depth, units)
    mb = ModelBuilder("fully_connected")
    x = mb.input("input", in_shape, "int8", in_scale, in_zp)
    wi, bi, lo, hi = _add_weighted(mb, rng, "fc", (units, depth), 0, per_channel, depth,
                                   in_scale, in_zp, bias)
    scale, zp = _out_quant(lo, hi, act, out_zp)
    y = mb.tensor("output", out_shape, "int8", scale, zp)
    mb.op("FULLY_CONNECTED", [x, wi, bi], [y], fused_activation=act, keep_num_dims=keep_num_dims)
    mb.outputs(y)
    return mb.finish()


def add_model(rng=None, shape1=(1, 4, 4, 8), shape2=(1, 4, 4, 8), act: str = "NONE",
              scales=(0.05, 0.03), zero_points=(-5, 10), out_zp: int | None = None,
              out_scale: float | None = None) -> bytes:
    """One int8 ADD of two inputs (NumPy broadcasting between shape1 and shape2); output quantisation from the
    inputs' range, or (out_scale, out_zp or 0) when out_scale is given."""
    del rng  # no weights: kept for a uniform signature
    out_shape = np.broadcast_shapes(tuple(shape1), tuple(shape2))
    mb = ModelBuilder("add")
    a = mb.input("input1", shape1, "int8", scales[0], zero_points[0])
    b = mb.input("input2", shape2, "int8", scales[1], zero_points[1])
    lo = sum((-128 - z) * s for s, z in zip(scales, zero_points)) * 0.8
    hi = sum((127 - z) * s for s, z in zip(scales, zero_points)) * 0.8
    scale, zp = _out_quant(lo, hi, act, out_zp) if out_scale is None else (out_scale, out_zp or 0)
    y = mb.tensor("output", out_shape, "int8", scale, zp)
    mb.op("ADD", [a, b], [y], fused_activation=act)
    mb.outputs(y)
    return mb.finish()


def pool_model(kind: str = "AVERAGE", in_shape=(1, 8, 8, 3), filter=(2, 2), stride=(2, 2),
               padding: str = "VALID", act: str = "NONE", scale: float = 0.04,
               zero_point: int = -10, dtype: str = "int8") -> bytes:
    """One int8 (or `dtype` int16: zero point 0) AVERAGE_POOL_2D or MAX_POOL_2D (kind "AVERAGE"/"MAX");
    output quant = input's."""
    op = {"AVERAGE": "AVERAGE_POOL_2D", "AVG": "AVERAGE_POOL_2D", "MAX": "MAX_POOL_2D"}[kind.upper()]
    (fh, fw), (sh, sw) = _pair(filter), _pair(stride)
    n, h, w, c = in_shape
    oh, ow = conv_out_size(h, fh, sh, 1, padding), conv_out_size(w, fw, sw, 1, padding)
    mb = ModelBuilder("pool")
    x = mb.input("input", in_shape, dtype, scale, zero_point)
    y = mb.tensor("output", (n, oh, ow, c), dtype, scale, zero_point)
    mb.op(op, [x], [y], padding=padding, stride_h=sh, stride_w=sw, filter_h=fh, filter_w=fw,
          fused_activation=act)
    mb.outputs(y)
    return mb.finish()


def mean_model(in_shape=(1, 6, 6, 8), axes=(1, 2), keep_dims: bool = True,
               in_scale: float = 0.04, in_zp: int = -10, out_scale: float | None = None,
               out_zp: int | None = None, dtype: str = "int8", op: str = "MEAN") -> bytes:
    """One int8 (or `dtype` int16) MEAN (or `op` SUM) over `axes` (negative axes allowed); output quant
    defaults to a narrower one."""
    rank = len(in_shape)
    norm = sorted({a % rank for a in axes})
    if keep_dims:
        out_shape = tuple(1 if i in norm else d for i, d in enumerate(in_shape))
    else:
        out_shape = tuple(d for i, d in enumerate(in_shape) if i not in norm)
    out_scale = in_scale * 0.6 if out_scale is None else out_scale
    out_zp = in_zp // 2 + 3 if out_zp is None else out_zp
    mb = ModelBuilder(op.lower())
    x = mb.input("input", in_shape, dtype, in_scale, in_zp)
    ax = mb.const("axes", np.array(list(axes), np.int32))
    y = mb.tensor("output", out_shape, dtype, out_scale, out_zp)
    mb.op(op, [x, ax], [y], keep_dims=keep_dims)
    mb.outputs(y)
    return mb.finish()


def pad_model(in_shape=(1, 4, 4, 3), paddings=((0, 0), (1, 1), (2, 0), (0, 0)), v2: bool = False,
              pad_value: int = 0, scale: float = 0.05, zero_point: int = 4, dtype: str = "int8") -> bytes:
    """One int8 (or `dtype` int16) PAD (pads with the zero point) or PADV2 (pads with `pad_value`)."""
    pads = np.array(paddings, np.int32).reshape(len(in_shape), 2)
    out_shape = tuple(int(d + p0 + p1) for d, (p0, p1) in zip(in_shape, pads))
    mb = ModelBuilder("pad")
    x = mb.input("input", in_shape, dtype, scale, zero_point)
    p = mb.const("paddings", pads)
    inputs = [x, p]
    if v2:
        inputs.append(mb.const("constant_values", np.array([pad_value], dtype), scale=scale,
                               zero_point=zero_point))
    y = mb.tensor("output", out_shape, dtype, scale, zero_point)
    mb.op("PADV2" if v2 else "PAD", inputs, [y])
    mb.outputs(y)
    return mb.finish()


def reshape_model(in_shape=(1, 2, 3, 4), new_shape=(1, 24), mode: str = "tensor",
                  scale: float = 0.05, zero_point: int = -2) -> bytes:
    """One int8 RESHAPE; mode "tensor" (shape input), "option" (new_shape option) or "both".

    `new_shape` may contain one -1; the output tensor gets the resolved shape.
    """
    shape = list(new_shape)
    if -1 in shape:
        known = int(np.prod([d for d in shape if d != -1]))
        shape[shape.index(-1)] = int(np.prod(in_shape)) // known
    mb = ModelBuilder("reshape")
    x = mb.input("input", in_shape, "int8", scale, zero_point)
    inputs = [x]
    if mode in ("tensor", "both"):
        inputs.append(mb.const("shape", np.array(list(new_shape), np.int32)))
    y = mb.tensor("output", shape, "int8", scale, zero_point)
    opts = {"new_shape": list(new_shape)} if mode in ("option", "both") else {}
    mb.op("RESHAPE", inputs, [y], **opts)
    mb.outputs(y)
    return mb.finish()


def softmax_model(in_shape=(1, 10), beta: float = 1.0, in_scale: float = 0.1,
                  in_zp: int = 0) -> bytes:
    """One int8 SOFTMAX; output quantised with scale 1/256, zero point -128 (TFLM requires it)."""
    mb = ModelBuilder("softmax")
    x = mb.input("input", in_shape, "int8", in_scale, in_zp)
    y = mb.tensor("output", in_shape, "int8", 1.0 / 256.0, -128)
    mb.op("SOFTMAX", [x], [y], beta=beta)
    mb.outputs(y)
    return mb.finish()


def quantize_model(in_shape=(1, 16), in_dtype: str = "float32", in_scale: float = 0.05,
                   in_zp: int = 3, out_scale: float = 0.02, out_zp: int = -7) -> bytes:
    """One QUANTIZE: float32 -> int8, or int8 -> int8 requantisation (in_dtype "int8")."""
    mb = ModelBuilder("quantize")
    if in_dtype == "float32":
        x = mb.input("input", in_shape, "float32")
    else:
        x = mb.input("input", in_shape, in_dtype, in_scale, in_zp)
    y = mb.tensor("output", in_shape, "int8", out_scale, out_zp)
    mb.op("QUANTIZE", [x], [y])
    mb.outputs(y)
    return mb.finish()


def dequantize_model(in_shape=(1, 16), scale: float = 0.05, zero_point: int = 3) -> bytes:
    """One DEQUANTIZE: int8 -> float32."""
    mb = ModelBuilder("dequantize")
    x = mb.input("input", in_shape, "int8", scale, zero_point)
    y = mb.tensor("output", in_shape, "float32")
    mb.op("DEQUANTIZE", [x], [y])
    mb.outputs(y)
    return mb.finish()


def arg_min_max_model(kind: str = "MAX", in_shape=(1, 4, 5, 7), axis: int = -1, scale: float = 0.05,
                      zero_point: int = -3) -> bytes:
    """One ARG_MAX or ARG_MIN (kind "MAX"/"MIN") of int8 along constant `axis`, int32 indices."""
    name = f"ARG_{kind.upper()}"
    out_shape = tuple(d for k, d in enumerate(in_shape) if k != axis % len(in_shape))
    mb = ModelBuilder(name.lower())
    x = mb.input("input", in_shape, "int8", scale, zero_point)
    y = mb.tensor("output", out_shape, "int32")
    mb.op(name, [x, mb.const("axis", np.array([axis], np.int32))], [y], output_type=schema.TensorType.INT32)
    mb.outputs(y)
    return mb.finish()


def elu_model(in_shape=(1, 4, 4, 5), in_scale: float = 0.05, in_zp: int = 10, out_scale: float = 0.04,
              out_zp: int = 30) -> bytes:
    """One int8 ELU."""
    mb = ModelBuilder("elu")
    x = mb.input("input", in_shape, "int8", in_scale, in_zp)
    y = mb.tensor("output", in_shape, "int8", out_scale, out_zp)
    mb.op("ELU", [x], [y])
    mb.outputs(y)
    return mb.finish()


def prelu_model(rng=0, in_shape=(1, 4, 4, 5), alpha_shape=(1, 1, 5), in_scale: float = 0.05, in_zp: int = 4,
                alpha_scale: float = 0.004, alpha_zp: int = -20, out_scale: float = 0.04, out_zp: int = -10) -> bytes:
    """One int8 PRELU with a random constant int8 alpha broadcast against the input."""
    rng = _rng(rng)
    mb = ModelBuilder("prelu")
    x = mb.input("input", in_shape, "int8", in_scale, in_zp)
    a = mb.const("alpha", rng.integers(-128, 128, alpha_shape, dtype=np.int8), alpha_scale, alpha_zp)
    y = mb.tensor("output", in_shape, "int8", out_scale, out_zp)
    mb.op("PRELU", [x, a], [y])
    mb.outputs(y)
    return mb.finish()


def log_softmax_model(in_shape=(2, 10), in_scale: float = 0.1, in_zp: int = 0) -> bytes:
    """One int8 LOG_SOFTMAX; output quantised with scale 16/256, zero point 127 (TFLM requires it)."""
    mb = ModelBuilder("log_softmax")
    x = mb.input("input", in_shape, "int8", in_scale, in_zp)
    y = mb.tensor("output", in_shape, "int8", 16.0 / 256.0, 127)
    mb.op("LOG_SOFTMAX", [x], [y])
    mb.outputs(y)
    return mb.finish()


def shape_model(in_shape=(1, 4, 5, 3)) -> bytes:
    """One SHAPE of an int8 input, int32 output."""
    mb = ModelBuilder("shape")
    x = mb.input("input", in_shape, "int8", 0.05, 0)
    y = mb.tensor("output", (len(in_shape),), "int32")
    mb.op("SHAPE", [x], [y], out_type=schema.TensorType.INT32)
    mb.outputs(y)
    return mb.finish()


def dynamic_reshape_model(rng=0, in_shape=(1, 4, 4, 6), units: int = 5, join: str = "PACK",
                          in_scale: float = 0.05, in_zp: int = 3) -> bytes:
    """A Keras-style dynamic flatten before a FULLY_CONNECTED: the RESHAPE's shape is computed in the graph,
    SHAPE(x) -> STRIDED_SLICE (the batch) -> PACK with -1 (`join` "PACK", the batch shrunk to a scalar) or
    CONCATENATION with [-1] (`join` "CONCATENATION", the batch kept as [1]) -> RESHAPE(x, shape)."""
    rng = _rng(rng)
    mb = ModelBuilder("dynamic_reshape")
    x = mb.input("input", in_shape, "int8", in_scale, in_zp)
    shape = mb.tensor("shape", (len(in_shape),), "int32")
    mb.op("SHAPE", [x], [shape], out_type=schema.TensorType.INT32)
    packed = join == "PACK"
    batch = mb.tensor("batch", () if packed else (1,), "int32")
    mb.op("STRIDED_SLICE", [shape, mb.const("begin", np.array([0], np.int32)), mb.const("end", np.array([1], np.int32)),
                            mb.const("strides", np.array([1], np.int32))], [batch],
          shrink_axis_mask=1 if packed else 0)
    new_shape = mb.tensor("new_shape", (2,), "int32")
    if packed:
        rest = mb.const("rest", np.array([-1], np.int32))
        mb._tensors[rest].shape = []              # a scalar, as the batch is (const() stores arrays of rank >= 1)
        mb.op("PACK", [batch, rest], [new_shape], axis=0, values_count=2)
    elif join == "CONCATENATION":
        mb.op("CONCATENATION", [batch, mb.const("rest", np.array([-1], np.int32))], [new_shape], axis=0)
    else:
        raise ValueError(f"join is PACK or CONCATENATION, not {join!r}")
    depth = int(np.prod(in_shape[1:]))
    flat = mb.tensor("flat", (in_shape[0], depth), "int8", in_scale, in_zp)
    mb.op("RESHAPE", [x, new_shape], [flat])
    wi, bi, lo, hi = _add_weighted(mb, rng, "fc", (units, depth), 0, False, depth, in_scale, in_zp, True)
    scale, zp = _out_quant(lo, hi)
    y = mb.tensor("output", (in_shape[0], units), "int8", scale, zp)
    mb.op("FULLY_CONNECTED", [flat, wi, bi], [y])
    mb.outputs(y)
    return mb.finish()


def resize_bilinear_model(in_shape=(1, 4, 4, 3), size=(8, 8), align_corners: bool = False,
                          half_pixel_centers: bool = False, scale: float = 0.05, zero_point: int = -7) -> bytes:
    """One int8 RESIZE_BILINEAR to constant `size` (output quantisation = input's)."""
    mb = ModelBuilder("resize_bilinear")
    x = mb.input("input", in_shape, "int8", scale, zero_point)
    y = mb.tensor("output", (in_shape[0], *size, in_shape[3]), "int8", scale, zero_point)
    mb.op("RESIZE_BILINEAR", [x, mb.const("size", np.array(size, np.int32))], [y],
          align_corners=align_corners, half_pixel_centers=half_pixel_centers)
    mb.outputs(y)
    return mb.finish()


# ---------------------------------------------------------------------------------------------
# The bundled example: float network, post-training quantised on random calibration images
# ---------------------------------------------------------------------------------------------

def _conv_float(x, w, b, stride, padding, depthwise=False):
    """Float NHWC convolution (OHWI weights; depthwise: 1HW(C*M)), dilation 1."""
    n, h, wd, c = x.shape
    _, kh, kw, oc = w.shape if depthwise else (None, *w.shape[1:3], w.shape[0])
    oh, ow = conv_out_size(h, kh, stride, 1, padding), conv_out_size(wd, kw, stride, 1, padding)
    pad_h = max((oh - 1) * stride + kh - h, 0) if padding == "SAME" else 0
    pad_w = max((ow - 1) * stride + kw - wd, 0) if padding == "SAME" else 0
    xp = np.pad(x, ((0, 0), (pad_h // 2, pad_h - pad_h // 2), (pad_w // 2, pad_w - pad_w // 2),
                    (0, 0)))
    out = np.zeros((n, oh, ow, oc)) + b
    for i in range(kh):
        for j in range(kw):
            patch = xp[:, i:i + (oh - 1) * stride + 1:stride, j:j + (ow - 1) * stride + 1:stride]
            if depthwise:
                out += np.repeat(patch, oc // c, axis=3) * w[0, i, j]
            else:
                out += patch @ w[:, i, j, :].T
    return out


def _ptq_weights(mb: ModelBuilder, name: str, w, b, axis: int, in_scale: float):
    """Quantise float weights per channel (symmetric) and bias (int32); add both as constants."""
    reduce_axes = tuple(i for i in range(w.ndim) if i != axis)
    w_scales = np.maximum(np.abs(w).max(axis=reduce_axes), 1e-8) / 127.0
    bshape = [1] * w.ndim
    bshape[axis] = w.shape[axis]
    w_q = np.clip(np.round(w / w_scales.reshape(bshape)), -127, 127).astype(np.int8)
    b_scales = (in_scale * w_scales.astype(np.float32)).astype(np.float32)
    b_q = np.round(b / b_scales).astype(np.int32)
    zeros = np.zeros(len(w_scales), np.int64)
    return (mb.const(f"{name}/weights", w_q, w_scales.astype(np.float32), zeros, axis=axis),
            mb.const(f"{name}/bias", b_q, b_scales, zeros))


def _range_quant(*arrays):
    return _out_quant(min(float(a.min()) for a in arrays), max(float(a.max()) for a in arrays))


def example_model(seed: int = 20240601) -> bytes:
    """A small deterministic int8 CNN: 1x32x32x3 -> 1x10 class probabilities.

    CONV_2D 3x3/2 RELU6 -> DEPTHWISE 3x3 RELU6 -> CONV_2D 1x1 -> ADD (residual) ->
    AVERAGE_POOL_2D 2x2/2 -> MEAN (H, W) -> RESHAPE -> FULLY_CONNECTED -> SOFTMAX.
    Float weights are random (fixed seed); activations are calibrated on random images.
    """
    rng = np.random.default_rng(seed)

    def he(shape, fan_in):
        return rng.standard_normal(shape) * math.sqrt(2.0 / fan_in)

    w1, b1 = he((16, 3, 3, 3), 27), rng.standard_normal(16) * 0.1
    wd, bd = he((1, 3, 3, 16), 9), rng.standard_normal(16) * 0.1
    wp, bp = he((16, 1, 1, 16), 16), rng.standard_normal(16) * 0.1
    wf, bf = he((10, 16), 16) * 4.0, rng.standard_normal(10) * 0.05

    in_scale, in_zp = 1.0 / 128, 0
    x = rng.integers(-128, 128, (32, 32, 32, 3)) * in_scale
    c1 = np.clip(_conv_float(x, w1, b1, 2, "SAME"), 0, 6)
    d1 = np.clip(_conv_float(c1, wd, bd, 1, "SAME", depthwise=True), 0, 6)
    p1 = _conv_float(d1, wp, bp, 1, "VALID")
    a1 = c1 + p1
    ap = a1.reshape(-1, 8, 2, 8, 2, 16).mean(axis=(2, 4))
    m = ap.mean(axis=(1, 2))
    logits = m @ wf.T + bf

    mb = ModelBuilder("microforge example CNN")
    t_in = mb.input("input", (1, 32, 32, 3), "int8", in_scale, in_zp)
    q1, qd, qp, qa, qm, ql = (_range_quant(c1), _range_quant(d1), _range_quant(p1),
                              _range_quant(a1), _range_quant(m), _range_quant(logits))
    t_c1 = mb.tensor("conv1", (1, 16, 16, 16), "int8", *q1)
    mb.op("CONV_2D", [t_in, *_ptq_weights(mb, "conv1", w1, b1, 0, in_scale)], [t_c1],
          padding="SAME", stride_h=2, stride_w=2, fused_activation="RELU6")
    t_d1 = mb.tensor("dw1", (1, 16, 16, 16), "int8", *qd)
    mb.op("DEPTHWISE_CONV_2D", [t_c1, *_ptq_weights(mb, "dw1", wd, bd, 3, q1[0])], [t_d1],
          padding="SAME", depth_multiplier=1, fused_activation="RELU6")
    t_p1 = mb.tensor("pw1", (1, 16, 16, 16), "int8", *qp)
    mb.op("CONV_2D", [t_d1, *_ptq_weights(mb, "pw1", wp, bp, 0, qd[0])], [t_p1],
          padding="VALID")
    t_a1 = mb.tensor("add1", (1, 16, 16, 16), "int8", *qa)
    mb.op("ADD", [t_c1, t_p1], [t_a1])
    t_ap = mb.tensor("avgpool", (1, 8, 8, 16), "int8", *qa)
    mb.op("AVERAGE_POOL_2D", [t_a1], [t_ap], padding="VALID", stride_h=2, stride_w=2,
          filter_h=2, filter_w=2)
    t_m = mb.tensor("mean", (1, 1, 1, 16), "int8", *qm)
    mb.op("MEAN", [t_ap, mb.const("mean/axes", np.array([1, 2], np.int32))], [t_m],
          keep_dims=True)
    t_r = mb.tensor("flatten", (1, 16), "int8", *qm)
    mb.op("RESHAPE", [t_m, mb.const("flatten/shape", np.array([1, 16], np.int32))], [t_r],
          new_shape=[1, 16])
    t_l = mb.tensor("logits", (1, 10), "int8", *ql)
    mb.op("FULLY_CONNECTED", [t_r, *_ptq_weights(mb, "logits", wf, bf, 0, qm[0])], [t_l])
    t_out = mb.tensor("probs", (1, 10), "int8", 1.0 / 256.0, -128)
    mb.op("SOFTMAX", [t_l], [t_out], beta=1.0)
    mb.outputs(t_out)
    return mb.finish()


def transpose_conv_model(rng=0, in_shape=(1, 4, 4, 3), out_c: int = 4, kernel=(3, 3), stride=(2, 2),
                         padding: str = "SAME", per_channel: bool = True, in_scale: float = 0.02, in_zp: int = -3,
                         out_zp: int | None = None, bias: bool = True, out_hw=None, act: str = "NONE") -> bytes:
    """One int8 TRANSPOSE_CONV (inputs: int32 output shape, OHWI weights, input, optional int32 bias).

    The output extent defaults to what the converter writes: in*stride (SAME), (in-1)*stride + kernel (VALID).
    """
    rng = _rng(rng)
    (kh, kw), (sh, sw) = _pair(kernel), _pair(stride)
    n, h, w, c = in_shape
    if out_hw is None:
        out_hw = (h * sh, w * sw) if padding == "SAME" else ((h - 1) * sh + kh, (w - 1) * sw + kw)
    out_shape = (n, *out_hw, out_c)
    mb = ModelBuilder("transpose_conv")
    x = mb.input("input", in_shape, "int8", in_scale, in_zp)
    shape = mb.const("output_shape", np.asarray(out_shape, np.int32))
    fan_in = max(kh * kw * c // (sh * sw), 1)  # taps that reach one output element, on average
    wi, bi, lo, hi = _add_weighted(mb, rng, "tconv", (out_c, kh, kw, c), 0, per_channel, fan_in, in_scale, in_zp, bias)
    scale, zp = _out_quant(lo, hi, act, out_zp)
    y = mb.tensor("output", out_shape, "int8", scale, zp)
    mb.op("TRANSPOSE_CONV", [shape, wi, x, bi] if bias else [shape, wi, x], [y], padding=padding, stride_h=sh,
          stride_w=sw, fused_activation=act)
    mb.outputs(y)
    return mb.finish()


def batch_matmul_shape(lhs_shape, rhs_shape, adj_x: bool = False, adj_y: bool = False) -> tuple[int, tuple]:
    """(depth, output shape) of BATCH_MATMUL: the (adjointed) operands' rows x cols, batch dims broadcast."""
    rows, depth = (lhs_shape[-1], lhs_shape[-2]) if adj_x else (lhs_shape[-2], lhs_shape[-1])
    cols = rhs_shape[-2] if adj_y else rhs_shape[-1]
    rank = max(len(lhs_shape), len(rhs_shape))
    lb = (1,) * (rank - len(lhs_shape)) + tuple(lhs_shape[:-2])
    rb = (1,) * (rank - len(rhs_shape)) + tuple(rhs_shape[:-2])
    return depth, tuple(max(a, b) for a, b in zip(lb, rb)) + (rows, cols)


def batch_matmul_model(rng=0, lhs_shape=(1, 3, 4), rhs_shape=(1, 4, 5), adj_x: bool = False, adj_y: bool = False,
                       const_rhs: bool = False, scales=(0.05, 0.03), zero_points=(-5, 10),
                       out_zp: int | None = None) -> bytes:
    """One int8 BATCH_MATMUL of two inputs (or an input and a constant rhs); batch dims broadcast."""
    rng = _rng(rng)
    depth, out_shape = batch_matmul_shape(lhs_shape, rhs_shape, adj_x, adj_y)
    mb = ModelBuilder("batch_matmul")
    a = mb.input("lhs", lhs_shape, "int8", scales[0], zero_points[0])
    if const_rhs:
        b = mb.const("rhs", rng.integers(-128, 128, rhs_shape).astype(np.int8), scale=scales[1], zero_point=zero_points[1])
    else:
        b = mb.input("rhs", rhs_shape, "int8", scales[1], zero_points[1])
    (ma, va), (mr, vr) = _uniform_stats(scales[0], zero_points[0]), _uniform_stats(scales[1], zero_points[1])
    mean, sd = depth * ma * mr, math.sqrt(depth * ((va + ma * ma) * (vr + mr * mr) - (ma * mr) ** 2))
    scale, zp = _out_quant(mean - 2.5 * sd, mean + 2.5 * sd, "NONE", out_zp)
    y = mb.tensor("output", out_shape, "int8", scale, zp)
    mb.op("BATCH_MATMUL", [a, b], [y], adj_x=adj_x, adj_y=adj_y)
    mb.outputs(y)
    return mb.finish()


def svdf_model(rng=0, batch: int = 1, n_input: int = 8, units: int = 4, rank: int = 1, memory: int = 5,
               in_scale: float = 0.05, in_zp: int = 3, out_zp: int | None = None, bias: bool = True,
               act: str = "NONE", state_dtype: str = "int16", state_zp: int = 0) -> bytes:
    """One int8 SVDF with int16 time weights and an int16 variable state [batch, units*rank*memory].

    Inputs: input, feature weights [filters, n_input] int8, time weights [filters, memory] int16, int32 bias
    (scale state * time weights), the variable state (zero at start, updated by every invocation).
    state_dtype "int8": int8 time weights and an int8 state with zero point `state_zp` (TFLM's keyword benchmark).
    """
    rng = _rng(rng)
    filters = units * rank
    wf = rng.standard_normal((filters, n_input)) / math.sqrt(n_input)
    wf_s = float(np.abs(wf).max()) / 127
    _, var_x = _uniform_stats(in_scale, in_zp)
    sd_state = math.sqrt(var_x * float((wf ** 2).sum(axis=1).mean()))   # real sd of one feature dot product
    q_max = 127 if state_dtype == "int8" else 32767
    state_s = 8 * sd_state / q_max                                       # the state spans +-8 sd
    wt = rng.standard_normal((filters, memory)) / math.sqrt(memory * rank)
    wt_s = float(np.abs(wt).max()) / q_max
    sd_out = math.sqrt(float((wt ** 2).sum(axis=1).mean()) * rank) * sd_state  # once the state window is full
    out_s = max(3 * sd_out / 127, 1e-6)                                         # output spans +-3 sd
    b_s = float(np.float32(state_s) * np.float32(wt_s))
    mb = ModelBuilder("svdf")
    x = mb.input("input", (batch, n_input), "int8", in_scale, in_zp)
    wfi = mb.const("svdf/weights_feature", np.clip(np.round(wf / wf_s), -127, 127).astype(np.int8), scale=wf_s, zero_point=0)
    wti = mb.const("svdf/weights_time", np.clip(np.round(wt / wt_s), -q_max, q_max).astype(state_dtype), scale=wt_s,
                   zero_point=0)
    bi = OPTIONAL
    if bias:
        bi = mb.const("svdf/bias", np.round(rng.standard_normal(units) * 0.3 * sd_out / b_s).astype(np.int32), scale=b_s,
                      zero_point=0)
    state = mb.tensor("svdf/state", (batch, filters * memory), state_dtype, state_s, state_zp)
    mb._tensors[state].isVariable = True
    y = mb.tensor("output", (batch, units), "int8", out_s, 0 if out_zp is None else out_zp)
    mb.op("SVDF", [x, wfi, wti, bi, state], [y], rank=rank, fused_activation=act)
    mb.outputs(y)
    return mb.finish()


LSTM_VARIANTS = {"cifg": (1, 5, 12), "peephole": (9, 10, 11), "projection": (16, 17), "layer_norm": (20, 21, 22, 23)}


def lstm_model(rng=0, batch: int = 1, time_steps: int = 3, n_input: int = 5, n_cell: int = 4, time_major: bool = False,
               in_scale: float = 2 / 255, in_zp: int = 0, hid_scale: float = 1 / 128, hid_zp: int = 0,
               cell_scale: float = 2.0 ** -11, cell_clip: float = 0.0, gain: float = 1.5, act: str = "TANH",
               variant: str | None = None, act_dtype: str = "int8", bias_dtype: str | None = None) -> bytes:
    """One UNIDIRECTIONAL_SEQUENCE_LSTM as the TFLite converter writes it: 24 operands (-1 for the absent ones),
    int8 input [batch, time, n_input] (time-major: [time, batch, n_input]), int8 weights [n_cell, n_input] and
    [n_cell, n_cell] per gate (input, forget, cell, output), int32 biases (scale input * weights), an int8 variable
    hidden state [batch, n_cell] and an int16 variable cell state; the output [.., .., n_cell] has the hidden
    state's quantisation. `gain` is the sd of the gates' real pre-activations (large: saturated gates).

    `variant` adds what a standard LSTM lacks, for refusal tests: "cifg" drops the input gate's operands,
    "peephole", "projection", "layer_norm" add those operands (LSTM_VARIANTS lists the indices).
    `act_dtype="int16"` makes the activations int16 (a 16x8 LSTM, int64 biases unless `bias_dtype` says otherwise).
    """
    rng = _rng(rng)
    mb = ModelBuilder("lstm")
    shape = (time_steps, batch, n_input) if time_major else (batch, time_steps, n_input)
    ops = [OPTIONAL] * 24
    ops[0] = mb.input("input", shape, act_dtype, in_scale, in_zp)
    mean_x, var_x = _uniform_stats(in_scale, in_zp)
    if act_dtype == "int16":                                            # uniform over the int16 range
        mean_x, var_x = (-0.5 - in_zp) * in_scale, in_scale * in_scale * (65536 * 65536 - 1) / 12
    ex2 = {"x": var_x + mean_x ** 2, "h": 1 / 3}                      # hidden values lie in (-1, 1)
    for g, gate in enumerate(("input", "forget", "cell", "output")):
        for k, src, fan_in in ((1 + g, "x", n_input), (5 + g, "h", n_cell)):
            w = rng.standard_normal((n_cell, fan_in)) * gain / math.sqrt(2 * fan_in * ex2[src])
            w_s = float(np.abs(w).max()) / 127
            ops[k] = mb.const(f"lstm/{gate}_{'input' if src == 'x' else 'recurrent'}_weights",
                              np.clip(np.round(w / w_s), -127, 127).astype(np.int8), scale=w_s, zero_point=0)
            if src == "x":
                b_s = float(np.float32(in_scale) * np.float32(w_s))
                b = rng.standard_normal(n_cell) * 0.5 + (1.0 if gate == "forget" else 0.0)
                b_dt = bias_dtype or ("int64" if act_dtype == "int16" else "int32")
                ops[12 + g] = mb.const(f"lstm/{gate}_bias", np.round(b / b_s), scale=b_s, zero_point=0, dtype=b_dt)
    ops[18] = mb.tensor("lstm/hidden_state", (batch, n_cell), act_dtype, hid_scale, hid_zp)
    ops[19] = mb.tensor("lstm/cell_state", (batch, n_cell), "int16", cell_scale, 0)
    for k in (18, 19):
        mb._tensors[ops[k]].isVariable = True
    if variant == "cifg":
        for k in LSTM_VARIANTS["cifg"]:
            ops[k] = OPTIONAL
    elif variant is not None:
        for k in LSTM_VARIANTS[variant]:
            if k == 16:
                ops[k] = mb.const("lstm/projection_weights", np.ones((n_cell, n_cell), np.int8), scale=0.01, zero_point=0)
            elif k == 17:
                ops[k] = mb.const("lstm/projection_bias", np.zeros(n_cell, np.int32), scale=0.01 * hid_scale, zero_point=0)
            else:
                ops[k] = mb.const(f"lstm/{variant}_{k}", np.ones(n_cell, np.int16), scale=0.001, zero_point=0)
    y = mb.tensor("output", (shape[0], shape[1], n_cell), act_dtype, hid_scale, hid_zp)
    mb.op("UNIDIRECTIONAL_SEQUENCE_LSTM", ops, [y], fused_activation=act, cell_clip=float(cell_clip),
          time_major=bool(time_major))
    mb.outputs(y)
    return mb.finish()
