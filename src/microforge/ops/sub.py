"""SUB: int8 elementwise subtraction with rescaling, broadcasting up to rank 5, fused activation."""
from __future__ import annotations

import numpy as np

from ..ir import Op, OpType
from ..quant import quantize_multiplier_smaller_than_one_exp
from ._binary import broadcast_fields, check_binary, elementwise_lead
from ._requant import act_clamp
from .base import OpDef, fail


def sub_multipliers(s1: float, s2: float, so: float) -> list[tuple[int, int]]:
    """TFLM CalculateOpDataSub: unlike ADD, the scale ratios are taken in float32 before widening."""
    f = np.float32
    twice = f(2) * max(f(s1), f(s2))
    reals = (f(s1) / twice, f(s2) / twice, twice / (f(1 << 20) * f(so)))
    return [quantize_multiplier_smaller_than_one_exp(float(r)) for r in reals]


class Sub(OpDef):
    type = OpType.SUB
    kernel_headers = ("mf_broadcast.h", "mf_sub.h")

    def check(self, op: Op) -> None:
        check_binary(op)
        a, b, y = op.inputs[0], op.inputs[1], op.outputs[0]
        act_clamp(op, y)
        try:
            sub_multipliers(a.quant.s, b.quant.s, y.quant.s)
        except ValueError as e:
            raise fail(op, f"input scales {a.quant.s:g}, {b.quant.s:g} and output scale {y.quant.s:g} cannot be "
                       f"quantised ({e})", "TFLM rejects this SUB too; check the model's quantisation") from None

    def macs(self, op: Op) -> int:
        return op.outputs[0].num_elements

    def overlap_lead(self, op: Op, index: int) -> int | None:
        return elementwise_lead(op, index)

    def emit(self, op: Op, ctx) -> str:
        a, b, y = op.inputs[0], op.inputs[1], op.outputs[0]
        (m1, s1), (m2, s2), (mo, so) = sub_multipliers(a.quant.s, b.quant.s, y.quant.s)
        lo, hi = act_clamp(op, y)
        p = ctx.params("mf_sub_params_t", dict(
            in1_offset=-a.quant.zp, in2_offset=-b.quant.zp, left_shift=20, in1_mult=m1, in1_shift=s1,
            in2_mult=m2, in2_shift=s2, out_mult=mo, out_shift=so, out_offset=y.quant.zp, act_min=lo, act_max=hi,
            **broadcast_fields(op)))
        return f"mf_sub_s8(&{p}, {ctx.ptr(a)}, {ctx.ptr(b)}, {ctx.ptr(y)});"
