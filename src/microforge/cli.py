"""The `microforge` command line. User errors exit 2 with one paragraph on stderr, never a traceback."""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from . import __version__
from .driver import check_fit
from .errors import MicroforgeError
from .footprint import pools_text
from .memory.pools import MAX_POOL_BYTES, size_bytes
from .sim.run import random_inputs
from .targets import TARGETS, get_target
from .toolchain.package import FORMATS


def board_bytes(text: str) -> int:
    """--ram / --flash: a byte count, plain or with K / M / G (1024-based: 320K, 16M, 2MiB)."""
    n = size_bytes(text)
    if n is None or not 0 < n <= MAX_POOL_BYTES:
        raise argparse.ArgumentTypeError(f"'{text}' is not a memory size: give bytes (1048576) or K/M/G (1024K, 16M), "
                                         "1 byte to 4 GiB")
    return n


def _progress(msg: str) -> None:
    print(f"microforge: {msg}", file=sys.stderr, flush=True)


def _compile(args) -> int:
    from .driver import compile_model

    target = _target(args)
    t0 = time.monotonic()
    _progress(f"compiling {args.model} for {target.name}")
    cm = compile_model(args.model, target=target, memory=args.memory, **_pipeline(args))
    out = Path(args.output)
    from . import footprint
    from .toolchain.package import write_package

    written = write_package(cm, target, out, args.format)
    ms = (time.monotonic() - t0) * 1000
    print(f"wrote {len(written)} files to {out}/ ({args.format}; {len(cm.graph.ops)} layers, {cm.macs:,} MACs, {ms:.0f} ms)")
    for line in cm.row_pipeline:
        print(f"{line} (arena {cm.arena_without_row_pipeline:,} B without row pipelines)")
    for line in cm.row_pipeline_flash:
        print(line)
    check_fit(cm, target)
    if target.is_host or args.no_measure:
        print(footprint.compile_time(cm).to_text())
    else:
        _progress("measuring code, static data and stack: building with arm-none-eabi-gcc, one emulated inference")
        print(footprint.measure(cm, target).to_text())
    return 0


def _pipeline(args) -> dict:
    return dict(row_pipeline=getattr(args, "row_pipeline", "auto"), band=getattr(args, "band", None),
                wino_u=getattr(args, "wino_u", "auto"))


def _target(args):
    t = get_target(args.target)
    if not t.is_host:
        t = t.with_overrides(clock_mhz=getattr(args, "clock_mhz", None), ram=getattr(args, "ram", None),
                             flash=getattr(args, "flash", None))
    return t


def _load_inputs(paths: list[str], tensors) -> list[np.ndarray]:
    if len(paths) != len(tensors):
        raise MicroforgeError(f"the model has {len(tensors)} input(s) but {len(paths)} --input given",
                              hint="pass --input once per model input, in order")
    arrays = []
    for i, (p, t) in enumerate(zip(paths, tensors)):
        try:
            a = np.load(p, allow_pickle=False)
        except (OSError, ValueError, EOFError) as e:
            raise MicroforgeError(f"cannot read input {i} from '{p}': {e}", hint="pass a .npy file (numpy.save)") from None
        if a.dtype != t.dtype.np or a.size != t.num_elements:
            raise MicroforgeError(f"input {i} ('{p}') is {a.dtype} {list(a.shape)}; the model expects {t.dtype.np} {list(t.shape)}",
                                  hint="save an array of the model's input shape and dtype")
        arrays.append(a.reshape(t.shape))
    return arrays


def _run(args) -> int:
    from .driver import compile_model

    target = _target(args)
    cm = compile_model(args.model, target=target, memory=args.memory, **_pipeline(args))
    inputs = _load_inputs(args.input, cm.graph.inputs)
    outputs_paths = args.output or []
    if outputs_paths and len(outputs_paths) != len(cm.graph.outputs):
        raise MicroforgeError(f"the model has {len(cm.graph.outputs)} output(s) but {len(outputs_paths)} --output given")
    if target.is_host:
        from .toolchain.host import build_host

        with tempfile.TemporaryDirectory(prefix="microforge-") as tmp:
            _progress("building with the host C compiler")
            outs = build_host(cm, Path(tmp)).run(inputs)
    else:
        from .sim.run import run_on_target

        check_fit(cm, target)
        for line in cm.row_pipeline_flash:
            _progress(line)
        _progress(f"building for {target.name} and running on the emulated {target.core}")
        outs = run_on_target(cm, target, inputs).outputs
    if cm.pool_usage:
        print(pools_text(cm.pool_usage))
    for i, y in enumerate(outs):
        if outputs_paths:
            np.save(outputs_paths[i], y)
            print(f"output {i}: {y.dtype} {list(y.shape)} -> {outputs_paths[i]}")
        else:
            print(f"output {i}: {y.dtype} {list(y.shape)}: {np.array2string(y.reshape(-1)[:32], max_line_width=120)}")
    return 0


