"""The Python API: compile a model once, then size, benchmark, run, draw and package it (the CLI's engine).

    import microforge
    m = microforge.compile("model.tflite", target="m4")
    m.flash, m.ram               # dicts of parts in bytes (measured once on the emulated core for core targets)
    report = m.bench()           # Report, exactly what `microforge bench` prints
    ys = m.run(x)                # list of outputs: host C compiler, or the emulated core of the target
    m.plan.to_svg("plan.svg")    # the memory plan picture (memory/render.py)
    m.write("out/", format="cmake")
    m = microforge.compile("model.tflite", target="m7", memory="dtcm:64K,sram:256K")   # memory pools, fastest first
    m.run(x)                     # ... runs with those pools, as `microforge run --memory` does
    microforge.verify("model.tflite", target="m7", memory="dtcm:64K,sram:256K")   # layer diff, pooled (debug.py)
"""
from __future__ import annotations

import tempfile
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

import numpy as np

from . import footprint as fp
from .driver import CompiledModel, compile_model
from .errors import MicroforgeError
from .ops import layer_name
from .targets import Target, get_target


class MemoryPlan:
    """A compiled model's memory plan with its renderers; other attributes are the memory.Plan's (size, offsets, ...)."""

    def __init__(self, cm: CompiledModel):
        self._plan = cm.plan
        self._pools = cm.pools
        self.pools = cm.pool_usage   # --memory: [{'pool', 'used', 'capacity'}] fastest first, else None
        self._names = [layer_name(op) for op in cm.graph.ops]

    def __getattr__(self, name):
        return getattr(self._plan, name)

    def to_table(self) -> str:
        from .memory.render import plan_table, pools_table

        return pools_table(self._pools, self._names) if self._pools else plan_table(self._plan, self._names)

    def to_svg(self, path: str | Path | None = None) -> str:
        """The plan as SVG text (time x address; with pools, pool after pool upwards); also written to `path` when given."""
        from .memory.render import plan_svg

        svg = plan_svg(self._plan, self._names)
        if path is not None:
            Path(path).write_text(svg)
        return svg


class Model:
    """One model compiled for one target. Build products are cached; nothing is measured until asked."""

    def __init__(self, cm: CompiledModel, target: Target):
        self.compiled = cm
        self.target = target
        self.plan = MemoryPlan(cm)
        self._host = None
        self._tmp: tempfile.TemporaryDirectory | None = None

    def __repr__(self) -> str:
        return (f"<microforge.Model {self.compiled.source_name} for {self.target.name}: {len(self.compiled.graph.ops)} "
                f"layers, {self.compiled.arena_bytes:,} B arena, {self.compiled.const_bytes:,} B weights>")

    @property
    def files(self) -> dict[str, str]:
        return self.compiled.files

    @property
    def inputs(self):
        return self.compiled.graph.inputs

    @property
    def outputs(self):
        return self.compiled.graph.outputs

    @cached_property
    def footprint(self) -> fp.Footprint:
        """Flash and RAM parts; on a core target this builds the firmware and runs one emulated inference."""
        return fp.measure(self.compiled, self.target)

    @property
    def ram(self) -> dict[str, int | None]:
        """activations, scratch, stack, static, total (bytes; stack/static/total are None on the host)."""
        return dict(self.footprint.ram)

    @property
    def flash(self) -> dict[str, int | None]:
        """weights, kernel_code, runtime, total (bytes; all but weights are None on the host)."""
        return dict(self.footprint.flash)

    def _inputs(self, x) -> list[np.ndarray]:
        xs = [x] if isinstance(x, np.ndarray) else list(x)
        if len(xs) != len(self.inputs):
            raise MicroforgeError(f"the model takes {len(self.inputs)} input(s), {len(xs)} given",
                                  hint="pass one array, or a list with one array per model input")
        return [np.asarray(a).reshape(t.shape) if np.asarray(a).size == t.num_elements else np.asarray(a)
                for a, t in zip(xs, self.inputs)]

    def bench(self, inputs: np.ndarray | Sequence[np.ndarray] | None = None, *, seed: int = 0,
              opt: str = "-O2"):
        """One measured inference on the emulated core: a report.Report, as `microforge bench` gives."""
        from .report import make_report
        from .sim.run import random_inputs, run_on_target

        if self.target.is_host:
            raise MicroforgeError("bench measures on an emulated core, not the host", where="target",
                                  hint="compile for a core, e.g. microforge.compile(model, target='m4')")
        xs = self._inputs(inputs) if inputs is not None else random_inputs(self.inputs, seed)
        with tempfile.TemporaryDirectory(prefix="microforge-bench-") as tmp:
            run = run_on_target(self.compiled, self.target, xs, opt=opt, workdir=Path(tmp))
        return make_report(self.compiled, self.target, run)

    def run(self, x: np.ndarray | Sequence[np.ndarray]) -> list[np.ndarray]:
        """Outputs (a list, one array per model output) for input `x` (one array, or one per model input)."""
        xs = self._inputs(x)
        if not self.target.is_host:
            from .sim.run import run_on_target

            return run_on_target(self.compiled, self.target, xs).outputs
        if self._host is None:
            from .toolchain.host import build_host

            self._tmp = tempfile.TemporaryDirectory(prefix="microforge-api-")
            self._host = build_host(self.compiled, Path(self._tmp.name))
        return self._host.run(xs)

    def write(self, out_dir: str | Path, format: str = "plain") -> list[Path]:
        """Write the C library to `out_dir` as plain files or a cmake / make / zephyr / arduino / cmsis-pack package."""
        from .toolchain.package import write_package

        return write_package(self.compiled, self.target, Path(out_dir), format)


def compile(model: str | Path | bytes, target: str = "host", *, clock_mhz: float | None = None,
            ram: int | None = None, flash: int | None = None, memory: str | None = None, row_pipeline: str = "auto",
            band: int | None = None, wino_u: str = "auto") -> Model:
    """Compile a .tflite (path or bytes) for `target` (host, m0plus, m4, m7, m33, m55); raises MicroforgeError.

    `memory`: pools for the activations, fastest first ("dtcm:64K,sram:256K", as `--memory`); `m.plan.pools`
    then holds each pool's use and capacity. `row_pipeline` "auto" | "on" | "off", `band` and `wino_u` "auto" |
    "on" | "off": see driver.compile_model.
    """
    t = get_target(target)
    if not t.is_host:
        t = t.with_overrides(clock_mhz=clock_mhz, ram=ram, flash=flash)
    return Model(compile_model(model, target=t, memory=memory, row_pipeline=row_pipeline, band=band, wino_u=wino_u), t)
