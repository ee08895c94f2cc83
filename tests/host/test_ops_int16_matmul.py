"""16x8 TRANSPOSE_CONV and int16 BATCH_MATMUL on the host build, byte for byte against TFLM's reference kernels;
int16 tensors with a non-zero zero point where TFLM reads it (int8 -> int16 SOFTMAX, QUANTIZE), refused elsewhere."""
from __future__ import annotations

import numpy as np
import pytest
from helpers import Oracle, random_inputs, seed_of
from models16 import batch_matmul_s16, softmax_s8_s16_model, transpose_conv_s16
from test_ops_int16 import ODD, check, not_degenerate

from microforge import modelgen as mg
from microforge.driver import compile_model
from microforge.errors import MicroforgeError
from microforge.toolchain.host import build_host

# ---- TRANSPOSE_CONV ---------------------------------------------------------------------------------

TCONV = [
    # (in_shape, out_c, kernel, stride, padding, act, per_channel, bias, out_hw)
    *[((1, 4, 5, c), oc, 3, 2, "SAME", "NONE", True, "int64", None) for c, oc in zip(ODD, (5, 13, 1, 3, 7))],
    *[((1, 5, 4, 3), 5, k, s, pad, "NONE", True, "int64", None)
      for pad in ("SAME", "VALID") for k, s in ((1, 1), (2, 2), (3, 1), (4, 2), (5, 3), ((3, 2), (1, 2)), ((3, 4), (1, 2)))],
    ((1, 4, 3, 7), 3, 3, 2, "VALID", "NONE", False, "int64", None),     # per-tensor weights
    ((1, 4, 3, 7), 3, 3, 2, "VALID", "NONE", True, "none", None),
    ((1, 4, 3, 7), 3, 3, 2, "VALID", "NONE", False, "none", None),
    ((1, 4, 3, 5), 7, 3, 2, "SAME", "NONE", True, "int16", None),       # TFLM widens an int16 bias
    ((1, 3, 4, 5), 7, 3, 2, "SAME", "RELU", True, "int64", None),
    ((1, 3, 4, 5), 7, 3, 2, "SAME", "RELU6", True, "int64", None),
    ((1, 3, 4, 5), 7, 3, 2, "SAME", "RELU_N1_TO_1", True, "int64", None),
    ((2, 3, 4, 3), 5, 3, 2, "SAME", "NONE", True, "int64", None),       # batches
    ((1, 4, 4, 3), 5, 3, 2, "SAME", "NONE", True, "int64", (7, 7)),     # odd output (2*in - 1)
    ((1, 4, 4, 3), 5, 3, 2, "VALID", "NONE", True, "int64", (10, 9)),   # one extra row
    ((1, 1, 1, 13), 7, 4, 4, "SAME", "NONE", True, "int64", None),      # 1x1 input
    ((1, 1, 5, 64), 9, (3, 4), (1, 2), "VALID", "NONE", True, "int64", None),  # seanet's geometry, fewer filters
]


@pytest.mark.parametrize("case", TCONV, ids=lambda c: "-".join(map(str, c)).replace(" ", ""))
def test_transpose_conv_s16(case, tmp_path):
    in_shape, oc, k, s, pad, act, pc, bias, out_hw = case
    model = transpose_conv_s16(seed_of("tconv16", case), in_shape, oc, k, s, pad, act, pc, bias, out_hw)
    ys = check(model, tmp_path, f"tconv {case}")
    if act == "NONE" and ys[0].size >= 40:
        not_degenerate(ys[0])


def test_transpose_conv_s16_wide_sums(tmp_path):
    """One tap's sum over 1200 input channels of full-range weights may exceed int32: the kernel's int64 path."""
    model = transpose_conv_s16(5, (1, 2, 2, 1200), 3, 2, 2, "SAME", "NONE", False, "int64", spread=6.0)
    assert ".narrow = 0," in compile_model(model, target="host").files["model.c"]
    check(model, tmp_path, "wide sums")


