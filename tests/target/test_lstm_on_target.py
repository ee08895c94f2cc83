"""UNIDIRECTIONAL_SEQUENCE_LSTM (int8 and 16x8) on the emulated cores: one invocation over several time steps (the state carried
from step to step inside it), compared byte for byte with TFLM. Persistence across invocations: tests/host/test_ops_lstm.py."""
from __future__ import annotations

import numpy as np
import pytest
from helpers import Oracle, random_inputs, seed_of

from microforge import modelgen as mg
from microforge.driver import compile_model
from microforge.sim.run import run_on_target
from microforge.targets import get_target
from microforge.toolchain.arm import have_arm_gcc

pytestmark = pytest.mark.skipif(not have_arm_gcc(), reason="arm-none-eabi-gcc not installed "
                                "(apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)")

MODELS = {
    "odd-batch-major": lambda: mg.lstm_model(31, 2, 3, 13, 7, in_zp=-5, hid_zp=3),
    "time-major-b3": lambda: mg.lstm_model(32, 3, 2, 5, 3, time_major=True, hid_zp=-2),
    "clip-saturated": lambda: mg.lstm_model(33, 1, 4, 7, 5, cell_scale=2.0 ** -12, cell_clip=1.0, gain=4.0, hid_zp=-128),
    "tanh-right-shift": lambda: mg.lstm_model(34, 1, 3, 3, 13, cell_scale=2.0 ** -15, gain=2.5, in_zp=127),
    "tails-0-2": lambda: mg.lstm_model(36, 1, 2, 8, 10, hid_zp=7),              # DSP blocks of 4: no tail, tail 2
    "coarse-input": lambda: mg.lstm_model(35, 1, 3, 9, 1, in_scale=0.6, in_zp=-128, cell_scale=3e-4, cell_clip=2.5),
    "s16-time-major": lambda: mg.lstm_model(37, 2, 3, 7, 5, time_major=True, in_scale=2 / 32768, in_zp=0,
                                            hid_scale=1 / 32768, act_dtype="int16"),
    "s16-clip": lambda: mg.lstm_model(38, 1, 3, 13, 6, in_scale=1 / 32768, in_zp=0, hid_scale=1 / 32768,
                                      cell_scale=2.0 ** -12, cell_clip=1.0, gain=4.0, act_dtype="int16"),
}


@pytest.mark.parametrize("core", ["m0plus", "m4", "m7", "m33"])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_lstm_on_core(name, core, tmp_path):
    model = MODELS[name]()
    oracle = Oracle(model)
    xs = random_inputs(oracle, np.random.default_rng(seed_of("target-lstm", name)))
    run = run_on_target(compile_model(model, target=core), get_target(core), xs, workdir=tmp_path)
    got, want = run.outputs[0], oracle.run(xs)[0]
    assert got.tobytes() == want.tobytes(), f"{name} on {core}: {np.flatnonzero(got != want).size}/{got.size} differ"


# Every kernel path on every core family: the portable kernel (m0plus: unsigned-offset weights, 128 * sum x per
# vector), the DSP int8 kernel (SXTB16/SMLAD blocks of 4 plus a tail of 0-3) and the DSP 16x8 kernel (SMLALD);
# odd input and cell counts, batches > 1, batch- and time-major. (batch, steps, n_input, n_cell, time_major)
ODD = [1, 3, 5, 7, 13]
SHAPES = [(1, 2, n, c, False) for n, c in zip(ODD, [13, 7, 1, 5, 3])]
SHAPES += [(2, 3, 13, 5, True), (3, 2, 7, 13, False), (2, 2, 4, 9, True)]


@pytest.mark.parametrize("core", ["m0plus", "m4", "m7"])
@pytest.mark.parametrize("act_dtype", ["int8", "int16"])
@pytest.mark.parametrize("shape", SHAPES, ids=["b{}t{}i{}c{}{}".format(*s[:4], "tm" if s[4] else "") for s in SHAPES])
def test_lstm_shapes_on_core(shape, act_dtype, core, tmp_path):
    batch, steps, n_input, n_cell, tm = shape
    q = dict(in_scale=2 / 32768, in_zp=0, hid_scale=1 / 32768, hid_zp=0) if act_dtype == "int16" else \
        dict(in_zp=-7, hid_zp=5)
    model = mg.lstm_model(seed_of("target-lstm-shape", shape, act_dtype), batch, steps, n_input, n_cell, tm,
                          gain=2.0, act_dtype=act_dtype, **q)
    oracle = Oracle(model)
    xs = random_inputs(oracle, np.random.default_rng(seed_of("target-lstm-shape-in", shape, act_dtype)))
    run = run_on_target(compile_model(model, target=core), get_target(core), xs, workdir=tmp_path)
    got, want = run.outputs[0], oracle.run(xs)[0]
    assert got.tobytes() == want.tobytes(), f"{shape} {act_dtype} on {core}: {np.flatnonzero(got != want).size}/{got.size} differ"


@pytest.mark.parametrize("core", ["m0plus", "m4", "m7"])
@pytest.mark.parametrize("n_input", [509, 1021])   # the DSP 16x8 kernel's int32 chunks of 508 products: 2 and 3 chunks
def test_lstm_s16_long_rows_on_core(n_input, core, tmp_path):
    model = mg.lstm_model(seed_of("target-lstm16-long", n_input), 2, 2, n_input, 3, in_scale=2 / 32768, in_zp=0,
                          hid_scale=1 / 32768, hid_zp=0, gain=3.0, act_dtype="int16")
    oracle = Oracle(model)
    xs = random_inputs(oracle, np.random.default_rng(seed_of("target-lstm16-long-in", n_input)))
    run = run_on_target(compile_model(model, target=core), get_target(core), xs, workdir=tmp_path)
    got, want = run.outputs[0], oracle.run(xs)[0]
    assert got.tobytes() == want.tobytes(), f"n_input {n_input} on {core}: {np.flatnonzero(got != want).size}/{got.size} differ"
