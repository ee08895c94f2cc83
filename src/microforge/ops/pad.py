"""PAD / PADV2 on int8 or int16 (PAD fills with the zero point, PADV2 with its constant), up to rank 5."""
from __future__ import annotations

import numpy as np

from ..ir import DType, Op, OpType
from .base import OpDef, is_int16, expect_arity, expect_const, expect_dtype, expect_quant, expect_shape, fail

MAX_RANK = 5


class Pad(OpDef):
    type = OpType.PAD
    kernel_headers = ("mf_pad.h",)
    int16_headers = ("mf_pad.h",)  # mf_pad_s16: TFLM pads int16 with 0 (the zero point) or the PADV2 constant

    def check(self, op: Op) -> None:
        expect_arity(op, (2, 3))
        x = expect_dtype(op, op.inputs[0], "input", DType.INT8, DType.INT16)
        y = expect_dtype(op, op.outputs[0], "output", x.dtype)
        expect_quant(op, x, "input")
        expect_quant(op, y, "output")
        if x.quant.s != y.quant.s or x.quant.zp != y.quant.zp:
            raise fail(op, "input and output quantisation differ; PAD cannot rescale")
        if len(x.shape) > MAX_RANK:
            raise fail(op, f"rank {len(x.shape)} is above the supported {MAX_RANK}")
        pads = self._paddings(op)
        if pads.shape != (len(x.shape), 2):
            raise fail(op, f"paddings has shape {list(pads.shape)}, expected [{len(x.shape)}, 2]")
        if (pads < 0).any():
            raise fail(op, "negative paddings are not supported")
        expect_shape(op, y, tuple(int(d + a + b) for d, (a, b) in zip(x.shape, pads)))
        if len(op.inputs) == 3 and op.inputs[2] is not None:
            v = expect_dtype(op, expect_const(op, op.inputs[2], "constant value"), "constant value", x.dtype)
            if v.num_elements != 1:
                raise fail(op, "the PADV2 constant value must be a scalar")

    @staticmethod
    def _paddings(op: Op) -> np.ndarray:
        p = expect_const(op, op.inputs[1], "paddings")
        if p.dtype not in (DType.INT32, DType.INT64):
            raise fail(op, f"paddings must be int32 or int64, got {p.dtype.name.lower()}")
        return p.data.astype(np.int64).reshape(-1, 2) if p.num_elements % 2 == 0 else p.data.reshape(-1, 1)

    def emit(self, op: Op, ctx) -> str:
        x, y = op.inputs[0], op.outputs[0]
        pads = self._paddings(op)
        lead = MAX_RANK - len(x.shape)
        value = int(op.inputs[2].data.reshape(-1)[0]) if len(op.inputs) == 3 and op.inputs[2] is not None else y.quant.zp
        p = ctx.params("mf_pad_params_t", dict(
            in_shape=[1] * lead + list(x.shape), out_shape=[1] * lead + list(y.shape),
            pad_before=[0] * lead + [int(a) for a, _ in pads], value=value))
        return f"{'mf_pad_s16' if is_int16(op) else 'mf_pad_s8'}(&{p}, {ctx.ptr(x)}, {ctx.ptr(y)});"
