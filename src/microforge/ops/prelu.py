"""PRELU (int8 input and alpha, or 16x8: int16 input, int8 alpha; broadcasting up to rank 5): two multipliers."""
from __future__ import annotations

from ..ir import DType, Op, OpType
from ..quant import f32, multiply_by_quantized_multiplier as mbqm, quantize_multiplier
from ._binary import broadcast_fields, check_binary, elementwise_lead
from .add import MAX_RANK, broadcast_shape
from ._lut import table_of
from .base import OpDef, expect_arity, expect_dtype, expect_quant, expect_shape, fail, is_int16


def prelu_multipliers(in_s: float, alpha_s: float, out_s: float) -> tuple[tuple[int, int], tuple[int, int]]:
    """TFLM CalculatePreluParams: in/out and in*alpha/out, both in double from the float32 scales."""
    return quantize_multiplier(f32(in_s) / f32(out_s)), quantize_multiplier(f32(in_s) * f32(alpha_s) / f32(out_s))


class Prelu(OpDef):
    """alpha may be a constant (the usual export) or a second activation; the output has the input's shape."""

    type = OpType.PRELU
    kernel_headers = ("mf_broadcast.h", "mf_prelu.h")
    int16_headers = kernel_headers

    def check(self, op: Op) -> None:
        if is_int16(op):  # TFLM's 16x8 PRELU: int16 input and output, int8 alpha (its Prepare requires int8)
            expect_arity(op, (2,))
            x = expect_dtype(op, op.inputs[0], "input", DType.INT16)
            expect_dtype(op, op.inputs[1], "alpha", DType.INT8)
            expect_dtype(op, op.outputs[0], "output", DType.INT16)
            for t, role in ((x, "input"), (op.inputs[1], "alpha"), (op.outputs[0], "output")):
                expect_quant(op, t, role)
            if len(broadcast_shape(op, x.shape, op.inputs[1].shape)) > MAX_RANK:
                raise fail(op, f"rank above the supported {MAX_RANK}")
        else:
            check_binary(op)
        x, a, y = op.inputs[0], op.inputs[1], op.outputs[0]
        expect_shape(op, y, x.shape)
        for _, s in prelu_multipliers(x.quant.s, a.quant.s, y.quant.s):
            if s > 30:
                raise fail(op, f"the output scale {y.quant.s:g} is too small for input scale {x.quant.s:g} and alpha scale "
                           f"{a.quant.s:g}: the requantisation shift {s} overflows TFLM's int32 arithmetic")

    def macs(self, op: Op) -> int:
        return op.outputs[0].num_elements

    def overlap_lead(self, op: Op, index: int) -> int | None:
        return elementwise_lead(op, index)

    def emit(self, op: Op, ctx) -> str:
        x, a, y = op.inputs[0], op.inputs[1], op.outputs[0]
        (m1, s1), (m2, s2) = prelu_multipliers(x.quant.s, a.quant.s, y.quant.s)
        zx, zy = x.quant.zp, y.quant.zp
        if is_int16(op):
            p = ctx.params("mf_prelu_params_t", dict(
                alpha_offset=-a.quant.zp, mult_pos=m1, shift_pos=s1, mult_neg=m2, shift_neg=s2, **broadcast_fields(op)))
            return f"mf_prelu_s16(&{p}, {ctx.ptr(x)}, {ctx.ptr(a)}, {ctx.ptr(y)});"
        pos = table_of(lambda v: min(127, max(-128, mbqm(v - zx, m1, s1) + zy)) if v >= zx else 0)
        p = ctx.params("mf_prelu_params_t", dict(
            in_offset=-zx, alpha_offset=-a.quant.zp, out_offset=zy, mult_neg=m2, shift_neg=s2,
            **broadcast_fields(op), pos_lut=ctx.const(f"{op.name}_pos", pos)))
        return f"mf_prelu_s8(&{p}, {ctx.ptr(x)}, {ctx.ptr(a)}, {ctx.ptr(y)});"
