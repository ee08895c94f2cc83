"""benchmarks/survey.py helpers and the "Public models" section run_benchmarks.py renders from survey.json."""
from __future__ import annotations

import importlib.util

from helpers import REPO

from microforge import modelzoo


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", REPO / "benchmarks" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


survey, bench = _load("survey"), _load("run_benchmarks")

SHA = "0" * 40


def _row(name, result, repo="owner/models", path="m/x.tflite"):
    return {"name": name, "kind": "keyword | spotting", "repo": repo, "path": path, "commit": SHA,
            "sha256": "ab" * 32, "size": 10, "result": result}


SURVEY = {"microforge_commit": "abc1234", "inputs_per_model": 3, "models": [
    _row("good", {"status": "exact", "ops": {"CONV_2D": 3, "SOFTMAX": 1}, "unsupported_ops": [],
                  "host": {"inputs": 3, "exact": True, "differing_elements": [0, 0, 0]},
                  "m4": {"ram_bytes": 12345, "flash_bytes": 67890, "fits_board": True}}),
    _row("big", {"status": "exact", "ops": {"CONV_2D": 1}, "unsupported_ops": [],
                 "host": {"inputs": 3, "exact": True, "differing_elements": [0, 0, 0]},
                 "m4": {"ram_bytes": 1 << 20, "flash_bytes": 5 << 20, "fits_board": False}}),
    _row("off", {"status": "mismatch", "ops": {"MUL": 1}, "unsupported_ops": [],
                 "host": {"inputs": 3, "exact": False, "differing_elements": [0, 4, 1]}, "m4": {"error": "x"}}),
    _row("lstm", {"status": "unsupported", "ops": {"UNIDIRECTIONAL_SEQUENCE_LSTM": 1, "SVDF": 2},
                  "unsupported_ops": ["SVDF", "UNIDIRECTIONAL_SEQUENCE_LSTM"],
                  "error": "op 0 (SVDF): operator SVDF is not supported. Supported operators: ADD, A|B"}),
    _row("svdf2", {"status": "unsupported", "ops": {"SVDF": 1}, "unsupported_ops": ["SVDF"],
                   "error": "op 1 (SVDF): operator SVDF is not supported. Supported operators: ADD"}),
    _row("ptr", {"status": "lfs_pointer", "lfs": {"oid": "sha256:12", "size": 4096}, "error": "lfs"}),
]}


def test_render_public_models_table_and_summary():
    text = "\n".join(bench.render_public_models(SURVEY))
    assert text.startswith("## Public models")
    assert "at commit `abc1234`" in text and "on 3 fixed-seed inputs" in text
    assert "2 of 5 obtainable models compile and match TFLM exactly; 3 are refused or differ; 1 are stored in Git LFS" in text
    good = next(line for line in text.splitlines() if line.startswith("| good |"))
    assert "keyword \\| spotting" in good  # pipes escaped inside cells
    assert f"[owner/models@0000000](https://github.com/owner/models/blob/{SHA}/m/x.tflite)" in good
    assert "CONV_2D\u00d73, SOFTMAX" in good and "exact (3/3 inputs)" in good and "| 12,345 | 67,890 |" in good
    assert "5,242,880 (over the board)" in text
    assert "**differs** (2/3 inputs)" in text
    lstm = next(line for line in text.splitlines() if line.startswith("| lstm |"))
    assert "refused: op 0 (SVDF): operator SVDF is not supported |" in lstm and "A|B" not in lstm
    assert "Git LFS pointer only (4,096 B not fetched)" in text
    # ops the refused models need, most-needed first; the mismatching model needs nothing new
    need = text.split("does not support:")[1].splitlines()
    assert [l for l in need if l.startswith("| ") and "operator" not in l] == [
        "| SVDF | lstm, svdf2 |", "| UNIDIRECTIONAL_SEQUENCE_LSTM | lstm |"]
    assert text.rstrip().endswith("another reason than a missing operator:\n\n- off: outputs differ from TFLM")


def test_write_markdown_appends_the_section_only_with_a_survey():
    args = ({}, {}, {}, {}, {})
    assert "## Public models" not in bench.write_markdown(*args)
    assert "## Public models" in bench.write_markdown(*args, survey=SURVEY)


def test_lfs_pointer_and_ops_used():
    pointer = b"version https://git-lfs.github.com/spec/v1\noid sha256:abcd\nsize 1234\n"
    assert survey.lfs_pointer(pointer) == {"oid": "sha256:abcd", "size": 1234}
    model = modelzoo.audio_cnn()
    assert survey.lfs_pointer(model) is None
    assert survey.ops_used(model) == {"CONV_2D": 2, "DEPTHWISE_CONV_2D": 1, "FULLY_CONNECTED": 1,
                                      "MAX_POOL_2D": 2, "RESHAPE": 1, "SOFTMAX": 1}
    assert survey.tensor_types(model) == {"INT32": 5, "INT8": 13}  # 4 biases + the shape; 8 activations + 4 weights + input


def test_left_out_section_comes_from_the_op_table_notes():
    from microforge.ops import NOTES
    text = "\n".join(bench.render_left_out())
    assert text.startswith("## Left out")
    assert "UNIDIRECTIONAL_SEQUENCE_LSTM" in text and "int16 activations" in text
    assert all(n in text for n in NOTES if n.startswith("Not supported"))


def test_requant_multipliers_counts_one_per_weight_scale(tmp_path):
    """The flash floor's multiplier count: per-channel layers one per output channel, per-tensor layers none."""
    from microforge import modelgen
    cases = [(modelgen.conv2d_model(in_shape=(1, 6, 6, 3), out_c=5, per_channel=True), 5),
             (modelgen.conv2d_model(in_shape=(1, 6, 6, 3), out_c=5, per_channel=False), 0),
             (modelgen.depthwise_model(in_shape=(1, 6, 6, 7), per_channel=True), 7),
             (modelgen.fc_model(in_shape=(1, 16), units=9, per_channel=True), 9)]
    for i, (blob, want) in enumerate(cases):
        path = tmp_path / f"m{i}.tflite"
        path.write_bytes(blob)
        assert bench.requant_multipliers(path) == want


def test_previous_run_is_named_with_its_commit_and_changed_files():
    prev = {"commit": "abc1234", "when": "2026-12-06 19:53 UTC", "changed": ["src/microforge/sim/cycle_model.py"]}
    md = bench.write_markdown({}, {}, {}, {}, {}, None, {"commit": "def5678", "when": "now"}, prev)
    line = next(l for l in md.splitlines() if l.startswith("`previous`"))
    assert "`abc1234` with uncommitted changes to `src/microforge/sim/cycle_model.py` (2026-12-06 19:53 UTC)" in line
    clean = bench.write_markdown({}, {}, {}, {}, {}, None, {"commit": "def5678", "when": "now"},
                                 {"commit": "abc1234", "when": "then"})
    assert "`abc1234` (then)" in clean and "uncommitted" not in clean.split("## Latency")[1].split("\n\n")[1]
    assert "an earlier run" in bench.write_markdown({}, {}, {}, {}, {}, None, {"commit": "x", "when": "now"})
