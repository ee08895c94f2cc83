"""The microforge command end to end: example, compile, run on the host, targets."""
import subprocess
import sys

import numpy as np
from helpers import oracle_run

from microforge.modelgen import example_model


def mf(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "microforge", *map(str, args)], capture_output=True, text=True, cwd=cwd)


def test_example_compile_run_matches_tflm(tmp_path):
    model = tmp_path / "example.tflite"
    r = mf("example", "-o", model)
    assert r.returncode == 0, r.stderr
    assert model.read_bytes() == example_model()

    r = mf("compile", model, "--target", "host", "-o", tmp_path / "lib")
    assert r.returncode == 0, r.stderr
    assert "RAM:" in r.stdout and "flash:" in r.stdout
    for f in ("model.c", "model.h", "README.md", "mf_common.h"):
        assert (tmp_path / "lib" / f).is_file()
    assert "Do not edit" in (tmp_path / "lib" / "model.c").read_text()

    x = np.random.default_rng(7).integers(-128, 128, size=(1, 32, 32, 3), dtype=np.int8)
    np.save(tmp_path / "x.npy", x)
    r = mf("run", model, "--target", "host", "--input", tmp_path / "x.npy", "--output", tmp_path / "y.npy")
    assert r.returncode == 0, r.stderr
    y = np.load(tmp_path / "y.npy")
    ref = oracle_run(example_model(), [x])[0]
    assert y.dtype == ref.dtype and np.array_equal(y, ref)


def test_run_rejects_wrong_input_with_exit_2(tmp_path):
    model = tmp_path / "example.tflite"
    model.write_bytes(example_model())
    np.save(tmp_path / "bad.npy", np.zeros((3,), np.float32))
    r = mf("run", model, "--input", tmp_path / "bad.npy")
    assert r.returncode == 2
    assert "expects int8 [1, 32, 32, 3]" in r.stderr and "Traceback" not in r.stderr


def test_targets_lists_every_core():
    r = mf("targets")
    assert r.returncode == 0
    for name in ("host", "m0plus", "m4", "m7", "m33", "m55"):
        assert name in r.stdout


def test_plan_prints_table_and_draws_svg(tmp_path):
    model = tmp_path / "example.tflite"
    model.write_bytes(example_model())
    r = mf("plan", model, "--svg", tmp_path / "plan.svg")
    assert r.returncode == 0, r.stderr
    assert "arena" in r.stdout and "whole-tensor bound" in r.stdout
    svg = (tmp_path / "plan.svg").read_text()
    assert svg.startswith("<svg") and "</svg>" in svg


def test_board_sizes_take_units(tmp_path):
    """--flash / --ram read 16M, 320K, 2MiB as well as plain bytes (a MobileNetV2 is benched with 16 MiB of external
    flash); a size they cannot read is refused at the argument, saying what to give."""
    model = tmp_path / "example.tflite"
    model.write_bytes(example_model())
    r = mf("compile", model, "--target", "m4", "--flash", "1K", "-o", tmp_path / "small")
    assert r.returncode != 0 and "(1,024)" in r.stderr, r.stderr       # 1K is 1,024 bytes, too small for the model
    r = mf("compile", model, "--target", "m4", "--flash", "16M", "--ram", "320K", "-o", tmp_path / "big")
    assert r.returncode == 0, r.stderr
    r = mf("compile", model, "--target", "m4", "--flash", "16Q", "-o", tmp_path / "bad")
    assert r.returncode == 2 and "'16Q' is not a memory size" in r.stderr and "16M" in r.stderr
