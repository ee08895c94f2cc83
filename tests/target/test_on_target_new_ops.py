"""ARG_MAX/ARG_MIN, ELU, PRELU, LOG_SOFTMAX, SHAPE, RESIZE_BILINEAR on the emulated M0+ and M4, byte for byte with TFLM."""
from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_same_outputs, Oracle, random_inputs, seed_of

from microforge import modelgen as mg
from microforge.driver import compile_model
from microforge.sim.run import run_on_target
from microforge.targets import get_target
from microforge.toolchain.arm import have_arm_gcc

pytestmark = pytest.mark.skipif(not have_arm_gcc(), reason="arm-none-eabi-gcc not installed "
                                "(apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)")

CORES = ["m0plus", "m4"]

# Odd channel counts and every option once: the kernels' int32 arithmetic (fixed-point log, Q20 sums) on 32-bit cores.
OP_MODELS = {
    "arg-max-c13": lambda: mg.arg_min_max_model("MAX", (1, 3, 4, 13), -1, 0.05, 3),
    "arg-min-axis1": lambda: mg.arg_min_max_model("MIN", (2, 7, 5), 1, 0.05, -3),
    "elu": lambda: mg.elu_model((1, 5, 5, 7), 0.05, 10, 0.04, 30),
    "prelu-c5": lambda: mg.prelu_model(1, (1, 4, 3, 5), (1, 1, 5)),
    "prelu-same-shape": lambda: mg.prelu_model(2, (2, 3, 7), (2, 3, 7), 0.02, -128, 0.01, 0, 0.02, -128),
    "log-softmax": lambda: mg.log_softmax_model((6, 37), 0.05, -4),
    "log-softmax-c3": lambda: mg.log_softmax_model((1, 4, 4, 3), 0.5, 7),
    "shape": lambda: mg.shape_model((2, 1, 3, 5)),
    "resize-bilinear": lambda: mg.resize_bilinear_model((1, 5, 3, 7), (7, 11)),
    "resize-bilinear-align": lambda: mg.resize_bilinear_model((1, 4, 5, 3), (9, 6), align_corners=True),
    "resize-bilinear-half-pixel": lambda: mg.resize_bilinear_model((2, 6, 6, 5), (4, 9), half_pixel_centers=True),
}


@pytest.mark.parametrize("core", CORES)
@pytest.mark.parametrize("name", sorted(OP_MODELS))
def test_new_op_on_core(name, core, tmp_path):
    model = OP_MODELS[name]()
    oracle = Oracle(model)
    xs = random_inputs(oracle, np.random.default_rng(seed_of("target-new-op", name)))
    cm = compile_model(model, target=core)
    run = run_on_target(cm, get_target(core), xs, workdir=tmp_path)
    assert_same_outputs(run.outputs, oracle.run(xs), f"{name} on {core}")
