"""Shape-only subgraphs (Keras' dynamic reshape: SHAPE -> STRIDED_SLICE -> PACK / CONCATENATION -> RESHAPE) are
folded into a constant shape at compile time: the ops are gone, the values are TFLM's, the outputs are TFLM's."""
from __future__ import annotations

import numpy as np
import pytest
from helpers import Oracle, random_inputs, seed_of
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from microforge.debug import expose_intermediates, run_tflm, verify
from microforge.driver import compile_model
from microforge.ir import OpType
from microforge.modelgen import dynamic_reshape_model
from microforge.toolchain.host import build_host

CASES = [(join, shape, units) for join in ("PACK", "CONCATENATION")
         for shape, units in (((1, 4, 4, 6), 5), ((1, 13), 1), ((2, 3, 5), 7), ((3, 1, 7, 1), 3))]


def _tflm_values(data: bytes, xs) -> dict[str, np.ndarray]:
    """Every tensor TFLM computes, by name: the shape program's values as TFLM's kernels make them."""
    debug = expose_intermediates(data)
    sg = schema.ModelT.InitFromPackedBuf(debug, 0).subgraphs[0]
    return {sg.tensors[int(t)].name.decode(): y for t, y in zip(sg.outputs, run_tflm(debug, xs))}


@pytest.mark.parametrize("join, in_shape, units", CASES)
def test_dynamic_reshape_folds_and_matches_tflm(tmp_path, join, in_shape, units):
    data = dynamic_reshape_model(rng=seed_of("fold", join, in_shape), in_shape=in_shape, units=units, join=join)
    cm = compile_model(data)
    assert [op.type for op in cm.graph.ops] == [OpType.RESHAPE, OpType.FULLY_CONNECTED]
    new_shape = cm.graph.ops[0].inputs[1]
    assert new_shape.is_const
    oracle = Oracle(data)
    rng = np.random.default_rng(seed_of("fold-x", join, in_shape, units))
    xs = random_inputs(oracle, rng)
    assert new_shape.data.tobytes() == _tflm_values(data, xs)["new_shape"].tobytes() == np.int32([in_shape[0], -1]).tobytes()
    assert "mf_shape" not in cm.files["model.c"] and "mf_shape.h" not in cm.files
    hm = build_host(cm, tmp_path)
    for _ in range(3):
        xs = random_inputs(oracle, rng)
        assert [g.tobytes() for g in hm.run(xs)] == [w.tobytes() for w in oracle.run(xs)]


def test_exposed_shape_values_stay_computed_and_verify():
    """`verify` makes every layer an output: the shape program is not folded then, and matches TFLM per layer."""
    data = dynamic_reshape_model(join="PACK")
    cm = compile_model(expose_intermediates(data))
    assert [op.type for op in cm.graph.ops][:3] == [OpType.SHAPE, OpType.STRIDED_SLICE, OpType.PACK]
    r = verify(data, "host")
    assert r.identical and [d.op for d in r.layers] == ["SHAPE", "STRIDED_SLICE", "PACK", "RESHAPE", "FULLY_CONNECTED"]
    assert all(d.compared for d in r.layers)
