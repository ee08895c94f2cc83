"""LOGISTIC and TANH (int8) as exact lookup tables: gemmlowp's fixed-point logistic/tanh run per input value."""
from __future__ import annotations

import math

import numpy as np

from ..ir import Op, OpType
from ..quant import f32, gemmlowp_logistic, gemmlowp_tanh, multiply_by_quantized_multiplier as mbqm, rdbp, tflite_round
from ._lut import LutOp, table_of
from .base import fail

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


class Logistic(LutOp):
    """TFLM requires the int8 output zero point -128 (scale 1/256 assumed, not checked)."""

    type = OpType.LOGISTIC

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


class Tanh(LutOp):
    """TFLM ignores the int8 output quantisation (scale 1/128, zero point 0 assumed)."""

    type = OpType.TANH
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
