"""Bit-exactness of TRANSPOSE_CONV, BATCH_MATMUL, FULLY_CONNECTED(keep_num_dims) and SVDF: single-op models on the host vs TFLM.

Variants the oracle cannot run, so not compared here:
- SVDF without a bias: TFLM's Prepare reads the bias tensor's scale unconditionally (null pointer), so microforge
  refuses it.
Not supported (refused by microforge, although TFLM has them): BATCH_MATMUL on float operands (int16: test_ops_int16_matmul.py).
"""
from __future__ import annotations

import numpy as np
import pytest
from helpers import Oracle, random_inputs, seed_of
from test_ops import _ids, check_against_oracle

from microforge import modelgen as mg
from microforge.driver import compile_model
from microforge.errors import MicroforgeError
from microforge.footprint import compile_time
from microforge.toolchain.host import build_host

ODD = [1, 3, 5, 7, 13]

# ----------------------------------------------------------------------------------------- TRANSPOSE_CONV
# (in_shape, out_c, kernel, stride, padding, act, per_channel, in_zp, out_zp, bias, out_hw)
TCONV = []
for cin, cout in zip(ODD, [5, 13, 1, 3, 7]):
    TCONV.append(((1, 4, 5, cin), cout, 3, 2, "SAME", "NONE", True, -3, None, True, None))
for pad in ["SAME", "VALID"]:
    for k, s in [(1, 1), (1, 2), (2, 2), (3, 1), (3, 2), (4, 2), (5, 3), (3, 3), ((3, 2), (1, 2)), ((2, 5), (2, 1))]:
        TCONV.append(((1, 5, 4, 3), 5, k, s, pad, "NONE", True, 5, None, True, None))
for act in ["RELU", "RELU6", "RELU_N1_TO_1"]:
    TCONV.append(((1, 3, 4, 5), 7, 3, 2, "SAME", act, True, -20, 0, True, None))
for pc in [True, False]:
    for bias in [True, False]:
        TCONV.append(((1, 4, 3, 7), 3, 3, 2, "VALID", "NONE", pc, 9, None, bias, None))
for in_zp, out_zp in [(-128, None), (127, 100), (0, -128)]:
    TCONV.append(((1, 3, 3, 4), 6, 3, 2, "SAME", "NONE", True, in_zp, out_zp, True, None))
TCONV.append(((2, 3, 4, 3), 5, 3, 2, "SAME", "NONE", True, -3, None, True, None))            # batches
TCONV.append(((1, 4, 4, 3), 5, 3, 2, "SAME", "NONE", True, -3, None, True, (7, 7)))         # odd output (2*in-1)
TCONV.append(((1, 4, 4, 3), 5, 3, 2, "VALID", "NONE", True, -3, None, True, (10, 9)))       # one extra row
TCONV.append(((1, 1, 1, 13), 7, 4, 4, "SAME", "NONE", True, 1, None, True, None))           # 1x1 input


@pytest.mark.parametrize("case", TCONV, ids=_ids(TCONV))
def test_transpose_conv(case, tmp_path):
    in_shape, out_c, k, s, pad, act, pc, in_zp, out_zp, bias, out_hw = case
    model = mg.transpose_conv_model(seed_of("tconv", case), in_shape, out_c, k, s, pad, per_channel=pc, in_zp=in_zp,
                                    out_zp=out_zp, bias=bias, out_hw=out_hw, act=act)
    check_against_oracle(model, tmp_path, seed_of("tconv-in", case))


def test_transpose_conv_output_shape_input_ignored(tmp_path):
    """TFLM never reads the output-shape operand (the output tensor's shape decides): a graph input there is
    accepted and ignored, whatever it holds."""
    mb = mg.ModelBuilder("tconv-shape-input")
    shape = mb.input("shape", (4,), "int32")
    x = mb.input("x", (1, 2, 2, 3), "int8", 0.02, 0)
    w = mb.const("w", np.arange(108).reshape(4, 3, 3, 3).astype(np.int8) - 50, scale=0.01, zero_point=0)
    y = mb.tensor("y", (1, 4, 4, 4), "int8", 0.05, 0)
    mb.op("TRANSPOSE_CONV", [shape, w, x], [y], padding="SAME", stride_h=2, stride_w=2)
    mb.outputs(y)
    model = mb.finish()
    hm, oracle = build_host(compile_model(model, target="host"), tmp_path), Oracle(model)
    x = np.random.default_rng(seed_of("tconv-shape-input")).integers(-128, 128, (1, 2, 2, 3)).astype(np.int8)
    for shape in ([1, 4, 4, 4], [9, -9, 0, 2]):
        xs = [np.array(shape, np.int32), x]
        assert hm.run(xs)[0].tobytes() == oracle.run(xs)[0].tobytes()


