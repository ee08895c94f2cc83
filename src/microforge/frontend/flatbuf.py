"""Bounded unpacking of a .tflite flatbuffer: sizes are checked on the raw tables before the object API runs."""
from __future__ import annotations

from dataclasses import dataclass

from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from ..errors import MicroforgeError
from .optable import OP_TABLE, builtin_name, supported_builtins

# The flatbuffers object API follows every offset it finds: a 100 kB file whose tensor vector repeats one
# offset to a table with a long name unpacks into gigabytes. These caps (far above any microcontroller
# model) and a string budget of one file length keep parse time and memory proportional to the file.
MAX_OPERATOR_CODES = 1024
MAX_TENSORS = 1 << 15
MAX_OPERATORS = 1 << 12    # MobileNetV2 has 65 ops; the later stages grow superlinearly with this count
MAX_BUFFERS = 1 << 16
MAX_OPERANDS = 64          # inputs or outputs of one op (TFLite's largest builtin, LSTM, takes 24)
MAX_GRAPH_IO = 256         # subgraph inputs or outputs

_CONTROL_FLOW = {schema.BuiltinOperator.IF, schema.BuiltinOperator.WHILE, schema.BuiltinOperator.CALL_ONCE,
                 schema.BuiltinOperator.CALL}
_OPTION_NAMES = {v: k for k, v in vars(schema.BuiltinOptions).items() if not k.startswith("_")}
# vtable slots of the string fields read by the object API (from schema_py_generated: Tensor.Name, ...)
_TENSOR_NAME, _OPCODE_CUSTOM_CODE, _SUBGRAPH_NAME = 10, 6, 12


@dataclass
class RawModel:
    """What the frontend needs from a model, unpacked with the object API after the size checks."""

    version: int
    num_subgraphs: int
    opcodes: list[schema.OperatorCodeT]
    subgraph: schema.SubGraphT
    buffers: list[schema.BufferT]


def corrupt(detail: str) -> MicroforgeError:
    return MicroforgeError(f"the model flatbuffer is corrupt or truncated ({detail})",
                           hint="re-export the model; the file may be damaged or not a .tflite model")


def opcode_of(oc) -> int:
    """The builtin code of an OperatorCode (reader or object): the larger of the old and new fields."""
    if isinstance(oc, schema.OperatorCodeT):
        return max(int(oc.builtinCode), int(oc.deprecatedBuiltinCode))
    return max(int(oc.BuiltinCode()), int(oc.DeprecatedBuiltinCode()))


# Builtins tflite_micro registers no kernel for: no reference to be bit-exact with (docs/ops.md's notes say so).
NO_TFLM_KERNEL = frozenset({"RELU_N1_TO_1", "LSTM", "BIDIRECTIONAL_SEQUENCE_LSTM", "RNN", "UNIDIRECTIONAL_SEQUENCE_RNN"})


def unsupported_op(code: int, where: str, custom: str | None = None) -> MicroforgeError:
    what = f"custom operator '{custom}' is not supported" if code == schema.BuiltinOperator.CUSTOM \
        else f"operator {builtin_name(code)} is not supported"
    if code != schema.BuiltinOperator.CUSTOM and builtin_name(code) in NO_TFLM_KERNEL:
        what += " (tflite_micro has no kernel for it, so there is no reference output to match)"
    return MicroforgeError(what, where=where, hint="supported operators: " + ", ".join(supported_builtins())
                           + "; replace or remove it before converting")


def read_model(data: bytes) -> RawModel:
    """Check the raw flatbuffer's sizes, then unpack opcodes, subgraph 0 and buffers with the object API."""
    try:
        return _read(data)
    except MicroforgeError:
        raise
    except Exception as e:  # corrupt offsets surface as struct/index/value errors deep inside flatbuffers
        raise corrupt(f"{type(e).__name__}: {e}") from None


