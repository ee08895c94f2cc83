"""Shared checks and broadcast parameters of the int8 elementwise binary ops (SUB, MUL, MINIMUM, ...)."""
from __future__ import annotations

import numpy as np

from ..ir import DType, Op
from .add import MAX_RANK, broadcast_shape, broadcast_strides
from .base import expect_arity, expect_dtype, expect_quant, expect_shape, fail, lead_from_reads


def check_binary(op: Op, quantised: bool = True, int16: bool = False) -> None:
    """Two int8 inputs broadcasting (numpy rules, rank <= 5) to the int8 output; or all three int16 if `int16`."""
    expect_arity(op, (2,))
    a = expect_dtype(op, op.inputs[0], "first input", *((DType.INT8, DType.INT16) if int16 else (DType.INT8,)))
    b = expect_dtype(op, op.inputs[1], "second input", a.dtype)
    y = expect_dtype(op, op.outputs[0], "output", a.dtype)
    if quantised:
        for t, role in ((a, "first input"), (b, "second input"), (y, "output")):
            expect_quant(op, t, role)
    shape = broadcast_shape(op, a.shape, b.shape)
    if len(shape) > MAX_RANK:
        raise fail(op, f"rank {len(shape)} is above the supported {MAX_RANK}")
    expect_shape(op, y, shape)


def broadcast_fields(op: Op) -> dict:
    """out_shape/in1_strides/in2_strides for MF_BROADCAST_5D (one flat loop when no input broadcasts)."""
    a, b, y = op.inputs[0], op.inputs[1], op.outputs[0]
    if tuple(a.shape) == tuple(b.shape):
        n = y.num_elements
        return dict(out_shape=[1, 1, 1, 1, n], in1_strides=[0, 0, 0, 0, 1], in2_strides=[0, 0, 0, 0, 1])
    out_shape = (1,) * (MAX_RANK - len(y.shape)) + tuple(y.shape)
    return dict(out_shape=list(out_shape), in1_strides=broadcast_strides(a.shape, y.shape),
                in2_strides=broadcast_strides(b.shape, y.shape))


def elementwise_lead(op: Op, index: int) -> int | None:
    """out[i] is written after reading element i of each same-shaped input; a broadcast input is re-read."""
    x, y = op.inputs[index], op.outputs[0]
    if tuple(x.shape) != tuple(y.shape):
        return None
    return lead_from_reads(np.arange(y.num_elements) * x.dtype.size, y.dtype.size)


def emit_binary_s16(op: Op, ctx, kernel: str, **fields) -> str:
    """The call of an int16 ADD/SUB/MUL kernel of runtime/portable/mf_binary_s16.h (unused fields stay 0)."""
    a, b, y = op.inputs[0], op.inputs[1], op.outputs[0]
    p = ctx.params("mf_binary_s16_params_t", dict(fields, **broadcast_fields(op)))
    return f"{kernel}(&{p}, {ctx.ptr(a)}, {ctx.ptr(b)}, {ctx.ptr(y)});"
