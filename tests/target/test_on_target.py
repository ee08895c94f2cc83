"""Bit-exactness on the emulated cores: per-op models and the shared models, built with
arm-none-eabi-gcc and executed instruction by instruction, compared byte for byte with TFLM."""
from __future__ import annotations

import re

import numpy as np
import pytest
from helpers import assert_same_outputs, Oracle, random_inputs, seed_of, shared_model

from microforge import modelgen as mg
from microforge.driver import compile_model
from microforge.ops.add import add_fast
from microforge.ops.conv2d import X16_MAX_WIN
from microforge.quant import add_params
from microforge.sim.run import run_on_target
from microforge.targets import get_target
from microforge.toolchain.arm import have_arm_gcc

pytestmark = pytest.mark.skipif(not have_arm_gcc(), reason="arm-none-eabi-gcc not installed "
                                "(apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)")

CORES = ["m0plus", "m4", "m7", "m33"]

# Representative single-op models: odd channel counts (SIMD tails), strides, dilation, padding,
# depth multipliers, per-tensor and per-channel weights, broadcasting, every other op once.
OP_MODELS = {
    **{f"conv-c{c}": (lambda c=c: mg.conv2d_model(seed_of("tc", c), (1, 6, 7, c), c + 2, 3, 1, "SAME", 1, "RELU", in_zp=-3))
       for c in (1, 3, 5, 7, 13, 16)},
    "conv-1x1-c33": lambda: mg.conv2d_model(1, (1, 5, 5, 33), 13, 1, 1, "VALID", 1, "NONE", in_zp=7),
    "conv-s2-dil2-valid": lambda: mg.conv2d_model(2, (1, 11, 10, 3), 5, 3, 2, "VALID", 2, "RELU6", in_zp=-128),
    "conv-per-tensor": lambda: mg.conv2d_model(3, (1, 7, 6, 5), 7, 3, 2, "SAME", 1, "NONE", per_channel=False, in_zp=20),
    # DSP conv/FC paths: 1x1 in place with channel tails, strided 1x1, wide in_c, odd out_c, batches,
    # pixel counts that leave 1 or 2 after the 3-pixel blocks, strides above the 4 KiB immediate range.
    **{f"conv-1x1-{ic}to{oc}": (lambda ic=ic, oc=oc: mg.conv2d_model(seed_of("t1", ic, oc), (1, 5, 5, ic), oc, 1, 1, "SAME", 1, "RELU", in_zp=5))
       for ic, oc in ((1, 3), (5, 7), (13, 13), (16, 5), (64, 33))},
    # DSP conv 3-pixel blocks on sign-extended inputs (mf_dsp_rows3e): n & 3 tails 0..3, no full 4-byte
    # chunk (n = 3), every unrolled chunk count (n = 60: 32+16+8+4), the X16_MAX_WIN-byte window limit and just past it,
    # pixel counts leaving 1 or 2 after the 3-pixel blocks, odd channel counts, per-tensor weights
    **{f"conv-x16-1x1-{ic}to{oc}-{h}x{w}": (lambda ic=ic, oc=oc, h=h, w=w: mg.conv2d_model(
        seed_of("tx16", ic, oc, h, w), (1, h, w, ic), oc, 1, 1, "VALID", 1, "RELU", per_channel=ic != 7, in_zp=-9))
       for ic, oc, h, w in ((3, 12, 4, 5), (6, 13, 5, 5), (7, 15, 4, 5), (60, 13, 3, 3), (X16_MAX_WIN, 12, 2, 2), (X16_MAX_WIN + 1, 13, 1, 5),
                            (5, 11, 4, 5))},
    **{f"conv-x16-3x3-c{c}to{oc}": (lambda c=c, oc=oc: mg.conv2d_model(seed_of("tx16k", c, oc), (1, 4, 5, c), oc, 3, 1, "SAME", 1,
                                                                     "RELU6", in_zp=-128))
       for c, oc in ((4, 16), (5, 17), (6, 23), (7, 16))},
    "conv-1x1-s2": lambda: mg.conv2d_model(8, (1, 7, 9, 12), 5, 1, 2, "SAME", 1, "NONE", in_zp=-11),
    "conv-1x1-c256": lambda: mg.conv2d_model(9, (1, 3, 4, 256), 9, 1, 1, "VALID", 1, "RELU6", in_zp=-128),
    "conv-1x1-batch2": lambda: mg.conv2d_model(10, (2, 2, 4, 8), 6, 1, 1, "VALID", 1, "NONE", in_zp=3),
    "conv-3x3-batch2": lambda: mg.conv2d_model(11, (2, 5, 4, 6), 5, 3, 1, "SAME", 1, "RELU", in_zp=-1),
    "conv-k-over-4k": lambda: mg.conv2d_model(12, (1, 3, 3, 480), 3, 3, 1, "SAME", 1, "NONE", in_zp=2),
    "fc-in37-per-channel": lambda: mg.fc_model(13, (1, 37), 11, "NONE", per_channel=True, in_zp=-5),
    "fc-per-tensor-batch4": lambda: mg.fc_model(14, (4, 30), 6, "RELU", per_channel=False, in_zp=12),
    "fc-wide": lambda: mg.fc_model(15, (1, 1500), 5, "NONE", per_channel=True, in_zp=1),
    # DSP FC with one input vector: 4-row weight groups, n & 3 tail columns, out % 4 rows left over (fewer than 8 rows,
    # or more padding than mixed groups take)
    **{f"fc-grouped-{n}to{o}": (lambda n=n, o=o: mg.fc_model(seed_of("tfg", n, o), (1, n), o, "RELU", per_channel=n % 2 == 1, in_zp=-7))
       for n, o in ((3, 7), (6, 6), (23, 4), (64, 1), (29, 13), (41, 10))},
    **{f"dw-c{c}": (lambda c=c: mg.depthwise_model(seed_of("td", c), (1, 7, 6, c), 1, 3, 1, "SAME", 1, "RELU6", in_zp=-3))
       for c in (1, 3, 5, 7, 13, 16)},
    "dw-dm2-s2": lambda: mg.depthwise_model(4, (1, 9, 8, 5), 2, 3, 2, "SAME", 1, "NONE", in_zp=9),
    "dw-dil2-valid": lambda: mg.depthwise_model(5, (1, 11, 10, 3), 3, 3, 1, "VALID", 2, "RELU", in_zp=-7),
    # runtime/dsp depthwise: 4-channel SIMD groups + tails, interior/border pixels, stride 1/2, SAME/VALID
    **{f"dw-s2-same-c{c}": (lambda c=c: mg.depthwise_model(seed_of("td2", c), (1, 9, 8, c), 1, 3, 2, "SAME", 1, "NONE", in_zp=5))
       for c in (1, 4, 8, 33)},
    **{f"dw-s1-valid-c{c}": (lambda c=c: mg.depthwise_model(seed_of("tdv", c), (1, 6, 7, c), 1, 3, 1, "VALID", 1, "RELU", in_zp=-128))
       for c in (4, 8, 33)},
    **{f"dw-s2-valid-c{c}": (lambda c=c: mg.depthwise_model(seed_of("tdv2", c), (1, 10, 9, c), 1, 3, 2, "VALID", 1, "RELU6", in_zp=12))
       for c in (3, 13)},
    "dw-dm2-c4": lambda: mg.depthwise_model(8, (1, 6, 5, 4), 2, 3, 1, "SAME", 1, "RELU", in_zp=-20),
    "dw-5x5-c8": lambda: mg.depthwise_model(9, (1, 9, 8, 8), 1, 5, 1, "SAME", 1, "NONE", in_zp=3),
    "dw-dil2-same-c8": lambda: mg.depthwise_model(10, (1, 9, 9, 8), 1, 3, 1, "SAME", 2, "RELU6", in_zp=-1),
    "dw-batch2-c5": lambda: mg.depthwise_model(11, (2, 6, 5, 5), 1, 3, 2, "SAME", 1, "NONE", in_zp=40),
    # dsp depthwise pixel path, channel groups outermost over >= OUTER_MIN_PIXELS interior pixels (mf_dw_outer): odd
    # channel counts (tails after the groups), stride 2, 1- and 2-wide rows at stride 1, out_w 1..7, an even tap
    # count, dilation, SAME (border pixels staged when the output lies over the input), activation clamps, a batch of 2
    **{f"dw-outer-s2-c{c}": (lambda c=c: mg.depthwise_model(seed_of("tdo", c), (1, 11, 12, c), 1, 3, 2, "VALID", 1, "NONE", in_zp=-4))
       for c in (5, 7, 13, 64)},
    **{f"dw-outer-s1-w{w}-c{c}": (lambda w=w, c=c: mg.depthwise_model(seed_of("tdo1", w * 100 + c), (1, 14, w + 2, c), 1, 3, 1,
                                                                        "VALID", 1, "RELU6", in_zp=7, out_zp=-9))
       for w, c in ((1, 4), (2, 13), (1, 7), (2, 64))},
    # (stride 2, 3x3: rows narrower than ROWS_MIN_OUT_W_S2, which wider ones take)
    **{f"dw-outer-s2-w{w}-c{c}": (lambda w=w, c=c: mg.depthwise_model(seed_of("tdo2", w * 100 + c), (1, 13, 2 * w + 1, c), 1, 3, 2,
                                                                        "VALID", 1, "RELU", in_zp=-128))
       for w, c in ((2, 5), (5, 4), (3, 13))},
    **{f"dw-outer-s2-same-c{c}": (lambda c=c: mg.depthwise_model(seed_of("tdos", c), (1, 11, 10, c), 1, 3, 2, "SAME", 1, "RELU6",
                                                                 in_zp=6, out_zp=-2))
       for c in (4, 7, 13, 64)},
    "dw-outer-dil2-same-c9": lambda: mg.depthwise_model(29, (1, 12, 11, 9), 1, 3, 1, "SAME", 2, "NONE", in_zp=-5),
    "dw-outer-batch2-c5": lambda: mg.depthwise_model(28, (2, 11, 12, 5), 1, 3, 2, "SAME", 1, "NONE", in_zp=40),
    "dw-outer-2x2-c8": lambda: mg.depthwise_model(26, (1, 7, 8, 8), 1, 2, 1, "SAME", 1, "NONE", in_zp=3, out_zp=5),
    "dw-outer-dil2-c7": lambda: mg.depthwise_model(27, (1, 12, 11, 7), 1, 3, 1, "VALID", 2, "RELU6", in_zp=-1),
    # dsp depthwise tap pairs: even tap counts (no odd last tap), a single tap, bytewise activation clamps
    "dw-2x2-c8-relu6": lambda: mg.depthwise_model(13, (1, 6, 7, 8), 1, 2, 1, "SAME", 1, "RELU6", in_zp=-5, out_zp=12),
    "dw-1x4-c7": lambda: mg.depthwise_model(14, (1, 5, 9, 7), 1, (1, 4), 1, "SAME", 1, "RELU", in_zp=3, out_zp=-20),
    "dw-1x1-c12": lambda: mg.depthwise_model(15, (1, 4, 3, 12), 1, 1, 1, "VALID", 1, "RELU6", in_zp=0, out_zp=-1),
    "dw-3x3-c20-relu6-zp": lambda: mg.depthwise_model(16, (1, 7, 6, 20), 1, 3, 1, "SAME", 1, "RELU6", in_zp=-128, out_zp=30),
    "dw-per-tensor-c6": lambda: mg.depthwise_model(12, (1, 5, 6, 6), 1, 3, 1, "SAME", 1, "NONE", per_channel=False, in_zp=0),
    # dsp depthwise int8 weight words: a wide layer with a 3-channel tail at stride 2, an even tap count (2x3, no odd
    # last tap) with a 1-channel tail, dilation with stride 2, a 5x5 window (12 tap pairs + one) over 7 channels
    "dw-3x3-c291-s2": lambda: mg.depthwise_model(17, (1, 5, 6, 291), 1, 3, 2, "SAME", 1, "RELU6", in_zp=-128),
    "dw-2x3-c9-valid": lambda: mg.depthwise_model(18, (1, 6, 7, 9), 1, (2, 3), 1, "VALID", 1, "NONE", in_zp=6, out_zp=-3),
    "dw-dil2-s2-c13": lambda: mg.depthwise_model(19, (1, 11, 12, 13), 1, 3, 2, "SAME", 2, "RELU", in_zp=-9),
    "dw-5x5-c7-s2": lambda: mg.depthwise_model(20, (1, 9, 10, 7), 1, 5, 2, "VALID", 1, "NONE", in_zp=2),
    # dsp depthwise row path (3x3, stride_w 1): 4-output assembly blocks and their 1..3-output tails (out_w 1..10),
    # channel tails (c % 4), clamped activations (the C loop), rows outside the image (in_h 1, 2), stride_h 2,
    # a batch of 2, per-tensor weights, in_zp -128 and others, a staged band wider than 4 words
    **{f"dw-rows-{h}x{w}-c{c}-{pad.lower()}-{act.lower()}": (
        lambda h=h, w=w, c=c, pad=pad, act=act, zi=zi, zo=zo: mg.depthwise_model(
            seed_of("tdr", h, w, c), (1, h, w, c), 1, 3, 1, pad, 1, act, in_zp=zi, out_zp=zo))
       for h, w, c, pad, act, zi, zo in ((4, 8, 1, "SAME", "NONE", -128, None), (5, 9, 3, "SAME", "NONE", 7, None),
                                          (3, 6, 5, "VALID", "NONE", -128, None), (6, 7, 7, "SAME", "NONE", 0, -5),
                                          (4, 11, 13, "SAME", "RELU6", -128, 30), (3, 3, 8, "SAME", "NONE", 3, None),
                                          (2, 2, 4, "SAME", "RELU", -9, None), (1, 9, 8, "SAME", "NONE", -128, None),
                                          (7, 12, 36, "VALID", "NONE", 20, 11), (5, 10, 6, "SAME", "RELU", -128, None),
                                          # out_w % 4 == 1: the 5-output block (mf_dw_rows_five), alone and after a quad
                                          (5, 5, 13, "SAME", "NONE", -128, None), (4, 5, 64, "SAME", "NONE", 3, -7),
                                          (3, 7, 5, "VALID", "NONE", 9, None), (3, 13, 7, "SAME", "NONE", -1, 4),
                                          # the direct ring at stride_h 1 (mf_dw_rows_ring1): taller maps, a 5-wide
                                          # one (kws's shape), channel tails, a clamped activation (the C loop)
                                          (12, 5, 13, "SAME", "NONE", -128, None), (10, 8, 6, "SAME", "RELU6", 4, None),
                                          (11, 10, 5, "VALID", "NONE", 2, -3),
                                          # out_w 3 alone (mf_dw_rows_three: the row path's narrowest rows)
                                          (5, 3, 13, "SAME", "NONE", -128, None), (4, 5, 7, "VALID", "NONE", 5, -2),
                                          # out_w % 4 == 2 (the 6-output block, alone and after a quad) and 3 (3 outputs)
                                          (4, 6, 13, "SAME", "NONE", -128, None), (3, 12, 5, "VALID", "NONE", 6, -3),
                                          (5, 11, 7, "SAME", "NONE", 2, None), (6, 7, 64, "SAME", "NONE", -128, 9),
                                          # the quad loop's output step: one post-indexed store (4C <= 255), two
                                          # (2C <= 255), an ADD (C >= 128)
                                          (3, 9, 129, "SAME", "NONE", 2, None), (4, 12, 100, "SAME", "RELU6", -128, None))},
    # runtime/dsp/mf_dw_cols.h, the column path (3x3, stride 1, maps at most COLS_MAX_OUT_W wide and COLS_MIN_ASPECT
    # times as tall): out_w 1..7, out_h odd and even (4-output blocks, the merged 5- and 6-output tails, 3 leftovers,
    # out_h 2 and 3 alone), channel counts 1..13 and 64 (group tails), SAME and VALID (SAME's edge columns: 4-output blocks on two plane rows
    # then 1, 3 or 6 outputs on three, on the M4/M33), ReLU (unclamped: out_zp -128) and no activation (the
    # negative-value correction), in_zp -128 to 127, extreme input scales
    **{f"dw-cols-{h}x{w}-c{c}-{pad.lower()}-{act.lower()}": (
        lambda h=h, w=w, c=c, pad=pad, act=act, sc=sc, zi=zi, zo=zo: mg.depthwise_model(
            seed_of("tdc", h, w, c), (1, h, w, c), 1, 3, 1, pad, 1, act, in_scale=sc, in_zp=zi, out_zp=zo))
       for h, w, c, pad, act, sc, zi, zo in ((25, 5, 13, "SAME", "RELU", 0.02, -128, None),    # kws's shape
                                             (25, 5, 64, "SAME", "RELU", 0.05, -128, None),
                                             (9, 1, 3, "SAME", "NONE", 0.02, 5, None), (6, 2, 5, "SAME", "RELU", 0.5, -128, None),
                                             (3, 1, 7, "SAME", "NONE", 0.02, -1, -128), (8, 3, 1, "SAME", "NONE", 0.001, 9, -7),
                                             (12, 4, 7, "VALID", "NONE", 0.02, -128, 3), (14, 6, 13, "SAME", "RELU", 0.002, 3, None),
                                             (15, 7, 3, "SAME", "NONE", 2.0, 0, None), (14, 7, 64, "VALID", "RELU", 0.02, -9, None),
                                             (7, 3, 5, "VALID", "NONE", 0.02, 17, -2), (6, 4, 1, "VALID", "NONE", 0.02, -128, None),
                                             (2, 1, 4, "SAME", "RELU", 0.02, -5, None), (18, 7, 7, "SAME", "NONE", 0.02, -60, 100),
                                             (10, 5, 3, "SAME", "RELU", 0.02, 127, None),
                                             # SAME edge columns (M4/M33: two plane rows) with out_h 6: no block before
                                             # the 6-output tail
                                             (6, 3, 5, "SAME", "RELU", 0.02, 2, None),
                                             # the layer's one shift (out_zp -128; COLS_USH below) on the 3-output tail
                                             # after quads and on the edges' (out_h 11), the 5-output tail and the
                                             # edges' lone output with one channel (out_h 9), quads alone on the edges
                                             # (out_h 20), VALID quads and the 2-output block alone
                                             (11, 4, 7, "SAME", "NONE", 0.02, 9, -128), (9, 3, 1, "SAME", "NONE", 0.02, -128, -128),
                                             (20, 6, 5, "SAME", "RELU", 0.002, 127, None), (10, 3, 13, "VALID", "NONE", 0.02, -60, -128),
                                             # the four-channel widening (mf_dw_cols_widen4): a 1200-byte input row (its
                                             # source moved on by two ADDWs), 448 bytes (several moves), odd row counts
                                             (12, 3, 400, "VALID", "NONE", 0.02, 7, None),
                                             (40, 7, 64, "SAME", "RELU", 0.02, -128, None),
                                             (11, 5, 9, "VALID", "NONE", 0.02, -3, None),
                                             # SAME edge columns ending in the 5-output block on two plane rows
                                             # (mf_dw_cols_five2, M4/M33; out_h % 4 == 1): after 2 blocks with the
                                             # negative-value correction (no shift), after 3 with the layer's shift
                                             (13, 5, 7, "SAME", "NONE", 0.02, 11, 5), (17, 3, 5, "SAME", "RELU", 0.02, -128, None))},
    # ... a batch of 2 (input and output disjoint)
    "dw-cols-9x3-c6-same-none-batch2": lambda: mg.depthwise_model(seed_of("tdc", 9, 3, 6, 2), (2, 9, 3, 6), 1, 3, 1,
                                                                   "SAME", 1, "NONE", in_scale=0.02, in_zp=-7),
    "dw-rows-per-tensor-c6": lambda: mg.depthwise_model(21, (1, 5, 12, 6), 1, 3, 1, "SAME", 1, "NONE", per_channel=False, in_zp=4),
    "dw-rows-s2x1-c4": lambda: mg.depthwise_model(22, (1, 9, 8, 4), 1, 3, (2, 1), "SAME", 1, "NONE", in_zp=-128),
    "dw-rows-batch2-c8": lambda: mg.depthwise_model(23, (2, 5, 9, 8), 1, 3, 1, "SAME", 1, "NONE", in_zp=-2, out_zp=3),
    # the row path at stride_w 2 (mf_dw_rows2_channel): out_w 16..22 (4-output blocks, a row's last quad and 1 or 2
    # outputs after it as one 5- or 6-output block, 3 leftovers as a 3-output block), odd and even in_w (SAME pad_left 0 or 1, VALID), channel tails, clamped activations
    # (the C loop), stride_h 1 and 2, a batch of 2
    **{f"dw-rows-s2-{h}x{w}-c{c}-{pad.lower()}-{act.lower()}": (
        lambda h=h, w=w, c=c, pad=pad, act=act, zi=zi: mg.depthwise_model(
            seed_of("tdr2", h, w, c), (1, h, w, c), 1, 3, 2, pad, 1, act, in_zp=zi))
       for h, w, c, pad, act, zi in ((5, 32, 4, "SAME", "NONE", -128), (6, 33, 3, "SAME", "NONE", 7), (5, 35, 5, "VALID", "NONE", 0),
                                     (4, 35, 7, "SAME", "NONE", -3), (4, 38, 13, "SAME", "NONE", 20), (3, 39, 9, "VALID", "NONE", -1),
                                     (5, 44, 8, "SAME", "NONE", 5), (4, 34, 6, "SAME", "RELU6", -128), (3, 37, 3, "VALID", "RELU", 9),
                                     (3, 33, 70, "SAME", "NONE", -4), (3, 32, 131, "SAME", "RELU", -128))},
    # MF_NEG_CLAMPED (act_min >= out_offset: ReLU, ReLU6, or no activation with out_zp -128) on the row path's
    # assembly (unclamped: act range -128..127): its 4-output blocks, the 5-, 6-, 3-, 2- and 1-output blocks at
    # stride_w 1 and 2, channel tails; the requantisation without the negative-value correction
    **{f"dw-rows-nc-s{s}-{h}x{w}-c{c}-{act.lower()}": (
        lambda s=s, h=h, w=w, c=c, act=act, zi=zi, zo=zo: mg.depthwise_model(
            seed_of("tdrn", s, h, w, c), (1, h, w, c), 1, 3, s, "SAME", 1, act, in_zp=zi, out_zp=zo))
       for s, h, w, c, act, zi, zo in ((1, 4, 5, 7, "RELU", 3, None), (1, 3, 6, 13, "RELU6", -128, None), (1, 3, 3, 11, "RELU", -5, None),
                                       (1, 5, 7, 5, "RELU", -9, None), (1, 3, 9, 6, "NONE", 4, -128),
                                       (1, 4, 12, 9, "RELU6", 0, None), (2, 4, 33, 5, "RELU", -2, None),
                                       (2, 5, 36, 7, "RELU6", -128, None), (2, 3, 38, 4, "NONE", 11, -128),
                                       # the M7 stride_w 2 quad's in-place requantisation (MF_DW_S2_RQ4_M7): output
                                       # steps with 2C <= 255 < 4C and with C >= 128 (an ADD)
                                       (2, 3, 33, 67, "RELU", -128, None), (2, 4, 36, 131, "RELU6", 5, None),
                                       # the M7 quad loop's in-place requantisation: its output steps with 2C <= 255 < 4C
                                       # and C >= 128 (an ADD)
                                       (1, 3, 8, 67, "RELU", -128, None), (1, 3, 8, 131, "RELU", 5, None))},
    # runtime/dsp/mf_dw_s2.h, the direct row path at stride 2 on narrow rows (ROWS_MIN_OUT_W_S2 <= out_w < 12): out_w
    # 6..10 (the merged 6-output tail alone, quad + 3, quad + 5, quad + 6, two quads), odd and even in_w / in_h
    # (pad_left / pad_top 0 or 1, VALID), channel counts 1, 3, 4, 5, 7, 13 (the widening's per-value path below 4), the
    # ring of three plane rows and full planes (out_h 2), a clamped activation (the C loop), MF_NEG_CLAMPED (ReLU)
    **{f"dw-s2rows-{h}x{w}-c{c}-{pad.lower()}-{act.lower()}": (
        lambda h=h, w=w, c=c, pad=pad, act=act, zi=zi, zo=zo: mg.depthwise_model(
            seed_of("tds2", h, w, c), (1, h, w, c), 1, 3, 2, pad, 1, act, in_zp=zi, out_zp=zo))
       for h, w, c, pad, act, zi, zo in ((9, 12, 5, "SAME", "NONE", -128, None), (7, 13, 3, "SAME", "NONE", 7, None),
                                         (5, 17, 7, "SAME", "NONE", 0, -3), (6, 16, 13, "VALID", "NONE", -5, None),
                                         (3, 20, 1, "SAME", "NONE", 3, None), (11, 11, 13, "SAME", "NONE", -128, 9),
                                         (8, 22, 4, "SAME", "RELU6", -128, None), (10, 15, 7, "VALID", "RELU", 2, None),
                                         (9, 18, 5, "SAME", "RELU", -9, None), (7, 16, 3, "SAME", "NONE", 11, -7))},
    # ... with the layer's one shift (_rows_ushift's s2: out_zp -128, unclamped; the M7 on out_w 8 only): out_w 8 (the
    # quad loop), 7 (quad + 3), 9 (quad + 5), 10 (quad + 6), 6 (the 6-output block alone), 11 (loop + 3), 17 (loop,
    # odd quad + 5); channel counts 1, 3, 4, 5, 7, 13, 67 (4C > 255: two post-indexed stores) and 131 (2C > 255: an
    # ADD); odd and even in_w / in_h, SAME and VALID, the ring and full planes (out_h 2), ReLU and none
    **{f"dw-s2ush-{h}x{w}-c{c}-{pad.lower()}-{act.lower()}": (
        lambda h=h, w=w, c=c, pad=pad, act=act, zi=zi: mg.depthwise_model(
            seed_of("tds2u", h, w, c), (1, h, w, c), 1, 3, 2, pad, 1, act, in_zp=zi, out_zp=-128))
       for h, w, c, pad, act, zi in ((9, 16, 5, "SAME", "RELU", -5), (7, 13, 3, "SAME", "NONE", 7),
                                     (6, 19, 7, "VALID", "RELU", -128), (8, 20, 13, "SAME", "NONE", 3),
                                     (5, 12, 1, "SAME", "RELU", -128), (4, 33, 67, "SAME", "RELU", 2),
                                     (3, 22, 131, "VALID", "NONE", -9), (5, 22, 5, "SAME", "NONE", -1),
                                     (3, 16, 4, "SAME", "NONE", 0))},
    # ... the M7's quads with the layer's shift (rows of 4-output blocks only: out_w % 4 == 0; m in the 14th register,
    # the next quad's first P, Q loaded beside the last row's MACs): out_w 8 (one loop pass), 12 (a pass and the odd
    # quad), 16 (two passes); channel counts 1, 3, 5, 7, 13, 67 (4C > 255: two post-indexed
    # stores), 131 (2C > 255: an ADD); input zero points at the int8 ends; SAME and VALID, odd and even in_w, the ring
    # and full planes (out_h 2), ReLU and none
    **{f"dw-s2ush7-{h}x{w}-c{c}-{pad.lower()}-{act.lower()}": (
        lambda h=h, w=w, c=c, pad=pad, act=act, zi=zi: mg.depthwise_model(
            seed_of("tds2u7", h, w, c), (1, h, w, c), 1, 3, 2, pad, 1, act, in_zp=zi, out_zp=-128))
       for h, w, c, pad, act, zi in ((9, 24, 5, "SAME", "RELU", -128), (5, 16, 3, "SAME", "NONE", 127),
                                     (4, 32, 7, "SAME", "RELU", 127), (7, 17, 13, "VALID", "NONE", -128),
                                     (5, 16, 67, "SAME", "RELU", 3), (3, 17, 131, "VALID", "NONE", -9),
                                     (6, 17, 1, "VALID", "RELU", 0))},
    # rows of 3 outputs at stride 2 (ops/depthwise_conv2d.py _rows2_three: mf_dw_s2.h's full planes, two rows a block in
    # mf_dw_s2_three2 and an odd last row alone, on the M4/M33 when pad_left is even, on the M7 with any pad_left; else
    # the pixel path): out_h 2..5, SAME on in_w 6 (pad_left 0) and 5 (pad_left 1), VALID on 7, channel counts 1, 3, 5,
    # 7, 13, 86 (store offsets past 255), out_zp -128 (MF_NEG_CLAMPED) and others, ReLU and none, a clamped activation
    **{f"dw-s2n3-{h}x{w}-c{c}-{pad.lower()}-{act.lower()}": (
        lambda h=h, w=w, c=c, pad=pad, act=act, zi=zi, zo=zo: mg.depthwise_model(
            seed_of("tds2n3", h, w, c), (1, h, w, c), 1, 3, 2, pad, 1, act, in_zp=zi, out_zp=zo))
       for h, w, c, pad, act, zi, zo in ((6, 6, 5, "SAME", "NONE", -5, -128), (4, 6, 3, "SAME", "NONE", 7, 12),
                                         (7, 7, 7, "VALID", "RELU", -128, None), (9, 7, 13, "VALID", "NONE", 3, -30),
                                         (10, 6, 1, "SAME", "RELU", -128, -128), (6, 6, 86, "SAME", "NONE", 0, 5),
                                         (5, 5, 7, "SAME", "NONE", 2, -128), (6, 6, 4, "SAME", "RELU6", 1, None),
                                         (7, 5, 13, "SAME", "RELU", -3, None), (6, 5, 3, "SAME", "NONE", 5, 8),
                                         (9, 5, 1, "SAME", "NONE", -128, -128))},
    # rows of 5 outputs at stride 2 (ROWS_MIN_OUT_W_S2_M4: mf_dw_s2.h's direct order on the M4/M33, the 5-output block
    # alone; on the M7 with full planes, ROWS_MIN_OUT_W_S2_M7, its compact groups past ROWS_FULL_MAX_EXTRA): SAME on
    # in_w 9 and 10, VALID on 11 and 12 (odd and even in_h), channel counts 1, 3, 4, 5, 7, 13, 37, with the layer's shift
    # (out_zp -128; the M4/M33 only), without it, a clamped activation (the C loop), ReLU
    **{f"dw-s2n5-{h}x{w}-c{c}-{pad.lower()}-{act.lower()}": (
        lambda h=h, w=w, c=c, pad=pad, act=act, zi=zi, zo=zo: mg.depthwise_model(
            seed_of("tds2n5", h, w, c), (1, h, w, c), 1, 3, 2, pad, 1, act, in_zp=zi, out_zp=zo))
       for h, w, c, pad, act, zi, zo in ((9, 9, 5, "SAME", "RELU", -5, -128), (10, 10, 3, "SAME", "NONE", 7, None),
                                         (11, 11, 7, "VALID", "NONE", -128, -128), (8, 12, 13, "VALID", "RELU6", 3, None),
                                         (7, 10, 1, "SAME", "RELU", -128, None), (6, 9, 4, "SAME", "NONE", 0, -128),
                                         (11, 12, 37, "VALID", "RELU", 2, None))},
    # the row path's one layer shift (ops/depthwise_conv2d.py _rows_ushift: MF_NEG_CLAMPED with out_zp -128, the direct
    # order): SMMLA and SSAT's own shift on 2^k-scaled sums; the ring and full planes, channel
    # tails (1, 3), out_w 4..16, the output steps (one post-indexed store, two: 2C <= 255 < 4C, an ADD: C >= 128); VALID
    # (and SAME on 2 rows) so that a one-op model's output trails its input and the order is direct
    **{f"dw-rows-ush-{h}x{w}-c{c}-{pad.lower()}-{act.lower()}": (
        lambda h=h, w=w, c=c, pad=pad, act=act, zi=zi: mg.depthwise_model(
            seed_of("tdru", h, w, c), (1, h, w, c), 1, 3, 1, pad, 1, act, in_zp=zi, out_zp=-128))
       for h, w, c, pad, act, zi in ((10, 10, 7, "VALID", "RELU", -5), (9, 14, 13, "VALID", "RELU", -128),
                                     (3, 18, 3, "VALID", "NONE", -7), (2, 16, 4, "SAME", "NONE", 9),
                                     (6, 6, 5, "VALID", "NONE", 3), (5, 6, 67, "VALID", "RELU", -128),
                                     (4, 6, 131, "VALID", "NONE", 2),
                                     # rows ending in a 5-, 6- or 3-output block (USH_TAIL_MIN_OUTPUTS outputs a
                                     # channel): out_w 9 and 13 (the 5-output block after one and three quads), 6 and 10
                                     # (the 6-output block), 7 (the 3-output block after a quad)
                                     (10, 15, 5, "VALID", "RELU", -5), (10, 11, 3, "VALID", "NONE", -128),
                                     (13, 8, 13, "VALID", "RELU", 4), (10, 12, 1, "VALID", "RELU", -128),
                                     (12, 9, 7, "VALID", "NONE", 17))},
    # long rows (more than MF_DW_QUADS_UNROLL 4-output blocks): the M4/M33 loop MF_DW_QUADS_LOOP (4), 3, 2 or 1 blocks
    # an iteration (out_w 48, 36, 40, 28), before the 3-output block (out_w 51) and the merged 5- and 6-output blocks
    # (49, 54); with and without the layer's one shift (out_zp -128, VALID), channel tails
    **{f"dw-rows-long-{h}x{w}-c{c}-{pad.lower()}-{act.lower()}": (
        lambda h=h, w=w, c=c, pad=pad, act=act, zi=zi, zo=zo: mg.depthwise_model(
            seed_of("tdrl", h, w, c), (1, h, w, c), 1, 3, 1, pad, 1, act, in_zp=zi, out_zp=zo))
       for h, w, c, pad, act, zi, zo in ((3, 48, 5, "SAME", "NONE", -128, None), (2, 40, 3, "SAME", "RELU", 4, None),
                                         (3, 38, 7, "VALID", "NONE", -128, -128), (4, 30, 13, "VALID", "RELU", 2, -128),
                                         (3, 51, 1, "SAME", "NONE", 5, None), (4, 50, 4, "VALID", "RELU", -3, -128),
                                         (3, 49, 3, "SAME", "RELU", 9, None), (3, 54, 6, "SAME", "NONE", -7, None))},
    # 3-wide rows on full planes, unclamped with out_zp -128 (the M7's mf_dw_rows_three7: rows unrolled, the row before's
    # requantisation beside each row's MACs): out_h 2..8 (odd and even counts: the last row in either bank), 1 (the
    # ring, not full planes), 9 (more than MF_DW_THREE7_ROWS: mf_dw_rows_three), channel counts 1, 3, 5, 7, 13 and 129 (store offsets
    # past 255), 291 on 6 rows (offsets past 4095: mf_dw_rows_three), SAME and VALID, ReLU and none, stride_h 2
    **{f"dw-r3p-s{s}-{h}x{w}-c{c}-{pad.lower()}-{act.lower()}": (
        lambda s=s, h=h, w=w, c=c, pad=pad, act=act, zi=zi: mg.depthwise_model(
            seed_of("tdr3p", s, h, w, c), (1, h, w, c), 1, 3, (s, 1), pad, 1, act, in_zp=zi, out_zp=-128))
       for s, h, w, c, pad, act, zi in ((1, 5, 5, 13, "VALID", "NONE", 5), (1, 3, 3, 7, "SAME", "RELU", -128),
                                        (1, 1, 3, 5, "SAME", "NONE", 2), (1, 2, 3, 3, "SAME", "RELU", -9),
                                        (1, 10, 5, 1, "VALID", "RELU", 17), (1, 6, 3, 129, "SAME", "NONE", -7),
                                        (1, 7, 5, 3, "VALID", "NONE", 100), (1, 11, 5, 5, "VALID", "NONE", -3),
                                        (1, 6, 3, 291, "SAME", "RELU", 4), (2, 9, 5, 7, "VALID", "NONE", -20),
                                        (2, 8, 3, 13, "SAME", "RELU", 0))},
    # full planes past ROWS_FULL_MAX_EXTRA (up to ROWS_FULL_MAX_EXTRA_MORE: compact groups, direct 2): 8 to 12 output rows at stride 1 ending in the quad loop (12, 16 wide; with the
    # layer's one shift: out_zp -128), the 6-, 5- and 3-output blocks (10, 9, 7 wide) and a 7-wide row after no quad
    # (3 wide is three7's: MF_DW_THREE7_ROWS), the 6-output block at stride 2 (6x6 of 12x12: vww's 6x6x64 layer),
    # channel counts 1, 3, 5, 7, 13, 36, 67; SAME and VALID, ReLU (MF_NEG_CLAMPED), ReLU6 (the C loop), none
    **{f"dw-rfm7-s{s}-{h}x{w}-c{c}-{pad.lower()}-{act.lower()}": (
        lambda s=s, h=h, w=w, c=c, pad=pad, act=act, zi=zi, zo=zo: mg.depthwise_model(
            seed_of("tdrfm7", s, h, w, c), (1, h, w, c), 1, 3, s, pad, 1, act, in_zp=zi, out_zp=zo))
       for s, h, w, c, pad, act, zi, zo in ((1, 14, 14, 13, "VALID", "RELU", -128, -128), (1, 12, 12, 5, "VALID", "NONE", 3, None),
                                            (1, 11, 11, 7, "VALID", "NONE", -7, -128), (1, 8, 7, 3, "SAME", "RELU", -128, None),
                                            (1, 9, 16, 1, "SAME", "NONE", 5, -128), (1, 12, 12, 36, "VALID", "RELU6", -2, None),
                                            (1, 10, 9, 67, "VALID", "NONE", 11, -9), (2, 12, 12, 5, "SAME", "RELU", -128, -128),
                                            (2, 11, 12, 13, "SAME", "NONE", 4, None), (2, 12, 13, 7, "VALID", "RELU6", -5, None))},
    # ... unclamped with an output zero point other than -128 (the requantisation's sign correction, MF_NEG_CLAMPED
    # false) on the M4/M33's mf_dw_rows_three2 (two rows a block, an odd last row in mf_dw_rows_three): out_h 2..6,
    # channel counts 1, 3, 5, 7, 13 and 86 (store offsets past 255), SAME and VALID, stride_h 2
    **{f"dw-r3n-s{s}-{h}x{w}-c{c}-{pad.lower()}": (
        lambda s=s, h=h, w=w, c=c, pad=pad, zi=zi, zo=zo: mg.depthwise_model(
            seed_of("tdr3n", s, h, w, c), (1, h, w, c), 1, 3, (s, 1), pad, 1, "NONE", in_zp=zi, out_zp=zo))
       for s, h, w, c, pad, zi, zo in ((1, 3, 3, 1, "SAME", 3, 7), (1, 4, 3, 3, "SAME", -5, -20),
                                       (1, 5, 5, 5, "VALID", 0, 11), (1, 8, 5, 7, "VALID", -128, -1),
                                       (2, 7, 3, 13, "SAME", 9, 40), (1, 3, 3, 86, "SAME", -128, 3),
                                       (1, 6, 3, 4, "SAME", 60, -127))},
    "dw-rows-s1x2-c5": lambda: mg.depthwise_model(24, (1, 5, 34, 5), 1, 3, (1, 2), "SAME", 1, "NONE", in_zp=-6),
    # full planes at stride_h 2 (mf_dw_rows_full: output row oy from plane rows 2 * oy + 0, 1, 2), a channel tail
    "dw-rows-s2x1-full-c5": lambda: mg.depthwise_model(26, (1, 4, 7, 5), 1, 3, (2, 1), "SAME", 1, "NONE", in_zp=-7),
    "dw-rows-s2-batch2-c4": lambda: mg.depthwise_model(25, (2, 7, 32, 4), 1, 3, 2, "SAME", 1, "NONE", in_zp=3, out_zp=-4),
    "fc-per-tensor": lambda: mg.fc_model(6, (1, 33), 13, "RELU", per_channel=False, in_zp=7),
    "fc-per-channel-batch": lambda: mg.fc_model(7, (3, 7), 5, "NONE", per_channel=True, in_zp=-9),
    "add": lambda: mg.add_model(None, (1, 4, 4, 7), (1, 4, 4, 7), "RELU", scales=(0.02, 0.04), zero_points=(3, -3)),
    "add-broadcast": lambda: mg.add_model(None, (1, 3, 5, 7), (1, 3, 1, 1), "NONE", scales=(0.05, 0.03), zero_points=(-5, 10)),
    "avgpool": lambda: mg.pool_model("AVERAGE", (1, 7, 7, 5), 3, 2, "SAME", "NONE", scale=0.04, zero_point=-10),
    "maxpool": lambda: mg.pool_model("MAX", (1, 9, 8, 7), (3, 2), (2, 1), "SAME", "RELU", scale=0.04, zero_point=20),
    # dsp pooling: 4-channel SXTAB16 sums / SSUB8+SEL maxima with channel tails, clipped SAME windows,
    # a global average over 25x5, and one above 256 elements (portable fallback)
    "avgpool-c13-same": lambda: mg.pool_model("AVERAGE", (1, 7, 6, 13), 3, 2, "SAME", "RELU", scale=0.04, zero_point=-10),
    "avgpool-global-c64": lambda: mg.pool_model("AVERAGE", (1, 25, 5, 64), (25, 5), 1, "VALID", "NONE", scale=0.05, zero_point=3),
    "avgpool-global-17x17-c8": lambda: mg.pool_model("AVERAGE", (1, 17, 17, 8), 17, 1, "VALID", "NONE", scale=0.05, zero_point=-128),
    "maxpool-c12-same": lambda: mg.pool_model("MAX", (1, 8, 7, 12), 3, 2, "SAME", "RELU6", scale=0.03, zero_point=-5),
    "maxpool-c7-valid": lambda: mg.pool_model("MAX", (1, 6, 6, 7), 2, 2, "VALID", "NONE", scale=0.03, zero_point=100),
    "mean": lambda: mg.mean_model((1, 6, 5, 13), (1, 2), True, in_scale=0.04, in_zp=-10),
    "mean-c8-no-keep": lambda: mg.mean_model((1, 5, 5, 8), (1, 2), False, in_scale=0.05, in_zp=17),
    # nested-loop mean: inner axis reduced, two separated axes reduced, a batch kept
    "mean-axis3": lambda: mg.mean_model((1, 4, 3, 7), (3,), True, in_scale=0.03, in_zp=5),
    "mean-axes13-batch2": lambda: mg.mean_model((2, 5, 3, 6), (1, 3), False, in_scale=0.06, in_zp=-9),
    "add-broadcast-channels": lambda: mg.add_model(None, (1, 4, 4, 8), (1, 1, 1, 8), "RELU6", scales=(0.03, 0.03), zero_points=(-128, 0)),
    # dsp ADD: 4-element passes plus a tail of 1..3, large and small input scale ratios (input/output shifts)
    "add-c13-ratio20": lambda: mg.add_model(None, (1, 3, 5, 13), (1, 3, 5, 13), "NONE", scales=(0.01, 0.2), zero_points=(-128, 127), out_zp=5),
    "add-c7-relu6": lambda: mg.add_model(None, (1, 2, 3, 7), (1, 2, 3, 7), "RELU6", scales=(0.3, 0.002), zero_points=(9, -17)),
    "add-equal-scales": lambda: mg.add_model(None, (2, 3, 11), (2, 3, 11), "NONE", scales=(0.1, 0.1), zero_points=(1, 2), out_zp=-60),
    # dsp ADD's SMLAW pass (fast = 2): extreme scale ratio and zero points, ReLU; and a layer whose fine output
    # scale makes the compiler's 256 x 256 check reject it (fast = 1: the exact asm pass)
    "add-smlaw-c9-extreme": lambda: mg.add_model(None, (1, 1, 7, 9), (1, 1, 7, 9), "RELU", scales=(0.5, 0.0007), zero_points=(-128, 127), out_zp=-128),
    # odd numbers of 4-element passes (5, and 1 with a tail of 1), no activation: the bytes-out variant entered at its
    # loop's second copy
    "add-smlaw-c7-odd-passes": lambda: mg.add_model(None, (1, 1, 3, 7), (1, 1, 3, 7), "NONE", scales=(0.04, 0.011), zero_points=(3, -128), out_zp=-7),
    "add-smlaw-c5-one-pass": lambda: mg.add_model(None, (1, 1, 1, 5), (1, 1, 1, 5), "NONE", scales=(0.05, 0.02), zero_points=(120, -3), out_zp=-20),
    "add-smlaw-rejected": lambda: mg.add_model(None, (1, 3, 5, 9), (1, 3, 5, 9), "NONE", scales=(0.0135, 0.0338), zero_points=(-62, -103), out_scale=0.00164),
    # dsp ADD's linear pass (fast = 3) on 1, 3, 5, 7, 9, 13, 17 elements (no pass, one pass + tails, 2, 3, 4: every
    # entry into its 4-pass loop) with and without a clamp; test_add_linear_all_pairs_on_core runs every input pair
    **{f"add-lin-n{n}-{act.lower()}": (lambda n=n, act=act: mg.add_model(
        None, (1, 1, 1, n), (1, 1, 1, n), act, scales=(0.02, 0.04), zero_points=(3, -3), out_zp=-20, out_scale=0.05))
       for n in (1, 3, 5, 7, 9, 13, 17) for act in ("NONE", "RELU")},
    "pad": lambda: mg.pad_model((1, 5, 3, 7), ((0, 0), (2, 0), (0, 3), (1, 2)), zero_point=17),
    "softmax": lambda: mg.softmax_model((2, 12), 1.0, 0.3, -20),
    # SOFTMAX's exp computed in the kernel (no table): odd depths, betas from weak to capped, tiny/large scales
    **{f"softmax-d{d}-b{b}": (lambda d=d, b=b, sc=sc, zp=zp: mg.softmax_model((3, d), b, sc, zp))
       for d, b, sc, zp in ((1, 1.0, 0.1, 0), (3, 0.5, 0.2, 17), (5, 2.0, 0.05, -3), (7, 1.7, 0.31, -7),
                            (13, 1.0, 0.0146, 9), (13, 100.0, 0.5, 0), (5, 0.001, 0.02, 0),
                            (16, 1.0, 0.1, 3), (17, 0.5, 0.3, -9), (40, 1.0, 0.05, 0))},   # kept exps (<= 16) and not
    # wide rows: more exps per run than the table has entries, so the layer stores the table of diffs diff_min..0
    "softmax-table-d300": lambda: mg.softmax_model((2, 300), 1.0, 0.2, 5),
    "softmax-table-d1000": lambda: mg.softmax_model((1, 1000), 0.5, 0.05, -128),
    "quantize-f32": lambda: mg.quantize_model((1, 64), "float32", out_scale=0.02, out_zp=-7),
    "requantize": lambda: mg.quantize_model((2, 128), "int8", 0.05, 3, 0.02, -7),
    "dequantize": lambda: mg.dequantize_model((2, 128), 0.05, 3),
    **{f"tconv-c{c}": (lambda c=c: mg.transpose_conv_model(seed_of("ttc", c), (1, 4, 3, c), 2 * c + 1, 3, 2, "SAME", in_zp=-3))
       for c in (1, 3, 5, 7, 13)},
    "tconv-valid-k4s3-relu": lambda: mg.transpose_conv_model(20, (2, 3, 2, 5), 7, 4, 3, "VALID", act="RELU", in_zp=12),
    "tconv-per-tensor-nobias": lambda: mg.transpose_conv_model(21, (1, 5, 4, 6), 3, (3, 2), (1, 2), "SAME",
                                                               per_channel=False, bias=False, in_zp=-128),
    "bmm-2d": lambda: mg.batch_matmul_model(22, (7, 13), (13, 5)),
    "bmm-adj-broadcast": lambda: mg.batch_matmul_model(23, (2, 1, 5, 3), (3, 7, 5), adj_x=True, adj_y=True,
                                                       scales=(0.1, 0.004), zero_points=(-128, 127)),
    "bmm-const-rhs": lambda: mg.batch_matmul_model(24, (3, 4, 6), (6, 5), const_rhs=True, zero_points=(3, -7)),
    "fc-keep-num-dims": lambda: mg.fc_model(25, (2, 3, 13), 7, "RELU", per_channel=True, keep_num_dims=True, in_zp=-4),
    # one invocation from the zero state (persistence across invocations is compared on the host: test_ops_matmul)
    "svdf-rank2": lambda: mg.svdf_model(26, 2, 13, 5, 2, 4, in_zp=-7),
    "svdf-rank1-mem1": lambda: mg.svdf_model(27, 1, 7, 3, 1, 1, in_zp=100, out_zp=-20),
}


