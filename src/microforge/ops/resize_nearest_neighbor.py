"""RESIZE_NEAREST_NEIGHBOR (NHWC, constant size) as a gather; source rows/columns computed in float32 like TFLM."""
from __future__ import annotations

import math

import numpy as np

from ..ir import Op, OpType
from ..quant import tflite_round
from ._gather import HEADERS, contiguous, dense_out, emit_gather, strides
from ._shape import const_ints, expect_same_type
from .base import OpDef, expect_arity, expect_rank, expect_shape, fail


def nearest(out_i: int, in_size: int, out_size: int, align_corners: bool, half_pixel: bool) -> int:
    f = np.float32
    scale = f(in_size - 1) / f(out_size - 1) if align_corners and out_size > 1 else f(in_size) / f(out_size)
    v = (f(out_i) + f(0.5 if half_pixel else 0.0)) * scale
    v = tflite_round(float(v)) if align_corners else math.floor(float(v))
    v = min(v, in_size - 1)
    return max(0, v) if half_pixel else v


class ResizeNearestNeighbor(OpDef):
    type = OpType.RESIZE_NEAREST_NEIGHBOR
    kernel_headers = HEADERS

    def check(self, op: Op) -> None:
        expect_arity(op, (2,))
        x, y = op.inputs[0], op.outputs[0]
        expect_same_type(op, x, y)
        expect_rank(op, x, 4, "input")
        size = const_ints(op, op.inputs[1], "size")
        if len(size) != 2 or min(size) < 1:
            raise fail(op, f"size must be two positive values, got {size}")
        expect_shape(op, y, (x.shape[0], size[0], size[1], x.shape[3]))

    def emit(self, op: Op, ctx) -> str:
        x, y = op.inputs[0], op.outputs[0]
        n, h, w, c = x.shape
        oh, ow = y.shape[1], y.shape[2]
        ac, hp = op.options.get("align_corners", False), op.options.get("half_pixel_centers", False)
        sn, sh, sw, _ = strides(x.shape)
        axes = [contiguous(n, sn),
                np.array([nearest(i, h, oh, ac, hp) * sh for i in range(oh)], np.int64),
                np.array([nearest(i, w, ow, ac, hp) * sw for i in range(ow)], np.int64),
                contiguous(c, 1)]
        return emit_gather(ctx, op.name, x, y, dense_out(axes))
