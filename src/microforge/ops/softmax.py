"""SOFTMAX over the last axis: int8 input, int8 (or int16) output, exp computed in the kernel; or int16 -> int16 (tables here)."""
from __future__ import annotations

import numpy as np

import ctypes
import ctypes.util

from ..ir import DType, Op, OpType
from ..quant import f32, quantize_multiplier, softmax_params
from ._requant import expect_supported_rescale
from .base import OpDef, is_int16, expect_arity, expect_dtype, expect_quant, expect_shape, fail, lead_from_reads

SOFTMAX_CACHE = 16   # runtime/portable/mf_softmax.h MF_SOFTMAX_CACHE: rows up to this wide compute each exp once

# TFLM fixes the output quantisation of a quantised softmax: scale 1/256 (int8) or 1/65536 (int16).
_OUT_QUANT = {DType.INT8: (1 / 256, -128), DType.INT16: (1 / 65536, -32768)}


class Softmax(OpDef):
    type = OpType.SOFTMAX
    kernel_headers = ("mf_softmax.h",)
    int16_headers = ("mf_softmax_s16.h",)

    def headers(self, op: Op) -> tuple[str, ...]:
        """int8 -> int16 stays with mf_softmax.h; only int16 input takes the int16 kernel."""
        return self.int16_headers if op.inputs[0].dtype == DType.INT16 else self.kernel_headers

    def check(self, op: Op) -> None:
        expect_arity(op, (1,))
        if op.inputs[0] is not None and op.inputs[0].dtype == DType.INT16:
            return self._check_s16(op)
        x = expect_dtype(op, op.inputs[0], "input", DType.INT8, DType.INT16)
        y = expect_dtype(op, op.outputs[0], "output", DType.INT8, DType.INT16)
        expect_quant(op, x, "input")
        expect_quant(op, y, "output")
        expect_shape(op, y, x.shape)
        scale, zp = _OUT_QUANT[y.dtype]
        tol = 0.001 * scale if y.dtype == DType.INT16 else 1e-6 * scale  # TFLM: TF_LITE_ENSURE_NEAR(.., 0.001 / 65536)
        if abs(f32(y.quant.s) - scale) > tol or y.quant.zp != zp:
            raise fail(op, f"output quantisation must be scale {scale:g}, zero point {zp} (got {y.quant.s:g}, {y.quant.zp})",
                       "re-convert the model; TFLite fixes the softmax output quantisation")
        try:
            softmax_params(op.options.get("beta", 1.0), x.quant.s)
        except ValueError as e:
            raise fail(op, f"beta {op.options.get('beta')} with input scale {x.quant.s:g} cannot be quantised ({e})",
                       "TFLM rejects this softmax too; check the model's beta and input scale") from None

    def overlap_lead(self, op: Op, index: int) -> int | None:
        """Per row: max and sum read the whole row, then out[c] is written right after reading in[c]."""
        # Element 0 of a row first reads the whole row from its start, element c > 0 reads in[c]:
        # either way the lowest byte element i reads is i.
        x = op.inputs[0]
        return lead_from_reads(np.arange(x.num_elements) * x.dtype.size, op.outputs[0].dtype.size)

    def _check_s16(self, op: Op) -> None:
        """TFLM's int16 softmax: zero points 0, output scale 1/32768."""
        x, y = op.inputs[0], expect_dtype(op, op.outputs[0], "output", DType.INT16)
        expect_quant(op, x, "input")
        expect_quant(op, y, "output")
        expect_shape(op, y, x.shape)
        if abs(f32(y.quant.s) - 1 / 32768) > 0.001 / 32768:
            raise fail(op, f"int16 output scale must be 1/32768 (got {y.quant.s:g})",
                       "re-convert the model; TFLite fixes the softmax output quantisation")
        expect_supported_rescale(op, _s16_input_scale(op), "the int16 softmax input rescale (input scale * beta * 65535 / 10)")

    def emit(self, op: Op, ctx) -> str:
        x, y = op.inputs[0], op.outputs[0]
        if x.dtype == DType.INT16:
            m, s = quantize_multiplier(_s16_input_scale(op))
            depth = x.shape[-1] if x.shape else 1
            exp_lut, recip_lut = softmax_s16_luts()
            p = ctx.params("mf_softmax_s16_params_t", dict(
                rows=x.num_elements // depth, depth=depth, in_mult=m, in_shift=s,
                exp_lut=ctx.const(f"{op.name}_exp", exp_lut), recip_lut=ctx.const(f"{op.name}_recip", recip_lut)))
            return f"mf_softmax_s16(&{p}, {ctx.ptr(x)}, {ctx.ptr(y)});"
        sp = softmax_params(op.options.get("beta", 1.0), x.quant.s)
        depth = x.shape[-1] if x.shape else 1
        rows = x.num_elements // depth
        # exps are computed in the kernel (once per element for rows up to SOFTMAX_CACHE wide, else twice) unless
        # that is more evaluations per run than the table of the diffs diff_min..0 has entries
        entries = min(256, 1 - sp.diff_min)
        evals = rows * depth * (1 if depth <= SOFTMAX_CACHE else 2)
        lut = ctx.const(f"{op.name}_exp", sp.exp_lut[:entries]) if evals > entries else "0"
        p = ctx.params("mf_softmax_params_t", dict(rows=rows, depth=depth, diff_min=sp.diff_min,
                                                    in_mult=sp.input_multiplier, in_shift=sp.input_left_shift,
                                                    exp_lut=lut))
        fn = "mf_softmax_s8" if y.dtype == DType.INT8 else "mf_softmax_s8_s16"
        return f"{fn}(&{p}, {ctx.ptr(x)}, {ctx.ptr(y)});"


