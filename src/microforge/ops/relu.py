"""RELU, RELU6, LEAKY_RELU (int8) as exact lookup tables built from TFLM's integer arithmetic."""
from __future__ import annotations

import numpy as np

from ..ir import Op, OpType
from ..quant import multiply_by_quantized_multiplier as mbqm, quantize_multiplier, tflite_round
from ._lut import LutOp, table_of


class Relu(LutOp):
    """RELU: requantise (in_scale/out_scale taken in float32) and clamp at the output's zero."""

    type = OpType.RELU

    def table(self, op: Op) -> np.ndarray:
        x, y = op.inputs[0].quant, op.outputs[0].quant
        m, s = quantize_multiplier(float(np.float32(x.s) / np.float32(y.s)))
        lo = max(-128, y.zp)  # roundf(0 / scale) = 0
        return table_of(lambda v: min(127, max(lo, y.zp + mbqm(v - x.zp, m, s))))


class Relu6(LutOp):
    """RELU6: TFLM clamps raw values to [in_zp, Q_in(6)] and ignores the output quantisation."""

    type = OpType.RELU6
    output_quantised = False

    def table(self, op: Op) -> np.ndarray:
        x = op.inputs[0].quant
        six = max(-128, min(127, tflite_round(float(np.float32(6.0) / np.float32(x.s))) + x.zp))
        lo = x.zp
        return table_of(lambda v: six if v > six else (lo if v < lo else v))


class LeakyRelu(LutOp):
    """LEAKY_RELU: identity and alpha multipliers (both products in float32), negative alpha allowed."""

    type = OpType.LEAKY_RELU

    def table(self, op: Op) -> np.ndarray:
        x, y = op.inputs[0].quant, op.outputs[0].quant
        alpha = np.float32(op.options.get("alpha", 0.0))
        ma, sa = quantize_multiplier(float(np.float32(x.s) * alpha / np.float32(y.s)))
        mi, si = quantize_multiplier(float(np.float32(x.s) / np.float32(y.s)))

        def f(v: int) -> int:
            d = v - x.zp
            if d >= 0:
                r = mbqm(d, mi, si)
            else:
                r = mbqm(d, abs(ma), sa)
                r = -r if ma < 0 else r
            return min(127, max(-128, y.zp + r))
        return table_of(f)
