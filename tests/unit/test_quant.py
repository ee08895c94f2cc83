"""microforge.quant: known values and direct (big-int / Fraction) models of TFLM arithmetic."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from microforge import quant
from microforge.quant import INT32_MAX, INT32_MIN


# --------------------------------------------------------------------------
# rounding / wrapping basics
# --------------------------------------------------------------------------

@pytest.mark.parametrize("x,want", [(0.5, 1), (-0.5, -1), (1.5, 2), (2.5, 3), (-2.5, -3),
                                    (0.49999999999999994, 0), (1e15 + 0.5, 1000000000000001), (0.0, 0)])
def test_tflite_round_half_away(x, want):
    assert quant.tflite_round(x) == want


def test_wrap32():
    assert quant.wrap32(1 << 31) == INT32_MIN
    assert quant.wrap32(-(1 << 31) - 1) == INT32_MAX
    assert quant.wrap32(-5) == -5


# --------------------------------------------------------------------------
# QuantizeMultiplier
# --------------------------------------------------------------------------

@pytest.mark.parametrize("real,want", [
    (0.0, (0, 0)),
    (0.5, (1 << 30, 0)),
    (1.0, (1 << 30, 1)),
    (2.0, (1 << 30, 2)),
    (0.25, (1 << 30, -1)),
    (0.75, (3 << 29, 0)),
    (-0.5, (-(1 << 30), 0)),
    (1 - 2.0 ** -40, (1 << 30, 1)),         # q rounds up to 2^31 -> halve, shift+1
    (2.0 ** -40, (0, 0)),                   # shift < -31 flushes to zero
    (2.0 ** -32, (1 << 30, -31)),           # smallest kept shift
    (0.75 + 2.0 ** -32, (1610612737, 0)),   # exact tie -> away from zero (not banker's)
    (float((1 << 31) - 1), ((1 << 31) - 1, 31)),  # no clamp to shift 30 (double rounding build)
])
def test_quantize_multiplier_known(real, want):
    assert quant.quantize_multiplier(real) == want


def test_quantize_multiplier_model():
    rng = np.random.default_rng(0)
    for real in np.exp(rng.uniform(-20, 5, size=2000)):
        m, s = quant.quantize_multiplier(float(real))
        assert (1 << 30) <= m < (1 << 31)
        approx = Fraction(m) * Fraction(2) ** (s - 31)
        # round-to-nearest of the 31-bit mantissa: error <= half an ulp of 2^-31 relative
        assert abs(approx - Fraction(float(real))) <= Fraction(2) ** (s - 32)


def test_quantize_multiplier_variants():
    assert quant.quantize_multiplier_smaller_than_one_exp(0.5) == (1 << 30, 0)
    assert quant.quantize_multiplier_smaller_than_one_exp(0.1)[1] == -3
    with pytest.raises(ValueError):
        quant.quantize_multiplier_smaller_than_one_exp(1.0)
    with pytest.raises(ValueError):
        quant.quantize_multiplier_smaller_than_one_exp(0.0)
    assert quant.quantize_multiplier_greater_than_one(3.0) == (3 << 29, 2)
    with pytest.raises(ValueError):
        quant.quantize_multiplier_greater_than_one(1.0)


# --------------------------------------------------------------------------
# SRDHM / RDBP / MultiplyByQuantizedMultiplier vs exact rational models
# --------------------------------------------------------------------------

def _round_half_away(fr: Fraction) -> int:
    n = math.floor(abs(fr) + Fraction(1, 2))
    return n if fr >= 0 else -n


def _srdhm_model(a, b):
    # VQRDMULH: floor(a*b / 2^31 + 1/2), i.e. ties toward +infinity
    if a == b == INT32_MIN:
        return INT32_MAX
    return math.floor(Fraction(a * b, 1 << 31) + Fraction(1, 2))


def _rdbp_model(x, e):
    return _round_half_away(Fraction(x, 1 << e))


def _mbqm_model(x, m, shift):
    left, right = max(shift, 0), max(-shift, 0)
    return _rdbp_model(_srdhm_model(quant.wrap32(x << left), m), right)


def test_srdhm_rdbp_against_model():
    rng = np.random.default_rng(1)
    vals = [INT32_MIN, INT32_MIN + 1, -1, 0, 1, INT32_MAX, 1 << 30, -(1 << 30)]
    vals += [int(v) for v in rng.integers(INT32_MIN, INT32_MAX, size=200, endpoint=True)]
    for a in vals:
        for b in vals[:20]:
            assert quant.srdhm(a, b) == _srdhm_model(a, b)
        for e in (0, 1, 2, 5, 12, 30, 31):
            assert quant.rdbp(a, e) == _rdbp_model(a, e)


def test_rdbp_ties():
    assert quant.rdbp(3, 1) == 2 and quant.rdbp(-3, 1) == -2
    assert quant.rdbp(5, 2) == 1 and quant.rdbp(6, 2) == 2 and quant.rdbp(-6, 2) == -2
    assert quant.rdbp(INT32_MIN, 31) == -1 and quant.rdbp(INT32_MAX, 31) == 1


def test_mbqm_scalar_and_vector_vs_model():
    rng = np.random.default_rng(2)
    n = 3000
    x = rng.integers(INT32_MIN, INT32_MAX, size=n, endpoint=True)
    x[:6] = [INT32_MIN, INT32_MAX, 0, -1, 1, -(1 << 30)]
    m = rng.integers(1 << 30, 1 << 31, size=n)
    sh = rng.integers(-31, 8, size=n)
    got = quant.multiply_by_quantized_multiplier(x, m, sh)
    assert got.dtype == np.int32
    for i in range(n):
        want = quant.wrap32(_mbqm_model(int(x[i]), int(m[i]), int(sh[i])))
        assert int(got[i]) == want
        assert quant.multiply_by_quantized_multiplier(int(x[i]), int(m[i]), int(sh[i])) == want


def test_mbqm_tie_directions():
    m, s = 1 << 30, 0  # 0.5, no right shift: only the SRDHM rounding applies
    assert quant.multiply_by_quantized_multiplier(3, m, s) == 2    # +1.5 -> 2
    assert quant.multiply_by_quantized_multiplier(-3, m, s) == -1  # -1.5 -> -1 (ties toward +inf)
    m, s = 1 << 30, -1  # 0.25: SRDHM exact, RDBP rounds ties away from zero
    assert quant.multiply_by_quantized_multiplier(6, m, s) == 2    # +1.5 -> 2
    assert quant.multiply_by_quantized_multiplier(-6, m, s) == -2  # -1.5 -> -2


def test_mbqm_double_rounding_differs_from_single():
    """TFLM (no TFLITE_SINGLE_ROUNDING) rounds at bit 31 and again in RDBP: not round(x*real)."""
    m, s = 1518500250, -3
    single = [math.floor(Fraction(x * m, 1 << 34) + Fraction(1, 2)) for x in range(-5000, 5000)]
    double = quant.multiply_by_quantized_multiplier(np.arange(-5000, 5000), m, s)
    assert [_mbqm_model(x, m, s) for x in range(-5000, 5000)] == double.tolist()
    assert double.tolist() != single


# --------------------------------------------------------------------------
# per-op constants
# --------------------------------------------------------------------------

def test_effective_scales_float_order():
    i, f, o = 0.0235294122, 0.00315, 0.0470588244
    assert quant.conv_effective_scale(i, f, o) == float(np.float32(i)) * float(np.float32(f)) / float(np.float32(o))
    assert quant.fc_per_tensor_effective_scale(i, f, o) == float(np.float32(i) * np.float32(f)) / float(np.float32(o))


def test_add_params_equal_scales():
    p = quant.add_params(0.1, 0.1, 0.2)
    assert p.left_shift == 20
    assert (p.input1_multiplier, p.input1_shift) == (1 << 30, 0)
    assert (p.input2_multiplier, p.input2_shift) == (1 << 30, 0)
    real_out = 2 * float(np.float32(0.1)) / ((1 << 20) * float(np.float32(0.2)))
    assert (p.output_multiplier, p.output_shift) == quant.quantize_multiplier(real_out)


def test_mean_multiplier():
    # same scale, 49 elements (7x7 global pool): shift = 5, m = (2^30 << 5) // 49
    m, s = quant.mean_multiplier(0.05, 0.05, 49)
    assert (m, s) == (((1 << 30) << 5) // 49, 1 - 5)
    m, s = quant.mean_multiplier(0.05, 0.05, 1)
    assert (m, s) == (1 << 30, 1)


def test_quantize_f32_rounding():
    scale = 0.5
    x = np.array([0.25, -0.25, 0.75, 100.0, -100.0, 0.0], dtype=np.float32)
    assert quant.quantize_f32(x, scale, 0).tolist() == [1, -1, 2, 127, -128, 0]
    assert quant.quantize_f32(x, scale, 10).tolist() == [11, 9, 12, 127, -128, 10]


# --------------------------------------------------------------------------
# activation range
# --------------------------------------------------------------------------

@pytest.mark.parametrize("act,scale,zp,want", [
    ("NONE", 0.1, 3, (-128, 127)),
    (None, 0.1, 3, (-128, 127)),
    ("RELU", 0.1, -10, (-10, 127)),
    ("RELU", 0.1, -128, (-128, 127)),
    ("RELU6", 6 / 255, -128, (-128, 127)),
    ("RELU6", 0.01, -128, (-128, 127)),    # 6/0.01 = 600 -> clamped
    ("RELU6", 0.05, 0, (0, 120)),
    ("RELU_N1_TO_1", 1 / 128, 0, (-128, 127)),
    ("RELU_N1_TO_1", 0.02, 5, (-45, 55)),
])
def test_activation_range(act, scale, zp, want):
    assert quant.activation_range(act, scale, zp) == want


def test_activation_range_int16_and_bad():
    assert quant.activation_range("RELU", 0.001, 0, -32768, 32767) == (0, 32767)
    with pytest.raises(ValueError):
        quant.activation_range("TANH", 0.1, 0)


# --------------------------------------------------------------------------
# softmax pieces
# --------------------------------------------------------------------------

def test_exp_on_negative_values_accuracy():
    rng = np.random.default_rng(3)
    assert quant.exp_on_negative_values(0) == INT32_MAX
    for raw in list(rng.integers(-(31 << 26), 0, size=3000)) + [-1, -(1 << 24), -(1 << 26), INT32_MIN]:
        raw = int(raw)
        got = quant.exp_on_negative_values(raw) / 2.0 ** 31
        assert abs(got - math.exp(raw / 2.0 ** 26)) < 1e-6


def test_one_over_one_plus_x_accuracy():
    rng = np.random.default_rng(4)
    for raw in rng.integers(0, INT32_MAX, size=2000):
        x = int(raw) / 2.0 ** 31
        got = quant.one_over_one_plus_x_for_x_in_0_1(int(raw)) / 2.0 ** 31
        assert abs(got - 1 / (1 + x)) < 1e-8


def test_get_reciprocal():
    one = 1 << 19  # 1.0 in Q12.19
    r, nb = quant.get_reciprocal(one)
    assert nb == 0 and abs(r / 2.0 ** 31 - 1.0) < 1e-8
    r, nb = quant.get_reciprocal(3 * one)
    assert nb == 1 and abs(r / 2.0 ** 31 - 2 / 3) < 1e-8


def test_softmax_params_shape_and_monotone():
    p = quant.softmax_params(1.0, 0.1)
    assert p.exp_lut.dtype == np.int32 and p.exp_lut.shape == (256,)
    assert p.exp_lut[0] == INT32_MAX
    assert np.all(np.diff(p.exp_lut.astype(np.int64)) <= 0)
    # real multiplier 0.1 * 2^26 -> shift 23; radius floor(31*2^26/2^23) = 248
    assert p.input_left_shift == 23 and p.diff_min == -248
    assert np.all(p.exp_lut[249:] == 0) and p.exp_lut[248] >= 0
    for k in (1, 10, 50):
        assert abs(p.exp_lut[k] / 2.0 ** 31 - math.exp(-k * float(np.float32(0.1)))) < 1e-5


def test_softmax_params_cap_and_errors():
    p = quant.softmax_params(100.0, 0.5)  # 50 * 2^26 > 2^31-1: capped
    assert (p.input_multiplier, p.input_left_shift, p.diff_min) == ((1 << 31) - 1, 31, 0)
    assert p.exp_lut[0] == INT32_MAX and np.all(p.exp_lut[1:] == 0)
    with pytest.raises(ValueError):
        quant.softmax_params(1.0, 1e-9)  # real multiplier <= 1: TFLM CHECK-fails


def test_softmax_reference_simple():
    p = quant.softmax_params(1.0, 0.1)
    out = quant.softmax_s8_reference(p, np.array([[5, 5], [127, -128]], dtype=np.int8))
    assert out.tolist() == [[0, 0], [127, -128]]  # 0.5 -> 128 - 128 = 0 ; 1.0 saturates at 127
