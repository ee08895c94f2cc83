"""Shared int8 requantisation constants: per-channel multipliers/shifts and activation clamps."""
from __future__ import annotations

import numpy as np

from ..ir import DType, Op, Tensor
from ..quant import (activation_range, conv_effective_scale, fc_per_tensor_effective_scale,
                     multiply_by_quantized_multiplier, quantize_multiplier)
from .base import expect_activation, fail


def conv_multipliers(inp: Tensor, w: Tensor, out: Tensor, n_channels: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-output-channel (multiplier, shift) for in_scale * w_scale[c] / out_scale, as TFLM derives them."""
    ws = w.quant.scale if w.quant.per_channel else np.repeat(w.quant.scale[:1], n_channels)
    mult = np.zeros(n_channels, np.int32)
    shift = np.zeros(n_channels, np.int32)
    for c in range(n_channels):
        mult[c], shift[c] = quantize_multiplier(conv_effective_scale(inp.quant.s, float(ws[c]), out.quant.s))
    return mult, shift


def act_clamp(op: Op, out: Tensor) -> tuple[int, int]:
    info = np.iinfo(out.dtype.np)  # int8 or int16 output range
    return activation_range(expect_activation(op), float(out.quant.scale[0]), int(out.quant.zero_point[0]),
                            int(info.min), int(info.max))


def folded_bias(bias: Tensor | None, w_sums: np.ndarray, in_zp: int) -> np.ndarray:
    """bias[c] + input_offset * sum(w[c]): the input zero point folded in at compile time (int32 wrap as in C)."""
    b = np.zeros(len(w_sums), np.int64) if bias is None else bias.data.astype(np.int64).reshape(-1)
    return (b - in_zp * w_sums.astype(np.int64)).astype(np.int32)


def fc_multipliers(inp: Tensor, w: Tensor, out: Tensor, n_out: int) -> tuple[np.ndarray, np.ndarray]:
    """FULLY_CONNECTED (multiplier, shift): one pair per tensor, or per output channel."""
    if w.quant.per_channel:
        return conv_multipliers(inp, w, out, n_out)
    m, s = quantize_multiplier(fc_per_tensor_effective_scale(inp.quant.s, w.quant.s, out.quant.s))
    return np.array([m], np.int32), np.array([s], np.int32)


def expect_supported_rescale(op: Op, real: float, what: str) -> None:
    """TFLM's integer rescaling is only defined for multipliers whose shift lies in [-31, 30]
    (beyond that its shifts overflow: undefined behaviour, so there is nothing exact to match)."""
    _, shift = quantize_multiplier(real)
    if not (real == 0 or -31 <= shift <= 30) or real != real:
        from .base import fail
        raise fail(op, f"{what} {real:.3g} is outside the range TFLM's integer arithmetic supports (2^-31 .. 2^30)",
                   "check the tensors' quantisation scales; re-convert the model with a representative dataset")


def expect_supported_weight_rescale(op: Op, inp: Tensor, w: Tensor, out: Tensor) -> None:
    """Every per-channel in_scale * w_scale / out_scale must be one TFLM can represent exactly."""
    for ws in np.unique(w.quant.scale):
        expect_supported_rescale(op, conv_effective_scale(inp.quant.s, float(ws), out.quant.s),
                                 "the effective scale (input * weight / output)")


def s16_bias(op: Op, b: Tensor | None, n: int) -> tuple[np.ndarray, int]:
    """A 16x8 layer's bias widened to int64 (zeros without one) and TFLM's accumulator for it: 1 = int64
    (an int64 bias, or no bias unless the options ask for int32), 0 = int32 (an int32 bias)."""
    bias64 = int(b.dtype == DType.INT64) if b is not None else int(not op.options.get("quantized_bias_int32", False))
    return (np.zeros(n, np.int64) if b is None else b.data.astype(np.int64).reshape(-1)), bias64


def expect_s16_shift(op: Op, shift: np.ndarray, bias64: int) -> None:
    """TFLM's int64 MultiplyByQuantizedMultiplier needs shift <= 7 (effective scales below 128)."""
    if bias64 and (np.asarray(shift) > 7).any():
        raise fail(op, f"an effective scale (input * weight / output) of 2^{int(np.max(shift)) - 1} or more is outside "
                   "the range of TFLM's 16x8 arithmetic (below 128)",
                   "check the tensors' quantisation scales; re-convert the model with a representative dataset")


def s16_narrow(w: np.ndarray) -> int:
    """1 when every output's sum |x * w| fits int32 for any int16 input (2^15 * sum|w| < 2^31): the portable
    16x8 kernels then sum in int32, exactly. w: [n_out][k] int8."""
    return int(32768 * int(np.abs(w.astype(np.int64)).reshape(w.shape[0], -1).sum(axis=1).max()) < 1 << 31)


def rq_e_table(w: np.ndarray, bias: np.ndarray, mult: np.ndarray, shift: np.ndarray, out_zp: int) -> np.ndarray | None:
    """Per output channel (bias, m, e, rnd) for runtime's mf_rq_e (e = -shift, rnd = 2^(e-1) + out_zp * 2^e),
    [n_out][4] int32; None unless the folded rounding is exact: every e in 1..22 and every accumulator
    |acc| <= |bias| + 128 * sum|w| below 2^30, so SRDHM's result plus rnd stays inside int32. w: [n_out][k] int8;
    mult/shift have n_out entries or one (per tensor)."""
    n = w.shape[0]
    mult = np.broadcast_to(np.asarray(mult, np.int64), (n,))
    e = -np.broadcast_to(np.asarray(shift, np.int64), (n,))
    bias = bias.astype(np.int64)
    bound = np.abs(bias) + 128 * np.abs(w.astype(np.int64)).sum(axis=1)
    if (e < 1).any() or (e > 22).any() or (bound >= 1 << 30).any() or (mult < 0).any():
        return None
    rnd = (np.int64(1) << (e - 1)) + np.int64(out_zp) * (np.int64(1) << e)
    return np.stack([bias, mult, e, rnd], axis=1).astype(np.int32)


def constant_channels(w: np.ndarray, bias: np.ndarray, mult: np.ndarray, shift: np.ndarray, out_zp: int,
                      lo: int, hi: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(bias, mult, shift) with every output channel whose weights are all zero re-expressed by a small
    equivalent triple. Such a channel's accumulator is its folded bias at every pixel (padded taps too), so
    its output is the constant c = clamp(MBQM(bias, m, shift) + out_zp); trained models carry such dead
    channels with |bias| near 2^30 and shifts beyond the folded rounding's range (rq_e_table then refuses
    the whole layer). bias 4 * (c - out_zp), m = 2^30, shift -1 gives c again: SRDHM(4d, 2^30) =
    floor((4d + 1) / 2) = 2d and RDBP(2d, 1) = d. w: [n_out][k] int8; mult/shift per channel."""
    dead = ~np.abs(w.astype(np.int64)).reshape(w.shape[0], -1).any(axis=1)
    if not dead.any() or len(mult) != w.shape[0]:
        return bias, mult, shift
    c = np.clip(multiply_by_quantized_multiplier(bias[dead], mult[dead], shift[dead]).astype(np.int64) + out_zp, lo, hi)
    bias, mult, shift = bias.copy(), mult.copy(), shift.copy()
    bias[dead] = 4 * (c - out_zp)
    mult[dead] = 1 << 30
    shift[dead] = -1
    return bias, mult, shift


def rq_narrow(w: np.ndarray, bias: np.ndarray) -> int:
    """1 when every output's accumulator is below 2^20 in magnitude (|bias| + 128 * sum|w|, the input any int8):
    runtime/portable's mf_rq_e_n then requantises with three 32-bit products instead of four. w: [n_out][k]."""
    bound = np.abs(bias.astype(np.int64)) + 128 * np.abs(w.astype(np.int64)).reshape(w.shape[0], -1).sum(axis=1)
    return int((bound < 1 << 20).all())


def rq_narrow_table(rq: np.ndarray) -> np.ndarray:
    """An rq_e_table [n][4] (bias, m, e, rnd) as runtime/portable's narrow requantisation (mf_rq_e_n) reads it:
    (bias, m, e), [n][3]: it rounds with the layer's zero point, no per-channel constant."""
    return np.ascontiguousarray(rq[:, :3]).astype(np.int32)
