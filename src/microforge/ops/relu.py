"""RELU, RELU6, LEAKY_RELU: int8 as exact lookup tables built from TFLM's integer arithmetic; int16 (16x8) computed."""
from __future__ import annotations

import numpy as np

from ..ir import DType, Op, OpType
from ..quant import multiply_by_quantized_multiplier as mbqm, quantize_multiplier, tflite_round
from ._lut import LutOp, table_of
from .base import expect_arity, expect_dtype, expect_quant, expect_shape, fail, is_int16, lead_from_reads

IDENTITY = (1 << 30, 1)  # mbqm(x, 2^30, 1) == x for every int16 x: the multiplier of "no rescaling"


class _ActivationS16(LutOp):
    """int8: the table of LutOp; int16: runtime/portable/mf_activation_s16.h with the fields of `s16_fields`."""

    int16_headers = ("mf_activation_s16.h",)

    def s16_fields(self, op: Op) -> dict:
        """pos_mult/pos_shift, neg_mult/neg_shift, neg_negate, act_min/act_max of mf_activation_s16."""
        raise NotImplementedError

    def check(self, op: Op) -> None:
        if not is_int16(op):
            return super().check(op)
        expect_arity(op, (1,))
        x = expect_dtype(op, op.inputs[0], "input", DType.INT16)
        y = expect_dtype(op, op.outputs[0], "output", DType.INT16)
        expect_quant(op, x, "input")
        if self.output_quantised:
            expect_quant(op, y, "output")
        expect_shape(op, y, x.shape)
        f = self.s16_fields(op)
        for side in ("pos", "neg"):
            if f[f"{side}_mult"] and not -31 <= f[f"{side}_shift"] <= 30:
                raise fail(op, f"the rescaling of the {'non-negative' if side == 'pos' else 'negative'} inputs needs a "
                           f"shift of {f[f'{side}_shift']}, outside the [-31, 30] TFLM's integer arithmetic supports",
                           "check the input and output scales")

    def overlap_lead(self, op: Op, index: int) -> int | None:
        """out[i] is written right after reading in[i]: the output may start exactly at the input."""
        x, y = op.inputs[0], op.outputs[0]
        return lead_from_reads(np.arange(x.num_elements) * x.dtype.size, y.dtype.size)

    def emit(self, op: Op, ctx) -> str:
        if not is_int16(op):
            return super().emit(op, ctx)
        x, y = op.inputs[0], op.outputs[0]
        p = ctx.params("mf_activation_s16_params_t", dict(size=y.num_elements, **self.s16_fields(op)))
        return f"mf_activation_s16(&{p}, {ctx.ptr(x)}, {ctx.ptr(y)});"


class Relu(_ActivationS16):
    """RELU: requantise (in_scale/out_scale taken in float32) and clamp at the output's zero."""

    type = OpType.RELU

    def table(self, op: Op) -> np.ndarray:
        x, y = op.inputs[0].quant, op.outputs[0].quant
        m, s = quantize_multiplier(float(np.float32(x.s) / np.float32(y.s)))
        lo = max(-128, y.zp)  # roundf(0 / scale) = 0
        return table_of(lambda v: min(127, max(lo, y.zp + mbqm(v - x.zp, m, s))))

    def s16_fields(self, op: Op) -> dict:
        m, s = quantize_multiplier(float(np.float32(op.inputs[0].quant.s) / np.float32(op.outputs[0].quant.s)))
        return dict(pos_mult=m, pos_shift=s, neg_mult=m, neg_shift=s, neg_negate=0, act_min=0, act_max=32767)


class Relu6(_ActivationS16):
    """RELU6: TFLM clamps raw values to [in_zp, Q_in(6)] and ignores the output quantisation."""

    type = OpType.RELU6
    output_quantised = False

    def table(self, op: Op) -> np.ndarray:
        x = op.inputs[0].quant
        six = max(-128, min(127, tflite_round(float(np.float32(6.0) / np.float32(x.s))) + x.zp))
        lo = x.zp
        return table_of(lambda v: six if v > six else (lo if v < lo else v))

    def s16_fields(self, op: Op) -> dict:
        six = min(32767, tflite_round(float(np.float32(6.0) / np.float32(op.inputs[0].quant.s))))
        m, s = IDENTITY
        return dict(pos_mult=m, pos_shift=s, neg_mult=m, neg_shift=s, neg_negate=0, act_min=0, act_max=six)


class LeakyRelu(_ActivationS16):
    """LEAKY_RELU: identity and alpha multipliers (both products in float32), negative alpha allowed."""

    type = OpType.LEAKY_RELU

    @staticmethod
    def multipliers(op: Op) -> tuple[tuple[int, int], tuple[int, int]]:
        """(identity, alpha) multipliers: in/out and in*alpha/out, each product taken in float32 as TFLM does."""
        x, y = op.inputs[0].quant, op.outputs[0].quant
        alpha = np.float32(op.options.get("alpha", 0.0))
        return (quantize_multiplier(float(np.float32(x.s) / np.float32(y.s))),
                quantize_multiplier(float(np.float32(x.s) * alpha / np.float32(y.s))))

    def s16_fields(self, op: Op) -> dict:
        (mi, si), (ma, sa) = self.multipliers(op)
        return dict(pos_mult=mi, pos_shift=si, neg_mult=abs(ma), neg_shift=sa, neg_negate=int(ma < 0),
                    act_min=-32768, act_max=32767)

    def table(self, op: Op) -> np.ndarray:
        x, y = op.inputs[0].quant, op.outputs[0].quant
        (mi, si), (ma, sa) = self.multipliers(op)

        def f(v: int) -> int:
            d = v - x.zp
            if d >= 0:
                r = mbqm(d, mi, si)
            else:
                r = mbqm(d, abs(ma), sa)
                r = -r if ma < 0 else r
            return min(127, max(-128, y.zp + r))
        return table_of(f)
