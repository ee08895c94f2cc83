"""Read a .tflite flatbuffer (through the schema package TFLM ships) and validate it into an ir.Graph."""
from __future__ import annotations

import math
import unicodedata
from pathlib import Path

import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from ..errors import MicroforgeError
from ..ir import DType, Graph, Op, OpType, Quant, Tensor, verify
from .flatbuf import RawModel, opcode_of, read_model
from .optable import OP_TABLE, builtin_name, read_options

MAX_FILE_BYTES = 64 << 20          # no microcontroller model is bigger; bounds parse time and memory
MAX_TENSOR_ELEMENTS = 1 << 24      # 16 M elements: far beyond any Cortex-M RAM; bounds per-tensor analysis work
MAX_RANK = 6
MAX_NAME_CHARS = 256               # longer tensor names are shortened (codegen keeps C identifiers unique)

_DTYPES = {
    schema.TensorType.INT8: DType.INT8,
    schema.TensorType.UINT8: DType.UINT8,
    schema.TensorType.INT16: DType.INT16,
    schema.TensorType.INT32: DType.INT32,
    schema.TensorType.INT64: DType.INT64,
    schema.TensorType.FLOAT32: DType.FLOAT32,
    schema.TensorType.FLOAT16: DType.FLOAT16,
    schema.TensorType.FLOAT64: DType.FLOAT64,
    schema.TensorType.BOOL: DType.BOOL,
}
_TYPE_NAMES = {v: k for k, v in vars(schema.TensorType).items() if not k.startswith("_")}
_ZP_RANGE = {DType.INT8: (-128, 127), DType.UINT8: (0, 255), DType.INT16: (-32768, 32767)}
# TFLM's 16x8 kernels assume int16 zero point 0 (_check_int16_zero_points refuses others) except where they read it:
# (op, input index or "output") -> when. An int8 -> int16 SOFTMAX output is offset by -32768 (ops/softmax.py
# requires exactly that, as TFLM does); QUANTIZE / DEQUANTIZE apply both zero points (mf_quantize*.h), SVDF its state's.
_INT16_ZP_READERS = {
    (OpType.SOFTMAX, "output"): lambda op: op.inputs[0] is not None and op.inputs[0].dtype == DType.INT8,
    (OpType.QUANTIZE, 0): lambda op: True,
    (OpType.QUANTIZE, "output"): lambda op: True,
    (OpType.DEQUANTIZE, 0): lambda op: True,
    (OpType.SVDF, 4): lambda op: True,   # its state: mf_svdf.h subtracts and adds the zero point as TFLM does
}
_FLOATS = (DType.FLOAT32, DType.FLOAT16, DType.FLOAT64)
_INT8_HINT = ("convert with full-integer (int8) post-training quantisation: converter.optimizations = "
              "[tf.lite.Optimize.DEFAULT], a representative_dataset and target_spec.supported_ops = "
              "[tf.lite.OpsSet.TFLITE_BUILTINS_INT8]; float32 inputs/outputs around an int8 graph are fine")
_MALFORMED = "the model is malformed; re-export it with the TFLite converter"
# First bytes of files people pass by mistake -> what they are.
_MAGIC = (
    (b"PK\x03\x04", "a zip archive (a Keras .keras file or a zipped SavedModel?)"),
    (b"\x89HDF\r\n\x1a\n", "an HDF5 file (a Keras .h5 model?)"),
    (b"\x7fELF", "an ELF executable or object file"),
    (b"\x1f\x8b", "a gzip archive"),
)


def load_tflite(source: str | Path | bytes) -> Graph:
    """Parse and validate a TFLite model; every problem becomes a MicroforgeError.

    >>> g = load_tflite("model.tflite"); [op.type for op in g.ops]
    """
    name = "model"
    if isinstance(source, (str, Path)):
        path = Path(source)
        name = path.stem
        try:
            if path.is_dir():
                raise MicroforgeError(f"'{path}' is a directory (a SavedModel?), not a .tflite file",
                                      hint="convert it with tf.lite.TFLiteConverter and pass the .tflite file")
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise MicroforgeError(f"'{path}' is {size} bytes, larger than the {MAX_FILE_BYTES} byte limit",
                                      hint="microcontroller models are far smaller; check the file")
            data = path.read_bytes()
        except OSError as e:
            raise MicroforgeError(f"cannot read '{path}': {e.strerror}", hint="check the path") from None
    else:
        data = bytes(source)
    return _build_graph(_unpack(data), data, name)


