"""CONV_2D: int8 activations, int8 per-channel (or per-tensor) weights, int32 bias; or 16x8 (int16 activations, int64/int32 bias)."""
from __future__ import annotations

import numpy as np

from ..ir import DType, Op, OpType
from ..quant import multiply_by_quantized_multiplier
from ._requant import (constant_channels, expect_s16_shift, expect_supported_weight_rescale, act_clamp, conv_multipliers,
                       folded_bias, rq_e_table, rq_narrow, rq_narrow_table, s16_bias, s16_narrow)
from .base import (OpDef, is_int16, expect_arity, expect_const, expect_dtype, expect_quant, expect_rank, expect_shape, fail, first_taps,
                   lead_from_reads, padding_of, window)

# DSP conv: widest window (bytes) sign-extended once per 3-pixel block; mirrors MF_CONV2D_X16_MAX_WIN in
# runtime/dsp/mf_conv2d.h (a test reads both). Bounds a conv call's stack scratch at 9x this.
X16_MAX_WIN = 384
# portable pixel-pair conv (mf_conv2d_s8_m0): largest window scratch (2 pixels x K int32, on the stack), bytes
M0_MAX_SCRATCH = 4608
# Mixed-weight 2x4 blocks (mf_conv2d_s8_mix): widest window (bytes, rounded up to 4) and the flash the zero
# padding of the window to 4 bytes and of out_c to 4 channels may add, as a fraction of the weights.
# 6 * MIX_MAX_WIN (+ a 4-byte sentinel) = 9 * X16_MAX_WIN (+ 4): about the stack bound of the 3-pixel blocks.
MIX_MAX_WIN = 576
MIX_MAX_PAD = 0.05
# ... and the narrowest: below it the per-block requantisation outweighs the cheaper dot products (measured on
# the emulated M4: 16-byte windows 6% slower than the 3-pixel blocks, 28-byte windows 5-15% faster)
MIX_MIN_WIN = 20
# Unpadded 1x1 convolutions with in_c in C1_IC and out_c <= 255 (STRB's post-index) go through mf_conv2d_s8_c1
# (runs of pixels sign-extended once, channel by channel with the channel's weights and constants in registers)
# when c1_rq_layout is exact; C1_SCRATCH mirrors MF_CONV2D_C1_SCRATCH_BYTES in runtime/dsp/mf_conv2d.h.
C1_IC = (8,)
C1_SCRATCH = 1540
# ... whose channels take at most C1_MAX_SHIFTS distinct shifts e get one copy of the pixel loop per e, e an immediate of
# the SSAT (no ASR: 12 instructions a pixel instead of 13; ~700 code bytes a copy on the M4, ~660 on the M7, whose
# dual-issue pass is 11 instead of 12), chosen per channel at run time (mf_conv2d_s8_c1, params field c1_shifts)
C1_MAX_SHIFTS = 4
# Non-1x1 convolutions on row entries (mf_conv2d_s8_rowmix): the entries' scratch bound, bytes; mirrors
# MF_CONV2D_ROW_BYTES in runtime/dsp/mf_conv2d.h (= 9 * X16_MAX_WIN, the 3-pixel blocks' stack bound).
ROW_BYTES = 3456
# ... for in_c a multiple of this (entries widened 4 bytes at a time, SXTB16 pairs); with 1 the byte-by-byte
# widening makes in_c 1 and 3 layers slower than the 2x4 blocks' gathers (measured on the emulated M4: vww's and
# kws' first convs +7% and +10%), so they stay there.
ROW_IC_MULTIPLE = 4
# Unpadded 1x1 convolutions (any stride: a strided one reads its pixels at the strides) with in_c % 4 == 0,
# in_c >= PW_MIN_IC and out_c % 4 == 0 go through
# mf_conv2d_s8_pw (runtime/dsp/mf_conv2d.h) when pw_layout is exact and mf_conv2d_s8_c1 does not take them (in_c 8):
# mixed 4-channel groups, each followed by its requantisation constants. in_c up to PW_MAX_IC (the asm block steps back
# over the window with one SUB #imm12), out_c up to PW_MAX_OC (pixel 1's outputs stored at an #imm12 offset). Every
# out_c: measured on the emulated M4, M7 and M33 (20x20 maps), the 3-pixel rows (mix = 0) were 8-22% slower than this
# path even with one or two groups per pixel pair (16 -> 8, 12 -> 8, 16 -> 4, 12 -> 12, 4 -> 8 .. 32; mobilenetv2's
# 16 -> 8 projection 403K -> 371K cycles on the M4, 211K -> 194K on the M7), and the 2x4 blocks (mix = 1) 3-7% slower
# (24 -> 4).
PW_MIN_IC = 4
PW_MAX_IC = 1020
# in_c up to PW_PAIR_MAX_IC (16 chunks): each pixel pair's window unrolled in one asm block with x16 on the stack
# (mf_dsp_pw_pair, no window loop, the out pointer in a register); wider windows loop over 8-chunk passes. At 64 (was
# 32): kws' 1x1 layers 575.2K -> 554.0K cycles on the M4, 306.0K -> 293.4K on the M7, about 1.3 KB more code a
# layer. Mirrors MF_CONV2D_PW_PAIR_MAX_IC in runtime/dsp/mf_conv2d.h (a test reads both).
PW_PAIR_MAX_IC = 64
PW_MAX_OC = 4092
# ... those with in_c <= PW4_MAX_IC (the window unrolled, 32 chunks; mirrors
# MF_CONV2D_PW4_MAX_IC in runtime/dsp/mf_conv2d.h), out_c <= PW4_MAX_OC (pixel 3's halfwords at an #imm12 offset of
# 3 * out_c) and a multiple of 4 pixels (the pair blocks' lone pixel reads their group stream; a C loop for the last
# pixels, or one more quad over the last 4, cost more than the quads save: vww's 9-pixel 128 -> 256 layer +9%, +25% on
# the M4; but see PW4_TAIL_CORES) go in quads of pixels on one mixed channel pair instead (mf_conv2d_s8_pw4, mix = 7:
# the pw stream's bytes, each pair followed by its 6 constants, pw4_layout): each pair's constants serve 4 pixels, not
# 2. The M7 runs them with its own schedule (one pixel register, every load beside an SMLAD: 8 cycles a half chunk, as
# its pair blocks): vww's M7 1x1 layers 3.400M -> 3.317M cycles (in_c 16: 227.3K -> 215.0K), about 21 KB more code.
PW4_MAX_IC = 128
PW4_MAX_OC = 1365
PW4_CORES = ("MF_TARGET_M4", "MF_TARGET_M7", "MF_TARGET_M33", "MF_TARGET_M55")
# ... and on these also with n_pix % 4 != 0 and in_c <= PW_PAIR_MAX_IC: the last pixels one at a time on the quads'
# stream (mf_dsp_pw4_rows1, about as fast as the pairs' lone pixel): kws's 125-pixel 64 -> 64 layers 553.0K -> 546.9K
# cycles each on the M4. Only where the pairs' windows are unrolled too (mf_dsp_pw_pair), so that the quads cost about
# their code (kws +0.5 KB a layer); above it the pairs' window loop is far smaller than the quads' unrolled 17 .. 32
# chunks (vww's 9-pixel 128 -> 256 layer: 312.5K -> 305.4K cycles for 3.5 KB more code).
PW4_TAIL_CORES = ("MF_TARGET_M4", "MF_TARGET_M33")
# ... whose layers have few distinct shifts: those whose c channels' -shift-1 span at most 4 values (each <=
# PW4_IMM_MAX_E), their c' channels' too, with at most PW4_IMM_MAX combinations of a pair's two, get the quads' tail with
# the shifts as immediates on every core but the M7 (its own schedule): a copy of the tail's shift-dependent part per
# combination (about 90 code bytes, 130 with a clamp), the most common one ahead of the window (it falls into it), the
# others in slots of pw4_slot bytes after an ADD to pc (pw4_shift_mask, params field c1_shifts; W holds the pair's slot
# offset, pw4_layout), the last pair's a slot of its own that leaves the pair loop: 8 ASRs a pair less for as many cycles
# of branches as the register form (the first copy) or 4 more (kws's 64 -> 64 layers 545.9K -> 539.8K .. 541.3K cycles
# each on the M4 with a TBH in place of the ADD and an exit test on the first copy, 538.5K .. 540.0K with the slots).
# Pruned channels count with their parity's most common shift there (pw4_dead_shifts: vww op 9 627.0K -> 622.5K on the M4).
PW4_IMM_MAX = 9
PW4_IMM_MAX_E = 14
# ... and the copies save at least 4 * this many cycles each (pw4_imm_gain: 8 a pair of the first copy, 4 of the others,
# per quad): about 4 cycles a pair against about 100 code bytes a copy (kws' 64 -> 64 layers: 992 pairs, 4 copies;
# MobileNetV2's many small layers took 9 KB of code for 35K cycles, 0.3%, without the bound). Counted per copy, not per
# pair (the bound was n_pix // 4 * out_c / 2 pairs >= this many a copy), layers with most pairs on the first copy take them
# too: vww's 128 -> 128 ops 15, 17 590.4K -> 586.7K each (+394 B), ic op 2 197.9K -> 194.0K (+528 B), MobileNetV2 op 6
# 198.1K -> 196.7K (+164 B) on the M4.
PW4_IMM_MIN_PAIRS = 150
PW4_IMM_EXCLUDE = ("MF_TARGET_M7",)
# the row layout's row quads (mf_dsp_seg_rquad, M4/M33) and the M7's row-pair loops (mf_dsp_seg_groups_n, its groups
# unrolled) requantise with immediate shifts when every channel's -shift-1 is at most this (4 bits a shift in the
# kernels' 64-bit constant) and the sums fit (seg_imm_shifts): no W loads, LSRs or ASRs (vww's first layer 699.5K ->
# 680.3K cycles on the M4, 402.0K -> 384.7K on the M7 for 0.9 KB of code)
SEG_IMM_MAX_E = 14
SEG_IMM_MAX_OC = 16   # 8 channel pairs: a byte each in the kernels' 64-bit constant (the M4/M33's quads take at most 16)
# the M7's row pairs unroll their channel groups for it, ~0.9 KB of code a group: past 8 channels that bought
# 0.2-0.4% of a model for 2.8 KB (ic, MobileNetV2), out of proportion, so the M7 takes it up to 8 (vww: 0.37% for 0.9 KB)
SEG_IMM_MAX_OC_M7 = 8
# The group streams' "another group follows" bit, set in channel 3's -shift-1 of every group but the last (its ASR reads
# the low byte only; the pw stream sets it in W_b >> 8, pw_consts); mirrors MF_DSP_PW_MORE in runtime/dsp/mf_conv2d.h
# (a test reads both).
PW_MORE = 256


