"""One (model, target) measurement in a subprocess that limits itself before touching the upload.

    python -m microforge.service.sandbox bench WORKDIR TARGET --memory-mb 4096 --cpu-s 600 \
        --max-instructions 2000000000 --parent PID
    python -m microforge.service.sandbox tflm WORKDIR --memory-mb 4096 --cpu-s 600 --parent PID

WORKDIR (made by the worker, never named by a user) holds model.tflite. `bench` writes
WORKDIR/TARGET/{result.json, library.zip, plan.svg}; `tflm` writes WORKDIR/tflm.json. Progress goes to
stdout as "stage compiling" / "stage running" lines. result.json is {"report": Report.to_dict()} or
{"error": "<the CLI's message>"}.
"""
from __future__ import annotations

import argparse
import ctypes
import io
import json
import os
import re
import resource
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

PR_SET_PDEATHSIG = 1


def limit_self(memory_mb: int, cpu_s: float, parent: int) -> None:
    """Address space, CPU time, file size and core limits (inherited by gcc), and die with the worker."""
    mem = memory_mb << 20
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    cpu = max(1, int(cpu_s))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (256 << 20, 256 << 20))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    if parent and os.getppid() != parent:       # the worker died before prctl took effect
        sys.exit(1)


def _stage(name: str) -> None:
    print(f"stage {name}", flush=True)


def bench(workdir: Path, target_name: str, max_instructions: int) -> dict:
    from microforge.driver import check_fit
    from microforge.sim.run import random_inputs
    from microforge.driver import compile_model
    from microforge.memory.render import plan_svg
    from microforge.report import make_report
    from microforge.sim.run import run_on_target
    from microforge.targets import get_target

    out = workdir / target_name
    out.mkdir(exist_ok=True)
    target = get_target(target_name)
    _stage("compiling")
    cm = compile_model(workdir / "model.tflite", target=target.name)
    check_fit(cm, target)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in sorted(cm.files.items()):
            z.writestr(f"microforge_model/{name}", text)
    (out / "library.zip").write_bytes(buf.getvalue())
    (out / "plan.svg").write_text(plan_svg(cm.plan, op_names=[op.type.value for op in cm.graph.ops]))
    _stage("running")
    run = run_on_target(cm, target, random_inputs(cm.graph.inputs, 0), workdir=out / "fw",
                        max_instructions=max_instructions)
    return {"report": make_report(cm, target, run).to_dict()}


_TFLM_CODE = ("import sys, tflite_micro; it = tflite_micro.runtime.Interpreter.from_file(sys.argv[1], "
              "arena_size=64 << 20); it.print_allocations()")


def tflm(workdir: Path, timeout_s: float) -> dict:
    """TFLM's arena for the same model (as benchmarks/run_benchmarks.py measures it): print_allocations'
    output comes from C++, so it runs in its own process."""
    try:
        p = subprocess.run([sys.executable, "-c", _TFLM_CODE, str(workdir / "model.tflite")], capture_output=True,
                           text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return {"error": "TFLM took too long to load the model"}
    text = p.stdout + p.stderr
    found = {k: re.search(rf"Arena allocation {k} (\d+) bytes", text) for k in ("total", "head")}
    if p.returncode != 0 or not all(found.values()):
        return {"error": "TFLM could not load the model"}
    return {k: int(m.group(1)) for k, m in found.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["bench", "tflm"])
    ap.add_argument("workdir", type=Path)
    ap.add_argument("target", nargs="?")
    ap.add_argument("--memory-mb", type=int, default=4096)
    ap.add_argument("--cpu-s", type=float, default=600)
    ap.add_argument("--max-instructions", type=int, default=2_000_000_000)
    ap.add_argument("--parent", type=int, default=0)
    args = ap.parse_args(argv)
    limit_self(args.memory_mb, args.cpu_s, args.parent)
    if args.mode == "tflm":
        (args.workdir / "tflm.json").write_text(json.dumps(tflm(args.workdir, args.cpu_s)))
        return 0

    from microforge.errors import MicroforgeError

    dest = args.workdir / args.target / "result.json"
    dest.parent.mkdir(exist_ok=True)
    try:
        result, code = bench(args.workdir, args.target, args.max_instructions), 0
    except MicroforgeError as e:
        result, code = {"error": e.message}, 2
    except MemoryError:
        result, code = {"error": f"the job ran out of memory (the service allows {args.memory_mb} MiB per job)"}, 4
    except Exception as e:  # a microforge bug: the same words the CLI uses
        result, code = {"error": f"internal error: {type(e).__name__}: {e}. This is a microforge bug; "
                                 "report it with the model."}, 3
    dest.write_text(json.dumps(result))
    return code


if __name__ == "__main__":
    sys.exit(main())
