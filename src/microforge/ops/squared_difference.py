"""SQUARED_DIFFERENCE: int8 (or int16, 16x8) (a - b)^2 with TFLM's common-scale arithmetic, broadcasting."""
from __future__ import annotations

from ..ir import Op, OpType
from ..quant import f32, quantize_multiplier, quantize_multiplier_smaller_than_one_exp
from ._binary import broadcast_fields, check_binary, elementwise_lead
from .base import OpDef, fail, is_int16



def left_shift(op: Op) -> int:
    """TFLM's headroom shift before rescaling: 7 for int8, 0 for int16 (whose values already fill 16 bits)."""
    return 0 if is_int16(op) else 7


def squared_difference_multipliers(s1: float, s2: float, so: float, shift: int = 7) -> list[tuple[int, int]]:
    twice = 2.0 * max(f32(s1), f32(s2))
    return [quantize_multiplier_smaller_than_one_exp(f32(s1) / twice),
            quantize_multiplier_smaller_than_one_exp(f32(s2) / twice),
            quantize_multiplier(twice * twice / f32((1 << 2 * shift) * f32(so)))]


class SquaredDifference(OpDef):
    type = OpType.SQUARED_DIFFERENCE
    kernel_headers = ("mf_broadcast.h", "mf_squared_difference.h")
    int16_headers = kernel_headers

    def check(self, op: Op) -> None:
        check_binary(op, int16=True)
        a, b, y = op.inputs[0], op.inputs[1], op.outputs[0]
        try:
            squared_difference_multipliers(a.quant.s, b.quant.s, y.quant.s, left_shift(op))
        except ValueError as e:
            raise fail(op, f"scales {a.quant.s:g}, {b.quant.s:g} -> {y.quant.s:g} cannot be quantised ({e})") from None

    def macs(self, op: Op) -> int:
        return op.outputs[0].num_elements

    def overlap_lead(self, op: Op, index: int) -> int | None:
        return elementwise_lead(op, index)

    def emit(self, op: Op, ctx) -> str:
        a, b, y = op.inputs[0], op.inputs[1], op.outputs[0]
        (m1, s1), (m2, s2), (mo, so) = squared_difference_multipliers(a.quant.s, b.quant.s, y.quant.s, left_shift(op))
        p = ctx.params("mf_squared_difference_params_t", dict(
            in1_offset=-a.quant.zp, in2_offset=-b.quant.zp, left_shift=left_shift(op), in1_mult=m1, in1_shift=s1,
            in2_mult=m2, in2_shift=s2, out_mult=mo, out_shift=so, out_offset=y.quant.zp, **broadcast_fields(op)))
        fn = "mf_squared_difference_s16" if is_int16(op) else "mf_squared_difference_s8"
        return f"{fn}(&{p}, {ctx.ptr(a)}, {ctx.ptr(b)}, {ctx.ptr(y)});"
