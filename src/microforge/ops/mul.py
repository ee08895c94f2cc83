"""MUL: int8 (or int16, 16x8 models) elementwise multiplication, broadcasting up to rank 5, fused activation."""
from __future__ import annotations

from ..ir import Op, OpType
from ..quant import f32, quantize_multiplier
from ._binary import broadcast_fields, check_binary, elementwise_lead, emit_binary_s16
from ._requant import act_clamp
from .base import OpDef, is_int16


def mul_multiplier(s1: float, s2: float, so: float) -> tuple[int, int]:
    """TFLM CalculateOpDataMul: (double)s1 * (double)s2 / (double)so."""
    return quantize_multiplier(f32(s1) * f32(s2) / f32(so))


class Mul(OpDef):
    type = OpType.MUL
    kernel_headers = ("mf_broadcast.h", "mf_mul.h")
    int16_headers = ("mf_broadcast.h", "mf_binary_s16.h")

    def check(self, op: Op) -> None:
        check_binary(op, int16=True)
        act_clamp(op, op.outputs[0])

    def macs(self, op: Op) -> int:
        return op.outputs[0].num_elements

    def overlap_lead(self, op: Op, index: int) -> int | None:
        return elementwise_lead(op, index)

    def emit(self, op: Op, ctx) -> str:
        a, b, y = op.inputs[0], op.inputs[1], op.outputs[0]
        m, s = mul_multiplier(a.quant.s, b.quant.s, y.quant.s)
        lo, hi = act_clamp(op, y)
        if is_int16(op):  # TFLM requires zero points 0 here; the frontend already does for every int16 tensor
            return emit_binary_s16(op, ctx, "mf_mul_s16", out_mult=m, out_shift=s, act_min=lo, act_max=hi)
        p = ctx.params("mf_mul_params_t", dict(
            in1_offset=-a.quant.zp, in2_offset=-b.quant.zp, out_offset=y.quant.zp, mult=m, shift=s,
            act_min=lo, act_max=hi, **broadcast_fields(op)))
        return f"mf_mul_s8(&{p}, {ctx.ptr(a)}, {ctx.ptr(b)}, {ctx.ptr(y)});"
