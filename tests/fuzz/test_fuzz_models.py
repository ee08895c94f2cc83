"""Fuzzing: mutated real and generated models either raise MicroforgeError or compile to code bit-exact with TFLM.

Fixed seeds keep CI deterministic; tools/fuzz.py runs the same mutators for as long as you like.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

import fuzzlib
from helpers import seed_of
from microforge.frontend.optable import OP_TABLE

# seeds per (model, mutator): cheap generated models get more, the 1.9 MB MobileNet fewer
SEEDS = {**{name: 12 for name in fuzzlib.GENERATED}, **{name: 10 for name in fuzzlib.SHARED_MODELS},
         "seed/mobilenetv2_0.30_80x80.tflite": 3}
_MODELS: dict[str, bytes | None] = {}


def model_bytes(name: str) -> bytes:
    if name not in _MODELS:
        _MODELS[name] = fuzzlib.load_model(name)
    if _MODELS[name] is None:
        pytest.skip(f"../shared/models/{name} not present (the shared models live next to the repository, "
                    "at <repo>/../shared/models; CI has them)")
    return _MODELS[name]


@pytest.mark.parametrize("kind", list(fuzzlib.MUTATORS))
@pytest.mark.parametrize("model", list(SEEDS))
def test_mutants_compile_or_raise_microforge_error(model, kind):
    data = model_bytes(model)
    outcomes = []
    for i in range(SEEDS[model]):
        seed = seed_of(model, kind, i)
        mutant = fuzzlib.mutate(kind, data, seed)
        try:
            outcomes.append(fuzzlib.compile_or_reject(mutant).outcome)
        except Exception as e:  # anything but MicroforgeError is a bug: say how to reproduce it
            raise AssertionError(f"{model} mutated by {kind} (seed {seed}) raised {type(e).__name__}: {e}\n"
                                 f"reproduce: fuzzlib.mutate({kind!r}, fuzzlib.load_model({model!r}), {seed})") from e
    assert len(outcomes) == SEEDS[model]


# Mutations that usually leave a valid model: build the first buildable one and compare with TFLM.
BUILD_CASES = [("example", "names"), ("example", "quant"), ("depthwise", "weights"), ("fc", "options"),
               ("mlperf_tiny/kws.tflite", "weights"), ("mlperf_tiny/ad.tflite", "bit_flips")]


@pytest.mark.parametrize("model, kind", BUILD_CASES)
def test_compiled_mutant_matches_tflm(model, kind, tmp_path):
    data = model_bytes(model)
    tried = []
    for i in range(30):
        seed = seed_of(model, kind, "build", i)
        mutant = fuzzlib.mutate(kind, data, seed)
        v = fuzzlib.compile_or_reject(mutant)
        if v.outcome != "compiled" or not fuzzlib.buildable(v.cm):
            continue
        v = fuzzlib.build_and_compare(mutant, v.cm, tmp_path / str(i), seed)  # raises on any difference
        if v.outcome == "match":
            return
        tried.append(f"seed {seed}: {v.detail}")
        if len(tried) >= 3:
            break
    # Seeds are fixed, so this is deterministic: a case that compares nothing must not pass silently.
    pytest.fail(f"no buildable mutant that TFLM accepts within 30 seeds, nothing was compared: {tried}")


# ---- hypothesis: arbitrary small models through the object API ----------------------------------

_TYPES = [schema.TensorType.INT8] * 6 + [schema.TensorType.INT32, schema.TensorType.FLOAT32, schema.TensorType.INT16,
                                         schema.TensorType.UINT8, schema.TensorType.BOOL, 99]
_CODES = sorted(OP_TABLE) + [schema.BuiltinOperator.LSTM, schema.BuiltinOperator.CUSTOM, schema.BuiltinOperator.WHILE]
_DIMS = st.sampled_from([1, 1, 2, 3, 4, 8, 0, -1, 1 << 20])
_SCALES = st.one_of(st.floats(1e-6, 10.0), st.sampled_from([0.0, -1.0, math.nan, math.inf, 1e-45, 3e38]))


@st.composite
def small_models(draw) -> bytes:
    n = draw(st.integers(1, 5))
    m = schema.ModelT()
    m.version = draw(st.sampled_from([3, 3, 3, 3, 2]))
    m.buffers = [schema.BufferT()]
    sg = schema.SubGraphT()
    sg.tensors = []
    for i in range(n):
        t = schema.TensorT()
        t.name = draw(st.text(max_size=12))
        t.type = draw(st.sampled_from(_TYPES))
        t.shape = np.array(draw(st.lists(_DIMS, max_size=5)), np.int32)
        if draw(st.booleans()):
            q = schema.QuantizationParametersT()
            k = draw(st.integers(0, 3))
            q.scale = np.array(draw(st.lists(_SCALES, min_size=k, max_size=k)), np.float32)
            q.zeroPoint = np.array(draw(st.lists(st.integers(-300, 300), min_size=k, max_size=draw(st.integers(k, k + 1)))),
                                   np.int64)
            q.quantizedDimension = draw(st.integers(0, 4))
            t.quantization = q
        if draw(st.integers(0, 3)) == 0:
            b = schema.BufferT()
            b.data = np.frombuffer(draw(st.binary(min_size=1, max_size=64)), np.uint8)
            m.buffers.append(b)
            t.buffer = len(m.buffers) - 1
        sg.tensors.append(t)
    idx = st.integers(-1, n)
    m.operatorCodes, sg.operators = [], []
    for _ in range(draw(st.integers(0, 3))):
        code = draw(st.sampled_from(_CODES))
        oc = schema.OperatorCodeT()
        oc.builtinCode, oc.deprecatedBuiltinCode = code, min(code, 127)
        m.operatorCodes.append(oc)
        op = schema.OperatorT()
        op.opcodeIndex = len(m.operatorCodes) - 1
        op.inputs = np.array(draw(st.lists(idx, max_size=4)), np.int32)
        op.outputs = np.array(draw(st.lists(idx, max_size=2)), np.int32)
        cls = OP_TABLE.get(code, (None, None, None))[2]
        if hasattr(cls, "Pack") and draw(st.booleans()):  # a real *OptionsT class, not a no-options marker
            opts = cls()
            for field, value in vars(opts).items():
                if isinstance(value, bool):
                    setattr(opts, field, draw(st.booleans()))
                elif isinstance(value, int):
                    setattr(opts, field, draw(st.integers(-1, 4)))
                elif isinstance(value, float):
                    setattr(opts, field, draw(st.sampled_from([1.0, 0.0, -1.0, math.nan])))
            op.builtinOptionsType = getattr(schema.BuiltinOptions, cls.__name__[:-1])
            op.builtinOptions = opts
        sg.operators.append(op)
    sg.inputs = np.array(draw(st.lists(idx, min_size=0, max_size=2)), np.int32)
    sg.outputs = np.array(draw(st.lists(idx, min_size=0, max_size=2)), np.int32)
    m.subgraphs = [sg]
    return fuzzlib.pack(m)


_FAST = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@_FAST
@given(small_models())
def test_hypothesis_small_models(data):
    fuzzlib.compile_or_reject(data)  # anything but MicroforgeError propagates and fails


@_FAST
@given(st.data())
def test_hypothesis_byte_edits_of_a_real_model(d):
    """Hypothesis picks positions and values to overwrite in the example model (or a cut point)."""
    data = bytearray(model_bytes("example"))
    for _ in range(d.draw(st.integers(1, 6))):
        pos = d.draw(st.integers(0, len(data) - 1))
        data[pos] = d.draw(st.integers(0, 255))
    cut = d.draw(st.integers(0, len(data)) | st.just(len(data)))
    fuzzlib.compile_or_reject(bytes(data[:cut]))


@_FAST
@given(st.binary(max_size=256))
def test_hypothesis_arbitrary_bytes_behind_a_tflite_header(tail):
    fuzzlib.compile_or_reject(b"\x10\x00\x00\x00TFL3" + tail)
