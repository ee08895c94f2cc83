"""Survey public .tflite models: ops used, host build vs TFLM, m4 RAM/flash, or why microforge refuses them.

    .venv/bin/python benchmarks/survey.py [--dir /var/tmp/survey] [--manifest benchmarks/survey_manifest.json]
                                          [--models a,b] [--extract-from /path/to/mirrors] [--timeout 1200]

The manifest lists each model's source (repository, path, commit); the model files themselves live
in --dir (default $MICROFORGE_SURVEY_DIR or /var/tmp/survey) as <name>.tflite and are never
committed. --extract-from DIR first writes them from local bare mirrors DIR/<owner>+<repo>/repo
(`git show <commit>:<path>`). Each model is surveyed in its own subprocess (a model that crashes
the TFLM interpreter, or runs past --timeout, is recorded, not fatal). Results, with sha256 and
size but no model bytes, go to benchmarks/survey.json, which run_benchmarks.py renders as the
"Public models" section of BENCHMARKS.md.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "benchmarks" / "survey_manifest.json"
OUT = ROOT / "benchmarks" / "survey.json"
DEFAULT_DIR = Path(os.environ.get("MICROFORGE_SURVEY_DIR", "/var/tmp/survey"))
N_INPUTS = 3
SEED = 20261125
LFS_MAGIC = b"version https://git-lfs"


def lfs_pointer(data: bytes) -> dict | None:
    """The (oid, size) a Git LFS pointer file names, or None when `data` is not one."""
    if not data.startswith(LFS_MAGIC):
        return None
    fields = dict(line.split(" ", 1) for line in data.decode("ascii", "replace").splitlines() if " " in line)
    return {"oid": fields.get("oid", ""), "size": int(fields.get("size", "0") or 0)}


def tensor_types(data: bytes) -> dict[str, int]:
    """Tensor type name -> count over all subgraphs (tells int8 models from float or int16 ones)."""
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

    names = {v: k for k, v in vars(schema.TensorType).items() if not k.startswith("_")}
    m = schema.Model.GetRootAs(data, 0)
    counts: Counter[str] = Counter()
    for s in range(m.SubgraphsLength()):
        sg = m.Subgraphs(s)
        for k in range(sg.TensorsLength()):
            counts[names.get(sg.Tensors(k).Type(), "?")] += 1
    return dict(sorted(counts.items()))


def ops_used(data: bytes) -> dict[str, int]:
    """Operator name -> count over all subgraphs (custom ops as CUSTOM:<code>)."""
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

    from microforge.frontend.flatbuf import opcode_of
    from microforge.frontend.optable import builtin_name

    m = schema.Model.GetRootAs(data, 0)
    names = []
    for i in range(m.OperatorCodesLength()):
        oc = m.OperatorCodes(i)
        code = opcode_of(oc)
        names.append(f"CUSTOM:{oc.CustomCode().decode()}" if code == schema.BuiltinOperator.CUSTOM
                     else builtin_name(code))
    counts: Counter[str] = Counter()
    for s in range(m.SubgraphsLength()):
        sg = m.Subgraphs(s)
        for k in range(sg.OperatorsLength()):
            counts[names[sg.Operators(k).OpcodeIndex()]] += 1
    return dict(sorted(counts.items()))


def _tflm(data: bytes):
    import tflite_micro

    last = None
    for arena in (8 << 20, 64 << 20):
        try:
            return tflite_micro.runtime.Interpreter.from_bytes(data, arena_size=arena)
        except Exception as e:  # arena too small, or TFLM rejects the model
            last = e
    raise RuntimeError(f"TFLM cannot load the model: {str(last).strip()[:400]}")


def survey_one(path: Path) -> dict:
    """Everything the survey records about one model file (run in a subprocess by main)."""
    import numpy as np

    from microforge.driver import compile_model
    from microforge.errors import MicroforgeError
    from microforge.frontend.optable import supported_builtins
    from microforge.sim.run import random_inputs
    from microforge.targets import get_target
    from microforge.toolchain.host import build_host

    data = path.read_bytes()
    res: dict = {"ops": ops_used(data), "tensor_types": tensor_types(data)}
    supported = set(supported_builtins())
    res["unsupported_ops"] = sorted(op for op in res["ops"] if op not in supported)
    try:
        cm = compile_model(data, target="host")
    except MicroforgeError as e:
        res.update(status="unsupported", error=str(e).strip())
        return res
    res["macs"] = int(cm.macs)
    res["inputs"] = [f"{t.dtype.np.name}{list(t.shape)}" for t in cm.graph.inputs]
    try:
        it = _tflm(data)
    except RuntimeError as e:
        res.update(status="tflm_error", error=str(e))
        return res
    with tempfile.TemporaryDirectory(prefix="mf-survey-") as tmp:
        hm = build_host(cm, Path(tmp))
        differing = []
        for k in range(N_INPUTS):
            xs = random_inputs(cm.graph.inputs, seed=SEED + k)
            for i, x in enumerate(xs):
                it.set_input(x, i)
            it.invoke()
            want = [np.array(it.get_output(i)) for i in range(len(cm.graph.outputs))]
            got = hm.run([x.copy() for x in xs])
            differing.append(sum(int(np.count_nonzero(np.asarray(g).reshape(-1) != w.reshape(-1)))
                                 for g, w in zip(got, want)))
    res["host"] = {"inputs": N_INPUTS, "exact": not any(differing), "differing_elements": differing}
    m4 = get_target("m4")
    try:
        c4 = compile_model(data, target="m4")
        res["m4"] = {"ram_bytes": int(c4.ram_bytes), "arena_bytes": int(c4.arena_bytes),
                     "flash_bytes": int(c4.flash_bytes), "fits_board": c4.ram_bytes <= m4.ram_bytes
                     and c4.flash_bytes <= m4.flash_bytes, "board_ram": m4.ram_bytes, "board_flash": m4.flash_bytes}
    except MicroforgeError as e:
        res["m4"] = {"error": str(e).strip()}
    res["status"] = "exact" if res["host"]["exact"] else "mismatch"
    return res


def extract(entries: list[dict], mirrors: Path, out_dir: Path) -> None:
    """Write each model from a local mirror of its repository (`git show commit:path`)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for e in entries:
        repo = mirrors / e["repo"].replace("/", "+") / "repo"
        r = subprocess.run(["git", "-C", str(repo), "show", f"{e['commit']}:{e['path']}"], capture_output=True)
        if r.returncode == 0:
            (out_dir / f"{e['name']}.tflite").write_bytes(r.stdout)
        else:
            print(f"  {e['name']}: not extracted: {r.stderr.decode().strip()[:200]}", file=sys.stderr)


