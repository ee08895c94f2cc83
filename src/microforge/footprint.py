"""Footprint: a compiled model's flash (weights, kernel code, runtime) and RAM (activations, scratch, stack, static).

On the host only the compile-time parts are known; on a core the parts come from one firmware build
(arm-none-eabi-gcc, sized per object from the linker map) and one emulated inference (stack high-water).

>>> fp = measure(compile_model("m.tflite", target="m4"), get_target("m4"))
>>> fp.flash["weights"], fp.ram["stack"], print(fp.to_text())
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path


def pools_text(pools: list[dict], unit: str = "bytes") -> str:
    """The one line every command prints for --memory: each pool's use against its capacity, fastest first."""
    return ("pools: " + ", ".join(f"{p['pool']} {p['used']:,} of {p['capacity']:,} {unit}" for p in pools)
            + " (activations per memory pool, fastest first)")


MODEL_OBJECT = "model.o"   # the generated model.c with its inlined kernels, as build_firmware names it
STORED_RATIO_LIMIT = 1.05  # issue #7: flash within 5 % of the weights' own size, plus code
_KINDS = {"tensor": "tensors as in the .tflite", "derived": "derived: re-laid weights, folded biases, multipliers, "
          "shifts, tables", "params": "parameter structs"}


@dataclass
class FlashAccount:
    """The weights question in bytes: the constants the .tflite stores for its ops against what microforge stores
    for them in the linked image (each generated constant and parameter struct sized by its ELF symbol), and code.

    `stored + code + other == total` (the image's flash); `layers`: [{index, model_ops, op, tflite, stored}] per
    compiled layer (a constant shared by layers counts at the first; constants of ops the passes removed, e.g. a
    folded PAD's paddings, count only in the model's `tflite`).
    """

    tflite: int                  # constant tensor bytes the .tflite's operators read (int8 weights, int32 biases, ...)
    stored: int                  # microforge's constants in the image: sum of stored_parts
    stored_parts: dict[str, int]  # tensor / derived / params (_KINDS)
    code: int                    # .text of model.o: the layer functions (kernels inlined) and mf_model_invoke
    other: int                   # the rest: startup, harness, libc, kernel-internal tables, alignment, .data image
    total: int
    layers: list[dict] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        return self.stored / self.tflite if self.tflite else None

    def over_limit(self) -> list[dict]:
        """Layers whose stored constants exceed their .tflite bytes by more than STORED_RATIO_LIMIT, most excess first."""
        bad = [l for l in self.layers if l["stored"] > STORED_RATIO_LIMIT * l["tflite"]]
        return sorted(bad, key=lambda l: l["tflite"] - l["stored"])

    def to_lines(self) -> list[str]:
        ratio = f"{self.ratio:.3f}x" if self.ratio is not None else "no .tflite constants"
        parts = " + ".join(f"{v:,} {_KINDS[k]}" for k, v in self.stored_parts.items() if v)
        lines = [f"weights: .tflite {self.tflite:,} B -> stored {self.stored:,} B ({ratio}{': ' + parts if parts else ''}); "
                 f"code {self.code:,} B (model.o .text); other {self.other:,} B"]
        return lines + self.warnings()

    def warnings(self) -> list[str]:
        bad = self.over_limit()
        over = self.ratio is not None and self.ratio > STORED_RATIO_LIMIT
        if not bad and not over:
            return []
        from .ops import ops_ref

        shown = ", ".join(f"{l['op']} ({ops_ref(l['model_ops'])}) {_ratio(l)} (+{l['stored'] - l['tflite']:,} B)"
                          for l in bad[:5])
        more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
        return [f"warning: stored constants above {STORED_RATIO_LIMIT:g}x the .tflite's: "
                + (f"model {self.ratio:.3f}x" if over else "model within")
                + (f"; {shown}{more}" if bad else "")]

    def to_dict(self) -> dict:
        return dict(tflite=self.tflite, stored=self.stored, stored_parts=dict(self.stored_parts), code=self.code,
                    other=self.other, total=self.total, ratio=round(self.ratio, 4) if self.ratio is not None else None,
                    layers=[dict(l) for l in self.layers])


def _ratio(layer: dict) -> str:
    return f"{layer['stored'] / layer['tflite']:.2f}x" if layer["tflite"] else "(none in the .tflite)"


def flash_account(cm, build) -> FlashAccount:
    """Split the linked image `build` (toolchain.arm.FirmwareBuild) of `cm`: .tflite constants vs stored, code, other."""
    from .driver import constant_bytes
    from .ops import model_ops

    parts = dict.fromkeys(_KINDS, 0)
    layers, seen = [], set()
    for layer in cm.layers:
        stored = 0
        for name, kind in layer.constants.items():
            size = build.object_sizes.get(name, 0)   # absent: folded into code by the compiler, or dropped
            parts[kind] += size
            stored += size
        layers.append(dict(index=layer.index, model_ops=model_ops(layer.op), op=layer.op.type.value,
                           tflite=constant_bytes([layer.op], seen, cm.tflite_constants), stored=stored))
    code = sum(size for section, size, obj in build.contributions
               if Path(obj).name == MODEL_OBJECT and section.startswith(".text"))
    stored = sum(parts.values())
    return FlashAccount(tflite=cm.tflite_constant_bytes, stored=stored, stored_parts=parts, code=code,
                        other=build.flash_bytes - stored - code, total=build.flash_bytes, layers=layers)


