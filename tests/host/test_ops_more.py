"""Per-op bit-exactness for the broader op set: single-op models compiled for the host vs TFLM, byte for byte.

Not tested because the oracle cannot run them: RELU_N1_TO_1 as an operator (not registered in tflite_micro:
refused by name, see test_relu_n1_to_1_op_refused; as a fused activation it is tested), STRIDED_SLICE above rank 4 (TFLM kMaxDim = 4), CONCATENATION/elementwise ops with fused
activations TFLM rejects.
"""
from __future__ import annotations

import numpy as np
import pytest
from helpers import seed_of
from test_ops import _ids, check_against_oracle

from microforge import modelgen as mg


def _model(name, in_specs, out_specs, consts=(), **options) -> bytes:
    """One `name` op: in_specs/out_specs are (shape, scale, zp[, dtype]); consts are arrays appended as inputs."""
    mb = mg.ModelBuilder(name.lower())
    ins = []
    for k, spec in enumerate(in_specs):
        shape, scale, zp, *dt = spec
        ins.append(mb.input(f"in{k}", shape, dt[0] if dt else "int8", scale, zp))
    order = options.pop("order", None)
    cs = [mb.const(f"c{k}", np.asarray(c)) for k, c in enumerate(consts)]
    args = [(ins + cs)[i] for i in order] if order else ins + cs
    outs = []
    for k, spec in enumerate(out_specs):
        shape, scale, zp, *dt = spec
        outs.append(mb.tensor(f"out{k}", shape, dt[0] if dt else "int8", scale, zp))
    mb.op(name, args, outs, **options)
    mb.outputs(*outs)
    return mb.finish()


def _every_int8(shape) -> list[np.ndarray]:
    return [np.resize(np.arange(-128, 128, dtype=np.int8), shape)]


def test_relu_n1_to_1_op_refused():
    """TFLM registers no RELU_N1_TO_1 kernel, so there is no reference: microforge refuses the op by name."""
    import tflite_micro

    from microforge.driver import compile_model
    from microforge.errors import MicroforgeError

    model = _model("RELU_N1_TO_1", [((1, 4, 4, 3), 0.02, 0)], [((1, 4, 4, 3), 0.02, 0)])
    with pytest.raises(MicroforgeError) as ei:
        compile_model(model)
    assert "RELU_N1_TO_1" in ei.value.message and "not supported" in ei.value.message, ei.value.message
    assert "tflite_micro has no kernel for it" in ei.value.message, ei.value.message
    with pytest.raises(Exception):  # the reason holds: tflite_micro cannot run it either
        it = tflite_micro.runtime.Interpreter.from_bytes(model, arena_size=1 << 16)
        it.set_input(np.zeros((1, 4, 4, 3), np.int8), 0)
        it.invoke()


# ------------------------------------------------------------- SUB, MUL, SQUARED_DIFFERENCE, MINIMUM, MAXIMUM
SHAPES = [((1, 4, 4, 8), (1, 4, 4, 8)), ((1, 4, 4, 8), (1, 1, 1, 8)), ((1, 1, 1, 8), (1, 4, 4, 8)),
          ((1, 4, 4, 5), (5,)), ((2, 3, 1, 5), (1, 1, 4, 1)), ((3, 1), (1, 4)), ((1, 4, 4, 3), ()),
          ((1, 2, 3, 4, 5), (1, 2, 1, 4, 1)), ((13,), (13,))]
QUANTS = [((0.05, 0.03, 0.07), (-5, 10, 3)), ((0.02, 0.02, 0.02), (0, 0, 0)), ((1.0, 0.001, 0.5), (-128, 127, -20)),
          ((0.003, 0.1, 0.02), (50, -50, 127))]
BINARY = [(op, s1, s2, q, "NONE") for op in ["SUB", "MUL", "SQUARED_DIFFERENCE", "MINIMUM", "MAXIMUM"]
          for s1, s2 in SHAPES for q in QUANTS[:1]]
