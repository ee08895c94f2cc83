"""HARD_SWISH (int8) as an exact lookup table: TFLM's int16 fixed-point algorithm run per input value."""
from __future__ import annotations

import numpy as np

from ..ir import Op, OpType
from ..quant import downscale_multiplier_to_int16, quantize_multiplier, rdbp16, srdhm16, wrap16
from ._lut import LutOp, table_of
from .base import fail, refuse_int16


def _sat_left_shift16(v: int, n: int) -> int:
    return max(-32768, min(32767, v * (1 << n)))


def _sdhm16(a: int, b: int) -> int:
    """TFLM's non-rounding SaturatingDoublingHighMul for int16 (C division truncates)."""
    if a == b == -32768:
        return 32767
    ab = a * b
    return wrap16(abs(ab) // (1 << 15) * (1 if ab >= 0 else -1))


class HardSwish(LutOp):
    type = OpType.HARD_SWISH

    def check(self, op: Op) -> None:
        refuse_int16(op)
        super().check(op)

    def table(self, op: Op) -> np.ndarray:
        x, y = op.inputs[0].quant, op.outputs[0].quant
        f = np.float32
        hires = f(1.0 / 128.0) * f(x.s)
        om32, oexp = quantize_multiplier(float(hires / f(y.s)))
        rm32, rexp = quantize_multiplier(float(hires / (f(3.0) / f(32768.0))))
        if oexp > 0:
            raise fail(op, f"output scale {y.s:g} is too small for input scale {x.s:g} (TFLM requires "
                       "input_scale / 128 <= output_scale)")
        om, rm = downscale_multiplier_to_int16(om32), downscale_multiplier_to_int16(rm32)

        def fn(v: int) -> int:
            hi = wrap16(wrap16(v - x.zp) * 128)
            pre_out = srdhm16(hi, om)
            r = hi
            if rexp > 0:
                r = _sat_left_shift16(r, rexp - 1)
            r = srdhm16(r, rm)
            if rexp > 0:
                r = _sat_left_shift16(r, 1)
            if rexp < 0:
                r = rdbp16(r, -rexp)
            r = wrap16((r + (1 << 15)) >> 1)
            out = rdbp16(_sdhm16(r, pre_out), -oexp)
            out = wrap16(out + y.zp)
            return max(-128, min(127, out))
        return table_of(fn)
