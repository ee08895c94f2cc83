"""16x8 (int16 activations, int8 weights) CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED on the host build,
byte for byte against TFLM's reference kernels; plus what is refused and how int16 tensors are planned."""
from __future__ import annotations

import numpy as np
import pytest
from helpers import Oracle, random_inputs, seed_of
from models16 import binary_s16, chain_s16, conv2d_s16, depthwise_s16, fc_s16, quantize_s16, softmax_s16, unary_s16

from microforge import modelgen as mg
from microforge.driver import compile_model
from microforge.errors import MicroforgeError
from microforge.toolchain.host import build_host

ODD = (1, 3, 5, 7, 13)


def check(model: bytes, tmp_path, name: str, n_inputs: int = 2) -> list[np.ndarray]:
    """Compile for the host, run `n_inputs` random int16 inputs, compare with TFLM; returns TFLM's outputs."""
    oracle = Oracle(model)
    cm = compile_model(model, target="host")
    assert [t.dtype.name for t in cm.graph.inputs + cm.graph.outputs] == ["INT16", "INT16"]
    hm = build_host(cm, tmp_path)
    rng = np.random.default_rng(seed_of("int16", name))
    wants = []
    for k in range(n_inputs):
        xs = random_inputs(oracle, rng)
        assert xs[0].dtype == np.int16
        want, got = oracle.run(xs), hm.run(xs)
        assert got[0].dtype == want[0].dtype == np.int16 and got[0].shape == want[0].shape
        if got[0].tobytes() != want[0].tobytes():
            bad = np.flatnonzero(got[0].reshape(-1) != want[0].reshape(-1))
            pytest.fail(f"{name}, input {k}: {bad.size}/{got[0].size} differ; first at {bad[0]}: "
                        f"got {got[0].reshape(-1)[bad[0]]}, TFLM {want[0].reshape(-1)[bad[0]]}")
        wants.append(want[0])
    return wants


