"""Op definitions, one file per op; REGISTRY maps each IR OpType to its OpDef."""
from __future__ import annotations

import sys

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
from .row_pipeline import RowPipeline
from .softmax import Softmax
from .concatenation import Concatenation, Pack
from .depth_to_space import DepthToSpace, SpaceToDepth
from .hard_swish import HardSwish
from .logistic import Logistic, Tanh
from .maximum_minimum import Maximum, Minimum
from .mirror_pad import MirrorPad
from .mul import Mul
from .reduce import ReduceMax, ReduceMin, Sum
from .relu import LeakyRelu, Relu, Relu6
from .resize_nearest_neighbor import ResizeNearestNeighbor
from .slice import Slice, StridedSlice
from .split import Split, Unpack
from .squared_difference import SquaredDifference
from .squeeze import ExpandDims, Squeeze
from .sub import Sub
from .transpose import Transpose
from .arg_min_max import ArgMax, ArgMin
from .elu import Elu
from .log_softmax import LogSoftmax
from .prelu import Prelu
from .resize_bilinear import ResizeBilinear
from .shape import Shape
from .transpose_conv import TransposeConv
from .batch_matmul import BatchMatMul
from .svdf import Svdf
from .unidirectional_sequence_lstm import UnidirectionalSequenceLstm

REGISTRY: dict[OpType, OpDef] = {d.type: d for d in (
    Conv2D(), DepthwiseConv2D(), FullyConnected(), Add(), AveragePool2D(), MaxPool2D(), Pad(), Reshape(),
    Mean(), Quantize(), Dequantize(), Softmax(),
    Sub(), Mul(), Maximum(), Minimum(), SquaredDifference(), Relu(), Relu6(), LeakyRelu(), HardSwish(), Logistic(),
    Tanh(), Concatenation(), Pack(), Squeeze(), ExpandDims(), Slice(), StridedSlice(), Transpose(), Split(), Unpack(),
    DepthToSpace(), SpaceToDepth(), MirrorPad(), ResizeNearestNeighbor(), Sum(), ReduceMax(), ReduceMin(),
    ArgMax(), ArgMin(), Elu(), Prelu(), LogSoftmax(), Shape(), ResizeBilinear(),
    TransposeConv(), BatchMatMul(), Svdf(), UnidirectionalSequenceLstm(),
)}
# Ops the compiler forms itself (no TFLite builtin, so not in docs/ops.md): passes/row_pipeline.py fuses chains.
INTERNAL: dict[OpType, OpDef] = {d.type: d for d in (RowPipeline(),)}


def model_ops(op) -> str:
    """The .tflite operator index(es) a compiled layer runs, as the model numbers them (e.g. in Netron): "6"; a row
    pipeline's fused ops "2-3", or "4,5,7" when an op of the model (here 6) runs apart from them. A layer's own
    number (mf_layer_N in model.c, the firmware's MF_LAYER_BEGIN/END hooks) is its place in the compiled order."""
    return op_span([l.index for l in op.options["layers"]] if op.type is OpType.ROW_PIPELINE else [op.index])


def layer_name(op) -> str:
    """A compiled layer as reports name it: its type and the model's operator index(es), "CONV_2D (op 6)",
    "ROW_PIPELINE (ops 4,5,7)"."""
    return f"{op.type.value} ({ops_ref(model_ops(op))})"


def ops_ref(model_ops: str) -> str:
    """"op 6" / "ops 4,5,7" for a model_ops() text."""
    return f"{'op' if model_ops.isdigit() else 'ops'} {model_ops}"


def op_span(idx: list[int]) -> str:
    """Op indices as text: "2-3" when consecutive, else "4,5,7"."""
    if len(idx) > 1 and idx == list(range(idx[0], idx[-1] + 1)):
        return f"{idx[0]}-{idx[-1]}"
    return ",".join(map(str, idx))


def opdef(t: OpType) -> OpDef:
    try:
        return REGISTRY[t] if t in REGISTRY else INTERNAL[t]
    except KeyError:
        raise MicroforgeError(f"operator {t.value} has no implementation yet",
                              hint="supported: " + ", ".join(sorted(k.value for k in REGISTRY))) from None


