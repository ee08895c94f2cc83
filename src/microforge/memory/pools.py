"""Memory pools (`--memory dtcm:64K,sram:256K`): parse the spec, rank buffers by heat, plan each pool on its own.

A pool is one memory of the board, fastest first. Every activation buffer goes whole into one pool (a
buffer never straddles two memories); each pool is then planned by plan_best and checked by verify_plan
like the single arena, and becomes its own C array in its own linker section.

Heat, the placement heuristic: the bytes an inference reads from and writes to a buffer, per byte of
the buffer. A kernel reads an input once per multiply-accumulate when the op has MACs (conv, depthwise,
fully connected, pooling: no reuse from registers or caches is assumed, which is what the portable
kernels do), else once per element; it writes each output byte once; aliasing ops (RESHAPE, ...) move
nothing. Buffers go hottest first (ties: smaller, then earlier) into the first pool where the pool's
plan still fits its capacity, so the fast pool fills with the traffic that gains most per byte spent;
whatever fits nowhere else goes to the last pool.

>>> pools = parse_memory("dtcm:8K,sram:256K")
>>> placed = place_in_pools(buffers, pools, buffer_traffic(graph, buffers, macs))
>>> [(p.pool.name, p.used, p.pool.capacity) for p in placed]    # bytes used of each pool, its capacity
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from ..errors import MicroforgeError
from ..ir import Graph, Op
from .lifetimes import ALIGN, Buffer
from .planner import Plan, plan_best, plan_greedy_by_breadth, plan_greedy_by_conflict, plan_greedy_by_size
from .verify import verify_plan

_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")
_SIZE = re.compile(r"(\d+)\s*(k|m|g|)(ib|b|)", re.IGNORECASE)
_UNIT = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
MAX_POOL_BYTES = 1 << 32   # a 32-bit address space
SPEC_HELP = ("write pools as NAME:SIZE separated by commas, fastest first, e.g. dtcm:64K,sram:256K "
             "(SIZE in bytes, or with K / M / G for KiB / MiB / GiB; NAME: lowercase letters, digits, _)")


@dataclass(frozen=True)
class Pool:
    """One memory the arena may use: its name (C identifier, section suffix) and capacity in bytes."""

    name: str
    capacity: int


def size_bytes(text: str) -> int | None:
    """'64K' -> 65536, '1M' -> 1048576, '4096' -> 4096 (K, KB, KiB all mean 1024 bytes); None if unreadable."""
    m = _SIZE.fullmatch(text.strip())
    return None if m is None else int(m.group(1)) * _UNIT[m.group(2).lower()]


def parse_size(text: str, where: str = "--memory") -> int:
    """A pool's size (size_bytes), 1 byte to 4 GiB; raises MicroforgeError saying what is wrong."""
    n = size_bytes(text)
    if n is None:
        raise MicroforgeError(f"cannot read the size '{text}'", where=where, hint=SPEC_HELP)
    if not 0 < n <= MAX_POOL_BYTES:
        raise MicroforgeError(f"pool size '{text}' is {n:,} bytes; a pool holds 1 byte to 4 GiB", where=where)
    return n


def parse_memory(spec: str) -> tuple[Pool, ...]:
    """'dtcm:64K,sram:256K' -> (Pool('dtcm', 65536), Pool('sram', 262144)); raises MicroforgeError saying what is wrong."""
    parts = [p.strip() for p in (spec or "").split(",")]
    if not spec or not spec.strip():
        raise MicroforgeError("no pools given", where="--memory", hint=SPEC_HELP)
    pools: list[Pool] = []
    for i, part in enumerate(parts):
        where = f"--memory, pool {i + 1} ('{part}')"
        name, colon, size = part.partition(":")
        name = name.strip().lower()
        if not colon:
            raise MicroforgeError("a pool needs a name and a size separated by ':'", where=where, hint=SPEC_HELP)
        if not _NAME.fullmatch(name):
            raise MicroforgeError(f"'{name}' is not a pool name", where=where, hint=SPEC_HELP)
        if any(p.name == name for p in pools):
            raise MicroforgeError(f"pool '{name}' is given twice", where="--memory", hint="name each pool once")
        pools.append(Pool(name, parse_size(size, where)))
    return tuple(pools)


