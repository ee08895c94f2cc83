"""Measure every shared model on every emulated core and write BENCHMARKS.md (figures come from runs only).

    .venv/bin/python benchmarks/run_benchmarks.py [--models vww,kws] [--targets m4,m7] [--jobs 2]

Each (model, target) is compiled, built with arm-none-eabi-gcc, run once on the emulated core
and compared byte for byte with the tflite_micro interpreter on the same input. The previous
run's figures (benchmarks/results.json) are shown next to the new ones.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
MODELS = SHARED / "models"
RESULTS = ROOT / "benchmarks" / "results.json"
SURVEY = ROOT / "benchmarks" / "survey.json"  # written by benchmarks/survey.py
OUT = ROOT / "BENCHMARKS.md"
TARGETS = ["m0plus", "m4", "m7", "m33", "m55"]
# Weights that exceed a board's internal flash live in its external flash on real boards
# (the STM32F746 Discovery keeps them in 16 MiB QSPI); benched with this flash and said so.
EXTERNAL_FLASH = 16 << 20


def model_files() -> dict[str, Path]:
    files = sorted(MODELS.glob("*/*.tflite"))
    return {p.stem.split("_")[0] if p.parent.name == "seed" else p.stem: p for p in files}


def tflm_arena(path: Path) -> dict[str, int]:
    """TFLM's recorded arena (total, head) for the model, from print_allocations in a subprocess."""
    code = ("import sys, tflite_micro; it = tflite_micro.runtime.Interpreter.from_file(sys.argv[1], "
            "arena_size=8 << 20); it.print_allocations()")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    text = out.stdout + out.stderr
    return {k: int(re.search(rf"Arena allocation {k} (\d+) bytes", text).group(1)) for k in ("total", "head")}


def published_cycles() -> dict[tuple[str, str], tuple[float, float]]:
    """{(core, model): (ms, cycles)} from the MLPerf Tiny table in ../shared/models/README.md."""
    text = (MODELS / "README.md").read_text()
    out = {}
    header = None
    for line in text.splitlines():
        if line.startswith("| board"):
            header = [c.strip() for c in line.strip("|").split("|")][1:]
            continue
        m = re.match(r"\|\s*\S+ \(Cortex-(M\d+), (\d+) MHz\)\s*\|(.*)", line)
        if header and m:
            core, mhz = m.group(1).lower(), float(m.group(2))
            for name, cell in zip(header, m.group(3).split("|")):
                ms = float(cell.strip().split()[0])
                out[(core, name)] = (ms, ms * mhz * 1000)
    return out


def cmsis_baseline() -> dict[tuple[str, str], tuple[int, int]]:
    """{(core, model): (instructions, cycles)} of TFLM + CMSIS-NN from ../shared/baselines."""
    text = (SHARED / "baselines" / "tflm_cmsis_nn.md").read_text()
    out = {}
    for m in re.finditer(r"^\|\s*(vww|ic|kws|ad)\s*\|\s*(M\d)\s*\|\s*([\d,]+)\s*\|\s*([\d,]+)", text, re.M):
        out[(m.group(2).lower(), m.group(1))] = (int(m.group(3).replace(",", "")), int(m.group(4).replace(",", "")))
    for m in re.finditer(r"^\|\s*(M\d)\s*\|\s*([\d,]+)\s*\|\s*([\d,]+)\s*\|", text.split("## The seed")[1], re.M):
        out[(m.group(1).lower(), "mobilenetv2")] = (int(m.group(2).replace(",", "")), int(m.group(3).replace(",", "")))
    return out