BINARY += [(op, (1, 3, 3, 7), (1, 3, 3, 7), q, "NONE") for op in ["SUB", "MUL", "SQUARED_DIFFERENCE", "MINIMUM"]
           for q in QUANTS[1:]]
BINARY += [(op, (1, 3, 3, 7), (1, 1, 1, 7), QUANTS[0], act) for op in ["SUB", "MUL"]
           for act in ["RELU", "RELU6", "RELU_N1_TO_1"]]


@pytest.mark.parametrize("case", BINARY, ids=_ids(BINARY))
def test_binary(case, tmp_path):
    op, s1, s2, (scales, zps), act = case
    if op == "SQUARED_DIFFERENCE":
        scales = (scales[0], scales[1], scales[2] * 20)  # the square needs a coarser output scale
    out = tuple(np.broadcast_shapes(s1, s2))
    kw = {"fused_activation": act} if op in ("SUB", "MUL") else {}
    model = _model(op, [(s1, scales[0], zps[0]), (s2, scales[1], zps[1])], [(out, scales[2], zps[2])], **kw)
    check_against_oracle(model, tmp_path, seed_of("binary-in", case))


# ------------------------------------------------------- RELU, RELU6, LEAKY_RELU, HARD_SWISH, LOGISTIC, TANH
UNARY_Q = [(0.05, -5, 0.04, 10), (0.1, 0, 0.1, 0), (0.02, 127, 0.3, -128), (1.0, -128, 0.01, 0), (0.0078, 3, 0.05, -100)]
UNARY = [(op, q) for op in ["RELU", "RELU6", "LEAKY_RELU", "HARD_SWISH", "LOGISTIC", "TANH"] for q in UNARY_Q]
UNARY += [("LEAKY_RELU", (0.05, 4, 0.03, -9), a) for a in (0.01, 0.3, -0.5, 1.5)]


@pytest.mark.parametrize("case", UNARY, ids=_ids(UNARY))
def test_unary(case, tmp_path):
    op, (s_in, z_in, s_out, z_out), *alpha = case
    if op == "LOGISTIC":
        s_out, z_out = 1 / 256, -128
    if op == "TANH":
        s_out, z_out = 1 / 128, 0
    if op == "HARD_SWISH":
        s_out = max(s_out, s_in / 100)
    kw = {"alpha": alpha[0] if alpha else 0.2} if op == "LEAKY_RELU" else {}
    shape = (2, 3, 5, 9)
    model = _model(op, [(shape, s_in, z_in)], [(shape, s_out, z_out)], **kw)
    check_against_oracle(model, tmp_path, seed_of("unary-in", case), extra_inputs=[_every_int8(shape)])


# ------------------------------------------------------------------------- CONCATENATION, PACK
CONCAT = [([(1, 4, 4, 3), (1, 4, 4, 5)], 3), ([(1, 2, 4, 3), (1, 3, 4, 3), (1, 1, 4, 3)], 1),
          ([(2, 3), (2, 3)], 0), ([(2, 3), (2, 7)], -1), ([(1, 4, 4, 1)] * 4, 3), ([(5,), (1,), (13,)], 0)]


@pytest.mark.parametrize("case", CONCAT, ids=_ids(CONCAT))
def test_concatenation(case, tmp_path):
    shapes, axis = case
    out = list(shapes[0])
    out[axis] = sum(s[axis] for s in shapes)
    model = _model("CONCATENATION", [(s, 0.05, -3) for s in shapes], [(tuple(out), 0.05, -3)], axis=axis)
    check_against_oracle(model, tmp_path, seed_of("concat-in", case))


PACK = [((1, 4, 3), 3, 0), ((1, 4, 3), 2, 1), ((1, 4, 3), 4, 3), ((5,), 3, -1), ((2, 3), 2, -2)]


