"""ops/add.py add_mla: the linear form an ADD fused into a Winograd layer's requantisation computes
(runtime/dsp/mf_conv2d_wino.h mf_wino_add_out), checked here on all 256 x 256 input pairs against TFLM's arithmetic
(add_reference) by evaluating the C formula itself in numpy: SSAT(a * x + b * y + c >> k, 8), clamped, in int32."""
from __future__ import annotations

import numpy as np
import pytest

from microforge.ops.add import add_mla, add_reference
from microforge.quant import add_params

# (input scales, zero points, output scale and zero point, activation range): ic's residual ADDs, a MobileNetV2 ADD,
# ReLU / ReLU6 clamps, extreme scale ratios, fine and coarse outputs, zero points at the int8 ends
CASES = {
    "ic-first": ((0.039393551647663116, 0.10419496148824692), (-128, 4), (0.050945673137903214, -128), (-128, 127)),
    "ic-last": ((0.08385830372571945, 0.21724364161491394), (38, -2), (0.1270691454410553, -128), (-128, 127)),
    "mbv2-out-is-in2": ((0.0037754776421934366, 0.004025585949420929), (15, -53), (0.004025585949420929, -53),
                        (-128, 127)),
    "relu-zp-20": ((0.02, 0.04), (3, -3), (0.05, -20), (-20, 127)),
    "relu6-both-sides": ((0.031, 0.0113), (-7, 100), (0.1, -100), (-100, -40)),
    "in1-larger-relu": ((0.2, 0.01), (-128, 127), (0.25, 5), (5, 127)),
    "ratio-extreme": ((0.5, 0.0007), (-128, 127), (0.35, -128), (-128, 127)),
    "fine-out": ((0.02, 0.04), (3, -3), (0.001, 0), (-128, 127)),
    "coarse-out-zp127": ((0.02, 0.04), (3, -3), (1.5, 127), (-128, 127)),
    # equal scales, an output twice as coarse: ties away from zero on both sides of zero, which add_linear's floor per
    # term cannot give; the exact products with a slope a step off 2^21 can
    "ties-both-sides": ((0.1, 0.1), (1, 2), (0.2, -60), (-128, 127)),
}


def mla_outputs(f, lo: int, hi: int) -> np.ndarray:
    """The C formula on every pair [x + 128, y + 128], with its int32 range checked."""
    x = np.arange(-128, 128, dtype=np.int64)
    first = f.c + f.a * x
    t = first[:, None] + f.b * x[None, :]
    assert np.abs(first).max() < 2 ** 31 and np.abs(t).max() < 2 ** 31, "the MLAs leave int32"
    return np.clip(np.clip(t >> f.k, -128, 127), lo, hi)


@pytest.mark.parametrize("name", sorted(CASES))
def test_add_mla_exact_on_all_pairs(name):
    (s1, s2), (z1, z2), (so, zo), (lo, hi) = CASES[name]
    q = add_params(s1, s2, so, 8)
    f = add_mla(q, -z1, -z2, zo, lo, hi)
    assert f is not None, "no form found"
    ref = add_reference(q, -z1, -z2, zo, lo, hi)
    assert np.array_equal(mla_outputs(f, lo, hi), ref)
    # the check can fail: the same form one step of c off is wrong somewhere
    from dataclasses import replace
    assert not np.array_equal(mla_outputs(replace(f, c=f.c + (1 << f.k)), lo, hi), ref)

