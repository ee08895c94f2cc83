"""Read a .tflite flatbuffer (through the schema package TFLM ships) and validate it into an ir.Graph."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from ..errors import MicroforgeError
from ..ir import DType, Graph, Op, Quant, Tensor, verify
from .optable import OP_TABLE, builtin_name, read_options, supported_builtins

MAX_FILE_BYTES = 64 << 20          # no microcontroller model is bigger; bounds parse time and memory
MAX_TENSOR_ELEMENTS = 1 << 26      # 64 M elements: far beyond any Cortex-M RAM, still cheap to reason about
MAX_RANK = 6

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
_ZP_RANGE = {DType.INT8: (-128, 127), DType.UINT8: (0, 255), DType.INT16: (0, 0), DType.INT32: (0, 0), DType.INT64: (0, 0)}


def load_tflite(source: str | Path | bytes) -> Graph:
    """Parse and validate a TFLite model; every problem becomes a MicroforgeError.

    >>> g = load_tflite("model.tflite"); [op.type for op in g.ops]
    """
    name = "model"
    if isinstance(source, (str, Path)):
        path = Path(source)
        name = path.stem
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise MicroforgeError(f"'{path}' is {size} bytes, larger than the {MAX_FILE_BYTES} byte limit",
                                      hint="microcontroller models are far smaller; check the file")
            data = path.read_bytes()
        except OSError as e:
            raise MicroforgeError(f"cannot read '{path}': {e.strerror}", hint="check the path") from None
    else:
        data = bytes(source)
    model = _unpack(data)
    return _build_graph(model, data, name)


def _unpack(data: bytes) -> schema.ModelT:
    if len(data) < 8:
        raise MicroforgeError(f"the file is {len(data)} bytes long, too short to be a .tflite model",
                              hint="pass a TensorFlow Lite flatbuffer (.tflite)")
    if len(data) > MAX_FILE_BYTES:
        raise MicroforgeError(f"the model is {len(data)} bytes, larger than the {MAX_FILE_BYTES} byte limit")
    if data[4:8] != b"TFL3":
        raise MicroforgeError("not a TensorFlow Lite model (the flatbuffer identifier is not 'TFL3')",
                              hint="pass a .tflite file produced by the TFLite converter")
    try:
        root = schema.Model.GetRootAsModel(data, 0)
        model = schema.ModelT.InitFromObj(root)
    except Exception as e:  # corrupt offsets surface as struct/index/unicode errors deep inside flatbuffers
        raise MicroforgeError(f"the model flatbuffer is corrupt or truncated ({type(e).__name__}: {e})",
                              hint="re-export the model; the file may be damaged") from None
    return model


def _fail(what: str, where: str | None = None, hint: str | None = None) -> MicroforgeError:
    return MicroforgeError(what, where=where, hint=hint or "the model is malformed; re-export it with the TFLite converter")


def _build_graph(model: schema.ModelT, data: bytes, name: str) -> Graph:
    if model.version != 3:
        raise _fail(f"unsupported schema version {model.version} (expected 3)")
    if not model.subgraphs:
        raise _fail("the model has no subgraph")
    if len(model.subgraphs) > 1:
        raise MicroforgeError(
            f"the model has {len(model.subgraphs)} subgraphs; only single-subgraph models are supported",
            hint="control flow (IF, WHILE, CALL_ONCE) is not supported; export a model without it")
    sg = model.subgraphs[0]
    buffers = model.buffers or []
    opcodes = model.operatorCodes or []
    raw_tensors = sg.tensors or []

    tensors = [_tensor(i, t, buffers, data) for i, t in enumerate(raw_tensors)]

    def tensor_at(idx: int, where: str, optional: bool = False) -> Tensor | None:
        if idx == -1 and optional:
            return None
        if not 0 <= idx < len(tensors):
            raise _fail(f"tensor index {idx} out of range (the subgraph has {len(tensors)} tensors)", where)
        return tensors[idx]

    ops: list[Op] = []
    for i, o in enumerate(sg.operators or []):
        if not 0 <= o.opcodeIndex < len(opcodes):
            raise _fail(f"opcode index {o.opcodeIndex} out of range", f"op {i}")
        oc = opcodes[o.opcodeIndex]
        code = max(int(oc.builtinCode), int(oc.deprecatedBuiltinCode))
        opname = builtin_name(code)
        where = f"op {i} ({opname})"
        if code == schema.BuiltinOperator.CUSTOM:
            cname = oc.customCode.decode(errors="replace") if isinstance(oc.customCode, bytes) else oc.customCode
            raise MicroforgeError(f"custom operator '{cname}' is not supported", where=f"op {i} (CUSTOM)",
                                  hint="supported operators: " + ", ".join(supported_builtins()))
        if code not in OP_TABLE:
            raise MicroforgeError(f"operator {opname} is not supported", where=where,
                                  hint="supported operators: " + ", ".join(supported_builtins())
                                  + "; replace or remove it before converting")
        op_type = OP_TABLE[code][0]
        try:
            options = read_options(code, o.builtinOptions)
        except Exception as e:
            raise _fail(f"unreadable builtin options ({e})", where) from None
        if code == schema.BuiltinOperator.PADV2:
            options["v2"] = True
        ins = [tensor_at(int(t), where, optional=True) for t in (o.inputs if o.inputs is not None else [])]
        outs = [tensor_at(int(t), where) for t in (o.outputs if o.outputs is not None else [])]
        if not outs:
            raise _fail("operator has no outputs", where)
        ops.append(Op(index=i, type=op_type, inputs=ins, outputs=outs, options=options, name=f"{i}_{op_type.value.lower()}"))

    def io(idxs, kind) -> list[Tensor]:
        if idxs is None or len(idxs) == 0:
            raise _fail(f"the subgraph declares no {kind}s")
        out = [tensor_at(int(t), f"subgraph {kind}s") for t in idxs]
        if len({id(t) for t in out}) != len(out):
            raise _fail(f"the subgraph lists the same {kind} twice")
        return out

    graph = Graph(tensors=tensors, ops=ops, inputs=io(sg.inputs, "input"), outputs=io(sg.outputs, "output"), name=name)
    for t in graph.inputs + graph.outputs:
        if t.is_const:
            raise _fail(f"graph input/output '{t.name}' has constant data")
    verify(graph)
    return graph


def _tensor(i: int, t: schema.TensorT, buffers: list, data: bytes) -> Tensor:
    tname = t.name.decode(errors="replace") if isinstance(t.name, bytes) else (t.name or f"tensor_{i}")
    where = f"tensor {i} ('{tname}')"
    if t.type not in _DTYPES:
        raise MicroforgeError(f"tensor type {_TYPE_NAMES.get(t.type, t.type)} is not supported", where=where,
                              hint="convert the model to int8 (full-integer post-training quantisation)")
    dtype = _DTYPES[t.type]
    shape = tuple(int(d) for d in (t.shape if t.shape is not None else []))
    if len(shape) > MAX_RANK:
        raise _fail(f"rank {len(shape)} exceeds the supported maximum of {MAX_RANK}", where)
    if any(d <= 0 for d in shape):
        sig = "" if t.shapeSignature is None else f" (signature {list(t.shapeSignature)})"
        raise _fail(f"shape {list(shape)} has a zero, negative or dynamic dimension{sig}", where,
                    hint="export the model with fixed, positive shapes (batch size 1)")
    if math.prod(shape) > MAX_TENSOR_ELEMENTS:
        raise _fail(f"shape {list(shape)} has {math.prod(shape)} elements, more than the limit of {MAX_TENSOR_ELEMENTS}", where,
                    hint="no microcontroller can hold this tensor")
    if t.isVariable:
        raise MicroforgeError("variable (stateful) tensors are not supported", where=where)
    if t.sparsity is not None:
        raise MicroforgeError("sparse tensors are not supported", where=where, hint="export dense weights")

    quant = _quant(t.quantization, dtype, shape, where)

    const = None
    if not 0 <= t.buffer < max(len(buffers), 1):
        raise _fail(f"buffer index {t.buffer} out of range ({len(buffers)} buffers)", where)
    if buffers and t.buffer > 0:
        b = buffers[t.buffer]
        raw = None
        if b.offset and b.offset > 1:
            if b.offset + b.size > len(data):
                raise _fail(f"buffer {t.buffer} points past the end of the file (offset {b.offset}, size {b.size})", where)
            raw = np.frombuffer(data, dtype=np.uint8, count=b.size, offset=b.offset)
        elif b.data is not None and len(b.data) > 0:
            raw = np.asarray(b.data, dtype=np.uint8)
        if raw is not None:
            n = math.prod(shape) * dtype.size
            if raw.size != n:
                raise _fail(f"buffer {t.buffer} holds {raw.size} bytes but shape {list(shape)} of {dtype.name} needs {n}", where)
            const = raw.view(dtype.np).reshape(shape).copy()
    return Tensor(index=i, name=tname, shape=shape, dtype=dtype, quant=quant, data=const)


def _quant(q: schema.QuantizationParametersT | None, dtype: DType, shape: tuple[int, ...], where: str) -> Quant | None:
    if q is None or q.scale is None or len(q.scale) == 0:
        return None
    scale = np.asarray(q.scale, dtype=np.float32).reshape(-1)
    zp = np.asarray(q.zeroPoint if q.zeroPoint is not None else np.zeros(len(scale)), dtype=np.int64).reshape(-1)
    if len(zp) != len(scale):
        raise _fail(f"quantisation has {len(scale)} scales but {len(zp)} zero points", where)
    axis = int(q.quantizedDimension)
    if len(scale) > 1:
        if not 0 <= axis < len(shape):
            raise _fail(f"quantised dimension {axis} is out of range for shape {list(shape)}", where)
        if shape[axis] != len(scale):
            raise _fail(f"per-channel quantisation has {len(scale)} scales but dimension {axis} has {shape[axis]} channels", where)
    if not np.all(np.isfinite(scale)) or np.any(scale <= 0):
        raise _fail(f"quantisation scale must be finite and positive (got {scale[~(np.isfinite(scale) & (scale > 0))][:3].tolist()})", where)
    lo, hi = _ZP_RANGE.get(dtype, (-(1 << 31), (1 << 31) - 1))
    if dtype in (DType.INT8, DType.UINT8) and (zp.min() < lo or zp.max() > hi):
        raise _fail(f"zero point out of range [{lo}, {hi}] for {dtype.name}", where)
    return Quant(scale=scale, zero_point=zp, axis=axis)