def not_degenerate(y: np.ndarray, lo: int = -32768, hi: int = 32767) -> None:
    """The comparison means something only if the outputs spread over many values, mostly unclamped."""
    assert len(np.unique(y)) > min(y.size // 2, 20), "outputs take too few distinct values"
    assert np.mean((y == lo) | (y == hi)) < 0.5, "most outputs are clamped"


# ---- CONV_2D ----------------------------------------------------------------------------------------

CONV = [
    # (in_shape, out_c, kernel, stride, padding, dilation, act, per_channel, bias)
    *[((1, 6, 7, c), oc, 3, 1, "SAME", 1, "NONE", True, "int64") for c, oc in zip(ODD, (13, 7, 5, 3, 1))],
    ((1, 5, 5, 3), 4, 1, 1, "VALID", 1, "NONE", True, "int64"),
    ((1, 9, 8, 5), 7, 3, 2, "SAME", 1, "RELU", True, "int64"),
    ((1, 11, 10, 3), 5, 3, 2, "VALID", 2, "NONE", True, "int32"),
    ((1, 9, 9, 7), 3, (3, 2), (1, 2), "SAME", (2, 1), "RELU6", True, "int64"),
    ((1, 7, 6, 5), 7, 3, 1, "SAME", 1, "NONE", False, "int64"),
    ((2, 5, 4, 6), 5, 3, 1, "SAME", 1, "RELU_N1_TO_1", True, "int32"),
    ((1, 6, 6, 13), 5, 5, 1, "SAME", 1, "NONE", True, "none"),
    ((1, 6, 6, 13), 5, 3, 1, "SAME", 1, "NONE", True, "none-int32"),
    ((1, 4, 4, 64), 9, 3, 1, "SAME", 1, "NONE", True, "int64"),
    ((1, 4, 5, 7), 3, 1, 1, "SAME", 1, "NONE", False, "int32"),
]


@pytest.mark.parametrize("case", CONV, ids=lambda c: "-".join(map(str, c)).replace(" ", ""))
def test_conv2d_s16(case, tmp_path):
    in_shape, oc, k, s, pad, d, act, pc, bias = case
    model = conv2d_s16(seed_of("conv16", case), in_shape, oc, k, s, pad, d, act, pc, bias)
    ys = check(model, tmp_path, f"conv {case}")
    if act == "NONE":
        not_degenerate(ys[0])


@pytest.mark.parametrize("bias", ["int32", "none-int32"])
def test_int32_accumulator_path_is_not_the_int64_one(bias, tmp_path):
    """TFLM's int32 path (double rounding) and its int64 path (16-bit multiplier) give different bytes here,
    so the bias-type dispatch is really exercised (a kernel always taking one path fails one of the tests)."""
    model = conv2d_s16(seed_of("path", bias), (1, 6, 7, 5), 13, 3, 1, "SAME", 1, "NONE", True, bias)
    twin = conv2d_s16(seed_of("path", bias), (1, 6, 7, 5), 13, 3, 1, "SAME", 1, "NONE", True,
                      "int64" if bias == "int32" else "none")
    a = check(model, tmp_path / "a", "int32 path")
    b = check(twin, tmp_path / "b", "int64 path")
    assert any(x.tobytes() != y.tobytes() for x, y in zip(a, b))


def test_conv2d_s16_large_int64_bias(tmp_path):
    """Biases far beyond int32 (the reason 16x8 uses int64 biases) with a scale that keeps outputs in range."""
    model = conv2d_s16(7, (1, 5, 5, 3), 6, 3, 1, "SAME", 1, "NONE", True, "int64", bias_sd=5000.0, spread=15000.0)
    bias = compile_model(model).graph.ops[0].inputs[2].data
    assert bias.dtype == np.int64 and np.abs(bias).max() > 1 << 33
    ys = check(model, tmp_path, "large bias")
    assert len(np.unique(ys[0])) > 6  # not one constant per channel


# ---- DEPTHWISE_CONV_2D ------------------------------------------------------------------------------

DW = [
    # (in_shape, depth_multiplier, kernel, stride, padding, dilation, act, per_channel, bias)
    *[((1, 7, 6, c), 1, 3, 1, "SAME", 1, "NONE", True, "int64") for c in ODD],
    *[((1, 6, 5, c), m, 3, 1, "SAME", 1, "NONE", True, "int64") for c, m in ((1, 2), (3, 3), (5, 2))],
    ((1, 9, 8, 5), 2, 3, 2, "SAME", 1, "RELU", True, "int64"),
    ((1, 11, 10, 3), 3, 3, 1, "VALID", 2, "NONE", True, "int64"),
    ((1, 9, 9, 7), 1, (5, 3), (2, 1), "SAME", (1, 2), "RELU6", True, "none"),
    ((2, 6, 5, 13), 1, 3, 2, "VALID", 1, "NONE", False, "int64"),
    ((1, 5, 6, 4), 1, 1, 1, "VALID", 1, "NONE", True, "int64"),
]


@pytest.mark.parametrize("case", DW, ids=lambda c: "-".join(map(str, c)).replace(" ", ""))
def test_depthwise_s16(case, tmp_path):
    in_shape, m, k, s, pad, d, act, pc, bias = case
    model = depthwise_s16(seed_of("dw16", case), in_shape, m, k, s, pad, d, act, pc, bias)
    ys = check(model, tmp_path, f"dw {case}")
    if act == "NONE":
        not_degenerate(ys[0])


# ---- FULLY_CONNECTED --------------------------------------------------------------------------------

FC = [
    # (in_shape, units, act, per_channel, bias, keep_num_dims)
    *[((1, n), u, "NONE", True, "int64", False) for n, u in zip(ODD, (13, 7, 5, 3, 1))],
    ((1, 37), 11, "NONE", False, "int64", False),
    ((4, 30), 6, "RELU", False, "int32", False),
    ((3, 7), 5, "NONE", True, "int32", False),
    ((1, 300), 13, "NONE", True, "none", False),
    ((2, 64), 9, "NONE", False, "none-int32", False),
    ((2, 3, 10), 5, "RELU6", True, "int64", True),
    ((1, 1500), 5, "NONE", True, "int64", False),
    ((1, 1500), 6, "NONE", False, "int32", False),   # sum|w| above 2^16: int64 sums, then int32 wrap
]


@pytest.mark.parametrize("case", FC, ids=lambda c: "-".join(map(str, c)).replace(" ", ""))
def test_fully_connected_s16(case, tmp_path):
    in_shape, units, act, pc, bias, keep = case
    model = fc_s16(seed_of("fc16", case), in_shape, units, act, pc, bias, keep)
    ys = check(model, tmp_path, f"fc {case}", n_inputs=3)
    if act == "NONE" and units > 4:
        not_degenerate(np.concatenate([y.reshape(-1) for y in ys]))


# ---- a 16x8 graph: planning int16 tensors ------------------------------------------------------------

def test_chain_s16_and_plan(tmp_path):
    """Four 16x8 layers: every tensor takes 2 bytes per element in the plan, and outputs overlapping their
    dying inputs (the planner's leads, in bytes) keep the result exact."""
    model = chain_s16()
    check(model, tmp_path, "chain", n_inputs=3)
    cm = compile_model(model)
    acts = [t for op in cm.graph.ops for t in op.inputs + op.outputs if t is not None and not t.is_const]
    assert all(t.nbytes == 2 * t.num_elements for t in acts)
    biggest = max(op.inputs[0].nbytes + op.outputs[0].nbytes for op in cm.graph.ops)
    assert max(t.nbytes for t in acts) <= cm.arena_bytes < biggest  # an output overlaps its input somewhere
    assert "mf_conv2d_s16.h" in cm.files and "mf_conv2d.h" not in cm.files
    assert "int16_t *)(mf_arena" in cm.files["model.c"]


def test_int16_kernel_variants_per_target():
    """DSP cores take runtime/dsp's SMLALD conv/FC for int16 and fall back to the portable depthwise; the host
    (and M0+) take the portable kernels; no int8 kernel is shipped for a 16x8 graph."""
    dsp, host = compile_model(chain_s16(), target="m4"), compile_model(chain_s16(), target="host")
    for cm in (dsp, host):
        assert {"mf_conv2d_s16.h", "mf_depthwise_conv2d_s16.h", "mf_fully_connected_s16.h"} <= set(cm.files)
        assert not {"mf_conv2d.h", "mf_depthwise_conv2d.h", "mf_fully_connected.h"} & set(cm.files)
    assert "__smlald" in dsp.files["mf_fully_connected_s16.h"] and "mf_dsp_dot_s16" in dsp.files["mf_conv2d_s16.h"]
    assert "__smlald" not in host.files["mf_fully_connected_s16.h"]
    assert dsp.files["mf_depthwise_conv2d_s16.h"] == host.files["mf_depthwise_conv2d_s16.h"]


# ---- refused ---------------------------------------------------------------------------------------

def _refused(model: bytes, *fragments: str) -> None:
    with pytest.raises(MicroforgeError) as ei:
        compile_model(model)
    for f in fragments:
        assert f in ei.value.message, (f, ei.value.message)


def test_depthwise_s16_int32_bias_refused():
    _refused(depthwise_s16(1, (1, 4, 4, 3), bias="int32"), "op 0 (DEPTHWISE_CONV_2D)", "bias", "int32", "int64")


def test_int16_input_int8_output_refused():
    mb = mg.ModelBuilder("mixed")
    x = mb.input("x", (1, 8), "int16", 0.001, 0)
    w = mb.const("w", np.ones((3, 8), np.int8), scale=0.01, zero_point=0)
    y = mb.tensor("y", (1, 3), "int8", 0.1, 0)
    mb.op("FULLY_CONNECTED", [x, w, mg.OPTIONAL], [y])
    mb.outputs(y)
    _refused(mb.finish(), "op 0 (FULLY_CONNECTED)", "'y' is int8, expected int16")


def test_int16_scale_beyond_tflm_range_refused():
    """An effective scale >= 128 overflows TFLM's int64 requantisation (shift > 7): refused, not miscompiled."""
    model = fc_s16(2, (1, 8), 3, in_scale=0.001, spread=3.0)
    mb = mg.ModelBuilder("big scale")
    x = mb.input("x", (1, 8), "int16", 1.0, 0)
    w = mb.const("w", np.ones((3, 8), np.int8), scale=1.0, zero_point=0)
    y = mb.tensor("y", (1, 3), "int16", 1 / 256, 0)
    mb.op("FULLY_CONNECTED", [x, w, mg.OPTIONAL], [y])
    mb.outputs(y)
    _refused(mb.finish(), "op 0 (FULLY_CONNECTED)", "16x8", "128")
    compile_model(model)  # the same op with ordinary scales compiles


# ---- ADD / SUB / MUL -------------------------------------------------------------------------------

BINARY = [
    # (shape1, shape2, scales, out_scale, act); MUL's output scale is multiplied by the scale product below
    ((1, 4, 4, 7), (1, 4, 4, 7), (0.001, 0.0007), 0.0015, "NONE"),
    ((1, 3, 5, 7), (1, 3, 1, 1), (0.0005, 0.002), 0.002, "RELU"),
    ((2, 3, 13), (13,), (0.003, 0.003), 0.004, "NONE"),
    ((1, 5), (3, 1), (0.02, 0.0001), 0.01, "RELU6"),
    ((2, 1, 3, 1, 5), (1, 4, 1, 6, 1), (0.001, 0.001), 0.0013, "RELU_N1_TO_1"),
]


@pytest.mark.parametrize("op", ["ADD", "SUB", "MUL"])
@pytest.mark.parametrize("case", BINARY, ids=lambda c: "-".join(map(str, c)).replace(" ", ""))
def test_binary_s16(op, case, tmp_path):
    shape1, shape2, scales, out_scale, act = case
    if op == "MUL":  # the product's scale, spread over the int16 range
        out_scale = scales[0] * scales[1] * 32768 / 3
    model = binary_s16(op, shape1, shape2, scales, out_scale, act)
    oracle = Oracle(model)
    cm = compile_model(model)
    assert "mf_binary_s16.h" in cm.files and cm.graph.outputs[0].nbytes == 2 * cm.graph.outputs[0].num_elements
    hm = build_host(cm, tmp_path)
    rng = np.random.default_rng(seed_of("bin16", op, case))
    for k in range(3):
        xs = random_inputs(oracle, rng)
        want, got = oracle.run(xs)[0], hm.run(xs)[0]
        assert got.dtype == want.dtype == np.int16 and got.shape == want.shape
        assert got.tobytes() == want.tobytes(), f"{op} {case} input {k}: {np.count_nonzero(got != want)} differ"
    if act == "NONE":
        not_degenerate(want)


def test_int8_sub_multipliers_are_the_oracles(tmp_path):
    """Found through int16 SUB: the oracle widens the scales to double before SUB's ratios (like ADD); ratios
    taken in float32 differ for these scales (6555 of the 65536 int8 input pairs were off by one)."""
    mb = mg.ModelBuilder("sub int8")
    a = mb.input("a", (256, 1), "int8", 0.003, 3)
    b = mb.input("b", (1, 256), "int8", 0.002, -5)
    y = mb.tensor("y", (256, 256), "int8", 0.004, 7)
    mb.op("SUB", [a, b], [y], fused_activation="NONE")
    mb.outputs(y)
    model = mb.finish()
    xs = [np.arange(-128, 128, dtype=np.int8).reshape(256, 1), np.arange(-128, 128, dtype=np.int8).reshape(1, 256)]
    got = build_host(compile_model(model), tmp_path).run(xs)[0]
    assert got.tobytes() == Oracle(model).run(xs)[0].tobytes()


# ---- QUANTIZE / DEQUANTIZE -------------------------------------------------------------------------

QUANT = [
    # (in dtype, out dtype, (in scale, zp), (out scale, zp), op)
    ("float32", "int16", None, (0.0002, 0), "QUANTIZE"),
    ("int8", "int16", (0.05, -7), (0.0003, 0), "QUANTIZE"),
    ("int8", "int16", (0.05, 20), (0.01, 0), "QUANTIZE"),
    ("int16", "int8", (0.0003, 0), (0.04, 5), "QUANTIZE"),
    ("int16", "int8", (0.0001, 0), (0.02, -128), "QUANTIZE"),
    ("int16", "int16", (0.0003, 0), (0.0007, 0), "QUANTIZE"),
    ("int16", "int16", (0.0003, 0), (0.0001, 0), "QUANTIZE"),
    ("int16", "float32", (0.0003, 0), None, "DEQUANTIZE"),
]


@pytest.mark.parametrize("case", QUANT, ids=lambda c: "-".join(map(str, c)).replace(" ", ""))
def test_quantize_s16(case, tmp_path):
    src, dst, in_q, out_q, op = case
    model = quantize_s16((2, 3, 37), src, dst, in_q, out_q, op)
    oracle = Oracle(model)
    hm = build_host(compile_model(model), tmp_path)
    rng = np.random.default_rng(seed_of("q16", case))
    for k in range(3):
        xs = random_inputs(oracle, rng)
        if src == "float32":  # N(0, 4) floats: also beyond the int16 range of this scale, and exact ties
            xs[0][0, 0, :5] = np.float32([0.0001, -0.0001, 0.0003, 7.0, -7.0])
        want, got = oracle.run(xs)[0], hm.run(xs)[0]
        assert got.dtype == want.dtype and got.shape == want.shape
        assert got.tobytes() == want.tobytes(), f"{case} input {k}: {np.count_nonzero(got != want)} differ"
    if dst != "float32":
        assert len(np.unique(want)) > 20


def test_16x8_model_with_float_and_int8_edges(tmp_path):
    """float32 -> QUANTIZE int16 -> CONV_2D 16x8 -> QUANTIZE int8 -> DEQUANTIZE float32: how a 16x8 model meets
    the outside world."""
    mb = mg.ModelBuilder("16x8 edges")
    rng = np.random.default_rng(3)
    x = mb.input("x", (1, 6, 6, 3), "float32")
    q = mb.tensor("xq", (1, 6, 6, 3), "int16", 0.0002, 0)
    mb.op("QUANTIZE", [x], [q])
    w = mb.const("w", rng.integers(-127, 128, (5, 3, 3, 3)).astype(np.int8), scale=np.full(5, 0.004, np.float32),
                 zero_point=np.zeros(5, np.int64), axis=0)
    b = mb.const("b", rng.integers(-(1 << 20), 1 << 20, 5).astype(np.int64), scale=np.full(5, 0.0002 * 0.004, np.float32),
                 zero_point=np.zeros(5, np.int64), dtype="int64")
    c = mb.tensor("c", (1, 6, 6, 5), "int16", 0.0005, 0)
    mb.op("CONV_2D", [q, w, b], [c], padding="SAME")
    c8 = mb.tensor("c8", (1, 6, 6, 5), "int8", 0.1, -3)
    mb.op("QUANTIZE", [c], [c8])
    y = mb.tensor("y", (1, 6, 6, 5), "float32")
    mb.op("DEQUANTIZE", [c8], [y])
    mb.outputs(y)
    model = mb.finish()
    oracle = Oracle(model)
    hm = build_host(compile_model(model), tmp_path)
    xs = random_inputs(oracle, np.random.default_rng(4))
    want, got = oracle.run(xs)[0], hm.run(xs)[0]
    assert got.tobytes() == want.tobytes()
    assert len(np.unique(want)) > 30


# ---- SOFTMAX ---------------------------------------------------------------------------------------

SOFTMAX = [
    # (shape, input scale, beta)
    ((1, 10), 10 / 32768, 1.0),
    ((2, 3, 13), 0.0005, 1.0),
    ((4, 1), 0.001, 1.0),
    ((3, 64), 0.0002, 0.7),
    ((1, 1000), 8 / 32768, 1.0),
    ((5, 7), 0.0001, 2.0),
]


@pytest.mark.parametrize("case", SOFTMAX, ids=lambda c: "-".join(map(str, c)).replace(" ", ""))
def test_softmax_s16(case, tmp_path):
    shape, in_scale, beta = case
    model = softmax_s16(shape, in_scale, beta)
    oracle = Oracle(model)
    cm = compile_model(model)
    assert "mf_softmax_s16.h" in cm.files and "mf_softmax.h" not in cm.files
    hm = build_host(cm, tmp_path)
    rng = np.random.default_rng(seed_of("softmax16", case))
    for k in range(3):
        xs = random_inputs(oracle, rng)
        if k == 2:  # narrow spread: many rows where exp() stays near 1 and the sum is large
            xs[0] = (xs[0] // 64).astype(np.int16)
        want, got = oracle.run(xs)[0], hm.run(xs)[0]
        assert got.dtype == want.dtype == np.int16
        assert got.tobytes() == want.tobytes(), f"{case} input {k}: {np.count_nonzero(got != want)} differ"
        if k == 0 and shape[-1] > 1:  # (a softmax over one element is always 1)
            assert len(np.unique(want)) > min(want.size // 2, 10)


# ---- LOGISTIC / TANH -------------------------------------------------------------------------------

@pytest.mark.parametrize("op", ["LOGISTIC", "TANH"])
@pytest.mark.parametrize("in_scale", [2.0 ** -12, 2.0 ** -11, 2.0 ** -10, 0.0003, 0.001, 1 / 3000, 0.00002])
def test_logistic_tanh_s16_every_input(op, in_scale, tmp_path):
    """All 65536 int16 inputs: every table segment and both saturations, power-of-two and other scales."""
    model = unary_s16(op, (256, 256), in_scale)
    xs = [np.arange(-32768, 32768, dtype=np.int64).astype(np.int16).reshape(256, 256)]
    cm = compile_model(model)
    assert "mf_sigmoid_s16.h" in cm.files and "mf_lut.h" not in cm.files
    got = build_host(cm, tmp_path).run(xs)[0]
    want = Oracle(model).run(xs)[0]
    assert got.dtype == want.dtype == np.int16
    bad = np.flatnonzero(got != want)
    assert bad.size == 0, f"{op} {in_scale}: {bad.size} differ, first at x={int(xs[0].reshape(-1)[bad[0]])}"
    assert len(np.unique(want)) > 1000


def test_logistic_s16_output_scale_refused():
    _refused(unary_s16("LOGISTIC", (1, 8), 0.001, out_scale=1 / 30000), "op 0 (LOGISTIC)", "2^-15")


def test_data_movement_moves_int16(tmp_path):
    """The data-movement ops copy elements of any size: a 16x8 graph may reshape, concatenate and transpose."""
    mb = mg.ModelBuilder("int16 moves")
    a = mb.input("a", (1, 4, 6, 3), "int16", 0.001, 0)
    b = mb.input("b", (1, 4, 6, 5), "int16", 0.001, 0)
    c = mb.tensor("c", (1, 4, 6, 8), "int16", 0.001, 0)
    mb.op("CONCATENATION", [a, b], [c], axis=3)
    perm = mb.const("perm", np.array([0, 3, 1, 2], np.int32))
    t = mb.tensor("t", (1, 8, 4, 6), "int16", 0.001, 0)
    mb.op("TRANSPOSE", [c, perm], [t])
    shape = mb.const("shape", np.array([8, 24], np.int32))
    y = mb.tensor("y", (8, 24), "int16", 0.001, 0)
    mb.op("RESHAPE", [t, shape], [y], new_shape=[8, 24])
    mb.outputs(y)
    model = mb.finish()
    oracle = Oracle(model)
    xs = random_inputs(oracle, np.random.default_rng(9))
    got = build_host(compile_model(model), tmp_path).run(xs)[0]
    assert got.dtype == np.int16 and got.tobytes() == oracle.run(xs)[0].tobytes()


@pytest.mark.parametrize("model, narrow", [
    (lambda: fc_s16(seed_of("fc16", FC[-1]), *FC[-1]), 0),                              # sum|w| >= 2^16: int64
    (lambda: conv2d_s16(seed_of("conv16", CONV[0]), (1, 6, 7, 1), 13, 3), 1),            # small windows: int32
])
def test_portable_sum_width_follows_the_weights(model, narrow):
    """Both portable summation widths occur in the cases above (FC[-1] and CONV[0] are compared with TFLM)."""
    assert f".narrow = {narrow}," in compile_model(model()).files["model.c"]
