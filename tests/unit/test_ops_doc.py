"""docs/ops.md is generated from the op table; this fails when someone adds an op without regenerating it."""
from pathlib import Path

from microforge.cli import main
from microforge.ops import REGISTRY, ops_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "ops.md"


def test_ops_md_is_current():
    assert DOC.read_text() == ops_markdown(), "docs/ops.md is stale: run `python tools/gen_ops_doc.py`"


def test_every_registered_op_is_listed():
    text = ops_markdown()
    for t in REGISTRY:
        assert f"| {t.value}" in text, f"{t.value} missing from the ops list"


def test_cli_ops_prints_the_list(capsys):
    assert main(["ops"]) == 0
    assert capsys.readouterr().out == ops_markdown()
