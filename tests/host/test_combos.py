"""Realistic combination models (modelzoo): host build byte-identical to TFLM on fixed-seed inputs."""
from __future__ import annotations

import numpy as np
import pytest
from helpers import Oracle, random_inputs, seed_of

from microforge import modelzoo
from microforge.driver import compile_model
from microforge.toolchain.host import build_host

N_INPUTS = 8


@pytest.mark.parametrize("name", sorted(modelzoo.MODELS))
def test_combo_matches_tflm_on_host(name, tmp_path):
    model = modelzoo.MODELS[name]()
    oracle = Oracle(model)
    hm = build_host(compile_model(model, target="host"), tmp_path)
    rng = np.random.default_rng(seed_of("combo-host", name))
    for k in range(N_INPUTS):
        xs = random_inputs(oracle, rng)
        want = oracle.run(xs)
        got = [np.asarray(g) for g in hm.run([x.copy() for x in xs])]
        assert len(got) == len(want)
        for i, (g, w) in enumerate(zip(got, want)):
            assert (g.dtype, g.shape) == (w.dtype, w.shape), f"{name} output {i}"
            assert g.tobytes() == w.tobytes(), (
                f"{name}, input {k}, output {i}: {int(np.count_nonzero(g != w))}/{g.size} differ")


@pytest.mark.parametrize("name", sorted(modelzoo.MODELS))
def test_combo_activations_are_calibrated(name):
    """The int8 outputs spread over many codes in TFLM (calibration worked, nothing saturates)."""
    model = modelzoo.MODELS[name]()
    oracle = Oracle(model)
    rng = np.random.default_rng(seed_of("combo-spread", name))
    ys = np.concatenate([oracle.run(random_inputs(oracle, rng))[0].reshape(-1) for _ in range(4)])
    assert len(np.unique(ys)) >= 16, f"{name}: outputs take only {np.unique(ys)}"
    saturated = np.count_nonzero((ys == -128) | (ys == 127)) / ys.size
    if name != "audio_cnn":  # softmax probabilities sit at -128 (p ~ 0) by design
        assert saturated < 0.05, f"{name}: {saturated:.0%} of outputs saturate"


def test_combo_models_are_deterministic():
    for name, make in modelzoo.MODELS.items():
        assert make() == make(), name


def test_mobilenetv3_gate_must_be_known():
    with pytest.raises(ValueError, match="gate"):
        modelzoo.mobilenetv3_block(gate="SWISH")
