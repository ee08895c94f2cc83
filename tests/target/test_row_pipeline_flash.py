"""`--row-pipeline auto` on a core keeps a segment only while the firmware with its extra code fits the target's
flash (measured by building it). Budgets are derived from measured images of the same model, never typed in."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from helpers import Oracle, random_inputs, seed_of, shared_model

from microforge.driver import compile_model, image_flash
from microforge.ir import OpType
from microforge.modelgen import example_model
from microforge.report import make_report
from microforge.sim.run import run_on_target
from microforge.targets import get_target
from microforge.toolchain.arm import _object_key, have_arm_gcc

pytestmark = pytest.mark.skipif(not have_arm_gcc(), reason="arm-none-eabi-gcc not installed "
                                "(apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)")
M4 = get_target("m4")


@pytest.fixture(scope="module")
def example_images():
    """(model, flash without row pipelines, flash with the one auto picks) on the M4."""
    data = example_model()
    off = compile_model(data, M4, row_pipeline="off")
    on = compile_model(data, M4)
    assert on.row_pipeline and not off.row_pipeline
    return data, image_flash(off, M4), image_flash(on, M4), off.arena_bytes, on.arena_bytes


def test_auto_drops_the_segment_whose_code_overflows_flash(example_images, tmp_path):
    data, off, on, arena_off, arena_on = example_images
    assert on > off and arena_on < arena_off          # the segment costs code and saves RAM: a real trade-off
    small = M4.with_overrides(flash=(off + on) // 2)
    cm = compile_model(data, small)
    assert not any(op.type is OpType.ROW_PIPELINE for op in cm.graph.ops) and cm.arena_bytes == arena_off
    (why,) = cm.row_pipeline_flash
    assert why == (f"row pipeline ops 1-3 dropped: its code takes the firmware from {off:,} to {on:,} B of flash, "
                   f"over the target's {small.flash_bytes:,} B (--flash)")
    # the firmware now fits the small flash (the link would refuse otherwise) and still matches TFLM
    oracle = Oracle(data)
    xs = random_inputs(oracle, np.random.default_rng(seed_of("rp-flash")))
    run = run_on_target(cm, small, xs, workdir=tmp_path)
    assert run.build.flash_bytes == off <= small.flash_bytes
    assert [g.tobytes() for g in run.outputs] == [w.tobytes() for w in oracle.run(xs)]
    assert why in make_report(cm, small, run).to_text()


def test_auto_keeps_the_segment_when_it_fits_or_when_nothing_would(example_images):
    data, off, on, arena_off, arena_on = example_images
    exact = compile_model(data, M4.with_overrides(flash=on))          # fits to the byte
    assert exact.row_pipeline and exact.arena_bytes == arena_on and exact.row_pipeline_flash == []
    tiny = compile_model(data, M4.with_overrides(flash=off - 1))     # does not fit even without: RAM still saved
    assert tiny.row_pipeline and tiny.arena_bytes == arena_on
    assert tiny.row_pipeline_flash == [f"the firmware needs {off:,} B of flash even without row pipelines, over the "
                                       f"target's {off - 1:,} B: the row pipelines (+{on - off:,} B) are kept for their RAM"]
    forced = compile_model(data, M4.with_overrides(flash=(off + on) // 2), row_pipeline="on")   # on: every chain
    assert forced.row_pipeline and forced.row_pipeline_flash == []
    assert compile_model(data, "host").row_pipeline                 # the host has no flash to respect


def test_cli_plan_and_compile_say_why(example_images, tmp_path):
    data, off, on, *_ = example_images
    model = tmp_path / "example.tflite"
    model.write_bytes(data)

    def mf(*args):
        return subprocess.run([sys.executable, "-m", "microforge", *map(str, args)], capture_output=True, text=True)

    budget = (off + on) // 2
    r = mf("plan", model, "--target", "m4", "--flash", budget)
    assert r.returncode == 0, r.stderr
    assert f"row pipeline ops 1-3 dropped: its code takes the firmware from {off:,} to {on:,} B" in r.stdout
    assert "ROW_PIPELINE" not in r.stdout
    r = mf("compile", model, "--target", "m4", "--flash", budget, "--no-measure", "-o", tmp_path / "lib")
    assert r.returncode == 0 and "dropped: its code takes the firmware" in r.stdout
    r = mf("plan", model, "--target", "m4")
    assert r.returncode == 0 and "row pipeline ops 1-3 (" in r.stdout and "dropped" not in r.stdout


def test_two_segments_only_those_that_fit(tmp_path):
    """The MLPerf ic model: auto picks two segments; a budget one byte short of both keeps what fits."""
    data = shared_model("mlperf_tiny/ic.tflite").read_bytes()
    full = compile_model(data, M4)
    assert len(full.row_pipeline) == 2
    need = image_flash(full, M4)
    small = M4.with_overrides(flash=need - 1)
    cm = compile_model(data, small)
    assert len(cm.row_pipeline) < 2 and cm.row_pipeline_flash
    assert all(" dropped" in n for n in cm.row_pipeline_flash)
    assert image_flash(cm, small) <= small.flash_bytes                 # never over the budget
    assert cm.arena_bytes >= full.arena_bytes
    oracle = Oracle(data)
    xs = random_inputs(oracle, np.random.default_rng(seed_of("rp-flash-ic")))
    run = run_on_target(cm, small, xs, workdir=tmp_path)
    assert [g.tobytes() for g in run.outputs] == [w.tobytes() for w in oracle.run(xs)]


def test_object_cache_key_follows_the_files_not_the_folder(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for d in (a, b):
        d.mkdir()
        (d / "model.c").write_text('#include "k.h"\nint f(void) { return K; }\n')
        (d / "k.h").write_text("#define K 1\n")
    key = lambda d, flags=("-O2",): _object_key("gcc", [*flags, f"-I{d}"], d / "model.c", d)  # noqa: E731
    assert key(a) == key(b)
    (b / "k.h").write_text("#define K 2\n")                          # a header beside it changed
    assert key(a) != key(b)
    assert key(a) != key(a, ("-Os",))


def test_ample_flash_keeps_the_segment_without_a_build(monkeypatch):
    """Constants leaving at least _WEIGH_CODE_BELOW of flash free: the segment stays and nothing is built (compile
    and plan stay instant); just below that room the code is weighed by a build."""
    import microforge.driver as driver

    data = example_model()
    # the pipelined plan's constants (the driver weighs them): a depthwise layer's stored words depend on the order its
    # plan gives it (the direct ring's compact groups, ops/depthwise_conv2d.py _rows_layout)
    const = compile_model(data, M4, row_pipeline="on").const_bytes
    built = []
    monkeypatch.setattr(driver, "image_flash", lambda cm, t: built.append(t.flash_bytes) or 0)
    roomy = compile_model(data, M4.with_overrides(flash=const + driver._WEIGH_CODE_BELOW))
    assert roomy.row_pipeline and not roomy.row_pipeline_flash and built == []
    tight = compile_model(data, M4.with_overrides(flash=const + driver._WEIGH_CODE_BELOW - 1))
    assert tight.row_pipeline and built == [const + driver._WEIGH_CODE_BELOW - 1]
