"""Regenerate docs/ops.md from the op table: `python tools/gen_ops_doc.py` (tests fail while it is stale)."""
from pathlib import Path

from microforge.ops import ops_markdown

if __name__ == "__main__":
    out = Path(__file__).resolve().parents[1] / "docs" / "ops.md"
    out.write_text(ops_markdown())
    print(f"wrote {out}")
