"""Footprint: a compiled model's flash (weights, kernel code, runtime) and RAM (activations, scratch, stack, static).

On the host only the compile-time parts are known; on a core the parts come from one firmware build
(arm-none-eabi-gcc, sized per object from the linker map) and one emulated inference (stack high-water).

>>> fp = measure(compile_model("m.tflite", target="m4"), get_target("m4"))
>>> fp.flash["weights"], fp.ram["stack"], print(fp.to_text())
"""
from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path


def pools_text(pools: list[dict], unit: str = "bytes") -> str:
    """The one line every command prints for --memory: each pool's use against its capacity, fastest first."""
    return ("pools: " + ", ".join(f"{p['pool']} {p['used']:,} of {p['capacity']:,} {unit}" for p in pools)
            + " (activations per memory pool, fastest first)")


MODEL_OBJECT = "model.o"   # the generated model.c with its inlined kernels, as build_firmware names it


@dataclass
class Footprint:
    """Bytes by part; a part is None when it needs a core target to be measured."""

    target: str
    flash: dict[str, int | None]   # weights (constants), kernel_code, runtime, total
    ram: dict[str, int | None]     # activations, scratch, stack, static, total
    measured: bool = False         # True: built with arm-none-eabi-gcc and run on the emulated core
    notes: list[str] = field(default_factory=list)
    pools: list[dict] | None = None   # --memory: [{pool, used, capacity}] fastest first; activations = their sum

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
        if self.pools:
            lines.append(pools_text(self.pools))
        return "\n".join(lines + [f"note: {x}" for x in self.notes])


def compile_time(cm) -> Footprint:
    """What compilation alone knows: weights, activations, scratch."""
    scratch = cm.ram.scratch if cm.ram is not None else 0
    return Footprint(target=cm.target,
                     flash=dict(weights=cm.const_bytes, kernel_code=None, runtime=None, total=None),
                     ram=dict(activations=cm.arena_bytes, scratch=scratch, stack=None, static=None, total=None),
                     pools=cm.pool_usage, notes=_state_note(cm))


def _state_note(cm) -> list[str]:
    """Variable-tensor state (SVDF) is static data outside the arena: say how much, since `static` is only measured."""
    persistent = cm.ram.persistent if cm.ram is not None else 0
    return [f"{persistent:,} bytes of persistent state (variable tensors) sit in static buffers outside the arena "
            "(part of static once measured)"] if persistent else []


_MAP_FULL = re.compile(r"^ (\S+)\s+0x[0-9a-fA-F]+\s+0x([0-9a-fA-F]+)\s+(\S+)$")
_MAP_NAME = re.compile(r"^ (\S+)$")
_MAP_CONT = re.compile(r"^\s+0x[0-9a-fA-F]+\s+0x([0-9a-fA-F]+)\s+(\S+)$")


def map_contributions(map_path: Path) -> list[tuple[str, int, str]]:
    """(input section, size, object file) for every input section the GNU ld map file places."""
    out, pending, started = [], None, False
    for line in Path(map_path).read_text(errors="replace").splitlines():
        if not started:
            started = line.startswith("Linker script and memory map")
            continue
        m = _MAP_FULL.match(line)
        if m:
            out.append((m.group(1), int(m.group(2), 16), m.group(3)))
            pending = None
            continue
        m = _MAP_NAME.match(line)
        if m:
            pending = m.group(1)
            continue
        m = _MAP_CONT.match(line)
        if m and pending is not None:
            out.append((pending, int(m.group(1), 16), m.group(2)))
        pending = None
    return out


def from_run(cm, run) -> Footprint:
    """The parts of one sim TargetRun (build + emulated inference) of `cm`."""
    build = run.build
    weights = code = 0
    for section, size, obj in map_contributions(build.map_path):
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
        pools=cm.pool_usage,
        notes=[f"measured in microforge's benchmark firmware for {run.build.target.name} ({build.opt}): "
               f"{build.stack_bytes:,} bytes of stack reserved, {stack:,} used"] + _state_note(cm))


def measure(cm, target, opt: str = "-O2", seed: int = 0) -> Footprint:
    """Build `cm` for the core `target`, run one inference on a seeded random input, return the parts."""
    from .sim.run import random_inputs, run_on_target

    if target.is_host:
        return compile_time(cm)
    with tempfile.TemporaryDirectory(prefix="microforge-size-") as tmp:
        return from_run(cm, run_on_target(cm, target, random_inputs(cm.graph.inputs, seed), opt=opt, workdir=Path(tmp)))
