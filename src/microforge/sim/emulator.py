"""Run a microforge firmware image on an emulated Cortex-M core and count its cycles.

``run_firmware(elf_path, target, inputs, output_sizes)`` loads the ELF's PT_LOAD segments
into a flash (0x00000000) + RAM (0x20000000) map, takes SP and the reset vector from the
vector table and executes with unicorn (UC_MODE_THUMB | UC_MODE_MCLASS, CPU model from the
target record) until the firmware calls ``mf_halt()``.

Cycle counting is per basic block: a UC_HOOK_BLOCK callback looks the block up in a cache of
precomputed costs (capstone decode + ``cycle_model.block_cost``, done once per block) and adds
the taken-branch penalty of the *previous* block when execution did not fall through.  The
same callback recognises the harness hooks by address (one dict lookup per block):

* ``mf_io_input(i, buf, size)`` / ``mf_io_output(i, buf, size)``: the emulator writes input
  ``i`` into ``buf`` / reads output ``i`` from it (no copy in the firmware, no RAM cost);
* ``bench_start`` / ``bench_stop``: the measured window (``RunResult.cycles``);
* ``mf_layer_begin(i)`` / ``mf_layer_end(i)``: per-layer counts;
* ``mf_fault_handler``: a CPU exception reached the vector table -> MicroforgeError.

Stack high-water: the reserved ``.stack`` region is painted with a pattern before the run and
scanned afterwards.  The stack sits at the bottom of RAM, so an overflow faults (unmapped
access below the RAM origin) and is reported as a stack overflow.
"""
from __future__ import annotations

import struct
import time
from dataclasses import dataclass, field
from pathlib import Path

import unicorn
from unicorn import arm_const as UA

from microforge.errors import MicroforgeError
from microforge.sim import cycle_model
from microforge.sim.elf import ElfFile, read_elf
from microforge.targets import Target

FLASH_ORIGIN = 0x0000_0000
RAM_ORIGIN = 0x2000_0000
SCS_BASE = 0xE000_E000          # System Control Space (CPACR, SCB): mapped as plain memory
STACK_PAINT = 0xDEADBEEF
DEFAULT_MAX_INSTRUCTIONS = 2_000_000_000
_PAGE = 0x1000

_HOOK_NAMES = ("bench_start", "bench_stop", "mf_layer_begin", "mf_layer_end",
               "mf_io_input", "mf_io_output", "mf_fault_handler")


@dataclass(frozen=True)
class LayerCycles:
    index: int
    cycles: int
    instructions: int
    calls: int = 1


@dataclass
class RunResult:
    outputs: list[bytes]
    status: int                      # mf_model_invoke() return value
    cycles: int                      # inside bench_start()..bench_stop()
    instructions: int
    layers: list[LayerCycles]
    stack_high_water_bytes: int
    stack_reserved_bytes: int
    total_cycles: int                # whole run incl. startup
    total_instructions: int
    clock_mhz: float | None
    wall_seconds: float
    target: str = ""
    core: str = ""
    notes: list[str] = field(default_factory=list)
    # run_firmware(profile=True): cycles per executed block, {(layer or None, block address): [cycles, executions,
    # block bytes]}; a taken branch's penalty counts to the block that branched. The values sum to total_cycles.
    blocks: dict | None = None

    @property
    def time_ms(self) -> float | None:
        return self.cycles / (self.clock_mhz * 1e3) if self.clock_mhz else None

    @property
    def instructions_per_second(self) -> float:
        return self.total_instructions / self.wall_seconds if self.wall_seconds > 0 else 0.0


def _add_block_hook(uc, fn):
    """Register a UC_HOOK_BLOCK callback with as little Python glue as possible.

    unicorn's ``hook_add`` wraps callbacks in two extra Python frames (exception guard +
    argument adapter); at ~1M blocks/s those frames cost more than half of the run time.  When
    the binding exposes its ctypes layer we register a bare CFUNCTYPE around ``fn`` (which
    must not raise); otherwise fall back to ``hook_add``."""
    try:
        from unicorn.unicorn_py3 import unicorn as _ucmod
        cfunc_t = _ucmod.HOOK_CODE_CFUNC
        uclib = _ucmod.uclib
        handle = _ucmod.uc_hook_h()
        import ctypes

        cb = cfunc_t(fn)
        status = uclib.uc_hook_add(uc._uch, ctypes.byref(handle), unicorn.UC_HOOK_BLOCK,
                                   ctypes.cast(cb, ctypes.c_void_p), ctypes.c_void_p(0),
                                   ctypes.c_uint64(1), ctypes.c_uint64(0))
        if status != unicorn.UC_ERR_OK:
            raise unicorn.UcError(status)
        return cb
    except (ImportError, AttributeError, TypeError):
        uc.hook_add(unicorn.UC_HOOK_BLOCK, fn)
        return None


