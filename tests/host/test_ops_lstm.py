"""Bit-exactness of UNIDIRECTIONAL_SEQUENCE_LSTM (int8, int16 cell state): single-op models on the host vs TFLM.

Every case runs several invocations in a row: the hidden and cell state are variable tensors that TFLM keeps
between invocations (the int8 hidden state starts at its zero point), so later invocations check the carried state.
Variants TFLM's kernel refuses (CIFG, peephole, projection, layer norm) are refused by microforge too; each refusal
test also checks that TFLM refuses the same model, so the two stay in step. 16x8 LSTMs (int16 activations, int64
biases) are compared too. Not covered: float LSTMs (refused as float models).
"""
from __future__ import annotations

import flatbuffers
import numpy as np
import pytest
from helpers import Oracle, random_inputs, seed_of
from test_ops import _ids

from microforge import modelgen as mg
from microforge.driver import compile_model
from microforge.errors import MicroforgeError
from microforge.footprint import compile_time
from microforge.ops import opdef
from microforge.toolchain.host import build_host
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

ODD = [1, 3, 5, 7, 13]
P2 = 2.0 ** -11

# (batch, time_steps, n_input, n_cell, time_major, in_scale, in_zp, hid_zp, cell_scale, cell_clip, gain)
LSTM = [(1, 3, n, c, False, 2 / 255, 0, 0, P2, 0.0, 1.5) for n, c in zip(ODD, [3, 13, 1, 7, 5])]
LSTM += [(b, t, 5, 7, tm, 2 / 255, -3, 2, P2, 0.0, 1.5) for b in (1, 2, 3) for t in (1, 4) for tm in (False, True)]
LSTM += [(1, 3, 6, 5, False, 2 / 255, 0, 0, cs, 0.0, 2.5)                       # tanh(cell) input: left shifts, none,
         for cs in (2.0 ** -8, 2.0 ** -12, 2.0 ** -13, 2.0 ** -15, 3e-4, 1e-3)]  # right shifts; non-power-of-two scales
LSTM += [(2, 3, 5, 6, False, 2 / 255, 7, 0, cs, clip, 4.0)                      # clipping on (bound inside int16) and
         for cs, clip in ((2.0 ** -12, 10.0), (2.0 ** -12, 1.0), (2.0 ** -11, 0.3), (3e-4, 2.5))]  # off (bound saturates)
LSTM += [(1, 4, 9, 5, False, 2 / 255, zi, zh, P2, 0.0, 2.0) for zi, zh in ((-128, 127), (127, -128), (0, -1), (-7, 100))]
LSTM += [(1, 3, 13, 7, False, 0.6, -128, -1, 2.0 ** -10, 10.0, 3.0),            # coarse input scale: FC left shifts
         (2, 2, 4, 3, True, 0.01, 5, 3, P2, 0.0, 8.0),                            # saturated gates and int16 sums
         (1, 2, 3, 13, False, 2 / 255, 0, 0, P2, 0.0, 0.3)]                       # near-linear gates


@pytest.mark.parametrize("case", LSTM, ids=_ids(LSTM))
def test_lstm(case, tmp_path):
    batch, steps, n_input, n_cell, tm, in_s, in_zp, hid_zp, cell_s, clip, gain = case
    model = mg.lstm_model(seed_of("lstm", case), batch, steps, n_input, n_cell, tm, in_s, in_zp, hid_zp=hid_zp,
                          cell_scale=cell_s, cell_clip=clip, gain=gain)
    oracle, rng = Oracle(model), np.random.default_rng(seed_of("lstm-in", case))
    cm = compile_model(model, target="host")
    assert cm.ram.persistent == batch * n_cell * 3   # int8 hidden + int16 cell state, outside the arena
    hm = build_host(cm, tmp_path)
    for n in range(4):
        xs = random_inputs(oracle, rng)
        want, got = oracle.run(xs)[0], hm.run(xs)[0]
        assert got.tobytes() == want.tobytes(), f"invocation {n}: {np.flatnonzero(got != want).size}/{got.size} elements differ"


# 16x8 LSTM (int16 input, hidden state and output, int64 biases): (batch, steps, n_input, n_cell, time_major,
# in_scale, hid_scale, cell_scale, cell_clip, gain); int16 zero points are 0 (the TFLite int16 scheme)
LSTM16 = [(1, 3, n, c, False, 2 / 32768, 1 / 32768, P2, 0.0, 1.5) for n, c in zip(ODD, [5, 1, 13, 3, 7])]
LSTM16 += [(b, 3, 6, 5, tm, 4 / 32768, 1.5 / 32768, P2, 0.0, 2.0) for b in (2, 3) for tm in (False, True)]
LSTM16 += [(1, 4, 7, 6, False, 1 / 32768, 1 / 32768, cs, clip, 4.0)
           for cs, clip in ((2.0 ** -12, 1.0), (2.0 ** -15, 0.0), (3e-4, 2.5), (2.0 ** -9, 10.0))]
LSTM16 += [(1, 2, 5, 4, False, 0.01, 1 / 32768, P2, 0.0, 8.0)]                   # coarse input scale, saturated gates


