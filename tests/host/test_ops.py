"""Per-op bit-exactness: single-op models compiled for the host, compared byte for byte with TFLM.

Each case builds one model with microforge.modelgen (seeded from the case parameters), runs three
input sets through TFLM (reference kernels) and through the compiled C, and requires identical
dtypes, shapes and bytes.

Configurations excluded because the oracle itself cannot run them:
- DEPTHWISE_CONV_2D without a bias tensor: the tflite_micro Python package segfaults.
- PAD/PADV2 with rank > 5: TFLM rejects it (PadKernelMaxDimensionCount).
- QUANTIZE float inputs with |x / scale| >= 2**31, inf or NaN: TFLM's float->int32 cast is
  undefined behaviour there (x86 yields INT_MIN, then the zero point wraps); not tested.
"""
from __future__ import annotations

import numpy as np
import pytest
from helpers import Oracle, random_inputs, seed_of

from microforge import modelgen as mg
from microforge.driver import compile_model
from microforge.toolchain.host import build_host

ACTS = ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"]
CHANNELS = [1, 3, 5, 7, 13, 16, 33]


def _bits(a: np.ndarray) -> np.ndarray:
    """The raw bits of `a` as flat unsigned integers (so NaN and -0.0 compare exactly)."""
    return np.ascontiguousarray(a).reshape(-1).view(f"u{a.itemsize}")


def check_against_oracle(model: bytes, tmp_path, seed: int, extra_inputs=()) -> None:
    """Compile `model` for the host; its outputs must equal TFLM's for 3 random input sets."""
    oracle = Oracle(model)
    rng = np.random.default_rng(seed)
    input_sets = [random_inputs(oracle, rng) for _ in range(3 - len(extra_inputs))]
    input_sets += [list(xs) for xs in extra_inputs]
    hm = build_host(compile_model(model, target="host"), tmp_path)
    for n, xs in enumerate(input_sets):
        want = oracle.run(xs)
        got = hm.run([x.copy() for x in xs])
        assert len(got) == len(want), f"input set {n}: {len(got)} outputs, TFLM has {len(want)}"
        for i, (g, w) in enumerate(zip(got, want)):
            g = np.asarray(g)
            assert g.dtype == w.dtype, f"input set {n}, output {i}: dtype {g.dtype} != {w.dtype}"
            assert g.shape == w.shape, f"input set {n}, output {i}: shape {g.shape} != {w.shape}"
            if g.tobytes() != w.tobytes():
                bad = np.flatnonzero(_bits(g) != _bits(w))
                j = int(bad[0])
                pytest.fail(f"input set {n}, output {i}: {bad.size}/{g.size} elements differ; "
                            f"first at flat index {j}: got {g.reshape(-1)[j]}, "
                            f"TFLM {w.reshape(-1)[j]}")


def _ids(cases):
    return ["-".join(str(p).replace(" ", "") for p in c) for c in cases]


# --------------------------------------------------------------------------------- CONV_2D
# (in_shape, out_c, kernel, stride, padding, dilation, act, per_channel, in_zp, out_zp, bias)
CONV = []
for cin, cout in zip(CHANNELS, [1, 5, 7, 3, 16, 33, 13]):
    CONV.append(((1, 6, 7, cin), cout, 3, 1, "SAME", 1, "NONE", True, -3, None, True))
for pad in ["SAME", "VALID"]:
    for k, s, d in [(1, 1, 1), (3, 1, 1), (3, 2, 1), (5, 2, 1), (2, 1, 1), (3, 1, 2),
                    (3, 2, 2), ((3, 2), (1, 2), (1, 1)), ((1, 5), (2, 1), (1, 2)), (3, 3, 1)]:
        CONV.append(((1, 11, 10, 3), 5, k, s, pad, d, "NONE", True, 5, None, True))
for act in ACTS:
    for pc in [True, False]:
        CONV.append(((1, 7, 6, 5), 7, 3, 1, "SAME", 1, act, pc, -20, None, True))
for in_zp, out_zp in [(-128, None), (127, 100), (0, -128)]:
    CONV.append(((1, 5, 5, 4), 6, 3, 1, "VALID", 1, "NONE", True, in_zp, out_zp, True))