def bench_one(name: str, path: str, target_name: str) -> dict:
    """One (model, target) measurement, in a worker process."""
    import tflite_micro

    from microforge.driver import compile_model
    from microforge.report import make_report
    from microforge.sim.run import run_on_target
    from microforge.targets import get_target

    t0 = time.monotonic()
    cm = compile_model(path, target=target_name)
    target = get_target(target_name)
    note = ""
    if cm.flash_bytes > target.flash_bytes * 0.95:
        target = target.with_overrides(flash=EXTERNAL_FLASH)
        note = f"weights exceed the board's {get_target(target_name).flash_bytes // 1024} KiB flash: benched with 16 MiB external flash"
    rng = np.random.default_rng(1)
    x = [rng.integers(-128, 128, size=t.shape, dtype=np.int8) for t in cm.graph.inputs]
    run = run_on_target(cm, target, x)
    it = tflite_micro.runtime.Interpreter.from_file(path, arena_size=8 << 20)
    for i, xi in enumerate(x):
        it.set_input(xi, i)
    it.invoke()
    exact = all(np.array_equal(run.outputs[i], it.get_output(i)) for i in range(len(run.outputs)))
    rep = make_report(cm, target, run).to_dict()
    if cm.row_pipeline:   # the RAM-saving transform's cost: the same model and input without row pipelines
        plain = compile_model(path, target=target_name, row_pipeline="off")
        without = make_report(plain, target, run_on_target(plain, target, x))
        rep["row_pipeline"] = dict(segments=cm.row_pipeline, ram_total_without=without.ram_bytes["total"],
                                   cycles_without=without.cycles, flash_without=without.flash_bytes)
    rep.update(model_key=name, exact=exact, note=note, wall_s=round(time.monotonic() - t0, 1))
    return rep


def fmt_m(c: float) -> str:
    return f"{c / 1e6:.2f} M"


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _refusal(error: str) -> str:
    """The first sentence of a MicroforgeError message (what and where; the hint and the list of
    supported operators stay in survey.json)."""
    return error.split("\n")[0].split(". ")[0].rstrip(".")


def render_public_models(survey: dict) -> list[str]:
    """The "Public models" section of BENCHMARKS.md from benchmarks/survey.json (survey.py)."""
    rows = survey.get("models", [])
    status = [r["result"]["status"] for r in rows]
    n_exact, n_lfs = status.count("exact"), status.count("lfs_pointer")
    refused = [r for r in rows if r["result"]["status"] not in ("exact", "lfs_pointer", "missing")]
    ran = sorted({r.get("microforge_commit") or survey.get("microforge_commit", "?") for r in rows})
    at = f"at commit `{ran[0]}`" if len(ran) == 1 else ("at commits " + ", ".join(f"`{c}`" for c in ran) +
                                                        " (each model's own in survey.json)")
    L = ["## Public models", "",
         f"Written by `benchmarks/survey.py` {at}: public `.tflite` models "
         "(fetched to a local folder, never committed; source, commit and sha256 in `benchmarks/survey.json`), each",
         f"compiled for the host and compared byte for byte with tflite_micro on {survey.get('inputs_per_model', '?')} "
         "fixed-seed inputs, then compiled for m4 (RAM = activation arena + scratch, flash = constant data;",
         "code and stack come on top).", "",
         f"{n_exact} of {len(rows) - n_lfs} obtainable models compile and match TFLM exactly; {len(refused)} are refused or differ; "
         f"{n_lfs} are stored in Git LFS, so only their pointer files could be fetched.", "",
         "| model | kind | source | ops | result | m4 RAM | m4 flash |", "|---|---|---|---|---|---:|---:|"]
    for r in rows:
        res = r["result"]
        src = f"[{r['repo']}@{r['commit'][:7]}](https://github.com/{r['repo']}/blob/{r['commit']}/{r['path']})"
        ops = ", ".join(f"{op}\u00d7{n}" if n > 1 else op for op, n in res.get("ops", {}).items()) or "-"
        st = res["status"]
        if st == "exact":
            verdict = f"exact ({res['host']['inputs']}/{res['host']['inputs']} inputs)"
        elif st == "mismatch":
            verdict = f"**differs** ({sum(1 for d in res['host']['differing_elements'] if d)}/{res['host']['inputs']} inputs)"
        elif st == "lfs_pointer":
            verdict = f"Git LFS pointer only ({res['lfs']['size']:,} B not fetched)"
        elif st == "unsupported":
            verdict = "refused: " + _refusal(res["error"])
        else:
            verdict = f"{st}: {_refusal(res.get('error', ''))}"
        m4 = res.get("m4", {})
        ram = f"{m4['ram_bytes']:,}" if "ram_bytes" in m4 else "-"
        flash = f"{m4['flash_bytes']:,}" if "flash_bytes" in m4 else "-"
        if "ram_bytes" in m4 and not m4.get("fits_board", True):
            flash += " (over the board)"
        L.append(f"| {r['name']} | {_cell(r['kind'])} | {src} | {_cell(ops)} | {_cell(verdict)} | {ram} | {flash} |")
    need: dict[str, list[str]] = {}
    for r in refused:
        for op in r["result"].get("unsupported_ops", []):
            need.setdefault(op, []).append(r["name"])
    if need:
        L += ["", "Operators the refused models use that microforge does not support:", "",
              "| operator | models |", "|---|---|"]
        for op in sorted(need, key=lambda o: (-len(need[o]), o)):
            L.append(f"| {op} | {', '.join(need[op])} |")
    other = [r for r in refused if not r["result"].get("unsupported_ops")]
    if other:
        L += ["", "Refused or differing for another reason than a missing operator:", ""]
        L += [f"- {r['name']}: " + ("outputs differ from TFLM" if r["result"]["status"] == "mismatch"
                                     else _cell(_refusal(r["result"].get("error", r["result"]["status"])))) for r in other]
    return L


