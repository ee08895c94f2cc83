"""Packaging (compile --format cmake|make|zephyr|arduino) built with real build tools, and memory placement
(named sections, MF_MODEL_EXTERNAL_ARENA) on the host and on the emulated core, compared with TFLM."""
import ctypes
import shutil
import subprocess

import numpy as np
import pytest
from helpers import oracle_run

from microforge.driver import compile_model
from microforge.modelgen import example_model
from microforge.sim.elf import read_elf
from microforge.sim.emulator import run_firmware
from microforge.targets import get_target
from microforge.toolchain.arm import FILES_DIR, build_firmware, have_arm_gcc, linker_script
from microforge.toolchain.host import HOST_CFLAGS, host_cc
from microforge.toolchain.package import write_package

needs_arm = pytest.mark.skipif(not have_arm_gcc(), reason="arm-none-eabi-gcc not installed")
needs_cmake = pytest.mark.skipif(shutil.which("cmake") is None, reason="cmake not installed")
needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="make not installed")
M4 = get_target("m4")
X = np.random.default_rng(11).integers(-128, 128, size=(1, 32, 32, 3), dtype=np.int8)


@pytest.fixture(scope="module")
def expected():
    return oracle_run(example_model(), [X])[0]


def _package(tmp_path, target, fmt):
    cm = compile_model(example_model(), target=target)
    out = tmp_path / "model"
    write_package(cm, get_target(target), out, fmt)
    return cm, out


def _run(cmd, cwd=None, env=None):
    r = subprocess.run(list(map(str, cmd)), cwd=cwd, capture_output=True, text=True, env=env)
    assert r.returncode == 0, f"{cmd}\n{r.stdout}\n{r.stderr}"
    return r


def _emulate(elf, cm, expected):
    res = run_firmware(elf, M4, [X.tobytes()], [t.nbytes for t in cm.graph.outputs])
    assert res.status == 0
    y = np.frombuffer(res.outputs[0], dtype=np.int8).reshape(expected.shape)
    assert np.array_equal(y, expected)


HOST_MAIN = r"""
#include <stdio.h>
#include <stdint.h>
#include "model.h"
int main(int argc, char **argv)
{
    FILE *f = fopen(argv[1], "rb");
    if (!f || fread(mf_model_input(0), 1, mf_model_input_size(0), f) != mf_model_input_size(0)) return 10;
    fclose(f);
    if (mf_model_invoke() != 0) return 11;
    fwrite(mf_model_output(0), 1, mf_model_output_size(0), stdout);
    return 0;
}
"""


@needs_cmake
def test_cmake_host_build_runs_bit_exact(tmp_path, expected):
    _, lib = _package(tmp_path, "host", "cmake")
    (tmp_path / "main.c").write_text(HOST_MAIN)
    (tmp_path / "CMakeLists.txt").write_text(
        "cmake_minimum_required(VERSION 3.13)\nproject(app C)\nadd_subdirectory(model)\n"
        "add_executable(app main.c)\ntarget_link_libraries(app PRIVATE microforge_model)\n")
    _run(["cmake", "-S", tmp_path, "-B", tmp_path / "build"])
    _run(["cmake", "--build", tmp_path / "build"])
    (tmp_path / "x.bin").write_bytes(X.tobytes())
    out = subprocess.run([tmp_path / "build" / "app", tmp_path / "x.bin"], capture_output=True)
    assert out.returncode == 0 and out.stdout == expected.tobytes()


@needs_arm
@needs_cmake
def test_cmake_arm_firmware_runs_bit_exact_on_m4(tmp_path, expected):
    cm, _ = _package(tmp_path, "m4", "cmake")
    (tmp_path / "fw.ld").write_text(linker_script(M4))
    (tmp_path / "CMakeLists.txt").write_text(f"""cmake_minimum_required(VERSION 3.13)
project(fw C)
add_subdirectory(model)
add_executable(fw.elf {FILES_DIR / 'startup.c'} {FILES_DIR / 'firmware_main.c'})
target_link_libraries(fw.elf PRIVATE microforge_model m)
target_link_options(fw.elf PRIVATE --specs=nano.specs -nostartfiles -Wl,--gc-sections -T${{CMAKE_SOURCE_DIR}}/fw.ld)
""")
    flags = " ".join(M4.cpu_flags)
    _run(["cmake", "-S", tmp_path, "-B", tmp_path / "build", "-DCMAKE_SYSTEM_NAME=Generic",
          "-DCMAKE_C_COMPILER=arm-none-eabi-gcc", "-DCMAKE_TRY_COMPILE_TARGET_TYPE=STATIC_LIBRARY",
          f"-DCMAKE_C_FLAGS={flags} -ffunction-sections -fdata-sections"])
    _run(["cmake", "--build", tmp_path / "build"])
    _emulate(tmp_path / "build" / "fw.elf", cm, expected)


