"""Row pipelines on the emulated cores (runtime/dsp kernels called per band), byte for byte against TFLM:
the MLPerf ic model on the M4 and M7, and chain models with depthwise SIMD paths and residual ADDs."""
from __future__ import annotations

import re

import numpy as np
import pytest
from helpers import Oracle, random_inputs, seed_of, shared_model
from row_chains import CHAINS, chain_model

from microforge.driver import compile_model
from microforge.ir import OpType
from microforge.report import make_report
from microforge.sim.run import run_on_target
from microforge.targets import get_target
from microforge.toolchain.arm import have_arm_gcc

pytestmark = pytest.mark.skipif(not have_arm_gcc(), reason="arm-none-eabi-gcc not installed "
                                "(apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)")


def _run_and_compare(model: bytes, core: str, tmp_path, seed, **kw):
    cm = compile_model(model, target=core, **kw)
    assert any(op.type is OpType.ROW_PIPELINE for op in cm.graph.ops)
    oracle = Oracle(model)
    xs = random_inputs(oracle, np.random.default_rng(seed))
    run = run_on_target(cm, get_target(core), xs, workdir=tmp_path)
    for g, w in zip(run.outputs, oracle.run(xs)):
        g = np.asarray(g)
        assert g.tobytes() == w.tobytes(), f"{np.count_nonzero(g != w)} elements differ"
    return cm, run


@pytest.mark.every_core   # a whole model (tests/target/conftest.py samples the per-op M33 legs)
@pytest.mark.parametrize("core,mode,band", [("m4", "auto", None), ("m7", "auto", None), ("m33", "auto", None),
                                            ("m4", "on", 1)])
def test_ic_row_pipeline_on_core(core, mode, band, tmp_path):
    model = shared_model("mlperf_tiny/ic.tflite").read_bytes()
    cm, run = _run_and_compare(model, core, tmp_path, seed_of("rows-ic", core, mode, band), row_pipeline=mode, band=band)
    if mode == "auto":   # the issue's goal: activations + scratch + stack + static <= 0.55 x TFLM's arena (55,984 B)
        ram = make_report(cm, get_target(core), run).ram_bytes
        assert ram["total"] <= 0.55 * 55_984, ram


@pytest.mark.parametrize("name", ["conv_dw_conv_s2", "dw_s2_conv_add", "avgpool_same_dil"])
def test_chain_on_m4(name, tmp_path):
    _run_and_compare(chain_model(*CHAINS[name]), "m4", tmp_path, seed_of("rows-m4", name), row_pipeline="on", band=2)


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name,fn", [("dw_s2_last", "mf_depthwise_conv2d_s8_rows2"), ("dw_s1_last", "mf_dw_band_rows")])
def test_dw_band_disjoint_on_core(name, fn, core, tmp_path):
    """A depthwise band whose output lies at a loop-dependent place (the chain's output) but whose input is a window:
    the band call knows both are apart and takes the row path's direct order in the band loop too (at stride 2
    mf_dw_s2.h's, ops/depthwise_conv2d.py _rows_banded_s2; at stride 1 with its input window a ring read by
    mf_dw_band_rows), exact on every core; 6 and 7 channels (a tail group), odd widths."""
    cm, _ = _run_and_compare(chain_model(*CHAINS[name]), core, tmp_path, seed_of("rows-disjoint", name, core),
                             row_pipeline="on", band=1)
    code = cm.files["model.c"]
    loop = code[code.index("for (int32_t j = 0;"):]
    loop = loop[:loop.index("\n    }")]
    (params,) = re.findall(r"(?:mf_depthwise_conv2d_s8\w*|mf_dw_band_rows)\(&(\w+),", loop)
    struct = code[code.index(f"mf_depthwise_conv2d_params_t {params} = {{"):]
    assert ".direct = 1," in struct[:struct.index("};")] and f"{fn}(&{params}," in loop
    if name == "dw_s1_last":   # its input window a ring (runtime/dsp/mf_dw_band.h): no rows moved between bands
        assert "mf_dw_band_rows(" in loop and "memmove" not in code


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
def test_dw_band_ush_on_core(core, tmp_path):
    """A stride-1 depthwise band on rows of 20 outputs, ReLU: its band calls take the row path's one layer shift
    (ops/depthwise_conv2d.py _rows_ushift, USH_BAND_MIN_OUT_W; each band builds its groups' scaled words), exact."""
    cm, _ = _run_and_compare(chain_model(*CHAINS["dw_s1_ush"]), core, tmp_path, seed_of("rows-ush", core),
                             row_pipeline="on", band=1)
    code = cm.files["model.c"]
    ush = re.findall(r"\.ush = (\d+),", code)
    assert ush and all(2 <= int(u) <= 22 for u in ush)


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", ["conv_ring_add", "conv_s2_ring", "conv_ring_odd13", "conv_ring_odd5", "conv_ring_odd7"])
def test_conv_band_ring_on_core(name, core, tmp_path, monkeypatch):
    """A 3x3 conv band on row entries (mix 6, 8; mix 4 with out_c 13, 5, 7, padded groups allowed) reading its input
    window as a ring (ops/conv2d.py reads_ring, runtime/dsp/mf_conv2d.h mf_conv2d_s8_ring: input row iy at
    (first + iy * row bytes) mod the ring's bytes), band 1: exact on every core, every window a ring (no rows moved
    between bands)."""
    from microforge.ops import conv2d
    monkeypatch.setattr(conv2d, "MIX_MAX_PAD", float("inf"))   # odd out_c: mix 4
    cm, _ = _run_and_compare(chain_model(*CHAINS[name]), core, tmp_path, seed_of("rows-conv-ring", name, core),
                             row_pipeline="on", band=1)
    code = cm.files["model.c"]
    rings = set(re.findall(r"mf_conv2d_s8_ring\(&(\w+),", code))
    assert rings and "memmove" not in code, name
    mixes = {re.search(r"\.mix = (\d+),", code[code.index(f"mf_conv2d_params_t {p} = {{"):]).group(1) for p in rings}
    # conv_s2_ring's middle layer computes two rows for the first band: the two-row entries (mix 8, M4/M33) on the ring
    want = {"4"} if "odd" in name else {"6", "8"} if name == "conv_s2_ring" and core != "m7" else {"6"}
    assert mixes == want, mixes