def _commit() -> str:
    """The microforge commit being surveyed ("-dirty" when the work tree has changes)."""
    git = ["git", "-C", str(ROOT)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run([*git, "status", "--porcelain", "--untracked-files=no", "src"], capture_output=True, text=True).stdout.strip()
    return head + ("-dirty" if dirty else "")


def survey_entry(entry: dict, model_dir: Path, timeout: float) -> dict:
    path = model_dir / f"{entry['name']}.tflite"
    row = dict(entry)
    if not path.is_file():
        return {**row, "result": {"status": "missing", "error": f"{path} not found"}}
    data = path.read_bytes()
    row.update(sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    pointer = lfs_pointer(data)
    if pointer is not None:
        return {**row, "result": {"status": "lfs_pointer", "lfs": pointer,
                                  "error": "the repository stores this file in Git LFS: only the pointer is available"}}
    if data[4:8] != b"TFL3":
        return {**row, "result": {"status": "not_tflite", "error": "no TFL3 file identifier"}}
    row["microforge_commit"] = _commit()
    t0 = time.monotonic()
    try:
        p = subprocess.run([sys.executable, __file__, "--one", str(path)], capture_output=True, text=True,
                           timeout=timeout, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    except subprocess.TimeoutExpired:
        return {**row, "result": {"status": "timeout", "error": f"survey took longer than {timeout:g} s"}}
    if p.returncode != 0 or not p.stdout.strip():
        tail = (p.stderr.strip().splitlines() or [f"exit status {p.returncode}"])[-1]
        return {**row, "result": {"status": "crash", "error": f"exit status {p.returncode}: {tail[:400]}"}}
    result = json.loads(p.stdout.strip().splitlines()[-1])
    result["wall_s"] = round(time.monotonic() - t0, 1)
    return {**row, "result": result}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="where the model files are (<name>.tflite)")
    ap.add_argument("--manifest", type=Path, default=MANIFEST)
    ap.add_argument("--models", help="comma-separated subset of the manifest's names")
    ap.add_argument("--extract-from", type=Path, help="local mirrors to write the model files from first")
    ap.add_argument("--timeout", type=float, default=1200.0, help="seconds per model")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--one", type=Path, help=argparse.SUPPRESS)  # internal: survey one file, print JSON
    args = ap.parse_args()
    if args.one:
        print(json.dumps(survey_one(args.one)))
        return 0
    entries = json.loads(args.manifest.read_text())["models"]
    if args.models:
        wanted = set(args.models.split(","))
        entries = [e for e in entries if e["name"] in wanted]
    if args.extract_from:
        extract(entries, args.extract_from, args.dir)
    previous = {r["name"]: r for r in json.loads(args.out.read_text())["models"]} if args.out.exists() else {}
    for e in entries:
        row = survey_entry(e, args.dir, args.timeout)
        previous[e["name"]] = row
        r = row["result"]
        print(f"  {e['name']}: {r['status']} {r.get('error', '')[:160]}", file=sys.stderr)
    order = [e["name"] for e in json.loads(args.manifest.read_text())["models"]]
    rows = sorted(previous.values(), key=lambda r: order.index(r["name"]) if r["name"] in order else len(order))
    args.out.write_text(json.dumps({"microforge_commit": _commit(), "inputs_per_model": N_INPUTS, "seed": SEED,
                                    "models": rows}, indent=1) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
