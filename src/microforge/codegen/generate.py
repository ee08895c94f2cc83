"""Planned graph -> C sources: model.h / model.c from templates plus the runtime kernels they use."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import jinja2
import numpy as np

from .. import __version__
from ..ir import Graph, Op, Tensor
from ..ops import layer_name, opdef
from .cformat import c_array_body, c_comment, c_identifier, c_scalar

RUNTIME_COMMON = ("mf_common.h",)
_INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)   # a runtime file's own includes


@dataclass(frozen=True)
class Arena:
    """One activation array of model.c: the single arena (pool None), or one memory pool's (--memory).

    >>> Arena(None, 4096).symbol, Arena("dtcm", 4096).section
    ('mf_arena', '.bss.mf_arena_dtcm')
    """

    pool: str | None
    nbytes: int
    capacity: int | None = None   # the pool's capacity (bytes), for comments and reports

    @property
    def suffix(self) -> str:
        return f"_{self.pool}" if self.pool else ""

    @property
    def symbol(self) -> str:
        return "mf_arena" + self.suffix

    @property
    def section(self) -> str:
        """The input section: `.bss.` so that any linker script's .bss.* rule takes it (no load image) by default."""
        return ".bss." + self.symbol

    @property
    def section_macro(self) -> str:
        return f"MF_ARENA{self.suffix.upper()}_SECTION"

    @property
    def bytes_macro(self) -> str:
        return f"MF_MODEL_ARENA{self.suffix.upper()}_BYTES"

    @property
    def setter(self) -> str:
        return "mf_model_set_arena" + self.suffix


@dataclass
class Layer:
    index: int
    op: Op
    comment: str
    code: str
    # The flash constants this layer emitted first, symbol -> kind: "tensor" (a .tflite array as it is), "derived"
    # (re-laid weights, folded biases, multipliers, shifts, tables), "params" (its parameter struct). The flash
    # account (footprint.flash_account) sizes them in the linked image.
    constants: dict[str, str] = field(default_factory=dict)