@pytest.mark.parametrize("case", LSTM16, ids=_ids(LSTM16))
def test_lstm_int16(case, tmp_path):
    batch, steps, n_input, n_cell, tm, in_s, hid_s, cell_s, clip, gain = case
    model = mg.lstm_model(seed_of("lstm16", case), batch, steps, n_input, n_cell, tm, in_s, 0, hid_scale=hid_s, hid_zp=0,
                          cell_scale=cell_s, cell_clip=clip, gain=gain, act_dtype="int16")
    oracle, rng = Oracle(model), np.random.default_rng(seed_of("lstm16-in", case))
    cm = compile_model(model, target="host")
    assert cm.ram.persistent == batch * n_cell * 4   # int16 hidden + int16 cell state
    hm = build_host(cm, tmp_path)
    for n in range(3):
        xs = random_inputs(oracle, rng)
        want, got = oracle.run(xs)[0], hm.run(xs)[0]
        assert got.dtype == np.int16
        assert got.tobytes() == want.tobytes(), f"invocation {n}: {np.flatnonzero(got != want).size}/{got.size} elements differ"


def test_lstm_int16_with_int32_bias_refused():
    """TFLM reads a 16x8 LSTM's biases as int64 whatever their type, so an int32 bias has no exact meaning."""
    with pytest.raises(MicroforgeError, match="needs int64 biases"):
        compile_model(mg.lstm_model(12, n_cell=4, in_scale=1 / 32768, act_dtype="int16", bias_dtype="int32"), target="host")


def test_lstm_state_persists(tmp_path):
    """Negative control: the same input gives a different output once the state holds earlier inputs;
    mf_model_reset() returns to the initial state (hidden state at its zero point, cell state zero)."""
    model = mg.lstm_model(11, 1, 2, 5, 4, hid_zp=-9)
    cm = compile_model(model, target="host")
    assert "12 bytes of persistent state" in compile_time(cm).to_text()   # 4 int8 + 4 int16
    hm = build_host(cm, tmp_path)
    x = np.arange(-50, 50, 10, dtype=np.int8).reshape(1, 2, 5)
    first, _, third = (hm.run([x])[0] for _ in range(3))
    assert first.tobytes() != third.tobytes()
    hm.lib.mf_model_reset()
    assert hm.run([x])[0].tobytes() == first.tobytes()
    assert Oracle(model).run([x])[0].tobytes() == first.tobytes()


def test_lstm_macs():
    cm = compile_model(mg.lstm_model(1, 2, 3, 5, 7), target="host")
    op = cm.graph.ops[0]
    assert opdef(op.type).macs(op) == 2 * 3 * 4 * 7 * (5 + 7)


@pytest.mark.parametrize("variant", sorted(mg.LSTM_VARIANTS))
def test_lstm_variants_refused_as_tflm_does(variant):
    model = mg.lstm_model(3, 1, 2, 4, 3, variant=variant)
    kind = {"cifg": "CIFG", "layer_norm": "layer-norm"}.get(variant, variant)
    with pytest.raises(MicroforgeError, match=kind):
        compile_model(model, target="host")
    with pytest.raises(Exception):
        Oracle(model)


@pytest.mark.parametrize("act", ["NONE", "RELU"])
def test_lstm_cell_activation_other_than_tanh_refused(act):
    """TFLM's int8 LSTM only implements tanh (and sigmoid, which the flatbuffer cannot express) for the cell gate;
    anything else asserts inside the kernel, so there is nothing to compare against."""
    with pytest.raises(MicroforgeError, match=f"cell gate activation {act} is not supported"):
        compile_model(mg.lstm_model(5, act=act), target="host")


def test_lstm_coarse_cell_scale_refused():
    with pytest.raises(MicroforgeError, match="cell state scale .* too coarse"):
        compile_model(mg.lstm_model(6, cell_scale=8.0), target="host")


def _edited(model: bytes, edit) -> bytes:
    """`model` with `edit(subgraph)` applied to its flatbuffer object tree."""
    m = schema.ModelT.InitFromObj(schema.Model.GetRootAs(model, 0))
    edit(m.subgraphs[0])
    b = flatbuffers.Builder(1024)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def test_lstm_per_channel_weights_refused():
    def per_channel(sg):
        q = sg.tensors[sg.operators[0].inputs[6]].quantization     # recurrent-to-forget weights
        q.scale, q.zeroPoint, q.quantizedDimension = [q.scale[0]] * 4, [0] * 4, 0
    with pytest.raises(MicroforgeError, match="per tensor, not per channel"):
        compile_model(_edited(mg.lstm_model(9, n_cell=4), per_channel), target="host")


def test_lstm_intermediate_tensors_ignored(tmp_path):
    """The converter lists LSTM calibration statistics as op intermediates, some with shape [0]; TFLM never reads
    them, so the frontend does not build them."""

    def add_intermediate(sg):
        t = schema.TensorT()
        t.name, t.shape, t.type, t.buffer = "input_to_input_intermediate", [0], schema.TensorType.INT16, 0
        sg.tensors.append(t)
        sg.operators[0].intermediates = [len(sg.tensors) - 1]
    model = _edited(mg.lstm_model(8, 1, 2, 3, 4), add_intermediate)
    oracle, hm = Oracle(model), build_host(compile_model(model, target="host"), tmp_path)
    xs = random_inputs(oracle, np.random.default_rng(8))
    assert hm.run(xs)[0].tobytes() == oracle.run(xs)[0].tobytes()
