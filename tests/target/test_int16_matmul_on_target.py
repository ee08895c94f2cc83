"""16x8 TRANSPOSE_CONV, int16 BATCH_MATMUL, int8 SVDF with int8 state and the int8 -> int16 SOFTMAX -> QUANTIZE
tail of TFLM's keyword benchmark on the emulated cores (arm-none-eabi-gcc + unicorn), byte for byte against TFLM.

The portable kernels run on every core: m4 (DSP core, falls back to runtime/portable) and m0plus (ARMv6-M: no
64-bit multiply-accumulate, so the int64 sums are library calls)."""
from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_same_outputs, Oracle, random_inputs, seed_of
from models16 import batch_matmul_s16, softmax_s8_s16_model, transpose_conv_s16

from microforge import modelgen as mg
from microforge.driver import compile_model
from microforge.sim.run import run_on_target
from microforge.targets import get_target
from microforge.toolchain.arm import have_arm_gcc

pytestmark = pytest.mark.skipif(not have_arm_gcc(), reason="arm-none-eabi-gcc not installed "
                                "(apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)")

MODELS = {
    **{f"tconv-c{c}": (lambda c=c: transpose_conv_s16(seed_of("ttc16", c), (1, 4, 3, c), 2 * c + 1, 3, 2, "SAME"))
       for c in (1, 3, 5, 7, 13)},
    "tconv-valid-k4s3-relu": lambda: transpose_conv_s16(20, (2, 3, 2, 5), 7, 4, 3, "VALID", "RELU"),
    "tconv-per-tensor-nobias": lambda: transpose_conv_s16(21, (1, 5, 4, 6), 3, (3, 2), (1, 2), "SAME", "NONE", False,
                                                          "none"),
    "tconv-int16-bias": lambda: transpose_conv_s16(22, (1, 3, 3, 4), 5, 3, 2, "SAME", "NONE", True, "int16"),
    "tconv-seanet-geometry": lambda: transpose_conv_s16(23, (1, 1, 5, 64), 9, (3, 4), (1, 2), "VALID",
                                                        shape_input=True),
    "tconv-wide-sums": lambda: transpose_conv_s16(24, (1, 2, 2, 1200), 3, 2, 2, "SAME", "NONE", False, "int64",
                                                  spread=6.0),
    "bmm16": lambda: batch_matmul_s16(25, (2, 3, 7), (2, 7, 5)),
    "bmm16-adj-const": lambda: batch_matmul_s16(26, (2, 5, 3), (2, 7, 5), True, True, True),
    "bmm16-deep": lambda: batch_matmul_s16(27, (1, 3, 700), (1, 700, 2)),
    "softmax-s16-zp-int32": lambda: softmax_s8_s16_model((3, 7), "int32"),
    "softmax-s16-zp-int8": lambda: softmax_s8_s16_model((2, 13), "int8"),
    # one invocation from the zero-point state (many invocations: tests/host/test_ops_matmul.py)
    "svdf-int8-state-zp100": lambda: mg.svdf_model(28, 2, 8, 4, 2, 5, in_zp=-7, state_dtype="int8", state_zp=100),
    "svdf-int8-state-zp-50": lambda: mg.svdf_model(29, 1, 13, 3, 1, 4, state_dtype="int8", state_zp=-50),
}


@pytest.mark.parametrize("core, name", [(c, n) for n in sorted(MODELS) for c in ("m4", "m0plus")])
def test_int16_matmul_on_core(name, core, tmp_path):
    model = MODELS[name]()
    oracle = Oracle(model)
    xs = random_inputs(oracle, np.random.default_rng(seed_of("target-int16mm", name)))
    run = run_on_target(compile_model(model, target=core), get_target(core), xs, workdir=tmp_path)
    assert_same_outputs(run.outputs, oracle.run(xs), f"{name} on {core}")
