"""16x8 layers on the emulated cores (arm-none-eabi-gcc + unicorn), byte for byte against TFLM: the portable
s16 kernels on a DSP core (m4, which falls back from runtime/dsp) and on ARMv6-M (m0plus, no 64-bit multiply)."""
from __future__ import annotations

import numpy as np
import pytest
from helpers import Oracle, random_inputs, seed_of
from models16 import chain_s16, conv2d_s16, depthwise_s16, fc_s16

from microforge.driver import compile_model
from microforge.sim.run import run_on_target
from microforge.targets import get_target
from microforge.toolchain.arm import have_arm_gcc

pytestmark = pytest.mark.skipif(not have_arm_gcc(), reason="arm-none-eabi-gcc not installed "
                                "(apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)")

MODELS = {
    "conv-c5-int64": lambda: conv2d_s16(1, (1, 6, 7, 5), 7, 3, 1, "SAME", 1, "RELU"),
    "conv-s2-dil2-int32": lambda: conv2d_s16(2, (1, 11, 10, 3), 5, 3, 2, "VALID", 2, "NONE", True, "int32"),
    "conv-large-bias": lambda: conv2d_s16(7, (1, 5, 5, 3), 6, 3, 1, "SAME", 1, "NONE", True, "int64",
                                          bias_sd=5000.0, spread=15000.0),
    "dw-c13": lambda: depthwise_s16(3, (1, 7, 6, 13), 1, 3, 1, "SAME", 1, "NONE"),
    "dw-dm2-s2": lambda: depthwise_s16(4, (1, 9, 8, 5), 2, 3, 2, "SAME", 1, "RELU6"),
    "fc-per-tensor-batch3": lambda: fc_s16(5, (3, 37), 11, "NONE", False, "int64"),
    "fc-per-channel-int32": lambda: fc_s16(6, (1, 300), 13, "NONE", True, "int32"),
    "chain": lambda: chain_s16(8),
}


@pytest.mark.parametrize("core", ["m4", "m0plus"])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_int16_on_core(name, core, tmp_path):
    model = MODELS[name]()
    oracle = Oracle(model)
    xs = random_inputs(oracle, np.random.default_rng(seed_of("target-int16", name)))
    run = run_on_target(compile_model(model, target=core), get_target(core), xs, workdir=tmp_path)
    want = oracle.run(xs)
    assert run.outputs[0].dtype == want[0].dtype == np.int16
    if run.outputs[0].tobytes() != want[0].tobytes():
        bad = np.flatnonzero(run.outputs[0].reshape(-1) != want[0].reshape(-1))
        pytest.fail(f"{name} on {core}: {bad.size}/{want[0].size} elements differ; first at {bad[0]}: "
                    f"got {run.outputs[0].reshape(-1)[bad[0]]}, TFLM {want[0].reshape(-1)[bad[0]]}")
