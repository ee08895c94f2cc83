"""Op definitions, one file per op; REGISTRY maps each IR OpType to its OpDef."""
from __future__ import annotations

from ..errors import MicroforgeError
from ..ir import OpType
from .add import Add
from .base import OpDef
from .conv2d import Conv2D
from .depthwise_conv2d import DepthwiseConv2D
from .fully_connected import FullyConnected
from .mean import Mean
from .pad import Pad
from .pooling import AveragePool2D, MaxPool2D
from .quantize import Dequantize, Quantize
from .reshape import Reshape
from .softmax import Softmax

REGISTRY: dict[OpType, OpDef] = {d.type: d for d in (
    Conv2D(), DepthwiseConv2D(), FullyConnected(), Add(), AveragePool2D(), MaxPool2D(), Pad(), Reshape(),
    Mean(), Quantize(), Dequantize(), Softmax(),
)}


def opdef(t: OpType) -> OpDef:
    try:
        return REGISTRY[t]
    except KeyError:
        raise MicroforgeError(f"operator {t.value} has no implementation yet",
                              hint="supported: " + ", ".join(sorted(k.value for k in REGISTRY))) from None
