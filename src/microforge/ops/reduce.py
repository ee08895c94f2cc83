"""SUM (int8 or int16), REDUCE_MAX, REDUCE_MIN (int8; constant axes): the MEAN machinery without the 1/N, or a raw max/min."""
from __future__ import annotations

import math

import numpy as np

from ..ir import Op, OpType
from ..quant import f32, quantize_multiplier, wrap32
from .base import fail, refuse_int16
from .mean import Mean, _axes, _pad5, mean_fields, mean_kernel


def _layout(op: Op) -> tuple[dict, int]:
    x = op.inputs[0]
    axes = _axes(op)
    strides = [int(s) for s in np.cumprod([1] + list(x.shape[::-1]))[:-1][::-1]]
    kept = [i for i in range(len(x.shape)) if i not in axes]
    ks, kst = _pad5([x.shape[i] for i in kept], [strides[i] for i in kept])
    rs, rst = _pad5([x.shape[i] for i in axes], [strides[i] for i in axes])
    n_red = math.prod(x.shape[i] for i in axes)
    return dict(n_out=math.prod(ks), n_red=n_red, kept_shape=ks, kept_stride=kst, red_shape=rs, red_stride=rst), n_red


class Sum(Mean):
    type = OpType.SUM

    def emit(self, op: Op, ctx) -> str:
        x, y = op.inputs[0], op.outputs[0]
        fields, n_red = _layout(op)
        mult, shift = quantize_multiplier(f32(x.quant.s) / f32(y.quant.s))
        p = ctx.params("mf_mean_params_t", mean_fields(x, dict(fields, in_zp_times_n=wrap32(x.quant.zp * n_red), mult=mult,
                                                               shift=shift, out_zp=y.quant.zp), ctx))
        return f"{mean_kernel(op)}(&{p}, {ctx.ptr(x)}, {ctx.ptr(y)});"


class ReduceMax(Mean):
    type = OpType.REDUCE_MAX
    kernel_headers = ("mf_mean.h", "mf_reduce.h")
    int16_headers = ()
    fn = "mf_reduce_max_s8"

    def check(self, op: Op) -> None:
        refuse_int16(op)
        super().check(op)
        x, y = op.inputs[0], op.outputs[0]
        if f32(x.quant.s) != f32(y.quant.s):
            raise fail(op, f"input scale {x.quant.s:g} differs from output scale {y.quant.s:g}",
                       "TFLM requires equal scales for int8 REDUCE_MAX/REDUCE_MIN")

    def emit(self, op: Op, ctx) -> str:
        x, y = op.inputs[0], op.outputs[0]
        fields, _ = _layout(op)
        p = ctx.params("mf_mean_params_t", dict(fields, in_zp_times_n=0, mult=0, shift=0, out_zp=0))
        return f"{self.fn}(&{p}, {ctx.ptr(x)}, {ctx.ptr(y)});"


class ReduceMin(ReduceMax):
    type = OpType.REDUCE_MIN
    fn = "mf_reduce_min_s8"