def _unpack(data: bytes) -> RawModel:
    if len(data) > MAX_FILE_BYTES:
        raise MicroforgeError(f"the model is {len(data)} bytes, larger than the {MAX_FILE_BYTES} byte limit")
    if len(data) < 16 or data[4:8] != b"TFL3":
        kind = next((k for magic, k in _MAGIC if data.startswith(magic)), None)
        if kind is None and _looks_like_c_array(data):
            kind = "C source (an `xxd -i` array?)"
        what = f"this is {kind}, not a TensorFlow Lite model" if kind else (
            f"the file is {len(data)} bytes long, too short to be a .tflite model" if len(data) < 16 else
            "not a TensorFlow Lite model (the flatbuffer identifier at bytes 4..8 is not 'TFL3')")
        raise MicroforgeError(what, hint="pass a .tflite flatbuffer produced by the TFLite converter")
    return read_model(data)


def _looks_like_c_array(data: bytes) -> bool:
    head = data[:4096]
    return all(32 <= b < 127 or b in b"\t\r\n" for b in head) and (b"0x" in head and b"{" in head)


def _fail(what: str, where: str | None = None, hint: str | None = None) -> MicroforgeError:
    return MicroforgeError(what, where=where, hint=hint or _MALFORMED)


def display_name(raw, i: int) -> str:
    """A tensor name safe to print and embed: decoded, control characters escaped, bounded length."""
    if raw is None or len(raw) == 0:
        return f"tensor_{i}"
    s = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else str(raw)
    s = "".join(ch if unicodedata.category(ch)[0] != "C" else f"\\x{ord(ch):02x}" for ch in s)
    return s if len(s) <= MAX_NAME_CHARS else s[:MAX_NAME_CHARS - 3] + "..."


def _build_graph(model: RawModel, data: bytes, name: str) -> Graph:
    if model.version != 3:
        raise _fail(f"field version is {model.version}; only schema version 3 is supported")
    sg = model.subgraph
    raw_tensors = sg.tensors or []
    const_cache: dict[int, np.ndarray] = {}
    # Tensors named only as an op's intermediates (the converter lists LSTM's calibration statistics there, some
    # with shape [0]) are never read by TFLM's kernels: they are not built, so their shapes are not judged.
    listed = lambda v: [int(k) for k in (v if v is not None else [])]  # noqa: E731
    operands = {k for o in sg.operators or [] for k in listed(o.inputs) + listed(o.outputs)}
    unread = {k for o in sg.operators or [] for k in listed(o.intermediates)} - operands - set(listed(sg.inputs) + listed(sg.outputs))
    tensors = [None if i in unread else _tensor(i, t, model.buffers, data, const_cache) for i, t in enumerate(raw_tensors)]

    def tensor_at(idx: int, where: str, field: str, optional: bool = False) -> Tensor | None:
        if idx == -1 and optional:
            return None
        if not 0 <= idx < len(tensors):
            raise _fail(f"field {field} refers to tensor {idx}, out of range (the subgraph has {len(tensors)} tensors)", where)
        return tensors[idx]

    ops: list[Op] = []
    for i, o in enumerate(sg.operators or []):
        code = opcode_of(model.opcodes[o.opcodeIndex])  # index and support checked in read_model
        where = f"op {i} ({builtin_name(code)})"
        op_type = OP_TABLE[code][0]
        options = read_options(code, o.builtinOptions)
        if code == schema.BuiltinOperator.PADV2:
            options["v2"] = True
        ins = [tensor_at(int(t), where, "inputs", optional=True) for t in (o.inputs if o.inputs is not None else [])]
        outs = [tensor_at(int(t), where, "outputs") for t in (o.outputs if o.outputs is not None else [])]
        if not outs:
            raise _fail("the operator has no outputs (field outputs is empty)", where)
        ops.append(Op(index=i, type=op_type, inputs=ins, outputs=outs, options=options, name=f"{i}_{op_type.value.lower()}"))

    def io(idxs, kind) -> list[Tensor]:
        if idxs is None or len(idxs) == 0:
            raise _fail(f"the subgraph declares no {kind}s (field subgraphs[0].{kind}s is empty)")
        out = [tensor_at(int(t), f"subgraph {kind}s", f"{kind}s") for t in idxs]
        if len({id(t) for t in out}) != len(out):
            raise _fail(f"the subgraph lists the same {kind} twice (field subgraphs[0].{kind}s)")
        return out

    graph = Graph(tensors=[t for t in tensors if t is not None], ops=ops, inputs=io(sg.inputs, "input"),
                  outputs=io(sg.outputs, "output"), name=name)
    for t in graph.inputs + graph.outputs:
        if t.is_const:
            raise _fail(f"graph input/output '{t.name}' has constant data", f"tensor {t.index} (field buffer)")
    _check_state(graph)
    _check_int16_zero_points(graph)
    verify(graph)
    _check_arithmetic(graph)
    return graph


