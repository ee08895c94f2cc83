"""Cycle model checks: tiny Thumb sequences whose cycle counts the Arm TRMs state, assembled
with arm-none-eabi-gcc and executed by the emulator (bench_start/bench_stop window minus the
window of an empty sequence)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import capstone
import pytest

from microforge.sim import cycle_model, run_firmware
from microforge.targets import get_target

needs_gcc = pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None,
                               reason="arm-none-eabi-gcc not installed (apt-get install "
                                      "gcc-arm-none-eabi libnewlib-arm-none-eabi)")

_TEMPLATE = """
    .syntax unified
    .thumb
    .section .isr_vector,"a"
    .word __stack_top__
    .word reset + 1
    .text
    .thumb_func
reset:
    ldr r2, =0x20001000
    movs r0, #0
    movs r1, #3
    movs r4, #7
    bl bench_start
{body}
    bl bench_stop
    b mf_halt
    .ltorg
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
__stack_bottom__: .space 512
__stack_top__:
"""


def _window(tmp_path: Path, target_name: str, body: str) -> int:
    target = get_target(target_name)
    name = f"s{abs(hash((target_name, body)))}"
    src = tmp_path / f"{name}.S"
    elf = tmp_path / f"{name}.elf"
    src.write_text(_TEMPLATE.format(body=body))
    subprocess.run(["arm-none-eabi-gcc", *target.cpu_flags, "-nostdlib", "-nostartfiles",
                    "-Wl,-e,reset", "-Wl,-Ttext=0x40", "-Wl,--section-start=.isr_vector=0",
                    "-Wl,--section-start=.stack=0x20000000", str(src), "-o", str(elf)],
                   check=True, capture_output=True)
    return run_firmware(elf, target, [], []).cycles


def measure(tmp_path: Path, target_name: str, body: str) -> int:
    """Cycles of ``body`` alone on ``target_name``."""
    return _window(tmp_path, target_name, body) - _window(tmp_path, target_name, "")


M4_P = 2  # pipeline refill used by the model (TRM: 1..3)


@needs_gcc
@pytest.mark.parametrize("body,expected,why", [
    ("adds r0, r0, #1\n adds r0, r0, #1\n adds r0, r0, #1", 3, "ADD 1 each"),
    ("ldr r5, [r2]", 2, "LDR 2"),
    ("ldr r5, [r2]\n ldr r6, [r2, #4]", 3, "LDR;LDR pipelined: 3 total (TRM 3.3.2)"),
    ("ldr r5, [r2]\n ldr r6, [r2, #4]\n ldr r3, [r2, #8]", 4, "three pipelined LDRs: 4"),
    ("ldr r5, [r2]\n ldr r6, [r5]", 4, "dependent address: not pipelined"),
    ("str r1, [r2]", 1, "STR Rx,[Ry,#imm] is always one cycle"),
    ("mul r0, r1, r4", 1, "MUL 1"),
    ("mla r0, r1, r4, r0", 1, "MLA 1 on M4"),
    ("smull r5, r6, r1, r4", 1, "SMULL 1 on M4"),
    ("smlad r0, r1, r4, r0", 1, "SMLAD 1"),
    ("ldm r2, {r3, r5, r6, r7}", 5, "LDM 1+N"),
    ("push {r4, r5, r6, r7}\n pop {r4, r5, r6, r7}", 10, "PUSH/POP 1+N"),
    ("ldrd r5, r6, [r2]", 3, "LDRD 1+N"),
    ("cmp r0, #0\n bne 1f\n nop\n1:", 3, "CMP 1 + B<cond> not taken 1 + NOP 1"),
    ("cmp r0, #1\n bne 1f\n nop\n1:", 2 + M4_P, "CMP 1 + B<cond> taken 1+P"),
    ("b 1f\n nop\n1:", 1 + M4_P, "B 1+P"),
])
def test_m4(tmp_path, body, expected, why):
    assert measure(tmp_path, "m4", body) == expected, why


@needs_gcc
def test_m4_sdiv_in_documented_range(tmp_path):
    assert 2 <= measure(tmp_path, "m4", "sdiv r0, r4, r1") <= 12  # TRM: 2..12


@needs_gcc
@pytest.mark.parametrize("body,expected,why", [
    ("adds r0, r0, #1\n adds r0, r0, #1", 2, "ADDS 1"),
    ("ldr r5, [r2]", 2, "LDR 2"),
    ("ldr r5, [r2]\n ldr r6, [r2, #4]", 4, "no load pipelining on M0+"),
    ("str r1, [r2]", 2, "STR 2"),
    ("muls r1, r4", 1, "MULS 1 (fast multiplier)"),
    ("ldm r2!, {r3, r5, r6}", 4, "LDM 1+N"),
    ("push {r4, r5, r6, r7}", 5, "PUSH 1+N"),
    ("cmp r0, #0\n bne 1f\n nop\n1:", 3, "CMP 1 + B<cond> not taken 1 + NOP 1"),
    ("cmp r0, #1\n bne 1f\n nop\n1:", 3, "CMP 1 + B<cond> taken 2"),
    ("b 1f\n nop\n1:", 2, "B 2"),
])
def test_m0plus(tmp_path, body, expected, why):
    assert measure(tmp_path, "m0plus", body) == expected, why


@needs_gcc
def test_m0plus_call_return(tmp_path):
    # BL 3 + PUSH {r4, lr} 3 + POP {r4, pc} 3+N(2) = 11, from the M0+ TRM table
    body = "bl 2f\n b 3f\n2:\n push {r4, lr}\n pop {r4, pc}\n3:"
    # the trailing "b 3f" is 2 more cycles
    assert measure(tmp_path, "m0plus", body) == 3 + 3 + 5 + 2


@needs_gcc
def test_m7_dual_issue_is_faster_than_m4(tmp_path):
    body = "\n".join(["adds r0, r0, #1", "adds r5, r1, #2"] * 4)
    m7, m4 = measure(tmp_path, "m7", body), measure(tmp_path, "m4", body)
    assert m4 == 8
    assert m7 == 4  # independent ALU pairs dual-issue


@needs_gcc
def test_m7_dependent_pair_does_not_dual_issue(tmp_path):
    # each instruction reads the previous one's result: one per cycle (the last one may pair
    # with the following BL, so compare two chain lengths)
    def chain(n: int) -> str:
        return "\n".join(["adds r0, r0, #1"] * n)
    assert measure(tmp_path, "m7", chain(8)) - measure(tmp_path, "m7", chain(4)) == 4


def _insn(code: bytes):
    md = capstone.Cs(capstone.CS_ARCH_ARM, capstone.CS_MODE_THUMB | capstone.CS_MODE_MCLASS)
    md.detail = True
    return next(md.disasm(code, 0x100))


def test_cycles_single_instruction():
    pop_r4_pc = bytes.fromhex("10bd")          # pop {r4, pc}
    assert cycle_model.cycles(_insn(pop_r4_pc), "cortex-m0plus") == 3 + 2  # 3+N
    assert cycle_model.cycles(_insn(pop_r4_pc), "cortex-m4") == 1 + 2 + M4_P  # 1+N+P
    bne = bytes.fromhex("00d1")                # bne.n
    assert cycle_model.cycles(_insn(bne), "cortex-m0plus") == 1
    assert cycle_model.cycles(_insn(bne), "cortex-m0plus", taken=True) == 2
    assert cycle_model.cycles(_insn(bne), "cortex-m4", taken=True) == 1 + M4_P
    bl = bytes.fromhex("00f000f8")             # bl
    assert cycle_model.cycles(_insn(bl), "cortex-m0plus") == 3
    ldr = bytes.fromhex("1168")                # ldr r1, [r2]
    assert cycle_model.cycles(_insn(ldr), "cortex-m4") == 2


def test_every_core_has_a_table():
    for name in ("m0plus", "m4", "m7", "m33", "m55"):
        t = cycle_model.timing_for(get_target(name).core)
        assert t.source
        assert t.costs[cycle_model.ALU] == 1


def _straddle(skip: int, body: str) -> str:
    """``body`` placed `skip` bytes after a 1 KiB boundary (the emulator's page: unicorn ends a translation
    block there), reached by a branch so both placements run the same instructions."""
    return f"b 9f\n .p2align 10\n .skip {skip}\n9:\n {body}"


@needs_gcc
@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("body", [
    "ldr.w r5, [r2]\n ldr.w r6, [r2, #4]\n ldr.w r3, [r2, #8]",          # LDR;LDR pipelining across the split
    "adds.w r0, r0, #1\n adds.w r5, r1, #2\n adds.w r3, r1, #2\n adds.w r6, r1, #2",   # M7 pairs across it
])
def test_page_boundary_costs_nothing(tmp_path, core, body):
    """A 1 KiB page boundary inside straight-line code is an emulator artefact, not a hardware event: the
    block unicorn cuts there must cost what the uncut sequence costs (load pipelining, dual issue)."""
    inside = measure(tmp_path, core, _straddle(16, body))
    across = measure(tmp_path, core, _straddle(1020, body))     # the second instruction starts the next page
    assert across == inside


@pytest.mark.parametrize("hexcode, read", [
    ("22f3c701", "r2"),              # ssat r1, #8, r2, asr #3: its source
    ("a2f30801", "r2"),              # usat16 r1, #8, r2
    ("c2ea0341", "r3"),              # pkhbt r1, r2, r3, lsl #16: the shifted operand
    ("22fa83f1", "r3"),              # sxtab16 r1, r2, r3
    ("12fa83f1", "r3"),              # uxtah r1, r2, r3
    ("c3fb0412", "r1"),              # smlal r1, r2, r3, r4: RdLo and RdHi accumulate
    ("c3fbc412", "r2"),              # smlald r1, r2, r3, r4
])
def test_reads_capstone_leaves_out(hexcode, read):
    """capstone 5's regs_access() omits these reads; without them the M7 model would dual-issue an
    instruction with the one whose result it reads (asr r0; ssat r0, #8, r0)."""
    insn = _insn(bytes.fromhex(hexcode))
    info = cycle_model.insn_info(insn)
    assert insn.reg_name(next(r for r in info.reads if insn.reg_name(r) == read)) == read


def test_conditional_instruction_reads_flags_and_its_destination():
    md = capstone.Cs(capstone.CS_ARCH_ARM, capstone.CS_MODE_THUMB | capstone.CS_MODE_MCLASS)
    md.detail = True
    it, moveq = md.disasm(bytes.fromhex("08bf1146"), 0x100)       # it eq; moveq r1, r2
    names = {moveq.reg_name(r) for r in cycle_model.insn_info(moveq).reads}
    assert {"r1", "r2", "cpsr"} <= names


@needs_gcc
@pytest.mark.parametrize("insn", [
    "ssat r0, #8, r0, asr #1",
    "pkhbt r5, r2, r5, lsl #16",
    "sxtab16 r5, r2, r5",
])
def test_m7_does_not_dual_issue_a_read_capstone_hides(tmp_path, insn):
    # each instruction reads the previous one's result through the operand capstone hides: one a cycle
    assert measure(tmp_path, "m7", "\n".join([insn] * 8)) - measure(tmp_path, "m7", "\n".join([insn] * 4)) == 4
