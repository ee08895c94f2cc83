"""Compile-time layouts and arithmetic identities the runtime/dsp conv/FC kernels rely on (no compiler needed)."""
from __future__ import annotations

import numpy as np
import pytest

from microforge.ops.conv2d import dsp_rq_layout
from microforge.ops.fully_connected import fc_group_layout
from microforge.quant import srdhm


def _smmlar(a: int, b: int, acc: int) -> int:
    """Arm SMMLAR: (acc << 32) + a*b + 2^31, bits 63..32 (64-bit exact, then wrapped to int32)."""
    r = ((acc << 32) + a * b + (1 << 31)) >> 32
    return (r + (1 << 31)) % (1 << 32) - (1 << 31)


@pytest.mark.parametrize("seed", range(3))
def test_smmlar_with_2m_minus_2_32_is_srdhm(seed):
    rng = np.random.default_rng(seed)
    ms = [1 << 30, (1 << 31) - 1, *rng.integers(1 << 30, 1 << 31, 40).tolist()]
    accs = [0, 1, -1, (1 << 30) - 1, -(1 << 30) + 1, *rng.integers(-(1 << 30) + 1, 1 << 30, 200).tolist()]
    for m in ms:
        m2 = 2 * m - (1 << 32)
        assert -(1 << 31) <= m2 < 0
        for acc in accs:
            assert _smmlar(acc, m2, acc) == srdhm(acc, m), (acc, m)


def test_rq_layout_stores_m2_and_refuses_small_multipliers():
    w = np.array([[1, -2, 3], [4, 5, -6], [0, 0, 0]], np.int8)
    bias = np.array([10, -20, 7], np.int32)
    mult = np.array([1 << 30, 1_500_000_000, 1_200_000_000])
    shift = np.array([-1, -5, -3])
    rq = dsp_rq_layout(w, bias, mult, shift, 3, -128, 127).reshape(-1, 6)   # 2 pairs: bias[2], m2[2], -shift-1[2]
    assert rq[0, 0:2].tolist() == [10, -20]
    assert rq[0, 2:4].tolist() == [2 * (1 << 30) - (1 << 32), 2 * 1_500_000_000 - (1 << 32)]
    assert rq[0, 4:6].tolist() == [0, 4]
    assert rq[1, 2] == -(1 << 31) and rq[1, 4] == 0          # the all-zero channel: m 2^30, shift -1
    assert dsp_rq_layout(w, bias, np.array([0, 1 << 30, 1 << 30]), shift, 3, -128, 127) is None


@pytest.mark.parametrize("n_out,n", [(1, 5), (4, 3), (4, 8), (7, 6), (9, 13), (12, 40)])
def test_fc_group_layout_order(n_out, n):
    w = np.arange(n_out * n, dtype=np.int64).reshape(n_out, n)      # element value = its plain index
    g = fc_group_layout((w % 251 - 125).astype(np.int8))
    assert g.size == w.size
    want, n4 = [], n & ~3
    for grp in range(n_out // 4):
        rows = range(4 * grp, 4 * grp + 4)
        for j in range(0, n4, 4):
            want += [w[r, j + t] for r in rows for t in range(4)]
        want += [w[r, k] for r in rows for k in range(n4, n)]
    want += [w[r, k] for r in range(4 * (n_out // 4), n_out) for k in range(n)]
    assert g.tolist() == (np.array(want) % 251 - 125).tolist()


def test_x16_window_limit_agrees_with_the_kernel_header():
    """ops/conv2d.py sizes the stack scratch the DSP conv's sign-extended path needs; the kernel picks the path."""
    import re
    from pathlib import Path

    import microforge
    from microforge.ops.conv2d import X16_MAX_WIN
    header = (Path(microforge.__file__).parent / "runtime" / "dsp" / "mf_conv2d.h").read_text()
    assert int(re.search(r"#define MF_CONV2D_X16_MAX_WIN (\d+)", header).group(1)) == X16_MAX_WIN
