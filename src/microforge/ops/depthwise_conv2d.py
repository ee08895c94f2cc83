"""DEPTHWISE_CONV_2D: int8 or 16x8 (int16 activations, int64 bias), per-channel weights, any depth multiplier, stride, dilation, padding."""
from __future__ import annotations

import numpy as np

from ..ir import DType, Op, OpType
from ._requant import (constant_channels, expect_s16_shift, expect_supported_weight_rescale, act_clamp, conv_multipliers,
                       folded_bias, rq_narrow, s16_bias)
from .base import (NO_READ, OpDef, is_int16, expect_arity, expect_const, expect_dtype, expect_quant, expect_rank, expect_shape, fail, first_taps,
                   lead_from_reads, padding_of, window)

# runtime/dsp row path: narrowest output row it takes. Measured on vww: 6-wide rows 11% faster than the pixel kernel on
# the M4 (even on the M7); 3-wide rows (mf_dw_rows_three, full planes) on vww's 3x3x256 layer (M4 / M7 / M33):
# 89.2K / 42.6K / 89.2K cycles with the pixel kernel, 77.5K / 40.1K / 77.5K with the row path.
ROWS_MIN_OUT_W = 3
# ... in the staged order (not _rows_direct: each band builds its group's words again): vww's 3x3x256 layer under the
# default plan (its output over its input) took 115.1K cycles on the M4 with the staged row path, 88.2K with the pixel
# kernel
ROWS_MIN_OUT_W_STAGED = 4
# The same at stride_w 2 (each output widens four input columns, not one), direct order at stride 2
# (mf_depthwise_conv2d_s8_rows2: runtime/dsp/mf_dw_s2.h's widening, lean ring, merged row tails), measured against the
# pixel kernel (M4 / M7 / M33): vww 12x12x32 -9.3% / -10.1% / -9.1%, MobileNetV2 10x10x48 -14.3% / -11.7% / -13.9%,
# vww 6x6x64 -7.7% / -5.5% / -7.3%; 5 outputs (MobileNetV2 5x5x96) -4.6% / +0.2% / -4.4% (with the 5-output block's M7
# schedule; +2.5% on the M7 without), 3 outputs (vww 3x3x128, MobileNetV2 3x3x192) -0.9% / +9.2% / -0.8% and
# +1.0% / +5.3% / +1.0%
ROWS_MIN_OUT_W_S2 = 6
# ... on the M4/M33, whose stride-2 blocks take the layer's one shift (_rows_ushift's s2): 5 outputs in mf_dw_s2.h's
# direct order (the 5-output block alone; MobileNetV2's 5x5x96 layer 87.2K -> 82.9K on the M4); 3 outputs still lose
# there (MobileNetV2 3x3x192 65.5K -> 70.9K, vww 3x3x128 42.56K -> 42.58K). Emit alone reads it: the plan's lead is
# the pixel path's, and a layer whose output would then not trail its input keeps the pixel path (not _rows2).
ROWS_MIN_OUT_W_S2_M4 = 5
# ... and on the M7 when its planes are full (ROWS_FULL_MAX_EXTRA_MORE, not in a row pipeline's band calls): 5 outputs
# there (mf_dw_s2_five's M7 schedule; full planes, compact groups) against the pixel path: MobileNetV2's 5x5x96 layer
# 42.5K -> 39.0K cycles, 480 bytes fewer constants (the ring was +0.2%, above)
ROWS_MIN_OUT_W_S2_M7 = 5
# ... in the other orders (staged, or stride_h 1: each band or row widens its input rows again): measured on single
# layers (M4 / M7 vs the pixel kernel): 24 outputs -19% / -9%, 16 outputs -2% / -7% (16x16x64: -1.5% / +10%), 12 outputs
# -10% / +1%, 6 outputs +4% / +21%; with the ReLU-aware requantisation and the M7 schedule (vww's 12x12x32 layer, M4 /
# M7 / M33): 12 outputs -5% / +0.2% / -4%, 6 outputs (6x6x64, M4 / M7) +8% / +15%.
ROWS_MIN_OUT_W_S2_STAGED = 12
# runtime/dsp row path, direct order: planes for every input row (no ring of three: one weight rotation, no zero-point
# rows rewritten per channel group) when that costs at most this many bytes more scratch (_rows_full)
ROWS_FULL_MAX_EXTRA = 384
# ... also up to this many where no row pipeline's band calls it (p->direct 2: full planes reading the ring's compact
# groups, MF_DW_ROWS_GWC, so the stored constants stay the ring's; its full planes past ROWS_FULL_MAX_EXTRA), measured
# against the ring (three weight rotations, zero-point rows rewritten per group, row bookkeeping per output row).
# M4: MobileNetV2 10x10x96 196.6K -> 175.2K, 5x5x96 at stride 2 82.9K -> 77.3K, vww 12x12x64 182.9K -> 166.6K, 6x6x64
# at stride 2 72.3K -> 68.7K; M7: vww 12x12x64 (1232 bytes more) 96.8K -> 88.4K, 6x6x64 at stride 2 (1120) 36.0K ->
# 33.6K, MobileNetV2's 10x10x96 layers (864) 108.2K -> 97.8K; the models' RAM unchanged (the stack's peak lies in other
# layers). Not in a row pipeline's band calls (op.options "disjoint" or "ring"): MobileNetV2's first pipeline ran
# 1.3% faster so (M4), but its stack grew 24-32 bytes. Compact groups only past ROWS_FULL_MAX_EXTRA: the compact build
# of rnd made the M7's 3x3 and 5x5 full-plane layers 1-6% slower.
ROWS_FULL_MAX_EXTRA_MORE = 1280
# runtime/dsp pixel path, channel groups outermost (mf_dw_outer): its stack holds the widened weights of at most this many
# taps (MF_DW_OUTER_TAPS)
OUTER_MAX_TAPS = 9
# ... and it pays from this many interior pixels (windows inside the image) on: each group's widening and constants cost
# about 160 cycles a call, each interior pixel saves about 19 (vww M4 / M7 per layer vs the pixel-outer order: 121
# interior pixels -10% / -8%, 25 -8% / -5%, 4 +6% / +8%, 1 +10% / +10%)
OUTER_MIN_PIXELS = 12
# runtime/dsp column path (mf_dw_cols.h: the row path on the transposed layer, one call a column of out_h outputs): taken
# for maps at most COLS_MAX_OUT_W wide and at least COLS_MIN_ASPECT times as tall. Measured single layers (SAME, ReLU,
# cycles with the column path / the row path, M4 and M7 alike within a few %): 25x5x64 (kws) -13% (M7 -13%), 20x3x16
# -30%, 30x4x32 -19%, 12x2x32 -45%, 28x7x16 -14%, 14x7x32 -5%, 12x6x32 -3%; 16x8x32 +2%, 10x8x64 +11%, near-square
# maps (7x6, 7x5, 6x5, 6x4, 5x4, 4x3) +1% to +43%: short columns cost their widening and tails, and the row path
# takes their planes whole (_rows_full)
COLS_MAX_OUT_W = 7
COLS_MIN_ASPECT = 2
# ... planes it may take on the stack: one, as the one-channel widening always had; the four-channel widening
# (mf_dw_cols_widen4; kws per layer M4 / M7 / M33: 158.5K -> 150.0K / 88.2K -> 83.5K / 158.6K -> 149.9K) takes its
# other planes from the arena's free room while the layer runs (EmitContext.room), or is not used: more stack would
# add RAM (tests raise it)
COLS_STACK_PLANES = 1


