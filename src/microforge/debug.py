"""Layer diff: run one input through TFLM and through the compiled model and name the first layer that differs.

Mechanism: `expose_intermediates` rewrites the flatbuffer so that every op's output is also a subgraph output;
then TFLM and microforge both hand back every intermediate tensor (the planner keeps them all alive: a debug
build) and they are compared op by op in execution order.

>>> r = verify("model.tflite", target="m4")
>>> r.identical, r.first_mismatch, print(r.to_text(layers=True))
"""
from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import flatbuffers
import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from .errors import MicroforgeError
from .sim.run import random_inputs
from .targets import get_target

_OP_NAMES = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
_ARENA_SIZES = (1 << 20, 8 << 20, 64 << 20)


def _read(model: str | Path | bytes) -> bytes:
    if isinstance(model, (bytes, bytearray)):
        return bytes(model)
    try:
        return Path(model).read_bytes()
    except OSError as e:
        raise MicroforgeError(f"cannot read '{model}': {e.strerror}", hint="pass the path of a .tflite file") from None


def _unpack(data: bytes) -> schema.ModelT:
    try:
        return schema.ModelT.InitFromPackedBuf(data, 0)
    except Exception as e:  # a broken flatbuffer: the compiler's frontend gives the detailed message
        raise MicroforgeError(f"not a readable .tflite flatbuffer ({type(e).__name__})",
                              hint="`microforge compile` names what is wrong with it") from None


def expose_intermediates(model: str | Path | bytes) -> bytes:
    """The model with every op output of subgraph 0 appended to its outputs, in execution order."""
    m = _unpack(_read(model))
    sg = m.subgraphs[0]
    outs = [int(t) for t in (sg.outputs if sg.outputs is not None else [])]
    ins = {int(t) for t in (sg.inputs if sg.inputs is not None else [])}
    for op in sg.operators or []:
        for t in (op.outputs if op.outputs is not None else []):
            t = int(t)
            if t >= 0 and t not in outs and t not in ins:
                outs.append(t)
    sg.outputs = outs
    b = flatbuffers.Builder(1024)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


@dataclass
class LayerDiff:
    """One op's output compared: `differing` of `elements` differ, by at most `max_diff`."""

    op_index: int         # position in the model's operator list
    op: str               # builtin name, e.g. CONV_2D
    tensor: str
    elements: int
    differing: int
    max_diff: float
    compared: bool = True  # False when microforge does not materialise this tensor (e.g. folded away)

    @property
    def identical(self) -> bool:
        return self.compared and self.differing == 0

    def describe(self) -> str:
        if not self.compared:
            return f"op {self.op_index} {self.op} -> '{self.tensor}': not compared (folded into another layer)"
        if self.identical:
            return f"op {self.op_index} {self.op} -> '{self.tensor}': identical ({self.elements:,} elements)"
        return (f"op {self.op_index} {self.op} -> '{self.tensor}': {self.differing:,} of {self.elements:,} elements "
                f"differ, max difference {self.max_diff:g}")


@dataclass
class VerifyResult:
    target: str
    layers: list[LayerDiff] = field(default_factory=list)
    outputs: list[LayerDiff] = field(default_factory=list)   # the model's own outputs
    pools: list[dict] | None = None   # memory=: [{pool, used, capacity}] of the debug build (every intermediate kept)

    @property
    def identical(self) -> bool:
        return all(d.identical or not d.compared for d in self.layers + self.outputs)

    @property
    def first_mismatch(self) -> LayerDiff | None:
        return next((d for d in self.layers if d.compared and not d.identical), None)

    def to_text(self, layers: bool = False) -> str:
        from .footprint import pools_text

        lines = [f"  {d.describe()}" for d in self.layers] if layers else []
        if self.pools:
            lines.insert(0, pools_text(self.pools) + "; every layer output kept alive for the diff")
        first = self.first_mismatch
        if first is None and self.identical:
            lines.append(f"identical: all {sum(d.compared for d in self.layers)} layer outputs on {self.target} "
                         "match TFLM byte for byte")
        elif first is not None:
            lines.append(f"MISMATCH on {self.target}: first differing layer is {first.describe()}")
        else:
            lines.append(f"MISMATCH on {self.target}: " + "; ".join(d.describe() for d in self.outputs if not d.identical))
        return "\n".join(lines)


