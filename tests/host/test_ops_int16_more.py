"""int16 (16x8) pooling, MEAN/SUM, PAD/PADV2, MAXIMUM/MINIMUM, SQUARED_DIFFERENCE, RELU/RELU6/LEAKY_RELU, PRELU and
the data-movement ops on the host build, byte for byte against TFLM; the ops TFLM runs only on int8 are refused."""
from __future__ import annotations

import numpy as np
import pytest
from helpers import Oracle, random_inputs, seed_of
from models16 import binary_s16, prelu_s16, unary_s16

from microforge import modelgen as mg
from microforge.driver import compile_model
from microforge.errors import MicroforgeError
from microforge.toolchain.host import build_host

ODD = (1, 3, 5, 7, 13)


def check(model: bytes, tmp_path, name: str, n_inputs: int = 2, header: str | None = None) -> list[np.ndarray]:
    """Compile for the host, run random full-range int16 inputs, compare with TFLM; returns TFLM's outputs."""
    oracle = Oracle(model)
    cm = compile_model(model, target="host")
    assert all(t.dtype.name == "INT16" for t in cm.graph.inputs + cm.graph.outputs)
    if header:
        assert header in cm.files, sorted(cm.files)
    hm = build_host(cm, tmp_path)
    rng = np.random.default_rng(seed_of("int16 more", name))
    wants = []
    for k in range(n_inputs):
        xs = random_inputs(oracle, rng)
        want, got = oracle.run(xs), hm.run(xs)
        for w, g in zip(want, got):
            assert g.dtype == w.dtype == np.int16 and g.shape == w.shape
            if g.tobytes() != w.tobytes():
                bad = np.flatnonzero(g.reshape(-1) != w.reshape(-1))
                pytest.fail(f"{name}, input {k}: {bad.size}/{g.size} differ; first at {bad[0]}: "
                            f"got {g.reshape(-1)[bad[0]]}, TFLM {w.reshape(-1)[bad[0]]}")
        wants.append(want[0])
    return wants