def test_transpose_conv_wrong_output_shape_refused():
    mb = mg.ModelBuilder("tconv-bad")
    x = mb.input("x", (1, 2, 2, 3), "int8", 0.02, 0)
    shape = mb.const("shape", np.array([1, 4, 5, 4], np.int32))
    w = mb.const("w", np.ones((4, 3, 3, 3), np.int8), scale=0.01, zero_point=0)
    y = mb.tensor("y", (1, 4, 4, 4), "int8", 0.05, 0)
    mb.op("TRANSPOSE_CONV", [shape, w, x], [y], padding="SAME", stride_h=2, stride_w=2)
    mb.outputs(y)
    with pytest.raises(MicroforgeError, match=r"output shape operand \[1, 4, 5, 4\]"):
        compile_model(mb.finish(), target="host")


# ------------------------------------------------------------------------------------------- BATCH_MATMUL
# (lhs_shape, rhs_shape, adj_x, adj_y, const_rhs, scales, zero_points, out_zp)
Q0 = ((0.05, 0.03), (-5, 10))
BMM = []
for rows, depth, cols in [(1, 1, 1), (3, 5, 7), (13, 3, 1), (7, 13, 5), (5, 7, 13), (1, 33, 3)]:
    BMM.append(((rows, depth), (depth, cols), False, False, False, *Q0, None))
for adj_x in [False, True]:
    for adj_y in [False, True]:
        for const in [False, True]:
            lhs = (2, 5, 3) if adj_x else (2, 3, 5)
            rhs = (2, 7, 5) if adj_y else (2, 5, 7)
            BMM.append((lhs, rhs, adj_x, adj_y, const, *Q0, None))
for lhs, rhs in [((2, 1, 3, 4), (3, 4, 5)), ((1, 3, 4), (2, 4, 5)), ((3, 4), (2, 4, 5)), ((2, 3, 4), (4, 5)),
                 ((2, 3, 5, 4), (2, 1, 4, 6)), ((1, 3, 5, 4), (2, 1, 4, 6)), ((2, 1, 2, 3, 4), (1, 3, 1, 4, 5)),
                 ((1, 2, 3, 4, 5), (5, 3))]:
    BMM.append((lhs, rhs, False, False, False, *Q0, None))
    BMM.append((lhs, rhs, False, False, True, *Q0, None))
BMM.append(((2, 1, 4, 3), (3, 6, 4), True, True, False, *Q0, None))
for scales, zps, out_zp in [((0.02, 0.02), (0, 0), 0), ((0.1, 0.004), (-128, 127), None), ((0.5, 0.5), (127, -128), -100),
                            ((0.003, 0.2), (60, -60), 127)]:
    BMM.append(((2, 3, 6), (2, 6, 5), False, False, False, scales, zps, out_zp))
    BMM.append(((2, 3, 6), (2, 5, 6), False, True, True, scales, zps, out_zp))


@pytest.mark.parametrize("case", BMM, ids=_ids(BMM))
def test_batch_matmul(case, tmp_path):
    lhs, rhs, adj_x, adj_y, const, scales, zps, out_zp = case
    model = mg.batch_matmul_model(seed_of("bmm", case), lhs, rhs, adj_x, adj_y, const_rhs=const, scales=scales,
                                  zero_points=zps, out_zp=out_zp)
    check_against_oracle(model, tmp_path, seed_of("bmm-in", case))


def test_batch_matmul_same_tensor_both_operands(tmp_path):
    """x @ x^T: one activation feeds both operands (the planner must keep it alive for the whole op)."""
    mb = mg.ModelBuilder("gram")
    x = mb.input("x", (2, 5, 7), "int8", 0.05, 3)
    y = mb.tensor("y", (2, 5, 5), "int8", 0.6, -10)
    mb.op("BATCH_MATMUL", [x, x], [y], adj_x=False, adj_y=True)
    mb.outputs(y)
    check_against_oracle(mb.finish(), tmp_path, seed_of("gram"))


