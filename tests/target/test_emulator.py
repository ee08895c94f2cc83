"""Build the stand-in model into firmware and run it on the emulated cores."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from microforge.errors import MicroforgeError
from microforge.sim import run_firmware
from microforge.targets import get_target
from microforge.toolchain import arm
from microforge.toolchain.arm import build_firmware

HERE = Path(__file__).parent
N = 48  # stand-in model's input/output size

needs_gcc = pytest.mark.skipif(
    shutil.which("arm-none-eabi-gcc") is None,
    reason="arm-none-eabi-gcc not installed (apt-get install gcc-arm-none-eabi "
           "libnewlib-arm-none-eabi)")


def _model_dir(tmp_path: Path, name: str = "model") -> Path:
    d = tmp_path / name
    d.mkdir()
    shutil.copy(HERE / "standin_model.c", d / "model.c")
    shutil.copy(HERE / "standin_model.h", d / "model.h")
    return d


def _build(tmp_path: Path, target_name: str, *defines: str, target=None, **kw):
    target = target or get_target(target_name)
    d = _model_dir(tmp_path)
    return target, build_firmware(target, d, tmp_path / "out", extra_cflags=tuple(
        f"-D{x}" for x in defines), **kw)


def _expected(inp: bytes) -> bytes:
    return bytes((b + 1) & 0xFF for b in inp)


INPUT = bytes((i * 37 + 200) & 0xFF for i in range(N))  # includes 127 -> -128 wrap


@needs_gcc
@pytest.mark.parametrize("name", ["m0plus", "m4", "m7", "m33", "m55"])
def test_standin_runs(tmp_path, name):
    target, build = _build(tmp_path, name)
    assert build.flash_bytes > 0 and build.flash_bytes <= target.flash_bytes
    assert build.arena_bytes == 2 * N
    assert build.ram_bytes >= build.arena_bytes
    assert build.stack_bytes == arm.DEFAULT_STACK_BYTES
    assert build.text_bytes > 0

    r = run_firmware(build.elf_path, target, [INPUT], [N])
    assert r.outputs == [_expected(INPUT)]
    assert r.status == 0
    assert [layer.index for layer in r.layers] == [0, 1]
    assert all(layer.cycles > 0 and layer.instructions > 0 for layer in r.layers)
    assert sum(layer.cycles for layer in r.layers) <= r.cycles
    assert sum(layer.instructions for layer in r.layers) <= r.instructions
    assert r.instructions <= r.total_instructions and r.cycles <= r.total_cycles
    assert 0 < r.stack_high_water_bytes < r.stack_reserved_bytes
    assert r.time_ms is not None and r.time_ms > 0


@needs_gcc
def test_cores_differ_in_cycles(tmp_path):
    cycles = {}
    for name in ("m4", "m7"):
        (tmp_path / name).mkdir()
        target, build = _build(tmp_path / name, name)
        cycles[name] = run_firmware(build.elf_path, target, [INPUT], [N]).cycles
    assert cycles["m7"] < cycles["m4"]  # dual issue


@needs_gcc
def test_invalid_write_reports_pc_symbol_and_layer(tmp_path):
    target, build = _build(tmp_path, "m4", "STANDIN_FAULT")
    with pytest.raises(MicroforgeError) as exc:
        run_firmware(build.elf_path, target, [INPUT], [N])
    msg = str(exc.value)
    assert "invalid memory write" in msg and "0x70000000" in msg
    assert "PC=0x" in msg and "mf_model_invoke" in msg and "layer 1" in msg


@needs_gcc
def test_undefined_instruction(tmp_path):
    target, build = _build(tmp_path, "m0plus", "STANDIN_UNDEF")
    with pytest.raises(MicroforgeError, match=r"undefined instruction.*PC=0x"):
        run_firmware(build.elf_path, target, [INPUT], [N])


@needs_gcc
def test_runaway_hits_instruction_cap(tmp_path):
    target, build = _build(tmp_path, "m33", "STANDIN_RUNAWAY")
    with pytest.raises(MicroforgeError) as exc:
        run_firmware(build.elf_path, target, [INPUT], [N], max_instructions=200_000)
    msg = str(exc.value)
    assert "instruction limit of 200,000 exceeded" in msg
    assert "PC=0x" in msg and "layer 1" in msg


@needs_gcc
def test_stack_overflow_is_reported(tmp_path):
    target, build = _build(tmp_path, "m7", "STANDIN_RECURSE", stack_bytes=2048)
    with pytest.raises(MicroforgeError, match="stack overflow"):
        run_firmware(build.elf_path, target, [INPUT], [N])


@needs_gcc
def test_input_size_mismatch(tmp_path):
    target, build = _build(tmp_path, "m4")
    with pytest.raises(MicroforgeError, match=f"input 0 has 3 bytes, the model expects {N}"):
        run_firmware(build.elf_path, target, [b"abc"], [N])


@needs_gcc
def test_image_too_big_for_ram_says_by_how_much(tmp_path):
    small = get_target("m4").with_overrides(ram=4096)
    with pytest.raises(MicroforgeError, match=r"RAM by \d+ bytes"):
        _build(tmp_path, "m4", target=small)


@needs_gcc
def test_memory_report_matches_size_tool(tmp_path):
    target, build = _build(tmp_path, "m4")
    out = subprocess.run(["arm-none-eabi-size", "-A", str(build.elf_path)], capture_output=True,
                         text=True, check=True).stdout
    sizes = {p[0]: int(p[1]) for p in (ln.split() for ln in out.splitlines())
             if len(p) == 3 and p[1].isdigit()}
    assert build.bss_bytes == sizes[".bss"]
    assert build.ram_bytes == sizes.get(".data", 0) + sizes[".bss"] + sizes.get(".mf_arena", 0)   # arena: own section
    assert build.flash_bytes == (sizes[".isr_vector"] + sizes[".text"] + sizes.get(".rodata", 0) + sizes.get(".mf_weights", 0)
                                 + sizes.get(".data", 0) + sizes.get(".ARM.exidx", 0)
                                 + sizes.get(".ARM.extab", 0))


def test_missing_compiler_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(arm.shutil, "which", lambda name: None)
    with pytest.raises(MicroforgeError, match="apt-get install gcc-arm-none-eabi "
                                              "libnewlib-arm-none-eabi"):
        build_firmware(get_target("m4"), _model_dir(tmp_path), tmp_path / "out")


@needs_gcc
def test_armv81m_loop_instructions_are_not_executable(tmp_path):
    """Why m55 is built +nomve for Armv8-M Mainline: unicorn rejects v8.1-M DLS/LE."""
    src = tmp_path / "lob.S"
    src.write_text("""
    .syntax unified
    .thumb
    .section .isr_vector,"a"
    .word __stack_top__
    .word reset + 1
    .text
    .thumb_func
