"""Real models from ../shared/models: host build is byte-identical to TFLM on 20 random inputs."""
from __future__ import annotations

import numpy as np
import pytest
from helpers import Oracle, random_inputs, seed_of, shared_model

from microforge.driver import compile_model
from microforge.toolchain.host import build_host

MODELS = [
    "mlperf_tiny/vww.tflite",
    "mlperf_tiny/ic.tflite",
    "mlperf_tiny/kws.tflite",
    "mlperf_tiny/ad.tflite",
    "seed/mobilenetv2_0.30_80x80.tflite",
]
N_INPUTS = 20


@pytest.fixture(scope="module", params=MODELS, ids=[m.split("/")[-1] for m in MODELS])
def built(request, tmp_path_factory):
    """(name, oracle, host model), compiled once per model."""
    path = shared_model(request.param)
    cm = compile_model(path, target="host")
    hm = build_host(cm, tmp_path_factory.mktemp(path.stem.replace(".", "_")))
    return request.param, Oracle(path.read_bytes()), hm


def test_matches_tflm_bit_exactly(built):
    name, oracle, hm = built
    rng = np.random.default_rng(seed_of("shared-model", name))
    mismatches = []
    for n in range(N_INPUTS):
        xs = random_inputs(oracle, rng)
        want = oracle.run(xs)
        got = [np.asarray(g) for g in hm.run([x.copy() for x in xs])]
        assert len(got) == len(want)
        for i, (g, w) in enumerate(zip(got, want)):
            assert (g.dtype, g.shape) == (w.dtype, w.shape), f"output {i} dtype/shape"
            if g.tobytes() != w.tobytes():
                diff = int(np.count_nonzero(g != w))
                mismatches.append(f"input {n} output {i}: {diff}/{g.size} differ "
                                  f"(got {g.reshape(-1)[:8]}, TFLM {w.reshape(-1)[:8]})")
    assert not mismatches, f"{name}: {len(mismatches)} mismatching outputs:\n" + "\n".join(
        mismatches[:5])