for pc in [True, False]:
    CONV.append(((1, 6, 6, 3), 4, 3, 2, "SAME", 1, "RELU", pc, 1, None, False))
CONV.append(((2, 5, 4, 3), 4, 3, 1, "SAME", 1, "NONE", True, -3, None, True))
CONV.append(((1, 3, 3, 2), 3, 5, 1, "SAME", 1, "NONE", True, -3, None, True))


@pytest.mark.parametrize("case", CONV, ids=_ids(CONV))
def test_conv2d(case, tmp_path):
    in_shape, out_c, k, s, pad, d, act, pc, in_zp, out_zp, bias = case
    model = mg.conv2d_model(seed_of("conv", case), in_shape, out_c, k, s, pad, d, act,
                            per_channel=pc, in_zp=in_zp, out_zp=out_zp, bias=bias)
    check_against_oracle(model, tmp_path, seed_of("conv-in", case))


# ------------------------------------------------------------------------ DEPTHWISE_CONV_2D
# (in_shape, depth_multiplier, kernel, stride, padding, dilation, act, per_channel, in_zp, out_zp)
DW = []
for c in CHANNELS:
    DW.append(((1, 7, 6, c), 1, 3, 1, "SAME", 1, "NONE", True, -3, None))
for c in [1, 3, 5, 16]:
    for dm in [2, 3]:
        DW.append(((1, 6, 5, c), dm, 3, 1, "SAME", 1, "NONE", True, 9, None))
for pad in ["SAME", "VALID"]:
    for k, s, d in [(3, 1, 1), (3, 2, 1), (5, 1, 1), (3, 1, 2), (3, 2, 2), ((1, 3), (1, 2), 1),
                    ((3, 3), (2, 1), (2, 1))]:
        DW.append(((1, 11, 10, 5), 2, k, s, pad, d, "NONE", True, -7, None))
for act in ACTS:
    for pc in [True, False]:
        DW.append(((1, 7, 7, 7), 1, 3, 1, "SAME", 1, act, pc, 11, None))
for in_zp, out_zp in [(-128, 127), (127, None)]:
    DW.append(((1, 5, 5, 4), 1, 3, 1, "VALID", 1, "NONE", True, in_zp, out_zp))
DW.append(((2, 5, 4, 3), 2, 3, 1, "SAME", 1, "NONE", True, -3, None))
DW.append(((1, 3, 3, 2), 1, 5, 1, "SAME", 1, "RELU6", True, -3, None))


@pytest.mark.parametrize("case", DW, ids=_ids(DW))
def test_depthwise_conv2d(case, tmp_path):
    in_shape, dm, k, s, pad, d, act, pc, in_zp, out_zp = case
    model = mg.depthwise_model(seed_of("dw", case), in_shape, dm, k, s, pad, d, act,
                               per_channel=pc, in_zp=in_zp, out_zp=out_zp)
    check_against_oracle(model, tmp_path, seed_of("dw-in", case))


# --------------------------------------------------------------------------- FULLY_CONNECTED
# (in_shape, units, keep_num_dims, act, per_channel, in_zp, out_zp, bias)
FC = []
for shape, units, keep in [((1, 16), 8, False), ((1, 1), 3, False), ((1, 33), 13, False),
                           ((3, 7), 5, False), ((3, 7), 5, True), ((2, 3, 8), 16, True),
                           ((2, 3, 8), 16, False), ((1, 2, 2, 8), 7, False),
                           ((1, 640), 33, False)]:
    for pc in [False, True]:
        FC.append((shape, units, keep, "NONE", pc, 7, None, True))
for act in ACTS:
    FC.append(((1, 24), 10, False, act, True, -9, None, True))
for pc in [False, True]:
    FC.append(((2, 16), 6, False, "NONE", pc, 0, None, False))
for in_zp, out_zp in [(-128, 127), (127, -128)]:
    FC.append(((1, 12), 5, False, "NONE", False, in_zp, out_zp, True))


@pytest.mark.parametrize("case", FC, ids=_ids(FC))
def test_fully_connected(case, tmp_path):
    in_shape, units, keep, act, pc, in_zp, out_zp, bias = case
    model = mg.fc_model(seed_of("fc", case), in_shape, units, act, per_channel=pc,
                        keep_num_dims=keep, in_zp=in_zp, out_zp=out_zp, bias=bias)
    check_against_oracle(model, tmp_path, seed_of("fc-in", case))


