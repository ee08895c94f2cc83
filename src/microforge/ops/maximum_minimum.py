"""MAXIMUM / MINIMUM: elementwise max/min of the raw int8 or int16 values (TFLM ignores the quantisation), broadcasting."""
from __future__ import annotations

from ..ir import Op, OpType
from ._binary import broadcast_fields, check_binary, elementwise_lead
from .base import OpDef, is_int16


class Maximum(OpDef):
    type = OpType.MAXIMUM
    kernel_headers = ("mf_broadcast.h", "mf_maximum_minimum.h")
    int16_headers = kernel_headers
    fn = "mf_maximum_s8"

    def check(self, op: Op) -> None:
        check_binary(op, quantised=False, int16=True)

    def overlap_lead(self, op: Op, index: int) -> int | None:
        return elementwise_lead(op, index)

    def emit(self, op: Op, ctx) -> str:
        a, b, y = op.inputs[0], op.inputs[1], op.outputs[0]
        p = ctx.params("mf_maximum_minimum_params_t", broadcast_fields(op))
        fn = self.fn.replace("_s8", "_s16") if is_int16(op) else self.fn
        return f"{fn}(&{p}, {ctx.ptr(a)}, {ctx.ptr(b)}, {ctx.ptr(y)});"


class Minimum(Maximum):
    type = OpType.MINIMUM
    fn = "mf_minimum_s8"
