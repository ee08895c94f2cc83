"""Model mutators and the fuzz verdict (MicroforgeError, or code bit-exact with TFLM), shared by tests and tools/fuzz.py."""
from __future__ import annotations

import math
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import flatbuffers
import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from microforge import modelgen
from microforge.driver import compile_model
from microforge.errors import MicroforgeError

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent
SHARED = TESTS.parents[1] / "shared" / "models"
SHARED_MODELS = ("mlperf_tiny/ad.tflite", "mlperf_tiny/ic.tflite", "mlperf_tiny/kws.tflite", "mlperf_tiny/vww.tflite",
                 "seed/mobilenetv2_0.30_80x80.tflite")
GENERATED = {
    "example": modelgen.example_model,
    "conv2d": lambda: modelgen.conv2d_model(1),
    "depthwise": lambda: modelgen.depthwise_model(2, depth_multiplier=2),
    "fc": lambda: modelgen.fc_model(3),
    "pad": lambda: modelgen.pad_model(v2=True),
    "quantize": lambda: modelgen.quantize_model(),
    "dequantize": lambda: modelgen.dequantize_model(),
}
MAX_BUILD_CONST_BYTES = 400_000   # larger models take too long to build with the host compiler in a test
MAX_BUILD_MACS = 50_000_000
MAX_BUILD_ARENA = 8 << 20


def load_model(name: str) -> bytes | None:
    """Bytes of a generated model or of ../shared/models/<name>; None when the shared model is absent."""
    if name in GENERATED:
        return GENERATED[name]()
    path = SHARED / name
    return path.read_bytes() if path.is_file() else None


# ---- byte-level mutators -----------------------------------------------------------------------

