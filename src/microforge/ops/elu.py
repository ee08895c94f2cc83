"""ELU (int8) as the lookup table TFLM's Prepare builds: float32 dequantise, expf(x) - 1 for x < 0, roundf, requantise."""
from __future__ import annotations

import ctypes
import ctypes.util
import functools
import math

import numpy as np

from ..ir import Op, OpType
from ._lut import LutOp, table_of
from .base import fail, refuse_int16


@functools.cache
def _expf():
    """The C library's expf: TFLM calls it in float32, and it is not always the correctly rounded exp
    (glibc's differs from float32(exp(double)) on ~1e5 of the negative floats), so the table uses it too."""
    libm = ctypes.CDLL(ctypes.util.find_library("m") or ctypes.util.find_library("c"))
    fn = libm.expf
    fn.restype, fn.argtypes = ctypes.c_float, [ctypes.c_float]
    return fn


class Elu(LutOp):
    """Every step in float32 as TFLM's PopulateLookupTable; the result is exact on the machine that compiles."""

    type = OpType.ELU

    def check(self, op: Op) -> None:
        refuse_int16(op)
        super().check(op)

    def table(self, op: Op) -> np.ndarray:
        x, y = op.inputs[0].quant, op.outputs[0].quant
        f = np.float32
        inverse_scale = f(1) / f(y.s)
        expf = _expf()

        def fn(v: int) -> int:
            d = f(x.s) * f(v - x.zp)
            t = f(expf(float(d))) - f(1) if d < 0 else d
            r = t * inverse_scale
            r = f(math.copysign(math.floor(abs(float(r)) + 0.5), float(r)))  # roundf: half away from zero
            q = float(r + f(y.zp))
            if not -2.0**31 <= q < 2.0**31:
                raise fail(op, f"output scale {y.s:g} is too small for input scale {x.s:g}: TFLM's table overflows int32")
            return max(-128, min(127, int(q)))
        return table_of(fn)