MAKEFILE = """include model/microforge_model.mk
CC := arm-none-eabi-gcc
HARNESS := {files}/startup.c {files}/firmware_main.c
fw.elf: $(MICROFORGE_MODEL_SRCS) $(HARNESS)
\t$(CC) $(MICROFORGE_MODEL_CPU_FLAGS) $(MICROFORGE_MODEL_CFLAGS) -ffunction-sections -fdata-sections \\
\t  --specs=nano.specs -nostartfiles -Wl,--gc-sections -Tfw.ld $^ $(MICROFORGE_MODEL_LDLIBS) -o $@
"""


@needs_arm
@needs_make
@pytest.mark.parametrize("external_arena", [False, True])
def test_make_fragment_firmware_runs_bit_exact_on_m4(tmp_path, expected, external_arena):
    cm, _ = _package(tmp_path, "m4", "make")
    (tmp_path / "fw.ld").write_text(linker_script(M4))
    (tmp_path / "Makefile").write_text(MAKEFILE.format(files=FILES_DIR))
    _run(["make", *(["MF_MODEL_EXTERNAL_ARENA=1"] if external_arena else [])], cwd=tmp_path)
    elf = read_elf(tmp_path / "fw.elf")
    assert ("fw_arena" in elf.symbols) == external_arena
    _emulate(tmp_path / "fw.elf", cm, expected)


ZEPHYR_SHIM = """cmake_minimum_required(VERSION 3.13)
project(zephyr_shim C)
# Stand-ins for the Zephyr build functions the module uses (the real ones need a Zephyr tree).
set(CONFIG_MICROFORGE_MODEL y)
function(zephyr_library_named name)
  add_library(${name} STATIC)
  set(ZEPHYR_CURRENT_LIBRARY ${name} PARENT_SCOPE)
endfunction()
macro(zephyr_library_sources)
  target_sources(${ZEPHYR_CURRENT_LIBRARY} PRIVATE ${ARGN})
endmacro()
macro(zephyr_include_directories)
  target_include_directories(${ZEPHYR_CURRENT_LIBRARY} PUBLIC ${ARGN})
endmacro()
macro(zephyr_library_compile_options)
  target_compile_options(${ZEPHYR_CURRENT_LIBRARY} PRIVATE ${ARGN})
endmacro()
macro(zephyr_compile_definitions)
  add_compile_definitions(${ARGN})
endmacro()
add_subdirectory(model)
add_executable(app main.c)
target_link_libraries(app PRIVATE microforge_model)
"""


def test_zephyr_module_structure_and_shim_build(tmp_path, expected):
    _, mod = _package(tmp_path, "host", "zephyr")   # host: the shim build below uses the host compiler
    yml = (mod / "zephyr" / "module.yml").read_text()
    assert "name: microforge_model" in yml and "cmake: ." in yml and "kconfig: Kconfig" in yml
    kconfig = (mod / "Kconfig").read_text()
    assert "config MICROFORGE_MODEL\n\tbool" in kconfig and "config MICROFORGE_MODEL_EXTERNAL_ARENA" in kconfig
    cmake = (mod / "CMakeLists.txt").read_text()
    assert "if(CONFIG_MICROFORGE_MODEL)" in cmake and "zephyr_library_sources(" in cmake
    assert (mod / "model.c").is_file() and (mod / "model.h").is_file()
    if shutil.which("cmake") is None:
        return
    (tmp_path / "main.c").write_text(HOST_MAIN)
    (tmp_path / "CMakeLists.txt").write_text(ZEPHYR_SHIM)
    _run(["cmake", "-S", tmp_path, "-B", tmp_path / "build"])
    _run(["cmake", "--build", tmp_path / "build"])
    (tmp_path / "x.bin").write_bytes(X.tobytes())
    out = subprocess.run([tmp_path / "build" / "app", tmp_path / "x.bin"], capture_output=True)
    assert out.returncode == 0 and out.stdout == expected.tobytes()