def bit_flips(rng: np.random.Generator, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(int(rng.integers(1, 9))):
        pos = int(rng.integers(0, len(b)))
        b[pos] ^= 1 << int(rng.integers(0, 8))
    return bytes(b)


def truncate(rng: np.random.Generator, data: bytes) -> bytes:
    cut = int(rng.integers(0, len(data))) if rng.random() < 0.5 else int(len(data) * rng.uniform(0.9, 1.0))
    return data[:cut]


_INTERESTING_U32 = (0, 1, 4, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFFFC, 0x10000, 0x00FFFFFF)


def splice_offsets(rng: np.random.Generator, data: bytes) -> bytes:
    """Overwrite aligned words with interesting values, random in-file offsets or a copy of another word."""
    b = bytearray(data)
    # the metadata (header, tables, vectors) of a .tflite lives mostly at the start and the end of the file
    regions = [(0, min(len(b), 4096)), (max(0, len(b) - 8192), len(b)), (0, len(b))]
    for _ in range(int(rng.integers(1, 4))):
        lo, hi = regions[int(rng.integers(0, len(regions)))]
        pos = (int(rng.integers(lo, max(lo + 1, hi - 4))) // 4) * 4
        kind = rng.integers(0, 3)
        if kind == 0:
            v = _INTERESTING_U32[int(rng.integers(0, len(_INTERESTING_U32)))]
        elif kind == 1:
            v = int(rng.integers(0, len(b) + 64))
        else:
            src = (int(rng.integers(0, len(b) - 4)) // 4) * 4
            v = int.from_bytes(b[src:src + 4], "little")
        b[pos:pos + 4] = (v & 0xFFFFFFFF).to_bytes(4, "little")
    return bytes(b)


# ---- object-API mutators: (rng, ModelT) -> None, edit in place ----------------------------------

_HOSTILE_NAMES = ("*/ int evil; /*", "a\nb\r\n#define X 1", "#include <stdio.h>", "ünïcødé/名前/🙂", "x" * 5000, "int",
                  "static", "__builtin", "0starts_with_digit", "", "\\", "\"quoted\"", "??/ trigraph", "\x00\x01\x7f")


def _pick(rng, seq):
    return seq[int(rng.integers(0, len(seq)))]


def _tensors(m: schema.ModelT) -> list[schema.TensorT]:
    return m.subgraphs[0].tensors or []


def _ops(m: schema.ModelT) -> list[schema.OperatorT]:
    return m.subgraphs[0].operators or []


def edit_shape(rng, m) -> None:
    t = _pick(rng, _tensors(m))
    shape = [int(d) for d in (t.shape if t.shape is not None else [])]
    choice = int(rng.integers(0, 7))
    if choice == 0 and shape:
        shape[int(rng.integers(0, len(shape)))] = int(_pick(rng, (0, -1, -7, 1 << 30, 2 ** 31 - 1)))
    elif choice == 1:
        shape = [1] * int(rng.integers(7, 12))
    elif choice == 2:
        shape = [65536, 65536, 4]
    elif choice == 3 and shape:
        i = int(rng.integers(0, len(shape)))
        shape[i] = max(1, shape[i] + int(_pick(rng, (-1, 1, 2))))
    elif choice == 4:
        shape = []
    elif choice == 5 and len(shape) > 1:
        shape = shape[1:]
    else:
        shape = shape + [1]
    t.shape = np.array(shape, dtype=np.int64).astype(np.int32) if shape else []


def edit_type(rng, m) -> None:
    t = _pick(rng, _tensors(m))
    t.type = int(_pick(rng, (schema.TensorType.FLOAT32, schema.TensorType.INT16, schema.TensorType.UINT8,
                             schema.TensorType.INT32, schema.TensorType.FLOAT16, schema.TensorType.BOOL,
                             schema.TensorType.STRING, schema.TensorType.COMPLEX64, 99)))


def edit_quant(rng, m) -> None:
    t = _pick(rng, [t for t in _tensors(m) if t.quantization is not None and t.quantization.scale is not None]
               or _tensors(m))
    q = t.quantization or schema.QuantizationParametersT()
    t.quantization = q
    scale = list(np.asarray(q.scale if q.scale is not None and len(q.scale) else [0.1], np.float32))
    zp = list(np.asarray(q.zeroPoint if q.zeroPoint is not None and len(q.zeroPoint) else [0] * len(scale), np.int64))
    choice = int(rng.integers(0, 9))
    if choice == 0:
        scale[int(rng.integers(0, len(scale)))] = float(_pick(rng, (0.0, -0.5, math.nan, math.inf, 1e-45, 3e38)))
    elif choice == 1:
        scale = scale + [0.1]
    elif choice == 2:
        zp[int(rng.integers(0, len(zp)))] = int(_pick(rng, (128, -129, 255, 1 << 40, -(1 << 33))))
    elif choice == 3:
        zp = zp[:-1] if len(zp) > 1 else zp + [0]
    elif choice == 4:
        q.quantizedDimension = int(_pick(rng, (-1, 3, 7, 1 << 20)))
    elif choice in (5, 6):  # a plausible rescale: should still compile and match TFLM
        scale = [float(s * rng.uniform(0.2, 5.0)) for s in scale]
    elif choice == 7:
        zp = [int(rng.integers(-128, 128)) for _ in zp]
    else:
        scale, zp = [], []
    q.scale = np.array(scale, np.float32)
    q.zeroPoint = np.array(zp, np.int64)


def edit_buffer(rng, m) -> None:
    consts = [t for t in _tensors(m) if t.buffer and t.buffer < len(m.buffers) and m.buffers[t.buffer].data is not None]
    choice = int(rng.integers(0, 5))
    if choice == 0 or not consts:
        _pick(rng, _tensors(m)).buffer = int(_pick(rng, (len(m.buffers), len(m.buffers) + 1000, 2 ** 31 - 1)))
    elif choice == 1:
        b = m.buffers[_pick(rng, consts).buffer]
        b.data = np.asarray(b.data)[:-int(rng.integers(1, 5))]
    elif choice == 2:
        b = m.buffers[_pick(rng, consts).buffer]
        b.offset, b.size = int(rng.integers(2, 1 << 40)), int(rng.integers(1, 1 << 40))
    elif choice == 3:
        _pick(rng, consts).buffer = _pick(rng, consts).buffer
    else:
        _pick(rng, _tensors(m)).buffer = _pick(rng, consts).buffer


def edit_weights(rng, m) -> None:
    """Random bytes in one constant buffer: the model stays valid and must still match TFLM."""
    consts = [t for t in _tensors(m) if t.buffer and t.buffer < len(m.buffers) and m.buffers[t.buffer].data is not None
              and t.type == schema.TensorType.INT8]
    if not consts:
        return
    b = m.buffers[_pick(rng, consts).buffer]
    data = np.array(b.data, dtype=np.uint8)
    idx = rng.integers(0, len(data), max(1, len(data) // 10))
    data[idx] = rng.integers(0, 256, len(idx), dtype=np.uint8)
    b.data = data


def edit_op_io(rng, m) -> None:
    o = _pick(rng, _ops(m))
    field = "inputs" if rng.random() < 0.6 else "outputs"
    idx = [int(i) for i in (getattr(o, field) if getattr(o, field) is not None else [])]
    n = len(_tensors(m))
    choice = int(rng.integers(0, 5))
    if choice == 0 and idx:
        idx[int(rng.integers(0, len(idx)))] = int(_pick(rng, (-1, n, n + 100, -5, 2 ** 31 - 1)))
    elif choice == 1 and idx:
        idx[int(rng.integers(0, len(idx)))] = int(rng.integers(0, n))
    elif choice == 2 and idx:
        idx = idx[:-1]
    elif choice == 3:
        idx = idx + [int(rng.integers(0, n))]
    else:
        idx = list(reversed(idx))
    setattr(o, field, np.array(idx, np.int32))


def edit_op_order(rng, m) -> None:
    ops = _ops(m)
    if len(ops) < 2:
        return
    i, j = rng.choice(len(ops), 2, replace=False)
    ops[i], ops[j] = ops[j], ops[i]


def edit_opcode(rng, m) -> None:
    oc = _pick(rng, m.operatorCodes)
    code = int(_pick(rng, (schema.BuiltinOperator.LSTM, schema.BuiltinOperator.IF, schema.BuiltinOperator.WHILE,
                           schema.BuiltinOperator.CUSTOM, schema.BuiltinOperator.TANH, schema.BuiltinOperator.CONV_2D,
                           schema.BuiltinOperator.ADD, schema.BuiltinOperator.MEAN, schema.BuiltinOperator.RESHAPE,
                           schema.BuiltinOperator.SOFTMAX, 250, 10000)))
    oc.builtinCode, oc.deprecatedBuiltinCode = code, min(code, 127)
    if code == schema.BuiltinOperator.CUSTOM:
        oc.customCode = "TFLite_Detection_PostProcess"
    if rng.random() < 0.2:
        _pick(rng, _ops(m)).opcodeIndex = int(_pick(rng, (len(m.operatorCodes), 2 ** 31 - 1)))


def edit_options(rng, m) -> None:
    o = _pick(rng, _ops(m))
    if o.builtinOptions is None or rng.random() < 0.15:
        o.builtinOptionsType = schema.BuiltinOptions.Pool2DOptions
        o.builtinOptions = schema.Pool2DOptionsT()
        return
    opts = o.builtinOptions
    fields = [k for k, v in vars(opts).items() if isinstance(v, (int, float, bool))]
    if not fields:
        return
    f = _pick(rng, fields)
    v = getattr(opts, f)
    if isinstance(v, bool):
        setattr(opts, f, not v)
    elif isinstance(v, float):
        setattr(opts, f, float(_pick(rng, (0.0, -1.0, math.nan, math.inf, 1e30, 0.5))))
    else:
        setattr(opts, f, int(_pick(rng, (0, -1, 2, 3, 5, 7, 100, 127))))


def edit_graph_io(rng, m) -> None:
    sg = m.subgraphs[0]
    n = len(_tensors(m))
    choice = int(rng.integers(0, 5))
    if choice == 0:
        sg.inputs = np.array([], np.int32)
    elif choice == 1:
        sg.outputs = np.array(list(sg.outputs) * 2, np.int32)
    elif choice == 2:
        sg.inputs = np.array([int(rng.integers(0, n))], np.int32)
    elif choice == 3:
        sg.outputs = np.array([int(rng.integers(0, n))], np.int32)
    else:
        sg.inputs = np.array([n + 3], np.int32)


def edit_structure(rng, m) -> None:
    choice = int(rng.integers(0, 4))
    if choice == 0:
        m.subgraphs = m.subgraphs + [m.subgraphs[0]]
    elif choice == 1:
        m.version = int(_pick(rng, (0, 2, 4, 255)))
    elif choice == 2:
        m.subgraphs = []
    else:
        _pick(rng, _tensors(m)).isVariable = True


def edit_names(rng, m) -> None:
    """Hostile tensor names: the model stays valid and must compile to safe C."""
    ts = _tensors(m)
    for t in ts:
        if rng.random() < 0.5:
            t.name = _pick(rng, _HOSTILE_NAMES)
    if len(ts) > 1:
        ts[1].name = ts[0].name  # a duplicate


BYTE_MUTATORS: dict[str, Callable] = {"bit_flips": bit_flips, "truncate": truncate, "splice_offsets": splice_offsets}
OBJECT_MUTATORS: dict[str, Callable] = {
    "shape": edit_shape, "type": edit_type, "quant": edit_quant, "buffer": edit_buffer, "weights": edit_weights,
    "op_io": edit_op_io, "op_order": edit_op_order, "opcode": edit_opcode, "options": edit_options,
    "graph_io": edit_graph_io, "structure": edit_structure, "names": edit_names,
}
MUTATORS = {**BYTE_MUTATORS, **OBJECT_MUTATORS}


def mutate(kind: str, data: bytes, seed: int) -> bytes:
    """One mutant of `data` by mutator `kind`, deterministic in `seed`."""
    rng = np.random.default_rng(seed)
    if kind in BYTE_MUTATORS:
        return BYTE_MUTATORS[kind](rng, data)
    m = schema.ModelT.InitFromObj(schema.Model.GetRootAs(data, 0))
    for _ in range(1 if rng.random() < 0.8 else 2):
        if not m.subgraphs or not _tensors(m) or not _ops(m) or not m.operatorCodes:
            break  # an earlier edit removed what the mutators work on
        OBJECT_MUTATORS[kind](rng, m)
    return pack(m)


def pack(m: schema.ModelT) -> bytes:
    b = flatbuffers.Builder(1024)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


# ---- the verdict -------------------------------------------------------------------------------

@dataclass
class Verdict:
    outcome: str          # "rejected" (MicroforgeError), "compiled", "match", "tflm_rejects"
    detail: str = ""
    cm: object = None


def compile_or_reject(data: bytes) -> Verdict:
    """Compile; a MicroforgeError is a fine outcome, any other exception propagates (a bug)."""
    try:
        cm = compile_model(data)
    except MicroforgeError as e:
        assert e.message and "Traceback" not in e.message
        return Verdict("rejected", e.message)
    return Verdict("compiled", cm=cm)


def buildable(cm) -> bool:
    return cm.const_bytes <= MAX_BUILD_CONST_BYTES and cm.macs <= MAX_BUILD_MACS and cm.arena_bytes <= MAX_BUILD_ARENA


def random_inputs(cm, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    xs = []
    for t in cm.graph.inputs:
        if np.issubdtype(t.dtype.np, np.integer):
            info = np.iinfo(t.dtype.np)
            xs.append(rng.integers(info.min, info.max, t.shape, endpoint=True, dtype=t.dtype.np))
        else:
            xs.append(np.asarray(rng.standard_normal(t.shape) * 4, dtype=t.dtype.np))
    return xs


def oracle_in_subprocess(data: bytes, inputs: list[np.ndarray], timeout: float = 120) -> list[np.ndarray] | str:
    """Run TFLM on `data` in a child process (TFLM may abort on hostile input); outputs, or why it failed."""
    with tempfile.TemporaryDirectory(prefix="mf-oracle-") as tmp:
        model, ins, outs = Path(tmp, "m.tflite"), Path(tmp, "in.npz"), Path(tmp, "out.npz")
        model.write_bytes(data)
        np.savez(ins, *inputs)
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]))
        try:
            r = subprocess.run([sys.executable, str(HERE / "oracle_worker.py"), str(model), str(ins), str(outs)],
                               capture_output=True, text=True, timeout=timeout, env=env)
        except subprocess.TimeoutExpired:
            return "TFLM timed out"
        if r.returncode != 0 or not outs.exists():
            return f"TFLM failed (exit {r.returncode}): {r.stderr.strip().splitlines()[-1:] or ''}"
        with np.load(outs) as z:
            return [z[f"arr_{i}"] for i in range(len(z.files))]


def build_and_compare(data: bytes, cm, workdir: Path, seed: int = 0) -> Verdict:
    """Build cm on the host and compare one random inference with TFLM byte for byte."""
    from microforge.toolchain.host import build_host

    xs = random_inputs(cm, seed)
    ref = oracle_in_subprocess(data, xs)
    if isinstance(ref, str):
        return Verdict("tflm_rejects", ref, cm)
    got = build_host(cm, workdir).run(xs)
    if len(got) != len(ref):
        raise AssertionError(f"{len(got)} outputs, TFLM has {len(ref)}")
    for i, (g, r) in enumerate(zip(got, ref)):
        if g.dtype != r.dtype or g.shape != tuple(r.shape) or g.tobytes() != r.tobytes():
            raise AssertionError(f"output {i} differs from TFLM: {g.dtype}{list(g.shape)} vs {r.dtype}{list(r.shape)}, "
                                 f"{int(np.sum(g.reshape(-1) != r.reshape(-1))) if g.size == r.size else '?'} elements differ")
    return Verdict("match", cm=cm)