def test_transpose_conv_output_shape_operand_is_ignored(tmp_path):
    """TFLM never reads the output-shape operand; seanet's TRANSPOSE_CONV has it as a graph input. The output
    is the same whatever that input holds (int8 and 16x8)."""
    model = transpose_conv_s16(11, (1, 1, 5, 6), 4, (3, 4), (1, 2), "VALID", shape_input=True)
    cm = compile_model(model, target="host")
    assert [t.dtype.name for t in cm.graph.inputs] == ["INT32", "INT16"]
    hm, oracle = build_host(cm, tmp_path), Oracle(model)
    x = random_inputs(oracle, np.random.default_rng(3))[1]
    first = None
    for shape in ([1, 3, 12, 4], [0, 0, 0, 0], [-1, 7, 99, 2]):
        xs = [np.array(shape, np.int32), x]
        want, got = oracle.run(xs)[0], hm.run(xs)[0]
        assert got.tobytes() == want.tobytes()
        first = want if first is None else first
        assert want.tobytes() == first.tobytes()


def test_transpose_conv_s16_int32_bias_refused():
    """TFLM reads a 16x8 TRANSPOSE_CONV bias as int64 (GetOptionalTensorData<int64_t>): an int32 one is misread."""
    mb = mg.ModelBuilder("tconv16-int32-bias")
    shape = mb.const("shape", np.array([1, 4, 4, 2], np.int32))
    x = mb.input("x", (1, 2, 2, 3), "int16", 0.001, 0)
    w = mb.const("w", np.ones((2, 3, 3, 3), np.int8), scale=0.01, zero_point=0)
    b = mb.const("b", np.ones(2, np.int32), scale=0.00001, zero_point=0)
    y = mb.tensor("y", (1, 4, 4, 2), "int16", 0.001, 0)
    mb.op("TRANSPOSE_CONV", [shape, w, x, b], [y], padding="SAME", stride_h=2, stride_w=2)
    mb.outputs(y)
    with pytest.raises(MicroforgeError, match=r"op 0 \(TRANSPOSE_CONV\).*int32.*reads its bias as int64"):
        compile_model(mb.finish(), target="host")


# ---- int16 zero points where TFLM reads them --------------------------------------------------------

