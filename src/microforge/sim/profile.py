"""Where a layer's cycles go: the hottest code blocks of a profiled run (``run_firmware(profile=True)``).

A block is a straight run of instructions that unicorn executed as one unit; the run records, per layer and block
address, the cycles the cycle model charged it (a taken branch's penalty to the block that branched) and how often
it ran. ``hot_blocks`` ranks them and disassembles each from the firmware image, so a per-layer profile can be
followed down to the loop that costs the most: its cycles per pass and its instructions.
"""
from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from microforge.sim import cycle_model
from microforge.sim.elf import read_elf


@dataclass(frozen=True)
class HotBlock:
    layer: int | None          # the layer whose mf_layer_begin/_end brackets it (None: outside every layer)
    address: int
    size: int                  # bytes
    cycles: int
    executions: int
    symbol: str                # nearest symbol + offset
    instructions: list[str]    # "address: mnemonic operands"
    source: str = ""           # the inlined call chain at its first instruction, innermost first, and file:line

    @property
    def cycles_per_execution(self) -> float:
        return self.cycles / max(self.executions, 1)


def _code(elf, address: int, size: int) -> bytes:
    for seg in elf.segments:
        if seg.paddr <= address and address + size <= seg.paddr + len(seg.data):
            return seg.data[address - seg.paddr:address - seg.paddr + size]
    return b""


def _sources(elf_path, addresses: list[int]) -> list[str]:
    """Per address 'f < g < h (file.h:123)' from the firmware's debug info (arm-none-eabi-addr2line -a -f -i, one call:
    the kernels are inlined into the layer functions mf_layer_<i>, so the chain says which kernel and which of its
    callers); '' when addr2line is missing or says nothing."""
    tool = shutil.which("arm-none-eabi-addr2line")
    if tool is None or not addresses:
        return [""] * len(addresses)
    r = subprocess.run([tool, "-a", "-f", "-i", "-e", str(elf_path), *(f"0x{a:x}" for a in addresses)],
                       capture_output=True, text=True)
    groups: list[list[str]] = []
    for line in r.stdout.splitlines() if r.returncode == 0 else []:
        if line.startswith("0x"):     # -a: each address's frames (function, file:line pairs) follow it
            groups.append([])
        elif groups:
            groups[-1].append(line)
    out = []
    for g in groups + [[]] * (len(addresses) - len(groups)):
        funcs, files = g[0::2], g[1::2]
        if not funcs or funcs[0] == "??":
            out.append("")
        else:
            out.append(f"{' < '.join(funcs)} ({Path(files[0].split(' ')[0]).name if files else '?'})")
    return out


def hot_blocks(blocks: dict, elf_path, n: int) -> list[HotBlock]:
    """The ``n`` blocks of ``blocks`` (RunResult.blocks) with the most cycles, most first, disassembled, with the
    inlined kernel chain they belong to."""
    elf = read_elf(elf_path)
    top = sorted(blocks.items(), key=lambda kv: -kv[1][0])[:max(n, 0)]
    sources = _sources(elf_path, [address for (_, address), _ in top])
    out = []
    for ((layer, address), (cycles, executions, size)), source in zip(top, sources):
        infos = cycle_model.decode(_code(elf, address, size), address)
        out.append(HotBlock(layer, address, size, cycles, executions, elf.nearest_symbol(address),
                            [f"{i.address:08x}: {i.mnemonic}" for i in infos], source))
    return out


def hot_text(hot: list[HotBlock], total_cycles: int, labels: dict[int, str] | None = None,
             max_lines: int = 24) -> str:
    """The ranked blocks as text: layer, address, cycles and share, executions, cycles per execution, then the
    block's instructions (its first and last ``max_lines // 2`` when longer)."""
    labels = labels or {}
    lines = [f"hot code: the {len(hot)} blocks with the most cycles (a block: instructions run as one unit; "
             f"its cycles include its taken branch)"]
    for rank, b in enumerate(hot, 1):
        where = "outside the layers" if b.layer is None else f"layer {b.layer} {labels.get(b.layer, '')}".rstrip()
        share = 100.0 * b.cycles / max(total_cycles, 1)
        lines.append(f"  {rank:>2}. {where}: 0x{b.address:08x} ({b.symbol}), {len(b.instructions)} instructions: "
                     f"{b.cycles:,} cycles ({share:.1f}%), {b.executions:,} runs x {b.cycles_per_execution:.1f}")
        if b.source:
            lines.append(f"      in {b.source}")
        body = b.instructions
        if len(body) > max_lines:
            half = max_lines // 2
            body = body[:half] + [f"... {len(body) - 2 * half} more ..."] + body[-half:]
        lines += [f"        {ins}" for ins in body]
    return "\n".join(lines)
