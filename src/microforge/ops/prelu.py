"""PRELU (int8 input and alpha, broadcasting up to rank 5): x >= 0 and x < 0 requantised with their own multipliers."""
from __future__ import annotations

from ..ir import Op, OpType
from ..quant import f32, quantize_multiplier
from ._binary import broadcast_fields, check_binary, elementwise_lead
from .base import OpDef, expect_shape


def prelu_multipliers(in_s: float, alpha_s: float, out_s: float) -> tuple[tuple[int, int], tuple[int, int]]:
    """TFLM CalculatePreluParams: in/out and in*alpha/out, both in double from the float32 scales."""
    return quantize_multiplier(f32(in_s) / f32(out_s)), quantize_multiplier(f32(in_s) * f32(alpha_s) / f32(out_s))


class Prelu(OpDef):
    """alpha may be a constant (the usual export) or a second activation; the output has the input's shape."""

    type = OpType.PRELU
    kernel_headers = ("mf_broadcast.h", "mf_prelu.h")

    def check(self, op: Op) -> None:
        check_binary(op)
        expect_shape(op, op.outputs[0], op.inputs[0].shape)

    def macs(self, op: Op) -> int:
        return op.outputs[0].num_elements

    def overlap_lead(self, op: Op, index: int) -> int | None:
        return elementwise_lead(op, index)

    def emit(self, op: Op, ctx) -> str:
        x, a, y = op.inputs[0], op.inputs[1], op.outputs[0]
        (m1, s1), (m2, s2) = prelu_multipliers(x.quant.s, a.quant.s, y.quant.s)
        p = ctx.params("mf_prelu_params_t", dict(
            in_offset=-x.quant.zp, alpha_offset=-a.quant.zp, out_offset=y.quant.zp,
            mult_pos=m1, shift_pos=s1, mult_neg=m2, shift_neg=s2, **broadcast_fields(op)))
        return f"mf_prelu_s8(&{p}, {ctx.ptr(x)}, {ctx.ptr(a)}, {ctx.ptr(y)});"