@dataclass
class Footprint:
    """Bytes by part; a part is None when it needs a core target to be measured."""

    target: str
    flash: dict[str, int | None]   # weights (constants), kernel_code, runtime, total
    ram: dict[str, int | None]     # activations, scratch, stack, static, total
    measured: bool = False         # True: built with arm-none-eabi-gcc and run on the emulated core
    notes: list[str] = field(default_factory=list)
    pools: list[dict] | None = None   # --memory: [{pool, used, capacity}] fastest first; activations = their sum
    account: "FlashAccount | None" = None   # measured: .tflite weights vs stored constants vs code
    tflite_constant_bytes: int | None = None   # compile time: the .tflite's constant bytes (account has them measured)

    def to_text(self) -> str:
        def n(v: int | None) -> str:
            return "?" if v is None else f"{v:,}"

        f, r = self.flash, self.ram
        if self.measured:
            lines = [f"flash: {n(f['total'])} bytes = weights {n(f['weights'])} (constants) + kernel code "
                     f"{n(f['kernel_code'])} + runtime {n(f['runtime'])} (startup, harness, libc)",
                     f"RAM:   {n(r['total'])} bytes = activations {n(r['activations'])} + scratch {n(r['scratch'])} "
                     f"+ stack {n(r['stack'])} (measured) + static {n(r['static'])}"]
        else:
            lines = [f"flash: {n(f['weights'])} bytes of weights (constants); kernel code and runtime need a core "
                     "target (--target m4, ...) to be measured",
                     f"RAM:   {n(r['activations'])} bytes of activations + scratch {n(r['scratch'])}; stack and static "
                     "need a core target to be measured"]
        if self.account is not None:
            lines += self.account.to_lines()
        elif self.tflite_constant_bytes is not None:
            lines.append(f"weights: .tflite {self.tflite_constant_bytes:,} B -> {f['weights']:,} B of arrays; parameter "
                         "structs, code and the ratio need a core target")
        if self.pools:
            lines.append(pools_text(self.pools))
        return "\n".join(lines + [f"note: {x}" for x in self.notes])


def compile_time(cm) -> Footprint:
    """What compilation alone knows: weights, activations, scratch."""
    scratch = cm.ram.scratch if cm.ram is not None else 0
    return Footprint(target=cm.target,
                     flash=dict(weights=cm.const_bytes, kernel_code=None, runtime=None, total=None),
                     ram=dict(activations=cm.arena_bytes, scratch=scratch, stack=None, static=None, total=None),
                     pools=cm.pool_usage, notes=_state_note(cm), tflite_constant_bytes=cm.tflite_constant_bytes)


def _state_note(cm) -> list[str]:
    """Variable-tensor state (SVDF) is static data outside the arena: say how much, since `static` is only measured."""
    persistent = cm.ram.persistent if cm.ram is not None else 0
    return [f"{persistent:,} bytes of persistent state (variable tensors) sit in static buffers outside the arena "
            "(part of static once measured)"] if persistent else []


def from_run(cm, run) -> Footprint:
    """The parts of one sim TargetRun (build + emulated inference) of `cm`."""
    build = run.build
    weights = code = 0
    for section, size, obj in build.contributions:
        if not Path(obj).name == MODEL_OBJECT:
            continue
        if section.startswith((".mf_weights", ".rodata")):
            weights += size
        elif section.startswith(".text"):
            code += size
    scratch = cm.ram.scratch if cm.ram is not None else 0
    stack = run.result.stack_high_water_bytes
    static = build.ram_bytes - cm.arena_bytes - scratch
    return Footprint(
        target=cm.target, measured=True,
        flash=dict(weights=weights, kernel_code=code, runtime=build.flash_bytes - weights - code, total=build.flash_bytes),
        ram=dict(activations=cm.arena_bytes, scratch=scratch, stack=stack, static=static,
                 total=cm.arena_bytes + scratch + stack + static),
        pools=cm.pool_usage, account=flash_account(cm, build),
        notes=[f"measured in microforge's benchmark firmware for {run.build.target.name} ({build.opt}): "
               f"{build.stack_bytes:,} bytes of stack reserved, {stack:,} used"] + _state_note(cm))


def measure(cm, target, opt: str = "-O2", seed: int = 0) -> Footprint:
    """Build `cm` for the core `target`, run one inference on a seeded random input, return the parts."""
    from .sim.run import random_inputs, run_on_target

    if target.is_host:
        return compile_time(cm)
    with tempfile.TemporaryDirectory(prefix="microforge-size-") as tmp:
        return from_run(cm, run_on_target(cm, target, random_inputs(cm.graph.inputs, seed), opt=opt, workdir=Path(tmp)))