ARDUINO_STUB = """#pragma once
#include <stdint.h>
struct SerialStub { void begin(long) {} template <class T> void print(T) {} template <class T> void println(T) {} };
extern SerialStub Serial;
unsigned long micros(void);
void delay(unsigned long);
"""


@needs_arm
def test_arduino_library_compiles_like_an_arduino_core(tmp_path):
    _, lib = _package(tmp_path, "m4", "arduino")
    props = dict(line.split("=", 1) for line in (lib / "library.properties").read_text().splitlines() if "=" in line)
    for key in ("name", "version", "author", "maintainer", "sentence", "paragraph", "category", "url", "architectures"):
        assert props.get(key), key
    assert props["name"] == "microforge_model" or props["name"].startswith("microforge_")
    header = lib / "src" / (props["name"] + ".h")
    assert header.is_file() and (lib / "src" / "model.c").is_file() and not (lib / "model.c").exists()
    flags = [*M4.cpu_flags, "-Os", "-ffunction-sections", "-fdata-sections", "-Wall", "-Werror"]
    for c in (lib / "src").glob("*.c"):
        _run(["arm-none-eabi-gcc", *flags, "-std=gnu11", "-I", lib / "src", "-c", c, "-o", tmp_path / (c.stem + ".o")])
    (tmp_path / "stub").mkdir()
    (tmp_path / "stub" / "Arduino.h").write_text(ARDUINO_STUB)
    _run(["arm-none-eabi-g++", *flags, "-std=gnu++17", "-fno-exceptions", "-fno-rtti", "-x", "c++", "-include", "Arduino.h",
          "-I", tmp_path / "stub", "-I", lib / "src", "-c", lib / "examples" / "Inference" / "Inference.ino",
          "-o", tmp_path / "sketch.o"])


# ---- memory placement ----

def test_host_sections_and_external_arena(tmp_path, expected):
    cm = compile_model(example_model())
    src = tmp_path / "src"
    cm.write(src)
    _run([host_cc(), "-std=c99", "-O2", "-c", src / "model.c", "-o", tmp_path / "model.o"])
    heads = _run(["objdump", "-h", tmp_path / "model.o"]).stdout if shutil.which("objdump") else ""
    if heads:
        assert ".rodata.mf_weights" in heads and ".bss.mf_arena" in heads
    lib = tmp_path / "libext.so"
    _run([host_cc(), *HOST_CFLAGS, "-DMF_MODEL_EXTERNAL_ARENA", "-I", src, "-o", lib, src / "model.c", "-lm"])
    so = ctypes.CDLL(str(lib))
    so.mf_model_input.restype = so.mf_model_output.restype = ctypes.c_void_p
    so.mf_model_input.argtypes = so.mf_model_output.argtypes = [ctypes.c_int]
    assert so.mf_model_invoke() == -1                       # no arena yet
    raw = ctypes.create_string_buffer(cm.arena_bytes + 16)
    base = (ctypes.addressof(raw) + 15) & ~15
    so.mf_model_set_arena(ctypes.c_void_p(base))
    inp = so.mf_model_input(0)
    assert base <= inp < base + cm.arena_bytes
    ctypes.memmove(inp, X.tobytes(), X.nbytes)
    assert so.mf_model_invoke() == 0
    y = np.frombuffer(ctypes.string_at(so.mf_model_output(0), expected.nbytes), np.int8)
    assert np.array_equal(y, expected.reshape(-1))


@needs_arm
@pytest.mark.parametrize("external_arena", [False, True])
def test_m4_sections_and_external_arena(tmp_path, expected, external_arena):
    cm = compile_model(example_model(), target="m4")
    cm.write(tmp_path / "src")
    build = build_firmware(M4, tmp_path / "src", tmp_path / "build",
                           extra_cflags=("-DMF_MODEL_EXTERNAL_ARENA",) if external_arena else ())
    elf = read_elf(build.elf_path)
    sec = {s.name: s for s in elf.sections}

    def inside(sym, section):
        s, x = sec[section], elf.symbol(sym)
        return s.addr <= x.addr and x.addr + x.size <= s.addr + s.size

    assert sec[".mf_weights"].size >= cm.const_bytes and sec[".mf_weights"].addr < 0x2000_0000
    weights = [n for n in elf.symbols if n.startswith(("w_", "c_"))]   # tensors as stored and derived (re-laid)
    assert weights and all(inside(n, ".mf_weights") for n in weights)
    if external_arena:
        assert inside("fw_arena", ".bss") and elf.symbol("mf_arena").size == 4   # a pointer now
    else:
        assert inside("mf_arena", ".mf_arena") and sec[".mf_arena"].size >= cm.arena_bytes
    assert build.ram_bytes >= cm.arena_bytes
    _emulate(build.elf_path, cm, expected)


