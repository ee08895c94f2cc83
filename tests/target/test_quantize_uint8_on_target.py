"""QUANTIZE between uint8 and int8 on the emulated m4 and m0plus, byte-identical to TFLM."""
from __future__ import annotations

import numpy as np
import pytest
from helpers import Oracle, random_inputs, seed_of

from microforge.driver import compile_model
from microforge.modelgen import ModelBuilder
from microforge.sim.run import run_on_target
from microforge.targets import get_target
from microforge.toolchain.arm import have_arm_gcc

pytestmark = pytest.mark.skipif(not have_arm_gcc(), reason="arm-none-eabi-gcc not installed "
                                "(apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)")

# (in dtype, out dtype, shape, (in scale, zp), (out scale, zp)), as in tests/host/test_quantize_uint8.py
CASES = {
    "u8-s8-shift": ("uint8", "int8", (1, 7, 5, 3), (1 / 255, 128), (1 / 255, 0)),
    "u8-s8-rescale": ("uint8", "int8", (2, 13), (0.02, 100), (0.05, -7)),
    "s8-u8-rescale": ("int8", "uint8", (3, 11), (0.04, 9), (0.015, 130)),
}


@pytest.mark.parametrize("core", ["m4", "m0plus"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_requantize_uint8_on_core(name, core, tmp_path):
    in_dtype, out_dtype, shape, in_q, out_q = CASES[name]
    mb = ModelBuilder("requantize")
    x = mb.input("input", shape, in_dtype, *in_q)
    y = mb.tensor("output", shape, out_dtype, *out_q)
    mb.op("QUANTIZE", [x], [y])
    mb.outputs(y)
    model = mb.finish()
    oracle = Oracle(model)
    xs = random_inputs(oracle, np.random.default_rng(seed_of("requant-u8-target", name, core)))
    run = run_on_target(compile_model(model, target=core), get_target(core), xs, workdir=tmp_path)
    assert run.outputs[0].tobytes() == oracle.run(xs)[0].tobytes()
