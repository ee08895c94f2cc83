"""CONV_2D: int8 activations, int8 per-channel (or per-tensor) weights, int32 bias."""
from __future__ import annotations

import numpy as np

from ..ir import DType, Op, OpType
from ._requant import act_clamp, conv_multipliers, folded_bias
from .base import (OpDef, expect_arity, expect_const, expect_dtype, expect_quant, expect_rank, expect_shape, fail, first_taps,
                   lead_from_reads, padding_of, window)


class Conv2D(OpDef):
    type = OpType.CONV_2D
    kernel_headers = ("mf_fully_connected.h", "mf_conv2d.h")  # the DSP convolution reuses the FC dot-product blocks

    def check(self, op: Op) -> None:
        expect_arity(op, (2, 3))
        x = expect_dtype(op, op.inputs[0], "input", DType.INT8)
        w = expect_dtype(op, expect_const(op, op.inputs[1], "filter"), "filter", DType.INT8)
        y = expect_dtype(op, op.outputs[0], "output", DType.INT8)
        b = op.inputs[2] if len(op.inputs) > 2 else None
        if b is not None:
            expect_dtype(op, expect_const(op, b, "bias"), "bias", DType.INT32)
        for t, role in ((x, "input"), (y, "output")):
            expect_quant(op, t, role)
            expect_rank(op, t, 4, role)
        expect_quant(op, w, "filter", per_tensor=False)
        expect_rank(op, w, 4, "filter")
        if w.quant.per_channel and w.quant.axis != 0:
            raise fail(op, f"filter is quantised along axis {w.quant.axis}; only per-output-channel (axis 0) is supported")
        if any(w.quant.zero_point != 0):
            raise fail(op, "filter zero points must be 0 for int8 convolution (symmetric weights)")
        oc, kh, kw, ic = w.shape
        if x.shape[3] % ic:
            raise fail(op, f"input has {x.shape[3]} channels, not a multiple of the filter's {ic}")
        if x.shape[3] != ic:
            raise fail(op, f"grouped convolution ({x.shape[3] // ic} groups) is not supported")
        if b is not None and b.num_elements != oc:
            raise fail(op, f"bias has {b.num_elements} elements, expected {oc}")
        o = op.options
        oh, _ = window(op, x.shape[1], kh, o["stride_h"], o["dilation_h"], padding_of(op, 0))
        ow, _ = window(op, x.shape[2], kw, o["stride_w"], o["dilation_w"], padding_of(op, 1))
        expect_shape(op, y, (x.shape[0], oh, ow, oc))
        act_clamp(op, y)

    def macs(self, op: Op) -> int:
        y, w = op.outputs[0], op.inputs[1]
        return y.num_elements * w.shape[1] * w.shape[2] * w.shape[3]

    def overlap_lead(self, op: Op, index: int) -> int | None:
        """mf_conv2d_s8 writes out[b][oy][ox][oc] right after reading its whole window (all input channels).

        So every output channel of a pixel is written while the pixel's window is still needed by the
        next channel: a 1x1 stride-1 conv needs lead out_c-1 when out_c <= in_c, and the output must
        start (pixels-1)*(out_c-in_c) bytes further ahead when it is wider.
        """
        if index != 0:
            return None
        x, w, y = op.inputs[0], op.inputs[1], op.outputs[0]
        o = op.options
        oc, kh, kw, ic = w.shape
        _, pad_t = window(op, x.shape[1], kh, o["stride_h"], o["dilation_h"], padding_of(op, 0))
        _, pad_l = window(op, x.shape[2], kw, o["stride_w"], o["dilation_w"], padding_of(op, 1))
        taps = first_taps(x.shape[1], x.shape[2], y.shape[1], y.shape[2], kh, kw, o["stride_h"], o["stride_w"],
                          o["dilation_h"], o["dilation_w"], pad_t, pad_l).reshape(1, -1, 1) * ic
        batch = (np.arange(x.shape[0]) * (x.num_elements // x.shape[0])).reshape(-1, 1, 1)
        return lead_from_reads(np.broadcast_to(taps + batch, (x.shape[0], taps.shape[1], oc)), 1)

    def emit(self, op: Op, ctx) -> str:
        x, w, y = op.inputs[0], op.inputs[1], op.outputs[0]
        b = op.inputs[2] if len(op.inputs) > 2 else None
        o = op.options
        oc, kh, kw, ic = w.shape
        _, pad_t = window(op, x.shape[1], kh, o["stride_h"], o["dilation_h"], padding_of(op, 0))
        _, pad_l = window(op, x.shape[2], kw, o["stride_w"], o["dilation_w"], padding_of(op, 1))
        in_zp, out_zp = x.quant.zp, y.quant.zp
        mult, shift = conv_multipliers(x, w, y, oc)
        lo, hi = act_clamp(op, y)
        bias = folded_bias(b, w.data.reshape(oc, -1).astype(int).sum(axis=1), in_zp)
        p = ctx.params("mf_conv2d_params_t", dict(
            batches=x.shape[0], in_h=x.shape[1], in_w=x.shape[2], in_c=ic,
            out_h=y.shape[1], out_w=y.shape[2], out_c=oc, k_h=kh, k_w=kw,
            stride_h=o["stride_h"], stride_w=o["stride_w"], dil_h=o["dilation_h"], dil_w=o["dilation_w"],
            pad_top=pad_t, pad_left=pad_l, pad_value=in_zp, out_offset=out_zp, act_min=lo, act_max=hi,
            weights=ctx.const(w), bias=ctx.const(f"{op.name}_bias", bias),
            mult=ctx.const(f"{op.name}_mult", mult), shift=ctx.const(f"{op.name}_shift", shift)))
        if "dsp" in ctx.kernel_variants:  # fixed-size scratch: a VLA inside the kernel would cost a frame pointer
            win4 = (kh * kw * ic + 3) & ~3                 # MF_CONV2D_SCRATCH_BYTES (runtime/dsp/mf_conv2d.h)
            words = (3 if 3 * win4 <= 4096 else 1) * win4 // 4
            return (f"{{ int32_t scratch[{words}]; "
                    f"mf_conv2d_s8_scratch(&{p}, {ctx.ptr(x)}, {ctx.ptr(y)}, (int8_t *)scratch); }}")
        return f"mf_conv2d_s8(&{p}, {ctx.ptr(x)}, {ctx.ptr(y)});"