reset:
    bl bench_start
    movs r0, #4
    dls lr, r0
1:  adds r1, r1, #1
    le lr, 1b
    bl bench_stop
    .thumb_func
    .global bench_start
bench_start: bx lr
    .thumb_func
    .global bench_stop
bench_stop: bx lr
    .thumb_func
    .global mf_halt
mf_halt: bkpt #0
    .section .stack,"aw",%nobits
    .global __stack_bottom__
    .global __stack_top__
__stack_bottom__: .space 256
__stack_top__:
""")
    elf = tmp_path / "lob.elf"
    subprocess.run(["arm-none-eabi-gcc", "-march=armv8.1-m.main", "-mthumb", "-nostdlib",
                    "-Wl,-e,reset", "-Wl,-Ttext=0x40", "-Wl,--section-start=.isr_vector=0",
                    "-Wl,--section-start=.stack=0x20000000", str(src), "-o", str(elf)],
                   check=True, capture_output=True)
    with pytest.raises(MicroforgeError, match="not executable in the emulator"):
        run_firmware(elf, get_target("m55"), [], [])


@needs_gcc
@pytest.mark.parametrize("name", ["m0plus", "m4"])
def test_compiled_example_model_matches_host(tmp_path, name):
    """End to end: compiler output built by build_firmware and emulated == host build."""
    np = pytest.importorskip("numpy")
    from microforge.driver import compile_model
    from microforge.modelgen import example_model
    from microforge.sim.run import run_on_target
    from microforge.toolchain.host import build_host

    cm = compile_model(example_model(), target=name)
    x = [np.random.default_rng(1).integers(-128, 128, size=t.shape, dtype=t.dtype.np)
         for t in cm.graph.inputs]
    ref = build_host(compile_model(example_model(), target="host"), tmp_path / "host").run(x)
    run = run_on_target(cm, get_target(name), x, workdir=tmp_path / "fw")
    assert all(np.array_equal(a, b) for a, b in zip(run.outputs, ref))
    assert len(run.result.layers) == len(cm.layers)
    assert run.build.arena_bytes == cm.arena_bytes
    assert run.result.cycles > 0 and run.result.stack_high_water_bytes > 0


@needs_gcc
def test_profile_accounts_every_cycle_to_a_block(tmp_path):
    """run_firmware(profile=True): the per-block cycles sum to the run's total, the blocks inside the layers sum to the
    layers' cycles (every layer's code is attributed to it), outputs and counts equal an unprofiled run's; the hottest
    blocks come disassembled with their layer (bench --hot). Only the profiled build has debug info (-g, for
    addr2line), and its image is byte for byte the plain build's."""
    import numpy as np   # a pinned dependency: no skip
    from microforge.driver import compile_model
    from microforge.modelgen import example_model
    from microforge.sim.profile import hot_blocks, hot_text
    from microforge.sim.run import run_on_target

    cm = compile_model(example_model(), target="m4")
    x = [np.random.default_rng(2).integers(-128, 128, size=t.shape, dtype=t.dtype.np) for t in cm.graph.inputs]
    plain = run_on_target(cm, get_target("m4"), x, workdir=tmp_path / "a")
    prof = run_on_target(cm, get_target("m4"), x, workdir=tmp_path / "b", profile=True)
    assert plain.result.blocks is None and prof.result.blocks
    assert prof.result.total_cycles == plain.result.total_cycles and prof.result.cycles == plain.result.cycles
    assert all(np.array_equal(a, b) for a, b in zip(prof.outputs, plain.outputs))
    model_o = [run.build.elf_path.parent / "obj" / "model.o" for run in (plain, prof)]
    assert b".debug_info" not in model_o[0].read_bytes() and b".debug_info" in model_o[1].read_bytes()
    images = []
    for run in (plain, prof):
        image = run.build.elf_path.with_suffix(".bin")
        subprocess.run(["arm-none-eabi-objcopy", "-O", "binary", str(run.build.elf_path), str(image)], check=True)
        images.append(image.read_bytes())
    assert images[0] == images[1] and len(images[0]) > 1000
    blocks = prof.result.blocks
    assert sum(c for c, _, _ in blocks.values()) == prof.result.total_cycles
    for layer in prof.result.layers:
        assert sum(c for (i, _), (c, _, _) in blocks.items() if i == layer.index) == layer.cycles
    hot = hot_blocks(blocks, prof.build.elf_path, 3)
    assert len(hot) == 3 and hot[0].cycles >= hot[1].cycles >= hot[2].cycles and hot[0].layer is not None
    assert hot[0].instructions and hot[0].instructions[0].startswith(f"{hot[0].address:08x}: ")
    # the inlined kernel chain, ending in the layer's own function
    assert hot[0].source.endswith(")") and f"< mf_layer_{hot[0].layer} (" in hot[0].source
    text = hot_text(hot, prof.result.total_cycles, {hot[0].layer: "CONV_2D"})
    assert f"layer {hot[0].layer} CONV_2D: 0x{hot[0].address:08x}" in text


