"""Bit-exactness of ARG_MAX, ARG_MIN, ELU, PRELU, LOG_SOFTMAX, SHAPE, RESIZE_BILINEAR (int8) vs TFLM, byte for byte.

What the oracle (tflite_micro's reference kernels) cannot run, and microforge therefore refuses with a
MicroforgeError (tested below against TFLM's own refusal): int64 outputs of ARG_MAX/ARG_MIN/SHAPE, int64
axes, RESIZE_BILINEAR with both align_corners and half_pixel_centers. RESIZE_BILINEAR at extreme upsampling
ratios (e.g. 1 -> 55 rows) makes TFLM's fixed-point source row run past the input (an out-of-bounds read,
undefined), so microforge refuses those too; that case has no oracle.
"""
from __future__ import annotations

import numpy as np
import pytest
from helpers import Oracle, seed_of
from test_inplace import _overlapping_pairs
from test_ops import _ids, check_against_oracle
from test_ops_more import _model

from microforge import modelgen as mg
from microforge.driver import compile_model
from microforge.errors import MicroforgeError
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

CHANNELS = (1, 3, 5, 7, 13)


def _every_int8(shape) -> list[np.ndarray]:
    return [np.resize(np.arange(-128, 128, dtype=np.int8), shape)]


def _ties(shape, seed) -> list[np.ndarray]:
    """Few distinct values: many ties, which the first index must win."""
    return [np.random.default_rng(seed).integers(-1, 2, shape).astype(np.int8)]


# --------------------------------------------------------------------------------- ARG_MAX, ARG_MIN
ARG = [(k, (1, 4, 5, 7), a) for k in ("MAX", "MIN") for a in (0, 1, 2, 3, -1, -3)]
ARG += [(k, (1, 3, 3, c), -1) for k in ("MAX", "MIN") for c in CHANNELS]
ARG += [("MAX", (13,), 0), ("MIN", (3, 5, 2), 1), ("MAX", (2, 3, 4, 5, 6), 2), ("MIN", (1, 1, 1, 1), 3), ("MAX", (300,), 0)]


@pytest.mark.parametrize("case", ARG, ids=_ids(ARG))
def test_arg_min_max(case, tmp_path):
    kind, shape, axis = case
    model = mg.arg_min_max_model(kind, shape, axis, 0.07, 5)
    check_against_oracle(model, tmp_path, seed_of("arg-in", case), extra_inputs=[_ties(shape, seed_of("arg-ties", case))])


# ----------------------------------------------------------------------------------------------- ELU
ELU_Q = [(0.05, 10, 0.04, 30), (0.1, 0, 0.1, 0), (0.02, 127, 0.3, -128), (1.0, -128, 0.01, 0),
         (0.0078, 3, 0.05, -100), (0.5, -5, 0.0039, 127), (0.003, -128, 0.003, -128), (2.0, 0, 1.0, -127),
         # input -1 dequantises to a float whose glibc expf is 1 ulp off float32(exp(double)), which moves
         # the output across a rounding tie: the table must use the C library's expf as TFLM does
         (float.fromhex("0x1.9424fcp-14"), 0, 6.423393642762676e-05, 0)]


@pytest.mark.parametrize("q", ELU_Q, ids=_ids(ELU_Q))
def test_elu(q, tmp_path):
    s_in, z_in, s_out, z_out = q
    shape = (2, 3, 5, 9)
    check_against_oracle(mg.elu_model(shape, s_in, z_in, s_out, z_out), tmp_path, seed_of("elu-in", q),
                         extra_inputs=[_every_int8(shape)])


# --------------------------------------------------------------------------------------------- PRELU
# (input shape, alpha shape, (in scale, in zp, alpha scale, alpha zp, out scale, out zp))
PQ = [(0.05, 4, 0.004, -20, 0.04, -10), (0.02, -128, 0.01, 0, 0.02, -128), (0.1, 127, 0.5, 100, 0.3, 0),
      (1.0, 0, 0.0001, -128, 0.05, 3)]
