"""Layouts and requantisation constants of runtime/portable's pair/quad paths (cores without DSP)."""
from __future__ import annotations

import numpy as np
import pytest

from microforge.ops._requant import constant_channels, rq_e_table
from microforge.ops.conv2d import m0_groups, m0_pair_layout
from microforge.ops.fully_connected import m0_quad_layout
from microforge.quant import multiply_by_quantized_multiplier, srdhm


@pytest.mark.parametrize("n,k", [(1, 5), (2, 3), (3, 7), (4, 2), (5, 1), (6, 4), (7, 3), (13, 9), (16, 5)])
def test_pair_layout(n, k):
    """channel triples, then pairs (two when n % 3 == 1), then a lone channel only for n == 1"""
    w = np.random.default_rng(n * 100 + k).integers(-128, 128, (n, k)).astype(np.int8)
    got = m0_pair_layout(w)
    k4 = (k + 3) & ~3
    assert got.dtype == np.uint8 and got.size == n * k4
    w = np.pad(w, ((0, 0), (0, k4 - k)))                     # zero weights to a multiple of 4
    k = k4
    u = w.astype(np.int32) + 128
    n3, n2 = m0_groups(n)
    assert 3 * n3 + 2 * n2 == n or n == 1
    assert n2 == {0: 0, 1: 2, 2: 1}[n % 3] or n == 1
    r = 0
    for size, count in ((3, n3), (2, n2), (1, n - 3 * n3 - 2 * n2)):
        for _ in range(count):
            block = got[r * k: (r + size) * k].reshape(k, size)
            assert (block.T == u[r: r + size]).all()
            r += size
    assert r == n


