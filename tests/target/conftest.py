"""Target tests: the M33 legs of the per-op kernel tests run on a sample (why and how: m33_sample.py)."""
from __future__ import annotations

import os

import pytest

from m33_sample import m33_sampled_out


def pytest_configure(config):
    config.addinivalue_line("markers", "every_core: run every core's leg of this test (not sampled: m33_sample.py)")


@pytest.hookimpl(trylast=True)   # after -k / -m: a leg whose M4 twin was deselected runs (so `-k m33` runs them all)
def pytest_collection_modifyitems(config, items):
    if os.environ.get("MF_ALL_CORES") == "1":
        return
    out = m33_sampled_out(items)
    if out:
        drop = set(map(id, out))
        items[:] = [it for it in items if id(it) not in drop]
        config.hook.pytest_deselected(items=out)
        config._mf_m33_sampled = len(out)       # said at the end: tests/conftest.py
        if hasattr(config, "workeroutput"):      # an xdist worker: the controller says it
            config.workeroutput["mf_m33_sampled"] = len(out)
