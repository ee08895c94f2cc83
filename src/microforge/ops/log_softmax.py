"""LOG_SOFTMAX (int8) over the last axis: exp (SOFTMAX's, in the kernel), sum and gemmlowp fixed-point log per row in C."""
from __future__ import annotations

import numpy as np

from ..ir import DType, Op, OpType
from ..quant import quantize_multiplier_smaller_than_one_exp, softmax_params
from .base import OpDef, expect_arity, expect_dtype, expect_quant, expect_shape, fail, refuse_int16, lead_from_reads

# TFLM fixes the int8 output quantisation: scale 16/256 (compared exactly in float32), zero point 127.
OUT_SCALE, OUT_ZP = np.float32(16.0 / 256), 127
MAX_DEPTH = (1 << 12) - 1  # each exp adds at most 1.0 (2^19) to the Q12.19 sum


def log_softmax_params(op: Op) -> dict:
    """TFLM's PreprocessLogSoftmaxScalingExp with beta 1: input multiplier/shift, reverse scaling, diff_min."""
    sp = softmax_params(1.0, op.inputs[0].quant.s)
    if sp.input_left_shift < 1:
        raise fail(op, f"input scale {op.inputs[0].quant.s:g} is too large: TFLM's reverse scaling overflows "
                   "(1 << 31) for it", "use an input scale below 2^-26 * 2^31 (e.g. < 32)")
    real_reverse = float(1 << (31 - sp.input_left_shift)) / float(sp.input_multiplier)
    rev_m, rev_shift = quantize_multiplier_smaller_than_one_exp(real_reverse)
    return dict(input_multiplier=sp.input_multiplier, input_left_shift=sp.input_left_shift,
                reverse_multiplier=rev_m, reverse_shift=rev_shift, diff_min=sp.diff_min)


class LogSoftmax(OpDef):
    type = OpType.LOG_SOFTMAX
    kernel_headers = ("mf_softmax.h", "mf_log_softmax.h")

    def check(self, op: Op) -> None:
        refuse_int16(op)
        expect_arity(op, (1,))
        x = expect_dtype(op, op.inputs[0], "input", DType.INT8)
        y = expect_dtype(op, op.outputs[0], "output", DType.INT8)
        expect_quant(op, x, "input")
        expect_quant(op, y, "output")
        expect_shape(op, y, x.shape)
        if np.float32(y.quant.s) != OUT_SCALE or y.quant.zp != OUT_ZP:
            raise fail(op, f"output quantisation must be scale 16/256, zero point 127 (got {y.quant.s:g}, {y.quant.zp})",
                       "TFLM requires exactly this; re-convert the model")
        if not x.shape:
            raise fail(op, "input must have rank >= 1")
        if x.shape[-1] > MAX_DEPTH:
            raise fail(op, f"the last axis has {x.shape[-1]} elements: a row of equal values overflows TFLM's Q12.19 "
                       f"sum of exps (undefined behaviour in its fixed-point log)", f"at most {MAX_DEPTH} are supported")
        try:
            log_softmax_params(op)
        except ValueError as e:
            raise fail(op, f"input scale {x.quant.s:g} cannot be quantised as TFLM does ({e})") from None

    def overlap_lead(self, op: Op, index: int) -> int | None:
        """Per row: max and sum read the whole row, then out[c] is written right after reading in[c]."""
        return lead_from_reads(np.arange(op.inputs[0].num_elements), 1)

    def emit(self, op: Op, ctx) -> str:
        x, y = op.inputs[0], op.outputs[0]
        lp = log_softmax_params(op)
        depth = x.shape[-1]
        p = ctx.params("mf_log_softmax_params_t", dict(
            rows=x.num_elements // depth, depth=depth, **lp))
        return f"mf_log_softmax_s8(&{p}, {ctx.ptr(x)}, {ctx.ptr(y)});"
