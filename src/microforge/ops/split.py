"""SPLIT, SPLIT_V and UNPACK: each output is a slab of the input (several outputs per op)."""
from __future__ import annotations

from ..ir import Op, OpType
from ._gather import HEADERS, contiguous, dense_out, emit_gather, strides
from ._shape import const_ints, expect_same_type, norm_axis
from .base import OpDef, expect_shape, fail


class Split(OpDef):
    """SPLIT: inputs (axis, x); SPLIT_V (options split_v): inputs (x, size_splits, axis)."""

    type = OpType.SPLIT
    kernel_headers = HEADERS

    def parts(self, op: Op) -> tuple[int, list[int]]:
        v = op.options.get("split_v", False)
        if len(op.inputs) != (3 if v else 2):
            raise fail(op, f"expected {3 if v else 2} inputs, got {len(op.inputs)}")
        x = op.inputs[0] if v else op.inputs[1]
        ax = const_ints(op, op.inputs[2] if v else op.inputs[0], "axis")
        if len(ax) != 1:
            raise fail(op, "axis must hold one value")
        axis = norm_axis(op, ax[0], len(x.shape))
        d, n = x.shape[axis], len(op.outputs)
        if v:
            sizes = const_ints(op, op.inputs[1], "size_splits")
            if len(sizes) != n or sizes.count(-1) > 1:
                raise fail(op, f"size_splits {sizes} must give one size per output ({n}), at most one -1")
            if -1 in sizes:
                sizes[sizes.index(-1)] = d - sum(s for s in sizes if s != -1)
        else:
            if d % n:
                raise fail(op, f"axis {axis} of size {d} does not split into {n} equal parts")
            sizes = [d // n] * n
        if sum(sizes) != d or min(sizes) < 0:
            raise fail(op, f"split sizes {sizes} do not add up to the axis size {d}")
        return axis, sizes

    def source(self, op: Op):
        return op.inputs[0] if op.options.get("split_v", False) else op.inputs[1]

    def check(self, op: Op) -> None:
        x = self.source(op) if len(op.inputs) >= 2 else None
        axis, sizes = self.parts(op)
        for y, n in zip(op.outputs, sizes):
            expect_same_type(op, x, y)
            expect_shape(op, y, tuple(n if k == axis else d for k, d in enumerate(x.shape)))

    def emit(self, op: Op, ctx) -> str:
        x = self.source(op)
        axis, sizes = self.parts(op)
        st = strides(x.shape)
        code, start = [], 0
        for y, n in zip(op.outputs, sizes):
            axes = [contiguous(n if k == axis else d, st[k], start if k == axis else 0) for k, d in enumerate(x.shape)]
            if n:
                code.append(emit_gather(ctx, op.name, x, y, dense_out(axes)))
            start += n
        return "\n".join(code)


class Unpack(OpDef):
    """UNPACK: output j is the input's index j along `axis` (that axis removed)."""

    type = OpType.UNPACK
    kernel_headers = HEADERS

    def check(self, op: Op) -> None:
        if len(op.inputs) != 1:
            raise fail(op, f"expected 1 input, got {len(op.inputs)}")
        x = op.inputs[0]
        axis = norm_axis(op, op.options.get("axis", 0), len(x.shape))
        if len(op.outputs) != x.shape[axis]:
            raise fail(op, f"{len(op.outputs)} outputs for an axis of size {x.shape[axis]}")
        for y in op.outputs:
            expect_same_type(op, x, y)
            expect_shape(op, y, tuple(d for k, d in enumerate(x.shape) if k != axis))

    def emit(self, op: Op, ctx) -> str:
        x = op.inputs[0]
        axis = norm_axis(op, op.options.get("axis", 0), len(x.shape))
        st = strides(x.shape)
        code = []
        for j, y in enumerate(op.outputs):
            axes = [contiguous(1 if k == axis else d, st[k], j if k == axis else 0) for k, d in enumerate(x.shape)]
            code.append(emit_gather(ctx, op.name, x, y, dense_out(axes)))
        return "\n".join(code)

