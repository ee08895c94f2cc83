"""Row pipelines against TFLM on the host: chains of conv / depthwise / pool layers (and residual ADDs) run
band by band, every band size from 1 to the height, and the MLPerf ic model, byte for byte."""
from __future__ import annotations

import numpy as np
import pytest
from helpers import Oracle, random_inputs, seed_of, shared_model
from row_chains import CHAINS, chain_model

from microforge.driver import compile_model
from microforge.ir import OpType
from microforge.memory import verify_plan
from microforge.toolchain.host import build_host


def _segments(cm):
    return [op for op in cm.graph.ops if op.type is OpType.ROW_PIPELINE]


def _same(cm, model: bytes, tmp_path, seed, n_sets: int = 2):
    oracle = Oracle(model)
    hm = build_host(cm, tmp_path)
    rng = np.random.default_rng(seed)
    for n in range(n_sets):
        xs = random_inputs(oracle, rng)
        want, got = oracle.run(xs), hm.run([x.copy() for x in xs])
        for g, w in zip(got, want):
            assert np.asarray(g).tobytes() == w.tobytes(), f"input set {n}: {np.count_nonzero(g != w)} elements differ"


@pytest.mark.parametrize("name", sorted(CHAINS))
def test_chain_every_band_matches_tflm(name, tmp_path):
    seed, shape, layers = CHAINS[name]
    model = chain_model(seed, shape, layers)
    height = max(l.options["layers"][-1].outputs[0].shape[1]
                 for l in _segments(compile_model(model, "host", row_pipeline="on", band=1)))
    for band in range(1, height + 1):
        cm = compile_model(model, "host", row_pipeline="on", band=band)
        segs = _segments(cm)
        assert segs and all(s.options["band"] == min(band, s.options["layers"][-1].outputs[0].shape[1]) for s in segs)
        verify_plan(cm.plan)
        _same(cm, model, tmp_path / f"b{band}", seed_of("rows", name, band), n_sets=1)


def test_chain_finder_sees_the_residual_blocks():
    from microforge.frontend import load_tflite
    from microforge.passes.row_pipeline import find_chains

    g = load_tflite(chain_model(*CHAINS["dw_s2_conv_add"]))
    chains = find_chains(g)
    assert [[o.type for o in c.ops] for c in chains] == [
        [OpType.CONV_2D, OpType.DEPTHWISE_CONV_2D], [OpType.CONV_2D, OpType.CONV_2D, OpType.ADD]]
    g = load_tflite(chain_model(*CHAINS["residual_other"]))
    (c,) = find_chains(g)
    assert c.ops[-1].type is OpType.ADD and c.ops[-1].inputs[c.residual_index] is not c.spatial[0].inputs[0]


@pytest.mark.parametrize("mode,band", [("auto", None), ("on", 1), ("on", 3), ("on", 32)])
def test_ic_matches_tflm(mode, band, tmp_path):
    model = shared_model("mlperf_tiny/ic.tflite").read_bytes()
    cm = compile_model(model, "host", row_pipeline=mode, band=band)
    assert _segments(cm)
    _same(cm, model, tmp_path, seed_of("rows-ic", mode, band))


def test_ic_auto_lowers_the_arena_and_off_forms_no_segment():
    model = shared_model("mlperf_tiny/ic.tflite").read_bytes()
    auto, off = compile_model(model, "host"), compile_model(model, "host", row_pipeline="off")
    assert not _segments(off) and off.arena_without_row_pipeline is None
    assert auto.arena_without_row_pipeline == off.arena_bytes
    assert auto.arena_bytes < off.arena_bytes
