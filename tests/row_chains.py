"""Small int8 chain models for the row-pipeline tests: conv / depthwise / pool layers, optionally a residual ADD."""
from __future__ import annotations

import numpy as np

from microforge import modelgen as mg


def chain_model(seed: int, in_shape, layers) -> bytes:
    """`layers`: tuples applied in order to the running tensor t[i] (t[0] is the model input):
    ("conv", out_c, k, stride, padding, act), ("dw", k, stride, padding, act, dilation),
    ("pool", "AVERAGE" | "MAX", f, stride, padding), ("add", j[, residual first]): t[i] + t[j] (same shape),
    ("from", j): continue from t[j] (a branch)."""
    rng = np.random.default_rng(seed)
    mb = mg.ModelBuilder("row chain")
    scale, zp = 0.02, -3
    ts = [(mb.input("input", in_shape, "int8", scale, zp), tuple(in_shape), scale, zp)]
    for i, spec in enumerate(layers):
        x, shape, s, z = ts[-1]
        n, h, w, c = shape
        kind = spec[0]
        if kind == "conv":
            _, oc, k, st, pad, act = spec
            wi, bi, lo, hi = mg._add_weighted(mb, rng, f"conv{i}", (oc, k, k, c), 0, True, k * k * c, s, z, True)
            oh, ow = mg.conv_out_size(h, k, st, 1, pad), mg.conv_out_size(w, k, st, 1, pad)
            s2, z2 = mg._out_quant(lo, hi, act)
            y = mb.tensor(f"t{i}", (n, oh, ow, oc), "int8", s2, z2)
            mb.op("CONV_2D", [x, wi, bi], [y], padding=pad, stride_h=st, stride_w=st, dilation_h=1, dilation_w=1,
                  fused_activation=act)
            ts.append((y, (n, oh, ow, oc), s2, z2))
        elif kind == "dw":
            _, k, st, pad, act, dil = spec
            wi, bi, lo, hi = mg._add_weighted(mb, rng, f"dw{i}", (1, k, k, c), 3, True, k * k, s, z, True)
            oh, ow = mg.conv_out_size(h, k, st, dil, pad), mg.conv_out_size(w, k, st, dil, pad)
            s2, z2 = mg._out_quant(lo, hi, act)
            y = mb.tensor(f"t{i}", (n, oh, ow, c), "int8", s2, z2)
            mb.op("DEPTHWISE_CONV_2D", [x, wi, bi], [y], padding=pad, stride_h=st, stride_w=st, dilation_h=dil,
                  dilation_w=dil, depth_multiplier=1, fused_activation=act)
            ts.append((y, (n, oh, ow, c), s2, z2))
        elif kind == "pool":
            _, how, f, st, pad = spec
            oh, ow = mg.conv_out_size(h, f, st, 1, pad), mg.conv_out_size(w, f, st, 1, pad)
            y = mb.tensor(f"t{i}", (n, oh, ow, c), "int8", s, z)
            mb.op(f"{how}_POOL_2D", [x], [y], padding=pad, stride_h=st, stride_w=st, filter_h=f, filter_w=f,
                  fused_activation="NONE")
            ts.append((y, (n, oh, ow, c), s, z))
        elif kind == "from":   # continue from an earlier tensor (a second branch)
            ts.append(ts[spec[1]])
        elif kind == "add":
            r, rshape, rs, rz = ts[spec[1]]
            assert rshape == shape, (rshape, shape)
            lo = ((-128 - z) * s + (-128 - rz) * rs) * 0.7
            hi = ((127 - z) * s + (127 - rz) * rs) * 0.7
            s2, z2 = mg._out_quant(lo, hi, "NONE")
            y = mb.tensor(f"t{i}", shape, "int8", s2, z2)
            mb.op("ADD", [r, x] if len(spec) > 2 and spec[2] else [x, r], [y], fused_activation="NONE")
            ts.append((y, shape, s2, z2))
        else:
            raise ValueError(kind)
    mb.outputs(ts[-1][0])
    return mb.finish()


