"""RESHAPE: the output shares its input's bytes; no code is emitted."""
from __future__ import annotations

from ..ir import Op, OpType
from .base import OpDef, expect_arity, fail


class Reshape(OpDef):
    type = OpType.RESHAPE

    def check(self, op: Op) -> None:
        expect_arity(op, (1, 2))
        x, y = op.inputs[0], op.outputs[0]
        if x is None:
            raise fail(op, "missing input tensor", "the model is malformed; re-export it")
        if x.dtype != y.dtype:
            raise fail(op, f"input is {x.dtype.name.lower()} but output is {y.dtype.name.lower()}")
        if x.num_elements != y.num_elements:
            raise fail(op, f"cannot reshape {list(x.shape)} ({x.num_elements} elements) to {list(y.shape)} ({y.num_elements})")
        if x.quant is not None and y.quant is not None and (x.quant.s != y.quant.s or x.quant.zp != y.quant.zp):
            raise fail(op, "input and output quantisation differ; RESHAPE cannot rescale")

    def aliases_input(self, op: Op) -> bool:
        return True

    def emit(self, op: Op, ctx) -> str:
        return "/* reshape: output aliases input */"