def head_commit() -> str:
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()


def changed_sources() -> list[str]:
    """The source files the working tree changes against HEAD (a run measured on them is not HEAD's code)."""
    out = subprocess.run(["git", "status", "--porcelain", "--", "src", "benchmarks/run_benchmarks.py"], cwd=ROOT,
                         capture_output=True, text=True).stdout
    return sorted(line[3:] for line in out.splitlines() if line.strip())


def uncommitted(measured: dict | None) -> str:
    """' with uncommitted changes to `f`, ...' for a run whose tree changed sources, else ''."""
    changed = (measured or {}).get("changed") or []
    return f" with uncommitted changes to {', '.join(f'`{c}`' for c in changed)}" if changed else ""


def describe_run(measured: dict | None) -> str:
    """'`commit` (when)', plus the files it had changed, for a run's {commit, when, changed}."""
    if not measured:
        return "an earlier run"
    return f"commit `{measured.get('commit', '?')}`{uncommitted(measured)} ({measured.get('when', '?')})"


def now_utc() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def write_markdown(results: dict, previous: dict, arenas: dict, published: dict, cmsis: dict,
                   survey: dict | None = None, measured: dict | None = None,
                   previous_measured: dict | None = None) -> str:
    """BENCHMARKS.md; `measured` ({commit, when}) is the run the figures come from (default: now, at HEAD), so a
    `--render-only` rewrite keeps naming the commit that was measured."""
    when, commit = (measured or {}).get("when") or now_utc(), (measured or {}).get("commit") or head_commit()
    rendered = "" if commit == head_commit() else f" (rendered at `{head_commit()}`)"
    rendered += "," + uncommitted(measured) if uncommitted(measured) else ""
    L = ["# BENCHMARKS", "",
         f"Written by `benchmarks/run_benchmarks.py` on {when} at commit `{commit}`{rendered}: every figure below comes",
         "from that run (emulated cores: unicorn executing the arm-none-eabi-gcc -O2 firmware; cycles from",
         "microforge's TRM-based cycle model in `src/microforge/sim/cycle_model.py`, zero-wait-state memory).",
         "\"exact\" = outputs byte-identical to the tflite_micro interpreter on the same input.", "",
         "## Latency and memory per model and core", "",
         f"`previous`: the cycles of the run this one replaced, {describe_run(previous_measured)}.", "",
         "| model | core | cycles | previous | ms @ clock | instructions | MACs/cycle | RAM total (act + scratch + stack + static) | TFLM arena | RAM / TFLM | flash | exact |",
         "|---|---|---:|---:|---:|---:|---:|---|---:|---:|---:|:-:|"]
    for key in sorted(results, key=lambda k: (k.split("/")[0], TARGETS.index(k.split("/")[1]))):
        r = results[key]
        model, tgt = key.split("/")
        prev = previous.get(key, {}).get("cycles")
        ram = r["ram_bytes"]
        arena = arenas[model]["total"]
        L.append(f"| {model} | {tgt} | {r['cycles']:,} | {f'{prev:,}' if prev else '-'} | {r['latency_ms']:.2f} @ {r['clock_mhz']:g} MHz "
                 f"| {r['instructions']:,} | {r['macs'] / max(r['cycles'], 1):.3f} | {ram['total']:,} ({ram['activations']:,} + "
                 f"{ram['scratch']:,} + {ram['stack']:,} + {ram['static']:,}) | {arena:,} | {ram['total'] / arena:.2f} "
                 f"| {r['flash_bytes']:,} | {'yes' if r['exact'] else '**NO**'} |")
    notes = sorted({(k.split('/')[0], r['note']) for k, r in results.items() if r.get("note")})
    L += [""] + [f"- {m}: {n}" for m, n in notes]

    L += ["", "## Against the best published MLPerf Tiny results and TFLM + CMSIS-NN", "",
          "Published: best closed-division latency on a real board (../shared/models/README.md) converted to",
          "cycles at that board's clock. TFLM + CMSIS-NN: ../shared/baselines/tflm_cmsis_nn.md (its own",
          "cycle model: compare its instructions directly, its cycles only as a ratio).", "",
          "| model | core | ours (cycles) | published (cycles) | ours / published | TFLM+CMSIS-NN instructions | ours / theirs (instructions) | TFLM+CMSIS-NN cycles | ours / theirs (cycles) |",
          "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for key in sorted(results):
        model, tgt = key.split("/")
        if tgt not in ("m4", "m7", "m33"):
            continue
        r = results[key]
        pub = published.get((tgt, model))
        base = cmsis.get((tgt, model))
        pub_cells = f"{fmt_m(pub[1])} | {r['cycles'] / pub[1]:.2f}x" if pub else "- | -"
        base_cells = (f"{base[0]:,} | {r['instructions'] / base[0]:.2f}x | {base[1]:,} | {r['cycles'] / base[1]:.2f}x"
                      if base else "- | - | - | -")
        L.append(f"| {model} | {tgt} | {r['cycles']:,} | {pub_cells} | {base_cells} |")

    L += ["", "## RAM against TFLM", "",
          "Whole-tensor bound: the most activation bytes live at one op if every tensor had its own buffer (no",
          "in-place sharing, no row pipeline); ours below it is planning below whole tensors. Totals on the M4",
          "(activations + scratch + measured stack + static).", "",
          "| model | TFLM arena total | TFLM planned activations (head) | whole-tensor bound | ours: activations | ours: total RAM (m4) | total / TFLM arena |",
          "|---|---:|---:|---:|---:|---:|---:|"]
    files = model_files()
    for model in sorted(arenas):
        r = results.get(f"{model}/m4")
        if r is None or model not in files:
            continue
        a = arenas[model]
        L.append(f"| {model} | {a['total']:,} | {a['head']:,} | {whole_tensor_bytes(files[model]):,} "
                 f"| {r['ram_bytes']['activations']:,} | {r['ram_bytes']['total']:,} | {r['ram_bytes']['total'] / a['total']:.2f} |")

    L += render_flash(results)

    rows = [(k, r) for k, r in sorted(results.items()) if r.get("row_pipeline")]
    if rows:
        L += ["", "## Row pipeline: RAM saved and its cost", "",
              "Chains of high-resolution layers run band by band (`--row-pipeline auto`), against the same model "
              "with `--row-pipeline off`, same input.", "",
              "| model | core | segments | RAM total off -> on | cycles off -> on | flash off -> on |",
              "|---|---|---|---:|---:|---:|"]
        for key, r in rows:
            model, tgt = key.split("/")
            rp = r["row_pipeline"]
            segs = "; ".join(rp["segments"])
            L.append(f"| {model} | {tgt} | {segs} | {rp['ram_total_without']:,} -> {r['ram_bytes']['total']:,} "
                     f"| {rp['cycles_without']:,} -> {r['cycles']:,} ({100 * (r['cycles'] / rp['cycles_without'] - 1):+.1f}%) "
                     f"| {rp['flash_without']:,} -> {r['flash_bytes']:,} |")

    L += ["", "## Per layer (Cortex-M4)", "", "MACs/cycle per layer: the layers far from 2 MACs/cycle (SMLAD's limit) are where the next work is.", ""]
    for key in sorted(results):
        model, tgt = key.split("/")
        if tgt != "m4":
            continue
        r = results[key]
        L += [f"<details><summary>{model} on m4: {r['cycles']:,} cycles</summary>", "",
              "| layer | model op | op | output | MACs | cycles | MACs/cycle | share |",
              "|---:|---:|---|---|---:|---:|---:|---:|"]
        for l in r["layers"]:
            L.append(f"| {l['index']} | {l['model_ops']} | {l['op']} | {'x'.join(map(str, l['shape']))} | {l['macs']:,} "
                     f"| {l['cycles']:,} | {l['macs_per_cycle']:.3f} | {100 * l['cycles'] / max(r['cycles'], 1):.1f}% |")
        L += ["", "</details>", ""]
    if survey:
        L += [""] + render_public_models(survey)
    L += [""] + render_left_out()
    return "\n".join(L) + "\n"


def render_flash(results: dict, core: str = "m4") -> list[str]:
    """Issue #7's question per model on one core: the .tflite's constants, what microforge stores, code (report.py
    flash_account, measured in the linked image); results from before the account existed show '-'."""
    L = ["", f"## Flash: weights .tflite / stored / code ({core})", "",
         "`.tflite`: the constant tensors the model's operators read, as the .tflite stores them; `stored`: what "
         "microforge's image holds for them (re-laid weights, folded biases, multipliers, shifts, tables, parameter "
         "structs; each generated constant sized by its ELF symbol); `code`: model.o's .text (the inlined kernels). "
         "Layers over 1.05x are usually small ones, where per-channel multipliers and shifts weigh most. "
         "`floor`: the .tflite's constants plus 4 bytes for each per-channel requantisation multiplier (one per "
         "output channel of a layer quantised per channel): the .tflite keeps those scales in its quantisation "
         "parameters, outside the constants counted here, so no engine that keeps its multipliers in flash can "
         "store less; where the floor is over 1.05x, that goal is out of reach.", "",
         "| model | weights .tflite | stored | stored / .tflite | floor / .tflite | code | flash total "
         "| layers over 1.05x |",
         "|---|---:|---:|---:|---:|---:|---:|---:|"]
    files = model_files() if MODELS.is_dir() else {}
    for key in sorted(results):
        model, tgt = key.split("/")
        if tgt != core:
            continue
        a = results[key].get("flash_account")
        if not a:
            L.append(f"| {model} | - | - | - | - | - | {results[key]['flash_bytes']:,} | - |")
            continue
        over = sum(l["stored"] > 1.05 * l["tflite"] for l in a["layers"])
        ratio = f"{a['stored'] / a['tflite']:.3f}" if a["tflite"] else "-"
        flag = " **over 1.05**" if a["tflite"] and a["stored"] > 1.05 * a["tflite"] else ""
        floor = "-"
        if a["tflite"] and model in files:
            floor = f"{(a['tflite'] + 4 * requant_multipliers(files[model])) / a['tflite']:.3f}"
        L.append(f"| {model} | {a['tflite']:,} | {a['stored']:,} | {ratio}{flag} | {floor} | {a['code']:,} "
                 f"| {a['total']:,} | {over} of {len(a['layers'])} |")
    return L


WEIGHTED_OPS = ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "TRANSPOSE_CONV")


