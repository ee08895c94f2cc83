"""QUANTIZE between uint8 and int8 (uint8-input detectors start with it): host build byte-identical to TFLM."""
from __future__ import annotations

import numpy as np
import pytest
from helpers import Oracle, random_inputs, seed_of

from microforge.driver import compile_model
from microforge.errors import MicroforgeError
from microforge.modelgen import ModelBuilder
from microforge.toolchain.host import build_host


def requantize_model(in_dtype: str, out_dtype: str, shape, in_q, out_q) -> bytes:
    """One QUANTIZE from `in_dtype` (scale, zp) to `out_dtype` (scale, zp)."""
    mb = ModelBuilder("requantize")
    x = mb.input("input", shape, in_dtype, *in_q)
    y = mb.tensor("output", shape, out_dtype, *out_q)
    mb.op("QUANTIZE", [x], [y])
    mb.outputs(y)
    return mb.finish()


# (in dtype, out dtype, shape, (in scale, zp), (out scale, zp)): the equal-scale +-128 shift TFLM
# special-cases, a real rescale, saturation both ways, odd sizes.
CASES = {
    "u8-s8-shift": ("uint8", "int8", (1, 7, 5, 3), (1 / 255, 128), (1 / 255, 0)),
    "u8-s8-image": ("uint8", "int8", (1, 12, 12, 3), (1 / 255, 0), (1 / 255, -128)),
    "u8-s8-rescale": ("uint8", "int8", (2, 13), (0.02, 100), (0.05, -7)),
    "u8-s8-saturate": ("uint8", "int8", (1, 37), (0.1, 3), (0.01, 5)),
    "s8-u8-shift": ("int8", "uint8", (1, 5, 5, 1), (0.03, -128), (0.03, 0)),
    "s8-u8-rescale": ("int8", "uint8", (3, 11), (0.04, 9), (0.015, 130)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_requantize_uint8_matches_tflm(name, tmp_path):
    model = requantize_model(*CASES[name])
    oracle = Oracle(model)
    hm = build_host(compile_model(model, target="host"), tmp_path)
    rng = np.random.default_rng(seed_of("requant-u8", name))
    for _ in range(3):
        xs = random_inputs(oracle, rng)
        got, want = hm.run([x.copy() for x in xs])[0], oracle.run(xs)[0]
        assert got.dtype == want.dtype and got.tobytes() == want.tobytes(), name


def test_uint8_to_uint8_is_refused_like_tflm():
    model = requantize_model("uint8", "uint8", (1, 4), (0.1, 3), (0.2, 9))
    with pytest.raises(MicroforgeError, match="output tensor 'output' is uint8, expected int8"):
        compile_model(model, target="host")