@pytest.mark.parametrize("adj_x", [False, True])
def test_batch_matmul_constant_lhs(adj_x, tmp_path):
    """A constant lhs (weights on the left) times an activation rhs with broadcast batch."""
    rng = np.random.default_rng(seed_of("bmm-const-lhs", adj_x))
    mb = mg.ModelBuilder("bmm-const-lhs")
    a = mb.const("a", rng.integers(-128, 128, (5, 7) if adj_x else (7, 5)).astype(np.int8), scale=0.02, zero_point=-9)
    b = mb.input("b", (3, 5, 13), "int8", 0.05, 4)
    y = mb.tensor("y", (3, 7, 13), "int8", 0.4, 6)
    mb.op("BATCH_MATMUL", [a, b], [y], adj_x=adj_x, adj_y=False)
    mb.outputs(y)
    check_against_oracle(mb.finish(), tmp_path, seed_of("bmm-const-lhs-in", adj_x))


def test_batch_matmul_inner_dims_refused():
    mb = mg.ModelBuilder("bmm-bad")
    a = mb.input("a", (2, 3, 4), "int8", 0.05, 0)
    b = mb.input("b", (2, 5, 6), "int8", 0.05, 0)
    y = mb.tensor("y", (2, 3, 6), "int8", 0.05, 0)
    mb.op("BATCH_MATMUL", [a, b], [y])
    mb.outputs(y)
    with pytest.raises(MicroforgeError, match="disagree on the inner dimension: 4 vs 5"):
        compile_model(mb.finish(), target="host")


# ----------------------------------------------------------------------------- FULLY_CONNECTED keep_num_dims
# (in_shape, units, per_channel, in_zp, act)
FC_KEEP = [((1, 2, 3, c), u, pc, 7, "NONE") for c, u in zip(ODD, [3, 13, 7, 1, 5]) for pc in [True, False]]
FC_KEEP += [((2, 3, 4, 13), 7, True, -128, "RELU"), ((5, 1, 3), 5, False, 127, "RELU6"), ((4, 9), 3, True, 0, "NONE")]


@pytest.mark.parametrize("case", FC_KEEP, ids=_ids(FC_KEEP))
def test_fully_connected_keep_num_dims(case, tmp_path):
    in_shape, units, pc, in_zp, act = case
    model = mg.fc_model(seed_of("fc-keep", case), in_shape, units, act, per_channel=pc, keep_num_dims=True, in_zp=in_zp)
    cm = compile_model(model, target="host")
    assert cm.graph.outputs[0].shape == (*in_shape[:-1], units)
    check_against_oracle(model, tmp_path, seed_of("fc-keep-in", case))


# --------------------------------------------------------------------------------------------------- SVDF
# (batch, n_input, units, rank, memory, in_zp, out_zp, act)
SVDF = [(1, n, u, 1, 4, 3, None, "NONE") for n, u in zip(ODD, [3, 1, 13, 5, 7])]
SVDF += [(1, 8, 4, r, m, -5, None, "NONE") for r in (1, 2, 3) for m in (1, 2, 10)]
SVDF += [(b, 5, 3, 2, 3, 0, 10, "NONE") for b in (2, 3)]
SVDF += [(1, 7, 5, 1, 5, zi, zo, "NONE") for zi, zo in [(-128, 127), (127, -128), (0, 0)]]
SVDF += [(2, 6, 4, 2, 4, 9, None, act) for act in ("RELU", "RELU6")]   # TFLM's int8 SVDF ignores the activation


@pytest.mark.parametrize("case", SVDF, ids=_ids(SVDF))
def test_svdf(case, tmp_path):
    """memory + 3 invocations in a row, so the persistent state wraps past its window; every output compared."""
    batch, n_input, units, rank, memory, in_zp, out_zp, act = case
    model = mg.svdf_model(seed_of("svdf", case), batch, n_input, units, rank, memory, in_zp=in_zp, out_zp=out_zp, act=act)
    oracle, rng = Oracle(model), np.random.default_rng(seed_of("svdf-in", case))
    cm = compile_model(model, target="host")
    assert cm.ram.persistent == batch * units * rank * memory * 2 and cm.ram.total >= cm.arena_bytes + cm.ram.persistent
    hm = build_host(cm, tmp_path)
    for n in range(memory + 3):
        xs = random_inputs(oracle, rng)
        want, got = oracle.run(xs)[0], hm.run(xs)[0]
        assert got.tobytes() == want.tobytes(), f"invocation {n}: {np.flatnonzero(got != want).size} elements differ"


