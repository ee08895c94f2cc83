"""SQUEEZE and EXPAND_DIMS: pure views like RESHAPE; the output shares its input's bytes."""
from __future__ import annotations

from ..ir import Op, OpType
from .reshape import Reshape


class Squeeze(Reshape):
    type = OpType.SQUEEZE

    def emit(self, op: Op, ctx) -> str:
        return "/* squeeze: output aliases input */"


class ExpandDims(Reshape):
    type = OpType.EXPAND_DIMS

    def emit(self, op: Op, ctx) -> str:
        return "/* expand_dims: output aliases input */"