def gcc_output(d, core: str, *flags: str) -> str:
    """What arm-none-eabi-gcc prints for the model.c written to d, built for core: with -S the assembly (the asm blocks'
    marker comments show which kernel paths were compiled in), with -E the preprocessed C."""
    import subprocess
    cpu = {"m4": "cortex-m4", "m7": "cortex-m7", "m33": "cortex-m33"}[core]
    return subprocess.run(["arm-none-eabi-gcc", *flags, "-o", "-", f"-mcpu={cpu}", "-mthumb", f"-I{d}", str(d / "model.c")],
                          check=True, capture_output=True, text=True).stdout


def model_disassembly(model: bytes, core: str, tmp_path) -> str:
    """The compiled model's object code (model.c written to tmp_path, built at -O2 for core as the firmware is) as
    objdump -d prints it without the raw bytes: for tests that count instructions in a kernel's blocks."""
    import subprocess
    cpu = {"m4": "cortex-m4", "m7": "cortex-m7", "m33": "cortex-m33"}[core]
    compile_model(model, target=core).write(tmp_path)
    obj = tmp_path / "model.o"
    subprocess.run(["arm-none-eabi-gcc", "-c", "-O2", "-o", str(obj), f"-mcpu={cpu}", "-mthumb", f"-I{tmp_path}",
                    f"-DMF_TARGET_{core.upper()}", str(tmp_path / "model.c")], check=True, capture_output=True)
    return subprocess.run(["arm-none-eabi-objdump", "-d", "--no-show-raw-insn", str(obj)], check=True,
                          capture_output=True, text=True).stdout


def exact_on_core(model: bytes, core: str, tmp_path, seed_key: str, name: str, took=None, what: str = "",
                  opt: str = "-O2"):
    """Compile `model` for `core`, run it on the emulated core (firmware built with `opt`) on seeded random inputs
    and compare every output with TFLM byte for byte. `took(model_c)` checks first that the generated code takes
    the path under test."""
    oracle = Oracle(model)
    xs = random_inputs(oracle, np.random.default_rng(seed_of(seed_key, name)))
    cm = compile_model(model, target=core)
    if took is not None:
        took(cm.files["model.c"])
    run = run_on_target(cm, get_target(core), xs, opt=opt, workdir=tmp_path)
    assert_same_outputs(run.outputs, oracle.run(xs), f"{name} on {core}{what}")


@pytest.mark.parametrize("core", CORES)
def test_softmax_stores_no_table(core):
    """SOFTMAX and LOG_SOFTMAX compute exp in the kernel: no exp table among the model's constants ..."""
    for model, field in ((OP_MODELS["softmax-d13-b1.0"](), ".exp_lut = 0"), (mg.log_softmax_model((2, 9), 0.05, -4), "")):
        cm = compile_model(model, target=core)
        assert "_exp[" not in cm.files["model.c"] and field in cm.files["model.c"]
    assert "mf_softmax_exp(" in cm.files["mf_softmax.h"]
    for name in ("softmax-table-d300", "softmax-table-d1000"):   # ... unless computing costs more than it stores
        model_c = compile_model(OP_MODELS[name](), target=core).files["model.c"]
        assert "_exp[" in model_c and ".exp_lut = 0" not in model_c


def mix_taken(model_c: str) -> None:
    assert ".mix = 1" in model_c, "the mixed-weight path was not taken"


@pytest.mark.parametrize("core", CORES)
@pytest.mark.parametrize("name", sorted(OP_MODELS))
def test_op_on_core(name, core, tmp_path):
    exact_on_core(OP_MODELS[name](), core, tmp_path, "target-op", name)


def ring_only(monkeypatch):
    """Keep the direct order on its ring where full planes would cost more than ROWS_FULL_MAX_EXTRA bytes: refuse the
    compact full planes (ops/depthwise_conv2d.py ROWS_FULL_MAX_EXTRA_MORE, p->direct 2), which the
    test_dw_full_compact models below take."""
    from microforge.ops import depthwise_conv2d
    monkeypatch.setattr(depthwise_conv2d, "ROWS_FULL_MAX_EXTRA_MORE", depthwise_conv2d.ROWS_FULL_MAX_EXTRA)


def rows_only(monkeypatch):
    """Keep the tests of the row path on it: refuse the column path (mf_dw_cols.h), which narrow tall maps take when
    their placement allows (test_dw_cols_on_core)."""
    from microforge.ops.depthwise_conv2d import DepthwiseConv2D
    monkeypatch.setattr(DepthwiseConv2D, "_cols", lambda *a: False)


# out_w 3 (ROWS_MIN_OUT_W): the row path only in the direct order (else the pixel path: ROWS_MIN_OUT_W_STAGED)
THREE_WIDE = ("dw-rows-3x3-c8-same-none", "dw-rows-5x3-c13-same-none", "dw-rows-4x5-c7-valid-none",
              "dw-rows-nc-s1-3x3-c11-relu")
ROWS_NAMES = [n for n in OP_MODELS if n.startswith("dw-rows")  # out_w >= ROWS_MIN_OUT_W_STAGED (_S2)
              and n != "dw-rows-2x2-c4-same-relu" and n not in THREE_WIDE]


# The ADD models whose 4-element passes predate the linear pass: with add_linear refused they test the SMLAW pass
# (fast = 2) and the exact asm pass (fast = 1), which layers keep where no linear form is exact
OLD_ADD_PASSES = {"add": 2, "add-c13-ratio20": 2, "add-c7-relu6": 2, "add-equal-scales": 2, "add-smlaw-c9-extreme": 2,
                  "add-smlaw-c7-odd-passes": 2, "add-smlaw-c5-one-pass": 2, "add-smlaw-rejected": 1}


def no_linear(monkeypatch):
    import microforge.ops.add as add_op
    monkeypatch.setattr(add_op, "add_linear", lambda *a: None)


def test_add_fast_pass_taken(monkeypatch):
    """Without the linear pass the same-shape ADD models above take the DSP kernel's SMLAW pass (mf_add_s8_smlaw,
    fast = 2: input 1 rescaled, input 2 rescaled, both unscaled; ReLU / ReLU6 / none) where the compiler's exhaustive
    check passes, the exact asm pass (mf_add_s8_asm, fast = 1) where it does not, and a layer whose output shift is
    not a right shift of 1..22 keeps the C passes."""
    no_linear(monkeypatch)
    for name, fast in OLD_ADD_PASSES.items():
        assert f".fast = {fast}," in compile_model(OP_MODELS[name](), target="m4").files["model.c"], name
    q = add_params(0.02, 0.04, 1e-7)   # output scale so small that the output needs no right shift
    assert q.output_shift == 0 and not add_fast(q)
    assert add_fast(add_params(0.02, 0.04, 0.05)) and add_fast(add_params(0.05, 0.05, 0.1))


def test_add_linear_pass_taken():
    """The add-lin models (run on every core by test_op_on_core) take the linear pass on the DSP cores, clamped or not,
    and a layer whose outputs round ties away from zero on both sides of zero (equal scales, output twice as coarse:
    no single floor form) keeps the other passes."""
    for n in (1, 3, 5, 7, 9, 13, 17):
        for act in ("none", "relu"):
            model_c = compile_model(OP_MODELS[f"add-lin-n{n}-{act}"](), target="m4").files["model.c"]
            assert ".fast = 3," in model_c and ".lin_pre = 0" in model_c, (n, act)
    tie = mg.add_model(None, (1, 9), (1, 9), "NONE", scales=(0.1, 0.1), zero_points=(1, 2), out_scale=0.2, out_zp=-60)
    assert ".fast = 3," not in compile_model(tie, target="m4").files["model.c"]
    q = add_params(0.02, 0.04, 1e-7)   # output scale so small that the output needs no right shift
    assert q.output_shift == 0 and not add_fast(q)
    assert add_fast(add_params(0.02, 0.04, 0.05)) and add_fast(add_params(0.05, 0.05, 0.1))


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", sorted(OLD_ADD_PASSES))
def test_add_old_passes_on_core(name, core, tmp_path, monkeypatch):
    """The SMLAW and exact asm passes stay exact where layers keep them (no linear form found)."""
    no_linear(monkeypatch)
    exact_on_core(OP_MODELS[name](), core, tmp_path, "target-op", name,
                  took=lambda c: assert_in(f".fast = {OLD_ADD_PASSES[name]},", c), what=" without the linear pass")


def assert_in(needle: str, text: str) -> None:
    assert needle in text, f"{needle!r} not in the generated code"


