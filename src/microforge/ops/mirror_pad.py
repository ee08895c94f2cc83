"""MIRROR_PAD (REFLECT / SYMMETRIC) with constant paddings, as a gather with per-axis reflected indices."""
from __future__ import annotations

import numpy as np

from ..ir import Op, OpType
from ._gather import HEADERS, dense_out, emit_gather, strides
from ._shape import const_ints, expect_same_type
from .base import OpDef, expect_arity, expect_shape, fail, refuse_int16


def _source_index(i: int, left: int, size: int, offset: int) -> int:
    """TFLM GetInputDimension: offset 1 for REFLECT (edge not repeated), 0 for SYMMETRIC."""
    if i < left:
        orig = left + offset - 1
        return orig - min(i, orig - offset)
    i -= left
    if i >= size:
        i -= size
        orig = size - (1 + offset)
        return orig - min(i, orig)
    return i


class MirrorPad(OpDef):
    type = OpType.MIRROR_PAD
    kernel_headers = HEADERS

    def pads(self, op: Op) -> list[tuple[int, int]]:
        x = op.inputs[0]
        p = const_ints(op, op.inputs[1], "paddings")
        if len(p) != 2 * len(x.shape):
            raise fail(op, f"paddings must be [{len(x.shape)}, 2], got {len(p)} values")
        pads = [(p[2 * k], p[2 * k + 1]) for k in range(len(x.shape))]
        offset = 1 if op.options.get("mode", "REFLECT") == "REFLECT" else 0
        for (a, b), d in zip(pads, x.shape):
            if min(a, b) < 0 or max(a, b) > d - offset:
                raise fail(op, f"padding {a, b} is out of range for an axis of size {d} in {op.options.get('mode')} mode")
        return pads

    def check(self, op: Op) -> None:
        refuse_int16(op)
        expect_arity(op, (2,))
        x, y = op.inputs[0], op.outputs[0]
        expect_same_type(op, x, y)
        expect_shape(op, y, tuple(d + a + b for d, (a, b) in zip(x.shape, self.pads(op))))

    def emit(self, op: Op, ctx) -> str:
        x, y = op.inputs[0], op.outputs[0]
        offset = 1 if op.options.get("mode", "REFLECT") == "REFLECT" else 0
        axes = [np.array([_source_index(i, a, d, offset) * s for i in range(d + a + b)], np.int64)
                for (a, b), d, s in zip(self.pads(op), x.shape, strides(x.shape))]
        return emit_gather(ctx, op.name, x, y, dense_out(axes))
