"""The IR: a data model only (Graph, Tensor, Quant, Op, OpType) plus verify()."""
from .graph import DType, Graph, Op, OpType, Quant, Tensor
from .verify import verify

__all__ = ["DType", "Graph", "Op", "OpType", "Quant", "Tensor", "verify"]
