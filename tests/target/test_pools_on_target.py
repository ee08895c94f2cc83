"""Memory pools on the emulated Cortex-M7: a shared model compiled with --memory dtcm:8K,sram:... links each
pool's arena into its own section and memory region and still matches TFLM byte for byte."""
from __future__ import annotations

import numpy as np
import pytest
from helpers import Oracle, random_inputs, seed_of, shared_model

from microforge.driver import compile_model
from microforge.errors import MicroforgeError
from microforge.report import make_report
from microforge.sim.elf import read_elf
from microforge.sim.run import run_on_target
from microforge.targets import get_target
from microforge.modelgen import example_model
from microforge.sim.emulator import run_firmware
from microforge.toolchain.arm import build_firmware, have_arm_gcc, linker_script

pytestmark = pytest.mark.skipif(not have_arm_gcc(), reason="arm-none-eabi-gcc not installed "
                                "(apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)")
M7 = get_target("m7")


def test_kws_in_dtcm_and_sram_on_m7_matches_tflm(tmp_path):
    path = shared_model("mlperf_tiny/kws.tflite")
    cm = compile_model(path, target="m7", memory="dtcm:8K,sram:128K")
    use = {u["pool"]: u for u in cm.pool_usage}
    assert 0 < use["dtcm"]["used"] <= 8192 and 0 < use["sram"]["used"] <= 128 * 1024
    oracle = Oracle(path.read_bytes())
    xs = random_inputs(oracle, np.random.default_rng(seed_of("pools-m7")))
    run = run_on_target(cm, M7, xs, workdir=tmp_path)
    want = oracle.run(xs)
    assert run.result.status == 0
    assert [g.tobytes() for g in run.outputs] == [w.tobytes() for w in want]

    elf = read_elf(run.build.elf_path)
    sec = {s.name: s for s in elf.sections}
    for pool, u in use.items():
        s, arena = sec[f".mf_arena_{pool}"], elf.symbol(f"mf_arena_{pool}")
        assert arena.size == u["used"] and s.size == u["used"]
        assert s.addr <= arena.addr and arena.addr + arena.size <= s.addr + s.size
    assert ".mf_arena" not in sec or sec[".mf_arena"].size == 0
    # each pool in its own region, above the board RAM that holds stack, data and bss
    assert sec[".bss"].addr + sec[".bss"].size <= sec[".mf_arena_dtcm"].addr < sec[".mf_arena_sram"].addr
    assert run.build.arena_bytes == cm.arena_bytes and run.build.ram_bytes >= cm.arena_bytes

    report = make_report(cm, M7, run)                        # what `bench --memory` prints
    assert report.memory_pools == cm.pool_usage and report.to_dict()["memory_pools"][0]["pool"] == "dtcm"
    assert f"pools        dtcm {use['dtcm']['used']:,} of 8,192 B, sram {use['sram']['used']:,} of 131,072 B" in report.to_text()
    assert report.ram_bytes["activations"] == cm.arena_bytes and report.ram_bytes["static"] >= 0


def test_linker_script_regions_and_capacity_assert():
    pools = [dict(pool="dtcm", used=8000, capacity=8192), dict(pool="sram", used=100, capacity=1024)]
    ld = linker_script(M7, pools=pools)
    assert "MF_POOL_dtcm (rw) : ORIGIN = 0x2004E050, LENGTH = 8000" in ld   # 320 KiB - 8000 - 112 from the top
    assert "MF_POOL_sram (rw) : ORIGIN = 0x2004FF90, LENGTH = 112" in ld
    assert f"LENGTH = {M7.ram_bytes - 8112}\n" in ld
    assert "<= 8192, \"microforge: pool dtcm holds 8192 bytes\")" in ld and "} > MF_POOL_sram" in ld
    with pytest.raises(MicroforgeError, match="--memory: the memory pools' arenas take"):
        linker_script(M7, pools=[dict(pool="sram", used=M7.ram_bytes, capacity=M7.ram_bytes)])
    odd = linker_script(M7.with_overrides(ram=100_001), pools=[dict(pool="dtcm", used=10, capacity=16)])
    assert "MF_POOL_dtcm (rw) : ORIGIN = 0x20018690, LENGTH = 16" in odd     # aligned down: 0x20000000 + 100001 - 16