# The DSP ADD's linear pass (mf_add_s8_lin, fast = 3: ops/add.py add_linear) on every one of the 256 x 256 input
# pairs: (input scales, zero points, output scale and zero point, activation, lin_pre expected, elements: 65536
# pairs then a tail of 0..3; pass counts 4q + 0..3, every entry into the 4-pass loop, clamped and not). ic's first and last residual ADDs (the byte-times-
# 2^8 form, the plain one), a MobileNetV2 ADD (output scale = input 2's), ReLU with the output zero point above -128
# and ReLU6 clamping on both sides (the packed, clamped store), input 1 the larger scale, scales ratio near 1 and
# extreme (0.5 / 0.0007), a fine output scale (small k) and a coarse one
LIN_PAIRS = {
    "ic-first": ((0.039393551647663116, 0.10419496148824692), (-128, 4), (0.050945673137903214, -128), "NONE", 1,
                 65537),
    "ic-last": ((0.08385830372571945, 0.21724364161491394), (38, -2), (0.1270691454410553, -128), "NONE", 0, 65541),
    "mbv2-out-is-in2": ((0.0037754776421934366, 0.004025585949420929), (15, -53), (0.004025585949420929, -53), "NONE",
                        0, 65545),
    "relu-zp-20": ((0.02, 0.04), (3, -3), (0.05, -20), "RELU", 0, 65549),
    "relu6-both-sides": ((0.031, 0.0113), (-7, 100), (0.1, -100), "RELU6", 1, 65537),
    "relu6-hi": ((0.0313, 0.0117), (-7, 100), (0.0391, -100), "RELU6", 0, 65541),
    "in1-larger-relu": ((0.2, 0.01), (-128, 127), (0.25, 5), "RELU", 0, 65546),
    "ratio-near-1": ((0.05, 0.0500001), (-9, 17), (0.07, 3), "NONE", 0, 65551),
    "ratio-extreme": ((0.5, 0.0007), (-128, 127), (0.35, -128), "RELU", 0, 65541),
    "fine-out": ((0.02, 0.04), (3, -3), (0.001, 0), "NONE", 0, 65539),
    "coarse-out": ((0.02, 0.04), (3, -3), (1.5, 0), "NONE", 0, 65537),
}


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", sorted(LIN_PAIRS))
def test_add_linear_all_pairs_on_core(name, core, tmp_path):
    (s1, s2), zps, (so, zo), act, pre, n = LIN_PAIRS[name]
    model = mg.add_model(None, (1, n), (1, n), act, scales=(s1, s2), zero_points=zps, out_scale=so, out_zp=zo)
    i = np.arange(n)
    a = ((i % 256) - 128).astype(np.int8)
    b = (((i // 256) + 7 * (i // 65536)) % 256 - 128).astype(np.int8)   # past the 65536 pairs: other b for the tail
    cm = compile_model(model, target=core)
    assert_in(".fast = 3,", cm.files["model.c"])
    assert_in(f".lin_pre = {pre}", cm.files["model.c"])
    run = run_on_target(cm, get_target(core), [a[None], b[None]], workdir=tmp_path)
    assert_same_outputs(run.outputs, Oracle(model).run([a[None], b[None]]), f"{name} on {core}, all input pairs")


@pytest.mark.parametrize("core", CORES)
@pytest.mark.parametrize("name", ["conv-c7", "conv-1x1-c33", "fc-in37-per-channel", "fc-per-tensor-batch4", "dw-c5",
                                  "dw-cols-25x5-c64-same-relu"])
def test_size_optimised_build_on_core(name, core, tmp_path):
    """`--opt -Os` builds and stays exact: on ARMv6-M GCC takes r8-r12 away from Thumb-1 code optimised for size,
    so the M0+ kernels' high-register loops must give way to their C forms there (they failed to compile); the DSP
    column path's assembly takes its immediates from the transposed params copy folded at -Os too."""
    exact_on_core(OP_MODELS[name](), core, tmp_path, "target", name, what=" at -Os", opt="-Os")


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", ROWS_NAMES)
def test_dw_rows_path_taken(name, core, monkeypatch):
    """The dw-rows models above (run on every core by test_op_on_core) really take the DSP row path, at the stride
    along the width their name says (the column path refused: dw-rows-11x10-c5-valid-none's 9x8 map takes it)."""
    rows_only(monkeypatch)
    model_c = compile_model(OP_MODELS[name](), target=core).files["model.c"]
    assert ".rows = 1" in model_c
    assert (".stride_w = 2" in model_c) == ("-s2-" in name or "s1x2" in name)


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", [n for n in OP_MODELS if n.startswith("dw-rows-ush-")])
def test_dw_rows_ush_taken(name, core):
    """The dw-rows-ush models above (run on every core by test_op_on_core) take the row path's one layer shift
    (ops/depthwise_conv2d.py _rows_ushift): a shift E >= 2 in the params, the direct order at stride_w 1."""
    model_c = compile_model(OP_MODELS[name](), target=core).files["model.c"]
    field = lambda f: int(model_c.split(f".{f} = ")[1].split(",")[0])
    assert ".rows = 1" in model_c and field("stride_w") == 1 and 2 <= field("ush") <= 22
    assert field("direct") in (1, 2)     # 2: full planes, compact groups (full_compact)


def test_dw_rows_ush_refused_on_small_tailed_maps():
    """A row ending in a 5-, 6- or 3-output block takes the layer's shift only from USH_TAIL_MIN_OUTPUTS outputs a
    channel (each group's scaled words cost their build): a 5x5 map keeps the per-channel shifts, a 4x4 map (quads
    only) takes it."""
    from microforge.ops.depthwise_conv2d import USH_TAIL_MIN_OUTPUTS
    assert 25 < USH_TAIL_MIN_OUTPUTS
    for (h, w), ush in (((7, 7), False), ((6, 6), True)):
        model_c = compile_model(mg.depthwise_model(seed_of("tdru", h, w, 5), (1, h, w, 5), 1, 3, 1, "VALID", 1, "RELU",
                                                   in_zp=-5, out_zp=-128), target="m4").files["model.c"]
        assert ".rows = 1" in model_c and ".direct = 1" in model_c and (".ush = " in model_c) == ush, (h, w)


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", [n for n in OP_MODELS if n.startswith("dw-s2rows-")])
def test_dw_s2rows_taken(name, core):
    """The dw-s2rows models above (run on every core by test_op_on_core) take runtime/dsp/mf_dw_s2.h's direct order at
    stride 2 (mf_depthwise_conv2d_s8_rows2) on rows of 6 to 11 outputs: full planes (band = out_h) at out_h 2, the ring
    of three plane rows (band 1) on taller maps, or full planes with compact groups (direct 2) where they cost at most
    ROWS_FULL_MAX_EXTRA_MORE bytes more (test_dw_s2rows_ring_on_core runs the ring)."""
    from microforge.ops.depthwise_conv2d import ROWS_FULL_MAX_EXTRA, ROWS_FULL_MAX_EXTRA_MORE
    model_c = compile_model(OP_MODELS[name](), target=core).files["model.c"]
    field = lambda f: int(model_c.split(f".{f} = ")[1].split(",")[0])
    assert "mf_depthwise_conv2d_s8_rows2(" in model_c and 6 <= field("out_w") < 12
    extra = (field("out_h") - 1) * 2 * 8 * field("wp")
    more = ROWS_FULL_MAX_EXTRA < extra <= ROWS_FULL_MAX_EXTRA_MORE
    assert field("direct") == (2 if more else 1)
    assert field("band") == (field("out_h") if field("out_h") == 2 or more else 1)
    if more:
        assert re.search(rf"_wr\[{18 * -(-field('in_c') // 4)}\]", model_c), "compact groups"


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", [n for n in OP_MODELS if n.startswith(("dw-s2ush-", "dw-s2ush7-"))])
def test_dw_s2ush_taken(name, core, tmp_path):
    """The dw-s2ush and dw-s2ush7 models above (run on every core by test_op_on_core) take mf_dw_s2.h's direct order
    at stride 2 with the layer's one shift (a shift E >= 2 in the params) on the M4/M33; on the M7 only on rows of
    4-output blocks (out_w % 4 == 0), whose quads then requantise by SMMLA (no rounding) and SSAT's own shift in the
    M7's object code, the others the per-channel shifts (no E, SMMLAR only)."""
    model_c = compile_model(OP_MODELS[name](), target=core).files["model.c"]
    field = lambda f: int(model_c.split(f".{f} = ")[1].split(",")[0])
    assert "mf_depthwise_conv2d_s8_rows2(" in model_c and field("stride_w") == 2
    assert field("direct") in (1, 2)
    if core == "m7" and field("out_w") % 4:
        assert ".ush = " not in model_c
    else:
        assert 2 <= field("ush") <= 22
    if core == "m7":
        dis = model_disassembly(OP_MODELS[name](), core, tmp_path)
        shifted = re.search(r"\bsmmla\t", dis) is not None and re.search(r"\bssat\t\w+, #8, \w+, asr #\d+", dis) is not None
        assert shifted == (field("out_w") % 4 == 0)


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", [n for n in OP_MODELS if n.startswith("dw-s2n5-")])
def test_dw_s2n5_taken(name, core):
    """The dw-s2n5 models above (run on every core by test_op_on_core): rows of 5 outputs take mf_dw_s2.h's direct
    order on the M4/M33 (ROWS_MIN_OUT_W_S2_M4) and, with full planes (band = out_h; compact groups past
    ROWS_FULL_MAX_EXTRA: 18 words a group in wr), on the M7 (ROWS_MIN_OUT_W_S2_M7)."""
    from microforge.ops.depthwise_conv2d import ROWS_FULL_MAX_EXTRA
    model_c = compile_model(OP_MODELS[name](), target=core).files["model.c"]
    field = lambda f: int(model_c.split(f".{f} = ")[1].split(",")[0])
    assert field("out_w") == 5 and field("stride_w") == 2
    assert "mf_depthwise_conv2d_s8_rows2(" in model_c and field("direct") in (1, 2)
    if core == "m7":
        assert field("band") == field("out_h") and "ush" not in model_c
        if (field("out_h") - 1) * 2 * 8 * field("wp") > ROWS_FULL_MAX_EXTRA:
            assert field("direct") == 2 and re.search(rf"_wr\[{18 * -(-field('in_c') // 4)}\]", model_c), "compact groups"


def test_dw_s2ush_ring_and_full():
    """Among the dw-s2ush models both orders run with the layer's shift: the ring (band 1) and full planes."""
    bands = set()
    for name in (n for n in OP_MODELS if n.startswith("dw-s2ush-")):
        model_c = compile_model(OP_MODELS[name](), target="m4").files["model.c"]
        field = lambda f: int(model_c.split(f".{f} = ")[1].split(",")[0])
        bands.add("ring" if field("band") == 1 else "full" if field("band") == field("out_h") > 1 else "?")
    assert bands == {"ring", "full"}


# models whose direct order takes full planes with compact groups (ROWS_FULL_MAX_EXTRA_MORE, p->direct 2): stride 1 and 2, out_h 2 to 8, out_w 5 to 54, channel counts 1, 3, 5, 6, 7, 13,
# 67, 70, the layer's shift and not
FULL_COMPACT = ["dw-rows-ush-10x10-c7-valid-relu", "dw-rows-ush-9x14-c13-valid-relu", "dw-rows-ush-10x12-c1-valid-relu",
                "dw-rows-ush-10x11-c3-valid-none", "dw-rows-long-3x54-c6-same-none", "dw-s2rows-9x12-c5-same-none",
                "dw-s2rows-5x17-c7-same-none", "dw-s2ush-4x33-c67-same-relu", "dw-rows-s2-3x33-c70-same-none",
                "dw-s2n5-10x10-c3-same-none", "dw-s2n5-7x10-c1-same-relu"]


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", FULL_COMPACT)
def test_dw_full_compact_on_core(name, core, tmp_path):
    """The FULL_COMPACT models: full planes (band = out_h) with the ring's compact groups (direct 2, the wr constants
    MF_DW_ROWS_GWC words a group) on every core; exact on every core."""
    model = OP_MODELS[name]()

    def took(model_c):
        field = lambda f: int(model_c.split(f".{f} = ")[1].split(",")[0])
        assert (field("direct"), field("band")) == (2, field("out_h"))
        words = int(model_c.split("_wr[")[1].split("]")[0])
        assert words == 18 * -(-field("in_c") // 4), words      # MF_DW_ROWS_GWC

    exact_on_core(model, core, tmp_path, "target-op", name, took, ", full planes with compact groups")


S2N3 = [n for n in OP_MODELS if n.startswith("dw-s2n3-")]


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", S2N3)
def test_dw_s2_three2_on_core(name, core, tmp_path):
    """The dw-s2n3 models (3-output rows at stride 2): unclamped with pad_left even (any pad_left on the M7),
    mf_dw_s2.h's full planes with compact groups (direct 2), two rows a block (mf_dw_s2_three2's marker in the
    assembly: the M7's own schedule there, the M4/M33's elsewhere); the pixel path with a clamped activation, or
    pad_left odd on the M4/M33; exact everywhere."""
    model = OP_MODELS[name]()
    cm = compile_model(model, target=core)
    model_c = cm.files["model.c"]
    field = lambda f: int(model_c.split(f".{f} = ")[1].split(",")[0])
    rows = (field("pad_left") % 2 == 0 or core == "m7") and (field("act_min"), field("act_max")) == (-128, 127)
    assert ("mf_depthwise_conv2d_s8_rows2(" in model_c) == rows and field("out_w") == 3
    if rows:
        assert (field("direct"), field("band")) == (2, field("out_h"))
    cm.write(tmp_path / "src")
    asm = gcc_output(tmp_path / "src", core, "-S", "-O2")
    assert ("@ mf_dw_s2_three2_m7" in asm) == (rows and core == "m7")
    assert ("@ mf_dw_s2_three2\n" in asm) == (rows and core != "m7")
    exact_on_core(model, core, tmp_path, "target-op", name, what=", 3-output rows at stride 2")


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", [n for n in OP_MODELS if n.startswith("dw-s2rows-")])
def test_dw_s2rows_ring_on_core(name, core, tmp_path, monkeypatch):
    """The dw-s2rows models with the compact full planes refused (ring_only): the ring of three plane rows at stride 2
    (band 1) on maps taller than 2 rows, which test_op_on_core's runs no longer take."""
    ring_only(monkeypatch)

    def ring(model_c):
        field = lambda f: int(model_c.split(f".{f} = ")[1].split(",")[0])
        assert field("direct") == 1 and field("band") == (field("out_h") if field("out_h") == 2 else 1)

    exact_on_core(OP_MODELS[name](), core, tmp_path, "target-op", name, ring, ", ring at stride 2")


# the ring at stride 2 on 2 output rows (a row pipeline's band calls of 2 rows, e.g. MobileNetV2's first stride-2
# layer): rotations 0 and 2 of the weights only (mf_dw_s2_rot2); out_w 17 (the quad loop, the odd quad and the 5-output
# block), 6 (the 6-output block alone), 7 (quad + 3), 10 (quad + 6), 8 (the loop alone); SAME on in_h 3 and 4 and VALID on
# in_h 5 and 6 (pad_top 0 and 1); channel counts 1, 3, 5, 7, 13, 67; the layer's shift (out_zp -128) and not, ReLU, none
S2_RING2 = {f"dw-s2ring2-{h}x{w}-c{c}-{pad.lower()}-{act.lower()}": (
    lambda h=h, w=w, c=c, pad=pad, act=act, zi=zi, zo=zo: mg.depthwise_model(
        seed_of("tds2r2", h, w, c), (1, h, w, c), 1, 3, 2, pad, 1, act, in_zp=zi, out_zp=zo))
    for h, w, c, pad, act, zi, zo in ((4, 34, 5, "SAME", "NONE", -128, -128), (3, 33, 3, "SAME", "RELU", 7, None),
                                      (5, 13, 7, "VALID", "NONE", -5, -128), (6, 15, 13, "VALID", "RELU", 2, None),
                                      (4, 21, 1, "SAME", "NONE", 0, 9), (3, 16, 67, "SAME", "RELU", -9, -128),
                                      (4, 12, 4, "SAME", "NONE", 3, -128))}


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", sorted(S2_RING2))
def test_dw_s2_ring2_on_core(name, core, tmp_path, monkeypatch):
    """The S2_RING2 models with full planes refused: mf_dw_s2.h's ring (band 1, direct 1) on 2 output rows, which builds
    rotation 0 and copies rotation 2 alone (mf_dw_s2_rot2); exact on every core."""
    from microforge.ops import depthwise_conv2d
    monkeypatch.setattr(depthwise_conv2d.DepthwiseConv2D, "_rows_full", staticmethod(lambda *a, **k: False))

    def ring2(model_c):
        field = lambda f: int(model_c.split(f".{f} = ")[1].split(",")[0])
        assert "mf_depthwise_conv2d_s8_rows2(" in model_c
        assert (field("direct"), field("band"), field("out_h"), field("stride_h")) == (1, 1, 2, 2)

    exact_on_core(S2_RING2[name](), core, tmp_path, "target-op", name, ring2, ", ring at stride 2 on 2 rows")


# the dw-outer models at stride 2 with rows of 5 outputs, which the M4/M33 give mf_dw_s2.h's direct order
# (ROWS_MIN_OUT_W_S2_M4; test_op_on_core runs them so): their pixel path with that refused
# (and with rows of 3 outputs, on full planes: _rows2_three)
OUTER_S2_N5 = [n for n in OP_MODELS if n.startswith(("dw-outer-s2-c", "dw-outer-s2-w5-", "dw-outer-s2-same-",
                                                     "dw-outer-s2-w3-"))]


def no_rows2_narrow(monkeypatch):
    from microforge.ops import depthwise_conv2d
    monkeypatch.setattr(depthwise_conv2d, "ROWS_MIN_OUT_W_S2_M4", depthwise_conv2d.ROWS_MIN_OUT_W_S2)
    monkeypatch.setattr(depthwise_conv2d, "ROWS_MIN_OUT_W_S2_M7", depthwise_conv2d.ROWS_MIN_OUT_W_S2)
    monkeypatch.setattr(depthwise_conv2d.DepthwiseConv2D, "_rows2_three", staticmethod(lambda *a: False))


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
def test_dw_outer_path_taken(core, monkeypatch):
    """The dw-outer models above (run on every core by test_op_on_core) really take mf_dw_outer (the pixel path, groups
    outermost); the single-op plans put the output over the input, so SAME ones stage their border pixels (outer 2).
    OUTER_S2_N5 take it with ROWS_MIN_OUT_W_S2_M4 and _M7 and _rows2_three refused (test_dw_outer_s2_n5_on_core); else
    mf_dw_s2.h's direct order (on the M7 where its planes are full, the 3-wide rows with _rows2_three)."""
    for name in OUTER_S2_N5:
        model_c = compile_model(OP_MODELS[name](), target=core).files["model.c"]
        assert "mf_depthwise_conv2d_s8_rows2(" in model_c, name
    no_rows2_narrow(monkeypatch)
    staged = 0
    for name in (n for n in OP_MODELS if n.startswith("dw-outer-")):
        model_c = compile_model(OP_MODELS[name](), target=core).files["model.c"]
        outer = re.findall(r"\.outer = (\d)", model_c)
        assert outer and outer[0] in "12" and ".rows = 1" not in model_c, name
        staged += outer[0] == "2" and "mf_depthwise_conv2d_s8_staged(" in model_c
        if "same" in name or "batch2" in name:
            assert outer[0] == "2", name
    assert staged >= 5


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", OUTER_S2_N5)
def test_dw_outer_s2_n5_on_core(name, core, tmp_path, monkeypatch):
    """OUTER_S2_N5 on the pixel path (mf_dw_outer), ROWS_MIN_OUT_W_S2_M4 and _M7 and _rows2_three refused: exact."""
    no_rows2_narrow(monkeypatch)

    def outer(model_c):
        assert re.findall(r"\.outer = ([12])", model_c) and ".rows = 1" not in model_c

    exact_on_core(OP_MODELS[name](), core, tmp_path, "target-op", name, outer, ", pixel path")


@pytest.mark.parametrize("name", [n for n in OP_MODELS if n.startswith("dw-rows-nc-") and n not in THREE_WIDE])
def test_dw_rows_neg_clamped_taken(name):
    """The dw-rows-nc models above take the row path's assembly (unclamped) with act_min >= out_offset (MF_NEG_CLAMPED),
    where the kernels drop the negative-value correction (ADD ..., ASR #31) from the requantisation."""
    model_c = compile_model(OP_MODELS[name](), target="m4").files["model.c"]
    field = lambda f: int(model_c.split(f".{f} = ")[1].split(",")[0])
    assert ".rows = 1" in model_c and field("act_min") == -128 and field("act_max") == 127
    assert field("act_min") >= field("out_offset")


@pytest.mark.parametrize("name,tail", [("dw-rows-5x5-c13-same-none", 1), ("dw-rows-4x5-c64-same-none", 1),
                                       ("dw-rows-3x7-c5-valid-none", 1), ("dw-rows-3x13-c7-same-none", 1),
                                       ("dw-rows-4x6-c13-same-none", 2), ("dw-rows-3x12-c5-valid-none", 2),
                                       ("dw-rows-7x12-c36-valid-none", 2), ("dw-rows-5x11-c7-same-none", 3),
                                       ("dw-rows-6x7-c64-same-none", 3), ("dw-rows-6x7-c7-same-none", 3)])
def test_dw_rows_tail_blocks_taken(name, tail):
    """The models above for the merged row tails: row path, stride 1, unclamped (the assembly, not the C loop), out_w % 4
    == 1 or 2 with out_w >= 5 (mf_dw_rows_run ends each row with mf_dw_rows_five / _six) or out_w % 4 == 3
    (mf_dw_rows_three)."""
    model_c = compile_model(OP_MODELS[name](), target="m4").files["model.c"]
    ow = int(model_c.split(".out_w = ")[1].split(",")[0])
    assert ".rows = 1" in model_c and ".stride_w = 1" in model_c and ow % 4 == tail and ow >= 5
    assert ".act_min = -128" in model_c and ".act_max = 127" in model_c


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", THREE_WIDE)
def test_dw_rows_three_wide_on_core(name, core, tmp_path, monkeypatch):
    """3-wide rows (out_w == ROWS_MIN_OUT_W) take the direct row path's assembly at stride 1, unclamped (each row one
    mf_dw_rows_three block, its M7 schedule on the M7) when input and output are disjoint (forced here: overlap_lead
    None), and stay exact; in the staged order (_rows_direct refused) they take the pixel path."""
    rows_only(monkeypatch)
    from microforge.ops.depthwise_conv2d import DepthwiseConv2D
    with monkeypatch.context() as m:
        m.setattr(DepthwiseConv2D, "_rows_direct", staticmethod(lambda *a: False))
        assert ".rows = 1" not in compile_model(OP_MODELS[name](), target=core).files["model.c"]
    monkeypatch.setattr(DepthwiseConv2D, "overlap_lead", lambda self, op, index: None)

    def three(model_c):
        assert ".rows = 1" in model_c and ".direct = 1" in model_c and ".stride_w = 1" in model_c
        assert ".out_w = 3," in model_c and ".act_min = -128" in model_c and ".act_max = 127" in model_c

    exact_on_core(OP_MODELS[name](), core, tmp_path, "target-op", name, three, ", 3-wide direct")


def three_wide_direct(name, core, monkeypatch):
    """Compile the 3-wide-row model `name` for `core` on the direct row path with full planes (forced: the column path
    and the overlap refused); returns (model, compiled model, its params' field reader) after checking that path."""
    rows_only(monkeypatch)
    from microforge.ops.depthwise_conv2d import DepthwiseConv2D
    monkeypatch.setattr(DepthwiseConv2D, "overlap_lead", lambda self, op, index: None)
    model = OP_MODELS[name]()
    cm = compile_model(model, target=core)
    field = lambda f: int(cm.files["model.c"].split(f".{f} = ")[1].split(",")[0])
    assert (field("rows"), field("direct"), field("out_w"), field("band")) == (1, 1, 3, field("out_h"))
    return model, cm, field


THREE7 = [n for n in OP_MODELS if n.startswith("dw-r3p-")]


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", THREE7)
def test_dw_rows_three7_on_core(name, core, tmp_path, monkeypatch):
    """3-wide rows on full planes, unclamped, out_zp -128 (forced direct: overlap_lead None) stay exact on every core;
    the M7 runs them as mf_dw_rows_three7 (its marker in the assembly) when there are full planes (out_h > 1; one row
    takes the ring), out_h <= MF_DW_THREE7_ROWS and the store offsets fit, the M4/M33 never."""
    model, cm, field = three_wide_direct(name, core, monkeypatch)
    assert (field("act_min"), field("act_max"), field("out_offset")) == (-128, 127, -128)
    oh, c = field("out_h"), field("in_c")
    cm.write(tmp_path / "src")
    taken = "@ mf_dw_rows_three7" in gcc_output(tmp_path / "src", core, "-S", "-O2")
    assert taken == (core == "m7" and 1 < oh <= 8 and (oh - 1) * 3 * c + 2 * c <= 4095), (taken, oh, c)
    exact_on_core(model, core, tmp_path, "target-op", name, what=", 3-wide full planes")


@pytest.mark.parametrize("name", ["dw-r3p-s1-5x5-c13-valid-none", "dw-r3p-s1-6x3-c129-same-none",
                                  "dw-r3p-s2-9x5-c7-valid-none", "dw-r3p-s1-3x3-c7-same-relu"])
def test_dw_rows_three7_ush_on_core(name, tmp_path, monkeypatch):
    """mf_dw_rows_three7 with the layer's one shift (SMMLA, SSAT's own shift, no e: the first row's slot that loads e
    empty), which such small maps do not take by default (USH_TAIL_MIN_OUTPUTS): forced by lowering that bound; the
    path taken and exact on the M7."""
    from microforge.ops import depthwise_conv2d
    monkeypatch.setattr(depthwise_conv2d, "USH_TAIL_MIN_OUTPUTS", 0)
    model, cm, field = three_wide_direct(name, "m7", monkeypatch)
    assert field("ush") >= 2
    cm.write(tmp_path / "src")
    asm = gcc_output(tmp_path / "src", "m7", "-S", "-O2")
    assert "@ mf_dw_rows_three7" in asm and re.search(r"ssat\s+\w+, #8, \w+, asr #[1-9]", asm), "three7 with the shift"
    exact_on_core(model, "m7", tmp_path, "target-op", name, what=", three7 with the layer's shift")


THREE2 = THREE7 + [n for n in OP_MODELS if n.startswith("dw-r3n-")]


@pytest.mark.parametrize("core", ["m4", "m33"])
@pytest.mark.parametrize("name", THREE2)
def test_dw_rows_three2_on_core(name, core, tmp_path, monkeypatch):
    """3-wide rows on full planes, unclamped (forced direct: overlap_lead None), with out_zp -128 (MF_NEG_CLAMPED) or
    another: the M4/M33 run them two rows a block (mf_dw_rows_three2, its marker in the assembly) when there are full
    planes (out_h > 1) and the offsets fit, and stay exact."""
    model, cm, field = three_wide_direct(name, core, monkeypatch)
    assert (field("act_min"), field("act_max")) == (-128, 127)
    oh, c, wp, sh = field("out_h"), field("in_c"), field("wp"), field("stride_h")
    cm.write(tmp_path / "src")
    asm = gcc_output(tmp_path / "src", core, "-S", "-O2")
    taken = "@ mf_dw_rows_three2" in asm
    assert "@ mf_dw_rows_three7" not in asm
    assert taken == (oh > 1 and 5 * c <= 4095 and 2 * wp * sh + 4 * wp + 8 <= 4095), (taken, oh, c)
    exact_on_core(model, core, tmp_path, "target-op", name, what=", 3-wide rows in pairs")


@pytest.mark.parametrize("core", ["m4", "m33"])
@pytest.mark.parametrize("name", ["dw-r3p-s1-5x5-c13-valid-none", "dw-r3p-s1-6x3-c129-same-none",
                                  "dw-r3p-s2-9x5-c7-valid-none", "dw-r3p-s1-3x3-c7-same-relu"])
def test_dw_rows_three2_ush_on_core(name, core, tmp_path, monkeypatch):
    """mf_dw_rows_three2 with the layer's one shift (MF_DW_ROWS_RQU: SMMLA and SSAT's own shift), which such small
    maps do not take by default (USH_TAIL_MIN_OUTPUTS): forced by lowering that bound; exact on the M4/M33."""
    rows_only(monkeypatch)
    from microforge.ops import depthwise_conv2d
    monkeypatch.setattr(depthwise_conv2d, "USH_TAIL_MIN_OUTPUTS", 0)
    monkeypatch.setattr(depthwise_conv2d.DepthwiseConv2D, "overlap_lead", lambda self, op, index: None)
    model = OP_MODELS[name]()
    cm = compile_model(model, target=core)
    assert int(cm.files["model.c"].split(".ush = ")[1].split(",")[0]) >= 2 and ".out_w = 3," in cm.files["model.c"]
    cm.write(tmp_path / "src")
    assert "@ mf_dw_rows_three2" in gcc_output(tmp_path / "src", core, "-S", "-O2")
    exact_on_core(model, core, tmp_path, "target-op", name, what=", 3-wide rows in pairs with the layer's shift")


# The row path's widening at stride_w 1 (mf_depthwise_conv2d.h): on the M4/M33 rows of 8 pixels or more after an odd
# column L's first pixel in mf_dw_widen_row4 (eight pixels a loop pass, then 0..3 pairs in one block), a row's lone first
# (L odd) and last pixel by mf_dw_widen_px's back-to-back byte loads. Input rows of 17 (L 1: two passes, no lone last
# pixel), 12 (a pass, a pair, a last pixel), 21 and 14 (L 0: two passes, two pairs, a last pixel; a pass, three pairs), 9
# (L 1: exactly one pass), 8 (L 1: 7 after the first pixel, the C pairs), 26 with C 40 (8C > 255: the pass steps its
# source by an ADD); channel counts 4, 5, 7, 13, 8, 40 and 1, 3 (no full group: the per-value widening); SAME and
# VALID, ReLU (the C loop) and none
WIDEN_MODELS = {
    f"dw-wid-{h}x{w}-c{c}-{pad.lower()}-{act.lower()}": (
        lambda h=h, w=w, c=c, pad=pad, act=act, zi=zi: mg.depthwise_model(
            seed_of("tdwid", h, w, c), (1, h, w, c), 1, 3, 1, pad, 1, act, in_zp=zi))
    for h, w, c, pad, act, zi in ((3, 17, 4, "SAME", "NONE", -128), (4, 12, 5, "SAME", "RELU", 7),
                                  (3, 21, 7, "VALID", "NONE", -3), (5, 14, 13, "VALID", "NONE", 20),
                                  (3, 9, 8, "SAME", "NONE", 0), (4, 8, 4, "SAME", "NONE", -9),
                                  (3, 26, 40, "SAME", "RELU", 5), (3, 18, 1, "SAME", "NONE", 3),
                                  (3, 19, 3, "VALID", "NONE", -128),
                                  # short rows in one block (MF_DW_WIDEN_SHORT): 6 (L 1: two pairs, a last pixel), 5
                                  # (L 1: two pairs), 6 and 7 (L 0: three pairs; and a last pixel); 3 (L 1: one pair,
                                  # the C pairs after the first pixel's loads)
                                  (6, 6, 13, "SAME", "NONE", -5), (5, 5, 4, "SAME", "RELU", 2),
                                  (4, 6, 5, "VALID", "NONE", 9), (5, 7, 7, "VALID", "NONE", -128),
                                  (3, 3, 12, "SAME", "NONE", 1))}


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("ring", [False, True])
@pytest.mark.parametrize("name", sorted(WIDEN_MODELS))
def test_dw_widen_row4_on_core(name, ring, core, tmp_path, monkeypatch):
    """The stride-1 row path's widening (WIDEN_MODELS above) exact on every DSP core, in the plan's order and on the
    direct order's ring of three plane rows (overlap and full planes refused); its assembly where the rows ask for it:
    mf_dw_widen_row4's loop on the M4/M33 when a full group of 4 channels has 8 pixels after the first at an odd column L, its one block for short
    rows (MF_DW_WIDEN_SHORT), mf_dw_widen_px where another row has a lone first (L odd) or last pixel; none on the M7
    (its own two-pair loop and C lone pixels)."""
    rows_only(monkeypatch)
    if ring:     # no full planes either (ROWS_FULL_MAX_EXTRA -1): each output row widens its new input row
        from microforge.ops import depthwise_conv2d
        monkeypatch.setattr(depthwise_conv2d, "ROWS_FULL_MAX_EXTRA", -1)
        monkeypatch.setattr(depthwise_conv2d, "ROWS_FULL_MAX_EXTRA_MORE", -1)
        monkeypatch.setattr(depthwise_conv2d.DepthwiseConv2D, "overlap_lead", lambda self, op, index: None)
    model = WIDEN_MODELS[name]()
    cm = compile_model(model, target=core)
    model_c = cm.files["model.c"]
    field = lambda f: int(model_c.split(f".{f} = ")[1].split(",")[0])
    assert ".rows = 1" in model_c and field("stride_w") == 1
    if ring:
        assert (field("direct"), field("band")) == (1, 1)
    w, lp, c = field("in_w"), field("pad_left"), field("in_c")
    cm.write(tmp_path / "src")
    asm = gcc_output(tmp_path / "src", core, "-S", "-O2")
    m4, n = core != "m7" and c >= 4, w - lp % 2
    short = n < 8 and (n >= 4 or n % 2 == 1)
    assert ("@ mf_dw_widen_row4" in asm) == (m4 and n >= 8), (w, lp, c)
    assert ("@ mf_dw_widen_short" in asm) == (m4 and short), (w, lp, c)
    assert ("@ mf_dw_widen_px" in asm) == (m4 and not short and (lp % 2 == 1 or n % 2 == 1)), (w, lp, c)
    exact_on_core(model, core, tmp_path, "target-op", name, what=", ring" if ring else "")


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", ["dw-rows-4x5-c64-same-none", "dw-rows-5x10-c6-same-relu", "dw-rows-5x5-c13-same-none",
                                  "dw-rows-6x7-c64-same-none", "dw-rows-ush-6x6-c5-valid-none"])
def test_dw_rows_consts_copy_on_core(name, core, tmp_path):
    """The row path's groups of MF_DW_ROWS_GW words (full planes within ROWS_FULL_MAX_EXTRA: 64 channels, 6 with a last
    group of 2, 5 with the layer's one shift; the staged order, 13 channels) copy their requantisation words to the
    stack by LDR/STR in one asm block on the M4/M33 (mf_dw_rows_consts, its marker), C on the M7, and without the shift
    build their weight rows in asm (mf_dw_rows_build_row4); the compact groups (full planes past it, direct 2: the
    6x7x64 map) keep the C of both on every core. Exact on each core."""
    model = OP_MODELS[name]()
    cm = compile_model(model, target=core)
    model_c = cm.files["model.c"]
    field = lambda f: int(model_c.split(f".{f} = ")[1].split(",")[0])
    groups = -(-field("in_c") // 4)
    wide = re.search(rf"_wr\[{25 * groups}\]", model_c) is not None
    assert wide == (field("direct") != 2), (field("direct"), groups)
    cm.write(tmp_path / "src")
    asm = gcc_output(tmp_path / "src", core, "-S", "-O2")
    assert ("@ mf_dw_rows_consts4" in asm) == (wide and core != "m7")
    assert ("@ mf_dw_rows_build_row4" in asm) == (wide and core != "m7" and ".ush = " not in model_c)
    exact_on_core(model, core, tmp_path, "target-op", name)


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", ["dw-rows-12x5-c13-same-none", "dw-rows-10x8-c6-same-relu6", "dw-rows-6x7-c7-same-none",
                                  "dw-rows-5x11-c7-same-none", "dw-rows-11x10-c5-valid-none"])
def test_dw_rows_ring1_on_core(name, core, tmp_path, monkeypatch):
    """The direct row path's ring at stride_h 1 (mf_dw_rows_ring1: direct, one output row a band, not full planes), which
    single-op plans take only when their output does not lie over the input: forced by refusing the overlap
    (DepthwiseConv2D.overlap_lead None: input and output disjoint); 5-wide rows, channel tails, a clamped activation;
    the compact full planes refused (ring_only), which these maps would take."""
    rows_only(monkeypatch)
    ring_only(monkeypatch)
    from microforge.ops.depthwise_conv2d import DepthwiseConv2D
    monkeypatch.setattr(DepthwiseConv2D, "overlap_lead", lambda self, op, index: None)

    def ring1(model_c):
        field = lambda f: int(model_c.split(f".{f} = ")[1].split(",")[0])
        assert (field("direct"), field("band"), field("stride_h")) == (1, 1, 1) and field("out_h") > 3

    exact_on_core(OP_MODELS[name](), core, tmp_path, "target-op", name, ring1, ", ring1")


@pytest.mark.parametrize("name", ROWS_NAMES)
@pytest.mark.parametrize("core", ["m4", "m7"])
def test_dw_rows_staged_on_core(name, core, tmp_path, monkeypatch):
    """The DSP row path's staged mode (bands outermost, each group's weights built again per band, outputs staged
    then copied), which the single-op plans above rarely take (their in-place output trails the input far enough
    for the direct mode): forced by refusing DepthwiseConv2D._rows_direct."""
    rows_only(monkeypatch)
    from microforge.ops.depthwise_conv2d import DepthwiseConv2D
    monkeypatch.setattr(DepthwiseConv2D, "_rows_direct", staticmethod(lambda *a: False))

    def staged(model_c):
        assert ".direct = 0" in model_c and ".direct = 1" not in model_c

    exact_on_core(OP_MODELS[name](), core, tmp_path, "target-op", name, staged, ", staged")


# dw-rows models whose direct row path takes planes for every input row (_rows_full): quads and the 5-, 6-, 3-output
# blocks, 1 to 64 channels, SAME and VALID
ROWS_FULL_NAMES = ["dw-rows-4x8-c1-same-none", "dw-rows-7x12-c36-valid-none", "dw-rows-5x10-c6-same-relu",
                   "dw-rows-4x5-c64-same-none", "dw-rows-nc-s1-5x7-c5-relu"]


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", ROWS_FULL_NAMES)
def test_dw_rows_full_taken(name, core):
    """The ROWS_FULL_NAMES models (run on every core by test_op_on_core) take the direct row path with planes for every
    input row (band = out_h > 1)."""
    model_c = compile_model(OP_MODELS[name](), target=core).files["model.c"]
    field = lambda f: int(model_c.split(f".{f} = ")[1].split(",")[0])
    assert field("direct") == 1 and field("band") == field("out_h") > 1


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", [n for n in OP_MODELS if n.startswith("dw-rfm7-")])
def test_dw_rows_full_m7_taken(name, core):
    """The dw-rfm7 models above (run on every core by test_op_on_core) take the direct row path; their planes for every
    input row cost more than ROWS_FULL_MAX_EXTRA and at most ROWS_FULL_MAX_EXTRA_MORE bytes over the ring: full planes
    (band = out_h) with compact groups (direct 2, MF_DW_ROWS_GWC = 18 words a group in wr) on every core."""
    from microforge.ops.depthwise_conv2d import ROWS_FULL_MAX_EXTRA, ROWS_FULL_MAX_EXTRA_MORE
    model_c = compile_model(OP_MODELS[name](), target=core).files["model.c"]
    field = lambda f: int(model_c.split(f".{f} = ")[1].split(",")[0])
    oh, ow, sh, c = field("out_h"), field("out_w"), field("stride_h"), field("in_c")
    extra = (oh - 1) * sh * 8 * field("wp")
    assert ".rows = 1" in model_c and field("direct") == 2 and ROWS_FULL_MAX_EXTRA < extra <= ROWS_FULL_MAX_EXTRA_MORE
    assert field("band") == oh
    assert re.search(rf"_wr\[{18 * -(-c // 4)}\]", model_c), "compact groups"


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
def test_dw_rows_full_s2_on_core(core, tmp_path, monkeypatch):
    """Full planes at stride_h 2 (mf_dw_rows_full: output row oy from plane rows 2 * oy + 0, 1, 2), which the single-op
    plan takes only when its output does not lie over the input: forced by refusing the overlap (overlap_lead None)."""
    from microforge.ops.depthwise_conv2d import DepthwiseConv2D
    monkeypatch.setattr(DepthwiseConv2D, "overlap_lead", lambda self, op, index: None)
    name = "dw-rows-s2x1-full-c5"

    def full(model_c):
        field = lambda f: int(model_c.split(f".{f} = ")[1].split(",")[0])
        assert (field("direct"), field("stride_h"), field("stride_w")) == (1, 2, 1) and field("band") == field("out_h") > 1

    exact_on_core(OP_MODELS[name](), core, tmp_path, "target-op", name, full, ", full planes at stride_h 2")


@pytest.mark.parametrize("name", ROWS_FULL_NAMES)
@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
def test_dw_rows_ring_on_core(name, core, tmp_path, monkeypatch):
    """The same models on the direct row path's ring of three plane rows (weights in three rotations, rows outside
    the image widened per group), forced by setting ROWS_FULL_MAX_EXTRA and ROWS_FULL_MAX_EXTRA_MORE to -1."""
    from microforge.ops import depthwise_conv2d
    monkeypatch.setattr(depthwise_conv2d, "ROWS_FULL_MAX_EXTRA", -1)
    monkeypatch.setattr(depthwise_conv2d, "ROWS_FULL_MAX_EXTRA_MORE", -1)

    def ring(model_c):
        assert ".band = 1," in model_c and ".direct = 1" in model_c

    exact_on_core(OP_MODELS[name](), core, tmp_path, "target-op", name, ring, ", ring")


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
def test_dw_rows_schedule_per_core(core, tmp_path):
    """The row path's quad loops and 5- and 6-output blocks follow the core model.c names: on the M7 (MF_TARGET_M7)
    each row's loads of the next row's words issue between its MACs (MF_DW_ROWS_ROW_M7, MF_DW_ROWS2_ROW_M7, ...), on
    the M4/M33 in back-to-back runs: the preprocessed model.c of a row-path layer holds, for the stride_w 1 and 2
    quads and the 5-output block, one schedule's text and not the other's."""
    cm = compile_model(OP_MODELS["dw-rows-4x12-c100-same-relu6"](), target=core)
    assert ".rows = 1" in cm.files["model.c"]
    cm.write(tmp_path)
    text = gcc_output(tmp_path, core, "-E")
    for m7_text, m4_text in (('"ldr %[A], [%[r], %[w0]]\\n\\t"',
                              '"smlad %[a0], %[A], %[P], %[a3]\\n\\tsmlabt %[a0], %[B], %[Q], %[a0]\\n\\t"'),
                             # the stride_w 2 quad: on the M7 (MF_DW_ROWS2_ROW8_M7) the second row's data registers
                             # rotated (its next W0 into B beside a MAC), on the M4/M33 (MF_DW_S2_ROW7) W3 and the
                             # weights in the row's one run of loads
                             ('"ldr %[B], [%[r], #%c[v16]-16]\\n\\t"', '"#%c[w16]-4" "]\\n\\tldr %[P], " "[%[k], #8]"'),
                             # the 5-output block: on the M7 its first MAC beside B's load (MF_DW_ROWS5_FIRST2_M7)
                             ('"smlad %[a0], %[A], %[P], %[a4]\\n\\tldr %[B], [%[r], #4]\\n\\t"',
                              '"%[w12]" "]\\n\\t" "smlad %[a2], %[B], %[P], "'),
                             # the stride_w 2 6-output block (mf_dw_s2_six): a5's SMLAD beside the next row's P load
                             # before a4's SMLABT on the M7 (MF_DW_S2_ROW6_M7), three data registers elsewhere (W5, W6
                             # in C, A: MF_DW_S2_ROW6)
                             ('"smlad %[a5], %[B], %[P], %[a5]\\n\\t" "ldr %[P], [%[k], #8]\\n\\t"',
                              'smlabt %[a4], %[C], %[Q], %[a4]\\n\\t" "smlad %[a5], %[C], %[P], %[a5]\\n\\tsmlabt %[a5], %[A]')):
        assert (m7_text in text) == (core == "m7") and (m4_text in text) == (core != "m7"), (core, m7_text)
    # the M7 quad loop's first row (2*bias in a0, loaded beside the block before: MF_DW_ROWS_BIAS7) and its last row
    # requantising in place (MF_DW_ROWS_ROW2_RQ_M7)
    for m7_text in ('"ldr %[Q], [%[k], #4]\\n\\tsmlad %[a2], %[B], %[P], %[a0]\\n\\t"',
                    # the stride_w 2 quad's in-place requantisation, the next quad's W0 loaded beside it
                    '"smmlar %[a0], %[a0], %[Q], %[C]\\n\\tldr %[A], [%[r]]\\n\\t"',
                    '"smmlar %[a0], %[a0], %[A], %[B]\\n\\tsmlabt %[a2], %[C], %[Q], %[a2]\\n\\tasr %[a0], %[a0], %[P]\\n\\t"'):
        assert (m7_text in text) == (core == "m7"), (core, m7_text)


# DSP conv 2-pixel x 4-channel blocks on mixed weights (mf_conv2d_s8_mix): with the padding rule lifted
# (MIX_MAX_PAD = inf) small odd shapes take that path too: odd in/out channels (1, 3, 5, 7, 13: padded channel
# groups, partial last group stores, window tails), a lone last pixel, strides, dilation, SAME/VALID,
# in-place 1x1 (in_c % 4 == 0: read straight from the input), batches, per-tensor weights.
MIX_MODELS = {
    "mix-1x1-24to13-5x5": lambda: mg.conv2d_model(seed_of("mx", 1), (1, 5, 5, 24), 13, 1, 1, "VALID", 1, "RELU", in_zp=-9),
    "mix-1x1-20to7-s2": lambda: mg.conv2d_model(seed_of("mx", 2), (1, 7, 5, 20), 7, 1, 2, "SAME", 1, "NONE", in_zp=4),
    "mix-1x1-21to5": lambda: mg.conv2d_model(seed_of("mx", 3), (1, 3, 3, 21), 5, 1, 1, "VALID", 1, "RELU6", in_zp=-128),
    "mix-1x1-64to61-batch2": lambda: mg.conv2d_model(seed_of("mx", 4), (2, 3, 3, 64), 61, 1, 1, "SAME", 1, "NONE", in_zp=2),
    "mix-1x1-32to62-per-tensor": lambda: mg.conv2d_model(seed_of("mx", 5), (1, 2, 5, 32), 62, 1, 1, "SAME", 1, "RELU",
                                                          per_channel=False, in_zp=-1),
    "mix-5x5-c1to3": lambda: mg.conv2d_model(seed_of("mx", 6), (1, 7, 6, 1), 3, 5, 1, "SAME", 1, "RELU", in_zp=-3),
    "mix-3x3-c3to1-s2": lambda: mg.conv2d_model(seed_of("mx", 7), (1, 9, 9, 3), 1, 3, 2, "SAME", 1, "NONE", in_zp=-128),
    "mix-3x3-c5to63": lambda: mg.conv2d_model(seed_of("mx", 8), (1, 4, 5, 5), 63, 3, 1, "SAME", 1, "RELU6", in_zp=7),
    "mix-3x3-c7to5-dil2": lambda: mg.conv2d_model(seed_of("mx", 9), (1, 8, 7, 7), 5, 3, 1, "VALID", 2, "RELU", in_zp=-5),
    "mix-3x3-c13to7-s2-valid": lambda: mg.conv2d_model(seed_of("mx", 10), (1, 9, 8, 13), 7, 3, 2, "VALID", 1, "NONE", in_zp=9),
    "mix-3x3-c64to16": lambda: mg.conv2d_model(seed_of("mx", 11), (1, 3, 3, 64), 16, 3, 1, "SAME", 1, "RELU", in_zp=-128),
}


@pytest.mark.parametrize("core", ["m4", "m7"])
@pytest.mark.parametrize("name", sorted(MIX_MODELS))
def test_conv_mix_on_core(name, core, tmp_path, monkeypatch):
    from microforge.ops import conv2d
    monkeypatch.setattr(conv2d, "MIX_MAX_PAD", float("inf"))
    monkeypatch.setattr(conv2d, "ROW_BYTES", 0)   # no row entries (mf_conv2d_s8_rowmix): the 2x4 blocks' own gathers
    monkeypatch.setattr(conv2d, "SEG_MAX_WORDS", 0)   # nor widened rows (mf_conv2d_s8_seg, in_c 1, 3, 5)
    exact_on_core(MIX_MODELS[name](), core, tmp_path, "target-mix", name, mix_taken)


# DSP FC with one input vector on mixed 8-row groups (mf_fully_connected_s8_mix): with the padding and group-count
# rules lifted (MIX_MAX_PAD = inf, MIX_MIN_GROUPS = 1) tiny layers take that path too: in_features 1..13 (zero-padded last chunk, n & 3 = 1, 2, 3),
# every leading chunk count before the 8-chunk loop (steps 1, 2, 3, 4, 5, 6, 9, 11, 375: 1..7), out_features leaving 0..7 rows
# after the groups (plain 4/2/1-row blocks), per-tensor (asm epilogue: byte-wise RELU/RELU6 clamps) and per-channel
# weights, RELU6 with an output zero point, in_zp -128, wide layers (1280, 1500 inputs).
FC_MIX_MODELS = {
    f"fc-mix-{n}to{o}-{act.lower()}{'-pt' if not pc else ''}": (
        lambda n=n, o=o, act=act, pc=pc, izp=izp, ozp=ozp: mg.fc_model(seed_of("tfm", n, o), (1, n), o, act, per_channel=pc,
                                                                      in_zp=izp, out_zp=ozp))
    for n, o, act, pc, izp, ozp in (
        (1, 8, "RELU", True, -128, None), (3, 9, "NONE", False, 5, None), (5, 13, "RELU6", True, -128, 12),
        (7, 15, "RELU", True, -7, None), (13, 16, "NONE", False, -1, None), (4, 8, "NONE", True, 3, None),
        (8, 17, "RELU6", True, 0, -20), (12, 23, "NONE", True, 100, None), (16, 8, "RELU", False, -128, None),
        (20, 10, "NONE", True, 9, None), (44, 24, "RELU", True, -3, None), (62, 11, "NONE", False, 2, None),
        (128, 20, "RELU6", True, -128, 5), (1280, 21, "NONE", True, 1, None), (1500, 9, "RELU", False, -60, None),
        (24, 16, "RELU6", False, -128, 10), (36, 8, "RELU6", False, 3, -100))
}
# k loops split in segments (MIX_SEG_LIMIT lowered so these weights need them, kept >= 4*128 so single chunks
# fit): 32 chunks in halves or less, 25 in 5s (a leading chunk and a loop pass each) or 1s, 11 in 1s (leading
# chunk only), 1280 inputs in many segments
FC_MIX_SEG_LIMITS = {"fc-mix-seg-128to16": 2500, "fc-mix-seg-100to9": 1000, "fc-mix-seg-44to8": 600, "fc-mix-seg-1280to10": 2500}
FC_MIX_MODELS.update({
    f"fc-mix-seg-{n}to{o}": (lambda n=n, o=o, pc=pc, izp=izp: mg.fc_model(seed_of("tfms", n, o), (1, n), o, "RELU", per_channel=pc,
                                                                         in_zp=izp))
    for n, o, pc, izp in ((128, 16, True, -128), (100, 9, False, 4), (44, 8, True, -1), (1280, 10, True, 0))
})


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", sorted(FC_MIX_MODELS))
def test_fc_mix_on_core(name, core, tmp_path, monkeypatch):
    from microforge.ops import fully_connected
    monkeypatch.setattr(fully_connected, "MIX_MAX_PAD", float("inf"))
    monkeypatch.setattr(fully_connected, "MIX_MIN_GROUPS", 1)
    if "-seg-" in name:
        monkeypatch.setattr(fully_connected, "MIX_SEG_LIMIT", FC_MIX_SEG_LIMITS[name])
    n_in = int(name.split("-")[3 if "-seg-" in name else 2].split("to")[0])
    whole = f".mix_seg = {((n_in + 3) & ~3) // 4},"        # one segment: all k4/4 chunks

    def took(model_c):
        mix_taken(model_c)
        assert (whole in model_c) != ("-seg-" in name), "segments where not wanted, or none"

    exact_on_core(FC_MIX_MODELS[name](), core, tmp_path, "target-fc-mix", name, took)


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", ["fc-mix-16to8-relu-pt", "fc-mix-44to24-relu", "fc-mix-62to11-none-pt",
                                  "fc-mix-seg-100to9", "fc-mix-1500to9-relu-pt"])