# ------------------------------------------------------------------------------------- ADD
# (shape1, shape2, act, scales, zero_points, out_zp)
ADD = []
for s1, s2 in [((1, 4, 4, 8), (1, 4, 4, 8)), ((1, 4, 4, 8), (1, 1, 1, 8)),
               ((1, 1, 1, 8), (1, 4, 4, 8)), ((1, 4, 4, 5), (5,)), ((1, 3, 5, 7), (1, 3, 1, 1)),
               ((2, 3, 1, 5), (1, 1, 4, 1)), ((3, 1), (1, 4)), ((1, 4, 4, 3), ()),
               ((4,), (2, 3, 4)), ((1, 2, 3, 4, 5), (1, 2, 1, 4, 1)), ((13,), (13,)),
               ((1, 1, 1, 33), (1, 1, 1, 33))]:
    ADD.append((s1, s2, "NONE", (0.05, 0.03), (-5, 10), None))
for act in ACTS:
    ADD.append(((1, 3, 3, 7), (1, 3, 3, 7), act, (0.02, 0.04), (3, -3), None))
for scales, zps, out_zp in [((0.05, 0.05), (0, 0), None), ((1.0, 0.001), (-128, 127), None),
                            ((0.02, 0.1), (50, -50), -128), ((0.003, 0.003), (-1, -1), 127)]:
    ADD.append(((1, 4, 4, 3), (1, 4, 4, 3), "NONE", scales, zps, out_zp))


@pytest.mark.parametrize("case", ADD, ids=_ids(ADD))
def test_add(case, tmp_path):
    s1, s2, act, scales, zps, out_zp = case
    model = mg.add_model(None, s1, s2, act, scales=scales, zero_points=zps, out_zp=out_zp)
    check_against_oracle(model, tmp_path, seed_of("add-in", case))


# ------------------------------------------------------------------- AVERAGE/MAX_POOL_2D
# (kind, in_shape, filter, stride, padding, act, zero_point)
POOL = []
for kind in ["AVERAGE", "MAX"]:
    for shape, f, s, pad in [((1, 8, 8, 3), 2, 2, "VALID"), ((1, 7, 7, 5), 3, 2, "SAME"),
                             ((1, 6, 5, 1), 3, 1, "SAME"), ((1, 7, 6, 13), 2, 1, "VALID"),
                             ((1, 9, 8, 7), (3, 2), (2, 1), "SAME"),
                             ((1, 4, 4, 16), 1, 1, "VALID"), ((1, 5, 5, 33), 5, 1, "SAME"),
                             ((2, 9, 9, 3), (2, 3), (2, 3), "VALID")]:
        POOL.append((kind, shape, f, s, pad, "NONE", -10))
    for act in ["RELU", "RELU6", "RELU_N1_TO_1"]:
        POOL.append((kind, (1, 6, 6, 4), 2, 2, "SAME", act, 20))
    POOL.append((kind, (1, 5, 5, 3), 3, 1, "SAME", "NONE", -128))


@pytest.mark.parametrize("case", POOL, ids=_ids(POOL))
def test_pool(case, tmp_path):
    kind, shape, f, s, pad, act, zp = case
    scale = 0.01 if act == "RELU_N1_TO_1" else 0.04
    model = mg.pool_model(kind, shape, f, s, pad, act, scale=scale, zero_point=zp)
    check_against_oracle(model, tmp_path, seed_of("pool-in", case))


# ------------------------------------------------------------------------------------ MEAN
# (in_shape, axes, keep_dims, same_quant)
MEAN = []
for axes, keep in [((1, 2), True), ((1, 2), False), ((1,), True), ((2,), False), ((3,), True),
                   ((3,), False), ((0,), True), ((1, 2, 3), False), ((-1,), True),
                   ((-3, -2), False), ((2, 1), True)]:
    MEAN.append(((1, 6, 5, 8), axes, keep, False))
for keep in [True, False]:
    MEAN.append(((1, 6, 5, 8), (1, 2), keep, True))