@pytest.mark.parametrize("external_arena", [False, True])
def test_example_with_pools_static_and_caller_placed_on_m4(tmp_path, external_arena):
    """The harness hands each pool its own buffer through MF_MODEL_ARENAS (model.h) when the caller places them."""
    m4 = get_target("m4")
    data = example_model()
    cm = compile_model(data, target="m4", memory="fast:4K,slow:64K")
    cm.write(tmp_path / "src")
    build = build_firmware(m4, tmp_path / "src", tmp_path / "build", pools=cm.pool_usage,
                           extra_cflags=("-DMF_MODEL_EXTERNAL_ARENA",) if external_arena else ())
    elf = read_elf(build.elf_path)
    sizes = {n: elf.symbol(f"mf_arena_{n}").size for n in ("fast", "slow")}
    assert sizes == ({"fast": 4, "slow": 4} if external_arena else {u["pool"]: u["used"] for u in cm.pool_usage})
    assert ("fw_arena" in elf.symbols) == external_arena
    x = np.random.default_rng(2).integers(-128, 128, size=(1, 32, 32, 3), dtype=np.int8)
    res = run_firmware(build.elf_path, m4, [x.tobytes()], [t.nbytes for t in cm.graph.outputs])
    assert res.status == 0 and res.outputs[0] == Oracle(data).run([x])[0].tobytes()


def _mf(*args):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "microforge", *map(str, args)], capture_output=True, text=True)


def test_cli_run_and_verify_with_two_pools_on_m7(tmp_path):
    """`run` and `verify` take --memory like compile/bench/plan: same parsing, same errors, same pool line."""
    from microforge.debug import expose_intermediates
    from microforge.footprint import pools_text

    data, memory = example_model(), "dtcm:4K,sram:128K"
    model = tmp_path / "example.tflite"
    model.write_bytes(data)
    x = np.random.default_rng(seed_of("run-verify-pools")).integers(-128, 128, size=(1, 32, 32, 3), dtype=np.int8)
    np.save(tmp_path / "x.npy", x)
    usage = compile_model(data, target="m7", memory=memory).pool_usage
    assert all(u["used"] for u in usage), usage                    # both arenas really in use
    r = _mf("run", model, "--target", "m7", "--memory", memory, "--input", tmp_path / "x.npy",
            "--output", tmp_path / "y.npy")
    assert r.returncode == 0, r.stderr
    assert pools_text(usage) in r.stdout
    assert np.load(tmp_path / "y.npy").tobytes() == Oracle(data).run([x])[0].tobytes()

    debug_usage = compile_model(expose_intermediates(data), target="m7", memory=memory).pool_usage
    assert sum(u["used"] for u in debug_usage) > sum(u["used"] for u in usage)   # every layer output kept alive
    r = _mf("verify", model, "--target", "m7", "--memory", memory, "--input", tmp_path / "x.npy")
    assert r.returncode == 0, r.stderr
    assert "identical: all 9 layer outputs on m7" in r.stdout and pools_text(debug_usage) in r.stdout

    for cmd in (("run", model, "--input", tmp_path / "x.npy"), ("verify", model)):
        r = _mf(*cmd, "--target", "m7", "--memory", "dtcm:4K,sram:2K")
        assert r.returncode == 2 and "pool 'sram' needs" in r.stderr and "Traceback" not in r.stderr
        r = _mf(*cmd, "--target", "m7", "--memory", "dtcm=4K")
        assert r.returncode == 2 and "--memory, pool 1 ('dtcm=4K'): a pool needs a name and a size" in r.stderr
    for cmd in ("run", "verify"):
        assert "--memory POOLS" in _mf(cmd, "--help").stdout


def test_api_run_and_verify_with_two_pools_on_m7():
    import microforge

    path = shared_model("mlperf_tiny/kws.tflite")
    data, memory = path.read_bytes(), "dtcm:8K,sram:128K"
    oracle = Oracle(data)
    xs = random_inputs(oracle, np.random.default_rng(seed_of("api-pools-m7")))
    m = microforge.compile(data, target="m7", memory=memory)
    assert [p["pool"] for p in m.plan.pools] == ["dtcm", "sram"] and all(p["used"] for p in m.plan.pools)
    assert [y.tobytes() for y in m.run(xs)] == [w.tobytes() for w in oracle.run(xs)]
    r = microforge.verify(data, "m7", inputs=xs, memory=memory)
    assert r.identical and r.first_mismatch is None and len(r.layers) > 5
    assert [p["pool"] for p in r.pools] == ["dtcm", "sram"] and r.pools[0]["used"] > 0
    assert r.to_text().startswith("pools: dtcm ")
    with pytest.raises(MicroforgeError, match="pool 'sram' needs"):
        microforge.verify(data, "m7", memory="dtcm:8K,sram:8K")