@needs_arm
def test_core_schedule_reaches_a_plain_build(tmp_path):
    """model.c names its core (MF_TARGET_M7), so a user's own build of the files, with no -D of ours, compiles the
    M7 instruction schedules the benchmarks measured (the DSP FC's mixed groups have one per core)."""
    from microforge import modelgen as mg
    cm = compile_model(mg.fc_model(3, (1, 64), 16, "RELU", per_channel=True, in_zp=-5), target="m7")
    src = cm.files["model.c"]
    block = "#ifndef MF_TARGET_M7\n#define MF_TARGET_M7 1\n#endif\n"
    assert block in src and src.index(block) < src.index('#include "mf_fully_connected.h"')
    m4 = compile_model(mg.fc_model(3, (1, 64), 16), target="m4").files["model.c"]
    assert "#define MF_TARGET_M4 1" in m4 and "MF_TARGET_M7" not in m4
    assert "MF_TARGET" not in compile_model(mg.fc_model(3, (1, 64), 16), target="host").files["model.c"]
    write_package(cm, get_target("m7"), tmp_path / "p", "plain")
    (tmp_path / "p" / "bare.c").write_text(src.replace(block, ""))

    def text(name, *defs):
        obj = tmp_path / f"{name}-{len(defs)}.o"
        _run(["arm-none-eabi-gcc", *get_target("m7").cpu_flags, "-O2", "-std=gnu11", *defs, "-I", tmp_path / "p",
              "-c", tmp_path / "p" / name, "-o", obj])
        return _run(["arm-none-eabi-objdump", "-d", "--no-show-raw-insn", obj]).stdout.split("Disassembly", 1)[1]

    assert text("model.c") == text("bare.c", "-DMF_TARGET_M7")
    assert text("model.c") != text("bare.c")


@needs_arm
@pytest.mark.parametrize("core", ["m0plus", "m4", "m7"])
def test_layer_code_independent_of_other_layers(tmp_path, core):
    """Every layer is a noipa/noinline function of its own, with the portable (M0+) and the DSP (M4/M7) kernels
    alike, so its machine code stays the same when another layer's code grows (issue #7: inline in one big
    mf_model_invoke, a change to the MEAN kernel moved MobileNetV2's depthwise layers by up to 7K cycles)."""
    target = get_target(core)
    cm = compile_model(example_model(), target=core)
    cm.write(tmp_path / "src")
    src = cm.files["model.c"]
    last = len(cm.layers) - 1

    def disasm(text, name):
        (tmp_path / "src" / "model.c").write_text(text)
        obj = tmp_path / f"{name}.o"
        _run(["arm-none-eabi-gcc", *target.cpu_flags, "-O2", "-std=gnu11", "-ffunction-sections", "-I", tmp_path / "src",
              "-c", tmp_path / "src" / "model.c", "-o", obj])
        out = _run(["arm-none-eabi-objdump", "-d", "--no-show-raw-insn", "--disassemble=mf_layer_0", obj]).stdout
        return out.split("<mf_layer_0>:\n", 1)[1].split("\n\n", 1)[0] if "<mf_layer_0>:" in out else ""

    assert all(f"MF_LAYER_BEGIN({i}); mf_layer_{i}(); MF_LAYER_END({i});" in src for i in range(last + 1))
    head = f"void mf_layer_{last}(void)\n{{\n"
    body = src.split(head, 1)[1].split("\n}\n", 1)[0]
    grown = src.replace(head + body, head + body + "\n" + body + "\n" + body)   # the last layer, three times over
    alone = disasm(src, "alone")
    assert alone.count("\n") > 10
    assert disasm(grown, "grown") == alone
