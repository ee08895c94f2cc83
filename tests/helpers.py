"""Test helpers: the TFLM oracle, deterministic seeds and random inputs, the shared models."""
from __future__ import annotations

import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
import tflite_micro
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared" / "models"

_ARENA_SIZES = (4 << 20, 32 << 20)


class Oracle:
    """A TFLM reference interpreter for one model, reusable across invocations."""

    def __init__(self, model_bytes: bytes):
        last: Exception | None = None
        for arena in _ARENA_SIZES:
            try:
                self._it = tflite_micro.runtime.Interpreter.from_bytes(
                    bytes(model_bytes), arena_size=arena)
                break
            except Exception as e:  # arena too small, or TFLM rejects the model
                last = e
        else:
            raise RuntimeError(f"TFLM could not load the model: {last}") from last
        sg = schema.Model.GetRootAs(model_bytes, 0).Subgraphs(0)
        self.inputs = [self._it.get_input_details(i) for i in range(sg.InputsLength())]
        self.outputs = [self._it.get_output_details(i) for i in range(sg.OutputsLength())]

    def run(self, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
        if len(inputs) != len(self.inputs):
            raise ValueError(f"model has {len(self.inputs)} inputs, got {len(inputs)}")
        for i, x in enumerate(inputs):
            self._it.set_input(np.asarray(x, order="C"), i)
        self._it.invoke()
        return [np.array(self._it.get_output(i), copy=True) for i in range(len(self.outputs))]


def oracle_run(model_bytes: bytes, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Run one inference of `model_bytes` in TFLM (reference kernels); return copies of outputs."""
    return Oracle(model_bytes).run(inputs)


def assert_same_outputs(got: Sequence[np.ndarray], want: Sequence[np.ndarray], what: str) -> None:
    """Every output byte-identical to TFLM's (same dtype and shape); on a difference, how many elements and the first."""
    assert len(got) == len(want), f"{what}: {len(got)} outputs vs TFLM's {len(want)}"
    for i, (g, w) in enumerate(zip(got, want)):
        assert g.dtype == w.dtype and g.shape == w.shape, f"{what}, output {i}: {g.dtype}{g.shape} vs {w.dtype}{w.shape}"
        if g.tobytes() != w.tobytes():
            bad = np.flatnonzero(g.reshape(-1).view(f"u{g.itemsize}") != w.reshape(-1).view(f"u{w.itemsize}"))
            pytest.fail(f"{what}, output {i}: {bad.size}/{g.size} elements differ; first at {bad[0]}: "
                        f"got {g.reshape(-1)[bad[0]]}, TFLM {w.reshape(-1)[bad[0]]}")


def seed_of(*params) -> int:
    """A stable 32-bit seed derived from test parameters (independent of PYTHONHASHSEED)."""
    return zlib.crc32(repr(params).encode())


def random_inputs(oracle: Oracle, rng: np.random.Generator) -> list[np.ndarray]:
    """One random input set for the model: uniform int8 over the full range, N(0, 4) floats."""
    xs = []
    for d in oracle.inputs:
        shape, dtype = tuple(int(s) for s in d["shape"]), np.dtype(d["dtype"])
        if np.issubdtype(dtype, np.integer):
            info = np.iinfo(dtype)
            xs.append(np.asarray(rng.integers(info.min, info.max, shape, endpoint=True, dtype=dtype)))
        else:
            xs.append(np.asarray(rng.standard_normal(shape) * 4, dtype=dtype))
    return xs


def shared_model(name: str) -> Path:
    """Path of ../shared/models/<name>; skips the test when it is not there."""
    path = SHARED / name
    if not path.is_file():
        pytest.skip(f"../shared/models not present: {path} is missing "
                    "(the shared models live next to the repository, at <repo>/../shared/models)")
    return path
