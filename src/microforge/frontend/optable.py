"""The one table mapping TFLite BuiltinOperator codes to IR op types and their option readers."""
from __future__ import annotations

from typing import Any, Callable

from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from ..ir import OpType

_PADDING = {schema.Padding.SAME: "SAME", schema.Padding.VALID: "VALID"}
_ACT = {
    schema.ActivationFunctionType.NONE: "NONE",
    schema.ActivationFunctionType.RELU: "RELU",
    schema.ActivationFunctionType.RELU_N1_TO_1: "RELU_N1_TO_1",
    schema.ActivationFunctionType.RELU6: "RELU6",
    schema.ActivationFunctionType.TANH: "TANH",
    schema.ActivationFunctionType.SIGN_BIT: "SIGN_BIT",
}


def _act(o) -> str:
    return _ACT.get(o.fusedActivationFunction, f"UNKNOWN({o.fusedActivationFunction})")


def _pad(o) -> str:
    return _PADDING.get(o.padding, f"UNKNOWN({o.padding})")


def _bias_int32(o) -> bool:
    """quantized_bias_type INT32: a 16x8 CONV_2D / FULLY_CONNECTED without bias accumulates in int32 (TFLM)."""
    return getattr(o, "quantizedBiasType", 0) == schema.TensorType.INT32


def _conv(o) -> dict[str, Any]:
    return dict(padding=_pad(o), stride_h=o.strideH, stride_w=o.strideW,
                dilation_h=o.dilationHFactor, dilation_w=o.dilationWFactor, activation=_act(o),
                quantized_bias_int32=_bias_int32(o))


def _depthwise(o) -> dict[str, Any]:
    return dict(_conv(o), depth_multiplier=o.depthMultiplier)


def _pool(o) -> dict[str, Any]:
    return dict(padding=_pad(o), stride_h=o.strideH, stride_w=o.strideW,
                filter_h=o.filterHeight, filter_w=o.filterWidth, activation=_act(o))


def _fc(o) -> dict[str, Any]:
    return dict(activation=_act(o), weights_format=o.weightsFormat, keep_num_dims=bool(o.keepNumDims),
                asymmetric_quantize_inputs=bool(o.asymmetricQuantizeInputs), quantized_bias_int32=_bias_int32(o))


def _add(o) -> dict[str, Any]:
    return dict(activation=_act(o))


def _reducer(o) -> dict[str, Any]:
    return dict(keep_dims=bool(o.keepDims))


def _softmax(o) -> dict[str, Any]:
    return dict(beta=float(o.beta))


def _reshape(o) -> dict[str, Any]:
    return dict(new_shape=None if o.newShape is None else [int(v) for v in o.newShape])


def _none(o) -> dict[str, Any]:
    return {}


class NONET:
    """Stands for builtins without options: its name minus "T" is BuiltinOptions.NONE."""


def _leaky_relu(o) -> dict[str, Any]:
    return dict(alpha=float(o.alpha))


def _concat(o) -> dict[str, Any]:
    return dict(axis=int(o.axis), activation=_act(o))


def _squeeze(o) -> dict[str, Any]:
    return dict(squeeze_dims=[] if o.squeezeDims is None else [int(v) for v in o.squeezeDims])


def _strided_slice(o) -> dict[str, Any]:
    return dict(begin_mask=o.beginMask, end_mask=o.endMask, ellipsis_mask=o.ellipsisMask,
                new_axis_mask=o.newAxisMask, shrink_axis_mask=o.shrinkAxisMask, offset=bool(o.offset))


def _split(o) -> dict[str, Any]:
    return dict(num_splits=int(o.numSplits))


def _split_v(o) -> dict[str, Any]:
    return dict(_split(o), split_v=True)  # inputs (input, size_splits, axis) instead of (axis, input)


def _pack(o) -> dict[str, Any]:
    return dict(axis=int(o.axis), count=int(o.valuesCount))


def _unpack(o) -> dict[str, Any]:
    return dict(axis=int(o.axis), count=int(o.num))


def _resize(o) -> dict[str, Any]:
    return dict(align_corners=bool(o.alignCorners), half_pixel_centers=bool(o.halfPixelCenters))


def _block(o) -> dict[str, Any]:
    return dict(block_size=int(o.blockSize))


def _mirror_pad(o) -> dict[str, Any]:
    return dict(mode="REFLECT" if o.mode == schema.MirrorPadMode.REFLECT else "SYMMETRIC")


def _act_only(o) -> dict[str, Any]:
    return dict(activation=_act(o))