# Ops that keep state between invocations -> the input indices of their variable tensors.
_STATE_INPUTS = {OpType.SVDF: (4,), OpType.UNIDIRECTIONAL_SEQUENCE_LSTM: (18, 19)}  # LSTM: hidden, cell state


def _check_state(graph: Graph) -> None:
    """Variable tensors are only accepted where an op keeps its state, never as graph inputs/outputs."""
    def refuse(t: Tensor, why: str) -> MicroforgeError:
        return MicroforgeError(f"variable (stateful) tensor {why} (field is_variable)", where=f"tensor {t.index} ('{t.name}')",
                               hint="only SVDF's activation state and UNIDIRECTIONAL_SEQUENCE_LSTM's hidden and "
                                    "cell state may be variable tensors")
    for t in graph.inputs + graph.outputs:
        if t.variable:
            raise refuse(t, "is a graph input or output")
    for op in graph.ops:
        for k, t in enumerate(op.inputs + op.outputs):
            if t is not None and t.variable and (k >= len(op.inputs) or k not in _STATE_INPUTS.get(op.type, ())):
                raise refuse(t, f"is used by op {op.index} ({op.type.value}), which keeps no state there")


def _check_int16_zero_points(graph: Graph) -> None:
    """An int16 tensor may have a non-zero zero point only where every op touching it reads it (_INT16_ZP_READERS)."""
    users: dict[int, list[tuple[Op, int | str]]] = {}
    for op in graph.ops:
        for k, t in enumerate(op.inputs):
            if t is not None:
                users.setdefault(id(t), []).append((op, k))
        for t in op.outputs:
            users.setdefault(id(t), []).append((op, "output"))
    for t in graph.tensors:
        if t.dtype != DType.INT16 or t.quant is None or not t.quant.zero_point.any():
            continue
        for op, role in users.get(id(t), []):
            when = _INT16_ZP_READERS.get((op.type, role))
            if when is None or not when(op):
                bad = t.quant.zero_point[t.quant.zero_point != 0][:3].tolist()
                raise _fail(f"field quantization.zero_point {bad} is out of range [0, 0] for int16 "
                            f"(it is {'the output' if role == 'output' else f'input {role}'} of {op.where}, whose "
                            "16x8 kernel assumes zero point 0)", f"tensor {t.index} ('{t.name}')",
                            hint="int16 zero points other than 0 are read only by an int8 -> int16 SOFTMAX's output, "
                                 "QUANTIZE, DEQUANTIZE and an SVDF's state; re-convert the model with symmetric "
                                 "int16 activations")


def _check_arithmetic(graph: Graph) -> None:
    """Name the kind of model when it is not integer inside: float, dynamic-range or float16 quantised.

    int16 (16x8) activations pass: each op's check says whether it takes them (ops/base.py expect_dtype)."""
    for op in graph.ops:
        acts = [t for t in op.inputs + op.outputs if t is not None and not t.is_const and not t.variable]
        consts = [t for t in op.inputs if t is not None and t.is_const]
        if op.type == OpType.DEQUANTIZE and consts:
            t = consts[0]
            raise MicroforgeError(f"constant tensor '{t.name}' ({t.dtype.name.lower()}) is dequantised at run time: this is a "
                                  f"{'float16' if t.dtype == DType.FLOAT16 else 'weight-only'} quantised model",
                                  where=op.where, hint=_INT8_HINT)
        if op.type in (OpType.QUANTIZE, OpType.DEQUANTIZE, OpType.RESHAPE):
            continue  # float edges around an int8 graph; the op checks say what they accept
        float_acts = [t for t in acts if t.dtype in _FLOATS]
        if float_acts:
            t = float_acts[0]
            kind = "a dynamic-range (hybrid) quantised model" if any(c.dtype == DType.INT8 for c in consts) else "a float model"
            raise MicroforgeError(f"the op computes in {t.dtype.name.lower()} (tensor '{t.name}'): this is {kind}",
                                  where=op.where, hint=_INT8_HINT)
        float_consts = [t for t in consts if t.dtype in _FLOATS]
        if float_consts:
            t = float_consts[0]
            raise MicroforgeError(f"constant tensor '{t.name}' is {t.dtype.name.lower()}: float weights are not supported",
                                  where=op.where, hint=_INT8_HINT)