# the row path's one layer shift (_rows_ushift) in a row pipeline's band calls, which build their groups' scaled words
# once a band: from this many outputs a row (4-output blocks saving 2 cycles each on the M7, 5 on the M4, against about
# 50 cycles a group's build)
USH_BAND_MIN_OUT_W = 16
# ... on rows whose last outputs run as a 5-, 6- or 3-output block (out_w % 4 != 0, every block with the shift) from this
# many outputs a channel: each group's scaled words cost their build, each output saves about one cycle; measured with
# the shift on every such layer against none (M4 / M7 / M33): MobileNetV2's 10x10 layers -4.1% / -4.8% / -4.1%, vww's
# 6x6x128 -0.7% or +0.0% / -2.1% / +0.1%, MobileNetV2's 5x5 layers +1.5% / +2.3%, 3x3 +10% / +15%
USH_TAIL_MIN_OUTPUTS = 64


class DepthwiseConv2D(OpDef):
    type = OpType.DEPTHWISE_CONV_2D
    kernel_headers = ("mf_depthwise_conv2d.h",)
    int16_headers = ("mf_depthwise_conv2d_s16.h",)

    def check(self, op: Op) -> None:
        expect_arity(op, (2, 3))
        x = expect_dtype(op, op.inputs[0], "input", DType.INT8, DType.INT16)
        w = expect_dtype(op, expect_const(op, op.inputs[1], "filter"), "filter", DType.INT8)
        y = expect_dtype(op, op.outputs[0], "output", x.dtype)
        b = op.inputs[2] if len(op.inputs) > 2 else None
        if b is not None:  # TFLM's 16x8 depthwise reads its bias as int64 whatever the type says
            expect_dtype(op, expect_const(op, b, "bias"), "bias", DType.INT64 if is_int16(op) else DType.INT32)
        for t, role in ((x, "input"), (y, "output")):
            expect_quant(op, t, role)
            expect_rank(op, t, 4, role)
        expect_quant(op, w, "filter", per_tensor=False)
        expect_rank(op, w, 4, "filter")
        if w.quant.per_channel and w.quant.axis != 3:
            raise fail(op, f"filter is quantised along axis {w.quant.axis}; depthwise filters are quantised along axis 3")
        if any(w.quant.zero_point != 0):
            raise fail(op, "filter zero points must be 0 for int8 depthwise convolution (symmetric weights)")
        _, kh, kw, oc = w.shape
        ic = x.shape[3]
        dm = op.options.get("depth_multiplier", 1) or 1
        if oc != ic * dm:
            # TFLite derives the multiplier from the shapes; the option is advisory in some exporters.
            if oc % ic:
                raise fail(op, f"filter has {oc} channels, not a multiple of the input's {ic}")
        if b is not None and b.num_elements != oc:
            raise fail(op, f"bias has {b.num_elements} elements, expected {oc}")
        o = op.options
        oh, _ = window(op, x.shape[1], kh, o["stride_h"], o["dilation_h"], padding_of(op, 0))
        ow, _ = window(op, x.shape[2], kw, o["stride_w"], o["dilation_w"], padding_of(op, 1))
        expect_shape(op, y, (x.shape[0], oh, ow, oc))
        expect_supported_weight_rescale(op, x, w, y)
        act_clamp(op, y)
        if is_int16(op):
            expect_s16_shift(op, conv_multipliers(x, w, y, oc)[1], 1)

    def macs(self, op: Op) -> int:
        w = op.inputs[1]
        return op.outputs[0].num_elements * w.shape[1] * w.shape[2]

    def overlap_lead(self, op: Op, index: int) -> int | None:
        """mf_depthwise_conv2d_s8 writes out[b][oy][ox][oc] after reading channel oc/depth_mult of its window.

        The first in-image tap bounds what is still to be read, so a 3x3 stride-1 SAME layer needs a
        lead of about one input row plus one pixel; stride 2 lets the output trail the input.
        """
        if index != 0:
            return None
        x, w, y = op.inputs[0], op.inputs[1], op.outputs[0]
        o = op.options
        _, kh, kw, oc = w.shape
        ic = x.shape[3]
        _, pad_t = window(op, x.shape[1], kh, o["stride_h"], o["dilation_h"], padding_of(op, 0))
        _, pad_l = window(op, x.shape[2], kw, o["stride_w"], o["dilation_w"], padding_of(op, 1))
        taps = first_taps(x.shape[1], x.shape[2], y.shape[1], y.shape[2], kh, kw, o["stride_h"], o["stride_w"],
                          o["dilation_h"], o["dilation_w"], pad_t, pad_l).reshape(1, -1, 1) * ic
        batch = (np.arange(x.shape[0]) * (x.num_elements // x.shape[0])).reshape(-1, 1, 1)
        chan = (np.arange(oc) // (oc // ic)).reshape(1, 1, -1)
        lead = lead_from_reads((taps + batch + chan) * x.dtype.size, y.dtype.size)  # mf_depthwise_conv2d_s16 reads alike
        # the planner does not know which kernel runs: the DSP row path's lead too (at most about the same)
        return max(lead, self._rows_lead(op, pad_t)) if self.uses_rows(op) else lead

    def emit(self, op: Op, ctx) -> str:
        if is_int16(op):
            return self._emit_s16(op, ctx)
        x, w, y = op.inputs[0], op.inputs[1], op.outputs[0]
        b = op.inputs[2] if len(op.inputs) > 2 else None
        o = op.options
        _, kh, kw, oc = w.shape
        _, pad_t = window(op, x.shape[1], kh, o["stride_h"], o["dilation_h"], padding_of(op, 0))
        _, pad_l = window(op, x.shape[2], kw, o["stride_w"], o["dilation_w"], padding_of(op, 1))
        in_zp, out_zp = x.quant.zp, y.quant.zp
        mult, shift = conv_multipliers(x, w, y, oc)
        lo, hi = act_clamp(op, y)
        bias = folded_bias(b, w.data.reshape(-1, oc).astype(int).sum(axis=0), in_zp)
        fields = dict(
            batches=x.shape[0], in_h=x.shape[1], in_w=x.shape[2], in_c=x.shape[3], depth_mult=oc // x.shape[3],
            out_h=y.shape[1], out_w=y.shape[2], k_h=kh, k_w=kw,
            stride_h=o["stride_h"], stride_w=o["stride_w"], dil_h=o["dilation_h"], dil_w=o["dilation_w"],
            pad_top=pad_t, pad_left=pad_l, pad_value=in_zp, out_offset=out_zp, act_min=lo, act_max=hi)
        layout = self._dsp_layout(w.data.reshape(kh * kw, oc), bias, mult, shift, out_zp) \
            if "dsp" in ctx.kernel_variants and oc == x.shape[3] else None
        if layout is not None and self._cols(op, ctx, lo, hi):
            return self._emit_cols(op, ctx, fields, bias, mult, shift)
        # _rows2_three's layers leave the pixel path: their planes full, their groups compact (the stored constants
        # not above the pixel path's)
        three = layout is not None and not self.uses_rows(op) and self._rows2_three(op, ctx, lo, hi)
        rows = layout is not None and (self.uses_rows(op) or self._rows2_narrow(op, ctx) or three)
        direct = rows and self._rows_direct(op, *self._places(op, ctx), pad_t)
        if rows and self._rows_banded_s2(op, ctx) and not self._rows2(op, direct):
            rows = False      # the pixel path (_rows_banded_s2)
        if o["stride_w"] == 1 and rows and not direct and y.shape[2] < ROWS_MIN_OUT_W_STAGED:
            rows = False      # the pixel path, faster on narrow rows than the staged order
        if o["stride_w"] == 2 and rows and not self._rows2(op, direct) and y.shape[2] < ROWS_MIN_OUT_W_S2_STAGED:
            rows = False      # ... and than mf_dw_rows' orders at stride_w 2
        if rows:              # runtime/dsp's row path reads only wr (and its scratch); the direct ring: compact groups
            wp, band = self.rows_pitch(op), self.rows_band(op)
            compact_full = False
            if direct and self._rows_full(op) and not three:
                band = y.shape[1]
            elif direct and ctx.core_macro is not None and "ring" not in o and not o.get("disjoint") \
                    and self._rows_full(op, ROWS_FULL_MAX_EXTRA_MORE):
                band, compact_full = y.shape[1], True
            # the kernel's ring (mf_dw_rows: full planes when MF_DW_ROWS_NR > 3, i.e. band > 1) reads compact groups
            ush = self._rows_ushift(op, w.data.reshape(kh * kw, oc), bias, shift, out_zp, lo, hi,
                                    s2=self._rows2(op, direct) and "ring" not in o,
                                    m7=ctx.core_macro == "MF_TARGET_M7") \
                if direct else 0
            # compact groups: the ring (band 1), and full planes past ROWS_FULL_MAX_EXTRA (direct 2)
            wr = self._rows_layout(w.data.reshape(kh * kw, oc), bias, mult, shift, out_zp,
                                   compact=direct and (band == 1 or compact_full),
                                   ush=ush)
            fields.update(weights="0", bias="0", mult="0", shift="0", simd=1, wq="0", rq="0", pad="0", rows=1, wp=wp,
                          band=band, wr=ctx.const(f"{op.name}_wr", wr), direct=2 if compact_full else int(direct), **({"ush": ush} if ush else {}))
            p = ctx.params("mf_depthwise_conv2d_params_t", fields)
            nr = (band - 1) * o["stride_h"] + 3            # MF_DW_ROWS_NR; then the staged output band (not when direct)
            words = 2 * nr * wp + (0 if direct else (band * y.shape[2] * oc + 3) // 4)
            if "ring" in o:   # a row pipeline's band reading a ring window (reads_ring): input row 0 at byte `first`
                first, size = o["ring"]
                assert direct, "a ring window is a buffer of its own"
                return (f"{{ int32_t scratch[{words}]; mf_dw_band_rows(&{p}, {ctx.ptr(x)}, {first}, {size}, "
                        f"{ctx.ptr(y)}, (int16_t *)scratch); }}")
            fn = "mf_depthwise_conv2d_s8_rows2" if self._rows2(op, direct) else "mf_depthwise_conv2d_s8_rows"
            return (f"{{ int32_t scratch[{words}]; "
                    f"{fn}(&{p}, {ctx.ptr(x)}, {ctx.ptr(y)}, (int16_t *)scratch); }}")
        if layout is not None:  # runtime/dsp's SIMD path (depth multiplier 1) reads only wq and rq
            fields.update(weights="0", bias="0", mult="0", shift="0", simd=1,
                          wq=ctx.const(f"{op.name}_wq", layout[0]), rq=ctx.const(f"{op.name}_rq", layout[1]),
                          pad=ctx.const(f"{op.name}_pad", np.full(oc, in_zp, np.int8)),
                          outer=self._pixel_outer(op, *self._places(op, ctx)))
        else:
            if "dsp" not in ctx.kernel_variants:
                bias, mult, shift = constant_channels(w.data.reshape(kh * kw, oc).T, bias, mult, shift, out_zp, lo, hi)
            narrow = rq_narrow(w.data.reshape(kh * kw, oc).T, bias)
            rq4 = self._portable_rq4(w.data.reshape(kh * kw, oc), bias, mult, shift, out_zp, narrow) \
                if "dsp" not in ctx.kernel_variants and oc == x.shape[3] else None
            if rq4 is not None:  # runtime/portable's word path: weights by group, its constants from rq4 alone
                fields.update(weights=ctx.const(f"{op.name}_w4", self._portable_w4(w.data.reshape(kh * kw, oc))),
                              bias="0", mult="0", shift="0", rq4=ctx.const(f"{op.name}_rq4", rq4), rq_narrow=narrow)
            else:                # registered only when read: an unused constant breaks -Werror builds
                fields.update(weights=ctx.const(w), bias=ctx.const(f"{op.name}_bias", bias), mult=ctx.const(f"{op.name}_mult", mult),
                              shift=ctx.const(f"{op.name}_shift", shift))
        p = ctx.params("mf_depthwise_conv2d_params_t", fields)
        if fields.get("outer") == 2:   # the border pixels' outputs staged: (out_h * out_w - interior) * in_c bytes
            words = ((y.shape[1] * y.shape[2] - self.interior_pixels(op)) * oc + 3) // 4
            return (f"{{ int32_t scratch[{words}]; "
                    f"mf_depthwise_conv2d_s8_staged(&{p}, {ctx.ptr(x)}, {ctx.ptr(y)}, (int8_t *)scratch); }}")
        return f"mf_depthwise_conv2d_s8(&{p}, {ctx.ptr(x)}, {ctx.ptr(y)});"

    def _emit_cols(self, op: Op, ctx, fields: dict, bias: np.ndarray, mult: np.ndarray, shift: np.ndarray) -> str:
        """runtime/dsp/mf_dw_cols.h: the row path's compact groups of the transposed weights (w[kx][ky]), planes of
        (out_w + 2) padded input columns of cols_pitch halfwords: four (each group of 4 channels widened at once) when
        the arena's free room while the layer runs (EmitContext.room) holds all but COLS_STACK_PLANES of them and a
        plane's words lie within 4095 bytes (mf_dw_cols_pad4's offsets), else one on the stack, a channel at a time."""
        x, w, y = op.inputs[0], op.inputs[1], op.outputs[0]
        oc = w.shape[3]
        wt = w.data.reshape(3, 3, oc).transpose(1, 0, 2).reshape(9, oc)
        wp = self.cols_pitch(op)
        # the layer's one shift (MF_DW_ROWS_RQU) in every block of the column path: MF_NEG_CLAMPED (_cols has the act
        # range -128..127) with out_zp -128
        ush = self._ushift(wt, bias, shift) if y.quant.zp == -128 else 0
        fields.update(weights="0", bias="0", mult="0", shift="0", simd=1, wq="0", rq="0", pad="0", rows=0, wp=wp, band=1,
                      wr=ctx.const(f"{op.name}_wc", self._rows_layout(wt, bias, mult, shift, y.quant.zp, compact=True,
                                                                      ush=ush)), **({"ush": ush} if ush else {}))
        p = ctx.params("mf_depthwise_conv2d_params_t", fields)
        words = (y.shape[2] + 2) * wp // 2
        free = self._cols_planes(ctx.room(), 4 * words)
        if len(free) + COLS_STACK_PLANES < 4 or words > 1024:   # one plane on the stack, a channel at a time
            return (f"{{ int32_t scratch[{words}]; "
                    f"mf_depthwise_conv2d_s8_cols(&{p}, {ctx.ptr(x)}, {ctx.ptr(y)}, (int16_t *)scratch, 0, 0, 0); }}")
        stack = 4 - len(free)                       # four planes: the free room's, the others on the stack
        planes = ([f"(int16_t *)(scratch + {i * words})" for i in range(stack)]
                  + [f"(int16_t *)({a} + {o})" for a, o in free])
        call = f"mf_depthwise_conv2d_s8_cols(&{p}, {ctx.ptr(x)}, {ctx.ptr(y)}, {', '.join(planes)});"
        return f"{{ int32_t scratch[{stack * words}]; {call} }}" if stack else call

    @staticmethod
    def _cols_planes(room: list[tuple[str, int, int]], nbytes: int) -> list[tuple[str, int]]:
        """Up to 4 places (arena symbol, word-aligned offset) of nbytes each in the layer's free arena runs
        (EmitContext.room), lowest first."""
        got = []
        for arena, start, size in room:
            at = (start + 3) & ~3
            while at + nbytes <= start + size and len(got) < 4:
                got.append((arena, at))
                at += nbytes
        return got

    @staticmethod
    def cols_pitch(op: Op) -> int:
        """Halfwords per plane row of the column path (one padded input column): the row path's pitch of the transposed
        layer, 2 * ceil(out_h / 2) + 2."""
        return 2 * ((op.outputs[0].shape[1] + 1) // 2) + 2

    def _cols(self, op: Op, ctx, lo: int, hi: int) -> bool:
        """Whether the DSP column path (runtime/dsp/mf_dw_cols.h) computes this layer: 3x3, stride 1, no dilation, depth
        multiplier 1 (the caller has the DSP layout), no activation clamp (the row assembly's requantisation), offsets
        inside the assembly's immediates, maps at most COLS_MAX_OUT_W wide and COLS_MIN_ASPECT times as tall, not a ring
        window; and
        safe where input and output lie: every channel's input is read before its outputs are written, so they may
        share bytes only when a write can land on no other channel (one batch, a multiple of in_c bytes apart)."""
        x, w, y = op.inputs[0], op.inputs[1], op.outputs[0]
        o = op.options
        n, _, _, c = x.shape
        oh, ow = y.shape[1], y.shape[2]
        if (w.shape[1], w.shape[2], o["stride_h"], o["stride_w"], o["dilation_h"], o["dilation_w"]) != (3, 3, 1, 1, 1, 1):
            return False
        if (lo, hi) != (-128, 127) or "ring" in o or ow > COLS_MAX_OUT_W or oh < COLS_MIN_ASPECT * ow:
            return False
        if 5 * ow * c > 4095 or 4 * self.cols_pitch(op) + 12 > 4095:
            return False
        xa, ya = ctx.place(x), ctx.place(y)
        if xa is None or ya is None:
            return False
        if xa[0] != ya[0] or ya[1] + y.num_elements <= xa[1] or xa[1] + x.num_elements <= ya[1]:
            return True
        return n == 1 and (ya[1] - xa[1]) % c == 0

    def _emit_s16(self, op: Op, ctx) -> str:
        """16x8: runtime/portable/mf_depthwise_conv2d_s16.h on every target (no zero points, no DSP variant)."""
        x, w, y = op.inputs[0], op.inputs[1], op.outputs[0]
        o = op.options
        _, kh, kw, oc = w.shape
        _, pad_t = window(op, x.shape[1], kh, o["stride_h"], o["dilation_h"], padding_of(op, 0))
        _, pad_l = window(op, x.shape[2], kw, o["stride_w"], o["dilation_w"], padding_of(op, 1))
        mult, shift = conv_multipliers(x, w, y, oc)
        lo, hi = act_clamp(op, y)
        bias, _ = s16_bias(op, op.inputs[2] if len(op.inputs) > 2 else None, oc)
        p = ctx.params("mf_depthwise_conv2d_s16_params_t", dict(
            batches=x.shape[0], in_h=x.shape[1], in_w=x.shape[2], in_c=x.shape[3], depth_mult=oc // x.shape[3],
            out_h=y.shape[1], out_w=y.shape[2], k_h=kh, k_w=kw,
            stride_h=o["stride_h"], stride_w=o["stride_w"], dil_h=o["dilation_h"], dil_w=o["dilation_w"],
            pad_top=pad_t, pad_left=pad_l, act_min=lo, act_max=hi, weights=ctx.const(w),
            bias=ctx.const(f"{op.name}_bias", bias), mult=ctx.const(f"{op.name}_mult", mult),
            shift=ctx.const(f"{op.name}_shift", shift)))
        return f"mf_depthwise_conv2d_s16(&{p}, {ctx.ptr(x)}, {ctx.ptr(y)});"

    def reads_ring(self, op: Op, ctx) -> bool:
        """Whether a row pipeline's band call of `op` may read its input rows from a ring window (op.options["ring"]:
        (C expression of the byte where the band's input row 0 lies, ring bytes); runtime/dsp/mf_dw_band.h): the DSP
        row path at stride_w 1, which a window as input puts in the direct order."""
        if is_int16(op) or "dsp" not in ctx.kernel_variants or not self.uses_rows(op) or op.options["stride_w"] != 1:
            return False
        x, w, y = op.inputs[0], op.inputs[1], op.outputs[0]
        oc = w.shape[3]
        mult, shift = conv_multipliers(x, w, y, oc)
        b = op.inputs[2] if len(op.inputs) > 2 else None
        bias = folded_bias(b, w.data.reshape(-1, oc).astype(int).sum(axis=0), x.quant.zp)
        return self._dsp_layout(w.data.reshape(-1, oc), bias, mult, shift, y.quant.zp) is not None

    @staticmethod
    def _places(op: Op, ctx) -> tuple[tuple[str, int] | None, tuple[str, int] | None]:
        """Where input and output lie (EmitContext.place). A row pipeline's band call with a window on one side
        (op.options["disjoint"], set by ops/row_pipeline.py: windows are scratch buffers of their own) has them in
        different buffers even where a place is loop-dependent (None): two distinct placeholder arenas say so."""
        xa, ya = ctx.place(op.inputs[0]), ctx.place(op.outputs[0])
        if op.options.get("disjoint") and (xa is None or ya is None):
            return ("band input", 0), ("band output", 0)
        return xa, ya

    @staticmethod
    def _rows_banded_s2(op: Op, ctx) -> bool:
        """A stride_w 2 layer run by a row pipeline's band loop (its input or output at a loop-dependent place,
        EmitContext.place None): each call then computes one band of output rows and widens all the input rows they
        read, four input columns per output, with no ring to share them across calls. emit takes the pixel kernel
        there unless the call runs mf_dw_s2.h's direct order (_rows2: input and output apart, e.g. a window on one
        side), whose widening and 4-output blocks beat it: vww's stride-2 layer in its band loop, one output row a call
        (ops 0-3, band 1): M4 -3.5K, M7 -3.0K cycles for the model; four a call (ops 2-3, band 4): M4 -22K, M7 -11K, and
        368 B fewer constants (the pixel kernel's weights no longer stored beside the row path's for the first and last
        bands). The other orders at stride 2 (staged) lost to the pixel kernel (the vww and MobileNetV2 pipelines 0.6%
        and 1.4% slower on the M7). overlap_lead still declares the larger of both kernels' leads."""
        return op.options["stride_w"] == 2 and (ctx.place(op.inputs[0]) is None or ctx.place(op.outputs[0]) is None)

    @staticmethod
    def _rows2(op: Op, direct: bool) -> bool:
        """Whether the row path runs as runtime/dsp/mf_dw_s2.h's direct order at stride 2 (mf_depthwise_conv2d_s8_rows2:
        direct, stride 2 along both axes); other row-path layers at stride_w 2 take mf_dw_rows' orders."""
        return direct and op.options["stride_w"] == op.options["stride_h"] == 2

    @staticmethod
    def _rows_lead(op: Op, pad_t: int) -> int:
        """Lead of the DSP row path (mf_dw_rows); overlap_lead declares the larger of it and the pixel kernels' lead.

        It computes a band of output rows into a staging copy and copies the band to the output once the band
        has read all its input rows; the next input read is then the next band's first in-image row, column 0:
        lead = max over bands (end of the band's output - start of the next band's first input row).
        """
        x, y = op.inputs[0], op.outputs[0]
        n, ih, iw, c = x.shape
        oh, ow = y.shape[1], y.shape[2]
        band = DepthwiseConv2D.rows_band(op)
        nxt = np.arange(band, oh, band)                                   # first output row of each later band
        if nxt.size == 0 and n == 1:
            return -NO_READ                                                 # one band: every read precedes every write
        first = np.clip(nxt * op.options["stride_h"] - pad_t, 0, ih - 1)
        b = np.arange(n).reshape(-1, 1)
        end = (b * oh * ow + nxt * ow) * c                                  # the band before nxt ends here
        start = (b * ih * iw + first * iw) * c
        leads = [int((end - start).max())] if nxt.size else []
        if n > 1:   # the last band of batch b, then batch b + 1's first band
            leads.append(int(max(((bb + 1) * oh * ow - (bb + 1) * ih * iw) * c for bb in range(n - 1))))
        return max(leads)

    @staticmethod
    def _rows_direct(op: Op, xa: tuple[str, int] | None, ya: tuple[str, int] | None, pad_t: int) -> bool:
        """Whether the row path may run channel groups outermost, writing outputs straight to the output
        (mf_dw_rows with p->direct: each group's weights built once per call, not once per band, and no staging).
        xa, ya: where input and output lie (EmitContext.place: arena symbol, byte offset); None (not a fixed place in
        an arena, e.g. a row pipeline's band at a loop-dependent offset) means staged.
        Safe when the two byte ranges are disjoint, or (one batch) when the output is a whole number of pixels
        d before the input's address, so a channel's writes land only on that channel's input, and every
        channel's output rows before a band end before the first input row that band and later ones read:
        d + ob * out_w <= max(0, ob * stride_h - pad_t) * in_w pixels for every band start ob > 0."""
        if xa is None or ya is None:
            return False
        x, y = op.inputs[0], op.outputs[0]
        n, ih, iw, c = x.shape
        oh, ow = y.shape[1], y.shape[2]
        if xa[0] != ya[0] or ya[1] + y.num_elements <= xa[1] or xa[1] + x.num_elements <= ya[1]:
            return True
        d = ya[1] - xa[1]
        if n != 1 or d % c:
            return False
        band, sh = DepthwiseConv2D.rows_band(op), op.options["stride_h"]
        return all(d // c + ob * ow <= max(0, ob * sh - pad_t) * iw for ob in range(band, oh, band))

    @staticmethod
    def _pixel_outer(op: Op, xa: tuple[str, int] | None, ya: tuple[str, int] | None) -> int:
        """How the DSP pixel path orders its pixels (mf_dw_outer: interior pixels channel groups outermost, each group's
        weights widened once per call, not once per pixel), given where input and output lie (EmitContext.place):
        0 pixel-outer (fewer than 4 channels or OUTER_MIN_PIXELS interior pixels, more than OUTER_MAX_TAPS taps, or a
        place not known); 1 input and output disjoint: interior groups, then the border pixels; 2 the output a whole
        number of pixels from the input (each output byte on the same channel of the input): border pixels staged
        first, all their reads before any write, then interior groups (each channel's interior reads and writes in the
        pixel-outer order, which overlap_lead declares safe), then the staged outputs copied
        (mf_depthwise_conv2d_s8_staged)."""
        x, y, w = op.inputs[0], op.outputs[0], op.inputs[1]
        if x.shape[3] < 4 or w.shape[1] * w.shape[2] > OUTER_MAX_TAPS or xa is None or ya is None:
            return 0
        if DepthwiseConv2D.interior_pixels(op) < OUTER_MIN_PIXELS:
            return 0
        if xa[0] != ya[0] or ya[1] + y.num_elements <= xa[1] or xa[1] + x.num_elements <= ya[1]:
            return 1
        return 2 if (ya[1] - xa[1]) % x.shape[3] == 0 else 0

    @staticmethod
    def interior_pixels(op: Op) -> int:
        """Output pixels (per batch) whose window lies inside the image."""
        x, w, o = op.inputs[0], op.inputs[1], op.options
        n = 1
        for axis, k, s, d in ((1, w.shape[1], o["stride_h"], o["dilation_h"]), (2, w.shape[2], o["stride_w"], o["dilation_w"])):
            _, pad = window(op, x.shape[axis], k, s, d, padding_of(op, axis - 1))
            n *= sum(1 for i in range(op.outputs[0].shape[axis]) if i * s - pad >= 0 and i * s - pad + (k - 1) * d < x.shape[axis])
        return n

    @staticmethod
    def _rows2_narrow(op: Op, ctx) -> bool:
        """Rows of ROWS_MIN_OUT_W_S2_M4 to ROWS_MIN_OUT_W_S2 - 1 outputs at stride 2 on the M4/M33, of
        ROWS_MIN_OUT_W_S2_M7 on the M7 with full planes (emit's choice: _rows_full at ROWS_FULL_MAX_EXTRA_MORE, not a band
        call): the row path's shapes otherwise (uses_rows), taken only in mf_dw_s2.h's direct order (emit's staged check
        refuses the rest)."""
        o, ow = op.options, op.outputs[0].shape[2]
        m7 = ctx.core_macro == "MF_TARGET_M7"
        if ctx.core_macro is None or is_int16(op) or o["stride_w"] != 2 or o["stride_h"] != 2 \
                or not (ROWS_MIN_OUT_W_S2_M7 if m7 else ROWS_MIN_OUT_W_S2_M4) <= ow < ROWS_MIN_OUT_W_S2:
            return False
        if m7 and (o.get("disjoint") or "ring" in o or not DepthwiseConv2D._rows_full(op, ROWS_FULL_MAX_EXTRA_MORE)):
            return False
        x, w = op.inputs[0], op.inputs[1]
        return (w.shape[1] == 3 and w.shape[2] == 3 and w.shape[3] == x.shape[3]
                and o["dilation_h"] == 1 and o["dilation_w"] == 1)

    @staticmethod
    def _rows2_three(op: Op, ctx, lo: int, hi: int) -> bool:
        """Rows of 3 outputs at stride 2 on the DSP cores, unclamped, at least two of them, on full planes with compact
        groups (_rows_full up to ROWS_FULL_MAX_EXTRA_MORE; not a row pipeline's band call):
        mf_dw_s2.h's direct order runs them two rows a block (mf_dw_s2_three2); taken only there (emit's staged check
        refuses the rest), as _rows2_narrow. Measured against the pixel path (M4): vww's 3x3x128 layer (pad_left 0)
        42.6K -> 39.4K; with pad_left odd, whose widening takes the first pixel by halfwords, MobileNetV2's 3x3x192
        65.5K -> 66.2K: kept on the pixel path there. The M7 with its own schedule of mf_dw_s2_three2 and _three (each
        MAC beside a load), any pad_left: vww's 3x3x128 layer 20.9K -> 19.7K and 640 bytes fewer constants (the
        M4/M33's schedule there: 21.2K), MobileNetV2's 3x3x192 (pad_left odd) 33.0K -> 29.7K and 960 bytes fewer (the
        M4 with pad_left odd, measured again: 65.5K -> 66.7K)."""
        o, y = op.options, op.outputs[0]
        if ctx.core_macro is None or is_int16(op) or o["stride_w"] != 2 or o["stride_h"] != 2 \
                or y.shape[2] != 3 or y.shape[1] < 2 or (lo, hi) != (-128, 127) or "ring" in o or o.get("disjoint"):
            return False
        _, pad_l = window(op, op.inputs[0].shape[2], 3, 2, 1, padding_of(op, 1))
        if pad_l % 2 and ctx.core_macro != "MF_TARGET_M7":
            return False
        x, w = op.inputs[0], op.inputs[1]
        return (w.shape[1] == 3 and w.shape[2] == 3 and w.shape[3] == x.shape[3] and o["dilation_h"] == 1
                and o["dilation_w"] == 1 and DepthwiseConv2D._rows_full(op, ROWS_FULL_MAX_EXTRA_MORE))

    @staticmethod
    def uses_rows(op: Op) -> bool:
        """The DSP row path's shapes: int8, 3x3, depth multiplier 1, stride 1 or 2 along the width, no dilation, and
        rows of at least ROWS_MIN_OUT_W outputs, ROWS_MIN_OUT_W_S2 at stride_w 2 (narrower rows are mostly widening
        and setup); emit takes the pixel path instead when the order is staged (or, at stride_w 2, not _rows2) and the
        rows are narrower than ROWS_MIN_OUT_W_STAGED (ROWS_MIN_OUT_W_S2_STAGED)."""
        if is_int16(op):
            return False
        x, w = op.inputs[0], op.inputs[1]
        o = op.options
        return (w.shape[1] == 3 and w.shape[2] == 3 and w.shape[3] == x.shape[3] and o["stride_w"] in (1, 2)
                and o["dilation_h"] == 1 and o["dilation_w"] == 1
                and op.outputs[0].shape[2] >= (ROWS_MIN_OUT_W if o["stride_w"] == 1 else ROWS_MIN_OUT_W_S2))

    @staticmethod
    def _rows_full(op: Op, limit: int | None = None) -> bool:
        """Whether the direct row path takes planes for every input row it reads (mf_dw_rows with band = out_h,
        (out_h - 1) * stride_h + 3 plane rows) instead of a ring of three: it then builds one rotation of each group's
        weights, not three, and the rows outside the image keep their zero points from the first fill, at
        8 * wp bytes a plane row more scratch (at most limit: ROWS_FULL_MAX_EXTRA by default, or ROWS_FULL_MAX_EXTRA_MORE). Each group's input rows are all widened before
        any of its outputs is written (mf_dw_rows_full: then channel by channel all its output rows), so every read
        comes no later than in the ring's order and _rows_direct's bound holds."""
        nr = (op.outputs[0].shape[1] - 1) * op.options["stride_h"] + 3
        return (nr - 3) * 8 * DepthwiseConv2D.rows_pitch(op) <= (ROWS_FULL_MAX_EXTRA if limit is None else limit)

    @staticmethod
    def rows_band(op: Op) -> int:
        """Output rows per band of the row path (each band widens (band - 1) * stride_h + 3 input rows and stages
        band * out_w * in_c output bytes on the stack). One: wider bands save widening but their staging costs
        more stack than a model's RAM can spare (measured: kws +27%, MobileNetV2 +11% at 40 outputs a band)."""
        return 1

    @staticmethod
    def rows_pitch(op: Op) -> int:
        """Halfwords per scratch row of the row path: the columns its words read, 2 * ceil(out_w / 2) + 2 at stride_w 1
        (the last pair reads 4 columns), 2 * out_w + 2 at stride_w 2 (output x reads the words at 2x and 2x + 2)."""
        ow = op.outputs[0].shape[2]
        return 2 * ow + 2 if op.options["stride_w"] == 2 else 2 * ((ow + 1) // 2) + 2

    @staticmethod
    def _rows_ushift(op: Op, w: np.ndarray, bias: np.ndarray, shift: np.ndarray, out_zp: int, lo: int, hi: int,
                     s2: bool = False, m7: bool = False) -> int:
        """The layer's one shift E for the row path's direct order (mf_depthwise_conv2d.h MF_DW_ROWS_RQU: SMMLA and SSAT's
        own shift instead of SMMLAR, ASR by e and SSAT, one instruction and the e load fewer an output), or 0. Each
        channel's sums become 2^k * acc, k = E - e + 1 >= 2 (E = max e + 1), which the requantisation's nested floors
        divide out exactly (see there). Taken at stride_w 1 (out_w % 4 == 0, or USH_TAIL_MIN_OUTPUTS outputs a channel
        when the row ends in a 5-, 6- or 3-output block), no activation clamp (MF_NEG_CLAMPED: act range -128..127 and
        out_zp -128, the assembly's offsets in range), in a row pipeline's band calls (each builds its groups' words
        again) only on rows of USH_BAND_MIN_OUT_W outputs or more, and the scaled words fit (_ushift). s2: also the
        direct order at stride 2 (mf_dw_s2.h's mf_depthwise_conv2d_s8_rows2, not a ring window's band call), every
        block of a row taking it (no tail bound; the assembly's offsets 4 * wp + 24 in range); on the M7 (m7) only rows
        of 4-output blocks (out_w % 4 == 0), where each saves about 3 cycles (31.5 a quad in the loop, was 34.5): its
        6-output block saves 3 a row and the layer's scaled-weight build costs about 65 cycles a group more (vww's
        6x6x64 layer 33.6K -> 33.9K with it)."""
        x, y, o = op.inputs[0], op.outputs[0], op.options
        c, oh, ow = x.shape[3], y.shape[1], y.shape[2]
        wp = DepthwiseConv2D.rows_pitch(op)
        if s2:
            if (lo != -128 or hi != 127 or out_zp != -128 or 5 * c > 4095 or 4 * wp + 24 > 4095
                    or (o.get("disjoint") and ow < USH_BAND_MIN_OUT_W) or (m7 and ow % 4)):
                return 0
            return DepthwiseConv2D._ushift(w, bias, shift)
        if (o["stride_w"] != 1 or (ow % 4 and oh * ow < USH_TAIL_MIN_OUTPUTS) or lo != -128 or hi != 127
                or out_zp != -128 or 5 * c > 4095 or 4 * wp + 12 > 4095
                or ((o.get("disjoint") or "ring" in o) and ow < USH_BAND_MIN_OUT_W)):
            return 0
        return DepthwiseConv2D._ushift(w, bias, shift)

    @staticmethod
    def _ushift(w: np.ndarray, bias: np.ndarray, shift: np.ndarray) -> int:
        """The layer's one shift E = max e + 1 (e = -shift) when every channel's 2^k-scaled words fit, k = E - e + 1:
        2^k |w| in int16, 2^k |acc| < 2^31, E <= 22, e >= 1; else 0. w: [taps][c]."""
        e = -shift.astype(np.int64)
        big = int(e.max()) + 1
        k = big - e + 1
        wa = np.abs(w.astype(np.int64))
        bound = np.abs(bias.astype(np.int64)) + 128 * wa.sum(axis=0)
        if big > 22 or (e < 1).any() or ((wa.max(axis=0) << k) > 32767).any() or ((bound << k) >= 1 << 31).any():
            return 0
        return big

    @staticmethod
    def _rows_layout(w: np.ndarray, bias: np.ndarray, mult: np.ndarray, shift: np.ndarray, out_zp: int, compact: bool = False,
                     ush: int = 0):
        """runtime/dsp row path constants, int8 weights (k_h*k_w = 9 bytes a channel, as the .tflite): per group
        of 4 channels (the last group padded with zero channels) 25 int32 words (MF_DW_ROWS_GW, 25 bytes a
        channel). First 9 words of int8 weights, for kernel rows r = 0..2: Z_r = (w_r0 c0, w_r0 c1, w_r0 c2, w_r0 c3),
        X01_r = (w_r1 c0, w_r1 c1, w_r2 c0, w_r2 c1), X23_r = (w_r1 c2, w_r1 c3, w_r2 c2, w_r2 c3) (bytes, lowest
        first), from which mf_dw_rows_weights builds the doubled int16 pairs P_r = (2w_r0, 2w_r1),
        Q_r = (2w_r1, 2w_r2) on the stack (SXTB16, SADD16, PKHBT); then per channel 2*bias, m, rnd, e (e = -shift,
        rnd = 2^(e-1) + out_zp * 2^e), copied next to them. Measured and dropped: e as bytes (22 words a group) or
        rnd derived from e and out_zp in the weight build: the row pipelines and staged layers 0.4-2% slower on the
        M4 (vww's first pipeline +0.5%): those build a group's words once a band; the direct order's ring builds them
        once a call and takes the compact group (compact: 18 words, MF_DW_ROWS_GWC: 2*bias[4], m[4], one word of the
        bytes e[4]; rnd computed in the build; with full planes, MobileNetV2's 5x5 layers 1.3-3% slower so, they keep
        25). The doubled weights
        make the sums 2*acc for SMMLAR (mf_dw_requant); the caller has checked the requantisation's exactness
        (_dsp_layout). ush (E, _rows_ushift): per channel k = E - e + 1 in e's place, 2^k * bias for 2*bias, and (not
        compact) rnd' = 2^(E-1) + out_zp * 2^E + 2^(k-2) for rnd; mf_dw_rows_build scales the weights by 2^(k-1)."""
        kk, c = w.shape
        g = -(-c // 4)
        w8 = np.zeros((3, 3, 4 * g), np.int8)
        w8[..., :c] = w.astype(np.int8).reshape(3, 3, c)
        w8 = w8.reshape(3, 3, g, 4)                                                    # (row, tap, group, channel)
        z = w8[:, 0]                                                                   # (row, group, 4)
        x01 = np.stack([w8[:, 1, :, 0], w8[:, 1, :, 1], w8[:, 2, :, 0], w8[:, 2, :, 1]], axis=-1)
        x23 = np.stack([w8[:, 1, :, 2], w8[:, 1, :, 3], w8[:, 2, :, 2], w8[:, 2, :, 3]], axis=-1)
        words = np.stack([z, x01, x23], axis=1)                                        # (row, word, group, 4 bytes)
        words = np.ascontiguousarray(words.transpose(2, 0, 1, 3)).view('<i4').astype(np.int32).reshape(g, 9)
        e = -shift.astype(np.int64)
        b2 = 2 * bias.astype(np.int64)
        if ush:       # e's place holds k, the bias 2^k * bias; rnd' below
            e = ush - e + 1
            b2 = bias.astype(np.int64) << e
        if compact:   # the padding channels' e 1 (k 2 with ush): the kernel's 2^(e-1) (2^(k-2)) stays defined
            e4 = np.full(4 * g, 2 if ush else 1, np.int64)
            e4[:c] = e
            cols = np.zeros((2, 4 * g), np.int64)
            cols[:, :c] = np.stack([b2, mult.astype(np.int64)])
            rq = (cols.reshape(2, g, 4).transpose(1, 0, 2).reshape(g, 8) % (1 << 32)).astype(np.uint32).view(np.int32)
            ew = e4.astype(np.uint8).view('<i4').reshape(g, 1)
            return np.concatenate([words, rq, ew], axis=1).reshape(-1)
        if ush:
            rnd = (np.int64(1) << (ush - 1)) + np.int64(out_zp) * (np.int64(1) << ush) + (np.int64(1) << (e - 2))
        else:
            rnd = (np.int64(1) << (e - 1)) + np.int64(out_zp) * (np.int64(1) << e)
        cols = np.zeros((4 * g, 4), np.int64)
        cols[:c] = np.stack([b2, mult.astype(np.int64), rnd, e], axis=1)
        rq = (cols.reshape(g, 16) % (1 << 32)).astype(np.uint32).view(np.int32)
        return np.concatenate([words, rq], axis=1).reshape(-1)

    @staticmethod
    def _portable_w4(w: np.ndarray) -> np.ndarray:
        """runtime/portable word path weights: per group of 4 channels its kk words (tap t: the group's 4 channels),
        so a group reads them at constant offsets. w: [kk][c] int8, c % 4 == 0. Same size."""
        kk, c = w.shape
        return w.astype(np.int8).reshape(kk, c // 4, 4).transpose(1, 0, 2).reshape(-1)

    @staticmethod
    def _portable_rq4(w: np.ndarray, bias: np.ndarray, mult: np.ndarray, shift: np.ndarray, out_zp: int,
                      narrow: int = 0):
        """runtime/portable word path constants: per group of 4 channels bias[4], mult[4], e[4], rnd[4]
        (e = -shift, rnd = 2^(e-1) + out_zp * 2^e; narrow: without rnd, as rq_narrow_table). None unless
        channels % 4 == 0 and the folded rounding is exact: e in 1..22 and |acc| < 2^30, so SRDHM's result
        plus rnd stays inside int32."""
        kk, c = w.shape
        bound = np.abs(bias.astype(np.int64)) + 128 * np.abs(w.astype(np.int64)).sum(axis=0)
        e = -shift.astype(np.int64)
        if c % 4 or kk > 31 or (e < 1).any() or (e > 22).any() or (bound >= 1 << 30).any() or (mult < 0).any():
            return None
        rnd = (np.int64(1) << (e - 1)) + np.int64(out_zp) * (np.int64(1) << e)
        cols = np.stack([bias.astype(np.int64), mult.astype(np.int64), e, rnd][:4 - narrow])    # (4 or 3, c)
        return cols.reshape(len(cols), c // 4, 4).transpose(1, 0, 2).reshape(-1).astype(np.int32)

    @staticmethod
    def _dsp_layout(w: np.ndarray, bias: np.ndarray, mult: np.ndarray, shift: np.ndarray, out_zp: int):
        """runtime/dsp layout: int8 weights, one byte per weight (4-byte words the kernel sign-extends with
        SXTB16): per group of 4 channels, per tap pair (t, t+1) the words (w_t c0, w_t c1, w_t+1 c0, w_t+1 c1)
        and (w_t c2, w_t c3, w_t+1 c2, w_t+1 c3), so SXTB16 plain / ror 8 gives each channel's (w_t, w_t+1);
        an odd last tap as one word (c0, c1, c2, c3) (SXTB16 lanes c0,c2 and c1,c3); then the tail channels
        tap by tap. Requantisation per group bias[4], mult[4], rnd[4] and one word of the four bytes e (e = -shift,
        rnd = 2^(e-1) + out_zp * 2^e; 13 bytes a channel: the kernel loads e with LDRB where it loaded a word; rnd
        derived in the kernel instead cost the pixel loop registers it has not: measured 2-5% slower), per tail
        channel the words bias, mult, e, rnd. None when the fast requantisation
        would not be exact: e in 1..22 keeps rnd and SMMLAR's sum inside int32, |2*acc| < 2^31."""
        kk, c = w.shape
        bound = np.abs(bias.astype(np.int64)) + 128 * np.abs(w.astype(np.int64)).sum(axis=0)
        e = -shift.astype(np.int64)
        if kk > 32 or (e < 1).any() or (e > 22).any() or (bound >= 1 << 30).any() or (mult < 0).any():
            return None
        g, kp = c // 4, kk // 2
        w8 = w.astype(np.int8)
        full = w8[:, :4 * g].reshape(kk, g, 4).transpose(1, 0, 2)                  # (g, kk, 4)
        pairs = full[:, :2 * kp].reshape(g, kp, 2, 2, 2).transpose(0, 1, 3, 2, 4)  # (g, kp, half, tap, 2 channels)
        last = full[:, 2 * kp:]                                                     # (g, kk % 2, 4)
        groups = np.concatenate([pairs.reshape(g, 8 * kp), last.reshape(g, 4 * (kk % 2))], axis=1)
        wq = np.concatenate([groups.reshape(-1), w8[:, 4 * g:].T.reshape(-1)]).astype(np.int8)
        rnd = (np.int64(1) << (e - 1)) + np.int64(out_zp) * (np.int64(1) << e)
        cols = np.stack([bias.astype(np.int64), mult.astype(np.int64), rnd]).astype(np.int32)    # (3, c)
        e8 = e.astype(np.uint8)
        groups = [np.concatenate([cols[:, 4 * i:4 * i + 4].reshape(-1), e8[4 * i:4 * i + 4].view('<i4')]) for i in range(g)]
        tails = [np.array([bias[i], mult[i], e[i], rnd[i]], np.int32) for i in range(4 * g, c)]
        rq = np.concatenate(groups + tails + [np.zeros(0, np.int32)]).astype(np.int32)
        return wq, rq
