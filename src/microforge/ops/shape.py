"""SHAPE: the input's dimensions, known at compile time, written to the int32 output (TFLM rejects int64)."""
from __future__ import annotations

from ..ir import DType, Op, OpType
from .base import OpDef, expect_arity, expect_shape, fail

MAX_RANK = 8


class Shape(OpDef):
    """The dims live in the layer's params struct; the kernel copies them (the input is never read)."""

    type = OpType.SHAPE
    kernel_headers = ("mf_shape.h",)

    def check(self, op: Op) -> None:
        expect_arity(op, (1,))
        x, y = op.inputs[0], op.outputs[0]
        if x is None:
            raise fail(op, "missing input tensor", "the model is malformed; re-export it")
        if y.dtype != DType.INT32:
            raise fail(op, f"output '{y.name}' is {y.dtype.name.lower()}; TFLM's SHAPE writes int32 only",
                       "convert the model with out_type=tf.int32")
        if not 1 <= len(x.shape) <= MAX_RANK:
            raise fail(op, f"input rank {len(x.shape)} is not supported (1 to {MAX_RANK})")
        expect_shape(op, y, (len(x.shape),))

    def emit(self, op: Op, ctx) -> str:
        x, y = op.inputs[0], op.outputs[0]
        dims = list(x.shape) + [0] * (MAX_RANK - len(x.shape))
        p = ctx.params("mf_shape_params_t", dict(rank=len(x.shape), dims=dims))
        return f"mf_shape_s32(&{p}, {ctx.ptr(y)});"