def requant_multipliers(path: Path) -> int:
    """How many per-channel requantisation multipliers the model's weighted ops need: one per output channel of
    each op whose weights (its second input) are quantised per channel. A per-tensor op's one multiplier can be an
    instruction's immediate, so it is not counted."""
    from microforge.frontend.tflite import load_tflite
    n = 0
    for op in load_tflite(path).ops:
        w = op.inputs[1] if op.type.value in WEIGHTED_OPS else None
        if w is not None and w.is_const and w.quant is not None and w.quant.per_channel:
            n += len(w.quant.scale)
    return n


def whole_tensor_bytes(path: Path) -> int:
    """The whole-tensor bound of the model's plain graph (memory/planner.py whole_tensor_bound)."""
    from microforge.driver import compile_model
    from microforge.memory import whole_tensor_bound
    return whole_tensor_bound(compile_model(path, "host", row_pipeline="off").plan.buffers)


def render_left_out() -> list[str]:
    """What microforge does not compile, from the op table's notes (the same text as docs/ops.md)."""
    from microforge.ops import NOTES
    return ["## Left out", "", "From `docs/ops.md` (generated from the op table):", ""] + [
        f"- {n}" for n in NOTES if n.startswith(("Not supported", "int16 activations"))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", help="comma-separated subset (default: all in ../shared/models)")
    ap.add_argument("--targets", help="comma-separated subset of " + ",".join(TARGETS))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--render-only", action="store_true",
                    help="rewrite BENCHMARKS.md from benchmarks/results.json without running anything")
    args = ap.parse_args()
    if args.render_only:
        saved = json.loads(RESULTS.read_text())
        survey = json.loads(SURVEY.read_text()) if SURVEY.exists() else None
        OUT.write_text(write_markdown(saved["results"], saved.get("previous", {}), saved["arenas"], published_cycles(),
                                      cmsis_baseline(), survey, saved.get("measured"), saved.get("previous_measured")))
        print(f"wrote {OUT.relative_to(ROOT)} from {RESULTS.relative_to(ROOT)}", file=sys.stderr)
        return 0
    if not MODELS.is_dir():
        print(f"error: {MODELS} not found: the benchmarks need ../shared/models beside the repository", file=sys.stderr)
        return 2
    models = model_files()
    if args.models:
        models = {k: v for k, v in models.items() if k in args.models.split(",")}
    targets = args.targets.split(",") if args.targets else TARGETS
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results = dict(previous.get("results", {}))
    prev_results = previous.get("results", {})
    arenas = {name: tflm_arena(path) for name, path in models.items()}
    jobs = [(n, str(p), t) for n, p in models.items() for t in targets]
    started = now_utc()
    print(f"benchmarking {len(jobs)} (model, core) pairs with {args.jobs} workers", file=sys.stderr)
    failed = 0
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futs = {pool.submit(bench_one, *j): j for j in jobs}
        for f in as_completed(futs):
            n, _, t = futs[f]
            try:
                r = f.result()
            except Exception as e:  # keep going; report which pair failed
                failed += 1
                print(f"  {n} on {t}: FAILED: {e}", file=sys.stderr)
                continue
            results[f"{n}/{t}"] = r
            print(f"  {n} on {t}: {r['cycles']:,} cycles, RAM {r['ram_bytes']['total']:,} B, "
                  f"exact={r['exact']} ({r['wall_s']} s)", file=sys.stderr)
    all_arenas = {**previous.get("arenas", {}), **arenas}
    survey = json.loads(SURVEY.read_text()) if SURVEY.exists() else None
    measured = {"commit": head_commit(), "when": started, "changed": changed_sources()}
    prev_measured = previous.get("measured")
    OUT.write_text(write_markdown(results, prev_results, all_arenas, published_cycles(), cmsis_baseline(), survey,
                                  measured, prev_measured))
    RESULTS.write_text(json.dumps({"results": results, "previous": prev_results, "arenas": all_arenas,
                                   "measured": measured, "previous_measured": prev_measured}, indent=1,
                                  sort_keys=True))
    print(f"wrote {OUT.relative_to(ROOT)} and {RESULTS.relative_to(ROOT)}", file=sys.stderr)
    return 1 if failed or not all(r["exact"] for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
