"""Turn a graph into buffers with lifetimes [first, last] in op steps; aliasing ops share one buffer."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..ir import Graph, Op, Tensor

ALIGN = 8  # bytes; enough for int32 and float accesses on every target


@dataclass
class Buffer:
    """One arena allocation: `size` bytes live from op step `first` through `last` (inclusive).

    `inplace` maps the index (in the same buffer list) of an input buffer that dies at step `first`
    to the lead its op declared: this buffer may share bytes with it when
    `offset[input] - offset[self] >= lead` (see OpDef.overlap_lead).

    Example: [Buffer(64, 0, 1), Buffer(64, 1, 2, inplace={0: 0})]: the second may exactly overwrite the first.
    """

    size: int
    first: int
    last: int
    tensors: list[Tensor] = field(default_factory=list)
    name: str = ""
    align: int = ALIGN
    inplace: dict[int, int] = field(default_factory=dict)
    scratch: bool = False   # an op's working buffer (a row-pipeline window), live only while that op runs


LeadFn = Callable[[Op, int], "int | None"]
ScratchFn = Callable[[Op], "list[Tensor]"]


def buffers_for(graph: Graph, aliases: dict[int, Tensor], lead: LeadFn | None = None,
                scratch: ScratchFn | None = None) -> list[Buffer]:
    """Buffers for every activation tensor; `aliases` maps id(tensor) -> the tensor whose bytes it reuses.

    Graph inputs are live from step 0, graph outputs until after the last op. With `lead`
    (op, input index) -> overlap lead or None, an op's output buffer records which dying input
    buffers it may overlap.
    """
    def root(t: Tensor) -> Tensor:
        while id(t) in aliases:
            t = aliases[id(t)]
        return t

    bufs: dict[int, Buffer] = {}

    def touch(t: Tensor, step: int) -> None:
        if t is None or t.is_const or t.variable:   # variable tensors persist in their own buffers, outside the arena
            return
        r = root(t)
        if r.is_const:
            return
        b = bufs.get(id(r))
        if b is None:
            b = bufs[id(r)] = Buffer(size=r.nbytes, first=step, last=step, name=r.name)
        b.first, b.last = min(b.first, step), max(b.last, step)
        b.size = max(b.size, t.nbytes)
        if all(x is not t for x in b.tensors):
            b.tensors.append(t)

    for t in graph.inputs:
        touch(t, 0)
    for step, op in enumerate(graph.ops):
        for t in op.inputs:
            touch(t, step)
        for t in op.outputs:
            touch(t, step)
        for t in (scratch(op) if scratch is not None else ()):
            touch(t, step)
            bufs[id(t)].scratch = True
    end = len(graph.ops)
    for t in graph.outputs:
        touch(t, end)
    order = list(bufs)
    if lead is not None:
        index = {key: i for i, key in enumerate(order)}
        for step, op in enumerate(graph.ops):
            for y in op.outputs:
                if id(y) in aliases or id(y) not in bufs:   # aliasing ops write nothing
                    continue
                out = bufs[id(y)]
                leads: dict[int, int | None] = {}
                for i, x in enumerate(op.inputs):
                    if x is None or x.is_const or x.variable or root(x).is_const:
                        continue
                    key = id(root(x))
                    if bufs[key].last != step or key == id(y):
                        continue                            # the input is read again later: never overlap it
                    got = lead(op, i)
                    if key in leads:                        # the same buffer feeds several operands
                        got = None if leads[key] is None or got is None else max(leads[key], got)
                    leads[key] = got
                out.inplace = {index[k]: v for k, v in leads.items() if v is not None}
    return [bufs[k] for k in order]


def free_room(buffers: list[Buffer], places: list[tuple[str, int]], arenas: dict[str, int],
              steps: int) -> list[list[tuple[str, int, int]]]:
    """Per op step, the arena bytes that no buffer live at that step occupies, as runs (arena symbol, offset, bytes),
    lowest first: an op may use them as scratch while it runs, since nothing else reads or writes them then.
    places[i] is where buffers[i] lies (arena symbol, offset); arenas maps each arena symbol to its size.

    >>> free_room([Buffer(64, 0, 1), Buffer(32, 1, 1)], [("a", 0), ("a", 64)], {"a": 128}, 2)
    [[('a', 64, 64)], [('a', 96, 32)]]
    """
    rooms = []
    for step in range(steps):
        runs = []
        for sym, size in arenas.items():
            used = sorted((off, off + b.size) for b, (s, off) in zip(buffers, places)
                          if s == sym and b.first <= step <= b.last)
            pos = 0
            for start, end in used + [(size, size)]:
                if start > pos:
                    runs.append((sym, pos, start - pos))
                pos = max(pos, end)
        rooms.append(runs)
    return rooms