PRELU = [((1, 4, 4, c), (1, 1, c), PQ[0]) for c in CHANNELS]
PRELU += [((1, 3, 5, 7), a, q) for a in [(7,), (1, 3, 5, 7), (3, 1, 1), (1, 1, 1)] for q in PQ[:2]]
PRELU += [((2, 3, 4), (3, 4), q) for q in PQ[1:]]
PRELU += [((1, 2, 3, 4, 5), (1, 3, 1, 5), PQ[0]), ((13,), (13,), PQ[3])]


@pytest.mark.parametrize("case", PRELU, ids=_ids(PRELU))
def test_prelu(case, tmp_path):
    shape, alpha_shape, (si, zi, sa, za, so, zo) = case
    model = mg.prelu_model(seed_of("prelu", case), shape, alpha_shape, si, zi, sa, za, so, zo)
    check_against_oracle(model, tmp_path, seed_of("prelu-in", case), extra_inputs=[_every_int8(shape)])


def test_prelu_alpha_as_activation(tmp_path):
    """alpha as a second model input (not a constant) uses the same kernel."""
    model = _model("PRELU", [((1, 3, 4, 5), 0.05, 3), ((1, 1, 5), 0.01, -7)], [((1, 3, 4, 5), 0.03, 11)])
    check_against_oracle(model, tmp_path, seed_of("prelu-act"))


# ---------------------------------------------------------------------------------------- LOG_SOFTMAX
LOGSM = [((1, c), 0.1, 0) for c in CHANNELS]
LOGSM += [((2, 10), s, z) for s, z in [(0.001, 0), (0.02, -128), (0.25, 127), (1.0, 5), (4.0, -3), (20.0, 0)]]
LOGSM += [((1, 1, 1, 7), 0.05, 9), ((3, 1), 0.1, 0), ((1, 1000), 0.05, -20), ((4, 255), 0.3, 1), ((2, 3, 4, 13), 0.07, 0),
          ((64, 37), 0.05, 0), ((40, 100), 0.5, -9), ((50, 6), 0.02, 3)]  # many rows: many sums through the fixed-point log


@pytest.mark.parametrize("case", LOGSM, ids=_ids(LOGSM))
def test_log_softmax(case, tmp_path):
    shape, s, z = case
    peaked = np.full(shape, -128, np.int8)
    peaked.reshape(-1, shape[-1])[:, 0] = 127  # one dominant value per row: the sum of exps is ~1
    check_against_oracle(mg.log_softmax_model(shape, s, z), tmp_path, seed_of("logsm-in", case),
                         extra_inputs=[_every_int8(shape), [peaked], [np.zeros(shape, np.int8)]])


# ---------------------------------------------------------------------------------------------- SHAPE
SHAPES = [(7,), (2, 9), (1, 4, 5, 3), (2, 1, 3, 1, 5), (1, 1, 1, 1, 1, 1)]


@pytest.mark.parametrize("shape", SHAPES, ids=_ids([(s,) for s in SHAPES]))
def test_shape(shape, tmp_path):
    check_against_oracle(mg.shape_model(shape), tmp_path, seed_of("shape-in", shape))


# ------------------------------------------------------------------------------------ RESIZE_BILINEAR
RESIZE = [((1, 4, 4, 3), (8, 8), ac, hp) for ac, hp in [(False, False), (True, False), (False, True)]]
RESIZE += [((1, 5, 3, c), (7, 11), ac, hp) for c in CHANNELS for ac, hp in [(False, False), (True, False), (False, True)]]
RESIZE += [((2, 6, 6, 1), (4, 3), False, True), ((2, 6, 6, 2), (4, 3), True, False), ((1, 9, 7, 3), (2, 5), False, False),
           ((1, 3, 5, 4), (1, 1), True, False), ((1, 3, 5, 4), (1, 1), False, True), ((1, 3, 5, 4), (3, 13), False, True),
           ((1, 1, 1, 5), (6, 4), False, True), ((1, 1, 1, 5), (6, 4), True, False), ((1, 4, 4, 2), (4, 4), False, False),
           ((1, 2, 2, 3), (30, 17), False, False), ((1, 2, 3, 3), (33, 40), False, True)]


