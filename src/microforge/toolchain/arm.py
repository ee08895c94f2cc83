"""Cross-build a benchmark firmware for an emulated Cortex-M target with arm-none-eabi-gcc.

``build_firmware(target, model_dir, out_dir)`` compiles every ``*.c`` in ``model_dir`` (the
generated ``model.c`` and the runtime kernels copied next to it) with ``-DMF_PROFILE``, plus
the harness in ``toolchain/files/``:

* ``startup.c``        vector table, .data copy / .bss zero, FPU enable, fault vector
* ``firmware_main.c``  feeds inputs through no-RAM I/O hooks, ``bench_start();
                       mf_model_invoke(); bench_stop();``, reads outputs, ``mf_halt(rc)``
* ``firmware.ld.in``   linker script template filled with the target's RAM/flash sizes

and links with newlib-nano (``--specs=nano.specs``, ``-nostartfiles``, no semihosting,
``-ffunction-sections -fdata-sections -Wl,--gc-sections``).  ``arm-none-eabi-size -A`` then
gives the memory report: flash = vectors + text + rodata (+ exidx) + data image,
static RAM = data + bss (the tensor arena ``mf_arena`` lives in bss and is also reported on
its own), stack = the reserved ``.stack`` section (not part of static RAM).

Optimisation level: ``-O2`` by default.  microforge's headline number is speed (cycles), and
-O2 is the usual level for TFLM/CMSIS-NN benchmarks.  Measured on the bundled example model
(9 layers, 222k MACs): ``-Os`` shrinks kernel code by ~23 % (text 4572 -> 3516 bytes on m4;
weights dominate flash in real models, so the total moves far less) but costs +11 % cycles on
m0plus and +50..57 % on m4/m7 (no loop unrolling/if-conversion in the kernels); ``-O3`` buys
<1 % cycles for +10..17 % text.  Pass ``opt="-Os"`` when flash is the binding constraint; the
choice is recorded in ``FirmwareBuild.opt``.

Memory map used for every target (the emulator maps the same): flash at 0x00000000 (vector
table first), RAM at 0x20000000, with ``.stack`` at the bottom of RAM so that a stack
overflow faults in the emulator instead of corrupting ``.bss``.
"""
from __future__ import annotations

import hashlib
import os
import re
import threading
from collections import OrderedDict
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from string import Template

from microforge.errors import MicroforgeError
from microforge.targets import Target

FILES_DIR = Path(__file__).with_name("files")
FLASH_ORIGIN = 0x0000_0000
RAM_ORIGIN = 0x2000_0000
DEFAULT_STACK_BYTES = 8 * 1024
ARENA_SYMBOL = "mf_arena"

INSTALL_HINT = "install it with: apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi"

# Sections counted as flash.  .data is counted in both flash (its initial image) and RAM.
_FLASH_SECTIONS = (".isr_vector", ".text", ".rodata", ".ARM.extab", ".ARM.exidx")


@dataclass(frozen=True)
class FirmwareBuild:
    """Result of build_firmware(): the image and its memory report (all sizes in bytes)."""

    target: Target
    elf_path: Path
    map_path: Path
    opt: str
    flash_bytes: int          # vectors + text + rodata + exidx + data image
    ram_bytes: int            # static RAM: data + bss (includes the arena)
    stack_bytes: int          # reserved stack (separate from ram_bytes)
    arena_bytes: int | None   # size of the `mf_arena` symbol, if the model defines one
    text_bytes: int
    rodata_bytes: int
    data_bytes: int
    bss_bytes: int
    sections: dict[str, int] = field(default_factory=dict)  # every allocated section
    command: tuple[str, ...] = ()                             # the link command line
    # Kept so that accounts (footprint.flash_account) outlive the build folder: the size of every data object
    # in the image (ELF symbol -> bytes; the generated constants are static objects named in model.c), and
    # (input section, bytes, object file) for every input section the linker placed (the map file).
    object_sizes: dict[str, int] = field(default_factory=dict)
    contributions: tuple[tuple[str, int, str], ...] = ()

    @property
    def ram_total_bytes(self) -> int:
        """Static RAM plus the reserved stack: what the image needs from the part."""
        return self.ram_bytes + self.stack_bytes


def find_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise MicroforgeError(f"{name} not found on PATH", where="toolchain", hint=INSTALL_HINT)
    return path


def have_arm_gcc() -> bool:
    return shutil.which("arm-none-eabi-gcc") is not None