@pytest.mark.parametrize("n,k", [(1, 5), (4, 3), (7, 7), (13, 2)])
def test_quad_layout(n, k):
    w = np.random.default_rng(n * 100 + k).integers(-128, 128, (n, k)).astype(np.int8)
    got = m0_quad_layout(w)
    assert got.dtype == np.uint8 and got.size == w.size
    u = w.astype(np.int32) + 128
    for g in range(n // 4):
        block = got[4 * k * g: 4 * k * (g + 1)].reshape(k, 4)
        assert (block.T == u[4 * g: 4 * g + 4]).all()
    rest = n % 4
    assert (got[4 * k * (n // 4):].reshape(rest, k) == u[n - rest:]).all()


def _rq_e(acc: int, m: int, e: int, rnd: int) -> int:
    v = srdhm(acc, m)
    return (v - (v < 0) + rnd) >> e


def test_rq_e_table_matches_mbqm():
    rng = np.random.default_rng(7)
    w = rng.integers(-127, 128, (6, 40)).astype(np.int8)
    bias = rng.integers(-5000, 5000, 6).astype(np.int32)
    mult = rng.integers(1 << 30, 1 << 31, 6).astype(np.int32)
    shift = -rng.integers(1, 23, 6).astype(np.int32)
    t = rq_e_table(w, bias, mult, shift, -17)
    assert t.shape == (6, 4) and (t[:, 0] == bias).all() and (t[:, 1] == mult).all() and (t[:, 2] == -shift).all()
    bound = np.abs(bias.astype(np.int64)) + 128 * np.abs(w.astype(np.int64)).sum(axis=1)
    for c in range(6):
        for acc in rng.integers(-int(bound[c]), int(bound[c]) + 1, 200):
            want = int(multiply_by_quantized_multiplier(np.array([acc]), mult[c:c + 1], shift[c:c + 1])[0]) - 17
            assert _rq_e(int(acc), int(t[c, 1]), int(t[c, 2]), int(t[c, 3])) == want


@pytest.mark.parametrize("what", ["shift 0", "shift -23", "wide accumulator"])
def test_rq_e_table_refuses_inexact(what):
    w = np.ones((2, 4), np.int8)
    bias = np.zeros(2, np.int32)
    mult = np.full(2, 1 << 30, np.int32)
    shift = np.full(2, -5, np.int32)
    if what == "shift 0":
        shift[1] = 0
    elif what == "shift -23":
        shift[0] = -23
    else:
        bias[1] = (1 << 30) - 128 * 4
    assert rq_e_table(w, bias, mult, shift, 0) is None
    assert rq_e_table(w, np.zeros(2, np.int32), mult, np.full(2, -5, np.int32), 0) is not None


def test_constant_channels_keep_every_output():
    """An all-zero weight row outputs clamp(MBQM(bias) + zp) whatever the input; constant_channels re-expresses it
    (bias 4 * (c - zp), m 2^30, shift -1) with the same output for every constant and clamp, and leaves the
    other channels alone; rq_e_table then accepts the dead channels' shifts beyond 22 and their 2^30 biases."""
    rng = np.random.default_rng(11)
    for zp in (-128, -1, 0, 5, 127):
        for lo, hi in ((-128, 127), (zp, 127), (zp, min(127, zp + 40))):
            for c in range(lo, hi + 1):
                got = int(multiply_by_quantized_multiplier(np.array([4 * (c - zp)]), np.array([1 << 30]), np.array([-1]))[0])
                assert got + zp == c
                assert _rq_e(4 * (c - zp), 1 << 30, 1, 1 + 2 * zp) == c   # the folded rounding of rq_e_table
    w = rng.integers(-127, 128, (6, 9)).astype(np.int8)
    w[[1, 4]] = 0
    bias = np.array([100, (1 << 30) - 64, -7, 5, -(1 << 30), 3], np.int32)
    mult = rng.integers(1 << 30, 1 << 31, 6).astype(np.int32)
    shift = np.array([-7, -27, -8, -6, -31, -9], np.int32)
    assert rq_e_table(w, bias, mult, shift, -3) is None
    b2, m2, s2 = constant_channels(w, bias, mult, shift, -3, -128, 100)
    assert rq_e_table(w, b2, m2, s2, -3) is not None
    for ch in range(6):
        if ch in (1, 4):
            want = min(max(int(multiply_by_quantized_multiplier(np.array([int(bias[ch])]), mult[ch:ch + 1],
                                                                shift[ch:ch + 1])[0]) - 3, -128), 100)
            got = int(multiply_by_quantized_multiplier(np.array([int(b2[ch])]), m2[ch:ch + 1], s2[ch:ch + 1])[0]) - 3
            assert got == want
        else:
            assert (b2[ch], m2[ch], s2[ch]) == (bias[ch], mult[ch], shift[ch])


def _rq_t1(a: int, m: int) -> int:
    """runtime/portable mf_rq_t1 step by step (floor(a * m / 2^30)), each partial result checked to stay inside int32."""
    def i32(v: int) -> int:
        assert -(1 << 31) <= v < 1 << 31, v
        return v
    t = i32(a * (m & 0x3FF)) >> 10
    t = i32(i32(a * ((m >> 10) & 0x3FF)) + t) >> 10
    return i32(i32(a * (m >> 20)) + t) >> 10


def test_narrow_requant_exact_at_the_bounds():
    """mf_rq_t1 == floor(a * m / 2^30) and floor((T1 + 1) / 2) == SRDHM for |a| < 2^20: every accumulator edge
    against every extreme of m's three fields (0, 1, the largest) and random pairs, no partial sum outside int32;
    then mf_rq_e_n's folded form ((((T1 + 1 + 2s) >> e) + 1) >> 1) + zp (and without s where negative values clamp)
    against MultiplyByQuantizedMultiplier + zero point over e and zero points."""
    from microforge.ops._requant import rq_narrow_table
    rng = np.random.default_rng(20)
    edges = [0, 1, -1, 2, -2, 1023, -1024, (1 << 19), -(1 << 19), (1 << 20) - 1, -(1 << 20) + 1, (1 << 20) - 2]
    fields = [0, 1, 2, 511, 512, 1022, 1023]
    tops = [0, 1, 1024, 2046, 2047]
    ms = [(m2 << 20) | (m1 << 10) | m0 for m2 in tops for m1 in fields for m0 in fields]
    for a in edges + [int(v) for v in rng.integers(-(1 << 20) + 1, 1 << 20, 300)]:
        for m in ms + [int(v) for v in rng.integers(0, 1 << 31, 50)]:
            t1 = _rq_t1(a, m)
            assert t1 == (a * m) >> 30 and (t1 + 1) >> 1 == srdhm(a, m), (a, m)
    for e in (1, 2, 9, 22):
        for zp in (-128, -3, 0, 127):
            m = int(rng.integers(1 << 30, 1 << 31))
            t = rq_narrow_table(np.array([[7, m, e, (1 << (e - 1)) + zp * (1 << e)]], np.int64))
            assert t.tolist() == [[7, m, e]]
            for a in edges + [int(v) for v in rng.integers(-(1 << 20) + 1, 1 << 20, 200)]:
                want = int(multiply_by_quantized_multiplier(np.array([a]), np.array([m]), np.array([-e]))[0]) + zp
                t1 = _rq_t1(a, m) + 1
                assert ((((t1 + 2 * (t1 >> 31)) >> e) + 1) >> 1) + zp == want
                assert min(max((((t1 >> e) + 1) >> 1) + zp, zp), 127) == min(max(want, zp), 127)   # MF_NEG_CLAMPED


def test_rq_narrow_bound():
    from microforge.ops._requant import rq_narrow
    w = np.full((2, 9), 127, np.int8)                     # 128 * 9 * 127 = 146,304
    assert rq_narrow(w, np.array([0, (1 << 20) - 1 - 146_304], np.int32)) == 1
    assert rq_narrow(w, np.array([0, (1 << 20) - 146_304], np.int32)) == 0
    assert rq_narrow(w, np.array([-((1 << 20) - 146_304), 0], np.int32)) == 0
