"""MEAN: int8 (or int16, 16x8) average over constant axes, with or without keep_dims, rescaled to the output quantisation."""
from __future__ import annotations

import math

import numpy as np

from ..ir import DType, Op, OpType
from ..quant import mean_multiplier, wrap32
from ._requant import expect_supported_rescale
from .base import OpDef, is_int16, expect_arity, expect_const, expect_dtype, expect_quant, expect_shape, fail

MAX_RANK = 5


def _axes(op: Op) -> list[int]:
    a = expect_const(op, op.inputs[1], "axis")
    if a.dtype != DType.INT32:
        raise fail(op, f"axis must be int32, got {a.dtype.name.lower()}")
    rank = len(op.inputs[0].shape)
    out = []
    for v in a.data.reshape(-1).tolist():
        if not -rank <= v < rank:
            raise fail(op, f"axis {v} is out of range for rank {rank}")
        v %= rank
        if v not in out:
            out.append(v)
    return sorted(out)


def _pad5(shape: list[int], stride: list[int]) -> tuple[list[int], list[int]]:
    lead = MAX_RANK - len(shape)
    return [1] * lead + shape, [0] * lead + stride


# The DSP kernel's column sums (runtime/dsp/mf_mean.h, mf_mean_s8_cols) hold 4 channels' sums, less the zero point's
# share, in 16-bit lanes: exact while |sum - zp * n| <= 255 * n < 2^15
COLS_MAX_RED = 128


def mean_fields(x, fields: dict, ctx) -> dict:
    """`fields` plus the DSP column path's flag (cols = 1: mf_mean_s8_cols) where it applies: an int8 DSP build, the
    innermost kept axis contiguous (stride 1) and at least 4 wide, at most COLS_MAX_RED elements reduced into each
    output, and a right shift of 1..22 (mf_rq_e's folded rounding constant fits int32)."""
    if ("dsp" in ctx.kernel_variants and x.dtype == DType.INT8 and fields["kept_stride"][4] == 1
            and fields["kept_shape"][4] >= 4 and fields["n_red"] <= COLS_MAX_RED and -22 <= fields["shift"] <= -1):
        return dict(fields, cols=1)
    return fields


def mean_kernel(op: Op) -> str:
    """mf_mean_s8 or mf_mean_s16 (SUM shares it: the 1/N is folded into the multiplier)."""
    return "mf_mean_s16" if is_int16(op) else "mf_mean_s8"


class Mean(OpDef):
    type = OpType.MEAN
    kernel_headers = ("mf_mean.h",)
    int16_headers = ("mf_mean.h",)  # mf_mean_s16: TFLM's same QuantizedMeanOrSum on int16

    def check(self, op: Op) -> None:
        expect_arity(op, (2,))
        x = expect_dtype(op, op.inputs[0], "input", DType.INT8, DType.INT16)
        y = expect_dtype(op, op.outputs[0], "output", x.dtype)
        expect_quant(op, x, "input")
        expect_quant(op, y, "output")
        if len(x.shape) > MAX_RANK:
            raise fail(op, f"rank {len(x.shape)} is above the supported {MAX_RANK}")
        axes = _axes(op)
        if op.options.get("keep_dims"):
            shape = tuple(1 if i in axes else d for i, d in enumerate(x.shape))
        else:
            shape = tuple(d for i, d in enumerate(x.shape) if i not in axes)
        if math.prod(shape) != y.num_elements:
            expect_shape(op, y, shape)
        expect_supported_rescale(op, float(x.quant.s) / float(y.quant.s), "the input/output scale ratio")

    def macs(self, op: Op) -> int:
        return op.inputs[0].num_elements

    def emit(self, op: Op, ctx) -> str:
        x, y = op.inputs[0], op.outputs[0]
        axes = _axes(op)
        strides = [int(s) for s in np.cumprod([1] + list(x.shape[::-1]))[:-1][::-1]]
        kept = [i for i in range(len(x.shape)) if i not in axes]
        ks, kst = _pad5([x.shape[i] for i in kept], [strides[i] for i in kept])
        rs, rst = _pad5([x.shape[i] for i in axes], [strides[i] for i in axes])
        n_red = math.prod(x.shape[i] for i in axes)
        mult, shift = mean_multiplier(x.quant.s, y.quant.s, n_red)
        p = ctx.params("mf_mean_params_t", mean_fields(x, dict(
            n_out=math.prod(ks), n_red=n_red, kept_shape=ks, kept_stride=kst, red_shape=rs, red_stride=rst,
            in_zp_times_n=wrap32(x.quant.zp * n_red), mult=mult, shift=shift, out_zp=y.quant.zp), ctx))
        return f"{mean_kernel(op)}(&{p}, {ctx.ptr(x)}, {ctx.ptr(y)});"
