"""Fold a spatial PAD into the CONV_2D / DEPTHWISE_CONV_2D that alone consumes it (explicit padding).

Safe because the conv kernels feed the input zero point to out-of-image taps: when the PAD fills
with that same zero point, padding by the conv computes the same bytes, and the padded tensor
(usually the largest of its block) never exists.
"""
from __future__ import annotations

import numpy as np

from ..ir import Graph, Op, OpType
from ..ops.base import window

_CONVS = (OpType.CONV_2D, OpType.DEPTHWISE_CONV_2D)


def _spatial_pads(pad: Op) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """((top, bottom), (left, right)) when `pad` pads only H and W of an NHWC tensor with its zero point."""
    x, y = pad.inputs[0], pad.outputs[0]
    p = pad.inputs[1]
    if p is None or not p.is_const or len(x.shape) != 4 or p.num_elements != 8:
        return None
    if x.quant is None or y.quant is None or x.quant.zp != y.quant.zp or x.quant.s != y.quant.s:
        return None
    if len(pad.inputs) > 2 and pad.inputs[2] is not None:   # PADV2: only when the constant is the zero point
        v = pad.inputs[2]
        if not v.is_const or int(np.asarray(v.data).reshape(-1)[0]) != x.quant.zp:
            return None
    pads = np.asarray(p.data).astype(np.int64).reshape(4, 2)
    if (pads < 0).any() or pads[0].any() or pads[3].any():
        return None
    return (int(pads[1, 0]), int(pads[1, 1])), (int(pads[2, 0]), int(pads[2, 1]))


def _conv_pads(conv: Op, in_h: int, in_w: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """The conv's own (before, after) padding per spatial axis, as TFLite computes SAME/VALID."""
    o, w = conv.options, conv.inputs[1]
    kh, kw = w.shape[1], w.shape[2]
    out = []
    for size, k, s, d, n_out in ((in_h, kh, o["stride_h"], o["dilation_h"], conv.outputs[0].shape[1]),
                                 (in_w, kw, o["stride_w"], o["dilation_w"], conv.outputs[0].shape[2])):
        _, before = window(conv, size, k, s, d, o["padding"])
        total = max((n_out - 1) * s + (k - 1) * d + 1 - size, 0)
        out.append((before, total - before))
    return out[0], out[1]


def fold_pad_into_conv(graph: Graph) -> Graph:
    uses: dict[int, list[Op]] = {}
    for op in graph.ops:
        for t in op.inputs:
            if t is not None:
                uses.setdefault(id(t), []).append(op)
    outputs = {id(t) for t in graph.outputs}
    dropped: set[int] = set()
    for pad in graph.ops:
        if pad.type is not OpType.PAD or "explicit_padding" in pad.options:
            continue
        y = pad.outputs[0]
        users = uses.get(id(y), [])
        if id(y) in outputs or len(users) != 1 or users[0].type not in _CONVS or users[0].inputs[0] is not y:
            continue
        conv = users[0]
        extra = _spatial_pads(pad)
        if extra is None or "explicit_padding" in conv.options or y.quant.zp != conv.inputs[0].quant.zp:
            continue
        own = _conv_pads(conv, y.shape[1], y.shape[2])
        merged = tuple((a + c, b + d) for (a, b), (c, d) in zip(extra, own))
        x = pad.inputs[0]
        o, w = conv.options, conv.inputs[1]
        same_out = all(
            window(conv, size, k, s, dil, m)[0] == n_out
            for size, k, s, dil, m, n_out in ((x.shape[1], w.shape[1], o["stride_h"], o["dilation_h"], merged[0], conv.outputs[0].shape[1]),
                                              (x.shape[2], w.shape[2], o["stride_w"], o["dilation_w"], merged[1], conv.outputs[0].shape[2])))
        if not same_out:
            continue
        conv.options = {**o, "explicit_padding": merged}
        conv.inputs = [x, *conv.inputs[1:]]
        uses.setdefault(id(x), []).append(conv)
        dropped.add(id(pad))
    graph.ops = [op for op in graph.ops if id(op) not in dropped]
    return graph
