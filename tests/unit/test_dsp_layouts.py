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


def test_row_bytes_agree_with_the_kernel_header():
    """ops/conv2d.py sizes mf_conv2d_s8_rowmix's scratch from the strips the kernel's MF_CONV2D_ROW_STRIP makes."""
    import re
    from pathlib import Path

    import microforge
    from microforge.ops.conv2d import ROW_BYTES
    header = (Path(microforge.__file__).parent / "runtime" / "dsp" / "mf_conv2d.h").read_text()
    assert int(re.search(r"#define MF_CONV2D_ROW_BYTES (\d+)", header).group(1)) == ROW_BYTES


def test_row_two_shapes_and_bytes():
    """Two output rows per build of row entries (mix = 8, runtime/dsp/mf_conv2d.h mf_conv2d_s8_rowmix2): ops/conv2d.py
    row_two takes a mix 6 layer off the M7 whose window pass (rmix_pass8, the header's MF_RMIX_PASS8) is one entry's
    k_h * in_c values, whose pass step (entries of k_h + stride_h rows) fits LDR's 8-bit pre-index, with two output
    rows or more and an even out_w; row_bytes sizes its entries of k_h + stride_h rows."""
    import re
    from pathlib import Path

    import microforge
    from microforge.ops import conv2d
    header = (Path(microforge.__file__).parent / "runtime" / "dsp" / "mf_conv2d.h").read_text()
    pass8 = re.search(r"#define MF_RMIX_PASS8\(nw\) \(\(nw\) % 24 == 0 \? 3 : \(nw\) % 16 == 0 \? 2 : 1\)", header)
    assert pass8 and [conv2d.rmix_pass8(n) for n in (72, 144, 16, 32, 36, 24, 8)] == [3, 3, 2, 2, 1, 3, 1]
    ic_layer = dict(k_h=3, k_w=3, in_c=16, stride_h=1, stride_w=1, out_h=8, out_w=32, mix=6)
    assert conv2d.row_two(ic_layer, "MF_TARGET_M4") and conv2d.row_two(ic_layer, "MF_TARGET_M33")
    assert not conv2d.row_two(ic_layer, "MF_TARGET_M7")
    for change, two in (({"stride_h": 2}, True), ({"k_h": 2, "k_w": 2}, True), ({"k_w": 1}, True),
                        ({"out_h": 3}, True), ({"out_h": 1}, False), ({"out_w": 31}, False), ({"in_c": 32}, False),
                        ({"in_c": 8}, False), ({"stride_h": 5}, False), ({"mix": 4}, False)):
        assert conv2d.row_two({**ic_layer, **change}, "MF_TARGET_M4") == two, change
    # ic's 32-wide rows: one row in one strip (34 entries of 3 rows), two rows in strips of 24 (26 entries of 4 rows)
    assert conv2d.row_bytes(ic_layer) == 2 * 34 * 48 + 8
    assert conv2d.row_strip(ic_layer, 4) == 24 and conv2d.row_bytes({**ic_layer, "mix": 8}) == 2 * 26 * 64 + 8


def test_pw_pair_bound_agrees_with_the_kernel_header():
    """tests/target's pw models sit on both sides of mf_dsp_pw_pair's bound (ops/conv2d.py PW_PAIR_MAX_IC), which must
    be the kernel's."""
    import re
    from pathlib import Path

    import microforge
    from microforge.ops.conv2d import PW_PAIR_MAX_IC
    header = (Path(microforge.__file__).parent / "runtime" / "dsp" / "mf_conv2d.h").read_text()
    assert int(re.search(r"#define MF_CONV2D_PW_PAIR_MAX_IC (\d+)", header).group(1)) == PW_PAIR_MAX_IC
    assert "k4 <= MF_CONV2D_PW_PAIR_MAX_IC" in header


def test_seg_bytes_agree_with_the_kernel_header():
    """ops/conv2d.py sizes mf_conv2d_s8_seg's scratch from the strips the kernel's MF_CONV2D_SEG_STRIP makes."""
    import re
    from pathlib import Path

    import microforge
    from microforge.ops.conv2d import SEG_BYTES
    header = (Path(microforge.__file__).parent / "runtime" / "dsp" / "mf_conv2d.h").read_text()
    assert int(re.search(r"#define MF_CONV2D_SEG_BYTES (\d+)", header).group(1)) == SEG_BYTES


@pytest.mark.parametrize("kh,kw,ic,oc,sh", [(3, 3, 3, 8, 1), (3, 3, 3, 16, 1), (10, 4, 1, 64, 1), (3, 3, 1, 5, 1),
                                            (2, 3, 3, 5, 1), (4, 3, 1, 12, 1), (1, 3, 3, 9, 1), (3, 1, 5, 6, 1),
                                            (5, 5, 1, 4, 1), (3, 3, 7, 1, 1), (3, 3, 3, 8, 2),
                                            (10, 4, 1, 64, 2), (4, 3, 1, 13, 2), (2, 5, 1, 7, 2)])
def test_seg_layout_lines_up_with_the_kernel(kh, kw, ic, oc, sh, monkeypatch):
    """mf_conv2d_s8_seg's arithmetic on seg_layout's words, word by word as MF_DSP_SEG_WINDOW reads them (per row
    its whole words, then the rows' last values two to a word, a last odd row's word with any value after it; in the
    column layout, in_c 1 with k_h even at stride_h 2, per kernel column its k_h / 2 words down the column), equals
    the window's dot products for every channel: SMLAD of the raw words gives 256 * c' + c, of their SXTB16 c."""
    from microforge.ops import conv2d
    from microforge.ops.conv2d import seg_cols, seg_layout, seg_words
    monkeypatch.setattr(conv2d, "MIX_MAX_PAD", float("inf"))   # out_c 1, 5, 6, 9: padded last groups
    rng = np.random.default_rng(kh * 1000 + kw * 100 + ic * 10 + oc)
    w = rng.integers(-127, 128, (oc, kh, kw, ic)).astype(np.int8)   # (mix_layout refuses a -128 over a negative)
    fields = dict(k_h=kh, k_w=kw, in_c=ic, stride_h=sh, stride_w=1, dil_h=1, dil_w=1, out_w=7)
    wseg = seg_layout(w, fields)
    assert wseg is not None
    words = seg_words(kh, kw, ic)
    x = rng.integers(-128, 128, (kh, kw * ic))
    want = w.astype(np.int64).reshape(oc, -1) @ x.reshape(-1)
    cols = seg_cols(fields)
    assert cols == (ic == 1 and kh % 2 == 0 and sh == 2)
    if cols:   # the kernel's rows are the window's columns
        x, kh, kw = x.T.copy(), kw, kh
    L, nf = kw * ic, kw * ic // 2
    junk = int(rng.integers(-32768, 32768))
    xin = [(x[ky, 2 * j], x[ky, 2 * j + 1]) for ky in range(kh) for j in range(nf)]
    if L % 2:
        xin += [(x[ky, L - 1], x[ky + 1, L - 1]) for ky in range(0, kh - 1, 2)]
        if kh % 2:
            xin.append((x[kh - 1, L - 1], junk))
    assert len(xin) == words
    b = wseg.astype(np.int64).reshape(-1, words, 2, 4)   # [group][input word][A01, A23][bytes]
    for g in range(b.shape[0]):
        for pair in range(2):
            m = s_ = 0
            for i, (lo, hi) in enumerate(xin):
                by = b[g, i, pair] & 0xFF
                h0 = int(np.int16(by[0] | by[1] << 8)); h1 = int(np.int16(by[2] | by[3] << 8))
                s8 = lambda v: int(v) - 256 * (int(v) >= 128)
                m += lo * h0 + hi * h1
                s_ += lo * s8(by[0]) + hi * s8(by[2])
            c = 4 * g + 2 * pair
            if c < oc:
                assert s_ == want[c]
            if c + 1 < oc:
                assert (m - s_) % 256 == 0 and (m - s_) // 256 == want[c + 1]


def _sxtb16(word: int, ror: int = 0) -> tuple[int, int]:
    """Arm SXTB16 (optionally ror #8): bytes 0 and 2 of the rotated word, sign-extended (low lane, high lane)."""
    b = (word >> ror | word << (32 - ror)) & 0xFFFFFFFF if ror else word
    s8 = lambda v: (v & 0xFF) - 256 * bool(v & 0x80)
    return s8(b), s8(b >> 16)