def _plan(args) -> int:
    from .driver import compile_model
    from .memory.render import plan_svg, plan_table, pools_table

    cm = compile_model(args.model, target=_target(args), memory=args.memory, **_pipeline(args))
    from .ops import layer_name

    names = [layer_name(op) for op in cm.graph.ops]
    print(pools_table(cm.pools, names) if cm.pools else plan_table(cm.plan, names))
    for line in cm.row_pipeline:
        print(line)
    for line in cm.row_pipeline_flash:
        print(line)
    if cm.row_pipeline:
        saved = cm.arena_without_row_pipeline - cm.arena_bytes
        print(f"row pipeline: arena {cm.arena_without_row_pipeline:,} B without, {cm.arena_bytes:,} B with "
              f"({saved:,} B saved; `bench --row-pipeline off` measures the cycles without)")
    if args.svg:
        Path(args.svg).write_text(plan_svg(cm.plan, names))
        print(f"wrote the plan picture to {args.svg}")
    return 0


def _bench(args) -> int:
    import shutil

    from .driver import compile_model
    from .ops import layer_name
    from .report import make_report
    from .sim.profile import hot_blocks, hot_text
    from .sim.run import run_on_target

    if args.hot < 0:
        raise MicroforgeError(f"--hot {args.hot}: give a number of blocks, 1 or more", where="--hot")
    target = _target(args)
    if target.is_host:
        raise MicroforgeError("bench measures on an emulated core, not the host", where="--target",
                              hint="pick one of " + ", ".join(n for n, t in TARGETS.items() if not t.is_host))
    _progress(f"compiling {args.model} for {target.name}")
    cm = compile_model(args.model, target=target, memory=args.memory, **_pipeline(args))
    check_fit(cm, target)
    inputs = _load_inputs(args.input, cm.graph.inputs) if args.input else random_inputs(cm.graph.inputs, args.seed)
    _progress(f"building with arm-none-eabi-gcc {args.opt} and running on the emulated {target.core} "
              f"({cm.macs:,} MACs; large models take a minute)")
    with tempfile.TemporaryDirectory(prefix="microforge-bench-") as tmp:
        run = run_on_target(cm, target, inputs, opt=args.opt, workdir=Path(tmp), profile=bool(args.hot),
                            debug=bool(args.elf))
        if args.elf:
            shutil.copyfile(run.build.elf_path, args.elf)
            _progress(f"firmware kept at {args.elf}")
        hot = hot_blocks(run.result.blocks, run.build.elf_path, args.hot) if args.hot else None
    report = make_report(cm, target, run)
    if args.json:
        out = report.to_json()
        if hot is not None:   # the blocks as a "hot" list in the same object
            import dataclasses
            import json

            d = json.loads(out)
            d["hot"] = [dataclasses.asdict(b) for b in hot]
            out = json.dumps(d, indent=2)
        print(out)
    else:
        print(report.to_text())
        if hot is not None:
            print()
            print(hot_text(hot, run.result.total_cycles, {l.index: layer_name(l.op) for l in cm.layers}))
    return 0


def _verify(args) -> int:
    from .debug import verify
    from .frontend import load_tflite

    target = _target(args)
    inputs = _load_inputs(args.input, load_tflite(args.model).inputs) if args.input else None
    _progress(f"running {args.model} in TFLM and on {target.name}, every layer output exposed")
    result = verify(args.model, target.name, reference=args.reference, inputs=inputs, seed=args.seed, memory=args.memory)
    print(result.to_text(layers=args.layers))
    return 0 if result.identical else 1


