"""The M33 legs of the per-op kernel tests run on a sample (the hooks: tests/target/conftest.py).

The M33 builds the M4's kernel source: runtime/dsp has no M33 (or M4) branch, the ops choose the same paths for both
(every core tuple that names MF_TARGET_M4 names MF_TARGET_M33), and model.c differs only in its core macro; only
gcc's -mcpu differs (test_m33_sample.py checks all three). So where a test runs the same case on the M4 and the M33,
the M33 leg of every M33_EVERY-th case (in collection order, the first always) runs: every test function keeps its
M33 compile and run, and about three in four of the suite's M33 legs are left out (the run says how many).
Tests marked `every_core` (the whole models) run every leg; MF_ALL_CORES=1 runs every leg of every test.
"""
from __future__ import annotations

import os
import re

M33_EVERY = 4
HERE = os.path.dirname(os.path.abspath(__file__))


def case_on(nodeid: str, core: str) -> str | None:
    """The node id of the same case on `core`, or None when the id names no 'm33' parameter."""
    m = re.fullmatch(r"(.*)\[(.*)\]", nodeid)
    if not m:
        return None
    parts = m.group(2).split("-")
    if "m33" not in parts:
        return None
    return f"{m.group(1)}[{'-'.join(core if p == 'm33' else p for p in parts)}]"


def m33_sampled_out(items) -> list:
    """The items the sample leaves out: M33 legs of tests in this folder whose M4 twin is collected, not marked
    every_core, and not the first or an M33_EVERY-th of their test function's such legs."""
    ids = {it.nodeid for it in items}
    seen: dict[str, int] = {}
    out = []
    for it in items:
        twin = case_on(it.nodeid, "m4")
        if (twin is None or twin not in ids or it.get_closest_marker("every_core")
                or os.path.dirname(os.path.abspath(str(it.path))) != HERE):
            continue
        fn = it.nodeid.split("[")[0]
        k = seen.get(fn, 0)
        seen[fn] = k + 1
        if k % M33_EVERY:
            out.append(it)
    return out