def _align_up(n: int, a: int = _PAGE) -> int:
    return (n + a - 1) // a * a


class _Stop(Exception):
    """Raised from inside a hook (after uc.emu_stop()) carrying a MicroforgeError."""


def run_firmware(elf_path: str | Path, target: Target, inputs: list[bytes],
                 output_sizes: list[int] | None = None, *,
                 max_instructions: int = DEFAULT_MAX_INSTRUCTIONS, profile: bool = False) -> RunResult:
    """Execute one inference of the firmware and return outputs, cycles and stack use.

    Raises MicroforgeError on a CPU fault (invalid memory access, undefined instruction, stack
    overflow), when ``max_instructions`` is exceeded (runaway), or on an I/O size mismatch;
    messages name the PC, the nearest symbol and the current layer. ``profile``: also count cycles per executed
    block and layer (RunResult.blocks; sim/profile.py ranks them)."""
    if target.is_host or target.unicorn_cpu is None:
        raise MicroforgeError("the host target cannot be emulated", where="target host",
                              hint="pick m0plus, m4, m7, m33 or m55")
    elf = read_elf(elf_path)
    if elf.machine != 40:
        raise MicroforgeError("firmware is not an ARM ELF", where=str(elf_path))
    return _Runner(elf, target, inputs, output_sizes, max_instructions, profile).run()