def _diff(op_index: int, op: str, tensor: str, ref: np.ndarray | None, got: np.ndarray | None) -> LayerDiff:
    if ref is None or got is None:
        return LayerDiff(op_index, op, tensor, 0, 0, 0.0, compared=False)
    ref, got = np.asarray(ref).reshape(-1), np.asarray(got).reshape(-1)
    if ref.shape != got.shape or ref.dtype != got.dtype:
        return LayerDiff(op_index, op, tensor, ref.size, ref.size, float("inf"))
    if ref.dtype.kind == "f":
        neq = ~((ref == got) | (np.isnan(ref) & np.isnan(got)))
        diff = np.abs(ref.astype(np.float64) - got.astype(np.float64))
    else:
        neq = ref != got
        diff = np.abs(ref.astype(np.int64) - got.astype(np.int64))
    return LayerDiff(op_index, op, tensor, ref.size, int(neq.sum()), float(diff[neq].max()) if neq.any() else 0.0)


def run_tflm(model: bytes, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
    """One inference in TFLM's reference interpreter (the oracle); copies of every subgraph output."""
    import tflite_micro

    last: Exception | None = None
    for arena in _ARENA_SIZES:
        try:
            it = tflite_micro.runtime.Interpreter.from_bytes(bytes(model), arena_size=arena)
            break
        except Exception as e:  # arena too small, or TFLM rejects the model
            last = e
    else:
        raise MicroforgeError(f"TFLM (the reference) cannot load the model: {last}",
                              hint="verify needs a model TFLM itself runs") from None
    for i, x in enumerate(inputs):
        it.set_input(np.ascontiguousarray(x), i)
    it.invoke()
    n = len(_unpack(model).subgraphs[0].outputs)
    return [np.array(it.get_output(i), copy=True) for i in range(n)]


def verify(model: str | Path | bytes, target: str = "host", reference: str | Path | bytes | None = None,
           inputs: Sequence[np.ndarray] | None = None, seed: int = 0, memory: str | None = None) -> VerifyResult:
    """Compile `model` for `target`, run it and TFLM (on `reference`, default the same model) on the same input
    (given, or seeded random) and compare every layer's output. `reference` must have the same tensors in the
    same order (e.g. the original of a model whose weights were edited). `memory`: activation pools, fastest
    first ("dtcm:64K,sram:256K", as `--memory`); the debug build keeps every layer output alive, so the pools
    must hold more than the plain model needs."""
    from .driver import compile_model

    t = get_target(target)
    debug_model = expose_intermediates(model)
    debug_ref = expose_intermediates(reference) if reference is not None else debug_model
    cm = compile_model(debug_model, target=t.name, memory=memory)
    xs = list(inputs) if inputs is not None else random_inputs(cm.graph.inputs, seed)
    for i, (x, tin) in enumerate(zip(xs, cm.graph.inputs)):
        if np.asarray(x).dtype != tin.dtype.np or np.asarray(x).size != tin.num_elements:
            raise MicroforgeError(f"input {i} is {np.asarray(x).dtype} {list(np.shape(x))}; the model expects "
                                  f"{tin.dtype.np} {list(tin.shape)}", hint="pass arrays of the model's input shape and dtype")
    xs = [np.asarray(x).reshape(tin.shape) for x, tin in zip(xs, cm.graph.inputs)]

    ref_outs = run_tflm(debug_ref, xs)
    ref_sg = _unpack(debug_ref).subgraphs[0]
    ref_by_tensor = {int(ti): y for ti, y in zip(ref_sg.outputs, ref_outs)}

    if t.is_host:
        from .toolchain.host import build_host

        with tempfile.TemporaryDirectory(prefix="microforge-verify-") as tmp:
            got = build_host(cm, Path(tmp)).run(xs)
    else:
        from .sim.run import run_on_target

        got = run_on_target(cm, t, xs).outputs
    got_by_tensor = {tt.index: y for tt, y in zip(cm.graph.outputs, got)}

    m = _unpack(debug_model)
    sg = m.subgraphs[0]
    codes = [max(int(c.builtinCode), int(c.deprecatedBuiltinCode)) for c in m.operatorCodes]
    names = [(tt.name.decode() if isinstance(tt.name, bytes) else str(tt.name)) for tt in sg.tensors]
    result = VerifyResult(target=t.name, pools=cm.pool_usage)
    for k, op in enumerate(sg.operators or []):
        opname = _OP_NAMES.get(codes[op.opcodeIndex], f"op{codes[op.opcodeIndex]}")
        for ti in op.outputs:
            ti = int(ti)
            result.layers.append(_diff(k, opname, names[ti], ref_by_tensor.get(ti), got_by_tensor.get(ti)))
    original_outputs = _unpack(_read(model)).subgraphs[0].outputs
    for ti in original_outputs:
        ti = int(ti)
        result.outputs.append(_diff(-1, "output", names[ti], ref_by_tensor.get(ti), got_by_tensor.get(ti)))
    return result