def test_svdf_state_persists(tmp_path):
    """Negative control: the same input gives a different output once the state holds earlier inputs;
    mf_model_reset() returns to the initial state."""
    model = mg.svdf_model(7, 1, 8, 4, 1, 3)
    cm = compile_model(model, target="host")
    assert "24 bytes of persistent state" in compile_time(cm).to_text()   # 4 filters * 3 memory * int16, outside the arena
    hm = build_host(cm, tmp_path)
    x = np.arange(-40, 40, 10, dtype=np.int8).reshape(1, 8)
    first, _, third = (hm.run([x])[0] for _ in range(3))
    assert first.tobytes() != third.tobytes()
    hm.lib.mf_model_reset()                      # back to the zero state: the first output again
    assert hm.run([x])[0].tobytes() == first.tobytes()


def test_variable_tensor_outside_svdf_refused():
    mb = mg.ModelBuilder("var-relu")
    x = mb.input("x", (1, 4), "int8", 0.1, 0)
    v = mb.tensor("v", (1, 4), "int8", 0.1, 0)
    mb._tensors[v].isVariable = True
    y = mb.tensor("y", (1, 4), "int8", 0.1, 0)
    mb.op("ADD", [x, v], [y])
    mb.outputs(y)
    with pytest.raises(MicroforgeError, match="which keeps no state there"):
        compile_model(mb.finish(), target="host")


# int8 state and time weights (TFLM's keyword benchmark): the state starts at its zero point (TFLM's ResetTensorData)
# and TFLM adds that zero point after clamping, wrapping in the int8 store; +-100 makes both show. An int16 state
# with a zero point starts at 0 (TFLM resets only int8 tensors to their zero point).
SVDF_ZP = [(1, 8, 4, 1, 5, 3, "int8", -50), (2, 8, 4, 2, 5, -7, "int8", 100), (1, 13, 3, 3, 4, 0, "int8", -100),
           (3, 5, 7, 1, 1, 20, "int8", 0), (1, 1, 1, 1, 3, -128, "int8", 127), (2, 8, 4, 2, 5, 3, "int16", 1000),
           (1, 7, 5, 1, 4, -7, "int16", -30000)]


@pytest.mark.parametrize("case", SVDF_ZP, ids=_ids(SVDF_ZP))
def test_svdf_state_zero_point(case, tmp_path):
    batch, n_input, units, rank, memory, in_zp, dtype, state_zp = case
    model = mg.svdf_model(seed_of("svdf8", case), batch, n_input, units, rank, memory, in_zp=in_zp,
                          state_dtype=dtype, state_zp=state_zp)
    oracle, rng = Oracle(model), np.random.default_rng(seed_of("svdf8-in", case))
    cm = compile_model(model, target="host")
    assert cm.ram.persistent == batch * units * rank * memory * np.dtype(dtype).itemsize
    hm = build_host(cm, tmp_path)
    for n in range(memory + 3):
        xs = random_inputs(oracle, rng)
        want, got = oracle.run(xs)[0], hm.run(xs)[0]
        assert got.tobytes() == want.tobytes(), f"invocation {n}: {np.flatnonzero(got != want).size} elements differ"
    hm.lib.mf_model_reset()   # back to the zero-point state TFLM starts from
    oracle = Oracle(model)
    xs = random_inputs(oracle, rng)
    assert hm.run(xs)[0].tobytes() == oracle.run(xs)[0].tobytes()


def test_svdf_state_and_time_weights_types_differ_refused():
    """TFLM picks the state's element type from the time weights' type: an int8 state with int16 weights is misread."""
    mb = mg.ModelBuilder("svdf-mixed-state")
    x = mb.input("x", (1, 4), "int8", 0.05, 0)
    wf = mb.const("wf", np.ones((3, 4), np.int8), scale=0.01, zero_point=0)
    wt = mb.const("wt", np.ones((3, 2), np.int16), scale=0.01, zero_point=0)
    b = mb.const("b", np.zeros(3, np.int32), scale=0.0001, zero_point=0)
    state = mb.tensor("state", (1, 6), "int8", 0.01, 0)
    mb._tensors[state].isVariable = True
    y = mb.tensor("y", (1, 3), "int8", 0.05, 0)
    mb.op("SVDF", [x, wf, wt, b, state], [y], rank=1)
    mb.outputs(y)
    with pytest.raises(MicroforgeError, match="activation state 'state' is int8 but the time weights are int16"):
        compile_model(mb.finish(), target="host")
