"""SLICE and STRIDED_SLICE: copy a (strided) box of the input; begin/size/end/strides must be constants."""
from __future__ import annotations

import math

from ..ir import Op, OpType
from ._gather import HEADERS, contiguous, dense_out, emit_gather, strides
from ._shape import const_ints, expect_same_type
from .base import OpDef, expect_arity, fail


def _slice_axes(op: Op) -> list[tuple[int, int, int]]:
    """(start, count, step) per input axis."""
    x = op.inputs[0]
    rank = len(x.shape)
    begin, size = const_ints(op, op.inputs[1], "begin"), const_ints(op, op.inputs[2], "size")
    if len(begin) != rank or len(size) != rank:
        raise fail(op, f"begin {begin} and size {size} must have one entry per input axis ({rank})")
    out = []
    for b, n, d in zip(begin, size, x.shape):
        n = d - b if n == -1 else n
        if not (0 <= b and n >= 0 and b + n <= d):
            raise fail(op, f"slice begin {b} size {n} is outside an axis of size {d}")
        out.append((b, n, 1))
    return out


def _strided_axes(op: Op) -> tuple[list[tuple[int, int, int]], list[int]]:
    """(start, count, step) per input axis and the output shape (shrunk axes removed), as TFLM computes them."""
    o, x = op.options, op.inputs[0]
    if o.get("ellipsis_mask") or o.get("new_axis_mask"):
        raise fail(op, "ellipsis_mask and new_axis_mask are not supported (TFLM ignores them)",
                   "re-export the model with explicit begin/end for every axis")
    if o.get("offset"):
        raise fail(op, "STRIDED_SLICE with offset=true is not supported")
    rank = len(x.shape)
    begin, end, step = (const_ints(op, op.inputs[i], n) for i, n in ((1, "begin"), (2, "end"), (3, "strides")))
    if not len(begin) == len(end) == len(step) == rank:
        raise fail(op, f"begin/end/strides must have {rank} entries")
    axes, shape = [], []
    for k, d in enumerate(x.shape):
        s = step[k]
        if s == 0:
            raise fail(op, "stride value has to be non-zero")
        lo, hi = (0, d) if s > 0 else (-1, d - 1)
        start = (-(1 << 31) if s > 0 else (1 << 31) - 1) if o.get("begin_mask", 0) >> k & 1 else begin[k]
        start = min(max(start + d if start < 0 else start, lo), hi)
        if o.get("shrink_axis_mask", 0) >> k & 1:
            if not 0 <= start < d or s < 0:
                raise fail(op, f"shrunk axis {k} selects index {start} with stride {s}, which is not supported")
            axes.append((start, 1, 1))
            continue
        stop = ((1 << 31) - 1 if s > 0 else -(1 << 31)) if o.get("end_mask", 0) >> k & 1 else end[k]
        stop = min(max(stop + d if stop < 0 else stop, lo), hi)
        n = max(0, math.ceil((stop - start) / s))
        axes.append((start, n, s))
        shape.append(n)
    return axes, shape


class Slice(OpDef):
    type = OpType.SLICE
    kernel_headers = HEADERS

    def axes(self, op: Op) -> tuple[list[tuple[int, int, int]], list[int]]:
        a = _slice_axes(op)
        return a, [n for _, n, _ in a]

    def check(self, op: Op) -> None:
        expect_arity(op, (3,) if self.type == OpType.SLICE else (4,))
        x, y = op.inputs[0], op.outputs[0]
        expect_same_type(op, x, y)
        if len(x.shape) > 5:
            raise fail(op, f"rank {len(x.shape)} is above the supported 5")
        axes, shape = self.axes(op)
        if tuple(shape) != tuple(y.shape):
            raise fail(op, f"output '{y.name}' has shape {list(y.shape)} but the slice selects {shape}",
                       "the model is malformed; re-export it")
        if any(n == 0 for _, n, _ in axes):
            raise fail(op, "the slice is empty")

    def emit(self, op: Op, ctx) -> str:
        x, y = op.inputs[0], op.outputs[0]
        st = strides(x.shape)
        axes = [contiguous(n, s * step) + b * s for (b, n, step), s in zip(self.axes(op)[0], st)]
        return emit_gather(ctx, op.name, x, y, dense_out(axes))


class StridedSlice(Slice):
    type = OpType.STRIDED_SLICE

    def axes(self, op: Op) -> tuple[list[tuple[int, int, int]], list[int]]:
        return _strided_axes(op)
