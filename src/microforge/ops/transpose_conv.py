"""TRANSPOSE_CONV: int8 input, int8 per-channel (or per-tensor) weights, optional int32 bias; or 16x8 (int16 activations, int64/int16 bias)."""
from __future__ import annotations

import numpy as np

from ..ir import DType, Op, OpType
from ._requant import act_clamp, conv_multipliers, expect_s16_shift, expect_supported_weight_rescale
from .base import OpDef, is_int16, expect_arity, expect_const, expect_dtype, expect_quant, expect_rank, fail, window

# TFLM's int64 MultiplyByQuantizedMultiplier is defined for |accumulator| < 2^47 (common.cc's precondition).
S16_ACC_LIMIT = 1 << 47


def _taps(n_in: int, n_out: int, k: int, stride: int, pad: int) -> int:
    """How many (input, kernel) index pairs along one axis land inside the output."""
    pos = np.arange(n_in)[:, None] * stride - pad + np.arange(k)[None, :]
    return int(((pos >= 0) & (pos < n_out)).sum())


class TransposeConv(OpDef):
    type = OpType.TRANSPOSE_CONV
    kernel_headers = ("mf_transpose_conv.h",)
    int16_headers = ("mf_transpose_conv_s16.h",)

    @staticmethod
    def _pads(op: Op) -> tuple[int, int]:
        """TFLM derives the padding from the OUTPUT extent as if it were a convolution's input (dilation 1)."""
        w, y, o = op.inputs[1], op.outputs[0], op.options
        _, pad_t = window(op, y.shape[1], w.shape[1], o["stride_h"], 1, o["padding"])
        _, pad_l = window(op, y.shape[2], w.shape[2], o["stride_w"], 1, o["padding"])
        return pad_t, pad_l

    def check(self, op: Op) -> None:
        expect_arity(op, (3, 4))
        shape = expect_dtype(op, op.inputs[0], "output shape", DType.INT32)
        w = expect_dtype(op, expect_const(op, op.inputs[1], "filter"), "filter", DType.INT8)
        x = expect_dtype(op, op.inputs[2], "input", DType.INT8, DType.INT16)
        y = expect_dtype(op, op.outputs[0], "output", x.dtype)
        b = op.inputs[3] if len(op.inputs) > 3 else None
        if b is not None:
            if x.dtype == DType.INT16 and b.dtype == DType.INT32:
                raise fail(op, f"bias tensor '{b.name}' is int32: TFLM's 16x8 TRANSPOSE_CONV reads its bias as int64 "
                               "(an int16 bias it widens), so it would misread an int32 one",
                           "re-convert the model (the converter writes an int64 bias for 16x8 TRANSPOSE_CONV)")
            expect_dtype(op, expect_const(op, b, "bias"), "bias",
                         *((DType.INT64, DType.INT16) if x.dtype == DType.INT16 else (DType.INT32,)))
        for t, role in ((x, "input"), (y, "output")):
            expect_quant(op, t, role)
            expect_rank(op, t, 4, role)
        expect_quant(op, w, "filter", per_tensor=False)
        expect_rank(op, w, 4, "filter")
        if w.quant.per_channel and w.quant.axis != 0:
            raise fail(op, f"filter is quantised along axis {w.quant.axis}; only per-output-channel (axis 0) is supported")
        if any(w.quant.zero_point != 0):
            raise fail(op, "filter zero points must be 0 (symmetric int8 weights; TFLM's kernel ignores them)")
        # TFLM never reads the output-shape operand (it takes the output tensor's shape), so a non-constant one
        # (seanet's TRANSPOSE_CONV has it as a graph input) is ignored here too; a constant one must agree.
        if shape.is_const and [int(v) for v in shape.data.reshape(-1)] != list(y.shape):
            raise fail(op, f"output shape operand {shape.data.reshape(-1).tolist()} differs from the output tensor's "
                           f"shape {list(y.shape)}", "the model is malformed; re-export it")
        oc, _, _, ic = w.shape
        if x.shape[3] != ic:
            raise fail(op, f"input has {x.shape[3]} channels but the filter expects {ic}")
        if y.shape[0] != x.shape[0] or y.shape[3] != oc:
            raise fail(op, f"output shape {list(y.shape)} does not match batch {x.shape[0]} and {oc} filters",
                       "the model is malformed; re-export it")
        if b is not None and b.num_elements != oc:
            raise fail(op, f"bias has {b.num_elements} elements, expected {oc}")
        if op.options["stride_h"] < 1 or op.options["stride_w"] < 1:
            raise fail(op, f"strides must be >= 1, got {op.options['stride_h']}x{op.options['stride_w']}")
        self._pads(op)
        expect_supported_weight_rescale(op, x, w, y)
        act_clamp(op, y)
        if is_int16(op):
            expect_s16_shift(op, conv_multipliers(x, w, y, oc)[1], 1)
            bound = np.abs(self._s16_bias(op)) + 32768 * np.abs(w.data.astype(np.int64)).reshape(oc, -1).sum(axis=1)
            if bound.max() >= S16_ACC_LIMIT:
                raise fail(op, f"the int64 accumulator may reach {int(bound.max())}, beyond the 2^47 TFLM's 16x8 "
                               "requantisation is defined for", "check the bias: it is far larger than the products")

    def macs(self, op: Op) -> int:
        w, x, y, o = op.inputs[1], op.inputs[2], op.outputs[0], op.options
        pad_t, pad_l = self._pads(op)
        return (x.shape[0] * w.shape[0] * w.shape[3] * _taps(x.shape[1], y.shape[1], w.shape[1], o["stride_h"], pad_t)
                * _taps(x.shape[2], y.shape[2], w.shape[2], o["stride_w"], pad_l))

    @staticmethod
    def _s16_bias(op: Op) -> np.ndarray:
        """The 16x8 bias as TFLM adds it: int64 (an int16 bias widened), zeros without one."""
        b, oc = (op.inputs[3] if len(op.inputs) > 3 else None), op.inputs[1].shape[0]
        return np.zeros(oc, np.int64) if b is None else b.data.astype(np.int64).reshape(-1)

    def emit(self, op: Op, ctx) -> str:
        if is_int16(op):
            return self._emit_s16(op, ctx)
        w, x, y, o = op.inputs[1], op.inputs[2], op.outputs[0], op.options
        b = op.inputs[3] if len(op.inputs) > 3 else None
        oc, kh, kw, ic = w.shape
        pad_t, pad_l = self._pads(op)
        mult, shift = conv_multipliers(x, w, y, oc)
        lo, hi = act_clamp(op, y)
        bias = np.zeros(oc, np.int32) if b is None else b.data.astype(np.int32).reshape(-1)
        p = ctx.params("mf_transpose_conv_params_t", dict(
            batches=x.shape[0], in_h=x.shape[1], in_w=x.shape[2], in_c=ic, out_h=y.shape[1], out_w=y.shape[2],
            out_c=oc, k_h=kh, k_w=kw, stride_h=o["stride_h"], stride_w=o["stride_w"], pad_top=pad_t, pad_left=pad_l,
            in_offset=-x.quant.zp, out_offset=y.quant.zp, act_min=lo, act_max=hi, weights=ctx.const(w),
            bias=ctx.const(f"{op.name}_bias", bias), mult=ctx.const(f"{op.name}_mult", mult),
            shift=ctx.const(f"{op.name}_shift", shift)))
        return f"mf_transpose_conv_s8(&{p}, {ctx.ptr(x)}, {ctx.ptr(y)});"

    def _emit_s16(self, op: Op, ctx) -> str:
        """16x8: runtime/portable/mf_transpose_conv_s16.h on every target (zero points are 0: no offsets)."""
        w, x, y, o = op.inputs[1], op.inputs[2], op.outputs[0], op.options
        oc, kh, kw, ic = w.shape
        pad_t, pad_l = self._pads(op)
        mult, shift = conv_multipliers(x, w, y, oc)
        lo, hi = act_clamp(op, y)
        # narrow: one tap's sum over the input channels fits int32 for any int16 input (the kernel sums per tap)
        tap_abs = np.abs(w.data.astype(np.int64)).sum(axis=3)
        p = ctx.params("mf_transpose_conv_s16_params_t", dict(
            batches=x.shape[0], in_h=x.shape[1], in_w=x.shape[2], in_c=ic, out_h=y.shape[1], out_w=y.shape[2],
            out_c=oc, k_h=kh, k_w=kw, stride_h=o["stride_h"], stride_w=o["stride_w"], pad_top=pad_t, pad_left=pad_l,
            act_min=lo, act_max=hi, narrow=int(32768 * int(tap_abs.max()) < 1 << 31), weights=ctx.const(w),
            bias=ctx.const(f"{op.name}_bias", self._s16_bias(op)), mult=ctx.const(f"{op.name}_mult", mult),
            shift=ctx.const(f"{op.name}_shift", shift)))
        return f"mf_transpose_conv_s16(&{p}, {ctx.ptr(x)}, {ctx.ptr(y)});"
