"""OpDef: what every op file provides (checks, MAC count, C emission) and shared shape helpers."""
from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from ..errors import MicroforgeError
from ..ir import DType, Op, OpType, Tensor

ACTIVATIONS = ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")


class EmitContext(Protocol):
    """What codegen offers an op while it emits its layer."""

    def ptr(self, tensor: Tensor) -> str:
        """C expression for the address of an activation tensor (typed as its C element type)."""

    def const(self, tensor_or_name: Tensor | str, array: np.ndarray | None = None) -> str:
        """Register a flash-resident constant array; returns its C identifier."""

    def params(self, ctype: str, fields: dict[str, Any]) -> str:
        """Register a `static const` params struct for this layer; returns its identifier."""


class OpDef:
    """Base of every op file. Subclasses set `type`, `kernel_headers` and implement the hooks."""

    type: OpType
    kernel_headers: tuple[str, ...] = ()

    def check(self, op: Op) -> None:
        """Raise MicroforgeError when the op uses something the compiler does not support."""

    def macs(self, op: Op) -> int:
        return 0

    def emit(self, op: Op, ctx: EmitContext) -> str:
        raise NotImplementedError

    def aliases_input(self, op: Op) -> bool:
        """True when the output may share the input's buffer (no code emitted)."""
        return False


# ---- shared checks -------------------------------------------------------------------------

def fail(op: Op, what: str, hint: str | None = None) -> MicroforgeError:
    return MicroforgeError(what, where=op.where, hint=hint)


def expect_arity(op: Op, n_in: tuple[int, ...], n_out: int = 1) -> None:
    if len(op.inputs) not in n_in or len(op.outputs) != n_out:
        raise fail(op, f"expected {'/'.join(map(str, n_in))} inputs and {n_out} output(s), got {len(op.inputs)} and {len(op.outputs)}",
                   "the model is malformed; re-export it")


def expect_dtype(op: Op, t: Tensor | None, role: str, *dtypes: DType) -> Tensor:
    if t is None:
        raise fail(op, f"missing {role} tensor", "the model is malformed; re-export it")
    if t.dtype not in dtypes:
        names = " or ".join(d.name.lower() for d in dtypes)
        hint = ("convert the model with full-integer (int8) post-training quantisation"
                if t.dtype in (DType.FLOAT32, DType.FLOAT16) else
                "only int8 activations with int8 weights and int32 biases are supported so far")
        raise fail(op, f"{role} tensor '{t.name}' is {t.dtype.name.lower()}, expected {names}", hint)
    return t


def expect_quant(op: Op, t: Tensor, role: str, per_tensor: bool = True) -> None:
    if t.quant is None:
        raise fail(op, f"{role} tensor '{t.name}' has no quantisation parameters",
                   "convert the model with full-integer (int8) post-training quantisation")
    if per_tensor and t.quant.per_channel:
        raise fail(op, f"{role} tensor '{t.name}' must be quantised per tensor, not per channel")


def expect_const(op: Op, t: Tensor | None, role: str) -> Tensor:
    if t is None or not t.is_const:
        raise fail(op, f"{role} must be a constant tensor", "dynamic weights/shapes are not supported; freeze them in the model")
    return t


def expect_activation(op: Op) -> str:
    act = op.options.get("activation", "NONE")
    if act not in ACTIVATIONS:
        raise fail(op, f"fused activation {act} is not supported", "supported: " + ", ".join(ACTIVATIONS))
    return act


def expect_shape(op: Op, t: Tensor, shape: tuple[int, ...], role: str = "output") -> None:
    if tuple(t.shape) != tuple(shape):
        raise fail(op, f"{role} tensor '{t.name}' has shape {list(t.shape)} but the op computes {list(shape)}",
                   "the model is malformed; re-export it")


def expect_rank(op: Op, t: Tensor, rank: int, role: str) -> None:
    if len(t.shape) != rank:
        raise fail(op, f"{role} tensor '{t.name}' must have rank {rank}, has shape {list(t.shape)}")


def window(op: Op, in_size: int, filter_size: int, stride: int, dilation: int, padding: str) -> tuple[int, int]:
    """(output size, leading pad) as TFLite computes them; the odd extra pad goes to the end."""
    if stride < 1 or dilation < 1 or filter_size < 1:
        raise fail(op, f"stride {stride}, dilation {dilation} and filter size {filter_size} must all be >= 1")
    eff = (filter_size - 1) * dilation + 1
    if padding == "SAME":
        out = (in_size + stride - 1) // stride
    elif padding == "VALID":
        out = (in_size - eff + stride) // stride
    else:
        raise fail(op, f"padding {padding} is not supported", "supported: SAME, VALID")
    if out < 1:
        raise fail(op, f"the {filter_size}-wide window (dilation {dilation}) does not fit an input of size {in_size}")
    total = max((out - 1) * stride + eff - in_size, 0)
    return out, total // 2


def np_ctype(arr: np.ndarray) -> str:
    return {np.dtype("int8"): "int8_t", np.dtype("int16"): "int16_t", np.dtype("int32"): "int32_t",
            np.dtype("uint8"): "uint8_t", np.dtype("float32"): "float", np.dtype("int64"): "int64_t"}[arr.dtype]
