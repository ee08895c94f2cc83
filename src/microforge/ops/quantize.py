"""QUANTIZE: float32 -> int8/int16 at the model's edge, or requantisation between int8, uint8 and int16 (TFLM's pairs)."""
from __future__ import annotations

import numpy as np

from ..ir import DType, Op, OpType
from ..quant import quantize_multiplier
from ._requant import expect_supported_rescale
from .base import OpDef, expect_arity, expect_dtype, expect_quant, expect_shape, lead_from_reads


_SUFFIX = {DType.INT8: "s8", DType.INT16: "s16"}
# The requantisations TFLM runs (uint8-input detectors start with uint8 -> int8; 16x8 models with int8 <-> int16).
_REQUANTIZE = {(DType.INT8, DType.INT8): "mf_requantize_s8", (DType.UINT8, DType.INT8): "mf_requantize_u8_s8",
               (DType.INT8, DType.UINT8): "mf_requantize_s8_u8", (DType.INT8, DType.INT16): "mf_requantize_s8_s16",
               (DType.INT16, DType.INT8): "mf_requantize_s16_s8", (DType.INT16, DType.INT16): "mf_requantize_s16_s16",
               (DType.INT16, DType.INT32): "mf_requantize_s16_s32"}  # TFLM's keyword benchmark ends with int16 -> int32


class Quantize(OpDef):
    type = OpType.QUANTIZE
    kernel_headers = ("mf_quantize.h",)
    int16_headers = ("mf_quantize.h", "mf_quantize_s16.h")

    def check(self, op: Op) -> None:
        expect_arity(op, (1,))
        x = expect_dtype(op, op.inputs[0], "input", DType.FLOAT32, DType.INT8, DType.UINT8, DType.INT16)
        outs = (DType.INT8, DType.INT16) if x.dtype == DType.FLOAT32 else tuple(o for i, o in _REQUANTIZE if i == x.dtype)
        y = expect_dtype(op, op.outputs[0], "output", *outs)
        expect_quant(op, y, "output")
        if x.dtype != DType.FLOAT32:
            expect_quant(op, x, "input")
            expect_supported_rescale(op, float(x.quant.s) / float(y.quant.s), "the input/output scale ratio")
        expect_shape(op, y, x.shape)

    def overlap_lead(self, op: Op, index: int) -> int | None:
        """out[i] is written after reading in[i] (float or int8): the input may start where the output does (or before)."""
        x = op.inputs[0]
        return lead_from_reads(np.arange(x.num_elements) * x.dtype.size, op.outputs[0].dtype.size)

    def emit(self, op: Op, ctx) -> str:
        x, y = op.inputs[0], op.outputs[0]
        if x.dtype == DType.FLOAT32:
            p = ctx.params("mf_quantize_params_t", dict(size=y.num_elements, scale=float(np.float32(y.quant.s)), zero_point=y.quant.zp))
            return f"mf_quantize_f32_{_SUFFIX[y.dtype]}(&{p}, {ctx.ptr(x)}, {ctx.ptr(y)});"
        m, s = quantize_multiplier(float(x.quant.s) / float(y.quant.s))
        p = ctx.params("mf_requantize_params_t", dict(size=y.num_elements, in_zp=x.quant.zp, out_zp=y.quant.zp, mult=m, shift=s))
        kernel = _REQUANTIZE[(x.dtype, y.dtype)]
        return f"{kernel}(&{p}, {ctx.ptr(x)}, {ctx.ptr(y)});"


class Dequantize(OpDef):
    type = OpType.DEQUANTIZE
    kernel_headers = ("mf_quantize.h",)
    int16_headers = ("mf_quantize.h", "mf_quantize_s16.h")

    def check(self, op: Op) -> None:
        expect_arity(op, (1,))
        x = expect_dtype(op, op.inputs[0], "input", DType.INT8, DType.INT16)
        y = expect_dtype(op, op.outputs[0], "output", DType.FLOAT32)
        expect_quant(op, x, "input")
        expect_shape(op, y, x.shape)

    def overlap_lead(self, op: Op, index: int) -> int | None:
        """out[i] (4 bytes) is written after reading in[i] (1 or 2 bytes): the output must start 3*(n-1) bytes ahead (int8)."""
        x = op.inputs[0]
        return lead_from_reads(np.arange(x.num_elements) * x.dtype.size, 4)

    def emit(self, op: Op, ctx) -> str:
        x, y = op.inputs[0], op.outputs[0]
        p = ctx.params("mf_dequantize_params_t", dict(size=x.num_elements, scale=float(np.float32(x.quant.s)), zero_point=x.quant.zp))
        return f"mf_dequantize_{_SUFFIX[x.dtype]}_f32(&{p}, {ctx.ptr(x)}, {ctx.ptr(y)});"
