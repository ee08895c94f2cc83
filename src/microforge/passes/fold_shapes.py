"""Fold shape-only subgraphs (SHAPE -> STRIDED_SLICE -> PACK / CONCATENATION) into constants at compile time.

Keras exports a dynamic reshape as a small int32 program: SHAPE of a tensor, a STRIDED_SLICE of its batch,
PACK or CONCATENATION with the other dimensions, and that vector as the RESHAPE's shape input. Every shape is
static here, so each of those values is known: the pass evaluates them in program order (SHAPE from its
input's static shape, the others from constant inputs), makes their outputs constants and drops the ops; the
RESHAPE then reads a constant shape and no kernel runs for the shape program. A value that is a graph output
(e.g. `verify` exposes every layer) is left to its op, which computes the same bytes.
"""
from __future__ import annotations

import numpy as np

from ..ir import DType, Graph, Op, OpType
from ..ops.slice import _strided_axes

_FOLDABLE = (OpType.SHAPE, OpType.STRIDED_SLICE, OpType.PACK, OpType.CONCATENATION)


def _value(op: Op) -> np.ndarray | None:
    """The op's int32 output computed now, or None when an input is not known at compile time."""
    if op.type is OpType.SHAPE:
        return np.array(op.inputs[0].shape, np.int32)
    if any(t is None or not t.is_const for t in op.inputs):
        return None
    xs = [np.asarray(t.data).reshape(t.shape) for t in op.inputs]
    if op.type is OpType.STRIDED_SLICE:
        axes, _ = _strided_axes(op)          # TFLM's clamping and masks, as the STRIDED_SLICE kernel uses them
        return xs[0][np.ix_(*[b + s * np.arange(n) for b, n, s in axes])]
    if op.type is OpType.PACK:
        return np.stack(xs, axis=op.options["axis"])
    if op.options.get("activation", "NONE") not in (None, "NONE"):
        return None                          # a fused activation on int32 is not a shape computation
    return np.concatenate(xs, axis=op.options["axis"])


def fold_shape_subgraphs(graph: Graph) -> Graph:
    outputs = {id(t) for t in graph.outputs}
    folded: set[int] = set()
    for op in graph.ops:
        y = op.outputs[0]
        if op.type not in _FOLDABLE or len(op.outputs) != 1 or y.dtype is not DType.INT32 or id(y) in outputs:
            continue
        if op.type is not OpType.SHAPE and any(t is not None and t.dtype is not DType.INT32 for t in op.inputs):
            continue
        value = _value(op)
        if value is None or value.size != y.num_elements:
            continue
        y.data = value.astype(np.int32).reshape(y.shape).copy()   # (ascontiguousarray would make a scalar 1-D)
        folded.add(id(op))
    graph.ops = [op for op in graph.ops if id(op) not in folded]
    return graph
