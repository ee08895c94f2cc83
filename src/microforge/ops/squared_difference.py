"""SQUARED_DIFFERENCE: int8 (a - b)^2 with TFLM's common-scale arithmetic (left shift 7), broadcasting."""
from __future__ import annotations

from ..ir import Op, OpType
from ..quant import f32, quantize_multiplier, quantize_multiplier_smaller_than_one_exp
from ._binary import broadcast_fields, check_binary, elementwise_lead
from .base import OpDef, fail

LEFT_SHIFT = 7


def squared_difference_multipliers(s1: float, s2: float, so: float) -> list[tuple[int, int]]:
    twice = 2.0 * max(f32(s1), f32(s2))
    return [quantize_multiplier_smaller_than_one_exp(f32(s1) / twice),
            quantize_multiplier_smaller_than_one_exp(f32(s2) / twice),
            quantize_multiplier(twice * twice / f32((1 << 2 * LEFT_SHIFT) * f32(so)))]


class SquaredDifference(OpDef):
    type = OpType.SQUARED_DIFFERENCE
    kernel_headers = ("mf_broadcast.h", "mf_squared_difference.h")

    def check(self, op: Op) -> None:
        check_binary(op)
        a, b, y = op.inputs[0], op.inputs[1], op.outputs[0]
        try:
            squared_difference_multipliers(a.quant.s, b.quant.s, y.quant.s)
        except ValueError as e:
            raise fail(op, f"scales {a.quant.s:g}, {b.quant.s:g} -> {y.quant.s:g} cannot be quantised ({e})") from None

    def macs(self, op: Op) -> int:
        return op.outputs[0].num_elements

    def overlap_lead(self, op: Op, index: int) -> int | None:
        return elementwise_lead(op, index)

    def emit(self, op: Op, ctx) -> str:
        a, b, y = op.inputs[0], op.inputs[1], op.outputs[0]
        (m1, s1), (m2, s2), (mo, so) = squared_difference_multipliers(a.quant.s, b.quant.s, y.quant.s)
        p = ctx.params("mf_squared_difference_params_t", dict(
            in1_offset=-a.quant.zp, in2_offset=-b.quant.zp, left_shift=LEFT_SHIFT, in1_mult=m1, in1_shift=s1,
            in2_mult=m2, in2_shift=s2, out_mult=mo, out_shift=so, out_offset=y.quant.zp, **broadcast_fields(op)))
        return f"mf_squared_difference_s8(&{p}, {ctx.ptr(a)}, {ctx.ptr(b)}, {ctx.ptr(y)});"