def _s16_input_scale(op: Op) -> float:
    """TFLM: double(input scale) * double(beta) / (10 / 65535), so that [-65535, 0] maps onto [-10, 0]."""
    return f32(op.inputs[0].quant.s) * f32(op.options.get("beta", 1.0)) / (10.0 / 65535.0)


def _expf():
    """float32 exp as TFLM computes it (std::exp(float): the C library's expf; tflite_micro links the system libm).
    Without a C library at hand: exp in double rounded to float32 (differs from expf in at most the last bit)."""
    name = ctypes.util.find_library("m")
    if name:
        try:
            fn = ctypes.CDLL(name).expf
            fn.restype, fn.argtypes = ctypes.c_float, [ctypes.c_float]
            return lambda v: np.float32(fn(float(v)))
        except (OSError, AttributeError):
            pass
    return lambda v: np.float32(np.exp(np.float64(v)))


def _round_f32(v: np.float32) -> np.float32:
    """TfLiteRound on a float: half away from zero (exact: |v| + 0.5 is exact in double)."""
    a = np.floor(abs(np.float64(v)) + 0.5)
    return np.float32(-a if v < 0 else a)


def lut_populate_int16(fn, input_scale: float, input_zp: int, output_scale: float, output_zp: int) -> np.ndarray:
    """TFLM LUTPopulate<int16_t> (float flavour), every operation in float32: 512 samples of `fn` on the input
    range, each biased by half the interpolation error at its midpoint, plus the end point."""
    f = np.float32
    in_s, out_s = f(input_scale), f(output_scale)
    in_min, in_max = in_s * f(-32768 - input_zp), in_s * f(32767 - input_zp)
    out_min, out_max = out_s * f(-32768 - output_zp), out_s * f(32767 - output_zp)
    step = (in_max - in_min) / f(512)
    half = step / f(2)
    inv = f(65536) / (out_max - out_min)
    lut = np.zeros(513, np.int16)
    for i in range(512):
        x0 = in_min + f(i) * step
        val, mid, nxt = fn(x0), fn(x0 + half), fn(in_min + f(i + 1) * step)
        sample = _round_f32(val * inv)
        interp = _round_f32((nxt * inv + _round_f32(val * inv)) / f(2))
        bias = _round_f32((interp - _round_f32(mid * inv)) / f(2))
        lut[i] = int(min(max(sample - bias, f(-32768)), f(32767)))
    lut[512] = int(min(max(_round_f32(fn(in_max) * inv), f(-32768)), f(32767)))
    return lut


def softmax_s16_luts() -> tuple[np.ndarray, np.ndarray]:
    """TFLM's int16 softmax tables: exp on [-10, 0] and 1 / (1 + x) on [0, 1], both to [-1, 1]."""
    f = np.float32
    rng = f(65535)  # int16 max - min
    expf = _expf()
    exp_lut = lut_populate_int16(expf, f(10) / rng, 32767, f(2) / rng, 0)
    recip_lut = lut_populate_int16(lambda v: f(1) / (f(1) + f(v)), f(1) / rng, -32768, f(2) / rng, 0)
    return exp_lut, recip_lut