def _targets(args) -> int:
    print(f"{'name':8} {'core':14} {'DSP':4} {'clock':>9} {'RAM':>10} {'flash':>10}  board")
    for t in TARGETS.values():
        clock = f"{t.clock_mhz:g} MHz" if t.clock_mhz else "-"
        ram = f"{t.ram_bytes // 1024} KiB" if t.ram_bytes else "-"
        flash = f"{t.flash_bytes // 1024} KiB" if t.flash_bytes else "-"
        print(f"{t.name:8} {t.core or 'host cc':14} {'yes' if t.dsp else 'no':4} {clock:>9} {ram:>10} {flash:>10}  {t.board}")
        if t.notes:
            print(f"{'':8} note: {t.notes}")
    return 0


def _example(args) -> int:
    from .modelgen import example_model

    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    data = example_model()
    out.write_bytes(data)
    print(f"wrote the bundled example model ({len(data):,} bytes, int8 1x32x32x3 -> 1x10) to {out}")
    return 0


def _serve(args) -> int:
    from .service.serve import serve

    return serve(args.host, args.port, args.workers)


def _worker(args) -> int:
    from .service.config import Settings
    from .service.worker import run_worker

    return run_worker(Settings.from_env(), threads=args.threads)


def _ops(args) -> int:
    from .ops import ops_markdown

    print(ops_markdown(), end="")
    return 0


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="microforge", description="Compile int8 TensorFlow Lite models to fast, lean C "
                                 "for Arm Cortex-M, bit-exact with TFLM, and measure them on emulated cores.")
    ap.add_argument("--version", action="version", version=f"microforge {__version__}")
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def memory_option(p):
        p.add_argument("--memory", metavar="POOLS", help="memory pools for the activations, fastest first, e.g. "
                       "dtcm:64K,sram:256K: the buffers read and written most per byte go to the first pool with room, "
                       "each pool is its own arena in section .bss.mf_arena_<pool>; the output shows each pool's use "
                       "(default: one arena)")

    def model_and_target(p):
        p.add_argument("model", help="int8 .tflite model")
        p.add_argument("--target", default="host", help="host or a core: " + ", ".join(TARGETS) + " (default: host)")
        p.add_argument("--clock-mhz", type=float, help="override the target board's clock")
        p.add_argument("--ram", type=board_bytes, help="override the target board's RAM: bytes, or e.g. 320K")
        p.add_argument("--flash", type=board_bytes, help="override the target board's flash: bytes, or e.g. 16M "
                       "(external flash)")
        p.add_argument("--row-pipeline", default="auto", choices=["auto", "on", "off"],
                       help="run chains of high-resolution layers band by band with row windows: when that lowers "
                            "the arena and, on a core, its extra code still fits the flash (auto, default; measured "
                            "with arm-none-eabi-gcc), always (on) or never (off); it costs some cycles and code")
        p.add_argument("--band", type=int, help="rows per band of a row pipeline (default: chosen by the planner)")
        p.add_argument("--wino-u", default="auto", choices=["auto", "on", "off"],
                       help="a row pipeline's Winograd layers (stride-1 3x3 convolutions, DSP cores) keep their "
                            "transformed weights in a scratch buffer built once per band call: as much as fits the "
                            "arena without it (auto, default: faster, no RAM added), all of it (on: up to 8 KB more "
                            "RAM) or none (off)")

    p = sub.add_parser("compile", help="compile a model to a C library", description="Compile a .tflite model to "
                       "model.c / model.h plus the kernels it uses, and print the RAM and flash it needs.")
    model_and_target(p)
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="directory to write the C library to")
    p.add_argument("--format", default="plain", choices=list(FORMATS),
                   help="plain: the files; cmake: CMakeLists.txt (target microforge_model); make: microforge_model.mk; "
                   "zephyr: a Zephyr module; arduino: an Arduino library; cmsis-pack: a CMSIS pack (.pdsc + files) "
                   "(default plain)")
    memory_option(p)
    p.add_argument("--no-measure", action="store_true",
                   help="core targets: skip the firmware build + emulated run that measures code, static and stack")
    p.set_defaults(func=_compile)

    p = sub.add_parser("verify", help="compare every layer's output with TFLM (layer diff)",
                       description="Run the same input through TFLM and through the compiled model, every "
                       "intermediate exposed, and say 'identical' or name the first layer whose output differs.")
    model_and_target(p)
    p.add_argument("--layers", action="store_true", help="print every layer's comparison")
    p.add_argument("--input", action="append", metavar="IN.npy", help="inputs (default: random, fixed seed)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random input (default 0)")
    p.add_argument("--reference", metavar="REF.tflite", help="run this model in TFLM instead (same tensors)")
    memory_option(p)
    p.set_defaults(func=_verify)

    p = sub.add_parser("run", help="compile, build and run a model on given inputs",
                       description="Compile the model, build it (host C compiler or arm-none-eabi-gcc) and run it.")
    model_and_target(p)
    p.add_argument("--input", action="append", required=True, metavar="IN.npy",
                   help="input array (.npy), once per model input, in order")
    p.add_argument("--output", action="append", metavar="OUT.npy", help="where to save each output (.npy)")
    memory_option(p)
    p.set_defaults(func=_run)

    p = sub.add_parser("bench", help="measure cycles, latency, RAM and flash on an emulated core",
                       description="Compile, build with arm-none-eabi-gcc and run one inference on the emulated "
                       "core: cycles, latency at the board clock, instructions, RAM parts, flash, per-layer table.")
    model_and_target(p)
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    p.add_argument("--elf", metavar="FILE", help="keep the firmware ELF at FILE (built with -g for a debugger)")
    p.add_argument("--opt", default="-O2", choices=["-O2", "-Os", "-O3"], help="optimisation level (default -O2)")
    p.add_argument("--input", action="append", metavar="IN.npy", help="inputs (default: random, fixed seed)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random input (default 0)")
    p.add_argument("--hot", type=int, default=0, metavar="N",
                   help="also list the N code blocks with the most cycles (layer, cycles per run, disassembly; with --json a \"hot\" list)")
    memory_option(p)
    p.set_defaults(func=_bench)

    p = sub.add_parser("plan", help="show the memory plan (table, optional SVG picture)",
                       description="Compile the model and show how its activations are placed in the arena: one row "
                       "per buffer (offset, size, lifetime, in-place partner), the peak, and what every planner reached.")
    model_and_target(p)
    p.add_argument("--svg", metavar="FILE", help="also draw the plan (time x address) into an SVG file")
    memory_option(p)
    p.set_defaults(func=_plan)

    p = sub.add_parser("example", help="write the bundled example model", description="Write the bundled example: "
                       "a small int8 CNN that microforge generates itself with fixed-seed weights.")
    p.add_argument("-o", "--output", required=True, metavar="FILE.tflite")
    p.set_defaults(func=_example)

    p = sub.add_parser("serve", help="run the benchmarking web service (web app, queue, workers, database)",
                       description="Serve the upload-and-benchmark web app with its queue, database and worker "
                       "processes on this machine (settings: MICROFORGE_* variables, see the README).")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1, help="worker processes to start here (0: they run elsewhere)")
    p.set_defaults(func=_serve)

    p = sub.add_parser("worker", help="run a benchmarking service worker (takes jobs from the queue)",
                       description="Take jobs from the service's queue (SQLite here, or MICROFORGE_REDIS_URL) and "
                       "measure them, each target in a limited subprocess.")
    p.add_argument("--threads", type=int, help="jobs at once (default MICROFORGE_WORKER_THREADS or 2)")
    p.set_defaults(func=_worker)

    p = sub.add_parser("targets", help="list the targets", description="List targets: core, DSP, board clock, RAM, flash.")
    p.set_defaults(func=_targets)

    p = sub.add_parser("ops", help="list the supported operators (markdown, as in docs/ops.md)",
                       description="List the TFLite builtins microforge compiles, with their op files and kernels.")
    p.set_defaults(func=_ops)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except MicroforgeError as e:
        print(f"error: {e.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # a bug in microforge, not the user's fault: short message, traceback on request
        if os.environ.get("MICROFORGE_DEBUG"):
            raise
        print(f"internal error: {type(e).__name__}: {e}\nThis is a microforge bug; rerun with MICROFORGE_DEBUG=1 "
              "for a traceback and report it with the model.", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
