"""The generated C of real models builds warning-free in a user's firmware: arm-none-eabi-gcc -O2 -Wall -Wextra -Werror,
with the kernels each core takes (runtime/dsp/ schedules per MF_TARGET_<CORE>, runtime/portable/ on the M0+). GCC's
flow analysis sees the constant shapes of the inlined kernels, so a dead branch that would read past a stack scratch or
a parameter a kernel stopped using shows up only on a real model (kws's first layer did: -Warray-bounds)."""
from __future__ import annotations

import subprocess

import pytest
from helpers import shared_model

from microforge.driver import compile_model
from microforge.targets import get_target
from microforge.toolchain.arm import have_arm_gcc

pytestmark = pytest.mark.skipif(not have_arm_gcc(), reason="arm-none-eabi-gcc not installed "
                                "(apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi, or sh tools/setup.sh)")


@pytest.mark.parametrize("core", ["m0plus", "m4", "m7"])
@pytest.mark.parametrize("name", ["kws", "vww", "ic"])
def test_real_model_compiles_without_warnings(name, core, tmp_path):
    cm = compile_model(shared_model(f"mlperf_tiny/{name}.tflite"), target=core)
    cm.write(tmp_path)
    r = subprocess.run(["arm-none-eabi-gcc", *get_target(core).cpu_flags, "-O2", "-std=gnu11", "-Wall", "-Wextra",
                        "-Werror", "-I", str(tmp_path), "-c", str(tmp_path / "model.c"), "-o", str(tmp_path / "model.o")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