@pytest.mark.parametrize("case", RESIZE, ids=_ids(RESIZE))
def test_resize_bilinear(case, tmp_path):
    shape, size, ac, hp = case
    model = mg.resize_bilinear_model(shape, size, ac, hp, 0.1, -4)
    check_against_oracle(model, tmp_path, seed_of("resize-bl-in", case), extra_inputs=[_every_int8(shape)])


# ----------------------------------------------------------------------- what TFLM rejects, refused here
def _options(cls, **fields):
    o = getattr(schema, cls)()
    for k, v in fields.items():
        setattr(o, k, v)
    return o


REJECTED = {
    "arg-max-int64-output": lambda: _model("ARG_MAX", [((2, 5), 0.1, 0)], [((2,), None, None, "int64")],
                                           consts=[np.array([1], np.int32)],
                                           options=_options("ArgMaxOptionsT", outputType=schema.TensorType.INT64)),
    "arg-min-int64-axis": lambda: _model("ARG_MIN", [((2, 5), 0.1, 0)], [((2,), None, None, "int32")],
                                         consts=[np.array([1], np.int64)]),
    "shape-int64": lambda: _model("SHAPE", [((2, 5), 0.1, 0)], [((2,), None, None, "int64")],
                                  options=_options("ShapeOptionsT", outType=schema.TensorType.INT64)),
    "resize-both-flags": lambda: _model("RESIZE_BILINEAR", [((1, 2, 2, 3), 0.1, 0)], [((1, 4, 4, 3), 0.1, 0)],
                                        consts=[np.array([4, 4], np.int32)], align_corners=True, half_pixel_centers=True),
    "log-softmax-out-quant": lambda: _model("LOG_SOFTMAX", [((1, 8), 0.1, 0)], [((1, 8), 1 / 16, 0)]),
}


@pytest.mark.parametrize("name", sorted(REJECTED))
def test_tflm_rejects_and_so_do_we(name):
    model = REJECTED[name]()
    with pytest.raises(Exception):  # TFLM fails at load or at the first Invoke
        o = Oracle(model)
        o.run([np.zeros(tuple(int(s) for s in d["shape"]), d["dtype"]) for d in o.inputs])
    with pytest.raises(MicroforgeError):
        compile_model(model, target="host")


def test_resize_bilinear_past_the_input_is_refused():
    with pytest.raises(MicroforgeError, match="runs past the input"):
        compile_model(mg.resize_bilinear_model((1, 1, 1, 2), (55, 3)), target="host")


# ------------------------------------------------------------------- in place: output over the dying input
INPLACE = {
    "prelu": lambda: mg.prelu_model(3, (1, 5, 7, 13), (1, 1, 13)),
    "log_softmax": lambda: mg.log_softmax_model((4, 33), 0.05, 2),
    "elu": lambda: mg.elu_model((1, 7, 13)),
}


@pytest.mark.parametrize("case", sorted(INPLACE))
def test_inplace_matches_tflm(case, tmp_path):
    model = INPLACE[case]()
    cm = compile_model(model, target="host")
    pairs = _overlapping_pairs(cm)
    assert pairs, f"{case}: the plan did not overlap the output with its input"
    assert all(diff >= lead for _, _, diff, lead in pairs)
    check_against_oracle(model, tmp_path, seed_of("inplace-new", case))


def test_log_softmax_rows_longer_than_the_q12_sum_are_refused(tmp_path):
    check_against_oracle(mg.log_softmax_model((1, 4095), 0.05, 0), tmp_path, seed_of("logsm-4095"),
                         extra_inputs=[[np.zeros((1, 4095), np.int8)]])
    with pytest.raises(MicroforgeError, match="Q12.19"):
        compile_model(mg.log_softmax_model((1, 4096), 0.05, 0), target="host")