# Facts docs/ops.md states under the table (arithmetic details: docs/tflm_semantics.md).
NOTES = (
    "TRANSPOSE_CONV gathers each output element's taps, so it needs no scratch buffer (TFLM asks for 4 bytes per "
    "output element of arena, 8 for 16x8); like TFLM it never reads the output-shape operand, which may be a graph "
    "input (a constant one must match the output tensor). 16x8 TRANSPOSE_CONV takes an int64 or int16 bias or none; "
    "an int32 bias is refused (TFLM reads it as int64).",
    "SVDF keeps its state (a TFLite variable tensor, int16 or int8 like its time weights) in a static buffer outside "
    "the arena, at start 0 (int8: its zero point, as TFLM resets it) and updated by every invocation, as TFLM does; "
    "it counts as RAM `persistent` at compile time and is part of `static` once measured. Its int8 path applies no "
    "fused activation (neither does TFLM's). Bias-less SVDF (TFLM dereferences the missing bias) and a state whose "
    "type differs from the time weights' are refused.",
    "UNIDIRECTIONAL_SEQUENCE_LSTM: the standard LSTM TFLM runs (all four gates, per-tensor int8 weights, int16 cell "
    "state, tanh cell activation, cell clipping, batch- or time-major; int8 input, output and hidden state with "
    "int32 biases, or int16 ones with int64 biases: a 16x8 LSTM) with TFLM's int16 gate arithmetic (Q3.12 "
    "pre-activations, its sigmoid/tanh table), one row and one cell at a time, so no scratch buffer. The hidden and "
    "cell state are variable tensors kept between invocations like SVDF's; an int8 hidden state starts at (and "
    "`mf_model_reset()` returns it to) its zero point, as TFLM resets int8 variable tensors.",
    "Not supported: UNIDIRECTIONAL_SEQUENCE_LSTM's CIFG, peephole, projection and layer-norm variants and a cell "
    "activation other than tanh (TFLM's kernel refuses these too), per-channel weights (TFLM's LSTM has no "
    "per-channel path) and a 16x8 LSTM with int32 biases (TFLM reads them as int64): refused with the reason. "
    "BIDIRECTIONAL_SEQUENCE_LSTM, LSTM, RNN and UNIDIRECTIONAL_SEQUENCE_RNN (TFLM has no kernel for them) are refused "
    "by name.",
    "Not supported: RELU_N1_TO_1 as a standalone operator: tflite_micro registers no kernel for it, so there is no "
    "reference to be bit-exact with; it is refused by name. As a fused activation of CONV_2D, ADD, ... (clamp to "
    "[-1, 1] in the output quantisation) it is supported.",
    "int16 activations (16x8): the arithmetic ops with an int16 kernel in the table above (CONV_2D, "
    "DEPTHWISE_CONV_2D, FULLY_CONNECTED, TRANSPOSE_CONV, BATCH_MATMUL (int16 x int16), ADD, SUB, MUL, "
    "SQUARED_DIFFERENCE, MAXIMUM, MINIMUM, AVERAGE_POOL_2D, MAX_POOL_2D, MEAN, SUM, PAD, PADV2, RELU, RELU6, "
    "LEAKY_RELU, PRELU (int8 alpha, as TFLM requires), SOFTMAX, LOGISTIC, TANH, QUANTIZE (int16 to int8, int16 or "
    "int32), DEQUANTIZE, UNIDIRECTIONAL_SEQUENCE_LSTM); int16 zero points are 0 except where "
    "TFLM reads them (an int8 -> int16 SOFTMAX's output, QUANTIZE, DEQUANTIZE, an SVDF's int16 state); QUANTIZE int8 -> int32 and from "
    "int32 are not implemented; the data movement ops (gathers and views) move int16 bytes unchanged (tested: "
    "RESHAPE, CONCATENATION, TRANSPOSE, STRIDED_SLICE, SLICE, SPLIT, SPLIT_V, PACK, UNPACK, SQUEEZE, EXPAND_DIMS, "
    "RESIZE_NEAREST_NEIGHBOR).",
    "Left out of int16: REDUCE_MAX, REDUCE_MIN, MIRROR_PAD, HARD_SWISH, ELU, ARG_MAX, ARG_MIN, RESIZE_BILINEAR, "
    "LOG_SOFTMAX, DEPTH_TO_SPACE and SPACE_TO_DEPTH stay int8-only and refuse an int16 layer by name: TFLM has no "
    "int16 kernel for them (their kernels have float32 and int8 cases, no int16 one), so there is no reference to be "
    "bit-exact with "
    "(tests/host/test_ops_int16_more.py checks that TFLM rejects each such model too).",
)


_HELPERS = ("mf_broadcast.h", "mf_s16_params.h", "mf_pool_loop.h")  # shared helpers, not listed as an op's kernel


def ops_markdown() -> str:
    """docs/ops.md: every TFLite builtin the frontend table accepts, with its op file's one-line description.

    Used by `microforge ops` and tools/gen_ops_doc.py; tests/unit/test_ops_doc.py fails when docs/ops.md is stale.
    """
    from ..frontend.optable import OP_TABLE, builtin_name

    rows = []
    for code, (t, _, _) in sorted(OP_TABLE.items(), key=lambda kv: builtin_name(kv[0])):
        d = REGISTRY.get(t)
        if d is None:
            continue
        module = type(d).__module__
        doc = ((sys.modules[module].__doc__ or "").strip().splitlines() or [""])[0]
        kernels = ", ".join(f"`{h}`" for h in d.kernel_headers if h not in _HELPERS) or "none (aliases its input)"
        int16 = ", ".join(f"`{h}`" for h in d.int16_headers if h not in _HELPERS) or "-"
        rows.append(f"| {builtin_name(code)} | {module.rsplit('.', 1)[-1]}.py | {kernels} | {int16} | {doc} |")
    return ("# Supported operators\n\n"
            "Generated from `frontend/optable.py` and `ops/` by `python tools/gen_ops_doc.py` (or `microforge ops`);\n"
            "do not edit. All take int8 activations and are bit-exact with TFLM's reference kernels; those with an\n"
            "int16 kernel also take 16x8 models (int16 activations with zero point 0, int8 weights, TFLM's 16x8 arithmetic);\n"
            "the data-movement ops (`mf_gather.h` and the views that alias their input) move int16 elements as they are.\n\n"
            "| TFLite builtin | op file | portable kernel | int16 (16x8) kernel | what it does |\n|---|---|---|---|---|\n"
            + "\n".join(rows) + "\n\n## Notes\n\n" + "\n".join(f"- {n}" for n in NOTES) + "\n")
