"""DEPTH_TO_SPACE and SPACE_TO_DEPTH (NHWC, TFLM's DCR channel order) as gathers."""
from __future__ import annotations

from ..ir import Op, OpType
from ._gather import HEADERS, contiguous, dense_out, emit_gather, strides
from ._shape import expect_same_type
from .base import OpDef, expect_arity, expect_rank, expect_shape, fail, refuse_int16


class DepthToSpace(OpDef):
    type = OpType.DEPTH_TO_SPACE
    kernel_headers = HEADERS

    def check(self, op: Op) -> None:
        refuse_int16(op)  # TFLM's DEPTH_TO_SPACE / SPACE_TO_DEPTH Prepare requires float32 or int8
        expect_arity(op, (1,))
        x, y = op.inputs[0], op.outputs[0]
        expect_same_type(op, x, y)
        expect_rank(op, x, 4, "input")
        n, h, w, c = x.shape
        bs = op.options.get("block_size", 0)
        if bs < 1:
            raise fail(op, f"block size {bs} must be >= 1")
        if self.type == OpType.DEPTH_TO_SPACE:
            if c % (bs * bs):
                raise fail(op, f"depth {c} is not a multiple of block_size^2 = {bs * bs}")
            expect_shape(op, y, (n, h * bs, w * bs, c // (bs * bs)))
        else:
            if h % bs or w % bs:
                raise fail(op, f"height {h} and width {w} must be multiples of the block size {bs}")
            expect_shape(op, y, (n, h // bs, w // bs, c * bs * bs))

    def emit(self, op: Op, ctx) -> str:
        x, y = op.inputs[0], op.outputs[0]
        bs = op.options["block_size"]
        n, h, w, c = x.shape
        sn, sh, sw, _ = strides(x.shape)
        if self.type == OpType.DEPTH_TO_SPACE:   # out[n, h*bs+by, w*bs+bx, d] = in[n, h, w, (by*bs+bx)*C' + d]
            co = c // (bs * bs)
            axes = [contiguous(n, sn), contiguous(h, sh), contiguous(bs, bs * co), contiguous(w, sw),
                    contiguous(bs, co), contiguous(co, 1)]
        else:                                     # out[n, oh, ow, (by*bs+bx)*C + d] = in[n, oh*bs+by, ow*bs+bx, d]
            axes = [contiguous(n, sn), contiguous(h // bs, sh * bs), contiguous(w // bs, sw * bs),
                    contiguous(bs, sh), contiguous(bs, sw), contiguous(c, 1)]
        return emit_gather(ctx, op.name, x, y, dense_out(axes))


class SpaceToDepth(DepthToSpace):
    type = OpType.SPACE_TO_DEPTH
