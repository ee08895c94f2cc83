"""FULLY_CONNECTED: int8 input, int8 per-tensor or per-channel weights, optional int32 bias; or 16x8 (int16, int64/int32 bias)."""
from __future__ import annotations

import numpy as np

from ..ir import DType, Op, OpType
from ._requant import (expect_s16_shift, expect_supported_weight_rescale, act_clamp, fc_multipliers, folded_bias, rq_e_table,
                       s16_bias, s16_narrow)
from .conv2d import M0_MAX_SCRATCH, MIX_MAX_PAD, dsp_rq_fields, dsp_rq_layout
from .base import OpDef, is_int16, expect_arity, expect_const, expect_dtype, expect_quant, expect_rank, fail


class FullyConnected(OpDef):
    type = OpType.FULLY_CONNECTED
    kernel_headers = ("mf_fully_connected.h",)
    int16_headers = ("mf_s16_params.h", "mf_fully_connected_s16.h")

    def check(self, op: Op) -> None:
        expect_arity(op, (2, 3))
        x = expect_dtype(op, op.inputs[0], "input", DType.INT8, DType.INT16)
        w = expect_dtype(op, expect_const(op, op.inputs[1], "weights"), "weights", DType.INT8)
        y = expect_dtype(op, op.outputs[0], "output", x.dtype)
        b = op.inputs[2] if len(op.inputs) > 2 else None
        if b is not None:
            expect_dtype(op, expect_const(op, b, "bias"), "bias", *((DType.INT64, DType.INT32) if is_int16(op) else (DType.INT32,)))
        expect_quant(op, x, "input")
        expect_quant(op, y, "output")
        expect_quant(op, w, "weights", per_tensor=False)
        expect_rank(op, w, 2, "weights")
        if op.options.get("weights_format", 0) != 0:
            raise fail(op, "shuffled weights format is not supported", "export with the default weights format")
        if w.quant.per_channel and w.quant.axis != 0:
            raise fail(op, f"weights quantised along axis {w.quant.axis}; only per-output-channel (axis 0) is supported")
        if any(w.quant.zero_point != 0):
            raise fail(op, "weight zero points must be 0 (symmetric int8 weights)")
        n_out, n_in = w.shape
        if x.num_elements % n_in:
            raise fail(op, f"input has {x.num_elements} elements, not a multiple of the {n_in} weights per output")
        batches = x.num_elements // n_in
        if y.num_elements != batches * n_out or y.shape[-1] != n_out:
            raise fail(op, f"output shape {list(y.shape)} does not match {batches} x {n_out}", "the model is malformed; re-export it")
        if b is not None and b.num_elements != n_out:
            raise fail(op, f"bias has {b.num_elements} elements, expected {n_out}")
        expect_supported_weight_rescale(op, x, w, y)
        act_clamp(op, y)
        if is_int16(op):
            expect_s16_shift(op, fc_multipliers(x, w, y, n_out)[1], s16_bias(op, b, n_out)[1])

    def macs(self, op: Op) -> int:
        return op.outputs[0].num_elements * op.inputs[1].shape[1]

    def emit(self, op: Op, ctx) -> str:
        if is_int16(op):
            return self._emit_s16(op, ctx)
        x, w, y = op.inputs[0], op.inputs[1], op.outputs[0]
        b = op.inputs[2] if len(op.inputs) > 2 else None
        n_out, n_in = w.shape
        mult, shift = fc_multipliers(x, w, y, n_out)
        lo, hi = act_clamp(op, y)
        bias = folded_bias(b, w.data.astype(int).sum(axis=1), x.quant.zp)
        per_channel = int(len(mult) > 1)
        fields = dict(
            batches=x.num_elements // n_in, in_features=n_in, out_features=n_out,
            out_offset=y.quant.zp, act_min=lo, act_max=hi, per_channel=per_channel)
        if "dsp" in ctx.kernel_variants:  # runtime/dsp: fast exact requantisation constants when possible
            if not per_channel and not np.abs(w.data.reshape(n_out, -1)).sum(axis=1).all():
                # an all-zero (pruned) row gets its own exact constants from dsp_rq_layout: per channel then
                mult, shift = np.repeat(mult, n_out), np.repeat(shift, n_out)
                fields["per_channel"] = per_channel = 1
            rq = dsp_rq_layout(w.data.reshape(n_out, -1), bias, mult, shift, y.quant.zp, lo, hi)
            # one input vector: mixed 8-row groups (fc_mix_layout) when they take the weights, else 4-row groups
            # (same bytes, reordered), so a pass reads 4 rows back to back
            one = fields["batches"] == 1 and rq is not None
            rq_bias = rq.reshape(-1, 3, 2)[:, 0].reshape(-1)[:n_out] if one else None   # pruned rows re-expressed
            wmix = fc_mix_layout(w.data.reshape(n_out, n_in), rq_bias) if one else None
            fields["mix"] = int(wmix is not None)
            fields["grouped"] = int(one and wmix is None)
            if wmix is None:
                fields.update(dsp_rq_fields(op, ctx, w.data.reshape(n_out, -1), bias, mult, shift, y.quant.zp, lo, hi))
            else:
                seg = fc_mix_segments(w.data.reshape(n_out, n_in), rq_bias)
                one = seg == ((n_in + 3) & ~3) // 4
                fields.update(rq_mode=1, bias="0", mult="0", shift="0", m2=int(rq[2]), em1=int(rq[4]), mix_seg=seg,
                              rq=ctx.const(f"{op.name}_rq", fc_mix_rq_layout(rq, n_out, per_channel, one)))
                fields["weights"] = ctx.const(f"{op.name}_mix", wmix)
                p = ctx.params("mf_fully_connected_params_t", fields)
                steps = ((n_in + 3) & ~3) // 4
                # x16: the input as int16 pairs, a sentinel after each segment, and the end marker after the last
                words = 2 * steps + steps // seg + 1
                return f"{{ int32_t x16[{words}]; mf_fully_connected_s8_mix(&{p}, {ctx.ptr(x)}, {ctx.ptr(y)}, x16); }}"
            fields["weights"] = (ctx.const(f"{op.name}_grouped", fc_group_layout(w.data.reshape(n_out, n_in)))
                                 if fields["grouped"] else ctx.const(w))
        elif 4 * n_in <= M0_MAX_SCRATCH:  # runtime/portable's quad path: the input vector widened on the stack
            rq = rq_e_table(w.data.reshape(n_out, n_in), bias, mult, shift, y.quant.zp)
            fields.update(weights="0", wq4=ctx.const(f"{op.name}_wq4", m0_quad_layout(w.data.reshape(n_out, n_in))),
                          bias=ctx.const(f"{op.name}_bias", bias))
            if rq is not None:  # m, e, rnd per multiplier (once per tensor); only what the kernel reads is registered
                fields.update(mult="0", shift="0", rqe=ctx.const(f"{op.name}_rqe", rq[:len(mult), 1:].reshape(-1)))
            else:
                fields.update(mult=ctx.const(f"{op.name}_mult", mult), shift=ctx.const(f"{op.name}_shift", shift), rqe="0")
            p = ctx.params("mf_fully_connected_params_t", fields)
            return f"{{ int32_t scratch[{n_in}]; mf_fully_connected_s8_m0(&{p}, {ctx.ptr(x)}, {ctx.ptr(y)}, scratch); }}"
        else:
            fields.update(weights=ctx.const(w), bias=ctx.const(f"{op.name}_bias", bias),
                          mult=ctx.const(f"{op.name}_mult", mult), shift=ctx.const(f"{op.name}_shift", shift))
        p = ctx.params("mf_fully_connected_params_t", fields)
        return f"mf_fully_connected_s8(&{p}, {ctx.ptr(x)}, {ctx.ptr(y)});"

    def _emit_s16(self, op: Op, ctx) -> str:
        """16x8: runtime/portable/mf_fully_connected_s16.h on every target (no zero points, no DSP variant)."""
        x, w, y = op.inputs[0], op.inputs[1], op.outputs[0]
        n_out, n_in = w.shape
        mult, shift = fc_multipliers(x, w, y, n_out)
        lo, hi = act_clamp(op, y)
        bias, bias64 = s16_bias(op, op.inputs[2] if len(op.inputs) > 2 else None, n_out)
        p = ctx.params("mf_fully_connected_s16_params_t", dict(
            batches=x.num_elements // n_in, in_features=n_in, out_features=n_out, act_min=lo, act_max=hi,
            per_channel=int(len(mult) > 1), bias64=bias64, narrow=s16_narrow(w.data), weights=ctx.const(w),
            bias=ctx.const(f"{op.name}_bias", bias), mult=ctx.const(f"{op.name}_mult", mult),
            shift=ctx.const(f"{op.name}_shift", shift)))
        return f"mf_fully_connected_s16(&{p}, {ctx.ptr(x)}, {ctx.ptr(y)});"