MEAN += [((2, 5, 7), (1,), False, False), ((5, 7), (1,), True, False),
         ((1, 2, 3, 4, 5), (1, 3), False, False), ((1, 20, 20, 13), (1, 2), True, False),
         ((1, 7, 7, 33), (1, 2), True, True)]


@pytest.mark.parametrize("case", MEAN, ids=_ids(MEAN))
def test_mean(case, tmp_path):
    shape, axes, keep, same = case
    kw = {"out_scale": 0.04, "out_zp": -10} if same else {}
    model = mg.mean_model(shape, axes, keep, in_scale=0.04, in_zp=-10, **kw)
    check_against_oracle(model, tmp_path, seed_of("mean-in", case))


# ------------------------------------------------------------------------------ PAD, PADV2
# (in_shape, paddings, v2, pad_value, zero_point)
PAD = [
    ((1, 4, 4, 3), ((0, 0), (1, 1), (1, 1), (0, 0)), False, 0, 4),
    ((1, 4, 4, 3), ((0, 0), (0, 1), (0, 1), (0, 0)), False, 0, -128),
    ((1, 5, 3, 7), ((0, 0), (2, 0), (0, 3), (1, 2)), False, 0, 17),
    ((2, 3, 3, 5), ((1, 0), (0, 0), (0, 2), (1, 1)), False, 0, -4),
    ((1, 4, 4, 3), ((0, 0), (0, 0), (0, 0), (0, 0)), False, 0, 0),
    ((3, 4), ((1, 2), (3, 0)), False, 0, 127),
    ((5,), ((2, 3),), False, 0, 9),
    ((1, 2, 2, 2, 2), ((0, 0), (1, 1), (0, 1), (1, 0), (0, 0)), False, 0, -1),
    ((1, 4, 4, 3), ((0, 0), (1, 1), (1, 1), (0, 0)), True, -100, 4),
    ((1, 4, 4, 3), ((0, 0), (2, 1), (0, 3), (0, 0)), True, 127, -5),
    ((1, 3, 3, 16), ((0, 0), (1, 1), (1, 1), (0, 0)), True, -128, -128),
    ((2, 5), ((0, 1), (4, 4)), True, 0, 30),
]


@pytest.mark.parametrize("case", PAD, ids=_ids(PAD))
def test_pad(case, tmp_path):
    shape, pads, v2, value, zp = case
    model = mg.pad_model(shape, pads, v2=v2, pad_value=value, zero_point=zp)
    check_against_oracle(model, tmp_path, seed_of("pad-in", case))


# --------------------------------------------------------------------------------- RESHAPE
# (in_shape, new_shape, mode)
RESHAPE = [((1, 2, 3, 4), (1, 24), m) for m in ["tensor", "option", "both"]]
RESHAPE += [((1, 2, 3, 4), (2, -1), m) for m in ["tensor", "option", "both"]]
RESHAPE += [((1, 1, 1, 16), (1, 16), "none"), ((1, 10), (1, 2, 5, 1), "tensor"),
            ((7,), (7, 1), "option")]


@pytest.mark.parametrize("case", RESHAPE, ids=_ids(RESHAPE))
def test_reshape(case, tmp_path):
    shape, new_shape, mode = case
    check_against_oracle(mg.reshape_model(shape, new_shape, mode), tmp_path,
                         seed_of("reshape-in", case))


def test_reshape_with_omitted_shape_input(tmp_path):
    mb = mg.ModelBuilder()
    x = mb.input("x", (1, 2, 3, 4), "int8", scale=0.1, zero_point=3)
    y = mb.tensor("y", (6, 4), "int8", scale=0.1, zero_point=3)
    mb.op("RESHAPE", [x, mg.OPTIONAL], [y], new_shape=[6, 4])
    mb.outputs(y)
    check_against_oracle(mb.finish(), tmp_path, seed_of("reshape-optional"))


# --------------------------------------------------------------------------------- SOFTMAX
# (in_shape, beta, in_scale, in_zp)
SOFTMAX = []
for beta in [1.0, 0.5, 2.0, 0.1, 0.0078125]:
    SOFTMAX.append(((1, 10), beta, 0.1, 0))
