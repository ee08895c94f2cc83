"""Compiled model -> firmware -> emulated run, with numpy in and out.

    run = run_on_target(compile_model("m.tflite", target="m4"), get_target("m4"), [x])
    run.outputs          # list[np.ndarray], shaped and typed like the model outputs
    run.result.cycles    # RunResult: cycles, per-layer counts, stack high-water
    run.build.flash_bytes, run.build.ram_bytes, run.build.stack_bytes
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from microforge.errors import MicroforgeError
from microforge.sim.emulator import DEFAULT_MAX_INSTRUCTIONS, RunResult, run_firmware
from microforge.targets import Target
from microforge.toolchain.arm import DEFAULT_STACK_BYTES, FirmwareBuild, build_firmware


@dataclass
class TargetRun:
    outputs: list[np.ndarray]
    result: RunResult
    build: FirmwareBuild


def run_on_target(cm, target: Target, inputs: list[np.ndarray], *, opt: str = "-O2",
                  workdir: Path | None = None, stack_bytes: int = DEFAULT_STACK_BYTES,
                  max_instructions: int = DEFAULT_MAX_INSTRUCTIONS, profile: bool = False,
                  debug: bool = False) -> TargetRun:
    """Write ``cm``'s C files, build them for ``target`` and run one inference emulated (``profile``: cycles per
    code block too, RunResult.blocks, and the firmware built with debug info for their source lines; ``debug``:
    debug info anyway, e.g. for a firmware.elf the caller keeps)."""
    in_tensors, out_tensors = cm.graph.inputs, cm.graph.outputs
    if len(inputs) != len(in_tensors):
        raise MicroforgeError(f"the model takes {len(in_tensors)} input(s), {len(inputs)} given",
                              hint="pass --input once per model input")
    blobs = []
    for i, (arr, t) in enumerate(zip(inputs, in_tensors)):
        arr = np.asarray(arr)
        if arr.dtype != t.dtype.np or arr.size != t.num_elements:
            raise MicroforgeError(f"input {i} is {arr.dtype} {list(arr.shape)}, the model expects "
                                  f"{t.dtype.np} {list(t.shape)}",
                                  hint="convert the array to the model's input shape and type")
        blobs.append(np.ascontiguousarray(arr).tobytes())

    def go(base: Path) -> TargetRun:
        src = base / "src"
        cm.write(src)
        build = build_firmware(target, src, base / "build", opt, stack_bytes=stack_bytes,
                               pools=getattr(cm, "pool_usage", None),   # --memory: a linker region per pool
                               debug=debug or profile)
        result = run_firmware(build.elf_path, target, blobs, [t.nbytes for t in out_tensors],
                              max_instructions=max_instructions, profile=profile)
        outs = [np.frombuffer(raw, dtype=t.dtype.np).reshape(t.shape).copy()
                for raw, t in zip(result.outputs, out_tensors)]
        return TargetRun(outs, result, build)

    if workdir is not None:
        Path(workdir).mkdir(parents=True, exist_ok=True)
        return go(Path(workdir))
    with tempfile.TemporaryDirectory(prefix="microforge-fw-") as tmp:
        return go(Path(tmp))


def random_inputs(tensors, seed: int = 0) -> list[np.ndarray]:
    """Deterministic inputs for a benchmark run: full-range integers, floats in [-1, 1]."""
    rng = np.random.default_rng(seed)
    out = []
    for t in tensors:
        if t.dtype.np.kind == "f":
            out.append(rng.uniform(-1.0, 1.0, size=t.shape).astype(t.dtype.np))
        else:
            info = np.iinfo(t.dtype.np)
            out.append(rng.integers(info.min, info.max, size=t.shape, endpoint=True, dtype=t.dtype.np))
    return out
