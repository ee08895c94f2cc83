"""Shared checks of the data-movement ops: constant int operands, axes, matching element types."""
from __future__ import annotations

import numpy as np

from ..ir import DType, Op, Tensor
from .base import expect_const, fail

COPY_DTYPES = (DType.INT8, DType.INT16, DType.INT32, DType.UINT8, DType.FLOAT32, DType.BOOL, DType.INT64)


def const_ints(op: Op, t: Tensor | None, role: str) -> list[int]:
    t = expect_const(op, t, role)
    if t.dtype not in (DType.INT32, DType.INT64):
        raise fail(op, f"{role} must be int32 or int64, got {t.dtype.name.lower()}")
    return [int(v) for v in np.asarray(t.data).reshape(-1)]


def norm_axis(op: Op, axis: int, rank: int, what: str = "axis") -> int:
    if not -rank <= axis < rank:
        raise fail(op, f"{what} {axis} is out of range for rank {rank}")
    return axis % rank


def expect_same_type(op: Op, x: Tensor | None, y: Tensor, role: str = "input") -> Tensor:
    """Copy ops move bytes: input and output must have the same element type."""
    if x is None:
        raise fail(op, f"missing {role} tensor", "the model is malformed; re-export it")
    if x.dtype not in COPY_DTYPES:
        raise fail(op, f"{role} tensor '{x.name}' is {x.dtype.name.lower()}, which this op does not move")
    if x.dtype != y.dtype:
        raise fail(op, f"{role} is {x.dtype.name.lower()} but output '{y.name}' is {y.dtype.name.lower()}")
    return x


def expect_same_quant(op: Op, x: Tensor, y: Tensor) -> None:
    """TFLM's int8 copy kernels do not rescale and reject differing quantisation."""
    if x.dtype == DType.INT8 and x.quant is not None and y.quant is not None and \
            (np.float32(x.quant.s) != np.float32(y.quant.s) or x.quant.zp != y.quant.zp):
        raise fail(op, f"'{x.name}' and '{y.name}' are quantised differently; this op cannot rescale",
                   "TFLM rejects this too; re-convert the model")
