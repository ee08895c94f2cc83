"""The Python API (microforge.compile -> Model) end to end, mirroring the CLI tests."""
import numpy as np
import pytest
from helpers import oracle_run

import microforge
from microforge.errors import MicroforgeError
from microforge.modelgen import example_model
from microforge.toolchain.arm import have_arm_gcc

needs_arm = pytest.mark.skipif(not have_arm_gcc(), reason="arm-none-eabi-gcc not installed")


@pytest.fixture(scope="module")
def model_path(tmp_path_factory):
    p = tmp_path_factory.mktemp("api") / "example.tflite"
    p.write_bytes(example_model())
    return p


def _x(seed=7):
    return np.random.default_rng(seed).integers(-128, 128, size=(1, 32, 32, 3), dtype=np.int8)


def test_host_compile_run_matches_tflm(model_path):
    m = microforge.compile(model_path, target="host")
    x = _x()
    ys = m.run(x)
    ref = oracle_run(example_model(), [x])[0]
    assert len(ys) == 1 and ys[0].dtype == ref.dtype and np.array_equal(ys[0], ref)
    assert np.array_equal(m.run([_x(8)])[0], oracle_run(example_model(), [_x(8)])[0])   # the build is reused
    assert "model.c" in m.files and "Do not edit" in m.files["model.c"]


def test_host_ram_and_flash_say_what_is_known(model_path):
    m = microforge.compile(model_path)
    assert m.ram["activations"] == m.compiled.arena_bytes > 0
    assert m.ram["scratch"] == 0 and m.ram["stack"] is None and m.ram["static"] is None
    assert m.flash["weights"] == m.compiled.const_bytes > 0 and m.flash["kernel_code"] is None


def test_plan_renders_svg_and_table(model_path, tmp_path):
    m = microforge.compile(model_path)
    svg = m.plan.to_svg(tmp_path / "plan.svg")
    assert svg.startswith("<svg") and (tmp_path / "plan.svg").read_text() == svg
    assert "whole-tensor bound" in m.plan.to_table()
    assert m.plan.size == m.compiled.arena_bytes


def test_write_plain_and_packaged(model_path, tmp_path):
    m = microforge.compile(model_path)
    written = m.write(tmp_path / "plain")
    assert {p.name for p in written} >= {"model.c", "model.h", "README.md", "mf_common.h"}
    m.write(tmp_path / "cm", format="cmake")
    assert "add_library(microforge_model" in (tmp_path / "cm" / "CMakeLists.txt").read_text()
    with pytest.raises(MicroforgeError, match="unknown package format"):
        m.write(tmp_path / "x", format="bazel")


def test_errors_are_microforge_errors(tmp_path):
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"not a model")
    with pytest.raises(MicroforgeError):
        microforge.compile(bad)
    with pytest.raises(MicroforgeError, match="not the host"):
        microforge.compile(example_model()).bench()
    with pytest.raises(MicroforgeError, match="expects int8"):
        microforge.compile(example_model()).run(np.zeros(3, np.float32))


@needs_arm
def test_m4_bench_ram_flash_run(model_path):
    m = microforge.compile(model_path, target="m4")
    report = m.bench()
    assert report.target == "m4" and report.cycles > 0 and len(report.layers) == len(m.compiled.layers)
    ram, flash = m.ram, m.flash
    assert ram["activations"] == report.ram_bytes["activations"] and ram["stack"] > 0
    assert ram["total"] == ram["activations"] + ram["scratch"] + ram["stack"] + ram["static"]
    assert flash["total"] == report.flash_bytes == flash["weights"] + flash["kernel_code"] + flash["runtime"]
    assert flash["weights"] >= m.compiled.const_bytes and flash["kernel_code"] > 0
    x = _x(3)
    assert np.array_equal(m.run(x)[0], oracle_run(example_model(), [x])[0])