@pytest.mark.parametrize("then", ["int32", "int8", "int16", "float32", "none"])
@pytest.mark.parametrize("depth", [1, 2, 3, 7, 13])
def test_int16_zero_point_read_by_softmax_and_quantize(depth, then, tmp_path):
    model = softmax_s8_s16_model((3, depth), then)
    oracle = Oracle(model)
    hm = build_host(compile_model(model, target="host"), tmp_path)
    rng = np.random.default_rng(seed_of("sm16zp", depth, then))
    for k in range(3):
        xs = random_inputs(oracle, rng)
        xs[0] = (xs[0] // (k + 1)).astype(np.int8)  # narrower inputs: less saturated probabilities
        want, got = oracle.run(xs)[0], hm.run(xs)[0]
        assert got.dtype == want.dtype and got.tobytes() == want.tobytes(), f"input {k}: {got} vs TFLM {want}"
    if then in ("int32", "none") and depth > 2:
        assert len(np.unique(want)) > 3


QZP = [("float32", "int16", None, (0.0003, 1234)), ("int8", "int16", (0.05, -7), (0.0004, -500)),
       ("int16", "int8", (0.0003, 77), (0.04, 5)), ("int16", "int16", (0.0003, -20000), (0.0005, 3000)),
       ("int16", "int32", (0.0003, 32000), (0.0001, 0))]


@pytest.mark.parametrize("case", QZP, ids=lambda c: f"{c[0]}-{c[1]}-{c[2]}-{c[3]}".replace(" ", ""))
def test_quantize_with_int16_zero_points(case, tmp_path):
    """QUANTIZE / DEQUANTIZE apply the int16 zero points (TFLM's Requantize, AffineQuantize, Dequantize)."""
    from models16 import quantize_s16
    src, dst, in_q, out_q = case
    for model in (quantize_s16((2, 3, 37), src, dst, in_q, out_q),
                  *([quantize_s16((2, 3, 37), "int16", "float32", out_q, None, "DEQUANTIZE")] if dst == "int16" else [])):
        oracle = Oracle(model)
        hm = build_host(compile_model(model, target="host"), tmp_path / str(len(list(tmp_path.iterdir()))))
        xs = random_inputs(oracle, np.random.default_rng(seed_of("qzp", case)))
        want, got = oracle.run(xs)[0], hm.run(xs)[0]
        assert got.dtype == want.dtype and got.tobytes() == want.tobytes()


def test_int16_zero_point_refused_where_unread():
    """An int16 tensor with a non-zero zero point feeding a 16x8 kernel (which assumes 0) keeps the frontend's refusal."""
    mb = mg.ModelBuilder("softmax s8->s16 then add")
    x = mb.input("input", (1, 5), "int8", 0.07, 2)
    s = mb.tensor("probs", (1, 5), "int16", 1 / 65536, -32768)
    mb.op("SOFTMAX", [x], [s], beta=1.0)
    y = mb.tensor("output", (1, 5), "int16", 1 / 32768, 0)
    mb.op("ADD", [s, s], [y])
    mb.outputs(y)
    with pytest.raises(MicroforgeError, match=r"tensor 1 \('probs'\).*zero_point \[-32768\] is out of range \[0, 0\] "
                                              r"for int16 \(it is input 0 of op 1 \(ADD\)"):
        compile_model(mb.finish(), target="host")
    mb = mg.ModelBuilder("int16 input with zero point into a conv")
    x = mb.input("input", (1, 3, 3, 2), "int16", 0.001, 5)
    w = mb.const("w", np.ones((2, 1, 1, 2), np.int8), scale=0.01, zero_point=0)
    y = mb.tensor("output", (1, 3, 3, 2), "int16", 0.001, 0)
    mb.op("CONV_2D", [x, w], [y], padding="SAME")
    mb.outputs(y)
    with pytest.raises(MicroforgeError, match=r"zero_point \[5\] is out of range \[0, 0\] for int16 .*op 0 \(CONV_2D\)"):
        compile_model(mb.finish(), target="host")


# ---- BATCH_MATMUL (TFLM's reference kernel runs int16 x int16 -> int16 with an int64 sum) -------------

BMM16 = [
    # (lhs_shape, rhs_shape, adj_x, adj_y, const_rhs)
    *[((r, d), (d, c), False, False, False) for r, d, c in ((1, 1, 1), (3, 5, 7), (13, 3, 1), (7, 13, 5), (1, 33, 3))],
    *[((2, 5, 3) if ax else (2, 3, 5), (2, 7, 5) if ay else (2, 5, 7), ax, ay, const)
      for ax in (False, True) for ay in (False, True) for const in (False, True)],
    ((2, 1, 3, 4), (3, 4, 5), False, False, False), ((1, 3, 4), (2, 4, 5), False, False, True),
    ((2, 3, 5, 4), (2, 1, 4, 6), False, False, False), ((2, 1, 2, 3, 4), (1, 3, 1, 4, 5), False, False, False),
    ((1, 2, 3, 4, 5), (5, 3), False, False, True), ((2, 1, 4, 3), (3, 6, 4), True, True, False),
    ((1, 4, 700), (1, 700, 3), False, False, False),   # sums far beyond int32
]


@pytest.mark.parametrize("case", BMM16, ids=lambda c: "-".join(map(str, c)).replace(" ", ""))
def test_batch_matmul_s16(case, tmp_path):
    lhs, rhs, adj_x, adj_y, const = case
    model = batch_matmul_s16(seed_of("bmm16", case), lhs, rhs, adj_x, adj_y, const)
    oracle = Oracle(model)
    hm = build_host(compile_model(model, target="host"), tmp_path)
    rng = np.random.default_rng(seed_of("bmm16-in", case))
    for k in range(2):
        xs = random_inputs(oracle, rng)
        want, got = oracle.run(xs)[0], hm.run(xs)[0]
        assert got.dtype == want.dtype == np.int16
        assert got.tobytes() == want.tobytes(), f"input {k}: {np.flatnonzero(got != want).size}/{got.size} differ"
    if want.size >= 40:
        not_degenerate(want)


def test_batch_matmul_mixed_types_refused():
    """TFLM requires both operands and the output to share one type (no int8 x int16)."""
    mb = mg.ModelBuilder("bmm mixed")
    a = mb.input("lhs", (2, 3), "int16", 0.001, 0)
    b = mb.input("rhs", (3, 4), "int8", 0.01, 0)
    y = mb.tensor("y", (2, 4), "int16", 0.01, 0)
    mb.op("BATCH_MATMUL", [a, b], [y])
    mb.outputs(y)
    with pytest.raises(MicroforgeError, match=r"op 0 \(BATCH_MATMUL\): rhs tensor 'rhs' is int8, expected int16"):
        compile_model(mb.finish(), target="host")