def _tensor(i: int, t: schema.TensorT, buffers: list, data: bytes, cache: dict[int, np.ndarray]) -> Tensor:
    tname = display_name(t.name, i)
    where = f"tensor {i} ('{tname}')"
    if t.type not in _DTYPES:
        raise MicroforgeError(f"field type is {_TYPE_NAMES.get(t.type, f'#{t.type}')}, which is not supported", where=where,
                              hint="convert the model to int8 (full-integer post-training quantisation)")
    dtype = _DTYPES[t.type]
    raw_shape = t.shape if t.shape is not None else []
    if len(raw_shape) > MAX_RANK:
        raise _fail(f"field shape has rank {len(raw_shape)}, above the supported maximum of {MAX_RANK}", where)
    shape = tuple(int(d) for d in raw_shape)
    if any(d <= 0 for d in shape):
        sig = "" if t.shapeSignature is None or len(t.shapeSignature) > MAX_RANK else f" (shape_signature {list(t.shapeSignature)})"
        raise _fail(f"field shape {list(shape)} has a zero, negative or dynamic dimension{sig}", where,
                    hint="export the model with fixed, positive shapes (batch size 1)")
    if math.prod(shape) > MAX_TENSOR_ELEMENTS:
        raise _fail(f"field shape {list(shape)} has {math.prod(shape)} elements, more than the limit of {MAX_TENSOR_ELEMENTS}",
                    where, hint="no microcontroller can hold this tensor")

    quant = _quant(t.quantization, dtype, shape, where)

    const = None
    if not 0 <= t.buffer < max(len(buffers), 1):
        raise _fail(f"field buffer is {t.buffer}, out of range ({len(buffers)} buffers)", where)
    if buffers and t.buffer > 0:
        b = buffers[t.buffer]
        if t.buffer not in cache:
            raw = None
            if b.offset and b.offset > 1:
                if b.offset + b.size > len(data):
                    raise _fail(f"buffer {t.buffer} points past the end of the file (offset {b.offset}, size {b.size})", where)
                raw = np.frombuffer(data, dtype=np.uint8, count=b.size, offset=b.offset)
            elif b.data is not None and len(b.data) > 0:
                raw = np.asarray(b.data, dtype=np.uint8)
            cache[t.buffer] = None if raw is None else raw.copy()  # one copy per buffer, however many tensors share it
        raw = cache[t.buffer]
        if raw is not None:
            n = math.prod(shape) * dtype.size
            if raw.size != n:
                raise _fail(f"buffer {t.buffer} holds {raw.size} bytes but field shape {list(shape)} of "
                            f"{dtype.name.lower()} needs {n}", where)
            const = raw.view(dtype.np).reshape(shape)
    if t.isVariable:  # TFLM zeroes variable tensors when it allocates them and ignores any stored data
        return Tensor(index=i, name=tname, shape=shape, dtype=dtype, quant=quant, variable=True)
    return Tensor(index=i, name=tname, shape=shape, dtype=dtype, quant=quant, data=const)


def _quant(q: schema.QuantizationParametersT | None, dtype: DType, shape: tuple[int, ...], where: str) -> Quant | None:
    if q is None or q.scale is None or len(q.scale) == 0:
        if q is not None and q.zeroPoint is not None and len(q.zeroPoint) > 0:
            raise _fail(f"field quantization.zero_point has {len(q.zeroPoint)} entries but quantization.scale is empty", where)
        return None
    n, axis = len(q.scale), int(q.quantizedDimension)
    n_zp = n if q.zeroPoint is None else len(q.zeroPoint)
    if n_zp != n:
        raise _fail(f"field quantization.scale has {n} entries but quantization.zero_point has {n_zp}", where)
    if n > 1 and len(shape) == 1 and shape[0] == n:
        # A per-channel vector has one axis to be quantised along, whatever the field says: TFLM never
        # reads it for biases, and converters wrote 3 there (person_detect.tflite's depthwise biases).
        axis = 0
    if n > 1:
        if not 0 <= axis < len(shape):
            raise _fail(f"field quantization.quantized_dimension {axis} is out of range for shape {list(shape)}", where)
        if shape[axis] != n:
            raise _fail(f"field quantization.scale has {n} entries (per-channel) but dimension {axis} of shape "
                        f"{list(shape)} has {shape[axis]} channels", where)
    scale = np.asarray(q.scale, dtype=np.float32).reshape(-1)
    zp = np.zeros(n, np.int64) if q.zeroPoint is None else np.asarray(q.zeroPoint, dtype=np.int64).reshape(-1)
    bad = ~(np.isfinite(scale) & (scale > 0))
    if bad.any():
        raise _fail(f"field quantization.scale must be finite and positive, got {scale[bad][:3].tolist()}", where)
    if dtype in _ZP_RANGE:
        lo, hi = _ZP_RANGE[dtype]
        if zp.min() < lo or zp.max() > hi:
            bad_zp = zp[(zp < lo) | (zp > hi)][:3].tolist()
            raise _fail(f"field quantization.zero_point {bad_zp} is out of range [{lo}, {hi}] for {dtype.name.lower()}", where)
    return Quant(scale=scale, zero_point=zp, axis=axis)
