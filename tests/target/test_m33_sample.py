"""The premise of the M33 sample (tests/target/conftest.py): the M33 builds the M4's kernel source, so an M33 leg of
a per-op case re-tests what the M4 leg tests, save gcc's -mcpu. If one of these fails, the M33 has grown paths of
its own: run its legs in full (drop the sample, or MF_ALL_CORES=1) until its own paths have their own tests."""
from __future__ import annotations

import ast
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from m33_sample import M33_EVERY, case_on, m33_sampled_out
from test_on_target import OP_MODELS

import microforge
from microforge.driver import compile_model

PKG = Path(microforge.__file__).resolve().parent


def test_runtime_has_no_m4_or_m33_branch():
    hits = [f"{p.relative_to(PKG)}:{i}" for p in sorted((PKG / "runtime").rglob("*.[ch]"))
            for i, line in enumerate(p.read_text().splitlines(), 1)
            if re.search(r"\bMF_TARGET_M(4|33)\b", line)]
    assert not hits, f"the runtime tests the M4's or the M33's core macro: {hits}"


def test_every_core_choice_takes_the_m4_and_the_m33_together():
    """Every MF_TARGET_M4 / MF_TARGET_M33 string in the package sits in a tuple, list or set holding both."""
    lone = []
    for p in sorted(PKG.rglob("*.py")):
        tree = ast.parse(p.read_text())
        paired = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
                vals = {e.value for e in node.elts if isinstance(e, ast.Constant)}
                if {"MF_TARGET_M4", "MF_TARGET_M33"} <= vals:
                    paired |= {id(e) for e in node.elts}
        lone += [f"{p.relative_to(PKG)}:{n.lineno}" for n in ast.walk(tree)
                 if isinstance(n, ast.Constant) and n.value in ("MF_TARGET_M4", "MF_TARGET_M33") and id(n) not in paired]
    assert not lone, f"a choice names the M4 or the M33 without the other: {lone}"


def test_per_op_models_compile_to_the_same_source_on_m4_and_m33():
    differ = []
    for name, make in sorted(OP_MODELS.items()):
        model = make()
        m4 = compile_model(model, target="m4").files
        m33 = compile_model(model, target="m33").files
        if {k: v.replace("MF_TARGET_M4", "MF_TARGET_M33") for k, v in m4.items()} != m33:
            differ.append(name)
    assert not differ, f"model.c differs between the M4 and the M33 beyond the core macro: {differ}"


def _item(nodeid: str, every_core: bool = False):
    here = Path(__file__).parent
    return SimpleNamespace(nodeid=nodeid, path=here / "test_x.py",
                           get_closest_marker=lambda name: object() if every_core and name == "every_core" else None)


def test_the_sample_keeps_every_functions_first_m33_leg_and_every_nth():
    f = "tests/target/test_x.py::test_f"
    items = [_item(f"{f}[c{i}-{core}]") for i in range(9) for core in ("m4", "m7", "m33")]
    items += [_item("tests/target/test_x.py::test_g[c0-m33]"),                     # no M4 twin: runs
              _item("tests/target/test_x.py::test_g[c0-m7]"),
              _item("tests/target/test_x.py::test_h[m4]"), _item("tests/target/test_x.py::test_h[m33]"),  # one case
              *[_item(f"tests/target/test_x.py::test_w[c{i}-{core}]", every_core=True)
                for i in range(5) for core in ("m4", "m33")]]
    out = {it.nodeid for it in m33_sampled_out(items)}
    kept = [i for i in range(9) if f"{f}[c{i}-m33]" not in out]
    assert kept == list(range(0, 9, M33_EVERY))
    assert all(it.nodeid.endswith("-m33]") and "::test_f[" in it.nodeid for it in m33_sampled_out(items))
    assert len(out) == 9 - len(kept)


@pytest.mark.parametrize("nodeid,twin", [("t.py::f[a-m33-b]", "t.py::f[a-m4-b]"), ("t.py::f[m33]", "t.py::f[m4]"),
                                         ("t.py::f[m330]", None), ("t.py::f", None)])
def test_case_on_names_the_same_case_on_the_m4(nodeid, twin):
    assert case_on(nodeid, "m4") == twin
