"""Long fuzzing run: mutate real and generated models; each mutant must raise MicroforgeError or match TFLM.

    .venv/bin/python tools/fuzz.py --iterations 2000 --seed 1 [--models ad,example] [--mutators quant,names]
                                   [--builds 20] [--save-dir fuzz-failures]

Exit status 1 when a mutant raised anything other than MicroforgeError or built code that differs from TFLM;
such mutants are saved to --save-dir for reproduction (`microforge compile FILE -o out`).
"""
from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "fuzz"), str(ROOT / "tests"), str(ROOT / "src")]

import numpy as np  # noqa: E402

import fuzzlib  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iterations", type=int, default=500)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--models", default=",".join([*fuzzlib.GENERATED, *fuzzlib.SHARED_MODELS]))
    ap.add_argument("--mutators", default=",".join(fuzzlib.MUTATORS))
    ap.add_argument("--builds", type=int, default=10, help="at most this many compiled mutants are built and run")
    ap.add_argument("--save-dir", type=Path, default=Path("fuzz-failures"))
    args = ap.parse_args(argv)

    models = {n: d for n in args.models.split(",") if (d := fuzzlib.load_model(n)) is not None}
    mutators = args.mutators.split(",")
    rng = np.random.default_rng(args.seed)
    stats: collections.Counter = collections.Counter()
    failures = 0
    builds = 0
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mf-fuzz-") as tmp:
        for it in range(args.iterations):
            name = list(models)[int(rng.integers(0, len(models)))]
            kind = mutators[int(rng.integers(0, len(mutators)))]
            seed = int(rng.integers(0, 2 ** 31))
            label = f"{name} {kind} seed={seed}"
            mutant = fuzzlib.mutate(kind, models[name], seed)
            try:
                v = fuzzlib.compile_or_reject(mutant)
                if v.outcome == "compiled" and builds < args.builds and fuzzlib.buildable(v.cm):
                    builds += 1
                    v = fuzzlib.build_and_compare(mutant, v.cm, Path(tmp, f"b{it}"), seed)
                stats[v.outcome] += 1
            except Exception:
                failures += 1
                stats["FAIL"] += 1
                args.save_dir.mkdir(parents=True, exist_ok=True)
                out = args.save_dir / f"{name.replace('/', '_')}-{kind}-{seed}.tflite"
                out.write_bytes(mutant)
                print(f"FAIL {label} -> {out}\n{traceback.format_exc()}", flush=True)
            if (it + 1) % 100 == 0:
                print(f"{it + 1} mutants, {time.monotonic() - t0:.0f} s: {dict(stats)}", flush=True)
    print(f"done: {args.iterations} mutants in {time.monotonic() - t0:.0f} s: {dict(stats)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