class Conv2D(OpDef):
    type = OpType.CONV_2D
    kernel_headers = ("mf_fully_connected.h", "mf_conv2d.h")  # the DSP convolution reuses the FC dot-product blocks
    int16_headers = ("mf_s16_params.h", "mf_fully_connected_s16.h", "mf_conv2d_s16.h")  # the DSP variant reuses the FC dot product

    def check(self, op: Op) -> None:
        expect_arity(op, (2, 3))
        x = expect_dtype(op, op.inputs[0], "input", DType.INT8, DType.INT16)
        w = expect_dtype(op, expect_const(op, op.inputs[1], "filter"), "filter", DType.INT8)
        y = expect_dtype(op, op.outputs[0], "output", x.dtype)
        b = op.inputs[2] if len(op.inputs) > 2 else None
        if b is not None:
            expect_dtype(op, expect_const(op, b, "bias"), "bias", *((DType.INT64, DType.INT32) if is_int16(op) else (DType.INT32,)))
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
        expect_supported_weight_rescale(op, x, w, y)
        act_clamp(op, y)
        if is_int16(op):
            expect_s16_shift(op, conv_multipliers(x, w, y, oc)[1], s16_bias(op, b, oc)[1])

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
        reads = np.broadcast_to(taps + batch, (x.shape[0], taps.shape[1], oc))  # elements; mf_conv2d_s16 reads alike
        return lead_from_reads(reads * x.dtype.size, y.dtype.size)

    @staticmethod
    def _fields(op: Op) -> tuple[dict, np.ndarray, np.ndarray, np.ndarray]:
        """The params struct's shape and quantisation fields, and the folded bias, multipliers and shifts."""
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
        fields = dict(
            batches=x.shape[0], in_h=x.shape[1], in_w=x.shape[2], in_c=ic,
            out_h=y.shape[1], out_w=y.shape[2], out_c=oc, k_h=kh, k_w=kw,
            stride_h=o["stride_h"], stride_w=o["stride_w"], dil_h=o["dilation_h"], dil_w=o["dilation_w"],
            pad_top=pad_t, pad_left=pad_l, pad_value=in_zp, out_offset=out_zp, act_min=lo, act_max=hi)
        return fields, bias, mult, shift

    def reads_ring(self, op: Op, ctx) -> bool:
        """Whether a row pipeline's band call of `op` may read its input rows from a ring window (op.options["ring"]:
        (C expression of the byte where the band's input row 0 lies, ring bytes); runtime/dsp/mf_conv2d.h
        mf_conv2d_s8_ring): the layers emit puts on the row-entry paths (mix 4, 6, 8: not 1x1, the fast
        requantisation, mixed groups, row_mix_layout), which build their entries row by row. A ring rules out the
        Winograd path (_wino) but for a resident U's band calls (mf_conv2d_s8_wino_ring: their tap rows found in the
        ring); the row entries are asked for either way, as a band call falling back from Winograd takes them."""
        x, w, y = op.inputs[0], op.inputs[1], op.outputs[0]
        oc, kh, kw, _ = w.shape
        if is_int16(op) or "dsp" not in ctx.kernel_variants or kh * kw == 1 or x.shape[0] != 1:
            return False
        fields, bias, mult, shift = self._fields(op)
        w2 = w.data.reshape(oc, -1)
        rq = dsp_rq_layout(w2, bias, mult, shift, y.quant.zp, fields["act_min"], fields["act_max"])
        return rq is not None and mix_layout(w2) is not None and row_mix_layout(w.data, fields) is not None

    def wino_resident(self, op: Op) -> int:
        """Bytes of the resident-U scratch a row pipeline's band calls of `op` would take on a DSP core (a layer of
        _wino's shape whose U is at most WINO_RESIDENT_MAX bytes, and whose V chunk fits the stack beside the M block
        when the pipeline leaves no room), else 0. The band calls' own refusals (one output row, a ring window) are the
        pipeline's to rule out."""
        w, y = op.inputs[1], op.outputs[0]
        o = op.options
        if (op.type is not OpType.CONV_2D or is_int16(op) or w.shape[1:3] != (3, 3)
                or (o["stride_h"], o["stride_w"], o["dilation_h"], o["dilation_w"]) != (1, 1, 1, 1)
                or w.shape[3] % 4 or w.shape[3] > WINO_MAX_IC or y.shape[2] % 2
                or wino_u_bytes(w.shape[3], w.shape[0]) > WINO_RESIDENT_MAX
                or wino_plan(dict(in_c=w.shape[3], batches=1, out_h=2, out_w=y.shape[2]), [], True) is None
                or not wino_bound_ok(w.data)):
            return 0
        fields, bias, mult, shift = self._fields(op)
        rq = dsp_rq_layout(w.data.reshape(w.shape[0], -1), bias, mult, shift, y.quant.zp, fields["act_min"],
                           fields["act_max"])
        return 0 if rq is None else wino_u_bytes(w.shape[3], w.shape[0])

    def emit(self, op: Op, ctx) -> str:
        if is_int16(op):
            return self._emit_s16(op, ctx)
        x, w, y = op.inputs[0], op.inputs[1], op.outputs[0]
        o = op.options
        oc, kh, kw, ic = w.shape
        out_zp = y.quant.zp
        fields, bias, mult, shift = self._fields(op)
        lo, hi = fields["act_min"], fields["act_max"]
        pad_t, pad_l = fields["pad_top"], fields["pad_left"]
        k = kh * kw * ic
        if "dsp" not in ctx.kernel_variants and 8 * ((k + 3) & ~3) <= M0_MAX_SCRATCH:
            return self._emit_pairs(op, ctx, fields, w.data.reshape(oc, k), bias, mult, shift, out_zp)
        if "dsp" in ctx.kernel_variants:
            w2 = w.data.reshape(oc, -1)
            rq = dsp_rq_layout(w2, bias, mult, shift, out_zp, lo, hi)
            c1 = None
            if kh == 1 and kw == 1 and pad_t == 0 and pad_l == 0 and ic in C1_IC and oc <= 255:
                c1 = c1_rq_layout(w2, bias, mult, shift, out_zp, lo, hi)
            pw = None
            if (c1 is None and rq is not None and kh == 1 and kw == 1 and pad_t == 0 and pad_l == 0
                    and PW_MIN_IC <= ic <= PW_MAX_IC and ic % 4 == 0
                    and oc % 4 == 0 and oc <= PW_MAX_OC):
                pw = pw_layout(w2, rq, out_zp)
            pw4 = None
            if (pw is not None and ic <= PW4_MAX_IC and oc <= PW4_MAX_OC and ctx.core_macro in PW4_CORES
                    and ((y.num_elements // oc) % 4 == 0 or ctx.core_macro in PW4_TAIL_CORES and ic <= PW_PAIR_MAX_IC)):
                rq4, pw4_sm = rq, 0
                if ctx.core_macro not in PW4_IMM_EXCLUDE:
                    pw4_sm = pw4_shift_mask(rq, oc)
                    if not pw4_sm:   # pruned channels' shifts may be what spreads them (pw4_dead_shifts)
                        rq4 = pw4_dead_shifts(w2, rq)
                        pw4_sm = pw4_shift_mask(rq4, oc)
                gain = (y.num_elements // oc // 4) * pw4_imm_gain(rq4, oc, pw4_sm) if pw4_sm else 0
                if pw4_sm and gain < 4 * PW4_IMM_MIN_PAIRS * pw4_copies(pw4_sm):
                    rq4, pw4_sm = rq, 0   # too few cycles saved for the copies' code
                pw4 = pw4_layout(w2, rq4 if pw4_sm else rq, out_zp, pw4_sm, pw4_slot(lo, hi))
            pwc = pw_consts(w2, rq, out_zp) if rq is not None and oc % 4 == 0 else None   # whole groups' constants
            wmix = mix_layout(w2) if rq is not None and c1 is None and pw is None else None
            wrow = row_mix_layout(w.data, fields) if wmix is not None else None
            wseg = seg_layout(w.data, fields) if wmix is not None and wrow is None else None
            if wseg is not None and oc % 4 == 0 and pwc is None:
                wseg = None   # whole groups read pw_consts' constants (mf_dsp_seg_groups)
            # the two-row entries (mix = 8, the mix = 6 branch below), which a row pipeline's band keeps unless its
            # Winograd layers have a resident U: as fast as the Winograd path with U rebuilt per 4-tile chunk at ic's
            # 16 in channels on the M4 / M33 (ic ops 1-3: +143K cycles with Winograd there; -873K with a resident U)
            rowtwo = (wrow is not None and pwc is not None and oc <= PW_MAX_OC
                      and row_two({**fields, "mix": 6}, ctx.core_macro)
                      and (row_strip(fields, kh + o["stride_h"]) >= fields["out_w"] or _apart(op, ctx)))
            wino = self._wino(op, ctx, fields, w.data, rq, rowtwo)
            if wino is not None:
                return wino
            if "fused_add" in o:   # ops/row_pipeline.py fuses an ADD only into a layer this path takes
                raise fail(op, "the fused ADD needs the resident-U Winograd path, which did not take the layer",
                           "--wino-u off runs the ADD as its own pass")
            if pw4 is not None:
                fields.update(weights=ctx.const(f"{op.name}_pw4", pw4), bias="0", mult="0", shift="0", rq_mode=1,
                              rq="0", mix=7, c1_shifts=pw4_sm)
            elif pw is not None:
                fields.update(weights=ctx.const(f"{op.name}_pw", pw), bias="0", mult="0", shift="0", rq_mode=1, rq="0", mix=3)
            elif wrow is not None and pwc is not None and oc <= PW_MAX_OC:   # mf_dsp_rowpw_pair: the pw stream on row entries
                fields.update(weights=ctx.const(f"{op.name}_rpw", group_stream(wrow, pwc)), bias="0", mult="0",
                              shift="0", rq_mode=1, rq="0", mix=6)
                if rowtwo:
                    fields["mix"] = 8   # two output rows per build of entries
            elif wrow is not None:   # as mix = 1: the last group's padded channels get zero constants
                rq = np.concatenate([rq, np.zeros(6 * ((-oc % 4) // 2), np.int32)])
                # one stream, the constants right after the weights: the M7 schedule's last load of a window reads
                # the word after its group's weights (runtime/dsp/mf_conv2d.h MF_DSP_RMIX_WINDOW_M7), never past it
                name = ctx.const(f"{op.name}_rmix", np.concatenate([wrow, rq.astype("<i4").view(np.int8)]))
                fields.update(weights=name, bias="0", mult="0", shift="0", rq_mode=1,
                              rq=f"(const int32_t *)(const void *)({name} + {wrow.size})", mix=4)
            elif wseg is not None:   # as mix = 1: the last group's padded channels get zero constants
                rq = np.concatenate([rq, np.zeros(6 * ((-oc % 4) // 2), np.int32)])
                fields.update(weights=ctx.const(f"{op.name}_seg", seg_stream(wseg, rq, pwc)), bias="0", mult="0",
                              shift="0", rq_mode=1, rq="0", mix=5)
                imm_oc = SEG_IMM_MAX_OC_M7 if ctx.core_macro == "MF_TARGET_M7" else SEG_IMM_MAX_OC
                if pwc is not None and not seg_cols(fields) and oc <= imm_oc and seg_imm_shifts(w2, rq, out_zp):
                    # the immediate tail: the M4/M33's row quads (mf_dsp_seg_rquad), the M7's row pairs
                    # (mf_dsp_seg_groups_n), where they run
                    fields["c1_shifts"] = 1
            elif c1 is not None:
                fields.update(weights=ctx.const(w), bias="0", mult="0", shift="0", rq_mode=1,
                              rq=ctx.const(f"{op.name}_c1rq", c1), mix=2, c1_shifts=c1_shift_mask(c1))
            elif wmix is None:
                fields.update(weights=ctx.const(w), mix=0, **dsp_rq_fields(op, ctx, w2, bias, mult, shift, out_zp, lo, hi))
            else:   # the last group's padded channels get zero constants (their outputs are not stored)
                rq = np.concatenate([rq, np.zeros(6 * ((-oc % 4) // 2), np.int32)])
                fields.update(weights=ctx.const(f"{op.name}_mix", wmix), bias="0", mult="0", shift="0", rq_mode=1,
                              rq=ctx.const(f"{op.name}_rq", rq), mix=1)
        else:
            fields.update(weights=ctx.const(w), bias=ctx.const(f"{op.name}_bias", bias),
                          mult=ctx.const(f"{op.name}_mult", mult), shift=ctx.const(f"{op.name}_shift", shift))
        p = ctx.params("mf_conv2d_params_t", fields)
        if "dsp" in ctx.kernel_variants:  # fixed-size scratch: a VLA inside the kernel would cost a frame pointer
            win4 = (kh * kw * ic + 3) & ~3                 # MF_CONV2D_SCRATCH_BYTES (runtime/dsp/mf_conv2d.h)
            x16 = win4 <= X16_MAX_WIN and oc >= 12  # MF_CONV2D_X16 and the smaller MF_CONV2D_X16_MIN_OC: a superset
            words = ((9 if x16 else 3) if 3 * win4 <= 4096 else 1) * win4 // 4
            if fields["mix"] == 5:
                words = seg_bytes(fields) // 4
            elif fields["mix"] in (4, 6, 8):
                words = row_bytes(fields) // 4
            elif fields["mix"] == 7:
                words = 1                                  # mf_conv2d_s8_pw4: its frame below sp, no scratch
            elif fields["mix"] == 3:
                words = ic + 4                             # MF_CONV2D_PW_SCRATCH_BYTES: x16, sentinel, 2 out pointers, count
            elif fields["mix"] == 2:
                words = C1_SCRATCH // 4
            elif fields["mix"]:
                words = 6 * win4 // 4 + 1                # MF_CONV2D_MIX_SCRATCH_BYTES: two windows, their int16 form, a sentinel
            if "ring" in o:   # a row pipeline's band reading a ring window (reads_ring): input row 0 at byte `first`
                first, size = o["ring"]
                assert fields["mix"] in (4, 6, 8), "a ring window's reader builds row entries"
                return (f"{{ int32_t scratch[{words}]; mf_conv2d_s8_ring(&{p}, {ctx.ptr(x)}, {first}, {size}, "
                        f"{ctx.ptr(y)}, (int8_t *)scratch); }}")
            return (f"{{ int32_t scratch[{words}]; "
                    f"mf_conv2d_s8_scratch(&{p}, {ctx.ptr(x)}, {ctx.ptr(y)}, (int8_t *)scratch); }}")
        return f"mf_conv2d_s8(&{p}, {ctx.ptr(x)}, {ctx.ptr(y)});"

    def _wino(self, op: Op, ctx, fields: dict, w: np.ndarray, rq: np.ndarray | None, rowtwo: bool) -> str | None:
        """The Winograd path (mix = 9, runtime/dsp/mf_conv2d_wino.h), or None when it does not take the layer: 3x3,
        stride 1, no dilation, in_c % 4 == 0, even out_w (an odd out_h: the last tile row's top row only, as a row
        pipeline's odd bands need), the fast requantisation exact (rq), every int32
        of the transform in range (wino_bound_ok), on a DSP core (WINO_CORES), input and output apart (a chunk's
        outputs are written before the next chunk's inputs are read), not a ring window's reader, and its buffers in the
        layer's free arena room, or in a row pipeline's band (little room, a band's few tiles) V on the stack too, within
        the row-entry paths' scratch bound (wino_plan: no RAM added). A band call keeps the two-row entries where it has
        them (rowtwo: mix = 8 on the M4 / M33, as fast there) unless its pipeline gives it a resident U (o["wino_u"]:
        ops/row_pipeline.py resident_u, the U of wino_resident_pairs out-channel pairs built once per call, the
        halves the others are rebuilt into beside them: no U in the plan), and needs two output rows (one would waste
        half a tile) but with a resident U (a band of one row among a pipeline's calls of two: it then needs no
        direct-path weight layout of its own)."""
        o = op.options
        if (rq is None or ctx.core_macro not in WINO_CORES or w.shape[1:3] != (3, 3)
                or (o["stride_h"], o["stride_w"], o["dilation_h"], o["dilation_w"]) != (1, 1, 1, 1)
                or fields["in_c"] % 4 or fields["in_c"] > WINO_MAX_IC or fields["out_w"] % 2
                or not _apart(op, ctx) or not wino_bound_ok(w)):
            return None
        ures = o.get("wino_u")             # a row pipeline's resident-U scratch (ops/row_pipeline.py), when it has one
        nr = 0 if ures is None else wino_resident_pairs(fields["in_c"], fields["out_c"], ures.nbytes)
        resident = nr > 0
        if "ring" in o and not resident:   # a ring window's reader: only the resident band calls (out of line) take it
            return None
        if "fused_add" in o and not resident:   # only the resident band calls run a fused ADD (Conv2D.emit then fails)
            return None
        if fields["out_h"] < (1 if resident else 2) or op.inputs[0].index < 0 and rowtwo and not resident:
            return None
        plan = wino_plan(fields, ctx.room(), resident)
        if plan is None:
            return None
        fields.update(weights=ctx.const(op.inputs[1]), bias="0", mult="0", shift="0", rq_mode=1,
                      rq=ctx.const(f"{op.name}_rq", rq), mix=9)
        half = 8 * fields["in_c"]                   # words of one U half
        words, bufs = 16 * 2 * WINO_GROUP, []       # the M block first
        for u in plan["u"]:
            if u is None:
                bufs.append(f"scratch + {words}")
                words += half
            else:
                bufs.append(f"(int32_t *)(void *)({u[0]} + {u[1]})")
        if plan["v"] is None:
            v = f"scratch + {words}"
            words += plan["nt"] * 8 * fields["in_c"]
        else:
            v = f"(int32_t *)(void *)({plan['v'][0]} + {plan['v'][1]})"
        if resident:   # U in the pipeline's scratch: nr pairs' built once a call, then the others' halves (u1 unused)
            bufs = [f"(int32_t *)(void *){ctx.ptr(ures)}", "0"]
        x, y = op.inputs[0], op.outputs[0]
        rest = f"{plan['nt']}, {v}, {bufs[0]}, {bufs[1]}, scratch, {nr}"
        fused = o.get("fused_add")          # a row pipeline's ADD fused into this layer (ops/row_pipeline.py fused_add)
        if not resident:
            p = ctx.params("mf_conv2d_params_t", fields)
            return f"{{ int32_t scratch[{words}]; mf_conv2d_s8_wino(&{p}, {ctx.ptr(x)}, {ctx.ptr(y)}, {rest}, 0, 0); }}"
        # A row pipeline's band calls with the same fields (the layer's middle bands, in one loop or several) share one
        # out-of-line copy of the kernel, every field still a constant folded into it, rather than the kernel inlined
        # at each call site (ic ops 1-3 at band 2: 8 sites -> 6 copies; M4 code -7.1 KB, cycles -14K). With the rows
        # (in_h, pad_top, out_h) as arguments all of a layer's bands would share one: ic 2 copies, M4 code -19 KB but
        # +49K cycles (the tile loops' bounds not folded); out_h folded, 4 copies: -13 KB but M7 +3K cycles; one copy
        # per layer for the edge bands only (rows as arguments, 4 copies): -5.9 KB more, M4 +10K cycles.
        fa = "0" if fused is None else "&" + ctx.params("mf_wino_add_t", fused["form"])
        # a fused ADD's residual: the output's own bytes (the ADD in place, as ic's) folds to the output pointer (one
        # register fewer in the output loop), else a third argument
        res = "0" if fused is None else "out" if ctx.ptr(fused["res"]) == ctx.ptr(y) else "res"
        # a ring window's input (reads_ring; ops/row_pipeline.py _rings): its first row's byte, which moves from band to
        # band, an argument; the ring's bytes folded (so the pipeline moves no window rows)
        ring = o.get("ring")
        key = (tuple((k, str(val)) for k, val in fields.items()), words, rest, fa, res, ring and ring[1])
        kernel = "mf_conv2d_s8_wino(&{p}, in, " if ring is None else f"mf_conv2d_s8_wino_ring(&{{p}}, in, first, {ring[1]}, "
        fn = ctx.function(key, "wino", lambda name: (
            f"static __attribute__((noinline)) void {name}(const int8_t *in, int8_t *out"
            + (", const int8_t *res" if res == "res" else "") + (", int32_t first" if ring else "") + ")\n{\n"
            f"    int32_t scratch[{words}];\n"
            + "    " + kernel.format(p=ctx.params('mf_conv2d_params_t', fields)) + f"out, {rest}, {fa}, {res});\n}}\n"))
        return (f"{fn}({ctx.ptr(x)}, {ctx.ptr(y)}" + (f", {ctx.ptr(fused['res'])}" if res == "res" else "")
                + (f", {ring[0]}" if ring else "") + ");")

    def _emit_pairs(self, op: Op, ctx, fields: dict, w: np.ndarray, bias, mult, shift, out_zp: int) -> str:
        """runtime/portable's pixel-pair kernel (cores without DSP): weights re-laid by m0_pair_layout, the
        requantisation constants as one rq_e_table when its folded rounding is exact, the two windows'
        int32 scratch on the stack. Only the constants the kernel reads are registered."""
        x, y = op.inputs[0], op.outputs[0]
        bias, mult, shift = constant_channels(w, bias, mult, shift, out_zp, fields["act_min"], fields["act_max"])
        rq = rq_e_table(w, bias, mult, shift, out_zp)
        fields.update(weights="0", wm0=ctx.const(f"{op.name}_wm0", m0_pair_layout(w)))
        if rq is not None:
            narrow = rq_narrow(w, bias)
            fields.update(bias="0", mult="0", shift="0", rq_narrow=narrow,
                          rqe=ctx.const(f"{op.name}_rqe", (rq_narrow_table(rq) if narrow else rq).reshape(-1)))
        else:
            fields.update(bias=ctx.const(f"{op.name}_bias", bias), mult=ctx.const(f"{op.name}_mult", mult),
                          shift=ctx.const(f"{op.name}_shift", shift), rqe="0")
        p = ctx.params("mf_conv2d_params_t", fields)
        return (f"{{ int32_t scratch[{2 * ((w.shape[1] + 3) & ~3)}]; "
                f"mf_conv2d_s8_m0(&{p}, {ctx.ptr(x)}, {ctx.ptr(y)}, scratch); }}")

    def _emit_s16(self, op: Op, ctx) -> str:
        """16x8: runtime/portable/mf_conv2d_s16.h on every target (no zero points, no DSP variant)."""
        x, w, y = op.inputs[0], op.inputs[1], op.outputs[0]
        o = op.options
        oc, kh, kw, ic = w.shape
        _, pad_t = window(op, x.shape[1], kh, o["stride_h"], o["dilation_h"], padding_of(op, 0))
        _, pad_l = window(op, x.shape[2], kw, o["stride_w"], o["dilation_w"], padding_of(op, 1))
        mult, shift = conv_multipliers(x, w, y, oc)
        lo, hi = act_clamp(op, y)
        bias, bias64 = s16_bias(op, op.inputs[2] if len(op.inputs) > 2 else None, oc)
        p = ctx.params("mf_conv2d_s16_params_t", dict(
            batches=x.shape[0], in_h=x.shape[1], in_w=x.shape[2], in_c=ic,
            out_h=y.shape[1], out_w=y.shape[2], out_c=oc, k_h=kh, k_w=kw,
            stride_h=o["stride_h"], stride_w=o["stride_w"], dil_h=o["dilation_h"], dil_w=o["dilation_w"],
            pad_top=pad_t, pad_left=pad_l, act_min=lo, act_max=hi, bias64=bias64, narrow=s16_narrow(w.data),
            weights=ctx.const(w),
            bias=ctx.const(f"{op.name}_bias", bias), mult=ctx.const(f"{op.name}_mult", mult),
            shift=ctx.const(f"{op.name}_shift", shift)))
        return f"mf_conv2d_s16(&{p}, {ctx.ptr(x)}, {ctx.ptr(y)});"


def dsp_rq_layout(w: np.ndarray, bias: np.ndarray, mult: np.ndarray, shift: np.ndarray, out_zp: int, lo: int,
                  hi: int) -> np.ndarray | None:
    """runtime/dsp fast requantisation constants (mf_dsp_out_fast): per channel pair bias[2], m2[2],
    -shift-1[2] with m2 = 2*mult - 2^32 (an odd last channel's pair padded with zeros). w: [n_out][k] int8;
    mult/shift have n_out entries or one (per tensor). None unless exact: every shift <= -1 (RDBP by >= 1),
    every mult >= 2^30 (m2 fits int32; QuantizeMultiplier's mantissas do, a zero scale does not) and
    |acc| <= |bias| + 128*sum|w| < 2^30, so SMMLAR(acc, m2, acc) == SMMULR(2acc, mult) == SRDHM(acc, mult).
    Channels whose weights are all zero (pruned: often a +-2^30 bias) output a constant, so they are
    re-expressed exactly: acc = bias' = 4t, m' = 2^30, shift' = -1 gives t, t = clamp(out) - out_zp."""
    n = w.shape[0]
    mult = np.broadcast_to(np.asarray(mult, np.int64), (n,)).copy()
    shift = np.broadcast_to(np.asarray(shift, np.int64), (n,)).copy()
    bias = bias.astype(np.int64).copy()
    s = np.abs(w.astype(np.int64)).sum(axis=1)
    dead = s == 0
    if dead.any():
        t = multiply_by_quantized_multiplier(bias[dead], mult[dead], shift[dead]).astype(np.int64)
        bias[dead] = 4 * (np.clip(t + out_zp, lo, hi) - out_zp)
        mult[dead], shift[dead] = 1 << 30, -1
    bound = np.abs(bias) + 128 * s
    if (shift > -1).any() or (shift < -31).any() or (bound >= 1 << 30).any() or (mult < 1 << 30).any():
        return None
    pairs = (n + 1) // 2
    cols = np.zeros((3, 2 * pairs), np.int64)
    cols[0, :n], cols[1, :n], cols[2, :n] = bias, 2 * mult - (1 << 32), -shift - 1
    return cols.reshape(3, pairs, 2).transpose(1, 0, 2).reshape(-1).astype(np.int32)


def c1_rq_layout(w: np.ndarray, bias: np.ndarray, mult: np.ndarray, shift: np.ndarray, out_zp: int, lo: int,
                 hi: int) -> np.ndarray | None:
    """mf_conv2d_s8_c1's requantisation constants (runtime/dsp/mf_conv2d.h): per channel 2*bias, m, e, rnd with
    e = -shift, rnd = 2^(e-1) + out_zp*2^e (mf_dw_requant's form, runtime/dsp/mf_depthwise_conv2d.h), from
    dsp_rq_layout's exact constants (pruned channels re-expressed there). None unless those are exact and
    every e <= 22 (then |SMMULR(2acc, m)| < 2^30 and |rnd| < 2^30: SMMLAR's sum fits int32)."""
    n = w.shape[0]
    rq = dsp_rq_layout(w, bias, mult, shift, out_zp, lo, hi)
    if rq is None:
        return None
    cols = rq.astype(np.int64).reshape(-1, 3, 2).transpose(1, 0, 2).reshape(3, -1)[:, :n]
    b, m, e = cols[0], (cols[1] + (1 << 32)) // 2, cols[2] + 1
    if (e > 22).any():
        return None
    rnd = (1 << (e - 1)) + out_zp * (1 << e)
    return np.stack([2 * b, m, e, rnd], axis=1).reshape(-1).astype(np.int32)


def c1_shift_mask(c1: np.ndarray) -> int:
    """mf_conv2d_s8_c1's c1_shifts: bit e set for each distinct e of c1_rq_layout's constants (1 <= e <= 22), or 0 (one
    loop with e in a register) when there are more than C1_MAX_SHIFTS."""
    shifts = sorted(set(int(e) for e in c1.reshape(-1, 4)[:, 2]))
    if len(shifts) > C1_MAX_SHIFTS:
        return 0
    return sum(1 << e for e in shifts)


def pw_layout(w: np.ndarray, rq: np.ndarray, out_zp: int) -> np.ndarray | None:
    """mf_conv2d_s8_pw's weight stream (runtime/dsp/mf_conv2d.h): per group of 4 output channels its mix_layout
    bytes (4 * k bytes, k % 4 == 0 and n % 4 == 0, so no padding), then its 12 constants (pw_consts): as many bytes
    as the mixed weights and rq together. None when mix_layout or pw_consts cannot take the weights."""
    n, k = w.shape
    wmix = mix_layout(w, min_win=0, max_win=k)
    consts = pw_consts(w, rq, out_zp)
    if wmix is None or consts is None:
        return None
    return group_stream(wmix, consts)


def pw4_shift_mask(rq: np.ndarray, n: int) -> int:
    """The quads' immediate shifts (mf_dsp_pw4_quad on the M4/M33; params field c1_shifts): the combinations (e, e') of
    a pair's -shift-1 for c (even channel) and c' (odd) in dsp_rq_layout's rq, each e within 3 of the layer's least
    (b, bits 16 .. 19), each e' within 3 of theirs (b', bits 20 .. 23): bit 4 * (e - b) + (e' - b') set for each, the most
    common one's bit number in bits 24 .. 27 (the kernel's first copy), the last pair's in 28 .. 31 (the kernel's last
    slot; an int32, negative from 8 on); or 0 (the shifts in registers) when they spread wider, exceed PW4_IMM_MAX_E (<
    16: 4 bits), or make more than PW4_IMM_MAX combinations (the kernel's copies of its tail, one per bit set)."""
    ep = rq.astype(np.int64).reshape(-1, 3, 2)[:, 2, :].reshape(-1)[:n]
    ev, od = ep[0::2], ep[1::2]
    b, bd = int(ev.min()), int(od.min())
    if max(int(ev.max()), int(od.max())) > PW4_IMM_MAX_E or ev.max() - b > 3 or od.max() - bd > 3:
        return 0
    bits = [4 * (int(e) - b) + int(d) - bd for e, d in zip(ev, od)]
    if len(set(bits)) > PW4_IMM_MAX:
        return 0
    top = max(sorted(set(bits)), key=bits.count)   # the most pairs' (the lowest bit of a tie): the kernel's first copy
    sm = sum(1 << x for x in set(bits)) | b << 16 | bd << 20 | top << 24 | bits[-1] << 28
    return sm - (1 << 32) if sm >> 31 else sm   # an int32 field


def seg_imm_shifts(w: np.ndarray, rq: np.ndarray, out_zp: int) -> bool:
    """Whether the row layout's row quads (mf_dsp_seg_rquad, M4/M33) and the M7's row-pair loops (mf_dsp_seg_groups_n)
    may requantise with their shifts as immediates (params field c1_shifts 1; each pair's code is its own there, the
    groups unrolled): every channel's -shift-1 e' within
    0 .. SEG_IMM_MAX_E (the kernel takes e' + 1 and the c' channel's E' - 8 = e' as 4 bits each: MF_CONV2D_SEG_RQ_Q),
    and c's sum X + k * 2^e' within int32 (k = 2 * out_zp + 1; X the SMMLAR's value, |X| <= |acc| + 1,
    |acc| <= |b| + 128 * sum|w|), so that (X + k * 2^e') >> (e' + 1) is ((X >> e') + k) >> 1 exactly."""
    n = w.shape[0]
    b, _, ep = rq.astype(np.int64).reshape(-1, 3, 2).transpose(1, 0, 2).reshape(3, -1)[:, :n]
    if (ep < 0).any() or (ep > SEG_IMM_MAX_E).any():
        return False
    acc = np.abs(b) + 128 * np.abs(w.astype(np.int64)).sum(axis=1) + 1
    return bool((acc + abs(2 * out_zp + 1) * (1 << ep) < 1 << 31).all())


def pw4_dead_shifts(w: np.ndarray, rq: np.ndarray) -> np.ndarray:
    """dsp_rq_layout's rq with each pruned channel (all weights zero: acc = bias = 4t, mult 2^30, -shift-1 e = 0, output
    t + out_zp) moved to the -shift-1 most common among its parity's live channels (c or c': the quads' tail shifts them
    apart), so that it does not spread the layer's shifts past pw4_shift_mask's 4 values: bias t * 2^(e+2) gives
    SRDHM(acc, 2^30) = acc / 2 = t * 2^(e+1) exactly, and the rounding shift by e + 1 then t, as before. Only where
    |t| * 2^(e+2) < 2^23 (pw_consts' bound on a c' accumulator; within dsp_rq_layout's 2^30 for c); others stay."""
    n = w.shape[0]
    out = rq.astype(np.int64).copy()
    cols = out.reshape(-1, 3, 2).transpose(1, 0, 2).reshape(3, -1)   # views: [b, m2, e'][channel]
    dead = np.abs(w.astype(np.int64)).sum(axis=1) == 0
    for par in (0, 1):
        ch = np.arange(par, n, 2)
        live = ch[~dead[ch]]
        if len(live) == len(ch) or len(live) == 0:
            continue
        vals, counts = np.unique(cols[2, live], return_counts=True)
        e = int(vals[np.argmax(counts)])
        for c in ch[dead[ch]]:
            t = int(cols[0, c]) // 4
            if cols[2, c] == 0 and abs(t) << (e + 2) < 1 << 23:
                cols[0, c], cols[2, c] = t << (e + 2), e
    res = cols.reshape(3, -1, 2).transpose(1, 0, 2).reshape(-1)
    return res.astype(np.int32)


def pw4_imm_gain(rq: np.ndarray, n: int, sm: int) -> int:
    """Cycles a quad saves with the immediate shifts of mask sm: 8 ASRs a pair, with the register form's 4 cycles of
    branches for the first copy's pairs (LSRS, BCS taken), 4 more for the others' (BCS not taken, ADD pc, B:
    mf_dsp_pw4_quad)."""
    ep = rq.astype(np.int64).reshape(-1, 3, 2)[:, 2, :].reshape(-1)[:n]
    return sum(8 if pw4_variant(sm, int(e), int(d)) == 0 else 4 for e, d in zip(ep[0::2], ep[1::2]))


def pw4_slot(act_min: int, act_max: int) -> int:
    """Bytes of each copy's slot after mf_dsp_pw4_quad's ADD to pc (MF_PW4I_SLOT): 4 ADDs, 8 SSATs, 4 BFIs, 4 STRHs, the
    out pointer's STR and the branch back, 4 bytes each at most, and per clamp a MOV and 4 SSUB8s and SELs."""
    return 88 + 36 * (act_min > -128) + 36 * (act_max < 127)


def pw4_copies(sm: int) -> int:
    """The kernel's copies of its tail for mask sm (pw4_shift_mask): one per combination."""
    return bin(sm & 0xFFFF).count("1")


def pw4_variant(sm: int, e_c: int, e_d: int) -> int:
    """The kernel's copy for a pair with -shift-1 e_c (c) and e_d (c') under mask sm (pw4_shift_mask): 0 for the first
    (the combination of bit sm >> 24 & 15), then the others in the order of their bits."""
    bit, top = 4 * (e_c - (sm >> 16 & 15)) + e_d - (sm >> 20 & 15), sm >> 24 & 15
    assert 0 <= bit < 16 and sm >> bit & 1
    return 0 if bit == top else 1 + bin(sm & ((1 << bit) - 1) & ~(1 << top)).count("1")


def pw4_layout(w: np.ndarray, rq: np.ndarray, out_zp: int, sm: int = 0, slot: int = 88) -> np.ndarray | None:
    """mf_conv2d_s8_pw4's stream (runtime/dsp/mf_conv2d.h): pw_layout's bytes per mixed channel pair (c, c') instead of
    per group of two pairs: the pair's mixed weights (per 4-byte chunk of the window its even values' word, then its odd
    values' word: mix_layout's A01, B01 words of the pair), then its 6 constants from pw_consts (Bm, Bs, m2, W, Ra,
    mult), W with bit 31 set when another pair follows (the kernel's ASRS of W sets N; ASR reads W's low byte only) and
    without the group streams' PW_MORE bit. With immediate shifts (sm, pw4_shift_mask) W instead has bit 16 set when
    another pair follows (mf_dsp_pw4_rows1's test), bit 19 when the pair takes the first copy of the quad's tail
    (pw4_variant 0: the C of the kernel's LSRS #20), else in bits 20 .. 31 the byte offset of its copy's slot after the
    kernel's ADD to pc, (copy - 1) * slot (pw4_slot), the last pair's the last slot's, (copies - 1) * slot, whatever its
    copy; its low 16 bits stay (the last slot and mf_dsp_pw4_rows1 shift by them). None when pw_layout would be."""
    n, k = w.shape
    wmix = mix_layout(w, min_win=0, max_win=k)
    consts = pw_consts(w, rq, out_zp)
    if wmix is None or consts is None:
        return None
    # [group][chunk][ev/od][pair][4 bytes] -> [group][pair][chunk][ev/od][4 bytes]
    wp = wmix.reshape(n // 4, k // 4, 2, 2, 4).transpose(0, 3, 1, 2, 4).reshape(n // 2, 2 * k)
    # per group [Bm_a, Bs_a, Bm_b, Bs_b, m2_0, W_a, Ra_1, mult_1, m2_2, W_b, Ra_3, mult_3] -> per pair (a, then b)
    pc = np.stack([consts[:, [0, 1, 4, 5, 6, 7]], consts[:, [2, 3, 8, 9, 10, 11]]], axis=1).reshape(n // 2, 6)
    more = np.full(n // 2, 1 << 31, np.int64)
    more[-1] = 0
    if sm:
        v = [pw4_variant(sm, int(x) & 0xFF, (int(x) >> 8 & 0xFF) - 8) for x in pc[:, 3]]
        v[-1] = pw4_copies(sm)   # the last slot
        more = (more >> 15) | np.array([1 << 19 if c == 0 else (c - 1) * slot << 20 for c in v], np.int64)
    pc[:, 3] = (pc[:, 3] & 0xFFFF) | more
    pc[:, 3] = (pc[:, 3] + (1 << 31)) % (1 << 32) - (1 << 31)   # as int32
    cb = np.ascontiguousarray(pc.astype("<i4")).view(np.int8).reshape(n // 2, 24)
    return np.concatenate([wp, cb], axis=1).reshape(-1)


def pw_consts(w: np.ndarray, rq: np.ndarray, out_zp: int) -> np.ndarray | None:
    """The 12 constants per group of 4 channels that the pw stream kernels read (mf_conv2d_s8_pw, mf_dsp_rowpw_pair,
    mf_dsp_pw_rows1 in runtime/dsp/mf_conv2d.h; MF_DSP_PW_OUT4), from dsp_rq_layout's exact rq (per channel bias b,
    m2 = 2*mult - 2^32, e' = -shift-1) and the [n][k] weights, int32 [n / 4][12]. Per pair (c, c') of the group's
    two mixed pairs (a: channels 0, 1; b: 2, 3):
      starts  b_c + 256 * b_c' (wrapping to int32) and b_c: the accumulators ma and sa begin there, so sa = acc_c and
              ma - sa = 256 * acc_c', exact while |acc_c'| < 2^23 (int32 wrap-around of ma cancels);
      c       m2 and W = e' | E' << 8 (ASR reads the low byte: e'): acc_c requantised as before (SMMLAR with m2,
              >> e', + 2 * out_zp + 1, SSAT >> 1);
      c'      Ra = 64 + 128 * rnd, rnd = 2^(e-1) + out_zp * 2^e (e = e' + 1), and mult: SMMLA(256 * acc_c', mult, Ra)
              >> (E' = e + 7) is floor((acc_c' * mult + 2^30 + rnd * 2^31) / 2^(31 + e)): TFLM's SRDHM, rounding
              divide by 2^e and output offset in one multiply (mf_dw_requant's form scaled by 2^8); a negative
              accumulator takes Ra - 128 unless the activation clamps negatives (MF_NEG_CLAMPED).
    Group order: [Bm_a, Bs_a, Bm_b, Bs_b, m2_0, W_a, Ra_1, mult_1, m2_2, W_b, Ra_3, mult_3]; every group but the last
    has PW_MORE << 8 in W_b (the kernels test it once W_b is shifted right by 8) and bit 31 (the pw stream's kernels
    branch on the N flag of the ASRS that shifts W_b down; ASR reads a register's low byte only, so neither bit reaches a
    shift). None unless n % 4 == 0 and exact:
    every c' channel with |b_c'| + 128 * sum|w_c'| < 2^23, |Ra| + 128 < 2^30 (the SMMLA result fits int32) and
    E' <= 31."""
    n = w.shape[0]
    if n % 4:
        return None
    cols = rq.astype(np.int64).reshape(-1, 3, 2).transpose(1, 0, 2).reshape(3, -1)[:, :n]   # [b, m2, e'][channel]
    b, m2, ep = cols
    mult, e = (m2 + (1 << 32)) // 2, ep + 1
    hi = slice(1, None, 2)                                     # the c' channels: 1 and 3 of each group
    acc_hi = np.abs(b[hi]) + 128 * np.abs(w[hi].astype(np.int64)).sum(axis=1)
    ra = 64 + 128 * ((1 << (e[hi] - 1)) + out_zp * (1 << e[hi]))
    big_e = e[hi] + 7
    if (acc_hi >= 1 << 23).any() or (np.abs(ra) + 128 >= 1 << 30).any() or (big_e > 31).any():
        return None
    bm = b[0::2] + 256 * b[hi]
    bm = (bm + (1 << 31)) % (1 << 32) - (1 << 31)              # int32 wrap-around (ma - sa stays exact)
    g = n // 4
    more = np.zeros(g, np.int64)
    more[:-1] = PW_MORE << 8 | 1 << 31                          # bit 31: the pw stream's ASRS sets N (MF_DSP_PW_RQD_LAST)
    out = np.stack([bm[0::2], b[0::4], bm[1::2], b[2::4],
                    m2[0::4], ep[0::4] | big_e[0::2] << 8, ra[0::2], mult[1::4],
                    m2[2::4], ep[2::4] | big_e[1::2] << 8 | more, ra[1::2], mult[3::4]], axis=1)
    out[:, 9] = (out[:, 9] + (1 << 31)) % (1 << 32) - (1 << 31)   # as int32
    return out.astype(np.int64)


def group_stream(wmix: np.ndarray, consts: np.ndarray) -> np.ndarray:
    """Mixed 4-channel groups (mix_layout's bytes) each followed by its 12 constants (pw_consts) as little-endian
    int32: the pw stream (mf_conv2d_s8_pw, mf_dsp_rowpw_pair in runtime/dsp/mf_conv2d.h)."""
    c = consts.astype("<i4").view(np.int8).reshape(consts.shape[0], 48)
    return np.concatenate([wmix.reshape(consts.shape[0], -1), c], axis=1).reshape(-1)


def mix_layout(w: np.ndarray, min_win: int | None = None, max_win: int | None = None) -> np.ndarray | None:
    """[n_out][k] int8 weights as mf_conv2d_s8_mix reads them (runtime/dsp/mf_conv2d.h), or None when that
    kernel cannot take them. Rows padded with zeros to k4 = k rounded up to 4 and to a multiple of 4
    channels; per group of 4 channels and 4-byte chunk j of the window, four words A01, A23, B01, B23: word
    Acc' holds bytes (w_c[4j], w_c'[4j] - s, w_c[4j+2], w_c'[4j+2] - s'), B the same for 4j+1, 4j+3, where
    s = (w_c[k] < 0) so each halfword reads as the int16 256*w_c' + w_c. None when the padding exceeds
    MIX_MAX_PAD of the weights, k4 is outside [MIX_MIN_WIN, MIX_MAX_WIN], a stored byte would leave int8
    (w_c' = -128 over a negative w_c) or a c' row's sum |w| reaches 2^16 (its 256-fold sum must stay below 2^31)."""
    n, k = w.shape
    k4, n4 = (k + 3) & ~3, (n + 3) & ~3
    min_win = MIX_MIN_WIN if min_win is None else min_win   # read at call time (tests and callers may set them)
    max_win = MIX_MAX_WIN if max_win is None else max_win
    if not min_win <= k4 <= max_win or n4 * k4 - n * k > MIX_MAX_PAD * n * k:
        return None
    wp = np.zeros((n4, k4), np.int64)
    wp[:n, :k] = w
    lo, hi = wp[0::2], wp[1::2]                      # c and c' of each pair
    if (np.abs(hi).sum(axis=1) >= 1 << 16).any():
        return None
    hi = hi - (lo < 0)
    if (hi < -128).any():
        return None
    pairs = np.stack([lo, hi], axis=-1)              # [n4/2][k4][2]: bytes (w_c, w_c') per window byte
    # [group][pair in group][chunk j][byte 0..3 of the chunk][c, c'] -> [group][chunk][ev/od][pair][lane k, k+2][c, c']
    g = pairs.reshape(n4 // 4, 2, k4 // 4, 2, 2, 2)  # chunk bytes 4j + 2*lane + parity
    g = g.transpose(0, 2, 4, 1, 3, 5)
    return g.reshape(-1).astype(np.int8)


def row_strip(fields: dict, rows: int | None = None) -> int:
    """Outputs per strip of mf_conv2d_s8_rowmix (MF_CONV2D_ROW_STRIP): the even count whose row entries
    (rows * in_c int16 values per input column; rows = k_h unless given) and 8 spare bytes fit ROW_BYTES."""
    e = (fields["k_h"] if rows is None else rows) * fields["in_c"]
    return (((ROW_BYTES - 8) // (2 * e) - fields["k_w"]) // fields["stride_w"] + 1) & ~1


def rmix_pass8(nw: int) -> int:
    """MF_RMIX_PASS8 (runtime/dsp/mf_conv2d.h): eights of words a row-entry window pass takes."""
    return 3 if nw % 24 == 0 else 2 if nw % 16 == 0 else 1


def row_two(fields: dict, core_macro: str) -> bool:
    """Whether a mix = 6 layer's shape lets mf_conv2d_s8_rowmix build one set of entries for two output rows (mix = 8,
    runtime/dsp/mf_conv2d.h): off the M7 (its window schedule has no gaps), two output rows or more (an odd count's
    last on entries of two rows still widens fewer values than one row at a time), an even number of output columns,
    a window pass of exactly one entry's window part (k_h * in_c values = 16 * MF_RMIX_PASS8 words) and a pass step
    (entries of k_h + stride_h rows) within LDR's 8-bit pre-index. emit also needs one strip or input and output apart."""
    kh, kw, ic, sh = fields["k_h"], fields["k_w"], fields["in_c"], fields["stride_h"]
    return (core_macro != "MF_TARGET_M7" and fields["mix"] == 6 and fields["out_h"] >= 2
            and fields["out_w"] % 2 == 0 and kh * ic == 16 * rmix_pass8(kw * kh * ic // 2) and 2 * (kh + sh) * ic <= 255)


def _apart(op: Op, ctx) -> bool:
    """Whether a conv's input and output bytes never meet: a row pipeline's band call with a window on one side
    (op.options["disjoint"], set by ops/row_pipeline.py), or both at known places (EmitContext.place) that don't overlap."""
    if op.options.get("disjoint"):
        return True
    x, y = op.inputs[0], op.outputs[0]
    xa, ya = ctx.place(x), ctx.place(y)
    if xa is None or ya is None:
        return False
    return xa[0] != ya[0] or ya[1] + y.nbytes <= xa[1] or xa[1] + x.nbytes <= ya[1]


def row_bytes(fields: dict) -> int:
    """Scratch bytes mf_conv2d_s8_rowmix uses: the widest strip's entries (an odd last pixel's neighbour
    included) and 8 spare bytes, rounded up to words; entries of k_h rows, k_h + stride_h with mix = 8."""
    rows = fields["k_h"] + (fields["stride_h"] if fields["mix"] == 8 else 0)
    n = min(row_strip(fields, rows), (fields["out_w"] + 1) & ~1)
    nx = (n - 1) * fields["stride_w"] + fields["k_w"]
    return (2 * nx * rows * fields["in_c"] + 8 + 3) & ~3


def row_mix_layout(w: np.ndarray, fields: dict) -> np.ndarray | None:
    """[out_c][k_h][k_w][in_c] int8 weights as mf_conv2d_s8_rowmix reads them (runtime/dsp/mf_conv2d.h), or
    None when that kernel does not take the layer (1x1, dilated, stride_w * k_h * in_c odd, or a strip of two
    outputs would not fit ROW_BYTES). The window in the row entries' order (kx, ky, c), zero padded to
    k4 = k rounded up to 4, each 4 values (t0, t1, t2, t3) reordered (t0, t2, t1, t3) so that mix_layout's
    words A, B pair the input words (t0, t1), (t2, t3): per group and input word i, A01 at 8i, A23 at 8i + 4.
    Only called for layers mix_layout takes (its padding and range checks hold for the permuted window)."""
    oc, kh, kw, ic = w.shape
    if kh * kw == 1 or fields["dil_h"] != 1 or fields["dil_w"] != 1 or (fields["stride_w"] * kh * ic) % 2:
        return None
    if ic % ROW_IC_MULTIPLE:
        return None
    if row_strip(fields) < 2:
        return None
    k = kh * kw * ic
    k4 = (k + 3) & ~3
    wp = np.zeros((oc, k4), np.int64)
    wp[:, :k] = w.astype(np.int64).transpose(0, 2, 1, 3).reshape(oc, k)
    if ic % 4:   # entries in order: words (t0, t1), (t2, t3); else widened as (t0, t2), (t1, t3), mix_layout's own order
        wp = wp[:, np.arange(k4).reshape(-1, 4)[:, [0, 2, 1, 3]].reshape(-1)]
    return mix_layout(wp)


# First layers (non-1x1, in_c % ROW_IC_MULTIPLE != 0: in_c 1, 3) on widened input rows (mf_conv2d_s8_seg, mix = 5):
# the widened rows' budget, bytes (mirrors MF_CONV2D_SEG_BYTES in runtime/dsp/mf_conv2d.h), and the most window words
# (seg_words: 2 values a word) the kernel's unrolled pixel-pair block takes (code size).
SEG_BYTES = 1024
SEG_MAX_WORDS = 40


def seg_copies(fields: dict) -> int:
    """Copies of the widened rows mf_conv2d_s8_seg keeps (MF_CONV2D_SEG_COPIES): two when stride_w * in_c is odd
    (odd outputs' segments start one value past a word: they read a copy widened one value further on)."""
    return (fields["stride_w"] * fields["in_c"]) % 2 + 1


def seg_row(n: int, fields: dict) -> int:
    """int16 values per widened row of a strip of n outputs (MF_CONV2D_SEG_ROW): its columns, a spare value for a
    last odd row's second value and one for the shifted copy, rounded down to words."""
    return ((((n - 1) * fields["stride_w"] + fields["k_w"]) * fields["in_c"] + 3) & ~1)


def seg_cols(fields: dict) -> bool:
    """mf_conv2d_s8_seg's column layout (MF_CONV2D_SEG_COLS): in_c 1, k_h even, stride_h 2 (kws' first layer). Each
    input column of a strip widened into its stride_h + k_h rows (seg_col values), a window's words go down its k_w
    column segments, and a row pair's pixel 1 reads pixel 0's words one word further on: the M4/M33 window loads
    each shared word once."""
    return fields["in_c"] == 1 and fields["k_h"] % 2 == 0 and fields["stride_h"] == 2


def seg_col(fields: dict) -> int:
    """int16 values per widened column of the column layout (MF_CONV2D_SEG_COL): the row pair's stride_h + k_h rows."""
    return fields["stride_h"] + fields["k_h"]


def seg_strip(fields: dict) -> int:
    """Outputs per strip of mf_conv2d_s8_seg (MF_CONV2D_SEG_STRIP): the most whose widened rows (stride_h + k_h per
    copy: an output row pair's) fit SEG_BYTES, at most out_w; in the column layout the most whose n * stride_w + k_w
    columns (one output more: a lone row's last neighbour) fit."""
    if seg_cols(fields):
        n = (SEG_BYTES // (2 * seg_col(fields)) - fields["k_w"]) // fields["stride_w"]
        return min(n, fields["out_w"])
    r = SEG_BYTES // (2 * seg_copies(fields) * (fields["stride_h"] + fields["k_h"]))
    n = ((r - 3) // fields["in_c"] - fields["k_w"]) // fields["stride_w"] + 1
    return min(n, fields["out_w"])


def seg_bytes(fields: dict) -> int:
    """Scratch bytes mf_conv2d_s8_seg uses (MF_CONV2D_SEG_SCRATCH_BYTES): stride_h + k_h widened rows per copy of a
    strip (or its columns in the column layout), then spare bytes (MF_CONV2D_SEG_SPARE): an output row (staged) when a
    row takes several strips, else out_c (a lone last row's unstored neighbour), rounded up to words."""
    n = seg_strip(fields)
    if seg_cols(fields):
        rows = 2 * (n * fields["stride_w"] + fields["k_w"]) * seg_col(fields)
    else:
        rows = 2 * seg_copies(fields) * (fields["stride_h"] + fields["k_h"]) * seg_row(n, fields)
    return rows + (((fields["out_w"] if n < fields["out_w"] else 1) * fields["out_c"] + 3) & ~3)


def seg_words(kh: int, kw: int, ic: int) -> int:
    """Input words of mf_conv2d_s8_seg's window (MF_DSP_SEG_WINDOW): per row its k_w * in_c // 2 whole words and, when
    k_w * in_c is odd, the rows' last values two to a word (a last odd row's with a zero weight)."""
    return kh * (kw * ic // 2) + (kh + 1) // 2 * (kw * ic % 2)


def seg_layout(w: np.ndarray, fields: dict) -> np.ndarray | None:
    """[out_c][k_h][k_w][in_c] int8 weights as mf_conv2d_s8_seg reads them (runtime/dsp/mf_conv2d.h), or None when
    that kernel does not take the layer (1x1, dilated, in_c a multiple of ROW_IC_MULTIPLE (the row entries take
    those), more than SEG_MAX_WORDS window words, strips of fewer than 2 outputs, offsets
    past the immediates' 4095 bytes,
    or weights mix_layout refuses). The window's values in the kernel's word order (seg_words): per row ky its
    first 2 * (k_w * in_c // 2) values ((kx, c) order), then, for odd k_w * in_c, the rows' last values in pairs
    (ky, ky + 1) and a last odd row's with a zero; per 4-channel group and input word i words A01 at 8i and A23 at
    8i + 4 (mix_layout's words on the values permuted (t0, t2, t1, t3) per 4, as row_mix_layout's in-order
    entries): 8 * seg_words bytes per group. In the column layout (seg_cols) the same on the kernel's columns: per kx
    its k_h values, k_h / 2 words."""
    oc, kh, kw, ic = w.shape
    if kh * kw == 1 or fields["dil_h"] != 1 or fields["dil_w"] != 1 or ic % ROW_IC_MULTIPLE == 0:
        return None
    words = seg_words(kh, kw, ic)
    n = seg_strip(fields)
    if words > SEG_MAX_WORDS or n < 2:                              # one output row pairs neighbours in a strip
        return None
    if seg_cols(fields):   # the window's rows are its columns (k_h values each), pixel 1 a word or stride_w columns on
        rs = 2 * seg_col(fields)                                    # bytes per widened column
        d = max(2 * fields["stride_h"], fields["stride_w"] * rs)
        w, kh, kw = w.transpose(0, 2, 1, 3), kw, kh                # in_c 1: [out_c][k_w][k_h][1]
        words = seg_words(kh, kw, ic)
    else:
        rs = 2 * seg_row(n, fields)                                 # bytes per widened row
        rows = fields["stride_h"] + kh
        d = max(fields["stride_h"] * rs, (seg_copies(fields) - 1) * rows * rs + 2 * fields["stride_w"] * ic + 2)
    if d + (kh - 1) * rs + 2 * kw * ic > 4095:                      # pixel 1's last word
        return None
    r = w.astype(np.int64).reshape(oc, kh, kw * ic)
    nf = kw * ic // 2
    last = r[:, :, 2 * nf:].reshape(oc, -1)                         # the rows' last values (none when even)
    last = np.concatenate([last, np.zeros((oc, last.shape[1] % 2), np.int64)], axis=1)
    k4 = (2 * words + 3) & ~3
    wp = np.concatenate([r[:, :, :2 * nf].reshape(oc, -1), last, np.zeros((oc, k4 - 2 * words), np.int64)], axis=1)
    wp = wp[:, np.arange(k4).reshape(-1, 4)[:, [0, 2, 1, 3]].reshape(-1)]
    wmix = mix_layout(wp, min_win=0, max_win=k4)
    if wmix is None:
        return None
    return wmix.reshape(-1, 4 * k4)[:, :8 * words].reshape(-1)


def seg_stream(wseg: np.ndarray, rq: np.ndarray, consts: np.ndarray | None = None) -> np.ndarray:
    """mf_conv2d_s8_seg's stream (runtime/dsp/mf_dsp_seg_rows): per 4-channel group its seg_layout bytes, then its 12
    constants as little-endian int32, so one pointer reaches both (the group's start values load with its first
    words): with out_c % 4 == 0 pw_consts' (`consts`, mf_dsp_seg_groups' requantisation), else dsp_rq_layout's rq
    (out_c padded to 4 channels: two pairs of bias[2], m2[2], -shift-1[2]). Same bytes as the weights and rq apart."""
    if consts is not None:
        return group_stream(wseg, consts)
    rq = rq.astype(np.int64).reshape(-1, 12).copy()
    if rq.shape[0] > 1:
        rq[:-1, 11] |= PW_MORE   # channel 3's -shift-1 of every group but the last: mf_dsp_seg_groups' loop condition
    consts = rq.astype("<i4").view(np.int8).reshape(-1, 48)
    return np.concatenate([wseg.reshape(consts.shape[0], -1), consts], axis=1).reshape(-1)


def dsp_rq_fields(op: Op, ctx, w: np.ndarray, bias: np.ndarray, mult: np.ndarray, shift: np.ndarray, out_zp: int,
                  lo: int, hi: int) -> dict:
    """Params fields for the DSP conv/FC kernels: rq_mode 1 + rq when the fast requantisation is exact
    (bias/mult/shift then unused), else rq_mode 0 and the plain arrays."""
    rq = dsp_rq_layout(w, bias, mult, shift, out_zp, lo, hi)
    if rq is None:
        return dict(bias=ctx.const(f"{op.name}_bias", bias), mult=ctx.const(f"{op.name}_mult", mult),
                    shift=ctx.const(f"{op.name}_shift", shift), rq_mode=0, rq="0")
    return dict(bias="0", mult="0", shift="0", rq_mode=1, rq=ctx.const(f"{op.name}_rq", rq))


def m0_groups(n: int) -> tuple[int, int]:
    """(channel triples, channel pairs) mf_conv2d_s8_m0 runs for n output channels, in that order, then a lone
    last channel when n == 1: n % 3 == 2 leaves one pair, n % 3 == 1 two (a lone channel's loop is the slow one)."""
    if n % 3 == 1 and n >= 4:
        return (n - 4) // 3, 2
    return n // 3, (n % 3) // 2


def m0_pair_layout(w: np.ndarray) -> np.ndarray:
    """[n_out][k] int8 weights as runtime/portable mf_conv2d_s8_m0 reads them: w + 128 as uint8, k padded with
    zero weights to a multiple of 4 (the kernel's 4-step loop then needs no tail; the windows' padded entries
    are 0); the rows in groups of m0_groups (triples, then pairs, then a lone row), each group's bytes side by side
    per k (row 3q, 3q+1, 3q+2 / row 2q, 2q+1). Same byte count as the weights (plus the k padding)."""
    w = np.pad(w, ((0, 0), (0, -w.shape[1] % 4)))
    n, k = w.shape
    u = (w.astype(np.int16) + 128).astype(np.uint8)
    n3, n2 = m0_groups(n)
    parts, r = [], 0
    for size, count in ((3, n3), (2, n2), (1, n - 3 * n3 - 2 * n2)):
        parts.append(u[r:r + size * count].reshape(count, size, k).transpose(0, 2, 1).reshape(-1))
        r += size * count
    return np.concatenate(parts).astype(np.uint8)
    q = n // 2
    pairs = u[:2 * q].reshape(q, 2, k).transpose(0, 2, 1).reshape(-1)
    return np.concatenate([pairs, u[2 * q:].reshape(-1)]).astype(np.uint8)


# ---- Winograd F(2x2, 3x3) (mix = 9, runtime/dsp/mf_conv2d_wino.h) ---------------------------------------------------
# Stride-1 3x3 convolutions as 2x2 output tiles from 4x4 input patches: 16 products per (tile, in channel, out channel)
# instead of 36, exact in integers. With G2 = [[1,0,0],[1,1,1],[1,-1,1],[0,0,1]] (2G on its middle rows: no halves),
# U = G2 w G2^T (|U| <= 9 * 128), V = B^T d B on the raw int8 patch d (padded taps hold the input zero point, which the
# folded bias cancels as in the direct paths; |V| <= 4 * 128) and M = sum over in channels of U .* V, the direct sum is
# Y = A2^T M A2 / 4 with A2^T = [[2,1,1,0],[0,1,-1,-2]] (2 A^T D, D = diag(1, 1/2, 1/2, 1) the halves G2 left out).
WINO_G2 = np.array([[1, 0, 0], [1, 1, 1], [1, -1, 1], [0, 0, 1]], np.int64)
WINO_BT = np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], np.int64)
WINO_A2T = np.array([[2, 1, 1, 0], [0, 1, -1, -2]], np.int64)
WINO_V_MAX = 512          # |V| <= 4 * 128: each entry of B^T d B sums four +-d
# Tiles per GEMM group (mf_wino_gemm: 4 tiles x 2 out channels in 8 accumulators), and the stack bytes a Winograd call
# may take (its M block and the U halves the free room does not hold): the bound the row-entry paths' scratch has
# (ROW_BYTES), so the layer adds no RAM where those ran. Mirrors MF_WINO_GROUP in runtime/dsp/mf_conv2d_wino.h.
WINO_GROUP = 4
WINO_MAX_STACK = ROW_BYTES
WINO_CORES = ("MF_TARGET_M4", "MF_TARGET_M7", "MF_TARGET_M33")
# in_c at most this: the pad value's in_c bytes a V build reads for padded taps lie in the 512-byte M block
WINO_MAX_IC = 16 * 2 * WINO_GROUP * 4


# A row pipeline whose band calls would run a layer on the Winograd path gets a scratch buffer for that layer's whole U
# (every out-channel pair's, built once per band call: mf_conv2d_s8_wino's resident mode) when the U is at most this
# many bytes: in a band call's V chunks of 4 tiles (V on the stack) the per-chunk U rebuilds otherwise cost more than
# Winograd saves (ic ops 1-3, 16 -> 16 channels: U 8 KB). It adds its bytes to the pipeline's step (RAM for cycles;
# `--wino-u off` leaves it out).
WINO_RESIDENT_MAX = 8192


def wino_u_bytes(in_c: int, out_c: int) -> int:
    """Bytes of a layer's whole U (mf_conv2d_s8_wino's resident mode): 64 * in_c per out-channel pair (a lone last
    channel takes a pair's room)."""
    return 64 * in_c * ((out_c + 1) // 2)


def wino_resident_pairs(in_c: int, out_c: int, nbytes: int) -> int:
    """Out-channel pairs whose U a resident-U buffer of nbytes holds (mf_conv2d_s8_wino's nr): all of them when the
    whole U fits, else as many as leave room for the halves the others are rebuilt into (0: not resident)."""
    pair = 64 * in_c
    return (out_c + 1) // 2 if nbytes >= wino_u_bytes(in_c, out_c) else max(0, nbytes // pair - 1)


def wino_u(w: np.ndarray) -> np.ndarray:
    """[out_c][3][3][in_c] int8 weights -> U = G2 w G2^T per (out_c, in_c): [out_c][in_c][4][4] int64."""
    g = w.astype(np.int64).transpose(0, 3, 1, 2)                      # [oc][ic][ky][kx]
    return np.einsum("ia,ocab,jb->ocij", WINO_G2, g, WINO_G2)


def wino_bound_ok(w: np.ndarray) -> bool:
    """Whether every int32 value of the Winograd path stays below 2^31 for any int8 input: per out channel, the sum over
    in channels and the 16 transform positions of |U| * WINO_V_MAX times the largest |A2| coefficient product (4) bounds
    each GEMM accumulator (M), each partial sum of the output transform and the 4 * acc it returns."""
    bound = 4 * WINO_V_MAX * np.abs(wino_u(w)).sum(axis=(1, 2, 3))
    return bool((bound < (1 << 31)).all())


def wino_reference(x: np.ndarray, w: np.ndarray, pad_t: int, pad_l: int, pad_value: int, out_h: int,
                   out_w: int) -> np.ndarray:
    """The Winograd path's integer arithmetic in numpy: sum_{ky,kx,c} w * x_raw per output (padded taps pad_value), as
    the kernel computes it (tiles, U, V, M, A2), for out_w even; an odd out_h's last tile row keeps its top row (its
    bottom row reads padding past the input). x: [n][h][w][in_c] int8; -> [n][out_h][out_w][oc]."""
    n, h, wd, ic = x.shape
    rows_out, out_h = out_h, out_h + out_h % 2
    xp = np.full((n, out_h + 2, out_w + 2, ic), pad_value, np.int64)
    y0, x0 = max(0, -pad_t), max(0, -pad_l)                            # (no negative pads from TFLite; kept general)
    rows = min(h, out_h + 2 - pad_t)
    cols = min(wd, out_w + 2 - pad_l)
    xp[:, pad_t + y0:pad_t + rows, pad_l + x0:pad_l + cols] = x[:, y0:rows, x0:cols]
    u = wino_u(w)                                                      # [oc][ic][4][4]
    out = np.zeros((n, out_h, out_w, w.shape[0]), np.int64)
    for ty in range(out_h // 2):
        for tx in range(out_w // 2):
            d = xp[:, 2 * ty:2 * ty + 4, 2 * tx:2 * tx + 4].transpose(0, 3, 1, 2)   # [n][ic][4][4]
            v = np.einsum("ia,ncab,jb->ncij", WINO_BT, d, WINO_BT)
            assert np.abs(v).max() <= WINO_V_MAX
            m = np.einsum("ocij,ncij->noij", u, v)
            y4 = np.einsum("ai,noij,bj->noab", WINO_A2T, m, WINO_A2T)
            assert (y4 % 4 == 0).all()
            out[:, 2 * ty:2 * ty + 2, 2 * tx:2 * tx + 2] = (y4 >> 2).transpose(0, 2, 3, 1)
    return out[:, :rows_out]


def wino_plan(fields: dict, room: list[tuple[str, int, int]], resident: bool = False) -> dict | None:
    """Where mf_conv2d_s8_wino's buffers go, or None when they don't fit: V for a chunk of nt tiles (nt a multiple of
    WINO_GROUP, at most the layer's tiles rounded up; nt * in_c * 32 bytes) in one run of the layer's free arena room,
    and the two halves of U (transform positions 0-7 and 8-15 of an out-channel pair, 32 * in_c bytes each) in what the
    room has left or on the stack, with the 512-byte M block, within WINO_MAX_STACK; V too on the stack when no run
    holds it. The largest nt wins: U is rebuilt once per chunk. Returns dict(nt, v=(arena, offset) or None (stack),
    u=[(arena, offset) or None (stack)] * 2, stack=bytes). resident: U lies elsewhere (a row pipeline's resident-U
    scratch), u is empty."""
    ic = fields["in_c"]
    tiles = fields["batches"] * ((fields["out_h"] + 1) // 2) * (fields["out_w"] // 2)
    half = 32 * ic
    mblock = 16 * 2 * WINO_GROUP * 4
    for nt in range((tiles + WINO_GROUP - 1) // WINO_GROUP * WINO_GROUP, 0, -WINO_GROUP):
        vbytes = nt * ic * 32
        # V in a run of the room, else (a row pipeline's band: little room, few tiles) on the stack with the rest
        for i, (arena, start, size) in [*enumerate(room), (None, (None, 0, vbytes))]:
            at = (start + 3) & ~3
            if at + vbytes > start + size:
                continue
            runs = [(a, (s + 3) & ~3, s + z) for j, (a, s, z) in enumerate(room) if j != i]
            if arena is not None:
                runs.append((arena, at + vbytes, start + size))
            u = []
            for _ in range(0 if resident else 2):
                for k, (a, s, e) in enumerate(runs):
                    if s + half <= e:
                        u.append((a, s))
                        runs[k] = (a, s + half, e)
                        break
                else:
                    u.append(None)
            stack = mblock + half * sum(x is None for x in u) + (vbytes if arena is None else 0)
            if stack <= WINO_MAX_STACK:
                return dict(nt=nt, v=None if arena is None else (arena, at), u=u, stack=stack)
    return None
