"""Cycle cost model for the emulated cores: ONE table per core, by instruction class.

The emulator executes functionally (unicorn) and charges cycles per basic block from these
tables.  All counts assume zero-wait-state memory (code and data in TCM/SRAM or a flash with
a perfect accelerator/cache), no interrupts and no bus contention, so they are a lower bound
for code running from flash with wait states.

Sources
-------
* Cortex-M0+: Arm Cortex-M0+ Technical Reference Manual (DDI 0484C), Table 3.1 "Cortex-M0+
  instruction summary".  Loads/stores 2 (1 only for the single-cycle I/O port), LDM/STM/PUSH
  1+N, POP {..,pc} 3+N, B<cond> 2 taken / 1 not taken, B 2, BL 3, BX/BLX 2, MOV/ADD to PC 2,
  MULS 1 (fast multiplier, as on RP2040), DMB/DSB/ISB 3, MRS 3, MSR 4.
* Cortex-M4: Arm Cortex-M4 Technical Reference Manual (DDI 0439 / 100166), Table 3-1
  "Processor instruction set summary" and section 3.3.2 "Load/store timings"; FPU: Table 7-1.
  P (pipeline refill) is 1..3 cycles; we use P = 2.  MUL/MLA/MLS/SMULL/UMULL/SMLAL/UMLAL and
  all DSP MACs (SMLAD, SMLABB, ...) 1; SDIV/UDIV 2..12 (early termination, data dependent; we
  charge 7); LDR 2 but "LDR [any] are pipelined when possible": a single load/store that
  directly follows a single load costs one cycle less (LDR;LDR = 3, LDR;LDR;LDR = 4); STR 1
  ("STR Rx,[Ry,#imm] is always one cycle"); LDRD/STRD 1+N = 3, not pipelined; LDM/STM 1+N;
  B/BL/BX 1+P; B<cond> 1 (+P if taken); TBB/TBH 2+P; LDR pc 2+P; POP {..,pc} 1+N+P.
  FPU: VADD/VSUB/VMUL/VCVT/VCMP/VABS/VNEG 1, VMLA/VMLS/VFMA/VFMS 3, VDIV/VSQRT 14, VLDR/VSTR 2,
  VLDM/VSTM/VPUSH/VPOP 1+N, VMOV 1.
* Cortex-M33: Arm does not publish an instruction timing table in the Cortex-M33 TRM
  (100230).  The M33 is a 3-stage Armv8-M Mainline pipeline like the M4; we use the M4 table.
* Cortex-M55: the scalar pipeline is not documented cycle by cycle either (Cortex-M55 TRM
  101051); same M4-derived table.  MVE is not executed by the emulator (see targets.m55).
* Cortex-M7: Arm publishes no per-instruction table for the M7 (TRM DDI 0489 only describes
  the 6-stage dual-issue pipeline).  Heuristic: single-cycle issue for ALU, MUL/MAC, loads and
  stores (fully pipelined, 64-bit data path: LDM/STM 1+ceil(N/2)); branches are predicted
  (BTAC) so a taken branch costs 1 extra cycle on average; plus DUAL ISSUE: two adjacent
  single-cycle instructions issue together when the second does not read a register the
  first writes and they are not both MACs, both stores, or both FP ops.

Load pipelining (M4 family) and dual issue (M7) are applied within one basic block only, so
they are slightly pessimistic across loop back-edges.
Counts are per-instruction independent of operand values except where a table says so;
data-dependent latencies (SDIV) use a documented midpoint.  Conditional instructions inside
IT blocks are charged as executed.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import capstone
from capstone import arm_const as A

# --------------------------------------------------------------------------------------------
# Instruction classes
# --------------------------------------------------------------------------------------------

ALU, MUL, MLA, MULL, MLAL, DSP_MAC, DIV = "alu", "mul", "mla", "mull", "mlal", "dsp_mac", "div"
LOAD, STORE, LOAD_DUAL, STORE_DUAL = "load", "store", "load_dual", "store_dual"
LOAD_MULTIPLE, STORE_MULTIPLE = "load_multiple", "store_multiple"
BRANCH, BRANCH_COND, BRANCH_LINK, BRANCH_INDIRECT, TABLE_BRANCH = (
    "branch", "branch_cond", "branch_link", "branch_indirect", "table_branch")
FP, FP_MAC, FP_DIV, FP_MOVE = "fp", "fp_mac", "fp_div", "fp_move"
FP_LOAD, FP_STORE, FP_LOAD_MULTIPLE, FP_STORE_MULTIPLE = (
    "fp_load", "fp_store", "fp_load_multiple", "fp_store_multiple")
BARRIER, IT, NOP, SYSTEM = "barrier", "it", "nop", "system"

_MULTIPLE = {LOAD_MULTIPLE, STORE_MULTIPLE, FP_LOAD_MULTIPLE, FP_STORE_MULTIPLE}
_BRANCHES = {BRANCH, BRANCH_COND, BRANCH_LINK, BRANCH_INDIRECT, TABLE_BRANCH}


def _classify_name(n: str) -> str:
    if n in ("B",):
        return BRANCH
    if n in ("CBZ", "CBNZ"):
        return BRANCH_COND
    if n == "BL":
        return BRANCH_LINK
    if n in ("BX", "BLX", "BXNS", "BLXNS", "BXJ"):
        return BRANCH_INDIRECT
    if n in ("TBB", "TBH"):
        return TABLE_BRANCH
    if n in ("LDRD", "LDREXD", "LDAEXD"):
        return LOAD_DUAL
    if n in ("STRD", "STREXD", "STLEXD"):
        return STORE_DUAL
    if n in ("LDM", "LDMDA", "LDMDB", "LDMIB", "POP"):
        return LOAD_MULTIPLE
    if n in ("STM", "STMDA", "STMDB", "STMIB", "PUSH"):
        return STORE_MULTIPLE
    if n.startswith(("LDR", "LDA")):
        return LOAD
    if n.startswith(("STR", "STL")):
        return STORE
    if n in ("PLD", "PLDW", "PLI"):
        return LOAD
    if n in ("VLDR",):
        return FP_LOAD
    if n in ("VSTR",):
        return FP_STORE
    if n in ("VLDMIA", "VLDMDB", "VPOP", "FLDMIAX", "FLDMDBX"):
        return FP_LOAD_MULTIPLE
    if n in ("VSTMIA", "VSTMDB", "VPUSH", "FSTMIAX", "FSTMDBX"):
        return FP_STORE_MULTIPLE
    if n in ("VMLA", "VMLS", "VNMLA", "VNMLS", "VFMA", "VFMS", "VFNMA", "VFNMS"):
        return FP_MAC
    if n in ("VDIV", "VSQRT"):
        return FP_DIV
    if n in ("VMOV", "VMRS", "VMSR", "FMSTAT"):
        return FP_MOVE
    if n.startswith("V") or n.startswith("F"):
        return FP
    if n == "MUL":
        return MUL
    if n in ("MLA", "MLS"):
        return MLA
    if n in ("SMULL", "UMULL"):
        return MULL
    if n in ("SMLAL", "UMLAL", "UMAAL") or n.startswith(("SMLAL", "SMLSL")):
        return MLAL
    if n.startswith(("SMLA", "SMLS", "SMUA", "SMUS", "SMUL", "SMML", "SMMU", "SMMLS")):
        return DSP_MAC
    if n in ("SDIV", "UDIV"):
        return DIV
    if n in ("DMB", "DSB", "ISB", "CSDB", "SSBB", "PSSBB"):
        return BARRIER
    if n == "IT":
        return IT
    if n in ("NOP", "YIELD", "HINT"):
        return NOP
    if n in ("BKPT", "SVC", "UDF", "MRS", "MSR", "CPS", "WFI", "WFE", "SEV", "SEVL",
             "TT", "TTA", "TTAT", "TTT", "SG", "CLREX"):
        return SYSTEM
    return ALU


#: capstone ARM_INS_* id -> instruction class
INSN_CLASS: dict[int, str] = {
    getattr(A, name): _classify_name(name[len("ARM_INS_"):])
    for name in dir(A) if name.startswith("ARM_INS_") and name not in ("ARM_INS_INVALID",
                                                                        "ARM_INS_ENDING")
}


# --------------------------------------------------------------------------------------------
# Per-core tables
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CoreTiming:
    """Cycle costs of one core.  ``costs[cls]`` is the base cost; for multiples add N
    (registers) scaled by ``per_register``; for branches the base includes the taken cost
    except BRANCH_COND, whose base is the not-taken cost and ``taken_extra`` is added when
    taken.  ``pc_write_extra`` is added to a non-branch instruction that writes PC
    (MOV pc / LDR pc / POP {..,pc}).  ``cond_not_taken`` is what a conditional (IT-block)
    PC-writing instruction costs when it falls through."""

    core: str
    source: str
    costs: dict[str, int]
    taken_extra: int
    pc_write_extra: int
    per_register: float = 1.0          # cycles per register for LDM/STM/PUSH/POP
    load_pipelining: bool = False      # M3/M4: load/store after a single load is one cycle less
    dual_issue: bool = False           # M7 heuristic
    cond_not_taken: int = 1

    def cost(self, cls: str, nregs: int = 0) -> int:
        base = self.costs.get(cls, 1)
        if cls in _MULTIPLE:
            base += int(-(-nregs * self.per_register // 1))  # ceil
        return base


_M4_COSTS = {
    ALU: 1, MUL: 1, MLA: 1, MULL: 1, MLAL: 1, DSP_MAC: 1, DIV: 7,
    LOAD: 2, STORE: 1, LOAD_DUAL: 3, STORE_DUAL: 3, LOAD_MULTIPLE: 1, STORE_MULTIPLE: 1,
    BRANCH: 3, BRANCH_COND: 1, BRANCH_LINK: 3, BRANCH_INDIRECT: 3, TABLE_BRANCH: 4,
    FP: 1, FP_MAC: 3, FP_DIV: 14, FP_MOVE: 1, FP_LOAD: 2, FP_STORE: 2,
    FP_LOAD_MULTIPLE: 1, FP_STORE_MULTIPLE: 1,
    BARRIER: 1, IT: 1, NOP: 1, SYSTEM: 2,
}

CORE_TIMINGS: dict[str, CoreTiming] = {
    "cortex-m0plus": CoreTiming(
        core="cortex-m0plus", source="Cortex-M0+ TRM DDI 0484C, Table 3.1",
        costs={ALU: 1, MUL: 1, LOAD: 2, STORE: 2, LOAD_MULTIPLE: 1, STORE_MULTIPLE: 1,
               BRANCH: 2, BRANCH_COND: 1, BRANCH_LINK: 3, BRANCH_INDIRECT: 2,
               BARRIER: 3, NOP: 1, SYSTEM: 3,
               # not in Armv6-M; only reachable through a wrong build, kept for completeness
               MLA: 2, MULL: 2, MLAL: 2, DSP_MAC: 1, DIV: 7, LOAD_DUAL: 3, STORE_DUAL: 3,
               TABLE_BRANCH: 4, IT: 1},
        taken_extra=1,       # B<cond>: 2 taken, 1 not taken
        pc_write_extra=1,    # MOV/ADD pc: 2; POP {pc}: 1+N +1 (pc counted in N) = 3+N
    ),
    "cortex-m4": CoreTiming(
        core="cortex-m4", source="Cortex-M4 TRM Table 3-1, 3.3.2, Table 7-1 (P = 2)",
        costs=dict(_M4_COSTS), taken_extra=2, pc_write_extra=2, load_pipelining=True,
    ),
    "cortex-m33": CoreTiming(
        core="cortex-m33", source="no published table; Cortex-M4 TRM Table 3-1 (P = 2) assumed",
        costs=dict(_M4_COSTS), taken_extra=2, pc_write_extra=2, load_pipelining=True,
    ),
    "cortex-m55": CoreTiming(
        core="cortex-m55", source="no published table; Cortex-M4 TRM Table 3-1 (P = 2) assumed "
                                  "for the scalar pipeline; MVE not modelled",
        costs=dict(_M4_COSTS), taken_extra=2, pc_write_extra=2, load_pipelining=True,
    ),
    "cortex-m7": CoreTiming(
        core="cortex-m7", source="heuristic (Cortex-M7 TRM DDI 0489 pipeline description): "
                                 "single-cycle issue, predicted branches, dual issue",
        costs={ALU: 1, MUL: 1, MLA: 1, MULL: 1, MLAL: 1, DSP_MAC: 1, DIV: 7,
               LOAD: 1, STORE: 1, LOAD_DUAL: 1, STORE_DUAL: 1, LOAD_MULTIPLE: 1,
               STORE_MULTIPLE: 1, BRANCH: 1, BRANCH_COND: 1, BRANCH_LINK: 1,
               BRANCH_INDIRECT: 2, TABLE_BRANCH: 4,
               FP: 1, FP_MAC: 1, FP_DIV: 14, FP_MOVE: 1, FP_LOAD: 1, FP_STORE: 1,
               FP_LOAD_MULTIPLE: 1, FP_STORE_MULTIPLE: 1,
               BARRIER: 1, IT: 1, NOP: 1, SYSTEM: 2},
        taken_extra=1, pc_write_extra=2, per_register=0.5, dual_issue=True,
    ),
}
CORE_TIMINGS["cortex-m3"] = CORE_TIMINGS["cortex-m4"]


def timing_for(core: str) -> CoreTiming:
    try:
        return CORE_TIMINGS[core]
    except KeyError:
        raise KeyError(f"no cycle table for core {core!r}; have {sorted(CORE_TIMINGS)}") from None


# --------------------------------------------------------------------------------------------
# Per-instruction facts from capstone
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class InsnInfo:
    address: int
    size: int
    mnemonic: str
    cls: str
    nregs: int             # register-list length for LDM/STM/PUSH/POP/VLDM/VSTM
    writes_pc: bool
    conditional: bool      # condition code other than AL (B<cond>, CBZ, IT-block member)
    writeback: bool
    reads: frozenset = field(default_factory=frozenset)
    writes: frozenset = field(default_factory=frozenset)


def _reads_capstone_omits(insn, cls: str, writes) -> set:
    """Registers an instruction reads that capstone 5's regs_access() leaves out (the M7's dual-issue test
    needs every read): register operands it marks with no access (SSAT/USAT's source, PKHBT/PKHTB's and
    SXTAB16/UXTAH...'s second operand), the accumulators of the long multiply-accumulates (SMLAL, SMLALD,
    UMAAL...: RdLo/RdHi are read and written), and, for an instruction executed conditionally (an IT block
    member), the flags and the registers it would otherwise leave unchanged."""
    extra = {op.reg for op in insn.operands if op.type == A.ARM_OP_REG and op.access == 0}
    if cls == MLAL:
        extra |= set(writes)
    if cls not in _BRANCHES and insn.cc not in (A.ARM_CC_AL, A.ARM_CC_INVALID):
        extra |= set(writes) | {A.ARM_REG_CPSR}
    return extra


def insn_info(insn) -> InsnInfo:
    """Facts about one capstone instruction (capstone Cs with detail=True)."""
    cls = INSN_CLASS.get(insn.id, ALU)
    try:
        reads, writes = insn.regs_access()
    except capstone.CsError:
        reads, writes = (), ()
    reads = set(reads) | _reads_capstone_omits(insn, cls, writes)
    reads, writes = frozenset(reads), frozenset(writes)
    nregs = 0
    if cls in _MULTIPLE:
        ops = insn.operands
        if insn.id in (A.ARM_INS_PUSH, A.ARM_INS_POP, A.ARM_INS_VPUSH, A.ARM_INS_VPOP):
            nregs = len(ops)
        else:
            nregs = max(0, len(ops) - 1)  # first operand is the base register
        if cls in (FP_LOAD_MULTIPLE, FP_STORE_MULTIPLE):
            # D registers move 64 bits: count 32-bit transfers (TRM counts words)
            nregs = sum(2 if A.ARM_REG_D0 <= op.reg <= A.ARM_REG_D31 else 1
                        for op in ops if op.type == A.ARM_OP_REG and op.reg != ops[0].reg) \
                if insn.id in (A.ARM_INS_VLDMIA, A.ARM_INS_VLDMDB, A.ARM_INS_VSTMIA,
                               A.ARM_INS_VSTMDB) else \
                sum(2 if A.ARM_REG_D0 <= op.reg <= A.ARM_REG_D31 else 1 for op in ops)
    writes_pc = A.ARM_REG_PC in writes or any(
        op.type == A.ARM_OP_REG and op.reg == A.ARM_REG_PC and op.access & capstone.CS_AC_WRITE
        for op in insn.operands)
    if cls in _BRANCHES:
        writes_pc = True
    cc = insn.cc
    conditional = cls == BRANCH_COND or (cc not in (A.ARM_CC_AL, A.ARM_CC_INVALID))
    return InsnInfo(insn.address, insn.size, f"{insn.mnemonic} {insn.op_str}".strip(), cls,
                    nregs, writes_pc, conditional, bool(getattr(insn, "writeback", False)),
                    reads, writes)


def _base_cost(t: CoreTiming, info: InsnInfo) -> tuple[int, int]:
    """(cost if not taken / straight-line, extra cost if the instruction branches)."""
    cls = info.cls
    if cls in (BRANCH, BRANCH_COND) and info.conditional:       # B<cond>, CBZ, CBNZ
        return t.cost(BRANCH_COND), t.taken_extra
    if cls in _BRANCHES and info.conditional:                    # BXEQ lr, ... in an IT block
        nt = t.cost(BRANCH_COND)
        return nt, t.cost(cls) - nt
    if cls in _BRANCHES:
        return t.cost(cls), 0
    cost = t.cost(cls, info.nregs)
    if info.writes_pc:
        if cls == LOAD_MULTIPLE and t.core == "cortex-m0plus":
            extra = 2  # POP {.., pc}: 3+N on the M0+
        else:
            extra = t.pc_write_extra
        if info.conditional:
            return t.cond_not_taken, cost + extra - t.cond_not_taken
        return cost + extra, 0
    return cost, 0


def cycles(insn, core: str = "cortex-m4", taken: bool = False) -> int:
    """Cycles of one capstone instruction on ``core`` in isolation (no pipelining/pairing).

    ``taken``: whether a conditional branch (or conditional PC write) was taken."""
    t = timing_for(core)
    info = insn if isinstance(insn, InsnInfo) else insn_info(insn)
    base, extra = _base_cost(t, info)
    return base + (extra if taken else 0)


@dataclass(frozen=True)
class BlockCost:
    cycles: int          # straight-line cost, last instruction not taken
    taken_extra: int     # add when the block's last instruction branches (conditional only)
    instructions: int


_SINGLE_MEM = {LOAD, STORE}
_PAIRABLE = {ALU, MUL, MLA, DSP_MAC, LOAD, STORE, FP, FP_MOVE, FP_LOAD, FP_STORE, FP_MAC,
             NOP, IT, BRANCH, BRANCH_COND, BRANCH_LINK}
_MAC_LIKE = {MUL, MLA, DSP_MAC, MULL, MLAL}
_FP_LIKE = {FP, FP_MAC, FP_MOVE}
_STORE_LIKE = {STORE, FP_STORE}


def block_cost(infos: list[InsnInfo], core: str) -> BlockCost:
    """Cost of a straight-line block of instructions (as unicorn's UC_HOOK_BLOCK sees it)."""
    t = timing_for(core)
    total = 0
    last_extra = 0
    prev: InsnInfo | None = None
    prev_paired = False
    prev_cost = 0
    for i, info in enumerate(infos):
        cost, extra = _base_cost(t, info)
        if t.load_pipelining and prev is not None and info.cls in _SINGLE_MEM \
                and prev.cls == LOAD and not prev.writes_pc and not prev.writeback \
                and not (prev.writes & info.reads - {A.ARM_REG_PC}) and info.cls == LOAD:
            cost -= 1  # LDR;LDR pipelined (stores are already 1 cycle)
        if t.dual_issue and prev is not None and not prev_paired and prev_cost == 1 and \
                cost == 1 and prev.cls in _PAIRABLE and info.cls in _PAIRABLE and \
                prev.cls not in _BRANCHES and not (prev.writes & info.reads) and \
                not (prev.cls in _MAC_LIKE and info.cls in _MAC_LIKE) and \
                not (prev.cls in _STORE_LIKE and info.cls in _STORE_LIKE) and \
                not (prev.cls in _FP_LIKE and info.cls in _FP_LIKE):
            cost = 0           # issued in the same cycle as the previous instruction
            prev_paired = True
        else:
            prev_paired = False
        total += cost
        prev_cost = cost if cost else 1
        if i == len(infos) - 1:
            last_extra = extra
        prev = info
    return BlockCost(total, last_extra, len(infos))


_DISASM: dict[str, capstone.Cs] = {}


def disassembler() -> capstone.Cs:
    md = _DISASM.get("thumb")
    if md is None:
        md = capstone.Cs(capstone.CS_ARCH_ARM, capstone.CS_MODE_THUMB | capstone.CS_MODE_MCLASS)
        md.detail = True
        _DISASM["thumb"] = md
    return md


def decode(code: bytes, address: int) -> list[InsnInfo]:
    """Decode Thumb code into InsnInfo records (stops at the first undecodable halfword)."""
    return [insn_info(i) for i in disassembler().disasm(code, address)]