@pytest.mark.parametrize("case", PACK, ids=_ids(PACK))
def test_pack(case, tmp_path):
    shape, n, axis = case
    ax = axis % (len(shape) + 1)
    out = tuple(shape[:ax]) + (n,) + tuple(shape[ax:])
    model = _model("PACK", [(shape, 0.05, -3)] * n, [(out, 0.05, -3)], axis=axis, values_count=n)
    check_against_oracle(model, tmp_path, seed_of("pack-in", case))


# ------------------------------------------------------------------------------ SPLIT, SPLIT_V, UNPACK
SPLIT = [((1, 4, 6, 8), 3, 2), ((1, 4, 6, 8), 1, 4), ((6, 5), 0, 3), ((2, 9), -1, 3), ((1, 2, 2, 4), 3, 1)]


@pytest.mark.parametrize("case", SPLIT, ids=_ids(SPLIT))
def test_split(case, tmp_path):
    shape, axis, n = case
    out = list(shape)
    out[axis] //= n
    model = _model("SPLIT", [(shape, 0.1, 2)], [(tuple(out), 0.1, 2) for _ in range(n)], consts=[np.array(axis, np.int32)], order=[1, 0],
                   num_splits=n)
    check_against_oracle(model, tmp_path, seed_of("split-in", case))


SPLIT_V = [((1, 4, 6, 8), 3, (2, 5, 1)), ((1, 4, 6, 8), 2, (1, -1)), ((7, 3), 0, (3, 1, 3)), ((2, 9), -1, (9,))]


@pytest.mark.parametrize("case", SPLIT_V, ids=_ids(SPLIT_V))
def test_split_v(case, tmp_path):
    shape, axis, sizes = case
    d = shape[axis]
    real = [d - sum(s for s in sizes if s != -1) if s == -1 else s for s in sizes]
    outs = []
    for n in real:
        o = list(shape)
        o[axis] = n
        outs.append((tuple(o), 0.1, 2))
    model = _model("SPLIT_V", [(shape, 0.1, 2)], outs, consts=[np.array(sizes, np.int32), np.array(axis, np.int32)],
                   num_splits=len(sizes))
    check_against_oracle(model, tmp_path, seed_of("splitv-in", case))


UNPACK = [((3, 4, 2), 0), ((3, 4, 2), 1), ((3, 4, 2), -1), ((1, 5), 1)]


@pytest.mark.parametrize("case", UNPACK, ids=_ids(UNPACK))
def test_unpack(case, tmp_path):
    shape, axis = case
    ax = axis % len(shape)
    out = tuple(d for k, d in enumerate(shape) if k != ax)
    model = _model("UNPACK", [(shape, 0.1, 2)], [(out, 0.1, 2) for _ in range(shape[ax])],
                   axis=axis, num=shape[ax])
    check_against_oracle(model, tmp_path, seed_of("unpack-in", case))


# ------------------------------------------------------------------------- SQUEEZE, EXPAND_DIMS
def test_squeeze_and_expand_dims(tmp_path):
    model = _model("SQUEEZE", [((1, 1, 1, 16), 0.1, 3)], [((1, 16), 0.1, 3)], squeeze_dims=[1, 2])
    check_against_oracle(model, tmp_path, seed_of("squeeze"))
    model = _model("EXPAND_DIMS", [((4, 16), 0.1, 3)], [((4, 1, 16), 0.1, 3)], consts=[np.array([1], np.int32)])
    check_against_oracle(model, tmp_path / "e", seed_of("expand"))


# --------------------------------------------------------------------------------- TRANSPOSE
TRANSPOSE = [((1, 4, 5, 3), (0, 3, 1, 2)), ((1, 4, 5, 3), (0, 2, 1, 3)), ((2, 3), (1, 0)), ((2, 3, 4), (2, 0, 1)),
             ((2, 1, 3, 2, 2), (4, 3, 2, 1, 0)), ((7,), (0,)), ((1, 2, 3, 2, 2), (3, 1, 4, 0, 2))]


