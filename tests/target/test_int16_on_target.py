"""int16 (16x8) layers on the emulated cores (arm-none-eabi-gcc + unicorn), byte for byte against TFLM.

runtime/dsp's s16 conv/FC (SMLALD) on the DSP cores, the portable kernels on ARMv6-M (m0plus, no 64-bit
multiply); int16 ADD/SUB/MUL/SOFTMAX/LOGISTIC/TANH/QUANTIZE, pooling, MEAN/SUM, PAD, MAXIMUM/MINIMUM,
SQUARED_DIFFERENCE, the RELU family and PRELU too."""
from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_same_outputs, Oracle, random_inputs, seed_of
from models16 import (binary_s16, chain_s16, conv2d_s16, depthwise_s16, fc_s16, prelu_s16, quantize_s16, softmax_s16,
                      unary_s16)

from microforge import modelgen as mg

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
    "add-broadcast": lambda: binary_s16("ADD", (1, 3, 5, 7), (1, 3, 1, 1), (0.0005, 0.002), 0.002, "RELU"),
    "sub": lambda: binary_s16("SUB", (2, 3, 13), (13,), (0.003, 0.002), 0.004),
    "mul": lambda: binary_s16("MUL", (1, 4, 4, 7), (1, 4, 4, 7), (0.001, 0.0007), 0.001 * 0.0007 * 32768 / 3),
    "softmax": lambda: softmax_s16((3, 64), 0.0002, 0.7),
    "logistic": lambda: unary_s16("LOGISTIC", (4, 300), 0.0003),
    "tanh-pot": lambda: unary_s16("TANH", (4, 300), 2.0 ** -11),
    "quantize-s8-s16": lambda: quantize_s16((2, 3, 37), "int8", "int16", (0.05, -7), (0.0003, 0)),
    "quantize-s16-s8": lambda: quantize_s16((2, 3, 37), "int16", "int8", (0.0003, 0), (0.04, 5)),
    "dequantize-s16": lambda: quantize_s16((2, 3, 37), "int16", "float32", (0.0003, 0), None, "DEQUANTIZE"),
    # portable int16 kernels of the other arithmetic ops (on DSP cores pooling pairs the portable int16 loop
    # with runtime/dsp's mf_pooling.h)
    "avgpool-c13-same": lambda: mg.pool_model("AVERAGE", (1, 7, 6, 13), 3, 2, "SAME", "RELU", 0.001, 0, dtype="int16"),
    "maxpool-c5": lambda: mg.pool_model("MAX", (1, 9, 8, 5), (3, 2), (2, 1), "SAME", "NONE", 0.001, 0, dtype="int16"),
    "mean-c7": lambda: mg.mean_model((1, 5, 4, 7), (1, 2), True, 0.001, 0, 0.0006, 0, dtype="int16"),
    "sum": lambda: mg.mean_model((2, 5, 3), (1,), False, 0.0002, 0, 0.0003, 0, dtype="int16", op="SUM"),
    "padv2": lambda: mg.pad_model((1, 4, 4, 3), ((0, 0), (1, 1), (0, 0), (2, 3)), True, -1234, 0.0007, 0, dtype="int16"),
    "minimum-broadcast": lambda: binary_s16("MINIMUM", (1, 3, 5, 13), (1, 3, 1, 1), (0.0005, 0.002), 0.0005, None),
    "squared-difference": lambda: binary_s16("SQUARED_DIFFERENCE", (2, 3, 5), (5,), (0.003, 0.0007), 0.09, None),
    "relu6": lambda: unary_s16("RELU6", (4, 300), 0.0003, 0.0003),
    "leaky-relu-neg-alpha": lambda: unary_s16("LEAKY_RELU", (4, 300), 0.001, 0.0013, alpha=-0.3),
    "prelu-c7": lambda: prelu_s16(5, (1, 4, 3, 7), (1, 1, 7), 0.001, 0.004, -20, 0.0008),
}


# runtime/dsp's SMLALD dot product (conv, FC): tails of 1-3 elements, input runs starting at odd halfwords
# (border pixels, odd channel counts), the dilated path, batches; on every DSP core.
DSP_MODELS = {
    **{f"dsp-conv-c{c}": (lambda c=c: conv2d_s16(seed_of("dsp16", c), (1, 5, 6, c), 3, 3, 1, "SAME", 1, "NONE"))
       for c in (1, 3, 13)},
    "dsp-conv-dil2-int32": lambda: conv2d_s16(11, (1, 9, 9, 7), 4, 3, 1, "SAME", 2, "NONE", True, "int32"),
    **{f"dsp-fc-in{n}": (lambda n=n: fc_s16(seed_of("dspfc16", n), (2, n), 5, "NONE", True, "int64")) for n in (1, 3, 7, 64)},
}


@pytest.mark.parametrize("core, name", [(c, n) for n in sorted(MODELS) for c in ("m4", "m0plus")] +
                         [(c, n) for n in sorted(DSP_MODELS) for c in ("m4", "m7", "m33")])
def test_int16_on_core(name, core, tmp_path):
    model = {**MODELS, **DSP_MODELS}[name]()
    oracle = Oracle(model)
    xs = random_inputs(oracle, np.random.default_rng(seed_of("target-int16", name)))
    run = run_on_target(compile_model(model, target=core), get_target(core), xs, workdir=tmp_path)
    assert_same_outputs(run.outputs, oracle.run(xs), f"{name} on {core}")
