"""TRANSPOSE: permute the axes of a tensor (rank <= 5) with a constant permutation."""
from __future__ import annotations

from ..ir import Op, OpType
from ._gather import HEADERS, contiguous, dense_out, emit_gather, strides
from ._shape import const_ints, expect_same_type
from .base import OpDef, expect_arity, expect_shape, fail


def _perm(op: Op) -> list[int]:
    perm = const_ints(op, op.inputs[1], "permutation")
    rank = len(op.inputs[0].shape)
    if sorted(p % rank if -rank <= p < rank else -1 for p in perm) != list(range(rank)):
        raise fail(op, f"permutation {perm} is not a permutation of the {rank} input axes")
    return [p % rank for p in perm]


class Transpose(OpDef):
    type = OpType.TRANSPOSE
    kernel_headers = HEADERS

    def check(self, op: Op) -> None:
        expect_arity(op, (2,))
        x, y = op.inputs[0], op.outputs[0]
        expect_same_type(op, x, y)
        if len(x.shape) > 5:  # TFLM's transpose stops at rank 5 too
            raise fail(op, f"rank {len(x.shape)} is above the supported 5")
        perm = _perm(op)
        expect_shape(op, y, tuple(x.shape[p] for p in perm))

    def emit(self, op: Op, ctx) -> str:
        x, y = op.inputs[0], op.outputs[0]
        st = strides(x.shape)
        axes = [contiguous(x.shape[p], st[p]) for p in _perm(op)]
        return emit_gather(ctx, op.name, x, y, dense_out(axes))
