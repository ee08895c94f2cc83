"""Emulated Cortex-M runner (unicorn) and cycle model.

    from microforge.sim import run_firmware
    result = run_firmware(build.elf_path, target, [input_bytes], [output_size])
"""
from microforge.sim.emulator import LayerCycles, RunResult, run_firmware

__all__ = ["LayerCycles", "RunResult", "run_firmware"]
