"""ARG_MAX, ARG_MIN (int8 input, int32 output, constant axis): index of the first extreme value along the axis."""
from __future__ import annotations

import math

from ..ir import DType, Op, OpType
from ._shape import const_ints, norm_axis
from .base import OpDef, expect_arity, expect_dtype, expect_shape, fail, refuse_int16


class _ArgMinMax(OpDef):
    """TFLM evaluates int8/float32 inputs with an int32 axis into int32 indices only (int64 outputs fail at Invoke)."""

    kernel_headers = ("mf_arg_min_max.h",)
    kernel: str

    def _axis(self, op: Op) -> int:
        x = op.inputs[0]
        axis = op.inputs[1]
        if axis is not None and axis.dtype != DType.INT32:
            raise fail(op, f"axis tensor '{axis.name}' is {axis.dtype.name.lower()}; TFLM accepts only an int32 axis",
                       "re-export the model with an int32 axis")
        values = const_ints(op, axis, "axis")
        if len(values) != 1:
            raise fail(op, f"axis must hold one value, got {values}")
        return norm_axis(op, values[0], len(x.shape))

    def check(self, op: Op) -> None:
        refuse_int16(op)
        expect_arity(op, (2,))
        x = expect_dtype(op, op.inputs[0], "input", DType.INT8)
        y = op.outputs[0]
        if y.dtype == DType.INT64:
            raise fail(op, f"output '{y.name}' is int64; TFLM's {self.type.value} writes int32 indices only",
                       "convert the model with output_type=tf.int32")
        expect_dtype(op, y, "output", DType.INT32)
        if not x.shape:
            raise fail(op, "input must have rank >= 1")
        axis = self._axis(op)
        expect_shape(op, y, tuple(d for k, d in enumerate(x.shape) if k != axis))

    def emit(self, op: Op, ctx) -> str:
        x, y = op.inputs[0], op.outputs[0]
        axis = self._axis(op)
        p = ctx.params("mf_arg_min_max_params_t", dict(
            outer=math.prod(x.shape[:axis]), axis_size=x.shape[axis], inner=math.prod(x.shape[axis + 1:])))
        return f"{self.kernel}(&{p}, {ctx.ptr(x)}, {ctx.ptr(y)});"


class ArgMax(_ArgMinMax):
    type = OpType.ARG_MAX
    kernel = "mf_arg_max_s8"


class ArgMin(_ArgMinMax):
    type = OpType.ARG_MIN
    kernel = "mf_arg_min_s8"