for scale, zp in [(0.3, -20), (0.01, 127), (1.0, -128), (0.0625, 5)]:
    SOFTMAX.append(((1, 12), 1.0, scale, zp))
SOFTMAX += [((1, 1000), 1.0, 0.15, -30), ((2, 3, 5), 1.0, 0.2, 0), ((1, 3, 3, 7), 0.5, 0.2, 10),
            ((1, 1), 1.0, 0.1, 0), ((1, 2), 3.0, 0.05, 0)]


@pytest.mark.parametrize("case", SOFTMAX, ids=_ids(SOFTMAX))
def test_softmax(case, tmp_path):
    shape, beta, scale, zp = case
    check_against_oracle(mg.softmax_model(shape, beta, scale, zp), tmp_path,
                         seed_of("softmax-in", case))


# ------------------------------------------------------------------------ QUANTIZE, DEQUANTIZE

def _float_edges(scale: float, zp: int, n: int) -> np.ndarray:
    """Float inputs on rounding ties, saturation boundaries, signed zeros and tiny/large values."""
    s = np.float32(scale)
    vals = [0.0, -0.0, 1e-45, -1e-45, 1e-30, -1e-30, 1e6 * s, -1e6 * s, 2e9 * s, -2e9 * s]
    vals += [(k + 0.5) * s for k in range(-4, 4)]
    vals += [(k + 0.5) * s + d for k in (-1, 0) for d in (np.spacing(s), -np.spacing(s))]
    for q in (127 - zp, -128 - zp):
        vals += [q * s, (q + 0.5) * s, (q - 0.5) * s, (q + 1) * s, (q - 1) * s]
    vals = np.array(vals, np.float32)
    return np.resize(vals, n)


# (in_shape, out_scale, out_zp)
QUANT_F = [((1, 64), 0.02, -7), ((1, 64), 0.5, 0), ((1, 64), 0.00390625, -128),
           ((1, 64), 1.7, 127), ((2, 4, 4, 2), 0.1, 13)]


@pytest.mark.parametrize("case", QUANT_F, ids=_ids(QUANT_F))
def test_quantize_float_to_int8(case, tmp_path):
    shape, scale, zp = case
    model = mg.quantize_model(shape, "float32", out_scale=scale, out_zp=zp)
    n = int(np.prod(shape))
    rng = np.random.default_rng(seed_of("quant-f", case))
    span = np.float32(scale) * 300
    uniform = rng.uniform(-span, span, shape).astype(np.float32)
    check_against_oracle(model, tmp_path, seed_of("quant-f-in", case),
                         extra_inputs=[[_float_edges(scale, zp, n).reshape(shape)], [uniform]])


# (in_scale, in_zp, out_scale, out_zp)
REQUANT = [(0.05, 3, 0.02, -7), (0.02, -7, 0.02, -7), (0.02, 0, 0.02, 50), (1.0, 0, 0.01, 0),
           (0.001, -128, 0.7, 127), (0.1, 127, 0.1 / 3, -100)]


@pytest.mark.parametrize("case", REQUANT, ids=_ids(REQUANT))
def test_quantize_int8_to_int8(case, tmp_path):
    in_scale, in_zp, out_scale, out_zp = case
    model = mg.quantize_model((2, 128), "int8", in_scale, in_zp, out_scale, out_zp)
    every_value = np.arange(-128, 128, dtype=np.int8).reshape(2, 128)
    check_against_oracle(model, tmp_path, seed_of("requant-in", case),
                         extra_inputs=[[every_value]])


# (in_shape, scale, zero_point)
DEQUANT = [((2, 128), 0.05, 3), ((2, 128), 1.0, -128), ((2, 128), 0.00390625, 127),
           ((2, 128), 3.3e-5, 0), ((1, 4, 4, 3), 0.7, -11)]


@pytest.mark.parametrize("case", DEQUANT, ids=_ids(DEQUANT))
def test_dequantize(case, tmp_path):
    shape, scale, zp = case
    model = mg.dequantize_model(shape, scale, zp)
    extra = [[np.resize(np.arange(-128, 128, dtype=np.int8), shape)]]
    check_against_oracle(model, tmp_path, seed_of("dequant-in", case), extra_inputs=extra)