# name -> (seed, input shape, layers): odd heights/widths, strides 1 and 2, SAME/VALID, residual ADDs.
CHAINS = {
    "conv_conv_add": (1, (1, 11, 9, 5), [("conv", 7, 3, 1, "SAME", "RELU"), ("conv", 7, 3, 1, "SAME", "RELU"),
                                         ("conv", 7, 3, 1, "SAME", "NONE"), ("add", 1)]),
    "conv_dw_add_input": (2, (1, 9, 7, 6), [("conv", 6, 3, 1, "SAME", "RELU"), ("dw", 3, 1, "SAME", "NONE", 1),
                                            ("add", 0, True)]),
    "conv_dw_conv_s2": (3, (1, 13, 11, 3), [("conv", 8, 3, 2, "SAME", "RELU"), ("dw", 3, 1, "SAME", "RELU6", 1),
                                            ("conv", 5, 1, 1, "SAME", "NONE")]),
    "valid_s2": (4, (1, 15, 10, 4), [("conv", 6, 3, 1, "VALID", "RELU"), ("dw", 3, 2, "VALID", "NONE", 1),
                                     ("conv", 5, 3, 1, "SAME", "NONE")]),
    "pool_in_chain": (5, (1, 12, 9, 3), [("conv", 5, 3, 1, "SAME", "RELU"), ("pool", "MAX", 2, 2, "VALID"),
                                         ("conv", 7, 3, 1, "SAME", "NONE")]),
    "avgpool_same_dil": (6, (1, 14, 5, 13), [("conv", 4, 3, 1, "SAME", "RELU"), ("pool", "AVERAGE", 3, 1, "SAME"),
                                             ("dw", 3, 1, "SAME", "NONE", 2), ("conv", 3, 1, 1, "VALID", "NONE")]),
    "dw_s2_conv_add": (7, (1, 10, 7, 8), [("conv", 8, 1, 1, "SAME", "RELU"), ("dw", 3, 2, "SAME", "RELU", 1),
                                          ("conv", 8, 3, 1, "SAME", "NONE"), ("conv", 8, 1, 1, "SAME", "NONE"),
                                          ("add", 2)]),
    "residual_other": (8, (1, 9, 8, 6), [("conv", 6, 3, 1, "SAME", "RELU"), ("conv", 8, 1, 2, "SAME", "NONE"),
                                         ("from", 1), ("conv", 8, 3, 2, "SAME", "RELU"), ("conv", 8, 3, 1, "SAME", "NONE"),
                                         ("add", 2)]),
    # the depthwise layer last, its band output at a loop-dependent place in the output: the bands take the row path's
    # direct order (their input a window): mf_dw_s2.h's at stride 2, mf_dw_band_rows' at stride 1
    "dw_s2_last": (9, (1, 13, 31, 6), [("conv", 6, 3, 1, "SAME", "RELU"), ("dw", 3, 2, "SAME", "NONE", 1)]),
    "dw_s1_last": (10, (1, 9, 13, 7), [("conv", 7, 1, 1, "SAME", "RELU"), ("dw", 3, 1, "VALID", "NONE", 1)]),
    # a stride-1 depthwise band on 20-wide rows with ReLU (out_zp -128): the row path's one layer shift in band calls
    "dw_s1_ush": (11, (1, 8, 20, 6), [("conv", 6, 1, 1, "SAME", "RELU"), ("dw", 3, 1, "SAME", "RELU", 1),
                                      ("conv", 5, 1, 1, "SAME", "NONE")]),
    # a 3x3 conv reading a window through row entries (in_c % 4 == 0): with one output row a band its input window is a
    # ring (ops/conv2d.py reads_ring, runtime/dsp mf_conv2d_s8_ring): out_c % 4 == 0 (mix 6) with ic's residual ADD of
    # the chain's input, after a stride-2 first layer (ic's second pipeline), odd out_c 13, 5, 7 (mix 4 when padded
    # groups are allowed: a partial last group), SAME and VALID
    "conv_ring_add": (12, (1, 9, 10, 16), [("conv", 16, 3, 1, "SAME", "RELU"), ("conv", 16, 3, 1, "SAME", "NONE"),
                                           ("add", 0)]),
    "conv_s2_ring": (13, (1, 13, 12, 8), [("conv", 16, 3, 2, "SAME", "RELU"), ("conv", 16, 3, 1, "SAME", "NONE"),
                                          ("conv", 12, 3, 1, "SAME", "RELU6")]),
    "conv_ring_odd13": (14, (1, 10, 7, 4), [("conv", 8, 3, 1, "SAME", "RELU"), ("conv", 13, 3, 1, "SAME", "NONE")]),
    "conv_ring_odd5": (15, (1, 11, 6, 8), [("conv", 12, 3, 1, "SAME", "RELU"), ("conv", 5, 3, 1, "VALID", "RELU")]),
    "conv_ring_odd7": (16, (1, 9, 9, 4), [("conv", 4, 3, 1, "SAME", "RELU6"), ("conv", 7, 3, 1, "SAME", "NONE")]),
}