def _read(data: bytes) -> RawModel:
    root_offset = int.from_bytes(data[:4], "little")
    if not 8 <= root_offset <= len(data) - 4:
        raise corrupt(f"root table offset {root_offset} is outside the {len(data)}-byte file")
    root = schema.Model.GetRootAs(data, 0)
    budget = _StringBudget(len(data))

    n_codes = _count(root.OperatorCodesLength(), MAX_OPERATOR_CODES, "operator_codes", data)
    codes = [root.OperatorCodes(i) for i in range(n_codes)]
    for i, oc in enumerate(codes):
        budget.take(oc, _OPCODE_CUSTOM_CODE, f"operator_codes[{i}].custom_code")

    n_sg = root.SubgraphsLength()
    if n_sg == 0:
        raise MicroforgeError("the model has no subgraph", hint="the model is malformed; re-export it with the TFLite converter")
    if n_sg > 1:
        flow = sorted({builtin_name(opcode_of(oc)) for oc in codes if opcode_of(oc) in _CONTROL_FLOW})
        uses = f" (it uses {', '.join(flow)})" if flow else ""
        raise MicroforgeError(f"the model has {n_sg} subgraphs{uses}; only single-subgraph models are supported",
                              hint="control flow (IF, WHILE, CALL_ONCE) is not supported; export a model without it")
    sg = root.Subgraphs(0)
    budget.take(sg, _SUBGRAPH_NAME, "subgraphs[0].name")
    n_tensors = _count(sg.TensorsLength(), MAX_TENSORS, "subgraphs[0].tensors", data)
    for i in range(n_tensors):
        t = sg.Tensors(i)
        budget.take(t, _TENSOR_NAME, f"tensor {i}: name")
        if t.Sparsity() is not None:
            raise MicroforgeError("sparse tensors are not supported", where=f"tensor {i} (field sparsity)",
                                  hint="export dense weights")
        if t.VariantTensorsLength():
            raise MicroforgeError("variant tensors are not supported", where=f"tensor {i} (field variant_tensors)")
    n_ops = _count(sg.OperatorsLength(), MAX_OPERATORS, "subgraphs[0].operators", data)
    for i in range(n_ops):
        _check_operator(i, sg.Operators(i), codes)
    for kind, n in (("inputs", sg.InputsLength()), ("outputs", sg.OutputsLength())):
        _count(n, MAX_GRAPH_IO, f"subgraphs[0].{kind}", data)
    n_buffers = _count(root.BuffersLength(), MAX_BUFFERS, "buffers", data)

    return RawModel(version=int(root.Version()), num_subgraphs=n_sg,
                    opcodes=[schema.OperatorCodeT.InitFromObj(oc) for oc in codes],
                    subgraph=schema.SubGraphT.InitFromObj(sg),
                    buffers=[schema.BufferT.InitFromObj(root.Buffers(i)) for i in range(n_buffers)])


def _count(n: int, limit: int, field: str, data: bytes) -> int:
    if n > limit:
        raise MicroforgeError(f"field {field} declares {n} entries, more than the limit of {limit}",
                              hint="no microcontroller model is this large; the file is probably corrupt")
    if 4 * n > len(data):
        raise corrupt(f"field {field} declares {n} entries, more than fit in the {len(data)}-byte file")
    return n


def _check_operator(i: int, op, codes: list) -> None:
    """Reject unsupported ops and mismatched options before their (possibly huge) options are unpacked."""
    idx = op.OpcodeIndex()
    if not 0 <= idx < len(codes):
        raise MicroforgeError(f"field opcode_index is {idx}, out of range ({len(codes)} operator codes)",
                              where=f"op {i}", hint="the model is malformed; re-export it with the TFLite converter")
    code = opcode_of(codes[idx])
    where = f"op {i} ({builtin_name(code)})"
    if code not in OP_TABLE:
        custom = codes[idx].CustomCode()
        raise unsupported_op(code, where, None if custom is None else custom[:100].decode(errors="replace"))
    for n, field in ((op.InputsLength(), "inputs"), (op.OutputsLength(), "outputs")):
        if n > MAX_OPERANDS:
            raise MicroforgeError(f"field {field} lists {n} tensors, more than the limit of {MAX_OPERANDS}", where=where,
                                  hint="the model is malformed; re-export it with the TFLite converter")
    expected_type = getattr(schema.BuiltinOptions, OP_TABLE[code][2].__name__[:-1])  # Conv2DOptionsT -> Conv2DOptions
    got = op.BuiltinOptionsType()
    if got not in (schema.BuiltinOptions.NONE, expected_type):
        raise MicroforgeError(f"field builtin_options holds {_OPTION_NAMES.get(got, f'type #{got}')}, expected "
                              f"{_OPTION_NAMES[expected_type]}", where=where,
                              hint="the model is malformed; re-export it with the TFLite converter")
    if op.BuiltinOptions2Type() != 0:
        raise MicroforgeError(f"field builtin_options_2 (type #{op.BuiltinOptions2Type()}) is not supported for "
                              f"{builtin_name(code)}", where=where)


class _StringBudget:
    """Total bytes of strings the object API will copy; real models hold each string once."""

    def __init__(self, file_bytes: int):
        self.left = file_bytes

    def take(self, table, slot: int, field: str) -> None:
        o = table._tab.Offset(slot)
        n = table._tab.VectorLen(o) if o else 0
        self.left -= n
        if self.left < 0:
            raise corrupt(f"strings up to {field} add up to more bytes than the file holds (shared or oversized string)")
