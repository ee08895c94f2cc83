"""SOFTMAX: int8 input, int8 (or int16) output over the last axis; exp table computed here in Python."""
from __future__ import annotations

import numpy as np

from ..ir import DType, Op, OpType
from ..quant import softmax_params
from .base import OpDef, expect_arity, expect_dtype, expect_quant, expect_shape, fail, lead_from_reads

# TFLM fixes the output quantisation of a quantised softmax: scale 1/256 (int8) or 1/65536 (int16).
_OUT_QUANT = {DType.INT8: (1 / 256, -128), DType.INT16: (1 / 65536, -32768)}


class Softmax(OpDef):
    type = OpType.SOFTMAX
    kernel_headers = ("mf_softmax.h",)

    def check(self, op: Op) -> None:
        expect_arity(op, (1,))
        x = expect_dtype(op, op.inputs[0], "input", DType.INT8)
        y = expect_dtype(op, op.outputs[0], "output", DType.INT8, DType.INT16)
        expect_quant(op, x, "input")
        expect_quant(op, y, "output")
        expect_shape(op, y, x.shape)
        scale, zp = _OUT_QUANT[y.dtype]
        if abs(y.quant.s - scale) > 1e-6 * scale or y.quant.zp != zp:
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
        return lead_from_reads(np.arange(op.inputs[0].num_elements), op.outputs[0].dtype.size)

    def emit(self, op: Op, ctx) -> str:
        x, y = op.inputs[0], op.outputs[0]
        sp = softmax_params(op.options.get("beta", 1.0), x.quant.s)
        depth = x.shape[-1] if x.shape else 1
        p = ctx.params("mf_softmax_params_t", dict(rows=x.num_elements // depth, depth=depth, diff_min=sp.diff_min,
                                                    exp_lut=ctx.const(f"{op.name}_exp", sp.exp_lut)))
        fn = "mf_softmax_s8" if y.dtype == DType.INT8 else "mf_softmax_s8_s16"
        return f"{fn}(&{p}, {ctx.ptr(x)}, {ctx.ptr(y)});"
