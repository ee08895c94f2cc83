"""Unary int8 ops as a 256-entry table: the compiler runs TFLM's integer algorithm for every input value."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..ir import DType, Op
from .base import OpDef, expect_arity, expect_dtype, expect_quant, expect_shape, lead_from_reads


def table_of(fn: Callable[[int], int]) -> np.ndarray:
    """int8[256] with table[(uint8)x] = fn(x) for every int8 x (fn's result clamped by the caller)."""
    t = np.zeros(256, np.int8)
    for x in range(-128, 128):
        t[x & 0xFF] = fn(x)
    return t


class LutOp(OpDef):
    """Base of the elementwise int8 -> int8 ops; subclasses implement `table(op)` (and may extend check)."""

    kernel_headers = ("mf_lut.h",)
    output_quantised = True

    def check(self, op: Op) -> None:
        expect_arity(op, (1,))
        x = expect_dtype(op, op.inputs[0], "input", DType.INT8)
        y = expect_dtype(op, op.outputs[0], "output", DType.INT8)
        expect_quant(op, x, "input")
        if self.output_quantised:
            expect_quant(op, y, "output")
        expect_shape(op, y, x.shape)
        self.table(op)  # raises MicroforgeError for quantisations TFLM rejects

    def table(self, op: Op) -> np.ndarray:
        raise NotImplementedError

    def overlap_lead(self, op: Op, index: int) -> int | None:
        """out[i] is written right after reading in[i]: the output may start exactly at the input."""
        return lead_from_reads(np.arange(op.inputs[0].num_elements), 1)

    def emit(self, op: Op, ctx) -> str:
        x, y = op.inputs[0], op.outputs[0]
        p = ctx.params("mf_lut_params_t", dict(size=y.num_elements, table=ctx.const(f"{op.name}_lut", self.table(op))))
        return f"mf_lut_s8(&{p}, {ctx.ptr(x)}, {ctx.ptr(y)});"