class _Ctx:
    """The EmitContext handed to ops (see ops/base.py)."""

    def __init__(self, offsets: dict[int, tuple[str, int]], const_of: dict[int, Tensor], kernel_variants: tuple[str, ...],
                 core_macro: str | None = None):
        self.kernel_variants = kernel_variants  # runtime folders in use, best first: ops may re-lay weights for them
        self.core_macro = core_macro            # the core's MF_TARGET_* macro (None: host): per-core kernel choices
        self.offsets = offsets          # id(tensor) -> (arena symbol, offset)
        self.const_of = const_of        # id(tensor) -> constant tensor whose bytes it reuses
        self.consts: list[dict[str, Any]] = []
        self.params_list: list[dict[str, Any]] = []
        self.functions: list[str] = []          # file-scope helper functions (function()), after the parameters
        self._function_ids: dict[tuple, str] = {}
        self.states: dict[int, dict[str, Any]] = {}   # id(variable tensor) -> its static buffer
        self._names: set[str] = set()
        self._const_ids: dict[int, str] = {}
        self._named: dict[tuple, str] = {}      # (name, dtype, bytes) -> identifier: band calls share their constants
        self._params_ids: dict[tuple, str] = {}  # (layer, ctype, fields) -> identifier: equal bands share one struct
        self._views: dict[int, tuple[Tensor, str]] = {}
        self.layer = ""
        self.owned: dict[str, str] = {}   # constants first emitted by the current layer (Layer.constants)
        self.free: list[tuple[str, int, int]] = []   # the current layer's free arena runs (room)

    def _unique(self, base: str) -> str:
        name, n = base, 1
        while name in self._names:
            n += 1
            name = f"{base}_{n}"
        self._names.add(name)
        return name

    def view(self, t: Tensor, of: Tensor, byte_offset: str) -> None:
        self._views[id(t)] = (of, byte_offset)

    def place(self, t: Tensor) -> tuple[str, int] | None:
        if id(t) in self._views:
            of, off = self._views[id(t)]
            arena, offset = self.offsets[id(of)]
            return (arena, offset + int(off)) if off.isdigit() else None
        if t.variable or t.is_const or id(t) in self.const_of:
            return None
        return self.offsets[id(t)]

    def room(self) -> list[tuple[str, int, int]]:
        return list(self.free)

    def ptr(self, t: Tensor) -> str:
        if id(t) in self._views:
            of, off = self._views[id(t)]
            arena, offset = self.offsets[id(of)]
            return f"({t.dtype.ctype} *)({arena} + {offset} + {off})"
        if t.variable:
            if id(t) not in self.states:
                # TFLM's ResetTensorData fills an int8 variable tensor with its zero point, any other with 0
                init = int(t.quant.zp) if t.dtype.np == np.int8 and t.quant is not None else 0
                self.states[id(t)] = dict(name=self._unique("mf_state_" + c_identifier(t.name)), ctype=t.dtype.ctype,
                                          count=t.num_elements, comment=c_comment(f"tensor {t.index} '{t.name}' {list(t.shape)}"),
                                          init=init)
            return f"({t.dtype.ctype} *){self.states[id(t)]['name']}"
        if t.is_const or id(t) in self.const_of:
            return f"(const {t.dtype.ctype} *){self.const(self.const_of.get(id(t), t))}"
        arena, offset = self.offsets[id(t)]
        return f"({t.dtype.ctype} *)({arena} + {offset})"

    def const(self, tensor_or_name, array: np.ndarray | None = None) -> str:
        if isinstance(tensor_or_name, Tensor):
            t = tensor_or_name
            if id(t) in self._const_ids:
                return self._const_ids[id(t)]
            arr, comment = t.data, f"tensor {t.index} '{t.name}' {list(t.shape)}"
            name = self._unique("w_" + c_identifier(t.name))
            self._const_ids[id(t)] = name
            self.owned[name] = "tensor"
        else:
            arr = np.ascontiguousarray(array)
            key = (tensor_or_name, arr.dtype.str, arr.shape, arr.tobytes())
            if key in self._named:
                return self._named[key]
            comment = f"{self.layer}: {tensor_or_name}"
            name = self._named[key] = self._unique("c_" + c_identifier(tensor_or_name))
            self.owned[name] = "derived"
        arr = np.ascontiguousarray(arr)
        ctype = {"int8": "int8_t", "int16": "int16_t", "uint16": "uint16_t", "int32": "int32_t", "uint8": "uint8_t", "float32": "float",
                 "int64": "int64_t", "bool": "uint8_t"}[arr.dtype.name]
        self.consts.append(dict(name=name, ctype=ctype, count=max(arr.size, 1), nbytes=arr.nbytes,
                                comment=c_comment(comment), body=c_array_body(arr) if arr.size else "    0"))
        return name

    def params(self, ctype: str, fields: dict[str, Any]) -> str:
        rendered = [(k, c_scalar(v)) for k, v in fields.items()]
        key = (self.layer, ctype, tuple(rendered))
        if key in self._params_ids:
            return self._params_ids[key]
        name = self._params_ids[key] = self._unique(f"{self.layer}_params")
        self.owned[name] = "params"
        self.params_list.append(dict(name=name, ctype=ctype, fields=rendered))
        return name

    def function(self, key: tuple, base: str, make) -> str:
        """The name of the current layer's file-scope helper function for `key`: its text make(name), emitted once
        after the layer parameters, so calls of equal key share one copy of code an op would otherwise inline at
        each (ops/conv2d.py Conv2D._wino: a row pipeline's Winograd band calls)."""
        key = (self.layer, *key)
        if key not in self._function_ids:
            name = self._function_ids[key] = self._unique(f"{self.layer}_{base}")
            self.functions.append(make(name))
        return self._function_ids[key]


def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("microforge.codegen", "templates"),
                              undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False)


def runtime_source(name: str, variants: tuple[str, ...] = ("portable",)) -> str:
    """The kernel file `name` from the first runtime folder (e.g. dsp/, then portable/) that has it."""
    root = resources.files("microforge.runtime")
    for v in variants:
        f = root.joinpath(v, name)
        if f.is_file():
            return f.read_text()
    raise FileNotFoundError(f"runtime file {name} not in {variants}")


