"""Target records: the one table of cores/boards microforge builds for and emulates.

Every number below comes from the datasheet named in the record's ``datasheet`` field
(reference manual where noted).  ``ram_bytes`` is the on-chip SRAM usable for data
(stack + static data + tensor arena); ``flash_bytes`` is the code/constant storage the
image must fit in (on-chip flash, or the board's QSPI flash / MRAM where the part has
no on-chip flash).

Emulation (``microforge.sim``) runs on unicorn 2.1.4 (QEMU 5.0 based).  Facts that decide
the compiler flags:

* unicorn's Cortex-M7 model only executes single-precision VFP, so ``m7`` builds with
  ``-mfpu=fpv5-sp-d16`` even though the STM32F746 FPU is single-precision anyway.
* unicorn has no Cortex-M55 model and no Armv8.1-M support at all: neither MVE (Helium)
  nor the scalar v8.1-M additions (low-overhead loops ``DLS``/``LE``, ``CSEL``/``CSINC``...)
  that GCC emits for ``-mcpu=cortex-m55`` even with ``+nomve``.  ``m55`` is therefore
  built for Armv8-M Mainline + DSP + FP (``-march=armv8-m.main+dsp+fp``) tuned for the M55
  and emulated on the Cortex-M33 model; its cycle counts are scalar-only estimates.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from microforge.errors import MicroforgeError

KiB = 1024
MiB = 1024 * 1024


@dataclass(frozen=True)
class Target:
    """One build/emulation target.  ``core is None`` means the host (build with host cc)."""

    name: str
    core: str | None                 # "cortex-m4", ... or None for the host
    cpu_flags: tuple[str, ...]       # arm-none-eabi-gcc flags: -mcpu/-march, -mthumb, float ABI
    dsp: bool                        # DSP extension (SMLAD, QADD8, ...) available
    mve: bool                        # the silicon has MVE (Helium)
    mve_executable: bool             # the emulator can execute MVE instructions
    board: str
    clock_mhz: float | None
    ram_bytes: int | None
    flash_bytes: int | None
    datasheet: str
    unicorn_cpu: str | None = None   # name of the unicorn.arm_const.UC_CPU_ARM_* model
    float_abi: str = "soft"          # "soft" or "hard"
    notes: str = ""

    @property
    def is_host(self) -> bool:
        return self.core is None

    def with_overrides(self, *, clock_mhz: float | None = None, ram: int | None = None,
                       flash: int | None = None) -> "Target":
        """A copy with a different clock (MHz), RAM size or flash size (bytes)."""
        for label, value in (("clock_mhz", clock_mhz), ("ram", ram), ("flash", flash)):
            if value is not None and value <= 0:
                raise MicroforgeError(f"{label} override must be positive, got {value}",
                                      where=f"target {self.name}")
        if self.is_host and (ram is not None or flash is not None or clock_mhz is not None):
            raise MicroforgeError("the host target has no clock/RAM/flash to override",
                                  where="target host", hint="pick an MCU target such as m4")
        changes: dict = {}
        if clock_mhz is not None:
            changes["clock_mhz"] = float(clock_mhz)
        if ram is not None:
            changes["ram_bytes"] = int(ram)
        if flash is not None:
            changes["flash_bytes"] = int(flash)
        return replace(self, **changes) if changes else self


TARGETS: dict[str, Target] = {t.name: t for t in (
    Target(
        name="host", core=None, cpu_flags=(), dsp=False, mve=False, mve_executable=False,
        board="build machine (host cc)", clock_mhz=None, ram_bytes=None, flash_bytes=None,
        datasheet="-", notes="functional testing only; no cycle or memory budget",
    ),
    Target(
        name="m0plus", core="cortex-m0plus",
        cpu_flags=("-mcpu=cortex-m0plus", "-mthumb", "-mfloat-abi=soft"),
        dsp=False, mve=False, mve_executable=False,
        board="Raspberry Pi Pico (RP2040)", clock_mhz=133.0,
        ram_bytes=264 * KiB, flash_bytes=2 * MiB,
        datasheet="RP2040 Datasheet (Raspberry Pi Ltd), ch. 1 'Introduction': dual Cortex-M0+ "
                  "at 133 MHz, 264kB on-chip SRAM; 2MB QSPI flash (W25Q16JV) per the "
                  "Raspberry Pi Pico Datasheet",
        unicorn_cpu="UC_CPU_ARM_CORTEX_M0",
        notes="RP2040 has the single-cycle multiplier option; no hardware divide in the core "
              "(the RP2040 SIO divider is not used), so divisions go through libgcc",
    ),
    Target(
        name="m4", core="cortex-m4",
        cpu_flags=("-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"),
        dsp=True, mve=False, mve_executable=False,
        board="NUCLEO-L4R5ZI (STM32L4R5ZI)", clock_mhz=120.0,
        ram_bytes=640 * KiB, flash_bytes=2 * MiB,
        datasheet="STM32L4R5xx/L4S5xx datasheet DS12023 (STMicroelectronics): Cortex-M4F up to "
                  "120 MHz, 2 Mbytes flash, 640 Kbytes SRAM",
        unicorn_cpu="UC_CPU_ARM_CORTEX_M4", float_abi="hard",
    ),
    Target(
        name="m7", core="cortex-m7",
        cpu_flags=("-mcpu=cortex-m7", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv5-sp-d16"),
        dsp=True, mve=False, mve_executable=False,
        board="NUCLEO-F746ZG / STM32F746G-DISCO (STM32F746)", clock_mhz=216.0,
        ram_bytes=320 * KiB, flash_bytes=1 * MiB,
        datasheet="STM32F745xx/STM32F746xx datasheet DS10916 (STMicroelectronics): Cortex-M7 "
                  "up to 216 MHz, 1 Mbyte flash, 320 Kbytes RAM (incl. 64 KB DTCM)",
        unicorn_cpu="UC_CPU_ARM_CORTEX_M7", float_abi="hard",
        notes="single-precision FPU (fpv5-sp-d16); unicorn rejects double-precision VFP on M7",
    ),
    Target(
        name="m33", core="cortex-m33",
        cpu_flags=("-mcpu=cortex-m33", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv5-sp-d16"),
        dsp=True, mve=False, mve_executable=False,
        board="NUCLEO-U575ZI-Q (STM32U575ZI)", clock_mhz=160.0,
        ram_bytes=786 * KiB, flash_bytes=2 * MiB,
        datasheet="STM32U575xx datasheet DS13737 (STMicroelectronics): Cortex-M33 up to "
                  "160 MHz, 2 Mbytes flash, 786 Kbytes SRAM",
        unicorn_cpu="UC_CPU_ARM_CORTEX_M33", float_abi="hard",
    ),
    Target(
        name="m55", core="cortex-m55",
        cpu_flags=("-march=armv8-m.main+dsp+fp", "-mtune=cortex-m55", "-mthumb",
                   "-mfloat-abi=hard", "-mfpu=fpv5-sp-d16"),
        dsp=True, mve=True, mve_executable=False,
        board="Alif Ensemble E3 DevKit, RTSS-HP core (Cortex-M55 + Ethos-U55)", clock_mhz=400.0,
        ram_bytes=1 * MiB, flash_bytes=5632 * KiB,
        datasheet="Alif Semiconductor Ensemble E3 datasheet; RAM = RTSS-HP DTCM (SRAM3, 1024 KB "
                  "at 400 MHz) per Alif whitepaper AWPR0003 'RAM Regions and Linker Files'; "
                  "flash = 5.5 MB on-chip MRAM (part-number dependent)",
        unicorn_cpu="UC_CPU_ARM_CORTEX_M33", float_abi="hard",
        notes="+nomve: unicorn 2.1.4 (QEMU 5.0) has no Cortex-M55 model and cannot execute "
              "Armv8.1-M (MVE/Helium, nor the DLS/LE/CSEL scalar additions GCC emits even with "
              "-mcpu=cortex-m55+nomve); built as Armv8-M Mainline+DSP+FP tuned for M55, run on "
              "the Cortex-M33 model, cycles are scalar estimates (Ethos-U55 unused)",
    ),
)}


def get_target(name: str) -> Target:
    """The target record called ``name`` (case-insensitive; ``m0+`` accepted for ``m0plus``)."""
    key = name.strip().lower().replace("cortex-", "")
    key = {"m0+": "m0plus", "m0p": "m0plus", "cortex-m0plus": "m0plus"}.get(key, key)
    try:
        return TARGETS[key]
    except KeyError:
        raise MicroforgeError(f"unknown target {name!r}", where="--target",
                              hint="valid targets: " + ", ".join(TARGETS)) from None


def target_names() -> list[str]:
    return list(TARGETS)
