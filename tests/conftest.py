"""Shared pytest setup: make tests/helpers.py importable as `helpers` from every test directory; say at the end how
many M33 legs tests/target/m33_sample.py left out."""
import sys
from pathlib import Path

import pytest

_TESTS = str(Path(__file__).resolve().parent)
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):   # the xdist controller: a worker's count of M33 legs left out
    n = getattr(node, "workeroutput", {}).get("mf_m33_sampled", 0)
    node.config._mf_m33_sampled = max(n, getattr(node.config, "_mf_m33_sampled", 0))


def pytest_terminal_summary(terminalreporter, config):
    n = getattr(config, "_mf_m33_sampled", 0)
    if n:
        terminalreporter.write_line(f"{n} M33 legs of per-op tests left out: the M33 builds the M4's kernel source "
                                    f"(tests/target/m33_sample.py); MF_ALL_CORES=1 runs them")