def runtime_closure(names: list[str], variants: tuple[str, ...] = ("portable",)) -> list[str]:
    """`names` and every runtime file they `#include "..."`, transitively, as the chosen variant of each has it (a
    DSP kernel may include a helper file the portable one does not): the files a build needs, each once, in order.

    >>> runtime_closure(["mf_conv2d.h"], ("dsp", "portable"))
    ['mf_conv2d.h', 'mf_common.h', 'mf_fully_connected.h']
    """
    out: list[str] = []
    todo = list(names)
    while todo:
        name = todo.pop(0)
        if name not in out:
            out.append(name)
            todo += _INCLUDE.findall(runtime_source(name, variants))
    return out


def generate(graph: Graph, offsets: dict[int, tuple[str, int]], const_of: dict[int, Tensor], arenas: list[Arena],
             planner: str, source_name: str, kernel_variants: tuple[str, ...] = ("portable",),
             core_macro: str | None = None, rooms: list[list[tuple[str, int, int]]] | None = None
             ) -> tuple[dict[str, str], list[Layer], int]:
    """Returns ({filename: text}, layers, bytes of constants). `offsets` maps id(tensor) -> (arena symbol,
    offset) for the `arenas` declared in model.c; kernels come from the first of `kernel_variants`
    (runtime folders, e.g. ("dsp", "portable")) that has each file. `core_macro` (e.g. "MF_TARGET_M7") is defined
    in model.c before the kernels, so kernels with per-core instruction schedules pick that core's in any build.
    `rooms[i]`: the arena runs no buffer live at op i occupies (memory.free_room), which op i may use as scratch."""
    ctx = _Ctx(offsets, const_of, kernel_variants, core_macro)
    layers, headers = [], []
    for i, op in enumerate(graph.ops):
        d = opdef(op.type)
        ctx.layer = c_identifier(f"L{i}_{op.type.value.lower()}")
        ctx.owned = {}
        ctx.free = rooms[i] if rooms is not None else []
        shape = "x".join(map(str, op.outputs[0].shape))
        code = d.emit(op, ctx)
        layers.append(Layer(i, op, c_comment(f"{layer_name(op)} -> {shape}"), code, ctx.owned))
        for h in d.headers(op):
            if h not in headers:
                headers.append(h)

    def io(t: Tensor) -> dict[str, Any]:
        q = f", scale {float(t.quant.s):.9g}, zero point {t.quant.zp}" if t.quant else ""
        return dict(addr=f"(void *){ctx.ptr(t)}", nbytes=t.nbytes,
                    comment=c_comment(f"'{t.name}' {t.dtype.name.lower()} {list(t.shape)}{q}"))

    const_bytes = sum(c["nbytes"] for c in ctx.consts)
    banner = c_comment(f"Generated by microforge {__version__} from '{source_name}'. Do not edit.")
    common = dict(banner=banner, model_name=c_comment(source_name), num_inputs=len(graph.inputs),
                  num_outputs=len(graph.outputs), inputs=[io(t) for t in graph.inputs],
                  outputs=[io(t) for t in graph.outputs], layers=layers, arenas=arenas,
                  arena_bytes=sum(a.nbytes for a in arenas), pooled=any(a.pool for a in arenas),
                  const_bytes=const_bytes, planner=planner)
    env = _env()
    files = {
        "model.h": env.get_template("model.h.j2").render(guard="MF_MODEL_H", **common),
        "model.c": env.get_template("model.c.j2").render(headers=headers, consts=ctx.consts, states=list(ctx.states.values()),
                                                         params=ctx.params_list, functions=ctx.functions,
                                                         core_macro=core_macro, **common),
        "README.md": env.get_template("README.md.j2").render(version=__version__, out_desc=c_comment(
            f"{graph.outputs[0].dtype.name.lower()} {list(graph.outputs[0].shape)}"), **common),
    }
    for h in runtime_closure(list(RUNTIME_COMMON) + headers, kernel_variants):
        files[h] = runtime_source(h, kernel_variants)
    return files, layers, const_bytes