@needs_gcc
def test_bench_hot_lists_the_hottest_blocks(tmp_path):
    """`microforge bench --hot N` prints the per-layer table, then N ranked blocks with layer, cycles and disassembly;
    a negative N is a clear error."""
    import subprocess
    import sys

    from microforge.modelgen import example_model

    model = tmp_path / "example.tflite"
    model.write_bytes(example_model())
    r = subprocess.run([sys.executable, "-m", "microforge", "bench", str(model), "--target", "m4", "--hot", "2"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "hot code: the 2 blocks with the most cycles" in r.stdout
    assert "   1. layer " in r.stdout and "   2. " in r.stdout and "runs x " in r.stdout
    r = subprocess.run([sys.executable, "-m", "microforge", "bench", str(model), "--target", "m4", "--hot", "3", "--json"],
                       capture_output=True, text=True)
    import json
    hot = json.loads(r.stdout)["hot"]
    assert r.returncode == 0 and len(hot) == 3 and hot[0]["cycles"] >= hot[2]["cycles"] and hot[0]["instructions"]
    r = subprocess.run([sys.executable, "-m", "microforge", "bench", str(model), "--target", "m4", "--hot", "-1"],
                       capture_output=True, text=True)
    assert r.returncode != 0 and "--hot -1" in r.stderr