def _pool_layout(target: Target, pools) -> tuple[int, str, str]:
    """(RAM bytes left, MEMORY lines, SECTIONS text) for --memory pools: one region and output section each,
    carved from the top of the board's RAM (firmware.ld.in). A region is as long as its arena (16-byte
    aligned): the planner already holds each pool to its capacity, which an ASSERT checks again here."""
    regions, sections = [], []
    origin = RAM_ORIGIN + target.ram_bytes
    lengths = [max(16, (p["used"] + 15) // 16 * 16) for p in pools]
    origin = (origin - sum(lengths)) & ~15   # 16-byte aligned regions, as the arenas are (--ram may be any size)
    left = origin - RAM_ORIGIN
    if left <= 0:
        raise MicroforgeError(f"the memory pools' arenas take {sum(lengths):,} bytes, all {target.ram_bytes:,} of "
                              f"{target.board}'s RAM", where="--memory", hint="pass --ram or smaller pools")
    for p, length in zip(pools, lengths):
        name = p["pool"]
        regions.append(f"  MF_POOL_{name} (rw) : ORIGIN = 0x{origin:08X}, LENGTH = {length}\n")
        sections.append(
            f"  .mf_arena_{name} (NOLOAD) : ALIGN(16)\n  {{\n    __mf_arena_{name}_start__ = .;\n"
            f"    KEEP(*(.bss.mf_arena_{name} .mf_arena_{name}))\n    __mf_arena_{name}_end__ = .;\n  }} > MF_POOL_{name}\n"
            f"  ASSERT(__mf_arena_{name}_end__ - __mf_arena_{name}_start__ <= {p['capacity']}, "
            f"\"microforge: pool {name} holds {p['capacity']} bytes\")\n\n")
        origin += length
    return left, "".join(regions), "".join(sections)


def linker_script(target: Target, stack_bytes: int = DEFAULT_STACK_BYTES, pools: list[dict] | None = None) -> str:
    """The linker script text for ``target`` (RAM/flash lengths from the target record); ``pools``
    (CompiledModel.pool_usage) adds one memory region and output section per --memory pool."""
    ram_bytes, pool_regions, pool_sections = _pool_layout(target, pools) if pools else (target.ram_bytes, "", "")
    template = Template((FILES_DIR / "firmware.ld.in").read_text())
    return template.substitute(
        target=target.name, flash_origin=f"0x{FLASH_ORIGIN:08X}", flash_bytes=target.flash_bytes,
        ram_origin=f"0x{RAM_ORIGIN:08X}", ram_bytes=ram_bytes, stack_bytes=stack_bytes,
        pool_regions=pool_regions, pool_sections=pool_sections)


def _run(cmd: list[str], where: str, what: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise _classify_failure(proc.stderr + proc.stdout, where, what, cmd)
    return proc


def _classify_failure(out: str, where: str, what: str, cmd: list[str]) -> MicroforgeError:
    overflows = re.findall(r"region [`'](\w+)' overflowed by (\d+) bytes", out)
    if overflows:
        parts = [f"{region} by {int(n)} bytes" for region, n in overflows]
        return MicroforgeError("the linked image does not fit the target: overflows " +
                               ", ".join(parts), where=where,
                               hint="choose a larger target, override --ram/--flash, "
                                    "or reduce the model/arena/stack size")
    tail = "\n".join(out.strip().splitlines()[-25:])
    return MicroforgeError(f"{what} failed:\n{tail}", where=where,
                           hint="command: " + " ".join(cmd))


def _cflags(target: Target, opt: str, include_dirs: list[Path], debug: bool = False) -> list[str]:
    """`debug`: DWARF line info (-g), for addr2line (bench --hot) and a kept firmware.elf; it never changes the code,
    and a model.c full of inlined kernels compiles about a quarter faster without it."""
    flags = [*target.cpu_flags, opt, *(["-g"] if debug else []), "-std=gnu11", "-Wall",
             "-ffunction-sections", "-fdata-sections", "-fno-common",
             "-DMF_PROFILE", "-DMF_TARGET_" + target.name.upper()]
    flags += [f"-I{d}" for d in include_dirs]
    return flags


class _ObjectCache:
    """The last few compiled objects in this process, by what determines them (compiler, flags, the source and
    every header beside it): `compile` weighing a row pipeline's flash, then `bench` or a test running the same
    model, compile model.c once. Only the -I folder is left out of the key (the same files in another folder)."""

    def __init__(self, entries: int = 16, max_bytes: int = 64 << 20):
        self._entries, self._max_bytes, self._data, self._lock = entries, max_bytes, OrderedDict(), threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
            return self._data.get(key)

    def put(self, key: str, obj: bytes) -> None:
        with self._lock:
            self._data[key] = obj
            while len(self._data) > 1 and (len(self._data) > self._entries
                                           or sum(map(len, self._data.values())) > self._max_bytes):
                self._data.popitem(last=False)


_OBJECTS = _ObjectCache()


def _object_key(gcc: str, cflags: list[str], src: Path, model_dir: Path) -> str:
    h = hashlib.sha256()
    h.update(repr((gcc, [f for f in cflags if f != f"-I{model_dir}"], src.name)).encode())
    for f in [src, *sorted(model_dir.glob("*.h"))]:
        data = f.read_bytes()
        h.update(f.name.encode() + b"\0" + len(data).to_bytes(8, "little") + data)
    return h.hexdigest()


def build_firmware(target: Target, model_dir: Path, out_dir: Path, opt: str = "-O2", *,
                   stack_bytes: int = DEFAULT_STACK_BYTES,
                   extra_cflags: tuple[str, ...] = (), pools: list[dict] | None = None,
                   debug: bool = False) -> FirmwareBuild:
    """Compile ``model_dir/*.c`` + the harness into ``out_dir/firmware.elf`` and size it (``debug``: with -g).

    ``pools``: the model's --memory pools (CompiledModel.pool_usage), each mapped to a region of its own.

    Raises MicroforgeError when arm-none-eabi-gcc is missing, compilation fails, or the image
    does not fit the target's flash/RAM (the message says by how many bytes).
    """
    if target.is_host:
        raise MicroforgeError("build_firmware() builds Cortex-M firmware; 'host' has no core",
                              where="target host", hint="use the host toolchain for host builds")
    gcc = find_tool("arm-none-eabi-gcc")
    size_tool = find_tool("arm-none-eabi-size")
    model_dir, out_dir = Path(model_dir), Path(out_dir)
    sources = sorted(model_dir.glob("*.c"))
    if not sources:
        raise MicroforgeError("no C sources to build", where=str(model_dir),
                              hint="generate the model first (model.c, model.h, kernels)")
    if not (model_dir / "model.h").exists():
        raise MicroforgeError("model.h missing", where=str(model_dir),
                              hint="the firmware includes model.h for the model API")
    harness = [FILES_DIR / "startup.c", FILES_DIR / "firmware_main.c"]
    out_dir.mkdir(parents=True, exist_ok=True)
    obj_dir = out_dir / "obj"
    obj_dir.mkdir(exist_ok=True)

    cflags = _cflags(target, opt, [model_dir], debug) + list(extra_cflags)
    jobs = []
    for src in [*sources, *harness]:
        prefix = "harness_" if src in harness else ""
        obj = obj_dir / f"{prefix}{src.stem}.o"
        jobs.append((src, obj))

    def compile_one(job: tuple[Path, Path]) -> Path:
        src, obj = job
        key = _object_key(gcc, cflags, src, model_dir)
        cached = _OBJECTS.get(key)
        if cached is not None:
            obj.write_bytes(cached)
            return obj
        _run([gcc, *cflags, "-c", str(src), "-o", str(obj)], str(src), "compilation")
        _OBJECTS.put(key, obj.read_bytes())
        return obj

    with ThreadPoolExecutor(max_workers=max(1, min(8, os.cpu_count() or 1))) as pool:
        objs = list(pool.map(compile_one, jobs))

    ld_path = out_dir / "firmware.ld"
    ld_path.write_text(linker_script(target, stack_bytes, pools))
    elf_path = out_dir / "firmware.elf"
    map_path = out_dir / "firmware.map"
    link = [gcc, *target.cpu_flags, opt, "--specs=nano.specs", "-nostartfiles",
            "-Wl,--gc-sections", f"-Wl,-T,{ld_path}", f"-Wl,-Map,{map_path}",
            "-Wl,--no-warn-rwx-segments", *map(str, objs), "-lm", "-o", str(elf_path)]
    proc = subprocess.run(link, capture_output=True, text=True)
    if proc.returncode != 0 and "--no-warn-rwx-segments" in proc.stderr:
        link.remove("-Wl,--no-warn-rwx-segments")  # older binutils
        proc = subprocess.run(link, capture_output=True, text=True)
    if proc.returncode != 0:
        raise _classify_failure(proc.stderr + proc.stdout, f"link for target {target.name}",
                                "linking", link)

    sections = _size_sections(size_tool, elf_path)
    return _report(target, elf_path, map_path, opt, sections, stack_bytes, tuple(link))


def _size_sections(size_tool: str, elf_path: Path) -> dict[str, tuple[int, int]]:
    """{section: (size, addr)} from ``arm-none-eabi-size -A``."""
    out = _run([size_tool, "-A", str(elf_path)], str(elf_path), "arm-none-eabi-size").stdout
    sections: dict[str, tuple[int, int]] = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0].startswith(".") and parts[1].isdigit():
            sections[parts[0]] = (int(parts[1]), int(parts[2]))
    return sections


_MAP_FULL = re.compile(r"^ (\S+)\s+0x[0-9a-fA-F]+\s+0x([0-9a-fA-F]+)\s+(\S+)$")
_MAP_NAME = re.compile(r"^ (\S+)$")
_MAP_CONT = re.compile(r"^\s+0x[0-9a-fA-F]+\s+0x([0-9a-fA-F]+)\s+(\S+)$")


def map_contributions(map_path: Path) -> list[tuple[str, int, str]]:
    """(input section, size, object file) for every input section the GNU ld map file places."""
    out, pending, started = [], None, False
    for line in Path(map_path).read_text(errors="replace").splitlines():
        if not started:
            started = line.startswith("Linker script and memory map")
            continue
        m = _MAP_FULL.match(line)
        if m:
            out.append((m.group(1), int(m.group(2), 16), m.group(3)))
            pending = None
            continue
        m = _MAP_NAME.match(line)
        if m:
            pending = m.group(1)
            continue
        m = _MAP_CONT.match(line)
        if m and pending is not None:
            out.append((pending, int(m.group(1), 16), m.group(2)))
        pending = None
    return out


def _report(target: Target, elf_path: Path, map_path: Path, opt: str,
            sections: dict[str, tuple[int, int]], stack_bytes: int,
            command: tuple[str, ...]) -> FirmwareBuild:
    from microforge.sim.elf import STT_OBJECT, read_elf

    def size(name: str) -> int:
        return sections.get(name, (0, 0))[0]

    flash_end = FLASH_ORIGIN + target.flash_bytes
    flash = size(".data")
    for name, (sz, addr) in sections.items():
        if name in _FLASH_SECTIONS or (FLASH_ORIGIN <= addr < flash_end and sz and
                                       not name.startswith((".debug", ".comment", ".ARM.attr"))):
            flash += sz
    data, bss = size(".data"), size(".bss")
    # The arena's own output section(s) (firmware.ld.in): .mf_arena, or one .mf_arena_<pool> per --memory pool.
    placed = sum(sz for name, (sz, _) in sections.items() if name == ".mf_arena" or name.startswith(".mf_arena_"))
    elf = read_elf(elf_path)
    arena = elf.symbol(ARENA_SYMBOL)
    pool_arenas = [s for n, s in elf.symbols.items() if n.startswith(ARENA_SYMBOL + "_") and s.size]
    arena_bytes = arena.size if arena is not None else (sum(s.size for s in pool_arenas) if pool_arenas else None)
    build = FirmwareBuild(
        target=target, elf_path=elf_path, map_path=map_path, opt=opt,
        flash_bytes=flash, ram_bytes=data + bss + placed, stack_bytes=size(".stack") or stack_bytes,
        arena_bytes=arena_bytes,
        text_bytes=size(".text") + size(".isr_vector"), rodata_bytes=size(".rodata"),
        data_bytes=data, bss_bytes=bss,
        sections={n: s for n, (s, a) in sections.items()
                  if not n.startswith((".debug", ".comment", ".ARM.attr"))},
        command=command,
        object_sizes={n: sym.size for n, sym in elf.symbols.items() if sym.type == STT_OBJECT and sym.size},
        contributions=tuple(map_contributions(map_path)))
    # The linker already rejects overflows; this guards overrides that bypassed the script.
    if build.flash_bytes > target.flash_bytes:
        raise MicroforgeError(f"image needs {build.flash_bytes} bytes of flash, target has "
                              f"{target.flash_bytes}: over by {build.flash_bytes - target.flash_bytes} bytes",
                              where=f"target {target.name}")
    if build.ram_total_bytes > target.ram_bytes:
        over = build.ram_total_bytes - target.ram_bytes
        raise MicroforgeError(f"image needs {build.ram_total_bytes} bytes of RAM (static "
                              f"{build.ram_bytes} + stack {build.stack_bytes}), target has "
                              f"{target.ram_bytes}: over by {over} bytes", where=f"target {target.name}")
    return build
