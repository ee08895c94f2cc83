"""The shape folding pass on hand-built graphs: STRIDED_SLICE values as Python slicing gives them (TFLM's
semantics for begin/end masks, negative indices and strides, shrink), and what it must leave alone."""
from __future__ import annotations

import numpy as np
import pytest

from microforge.ir import DType, Graph, Op, OpType, Tensor
from microforge.passes.fold_shapes import fold_shape_subgraphs

X = np.arange(10, 16, dtype=np.int32)   # a shape-like int32 vector of 6 values


def _const(i, name, values) -> Tensor:
    a = np.asarray(values, np.int32)
    return Tensor(i, name, a.shape, DType.INT32, data=a)


def _slice_graph(begin, end, stride, begin_mask=0, end_mask=0, shrink=0, out_shape=None):
    x = Tensor(0, "x", (1, 6), DType.INT8)
    shape = Tensor(1, "shape", (2,), DType.INT32)
    table = _const(2, "table", X)
    y = Tensor(3, "y", out_shape, DType.INT32)
    z = Tensor(4, "z", (1, 6), DType.INT8)
    ops = [Op(0, OpType.SHAPE, [x], [shape]),
           Op(1, OpType.STRIDED_SLICE, [table, _const(5, "b", [begin]), _const(6, "e", [end]), _const(7, "s", [stride])],
              [y], dict(begin_mask=begin_mask, end_mask=end_mask, shrink_axis_mask=shrink)),
           Op(2, OpType.RESHAPE, [x, shape], [z])]
    return Graph(tensors=[x, shape, table, y, z], ops=ops, inputs=[x], outputs=[z]), shape, y


@pytest.mark.parametrize("begin, end, stride, bm, em, shrink, want", [
    (0, 1, 1, 0, 0, 1, X[0]),
    (1, 4, 1, 0, 0, 0, X[1:4]),
    (-3, -1, 1, 0, 0, 0, X[-3:-1]),
    (5, 0, -2, 0, 0, 0, X[5:0:-2]),
    (2, 0, 1, 0, 1, 0, X[2:]),
    (0, 3, 2, 1, 0, 0, X[:3:2]),
    (0, 0, -1, 1, 1, 0, X[::-1]),
    (-1, 0, 1, 0, 0, 1, X[-1]),
    (-100, 100, 1, 0, 0, 0, X[-100:100]),
])
def test_strided_slice_values(begin, end, stride, bm, em, shrink, want):
    want = np.asarray(want, np.int32)
    g, shape, y = _slice_graph(begin, end, stride, bm, em, shrink, want.shape)
    g = fold_shape_subgraphs(g)
    assert [op.type for op in g.ops] == [OpType.RESHAPE]
    assert shape.data.tolist() == [1, 6] and y.data.tolist() == want.tolist() and y.data.dtype == np.int32


def test_outputs_and_unknown_values_are_left_to_their_ops():
    g, shape, y = _slice_graph(0, 1, 1, shrink=1, out_shape=())
    g.outputs = [g.outputs[0], y]                 # the slice is a model output: computed by its op
    g = fold_shape_subgraphs(g)
    assert [op.type for op in g.ops] == [OpType.STRIDED_SLICE, OpType.RESHAPE] and y.data is None
    # a CONCATENATION of a runtime int32 tensor is not a shape computation: nothing known, nothing folded
    a = Tensor(0, "a", (2,), DType.INT32)
    out = Tensor(1, "out", (4,), DType.INT32)
    cat = Op(0, OpType.CONCATENATION, [a, _const(2, "c", [1, 2])], [out], dict(axis=0, activation="NONE"))
    g2 = fold_shape_subgraphs(Graph(tensors=[a, out], ops=[cat], inputs=[a], outputs=[out]))
    assert g2.ops == [cat] and out.data is None


def test_pack_and_concatenation_chain():
    x = Tensor(0, "x", (3, 4, 5), DType.INT8)
    shape = Tensor(1, "shape", (3,), DType.INT32)
    b = Tensor(2, "b", (), DType.INT32)
    packed = Tensor(3, "packed", (2,), DType.INT32)
    joined = Tensor(4, "joined", (3,), DType.INT32)
    z = Tensor(5, "z", (3, 20), DType.INT8)
    ops = [Op(0, OpType.SHAPE, [x], [shape]),
           Op(1, OpType.STRIDED_SLICE, [shape, _const(6, "b0", [2]), _const(7, "e0", [3]), _const(8, "s0", [1])], [b],
              dict(shrink_axis_mask=1)),
           Op(2, OpType.PACK, [b, _const(9, "m1", np.int32(-1))], [packed], dict(axis=0, count=2)),
           Op(3, OpType.CONCATENATION, [_const(10, "k", [7]), packed], [joined], dict(axis=0, activation="NONE")),
           Op(4, OpType.RESHAPE, [x, joined], [z])]
    g = fold_shape_subgraphs(Graph(tensors=[x, shape, b, packed, joined, z], ops=ops, inputs=[x], outputs=[z]))
    assert [op.type for op in g.ops] == [OpType.RESHAPE] and g.ops[0].inputs[1] is joined
    assert b.data.shape == () and int(b.data) == 5 and packed.data.tolist() == [5, -1]
    assert joined.data.tolist() == [7, 5, -1]
