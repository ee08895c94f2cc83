"""Memory pools (--memory) on the host: a model split over two pools still matches TFLM byte for byte, with
static arenas and with caller-placed ones (one buffer per pool)."""
from __future__ import annotations

import ctypes
import subprocess

import numpy as np
import pytest
from helpers import Oracle, random_inputs, seed_of, shared_model

from microforge.driver import compile_model
from microforge.errors import MicroforgeError
from microforge.modelgen import example_model
from microforge.toolchain.host import HOST_CFLAGS, build_host, host_cc

# (model, pools): the first pool is small enough that the placement really splits the buffers
CASES = [
    ("example", "fast:4K,slow:64K"),
    ("mlperf_tiny/kws.tflite", "dtcm:8K,sram:128K"),
    ("mlperf_tiny/ic.tflite", "dtcm:16K,sram:256K"),
]


def _model(name: str) -> bytes:
    return example_model() if name == "example" else shared_model(name).read_bytes()


@pytest.mark.parametrize("name, memory", CASES, ids=[c[0].split("/")[-1] for c in CASES])
def test_two_pools_match_tflm_bit_exactly(tmp_path, name, memory):
    data = _model(name)
    cm = compile_model(data, memory=memory)
    used = {u["pool"]: u["used"] for u in cm.pool_usage}
    assert all(used.values()), f"a pool is empty, the test would not exercise two arenas: {cm.pool_usage}"
    src = cm.files["model.c"]
    assert all(f"(mf_arena_{p} +" in src for p in used)
    hm = build_host(cm, tmp_path)
    oracle = Oracle(data)
    rng = np.random.default_rng(seed_of("pools", name, memory))
    for _ in range(3):
        xs = random_inputs(oracle, rng)
        want = oracle.run(xs)
        got = hm.run([x.copy() for x in xs])
        for g, w in zip(got, want):
            assert g.dtype == w.dtype and g.shape == w.shape and g.tobytes() == w.tobytes()


def test_caller_placed_pools_on_the_host(tmp_path):
    """-DMF_MODEL_EXTERNAL_ARENA with pools: one setter per pool, invoke refuses until every pool has a buffer."""
    data = example_model()
    cm = compile_model(data, memory="fast:4K,slow:64K")
    cm.write(tmp_path / "src")
    lib = tmp_path / "libpools.so"
    r = subprocess.run([host_cc(), *HOST_CFLAGS, "-DMF_MODEL_EXTERNAL_ARENA", "-I", tmp_path / "src", "-o", lib,
                        tmp_path / "src" / "model.c", "-lm"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    so = ctypes.CDLL(str(lib))
    so.mf_model_input.restype = so.mf_model_output.restype = ctypes.c_void_p
    so.mf_model_input.argtypes = so.mf_model_output.argtypes = [ctypes.c_int]
    bufs = {}
    for u in cm.pool_usage:
        raw = ctypes.create_string_buffer(u["used"] + 16)
        bufs[u["pool"]] = (raw, (ctypes.addressof(raw) + 15) & ~15)
    assert so.mf_model_invoke() == -1
    so.mf_model_set_arena_fast(ctypes.c_void_p(bufs["fast"][1]))
    assert so.mf_model_invoke() == -1                       # the slow pool still has no buffer
    so.mf_model_set_arena_slow(ctypes.c_void_p(bufs["slow"][1]))
    x = np.random.default_rng(5).integers(-128, 128, size=(1, 32, 32, 3), dtype=np.int8)
    ctypes.memmove(so.mf_model_input(0), x.tobytes(), x.nbytes)
    assert so.mf_model_invoke() == 0
    want = Oracle(data).run([x])[0]
    assert ctypes.string_at(so.mf_model_output(0), want.nbytes) == want.tobytes()


def _mf(*args):
    import sys

    return subprocess.run([sys.executable, "-m", "microforge", *map(str, args)], capture_output=True, text=True)


def test_cli_memory_option_compile_plan_and_errors(tmp_path):
    model = tmp_path / "example.tflite"
    model.write_bytes(example_model())
    r = _mf("compile", model, "--memory", "fast:4K,slow:64K", "-o", tmp_path / "lib")
    assert r.returncode == 0, r.stderr
    assert "pools: fast 4,096 of 4,096 bytes, slow " in r.stdout and " of 65,536 bytes" in r.stdout
    text = (tmp_path / "lib" / "model.c").read_text()
    assert "mf_arena_fast[" in text and "mf_arena_slow[" in text
    assert "pool `fast`" in (tmp_path / "lib" / "README.md").read_text()
    r = _mf("plan", model, "--memory", "fast:4K,slow:64K", "--svg", tmp_path / "p.svg")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("pool fast: 4,096 of 4,096 bytes") and "\npool slow: " in r.stdout
    assert (tmp_path / "p.svg").read_text().startswith("<svg")
    r = _mf("compile", model, "--memory", "fast:4K,slow:2K", "-o", tmp_path / "lib2")
    assert r.returncode == 2 and "pool 'slow' needs" in r.stderr and "more than its 2,048" in r.stderr
    assert "Traceback" not in r.stderr
    r = _mf("plan", model, "--memory", "fast=4K")
    assert r.returncode == 2 and "--memory, pool 1 ('fast=4K'): a pool needs a name and a size" in r.stderr
    r = _mf("compile", "--help")
    assert "--memory POOLS" in r.stdout and "cmsis-pack" in r.stdout


def test_api_memory_argument():
    import microforge

    m = microforge.compile(example_model(), memory="fast:4K,slow:64K")
    assert [p["pool"] for p in m.plan.pools] == ["fast", "slow"] and m.plan.pools[0]["capacity"] == 4096
    assert m.plan.to_table().startswith("pool fast: ") and m.plan.to_svg().startswith("<svg")
    assert m.ram["activations"] == sum(p["used"] for p in m.plan.pools)
    assert microforge.compile(example_model()).plan.pools is None
    with pytest.raises(MicroforgeError, match="pool 'slow' needs"):
        microforge.compile(example_model(), memory="fast:1K,slow:1K")


def test_a_pool_nothing_fits_in_compiles_warning_free_and_still_matches(tmp_path):
    data = example_model()
    cm = compile_model(data, memory="fast:8,slow:64K")          # no buffer is 8 bytes or less
    assert [u["used"] for u in cm.pool_usage] == [0, cm.arena_bytes]
    cm.write(tmp_path / "src")
    r = subprocess.run([host_cc(), "-std=c99", "-Wall", "-Wextra", "-Werror", "-c", tmp_path / "src" / "model.c",
                        "-o", tmp_path / "model.o"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    x = np.random.default_rng(9).integers(-128, 128, size=(1, 32, 32, 3), dtype=np.int8)
    got = build_host(cm, tmp_path / "build").run([x])[0]
    assert got.tobytes() == Oracle(data).run([x])[0].tobytes()