def test_fc_mix_expand4_on_core(name, core, tmp_path, monkeypatch):
    """The M4/M33 widening of the input vector four chunks at a time (mf_dsp_fc_mix_expand's single-STR loop) is
    compiled in there and not on the M7, and is exact with what the 2- and 1-chunk steps do after it: 4 chunks
    (one pass), 11 (2 passes, 2, 1), 16 with a zero-padded last (3 passes, 2, 1, the padded one), 25 in segments
    of 5 (a pass and a chunk each), 375."""
    from microforge.ops import fully_connected
    monkeypatch.setattr(fully_connected, "MIX_MAX_PAD", float("inf"))
    monkeypatch.setattr(fully_connected, "MIX_MIN_GROUPS", 1)
    if "-seg-" in name:
        monkeypatch.setattr(fully_connected, "MIX_SEG_LIMIT", FC_MIX_SEG_LIMITS[name])
    model = FC_MIX_MODELS[name]()
    cm = compile_model(model, target=core)
    mix_taken(cm.files["model.c"])
    cm.write(tmp_path / "s")
    passes = gcc_output(tmp_path / "s", core, "-S", "-O2").count("@ mf_dsp_fc_mix_expand4\n")
    assert (passes > 0) == (core != "m7"), "the 4-chunk widening where not wanted, or none"
    exact_on_core(model, core, tmp_path, "target-fc-mix-x4", name, mix_taken)


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("pc", [False, True])
def test_fc_mix_bias_splits_on_core(pc, core, tmp_path, monkeypatch):
    """MIX_SEG_LIMIT just above the c' rows' sum |w|: the weights alone fit one segment, with the biases (in_zp -128
    folds 128 * sum w into them) they do not, so the k loop runs in two; and the same layer in one segment, m started
    at b_c + 256*b_c'."""
    from microforge.frontend.tflite import load_tflite
    from microforge.ops import fully_connected
    model = mg.fc_model(seed_of("tfmb", pc), (1, 64), 16, "RELU6", per_channel=pc, in_zp=-128)
    w = load_tflite(model).ops[0].inputs[1].data.astype(np.int64)
    for limit, seg in ((int(np.abs(w[1::2]).sum(axis=1).max()) + 1, 8), (1 << 16, 16)):
        monkeypatch.setattr(fully_connected, "MIX_SEG_LIMIT", limit)

        def took(model_c, seg=seg):
            mix_taken(model_c)
            assert f".mix_seg = {seg}," in model_c, "not the segments under test"

        exact_on_core(model, core, tmp_path, "target-fc-mix-bias", f"fc-mix-bias-{pc}-{seg}", took)


def _fc_pruned_row(seed: int, n: int, o: int, row: int, batches: int = 1, act: str = "NONE") -> bytes:
    """A per-tensor FULLY_CONNECTED model whose weight row `row` is all zero (a pruned channel)."""
    from microforge.frontend.tflite import load_tflite
    m = bytearray(mg.fc_model(seed, (batches, n), o, act, per_channel=False, in_zp=-3))
    w = load_tflite(bytes(m)).ops[0].inputs[1].data.astype(np.int8).tobytes()
    at = bytes(m).find(w)
    assert at > 0 and bytes(m).find(w, at + 1) < 0
    m[at + row * n: at + (row + 1) * n] = bytes(n)
    return bytes(m)


# per-tensor weights with a pruned (all-zero) row: dsp_rq_layout gives that row its own exact constants, so the DSP
# paths take them per channel (the per-tensor forms read one channel's constants for all and were wrong):
# mixed 8-row groups (row in a group, row 0, a left-over row), 4-row groups, batches
FC_PRUNED = {
    "mix-24to16-row5": (24, 16, 5, 1), "mix-64to19-row0": (64, 19, 0, 1), "mix-20to17-row16": (20, 17, 16, 1),
    "grouped-13to7-row2": (13, 7, 2, 1), "batch3-9to5-row4": (9, 5, 4, 3),
}


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", sorted(FC_PRUNED))
def test_fc_pruned_row_per_tensor_on_core(name, core, tmp_path, monkeypatch):
    from microforge.ops import fully_connected
    monkeypatch.setattr(fully_connected, "MIX_MAX_PAD", float("inf"))
    monkeypatch.setattr(fully_connected, "MIX_MIN_GROUPS", 1)
    n, o, row, batches = FC_PRUNED[name]

    def took(model_c):
        assert ".per_channel = 1" in model_c
        assert (".mix = 1" in model_c) == name.startswith("mix"), "not the path under test"
        assert (".grouped = 1" in model_c) == name.startswith("grouped"), "not the path under test"

    exact_on_core(_fc_pruned_row(seed_of("tfp", name), n, o, row, batches), core, tmp_path, "target-fc-pruned", name, took)


def test_fc_mix_per_tensor_stores_biases_only():
    """Mixed groups, per tensor: 4 bytes of requantisation constants per channel (the biases; m2 and e once in the
    params), as many as the .tflite's bias; per channel 12 (bias, m2, e)."""
    from microforge.ops import fully_connected
    for pc, per_row in ((False, 4), (True, 12)):
        cm = compile_model(mg.fc_model(3, (1, 64), 24, "RELU", per_channel=pc, in_zp=1), target="m4")
        assert ".mix = 1" in cm.files["model.c"]
        decl = [l for l in cm.files["model.c"].splitlines() if "_rq[" in l and "static const" in l]
        assert len(decl) == 1 and f"[{24 * per_row // 4}]" in decl[0], decl


# Mixed-weight blocks whose pixel pairs are read in place (mf_dsp_mix_gather2: both windows inside the image,
# side by side in one output row, dil_w 1, window rows >= 4 bytes, windows <= 64 bytes or rows of whole words): window rows of 5..21
# bytes so 4-byte chunks straddle rows with 1, 2 and 3 bytes in the first, a last chunk running into the padding,
# odd output widths (pairs across rows and a lone last pixel go the im2col way), stride 2 in either direction,
# dil_h 2, batches, per-tensor weights, partial channel groups, activations clamping, in_zp -128 and others.
GATHER_MODELS = {
    "gather-3x3-c3to8-s2-relu6": lambda: mg.conv2d_model(seed_of("ga", 1), (1, 15, 14, 3), 8, 3, 2, "SAME", 1, "RELU6",
                                                         in_zp=-128),
    "gather-3x3-c3to5-valid": lambda: mg.conv2d_model(seed_of("ga", 2), (1, 9, 12, 3), 5, 3, 1, "VALID", 1, "NONE", in_zp=5),
    "gather-3x3-c2to13-relu": lambda: mg.conv2d_model(seed_of("ga", 3), (1, 8, 9, 2), 13, 3, 1, "SAME", 1, "RELU", in_zp=-7),
    "gather-5x5-c1to3-valid": lambda: mg.conv2d_model(seed_of("ga", 4), (1, 9, 10, 1), 3, 5, 1, "VALID", 1, "RELU6",
                                                      in_zp=11),
    "gather-2x3-c7to7-dilh2": lambda: mg.conv2d_model(seed_of("ga", 5), (1, 10, 11, 7), 7, (2, 3), 1, "VALID", (2, 1),
                                                      "NONE", in_zp=-1),
    "gather-3x3-c3to16-s2-batch2-per-tensor": lambda: mg.conv2d_model(seed_of("ga", 6), (2, 11, 13, 3), 16, 3, 2, "SAME", 1,
                                                                      "RELU", per_channel=False, in_zp=0),
    "gather-1x1-c20to9-s2": lambda: mg.conv2d_model(seed_of("ga", 7), (1, 9, 9, 20), 9, 1, 2, "VALID", 1, "NONE", in_zp=3),
    "gather-3x1-c7to1-s1x2": lambda: mg.conv2d_model(seed_of("ga", 8), (1, 8, 11, 7), 1, (3, 1), (1, 2), "SAME", 1, "RELU6",
                                                     in_zp=-128, out_zp=20),
    "gather-3x3-c7to4-s2x1": lambda: mg.conv2d_model(seed_of("ga", 9), (1, 9, 8, 7), 4, 3, (2, 1), "SAME", 1, "NONE", in_zp=-60),
    # windows over 64 bytes with rows of whole words: the looped form
    "gather-loop-3x3-c8to12-s2": lambda: mg.conv2d_model(seed_of("ga", 10), (1, 11, 12, 8), 12, 3, 2, "SAME", 1, "RELU6",
                                                         in_zp=-128),
    "gather-loop-3x3-c16to5-valid": lambda: mg.conv2d_model(seed_of("ga", 11), (1, 7, 9, 16), 5, 3, 1, "VALID", 1, "NONE",
                                                            in_zp=9),
    "gather-loop-1x1-c68to9-s2": lambda: mg.conv2d_model(seed_of("ga", 12), (1, 7, 9, 68), 9, 1, 2, "SAME", 1, "RELU", in_zp=-4),
    "gather-loop-2x2-c20to7-dilh2-batch2": lambda: mg.conv2d_model(seed_of("ga", 13), (2, 8, 9, 20), 7, 2, 1, "VALID", (2, 1),
                                                                   "NONE", per_channel=False, in_zp=1),
}


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", sorted(GATHER_MODELS))
def test_conv_mix_gather_on_core(name, core, tmp_path, monkeypatch):
    from microforge.ops import conv2d
    monkeypatch.setattr(conv2d, "MIX_MAX_PAD", float("inf"))
    monkeypatch.setattr(conv2d, "ROW_BYTES", 0)
    monkeypatch.setattr(conv2d, "SEG_MAX_WORDS", 0)   # in_c 1, 2, 3, 7: not the widened rows (mf_conv2d_s8_seg)
    exact_on_core(GATHER_MODELS[name](), core, tmp_path, "target-gather", name, mix_taken)


# Non-1x1 convolutions on row entries (mf_conv2d_s8_rowmix, mix = 4, or 6 with out_c % 4 == 0): with the padding and window-size rules lifted
# (MIX_MAX_PAD = inf, MIX_MIN_WIN = 4) small odd shapes take it too. Entries widened in order (in_c 1, 2, 3, 5, 7)
# and as SXTB16 pairs (in_c 4, 8, 16); every head of the 8-word loop (k4 / 2 mod 8 = 0, 2, 4, 6) with and
# without loop passes; odd out_c (partial last group), out_c 1; a lone last pixel per row (odd out_w); padded rows
# and columns on every side (SAME), VALID; strides 2, 2x1, 1x2; non-square kernels (kws' 10x4, 3x1, 1x3, 2x2);
# batches; per-tensor weights; clamps, in_zp -128; rows in strips.
ROW_MODELS = {
    "row-3x3-c3to8-s2-relu6": lambda: mg.conv2d_model(seed_of("rw", 1), (1, 15, 14, 3), 8, 3, 2, "SAME", 1, "RELU6",
                                                      in_zp=-128),
    "row-3x3-c16to16": lambda: mg.conv2d_model(seed_of("rw", 2), (1, 6, 7, 16), 16, 3, 1, "SAME", 1, "RELU", in_zp=-5),
    "row-3x3-c16to13-s2-valid": lambda: mg.conv2d_model(seed_of("rw", 3), (1, 9, 10, 16), 13, 3, 2, "VALID", 1, "NONE",
                                                        in_zp=9),
    "row-3x3-c4to5-batch2": lambda: mg.conv2d_model(seed_of("rw", 4), (2, 5, 6, 4), 5, 3, 1, "SAME", 1, "RELU6", in_zp=-1,
                                                    out_zp=30),
    "row-3x3-c8to1-s2x1": lambda: mg.conv2d_model(seed_of("rw", 5), (1, 9, 8, 8), 1, 3, (2, 1), "SAME", 1, "NONE",
                                                  in_zp=-60),
    "row-10x4-c1to64-s2-kws": lambda: mg.conv2d_model(seed_of("rw", 6), (1, 20, 10, 1), 64, (10, 4), 2, "SAME", 1, "RELU",
                                                      in_zp=3),
    "row-3x1-c2to7-s1x2": lambda: mg.conv2d_model(seed_of("rw", 7), (1, 8, 11, 2), 7, (3, 1), (1, 2), "SAME", 1, "RELU6",
                                                  in_zp=-128, out_zp=20),
    "row-1x3-c4to9": lambda: mg.conv2d_model(seed_of("rw", 8), (1, 3, 9, 4), 9, (1, 3), 1, "SAME", 1, "NONE", in_zp=4),
    "row-2x2-c2to3-valid": lambda: mg.conv2d_model(seed_of("rw", 9), (1, 5, 8, 2), 3, 2, 1, "VALID", 1, "RELU", in_zp=-2),
    "row-3x3-c5to6-per-tensor": lambda: mg.conv2d_model(seed_of("rw", 10), (1, 7, 5, 5), 6, 3, 2, "SAME", 1, "RELU",
                                                        per_channel=False, in_zp=0),
    "row-5x5-c7to4-s2": lambda: mg.conv2d_model(seed_of("rw", 11), (1, 11, 9, 7), 4, 5, 2, "SAME", 1, "NONE", in_zp=-7),
    # rows wider than a strip (ROW_BYTES): 37 = 32 + 5 pixels (lone last pixel), 97 = 94 + 3
    "row-3x3-c16to8-strips": lambda: mg.conv2d_model(seed_of("rw", 12), (1, 3, 37, 16), 8, 3, 1, "SAME", 1, "RELU",
                                                     in_zp=-128),
    "row-3x3-c3to4-strips-s2": lambda: mg.conv2d_model(seed_of("rw", 13), (1, 4, 193, 3), 4, 3, 2, "SAME", 1, "RELU6",
                                                       in_zp=1),
    # out_c % 4 == 0 (mix = 6, mf_dsp_rowpw_pair) at every head: 2 (36 values), 6 without loop passes (12), 4 alone (8)
    "row-3x3-c4to12-batch2-s2x1": lambda: mg.conv2d_model(seed_of("rw", 14), (2, 7, 5, 4), 12, 3, (2, 1), "SAME", 1,
                                                          "RELU6", in_zp=-128, out_zp=-60),
    "row-1x3-c4to8-valid": lambda: mg.conv2d_model(seed_of("rw", 15), (1, 4, 9, 4), 8, (1, 3), 1, "VALID", 1, "RELU",
                                                   out_zp=50),
    "row-2x1-c4to4": lambda: mg.conv2d_model(seed_of("rw", 16), (1, 5, 3, 4), 4, (2, 1), 1, "SAME", 1, "NONE", in_zp=6),
    "row-3x3-c8to12-per-tensor": lambda: mg.conv2d_model(seed_of("rw", 17), (1, 5, 7, 8), 12, 3, 1, "SAME", 1, "RELU",
                                                         per_channel=False, in_zp=-3),
    # loop passes only, no head: two (16 words), four (32)
    "row-2x2-c8to4-s2": lambda: mg.conv2d_model(seed_of("rw", 18), (1, 7, 9, 8), 4, 2, 2, "SAME", 1, "RELU6", in_zp=-128),
    "row-2x2-c16to8": lambda: mg.conv2d_model(seed_of("rw", 19), (1, 4, 5, 16), 8, 2, 1, "VALID", 1, "NONE", in_zp=11),
    # passes of three eights (k4 / 2 % 24 == 0: MF_RMIX_PASS8): one pass (3x1 in_c 16, 24 words), six (3x3 in_c 32);
    # of two (1x2 in_c 16, 16 words); in_c 24 (108 words: 4-word head, passes of one eight); odd out_c on each (mix 4);
    # extreme multipliers (tiny and large input scales)
    "row-3x1-c16to8-pass3": lambda: mg.conv2d_model(seed_of("rw", 20), (1, 5, 7, 16), 8, (3, 1), 1, "SAME", 1, "RELU",
                                                    in_zp=-128),
    "row-3x1-c16to5-pass3-s2": lambda: mg.conv2d_model(seed_of("rw", 21), (1, 7, 6, 16), 5, (3, 1), 2, "SAME", 1,
                                                       "NONE", in_zp=17),
    "row-3x3-c32to20-pass3": lambda: mg.conv2d_model(seed_of("rw", 22), (1, 5, 7, 32), 20, 3, 1, "SAME", 1, "RELU6",
                                                     in_zp=-9, out_zp=-100),
    "row-3x3-c32to17-pass3-s2-valid": lambda: mg.conv2d_model(seed_of("rw", 23), (1, 7, 9, 32), 17, 3, 2, "VALID", 1,
                                                              "RELU", in_zp=40),
    "row-1x2-c16to3-pass2": lambda: mg.conv2d_model(seed_of("rw", 24), (1, 3, 7, 16), 3, (1, 2), 1, "SAME", 1, "NONE",
                                                    in_zp=-2),
    "row-3x3-c24to12": lambda: mg.conv2d_model(seed_of("rw", 25), (1, 5, 5, 24), 12, 3, 1, "SAME", 1, "RELU", in_zp=5),
    "row-3x3-c24to7-s2": lambda: mg.conv2d_model(seed_of("rw", 26), (1, 6, 7, 24), 7, 3, 2, "SAME", 1, "NONE",
                                                 in_zp=-128),
    # in_c 48, 64: three and four 16-byte chunks a column in the entries' widening loop (mf_dsp_widen_cols)
    "row-3x3-c48to8-s2": lambda: mg.conv2d_model(seed_of("rw", 29), (1, 5, 6, 48), 8, 3, 2, "SAME", 1, "RELU", in_zp=-4),
    "row-3x3-c64to9": lambda: mg.conv2d_model(seed_of("rw", 30), (1, 3, 5, 64), 9, 3, 1, "SAME", 1, "NONE", in_zp=7),
    "row-3x3-c16to16-tiny-scale": lambda: mg.conv2d_model(seed_of("rw", 27), (1, 5, 5, 16), 16, 3, 1, "SAME", 1, "NONE",
                                                          in_scale=0.0002, in_zp=3),
    "row-3x3-c16to13-large-scale": lambda: mg.conv2d_model(seed_of("rw", 28), (1, 5, 5, 16), 13, 3, 1, "SAME", 1,
                                                           "RELU", in_scale=4.0, in_zp=-1),
}


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", sorted(ROW_MODELS))
def test_conv_rowmix_on_core(name, core, tmp_path, monkeypatch):
    from microforge.ops import conv2d
    monkeypatch.setattr(conv2d, "MIX_MAX_PAD", float("inf"))
    monkeypatch.setattr(conv2d, "MIX_MIN_WIN", 4)
    monkeypatch.setattr(conv2d, "ROW_IC_MULTIPLE", 1)   # in_c 1, 2, 3, 5, 7 too (the kernel takes any)

    def took(model_c):   # out_c % 4 == 0: the groups with their constants (mix = 6, or 8: test_conv_rowmix_two_rows)
        oc = int(re.search(r"to(\d+)", name).group(1))
        assert re.search(f"\\.mix = {'[68]' if oc % 4 == 0 else 4},", model_c), "the row-entry path was not taken"
        if "-strips" in name:   # (in_c, stride, out_w) of the two wide models
            ic, sw, ow = (16, 1, 37) if "c16" in name else (3, 2, 97)
            assert conv2d.row_strip(dict(k_h=3, k_w=3, in_c=ic, stride_w=sw)) < ow

    exact_on_core(ROW_MODELS[name](), core, tmp_path, "target-row", name, took)


# Two output rows per build of row entries (mix = 8, M4/M33; ops/conv2d.py row_two): entries of k_h + stride_h rows,
# the window's passes (one entry each) a row of input channels apart. 3x3 in_c 16 (ic's layers: passes of three
# eights) at strides 1 and 2 (gaps of one and two rows), 2x2 (passes of two eights), 3x1 (k_w 1); odd output row
# counts (the last row alone on two-row entries); SAME padding on every side (pad rows above, below, and past the
# band's last input row), VALID; rows wider than a strip with input and output apart (two strips, each strip's rows
# both done before the next strip's entries); batches; per-tensor weights; clamps, in_zp -128. On the M7 the same
# models take mix 6 (one row).
ROW2_MODELS = {
    "row2-3x3-c16to16": lambda: mg.conv2d_model(seed_of("rw2", 1), (1, 8, 10, 16), 16, 3, 1, "SAME", 1, "RELU",
                                                in_zp=-128),
    "row2-3x3-c16to12-odd-rows": lambda: mg.conv2d_model(seed_of("rw2", 2), (1, 7, 6, 16), 12, 3, 1, "SAME", 1,
                                                         "NONE", in_zp=5, out_zp=-30),
    "row2-3x3-c16to8-s2": lambda: mg.conv2d_model(seed_of("rw2", 3), (1, 9, 8, 16), 8, 3, 2, "SAME", 1, "RELU6",
                                                  in_zp=-7),
    "row2-3x3-c16to4-s2-valid": lambda: mg.conv2d_model(seed_of("rw2", 4), (1, 11, 9, 16), 4, 3, 2, "VALID", 1,
                                                        "NONE", in_zp=60),
    "row2-2x2-c16to8-valid": lambda: mg.conv2d_model(seed_of("rw2", 5), (1, 4, 5, 16), 8, 2, 1, "VALID", 1, "NONE",
                                                     in_zp=11),
    "row2-3x1-c16to8": lambda: mg.conv2d_model(seed_of("rw2", 6), (1, 6, 8, 16), 8, (3, 1), 1, "SAME", 1, "RELU",
                                               in_zp=-128),
    "row2-3x3-c16to8-batch2-per-tensor": lambda: mg.conv2d_model(seed_of("rw2", 7), (2, 5, 6, 16), 8, 3, 1, "SAME", 1,
                                                                 "RELU", per_channel=False, in_zp=-2),
    "row2-3x3-c16to12-strips": lambda: mg.conv2d_model(seed_of("rw2", 8), (1, 4, 40, 16), 12, 3, 1, "SAME", 1,
                                                       "RELU6", in_zp=-128, out_zp=20),
}


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", sorted(ROW2_MODELS))
def test_conv_rowmix_two_rows_on_core(name, core, tmp_path, monkeypatch):
    from microforge.ops import conv2d
    if "-strips" in name:   # no in-place placement: input and output apart (else one row at a time, test below)
        monkeypatch.setattr(conv2d.Conv2D, "overlap_lead", lambda self, op, index: None)

    def took(model_c):
        assert f".mix = {6 if core == 'm7' else 8}," in model_c, "the two-row entries were not taken"
        if "-strips" in name:
            assert conv2d.row_strip(dict(k_h=3, k_w=3, in_c=16, stride_w=1), 4) < 40

    exact_on_core(ROW2_MODELS[name](), core, tmp_path, "target-row2", name, took)


@pytest.mark.parametrize("core", ["m4", "m33"])
def test_conv_rowmix_two_rows_marker(core, tmp_path):
    """The two-row entries' window loop (mf_dsp_rowpw_pair with passes gp bytes apart): its marker comment with the gap
    (2 * stride_h * in_c bytes) in gcc -S, and ic's 3x3 layers in its first row pipeline take it on the M4/M33 without a
    resident Winograd U (`wino_u="off"`; by default they run Winograd: test_winograd.py; its second one runs one output
    row a call: one row at a time there)."""
    for stride, gap in ((1, 32), (2, 64)):
        cm = compile_model(ROW2_MODELS["row2-3x3-c16to16" if stride == 1 else "row2-3x3-c16to8-s2"](), target=core)
        assert ".mix = 8," in cm.files["model.c"]
        d = tmp_path / f"s{stride}"
        cm.write(d)
        found = {int(n) for n in re.findall(r"@ mf_rmix entries (\d+) bytes apart", gcc_output(d, core, "-S", "-O2"))}
        assert found == {gap}, (stride, found)
    cm = compile_model(shared_model("mlperf_tiny/ic.tflite").read_bytes(), target=core, wino_u="off")
    assert len(re.findall(r"\.mix = 8,", cm.files["model.c"])) >= 4
    # rows wider than a strip whose output may overlap the input (the planner's in-place placement): one row at a time
    cm = compile_model(ROW2_MODELS["row2-3x3-c16to12-strips"](), target=core)
    assert ".mix = 6," in cm.files["model.c"]


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
def test_conv_rowmix_pass_eights(core, tmp_path, monkeypatch):
    """A row-entry window loops in passes of 3 eights of words when they divide its k4 / 2 words (MF_RMIX_PASS8: ic's 3x3
    in_c 16, 32 layers, 72 and 144 words), else of 2 (1x2 in_c 16: 16 words), else of one (3x3 in_c 8: 36): the
    marker comment in the window's asm, which gcc -S prints with the count, on both row paths (mix 6 and 4) on every
    core; and in_c % 16 == 0 entries widened by mf_dsp_widen_cols (its marker; in_c 16 two columns a pass). Exactness:
    test_conv_rowmix_on_core's pass2/pass3 and in_c 16..64 models, ic on every core."""
    from microforge.ops import conv2d
    monkeypatch.setattr(conv2d, "MIX_MAX_PAD", float("inf"))   # odd out_c: mix 4
    for shape, k, oc, eights in (((1, 6, 7, 16), 3, 8, 3), ((1, 6, 7, 16), 3, 13, 3), ((1, 6, 7, 32), 3, 12, 3),
                                 ((1, 4, 7, 16), (1, 2), 4, 2), ((1, 6, 7, 8), 3, 8, 1), ((1, 6, 7, 8), 3, 5, 1)):
        cm = compile_model(mg.conv2d_model(seed_of("rw-eights", oc), shape, oc, k, 1, "SAME", 1, "RELU"), target=core)
        assert f".mix = {6 if oc % 4 == 0 else 4}" in cm.files["model.c"]
        d = tmp_path / f"{shape[3]}-{oc}-{eights}"
        cm.write(d)
        text = gcc_output(d, core, "-S", "-O2")
        found = {int(n) for n in re.findall(r"@ mf_rmix window passes of (\d+) eights", text)}
        assert found == {eights}, (shape, k, oc, found)
        # the entries of in_c 16, 32 are widened a run of columns at a time (mf_dsp_widen_cols), in_c 8's column by column
        widened = {int(n) for n in re.findall(r"@ mf_dsp_widen_cols (\d+)", text)}
        assert widened == ({shape[3]} if shape[3] % 16 == 0 else set()), (shape, widened)
        # in_c 16 (one 16-byte chunk a column) two columns a pass, an odd count entering at the second
        assert ("@ mf_dsp_widen_cols 16 two columns a pass" in text) == (shape[3] == 16), shape


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
def test_conv_rowmix_schedule_per_core(core, tmp_path):
    """The row-entry window loop's schedule follows the core model.c names (MF_TARGET_M7: the software-pipelined one
    whose pass check compares the weight pointer; M4/M33: the pass check comparing x), for both row paths (mix 4 and
    6): the preprocessed model.c of a layer on each path holds its schedule's pass check and not the other's."""
    for oc, mix in ((8, 6), (23, 4)):   # 23: one padded channel, within MIX_MAX_PAD
        cm = compile_model(mg.conv2d_model(seed_of("rw-sched", oc), (1, 6, 7, 16), oc, 3, 1, "SAME", 1, "RELU"), target=core)
        assert f".mix = {mix}" in cm.files["model.c"]
        d = tmp_path / f"{core}-{oc}"
        cm.write(d)
        text = gcc_output(d, core, "-E")
        m7_check, m4_check = "cmp %[w], %[e1]", "cmp %[x], %[e0]"
        assert (m7_check in text) == (core == "m7") and (m4_check in text) == (core != "m7"), f"{core} mix {mix}"


# First layers on widened input rows (mf_conv2d_s8_seg, mix = 5: non-1x1, in_c not a multiple of 4): with the
# padding and window-size rules lifted (MIX_MAX_PAD = inf, MIX_MIN_WIN = 4) small odd shapes take it too. in_c 1, 2,
# 3, 5, 7; rows of odd k_w * in_c (their last values merged two to a word, an odd row count's last alone with a zero
# weight) and even; stride_w * in_c odd (ic's stride 1,
# in_c 3: odd outputs read the shifted copy) and even; odd out_w (a lone last output), out_c 1 and odd (partial
# last group); SAME padding on every side (pad rows above and below, pad columns left and right, kws' odd left
# pad with in_c 1), VALID; strides 2, 2x1, 1x2; kernels 3x3, 10x4, 5x5, 1x3, 3x1, 2x2; batches; per-tensor
# weights; clamps, in_zp -128; rows wider than a strip (several strips, a short last one).
SEG_MODELS = {
    "seg-3x3-c3to8-s2-relu6-vww": lambda: mg.conv2d_model(seed_of("sg", 1), (1, 15, 14, 3), 8, 3, 2, "SAME", 1, "RELU6",
                                                          in_zp=-128),
    "seg-3x3-c3to16-ic": lambda: mg.conv2d_model(seed_of("sg", 2), (1, 8, 9, 3), 16, 3, 1, "SAME", 1, "RELU", in_zp=-5),
    "seg-10x4-c1to64-s2-kws": lambda: mg.conv2d_model(seed_of("sg", 3), (1, 21, 10, 1), 64, (10, 4), 2, "SAME", 1, "RELU",
                                                      in_zp=3),
    "seg-3x3-c1to5-valid": lambda: mg.conv2d_model(seed_of("sg", 4), (1, 7, 9, 1), 5, 3, 1, "VALID", 1, "NONE", in_zp=-1),
    # whole groups without a negative clamp (pw_consts' c' with Ra - 128 for negative accumulators)
    "seg-3x3-c3to8-s2-none": lambda: mg.conv2d_model(seed_of("sg", 18), (1, 11, 10, 3), 8, 3, 2, "SAME", 1, "NONE",
                                                     in_zp=-128, out_zp=25),
    "seg-3x3-c2to7-s2": lambda: mg.conv2d_model(seed_of("sg", 5), (1, 9, 11, 2), 7, 3, 2, "SAME", 1, "RELU6", in_zp=-128,
                                                out_zp=20),
    "seg-5x5-c1to4-batch2": lambda: mg.conv2d_model(seed_of("sg", 6), (2, 6, 7, 1), 4, 5, 1, "SAME", 1, "NONE", in_zp=9),
    "seg-3x3-c7to1-s2x1": lambda: mg.conv2d_model(seed_of("sg", 7), (1, 9, 8, 7), 1, 3, (2, 1), "SAME", 1, "NONE",
                                                  in_zp=-60),
    "seg-1x3-c3to9-s1x2": lambda: mg.conv2d_model(seed_of("sg", 8), (1, 3, 13, 3), 9, (1, 3), (1, 2), "SAME", 1, "RELU",
                                                  in_zp=4),
    "seg-3x1-c5to6": lambda: mg.conv2d_model(seed_of("sg", 9), (1, 8, 5, 5), 6, (3, 1), 1, "SAME", 1, "RELU", in_zp=-2),
    "seg-2x2-c3to3-valid-per-tensor": lambda: mg.conv2d_model(seed_of("sg", 10), (1, 5, 8, 3), 3, 2, 1, "VALID", 1, "RELU",
                                                              per_channel=False, in_zp=0),
    # rows' last values merged two to a word (odd k_w * in_c) with an even row count: no lone last row
    "seg-2x3-c3to5-valid": lambda: mg.conv2d_model(seed_of("sg", 13), (1, 6, 7, 3), 5, (2, 3), 1, "VALID", 1, "NONE",
                                                   in_zp=-3),
    "seg-4x3-c1to12-s2": lambda: mg.conv2d_model(seed_of("sg", 14), (1, 11, 9, 1), 12, (4, 3), 2, "SAME", 1, "RELU6",
                                                 in_zp=-128),
    # one output row (the row pipeline's bands): neighbouring outputs paired, odd outputs from the shifted copy
    # (stride_w * in_c odd), a lone last output, several strips
    "seg-1row-3x3-c3to8": lambda: mg.conv2d_model(seed_of("sg", 15), (1, 3, 9, 3), 8, 3, 1, "VALID", 1, "RELU", in_zp=-7),
    "seg-1row-10x4-c1to16-s2": lambda: mg.conv2d_model(seed_of("sg", 16), (1, 10, 12, 1), 16, (10, 4), 2, "VALID", 1,
                                                       "NONE", in_zp=5),
    "seg-1row-3x3-c3to4-strips": lambda: mg.conv2d_model(seed_of("sg", 17), (1, 3, 131, 3), 4, 3, 1, "VALID", 1, "RELU6",
                                                         in_zp=-128),
    "seg-3x3-c3to8-strips": lambda: mg.conv2d_model(seed_of("sg", 11), (1, 4, 131, 3), 8, 3, 1, "SAME", 1, "RELU6",
                                                    in_zp=1),
    "seg-3x3-c3to4-strips-s2": lambda: mg.conv2d_model(seed_of("sg", 12), (1, 5, 193, 3), 4, 3, 2, "SAME", 1, "NONE",
                                                       in_zp=-128),
    # a lone last row (odd out_h: neighbouring outputs paired, mf_dsp_seg_row1) in each of two batches, odd outputs
    # from the shifted copy, a lone last output, odd out_c
    "seg-lone-3x3-c3to13-batch2": lambda: mg.conv2d_model(seed_of("sg", 19), (2, 5, 7, 3), 13, 3, 1, "SAME", 1, "RELU",
                                                          in_zp=-128, out_zp=-3),
    # the column layout (in_c 1, k_h even, stride_h 2: ops/conv2d.py seg_cols): several strips per row, a lone last
    # row, a partial last group; whole groups with VALID padding, batches and a lone last output
    "seg-cols-10x4-c1to13-strips": lambda: mg.conv2d_model(seed_of("sg", 21), (1, 13, 61, 1), 13, (10, 4), 2, "SAME", 1,
                                                           "RELU", in_zp=-128, out_zp=-9),
    "seg-cols-2x3-c1to8-valid-batch2": lambda: mg.conv2d_model(seed_of("sg", 22), (2, 9, 11, 1), 8, (2, 3), 2, "VALID", 1,
                                                               "NONE", in_zp=7),
    # the same with whole groups (mf_dsp_seg_groups) and several strips per row (short even strips, a last odd one)
    "seg-lone-3x3-c3to8-strips": lambda: mg.conv2d_model(seed_of("sg", 20), (2, 3, 131, 3), 8, 3, 1, "SAME", 1, "NONE",
                                                         in_zp=6),
}


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", sorted(SEG_MODELS))
def test_conv_seg_on_core(name, core, tmp_path, monkeypatch):
    from microforge.ops import conv2d
    monkeypatch.setattr(conv2d, "MIX_MAX_PAD", float("inf"))
    monkeypatch.setattr(conv2d, "MIX_MIN_WIN", 4)

    def took(model_c):
        assert ".mix = 5" in model_c, "the widened-row path was not taken"
        if "-strips" in name and "-cols-" not in name:   # several strips per output row
            sw, ow = (1, 131) if "-s2" not in name else (2, 97)
            assert conv2d.seg_strip(dict(stride_h=1, k_h=3, k_w=3, in_c=3, stride_w=sw, out_w=ow)) < ow
        assert ("-1row-" in name) == (".out_h = 1," in model_c)
        if "-lone-" in name:
            assert int(re.search(r"\.out_h = (\d+),", model_c).group(1)) % 2 == 1
        f = {k: int(re.search(rf"\.{k} = (-?\d+),", model_c).group(1)) for k in ("in_c", "k_h", "stride_h", "out_w")}
        assert conv2d.seg_cols(f) == ("-cols-" in name or "-kws" in name or "c1to12-s2" in name or "c1to16-s2" in name)
        if "-cols-" in name and "-strips" in name:
            assert conv2d.seg_strip(dict(f, k_w=4, stride_w=2)) < f["out_w"]

    exact_on_core(SEG_MODELS[name](), core, tmp_path, "target-seg", name, took)