@pytest.mark.parametrize("kk,c", [(9, 1), (9, 3), (9, 4), (9, 5), (9, 7), (9, 13), (9, 64), (4, 8), (1, 12), (25, 6), (2, 7)])
def test_depthwise_dsp_layout_is_int8_and_lines_up_with_the_kernel(kk, c):
    """runtime/dsp/mf_depthwise_conv2d.h reads wq as words: per group of 4 channels, per tap pair two words whose
    SXTB16 plain / ror 8 lanes are each channel's (w_t, w_t+1); an odd last tap as one word (lanes c0,c2 / c1,c3);
    the tail channels byte by byte. The weights take exactly one byte each in flash."""
    from microforge.ops.depthwise_conv2d import DepthwiseConv2D
    rng = np.random.default_rng(kk * 100 + c)
    w = rng.integers(-128, 128, (kk, c)).astype(np.int8)
    bias = rng.integers(-5000, 5000, c).astype(np.int32)
    mult = rng.integers(1 << 30, 1 << 31, c)
    shift = -rng.integers(1, 23, c)
    wq, rq = DepthwiseConv2D._dsp_layout(w, bias, mult, shift, -7)
    assert wq.dtype == np.int8 and wq.size == kk * c
    words = np.frombuffer(wq[:4 * (c // 4) * kk].tobytes(), "<u4").astype(np.int64).tolist()
    got = np.zeros((kk, c), np.int64)
    i = 0
    for g in range(c // 4):
        for k in range(kk // 2):
            for half in (0, 1):
                for j, ror in enumerate((0, 8)):
                    got[2 * k, 4 * g + 2 * half + j], got[2 * k + 1, 4 * g + 2 * half + j] = _sxtb16(words[i], ror)
                i += 1
        if kk % 2:
            (got[kk - 1, 4 * g], got[kk - 1, 4 * g + 2]), (got[kk - 1, 4 * g + 1], got[kk - 1, 4 * g + 3]) = \
                _sxtb16(words[i]), _sxtb16(words[i], 8)
            i += 1
    got[:, 4 * (c // 4):] = wq[4 * (c // 4) * kk:].reshape(c % 4, kk).T
    assert (got == w).all()
    # requantisation: per group bias[4], mult[4], rnd[4], one word of the bytes e; per tail channel bias, mult, e, rnd
    assert rq.dtype == np.int32 and rq.size == 13 * (c // 4) + 4 * (c % 4)     # 13 bytes a channel in a group
    grp = rq[:13 * (c // 4)].reshape(-1, 13)
    e8 = grp[:, 12:].copy().view(np.uint8).astype(int).reshape(-1)
    tail = rq[13 * (c // 4):].reshape(-1, 4)
    e = e8.tolist() + tail[:, 2].tolist()
    assert e == (-shift).tolist()
    assert grp[:, :4].reshape(-1).tolist() + tail[:, 0].tolist() == bias.tolist()
    assert grp[:, 4:8].reshape(-1).tolist() + tail[:, 1].tolist() == mult.tolist()
    assert grp[:, 8:12].reshape(-1).tolist() + tail[:, 3].tolist() == [(1 << (v - 1)) - 7 * (1 << v) for v in e]


def _halves(word: int) -> tuple[int, int]:
    """(bottom, top) int16 halves of a 32-bit word."""
    s16 = lambda v: (v & 0xFFFF) - 0x10000 * bool(v & 0x8000)
    return s16(word), s16(word >> 16)


def _smmlar(a: int, b: int, acc: int) -> int:
    """SMMLAR: (acc << 32) + a*b + 2^31, top word, as int32."""
    v = (((acc << 32) + a * b + (1 << 31)) >> 32) & 0xFFFFFFFF
    return v - (1 << 32) * bool(v >> 31)


def _rows_build(group: list[int]) -> list[list[int]]:
    """What mf_dw_rows_weights builds on the stack from one group's 25 words (as uint32): per channel j the ten
    words P0, Q0, P1, Q1, P2, Q2, 2*bias, m, rnd, e, with its instructions on 32-bit words."""
    s8 = lambda b: (b & 0xFF) - 0x100 * bool(b & 0x80)
    pair = lambda lo, hi: (lo & 0xFFFF) | ((hi & 0xFFFF) << 16)
    lo16 = lambda v: (v & 0xFFFF) - 0x10000 * bool(v & 0x8000)
    hi16 = lambda v: lo16(v >> 16)
    rot = lambda v, n: ((v >> n) | (v << (32 - n))) & 0xFFFFFFFF
    sxtb16 = lambda v, n: pair(s8(rot(v, n)), s8(rot(v, n) >> 16))   # SXTB16 Rd, Rm, ROR #n: bytes 0 and 2
    sadd16 = lambda a, b: pair(lo16(a) + lo16(b), hi16(a) + hi16(b))
    ror16 = lambda v: rot(v, 16)
    pkhbt = lambda n, m: (n & 0xFFFF) | ((m & 0xFFFF) << 16)        # PKHBT Rd, Rn, Rm, LSL #16
    k = [[0] * 10 for _ in range(4)]
    for r in range(3):
        z, x01, x23 = group[3 * r:3 * r + 3]
        e02, e13 = sxtb16(z, 0), sxtb16(z, 8)
        e02, e13 = sadd16(e02, e02), sadd16(e13, e13)
        e = [e02, e13, ror16(e02), ror16(e13)]
        q = [sxtb16(x01, 0), sxtb16(x01, 8), sxtb16(x23, 0), sxtb16(x23, 8)]
        for j in range(4):
            qj = sadd16(q[j], q[j])
            k[j][2 * r], k[j][2 * r + 1] = pkhbt(e[j], qj), qj
    for j in range(4):
        k[j][6:10] = group[9 + 4 * j:13 + 4 * j]
    return k


@pytest.mark.parametrize("c,out_zp,seed", [(1, -128, 0), (3, 5, 1), (4, -7, 2), (7, 0, 3), (13, 127, 4), (64, -1, 5)])
def test_depthwise_rows_layout_gives_tflm_outputs(c, out_zp, seed):
    """runtime/dsp row path: _rows_layout stores the weights int8 (9 bytes a channel, 4-channel groups of 25 words:
    9 weight words, then per channel 2*bias, m, rnd, e); mf_dw_rows_weights builds per channel P_r = (2w_r0, 2w_r1),
    Q_r = (2w_r1, 2w_r2) on the stack (emulated by _rows_build). Emulating mf_dw_rows_channel's instructions on
    int16 pairs of a 3-row window (out_x += SMLAD(A, P) + SMLABT(B, Q), out_x+1 += SMLATB(A, P) + SMLAD(B, Q)) and
    its requantisation (SMMLAR(2acc, m, rnd), the sum's sign added, >> e, saturated) gives TFLM's
    MultiplyByQuantizedMultiplier(acc, m, shift) + out_zp, saturated."""
    from microforge.ops.depthwise_conv2d import DepthwiseConv2D
    from microforge.quant import multiply_by_quantized_multiplier
    rng = np.random.default_rng(seed)
    w = rng.integers(-128, 128, (9, c)).astype(np.int8)
    w[:, 0] = [-128, 127, -128, 127, -128, 127, -128, 127, -128]      # extremes: 2w still fits int16
    if c > 2:
        w[:, 2] = [127, -128, 127, -128, 127, -128, 127, -128, 127]   # and in the ROR 16 lane
    bias = rng.integers(-20000, 20000, c).astype(np.int32)
    mult = rng.integers(1 << 30, (1 << 31) - 1, c)
    shift = -rng.integers(1, 23, c)
    wr = DepthwiseConv2D._rows_layout(w, bias, mult, shift, out_zp)
    groups = -(-c // 4)
    assert wr.dtype == np.int32 and wr.size == 25 * groups
    assert wr.nbytes == 9 * 4 * groups + 16 * 4 * groups                 # weights: 9 bytes a channel (the .tflite's)
    words = [int(v) for v in wr.astype(np.int64) & 0xFFFFFFFF]
    k = [ch for g in range(groups) for ch in _rows_build(words[25 * g:25 * g + 25])]
    x = rng.integers(-128, 128, (c, 3, 4))                           # per channel, 3 rows of 4 columns
    x[0, :, :] = -128
    word = lambda row, u: (int(row[u]) & 0xFFFF) | ((int(row[u + 1]) & 0xFFFF) << 16)
    for ch in range(c):
        k_ch = k[ch]
        s32 = lambda v: v - (1 << 32) * bool(v >> 31)
        b2, m, rnd, e = s32(k_ch[6]), k_ch[7], s32(k_ch[8]), k_ch[9]
        a0 = a1 = b2
        for r in range(3):
            P, Q = _halves(k_ch[2 * r]), _halves(k_ch[2 * r + 1])
            assert P == (2 * int(w[3 * r, ch]), 2 * int(w[3 * r + 1, ch])) and Q == (2 * int(w[3 * r + 1, ch]), 2 * int(w[3 * r + 2, ch]))
            A, B = _halves(word(x[ch, r], 0)), _halves(word(x[ch, r], 2))
            a0 += A[0] * P[0] + A[1] * P[1] + B[0] * Q[1]             # SMLAD(A, P) + SMLABT(B, Q)
            a1 += A[1] * P[0] + B[0] * Q[0] + B[1] * Q[1]             # SMLATB(A, P) + SMLAD(B, Q)
        for xo, acc2 in ((0, a0), (1, a1)):
            acc = int(bias[ch]) + int((x[ch, :, xo:xo + 3] * w[:, ch].reshape(3, 3)).sum())
            assert acc2 == 2 * acc
            v = _smmlar(acc2, m, rnd) + (acc2 >> 31)
            got = max(-128, min(127, v >> e))
            want = max(-128, min(127, int(multiply_by_quantized_multiplier(acc, int(mult[ch]), int(shift[ch]))) + out_zp))
            assert got == want, (ch, xo)


@pytest.mark.parametrize("c,out_zp", [(1, -128), (4, 0), (7, 5), (13, -3), (64, 127)])
def test_depthwise_rows_compact_layout(c, out_zp):
    """The direct row path's compact groups (_rows_layout compact=True, MF_DW_ROWS_GWC = 18 words: the 9 weight words,
    2*bias[4], m[4], one word of the bytes e[4]; 18 bytes a channel) give mf_dw_rows_build the words of the full
    layout: 2*bias and m copied, e read as a byte, rnd = 2^(e-1) + out_zp * 2^e computed (in int32, as the kernel);
    the padding channels' e is 1."""
    from microforge.ops.depthwise_conv2d import DepthwiseConv2D
    rng = np.random.default_rng(c)
    w = rng.integers(-128, 128, (9, c)).astype(np.int8)
    bias = rng.integers(-(1 << 20), 1 << 20, c).astype(np.int32)
    mult = rng.integers(1 << 30, (1 << 31) - 1, c)
    shift = -rng.integers(1, 23, c)
    full = DepthwiseConv2D._rows_layout(w, bias, mult, shift, out_zp).astype(np.int64)
    comp = DepthwiseConv2D._rows_layout(w, bias, mult, shift, out_zp, compact=True).astype(np.int64)
    g = -(-c // 4)
    assert comp.size == 18 * g and comp.dtype == np.int64
    s32 = lambda v: int(np.int32(np.uint32(int(v) & 0xFFFFFFFF)))
    for gi in range(g):
        f, k = full[25 * gi:25 * gi + 25], comp[18 * gi:18 * gi + 18]
        assert (f[:9] == k[:9]).all()
        e4 = int(k[17]) & 0xFFFFFFFF
        for j in range(4):
            e = (e4 >> (8 * j)) & 0xFF
            rnd = s32((1 << (e - 1)) + out_zp * (1 << e))
            if 4 * gi + j < c:
                assert (k[9 + j], k[13 + j], rnd, e) == tuple(f[9 + 4 * j:13 + 4 * j]), (gi, j)
            else:
                assert (k[9 + j], k[13 + j], e) == (0, 0, 1)


def _rows_direct_safe(op, xa: int, ya: int) -> bool:
    """Replays mf_dw_rows with p->direct (groups of 4 channels outermost, per band of output rows: read the input
    rows it widens, then write its output rows) on byte addresses: True when no read meets a byte written before."""
    from microforge.ops.base import padding_of, window
    from microforge.ops.depthwise_conv2d import DepthwiseConv2D
    x, y = op.inputs[0], op.outputs[0]
    n, ih, iw, c = x.shape
    oh, ow = y.shape[1], y.shape[2]
    sh, band = op.options["stride_h"], DepthwiseConv2D.rows_band(op)
    _, pad_t = window(op, ih, 3, sh, 1, padding_of(op, 0))
    written = set()
    for b in range(n):
        for c0 in range(0, c, 4):
            ch = range(c0, min(c, c0 + 4))
            for oy in range(0, oh, band):
                nb = min(band, oh - oy)
                for iy in range(oy * sh - pad_t, oy * sh - pad_t + (nb - 1) * sh + 3):
                    if 0 <= iy < ih:
                        reads = {xa + ((b * ih + iy) * iw + ix) * c + j for ix in range(iw) for j in ch}
                        if reads & written:
                            return False
                written |= {ya + ((b * oh + yy) * ow + ox) * c + j for yy in range(oy, oy + nb) for ox in range(ow) for j in ch}
    return True


@pytest.mark.parametrize("shape,stride,padding", [((1, 6, 6, 8), 1, "SAME"), ((1, 5, 7, 6), 1, "VALID"),
                                                  ((1, 9, 8, 4), (2, 1), "SAME"), ((2, 4, 5, 4), 1, "SAME")])
def test_depthwise_rows_direct_only_when_no_write_meets_unread_input(shape, stride, padding):
    """DepthwiseConv2D._rows_direct (the row path without staging, weights built once per call): for every
    placement of the output around the input in one arena it holds only where replaying the kernel's reads and
    writes finds no read of a byte already written; it does hold for the in-place lead the planner gives a 3x3
    SAME layer (one input row and a pixel before the input), for separate arenas, and never for a tensor without a
    fixed place (EmitContext.place None)."""
    from microforge import modelgen as mg
    from microforge.frontend import load_tflite
    from microforge.ops.depthwise_conv2d import DepthwiseConv2D
    op = load_tflite(mg.depthwise_model(0, shape, 1, 3, stride, padding, 1, "NONE")).ops[0]
    assert DepthwiseConv2D.uses_rows(op)
    x, y = op.inputs[0], op.outputs[0]
    ptr = lambda arena, off: (arena, off)
    xa, held = 4 * x.num_elements, 0
    for ya in range(xa - y.num_elements - 8, xa + x.num_elements + 8):
        direct = DepthwiseConv2D._rows_direct(op, ptr("mf_arena", xa), ptr("mf_arena", ya), 1 if padding == "SAME" else 0)
        if direct:
            assert _rows_direct_safe(op, xa, ya), ya
            held += ya + y.num_elements > xa             # an overlapping placement
    n, ih, iw, c = x.shape
    if n == 1 and padding == "SAME" and stride == 1:
        assert held > 0
        assert DepthwiseConv2D._rows_direct(op, ptr("mf_arena", xa), ptr("mf_arena", xa - (iw + 1) * c), 1)
    assert not _rows_direct_safe(op, xa, xa + 2 * iw * c)     # the replay can fail: output row 0 on input row 2
    assert DepthwiseConv2D._rows_direct(op, ptr("mf_arena", 0), ptr("mf_arena_dtcm", 0), 1)
    assert not DepthwiseConv2D._rows_direct(op, ptr("mf_arena", 0), None, 1)
    assert not DepthwiseConv2D._rows_direct(op, None, ptr("mf_arena", 0), 1)


def test_emit_context_place_reads_fixed_offsets_only():
    """EmitContext.place (codegen/generate.py): a tensor's arena and offset, a band view's at a constant offset
    added; None for a view at a loop-dependent offset, a constant and a variable tensor's state."""
    from microforge import modelgen as mg
    from microforge.codegen.generate import _Ctx
    from microforge.frontend import load_tflite
    op = load_tflite(mg.depthwise_model(0, (1, 6, 6, 8), 1, 3, 1, "SAME", 1, "NONE")).ops[0]
    x, w, y = op.inputs[0], op.inputs[1], op.outputs[0]
    ctx = _Ctx({id(x): ("mf_arena", 64), id(y): ("mf_arena_dtcm", 0)}, {}, ("dsp", "portable"))
    assert ctx.place(x) == ("mf_arena", 64) and ctx.place(y) == ("mf_arena_dtcm", 0)
    ctx.view(y, x, "320")
    assert ctx.place(y) == ("mf_arena", 384) and ctx.ptr(y) == "(int8_t *)(mf_arena + 64 + 320)"
    ctx.view(y, x, "320 + 48 * j")
    assert ctx.place(y) is None
    assert ctx.place(w) is None


def _mix_dot(wmix: np.ndarray, x: np.ndarray, n_out: int, k: int) -> np.ndarray:
    """What mf_dsp_mix_rows computes from mix_layout's bytes for one window x (k int8), as int32 arithmetic:
    per chunk and ev/od half, SMLAD of the raw word's halfwords (little-endian int16) and of its SXTB16 with
    the int16 inputs (x_k, x_k+2); then c = plain sum, c' = (mixed - plain) >> 8 (both wrapped to int32)."""
    k4, n4 = (k + 3) & ~3, (n_out + 3) & ~3
    xp = np.zeros(k4, np.int64)
    xp[:k] = x
    words = wmix.reshape(n4 // 4, k4 // 4, 2, 2, 4)            # group, chunk, ev/od, pair, bytes
    half = words.view(np.uint8).reshape(n4 // 4, k4 // 4, 2, 2, 2, 2).astype(np.int64)
    h = (half[..., 0] | half[..., 1] << 8)                     # halfwords
    h = np.where(h >= 1 << 15, h - (1 << 16), h)               # [group][chunk][parity][pair][lane]
    lo = words.reshape(n4 // 4, k4 // 4, 2, 2, 2, 2)[..., 0].astype(np.int64)   # SXTB16: bytes 0, 2
    e = xp.reshape(k4 // 4, 2, 2).transpose(0, 2, 1)           # [chunk][parity][lane]: x[4j + 2*lane + parity]
    mixed = np.einsum("gjpql,jpl->gq", h, e)
    plain = np.einsum("gjpql,jpl->gq", lo, e)
    wrap = lambda v: (v + (1 << 31)) % (1 << 32) - (1 << 31)
    c = wrap(plain)
    c2 = wrap(mixed - plain) >> 8
    return np.stack([c, c2], axis=-1).reshape(-1)[:n_out]


@pytest.mark.parametrize("n_out,k", [(4, 20), (8, 27), (5, 96), (13, 117), (64, 128), (3, 576)])
def test_mix_layout_dot_products(n_out, k):
    from microforge.ops import conv2d
    rng = np.random.default_rng(n_out * 1000 + k)
    w = rng.integers(-127, 128, (n_out, k)).astype(np.int8)
    w[0, :4] = [-128, -128, 5, -1]                             # -128 under a non-negative byte is fine
    old = conv2d.MIX_MAX_PAD
    conv2d.MIX_MAX_PAD = float("inf")                          # the padding rule is tested below
    try:
        wmix = conv2d.mix_layout(w)
    finally:
        conv2d.MIX_MAX_PAD = old
    assert wmix is not None and wmix.dtype == np.int8 and wmix.size == ((n_out + 3) & ~3) * ((k + 3) & ~3)
    for x in (rng.integers(-128, 128, k), np.full(k, -128), np.full(k, 127)):
        want = w.astype(np.int64) @ x.astype(np.int64)
        assert _mix_dot(wmix, x, n_out, k).tolist() == want.tolist()


def test_mix_layout_refusals():
    from microforge.ops.conv2d import MIX_MAX_WIN, MIX_MIN_WIN, mix_layout
    ok = np.ones((8, 32), np.int8)
    assert mix_layout(ok) is not None
    bad = ok.copy()
    bad[0, 5], bad[1, 5] = -3, -128                            # c' byte -128 over a negative c byte: -129
    assert mix_layout(bad) is None
    assert mix_layout(np.ones((8, MIX_MIN_WIN - 4), np.int8)) is None
    assert mix_layout(np.ones((8, MIX_MAX_WIN + 4), np.int8)) is None
    assert mix_layout(np.ones((5, 32), np.int8)) is None       # 3 padded channels: 60% more bytes
    assert mix_layout(np.ones((8, 21), np.int8)) is None       # 21 -> 24 bytes per row: 14%
    big = np.full((4, 520), 127, np.int8)                      # c' rows' sum |w| = 66,040 >= 2^16
    assert mix_layout(big) is None


from microforge.ops.fully_connected import fc_mix_segments  # noqa: E402


def _fc_mix_dot(wm: np.ndarray, x: np.ndarray, n_out: int, n: int, wm_plain=None, seg=None) -> np.ndarray:
    """mf_fully_connected_s8_mix's arithmetic in numpy: per 8-row group, SMLAD of the raw A/B words (int16 halfwords)
    and of their SXTB16 with the input's ev/od int16 pairs, 32-bit wrapping accumulators; rows left over plain."""
    q, k4 = n_out // 8, (n + 3) & ~3
    xp = np.zeros(k4, np.int64)
    xp[:n] = x
    wrap = lambda v: (v + (1 << 31)) % (1 << 32) - (1 << 31)  # noqa: E731
    body = wm[:8 * q * k4].reshape(q, k4 // 4, 2, 4, 2, 2).astype(np.int64)  # [g][j][A/B][pair][lane][c, c']
    half = (body[..., 0] & 0xFF) + 256 * body[..., 1]        # the words' halfwords read as int16
    assert (np.abs(half) < 1 << 15).all()
    xs = xp.reshape(k4 // 4, 2, 2).transpose(0, 2, 1)         # [j][ev/od][lane]: x[4j + 2*lane + parity]
    seg = fc_mix_segments(wm_plain) if seg is None else seg
    plain = wrap(np.einsum("gjapl,jal->gp", body[..., 0], xs))
    c2 = 0
    for j0 in range(0, k4 // 4, seg):                        # per segment: 256 * c' sum recovered from m - s
        sl = slice(j0, j0 + seg)
        mixed = wrap(np.einsum("gjapl,jal->gp", half[:, sl], xs[sl]))
        c2 = c2 + (wrap(mixed - wrap(np.einsum("gjapl,jal->gp", body[:, sl, ..., 0], xs[sl]))) >> 8)
    out = np.stack([plain, c2], axis=-1).reshape(-1).tolist()
    rest = wm[8 * q * k4:].astype(np.int64).reshape(n_out - 8 * q, n)
    return np.array(out + (rest @ x.astype(np.int64)).tolist())


@pytest.mark.parametrize("n_out,n", [(8, 4), (8, 8), (9, 640), (16, 128), (13, 100), (23, 1280), (1000, 1280)])
def test_fc_mix_layout_dot_products(n_out, n, monkeypatch):
    from microforge.ops import fully_connected
    from microforge.ops.fully_connected import fc_mix_layout
    monkeypatch.setattr(fully_connected, "MIX_MIN_GROUPS", 1)   # single groups too (the rule is tested below)
    rng = np.random.default_rng(n_out * 7 + n)
    w = rng.integers(-50, 51, (n_out, n)).astype(np.int8)
    w[0, :4] = [-128, -128, 5, -1]                             # -128 under a non-negative byte is fine
    w[1, :4] = [127, 0, -128, 5]                               # c' byte -128 over c byte 5
    wm = fc_mix_layout(w)
    k4 = (n + 3) & ~3
    assert wm is not None and wm.dtype == np.int8 and wm.size == 8 * (n_out // 8) * k4 + (n_out % 8) * n
    for x in (rng.integers(-128, 128, n), np.full(n, -128), np.full(n, 127)):
        assert _fc_mix_dot(wm, x, n_out, n, w).tolist() == (w.astype(np.int64) @ x.astype(np.int64)).tolist()


def test_fc_mix_layout_word_order():
    from microforge.ops.fully_connected import fc_mix_layout   # 16 rows: two groups
    w = np.arange(16 * 8).reshape(16, 8) % 100                 # all non-negative: stored bytes are the weights
    wm = fc_mix_layout(w.astype(np.int8)).astype(np.int64)
    # group 1, chunk 1, B word of pair 2 (rows 12, 13; inputs 5 and 7)
    off = 8 * 8 + 1 * 32 + (4 + 2) * 4
    assert wm[off:off + 4].tolist() == [w[12, 5], w[13, 5], w[12, 7], w[13, 7]]
    assert wm[:4].tolist() == [w[0, 0], w[1, 0], w[0, 2], w[1, 2]]


def test_fc_mix_layout_refusals(monkeypatch):
    from microforge.ops import fully_connected
    from microforge.ops.fully_connected import fc_mix_layout
    assert fully_connected.MIX_MIN_GROUPS == 1                 # one group pays (a per-tensor group is one asm block)
    monkeypatch.setattr(fully_connected, "MIX_MIN_GROUPS", 2)
    assert fc_mix_layout(np.ones((15, 32), np.int8)) is None    # one group when two are asked for
    assert fc_mix_layout(np.ones((16, 32), np.int8)) is not None
    monkeypatch.setattr(fully_connected, "MIX_MIN_GROUPS", 1)
    ok = np.ones((8, 32), np.int8)
    assert fc_mix_layout(ok) is not None
    assert fc_mix_layout(np.ones((7, 32), np.int8)) is None     # no whole group of 8 rows
    bad = ok.copy()
    bad[2, 5], bad[3, 5] = -3, -128                            # c' byte -128 over a negative c byte: -129
    assert fc_mix_layout(bad) is None
    assert fc_mix_layout(np.ones((8, 13), np.int8)) is None     # 13 -> 16 inputs: 23% padding
    assert fc_mix_layout(np.ones((8, 100), np.int8)) is not None
    assert fc_mix_layout(np.full((8, 520), 127, np.int8)) is not None   # c' sums 66,040: two segments


@pytest.mark.parametrize("n,value,seg", [(520, 127, 65), (1280, 100, 160), (1280, 51, 320), (1280, 52, 160),
                                         (8, 127, 2), (12, -127, 3), (1280, -127, 80)])
def test_fc_mix_segments(n, value, seg):
    from microforge.ops.fully_connected import fc_mix_layout
    w = np.full((16, n), value, np.int8)
    w[1::2, 0] = 1                                             # c' rows' sum |w| = (n - 1) * |value| + 1
    assert fc_mix_segments(w) == seg
    steps = ((n + 3) & ~3) // 4
    assert steps % seg == 0 and (np.abs(w[1::2].astype(np.int64)).reshape(8, -1, 4 * seg).sum(axis=2) < 1 << 16).all()
    wm = fc_mix_layout(w)
    if seg < steps:                                            # the heaviest input makes one segment overflow
        x = np.full(n, -128 if value > 0 else 127)
        assert _fc_mix_dot(wm, x, 16, n, seg=steps).tolist() != (w.astype(np.int64) @ x).tolist()
    for x in (np.full(n, -128), np.full(n, 127), np.random.default_rng(n).integers(-128, 128, n)):
        assert _fc_mix_dot(wm, x, 16, n, w).tolist() == (w.astype(np.int64) @ x.astype(np.int64)).tolist()


def _win4(img: np.ndarray, w: int, b: int, r: int, rs: int, k: int) -> tuple[bytes, list[tuple[int, int]]]:
    """mf_dsp_win4 (runtime/dsp/mf_conv2d.h) on a byte image: the 4 bytes it returns for window byte b of the
    window whose row ky starts at w + ky*rs, and the [start, end) byte ranges it loads."""
    ky, col = divmod(b, r)
    if col + 4 <= r:
        at = w + ky * rs + col
        return bytes(img[at:at + 4]), [(at, at + 4)]
    n1 = r - col
    at = w + ky * rs + r - 4
    lo = bytes(img[at + 4 - n1:at + 4]) + bytes(4 - n1)     # logical shift right by 8*(4 - n1): zeros above
    loads = [(at, at + 4)]
    if b + n1 >= k:
        return lo, loads
    at2 = w + (ky + 1) * rs
    loads.append((at2, at2 + 4))
    return lo[:n1] + bytes(img[at2:at2 + 4 - n1]), loads


@pytest.mark.parametrize("r", [4, 5, 6, 7, 9, 12, 15, 21])
@pytest.mark.parametrize("kh", [1, 2, 3, 5])
def test_mix_gather_words_are_the_window_and_loads_stay_in_its_rows(r, kh):
    """The in-place gather of mf_conv2d_s8_mix: every 4-byte chunk of a window of kh rows of r contiguous bytes
    (row stride rs > r) equals the im2col bytes wherever the window has them (padding bytes past k: anything),
    and every load lies inside one of the window's rows (so no read leaves the input)."""
    rng = np.random.default_rng(r * 10 + kh)
    rs, w, k = r + 7, 3, kh * r
    img = rng.integers(0, 256, w + kh * rs + 8).astype(np.uint8)
    window = np.concatenate([img[w + ky * rs:w + ky * rs + r] for ky in range(kh)])
    rows = [(w + ky * rs, w + ky * rs + r) for ky in range(kh)]
    for b in range(0, (k + 3) & ~3, 4):
        word, loads = _win4(img, w, b, r, rs, k)
        n = min(4, k - b)
        assert word[:n] == bytes(window[b:b + n]), (b, word, window[b:b + n])
        for lo, hi in loads:
            assert any(s <= lo and hi <= e for s, e in rows), (b, lo, hi)


@pytest.mark.parametrize("n_out,out_zp,seed", [(1, -128, 0), (3, 5, 1), (16, -7, 2), (48, 127, 3), (13, 0, 4)])
def test_c1_rq_layout_gives_tflm_outputs(n_out, out_zp, seed):
    """runtime/dsp mf_conv2d_s8_c1 (1x1, in_c 8): per channel 2*bias, m, e, rnd; the kernel adds SMLAD(x16 pair,
    doubled weight pair) to 2*bias, then SMMLAR(acc2, m, rnd + (acc2 < 0 ? -1 : 0)) >> e, saturated and clamped.
    Emulated on random and extreme inputs (a pruned all-zero channel included), it equals TFLM's
    MultiplyByQuantizedMultiplier(acc, mult, shift) + out_zp, clamped."""
    from microforge.ops.conv2d import c1_rq_layout
    from microforge.quant import multiply_by_quantized_multiplier
    rng = np.random.default_rng(seed)
    w = rng.integers(-128, 128, (n_out, 8)).astype(np.int8)
    w[0] = [-128, 127, -128, 127, -128, -128, 127, 127]
    if n_out > 2:
        w[2] = 0
    bias = rng.integers(-30000, 30000, n_out).astype(np.int64)
    if n_out > 2:
        bias[2] = 1 << 30
    mult = rng.integers(1 << 30, (1 << 31) - 1, n_out)
    shift = -rng.integers(1, 23, n_out)
    lo, hi = (out_zp, 127) if seed % 2 else (-128, min(127, out_zp + 90))
    t = c1_rq_layout(w, bias, mult, shift, out_zp, lo, hi)
    assert t is not None and t.dtype == np.int32 and t.size == 4 * n_out
    k = t.astype(np.int64).reshape(n_out, 4)
    x = rng.integers(-128, 128, (64, 8))
    x[0], x[1] = -128, 127
    for c in range(n_out):
        b2, m, e, rnd = (int(v) for v in k[c])
        assert 1 <= e <= 22 and 0 <= m < (1 << 31)
        for px in x:
            acc2 = b2 + int((2 * px.astype(np.int64) * w[c]).sum())
            assert -(1 << 31) <= acc2 < (1 << 31)
            v = _smmlar(acc2, m, rnd + (acc2 >> 31))
            got = min(hi, max(lo, max(-128, min(127, v >> e))))
            acc = int(bias[c]) + int((px.astype(np.int64) * w[c]).sum())
            want = min(hi, max(lo, int(multiply_by_quantized_multiplier(acc, int(mult[c]), int(shift[c]))) + out_zp))
            assert got == want, (c, px)


def test_c1_rq_layout_refusals():
    from microforge.ops.conv2d import c1_rq_layout
    w = np.ones((2, 8), np.int8)
    ok = c1_rq_layout(w, np.zeros(2), np.full(2, 1 << 30), np.array([-1, -22]), 0, -128, 127)
    assert ok is not None and ok.reshape(2, 4)[:, 2].tolist() == [1, 22]
    assert c1_rq_layout(w, np.zeros(2), np.full(2, 1 << 30), np.array([-1, -23]), 0, -128, 127) is None   # e > 22
    assert c1_rq_layout(w, np.zeros(2), np.full(2, 1 << 30), np.array([-1, 0]), 0, -128, 127) is None     # shift 0


def _row_words(window: np.ndarray, ic: int) -> np.ndarray:
    """The int16 values mf_conv2d_s8_rowmix's entries hold for one window (window order (kx, ky, c)), word by word
    in memory order, padded with junk (the entries after the window) to whole 4-value chunks: in_c % 4 == 0 widens
    4 bytes b0..b3 as (b0, b2), (b1, b3) (SXTB16 plain, ror 8), else in order."""
    k = window.size
    k4 = (k + 3) & ~3
    v = np.concatenate([window, np.full(k4 - k, 77)]).astype(np.int64)
    if ic % 4 == 0:
        v = v.reshape(-1, 4)[:, [0, 2, 1, 3]].reshape(-1)
    return v


@pytest.mark.parametrize("oc,kh,kw,ic", [(16, 3, 3, 16), (13, 3, 3, 4), (8, 3, 3, 3), (64, 10, 4, 1), (7, 3, 1, 2),
                                         (5, 1, 3, 8), (4, 2, 2, 5)])
def test_row_mix_layout_dot_products(oc, kh, kw, ic, monkeypatch):
    """row_mix_layout's words, read as mf_dsp_mix_rows reads mix_layout's (the kernels' shared arithmetic), against
    the values the row entries hold word by word (_row_words), give the convolution's dot products: the
    permutation to (kx, ky, c) order and to the widening's lane order lines up with the kernel."""
    from microforge.ops import conv2d
    monkeypatch.setattr(conv2d, "MIX_MAX_PAD", float("inf"))
    monkeypatch.setattr(conv2d, "MIX_MIN_WIN", 4)
    monkeypatch.setattr(conv2d, "ROW_IC_MULTIPLE", 1)   # the in-order widening too
    rng = np.random.default_rng(oc * 1000 + kh * 100 + kw * 10 + ic)
    w = rng.integers(-127, 128, (oc, kh, kw, ic)).astype(np.int8)
    fields = dict(k_h=kh, k_w=kw, in_c=ic, stride_w=2 if ic % 2 else 1, dil_h=1, dil_w=1)
    wrow = conv2d.row_mix_layout(w, fields)
    k = kh * kw * ic
    assert wrow is not None and wrow.size == ((oc + 3) & ~3) * ((k + 3) & ~3)
    for x in (rng.integers(-128, 128, (kh, kw, ic)), np.full((kh, kw, ic), -128), np.full((kh, kw, ic), 127)):
        want = w.reshape(oc, -1).astype(np.int64) @ x.reshape(-1).astype(np.int64)   # OHWI . (ky, kx, c)
        window = x.transpose(1, 0, 2).reshape(-1)                                      # the entries' (kx, ky, c)
        words = _row_words(window, ic)
        # _mix_dot pairs chunk values (t0, t2), (t1, t3); the entries' words are (v0, v1), (v2, v3) of `words`
        got = _mix_dot(wrow, words.reshape(-1, 4)[:, [0, 2, 1, 3]].reshape(-1), oc, words.size)
        assert got.tolist() == want.tolist()


def test_row_mix_layout_refusals():
    from microforge.ops.conv2d import row_mix_layout
    w = np.ones((8, 3, 3, 4), np.int8)
    ok = dict(k_h=3, k_w=3, in_c=4, stride_w=1, dil_h=1, dil_w=1)
    assert row_mix_layout(w, ok) is not None
    assert row_mix_layout(np.ones((8, 1, 1, 4), np.int8), dict(ok, k_h=1, k_w=1)) is None    # 1x1: not this path
    assert row_mix_layout(w, dict(ok, dil_w=2)) is None                                       # dilation
    assert row_mix_layout(np.ones((8, 3, 3, 3), np.int8), dict(ok, in_c=3)) is None          # in_c % 4 (ROW_IC_MULTIPLE)
    assert row_mix_layout(np.ones((8, 3, 3, 64), np.int8), dict(ok, in_c=64, k_w=3)) is not None
    assert row_mix_layout(np.ones((8, 3, 40, 64), np.int8), dict(ok, in_c=64, k_w=40)) is None   # a 2-pixel strip too big


def _smmla(a: int, b: int, acc: int) -> int:
    """Arm SMMLA: (acc << 32) + a*b, bits 63..32 (no rounding); the result must fit int32 (asserted)."""
    r = ((acc << 32) + a * b) >> 32
    assert -(1 << 31) <= r < (1 << 31)
    return r


def _wrap32(v: int) -> int:
    return (v + (1 << 31)) % (1 << 32) - (1 << 31)


def _pw_out(consts: np.ndarray, w: np.ndarray, x: np.ndarray, out_zp: int, neg_clamped: bool) -> list[int]:
    """What the pw stream's group tail (runtime/dsp/mf_conv2d.h MF_DSP_PW_OUT4, mf_dsp_pw_rows1) stores for one pixel
    x, before the activation clamp, emulated in int32 steps: per pair (c, c') the accumulators start at the group's
    starts (sa at Bs, ma at Bm) and add the mixed dot products (ma: 256 * c' sums + c sums, wrapping); c from sa with
    SMMLAR(sa, m2, sa), [+ sign], >> e', + 2 * out_zp + 1, SSAT >> 1; c' from d = ma - sa with SMMLA(d, mult, Ra
    [- 128 when d < 0]) >> E', SSAT."""
    out = []
    for g, k in enumerate(consts.astype(np.int64).reshape(-1, 12)):
        bm, bs = (int(k[0]), int(k[2])), (int(k[1]), int(k[3]))   # per pair a, b: ma start, sa start
        for p, (m2, wd, ra, mult) in enumerate((k[4:8], k[8:12])):
            c = 4 * g + 2 * p
            s_c, s_h = (int((w[c + i].astype(np.int64) * x).sum()) for i in (0, 1))
            sa = _wrap32(bs[p] + s_c)
            ma = _wrap32(bm[p] + 256 * s_h + s_c)
            v = _smmlar(sa, int(m2), sa)
            if not neg_clamped:
                v += v >> 31
            v = ((v >> (int(wd) & 255)) + 2 * out_zp + 1) >> 1
            out.append(max(-128, min(127, v)))
            d = _wrap32(ma - sa)
            y = _smmla(d, int(mult), int(ra) - (128 if d < 0 and not neg_clamped else 0))
            out.append(max(-128, min(127, y >> ((int(wd) >> 8) & 255))))
    return out


@pytest.mark.parametrize("n_out,k,out_zp,seed", [(4, 12, -128, 0), (16, 16, 3, 1), (8, 64, 127, 2), (132, 44, -60, 3),
                                                 (12, 4, 0, 4)])
def test_pw_consts_give_tflm_outputs(n_out, k, out_zp, seed):
    """mf_conv2d_s8_pw's stream: per 4-channel group its mix_layout bytes, then its 12 constants (pw_consts): as many
    bytes as the mixed weights and rq apart. The group tail's arithmetic on them (_pw_out), on random and extreme
    inputs (a pruned all-zero channel, large biases, shifts 1..22), equals TFLM's MultiplyByQuantizedMultiplier(acc,
    mult, shift) + out_zp, saturated, for activations that clamp negatives (MF_NEG_CLAMPED) and those that do not."""
    from microforge.ops.conv2d import PW_MORE, mix_layout, pw_consts, pw_layout
    from microforge.quant import multiply_by_quantized_multiplier
    rng = np.random.default_rng(seed)
    w = rng.integers(-127, 128, (n_out, k)).astype(np.int8)     # no -128 (mix_layout's refusal, tested above)
    w[0] = 127
    w[1] = -127
    w[2] = 0                                                     # pruned: re-expressed by dsp_rq_layout
    bias = rng.integers(-300000, 300000, n_out)
    bias[1], bias[2] = -((1 << 23) - 1 - 128 * 127 * k), 1 << 29   # channel 1 (a c'): |acc| up to 2^23 - 1
    mult = rng.integers(1 << 30, (1 << 31) - 1, n_out)
    mult[0], mult[1] = 1 << 30, (1 << 31) - 1
    shift = -rng.integers(1, 23, n_out)                          # c channels: any shift dsp_rq_layout takes
    shift[1::2] = -rng.integers(1, 16, n_out // 2)               # c' channels: Ra within range for every offset
    shift[0], shift[1] = -22, -1
    w[3], bias[3], shift[3] = 0, -3, -1                          # a c' channel whose outputs stay in range, e = 1:
    w[3, 0] = 1                                                  # rounding ties of negative values (x - 3)
    for neg_clamped in (False, True):
        lo = out_zp if neg_clamped else -128
        rq = dsp_rq_layout(w, bias, mult, shift, out_zp, lo, 127)
        consts = pw_consts(w, rq, out_zp)
        assert consts is not None and consts.shape == (n_out // 4, 12)
        pw = pw_layout(w, rq, out_zp)
        wmix = mix_layout(w, min_win=0, max_win=k)
        assert pw.dtype == np.int8 and pw.size == wmix.size + 4 * rq.size
        groups = pw.reshape(n_out // 4, 4 * k + 48)
        assert groups[:, :4 * k].reshape(-1).tolist() == wmix.tolist()
        assert groups[:, 4 * k:].copy().view("<i4").reshape(-1).tolist() == consts.reshape(-1).tolist()
        more = (consts[:, 9] >> 8) & PW_MORE                     # tested once W_b is shifted right by 8
        assert more.tolist() == [PW_MORE] * (n_out // 4 - 1) + [0]
        assert (consts[:, 9] < 0).tolist() == [True] * (n_out // 4 - 1) + [False]   # bit 31: N of the pw stream's ASRS
        assert (consts >= -(1 << 31)).all() and (consts < 1 << 31).all()
        xs = rng.integers(-128, 128, (40, k))
        xs[0], xs[1] = -128, 127
        xs[2] = np.where(w[1] < 0, 127, -128)                   # channel 1 at its most positive
        for x in xs:
            acc = bias + w.astype(np.int64) @ x
            want = np.clip(multiply_by_quantized_multiplier(acc, mult, shift) + out_zp, -128, 127)
            got = np.array(_pw_out(consts, w, x.astype(np.int64), out_zp, neg_clamped))
            if neg_clamped:                                      # below the offset both clamp to act_min = out_zp
                got, want = np.maximum(got, out_zp), np.maximum(want, out_zp)
            assert got.tolist() == want.tolist(), x


def test_pw_consts_refusals():
    """pw_consts refuses what its arithmetic cannot hold: a c' accumulator reaching 2^23 (256 times it must fit
    int32), a rounding constant Ra too large for the SMMLA result (large shifts with large offsets), out_c % 4."""
    from microforge.ops.conv2d import pw_consts
    w = np.ones((4, 8), np.int8)
    mult, shift = np.full(4, 1 << 30), np.full(4, -5)
    ok = dsp_rq_layout(w, np.zeros(4), mult, shift, 0, -128, 127)
    assert pw_consts(w, ok, 0) is not None
    big = dsp_rq_layout(w, np.array([0, 1 << 23, 0, 0]), mult, shift, 0, -128, 127)
    assert big is not None and pw_consts(w, big, 0) is None
    c_big = dsp_rq_layout(w, np.array([1 << 23, 0, 0, 0]), mult, shift, 0, -128, 127)
    assert pw_consts(w, c_big, 0) is not None                    # c: any bias
    far = dsp_rq_layout(w, np.zeros(4), mult, np.array([-5, -22, -5, -5]), -128, -128, 127)
    assert pw_consts(w, far, -128) is None                       # Ra = 64 + 128 * 255 * 2^21 >= 2^30
    assert pw_consts(w[:3], dsp_rq_layout(w[:3], np.zeros(3), mult[:3], shift[:3], 0, -128, 127), 0) is None


def test_pw_more_agrees_with_the_kernel_header():
    """group_stream's PW_MORE bit is the one the kernels' group loops test (MF_DSP_PW_MORE): the same number, and
    above the byte an ASR by register reads."""
    import re
    from pathlib import Path

    import microforge
    from microforge.ops.conv2d import PW_MORE
    header = (Path(microforge.__file__).parent / "runtime" / "dsp" / "mf_conv2d.h").read_text()
    assert int(re.search(r'#define MF_DSP_PW_MORE "(\d+)"', header).group(1)) == PW_MORE
    assert PW_MORE >= 256 and PW_MORE % 256 == 0


def test_pw4_stream_is_pw_stream_per_pair():
    """pw4_layout holds pw_layout's bytes (flash unchanged), each group's two pairs split: the pair's weight words, then
    its constants, W's bit 31 set on every pair but the last."""
    from microforge.ops.conv2d import pw4_layout, pw_layout
    rng = np.random.default_rng(99)
    n, k = 12, 20
    w = rng.integers(-127, 128, (n, k)).astype(np.int8)
    bias = rng.integers(-5000, 5000, n)
    mult = rng.integers(1 << 30, (1 << 31) - 1, n)
    shift = rng.integers(-9, -5, n)
    rq = dsp_rq_layout(w, bias, mult, shift, -128, -128, 127)
    pw, pw4 = pw_layout(w, rq, -128), pw4_layout(w, rq, -128)
    assert pw4.size == pw.size and pw4.dtype == np.int8
    pairs = pw4.reshape(n // 2, 2 * k + 24)
    consts = pairs[:, 2 * k:].copy().view("<i4")
    assert ((consts[:-1, 3] >> 31) & 1 == 1).all() and consts[-1, 3] >= 0
    groups = pw.reshape(n // 4, 4 * k + 48)
    for p in range(n // 2):
        g, h = divmod(p, 2)
        words = groups[g, :4 * k].view("<i4").reshape(k // 4, 2, 2)[:, :, h].reshape(-1)
        assert (pairs[p, :2 * k].view("<i4") == words).all()


def test_pw4_bounds_agree_with_the_kernel_header():
    """ops/conv2d.py PW4_MAX_IC (the quads' unrolled window) is the kernel's MF_CONV2D_PW4_MAX_IC, and PW4_MAX_OC keeps
    pixel 3's STRH offset (3 * out_c) within #imm12."""
    import re
    from pathlib import Path

    import microforge
    from microforge.ops.conv2d import PW4_MAX_IC, PW4_MAX_OC
    header = (Path(microforge.__file__).parent / "runtime" / "dsp" / "mf_conv2d.h").read_text()
    assert int(re.search(r"#define MF_CONV2D_PW4_MAX_IC (\d+)", header).group(1)) == PW4_MAX_IC
    assert 3 * PW4_MAX_OC <= 4095 < 3 * (PW4_MAX_OC + 1)


def test_softmax_cache_agrees_with_the_kernel_header():
    """ops/softmax.py counts the exps a row costs (once up to SOFTMAX_CACHE wide, else twice) from the width the
    kernel keeps them for, MF_SOFTMAX_CACHE: the two must be the same number."""
    import re
    from pathlib import Path

    import microforge
    from microforge.ops.softmax import SOFTMAX_CACHE
    header = (Path(microforge.__file__).parent / "runtime" / "portable" / "mf_softmax.h").read_text()
    assert int(re.search(r"#define MF_SOFTMAX_CACHE (\d+)", header).group(1)) == SOFTMAX_CACHE


def test_seg_stream_puts_each_groups_constants_after_its_weights():
    """mf_dsp_seg_rows reads a group's 12 constants (dsp_rq_layout's two channel pairs) right after its 8 * words
    weight bytes, the next group after them: seg_stream's bytes are the weights and rq re-interleaved, none lost, but
    channel 3's -shift-1 of every group but the last carries PW_MORE (mf_dsp_seg_groups' loop condition; ASR reads
    the low byte alone)."""
    from microforge.ops.conv2d import PW_MORE, seg_stream
    words, groups = 5, 3
    wseg = np.arange(groups * 8 * words).astype(np.int8)
    rq = (np.arange(groups * 12, dtype=np.int64) * 0x01020304 - 7).astype(np.int32)
    rq[11::12] = np.arange(groups) + 5                          # -shift-1 values: small, PW_MORE clear
    s = seg_stream(wseg, rq)
    assert s.dtype == np.int8 and s.size == wseg.size + 4 * rq.size
    step = 8 * words + 48
    for g in range(groups):
        assert (s[g * step:g * step + 8 * words] == wseg[g * 8 * words:(g + 1) * 8 * words]).all()
        consts = s[g * step + 8 * words:(g + 1) * step].view("<i4")
        assert (consts[:11] == rq[12 * g:12 * g + 11]).all()
        assert consts[11] == rq[12 * g + 11] | (PW_MORE if g < groups - 1 else 0)
        assert consts[11] & 0xff == rq[12 * g + 11]


def test_seg_stream_of_whole_groups_is_the_pw_stream():
    """With out_c % 4 == 0 mf_dsp_seg_groups reads pw_consts' constants after each group's weights (group_stream), the
    same bytes as the weights and rq apart; emit() passes them (ops/conv2d.py) whenever pw_consts takes the layer."""
    from microforge.ops.conv2d import group_stream, pw_consts, seg_stream
    rng = np.random.default_rng(7)
    n, words = 8, 14
    w = rng.integers(-127, 128, (n, 27)).astype(np.int8)
    rq = dsp_rq_layout(w, rng.integers(-9000, 9000, n), rng.integers(1 << 30, 1 << 31, n), -rng.integers(6, 11, n),
                       -128, -128, 127)
    wseg = rng.integers(-128, 128, n // 4 * 4 * 8 * words // 4).astype(np.int8)
    consts = pw_consts(w, rq, -128)
    stream = seg_stream(wseg, rq, consts)
    assert stream.tolist() == group_stream(wseg, consts).tolist() and stream.size == wseg.size + 4 * rq.size
    assert seg_stream(wseg, rq).size == stream.size      # partial groups keep rq's layout, same size


def test_fc_mix_segments_with_bias():
    """One segment needs the c' rows' biases inside the bound too (m - s = 256 * the whole accumulator there): a
    bias that would overflow it splits the k loop, a c row's bias (even) does not matter."""
    w = np.full((16, 512), 127, np.int8)                       # c' rows' sum |w| = 65,024: one segment alone
    assert fc_mix_segments(w) == 128
    bias = np.zeros(16, np.int64)
    bias[0] = 1 << 29                                          # a c row: no effect
    bias[3] = 128 * ((1 << 16) - 65024) - 1                     # a c' row: 128 * sum|w| + |b| = 2^23 - 1
    assert fc_mix_segments(w, bias) == 128
    bias[3] += 1                                               # ... = 2^23: two segments
    assert fc_mix_segments(w, bias) == 64
    bias[3] = -bias[3]
    assert fc_mix_segments(w, bias) == 64


def test_fc_mix_rq_layout_starts():
    """One segment: the c' slots hold m's start b_c + 256*b_c' wrapped to int32 (then (m - s) >> 8 is c''s whole
    accumulator); several: the c' biases. Per channel m2 and e follow in row order c0..c3, c'0..c'3."""
    from microforge.ops.fully_connected import fc_mix_rq_layout
    n_out = 10
    bias = np.array([5, -7, 1 << 29, (1 << 23) - 1, -(1 << 30), -(1 << 22), 0, 3, 11, 12])
    m2 = -np.arange(1, n_out + 1) * 1000
    e = np.arange(n_out) % 5
    rq = np.stack([bias, m2, e]).reshape(3, n_out // 2, 2).transpose(1, 0, 2).reshape(-1)   # dsp_rq_layout's pairs
    wrap = lambda v: (v + (1 << 31)) % (1 << 32) - (1 << 31)  # noqa: E731
    c, c1 = bias[0:8:2], bias[1:8:2]
    for one in (False, True):
        got = fc_mix_rq_layout(rq, n_out, 1, one).astype(np.int64)
        assert got[:4].tolist() == c.tolist()
        assert got[4:8].tolist() == (wrap(c + 256 * c1) if one else c1).tolist()
        assert got[8:16].tolist() == m2[[0, 2, 4, 6, 1, 3, 5, 7]].tolist()
        assert got[16:24].tolist() == e[[0, 2, 4, 6, 1, 3, 5, 7]].tolist()
        assert got[24:].tolist() == rq[24:].tolist()          # the 2 rows left over: their pair layout
        pt = fc_mix_rq_layout(rq, n_out, 0, one).astype(np.int64)
        assert pt[:8].tolist() == got[:8].tolist() and pt[8:].tolist() == rq[24:].tolist()
    assert wrap(c[1] + 256 * c1[1]) != c[1] + 256 * c1[1]      # the case that wraps


def test_add_smlaw_check_matches_tflm_arithmetic():
    """ops/add.py's exhaustive check for the DSP ADD's SMLAW pass: its vectorised SRDHM / RDBP are gemmlowp's (the
    scalar quant.srdhm / quant.rdbp, negative ties included), it accepts layers and it rejects one whose fine output
    scale puts a sum changed by the dropped carry / sign correction on an output rounding boundary."""
    import numpy as np
    from microforge.ops.add import _rdbp, _srdhm, add_fast, add_smlaw_exact
    from microforge.quant import add_params, rdbp, srdhm
    rng = np.random.default_rng(7)
    xs = np.concatenate([rng.integers(-(1 << 28), 1 << 28, 4000), np.arange(-300, 300) << 10])
    for m in (1 << 30, 1518500250, 1073741825, 2147483647):
        assert [srdhm(int(x), m) for x in xs] == _srdhm(xs.astype(np.int64), m).tolist()
    for e in (0, 1, 2, 7, 22):
        assert [rdbp(int(x), e) for x in xs] == _rdbp(xs.astype(np.int64), e).tolist()
    assert add_smlaw_exact(add_params(0.01, 0.2, 0.2), 128, -127, 5, -128, 127)
    q = add_params(0.0135, 0.0338, 0.00164)
    assert add_fast(q) and not add_smlaw_exact(q, 62, 103, 0, -128, 127)


def _ush_out(acc: int, m: int, big: int, k: int, zp: int, fold: bool = True) -> int:
    """The layer's one shift (MF_DW_ROWS_RQU, MF_DW_ROWS_RQS/_RQO/_RQ1, mf_dw_cols.h's MF_DW_COLS_RQ): the sum 2^k * acc,
    SMMLA with rnd' = 2^(E-1) + zp * 2^E + 2^(k-2) (fold False: without the 2^(k-2) that stands for SMMLAR's rounding),
    then SSAT's own shift by E."""
    rnd = (1 << (big - 1)) + zp * (1 << big) + ((1 << (k - 2)) if fold else 0)
    assert -(1 << 31) <= rnd < 1 << 31 and -(1 << 31) <= acc << k < 1 << 31
    t = ((rnd << 32) + (acc << k) * m) >> 32                       # SMMLA: the top word, truncated (a floor)
    assert -(1 << 31) <= t < 1 << 31
    return max(-128, min(127, t >> big))


@pytest.mark.parametrize("e,big", [(1, 2), (1, 9), (5, 8), (7, 8), (6, 10), (14, 22), (21, 22)])
def test_depthwise_ushift_requant_at_edges(e, big):
    """The layer's one shift on every block of the row and column paths (ops/depthwise_conv2d.py _ushift; MF_NEG_CLAMPED
    with out_zp -128, act range -128..127): a channel of shift e in a layer of shift E (k = E - e + 1 >= 2), SMMLA on the
    2^k-scaled sum and SSAT's shift by E, gives TFLM's MultiplyByQuantizedMultiplier(acc, m, -e) + zp saturated, for
    sums at the rounding ties (m = 2^30: SRDHM halves exactly) and at the largest |acc| the scaled sum allows; without
    the 2^(k-2) in rnd' the ties round wrongly."""
    from microforge.quant import multiply_by_quantized_multiplier
    k, zp = big - e + 1, -128
    lim = (1 << (31 - k)) - 1
    accs = [a for c in (0, 1 << (e + 1), 127 << (e + 1), lim >> 1, lim) for t in range(-6, 7) for d in range(-3, 4)
            for a in (c + (t << (e - 1)) + d, -(c + (t << (e - 1)) + d)) if abs(a) <= lim]
    wrong = 0
    for m in (1 << 30, (1 << 30) + 1, (1 << 31) - 1, 1518500250):
        for acc in accs:
            want = max(-128, min(127, int(multiply_by_quantized_multiplier(acc, m, -e)) + zp))
            assert _ush_out(acc, m, big, k, zp) == want, (acc, m)
            wrong += _ush_out(acc, m, big, k, zp, fold=False) != want
    assert wrong


@pytest.mark.parametrize("c", [1, 5, 13])
def test_depthwise_ushift_words_and_edge_bias(c):
    """_rows_layout(compact, ush=E) and mf_dw_rows_build's scaling (emulated: _rows_build, then each halfword times
    2^(k-1)) give per channel the weight pairs 2^k * w (int16) and 2^k * bias; mf_dw_cols_bias's edge bias from those
    words, 2^k * bias + zp * (the padding column's three scaled weights), is 2^k times the folded bias, so the edge
    columns' 4-output blocks on two plane rows keep the sum 2^k * acc. _ushift refuses a layer whose scaled words would
    not fit (2^k |w| above int16, E above 22)."""
    from microforge.ops.depthwise_conv2d import DepthwiseConv2D
    rng = np.random.default_rng(c)
    w = rng.integers(-128, 128, (9, c)).astype(np.int8)
    w[:, 0] = [-128, 127, -128, 127, -128, 127, -128, 127, -128]
    bias = rng.integers(-3000, 3000, c).astype(np.int32)
    mult = rng.integers(1 << 30, (1 << 31) - 1, c)
    shift = -rng.integers(5, 9, c)
    shift[0] = -8
    big = DepthwiseConv2D._ushift(w, bias, shift)
    assert big == 9
    comp = DepthwiseConv2D._rows_layout(w, bias, mult, shift, -128, compact=True, ush=big).astype(np.int64)
    full = DepthwiseConv2D._rows_layout(w, bias, mult, shift, -128).astype(np.int64)   # its weight words are the same
    s16 = lambda v: v - (1 << 16) * bool(v & 0x8000)
    for g in range(-(-c // 4)):
        grp = [int(v) & 0xFFFFFFFF for v in np.concatenate([comp[18 * g:18 * g + 9], full[25 * g + 9:25 * g + 25]])]
        e4 = int(comp[18 * g + 17]) & 0xFFFFFFFF
        for j, kw in enumerate(_rows_build(grp)):
            ch = 4 * g + j
            if ch >= c:
                continue
            kk = (e4 >> (8 * j)) & 0xFF
            assert kk == big + int(shift[ch]) + 1 and int(comp[18 * g + 9 + j]) == int(bias[ch]) << kk
            f = 1 << (kk - 1)
            scaled = [(s16(v & 0xFFFF) * f, s16(v >> 16) * f) for v in kw[:6]]
            assert all(-32768 <= h <= 32767 for pq in scaled for h in pq)
            for kx in (0, 2):                                       # mf_dw_cols_bias(k, kx, zp) on the scaled words
                (p0, p1), (_, q1) = scaled[2 * kx], scaled[2 * kx + 1]
                eb = (int(bias[ch]) << kk) + -128 * (p0 + p1 + q1)
                assert eb == (int(bias[ch]) - 128 * int(w[3 * kx:3 * kx + 3, ch].astype(int).sum())) << kk
    assert DepthwiseConv2D._ushift(w, bias, np.where(np.arange(c) == 0, -14, -5)) == 0 or c == 1   # k 10: 2^10 * 128
    assert DepthwiseConv2D._ushift(w, bias, np.full(c, -22)) == 0                              # E 23
    assert DepthwiseConv2D._ushift(w, bias, np.full(c, -21)) == 22


def test_pw4_shift_mask_and_variants():
    """pw4_shift_mask: bit 4 * (e - b) + (e' - b') per combination of a pair's -shift-1 (c, c'), b and b' the least (bits
    16 .. 19, 20 .. 23), the most common combination's bit in 24 .. 27, the last pair's in 28 .. 31; 0 when a parity's shifts spread over more than 4
    values, one exceeds PW4_IMM_MAX_E or there are more than PW4_IMM_MAX combinations. pw4_variant numbers the copies:
    0 for the most common, then the others in bit order, each once."""
    from microforge.ops.conv2d import PW4_IMM_MAX, PW4_IMM_MAX_E, pw4_copies, pw4_shift_mask, pw4_variant

    def rq_of(ev, od):   # dsp_rq_layout's rq with these -shift-1 per pair (c, c'): only the shift column matters
        rq = np.zeros((len(ev), 3, 2), np.int64)
        rq[:, 2, 0], rq[:, 2, 1] = ev, od
        return rq.reshape(-1).astype(np.int32)

    ev, od = [6, 7, 6, 9, 6, 7], [5, 5, 8, 5, 5, 6]
    sm = pw4_shift_mask(rq_of(ev, od), 12)
    assert sm >> 16 & 15 == 6 and sm >> 20 & 15 == 5 and sm >> 28 & 15 == 4 * (7 - 6) + 6 - 5   # the last pair's (7, 6)
    bits = {4 * (e - 6) + d - 5 for e, d in zip(ev, od)}
    assert sm & 0xFFFF == sum(1 << b for b in bits) and pw4_copies(sm) == len(bits) == 5
    assert sm >> 24 & 15 == 0                        # (6, 5): 2 of the 6 pairs
    v = [pw4_variant(sm, e, d) for e, d in zip(ev, od)]
    assert v[0] == v[4] == 0 and sorted(set(v)) == list(range(5))
    assert v == [0, 2, 1, 4, 0, 3]                   # bits 0 (first), then 3 (6, 8), 4 (7, 5), 5 (7, 6), 12 (9, 5)
    assert pw4_shift_mask(rq_of([6, 10], [5, 5]), 4) == 0                        # c's shifts spread over 5
    assert pw4_shift_mask(rq_of([6, 6], [5, 9]), 4) == 0                         # c''s
    assert pw4_shift_mask(rq_of([PW4_IMM_MAX_E + 1] * 2, [5, 5]), 4) == 0
    many = [(e, d) for e in range(4) for d in range(4)][:PW4_IMM_MAX + 1]
    assert pw4_shift_mask(rq_of([e for e, _ in many], [d for _, d in many]), 2 * len(many)) == 0
    assert pw4_shift_mask(rq_of([e for e, _ in many[:-1]], [d for _, d in many[:-1]]), 2 * PW4_IMM_MAX) != 0


def test_pw4_imm_gain_and_dead_shifts():
    """pw4_imm_gain: 8 cycles a quad for each pair on the first copy, 4 for the others'. pw4_dead_shifts: a pruned
    channel (all-zero weights; dsp_rq_layout's bias 4t at -shift-1 0) moves to its parity's most common live shift e
    with bias t * 2^(e + 2), the same output (RDBP(SRDHM(acc, 2^30), e + 1) == t); live channels stay."""
    from microforge.ops.conv2d import pw4_dead_shifts, pw4_imm_gain, pw4_shift_mask
    from microforge.quant import rdbp
    ev, od = [6, 7, 6, 9, 6, 7], [5, 5, 8, 5, 5, 6]
    rq = np.zeros((6, 3, 2), np.int64)
    rq[:, 2, 0], rq[:, 2, 1] = ev, od
    rq = rq.reshape(-1).astype(np.int32)
    assert pw4_imm_gain(rq, 12, pw4_shift_mask(rq, 12)) == 2 * 8 + 4 * 4
    rng = np.random.default_rng(7)
    w = rng.integers(-127, 128, (8, 16)).astype(np.int8)
    w[[1, 4]] = 0
    bias = rng.integers(-5000, 5000, 8).astype(np.int64)
    bias[[1, 4]] = [1 << 30, -(1 << 30) + 64]
    mult = np.full(8, 1 << 30, np.int64) + rng.integers(0, 1 << 29, 8)
    shift = np.array([-8, -1, -7, -8, -31, -7, -8, -9])
    rq = dsp_rq_layout(w, bias, mult, shift, -3, -128, 127)
    got = pw4_dead_shifts(w, rq)
    cols, new = (r.astype(np.int64).reshape(-1, 3, 2).transpose(1, 0, 2).reshape(3, -1) for r in (rq, got))
    live = [0, 2, 3, 5, 6, 7]
    assert (new[:, live] == cols[:, live]).all() and (cols[2, [1, 4]] == 0).all()
    assert list(new[2, [1, 4]]) == [6, 7]            # c' (3, 5, 7): e 7, 6, 8, a tie: the least; c (0, 2, 6): 7, 6, 7
    for c in (1, 4):
        t = cols[0, c] // 4
        assert new[0, c] == t << (new[2, c] + 2) and cols[1, c] == new[1, c]
        assert rdbp(srdhm(int(new[0, c]), 1 << 30), int(new[2, c]) + 1) == t


def test_pw4_stream_with_immediate_shifts():
    """With immediate shifts pw4_layout's stream is the register form's but for W: its low 16 bits (the shifts
    mf_dsp_pw4_rows1 and the last slot read) kept, bit 16 set on every pair but the last (instead of bit 31), bit 19 on
    the first copy's pairs, the others' slot offsets (copy - 1) * slot in bits 20 .. 31, the last pair's the last slot's,
    (copies - 1) * slot."""
    from microforge.ops.conv2d import pw4_copies, pw4_layout, pw4_shift_mask, pw4_slot, pw4_variant
    rng = np.random.default_rng(7)
    n, k = 16, 12
    w = rng.integers(-127, 128, (n, k)).astype(np.int8)
    rq = dsp_rq_layout(w, rng.integers(-5000, 5000, n), rng.integers(1 << 30, (1 << 31) - 1, n),
                       rng.integers(-9, -6, n), -128, -128, 127)
    sm = pw4_shift_mask(rq, n)
    assert sm
    slot = pw4_slot(-128, 100)
    assert slot == 124 and pw4_slot(-128, 127) == 88 and pw4_slot(-5, 100) == 160
    reg, imm = pw4_layout(w, rq, -128), pw4_layout(w, rq, -128, sm, slot)
    a, b = reg.reshape(n // 2, 2 * k + 24), imm.reshape(n // 2, 2 * k + 24)
    cw = 2 * k + 12   # W's bytes
    assert (np.delete(a, np.s_[cw:cw + 4], axis=1) == np.delete(b, np.s_[cw:cw + 4], axis=1)).all()
    wr, wi = a[:, cw:cw + 4].copy().view("<u4")[:, 0], b[:, cw:cw + 4].copy().view("<u4")[:, 0]
    assert (wr & 0xFFFF == wi & 0xFFFF).all() and (wi >> 17 & 3 == 0).all()
    assert ((wi >> 16 & 1) == (wr >> 31)).all() and wi[-1] >> 16 & 1 == 0 and wi[0] >> 16 & 1 == 1
    ep = rq.astype(np.int64).reshape(-1, 3, 2)[:, 2, :]
    v = [pw4_variant(sm, int(e), int(d)) for e, d in ep]
    assert 0 in v[:-1] and max(v) > 0
    want = [(1, 0) if c == 0 else (0, (c - 1) * slot) for c in v[:-1]] + [(0, (pw4_copies(sm) - 1) * slot)]
    assert [(int(x >> 19 & 1), int(x >> 20)) for x in wi] == want


def test_seg_imm_shifts():
    """seg_imm_shifts (the row quads' immediate tail): every -shift-1 within 0 .. SEG_IMM_MAX_E and c's X + k * 2^e'
    within int32 (|X| <= |b| + 128 * sum|w| + 1, k = 2 * out_zp + 1); under those bounds (X + k * 2^e') >> (e' + 1) is the
    register form's ((X >> e') + k) >> 1, checked here on random X and at the ends."""
    from microforge.ops.conv2d import SEG_IMM_MAX_E, seg_imm_shifts

    def rq_of(b, ep):   # dsp_rq_layout's rq: per channel pair bias[2], m2[2], -shift-1[2]
        rq = np.zeros((len(b) // 2, 3, 2), np.int64)
        rq[:, 0, :], rq[:, 2, :] = np.reshape(b, (-1, 2)), np.reshape(ep, (-1, 2))
        return rq.reshape(-1).astype(np.int32)

    w = np.full((4, 27), -128, np.int8)
    assert seg_imm_shifts(w, rq_of([1000, -1000, 5, 0], [7, 8, 0, SEG_IMM_MAX_E]), -128)
    assert not seg_imm_shifts(w, rq_of([1000, -1000, 5, 0], [7, 8, 0, SEG_IMM_MAX_E + 1]), -128)
    assert not seg_imm_shifts(w, rq_of([1000, -1000, 5, 0], [7, -1, 0, 3]), -128)
    # the sum's bound: |acc| + 1 + 255 * 2^14 just below 2^31 passes, at 2^31 it does not
    room = (1 << 31) - 255 * (1 << SEG_IMM_MAX_E) - 1 - 128 * 128 * 27
    assert seg_imm_shifts(w, rq_of([room - 1, 0, 0, 0], [SEG_IMM_MAX_E] * 4), 127)
    assert not seg_imm_shifts(w, rq_of([room, 0, 0, 0], [SEG_IMM_MAX_E] * 4), 127)
    rng = np.random.default_rng(3)
    for e in range(SEG_IMM_MAX_E + 1):
        for k in (-255, -1, 1, 37, 255):
            x = np.concatenate([rng.integers(-(1 << 30), 1 << 30, 2000), [-(1 << 30), (1 << 30) - 1, 0, -1]])
            assert (((x >> e) + k) >> 1 == (x + k * (1 << e)) >> (e + 1)).all()
