"""LOGISTIC and TANH: int8 as exact lookup tables (gemmlowp's fixed-point logistic/tanh run per input value); int16 by TFLM's sigmoid table."""
from __future__ import annotations

import math

import numpy as np

from ..ir import DType, Op, OpType
from ..quant import f32, gemmlowp_logistic, gemmlowp_tanh, multiply_by_quantized_multiplier as mbqm, rdbp, tflite_round
from ._lut import LutOp, table_of
from .base import expect_dtype, expect_quant, expect_shape, fail, is_int16, lead_from_reads

INPUT_INTEGER_BITS = 4


def input_params(op: Op) -> tuple[int, int, int]:
    """(multiplier, left shift, input radius) as TFLM's LOGISTIC/TANH Prepare computes them for int8."""
    real = f32(op.inputs[0].quant.s) * float(1 << (31 - INPUT_INTEGER_BITS))
    q, shift = math.frexp(real)
    m = tflite_round(q * (1 << 31))
    if m >= 1 << 31:
        raise fail(op, f"input scale {op.inputs[0].quant.s!r} rounds to a multiplier of 2^31 (TFLM overflows here)")
    if not 0 <= shift <= 31:
        raise fail(op, f"input scale {op.inputs[0].quant.s!r} is outside the range TFLM can rescale (2^-28 .. 16)")
    radius = math.floor(((1 << INPUT_INTEGER_BITS) - 1) * float(1 << (31 - INPUT_INTEGER_BITS)) / float(1 << shift))
    return m, shift, radius


def sigmoid_table_s16() -> np.ndarray:
    """TFLM's int16 sigmoid table, 65536 * sigmoid(i / 24) for i < 256, rebuilt from how it is used: each entry
    is the sample moved by half the linear-interpolation error at the segment's midpoint (so the interpolated
    curve errs evenly on both sides), rounded; the last entry is the saturation value 65535 (0x7FFF << 10 in the
    kernel) so that interpolation runs continuously into saturation."""
    i = np.arange(256, dtype=np.float64)
    s = lambda x: 65536.0 / (1.0 + np.exp(-x / 24.0))  # noqa: E731
    v, nxt, mid = s(i), s(i + 1), s(i + 0.5)
    t = np.floor(v + (mid - (v + nxt) / 2) / 2 + 0.5)
    t[255] = 65535
    return t.astype(np.uint16)


def _checked_log2(x: float) -> tuple[bool, int]:
    """TFLM CheckedLog2 on a float scale: (is a power of two within 1e-3 in log2, rounded log2)."""
    l2 = f32(math.log(f32(x)) * (1.0 / math.log(2.0)))
    r = tflite_round(l2)
    return abs(l2 - r) < 1e-3, r


class _Sigmoid16:
    """int16 LOGISTIC / TANH (16x8 models): TFLM's interpolated sigmoid table (runtime/portable/mf_sigmoid_s16.h).
    Mixed in before LutOp, which keeps the int8 path."""

    int16_headers = ("mf_sigmoid_s16.h",)
    pot_shifts: tuple[int, ...] = ()   # input shifts TFLM treats as the power-of-two case

    def s16_params(self, op: Op) -> tuple[int, int]:
        """(multiplier, shift) as TFLM's Prepare sets them, the power-of-two case folded in (x * 3 << shift)."""
        pot, l2 = _checked_log2(op.inputs[0].quant.s)
        shift = 12 + l2  # (15 - 3 integer bits) + log2(scale)
        if pot and shift in self.pot_shifts:
            return 3 << shift, 0
        m, shift = float(f32(op.inputs[0].quant.s)) * 4096.0 * 3.0, 0
        while m <= 32767.0 / 2.0 and shift <= 30:
            shift, m = shift + 1, m * 2.0
        if int(m) > 32767:
            raise fail(op, f"int16 input scale {op.inputs[0].quant.s:g} is above what TFLM's int16 {self.type.value} "
                       "handles (its multiplier must stay below 2^15: scales up to about 2.7)")
        return int(m), shift

    def check(self, op: Op) -> None:
        if not is_int16(op):
            return super().check(op)
        x = expect_dtype(op, op.inputs[0], "input", DType.INT16)
        y = expect_dtype(op, op.outputs[0], "output", DType.INT16)
        expect_quant(op, x, "input")
        expect_quant(op, y, "output")
        expect_shape(op, y, x.shape)
        pot, l2 = _checked_log2(y.quant.s)
        if not pot or l2 != -15:
            raise fail(op, f"int16 output scale must be 2^-15 (got {y.quant.s:g})", "TFLM requires it; re-convert the model")
        self.s16_params(op)

    def overlap_lead(self, op: Op, index: int) -> int | None:
        """out[i] is written right after reading in[i]."""
        x = op.inputs[0]
        return lead_from_reads(np.arange(x.num_elements) * x.dtype.size, op.outputs[0].dtype.size)

    def emit(self, op: Op, ctx) -> str:
        if not is_int16(op):
            return super().emit(op, ctx)
        x, y = op.inputs[0], op.outputs[0]
        m, s = self.s16_params(op)
        p = ctx.params("mf_sigmoid_s16_params_t", dict(size=y.num_elements, mult=m, shift=s,
                                                        table=ctx.const(f"{op.name}_sigmoid", sigmoid_table_s16())))
        return f"mf_{self.type.value.lower()}_s16(&{p}, {ctx.ptr(x)}, {ctx.ptr(y)});"


class Logistic(_Sigmoid16, LutOp):
    """TFLM requires the int8 output zero point -128 (scale 1/256 assumed, not checked)."""

    type = OpType.LOGISTIC
    pot_shifts = (0,)

    def table(self, op: Op) -> np.ndarray:
        x, y = op.inputs[0].quant, op.outputs[0].quant
        if y.zp != -128:
            raise fail(op, f"output zero point must be -128 (got {y.zp})", "TFLM fixes LOGISTIC's int8 output to 1/256, -128")
        m, s, radius = input_params(op)

        def fn(v: int) -> int:
            d = v - x.zp
            if d <= -radius:
                return -128
            if d >= radius:
                return 127
            q0 = gemmlowp_logistic(mbqm(d, m, s), INPUT_INTEGER_BITS)
            return min(127, max(-128, rdbp(q0, 23) - 128))
        return table_of(fn)


class Tanh(_Sigmoid16, LutOp):
    """TFLM ignores the int8 output quantisation (scale 1/128, zero point 0 assumed)."""

    type = OpType.TANH
    pot_shifts = (0, 1)
    output_quantised = False

    def table(self, op: Op) -> np.ndarray:
        x = op.inputs[0].quant
        m, s, radius = input_params(op)

        def fn(v: int) -> int:
            d = v - x.zp
            if d <= -radius:
                return -128
            if d >= radius:
                return 127
            q0 = gemmlowp_tanh(mbqm(d, m, s), INPUT_INTEGER_BITS)
            return min(127, max(-128, rdbp(q0, 24)))
        return table_of(fn)
