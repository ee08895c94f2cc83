"""SUB: int8 (or int16, 16x8 models) elementwise subtraction with rescaling, broadcasting up to rank 5, fused activation."""
from __future__ import annotations

import numpy as np

from ..ir import Op, OpType
from ..quant import f32, quantize_multiplier_smaller_than_one_exp
from ._binary import broadcast_fields, check_binary, elementwise_lead, emit_binary_s16
from ._requant import act_clamp
from .base import OpDef, fail, is_int16


def sub_multipliers(s1: float, s2: float, so: float, left_shift: int = 20) -> list[tuple[int, int]]:
    """TFLM CalculateOpDataSub, as the oracle (tflite_micro) computes it: the float32 scales widened to double
    before the ratios, like ADD (some TFLM revisions divide in float32 first; the oracle does not, e.g. scales
    0.003, 0.002 -> 0.004 tell them apart). left_shift: 20 for int8, 15 for int16."""
    twice = 2.0 * max(f32(s1), f32(s2))
    reals = (f32(s1) / twice, f32(s2) / twice, twice / ((1 << left_shift) * f32(so)))
    return [quantize_multiplier_smaller_than_one_exp(float(r)) for r in reals]


class Sub(OpDef):
    type = OpType.SUB
    kernel_headers = ("mf_broadcast.h", "mf_sub.h")
    int16_headers = ("mf_broadcast.h", "mf_binary_s16.h")

    def check(self, op: Op) -> None:
        check_binary(op, int16=True)
        a, b, y = op.inputs[0], op.inputs[1], op.outputs[0]
        act_clamp(op, y)
        try:
            sub_multipliers(a.quant.s, b.quant.s, y.quant.s, 15 if is_int16(op) else 20)
        except ValueError as e:
            raise fail(op, f"input scales {a.quant.s:g}, {b.quant.s:g} and output scale {y.quant.s:g} cannot be "
                       f"quantised ({e})", "TFLM rejects this SUB too; check the model's quantisation") from None

    def macs(self, op: Op) -> int:
        return op.outputs[0].num_elements

    def overlap_lead(self, op: Op, index: int) -> int | None:
        return elementwise_lead(op, index)

    def emit(self, op: Op, ctx) -> str:
        a, b, y = op.inputs[0], op.inputs[1], op.outputs[0]
        left_shift = 15 if is_int16(op) else 20
        (m1, s1), (m2, s2), (mo, so) = sub_multipliers(a.quant.s, b.quant.s, y.quant.s, left_shift)
        lo, hi = act_clamp(op, y)
        if is_int16(op):
            return emit_binary_s16(op, ctx, "mf_sub_s16", left_shift=left_shift, in1_mult=m1, in1_shift=s1, in2_mult=m2,
                                   in2_shift=s2, out_mult=mo, out_shift=so, act_min=lo, act_max=hi)
        p = ctx.params("mf_sub_params_t", dict(
            in1_offset=-a.quant.zp, in2_offset=-b.quant.zp, left_shift=20, in1_mult=m1, in1_shift=s1,
            in2_mult=m2, in2_shift=s2, out_mult=mo, out_shift=so, out_offset=y.quant.zp, act_min=lo, act_max=hi,
            **broadcast_fields(op)))
        return f"mf_sub_s8(&{p}, {ctx.ptr(a)}, {ctx.ptr(b)}, {ctx.ptr(y)});"