# Rows of the row layout whose widened values end in 1, 2 or 3 bytes after the 4-byte steps (mf_dsp_seg_widen's
# tails: on the M4/M33 the 2 and 3 byte tails load back to back in asm, MF_TARGET_M7 keeps the C): in_c 3 and 1 at
# stride 2 (one copy of the rows), image widths 7, 9, 10, 13, a strip edge (61 wide), SAME and VALID.
SEG_TAIL_MODELS = {
    "c3to8-7": lambda: mg.conv2d_model(seed_of("st", 1), (1, 9, 7, 3), 8, 3, 2, "SAME", 1, "RELU6", in_zp=-128),
    "c3to8-9": lambda: mg.conv2d_model(seed_of("st", 2), (1, 10, 9, 3), 8, 3, 2, "SAME", 1, "NONE", in_zp=3),
    "c3to5-10-valid": lambda: mg.conv2d_model(seed_of("st", 3), (1, 11, 10, 3), 5, 3, 2, "VALID", 1, "RELU",
                                              in_zp=-7),
    "c3to16-13": lambda: mg.conv2d_model(seed_of("st", 4), (1, 12, 13, 3), 16, 3, 2, "SAME", 1, "RELU6", in_zp=-128),
    "c3to8-61": lambda: mg.conv2d_model(seed_of("st", 5), (1, 9, 61, 3), 8, 3, 2, "SAME", 1, "NONE", in_zp=-128),
    "c1to8-15": lambda: mg.conv2d_model(seed_of("st", 6), (1, 9, 15, 1), 8, 3, 2, "SAME", 1, "RELU", in_zp=-1),
}


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
def test_conv_seg_widen_tails_on_core(core, tmp_path, monkeypatch):
    """The widened rows' 2 and 3 byte tails (markers on the M4/M33 only, both among these models) stay exact."""
    from microforge.ops import conv2d
    monkeypatch.setattr(conv2d, "MIX_MAX_PAD", float("inf"))
    monkeypatch.setattr(conv2d, "MIX_MIN_WIN", 4)
    seen = {"t2": 0, "t3": 0}
    for name in sorted(SEG_TAIL_MODELS):
        model = SEG_TAIL_MODELS[name]()
        cm = compile_model(model, target=core)
        assert ".mix = 5" in cm.files["model.c"], "the widened-row path was not taken"
        cm.write(tmp_path / f"s-{name}")
        asm = gcc_output(tmp_path / f"s-{name}", core, "-S", "-O2")
        for t in seen:
            seen[t] += asm.count(f"@ mf_dsp_seg_widen_{t}\n")
        exact_on_core(model, core, tmp_path / name, "target-seg-tails", name)
    assert all(seen.values()) == (core != "m7") and any(seen.values()) == (core != "m7"), seen


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
def test_conv_seg_lone_row_pairs_neighbours(core, tmp_path):
    """A lone last output row (odd out_h) goes through mf_dsp_seg_row1, neighbouring outputs paired, instead of a row
    pair with an unstored second row: its window is a second instance of the unrolled window (pixel 1 at another
    immediate offset), so the layer's compiled code holds twice the SMLADs of the same layer with an even out_h (one
    instance: the row pairs'), the row quads' block (M4/M33: mf_dsp_seg_quad, rows 0..7 here) aside."""
    smlads = {}
    for in_h in (19, 21):   # kws' first layer on 19 and 21 rows: out_h 10 and 11
        cm = compile_model(mg.conv2d_model(seed_of("sg-lone", in_h), (1, in_h, 10, 1), 64, (10, 4), 2, "SAME", 1, "RELU",
                                           in_zp=3), target=core)
        assert ".mix = 5" in cm.files["model.c"] and f".out_h = {(in_h + 1) // 2}," in cm.files["model.c"]
        d = tmp_path / f"{core}-{in_h}"
        cm.write(d)
        text = gcc_output(d, core, "-S", "-O2")
        # GCC closes each inline asm block with '@ 0 "" 2': the blocks but the quads'
        blocks = [t for t in text.split('@ 0 "" 2') if "@ mf_dsp_seg_quad" not in t]
        smlads[in_h] = sum(len(re.findall(r"\bsmlad\b", t)) for t in blocks)
    assert smlads[19] > 0 and smlads[21] == 2 * smlads[19], smlads


def seg_groups_adjacent(cm, core: str, tmp_path) -> tuple[int, int]:
    """In the compiled model (cm written to tmp_path, built with -O2 for core, disassembled): how many SMMLA(R)s
    directly follow another, and STRBs another (pairs the M7's dual issue cannot issue together)."""
    import subprocess
    cm.write(tmp_path)
    obj = tmp_path / "model.o"
    subprocess.run(["arm-none-eabi-gcc", "-c", "-O2", "-o", str(obj), f"-mcpu=cortex-{core}", "-mthumb", f"-I{tmp_path}",
                    f"-DMF_TARGET_{core.upper()}", str(tmp_path / "model.c")], check=True, capture_output=True)
    text = subprocess.run(["arm-none-eabi-objdump", "-d", "--no-show-raw-insn", str(obj)], check=True,
                          capture_output=True, text=True).stdout
    ops = re.findall(r"^\s+[0-9a-f]+:\t(\w+)", text, re.M)
    pairs = list(zip(ops, ops[1:]))
    return (sum(a in ("smmla", "smmlar") and b in ("smmla", "smmlar") for a, b in pairs),
            sum(a == "strb" and b == "strb" for a, b in pairs))


@pytest.mark.parametrize("name", ["seg-3x3-c3to8-s2-relu6-vww", "seg-3x3-c3to16-ic", "seg-3x3-c3to8-s2-none",
                                  "seg-5x5-c1to4-batch2", "seg-3x3-c3to8-strips", "seg-lone-3x3-c3to8-strips"])
def test_conv_seg_groups_m7_order(name, tmp_path, monkeypatch):
    """The M7's row pairs requantise a group in the order scheduled for its dual issue (MF_DSP_SEG_GROUP_OUT): no
    SMMLA(R) right after another, no STRB right after another (the M4/M33 order has both), whatever the activation
    (RELU6, RELU, none with an output zero point above -128: the negative-value correction); exact vs TFLM."""
    from microforge.ops import conv2d
    monkeypatch.setattr(conv2d, "MIX_MAX_PAD", float("inf"))   # as test_conv_seg_on_core: small layers take mix 5
    monkeypatch.setattr(conv2d, "MIX_MIN_WIN", 4)
    model = SEG_MODELS[name]()
    for core in ("m7", "m4"):
        cm = compile_model(model, target=core)
        assert ".mix = 5" in cm.files["model.c"]
        d = tmp_path / core
        cm.write(d)
        assert ("mf_dsp_seg_groups M7 order" in gcc_output(d, core, "-S", "-O2")) == (core == "m7")
        n_mac, n_st = seg_groups_adjacent(cm, core, d)
        if core == "m7":
            assert (n_mac, n_st) == (0, 0), (n_mac, n_st)
        else:
            assert n_mac > 0 and n_st > 0, (n_mac, n_st)
    exact_on_core(model, "m7", tmp_path, "target-seg-m7", name)


# The column layout's row quads (mf_dsp_seg_quad, M4/M33: 4 output rows x a channel pair a pass, the columns
# sp-relative): whole groups (out_c % 4 == 0), out_h % 4 of 0 (no row pairs after), 1 (a lone last row), 2 (a row pair),
# 3 (both); k_h 2, 4, 6, 8, 10, k_w 1..5 (odd and even), stride_w 1 and 2, odd out_w, SAME padding on every side and
# VALID, batches; activations NONE (no negative clamp: c' with Ra - 128), RELU, RELU6 (clamps), extreme zero points
# and scales.
QUAD_MODELS = {
    "segq-10x4-c1to8-s2-none": lambda: mg.conv2d_model(seed_of("sq", 1), (1, 23, 9, 1), 8, (10, 4), 2, "SAME", 1, "NONE",
                                                       in_zp=-128, out_zp=25),
    "segq-4x3-c1to12-s2-relu6": lambda: mg.conv2d_model(seed_of("sq", 2), (1, 29, 7, 1), 12, (4, 3), 2, "SAME", 1,
                                                        "RELU6", in_zp=100),
    "segq-2x5-c1to4-s2x1-valid": lambda: mg.conv2d_model(seed_of("sq", 3), (1, 14, 9, 1), 4, (2, 5), (2, 1), "VALID", 1,
                                                         "RELU", out_zp=-100),
    "segq-6x1-c1to16-s2-batch2": lambda: mg.conv2d_model(seed_of("sq", 4), (2, 17, 3, 1), 16, (6, 1), 2, "SAME", 1,
                                                         "NONE", in_zp=127),
    "segq-8x2-c1to20-s2-extreme": lambda: mg.conv2d_model(seed_of("sq", 5), (1, 14, 6, 1), 20, (8, 2), 2, "SAME", 1,
                                                          "NONE", in_scale=0.9, in_zp=127, out_zp=-128),
    "segq-10x4-c1to64-s2-kws": lambda: mg.conv2d_model(seed_of("sq", 6), (1, 49, 10, 1), 64, (10, 4), 2, "SAME", 1, "RELU",
                                                       in_zp=-128, out_zp=-128),
    "segq-4x4-c1to8-s2-relu-zp": lambda: mg.conv2d_model(seed_of("sq", 7), (1, 20, 5, 1), 8, (4, 4), 2, "SAME", 1, "RELU",
                                                         in_scale=0.001, in_zp=-1, out_zp=90),
}


@pytest.fixture
def seg_apart(monkeypatch):
    """The seg path (mix 5) for small odd shapes too (its padding and window-size rules lifted), each output apart from
    its input (under the default plans an output over the input keeps the row pairs where a quad's output rows would
    land on input still to be read); gives the conv2d module."""
    from microforge.ops import conv2d
    monkeypatch.setattr(conv2d, "MIX_MAX_PAD", float("inf"))
    monkeypatch.setattr(conv2d, "MIX_MIN_WIN", 4)
    monkeypatch.setattr(conv2d.Conv2D, "overlap_lead", lambda self, op, index: None)
    return conv2d


def seg_quads_compiled(model: bytes, core: str, tmp_path, block: str = "mf_dsp_seg_quad") -> int:
    """How many `block` asm blocks (mf_dsp_seg_quad: the column layout's row quads, mf_dsp_seg_rquad: the row layout's)
    the compiled model.c holds (their frames' marker comments)."""
    cm = compile_model(model, target=core)
    assert ".mix = 5" in cm.files["model.c"], "the widened-row path was not taken"
    cm.write(tmp_path)
    return gcc_output(tmp_path, core, "-S", "-O2").count(f"@ {block}\n")


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", sorted(QUAD_MODELS))
def test_conv_seg_quads_on_core(name, core, tmp_path, seg_apart):
    conv2d = seg_apart
    # input and output apart (under the default plans an output over the input keeps the row pairs where its
    # rows would land on input still to be read: test_conv_seg_quads_in_place)
    model = QUAD_MODELS[name]()
    # the quads are compiled in on the M4 and M33 (the M7 keeps the row pairs)
    assert (seg_quads_compiled(model, core, tmp_path / "s") > 0) == (core != "m7"), "quads where not wanted, or none"

    def took(model_c):
        f = {k: int(re.search(rf"\.{k} = (-?\d+),", model_c).group(1))
             for k in ("in_c", "k_h", "stride_h", "out_h", "out_c")}
        assert conv2d.seg_cols(f) and f["out_c"] % 4 == 0 and f["out_h"] >= 4

    exact_on_core(model, core, tmp_path, "target-segq", name, took)


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
def test_conv_seg_quads_in_place(core, tmp_path, monkeypatch):
    """Under the default plans (the output may lie over the input: ops/conv2d.py overlap_lead) the quad models stay
    exact: quads only where a quad's output rows end before the input still to be read, the row pairs (their staging)
    after."""
    from microforge.ops import conv2d
    monkeypatch.setattr(conv2d, "MIX_MAX_PAD", float("inf"))
    monkeypatch.setattr(conv2d, "MIX_MIN_WIN", 4)
    for name in sorted(QUAD_MODELS):
        exact_on_core(QUAD_MODELS[name](), core, tmp_path / name, "target-segq-inplace", name)


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
def test_conv_seg_quads_refused(core, tmp_path, seg_apart):
    """No quads for a partial last group (out_c % 4), fewer than 4 output rows, or pixel 3's outputs past STRB's
    4095-byte immediates (3 * out_w * out_c + out_c > 4095); the kws layer takes them (not on the M7)."""
    for i, (shape, oc) in enumerate((((1, 21, 10, 1), 13), ((1, 5, 10, 1), 64), ((1, 21, 45, 1), 64))):
        assert seg_quads_compiled(mg.conv2d_model(seed_of("sq-no", i), shape, oc, (10, 4), 2, "SAME", 1, "RELU"), core,
                                  tmp_path / str(i)) == 0, (shape, oc)
    kws = mg.conv2d_model(seed_of("sq-no", 9), (1, 49, 10, 1), 64, (10, 4), 2, "SAME", 1, "RELU")
    assert (seg_quads_compiled(kws, core, tmp_path / "kws") > 0) == (core != "m7")


# The row layout's row quads (mf_dsp_seg_rquad, M4/M33: 4 output rows x a channel pair a pass, the stream copied into a
# frame and read sp-relative, row r + stride_h of pixel k shared as row r of pixel k + 1): one copy of the rows (stride_w
# * in_c even) or two ("-copy": stride_w * in_c odd, odd outputs read the shifted copy), whole groups,
# out_c <= MF_CONV2D_SEG_RQ_OC_MAX (4..16); in_c 1, 2, 3; kernels 3x3, 5x5, 2x3 (no lone last row), 3x2 (no last
# values); strides 2 and 1 (chains of 3 rows); out_h % 4 of 0, 1 (a lone last row), 2 (a row pair), 3; odd out_w,
# several strips a row (the quads' strips are narrower than the pairs'; odd strips, a last strip of one output), SAME
# and VALID, batches; activations NONE (Ra - 128), RELU, RELU6 (clamps); extreme zero points and scales.
RQUAD_MODELS = {
    "segr-3x3-c3to8-s2-relu6-vww": lambda: mg.conv2d_model(seed_of("sr", 1), (1, 19, 13, 3), 8, 3, 2, "SAME", 1, "RELU6",
                                                           in_zp=-128),
    "segr-3x3-c3to4-s2-none-lone": lambda: mg.conv2d_model(seed_of("sr", 2), (1, 17, 9, 3), 4, 3, 2, "SAME", 1, "NONE",
                                                           in_zp=-128, out_zp=25),
    "segr-3x3-c2to8-s1-relu": lambda: mg.conv2d_model(seed_of("sr", 3), (1, 7, 6, 2), 8, 3, 1, "SAME", 1, "RELU",
                                                      in_zp=-5),
    "segr-3x3-c1to8-s2-extreme": lambda: mg.conv2d_model(seed_of("sr", 4), (1, 13, 11, 1), 8, 3, 2, "SAME", 1, "NONE",
                                                         in_scale=0.9, in_zp=127, out_zp=-128),
    "segr-5x5-c3to4-s2-valid": lambda: mg.conv2d_model(seed_of("sr", 5), (1, 15, 11, 3), 4, 5, 2, "VALID", 1, "RELU6",
                                                       in_zp=3),
    "segr-2x3-c3to8-s2": lambda: mg.conv2d_model(seed_of("sr", 6), (1, 12, 9, 3), 8, (2, 3), 2, "SAME", 1, "RELU",
                                                 in_scale=0.001, in_zp=-1, out_zp=90),
    "segr-3x3-c3to8-s2-batch2": lambda: mg.conv2d_model(seed_of("sr", 7), (2, 9, 7, 3), 8, 3, 2, "SAME", 1, "NONE",
                                                        in_zp=100),
    "segr-3x2-c2to8-s2": lambda: mg.conv2d_model(seed_of("sr", 8), (1, 10, 8, 2), 8, (3, 2), 2, "SAME", 1, "RELU",
                                                 in_zp=-128, out_zp=-128),
    "segr-3x3-c3to16-s2-relu6-mnv2": lambda: mg.conv2d_model(seed_of("sr", 10), (1, 21, 15, 3), 16, 3, 2, "SAME", 1,
                                                             "RELU6", in_zp=-128),
    "segr-3x3-c3to12-s2-none-lone": lambda: mg.conv2d_model(seed_of("sr", 11), (1, 17, 7, 3), 12, 3, 2, "SAME", 1,
                                                            "NONE", in_zp=7, out_zp=-30),
    "segr-3x3-c3to16-s1-copy-relu-ic": lambda: mg.conv2d_model(seed_of("sr", 12), (1, 10, 9, 3), 16, 3, 1, "SAME", 1,
                                                               "RELU", in_zp=-5),
    "segr-3x3-c3to8-s1-copy-lone": lambda: mg.conv2d_model(seed_of("sr", 13), (1, 9, 7, 3), 8, 3, 1, "SAME", 1, "NONE",
                                                           in_zp=-128, out_zp=40),
    "segr-3x3-c1to4-s1-copy-valid": lambda: mg.conv2d_model(seed_of("sr", 14), (1, 9, 8, 1), 4, 3, 1, "VALID", 1,
                                                            "RELU6", in_zp=2),
    "segr-3x3-c3to12-s1-copy-wide": lambda: mg.conv2d_model(seed_of("sr", 15), (1, 6, 61, 3), 12, 3, 1, "SAME", 1,
                                                            "RELU", in_zp=-128, out_zp=-128),
    "segr-3x3-c1to8-s1x3-copy-batch2": lambda: mg.conv2d_model(seed_of("sr", 16), (2, 11, 20, 1), 8, 3, (1, 3), "SAME",
                                                               1, "NONE", in_scale=0.9, in_zp=127, out_zp=-128),
    "segr-5x5-c3to4-s1-copy-valid": lambda: mg.conv2d_model(seed_of("sr", 17), (1, 12, 9, 3), 4, 5, 1, "VALID", 1,
                                                            "RELU6", in_zp=3),
    "segr-3x3-c3to8-s2-wide": lambda: mg.conv2d_model(seed_of("sr", 9), (1, 17, 97, 3), 8, 3, 2, "SAME", 1, "RELU6",
                                                      in_zp=-128),
}


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", sorted(RQUAD_MODELS))
def test_conv_seg_rquads_on_core(name, core, tmp_path, seg_apart):
    conv2d = seg_apart
    # input and output apart: every 4 rows a quad (test_conv_seg_rquads_in_place: the default plans)
    model = RQUAD_MODELS[name]()
    rquads = seg_quads_compiled(model, core, tmp_path / "s", "mf_dsp_seg_rquad")
    assert (rquads > 0) == (core != "m7"), "row quads where not wanted, or none"

    def took(model_c):
        f = {k: int(re.search(rf"\.{k} = (-?\d+),", model_c).group(1))
             for k in ("in_c", "k_h", "stride_h", "stride_w", "out_h", "out_c")}
        assert not conv2d.seg_cols(f) and f["out_c"] in (4, 8, 12, 16) and f["out_h"] >= 4
        assert conv2d.seg_copies(f) == (2 if "-copy" in name else 1), "not the copies under test"

    exact_on_core(model, core, tmp_path, "target-segr", name, took)


# The rows' last values of the row quads (odd k_w * in_c): T words built once per output column in the frame, each pass
# reading them (pixel k's step s: T word stride_h * k + 2s; steps after the first load only the new pixels' words:
# stride_h 2 one, stride_h 1 two, other strides all four). Beside RQUAD_MODELS: stride_h 3 (every step loads its 4
# words), k_h 7 at stride 1 (4 steps: both register rotations twice), a 1x3 kernel (one lone step), k_h 4 (two pairs).
RQUAD_T_MODELS = {
    "segt-3x3-c3to8-s3-relu": lambda: mg.conv2d_model(seed_of("st", 1), (1, 26, 11, 3), 8, 3, 3, "SAME", 1, "RELU",
                                                      in_zp=-128),
    "segt-7x3-c1to4-s1-copy-none": lambda: mg.conv2d_model(seed_of("st", 2), (1, 13, 9, 1), 4, (7, 3), 1, "SAME", 1,
                                                           "NONE", in_zp=9, out_zp=-7),
    "segt-1x3-c3to8-s2-relu6": lambda: mg.conv2d_model(seed_of("st", 3), (1, 11, 13, 3), 8, (1, 3), 2, "VALID", 1,
                                                       "RELU6", in_zp=-128),
    "segt-4x3-c3to12-s2x1-copy": lambda: mg.conv2d_model(seed_of("st", 4), (1, 19, 9, 3), 12, (4, 3), (2, 1), "SAME", 1,
                                                         "RELU", in_zp=3, out_zp=-128),
}


def rquad_t_words(kh: int, sh: int) -> int:
    """T words of a column (mf_dsp_seg_rquad's MF_DSP_SEGR_TBUILD): rows stride_h * k + 2s (k < 4, 2s < k_h)."""
    return len({sh * k + d for k in range(4) for d in range(0, kh, 2)})


def rquad_frame_pkhbt(model: bytes, core: str, tmp_path, frame: int) -> int:
    """PKHBTs inside the compiled model's row-quad block: between its SUB sp, #frame and ADD sp, #frame (the
    block's frame, `frame` bytes; an error when no block has that frame)."""
    text = model_disassembly(model, core, tmp_path)
    ins = [(m.group(1), m.group(2).replace(" ", "")) for m in
           re.finditer(r"^\s+[0-9a-f]+:\t(\w+)(?:\.\w+)?\t([^;<@\t\n]*)", text, re.M)]
    sp = (f"sp,sp,#{frame}", f"sp,#{frame}")   # the 32-bit and the 16-bit forms
    at = [i for i, (op, o) in enumerate(ins) if op == "sub" and o in sp]
    assert len(at) == 1, f"{len(at)} blocks with a {frame}-byte frame"
    end = next(i for i in range(at[0], len(ins)) if ins[i][0] == "add" and ins[i][1] in sp)
    return sum(op == "pkhbt" for op, _ in ins[at[0]:end])


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", sorted(RQUAD_T_MODELS) + ["segr-3x3-c3to8-s2-relu6-vww", "segr-3x3-c3to16-s1-copy-relu-ic",
                                                           "segr-5x5-c3to4-s1-copy-valid", "segr-3x3-c3to16-s2-relu6-mnv2"])
def test_conv_seg_rquad_last_values_once_a_column(name, core, tmp_path, seg_apart):
    """The row quads merge the rows' last values once per output column (the T words: the block's only PKHBTs, one per
    T word), not in every pass; the frame holds them (8-byte rounded); exact vs TFLM (the M7: its row pairs)."""
    conv2d = seg_apart
    model = {**RQUAD_MODELS, **RQUAD_T_MODELS}[name]()
    cm = compile_model(model, target=core)
    f = {k: int(re.search(rf"\.{k} = (-?\d+),", cm.files["model.c"]).group(1))
         for k in ("in_c", "k_h", "k_w", "stride_h", "stride_w", "out_c")}
    assert ".mix = 5" in cm.files["model.c"] and (f["k_w"] * f["in_c"]) % 2 == 1 and not conv2d.seg_cols(f)
    words = conv2d.seg_words(f["k_h"], f["k_w"], f["in_c"])
    t = rquad_t_words(f["k_h"], f["stride_h"])
    frame = (f["out_c"] // 4 * (8 * words + 48) + 8 * conv2d.seg_copies(f)
             + (4 * len(range(0, 3 * f["stride_h"] + f["k_h"], 1 if f["stride_h"] % 2 else 2)) + 7) // 8 * 8)
    if core == "m7":
        assert seg_quads_compiled(model, core, tmp_path / "s", "mf_dsp_seg_rquad") == 0
    else:
        assert rquad_frame_pkhbt(model, core, tmp_path / "o", frame) == t
    exact_on_core(model, core, tmp_path, "target-segt", name)


# The immediate tail (params c1_shifts 1, ops/conv2d.py seg_imm_shifts; each pair's shifts from the kernel's 64-bit
# constant): the M4/M33's row quads (marker comment "@ mf_dsp_seg_rquad_imm <it>"), the M7's row pairs with their groups
# unrolled (mf_dsp_seg_groups_n, "@ mf_dsp_seg_groups_n q <it>"): RQUAD_MODELS and RQUAD_T_MODELS take it (their
# exactness tests above run it); beside them an output zero point of 127 with a wide input scale (k * 2^e' at its
# largest), 16 channels at a tiny input scale (large shifts), and a layer kept on the shifts in registers (SEG_IMM_MAX_E
# below its shifts: "-regs").
RQUAD_IMM_MODELS = {
    "segi-3x3-c3to8-s2-none-zp127": lambda: mg.conv2d_model(seed_of("si", 1), (1, 13, 11, 3), 8, 3, 2, "SAME", 1, "NONE",
                                                            in_scale=0.9, in_zp=-128, out_zp=127),
    "segi-3x3-c3to8-s2-relu6-regs": lambda: mg.conv2d_model(seed_of("si", 2), (1, 13, 11, 3), 8, 3, 2, "SAME", 1,
                                                            "RELU6", in_zp=0),
    "segi-3x3-c3to16-s1-copy-small": lambda: mg.conv2d_model(seed_of("si", 3), (1, 13, 11, 3), 16, 3, 1, "SAME", 1,
                                                             "NONE", in_scale=0.0005, in_zp=-128, out_zp=-128),
}


def rquad_imm_marks(model: bytes, core: str, tmp_path) -> tuple[list[int], str]:
    """The compiled model's immediate-tail constants (0: the shifts in registers): its row-quad blocks' on the M4/M33,
    its row-pair loops' (mf_dsp_seg_groups_n with a pair loop) on the M7; and its model.c."""
    cm = compile_model(model, target=core)
    cm.write(tmp_path)
    asm = gcc_output(tmp_path, core, "-S", "-O2")
    mark = "mf_dsp_seg_groups_n q" if core == "m7" else "mf_dsp_seg_rquad_imm"
    return [int(v) for v in re.findall(rf"@ {mark} (-?\d+)\n", asm)], cm.files["model.c"]


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", sorted(RQUAD_IMM_MODELS) + ["segr-3x3-c3to8-s2-relu6-vww", "segr-3x3-c3to16-s2-relu6-mnv2",
                                                            "segr-3x3-c3to16-s1-copy-relu-ic", "segt-7x3-c1to4-s1-copy-none"])
