"""CONCATENATION and PACK: each input is copied into its slab of the output (no rescaling, like TFLM)."""
from __future__ import annotations

import numpy as np

from ..ir import Op, OpType
from ._gather import HEADERS, contiguous, emit_gather, strides
from ._shape import expect_same_quant, expect_same_type, norm_axis
from .base import OpDef, expect_shape, fail

MAX_INPUTS = 10  # TFLM's kMaxInputNum


class Concatenation(OpDef):
    type = OpType.CONCATENATION
    kernel_headers = HEADERS

    def axis(self, op: Op) -> int:
        return norm_axis(op, op.options.get("axis", 0), len(op.outputs[0].shape))

    def check(self, op: Op) -> None:
        y = op.outputs[0]
        if len(op.outputs) != 1 or not 1 <= len(op.inputs) <= MAX_INPUTS:
            raise fail(op, f"expected 1..{MAX_INPUTS} inputs and one output, got {len(op.inputs)} and {len(op.outputs)}")
        if op.options.get("activation", "NONE") != "NONE":
            raise fail(op, f"fused activation {op.options['activation']} is not supported (TFLM rejects it too)")
        for x in op.inputs:
            expect_same_type(op, x, y)
            expect_same_quant(op, x, y)
        if len(y.shape) > 6:
            raise fail(op, f"rank {len(y.shape)} is above the supported 6")
        axis = self.axis(op)
        shape = self.expected_shape(op, axis)
        expect_shape(op, y, shape)

    def expected_shape(self, op: Op, axis: int) -> tuple[int, ...]:
        first = op.inputs[0].shape
        for x in op.inputs:
            if len(x.shape) != len(first) or any(a != b for k, (a, b) in enumerate(zip(x.shape, first)) if k != axis):
                raise fail(op, f"input shapes {[list(t.shape) for t in op.inputs]} do not match outside axis {axis}")
        return tuple(sum(x.shape[axis] for x in op.inputs) if k == axis else d for k, d in enumerate(first))

    def slabs(self, op: Op, axis: int):
        """(input, out offset of its first element, output stride of each input axis)."""
        y = op.outputs[0]
        st = strides(y.shape)
        start = 0
        for x in op.inputs:
            yield x, start * st[axis], st
            start += x.shape[axis]

    def emit(self, op: Op, ctx) -> str:
        y = op.outputs[0]
        code = []
        for x, base, st in self.slabs(op, self.axis(op)):
            ins = strides(x.shape)
            axes = [(contiguous(d, ins[k]), contiguous(d, st[k]) + (base if k == 0 else 0)) for k, d in enumerate(x.shape)]
            if not axes:
                axes = [(np.zeros(1, np.int64), np.full(1, base, np.int64))]
            code.append(emit_gather(ctx, op.name, x, y, axes))
        return "\n".join(code)


class Pack(Concatenation):
    """PACK stacks equally shaped inputs along a new output axis."""

    type = OpType.PACK

    def expected_shape(self, op: Op, axis: int) -> tuple[int, ...]:
        first = op.inputs[0].shape
        if any(tuple(x.shape) != tuple(first) for x in op.inputs):
            raise fail(op, f"PACK inputs must share one shape, got {[list(t.shape) for t in op.inputs]}")
        return tuple(first[:axis]) + (len(op.inputs),) + tuple(first[axis:])

    def emit(self, op: Op, ctx) -> str:
        y = op.outputs[0]
        axis = self.axis(op)
        st = strides(y.shape)
        code = []
        for j, x in enumerate(op.inputs):
            out_st = st[:axis] + st[axis + 1:]
            ins = strides(x.shape)
            axes = [(np.zeros(1, np.int64), np.full(1, j * st[axis], np.int64))]
            axes += [(contiguous(d, ins[k]), contiguous(d, out_st[k])) for k, d in enumerate(x.shape)]
            code.append(emit_gather(ctx, op.name, x, y, axes))
        return "\n".join(code)