def buffer_traffic(graph: Graph, buffers: Sequence[Buffer], macs: Callable[[Op], int | None]) -> list[int]:
    """Bytes read + written per buffer in one inference (module docstring); `macs(op)` is None for ops that move nothing."""
    where = {id(t): i for i, b in enumerate(buffers) for t in b.tensors}
    traffic = [0] * len(buffers)
    for op in graph.ops:
        m = macs(op)
        if m is None:
            continue
        for x in op.inputs:
            if x is not None and id(x) in where:
                traffic[where[id(x)]] += max(m, x.num_elements) * x.dtype.size
        for y in op.outputs:
            if id(y) in where:
                traffic[where[id(y)]] += y.nbytes
    return traffic


def heat_order(buffers: Sequence[Buffer], traffic: Sequence[int]) -> list[int]:
    """Buffer indices hottest first: traffic per byte, ties to the smaller buffer, then the earlier one."""
    return sorted(range(len(buffers)), key=lambda i: (-traffic[i] / max(buffers[i].size, 1), buffers[i].size, i))


@dataclass
class PoolPlan:
    """The plan of one pool: `plan.buffers[k]` is buffer `members[k]` of the full list."""

    pool: Pool
    plan: Plan
    members: list[int]

    @property
    def used(self) -> int:
        return self.plan.size


def subset(buffers: Sequence[Buffer], members: Sequence[int]) -> list[Buffer]:
    """Copies of buffers[members] whose in-place partners are renumbered; partners in other pools are dropped."""
    pos = {i: k for k, i in enumerate(members)}
    return [replace(buffers[i], inplace={pos[j]: lead for j, lead in buffers[i].inplace.items() if j in pos})
            for i in members]


def _quick_size(buffers: list[Buffer]) -> int:
    """The arena the cheap greedy planners reach (plan_best only does better), for the fit test while placing."""
    return min(p(buffers).size for p in (plan_greedy_by_size, plan_greedy_by_breadth, plan_greedy_by_conflict))


def place_in_pools(buffers: Sequence[Buffer], pools: Sequence[Pool], traffic: Sequence[int]) -> list[PoolPlan]:
    """Assign every buffer to one pool by heat (module docstring), plan and verify each pool.

    Raises MicroforgeError naming the pool that overflows and by how many bytes.
    """
    members: list[list[int]] = [[] for _ in pools]
    for i in heat_order(buffers, traffic):
        for k, pool in enumerate(pools[:-1]):
            if _quick_size(subset(buffers, members[k] + [i])) <= pool.capacity:
                members[k].append(i)
                break
        else:
            members[-1].append(i)
    out = []
    for pool, idx in zip(pools, members):
        idx.sort()                      # program order inside a pool: deterministic plans and tables
        plan = plan_best(subset(buffers, idx))
        verify_plan(plan)
        out.append(PoolPlan(pool, plan, idx))
    for p in out:
        if p.used > p.pool.capacity:
            others = ", ".join(f"{q.pool.name} {q.used:,} of {q.pool.capacity:,}" for q in out if q is not p)
            raise MicroforgeError(
                f"the activations do not fit: pool '{p.pool.name}' needs {p.used:,} bytes, {p.used - p.pool.capacity:,} "
                f"more than its {p.pool.capacity:,}" + (f" (the others hold {others})" if others else ""),
                where="--memory", hint="enlarge that pool or add one (fastest first)")
    return out


def combined_plan(buffers: list[Buffer], placed: Sequence[PoolPlan]) -> Plan:
    """All pools as one Plan over the full buffer list, pool after pool (base = the pools before it), for
    tables and pictures; verify_plan holds for it because pools never share an address."""
    offsets = [0] * len(buffers)
    base = 0
    for p in placed:
        for k, i in enumerate(p.members):
            offsets[i] = base + p.plan.offsets[k]
        base += _align(p.used)
    name = "pools: " + ", ".join(f"{p.pool.name} {p.plan.planner}" for p in placed)
    plan = Plan(buffers=buffers, offsets=offsets, size=base, planner=name)
    verify_plan(plan)
    return plan


def _align(n: int) -> int:
    return (n + ALIGN - 1) // ALIGN * ALIGN
