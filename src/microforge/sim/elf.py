"""A minimal ELF32 little-endian reader: loadable segments and the symbol table.

Just enough for the emulator and the size report (pyelftools is not a dependency).
"""
from __future__ import annotations

import bisect
import struct
from dataclasses import dataclass, field
from pathlib import Path

from microforge.errors import MicroforgeError

PT_LOAD = 1
SHT_SYMTAB = 2
STT_FUNC = 2
STT_OBJECT = 1
EM_ARM = 40


@dataclass(frozen=True)
class Segment:
    vaddr: int
    paddr: int   # load address (LMA); differs from vaddr for .data
    data: bytes  # file image (filesz bytes)
    memsz: int
    flags: int


@dataclass(frozen=True)
class Section:
    name: str
    addr: int
    size: int
    type: int
    flags: int


@dataclass(frozen=True)
class Symbol:
    name: str
    value: int
    size: int
    type: int  # STT_*

    @property
    def addr(self) -> int:
        """Address with the Thumb bit cleared for functions."""
        return self.value & ~1 if self.type == STT_FUNC else self.value


@dataclass
class ElfFile:
    path: Path
    machine: int
    entry: int
    segments: list[Segment]
    sections: list[Section]
    symbols: dict[str, Symbol]
    _sorted_funcs: list[tuple[int, str]] = field(default_factory=list, repr=False)

    def symbol(self, name: str) -> Symbol | None:
        return self.symbols.get(name)

    def nearest_symbol(self, addr: int) -> str:
        """'func+0x12' for the function/object containing (or preceding) ``addr``."""
        if not self._sorted_funcs:
            self._sorted_funcs = sorted((s.addr, s.name) for s in self.symbols.values()
                                        if s.type in (STT_FUNC, STT_OBJECT) and s.name)
        keys = [a for a, _ in self._sorted_funcs]
        i = bisect.bisect_right(keys, addr) - 1
        if i < 0:
            return "?"
        base, name = self._sorted_funcs[i]
        return f"{name}+0x{addr - base:x}" if addr != base else name


def read_elf(path: str | Path) -> ElfFile:
    path = Path(path)
    try:
        blob = path.read_bytes()
    except OSError as e:
        raise MicroforgeError(f"cannot read firmware image: {e}", where=str(path)) from None
    if blob[:4] != b"\x7fELF" or blob[4] != 1 or blob[5] != 1:
        raise MicroforgeError("not a 32-bit little-endian ELF file", where=str(path),
                              hint="pass the firmware.elf produced by build_firmware()")
    (e_type, e_machine, _ver, e_entry, e_phoff, e_shoff, _flags, _ehsize, e_phentsize, e_phnum,
     e_shentsize, e_shnum, e_shstrndx) = struct.unpack_from("<HHIIIIIHHHHHH", blob, 16)

    segments = []
    for i in range(e_phnum):
        p_type, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_flags, _align = \
            struct.unpack_from("<8I", blob, e_phoff + i * e_phentsize)
        if p_type == PT_LOAD and p_memsz:
            segments.append(Segment(p_vaddr, p_paddr, blob[p_offset:p_offset + p_filesz],
                                    p_memsz, p_flags))

    raw_sections = [struct.unpack_from("<10I", blob, e_shoff + i * e_shentsize)
                    for i in range(e_shnum)] if e_shoff else []

    def cstr(table_off: int, off: int) -> str:
        end = blob.index(b"\0", table_off + off)
        return blob[table_off + off:end].decode("utf-8", "replace")

    sections: list[Section] = []
    symbols: dict[str, Symbol] = {}
    if raw_sections and e_shstrndx < len(raw_sections):
        shstr_off = raw_sections[e_shstrndx][4]
        for sh in raw_sections:
            sh_name, sh_type, sh_flags, sh_addr, sh_offset, sh_size = sh[:6]
            sections.append(Section(cstr(shstr_off, sh_name), sh_addr, sh_size, sh_type, sh_flags))
        for sh in raw_sections:
            if sh[1] != SHT_SYMTAB:
                continue
            sym_off, sym_size, link, entsize = sh[4], sh[5], sh[6], sh[9] or 16
            str_off = raw_sections[link][4]
            for j in range(sym_size // entsize):
                st_name, st_value, st_size, st_info, _other, st_shndx = \
                    struct.unpack_from("<IIIBBH", blob, sym_off + j * entsize)
                if not st_name or st_shndx == 0:
                    continue
                name = cstr(str_off, st_name)
                stype = st_info & 0xF
                bind = st_info >> 4
                if name.startswith("$"):  # mapping symbols $t/$d/$a
                    continue
                prev = symbols.get(name)
                # Prefer global (bind 1) over local definitions of the same name.
                if prev is None or bind == 1:
                    symbols[name] = Symbol(name, st_value, st_size, stype)
    return ElfFile(path, e_machine, e_entry, segments, sections, symbols)