class _Runner:
    def __init__(self, elf: ElfFile, target: Target, inputs, output_sizes, max_instructions, profile=False):
        self.elf, self.target, self.profile = elf, target, profile
        self.inputs = [bytes(b) for b in inputs]
        self.output_sizes = list(output_sizes) if output_sizes is not None else None
        self.max_instructions = int(max_instructions)
        missing = [n for n in ("mf_halt", "__stack_bottom__", "__stack_top__") if
                   elf.symbol(n) is None]
        if missing:
            raise MicroforgeError(f"firmware lacks symbols {missing}", where=str(elf.path),
                                  hint="build it with microforge.toolchain.arm.build_firmware")
        self.core = target.core or ""
        self.timing = cycle_model.timing_for(self.core)

    # ---------------------------------------------------------------- memory
    def _map(self, uc) -> None:
        t, elf = self.target, self.elf
        flash_end = FLASH_ORIGIN + (t.flash_bytes or 0)
        ram_end = RAM_ORIGIN + (t.ram_bytes or 0)
        for seg in elf.segments:
            for addr, size in ((seg.vaddr, seg.memsz), (seg.paddr, len(seg.data))):
                if RAM_ORIGIN <= addr < RAM_ORIGIN + 0x2000_0000:
                    ram_end = max(ram_end, addr + size)
                elif addr < RAM_ORIGIN:
                    flash_end = max(flash_end, addr + size)
        uc.mem_map(FLASH_ORIGIN, _align_up(flash_end - FLASH_ORIGIN),
                   unicorn.UC_PROT_READ | unicorn.UC_PROT_EXEC)
        uc.mem_map(RAM_ORIGIN, _align_up(ram_end - RAM_ORIGIN), unicorn.UC_PROT_ALL)
        uc.mem_map(SCS_BASE, _PAGE, unicorn.UC_PROT_READ | unicorn.UC_PROT_WRITE)
        for seg in elf.segments:
            if seg.data:
                uc.mem_write(seg.paddr, seg.data)
        self.flash_end, self.ram_end = flash_end, ram_end

    # ---------------------------------------------------------------- run
    def run(self) -> RunResult:
        elf, target = self.elf, self.target
        uc = unicorn.Uc(unicorn.UC_ARCH_ARM, unicorn.UC_MODE_THUMB | unicorn.UC_MODE_MCLASS)
        uc.ctl_set_cpu_model(getattr(UA, target.unicorn_cpu))
        self._map(uc)

        stack_lo = elf.symbol("__stack_bottom__").value
        stack_hi = elf.symbol("__stack_top__").value
        uc.mem_write(stack_lo, struct.pack("<I", STACK_PAINT) * ((stack_hi - stack_lo) // 4))

        sp0, reset = struct.unpack("<II", bytes(uc.mem_read(FLASH_ORIGIN, 8)))
        uc.reg_write(UA.UC_ARM_REG_SP, sp0)
        halt = elf.symbol("mf_halt").addr

        special: dict[int, str] = {}
        for name in _HOOK_NAMES:
            sym = elf.symbol(name)
            if sym is not None:
                special[sym.addr] = name

        core = self.core
        decode = cycle_model.decode
        block_cost = cycle_model.block_cost
        cache: dict[int, tuple] = {}
        alt_cache: dict[tuple[int, int], tuple] = {}
        max_insns = self.max_instructions
        state = {"layer_open": {}, "layers": {}, "bench": [None, None], "inputs_done": set(),
                 "outputs": {}, "error": None, "current_layer": None}
        inputs, output_sizes = self.inputs, self.output_sizes

        cyc = 0
        ins = 0
        pend_ft = -1
        pend_extra = 0
        pend_join = None      # the previous block when it ended without a PC write (cut by unicorn)
        join_cache: dict[tuple, int] = {}
        prof = {} if self.profile else None   # (layer, block address) -> [cycles, executions, bytes]
        prev_key = None

        def build_entry(addr: int, size: int) -> tuple:
            code = bytes(uc.mem_read(addr, size))
            infos = decode(code, addr)
            decoded = sum(i.size for i in infos)
            if decoded < size:   # capstone could not decode the tail: charge 1/insn-ish
                bc = block_cost(infos, core)
                n = bc.instructions + max(1, (size - decoded) // 4)
                return (size, bc.cycles + (n - bc.instructions), n, 0, special.get(addr), None)
            bc = block_cost(infos, core)
            # infos kept for blocks that end without a PC write: unicorn cut them (a 1 KiB page
            # boundary, its block size limit), and the next block is their straight-line continuation
            falls = bool(infos) and not infos[-1].writes_pc
            return (size, bc.cycles, bc.instructions, bc.taken_extra, special.get(addr), infos if falls else None)

        def on_special(kind: str) -> None:
            if kind == "bench_start":
                state["bench"][0] = (cyc, ins)
            elif kind == "bench_stop":
                state["bench"][1] = (cyc, ins)
            elif kind == "mf_layer_begin":
                idx = uc.reg_read(UA.UC_ARM_REG_R0)
                idx = idx - (1 << 32) if idx >= 1 << 31 else idx
                state["layer_open"][idx] = (cyc, ins)
                state["current_layer"] = idx
            elif kind == "mf_layer_end":
                idx = uc.reg_read(UA.UC_ARM_REG_R0)
                idx = idx - (1 << 32) if idx >= 1 << 31 else idx
                start = state["layer_open"].pop(idx, None)
                if start is not None:
                    c, n, k = state["layers"].get(idx, (0, 0, 0))
                    state["layers"][idx] = (c + cyc - start[0], n + ins - start[1], k + 1)
                state["current_layer"] = None
            elif kind in ("mf_io_input", "mf_io_output"):
                self._io(uc, kind, state)
            elif kind == "mf_fault_handler":
                sp = uc.reg_read(UA.UC_ARM_REG_SP)
                try:
                    stacked_pc = struct.unpack("<I", bytes(uc.mem_read(sp + 24, 4)))[0]
                except unicorn.UcError:
                    stacked_pc = None
                raise _Stop(self._fault_error("CPU exception (HardFault/UsageFault)",
                                              stacked_pc, state, uc))

        def join_credit(prev: tuple, e: tuple, addr: int) -> int:
            # Cycles the split cost: the two halves as one straight-line block (LDR pipelining and M7
            # pairs continue across the cut on the hardware), cached per pair of blocks.
            key = (prev[5][0].address, prev[0], addr, e[0])
            c = join_cache.get(key)
            if c is None:
                infos = e[5] if e[5] is not None else decode(bytes(uc.mem_read(addr, e[0])), addr)
                c = join_cache[key] = prev[1] + block_cost(infos, core).cycles - block_cost(prev[5] + infos, core).cycles
            return c

        def on_block(_handle, addr, size, _user):
            # Called for every executed translation block: keep this lean.
            nonlocal cyc, ins, pend_ft, pend_extra, pend_join, prev_key
            try:
                c0 = cyc
                if pend_extra and addr != pend_ft:
                    cyc += pend_extra
                    if prof is not None and prev_key is not None:
                        prof[prev_key][0] += pend_extra
                        c0 = cyc
                e = cache.get(addr)
                if e is None or e[0] != size:
                    # Same start, other length (rare: TB cut by a page boundary): keep both
                    # variants so alternating lengths do not re-decode every time.
                    e = alt_cache.get((addr, size))
                    if e is None:
                        e = alt_cache[(addr, size)] = build_entry(addr, size)
                    cache.setdefault(addr, e)
                if pend_join is not None and addr == pend_ft:
                    cyc -= join_credit(pend_join, e, addr)
                if e[4] is not None:
                    on_special(e[4])
                cyc += e[1]
                ins += e[2]
                if prof is not None:
                    prev_key = (state["current_layer"], addr)
                    rec = prof.get(prev_key)
                    if rec is None:
                        rec = prof[prev_key] = [0, 0, size]
                    rec[0] += cyc - c0
                    rec[1] += 1
                pend_ft = addr + size
                pend_extra = e[3]
                pend_join = e if e[5] is not None else None
                if ins > max_insns:
                    state["error"] = "runaway"
                    uc.emu_stop()
            except _Stop as stop:
                state["error"] = stop.args[0]
                uc.emu_stop()
            except MicroforgeError as err:
                state["error"] = err
                uc.emu_stop()
            except BaseException as exc:  # never let an exception vanish inside ctypes
                state["error"] = MicroforgeError(f"internal emulator error: {exc!r}",
                                                 where=f"emulator {target.name}")
                uc.emu_stop()

        bad_access = {}

        def on_invalid(uc_, access, address, size, value, _user):
            bad_access.update(access=access, address=address, size=size)
            return False

        keep_alive = _add_block_hook(uc, on_block)
        uc.hook_add(unicorn.UC_HOOK_MEM_INVALID, on_invalid)

        t0 = time.perf_counter()
        try:
            uc.emu_start(reset | 1, halt, 0, 0)
        except unicorn.UcError as e:
            pc = uc.reg_read(UA.UC_ARM_REG_PC)
            raise self._uc_error(e, pc, bad_access, state, uc) from None
        wall = time.perf_counter() - t0
        del keep_alive

        err = state["error"]
        if err == "runaway":
            pc = uc.reg_read(UA.UC_ARM_REG_PC)
            raise MicroforgeError(
                f"instruction limit of {max_insns:,} exceeded (runaway or infinite loop) at "
                f"PC=0x{pc:08x} ({elf.nearest_symbol(pc)}){self._layer_text(state)}",
                where=f"emulator {target.name}",
                hint="raise max_instructions if the model is just large, otherwise check the "
                     "kernel at that address")
        if isinstance(err, MicroforgeError):
            raise err
        pc = uc.reg_read(UA.UC_ARM_REG_PC)
        if pc != halt:
            raise MicroforgeError(f"emulation stopped unexpectedly at PC=0x{pc:08x} "
                                  f"({elf.nearest_symbol(pc)})", where=f"emulator {target.name}")
        status = uc.reg_read(UA.UC_ARM_REG_R0)
        status = status - (1 << 32) if status >= 1 << 31 else status

        # outputs
        n_out = len(state["outputs"])
        if output_sizes is not None and n_out != len(output_sizes):
            raise MicroforgeError(f"firmware produced {n_out} outputs, expected "
                                  f"{len(output_sizes)}", where=f"emulator {target.name}")
        if len(state["inputs_done"]) != len(inputs):
            raise MicroforgeError(f"firmware consumed {len(state['inputs_done'])} inputs, "
                                  f"{len(inputs)} given", where=f"emulator {target.name}")
        outputs = [state["outputs"][i] for i in sorted(state["outputs"])]

        # stack high-water
        stack = bytes(uc.mem_read(stack_lo, stack_hi - stack_lo))
        paint = struct.pack("<I", STACK_PAINT)
        used_from = stack_hi
        for off in range(0, len(stack), 4):
            if stack[off:off + 4] != paint:
                used_from = stack_lo + off
                break
        high_water = stack_hi - used_from
        notes = []
        if used_from == stack_lo:
            notes.append("stack fully used: the reserved stack may be too small")

        b0, b1 = state["bench"]
        if b0 is None or b1 is None:
            raise MicroforgeError("bench_start()/bench_stop() not reached",
                                  where=f"emulator {target.name}",
                                  hint="the firmware must come from build_firmware()")
        layers = [LayerCycles(i, c, n, k) for i, (c, n, k) in sorted(state["layers"].items())]
        if target.notes and target.mve:
            notes.append(target.notes)
        return RunResult(
            outputs=outputs, status=status, cycles=b1[0] - b0[0], instructions=b1[1] - b0[1],
            layers=layers, stack_high_water_bytes=high_water,
            stack_reserved_bytes=stack_hi - stack_lo, total_cycles=cyc, total_instructions=ins,
            clock_mhz=target.clock_mhz, wall_seconds=wall, target=target.name, core=self.core,
            notes=notes, blocks=prof)

    # ---------------------------------------------------------------- I/O hooks
    def _io(self, uc, kind: str, state: dict) -> None:
        i = uc.reg_read(UA.UC_ARM_REG_R0)
        buf = uc.reg_read(UA.UC_ARM_REG_R1)
        size = uc.reg_read(UA.UC_ARM_REG_R2)
        where = f"emulator {self.target.name}"
        if kind == "mf_io_input":
            if i >= len(self.inputs):
                raise MicroforgeError(f"model asks for input {i} but only {len(self.inputs)} "
                                      f"input(s) were given", where=where)
            data = self.inputs[i]
            if len(data) != size:
                raise MicroforgeError(f"input {i} has {len(data)} bytes, the model expects "
                                      f"{size}", where=where)
            try:
                uc.mem_write(buf, data)
            except unicorn.UcError:
                raise MicroforgeError(f"input {i} buffer at 0x{buf:08x} is not in RAM",
                                      where=where) from None
            state["inputs_done"].add(i)
        else:
            if self.output_sizes is not None:
                if i >= len(self.output_sizes):
                    raise MicroforgeError(f"model has more outputs than the {len(self.output_sizes)} "
                                          f"expected", where=where)
                if self.output_sizes[i] != size:
                    raise MicroforgeError(f"output {i} has {size} bytes, expected "
                                          f"{self.output_sizes[i]}", where=where)
            state["outputs"][i] = bytes(uc.mem_read(buf, size))

    # ---------------------------------------------------------------- errors
    def _layer_text(self, state: dict) -> str:
        cur = state.get("current_layer")
        if cur is not None:
            return f", in layer {cur}"
        b0, b1 = state["bench"]
        if b0 is not None and b1 is None:
            return ", inside the benchmark window (mf_model_invoke) outside any layer"
        return ", outside the benchmark window"

    def _fault_error(self, what: str, pc: int | None, state: dict, uc) -> MicroforgeError:
        sym = self.elf.nearest_symbol(pc) if pc is not None else "?"
        pc_text = f"PC=0x{pc:08x}" if pc is not None else "PC=?"
        sp = uc.reg_read(UA.UC_ARM_REG_SP)
        lo = self.elf.symbol("__stack_bottom__").value
        extra = ""
        hint = "inspect the disassembly (arm-none-eabi-objdump -d firmware.elf) at that PC"
        if sp < lo + 64:
            extra = f" (stack overflow: SP=0x{sp:08x}, stack bottom 0x{lo:08x})"
            hint = "increase the reserved stack (build_firmware(stack_bytes=...))"
        return MicroforgeError(f"{what} at {pc_text} ({sym}){self._layer_text(state)}{extra}",
                               where=f"emulator {self.target.name}", hint=hint)

    def _uc_error(self, e: unicorn.UcError, pc: int, bad: dict, state: dict, uc):
        kinds = {
            unicorn.UC_ERR_READ_UNMAPPED: "invalid memory read",
            unicorn.UC_ERR_WRITE_UNMAPPED: "invalid memory write",
            unicorn.UC_ERR_FETCH_UNMAPPED: "instruction fetch from unmapped memory",
            unicorn.UC_ERR_WRITE_PROT: "write to read-only memory (flash)",
            unicorn.UC_ERR_READ_PROT: "read from protected memory",
            unicorn.UC_ERR_FETCH_PROT: "instruction fetch from non-executable memory",
            unicorn.UC_ERR_INSN_INVALID: "undefined instruction",
            unicorn.UC_ERR_EXCEPTION: "unhandled CPU exception",
            unicorn.UC_ERR_READ_UNALIGNED: "unaligned read",
            unicorn.UC_ERR_WRITE_UNALIGNED: "unaligned write",
        }
        what = kinds.get(e.errno, f"emulator error ({e})")
        if bad:
            what += f" of {bad['size']} byte(s) at 0x{bad['address']:08x}"
        if e.errno == unicorn.UC_ERR_INSN_INVALID or e.errno == unicorn.UC_ERR_EXCEPTION:
            try:
                word = bytes(uc.mem_read(pc, 4))
                what += f" (bytes {word.hex()}"
                if not self.target.mve_executable and self.target.mve:
                    what += "; MVE/Armv8.1-M instructions are not executable in the emulator"
                what += ")"
            except unicorn.UcError:
                pass
        return self._fault_error(what, pc, state, uc)