def _arg_min_max(o) -> dict[str, Any]:
    return dict(output_type=int(o.outputType))


def _shape(o) -> dict[str, Any]:
    return dict(out_type=int(o.outType))
def _transpose_conv(o) -> dict[str, Any]:
    return dict(padding=_pad(o), stride_h=o.strideH, stride_w=o.strideW, activation=_act(o))


def _batch_matmul(o) -> dict[str, Any]:
    return dict(adj_x=bool(o.adjX), adj_y=bool(o.adjY), asymmetric_quantize_inputs=bool(o.asymmetricQuantizeInputs))


def _svdf(o) -> dict[str, Any]:
    return dict(rank=int(o.rank), activation=_act(o), asymmetric_quantize_inputs=bool(o.asymmetricQuantizeInputs))


def _lstm(o) -> dict[str, Any]:
    return dict(activation=_act(o), cell_clip=float(o.cellClip), proj_clip=float(o.projClip), time_major=bool(o.timeMajor),
                asymmetric_quantize_inputs=bool(o.asymmetricQuantizeInputs),
                diagonal_recurrent_tensors=bool(getattr(o, "diagonalRecurrentTensors", False)))


# BuiltinOperator -> (IR op type, reader of its builtin options object; called with None when absent).
OP_TABLE: dict[int, tuple[OpType, Callable[[Any], dict[str, Any]], type]] = {
    schema.BuiltinOperator.CONV_2D: (OpType.CONV_2D, _conv, schema.Conv2DOptionsT),
    schema.BuiltinOperator.DEPTHWISE_CONV_2D: (OpType.DEPTHWISE_CONV_2D, _depthwise, schema.DepthwiseConv2DOptionsT),
    schema.BuiltinOperator.FULLY_CONNECTED: (OpType.FULLY_CONNECTED, _fc, schema.FullyConnectedOptionsT),
    schema.BuiltinOperator.ADD: (OpType.ADD, _add, schema.AddOptionsT),
    schema.BuiltinOperator.AVERAGE_POOL_2D: (OpType.AVERAGE_POOL_2D, _pool, schema.Pool2DOptionsT),
    schema.BuiltinOperator.MAX_POOL_2D: (OpType.MAX_POOL_2D, _pool, schema.Pool2DOptionsT),
    schema.BuiltinOperator.MEAN: (OpType.MEAN, _reducer, schema.ReducerOptionsT),
    schema.BuiltinOperator.PAD: (OpType.PAD, _none, schema.PadOptionsT),
    schema.BuiltinOperator.PADV2: (OpType.PAD, _none, schema.PadV2OptionsT),
    schema.BuiltinOperator.RESHAPE: (OpType.RESHAPE, _reshape, schema.ReshapeOptionsT),
    schema.BuiltinOperator.SOFTMAX: (OpType.SOFTMAX, _softmax, schema.SoftmaxOptionsT),
    schema.BuiltinOperator.QUANTIZE: (OpType.QUANTIZE, _none, schema.QuantizeOptionsT),
    schema.BuiltinOperator.DEQUANTIZE: (OpType.DEQUANTIZE, _none, schema.DequantizeOptionsT),
    schema.BuiltinOperator.SUB: (OpType.SUB, _act_only, schema.SubOptionsT),
    schema.BuiltinOperator.MUL: (OpType.MUL, _act_only, schema.MulOptionsT),
    schema.BuiltinOperator.MAXIMUM: (OpType.MAXIMUM, _none, schema.MaximumMinimumOptionsT),
    schema.BuiltinOperator.MINIMUM: (OpType.MINIMUM, _none, schema.MaximumMinimumOptionsT),
    schema.BuiltinOperator.SQUARED_DIFFERENCE: (OpType.SQUARED_DIFFERENCE, _none, schema.SquaredDifferenceOptionsT),
    schema.BuiltinOperator.RELU: (OpType.RELU, _none, NONET),
    schema.BuiltinOperator.RELU6: (OpType.RELU6, _none, NONET),
    schema.BuiltinOperator.LEAKY_RELU: (OpType.LEAKY_RELU, _leaky_relu, schema.LeakyReluOptionsT),
    schema.BuiltinOperator.HARD_SWISH: (OpType.HARD_SWISH, _none, schema.HardSwishOptionsT),
    schema.BuiltinOperator.LOGISTIC: (OpType.LOGISTIC, _none, NONET),
    schema.BuiltinOperator.TANH: (OpType.TANH, _none, NONET),
    schema.BuiltinOperator.CONCATENATION: (OpType.CONCATENATION, _concat, schema.ConcatenationOptionsT),
    schema.BuiltinOperator.SQUEEZE: (OpType.SQUEEZE, _squeeze, schema.SqueezeOptionsT),
    schema.BuiltinOperator.EXPAND_DIMS: (OpType.EXPAND_DIMS, _none, schema.ExpandDimsOptionsT),
    schema.BuiltinOperator.STRIDED_SLICE: (OpType.STRIDED_SLICE, _strided_slice, schema.StridedSliceOptionsT),
    schema.BuiltinOperator.SLICE: (OpType.SLICE, _none, schema.SliceOptionsT),
    schema.BuiltinOperator.TRANSPOSE: (OpType.TRANSPOSE, _none, schema.TransposeOptionsT),
    schema.BuiltinOperator.SPLIT: (OpType.SPLIT, _split, schema.SplitOptionsT),
    schema.BuiltinOperator.SPLIT_V: (OpType.SPLIT, _split_v, schema.SplitVOptionsT),
    schema.BuiltinOperator.PACK: (OpType.PACK, _pack, schema.PackOptionsT),
    schema.BuiltinOperator.UNPACK: (OpType.UNPACK, _unpack, schema.UnpackOptionsT),
    schema.BuiltinOperator.DEPTH_TO_SPACE: (OpType.DEPTH_TO_SPACE, _block, schema.DepthToSpaceOptionsT),
    schema.BuiltinOperator.SPACE_TO_DEPTH: (OpType.SPACE_TO_DEPTH, _block, schema.SpaceToDepthOptionsT),
    schema.BuiltinOperator.MIRROR_PAD: (OpType.MIRROR_PAD, _mirror_pad, schema.MirrorPadOptionsT),
    schema.BuiltinOperator.RESIZE_NEAREST_NEIGHBOR: (OpType.RESIZE_NEAREST_NEIGHBOR, _resize, schema.ResizeNearestNeighborOptionsT),
    schema.BuiltinOperator.SUM: (OpType.SUM, _reducer, schema.ReducerOptionsT),
    schema.BuiltinOperator.REDUCE_MAX: (OpType.REDUCE_MAX, _reducer, schema.ReducerOptionsT),
    schema.BuiltinOperator.REDUCE_MIN: (OpType.REDUCE_MIN, _reducer, schema.ReducerOptionsT),
    schema.BuiltinOperator.ARG_MAX: (OpType.ARG_MAX, _arg_min_max, schema.ArgMaxOptionsT),
    schema.BuiltinOperator.ARG_MIN: (OpType.ARG_MIN, _arg_min_max, schema.ArgMinOptionsT),
    schema.BuiltinOperator.ELU: (OpType.ELU, _none, NONET),
    schema.BuiltinOperator.PRELU: (OpType.PRELU, _none, NONET),
    schema.BuiltinOperator.LOG_SOFTMAX: (OpType.LOG_SOFTMAX, _none, schema.LogSoftmaxOptionsT),
    schema.BuiltinOperator.SHAPE: (OpType.SHAPE, _shape, schema.ShapeOptionsT),
    schema.BuiltinOperator.RESIZE_BILINEAR: (OpType.RESIZE_BILINEAR, _resize, schema.ResizeBilinearOptionsT),
    schema.BuiltinOperator.TRANSPOSE_CONV: (OpType.TRANSPOSE_CONV, _transpose_conv, schema.TransposeConvOptionsT),
    schema.BuiltinOperator.BATCH_MATMUL: (OpType.BATCH_MATMUL, _batch_matmul, schema.BatchMatMulOptionsT),
    schema.BuiltinOperator.SVDF: (OpType.SVDF, _svdf, schema.SVDFOptionsT),
    schema.BuiltinOperator.UNIDIRECTIONAL_SEQUENCE_LSTM: (OpType.UNIDIRECTIONAL_SEQUENCE_LSTM, _lstm,
                                                          schema.UnidirectionalSequenceLSTMOptionsT),
}

BUILTIN_NAMES: dict[int, str] = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}


def builtin_name(code: int) -> str:
    return BUILTIN_NAMES.get(code, f"builtin #{code}")


def supported_builtins() -> list[str]:
    return sorted(builtin_name(c) for c in OP_TABLE)


def read_options(code: int, options_obj: Any) -> dict[str, Any]:
    """Options of a supported builtin as a plain dict (defaults when the model omits them)."""
    _, reader, cls = OP_TABLE[code]
    if options_obj is None:
        options_obj = cls()
    return reader(options_obj)
