"""RESIZE_BILINEAR (int8 NHWC, constant size): TFLM's integer path, source rows/columns in 10-bit fixed point.

For int8 TFLM runs ResizeBilinearInteger, not the float32 coordinate code of its float kernel: scales are
rounded to 1/1024, each output is the 4-tap weighted sum in Q20 rounded half away from zero. The raw int8
values are interpolated without rescaling (TFLM does not look at the quantisation).
"""
from __future__ import annotations

import numpy as np

from ..ir import DType, Op, OpType
from ._shape import const_ints
from .base import OpDef, expect_arity, expect_dtype, expect_rank, expect_shape, fail, refuse_int16

ONE = 1 << 10


def _cdiv(a, b: int):
    """C integer division (truncates toward zero) of int64 array or int `a` by positive `b`."""
    return np.sign(a) * (np.abs(a) // b)


def source_taps(out_size: int, in_size: int, align_corners: bool, half_pixel: bool) -> np.ndarray:
    """(out_size, 3) int64: lower index, upper index and the Q10 position minus ONE * lower, per output index."""
    if align_corners and out_size > 1:
        scale = int(_cdiv(ONE * (in_size - 1) + (out_size - 1) // 2, out_size - 1))
    else:
        scale = int(_cdiv(ONE * in_size + out_size // 2, out_size))
    v = np.arange(out_size, dtype=np.int64)
    pos = v * scale + int(_cdiv(scale, 2)) - (1 << 9) if half_pixel else v * scale
    lo = np.maximum(_cdiv(pos, ONE), 0)
    hi = np.minimum(_cdiv(pos + ONE - 1, ONE), in_size - 1)
    return np.stack([lo, hi, pos - ONE * lo], axis=1)


class ResizeBilinear(OpDef):
    """TFLM rejects align_corners together with half_pixel_centers, and a size that is not a constant int32[2]."""

    type = OpType.RESIZE_BILINEAR
    kernel_headers = ("mf_resize_bilinear.h",)

    def _taps(self, op: Op) -> tuple[np.ndarray, np.ndarray]:
        x, y = op.inputs[0], op.outputs[0]
        ac, hp = op.options.get("align_corners", False), op.options.get("half_pixel_centers", False)
        ty = source_taps(y.shape[1], x.shape[1], ac, hp)
        tx = source_taps(y.shape[2], x.shape[2], ac, hp)
        for t, n, what in ((ty, x.shape[1], "row"), (tx, x.shape[2], "column")):
            if t[:, 0].max() >= n:
                raise fail(op, f"TFLM's fixed-point source {what} runs past the input ({int(t[:, 0].max())} >= {n}) for "
                           f"this size: it reads outside the tensor", "choose an output size closer to the input's")
        return ty, tx

    def check(self, op: Op) -> None:
        refuse_int16(op)
        expect_arity(op, (2,))
        x = expect_dtype(op, op.inputs[0], "input", DType.INT8)
        y = expect_dtype(op, op.outputs[0], "output", DType.INT8)
        expect_rank(op, x, 4, "input")
        size_t = op.inputs[1]
        if size_t is not None and (size_t.dtype != DType.INT32 or len(size_t.shape) != 1):
            raise fail(op, "size must be a 1-D int32 tensor (TFLM's requirement)")
        size = const_ints(op, size_t, "size")
        if len(size) != 2 or min(size) < 1:
            raise fail(op, f"size must be two positive values, got {size}")
        if op.options.get("align_corners") and op.options.get("half_pixel_centers"):
            raise fail(op, "align_corners and half_pixel_centers are both set", "TFLM rejects this; set at most one")
        expect_shape(op, y, (x.shape[0], size[0], size[1], x.shape[3]))
        self._taps(op)

    def macs(self, op: Op) -> int:
        return 4 * op.outputs[0].num_elements

    def emit(self, op: Op, ctx) -> str:
        x, y = op.inputs[0], op.outputs[0]
        n, h, w, c = x.shape
        ty, tx = self._taps(op)
        ty = ty * np.array([w * c, w * c, 1])  # rows as element offsets into one image
        tx = tx * np.array([c, c, 1])
        p = ctx.params("mf_resize_bilinear_params_t", dict(
            batches=n, depth=c, out_h=y.shape[1], out_w=y.shape[2], in_image=h * w * c,
            ytab=ctx.const(f"{op.name}_rows", ty.astype(np.int32).reshape(-1)),
            xtab=ctx.const(f"{op.name}_cols", tx.astype(np.int32).reshape(-1))))
        return f"mf_resize_bilinear_s8(&{p}, {ctx.ptr(x)}, {ctx.ptr(y)});"