@pytest.mark.parametrize("case", TRANSPOSE, ids=_ids(TRANSPOSE))
def test_transpose(case, tmp_path):
    shape, perm = case
    out = tuple(shape[p] for p in perm)
    model = _model("TRANSPOSE", [(shape, 0.1, -7)], [(out, 0.1, -7)], consts=[np.array(perm, np.int32)])
    check_against_oracle(model, tmp_path, seed_of("transpose-in", case))


# ------------------------------------------------------------------------- SLICE, STRIDED_SLICE
SLICE = [((1, 6, 6, 4), (0, 1, 2, 0), (1, 3, 3, 4)), ((1, 6, 6, 4), (0, 0, 0, 1), (-1, -1, -1, 2)), ((5, 7), (2, 3), (3, 4)),
         ((9,), (4,), (-1,)), ((2, 3, 4, 5, 6), (1, 0, 1, 2, 3), (1, 3, 2, 2, 3))]


@pytest.mark.parametrize("case", SLICE, ids=_ids(SLICE))
def test_slice(case, tmp_path):
    shape, begin, size = case
    out = tuple(d - b if n == -1 else n for d, b, n in zip(shape, begin, size))
    model = _model("SLICE", [(shape, 0.1, -7)], [(out, 0.1, -7)],
                   consts=[np.array(begin, np.int32), np.array(size, np.int32)])
    check_against_oracle(model, tmp_path, seed_of("slice-in", case))


# (shape, begin, end, strides, begin_mask, end_mask, shrink_mask)
STRIDED = [((1, 8, 8, 4), (0, 1, 0, 0), (1, 7, 8, 4), (1, 2, 3, 1), 0, 0, 0),
           ((1, 8, 8, 4), (0, -1, 0, 3), (1, 0, 8, 0), (1, -1, 1, -1), 0b0001, 0b0100, 0),
           ((1, 8, 8, 4), (0, 2, 0, 1), (1, 3, 8, 4), (1, 1, 1, 2), 0, 0, 0b0011),
           ((5, 6), (-3, 1), (100, -1), (1, 2), 0, 0, 0), ((5, 6), (0, 0), (0, 0), (2, -2), 0b11, 0b11, 0),
           ((10,), (9,), (-11,), (-3,), 0, 0, 0), ((3, 4, 5), (1, 0, 0), (2, 4, 5), (1, 1, 1), 0, 0, 0b001)]


def _strided_shape(shape, begin, end, strides, bm, em, sm):
    out = []
    for k, d in enumerate(shape):
        sl = slice(None if bm >> k & 1 else begin[k], None if em >> k & 1 else end[k], strides[k])
        n = len(range(*sl.indices(d)))
        if not sm >> k & 1:
            out.append(n)
    return tuple(out)


@pytest.mark.parametrize("case", STRIDED, ids=_ids(STRIDED))
def test_strided_slice(case, tmp_path):
    shape, begin, end, strides, bm, em, sm = case
    out = _strided_shape(*case)
    model = _model("STRIDED_SLICE", [(shape, 0.1, -7)], [(out, 0.1, -7)],
                   consts=[np.array(v, np.int32) for v in (begin, end, strides)],
                   begin_mask=bm, end_mask=em, shrink_axis_mask=sm)
    check_against_oracle(model, tmp_path, seed_of("strided-in", case))


# ------------------------------------------------------------------ DEPTH_TO_SPACE, SPACE_TO_DEPTH
D2S = [("DEPTH_TO_SPACE", (1, 3, 4, 8), 2), ("DEPTH_TO_SPACE", (2, 2, 2, 27), 3), ("DEPTH_TO_SPACE", (1, 2, 3, 5), 1),
       ("SPACE_TO_DEPTH", (1, 4, 6, 3), 2), ("SPACE_TO_DEPTH", (2, 6, 3, 2), 3)]