def fc_group_layout(w: np.ndarray) -> np.ndarray:
    """[n_out][n] int8 weights as runtime/dsp mf_dsp_fc_grouped reads them (same bytes, reordered): per group
    of 4 rows, the rows' 4-byte chunks of the n & ~3 leading columns side by side, then the 4 rows' last
    n & 3 columns row after row; the n_out % 4 rows left over in plain order."""
    n_out, n = w.shape
    q, n4 = n_out // 4, n & ~3
    g = w[:4 * q].reshape(q, 4, n)
    body = g[:, :, :n4].reshape(q, 4, n4 // 4, 4).transpose(0, 2, 1, 3).reshape(q, 4 * n4)
    tail = g[:, :, n4:].reshape(q, 4 * (n - n4))
    return np.concatenate([np.concatenate([body, tail], axis=1).reshape(-1), w[4 * q:].reshape(-1)]).astype(np.int8)


MIX_SEG_LIMIT = 1 << 16   # fc_mix_segments: a c' row's sum |w| per segment stays below this (tests lower it)
# fc_mix_layout: fewest 8-row groups worth the per-call sign extension of the input. One: since a per-tensor group runs
# as one asm block, a single group pays (ad's 128->8 layer: 1,566 M4 / 708 M7 cycles mixed, 1,697 / 841 in 4-row
# groups; kws's 64->12 1,348 / 628 against 1,372 / 676, ic's 64->10 1,166 / 546 against 1,232 / 599).
MIX_MIN_GROUPS = 1


def fc_mix_layout(w: np.ndarray, bias: np.ndarray | None = None) -> np.ndarray | None:
    """[n_out][n] int8 weights as runtime/dsp mf_fully_connected_s8_mix reads them, or None when that kernel
    cannot take them (then the 4-row groups). Rows go in groups of 8 (4 pairs c = 2p, c' = 2p + 1), inputs padded
    with zero weights to k4 = n rounded up to 4; per group and 4-byte input chunk j, eight words
    A01 A23 A45 A67 B01 B23 B45 B67: A of pair p holds bytes (w_c[4j], w_c'[4j] - s, w_c[4j+2], w_c'[4j+2] - s')
    with s = (w_c[k] < 0), so its halfwords read as int16 are exactly 256*w_c' + w_c (inputs 4j, 4j+2); B the same
    for inputs 4j+1, 4j+3. The n_out % 8 rows left over follow in plain [r][n] order. None when there are fewer
    than MIX_MIN_GROUPS groups, the padding exceeds MIX_MAX_PAD of the weights, a stored byte would leave int8 (w_c' = -128 over
    a negative w_c) or fc_mix_segments finds no split of the inputs."""
    n_out, n = w.shape
    q, k4 = n_out // 8, (n + 3) & ~3
    if q < max(MIX_MIN_GROUPS, 1) or 8 * q * (k4 - n) > MIX_MAX_PAD * n_out * n:
        return None
    wp = np.zeros((8 * q, k4), np.int64)
    wp[:, :n] = w[:8 * q]
    lo, hi = wp[0::2], wp[1::2]
    if fc_mix_segments(w, bias) is None:
        return None
    hi = hi - (lo < 0)
    if (hi < -128).any():
        return None
    pairs = np.stack([lo, hi], axis=-1)                  # [4q][k4][2]
    # [group][pair p][chunk j][byte 4j + 2*lane + parity][c, c'] -> [group][chunk][parity A/B][pair][lane][c, c']
    g = pairs.reshape(q, 4, k4 // 4, 2, 2, 2).transpose(0, 2, 4, 1, 3, 5)
    return np.concatenate([g.reshape(-1), w[8 * q:].astype(np.int64).reshape(-1)]).astype(np.int8)


def fc_mix_rq_layout(rq: np.ndarray, n_out: int, per_channel: int, one_segment: bool = False) -> np.ndarray:
    """mf_fully_connected_s8_mix's requantisation constants from dsp_rq_layout's pairs (bias[2], m2[2], e[2] per
    channel pair): per 8-row group the biases of rows 0, 2, 4, 6 (the pairs' c rows, where s starts) then those of
    rows 1, 3, 5, 7 (c'; with one_segment, a layer whose k loop is one segment, the c' row's m start instead:
    b_c + 256*b_c' wrapped to int32, so that m - s = 256 * c''s accumulator), and per channel only the m2 and then
    the e of the eight rows in that order; per tensor m2 and e are the params' (no copy per channel: 4 bytes per
    channel, as the .tflite's bias). The n_out % 8 rows left over keep the pair layout (mf_dsp_matmul_rows_fast
    reads it)."""
    q = n_out // 8
    cols = rq[:24 * q].astype(np.int64).reshape(q, 4, 3, 2)          # [group][pair][bias, m2, e][c, c']
    order = cols.transpose(0, 2, 3, 1).reshape(q, 3, 8).copy()     # [group][bias, m2, e][c rows, then c' rows]
    if one_segment:
        start = order[:, 0, :4] + 256 * order[:, 0, 4:]
        order[:, 0, 4:] = (start + (1 << 31)) % (1 << 32) - (1 << 31)
    groups = order if per_channel else order[:, :1]
    return np.concatenate([groups.reshape(-1), rq[24 * q:].astype(np.int64)]).astype(np.int32)


def fc_mix_segments(w: np.ndarray, bias: np.ndarray | None = None) -> int | None:
    """Input chunks per segment of mf_fully_connected_s8_mix's k loop: the fewest equal segments (a divisor of
    the k4/4 chunks) over which every c' row (odd rows of the 8-row groups) has sum |w| < MIX_SEG_LIMIT = 2^16,
    so each segment's m - s = 256 * (its c' dot product) stays below 2^31 in magnitude (|x| <= 128); the kernel
    folds it into c''s sum after each segment. One segment only when, with the rows' biases (the kernel's, if
    given), 128 * sum |w| + |bias| < 128 * MIX_SEG_LIMIT too: there m - s = 256 * (c''s whole accumulator, bias
    included; fc_mix_rq_layout). None when even single chunks are too heavy (never with the real limit:
    4 * 128 < 2^16)."""
    n_out, n = w.shape
    q, steps = n_out // 8, ((n + 3) & ~3) // 4
    wp = np.zeros((8 * q, 4 * steps), np.int64)
    wp[:, :n] = w[:8 * q]
    per_chunk = np.abs(wp[1::2]).reshape(4 * q, steps, 4).sum(axis=2)     # [c' row][chunk]
    b = np.zeros(4 * q, np.int64) if bias is None else np.abs(np.asarray(bias, np.int64)[1:8 * q:2])
    if (128 * per_chunk.sum(axis=1) + b < 128 * MIX_SEG_LIMIT).all():
        return steps
    for nseg in range(2, steps + 1):
        if steps % nseg == 0 and (per_chunk.reshape(4 * q, nseg, steps // nseg).sum(axis=2) < MIX_SEG_LIMIT).all():
            return steps // nseg
    return None


def m0_quad_layout(w: np.ndarray) -> np.ndarray:
    """[n_out][n] int8 weights as runtime/portable mf_fully_connected_s8_m0 reads them: w + 128 as uint8, per
    group of 4 rows the n byte quads (rows 4g..4g+3 at column k) side by side, then the n_out % 4 rows left over
    as they are. Same size."""
    n_out, n = w.shape
    u = (w.astype(np.int16) + 128).astype(np.uint8)
    q = n_out // 4
    quads = u[:4 * q].reshape(q, 4, n).transpose(0, 2, 1).reshape(-1)
    return np.concatenate([quads, u[4 * q:].reshape(-1)]).astype(np.uint8)
