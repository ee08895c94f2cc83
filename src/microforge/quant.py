"""Quantisation arithmetic bit-exact with TFLM's int8 reference kernels (see docs/tflm_semantics.md)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

INT32_MIN = -(1 << 31)
INT32_MAX = (1 << 31) - 1

# The tflite-micro PyPI build (and default TFLM builds) do NOT define
# TFLITE_SINGLE_ROUNDING: MultiplyByQuantizedMultiplier rounds twice.
SINGLE_ROUNDING = False


# --------------------------------------------------------------------------
# scalar helpers (Python ints, C int32 semantics)
# --------------------------------------------------------------------------

def wrap32(v: int) -> int:
    """Two's-complement wrap of a Python int to int32 (what the C code does on overflow)."""
    return ((int(v) + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)


def tflite_round(x: float) -> int:
    """std::round on a double: round half away from zero (Python's round() is half-even)."""
    x = float(x)
    a = abs(x)
    f = math.floor(a)
    r = f + 1 if a - f >= 0.5 else f  # a - f is exact for doubles
    return int(-r if x < 0 else r)


def f32(x: float) -> float:
    """The value a float32 tensor field really holds, as a Python float (double)."""
    return float(np.float32(x))


def srdhm(a: int, b: int) -> int:
    """gemmlowp SaturatingRoundingDoublingHighMul (ARM VQRDMULH): floor(a*b/2^31 + 1/2), MIN*MIN -> MAX."""
    if a == b == INT32_MIN:
        return INT32_MAX
    ab = a * b
    v = ab + ((1 << 30) if ab >= 0 else (1 - (1 << 30)))
    q = abs(v) >> 31  # C integer division by 2^31 truncates toward zero
    return wrap32(q if v >= 0 else -q)


def rdbp(x: int, exponent: int) -> int:
    """gemmlowp RoundingDivideByPOT for int32: round to nearest, ties away from zero."""
    if not 0 <= exponent <= 31:
        raise ValueError(f"RoundingDivideByPOT exponent {exponent} outside [0, 31]")
    mask = (1 << exponent) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return (x >> exponent) + (1 if remainder > threshold else 0)


def _sat_shl(x: int, n: int) -> int:
    """gemmlowp SaturatingRoundingMultiplyByPOT<+n> for int32."""
    threshold = (1 << (31 - n)) - 1
    if x > threshold:
        return INT32_MAX
    if x < -threshold:
        return INT32_MIN
    return x << n


# --------------------------------------------------------------------------
# multiplier quantisation
# --------------------------------------------------------------------------

def quantize_multiplier(real: float) -> tuple[int, int]:
    """TFLM QuantizeMultiplier: real ~= multiplier * 2^(shift - 31), multiplier in [2^30, 2^31)."""
    real = float(real)
    if real == 0.0:
        return 0, 0
    q, shift = math.frexp(real)
    q_fixed = tflite_round(q * (1 << 31))
    if q_fixed > (1 << 31):
        raise ValueError(f"QuantizeMultiplier: bad multiplier {real!r}")
    if q_fixed == (1 << 31):
        q_fixed //= 2
        shift += 1
    if shift < -31:  # flush tiny multipliers to zero
        shift = 0
        q_fixed = 0
    if SINGLE_ROUNDING and shift > 30:
        shift = 30
        q_fixed = (1 << 31) - 1
    if q_fixed > INT32_MAX:
        raise ValueError(f"QuantizeMultiplier: bad multiplier {real!r}")
    return int(q_fixed), int(shift)


def quantize_multiplier_smaller_than_one_exp(real: float) -> tuple[int, int]:
    """TFLM QuantizeMultiplierSmallerThanOneExp: requires 0 < real < 1; shift <= 0."""
    real = float(real)
    if not 0.0 < real < 1.0:
        raise ValueError(f"multiplier {real!r} must be in (0, 1)")
    m, shift = quantize_multiplier(real)
    if shift > 0:
        raise ValueError(f"multiplier {real!r} gave positive shift {shift}")
    return m, shift


def quantize_multiplier_greater_than_one(real: float) -> tuple[int, int]:
    """TFLM QuantizeMultiplierGreaterThanOne: requires real > 1; shift >= 0."""
    real = float(real)
    if not real > 1.0:
        raise ValueError(f"multiplier {real!r} must be > 1")
    m, shift = quantize_multiplier(real)
    if shift < 0:
        raise ValueError(f"multiplier {real!r} gave negative shift {shift}")
    return m, shift


# --------------------------------------------------------------------------
# vectorised MultiplyByQuantizedMultiplier (int32 x, double rounding)
# --------------------------------------------------------------------------

def _np_wrap32(v: np.ndarray) -> np.ndarray:
    return ((v + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)


def _np_srdhm(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ab = a * b  # |a|,|b| <= 2^31 so the product fits int64
    v = ab + np.where(ab >= 0, 1 << 30, 1 - (1 << 30))
    q = np.where(v >= 0, v >> 31, -((-v) >> 31))
    q = np.where((a == INT32_MIN) & (b == INT32_MIN), INT32_MAX, q)
    return _np_wrap32(q)


def _np_rdbp(x: np.ndarray, e: np.ndarray) -> np.ndarray:
    mask = (np.int64(1) << e) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (x < 0)
    return (x >> e) + (remainder > threshold)


def multiply_by_quantized_multiplier(x, m, shift):
    """TFLM MultiplyByQuantizedMultiplier(int32 x, int32 m, int shift), double-rounding build.

    x * (1 << max(shift, 0)) wraps as int32 (as the C code does on gcc/clang), then
    SaturatingRoundingDoublingHighMul, then RoundingDivideByPOT(max(-shift, 0)).
    Scalars in -> int out; arrays (broadcast) in -> int32 ndarray out.
    """
    scalar = np.ndim(x) == 0 and np.ndim(m) == 0 and np.ndim(shift) == 0
    xa = np.asarray(x, dtype=np.int64)
    ma = np.asarray(m, dtype=np.int64)
    sa = np.asarray(shift, dtype=np.int64)
    if np.any(sa > 31) or np.any(sa < -31):
        raise ValueError("shift outside [-31, 31]")
    left = np.maximum(sa, 0)
    right = np.maximum(-sa, 0)
    shifted = _np_wrap32(xa * _np_wrap32(np.int64(1) << left))
    out = _np_rdbp(_np_srdhm(shifted, ma), right).astype(np.int32)
    return int(out) if scalar else out


# --------------------------------------------------------------------------
# per-op effective scales (exact float32/float64 order of TFLM Prepare)
# --------------------------------------------------------------------------

def conv_effective_scale(input_scale: float, filter_scale: float, output_scale: float) -> float:
    """CONV_2D / DEPTHWISE_CONV_2D (every channel) and per-channel FULLY_CONNECTED."""
    return f32(input_scale) * f32(filter_scale) / f32(output_scale)


def fc_per_tensor_effective_scale(input_scale: float, filter_scale: float, output_scale: float) -> float:
    """Per-tensor FULLY_CONNECTED: product taken in float32 first, then divided in double."""
    prod = float(np.float32(input_scale) * np.float32(filter_scale))
    return prod / f32(output_scale)


@dataclass(frozen=True)
class AddParams:
    left_shift: int
    input1_multiplier: int
    input1_shift: int
    input2_multiplier: int
    input2_shift: int
    output_multiplier: int
    output_shift: int


def add_params(input1_scale: float, input2_scale: float, output_scale: float,
               output_bits: int = 8) -> AddParams:
    """Quantised ADD constants (int8: left_shift 20; int16: 15)."""
    left_shift = 15 if output_bits == 16 else 20
    twice_max = 2.0 * max(f32(input1_scale), f32(input2_scale))
    m1 = quantize_multiplier_smaller_than_one_exp(f32(input1_scale) / twice_max)
    m2 = quantize_multiplier_smaller_than_one_exp(f32(input2_scale) / twice_max)
    mo = quantize_multiplier_smaller_than_one_exp(twice_max / ((1 << left_shift) * f32(output_scale)))
    return AddParams(left_shift, m1[0], m1[1], m2[0], m2[1], mo[0], mo[1])


def mean_multiplier(input_scale: float, output_scale: float, num_elements: int) -> tuple[int, int]:
    """int8 MEAN: QuantizeMultiplier(in/out) folded with 1/num_elements exactly as TFLM does."""
    m, s = quantize_multiplier(f32(input_scale) / f32(output_scale))
    n = int(num_elements)
    if n <= 0:
        raise ValueError("MEAN over zero elements")
    sh = min(n.bit_length() - 1, 32, 31 + s)
    m = wrap32((m << sh) // n)
    return m, s - sh


def quantize_f32(x, scale: float, zero_point: int, qmin: int = -128, qmax: int = 127) -> np.ndarray:
    """QUANTIZE float32 -> int: roundf(x / (float)scale) in float32, half away from zero, + zp, clamp."""
    xf = np.asarray(x, dtype=np.float32)
    q = xf / np.float32(scale)  # float32 division
    r = np.where(q >= 0, np.floor(q.astype(np.float64) + 0.5), -np.floor(-q.astype(np.float64) + 0.5))
    # float32 -> float64 is exact and |q| < 2^24 or already integral, so +0.5 is exact here
    return np.clip(r + zero_point, qmin, qmax).astype(np.int64)


# --------------------------------------------------------------------------
# fused activation range
# --------------------------------------------------------------------------

def activation_range(act: str | None, scale: float, zero_point: int,
                     qmin: int = -128, qmax: int = 127) -> tuple[int, int]:
    """CalculateActivationRangeQuantized: float32 f/scale, roundf, + zp, intersected with [qmin, qmax]."""
    name = (act or "NONE").upper()

    def q(f: float) -> int:
        t = float(np.float32(f) / np.float32(scale))
        return int(zero_point) + tflite_round(t)

    if name == "NONE":
        return qmin, qmax
    if name == "RELU":
        return max(qmin, q(0.0)), qmax
    if name == "RELU6":
        return max(qmin, q(0.0)), min(qmax, q(6.0))
    if name == "RELU_N1_TO_1":
        return max(qmin, q(-1.0)), min(qmax, q(1.0))
    raise ValueError(f"unsupported fused activation {act!r} (NONE, RELU, RELU6, RELU_N1_TO_1)")


# --------------------------------------------------------------------------
# softmax (int8 input)
# --------------------------------------------------------------------------

_EXP_BARREL = ((-2, 1672461947), (-1, 1302514674), (0, 790015084), (1, 290630308),
               (2, 39332535), (3, 720401), (4, 242))


def _exp_on_interval_m1q_0(a: int) -> int:
    """gemmlowp exp_on_interval_between_negative_one_quarter_and_0_excl, Q0.31 in/out."""
    constant_term = 1895147668
    one_third = 715827883
    x = wrap32(a + (1 << 28))
    x2 = srdhm(x, x)
    x3 = srdhm(x2, x)
    x4 = srdhm(x2, x2)
    x4_over_4 = rdbp(x4, 2)
    t = rdbp(wrap32(srdhm(wrap32(x4_over_4 + x3), one_third) + x2), 1)
    return wrap32(constant_term + srdhm(constant_term, wrap32(x + t)))


def exp_on_negative_values(a: int, integer_bits: int = 5) -> int:
    """gemmlowp exp_on_negative_values: a is raw Q(integer_bits).(31-integer_bits), result raw Q0.31."""
    frac = 31 - integer_bits
    one_quarter = 1 << (frac - 2)
    a_mod = wrap32((a & (one_quarter - 1)) - one_quarter)
    result = _exp_on_interval_m1q_0(_sat_shl(a_mod, integer_bits) if integer_bits else a_mod)
    remainder = wrap32(a_mod - a)
    for exponent, mult in _EXP_BARREL:
        if integer_bits > exponent and remainder & (1 << (frac + exponent)):
            result = srdhm(result, mult)
    if integer_bits > 5:
        clamp = -(1 << (36 - integer_bits))
        if a < clamp:
            result = 0
    if a == 0:
        result = INT32_MAX
    return result


def one_over_one_plus_x_for_x_in_0_1(a: int) -> int:
    """gemmlowp one_over_one_plus_x_for_x_in_0_1, raw Q0.31 in/out (used by GetReciprocal)."""
    s = a + INT32_MAX
    half_den = (s + (1 if s >= 0 else -1))
    half_den = abs(half_den) // 2 * (1 if half_den >= 0 else -1)
    x = wrap32(1515870810 + srdhm(half_den, -1010580540))
    for _ in range(3):
        hdx = srdhm(half_den, x)
        one_minus = wrap32((1 << 29) - hdx)
        x = wrap32(x + _sat_shl(srdhm(x, one_minus), 2))
    return _sat_shl(x, 1)


def get_reciprocal(x: int, integer_digits: int = 12) -> tuple[int, int]:
    """TFLM GetReciprocal: returns (Q0.31 reciprocal raw, num_bits_over_unit)."""
    ux = x & 0xFFFFFFFF
    clz = 32 - ux.bit_length()
    shifted_minus_one = wrap32(((ux << clz) & 0xFFFFFFFF) - (1 << 31))
    return one_over_one_plus_x_for_x_in_0_1(shifted_minus_one), integer_digits - clz


@dataclass(frozen=True)
class SoftmaxParams:
    input_multiplier: int
    input_left_shift: int
    diff_min: int
    exp_lut: np.ndarray  # int32[256]; exp_lut[k] = Q0.31 exp for diff = -k, 0 where -k < diff_min


SOFTMAX_SCALED_DIFF_INTEGER_BITS = 5
SOFTMAX_ACCUM_INTEGER_BITS = 12


def softmax_params(beta: float, input_scale: float) -> SoftmaxParams:
    """Everything the int8-input softmax kernel needs (TFLM CalculateSoftmaxParams for int8 input).

    beta and input_scale are rounded to float32 first, like the flatbuffer fields.
    """
    ib = SOFTMAX_SCALED_DIFF_INTEGER_BITS
    max_real = float((1 << 30) - 1) if SINGLE_ROUNDING else float((1 << 31) - 1)
    real = min(f32(beta) * f32(input_scale) * float(1 << (31 - ib)), max_real)
    mult, shift = quantize_multiplier_greater_than_one(real)
    radius = math.floor(1.0 * ((1 << ib) - 1) * float(1 << (31 - ib)) / float(1 << shift))
    diff_min = -int(radius)
    lut = np.zeros(256, dtype=np.int32)
    for k in range(256):
        diff = -k
        if diff < diff_min:
            continue
        # MultiplyByQuantizedMultiplierGreaterThanOne: SRDHM(diff * (1 << shift), mult)
        rescaled = srdhm(wrap32(diff * wrap32(1 << shift)), mult)
        lut[k] = exp_on_negative_values(rescaled, ib)
    return SoftmaxParams(mult, shift, diff_min, lut)


def softmax_s8_reference(params: SoftmaxParams, x: np.ndarray, out_bits: int = 8) -> np.ndarray:
    """Slow pure-Python model of the int8-input softmax (rows = all but the last axis)."""
    x = np.asarray(x, dtype=np.int64)
    depth = x.shape[-1]
    rows = x.reshape(-1, depth)
    out = np.empty(rows.shape, dtype=np.int64)
    omin, omax = -(1 << (out_bits - 1)), (1 << (out_bits - 1)) - 1
    for i, row in enumerate(rows):
        mx = int(row.max())
        total = 0
        for v in row:
            d = int(v) - mx
            if d >= params.diff_min:
                total = wrap32(total + rdbp(int(params.exp_lut[-d]), SOFTMAX_ACCUM_INTEGER_BITS))
        scale, nbits = get_reciprocal(total, SOFTMAX_ACCUM_INTEGER_BITS)
        exponent = nbits + 31 - out_bits
        if not 0 <= exponent <= 31:
            raise ValueError(f"softmax exponent {exponent} outside [0, 31] (TFLM aborts here)")
        for c, v in enumerate(row):
            d = int(v) - mx
            if d >= params.diff_min:
                u = rdbp(srdhm(scale, int(params.exp_lut[-d])), exponent) + omin
                out[i, c] = min(max(u, omin), omax)
            else:
                out[i, c] = omin
    return out.reshape(x.shape).astype(np.int8 if out_bits == 8 else np.int16)


# --------------------------------------------------------------------------
# gemmlowp logistic / tanh (int8 LOGISTIC and TANH), int16 fixed-point helpers (HARD_SWISH)
# --------------------------------------------------------------------------

def one_minus_x_over_one_plus_x_for_x_in_0_1(a: int) -> int:
    """gemmlowp one_minus_x_over_one_plus_x_for_x_in_0_1, raw Q0.31 in/out (used by tanh)."""
    s = a + INT32_MAX
    half_den = (s + (1 if s >= 0 else -1))
    half_den = abs(half_den) // 2 * (1 if half_den >= 0 else -1)
    x = wrap32(1515870810 + srdhm(half_den, -1010580540))
    for _ in range(3):
        one_minus = wrap32((1 << 29) - srdhm(half_den, x))
        x = wrap32(x + _sat_shl(srdhm(x, one_minus), 2))
    return _sat_shl(wrap32(x - (1 << 29)), 2)


def gemmlowp_logistic(a: int, integer_bits: int) -> int:
    """gemmlowp logistic(FixedPoint<int32, integer_bits>) -> raw Q0.31."""
    if a == 0:
        return 1 << 30
    pos = one_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(wrap32(-abs(a)), integer_bits))
    return pos if a > 0 else wrap32(INT32_MAX - pos)


def gemmlowp_tanh(a: int, integer_bits: int) -> int:
    """gemmlowp tanh(FixedPoint<int32, integer_bits>) -> raw Q0.31."""
    if a == 0:
        return 0
    n = a if a < 0 else wrap32(-a)
    t = one_minus_x_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(n, integer_bits + 1))
    return wrap32(-t) if a < 0 else t


def wrap16(v: int) -> int:
    return ((int(v) + (1 << 15)) & 0xFFFF) - (1 << 15)


def srdhm16(a: int, b: int) -> int:
    """gemmlowp SaturatingRoundingDoublingHighMul for int16."""
    if a == b == -(1 << 15):
        return (1 << 15) - 1
    ab = a * b
    v = ab + ((1 << 14) if ab >= 0 else (1 - (1 << 14)))
    q = abs(v) >> 15
    return wrap16(q if v >= 0 else -q)


def rdbp16(x: int, exponent: int) -> int:
    """gemmlowp RoundingDivideByPOT for int16."""
    mask = (1 << exponent) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return (x >> exponent) + (1 if remainder > threshold else 0)


def downscale_multiplier_to_int16(m: int) -> int:
    """TFLM DownScaleInt32ToInt16Multiplier."""
    if m >= INT32_MAX - (1 << 15):
        return (1 << 15) - 1
    return (m + (1 << 15)) >> 16