@pytest.mark.parametrize("case", D2S, ids=_ids(D2S))
def test_depth_space(case, tmp_path):
    op, (n, h, w, c), bs = case
    out = (n, h * bs, w * bs, c // (bs * bs)) if op == "DEPTH_TO_SPACE" else (n, h // bs, w // bs, c * bs * bs)
    model = _model(op, [((n, h, w, c), 0.1, 1)], [(out, 0.1, 1)], block_size=bs)
    check_against_oracle(model, tmp_path, seed_of("d2s-in", case))


# -------------------------------------------------------------------------------------- MIRROR_PAD
MIRROR = [((1, 5, 5, 3), ((0, 0), (2, 2), (1, 3), (0, 0)), m) for m in ("REFLECT", "SYMMETRIC")]
MIRROR += [((4, 6), ((3, 0), (0, 5)), "REFLECT"), ((4, 6), ((4, 1), (6, 6)), "SYMMETRIC"), ((3,), ((2, 2),), "REFLECT")]


@pytest.mark.parametrize("case", MIRROR, ids=_ids(MIRROR))
def test_mirror_pad(case, tmp_path):
    shape, pads, mode = case
    out = tuple(d + a + b for d, (a, b) in zip(shape, pads))
    model = _model("MIRROR_PAD", [(shape, 0.1, 1)], [(out, 0.1, 1)], consts=[np.array(pads, np.int32)], mode=mode)
    check_against_oracle(model, tmp_path, seed_of("mirror-in", case))


# ------------------------------------------------------------------------ RESIZE_NEAREST_NEIGHBOR
RESIZE = [((1, 4, 4, 3), (8, 8), ac, hp) for ac, hp in [(False, False), (True, False), (False, True)]]
RESIZE += [((1, 5, 3, 2), (7, 11), False, False), ((1, 5, 3, 2), (7, 11), True, False), ((2, 6, 6, 1), (4, 3), False, True),
           ((1, 3, 5, 4), (1, 1), True, False), ((1, 3, 5, 4), (3, 13), False, True)]


@pytest.mark.parametrize("case", RESIZE, ids=_ids(RESIZE))
def test_resize_nearest(case, tmp_path):
    shape, size, ac, hp = case
    out = (shape[0], *size, shape[3])
    model = _model("RESIZE_NEAREST_NEIGHBOR", [(shape, 0.1, 1)], [(out, 0.1, 1)], consts=[np.array(size, np.int32)],
                   align_corners=ac, half_pixel_centers=hp)
    check_against_oracle(model, tmp_path, seed_of("resize-nn-in", case))


# ------------------------------------------------------------------------- SUM, REDUCE_MAX, REDUCE_MIN
REDUCE = [(op, (1, 6, 5, 8), axes, keep) for op in ["SUM", "REDUCE_MAX", "REDUCE_MIN"]
          for axes, keep in [((1, 2), True), ((1, 2), False), ((3,), False), ((-1,), True), ((0, 1, 2, 3), False)]]
REDUCE += [("SUM", (2, 5, 7), (1,), False), ("REDUCE_MAX", (1, 2, 3, 4, 5), (1, 3), False)]


@pytest.mark.parametrize("case", REDUCE, ids=_ids(REDUCE))
def test_reduce(case, tmp_path):
    op, shape, axes, keep = case
    ax = sorted({a % len(shape) for a in axes})
    out = tuple(1 if k in ax else d for k, d in enumerate(shape)) if keep else \
        tuple(d for k, d in enumerate(shape) if k not in ax)
    out_scale = 0.04 * 3 if op == "SUM" else 0.04
    model = _model(op, [(shape, 0.04, -10)], [(out, out_scale, 5 if op == "SUM" else -10)],
                   consts=[np.array(axes, np.int32)], keep_dims=keep)
    check_against_oracle(model, tmp_path, seed_of("reduce-in", case))
