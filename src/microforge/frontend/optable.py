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


def _conv(o) -> dict[str, Any]:
    return dict(padding=_pad(o), stride_h=o.strideH, stride_w=o.strideW,
                dilation_h=o.dilationHFactor, dilation_w=o.dilationWFactor, activation=_act(o))


def _depthwise(o) -> dict[str, Any]:
    return dict(_conv(o), depth_multiplier=o.depthMultiplier)


def _pool(o) -> dict[str, Any]:
    return dict(padding=_pad(o), stride_h=o.strideH, stride_w=o.strideW,
                filter_h=o.filterHeight, filter_w=o.filterWidth, activation=_act(o))


def _fc(o) -> dict[str, Any]:
    return dict(activation=_act(o), weights_format=o.weightsFormat, keep_num_dims=bool(o.keepNumDims),
                asymmetric_quantize_inputs=bool(o.asymmetricQuantizeInputs))


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


# BuiltinOperator -> (IR op type, reader of its builtin options object; called with None when absent).
OP_TABLE: dict[int, tuple[OpType, Callable[[Any], dict[str, Any]], type | None]] = {
    schema.BuiltinOperator.CONV_2D: (OpType.CONV_2D, _conv, schema.Conv2DOptionsT),
    schema.BuiltinOperator.DEPTHWISE_CONV_2D: (OpType.DEPTHWISE_CONV_2D, _depthwise, schema.DepthwiseConv2DOptionsT),
    schema.BuiltinOperator.FULLY_CONNECTED: (OpType.FULLY_CONNECTED, _fc, schema.FullyConnectedOptionsT),
    schema.BuiltinOperator.ADD: (OpType.ADD, _add, schema.AddOptionsT),
    schema.BuiltinOperator.AVERAGE_POOL_2D: (OpType.AVERAGE_POOL_2D, _pool, schema.Pool2DOptionsT),
    schema.BuiltinOperator.MAX_POOL_2D: (OpType.MAX_POOL_2D, _pool, schema.Pool2DOptionsT),
    schema.BuiltinOperator.MEAN: (OpType.MEAN, _reducer, schema.ReducerOptionsT),
    schema.BuiltinOperator.PAD: (OpType.PAD, _none, None),
    schema.BuiltinOperator.PADV2: (OpType.PAD, _none, None),
    schema.BuiltinOperator.RESHAPE: (OpType.RESHAPE, _reshape, schema.ReshapeOptionsT),
    schema.BuiltinOperator.SOFTMAX: (OpType.SOFTMAX, _softmax, schema.SoftmaxOptionsT),
    schema.BuiltinOperator.QUANTIZE: (OpType.QUANTIZE, _none, None),
    schema.BuiltinOperator.DEQUANTIZE: (OpType.DEQUANTIZE, _none, None),
}

BUILTIN_NAMES: dict[int, str] = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}


def builtin_name(code: int) -> str:
    return BUILTIN_NAMES.get(code, f"builtin #{code}")


def supported_builtins() -> list[str]:
    return sorted(builtin_name(c) for c in OP_TABLE)


def read_options(code: int, options_obj: Any) -> dict[str, Any]:
    """Options of a supported builtin as a plain dict (defaults when the model omits them)."""
    _, reader, cls = OP_TABLE[code]
    if options_obj is None and cls is not None:
        options_obj = cls()
    return reader(options_obj)