def spread(y: np.ndarray, at_least: int = 20) -> None:
    """The comparison means something only if the outputs take many values."""
    assert len(np.unique(y)) >= min(at_least, y.size // 3), f"only {len(np.unique(y))} distinct outputs"


# ---- AVERAGE_POOL_2D / MAX_POOL_2D ------------------------------------------------------------------

POOL = [
    # (in_shape, filter, stride, padding, act, scale)
    *[((1, 7, 6, c), (3, 3), (2, 2), "SAME", "NONE", 0.001) for c in ODD],
    ((1, 8, 8, 3), (2, 2), (2, 2), "VALID", "NONE", 0.0003),
    ((2, 9, 7, 5), (3, 2), (1, 2), "SAME", "RELU", 0.002),
    ((1, 6, 6, 7), (6, 6), (1, 1), "VALID", "RELU6", 6 / 20000),
    ((1, 5, 9, 13), (2, 4), (3, 1), "SAME", "RELU_N1_TO_1", 1 / 20000),
]


@pytest.mark.parametrize("kind", ["AVERAGE", "MAX"])
@pytest.mark.parametrize("case", POOL, ids=lambda c: "-".join(map(str, c)).replace(" ", ""))
def test_pool_s16(kind, case, tmp_path):
    in_shape, f, s, pad, act, scale = case
    model = mg.pool_model(kind, in_shape, f, s, pad, act, scale, 0, dtype="int16")
    ys = check(model, tmp_path, f"{kind} {case}", header="mf_pooling_s16.h")
    if act == "NONE":  # (the max of a large window mostly exceeds a clamp)
        spread(ys[0])


def test_pool_s16_output_overlaps_input(tmp_path):
    """A MAX_POOL_2D between two int16 layers: its output may share the dying input's bytes (leads in bytes)."""
    mb = mg.ModelBuilder("pool chain 16")
    x = mb.input("x", (1, 8, 8, 5), "int16", 0.001, 0)
    r = mb.tensor("r", (1, 8, 8, 5), "int16", 0.001, 0)
    mb.op("RELU", [x], [r])
    p = mb.tensor("p", (1, 4, 4, 5), "int16", 0.001, 0)
    mb.op("MAX_POOL_2D", [r], [p], padding="SAME", stride_h=2, stride_w=2, filter_h=3, filter_w=3)
    y = mb.tensor("y", (1, 4, 4, 5), "int16", 0.0015, 0)
    mb.op("LEAKY_RELU", [p], [y], alpha=0.25)
    mb.outputs(y)
    model = mb.finish()
    check(model, tmp_path, "pool chain", n_inputs=3)
    cm = compile_model(model)
    assert cm.arena_bytes < 2 * 8 * 8 * 5 + 2 * 4 * 4 * 5  # the pool's output overlaps its input


# ---- MEAN / SUM --------------------------------------------------------------------------------------

REDUCE = [
    # (op, in_shape, axes, keep_dims, in_scale, out_scale)
    *[("MEAN", (1, 5, 4, c), (1, 2), True, 0.001, 0.0006) for c in ODD],
    ("MEAN", (2, 3, 13), (-1,), False, 0.0005, 0.0004),
    ("MEAN", (1, 6, 7, 5), (1, 2), False, 0.002, 0.0005),   # 1/42 folded into the multiplier; clamps at int16
    ("MEAN", (2, 3, 4, 5, 3), (0, 2, 4), True, 0.0003, 0.0003),
    ("MEAN", (3, 7), (0, 1), False, 0.001, 0.0017),
    ("SUM", (1, 4, 4, 7), (1, 2), True, 0.001, 0.004),
    ("SUM", (2, 5, 3), (1,), False, 0.0002, 0.0003),
    ("SUM", (3, 13), (-1,), True, 0.0005, 0.0005 * 2.5),
]


@pytest.mark.parametrize("case", REDUCE, ids=lambda c: "-".join(map(str, c)).replace(" ", ""))
def test_mean_sum_s16(case, tmp_path):
    op, in_shape, axes, keep, s_in, s_out = case
    model = mg.mean_model(in_shape, axes, keep, s_in, 0, s_out, 0, dtype="int16", op=op)
    ys = check(model, tmp_path, f"{case}", n_inputs=3, header="mf_mean.h")
    spread(np.concatenate([y.reshape(-1) for y in ys]), 8)


# ---- PAD / PADV2 -------------------------------------------------------------------------------------

PAD = [
    # (in_shape, paddings, v2, pad_value)
    *[((1, 3, 4, c), ((0, 0), (1, 2), (2, 1), (0, 0)), False, 0) for c in (1, 5, 13)],
    ((1, 4, 4, 3), ((0, 0), (1, 1), (0, 0), (2, 3)), True, -1234),
    ((2, 3, 7), ((1, 0), (0, 2), (3, 3)), True, 32767),
    ((2, 3, 2, 3, 5), ((0, 1), (1, 0), (0, 0), (1, 1), (0, 2)), True, -32768),
    ((7,), ((3, 5),), False, 0),
]


@pytest.mark.parametrize("case", PAD, ids=lambda c: "-".join(map(str, c)).replace(" ", ""))
def test_pad_s16(case, tmp_path):
    in_shape, pads, v2, value = case
    model = mg.pad_model(in_shape, pads, v2, value, 0.0007, 0, dtype="int16")
    ys = check(model, tmp_path, f"pad {case}", header="mf_pad.h")
    if v2:
        assert (ys[0] == value).sum() >= ys[0].size - np.prod(in_shape)


def test_pad_s16_folds_into_conv(tmp_path):
    """A PAD before a 16x8 CONV_2D is folded into the conv's padding (out-of-image taps read as the zero point 0)."""
    rng = np.random.default_rng(11)
    mb = mg.ModelBuilder("pad conv 16x8")
    x = mb.input("x", (1, 5, 6, 3), "int16", 0.001, 0)
    p = mb.tensor("p", (1, 8, 7, 3), "int16", 0.001, 0)
    mb.op("PAD", [x, mb.const("pads", np.array([[0, 0], [1, 2], [0, 1], [0, 0]], np.int32))], [p])
    w = mb.const("w", rng.integers(-127, 128, (5, 3, 3, 3)).astype(np.int8), scale=np.full(5, 0.01, np.float32),
                 zero_point=np.zeros(5, np.int64), axis=0)
    b = mb.const("b", rng.integers(-5000, 5000, 5).astype(np.int64), scale=np.full(5, 0.001 * 0.01, np.float32),
                 zero_point=np.zeros(5, np.int64), dtype="int64")
    y = mb.tensor("y", (1, 6, 5, 5), "int16", 0.05, 0)
    mb.op("CONV_2D", [p, w, b], [y], padding="VALID")
    mb.outputs(y)
    model = mb.finish()
    assert [op.type.value for op in compile_model(model).graph.ops] == ["CONV_2D"]
    ys = check(model, tmp_path, "pad conv", n_inputs=2)
    spread(ys[0])


# ---- MAXIMUM / MINIMUM / SQUARED_DIFFERENCE ----------------------------------------------------------

BINARY = [
    # (shape1, shape2, scales)
    ((1, 4, 4, 7), (1, 4, 4, 7), (0.001, 0.001)),
    ((1, 3, 5, 13), (1, 3, 1, 1), (0.0005, 0.002)),
    ((2, 3, 5), (5,), (0.003, 0.0007)),
    ((1, 5), (3, 1), (0.0002, 0.0002)),
    ((2, 1, 3, 1, 3), (1, 4, 1, 6, 1), (0.001, 0.0013)),
]


@pytest.mark.parametrize("op", ["MAXIMUM", "MINIMUM", "SQUARED_DIFFERENCE"])
@pytest.mark.parametrize("case", BINARY, ids=lambda c: "-".join(map(str, c)).replace(" ", ""))
def test_binary_s16(op, case, tmp_path):
    shape1, shape2, scales = case
    if op == "SQUARED_DIFFERENCE":  # about a third of the int16 range for a typical difference
        out_scale = (32768 * max(scales)) ** 2 / 32767 / 3
    else:
        out_scale = scales[0]
    model = binary_s16(op, shape1, shape2, scales, out_scale, act=None)
    ys = check(model, tmp_path, f"{op} {case}", header="mf_squared_difference.h" if op == "SQUARED_DIFFERENCE"
               else "mf_maximum_minimum.h")
    spread(ys[0])


# ---- RELU / RELU6 / LEAKY_RELU: every int16 input ---------------------------------------------------

ACT = [
    # (op, in_scale, out_scale, options)
    ("RELU", 0.001, 0.001, {}),
    ("RELU", 0.001, 0.0007, {}),
    ("RELU", 0.0003, 0.002, {}),
    ("RELU6", 0.0003, 0.0003, {}),          # Q(6) = 20000: the upper clamp is reached
    ("RELU6", 0.0001, 0.0001, {}),          # Q(6) = 60000: beyond int16, clamps at 32767
    ("RELU6", 1 / 3000, 0.0005, {}),        # TFLM ignores the output scale of RELU6
    ("LEAKY_RELU", 0.001, 0.001, dict(alpha=0.2)),
    ("LEAKY_RELU", 0.001, 0.0013, dict(alpha=-0.3)),
    ("LEAKY_RELU", 0.0005, 0.0009, dict(alpha=1.7)),
]


@pytest.mark.parametrize("case", ACT, ids=lambda c: "-".join(map(str, c)).replace(" ", ""))
def test_activation_s16_every_input(case, tmp_path):
    op, s_in, s_out, opts = case
    model = unary_s16(op, (256, 256), s_in, s_out, **opts)
    xs = [np.arange(-32768, 32768, dtype=np.int64).astype(np.int16).reshape(256, 256)]
    cm = compile_model(model)
    assert "mf_activation_s16.h" in cm.files and "mf_lut.h" not in cm.files
    got = build_host(cm, tmp_path).run(xs)[0]
    want = Oracle(model).run(xs)[0]
    assert got.dtype == want.dtype == np.int16
    bad = np.flatnonzero(got != want)
    assert bad.size == 0, f"{case}: {bad.size} differ, first at x={int(xs[0].reshape(-1)[bad[0]])}"
    assert len(np.unique(want)) > 4000


def test_activation_s16_rescale_beyond_tflm_refused():
    """in/out = 1e11 needs a shift of 37: TFLM's int32 arithmetic overflows there, so nothing exact to match."""
    with pytest.raises(MicroforgeError) as ei:
        compile_model(unary_s16("RELU", (1, 8), 1.0, 1e-11))
    assert "op 0 (RELU)" in ei.value.message and "shift of 37" in ei.value.message, ei.value.message
    compile_model(unary_s16("RELU", (1, 8), 1.0, 1e-4))  # a large but representable ratio compiles


# ---- PRELU (int16 input, int8 alpha) ----------------------------------------------------------------

PRELU = [
    # (in_shape, alpha_shape, in_scale, alpha_scale, alpha_zp, out_scale)
    *[((1, 4, 3, c), (1, 1, c), 0.001, 0.004, 0, 0.0008) for c in ODD],
    ((2, 3, 5), (3, 5), 0.0005, 0.01, -20, 0.0009),
    ((1, 5, 4, 7), (1, 5, 4, 7), 0.002, 0.003, 13, 0.002),
    ((1, 3, 3, 5), (1,), 0.001, 0.02, 0, 0.0011),
]


@pytest.mark.parametrize("case", PRELU, ids=lambda c: "-".join(map(str, c)).replace(" ", ""))
def test_prelu_s16(case, tmp_path):
    model = prelu_s16(seed_of("prelu16", case), *case)
    ys = check(model, tmp_path, f"prelu {case}", header="mf_prelu.h")
    spread(ys[0])


# ---- data movement that TFLM runs on int16 -----------------------------------------------------------

def _movement(op: str) -> bytes:
    mb = mg.ModelBuilder(f"{op.lower()} int16")
    x = mb.input("x", (1, 4, 5, 3), "int16", 0.001, 0)

    def t(name, shape):
        return mb.tensor(name, shape, "int16", 0.001, 0)
    if op == "STRIDED_SLICE":
        ys = [t("y", (1, 2, 2, 2))]
        b, e, s = (mb.const(n, np.array(v, np.int32)) for n, v in (("b", [0, 1, 4, 0]), ("e", [1, 4, 0, 3]),
                                                                  ("s", [1, 2, -2, 2])))
        mb.op(op, [x, b, e, s], ys)
    elif op == "SPLIT":
        ys = [t(f"y{i}", (1, 4, 5, 1)) for i in range(3)]
        mb.op(op, [mb.const("axis", np.array(3, np.int32)), x], ys, num_splits=3)
    elif op == "PACK":
        ys = [t("y", (1, 4, 2, 5, 3))]
        mb.op(op, [x, mb.input("x2", (1, 4, 5, 3), "int16", 0.001, 0)], ys, values_count=2, axis=2)
    elif op == "UNPACK":
        ys = [t(f"y{i}", (1, 4, 3)) for i in range(5)]
        mb.op(op, [x], ys, num=5, axis=2)
    elif op == "SLICE":
        ys = [t("y", (1, 2, 3, 2))]
        mb.op(op, [x, mb.const("b", np.array([0, 1, 1, 0], np.int32)), mb.const("s", np.array([1, 2, 3, 2], np.int32))], ys)
    elif op == "SPLIT_V":
        ys = [t("y0", (1, 4, 2, 3)), t("y1", (1, 4, 3, 3))]
        mb.op(op, [x, mb.const("sizes", np.array([2, -1], np.int32)), mb.const("axis", np.array(2, np.int32))], ys,
              num_splits=2)
    elif op == "SQUEEZE":
        ys = [t("y", (4, 5, 3))]
        mb.op(op, [x], ys, squeeze_dims=[0])
    elif op == "EXPAND_DIMS":
        ys = [t("y", (1, 4, 1, 5, 3))]
        mb.op(op, [x, mb.const("axis", np.array([2], np.int32))], ys)
    else:  # RESIZE_NEAREST_NEIGHBOR
        ys = [t("y", (1, 7, 11, 3))]
        mb.op(op, [x, mb.const("size", np.array([7, 11], np.int32))], ys, half_pixel_centers=True)
    mb.outputs(*ys)
    return mb.finish()


@pytest.mark.parametrize("op", ["STRIDED_SLICE", "SLICE", "SPLIT", "SPLIT_V", "PACK", "UNPACK", "SQUEEZE", "EXPAND_DIMS",
                                "RESIZE_NEAREST_NEIGHBOR"])
def test_data_movement_s16(op, tmp_path):
    check(_movement(op), tmp_path, op, n_inputs=1)


# ---- ops TFLM runs only on int8 (and float): refused, and TFLM indeed fails on them -----------------

def _int8_only(op: str) -> bytes:
    mb = mg.ModelBuilder(f"{op.lower()} int16")
    x = mb.input("x", (1, 4, 4, 12), "int16", 0.001, 0)
    if op in ("REDUCE_MAX", "REDUCE_MIN"):
        y = mb.tensor("y", (1, 1, 1, 12), "int16", 0.001, 0)
        mb.op(op, [x, mb.const("axis", np.array([1, 2], np.int32))], [y], keep_dims=True)
    elif op == "MIRROR_PAD":
        y = mb.tensor("y", (1, 6, 5, 12), "int16", 0.001, 0)
        mb.op(op, [x, mb.const("pads", np.array([[0, 0], [1, 1], [1, 0], [0, 0]], np.int32))], [y], mode="REFLECT")
    elif op in ("ARG_MAX", "ARG_MIN"):
        y = mb.tensor("y", (1, 4, 4), "int32")
        mb.op(op, [x, mb.const("axis", np.array([3], np.int32))], [y], output_type=2)
    elif op == "RESIZE_BILINEAR":
        y = mb.tensor("y", (1, 8, 8, 12), "int16", 0.001, 0)
        mb.op(op, [x, mb.const("size", np.array([8, 8], np.int32))], [y])
    elif op in ("DEPTH_TO_SPACE", "SPACE_TO_DEPTH"):
        y = mb.tensor("y", (1, 8, 8, 3) if op == "DEPTH_TO_SPACE" else (1, 2, 2, 48), "int16", 0.001, 0)
        mb.op(op, [x], [y], block_size=2)
    else:  # HARD_SWISH, ELU, LOG_SOFTMAX
        y = mb.tensor("y", (1, 4, 4, 12), "int16", 16 / 32768 if op == "LOG_SOFTMAX" else 0.001, 0)
        mb.op(op, [x], [y])
    mb.outputs(y)
    return mb.finish()


INT8_ONLY = ["REDUCE_MAX", "REDUCE_MIN", "MIRROR_PAD", "HARD_SWISH", "ELU", "ARG_MAX", "ARG_MIN", "RESIZE_BILINEAR",
             "LOG_SOFTMAX", "DEPTH_TO_SPACE", "SPACE_TO_DEPTH"]


@pytest.mark.parametrize("op", INT8_ONLY)
def test_int8_only_ops_refuse_int16(op):
    model = _int8_only(op)
    with pytest.raises(MicroforgeError) as ei:
        compile_model(model)
    for fragment in (f"op 0 ({op})", "int16", f"TFLM has no int16 kernel for {op}"):
        assert fragment in ei.value.message, (fragment, ei.value.message)
    with pytest.raises(Exception):  # the claim holds: TFLM's kernel rejects the same model (at allocation or invoke)
        oracle = Oracle(model)
        oracle.run(random_inputs(oracle, np.random.default_rng(0)))
