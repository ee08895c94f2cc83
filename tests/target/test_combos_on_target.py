"""Realistic combination models (modelzoo) on the emulated m4 and m0plus: one firmware build per
model and core, several fixed-seed inputs, each output byte-identical to TFLM."""
from __future__ import annotations

import numpy as np
import pytest
from helpers import Oracle, random_inputs, seed_of

from microforge import modelzoo
from microforge.driver import compile_model
from microforge.sim.emulator import run_firmware
from microforge.targets import get_target
from microforge.toolchain.arm import build_firmware, have_arm_gcc

pytestmark = pytest.mark.skipif(not have_arm_gcc(), reason="arm-none-eabi-gcc not installed "
                                "(apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)")

CORES = ["m4", "m0plus"]
N_INPUTS = 3


@pytest.mark.parametrize("core", CORES)
@pytest.mark.parametrize("name", sorted(modelzoo.MODELS))
def test_combo_matches_tflm_on_core(name, core, tmp_path):
    model = modelzoo.MODELS[name]()
    oracle = Oracle(model)
    cm = compile_model(model, target=core)
    target = get_target(core)
    cm.write(tmp_path / "src")
    build = build_firmware(target, tmp_path / "src", tmp_path / "build")
    outs = cm.graph.outputs
    rng = np.random.default_rng(seed_of("combo-target", name, core))
    for k in range(N_INPUTS):
        xs = random_inputs(oracle, rng)
        result = run_firmware(build.elf_path, target, [x.tobytes() for x in xs], [t.nbytes for t in outs])
        for i, (raw, t, want) in enumerate(zip(result.outputs, outs, oracle.run(xs))):
            got = np.frombuffer(raw, dtype=t.dtype.np).reshape(t.shape)
            assert (got.dtype, got.shape) == (want.dtype, want.shape), f"{name} on {core}, output {i}"
            assert got.tobytes() == want.tobytes(), (
                f"{name} on {core}, input {k}, output {i}: {int(np.count_nonzero(got != want))}/{got.size} differ")