def test_conv_seg_rquad_imm_on_core(name, core, tmp_path, seg_apart, monkeypatch):
    """The immediate tail where ops/conv2d.py seg_imm_shifts allows it (the M4/M33's row quads, the M7's row pairs): each
    pair's byte of the constant holds its c channel's -shift-1 + 1 and its c' channel's -shift-1 (the stream's W word: e',
    E' = e' + 8), none past the last pair; the "-regs" layer keeps them in registers; exact vs TFLM."""
    if "-regs" in name:
        monkeypatch.setattr(seg_apart, "SEG_IMM_MAX_E", -1)
    model = {**RQUAD_MODELS, **RQUAD_T_MODELS, **RQUAD_IMM_MODELS}[name]()
    marks, model_c = rquad_imm_marks(model, core, tmp_path / "s")
    assert ".mix = 5" in model_c
    flag = re.search(r"\.c1_shifts = (-?\d+),", model_c)
    assert marks, "no row quads (M4/M33) or row-pair loops (M7)"
    imm = flag is not None and flag.group(1) == "1"
    oc = int(re.search(r"\.out_c = (\d+),", model_c).group(1))
    wanted = "-regs" not in name and oc <= (seg_apart.SEG_IMM_MAX_OC_M7 if core == "m7" else seg_apart.SEG_IMM_MAX_OC)
    assert imm == wanted, "immediate tail where not wanted, or none"
    # (on the M7 a lone pixel pair, mf_dsp_seg_groups for a lone last row, keeps the group loop: q 0)
    assert all(marks) if imm and core != "m7" else any(marks) == imm, marks
    for q in marks if imm else []:
        if q == 0:
            continue
        by = [(q >> (8 * i)) & 255 for i in range(8)]
        assert all(1 <= b & 15 <= 15 for b in by[:oc // 2]) and not any(by[oc // 2:]), hex(q)
    exact_on_core(model, core, tmp_path, "target-segi", name)


# The M7's row pairs: the rows' last values merged into words load beside the last whole word's SMLADs (a PKHBT
# within 3 instructions of an SMLAD; MF_DSP_SEG_HOOK_REST); the groups' requantisation with immediate shifts, negative
# sums clamped and no clamp (act_min -128 = out_zp, act_max 127: vww's first layer) in its own order
# (MF_DSP_SEG_GROUP_OUT_IMM_NC: pair a's Ra and mult loaded between its c SMMLARs and its c' SMMLAs), a group followed
# by another loading that one's starts beside its last stores (STRB, LDR, STRB, LDR, STR), the group loop (shifts in
# registers) stepping w before its last store (MF_DSP_SEG_GROUP_OUT); a 4-channel layer (one
# group), RELU with out_zp 90 (a clamp: the general order), NONE (Ra - 128), 16 channels (the group loop), in_c 1 (no
# whole words).
SEG_M7_ORDER_MODELS = {
    "segm-3x3-c3to8-s2-vww": lambda: mg.conv2d_model(seed_of("sm", 1), (1, 15, 13, 3), 8, 3, 2, "SAME", 1, "RELU",
                                                     in_zp=-128, out_zp=-128),
    "segm-3x3-c3to4-s1-nc": lambda: mg.conv2d_model(seed_of("sm", 2), (1, 9, 7, 3), 4, 3, 1, "SAME", 1, "RELU",
                                                    in_zp=127, out_zp=-128),
    "segm-2x3-c3to8-s2-nc-valid": lambda: mg.conv2d_model(seed_of("sm", 3), (1, 12, 11, 3), 8, (2, 3), 2, "VALID", 1,
                                                          "RELU", in_scale=0.05, in_zp=-128, out_zp=-128),
    "segm-3x3-c1to8-s2-nc": lambda: mg.conv2d_model(seed_of("sm", 4), (1, 11, 9, 1), 8, 3, 2, "SAME", 1, "RELU",
                                                    in_zp=5, out_zp=-128),
}


def _has_run(ops: list[str], run: list[str]) -> bool:
    return any(ops[i:i + len(run)] == run for i in range(len(ops) - len(run) + 1))


@pytest.mark.parametrize("name", sorted(SEG_M7_ORDER_MODELS) + ["segr-2x3-c3to8-s2", "segr-3x3-c3to4-s2-none-lone",
                                                               "segr-3x3-c3to16-s2-relu6-mnv2"])
def test_conv_seg_m7_words_and_group_order(name, tmp_path, seg_apart):
    """The M7 loads the merged words ahead where the rows have whole words and odd values, takes the NC order exactly
    where the immediate tail has negative sums clamped and no clamp, the next group's loads where a second group
    follows; exact vs TFLM on the M7, M4 and M33 (whose code is unchanged)."""
    model = {**RQUAD_MODELS, **SEG_M7_ORDER_MODELS}[name]()
    mc = compile_model(model, target="m7").files["model.c"]
    assert ".mix = 5" in mc
    field = lambda f: int(re.search(rf"\.{f} = (-?\d+),", mc).group(1))
    ic, kh, kw, oc = field("in_c"), field("k_h"), field("k_w"), field("out_c")
    imm = re.search(r"\.c1_shifts = 1,", mc) is not None
    nc = imm and field("act_min") == -128 == field("out_offset") and field("act_max") == 127
    text = model_disassembly(model, "m7", tmp_path / "m7")
    ops = re.findall(r"^\s+[0-9a-f]+:\t(\w+)", text, re.M)
    ahead = any(op == "pkhbt" and "smlad" in ops[max(0, i - 3):i] for i, op in enumerate(ops))
    assert ahead == (kw * ic % 2 == 1 and kw * ic >= 3 and kh >= 2), name   # int16 words: kw * ic // 2 whole a row
    assert _has_run(ops, ["smmlar", "sub", "smmlar", "ldr", "ldr", "sub", "smmla"]) == nc, name
    assert _has_run(ops, ["strb", "ldr", "strb", "ldr", "str", "ldr", "ldr"]) == (nc and oc > 4), name
    # the group loop (shifts in registers) steps w before its last store, the loop's BNE beside that store
    assert not _has_run(ops, ["tst", "strb", "str", "add", "bne"]), name
    loop = _has_run(ops, ["tst", "strb", "add", "str", "bne"])
    if not imm:
        assert loop, name
    # the group loop's head loads 7 words (sb0's start beside sa1's first SMLAD), its last word takes wa's SMLADs
    # first and loads the out pointer beside them (MF_DSP_SEG_LAST_LOOP)
    last = ["smlad", "smlad", "sxtb16", "smlad", "smlad", "ldr", "smlad", "sub", "smlad", "sxtb16", "smlad", "sub",
            "smlad", "ldr", "ldr", "smmlar"]
    assert _has_run(ops, last) == loop, name
    lines = re.findall(r"^\s+([0-9a-f]+):\t(\w+)(?:\.\w+)?\t?([^\n]*)", text, re.M)
    at = {int(a, 16): i for i, (a, _, _) in enumerate(lines)}
    heads = [at[int(o.split()[0], 16)] for i, (_, op, o) in enumerate(lines) if op == "bne" and i >= 4
             and [m for _, m, _ in lines[i - 4:i]] == ["tst", "strb", "add", "str"]]
    assert bool(heads) == loop, name
    for h in heads:
        n = next(j for j in range(h, len(lines)) if lines[j][1] != "ldr") - h
        assert n == 7, f"{name}: the group loop's head loads {n} words"
    # a pixel pair loop's last NC group: its last stores beside the loop's control loads (the copy step's with c1) and
    # the next pair's first start (ldr before the last str)
    lc = (["strb", "ldr", "strb", "ldr", "str", "ldr", "add", "rsb", "str", "subs", "ldr", "str", "add", "bne"]
          if field("stride_w") * ic % 2 else ["strb", "ldr", "strb", "ldr", "str", "subs", "ldr", "str", "add", "bne"])
    assert _has_run(ops, lc) == nc, name
    assert not (nc and _has_run(ops, ["strb", "str", "ldr", "ldr"])), name   # the control after the stores: gone
    if name == "segm-3x3-c3to8-s2-vww":
        assert nc and oc == 8, "vww's first layer's shape does not take the order"
    for core in ("m7", "m4", "m33"):
        exact_on_core(model, core, tmp_path, "target-segm", name)


@pytest.mark.parametrize("core", ["m4", "m33"])
def test_conv_seg_rquad_imm_tail_shifts(core, tmp_path, seg_apart):
    """The immediate tail has no shifts by a register and no W load: vww's first layer shape, its block's ASRs are the
    negative-value corrections' only (none here: RELU6 clamps negatives), the SSATs shift by immediates."""
    conv2d = seg_apart
    model = RQUAD_MODELS["segr-3x3-c3to8-s2-relu6-vww"]()
    f = dict(in_c=3, k_h=3, k_w=3, stride_h=2, stride_w=2, out_c=8)   # its shape: the block's frame
    frame = (f["out_c"] // 4 * (8 * conv2d.seg_words(f["k_h"], f["k_w"], f["in_c"]) + 48) + 8 * conv2d.seg_copies(f)
             + (4 * len(range(0, 3 * f["stride_h"] + f["k_h"], 2)) + 7) // 8 * 8)
    text = model_disassembly(model, core, tmp_path)
    ins = [(m.group(1), m.group(2).replace(" ", "")) for m in
           re.finditer(r"^\s+[0-9a-f]+:\t(\w+)(?:\.\w+)?\t([^;<@\t\n]*)", text, re.M)]
    sp = (f"sp,sp,#{frame}", f"sp,#{frame}")
    at = [i for i, (op, o) in enumerate(ins) if op == "sub" and o in sp]
    assert len(at) == 1, f"{len(at)} blocks with a {frame}-byte frame"
    end = next(i for i in range(at[0], len(ins)) if ins[i][0] == "add" and ins[i][1] in sp)
    block = ins[at[0]:end]
    regs = {f"r{i}" for i in range(13)} | {"sb", "sl", "fp", "ip", "lr"}
    assert sum(op == "ssat" and ",asr#" in o for op, o in block) == 8 * f["out_c"] // 2, "SSATs by immediates"
    assert not any(op == "asr" and o.split(",")[-1] in regs for op, o in block), "an ASR by a register is left"
    assert not any(op == "lsr" for op, o in block), "W's LSR is left"


@pytest.mark.parametrize("core", ["m4", "m33"])
def test_conv_seg_rquads_in_place(core, tmp_path, monkeypatch):
    """Under the default plans (vww's first layer: the output 104 bytes before the input) the row quads go only where a
    quad's output rows end before the input still to be read, row pairs (their staging) before and after: exact."""
    from microforge.ops import conv2d
    monkeypatch.setattr(conv2d, "MIX_MAX_PAD", float("inf"))
    monkeypatch.setattr(conv2d, "MIX_MIN_WIN", 4)
    for i, (shape, oc, stride) in enumerate((((1, 65, 31, 3), 8, 2), ((1, 47, 23, 3), 8, 2), ((1, 34, 13, 3), 16, 1))):
        model = mg.conv2d_model(seed_of("sr-in", i), shape, oc, 3, stride, "SAME", 1, "RELU6", in_zp=-128)
        assert seg_quads_compiled(model, core, tmp_path / f"s{i}", "mf_dsp_seg_rquad") > 0
        exact_on_core(model, core, tmp_path / str(i), "target-segr-in", str(shape))


# DSP 1x1 convolutions with 8 input channels (mf_conv2d_s8_c1): runs of 48 pixels (several runs and a short last
# one), pixel tails mod 16 of the 16-pixel asm loop (49: 1, 50: 2, 3, 100: 4, 6, 55: 7, 42: 32 + 10, 13, 15; 48: none), out_c 1..48, strides, batches, per-tensor weights,
# DSP 1x1 convolutions with 8 input channels (mf_conv2d_s8_c1): runs of MF_CONV2D_C1_RUN = 96 pixels (one run and a
# short last one: 100, 210 = 2 * 96 + 18, strided across two images: 220 = 2 * 96 + 28), pixel tails mod 16 of the 16-pixel asm loop (49: 1, 50: 2, 3, 100: 4, 6, 55: 7, 42: 32 + 10, 13, 15; 48: none), out_c 1..48, strides, batches, per-tensor weights,
# RELU/RELU6 clamps with negative and positive output zero points, in_zp -128. in_c 12 and 16 stay on the other paths.
C1_MODELS = {
    "c1-8to16-7x7": lambda: mg.conv2d_model(seed_of("c1", 1), (1, 7, 7, 8), 16, 1, 1, "SAME", 1, "NONE", in_zp=-128),
    "c1-8to1-10x10": lambda: mg.conv2d_model(seed_of("c1", 2), (1, 10, 10, 8), 1, 1, 1, "VALID", 1, "RELU", in_zp=3),
    "c1-8to3-5x11": lambda: mg.conv2d_model(seed_of("c1", 3), (1, 5, 11, 8), 3, 1, 1, "SAME", 1, "RELU6", in_zp=-9),
    "c1-8to5-2x3": lambda: mg.conv2d_model(seed_of("c1", 4), (1, 2, 3, 8), 5, 1, 1, "SAME", 1, "RELU", out_zp=-20),
    "c1-8to7-s2": lambda: mg.conv2d_model(seed_of("c1", 5), (1, 13, 11, 8), 7, 1, 2, "VALID", 1, "NONE", in_zp=1),
    "c1-8to13-s2-same": lambda: mg.conv2d_model(seed_of("c1", 6), (1, 6, 9, 8), 13, 1, 2, "SAME", 1, "RELU6", out_zp=40),
    "c1-8to48-batch2": lambda: mg.conv2d_model(seed_of("c1", 7), (2, 5, 5, 8), 48, 1, 1, "SAME", 1, "NONE", in_zp=-128),
    "c1-8to16-per-tensor": lambda: mg.conv2d_model(seed_of("c1", 8), (1, 3, 1, 8), 16, 1, 1, "SAME", 1, "RELU",
                                                   per_channel=False, in_zp=-1),
    "c1-8to16-batch2-s2": lambda: mg.conv2d_model(seed_of("c1", 9), (2, 9, 9, 8), 16, 1, 2, "SAME", 1, "RELU", in_zp=-128),
    "c1-8to16-1x13": lambda: mg.conv2d_model(seed_of("c1", 12), (1, 1, 13, 8), 16, 1, 1, "SAME", 1, "RELU", out_zp=-100),
    # MF_NEG_CLAMPED with a lower clamp (act_min above -128: RELU, RELU6) over 16-pixel passes: the M7's
    # software-pipelined pass (MF_C1_PASS_M7) with its clamps, the M4/M33's loads back to back
    "c1-8to16-pipe-relu-9x9": lambda: mg.conv2d_model(seed_of("c1", 13), (1, 9, 9, 8), 16, 1, 1, "SAME", 1, "RELU",
                                                      in_zp=-128, out_zp=-20),
    "c1-8to9-pipe-relu6-6x7": lambda: mg.conv2d_model(seed_of("c1", 14), (1, 6, 7, 8), 9, 1, 1, "SAME", 1, "RELU6",
                                                      in_zp=5, out_zp=40),
    "c1-8to11-15x14": lambda: mg.conv2d_model(seed_of("c1", 15), (1, 15, 14, 8), 11, 1, 1, "SAME", 1, "RELU",
                                              in_zp=-128, out_zp=-128),
    "c1-8to16-s2-batch2-19x21": lambda: mg.conv2d_model(seed_of("c1", 16), (2, 19, 21, 8), 16, 1, 2, "SAME", 1, "RELU6",
                                                        in_zp=7, out_zp=-3),
    # MF_NEG_CLAMPED with more than C1_MAX_SHIFTS shifts (c1_shifts 0): the M7's pass with e in a register (its ASR)
    "c1-8to64-asr-6x6": lambda: mg.conv2d_model(seed_of("c1", 18), (1, 6, 6, 8), 64, 1, 1, "SAME", 1, "NONE",
                                                     in_zp=-128, out_zp=-128),
    "c1-12to16": lambda: mg.conv2d_model(seed_of("c1", 10), (1, 5, 5, 12), 16, 1, 1, "SAME", 1, "NONE", in_zp=2),
    "c1-16to32": lambda: mg.conv2d_model(seed_of("c1", 11), (1, 5, 5, 16), 32, 1, 1, "SAME", 1, "RELU6", in_zp=-128),
}


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", sorted(C1_MODELS))
def test_conv_c1_on_core(name, core, tmp_path):
    def took(model_c):
        assert (".mix = 2" in model_c) == name.startswith("c1-8to"), "mf_conv2d_s8_c1 taken iff in_c is 8"
        if name.startswith("c1-8to"):   # a pixel loop copy per shift (SSAT's immediate) but where > C1_MAX_SHIFTS shifts
            assert (".c1_shifts = 0," in model_c) == (name in ("c1-8to48-batch2", "c1-8to64-asr-6x6")), "c1_shifts"
        if "-pipe-" in name:   # MF_NEG_CLAMPED, clamped below, at least one 16-pixel pass
            f = {k: int(re.search(rf"\.{k} = (-?\d+),", model_c).group(1))
                 for k in ("act_min", "act_max", "out_offset", "out_h", "out_w")}
            assert f["act_min"] >= f["out_offset"] and f["act_min"] > -128 and f["out_h"] * f["out_w"] >= 16

    exact_on_core(C1_MODELS[name](), core, tmp_path, "target-c1", name, took)


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", ["c1-8to11-15x14", "c1-8to16-pipe-relu-9x9", "c1-8to64-asr-6x6"])
def test_conv_c1_m7_pass_per_shift(name, core, tmp_path):
    """The M7's software-pipelined pass (MF_NEG_CLAMPED layers) has a copy per shift of the layer (c1_shifts' bits, e an
    immediate of its SSAT, as the M4/M33's loops), one with e in a register where c1_shifts is 0: its marker comment
    names each copy's e (0: the register). The M4/M33 compile no M7 pass."""
    cm = compile_model(C1_MODELS[name](), target=core)
    shifts = int(re.search(r"\.c1_shifts = (\d+),", cm.files["model.c"]).group(1))
    cm.write(tmp_path)
    found = {int(e) for e in re.findall(r"@ mf_c1_pass_m7 e (\d+)", gcc_output(tmp_path, core, "-S", "-O2"))}
    want = ({e for e in range(32) if shifts >> e & 1} or {0}) if core == "m7" else set()
    assert found == want


# DSP unpadded 1x1 convolutions (mf_conv2d_s8_pw): in_c 4..68 (unrolled pairs up to 64, then leading chunks and 8-chunk passes), out_c
# multiples of 4 (3..33 groups), odd pixel counts (a lone last pixel), batches, every clamp (none, RELU's lower bound,
# RELU6's both), per-tensor weights, input/output zero points at the ends of int8.
PW_MODELS = {
    "pw-12to24-3x3": lambda: mg.conv2d_model(seed_of("pw", 1), (1, 3, 3, 12), 24, 1, 1, "SAME", 1, "NONE", in_zp=-128),
    "pw-16to32-5x5": lambda: mg.conv2d_model(seed_of("pw", 2), (1, 5, 5, 16), 32, 1, 1, "SAME", 1, "RELU6", in_zp=3),
    "pw-20to16-1x7": lambda: mg.conv2d_model(seed_of("pw", 3), (1, 1, 7, 20), 16, 1, 1, "VALID", 1, "RELU", out_zp=-20),
    "pw-24to12-batch2": lambda: mg.conv2d_model(seed_of("pw", 4), (2, 3, 1, 24), 12, 1, 1, "SAME", 1, "RELU", in_zp=-9),
    "pw-36to20-per-tensor": lambda: mg.conv2d_model(seed_of("pw", 5), (1, 2, 3, 36), 20, 1, 1, "SAME", 1, "RELU6",
                                                    per_channel=False, in_zp=127),
    "pw-44to132-3x1": lambda: mg.conv2d_model(seed_of("pw", 6), (1, 3, 1, 44), 132, 1, 1, "VALID", 1, "NONE", out_zp=40),
    "pw-64to16-5x3": lambda: mg.conv2d_model(seed_of("pw", 7), (1, 5, 3, 64), 16, 1, 1, "SAME", 1, "RELU", in_zp=-1),
    # strided (pixels read at the strides): odd sizes, a pair straddling two images, a lone last pixel, stride 3 VALID
    "pw-16to32-s2-7x9": lambda: mg.conv2d_model(seed_of("pw", 8), (1, 7, 9, 16), 32, 1, 2, "SAME", 1, "RELU", in_zp=-128),
    "pw-20to16-s2-batch2": lambda: mg.conv2d_model(seed_of("pw", 9), (2, 5, 6, 20), 16, 1, 2, "SAME", 1, "RELU6",
                                                   in_zp=5, out_zp=-7),
    "pw-12to24-s3-valid": lambda: mg.conv2d_model(seed_of("pw", 10), (1, 8, 7, 12), 24, 1, 3, "VALID", 1, "NONE",
                                                  out_zp=100),
    "pw-32to64-s2x1": lambda: mg.conv2d_model(seed_of("pw", 11), (1, 6, 5, 32), 64, 1, (2, 1), "SAME", 1, "NONE", in_zp=-3),
    # 10 chunks: the first, one leading chunk ((nch - 1) % 4 == 1), two passes; a lone last pixel
    "pw-40to12-3x3": lambda: mg.conv2d_model(seed_of("pw", 12), (1, 3, 3, 40), 12, 1, 1, "SAME", 1, "RELU", in_zp=-128),
    # few MACs per pixel (one or two groups a pair, windows of one to four chunks): in_c 4 and 12, out_c 4 and 8 (mobilenetv2's
    # 16 -> 8 projection), strided, odd pixel counts
    "pw-4to8-5x5": lambda: mg.conv2d_model(seed_of("pw", 13), (1, 5, 5, 4), 8, 1, 1, "SAME", 1, "RELU6", in_zp=-128),
    "pw-4to4-s2-7x5": lambda: mg.conv2d_model(seed_of("pw", 14), (1, 7, 5, 4), 4, 1, 2, "SAME", 1, "NONE", in_zp=9,
                                              out_zp=-3),
    "pw-12to4-3x5": lambda: mg.conv2d_model(seed_of("pw", 15), (1, 3, 5, 12), 4, 1, 1, "SAME", 1, "RELU", in_zp=-5),
    "pw-16to8-5x5": lambda: mg.conv2d_model(seed_of("pw", 16), (1, 5, 5, 16), 8, 1, 1, "SAME", 1, "NONE", in_zp=-128,
                                            out_zp=7),
    "pw-16to8-per-tensor-batch2": lambda: mg.conv2d_model(seed_of("pw", 17), (2, 3, 3, 16), 8, 1, 1, "SAME", 1, "RELU6",
                                                          per_channel=False, in_zp=4),
    # windows of 12 .. 16 chunks, unrolled in mf_dsp_pw_pair (in_c <= PW_PAIR_MAX_IC), and 17 chunks (the loop form
    # just above it): lone last pixels, a batch, every clamp, per-tensor weights, zero points at the ends of int8
    "pw-48to20-3x5": lambda: mg.conv2d_model(seed_of("pw", 19), (1, 3, 5, 48), 20, 1, 1, "SAME", 1, "RELU", in_zp=-128),
    "pw-52to8-1x3": lambda: mg.conv2d_model(seed_of("pw", 20), (1, 1, 3, 52), 8, 1, 1, "VALID", 1, "NONE", in_zp=127,
                                            out_zp=-128),
    "pw-56to12-batch2": lambda: mg.conv2d_model(seed_of("pw", 21), (2, 1, 3, 56), 12, 1, 1, "SAME", 1, "RELU6",
                                                in_zp=-7, out_zp=5),
    "pw-60to4-per-tensor": lambda: mg.conv2d_model(seed_of("pw", 22), (1, 3, 3, 60), 4, 1, 1, "SAME", 1, "NONE",
                                                   per_channel=False, in_zp=1, out_zp=127),
    "pw-64to28-s2-5x5": lambda: mg.conv2d_model(seed_of("pw", 23), (1, 5, 5, 64), 28, 1, 2, "SAME", 1, "RELU",
                                                in_zp=-128, out_zp=-128),
    "pw-68to8-3x1": lambda: mg.conv2d_model(seed_of("pw", 24), (1, 3, 1, 68), 8, 1, 1, "VALID", 1, "RELU", in_zp=-3),
    # the loop form's leads ((nch - 1) % 8 chunks: 4, 7, 0) and 8-chunk passes (2, 2, 4)
    "pw-84to12-3x3": lambda: mg.conv2d_model(seed_of("pw", 25), (1, 3, 3, 84), 12, 1, 1, "SAME", 1, "RELU6", in_zp=-128),
    "pw-96to8-s2-5x3": lambda: mg.conv2d_model(seed_of("pw", 26), (1, 5, 3, 96), 8, 1, 2, "SAME", 1, "NONE", in_zp=6,
                                               out_zp=-100),
    "pw-132to16-1x3-per-tensor": lambda: mg.conv2d_model(seed_of("pw", 27), (1, 1, 3, 132), 16, 1, 1, "VALID", 1, "RELU",
                                                         per_channel=False, in_zp=-1, out_zp=-128),
}


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", sorted(PW_MODELS))
def test_conv_pw_on_core(name, core, tmp_path, monkeypatch):
    monkeypatch.setattr("microforge.ops.conv2d.PW4_CORES", ())   # the pixel pairs on every core (not the quads, mix 7)

    def took(model_c):
        assert ".mix = 3" in model_c, "mf_conv2d_s8_pw was not taken"

    exact_on_core(PW_MODELS[name](), core, tmp_path, "target-pw", name, took)


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", ["pw-68to8-3x1", "pw-84to12-3x3", "pw-96to8-s2-5x3", "pw-132to16-1x3-per-tensor"])
def test_conv_pw_pass_end_m7(name, core, tmp_path, monkeypatch):
    """Windows past mf_dsp_pw_pair's (in_c > 64: passes of 8 chunks after 1, 5 and 8 leading ones) end each pass on the
    M7 with MF_PW7_HALF_END (x stepped inside the last half, the sentinel's CMP beside the last SMLAD, w's ADD beside
    the branch: its CMP, ADD, BNE in the assembly, the M4/M33's CMP after the writeback load instead) and stay exact
    on the M7 (the M4/M33: test_conv_pw_on_core)."""
    monkeypatch.setattr("microforge.ops.conv2d.PW4_CORES", ())
    model = PW_MODELS[name]()
    cm = compile_model(model, target=core)
    assert ".mix = 3" in cm.files["model.c"], "mf_conv2d_s8_pw was not taken"
    cm.write(tmp_path / "src")
    asm = gcc_output(tmp_path / "src", core, "-S", "-O2")
    m7_end = re.search(r"cmp\s+\w+, #0x80808080\n\s*add\s+\w+, \w+, #128\n\s*bne\s+1b", asm)
    assert bool(m7_end) == (core == "m7")
    if core == "m7":
        exact_on_core(model, core, tmp_path, "target-pw", name, what=", the M7's pass end")


# A lone last pixel (odd pixel count) of the pw stream (mf_dsp_pw_rows1, xs 4) at every lead (nch % 4: 1 alone, 3
# alone, 0 with the loop only, 1, 2, 3 with it), windows past mf_dsp_pw_pair's (in_c 132), and the row entries' lone
# pixel (mix 6, xs 2: 37 = 32 + 5 outputs a row); out_c % 4 == 0 on this path (no channel tails)
PW1_LONE = [("pw", "pw-4to8-5x5"), ("pw", "pw-12to24-3x3"), ("pw", "pw-16to32-5x5"), ("pw", "pw-20to16-1x7"),
            ("pw", "pw-40to12-3x3"), ("pw", "pw-44to132-3x1"), ("pw", "pw-132to16-1x3-per-tensor"),
            ("row", "row-3x3-c16to8-strips"), ("row", "row-3x3-c4to12-batch2-s2x1")]


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("kind,name", PW1_LONE)
def test_conv_pw_lone_pixel_m7_schedule(kind, name, core, tmp_path, monkeypatch):
    """The lone pixel's chunks on the M7 take its dual-issue schedule (MF_PW1_CHUNK7: its marker in the assembly; the
    M4/M33 keep MF_PW1_CHUNK's load chains) and stay exact on the M7 (the M4/M33: test_conv_pw_on_core,
    test_conv_rowmix_on_core), with the M7's interleaved group tail (MF_PW1_TAIL7: out_zp at act_min, MF_NEG_CLAMPED,
    here with and without a lower clamp) and without it (pw-12to24-3x3, pw-44to132-3x1: sign corrections)."""
    from microforge.ops import conv2d
    monkeypatch.setattr(conv2d, "PW4_CORES", ())
    if kind == "row":
        monkeypatch.setattr(conv2d, "MIX_MAX_PAD", float("inf"))
        monkeypatch.setattr(conv2d, "MIX_MIN_WIN", 4)
        monkeypatch.setattr(conv2d, "ROW_IC_MULTIPLE", 1)
    model = (PW_MODELS if kind == "pw" else ROW_MODELS)[name]()
    cm = compile_model(model, target=core)
    assert (".mix = 3" if kind == "pw" else ".mix = 6") in cm.files["model.c"], "not the path under test"
    cm.write(tmp_path / "src")
    assert ("@ mf_pw1 M7" in gcc_output(tmp_path / "src", core, "-S", "-O2")) == (core == "m7")
    if core == "m7":
        exact_on_core(model, core, tmp_path, "target-pw1", name, what=", the lone pixel's M7 schedule")


# DSP 1x1 convolutions in quads of pixels on single mixed channel pairs (mf_conv2d_s8_pw4, mix = 7; in_c <= 128,
# n_pix % 4 == 0): windows of 1 .. 32 chunks, one pair and many, strides, batches, every clamp, per-tensor weights, zero
# points at the ends of int8, negative values clamped or not
PW4_MODELS = {
    "pw4-16to32-4x5": lambda: mg.conv2d_model(seed_of("p4", 1), (1, 4, 5, 16), 32, 1, 1, "SAME", 1, "RELU", in_zp=-128),
    "pw4-32to32-4x6": lambda: mg.conv2d_model(seed_of("p4", 2), (1, 4, 6, 32), 32, 1, 1, "SAME", 1, "NONE", in_zp=5,
                                              out_zp=-3),
    "pw4-4to4-s2-7x5": lambda: mg.conv2d_model(seed_of("p4", 3), (1, 7, 5, 4), 4, 1, 2, "SAME", 1, "RELU6", in_zp=9),
    "pw4-12to8-2x6": lambda: mg.conv2d_model(seed_of("p4", 4), (1, 2, 6, 12), 8, 1, 1, "SAME", 1, "RELU", in_zp=-5,
                                             out_zp=-20),
    "pw4-64to64-4x4": lambda: mg.conv2d_model(seed_of("p4", 5), (1, 4, 4, 64), 64, 1, 1, "SAME", 1, "RELU", in_zp=-128,
                                              out_zp=-128),
    "pw4-64to12-s2-batch2": lambda: mg.conv2d_model(seed_of("p4", 6), (2, 5, 3, 64), 12, 1, 2, "SAME", 1, "RELU6",
                                                    in_zp=-7, out_zp=5),
    "pw4-60to4-per-tensor": lambda: mg.conv2d_model(seed_of("p4", 7), (1, 2, 2, 60), 4, 1, 1, "SAME", 1, "NONE",
                                                    per_channel=False, in_zp=1, out_zp=127),
    "pw4-52to8-1x8": lambda: mg.conv2d_model(seed_of("p4", 8), (1, 1, 8, 52), 8, 1, 1, "VALID", 1, "NONE", in_zp=127,
                                             out_zp=-128),
    "pw4-44to132-2x4": lambda: mg.conv2d_model(seed_of("p4", 9), (1, 2, 4, 44), 132, 1, 1, "VALID", 1, "NONE",
                                               out_zp=40),
    "pw4-8to16-per-tensor-batch2": lambda: mg.conv2d_model(seed_of("p4", 10), (2, 2, 3, 8), 16, 1, 1, "SAME", 1,
                                                           "RELU6", per_channel=False, in_zp=4),
    "pw4-20to36-s3-valid": lambda: mg.conv2d_model(seed_of("p4", 11), (1, 11, 7, 20), 36, 1, 3, "VALID", 1, "RELU",
                                                   in_zp=-128),
    "pw4-24to20-1x4": lambda: mg.conv2d_model(seed_of("p4", 12), (1, 1, 4, 24), 20, 1, 1, "SAME", 1, "RELU6",
                                              in_zp=-9, out_zp=-128),
    # the widest windows: 24 .. 32 chunks
    "pw4-128to24-2x2": lambda: mg.conv2d_model(seed_of("p4", 13), (1, 2, 2, 128), 24, 1, 1, "SAME", 1, "RELU",
                                               in_zp=-128, out_zp=-128),
    "pw4-96to16-4x3": lambda: mg.conv2d_model(seed_of("p4", 14), (1, 4, 3, 96), 16, 1, 1, "SAME", 1, "NONE", in_zp=3,
                                              out_zp=-7),
    "pw4-124to8-batch2-relu6": lambda: mg.conv2d_model(seed_of("p4", 15), (2, 1, 2, 124), 8, 1, 1, "SAME", 1, "RELU6",
                                                       in_zp=-1),
}


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", sorted(PW4_MODELS))
def test_conv_pw4_on_core(name, core, tmp_path, monkeypatch):
    monkeypatch.setattr("microforge.ops.conv2d.C1_IC", ())   # in_c 8 here too

    def took(model_c):   # the quads on every core (the M7 with its own schedule: test_conv_pw4_schedule_per_core)
        assert ".mix = 7" in model_c, "not the path under test"

    exact_on_core(PW4_MODELS[name](), core, tmp_path, "target-pw4", name, took)


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
def test_conv_pw4_pixel_counts_on_core(core, tmp_path):
    """A pixel count that is not a multiple of 4 keeps the pixel pairs (mix = 3) on the M7 and takes the quads with
    their last pixels one at a time on the M4/M33 (mf_dsp_pw4_rows1), exact; a multiple of 4 takes the quads."""
    tail = 3 if core == "m7" else 7
    for shape, mix in (((1, 5, 5, 16), tail), ((1, 1, 7, 32), tail), ((2, 3, 1, 24), tail), ((1, 3, 4, 16), 7)):
        def took(model_c, mix=mix):
            assert f".mix = {mix}" in model_c, "not the path under test"
        model = mg.conv2d_model(seed_of("p4", 20, *shape), shape, 20, 1, 1, "SAME", 1, "RELU", in_zp=-128)
        exact_on_core(model, core, tmp_path, "target-pw4", f"pw4-count-{shape}", took)


# The quads' last n_pix % 4 pixels one at a time (mf_dsp_pw4_rows1, M4/M33, in_c <= PW_PAIR_MAX_IC): tails of 1, 2 and 3
# pixels, windows with 0 .. 3 leading chunks and 0 .. 4 passes (in_c 4 .. 64), two pairs and many, strides, a batch,
# every clamp, per-tensor weights, zero points at the ends of int8, negative values clamped or not
PW4_TAIL_MODELS = {
    "pw4t-16to32-5x5": lambda: mg.conv2d_model(seed_of("p4t", 1), (1, 5, 5, 16), 32, 1, 1, "SAME", 1, "RELU",
                                               in_zp=-128, out_zp=-128),
    "pw4t-4to4-s2-5x5": lambda: mg.conv2d_model(seed_of("p4t", 2), (1, 5, 5, 4), 4, 1, 2, "SAME", 1, "RELU6", in_zp=9),
    "pw4t-8to12-1x7": lambda: mg.conv2d_model(seed_of("p4t", 3), (1, 1, 7, 8), 12, 1, 1, "VALID", 1, "NONE",
                                              in_zp=-5, out_zp=-20),
    "pw4t-12to8-3x3": lambda: mg.conv2d_model(seed_of("p4t", 4), (1, 3, 3, 12), 8, 1, 1, "SAME", 1, "RELU", in_zp=-3),
    "pw4t-20to36-s3-valid": lambda: mg.conv2d_model(seed_of("p4t", 5), (1, 8, 7, 20), 36, 1, 3, "VALID", 1, "RELU",
                                                    in_zp=-128),
    "pw4t-28to4-per-tensor": lambda: mg.conv2d_model(seed_of("p4t", 6), (1, 3, 2, 28), 4, 1, 1, "SAME", 1, "NONE",
                                                     per_channel=False, in_zp=1, out_zp=127),
    "pw4t-64to64-25x5": lambda: mg.conv2d_model(seed_of("p4t", 7), (1, 25, 5, 64), 64, 1, 1, "SAME", 1, "RELU",
                                                in_zp=-128, out_zp=-128),
    "pw4t-64to12-s2-batch2": lambda: mg.conv2d_model(seed_of("p4t", 8), (2, 5, 3, 64), 12, 1, 2, "SAME", 1, "RELU6",
                                                     in_zp=-7, out_zp=5),
    "pw4t-52to8-1x3": lambda: mg.conv2d_model(seed_of("p4t", 9), (1, 1, 3, 52), 8, 1, 1, "VALID", 1, "NONE", in_zp=127,
                                              out_zp=-128),
    "pw4t-56to16-s2-5x3": lambda: mg.conv2d_model(seed_of("p4t", 10), (1, 5, 3, 56), 16, 1, 2, "SAME", 1, "NONE",
                                                  in_zp=6, out_zp=-100),
    "pw4t-60to8-1x3-relu6": lambda: mg.conv2d_model(seed_of("p4t", 11), (1, 1, 3, 60), 8, 1, 1, "SAME", 1, "RELU6",
                                                    in_zp=-1),
    "pw4t-48to24-3x3": lambda: mg.conv2d_model(seed_of("p4t", 12), (1, 3, 3, 48), 24, 1, 1, "SAME", 1, "RELU",
                                               in_zp=-128, out_zp=-128),
    "pw4t-44to132-1x5": lambda: mg.conv2d_model(seed_of("p4t", 13), (1, 1, 5, 44), 132, 1, 1, "VALID", 1, "NONE",
                                                out_zp=40),
}


@pytest.mark.parametrize("core", ["m4", "m33"])
@pytest.mark.parametrize("name", sorted(PW4_TAIL_MODELS))
def test_conv_pw4_tail_on_core(name, core, tmp_path, monkeypatch):
    monkeypatch.setattr("microforge.ops.conv2d.C1_IC", ())   # in_c 8 here too

    def took(model_c):
        assert ".mix = 7" in model_c, "not the path under test"

    exact_on_core(PW4_TAIL_MODELS[name](), core, tmp_path, "target-pw4t", name, took)


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
def test_conv_pw4_tail_taken(core, tmp_path):
    """The last pixels' kernel (its marker comment in the assembly) is built on the M4/M33 for a pixel count that is not
    a multiple of 4, not for a multiple of 4, and never on the M7 (the pixel pairs there)."""
    for shape, mix, tail in (((1, 5, 5, 16), 3 if core == "m7" else 7, core != "m7"), ((1, 4, 4, 16), 7, False)):
        cm = compile_model(mg.conv2d_model(seed_of("p4t-taken", 1), shape, 8, 1, 1, "SAME", 1, "RELU"), target=core)
        assert f".mix = {mix}," in cm.files["model.c"]
        d = tmp_path / f"{shape[1]}"
        cm.write(d)
        assert ("@ mf_dsp_pw4_rows1" in gcc_output(d, core, "-S", "-O2")) == tail


# The quads' tail with its shifts as immediates (M4/M33, ops/conv2d.py pw4_shift_mask: a copy of the tail per
# combination of a pair's two shifts, picked by TBH, the most common one ahead of the window, falling into it): every quad
# and tail model above with the copies' pair threshold off (PW4_IMM_MIN_PAIRS), exact. All of them take it (one copy:
# per-tensor weights, up to 9: per-channel; every clamp, zero points at the ends of int8, negative values clamped or
# not, in_c 4 .. 128, tails of 1 .. 3 pixels through mf_dsp_pw4_rows1 on W's other "more" bit) but one, whose c'
# shifts spread over more than 4 values: the register form.
PW4_IMM_REGISTER_FORM = ("pw4-44to132-2x4",)


@pytest.mark.parametrize("core", ["m4", "m33"])
@pytest.mark.parametrize("name", sorted({**PW4_MODELS, **PW4_TAIL_MODELS}))
def test_conv_pw4_imm_on_core(name, core, tmp_path, monkeypatch):
    monkeypatch.setattr("microforge.ops.conv2d.C1_IC", ())   # in_c 8 here too
    monkeypatch.setattr("microforge.ops.conv2d.PW4_IMM_MIN_PAIRS", 0)

    def took(model_c):
        assert ".mix = 7" in model_c, "not the path under test"
        assert (".c1_shifts = 0," in model_c) == (name in PW4_IMM_REGISTER_FORM), "c1_shifts"

    model = {**PW4_MODELS, **PW4_TAIL_MODELS}[name]()
    exact_on_core(model, core, tmp_path, "target-pw4i", name, took)


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
def test_conv_pw4_imm_taken(core, tmp_path, monkeypatch):
    """The immediate shifts' copies (one per combination of the mask, each with its shifts in 8 SSATs, and the ADD to pc
    that picks their slot) are built on the M4/M33 only, not on the M7 (its own schedule: c1_shifts 0 there), and only for layers with
    copies that save at least 4 * PW4_IMM_MIN_PAIRS cycles each (pw4_imm_gain; here at most 4 quads * 32 pairs * 7 cycles
    for 8 copies: not by default)."""
    from microforge.ops.conv2d import pw4_copies
    model = PW4_MODELS["pw4-64to64-4x4"]()
    for min_pairs in (None, 0):
        if min_pairs is not None:
            monkeypatch.setattr("microforge.ops.conv2d.PW4_IMM_MIN_PAIRS", min_pairs)
        cm = compile_model(model, target=core)
        sm = int(re.search(r"\.c1_shifts = (-?\d+),", cm.files["model.c"]).group(1))
        imm = min_pairs == 0 and core != "m7"
        assert (sm != 0) == imm
        asm = model_disassembly(model, core, tmp_path / f"{min_pairs}")
        # the register form's 4 SSATs with a shift (c's >> 1), or each copy's 8 (c's e + 1, c''s e' + 8) and the last
        # pair's slot's 8 (a copy of its combination's)
        assert len(re.findall(r"\tssat\t\w+, #8, \w+, asr #", asm)) == (8 * (pw4_copies(sm) + 1) if imm else 4)
        assert len(re.findall(r"\tadd\tpc, \w+\n", asm)) == imm   # the slots' dispatch
        assert "\ttbh\t" not in asm


# The M4/M33's quad loop inside the asm block (mf_dsp_pw4_quad with ps = in_c: pixels in_c bytes apart, the next quad's
# pointer in the frame's pad word, w stepped back by the stream's bytes): streams under 4096 bytes (SUBW), over it as a
# modified immediate (one SUB) or not (MOVW; MOVW + MOVT over 65535), one quad and many, a batch, a tail pixel after the
# loop, zero points at the int8 ends, both shift forms
PW4_LOOP_MODELS = {
    "pw4q-128to512-2x4": lambda: mg.conv2d_model(seed_of("p4q", 1), (1, 2, 4, 128), 512, 1, 1, "SAME", 1, "RELU",
                                                 in_zp=-128, out_zp=-128),
    "pw4q-64to64-5x5": lambda: mg.conv2d_model(seed_of("p4q", 2), (1, 5, 5, 64), 64, 1, 1, "SAME", 1, "NONE",
                                               in_zp=127, out_zp=127),
    "pw4q-16to8-batch3-1x4": lambda: mg.conv2d_model(seed_of("p4q", 3), (3, 1, 4, 16), 8, 1, 1, "SAME", 1, "RELU6",
                                                     in_zp=-3, out_zp=-128),
    "pw4q-24to36-4x1": lambda: mg.conv2d_model(seed_of("p4q", 4), (1, 4, 1, 24), 36, 1, 1, "VALID", 1, "NONE",
                                               out_zp=-128),
    # no quad (one pixel: the loop not entered), one quad and a pixel, both clamps (slots of 160 bytes)
    "pw4q-32to16-1x1": lambda: mg.conv2d_model(seed_of("p4q", 5), (1, 1, 1, 32), 16, 1, 1, "SAME", 1, "RELU",
                                               in_zp=-128, out_zp=-20),
    "pw4q-12to20-1x5-relu6": lambda: mg.conv2d_model(seed_of("p4q", 6), (1, 1, 5, 12), 20, 1, 1, "SAME", 1, "RELU6",
                                                     in_zp=9, out_zp=5),
    # w stepped back by one SUB where the stream's bytes (oc * (in_c + 12)) are a modified immediate: kws's 64 -> 64
    # (4,864; 125 pixels, 3 pixels past a quad), 128 -> 512 above (71,680); by MOVW (and MOVT) where they are not:
    # 40 -> 84 (4,368), 100 -> 588 (65,856); pruned channels on the one SUB
    "pw4q-64to64-5x25": lambda: mg.conv2d_model(seed_of("p4q", 7), (1, 5, 25, 64), 64, 1, 1, "SAME", 1, "RELU",
                                                in_zp=-128, out_zp=-128),
    "pw4q-64to64-1x7-relu6": lambda: mg.conv2d_model(seed_of("p4q", 8), (1, 1, 7, 64), 64, 1, 1, "SAME", 1, "RELU6",
                                                     in_zp=127, out_zp=-128),
    "pw4q-40to84-1x5": lambda: mg.conv2d_model(seed_of("p4q", 9), (1, 1, 5, 40), 84, 1, 1, "SAME", 1, "NONE",
                                               in_zp=-128, out_zp=127),
    "pw4q-100to588-batch2-1x4": lambda: mg.conv2d_model(seed_of("p4q", 10), (2, 1, 4, 100), 588, 1, 1, "SAME", 1,
                                                        "RELU", in_zp=127, out_zp=-128),
    "pw4q-64to64-dead-1x9": lambda: _pw4_dead(lambda: mg.conv2d_model(seed_of("p4q", 11), (1, 1, 9, 64), 64, 1, 1,
                                                                      "SAME", 1, "NONE", in_zp=-7, in_scale=0.02),
                                              (0, 5, 63), (1 << 30) - 64),
}


@pytest.mark.parametrize("imm", [False, True])
@pytest.mark.parametrize("core", ["m4", "m33"])
@pytest.mark.parametrize("name", sorted(PW4_LOOP_MODELS))
def test_conv_pw4_quad_loop_on_core(name, core, imm, tmp_path, monkeypatch):
    if imm:
        monkeypatch.setattr("microforge.ops.conv2d.PW4_IMM_MIN_PAIRS", 0)
    model = PW4_LOOP_MODELS[name]()

    def took(model_c):
        assert ".mix = 7" in model_c, "not the path under test"
        if not imm:
            assert ".c1_shifts = 0," in model_c, "the register form"

    exact_on_core(model, core, tmp_path, "target-pw4q", f"{name}-{imm}", took)


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
def test_conv_pw4_quad_loop_taken(core, tmp_path):
    """The quad loop inside the asm block (its marker in gcc -S) on the M4/M33 for pixels in_c bytes apart (stride 1),
    not for a strided layer (the C loop over quads, each quad's 4 pixel pointers), never on the M7."""
    for name, loop in (("pw4-16to32-4x5", core != "m7"), ("pw4-4to4-s2-7x5", False)):
        cm = compile_model(PW4_MODELS[name](), target=core)
        assert ".mix = 7," in cm.files["model.c"]
        cm.write(tmp_path / name)
        asm = gcc_output(tmp_path / name, core, "-S", "-O2")   # ps 0: the block's .if drops the loop
        assert bool(re.search(r"@ mf_pw4 quad loop ps [1-9]", asm)) == loop, name


@pytest.mark.parametrize("core", ["m4", "m33"])
def test_conv_pw4_quad_loop_weight_step(core, tmp_path):
    """The quad loop steps w back over the stream by one SUB (a modified immediate, or SUBW under 4096) where the stream's
    bytes allow it, by MOVW (MOVT) and SUB where they do not (the object code's instructions with those bytes)."""
    for name, stream, one in (("pw4q-64to64-5x25", 4864, True), ("pw4q-128to512-2x4", 71680, True),
                              ("pw4q-40to84-1x5", 4368, False), ("pw4q-100to588-batch2-1x4", 65856, False),
                              ("pw4q-24to36-4x1", 1296, True)):
        asm = model_disassembly(PW4_LOOP_MODELS[name](), core, tmp_path / name)
        sub = re.search(rf"\tsubw?(\.w)?\t\w+, \w+, #{stream}\b", asm)
        movw = re.search(rf"\tmovw\t\w+, #{stream & 0xffff}\b", asm)
        assert (sub is not None, movw is not None) == (one, not one), name


def _pw4_dead(make, chans, bias):
    """`make()`'s conv with output channels `chans` dead (all-zero weights, tiny scale, |bias| near 2^30: dsp_rq_layout
    re-expresses them with -shift-1 0, which alone spreads the layer's shifts past pw4_shift_mask's 4 values)."""
    from test_m0_kernels import _dead_channel
    m = make()
    for ch in chans:
        m = _dead_channel(m, ch, bias if ch % 2 else -bias)
    return m


# pruned channels moved to their parity's most common shift (ops/conv2d.py pw4_dead_shifts) so that the quads take the
# immediate shifts: in_c 8 and 16, odd pixel counts (the M4/M33's mf_dsp_pw4_rows1 tail), zero points at the int8 ends,
# RELU6, dead channels first, last, odd and even
PW4_DEAD_MODELS = {
    "pw4d-16to8-4x4": lambda: _pw4_dead(lambda: mg.conv2d_model(seed_of("p4d", 1), (1, 4, 4, 16), 8, 1, 1, "SAME", 1,
                                                                "RELU6", in_zp=-128, in_scale=0.02), (1, 4), (1 << 30) - 64),
    "pw4d-16to12-3x5": lambda: _pw4_dead(lambda: mg.conv2d_model(seed_of("p4d", 2), (1, 3, 5, 16), 12, 1, 1, "VALID", 1,
                                                                 "NONE", in_zp=127, out_zp=127, in_scale=0.02),
                                         (0, 11), 1 << 30),
    "pw4d-8to16-5x3": lambda: _pw4_dead(lambda: mg.conv2d_model(seed_of("p4d", 3), (1, 5, 3, 8), 16, 1, 1, "SAME", 1,
                                                                "RELU", out_zp=-128, in_scale=0.02), (3, 6, 7),
                                        (1 << 30) - 128),
}


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", sorted(PW4_DEAD_MODELS))
def test_conv_pw4_dead_shifts_on_core(name, core, tmp_path, monkeypatch):
    """Layers whose pruned channels alone spread the shifts: the quads with immediate shifts on the M4/M33 (their
    copies in gcc -S), only thanks to pw4_dead_shifts (c1_shifts 0 without it), the M7's register form (quads or
    pairs); exact."""
    monkeypatch.setattr("microforge.ops.conv2d.C1_IC", ())   # in_c 8 here too
    monkeypatch.setattr("microforge.ops.conv2d.PW4_IMM_MIN_PAIRS", 0)
    model = PW4_DEAD_MODELS[name]()

    def took(model_c):   # the M7 takes the quads only at n_pix % 4 == 0 (PW4_TAIL_CORES), never the copies
        assert ".mix = 7," in model_c or core == "m7", "not the quads"
        sm = re.search(r"\.c1_shifts = (-?\d+),", model_c)
        assert (sm is not None and sm.group(1) != "0") == (core != "m7"), "c1_shifts"

    exact_on_core(model, core, tmp_path, "target-pw4d", name, took)
    if core != "m7":
        cm = compile_model(model, target=core)
        cm.write(tmp_path / "s")
        assert "@ mf_pw4 imm" in gcc_output(tmp_path / "s", core, "-S", "-O2")
        monkeypatch.setattr("microforge.ops.conv2d.pw4_dead_shifts", lambda w, rq: rq)
        assert ".c1_shifts = 0," in compile_model(model, target=core).files["model.c"]


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
def test_conv_pw_in_c8_on_core(core, tmp_path, monkeypatch):
    """in_c 8 goes through mf_conv2d_s8_pw when mf_conv2d_s8_c1 does not take it (here: c1 switched off, and the
    quads)."""
    monkeypatch.setattr("microforge.ops.conv2d.C1_IC", ())
    monkeypatch.setattr("microforge.ops.conv2d.PW4_CORES", ())

    def took(model_c):
        assert ".mix = 3" in model_c, "mf_conv2d_s8_pw was not taken"

    model = mg.conv2d_model(seed_of("pw", 18), (1, 5, 3, 8), 12, 1, 1, "SAME", 1, "RELU", in_zp=-2, out_zp=-60)
    exact_on_core(model, core, tmp_path, "target-pw", "pw-8to12", took)


def test_conv_pw_models_span_the_pair_bound():
    """The pw models above reach mf_dsp_pw_pair's widest window (in_c == PW_PAIR_MAX_IC) and the loop form just above
    it (in_c > PW_PAIR_MAX_IC, its bound checked against the kernel's in tests/unit/test_dsp_layouts.py)."""
    from microforge.ops.conv2d import PW_PAIR_MAX_IC
    from microforge.frontend import load_tflite
    ics = set()
    for make in PW_MODELS.values():
        g = load_tflite(make())
        ics |= {op.inputs[0].shape[-1] for op in g.ops}
    assert PW_PAIR_MAX_IC in ics and PW_PAIR_MAX_IC - 4 in ics and PW_PAIR_MAX_IC + 4 in ics


def test_conv_pw_chosen(monkeypatch):
    """mf_conv2d_s8_pw takes 1x1 layers (any stride) only, with in_c % 4 == 0 >= PW_MIN_IC, out_c % 4 == 0 and enough
    MACs per pixel; others keep their paths (with the quads switched off: most of these go in quads,
    test_conv_pw4_chosen)."""
    monkeypatch.setattr("microforge.ops.conv2d.PW4_CORES", ())

    def mix(model):
        c = compile_model(model, target="m7").files["model.c"]
        return next(int(c[i + 7]) for i in [c.index(".mix = ")])
    assert mix(mg.conv2d_model(1, (1, 4, 4, 16), 16, 1, 1, "SAME", 1, "NONE")) == 3
    assert mix(mg.conv2d_model(1, (1, 4, 4, 16), 8, 1, 1, "SAME", 1, "NONE")) == 3     # 128 MACs per pixel
    assert mix(mg.conv2d_model(1, (1, 4, 4, 4), 4, 1, 1, "SAME", 1, "NONE")) == 3      # one chunk, one group
    assert mix(mg.conv2d_model(1, (1, 4, 4, 8), 16, 1, 1, "SAME", 1, "NONE")) == 2     # in_c 8: mf_conv2d_s8_c1
    assert mix(mg.conv2d_model(1, (1, 4, 4, 20), 18, 1, 1, "SAME", 1, "NONE")) != 3    # out_c % 4
    assert mix(mg.conv2d_model(1, (1, 4, 4, 22), 16, 1, 1, "SAME", 1, "NONE")) != 3    # in_c % 4
    assert mix(mg.conv2d_model(1, (1, 7, 7, 16), 16, 1, 2, "SAME", 1, "NONE")) == 3    # stride 2: read at the strides
    assert mix(mg.conv2d_model(1, (1, 8, 8, 16), 32, 1, 2, "SAME", 1, "NONE")) == 3    # ic's shortcut convolutions
    assert mix(mg.conv2d_model(1, (1, 4, 4, 16), 16, 3, 1, "SAME", 1, "NONE")) != 3    # 3x3


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
def test_conv_pw4_chosen(core):
    """The quads (mf_conv2d_s8_pw4, mix = 7) take what mf_conv2d_s8_pw would with in_c <= PW4_MAX_IC,
    out_c <= PW4_MAX_OC and a multiple of 4 pixels (on the M4/M33 any pixel count with in_c <= PW_PAIR_MAX_IC); the
    rest stays on the pixel pairs (mix = 3) or its own path."""
    from microforge.ops.conv2d import PW4_MAX_IC, PW4_MAX_OC, PW_PAIR_MAX_IC

    def mix(model):
        c = compile_model(model, target=core).files["model.c"]
        return next(int(c[i + 7]) for i in [c.index(".mix = ")])
    assert mix(mg.conv2d_model(1, (1, 4, 4, 16), 16, 1, 1, "SAME", 1, "NONE")) == 7
    assert mix(mg.conv2d_model(1, (1, 4, 4, 4), 4, 1, 1, "SAME", 1, "NONE")) == 7      # one chunk, one group
    assert mix(mg.conv2d_model(1, (1, 7, 7, 16), 16, 1, 2, "SAME", 1, "NONE")) == 7    # stride 2: 16 pixels
    assert mix(mg.conv2d_model(1, (1, 2, 2, PW4_MAX_IC), 8, 1, 1, "SAME", 1, "NONE")) == 7
    assert mix(mg.conv2d_model(1, (1, 2, 2, PW4_MAX_IC + 4), 8, 1, 1, "SAME", 1, "NONE")) == 3
    assert mix(mg.conv2d_model(1, (1, 3, 3, 16), 8, 1, 1, "SAME", 1, "NONE")) == (3 if core == "m7" else 7)   # 9 pixels
    assert mix(mg.conv2d_model(1, (1, 3, 3, PW_PAIR_MAX_IC), 8, 1, 1, "SAME", 1, "NONE")) == (3 if core == "m7" else 7)
    assert mix(mg.conv2d_model(1, (1, 3, 3, PW_PAIR_MAX_IC + 4), 8, 1, 1, "SAME", 1, "NONE")) == 3
    assert mix(mg.conv2d_model(1, (1, 2, 2, 8), PW4_MAX_OC + 3, 1, 1, "SAME", 1, "NONE")) != 7
    assert mix(mg.conv2d_model(1, (1, 4, 4, 8), 16, 1, 1, "SAME", 1, "NONE")) == 2     # in_c 8: mf_conv2d_s8_c1
    for ic, oc in ((16, 13), (16, 7), (13, 16), (5, 8)):                                 # no channel tails
        assert mix(mg.conv2d_model(1, (1, 4, 4, ic), oc, 1, 1, "SAME", 1, "NONE")) not in (3, 7)


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
def test_conv_pw4_schedule_per_core(core, tmp_path):
    """The quads' schedule follows the core model.c names: MF_TARGET_M7 compiles the dual-issue one (its marker comment
    in the assembly, one pixel register x read by each pixel's two SMLADs), the M4/M33 the load chains (x0 .. x3, the out
    pointer in the frame)."""
    cm = compile_model(mg.conv2d_model(seed_of("p4-sched", 1), (1, 4, 4, 16), 8, 1, 1, "SAME", 1, "RELU"), target=core)
    assert ".mix = 7" in cm.files["model.c"]
    cm.write(tmp_path)
    asm = gcc_output(tmp_path, core, "-S", "-O2")
    assert ("mf_dsp_pw4_quad M7" in asm) == (core == "m7")
    text = gcc_output(tmp_path, core, "-E")
    m7_mac, m4_load = "smlad %[sa1], %[x], %[ws], %[sa1]", "str %[wa], [sp, #32 * %c[nch]]"   # M4: the out pointer
    assert (m7_mac in text) == (core == "m7") and (m4_load in text) == (core != "m7")


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", ["pw-16to1368-3x1", "pw-68to8-3x1"])
def test_conv_pw_m7_head_per_core(name, core, tmp_path):
    """The M7's pw window head (MF_PW7_HALF0: its start values and second weight word loaded beside the SMLADs) in the
    pixel pairs of mf_dsp_pw_pair (in_c <= 64) and of the window loop (68): its marker comment in the M7's assembly
    only. Both layers stay on the pixel pairs on every core: 3 pixels, and out_c above PW4_MAX_OC (the M4/M33 take
    any pixel count in quads up to in_c 64)."""
    models = {"pw-16to1368-3x1": lambda: mg.conv2d_model(seed_of("pw", 41), (1, 3, 1, 16), 1368, 1, 1, "VALID", 1,
                                                         "RELU", in_zp=5),
              "pw-68to8-3x1": PW_MODELS["pw-68to8-3x1"]}
    cm = compile_model(models[name](), target=core)
    assert ".mix = 3" in cm.files["model.c"]
    cm.write(tmp_path)
    assert ("@ mf_pw7_half0" in gcc_output(tmp_path, core, "-S", "-O2")) == (core == "m7")


MODELS = {"ad": ("mlperf_tiny/ad.tflite", 2), "kws": ("mlperf_tiny/kws.tflite", 2), "ic": ("mlperf_tiny/ic.tflite", 1),
          "vww": ("mlperf_tiny/vww.tflite", 1), "mobilenetv2": ("seed/mobilenetv2_0.30_80x80.tflite", 1)}


@pytest.mark.every_core   # whole models: every core's leg (tests/target/conftest.py samples the per-op M33 legs)
@pytest.mark.parametrize("core", CORES)
@pytest.mark.parametrize("name", list(MODELS))
def test_shared_model_on_core(name, core, tmp_path):
    path, n_inputs = MODELS[name]
    model = shared_model(path).read_bytes()
    oracle = Oracle(model)
    cm = compile_model(model, target=core)
    target = get_target(core)
    if cm.flash_bytes > target.flash_bytes:  # the MobileNetV2's weights sit in external flash on real boards
        target = target.with_overrides(flash=16 << 20)
    rng = np.random.default_rng(seed_of("target-model", name, core))
    for k in range(n_inputs):
        xs = random_inputs(oracle, rng)
        run = run_on_target(cm, target, xs, workdir=tmp_path / str(k))
        assert_same_outputs(run.outputs, oracle.run(xs), f"{name} on {core}, input {k}")


COLS_NAMES = [n for n in OP_MODELS if n.startswith("dw-cols-")]


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", COLS_NAMES)
def test_dw_cols_on_core(name, core, tmp_path, monkeypatch):
    """The dw-cols models above take runtime/dsp/mf_dw_cols.h's column path when input and output are disjoint (forced
    here: overlap_lead None; test_op_on_core runs them under the default plans, where an output lying over the input by
    other than whole pixels keeps the other paths) and stay exact."""
    from microforge.ops.depthwise_conv2d import DepthwiseConv2D
    monkeypatch.setattr(DepthwiseConv2D, "overlap_lead", lambda self, op, index: None)

    def cols(model_c):
        assert "mf_depthwise_conv2d_s8_cols(" in model_c and "mf_depthwise_conv2d_s8_rows(" not in model_c
        assert ".act_min = -128" in model_c and ".act_max = 127" in model_c
        assert ", 0, 0, 0);" in model_c      # one plane (no free room in these one-layer arenas): a channel at a time

    exact_on_core(OP_MODELS[name](), core, tmp_path, "target-op", name, cols, ", columns")


# dw-cols models whose requantisation takes the layer's one shift (out_zp -128, the scaled words fitting: ops/
# depthwise_conv2d.py _ushift) on the column path: every block kind (quads, the 5-, 6-, 3- and 2-output tails, the SAME
# edge columns' blocks on two plane rows and their 1-, 3- and 6-output tails), 1 to 64 channels
COLS_USH = ("dw-cols-25x5-c13-same-relu", "dw-cols-25x5-c64-same-relu", "dw-cols-6x2-c5-same-relu",
            "dw-cols-3x1-c7-same-none", "dw-cols-14x6-c13-same-relu", "dw-cols-14x7-c64-valid-relu",
            "dw-cols-6x4-c1-valid-none", "dw-cols-2x1-c4-same-relu", "dw-cols-10x5-c3-same-relu",
            "dw-cols-6x3-c5-same-relu", "dw-cols-11x4-c7-same-none", "dw-cols-9x3-c1-same-none",
            "dw-cols-20x6-c5-same-relu", "dw-cols-10x3-c13-valid-none", "dw-cols-40x7-c64-same-relu",
            "dw-cols-17x3-c5-same-relu")


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
def test_dw_cols_ush_taken(core, monkeypatch):
    """The COLS_USH models (run exact on every core by test_dw_cols_on_core) take the column path with the layer's one
    shift (a shift E of 2..22 in the params), the other dw-cols models without it."""
    from microforge.ops.depthwise_conv2d import DepthwiseConv2D
    monkeypatch.setattr(DepthwiseConv2D, "overlap_lead", lambda self, op, index: None)
    assert set(COLS_USH) <= set(COLS_NAMES)
    for name in COLS_NAMES:
        model_c = compile_model(OP_MODELS[name](), target=core).files["model.c"]
        ush = re.findall(r"\.ush = (\d+),", model_c)
        assert "mf_depthwise_conv2d_s8_cols(" in model_c, name
        assert bool(ush) == (name in COLS_USH) and all(2 <= int(u) <= 22 for u in ush), name


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("plan", ["disjoint", "default"])
@pytest.mark.parametrize("name", COLS_NAMES)
def test_dw_cols_four_on_core(name, plan, core, tmp_path, monkeypatch):
    """The column path's four-channel widening (mf_dw_cols_widen4: each full group of 4 channels widened at once into
    four planes, a last group of 1 to 3 channels one at a time) stays exact, input and output disjoint or under the
    default plan (the output over its input where it lies whole pixels from it). These one-layer models leave the arena
    no free room for the planes, so the stack takes all four here (COLS_STACK_PLANES raised)."""
    from microforge.ops import depthwise_conv2d
    from microforge.ops.depthwise_conv2d import DepthwiseConv2D
    monkeypatch.setattr(depthwise_conv2d, "COLS_STACK_PLANES", 4)
    if plan == "disjoint":
        monkeypatch.setattr(DepthwiseConv2D, "overlap_lead", lambda self, op, index: None)

    def four(model_c):
        calls = re.findall(r"mf_depthwise_conv2d_s8_cols\(&[^;]*;", model_c)
        assert len(calls) == 1 or plan == "default"
        assert all(c.count("(int16_t *)(scratch + ") == 4 for c in calls)

    exact_on_core(OP_MODELS[name](), core, tmp_path, "target-op", name, four, ", four planes")


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
def test_dw_cols_edge_five_taken(core, tmp_path, monkeypatch):
    """On the M4/M33 a SAME edge column whose out_h % 4 == 1 ends in mf_dw_cols_five2 (the 5-output block on its two plane
    rows), both edges (two copies in gcc -S a mf_dw_cols_group: four with a last group of 1 to 3 channels); not with
    out_h % 4 != 1, nor on the M7 (its edge columns run as the others). Exactness: test_dw_cols_on_core and
    test_dw_cols_four_on_core (dw-cols-25x5-*, -9x3-*, -13x5-*, -17x3-*), kws on every core."""
    from microforge.ops.depthwise_conv2d import DepthwiseConv2D
    monkeypatch.setattr(DepthwiseConv2D, "overlap_lead", lambda self, op, index: None)
    for name, fives in (("dw-cols-25x5-c13-same-relu", 4), ("dw-cols-13x5-c7-same-none", 4),
                        ("dw-cols-20x6-c5-same-relu", 0), ("dw-cols-14x6-c13-same-relu", 0)):
        compile_model(OP_MODELS[name](), target=core).write(tmp_path / name)
        text = gcc_output(tmp_path / name, core, "-S", "-O2")
        assert "mf_depthwise_conv2d_s8_cols(" in (tmp_path / name / "model.c").read_text(), name
        assert text.count("@ mf_dw_cols_five2") == (0 if core == "m7" else fives), name


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
def test_dw_cols_build_u_taken(core, tmp_path, monkeypatch):
    """On the M4/M33 the column path's groups with the layer's one shift copy their requantisation words and build their
    scaled weight rows in asm (mf_dw_cols_consts_u, mf_dw_cols_build_u: their markers); not
    without the shift, nor on the M7 (mf_dw_rows_build's C rows). Exactness: test_dw_cols_on_core and
    test_dw_cols_four_on_core (the COLS_USH models: 1 to 64 channels), kws on every core."""
    from microforge.ops.depthwise_conv2d import DepthwiseConv2D
    monkeypatch.setattr(DepthwiseConv2D, "overlap_lead", lambda self, op, index: None)
    for name in ("dw-cols-25x5-c13-same-relu", "dw-cols-25x5-c64-same-relu", "dw-cols-9x3-c1-same-none",
                 "dw-cols-13x5-c7-same-none"):
        compile_model(OP_MODELS[name](), target=core).write(tmp_path / name)
        text = gcc_output(tmp_path / name, core, "-S", "-O2")
        model_c = (tmp_path / name / "model.c").read_text()
        assert "mf_depthwise_conv2d_s8_cols(" in model_c, name
        ush = name in COLS_USH and core != "m7"
        assert ("@ mf_dw_cols_build_u" in text) == ush and ("@ mf_dw_cols_consts_u" in text) == ush, name


def dw_unrolled_runs(model: bytes, core: str, tmp_path) -> list:
    """The block counts of mf_dw_rows_run's 4-output runs in the compiled model.c (its asm's marker comment, which gcc
    -S prints with the count: 0 for a looped run)."""
    compile_model(model, target=core).write(tmp_path)
    text = gcc_output(tmp_path, core, "-S", "-O2")
    return [(int(n), int(b)) for n, b in re.findall(r"@ mf_dw_rows_run unrolled (\d+) looped (\d+)", text)]


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
def test_dw_short_runs_unrolled(core, tmp_path, monkeypatch):
    """On every core a run of at most MF_DW_QUADS_UNROLL 4-output blocks is unrolled: the column path's 25-output columns
    (5 blocks before the merged 5-output tail; input and output apart, as test_dw_cols_on_core has them) and a 12-wide
    row (3 blocks); a 48-wide row (12 blocks) loops, MF_DW_QUADS_LOOP (4) blocks an iteration, a 40-wide row (10
    blocks) 2 an iteration on the M7, on the M4/M33 4 an iteration and 2 unrolled after them (mf_dw_rows_quads_carried:
    its rotation's period is 4 blocks). Exactness:
    test_dw_cols_on_core, test_op_on_core's dw-rows models, kws and vww on every core."""
    from microforge.ops.depthwise_conv2d import DepthwiseConv2D
    monkeypatch.setattr(DepthwiseConv2D, "overlap_lead", lambda self, op, index: None)
    cols = dw_unrolled_runs(OP_MODELS["dw-cols-25x5-c13-same-relu"](), core, tmp_path / "c")
    short = dw_unrolled_runs(mg.depthwise_model(31, (1, 6, 12, 8), 1, 3, 1, "SAME", 1, "NONE", in_zp=3), core,
                             tmp_path / "s")
    long = dw_unrolled_runs(mg.depthwise_model(32, (1, 6, 48, 8), 1, 3, 1, "SAME", 1, "NONE", in_zp=3), core,
                            tmp_path / "l")
    ten = dw_unrolled_runs(mg.depthwise_model(33, (1, 6, 40, 8), 1, 3, 1, "SAME", 1, "NONE", in_zp=3), core,
                           tmp_path / "t")
    assert cols and set(cols) == {(5, 0)}, cols
    assert short and set(short) == {(3, 0)}, short
    assert long and set(long) == {(0, 4)}, long
    assert ten and set(ten) == {(0, 2) if core == "m7" else (2, 4)}, ten   # M4/M33: mf_dw_rows_quads_carried's loop


# mf_dw_rows_quads_carried (M4/M33): unrolled runs of 2 to 6 4-output blocks carrying each kernel row's C word into the
# next block's A (four rotating registers): out_w with 2..6 blocks before each tail (none, the merged 6- and 5-output
# blocks, 3 leftovers), channels 1, 3, 5, 7, 13 and the output steps (4C <= 255: c 60; 2C <= 255: c 64; an ADD: c 129),
# the layer's one shift, the sums' own shift with and without the negative-value correction (out_zp -128 or not), in_zp
# at the int8 ends, SAME and VALID
DW_CARRIED = {f"dw-carried-{h}x{w}-c{c}-{pad.lower()}-{act.lower()}-z{zi}-{zo}": (h, w, c, pad, act, zi, zo)
              for h, w, c, pad, act, zi, zo in ((3, 8, 5, "SAME", "NONE", -128, None), (4, 11, 13, "SAME", "NONE", 127, -128),
                                                (5, 14, 3, "SAME", "NONE", 5, 17), (2, 16, 1, "SAME", "RELU", -128, None),
                                                (3, 17, 64, "SAME", "NONE", -3, -128), (3, 21, 129, "SAME", "NONE", 0, None),
                                                (4, 23, 13, "SAME", "RELU", 127, None), (3, 24, 5, "SAME", "NONE", -128, -128),
                                                (3, 28, 7, "VALID", "NONE", 9, -2), (3, 27, 3, "SAME", "RELU", -60, None),
                                                (5, 12, 60, "SAME", "NONE", 3, -128), (6, 15, 7, "VALID", "NONE", -128, 127),
                                                # longer runs: loops of 4 blocks and 0 to 3 blocks after them
                                                (3, 48, 8, "SAME", "RELU", -128, None), (2, 40, 13, "SAME", "NONE", 7, -128),
                                                (3, 31, 5, "SAME", "NONE", 127, 3), (4, 33, 1, "SAME", "RELU", -5, None),
                                                (3, 38, 64, "VALID", "NONE", -128, -128))}


def dw_carried_model(name: str) -> bytes:
    h, w, c, pad, act, zi, zo = DW_CARRIED[name]
    return mg.depthwise_model(seed_of("tdq", h, w, c), (1, h, w, c), 1, 3, 1, pad, 1, act, in_zp=zi, out_zp=zo)


def dw_carried_runs(name: str) -> tuple:
    """The 4-output blocks before a row's tail (mf_dw_rows_run: the merged 5- and 6-output blocks take one) as
    mf_dw_rows_quads_carried runs them, its marker's (unrolled, looped): up to MF_DW_QUADS_UNROLL (6) unrolled, more
    looped 4 an iteration and the rest unrolled."""
    h, w, c, pad, act, zi, zo = DW_CARRIED[name]
    ow = w if pad == "SAME" else w - 2
    n = (ow >> 2) - (ow >= 4 and (ow & 3) in (1, 2))
    return (str(n), "0") if n <= 6 else (str(n % 4), "4")


@pytest.mark.parametrize("core", ["m4", "m33"])
@pytest.mark.parametrize("name", list(DW_CARRIED))
def test_dw_rows_carried_on_core(name, core, tmp_path):
    """The DW_CARRIED rows run their 2 to 6 4-output blocks as mf_dw_rows_quads_carried on the M4/M33 (its marker in gcc
    -S with the row's block count, no other 4-output run) and stay exact."""
    model = dw_carried_model(name)
    compile_model(model, target=core).write(tmp_path / "s")
    text = gcc_output(tmp_path / "s", core, "-S", "-O2")
    runs = re.findall(r"@ mf_dw_rows_run unrolled (\d+) looped (\d+)( carried)?", text)
    assert runs and set(runs) == {dw_carried_runs(name) + (" carried",)}, runs
    exact_on_core(model, core, tmp_path / "r", "target-op", name, None, ", carried words")


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
def test_dw_carried_taken(core, tmp_path, monkeypatch):
    """Which runs carry their words (mf_dw_rows_quads_carried): on the M4/M33 the DW_CARRIED rows with every kind of
    requantisation among them (the layer's one shift, the sums' shifts with and without the negative-value
    correction), the column path's 25-output columns (kws: 5 blocks), 48- and 40-wide rows (12 blocks: 3 iterations of
    4; 10: 2 and 2 after them), not a lone block (a 9-wide row's 5-output tail after one); never on the M7 (its own
    schedules: MF_DW_ROWS_ROW_M7, and mf_dw_rows_quads_carried7 with the layer's shift, test_dw_rows_carried7_on_core).
    Exactness: test_dw_rows_carried_on_core, test_dw_cols_on_core, test_dw_cols_four_on_core, test_op_on_core's dw-rows
    models, kws, vww and MobileNetV2."""
    from microforge.ops.depthwise_conv2d import DepthwiseConv2D
    monkeypatch.setattr(DepthwiseConv2D, "overlap_lead", lambda self, op, index: None)
    kinds = set()
    for name in DW_CARRIED:
        compile_model(dw_carried_model(name), target=core).write(tmp_path / name)
        model_c = (tmp_path / name / "model.c").read_text()
        carried = re.findall(r"@ mf_dw_rows_run unrolled (\d+) looped (\d+) carried\b",
                             gcc_output(tmp_path / name, core, "-S", "-O2"))
        assert bool(carried) == (core != "m7") and set(carried) <= {dw_carried_runs(name)}, (name, carried)
        ush = re.search(r"\.ush = (\d+),", model_c)
        kinds.add("ush" if ush and int(ush.group(1)) else "ncl" if ".out_offset = -128," in model_c else "sign")
    assert kinds == {"ush", "ncl", "sign"}, kinds
    for name, model, runs in (("cols", OP_MODELS["dw-cols-25x5-c13-same-relu"](), ("5", "0")),
                              ("lone", mg.depthwise_model(34, (1, 4, 9, 8), 1, 3, 1, "SAME", 1, "NONE", in_zp=3), None),
                              ("long", mg.depthwise_model(32, (1, 6, 48, 8), 1, 3, 1, "SAME", 1, "NONE", in_zp=3), ("0", "4")),
                              ("ten", mg.depthwise_model(33, (1, 6, 40, 8), 1, 3, 1, "SAME", 1, "NONE", in_zp=3), ("2", "4"))):
        compile_model(model, target=core).write(tmp_path / name)
        text = gcc_output(tmp_path / name, core, "-S", "-O2")
        carried = re.findall(r"@ mf_dw_rows_run unrolled (\d+) looped (\d+) carried\b", text)
        assert set(carried) == (set() if core == "m7" or runs is None else {runs}), (name, carried)


def dw_run_rnd_reloads(model: bytes, core: str, tmp_path) -> tuple:
    """The compiled model's longest run of SMMLAs (the 4-output blocks of one mf_dw_rows_run, four a block, at most 40
    instructions apart) in its object code: (SMMLAs in it, how often an instruction in it writes the register their
    addend (rnd) is read from, or -1 if they read it from more than one)."""
    text = model_disassembly(model, core, tmp_path)
    ins = [(m.group(1), [o.strip() for o in m.group(2).split(",")])
           for m in re.finditer(r"^\s+[0-9a-f]+:\t(\w+)(?:\.\w+)?\t([^;<\n]*)", text, re.M)]
    at = [i for i, (op, _) in enumerate(ins) if op.startswith("smmla")]
    runs, run = [], at[:1]
    for a, b in zip(at, at[1:]):
        if b - a > 70:
            runs.append(run)
            run = []
        run.append(b)
    runs.append(run)
    run = max(runs, key=len)
    ras = {ins[i][1][3] for i in run}
    if len(ras) != 1:
        return len(run), -1
    ra = ras.pop()
    return len(run), sum(1 for op, ops in ins[run[0]:run[-1]] if ops and ops[0] == ra and not op.startswith(("str", "cmp")))


@pytest.mark.parametrize("core", ["m4", "m7"])
def test_dw_m7_unrolled_run_holds_rnd(core, tmp_path, monkeypatch):
    """An unrolled run of 4-output blocks with the layer's one shift (mf_dw_rows_run's MF_DW_ROWS_HELD7, the M7) keeps rnd
    in the loop end's register for the whole run (loaded once), so that the next block's first loads issue beside the
    block's last MACs: one SMMLA addend register, never written within the run; the M4 reloads it every block. A 16-wide
    row of 128 channels (2C > 255: not mf_dw_rows_quads_carried7's; input and output apart): 4 blocks unrolled (the
    marker's count and shift). Exactness: test_dw_m7_held_run_output_steps, test_op_on_core's dw-rows-ush models, kws,
    vww and MobileNetV2 on the M7."""
    from microforge.ops.depthwise_conv2d import DepthwiseConv2D
    monkeypatch.setattr(DepthwiseConv2D, "overlap_lead", lambda self, op, index: None)
    model = mg.depthwise_model(seed_of("tdrh", 2, 16, 128), (1, 2, 16, 128), 1, 3, 1, "SAME", 1, "NONE", in_zp=3,
                               out_zp=-128)
    compile_model(model, target=core).write(tmp_path / "s")
    marks = re.findall(r"@ mf_dw_rows_run unrolled (\d+) looped (\d+) ush (\d+)", gcc_output(tmp_path / "s", core, "-S", "-O2"))
    if core == "m7":
        assert marks and all(int(n) == 4 and int(b) == 0 and int(u) > 0 for n, b, u in marks), marks
    n, writes = dw_run_rnd_reloads(model, core, tmp_path / "o")
    assert n >= 16, n
    assert (writes == 0) == (core == "m7"), (n, writes)


@pytest.mark.parametrize("h, w, c, act, zi", [(3, 10, 67, "RELU", -3), (4, 14, 131, "NONE", 5), (3, 18, 64, "NONE", -128),
                                           (4, 14, 128, "RELU", 0), (3, 10, 1, "NONE", 7)])
def test_dw_m7_held_run_output_steps(h, w, c, act, zi, tmp_path):
    """The M7's unrolled runs with the layer's shift, each output step vs TFLM: with 2C > 255 MF_DW_ROWS_HELD7, the ADD
    carried into the next block (C >= 128: 131, 128); with 2C <= 255 (c 67, 64: two post-indexed stores; c 1: one)
    mf_dw_rows_quads_carried7, its own post-indexed stores (HELD7 has none: a 2C <= 255 run would reach it only where
    the carried offsets pass 4095, which no pitch the planner builds does, and fails to build there:
    test_dw_m7_held_run_guard); runs of 2, 3 and 4 blocks (out_w 8, 12, 16; a run before the merged 5-output block:
    test_op_on_core's dw-rows-ush-10x15-c5); the marker shows which took each run."""
    model = mg.depthwise_model(seed_of("tdrh", h, w, c), (1, h, w, c), 1, 3, 1, "VALID", 1, act, in_zp=zi, out_zp=-128)

    def took(model_c):
        assert ".rows = 1" in model_c and re.search(r"\.ush = ([2-9]|1\d|2[0-2]),", model_c), "not the row path's one shift"

    compile_model(model, target="m7").write(tmp_path / "s")
    text = gcc_output(tmp_path / "s", "m7", "-S", "-O2")
    marks = re.findall(r"@ mf_dw_rows_run unrolled (\d+) looped (\d+) ush (\d+)", text)
    carried = re.findall(r"@ mf_dw_rows_run unrolled (\d+) looped (\d+) carried7", text)
    if 2 * c > 255:
        assert marks and all(int(n) >= 2 and int(u) > 0 for n, b, u in marks) and not carried, marks
    else:   # (2C <= 255: mf_dw_rows_quads_carried7 takes these runs, its own stores post-indexed)
        assert carried and not marks, (carried, marks)
    exact_on_core(model, "m7", tmp_path / "r", "target-op", f"dw-held-{h}x{w}-c{c}", took, ", held rnd")


def test_dw_m7_held_run_guard(tmp_path, monkeypatch):
    """MF_DW_ROWS_HELD7 has no post-indexed store forms (2C <= 255): such a run of 2..6 blocks goes to
    mf_dw_rows_quads_carried7 unless 4 * wp + 8 * nu + 16 > 4095, which no pitch the planner builds reaches (there
    wp = 2 * ceil(out_w / 2) + 2 <= 32). Should one reach HELD7, the build fails at the kernel's .error instead of storing
    with the ADD form's offsets: forced here by the largest row pitch the row path takes (4 * wp + 12 <= 4095, even:
    1020), a 2-block run of 5 channels; the planner's own pitch builds the same layer (the carried run, marked)."""
    import subprocess
    from microforge.ops.depthwise_conv2d import DepthwiseConv2D
    model = mg.depthwise_model(seed_of("tdrp", 3, 10, 5), (1, 3, 10, 5), 1, 3, 1, "VALID", 1, "NONE", in_zp=-128,
                               out_zp=-128)

    def build(d):
        compile_model(model, target="m7").write(d)
        return subprocess.run(["arm-none-eabi-gcc", "-c", "-O2", "-o", str(d / "model.o"), "-mcpu=cortex-m7", "-mthumb",
                               f"-I{d}", "-DMF_TARGET_M7", str(d / "model.c")], capture_output=True, text=True)

    ok = build(tmp_path / "own")
    assert ok.returncode == 0, ok.stderr
    assert "carried7" in gcc_output(tmp_path / "own", "m7", "-S", "-O2")
    wp = (4095 - 12) // 4 & ~1
    assert 4 * wp + 8 * 2 + 16 > 4095 >= 4 * wp + 12, wp
    monkeypatch.setattr(DepthwiseConv2D, "rows_pitch", staticmethod(lambda op: wp))
    bad = build(tmp_path / "forced")
    assert f".wp = {wp}," in (tmp_path / "forced" / "model.c").read_text()
    assert bad.returncode != 0 and "MF_DW_ROWS_HELD7: 2C <= 255 with carried offsets past 4095" in bad.stderr, \
        (bad.returncode, bad.stderr[-2000:])


def dw_pipelined_requants(model: bytes, core: str, tmp_path) -> int:
    """How often the compiled model.c's object code issues an SMMLAR (or SMMLA) on one sum right after one on another: the
    M7's software-pipelined requantisation (MF_DW_RQ7_*); the sums one after another put an ASR or SSAT between."""
    text = model_disassembly(model, core, tmp_path)
    ops = re.findall(r"\t(smmlar?|\w+)(?:\.\w+)?\t(\w+)", text)
    return sum(1 for (a, ra), (b, rb) in zip(ops, ops[1:]) if a.startswith("smmla") and b.startswith("smmla") and ra != rb)


@pytest.mark.parametrize("core", ["m4", "m7"])
def test_dw_tail_blocks_requantise_pipelined(core, tmp_path, monkeypatch):
    """The M7 requantises the row path's 6-output blocks of 6-wide rows (ReLU: MF_NEG_CLAMPED, no layer shift at 36
    outputs a channel) beside the last kernel row's MACs (mf_dw_rows_six7n; its 5- and 3-output blocks software-pipelined,
    MF_DW_RQ7_*: test_dw_rows_three7_on_core and test_dw_five7_on_core); the M4 one output after another (no SMMLAR right
    after another). Exactness: test_op_on_core's dw-rows models on every core."""
    from microforge.ops.depthwise_conv2d import DepthwiseConv2D
    monkeypatch.setattr(DepthwiseConv2D, "overlap_lead", lambda self, op, index: None)
    model = mg.depthwise_model(34, (1, 6, 6, 8), 1, 3, 1, "SAME", 1, "RELU", in_zp=3)
    if core == "m7":
        compile_model(model, target=core).write(tmp_path / "s")
        assert "@ mf_dw_rows_six7n" in gcc_output(tmp_path / "s", core, "-S", "-O2")
    else:
        assert dw_pipelined_requants(model, core, tmp_path) == 0


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
def test_kws_depthwise_takes_columns(core):
    """kws's four 25x5x64 depthwise layers (test_shared_model_on_core runs kws on every core) take the column path under
    the default plan: each output lies whole pixels from its input; each with the layer's one shift; each widens four
    channels at once into four planes, three in the arena's free room while it runs and one on the stack (the one the
    one-channel widening had)."""
    model_c = compile_model(shared_model(MODELS["kws"][0]).read_bytes(), target=core).files["model.c"]
    calls = re.findall(r"mf_depthwise_conv2d_s8_cols\(&[^;]*;", model_c)
    assert len(calls) == 4 and "mf_depthwise_conv2d_s8_rows(" not in model_c
    assert len(re.findall(r"\.ush = \d+,", model_c)) == 4
    for c in calls:
        assert c.count("(int16_t *)(mf_arena + ") == 3 and c.count("(int16_t *)(scratch + ") == 1, c


def every_sum_input(shape: tuple[int, ...], n: int) -> np.ndarray:
    """An NHWC input whose channel c sums its n = H * W elements to -128 * n + c (mod 255 * n + 1): with 255 * n + 1
    channels or more, every sum a MEAN over H and W can see, each a TFLM output to compare."""
    b, h, w, c = shape
    excess = np.arange(c) % (255 * n + 1)
    x = np.full((n, c), -128, np.int64)
    for j in range(n):
        take = np.minimum(excess, 255)
        x[j] += take
        excess = excess - take
    return np.broadcast_to(x.reshape(1, h, w, c), shape).astype(np.int8)


# The DSP MEAN's column path (runtime/dsp/mf_mean.h mf_mean_s8_cols, cols = 1: ops/mean.py mean_fields): (input shape,
# axes, keep_dims, input scale and zero point, output scale and zero point, op, every-sum input or seeded random with
# extreme channels). Every sum of a 3x3 MEAN with MobileNetV2's quantisation (its zero points -128: MF_MEAN_NEG_CLAMPED's
# two-instruction form; the others take the four-instruction one) and a tail of 3;
# every sum of a 2x2 one whose outputs saturate at both ends; the most elements reduced (128, the
# lanes' bound, input zero point -128: |sum - zp * n| = 255 * 128) on 13 channels; channel counts 4, 5, 7 (tails 0, 1,
# 3); one axis reduced with a batch and a row kept outside the contiguous channels; SUM.
MEAN_COLS = {
    "every-sum-3x3-mbv2": ((1, 3, 3, 2299), (1, 2), True, (0.0235, -128), (0.0203, -128), "MEAN", True),
    "every-sum-2x2-sat": ((1, 2, 2, 1027), (1, 2), False, (0.05, 0), (0.03, -5), "MEAN", True),
    "n128-c13": ((1, 16, 8, 13), (1, 2), True, (0.03, -128), (0.021, 7), "MEAN", False),
    "c4": ((1, 5, 4, 4), (1, 2), True, (0.04, 3), (0.03, -2), "MEAN", False),
    "c5-no-keep": ((1, 3, 7, 5), (-2, -3), False, (0.06, -40), (0.05, 9), "MEAN", False),
    "c7": ((1, 6, 5, 7), (1, 2), True, (0.02, 100), (0.015, 60), "MEAN", False),
    "axis1-batch2-c13": ((2, 5, 3, 13), (1,), False, (0.05, -7), (0.04, 11), "MEAN", False),
    "sum-c7": ((1, 3, 4, 7), (1, 2), True, (0.02, -9), (0.15, 4), "SUM", False),
}


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", sorted(MEAN_COLS))
def test_mean_cols_on_core(name, core, tmp_path):
    shape, axes, keep, (si, zi), (so, zo), op, every = MEAN_COLS[name]
    model = mg.mean_model(shape, axes, keep, in_scale=si, in_zp=zi, out_scale=so, out_zp=zo, op=op)
    if every:
        x = every_sum_input(shape, shape[1] * shape[2])
    else:
        x = np.random.default_rng(seed_of("mean-cols", name)).integers(-128, 127, shape, endpoint=True).astype(np.int8)
        x[..., 0], x[..., 1] = -128, 127           # the extreme sums
    cm = compile_model(model, target=core)
    assert_in(".cols = 1,", cm.files["model.c"])
    run = run_on_target(cm, get_target(core), [x], workdir=tmp_path)
    assert_same_outputs(run.outputs, Oracle(model).run([x]), f"{name} on {core}")


def test_mean_cols_refused():
    """The column path is refused where its lanes or its rounding constant would not hold (the portable loops run):
    129 elements reduced, 3 channels, a reduced innermost axis, a left shift (SUM to a finer scale); and never on the
    M0+."""
    for model in (mg.mean_model((1, 43, 3, 8), (1, 2)), mg.mean_model((1, 4, 4, 3), (1, 2)),
                  mg.mean_model((1, 4, 3, 8), (3,)), mg.mean_model((1, 3, 3, 8), (1, 2), in_scale=0.5, out_scale=0.01,
                                                                  op="SUM")):
        assert ".cols = 1," not in compile_model(model, target="m4").files["model.c"]
    assert ".cols" not in compile_model(mg.mean_model((1, 3, 3, 8), (1, 2)), target="m0plus").files["model.c"]
    assert ".cols = 1," in compile_model(mg.mean_model((1, 32, 4, 8), (1, 2)), target="m4").files["model.c"]


# The DSP SOFTMAX (runtime/dsp/mf_softmax.h): the row max and diffs 4 bytes a word, each output one SMLAL and a shift.
# Depth 1000 (the stored table) with every input value, so every diff 0..-255 against the row max; depths 1, 3, 5, 7, 13
# whose maximum sits in the row max's tail (the last element) or its words (the first); int8 -> int16 output.
SOFTMAX_DSP = {
    "d1000-every-diff": (lambda: mg.softmax_model((1, 1000), 1.0, 0.02, 3), lambda: (np.arange(1000) % 256 - 128)[None]),
    # MobileNetV2's diff_min (-248): the diffs below it skipped in both passes
    "d1000-every-diff-min": (lambda: mg.softmax_model((1, 1000), 1.0, 0.1, 3),
                             lambda: (np.arange(1000) % 256 - 128)[None]),
    **{f"d{d}-max-last": (lambda d=d: mg.softmax_model((4, d), 1.0, 0.1, -5),
                          lambda d=d: np.tile(np.arange(d) * 9 - 60, (4, 1)) + np.arange(4)[:, None])
       for d in (1, 3, 5, 7, 13)},
    "d13-max-first": (lambda: mg.softmax_model((2, 13), 0.7, 0.2, 0), lambda: np.tile(-np.arange(13) * 19 + 127, (2, 1))),
}


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", sorted(SOFTMAX_DSP) + ["s16-d7", "s16-d300"])
def test_softmax_dsp_on_core(name, core, tmp_path):
    if name.startswith("s16"):
        from models16 import softmax_s8_s16_model
        d = int(name.split("-d")[1])
        model, x = softmax_s8_s16_model((3, d), "none"), np.arange(3 * d).reshape(3, d) * 37 % 256 - 128
    else:
        model, x = SOFTMAX_DSP[name][0](), SOFTMAX_DSP[name][1]()
    x = x.astype(np.int8)
    cm = compile_model(model, target=core)
    assert_in("mf_softmax_row_max4(", cm.files["mf_softmax.h"])
    run = run_on_target(cm, get_target(core), [x], workdir=tmp_path)
    assert_same_outputs(run.outputs, Oracle(model).run([x]), f"{name} on {core}")


# The DSP average pool's rounding division (runtime/dsp/mf_pooling.h mf_pool_round_div256: no branch on the sum's sign,
# the sign correction for even counts only): every sum of a 2x2 window (count 4, even: ties on both sides of zero) and
# of a 3x3 one (count 9, odd: vww's), global windows (a constant count: GCC's UMULL); clipped SAME windows whose counts
# vary per pixel (the division at run time) with ReLU6 clamping both sides, an even 8x8 global window (ic's) with ReLU.
POOL_ROUND = {
    "every-sum-2x2": (lambda: mg.pool_model("AVERAGE", (1, 2, 2, 1023), 2, 1, "VALID", "NONE", scale=0.05, zero_point=0),
                      True),
    "every-sum-3x3": (lambda: mg.pool_model("AVERAGE", (1, 3, 3, 2298), 3, 1, "VALID", "NONE", scale=0.05, zero_point=0),
                      True),
    "same-s2-c7-relu6": (lambda: mg.pool_model("AVERAGE", (1, 9, 8, 7), (4, 3), 2, "SAME", "RELU6", scale=0.02,
                                               zero_point=-100), False),
    "global-8x8-c13-relu": (lambda: mg.pool_model("AVERAGE", (1, 8, 8, 13), 8, 1, "VALID", "RELU", scale=0.05,
                                                  zero_point=20), False),
}


@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", sorted(POOL_ROUND))
def test_avg_pool_round_on_core(name, core, tmp_path):
    model, every = POOL_ROUND[name][0](), POOL_ROUND[name][1]
    shape = tuple(int(d) for d in Oracle(model).inputs[0]["shape"])
    if every:
        x = every_sum_input(shape, shape[1] * shape[2])
    else:
        x = np.random.default_rng(seed_of("pool-round", name)).integers(-128, 127, shape, endpoint=True).astype(np.int8)
    cm = compile_model(model, target=core)
    assert_in("mf_pool_round_div256(", cm.files["mf_pooling.h"])
    run = run_on_target(cm, get_target(core), [x], workdir=tmp_path)
    assert_same_outputs(run.outputs, Oracle(model).run([x]), f"{name} on {core}")


# rows ending in a 6-output block with the layer's one shift on the M7 (mf_dw_rows_six7: the last kernel row's sums
# requantised beside its MACs): 6-wide rows (one block a row) and 10-wide (a quad before the block), from
# USH_TAIL_MIN_OUTPUTS outputs a channel; channel counts 1, 3, 7, 13 and 128 (store offsets up to 5C = 640), ReLU and
# none with out_zp -128, input zero points at both int8 ends
DW_SIX7 = {f"dw-six7-{h}x{w}-c{c}-{pad.lower()}-{act.lower()}": (
    lambda h=h, w=w, c=c, pad=pad, act=act, zi=zi: mg.depthwise_model(
        seed_of("tdt7", h, w, c), (1, h, w, c), 1, 3, 1, pad, 1, act, in_zp=zi, out_zp=-128))
    for h, w, c, pad, act, zi in ((12, 12, 3, "VALID", "RELU", -128), (13, 8, 128, "VALID", "RELU", -128),
                                  (13, 8, 1, "VALID", "NONE", -5), (11, 12, 7, "VALID", "RELU", 127),
                                  (13, 8, 13, "VALID", "NONE", 9))}


@pytest.mark.parametrize("name", sorted(DW_SIX7))
def test_dw_six7_on_core(name, tmp_path):
    """DW_SIX7 on the M7: the row path with the layer's shift, its rows' 6-output block requantised beside the last
    row's MACs (gcc -S shows mf_dw_rows_six7's marker with the shift), byte-exact against TFLM; the M4 and M33 (their
    own blocks, unchanged) likewise exact."""
    model = DW_SIX7[name]()
    compile_model(model, target="m7").write(tmp_path / "s")
    marks = re.findall(r"@ mf_dw_rows_six7 ush (\d+)", gcc_output(tmp_path / "s", "m7", "-S", "-O2"))
    assert marks and all(2 <= int(u) <= 22 for u in marks), f"{name}: mf_dw_rows_six7 not taken"
    for core in ("m7", "m4", "m33"):
        exact_on_core(model, core, tmp_path / core, "target-op", name)


# rows ending in a 6-output block, MF_NEG_CLAMPED (out_zp -128) without the layer's shift (fewer outputs a channel than
# USH_TAIL_MIN_OUTPUTS), on the M7 (mf_dw_rows_six7n: e in k's register, the last kernel row's sums requantised beside
# its MACs): 6-wide rows (one block a row; vww's 6x6x128 layers), 10-wide (a quad before it); channel counts
# 1, 3, 5, 7, 13 and 128 (store offsets up to 5C = 640), SAME and VALID, ReLU, ReLU6 and none, input zero points at
# both int8 ends
DW_SIX7N = {f"dw-six7n-{h}x{w}-c{c}-{pad.lower()}-{act.lower()}": (
    lambda h=h, w=w, c=c, pad=pad, act=act, zi=zi: mg.depthwise_model(
        seed_of("tdsn", h, w, c), (1, h, w, c), 1, 3, 1, pad, 1, act, in_zp=zi, out_zp=-128))
    for h, w, c, pad, act, zi in ((6, 6, 128, "SAME", "RELU", -128), (6, 6, 7, "SAME", "RELU6", 127),
                                  (8, 8, 5, "VALID", "NONE", -128), (5, 10, 13, "SAME", "RELU", 3),
                                  (4, 6, 1, "SAME", "NONE", -5), (3, 12, 3, "VALID", "RELU", 127),
                                  (7, 8, 13, "VALID", "RELU6", -128))}


def m7_unshifted_rows_exact(model: bytes, name: str, tmp_path) -> str:
    """The depthwise `model` on the row path without the layer's shift (.rows = 1, no .ush), byte-exact against TFLM
    on the M7, M4 and M33; returns the M7 build's gcc -S for the caller's marker check."""
    compile_model(model, target="m7").write(tmp_path / "s")
    model_c = (tmp_path / "s" / "model.c").read_text()
    assert ".rows = 1" in model_c and ".ush = " not in model_c, name
    for core in ("m7", "m4", "m33"):
        exact_on_core(model, core, tmp_path / core, "target-op", name)
    return gcc_output(tmp_path / "s", "m7", "-S", "-O2")


@pytest.mark.parametrize("name", sorted(DW_SIX7N))
def test_dw_six7_noshift_on_core(name, tmp_path):
    """DW_SIX7N on the M7: the row path without the layer's shift, its rows' 6-output block requantised beside the last
    row's MACs (gcc -S shows mf_dw_rows_six7n's marker, not mf_dw_rows_six7's), byte-exact against TFLM; the M4 and
    M33 (their own blocks, unchanged) likewise exact."""
    asm = m7_unshifted_rows_exact(DW_SIX7N[name](), name, tmp_path)
    assert "@ mf_dw_rows_six7n" in asm and "@ mf_dw_rows_six7 " not in asm, f"{name}: mf_dw_rows_six7n not taken"


# rows of out_w 6 on full planes without the layer's shift, MF_NEG_CLAMPED, on the M7: a group's channels in one loop, a
# channel's rows in one loop, each row's end beside the next row's start (mf_dw_rows_six7n_col): channel counts 1, 3, 5,
# 13 and 67 (groups of 1 to 4 channels; out's step 6C = 402, not a modified immediate), 2, 3 and 6 output rows, stride_h 1 and 2 (the plane row after the last output row's, read
# by the last pass, is then the planes' last), ReLU, ReLU6 and none, input zero points at both int8 ends; VALID (with
# SAME these small maps take the staged order, not full planes)
DW_SIX7N_COL = {f"dw-six7n-col-{h}x{w}-c{c}-s{sh}-{pad.lower()}-{act.lower()}": (
    lambda h=h, w=w, c=c, sh=sh, pad=pad, act=act, zi=zi: mg.depthwise_model(
        seed_of("tdsc", h, w, c, sh), (1, h, w, c), 1, 3, (sh, 1), pad, 1, act, in_zp=zi, out_zp=-128))
    for h, w, c, sh, pad, act, zi in ((8, 8, 67, 1, "VALID", "RELU", -128), (14, 8, 5, 2, "VALID", "NONE", 127),
                                      (13, 8, 3, 2, "VALID", "RELU6", -5), (5, 8, 13, 1, "VALID", "RELU", 3),
                                      (4, 8, 1, 1, "VALID", "NONE", 127))}


@pytest.mark.parametrize("name", sorted(DW_SIX7N_COL))
def test_dw_six7n_col_on_core(name, tmp_path):
    """DW_SIX7N_COL: gcc -S for the M7 shows mf_dw_rows_six7n_col's marker (a channel's rows in one loop), byte-exact
    against TFLM on the M7 (and the M4, M33: their own blocks)."""
    asm = m7_unshifted_rows_exact(DW_SIX7N_COL[name](), name, tmp_path)
    assert "@ mf_dw_rows_six7n_col" in asm, f"{name}: mf_dw_rows_six7n_col not taken"


# rows ending in a 5-output block, MF_NEG_CLAMPED (out_zp -128, act range -128..127) without the layer's shift, on the M7
# (mf_dw_rows_five7: the last kernel row's sums requantised beside its MACs): 5-wide rows (one block a row; MobileNetV2's
# 5x5 layers), 9-wide (a quad before it), fewer outputs a channel than USH_TAIL_MIN_OUTPUTS; channel counts 1, 3, 5, 7, 13
# and 144 (store offsets up to 4C = 576), SAME and VALID, ReLU, ReLU6 and none, input zero points at both int8 ends
DW_FIVE7 = {f"dw-five7-{h}x{w}-c{c}-{pad.lower()}-{act.lower()}": (
    lambda h=h, w=w, c=c, pad=pad, act=act, zi=zi: mg.depthwise_model(
        seed_of("tdf7", h, w, c), (1, h, w, c), 1, 3, 1, pad, 1, act, in_zp=zi, out_zp=-128))
    for h, w, c, pad, act, zi in ((5, 5, 144, "SAME", "RELU6", -128), (5, 5, 7, "SAME", "RELU", 127),
                                  (7, 7, 5, "VALID", "NONE", -128), (5, 5, 13, "SAME", "RELU", 3),
                                  (5, 5, 1, "SAME", "NONE", -5), (6, 11, 3, "VALID", "RELU", 127),
                                  (3, 9, 13, "SAME", "RELU6", -128))}


@pytest.mark.parametrize("name", sorted(DW_FIVE7))
def test_dw_five7_on_core(name, tmp_path):
    """DW_FIVE7 on the M7: the row path without the layer's shift, its rows' 5-output block requantised beside the last
    row's MACs (gcc -S shows mf_dw_rows_five7's marker), byte-exact against TFLM; the M4 and M33 (their own blocks,
    unchanged) likewise exact."""
    asm = m7_unshifted_rows_exact(DW_FIVE7[name](), name, tmp_path)
    assert "@ mf_dw_rows_five7" in asm, f"{name}: mf_dw_rows_five7 not taken"


# mf_dw_rows_quads_carried7 (the M7, the layer's one shift): runs of 2 to 6 4-output blocks unrolled, longer ones looped 4
# blocks an iteration with 0 to 3 after them, each kernel row's C word carried into the next block's A; channels 1, 3,
# 5, 7, 13 and the output steps (4C <= 255; 2C <= 255 < 4C: c 64; c 128 (2C > 255) stays on its old path), rows ending in
# no tail, the merged 5- and 6-output blocks and 3 leftovers, SAME and VALID, in_zp at the int8 ends, ReLU, ReLU6 (its
# clamp past 127 at out_zp -128: the layer's shift) and none
DW_CARRIED7 = {f"dw-carried7-{h}x{w}-c{c}-{pad.lower()}-{act.lower()}-z{zi}": (h, w, c, pad, act, zi)
               for h, w, c, pad, act, zi in ((3, 8, 1, "SAME", "NONE", -128), (4, 12, 3, "SAME", "RELU", 127),
                                             (3, 16, 5, "SAME", "NONE", 5), (5, 21, 7, "SAME", "RELU", -128),
                                             (3, 22, 13, "VALID", "NONE", 127), (2, 24, 64, "SAME", "NONE", -3),
                                             (3, 26, 3, "SAME", "RELU", 9), (3, 48, 8, "SAME", "RELU", -128),
                                             (2, 40, 13, "SAME", "NONE", 7), (4, 31, 5, "SAME", "NONE", 127),
                                             (3, 38, 64, "VALID", "NONE", -128), (3, 53, 1, "SAME", "RELU", 3),
                                             (3, 36, 7, "SAME", "NONE", -60), (3, 58, 7, "SAME", "NONE", -128),
                                             (5, 14, 13, "SAME", "RELU", 127), (3, 24, 5, "SAME", "RELU6", -128),
                                             (3, 48, 3, "SAME", "RELU6", 127), (2, 28, 128, "SAME", "NONE", 2))}


def dw_carried7_expected(name: str):
    """The marker's (unrolled, looped) counts of the row's run of 4-output blocks before its tail, or None (2C > 255)."""
    h, w, c, pad, act, zi = DW_CARRIED7[name]
    ow = w if pad == "SAME" else w - 2
    n = (ow >> 2) - (ow >= 4 and (ow & 3) in (1, 2))
    if 2 * c > 255:
        return None
    return (str(n), "0") if n <= 6 else (str(n % 4), "4")


@pytest.mark.parametrize("core", ["m7", "m4", "m33"])
@pytest.mark.parametrize("name", list(DW_CARRIED7))
def test_dw_rows_carried7_on_core(name, core, tmp_path, monkeypatch):
    """The DW_CARRIED7 rows (the layer's one shift, checked in model.c; input and output apart, as
    test_dw_short_runs_unrolled has them) run their 4-output blocks as mf_dw_rows_quads_carried7 on the M7 (its marker in
    gcc -S with the run's counts, no other run of blocks; none with 2C > 255) and stay exact on the M7, M4 and M33 (whose
    carried blocks are mf_dw_rows_quads_carried's)."""
    from microforge.ops.depthwise_conv2d import DepthwiseConv2D
    monkeypatch.setattr(DepthwiseConv2D, "overlap_lead", lambda self, op, index: None)
    h, w, c, pad, act, zi = DW_CARRIED7[name]
    model = mg.depthwise_model(seed_of("tdq7", h, w, c), (1, h, w, c), 1, 3, 1, pad, 1, act, in_zp=zi, out_zp=-128)

    def took(model_c):
        assert ".rows = 1" in model_c and re.search(r"\.ush = ([1-9]|1\d|2[0-2]),", model_c), "not the row path's one shift"

    if core == "m7":
        compile_model(model, target=core).write(tmp_path / "s")
        text = gcc_output(tmp_path / "s", core, "-S", "-O2")
        runs = re.findall(r"@ mf_dw_rows_run unrolled (\d+) looped (\d+)( carried7| ush)", text)
        want = dw_carried7_expected(name)
        assert runs and set(runs) == ({want + (" carried7",)} if want else {r for r in runs if r[2] == " ush"}), runs
    exact_on_core(model, core, tmp_path / "r", "target-op", name, took, ", carried7 words")


# the row path's widening of four channels at a time, four pixels an iteration (mf_dw_rows_widen's assembly loop, on
# the M7 mf_dw_widen7: both pixel pairs regrouped by PKHBT/PKHTB before SXTB16): in_w 9 .. 24 (2 to 5 iterations a row,
# with and without the pair and the lone pixel after them), pad_left 1 (SAME: an odd pixel by halfwords first) and 0
# (VALID), channel counts 4, 5, 7, 13, 32 (a tail group of 1 or 3 channels widened per value), input zero points at
# both int8 ends
DW_WIDEN7 = {f"dw-widen7-{h}x{w}-c{c}-{pad.lower()}-{act.lower()}": (
    lambda h=h, w=w, c=c, pad=pad, act=act, zi=zi: mg.depthwise_model(
        seed_of("tdw7", h, w, c), (1, h, w, c), 1, (3, 3), (1, 1), pad, (1, 1), act, in_zp=zi))
    for h, w, c, pad, act, zi in ((6, 9, 5, "SAME", "RELU", -128), (4, 16, 4, "VALID", "NONE", 127),
                                  (5, 24, 13, "SAME", "RELU6", 3), (3, 11, 7, "VALID", "NONE", -5),
                                  (4, 13, 32, "SAME", "RELU", -128))}


@pytest.mark.parametrize("name", sorted(DW_WIDEN7))
def test_dw_widen7_on_core(name, tmp_path, monkeypatch):
    """DW_WIDEN7 on the row path: gcc -S shows mf_dw_widen7's marker for the M7 only (and, with SAME padding, the
    padding rows' mf_dw_pad7: plane rows of 6, 13 and 8 words: a pair, an odd word before the loop), and the layer is
    byte-exact against TFLM on the M7, M4 and M33."""
    rows_only(monkeypatch)
    model = DW_WIDEN7[name]()
    cm = compile_model(model, target="m7")
    assert ".rows = 1" in cm.files["model.c"], name
    for core in ("m7", "m4"):
        compile_model(model, target=core).write(tmp_path / core / "s")
        asm = gcc_output(tmp_path / core / "s", core, "-S", "-O2")
        assert ("@ mf_dw_widen7" in asm) == (core == "m7"), f"{name}: mf_dw_widen7 on {core}"
        if "-same-" in name:   # the plane rows above and below the image filled with the zero point by STRDs
            assert ("@ mf_dw_pad7" in asm) == (core == "m7"), f"{name}: mf_dw_pad7 on {core}"
    for core in ("m7", "m4", "m33"):
        exact_on_core(model, core, tmp_path / core, "target-op", name)


# the M7's stride-2 rows of 2 or 3 quads (mf_dw_rows2_channel: one straight run, mf_dw_s2_run7, where the loop ran one
# pass and the odd quad its own block): out_w 8 and 12 (quads alone; with out_zp -128 the layer's shift), 11 and 15
# (+ the 3-output block), 13 and 14 (+ the 5- and 6-output blocks); channel counts 1, 3, 5, 7, 13, 67 (4C > 255) and 131
# (2C > 255); MF_NEG_CLAMPED (ReLU, out_zp -128) and not (out_zp 5); SAME and VALID; the ring and full planes (out_h 2);
# input zero points at the int8 ends
DW_S2RUN7 = {f"dw-s2run7-{h}x{w}-c{c}-{pad.lower()}-{act.lower()}": (
    lambda h=h, w=w, c=c, pad=pad, act=act, zi=zi, zo=zo: mg.depthwise_model(
        seed_of("tds2run7", h, w, c), (1, h, w, c), 1, 3, 2, pad, 1, act, in_zp=zi, out_zp=zo))
    for h, w, c, pad, act, zi, zo in ((9, 24, 5, "SAME", "NONE", -128, -128), (5, 26, 3, "VALID", "RELU", 127, None),
                                      (4, 22, 7, "SAME", "NONE", 3, 5), (7, 26, 13, "SAME", "RELU", -5, None),
                                      (3, 28, 1, "SAME", "NONE", 0, -128), (5, 30, 67, "SAME", "RELU", 127, None),
                                      (4, 16, 131, "SAME", "NONE", -9, -128))}


@pytest.mark.parametrize("name", sorted(DW_S2RUN7))
def test_dw_s2_run7_on_core(name, tmp_path):
    """DW_S2RUN7 on mf_dw_s2.h's direct order at stride 2: gcc -S shows mf_dw_s2_run7's marker for the M7 only, and the
    layer is byte-exact against TFLM on the M7, M4 and M33."""
    model = DW_S2RUN7[name]()
    for core in ("m7", "m4"):
        cm = compile_model(model, target=core)
        model_c = cm.files["model.c"]
        field = lambda f: int(model_c.split(f".{f} = ")[1].split(",")[0])
        quads = field("out_w") // 4 - (field("out_w") % 4 in (1, 2))
        assert "mf_depthwise_conv2d_s8_rows2(" in model_c and quads in (2, 3), name
        cm.write(tmp_path / core / "s")
        asm = gcc_output(tmp_path / core / "s", core, "-S", "-O2")
        assert ("@ mf_dw_s2_run7" in asm) == (core == "m7"), f"{name}: mf_dw_s2_run7 on {core}"
    for core in ("m7", "m4", "m33"):
        exact_on_core(model, core, tmp_path / core, "target-op", name)
