"""Arena planners: pure functions from buffers to offsets (a Plan)."""
from __future__ import annotations

from dataclasses import dataclass

from .lifetimes import Buffer

ALIGN = 8  # bytes; enough for int32 and float accesses on every target


@dataclass
class Plan:
    """offsets[i] is where buffers[i] starts; `size` is the arena size in bytes."""

    buffers: list[Buffer]
    offsets: list[int]
    size: int
    planner: str


def _align(n: int) -> int:
    return (n + ALIGN - 1) // ALIGN * ALIGN


def _overlaps(a: Buffer, b: Buffer) -> bool:
    return a.first <= b.last and b.first <= a.last


def plan_greedy_by_size(buffers: list[Buffer]) -> Plan:
    """Largest buffers first, each at the lowest offset free for its whole lifetime (TFLM's strategy).

    >>> plan_greedy_by_size([Buffer(100, 0, 1), Buffer(50, 1, 2), Buffer(80, 2, 3)]).size
    160
    """
    order = sorted(range(len(buffers)), key=lambda i: (-buffers[i].size, buffers[i].first, i))
    offsets = [0] * len(buffers)
    placed: list[int] = []
    for i in order:
        b = buffers[i]
        busy = sorted((offsets[j], offsets[j] + _align(buffers[j].size)) for j in placed if _overlaps(b, buffers[j]))
        at = 0
        for start, end in busy:
            if at + b.size <= start:
                break
            at = max(at, end)
        offsets[i] = at
        placed.append(i)
    size = max((offsets[i] + _align(b.size) for i, b in enumerate(buffers)), default=0)
    return Plan(buffers=buffers, offsets=offsets, size=size, planner="greedy_by_size")
