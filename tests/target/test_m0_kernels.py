"""Cortex-M0+ (ARMv6-M) kernel paths against TFLM and the Python reference: the pixel-pair convolution
(mf_conv2d_s8_m0) and the 4-row fully connected layer (mf_fully_connected_s8_m0), each with and without the
folded-rounding requantisation, and the 32-bit-multiply SRDHM (mf_srdhm_pos, mf_rq_e)."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from helpers import Oracle, random_inputs, seed_of

from microforge import modelgen as mg
from microforge.driver import compile_model
from microforge.ops import conv2d, fully_connected
from microforge.ops.conv2d import M0_MAX_SCRATCH
from microforge.quant import multiply_by_quantized_multiplier, srdhm
from microforge.sim import run_firmware
from microforge.sim.run import run_on_target
from microforge.targets import get_target
from microforge.toolchain.arm import build_firmware, have_arm_gcc
from microforge.toolchain.host import build_host

pytestmark = pytest.mark.skipif(not have_arm_gcc(), reason="arm-none-eabi-gcc not installed "
                                "(apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)")

HERE = Path(__file__).parent
RUNTIME = Path(__file__).resolve().parents[2] / "src" / "microforge" / "runtime" / "portable"

# (input shape, out_c, kernel, stride, padding, dilation, act, per_channel, in_zp, in_scale)
CONV_CASES = {
    **{f"1x1-c{c}to{o}": ((1, 5, 3, c), o, 1, 1, "VALID", 1, "RELU", True, -3, 0.02)          # 15 pixels: a lone last pixel
       for c, o in ((1, 3), (3, 5), (5, 7), (7, 13), (13, 1), (13, 4), (16, 16), (5, 6), (3, 11))},
    **{f"3x3-same-c{c}": ((1, 6, 7, c), c + 2, 3, 1, "SAME", 1, "RELU6", True, 5, 0.02) for c in (1, 3, 5, 7, 13)},
    "3x3-s2-same-c5": ((1, 9, 8, 5), 7, 3, 2, "SAME", 1, "NONE", True, -128, 0.02),
    "3x3-s2-valid-c3": ((1, 9, 9, 3), 8, 3, 2, "VALID", 1, "RELU", False, 17, 0.02),
    "5x3-s1x2-dil2-c3": ((1, 12, 11, 3), 5, (5, 3), (1, 2), "SAME", 2, "NONE", True, 9, 0.02),
    "1x1-s2-c13": ((1, 7, 9, 13), 7, 1, 2, "SAME", 1, "NONE", True, -11, 0.02),
    "3x3-batch2-c7": ((2, 5, 4, 7), 5, 3, 1, "SAME", 1, "RELU", True, -1, 0.02),
    "10x4-c1-kws": ((1, 49, 10, 1), 8, (10, 4), 2, "SAME", 1, "RELU", True, 100, 0.1),
    # the general requantisation (rq_e_table refused: as for a shift > 0 or a wide accumulator)
    "3x3-general-rq-c5": ((1, 5, 5, 5), 3, 3, 1, "SAME", 1, "NONE", False, 3, 0.02),
    # the widest window the pair path takes, and one past it (the plain kernel)
    "1x1-widest": ((1, 2, 3, M0_MAX_SCRATCH // 8), 3, 1, 1, "VALID", 1, "NONE", True, 2, 0.02),
    "1x1-too-wide": ((1, 2, 1, M0_MAX_SCRATCH // 8 + 1), 3, 1, 1, "VALID", 1, "NONE", True, 2, 0.02),
}


def _conv(name: str) -> bytes:
    shape, oc, k, s, pad, d, act, pc, zp, in_scale = CONV_CASES[name]
    return mg.conv2d_model(seed_of("m0conv", name), shape, oc, k, s, pad, d, act, per_channel=pc, in_zp=zp,
                           in_scale=in_scale)


@pytest.mark.parametrize("name", sorted(CONV_CASES))
def test_conv_pair_path_on_m0plus(name, tmp_path, monkeypatch):
    model = _conv(name)
    if name == "3x3-general-rq-c5":
        monkeypatch.setattr(conv2d, "rq_e_table", lambda *a, **k: None)
    cm = compile_model(model, target="m0plus")
    src = cm.files["model.c"]
    assert ("mf_conv2d_s8_m0(" in src) == (name != "1x1-too-wide")
    if name == "3x3-general-rq-c5":
        assert "_rqe" not in src          # the general requantisation is what this case tests
    elif name != "1x1-too-wide":
        assert "_rqe" in src
    oracle = Oracle(model)
    xs = random_inputs(oracle, np.random.default_rng(seed_of("m0conv-in", name)))
    want = oracle.run(xs)
    got = run_on_target(cm, get_target("m0plus"), xs, workdir=tmp_path).outputs
    assert [g.tobytes() for g in got] == [w.tobytes() for w in want]


def _dead_channel(model: bytes, ch: int, bias: int) -> bytes:
    """`model` (one CONV_2D or DEPTHWISE_CONV_2D, per-channel weights) with output channel `ch` dead as trained
    models have them: all-zero weights, the weight scale modelgen gives them (1e-8 / 127: a shift far beyond
    the folded rounding's 22) and a bias near 2^30."""
    from microforge.frontend.tflite import load_tflite
    op = load_tflite(model).ops[0]
    w, b = op.inputs[1], op.inputs[2]
    m = bytearray(model)

    def patch(old: bytes, new: bytes) -> None:
        at = bytes(m).find(old)
        assert at > 0 and bytes(m).find(old, at + 1) < 0
        m[at:at + len(old)] = new

    wd = w.data.astype(np.int8)
    dw = op.type.value == "DEPTHWISE_CONV_2D"
    dead = wd.copy()
    if dw:
        dead[..., ch] = 0
    else:
        dead[ch] = 0
    patch(wd.tobytes(), dead.tobytes())
    sc = np.asarray(w.quant.scale, np.float32)
    new_sc = sc.copy()
    new_sc[ch] = np.float32(1e-8 / 127)
    patch(sc.tobytes(), new_sc.tobytes())
    bs = b.data.astype("<i4")
    bq = np.asarray(b.quant.scale, np.float32)
    nb, nbq = bs.copy(), bq.copy()
    nb[ch] = bias
    nbq[ch] = np.float32(np.float32(1e-8 / 127) * np.float32(0.02))
    patch(bs.tobytes(), nb.tobytes())
    patch(bq.tobytes(), nbq.tobytes())
    return bytes(m)


# dead channels (all-zero weights, tiny scale, |bias| near 2^30: MBQM's shift beyond 22), first, middle, odd last
DEAD_CASES = {
    "conv-3x3-c5-ch0": (lambda: mg.conv2d_model(seed_of("m0dead", 1), (1, 5, 6, 5), 7, 3, 1, "SAME", 1, "RELU6",
                                                in_zp=-3, in_scale=0.02), 0, (1 << 30) - 64),
    "conv-1x1-c13-ch6": (lambda: mg.conv2d_model(seed_of("m0dead", 2), (1, 3, 5, 13), 13, 1, 1, "VALID", 1, "NONE",
                                                 in_zp=7, in_scale=0.02), 6, -(1 << 30)),
    "dw-3x3-c8-ch7": (lambda: mg.depthwise_model(seed_of("m0dead", 3), (1, 6, 5, 8), 1, 3, 1, "SAME", 1, "RELU",
                                                 in_zp=-3, in_scale=0.02), 7, 1 << 30),
    "dw-3x3-c13-ch2": (lambda: mg.depthwise_model(seed_of("m0dead", 4), (1, 5, 7, 13), 1, 3, 2, "SAME", 1, "NONE",
                                                  in_zp=9, in_scale=0.02), 2, -(1 << 30) + 128),
}


@pytest.mark.parametrize("core", ["m0plus", "host"])
@pytest.mark.parametrize("name", sorted(DEAD_CASES))
def test_dead_channels(name, core, tmp_path):
    """constant_channels: the dead channel's constant output, and (M0+) the whole layer on the folded rounding
    (conv: rqe; depthwise with channels % 4 == 0: rq4), where the dead channel's shift alone refused it before."""
    make, ch, bias = DEAD_CASES[name]
    model = _dead_channel(make(), ch, bias)
    cm = compile_model(model, target=core)
    src = cm.files["model.c"]
    if core == "m0plus":
        assert ("_rqe" in src) if name.startswith("conv") else (("_rq4" in src) == name.endswith("ch7"))
    oracle = Oracle(model)
    xs = random_inputs(oracle, np.random.default_rng(seed_of("m0dead-in", name)))
    want = oracle.run(xs)
    if core == "host":
        got = build_host(cm, tmp_path).run([x.copy() for x in xs])
    else:
        got = run_on_target(cm, get_target(core), xs, workdir=tmp_path).outputs
    assert [np.asarray(g).tobytes() for g in got] == [w.tobytes() for w in want]


# (input shape, units, per_channel, in_zp): row counts around the 4-row groups, odd and short input vectors, batches
FC_CASES = {
    **{f"fc-{n}to{o}": ((1, n), o, n % 2 == 1, -7) for n, o in ((3, 1), (5, 3), (7, 5), (13, 7), (37, 13), (64, 4), (8, 8))},
    "fc-batch3-per-tensor": ((3, 30), 6, False, 12),
    "fc-batch2-c13": ((2, 13), 13, True, -128),
    "fc-general-rq": ((1, 21), 9, True, 3),
    "fc-widest": ((1, M0_MAX_SCRATCH // 4), 5, True, 1),
    "fc-too-wide": ((1, M0_MAX_SCRATCH // 4 + 1), 5, True, 1),
}


@pytest.mark.parametrize("name", sorted(FC_CASES))
def test_fc_quad_path_on_m0plus(name, tmp_path, monkeypatch):
    shape, units, pc, zp = FC_CASES[name]
    model = mg.fc_model(seed_of("m0fc", name), shape, units, "RELU" if units % 2 else "NONE", per_channel=pc, in_zp=zp)
    if name == "fc-general-rq":
        monkeypatch.setattr(fully_connected, "rq_e_table", lambda *a, **k: None)
    cm = compile_model(model, target="m0plus")
    src = cm.files["model.c"]
    assert ("mf_fully_connected_s8_m0(" in src) == (name != "fc-too-wide")
    assert ("_rqe" in src) == (name not in ("fc-too-wide", "fc-general-rq"))
    oracle = Oracle(model)
    xs = random_inputs(oracle, np.random.default_rng(seed_of("m0fc-in", name)))
    want = oracle.run(xs)
    got = run_on_target(cm, get_target("m0plus"), xs, workdir=tmp_path).outputs
    assert [g.tobytes() for g in got] == [w.tobytes() for w in want]


# SRDHM / mf_rq_e over edge values: int32 extremes, powers of two and their neighbours, 16-bit boundaries
_A = sorted(v for v in {v for b in range(32) for v in (1 << b, (1 << b) - 1, -(1 << b), 1 - (1 << b))} |
            {0, 0xFFFF, 0x10000, -0x10000, 0x12345678, -0x12345678, 0x3FFF_FFFF, -0x3FFF_FFFF}
            if -(1 << 31) <= v < 1 << 31)
_M = [0, 1, 0x7FFF, 0x8000, 0xFFFF, 0x10000, 1 << 30, (1 << 30) + 1, 0x7FFF_FFFF, 0x7FFF_0000, 0x4000_FFFF, 1518500250,
      1431655765, 2004318071]


def _firmware(tmp_path: Path, body: str, n_in: int, n_out: int) -> Path:
    d = tmp_path / "model"
    d.mkdir()
    shutil.copy(HERE / "standin_model.h", d / "model.h")
    shutil.copy(RUNTIME / "mf_common.h", d / "mf_common.h")
    (d / "model.c").write_text(f"""#include <stdint.h>
#include <stddef.h>
#include "model.h"
#include "mf_common.h"
void mf_layer_begin(int i);
void mf_layer_end(int i);
int8_t mf_arena[{n_in + n_out}] __attribute__((aligned(4)));
static const int32_t *const in = (const int32_t *)mf_arena;
static int32_t *const out = (int32_t *)(mf_arena + {n_in});
int mf_model_invoke(void)
{{
    mf_layer_begin(0);
{body}
    mf_layer_end(0);
    return 0;
}}
void *mf_model_input(int i) {{ (void)i; return mf_arena; }}
size_t mf_model_input_size(int i) {{ (void)i; return {n_in}; }}
void *mf_model_output(int i) {{ (void)i; return out; }}
size_t mf_model_output_size(int i) {{ (void)i; return {n_out}; }}
""")
    return d


def _run(tmp_path: Path, body: str, args: np.ndarray, n_out: int) -> np.ndarray:
    target = get_target("m0plus")
    args = args.astype("<i4")
    d = _firmware(tmp_path, body, args.nbytes, 4 * n_out)
    build = build_firmware(target, d, tmp_path / "out")
    r = run_firmware(build.elf_path, target, [args.tobytes()], [4 * n_out])
    return np.frombuffer(r.outputs[0], "<i4")


def test_srdhm_on_m0plus(tmp_path):
    """mf_srdhm_pos for b >= 0, and mf_srdhm (which takes it for b >= 0) over negative b and INT32_MIN too."""
    pairs = np.array([(a, m) for a in _A for m in _M + [-1, -0x12345678, -(1 << 31)]], np.int64)
    body = (f"    for (int i = 0; i < {len(pairs)}; ++i) out[i] = in[2 * i + 1] >= 0 ? "
            "mf_srdhm_pos(in[2 * i], in[2 * i + 1]) : mf_srdhm(in[2 * i], in[2 * i + 1]);\n"
            f"    for (int i = 0; i < {len(pairs)}; ++i) out[{len(pairs)} + i] = mf_srdhm(in[2 * i], in[2 * i + 1]);")
    got = _run(tmp_path, body, pairs.reshape(-1), 2 * len(pairs))
    want = [srdhm(int(a), int(m)) for a, m in pairs] * 2
    bad = [(int(a), int(m), int(g), w) for (a, m), g, w in zip(np.concatenate([pairs, pairs]), got, want) if g != w]
    assert not bad, bad[:5]


def test_rq_e_on_m0plus(tmp_path):
    rng = np.random.default_rng(seed_of("rq_e"))
    rows = []
    for e in (1, 2, 7, 13, 22):
        for m in (1 << 30, (1 << 30) + 1, 0x7FFF_FFFF, 1518500250, int(rng.integers(1 << 30, 1 << 31))):
            for zp in (-128, -5, 0, 127):
                accs = [0, 1, -1, (1 << 30) - 1, 1 - (1 << 30), 1 << (e - 1), -(1 << (e - 1)), (1 << e) + (1 << (e - 1)),
                        *rng.integers(-(1 << 30) + 1, 1 << 30, 4),     # |acc| < 2^30: mf_rq_e's precondition
                        *rng.integers(-(1 << min(e + 9, 30)) + 1, 1 << min(e + 9, 30), 4)]
                for acc in accs:
                    rows.append((int(acc), m, e, (1 << (e - 1)) + zp * (1 << e), zp))
    args = np.array([r[:4] for r in rows], np.int64)
    body = (f"    for (int i = 0; i < {len(rows)}; ++i) "
            "out[i] = mf_rq_e(in[4 * i], in[4 * i + 1], in[4 * i + 2], in[4 * i + 3], -128, 127);")
    got = _run(tmp_path, body, args.reshape(-1), len(rows))
    want = [int(np.clip(int(multiply_by_quantized_multiplier(np.array([a]), np.array([m]), np.array([-e]))[0]) + zp, -128, 127))
            for a, m, e, _, zp in rows]
    bad = [(r, int(g), w) for r, g, w in zip(rows, got, want) if g != w]
    assert not bad, bad[:5]


def test_rq_e_n_on_m0plus(tmp_path):
    """mf_rq_e_n and the block forms MF_M0_RQN / MF_M0_RQNZ (the kernels' narrow requantisation: m, e, the zero
    point) on accumulators up to the 2^20 bound: TFLM's MultiplyByQuantizedMultiplier plus zero point, clamped.
    RQNZ only where MF_NEG_CLAMPED holds (act_min >= zero point), as the kernels take it."""
    rng = np.random.default_rng(seed_of("rq_e_n"))
    rows = []
    for e in (1, 2, 7, 13, 22):
        for m in (1 << 30, (1 << 30) + 1, 0x7FFF_FFFF, 1518500250, int(rng.integers(1 << 30, 1 << 31))):
            for zp, lo, hi in ((-128, -128, 127), (-5, -5, 90), (0, -128, 127), (127, -20, 127), (-7, 3, 60)):
                accs = [0, 1, -1, (1 << 20) - 1, 1 - (1 << 20), 1 << (e - 1), -(1 << (e - 1)),
                        (1 << e) + (1 << (e - 1)), *rng.integers(-(1 << 20) + 1, 1 << 20, 4),
                        *rng.integers(-(1 << min(e + 9, 20)) + 1, 1 << min(e + 9, 20), 4)]
                for acc in (a for a in accs if abs(a) < 1 << 20):
                    rows.append((int(acc), m, e, zp, lo, hi))
    args = np.array([r[:6] for r in rows], np.int64)
    n = len(rows)
    body = (f"    int8_t *b = (int8_t *)(out + {n});\n"
            f"    for (int i = 0; i < {n}; ++i) {{ const int32_t *r = in + 6 * i;\n"
            "        out[i] = mf_rq_e_n(r[0], r[1], r[2], r[3], r[4], r[5]);\n"
            "        MF_M0_RQN_ASM(MF_M0_RQN(0, 4, 8, 0), r, r, b + i, r[4], r[5], r[3]);\n"
            f"        MF_M0_RQN_ASM(MF_M0_RQNZ(0, 4, 8, 0), r, r, b + {n} + i, r[4], r[5], r[3]); }}")
    got = _run(tmp_path, body, args.reshape(-1), n + (2 * n + 3) // 4)
    want = [int(np.clip(int(multiply_by_quantized_multiplier(np.array([a]), np.array([m]), np.array([-e]))[0]) + zp,
                        lo, hi)) for a, m, e, zp, lo, hi in rows]
    blk = got[n:].view(np.int8)
    bad = [(r, int(g), int(b), int(z), w) for r, g, b, z, w in zip(rows, got[:n], blk[:n], blk[n:2 * n], want)
           if g != w or b != w or (r[4] >= r[3] and z != w)]
    assert not bad, bad[:5]


NARROW_CASES = {
    "conv-3x3-c5": lambda: _conv("3x3-same-c5"),
    "conv-1x1-c13to4": lambda: _conv("1x1-c13to4"),
    "dw-3x3-c8-relu6": lambda: mg.depthwise_model(seed_of("m0narrow", 1), (1, 7, 5, 8), 1, 3, 1, "SAME", 1, "RELU6",
                                                  in_zp=-3),
    "dw-3x3-s2-c12-none": lambda: mg.depthwise_model(seed_of("m0narrow", 2), (1, 9, 7, 12), 1, 3, 2, "SAME", 1, "NONE",
                                                     in_zp=5),
}


@pytest.mark.parametrize("narrow", [1, 0])
@pytest.mark.parametrize("name", sorted(NARROW_CASES))
def test_narrow_requant_on_m0plus(name, narrow, tmp_path, monkeypatch):
    """rq_narrow = 1 (accumulators below 2^20: mf_rq_e_n / MF_M0_RQN) is what these layers take; forced to 0 they
    take the four-product mf_rq_e. Both exact."""
    from microforge.ops import depthwise_conv2d
    if not narrow:
        monkeypatch.setattr(conv2d, "rq_narrow", lambda *a: 0)
        monkeypatch.setattr(depthwise_conv2d, "rq_narrow", lambda *a: 0)
    model = NARROW_CASES[name]()
    cm = compile_model(model, target="m0plus")
    assert f".rq_narrow = {narrow}" in cm.files["model.c"]
    oracle = Oracle(model)
    xs = random_inputs(oracle, np.random.default_rng(seed_of("m0narrow-in", name)))
    got = run_on_target(cm, get_target("m0plus"), xs, workdir=tmp_path).outputs
    assert [g.tobytes() for g in got] == [w.tobytes() for w in oracle.run(xs)]
