"""BATCH_MATMUL: int8 x int8 -> int8 (or int16 x int16 -> int16) matrix products over broadcast batch dims; either operand may be an activation."""
from __future__ import annotations

import numpy as np

from ..ir import DType, Op, OpType, Tensor
from ..quant import fc_per_tensor_effective_scale, quantize_multiplier
from ._requant import expect_s16_shift, expect_supported_rescale
from .base import OpDef, expect_arity, expect_dtype, expect_quant, fail

MAX_RANK = 5  # TFLM's BATCH_MATMUL takes ranks 2..5 (three batch dims at most)
# int16: TFLM's int64 requantisation assumes |sum| < 2^47; each product is at most 2^30 (-32768 * -32768)
MAX_DEPTH_S16 = 1 << 17


def _batch_strides(t: Tensor) -> list[int]:
    """Element stride of each of the 3 (left-padded) batch dims of `t`; 0 where it broadcasts (size 1)."""
    shape = (1,) * (MAX_RANK - len(t.shape)) + tuple(t.shape)
    strides = [int(np.prod(shape[i + 1:])) for i in range(3)]
    return [0 if shape[i] == 1 else strides[i] for i in range(3)]


class BatchMatMul(OpDef):
    type = OpType.BATCH_MATMUL
    kernel_headers = ("mf_batch_matmul.h",)
    int16_headers = ("mf_batch_matmul.h", "mf_batch_matmul_s16.h")

    @staticmethod
    def _dims(op: Op) -> tuple[int, int, int]:
        """(rows, depth, cols) of out = op(lhs) @ op(rhs), op = transpose when adj_x / adj_y."""
        lhs, rhs, o = op.inputs[0], op.inputs[1], op.options
        rows, depth = (lhs.shape[-1], lhs.shape[-2]) if o.get("adj_x") else (lhs.shape[-2], lhs.shape[-1])
        depth_r, cols = (rhs.shape[-1], rhs.shape[-2]) if o.get("adj_y") else (rhs.shape[-2], rhs.shape[-1])
        if depth != depth_r:
            raise fail(op, f"lhs {list(lhs.shape)} (adj_x={bool(o.get('adj_x'))}) and rhs {list(rhs.shape)} "
                           f"(adj_y={bool(o.get('adj_y'))}) disagree on the inner dimension: {depth} vs {depth_r}",
                       "the model is malformed; re-export it")
        return rows, depth, cols

    def check(self, op: Op) -> None:
        expect_arity(op, (2,))
        lhs = expect_dtype(op, op.inputs[0], "lhs", DType.INT8, DType.INT16)
        rhs = expect_dtype(op, op.inputs[1], "rhs", lhs.dtype)   # TFLM: both operands and the output of one type
        y = expect_dtype(op, op.outputs[0], "output", lhs.dtype)
        for t, role in ((lhs, "lhs"), (rhs, "rhs"), (y, "output")):
            expect_quant(op, t, role)
            if role != "output" and not 2 <= len(t.shape) <= MAX_RANK:
                raise fail(op, f"{role} tensor '{t.name}' has rank {len(t.shape)}; BATCH_MATMUL takes ranks 2 to {MAX_RANK}")
        rows, _, cols = self._dims(op)
        rank = max(len(lhs.shape), len(rhs.shape))
        lb = (1,) * (rank - len(lhs.shape)) + tuple(lhs.shape[:-2])
        rb = (1,) * (rank - len(rhs.shape)) + tuple(rhs.shape[:-2])
        if any(a != b and 1 not in (a, b) for a, b in zip(lb, rb)):
            raise fail(op, f"batch dimensions {list(lhs.shape[:-2])} and {list(rhs.shape[:-2])} do not broadcast")
        want = tuple(max(a, b) for a, b in zip(lb, rb)) + (rows, cols)
        if tuple(y.shape) != want:
            raise fail(op, f"output tensor '{y.name}' has shape {list(y.shape)} but the op computes {list(want)}",
                       "the model is malformed; re-export it")
        real = fc_per_tensor_effective_scale(lhs.quant.s, rhs.quant.s, y.quant.s)
        expect_supported_rescale(op, real, "the effective scale (lhs * rhs / output)")
        if lhs.dtype == DType.INT16:
            expect_s16_shift(op, np.array([quantize_multiplier(real)[1]]), 1)
            depth = self._dims(op)[1]
            if depth >= MAX_DEPTH_S16:
                raise fail(op, f"int16 inner dimension {depth} may take the int64 sum beyond the 2^47 TFLM's 16-bit "
                               f"requantisation is defined for (at most {MAX_DEPTH_S16 - 1})")

    def macs(self, op: Op) -> int:
        return op.outputs[0].num_elements * self._dims(op)[1]

    def emit(self, op: Op, ctx) -> str:
        lhs, rhs, y, o = op.inputs[0], op.inputs[1], op.outputs[0], op.options
        rows, depth, cols = self._dims(op)
        out_batch = (1,) * (MAX_RANK - len(y.shape)) + tuple(y.shape[:-2])
        mult, shift = quantize_multiplier(fc_per_tensor_effective_scale(lhs.quant.s, rhs.quant.s, y.quant.s))
        ls, rs = _batch_strides(lhs), _batch_strides(rhs)
        # element strides inside one matrix: lhs[a][k] and rhs[k][c] whatever the stored orientation
        l_row, l_k = (1, rows) if o.get("adj_x") else (depth, 1)
        r_k, r_col = (1, depth) if o.get("adj_y") else (cols, 1)
        p = ctx.params("mf_batch_matmul_params_t", dict(
            b0=out_batch[0], b1=out_batch[1], b2=out_batch[2], lhs_b0=ls[0], lhs_b1=ls[1], lhs_b2=ls[2],
            rhs_b0=rs[0], rhs_b1=rs[1], rhs_b2=rs[2], rows=rows, depth=depth, cols=cols,
            lhs_row=l_row, lhs_k=l_k, rhs_k=r_k, rhs_col=r_col, lhs_offset=-lhs.quant.zp, rhs_offset=-rhs.quant.zp,
            out_offset=y.quant.zp, mult=mult, shift=shift))
        kernel = "mf_batch_matmul_s16" if lhs.dtype == DType.INT16 else "mf_batch_matmul_s8"
        return f"{kernel}(&{p}, {ctx.ptr(lhs)}, {ctx.ptr(rhs)}, {ctx.ptr(y)});"
