"""AVERAGE_POOL_2D and MAX_POOL_2D on int8 or int16 (16x8; no rescaling: output quantisation equals the input's)."""
from __future__ import annotations

import numpy as np

from ..ir import DType, Op, OpType
from ._requant import act_clamp
from .base import (OpDef, is_int16, expect_arity, expect_dtype, expect_quant, expect_rank, expect_shape, fail, first_taps, lead_from_reads,
                   padding_of, window)


class _Pool(OpDef):
    kernel_headers = ("mf_pool_loop.h", "mf_pooling.h")
    int16_headers = ("mf_pool_loop.h", "mf_pooling.h", "mf_pooling_s16.h")
    kernel: str  # the int8 kernel; the int16 one ends in _s16

    def check(self, op: Op) -> None:
        expect_arity(op, (1,))
        x = expect_dtype(op, op.inputs[0], "input", DType.INT8, DType.INT16)
        y = expect_dtype(op, op.outputs[0], "output", x.dtype)
        for t, role in ((x, "input"), (y, "output")):
            expect_quant(op, t, role)
            expect_rank(op, t, 4, role)
        o = op.options
        if o["filter_h"] < 1 or o["filter_w"] < 1:
            raise fail(op, f"filter size {o['filter_h']}x{o['filter_w']} must be positive")
        oh, _ = window(op, x.shape[1], o["filter_h"], o["stride_h"], 1, padding_of(op, 0))
        ow, _ = window(op, x.shape[2], o["filter_w"], o["stride_w"], 1, padding_of(op, 1))
        expect_shape(op, y, (x.shape[0], oh, ow, x.shape[3]))
        act_clamp(op, y)

    def macs(self, op: Op) -> int:
        return op.outputs[0].num_elements * op.options["filter_h"] * op.options["filter_w"]

    def overlap_lead(self, op: Op, index: int) -> int | None:
        """pool() writes out[b][oy][ox][c] after reading channel c of its window, clipped to the image."""
        x, y = op.inputs[0], op.outputs[0]
        o = op.options
        _, pad_t = window(op, x.shape[1], o["filter_h"], o["stride_h"], 1, padding_of(op, 0))
        _, pad_l = window(op, x.shape[2], o["filter_w"], o["stride_w"], 1, padding_of(op, 1))
        c = x.shape[3]
        taps = first_taps(x.shape[1], x.shape[2], y.shape[1], y.shape[2], o["filter_h"], o["filter_w"], o["stride_h"],
                          o["stride_w"], 1, 1, pad_t, pad_l).reshape(1, -1, 1) * c
        batch = (np.arange(x.shape[0]) * (x.num_elements // x.shape[0])).reshape(-1, 1, 1)
        return lead_from_reads((taps + batch + np.arange(c).reshape(1, 1, -1)) * x.dtype.size, y.dtype.size)

    def emit(self, op: Op, ctx) -> str:
        x, y = op.inputs[0], op.outputs[0]
        o = op.options
        _, pad_t = window(op, x.shape[1], o["filter_h"], o["stride_h"], 1, padding_of(op, 0))
        _, pad_l = window(op, x.shape[2], o["filter_w"], o["stride_w"], 1, padding_of(op, 1))
        lo, hi = act_clamp(op, y)
        p = ctx.params("mf_pool_params_t", dict(
            batches=x.shape[0], in_h=x.shape[1], in_w=x.shape[2], channels=x.shape[3], out_h=y.shape[1], out_w=y.shape[2],
            f_h=o["filter_h"], f_w=o["filter_w"], stride_h=o["stride_h"], stride_w=o["stride_w"],
            pad_top=pad_t, pad_left=pad_l, act_min=lo, act_max=hi))
        kernel = self.kernel.replace("_s8", "_s16") if is_int16(op) else self.kernel
        return f"{kernel}(&{p}, {ctx.ptr(x)}, {ctx.ptr(y)});"


class AveragePool2D(_Pool):
    type = OpType.AVERAGE_POOL_2D
    kernel = "mf_avg_pool_s8"


class MaxPool2D(_Pool):
    type = OpType.MAX_POOL_2D
    kernel = "mf_max_pool_s8"
