"""IR data model: tensors with quantisation, ops in execution order, the graph holding both."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

import numpy as np


class DType(enum.Enum):
    """Element types the IR knows; value = (numpy dtype, C type)."""

    INT8 = ("int8", "int8_t")
    UINT8 = ("uint8", "uint8_t")
    INT16 = ("int16", "int16_t")
    INT32 = ("int32", "int32_t")
    INT64 = ("int64", "int64_t")
    FLOAT32 = ("float32", "float")
    FLOAT16 = ("float16", "uint16_t")
    FLOAT64 = ("float64", "double")
    BOOL = ("bool", "bool")

    @property
    def np(self) -> np.dtype:
        return np.dtype(self.value[0])

    @property
    def ctype(self) -> str:
        return self.value[1]

    @property
    def size(self) -> int:
        return self.np.itemsize


class OpType(enum.Enum):
    """Operators the compiler supports. The frontend maps TFLite builtins to these in one table."""

    CONV_2D = "CONV_2D"
    DEPTHWISE_CONV_2D = "DEPTHWISE_CONV_2D"
    FULLY_CONNECTED = "FULLY_CONNECTED"
    ADD = "ADD"
    AVERAGE_POOL_2D = "AVERAGE_POOL_2D"
    MAX_POOL_2D = "MAX_POOL_2D"
    MEAN = "MEAN"
    PAD = "PAD"
    RESHAPE = "RESHAPE"
    SOFTMAX = "SOFTMAX"
    QUANTIZE = "QUANTIZE"
    DEQUANTIZE = "DEQUANTIZE"
    SUB = "SUB"
    MUL = "MUL"
    MAXIMUM = "MAXIMUM"
    MINIMUM = "MINIMUM"
    SQUARED_DIFFERENCE = "SQUARED_DIFFERENCE"
    RELU = "RELU"
    RELU6 = "RELU6"
    LEAKY_RELU = "LEAKY_RELU"
    HARD_SWISH = "HARD_SWISH"
    LOGISTIC = "LOGISTIC"
    TANH = "TANH"
    CONCATENATION = "CONCATENATION"
    SQUEEZE = "SQUEEZE"
    EXPAND_DIMS = "EXPAND_DIMS"
    STRIDED_SLICE = "STRIDED_SLICE"
    SLICE = "SLICE"
    TRANSPOSE = "TRANSPOSE"
    SPLIT = "SPLIT"
    UNPACK = "UNPACK"
    DEPTH_TO_SPACE = "DEPTH_TO_SPACE"
    SPACE_TO_DEPTH = "SPACE_TO_DEPTH"
    MIRROR_PAD = "MIRROR_PAD"
    RESIZE_NEAREST_NEIGHBOR = "RESIZE_NEAREST_NEIGHBOR"
    SUM = "SUM"
    REDUCE_MAX = "REDUCE_MAX"
    REDUCE_MIN = "REDUCE_MIN"
    PACK = "PACK"
    ARG_MAX = "ARG_MAX"
    ARG_MIN = "ARG_MIN"
    ELU = "ELU"
    PRELU = "PRELU"
    LOG_SOFTMAX = "LOG_SOFTMAX"
    SHAPE = "SHAPE"
    RESIZE_BILINEAR = "RESIZE_BILINEAR"
    TRANSPOSE_CONV = "TRANSPOSE_CONV"
    BATCH_MATMUL = "BATCH_MATMUL"
    SVDF = "SVDF"
    UNIDIRECTIONAL_SEQUENCE_LSTM = "UNIDIRECTIONAL_SEQUENCE_LSTM"
    # Internal (no TFLite builtin): a fused chain of spatial ops run band by band (passes/row_pipeline.py).
    ROW_PIPELINE = "ROW_PIPELINE"


@dataclass
class Quant:
    """Affine quantisation: real = scale * (q - zero_point); per-channel along `axis` when len > 1."""

    scale: np.ndarray  # float32, shape (n,)
    zero_point: np.ndarray  # int64, shape (n,)
    axis: int = 0

    @property
    def per_channel(self) -> bool:
        return len(self.scale) > 1

    @property
    def s(self) -> float:
        """The per-tensor scale (first element)."""
        return float(self.scale[0])

    @property
    def zp(self) -> int:
        return int(self.zero_point[0])


@dataclass(eq=False)
class Tensor:
    """A value in the graph. `data` is set for constants (weights, biases, shape operands)."""

    index: int
    name: str
    shape: tuple[int, ...]
    dtype: DType
    quant: Quant | None = None
    data: np.ndarray | None = None
    # A TFLite variable tensor (e.g. SVDF's state): zero at start, kept between invocations in its own
    # static buffer outside the arena; ops read and update it in place.
    variable: bool = False

    @property
    def is_const(self) -> bool:
        return self.data is not None

    @property
    def num_elements(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    @property
    def nbytes(self) -> int:
        return self.num_elements * self.dtype.size

    def __repr__(self) -> str:
        return f"Tensor({self.index}, {self.name!r}, {self.shape}, {self.dtype.name})"


@dataclass(eq=False)
class Op:
    """One operator: inputs may contain None for omitted optional operands."""

    index: int
    type: OpType
    inputs: list[Tensor | None]
    outputs: list[Tensor]
    options: dict[str, Any] = field(default_factory=dict)
    # Filled by the compiler: the name used for this layer in reports and generated code.
    name: str = ""

    @property
    def where(self) -> str:
        return f"op {self.index} ({self.type.value})"


@dataclass
class Graph:
    """Ops in execution order; graph inputs/outputs are activations (never constants)."""

    tensors: list[Tensor]
    ops: list[Op]
    inputs: list[Tensor]
    outputs: list[Tensor]
    name: str = "model"
