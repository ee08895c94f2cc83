"""Turn a graph into buffers with lifetimes [first, last] in op steps; aliasing ops share one buffer."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..ir import Graph, Tensor


@dataclass
class Buffer:
    """One arena allocation: `size` bytes live from op step `first` through `last` (inclusive)."""

    size: int
    first: int
    last: int
    tensors: list[Tensor] = field(default_factory=list)
    name: str = ""


def buffers_for(graph: Graph, aliases: dict[int, Tensor]) -> list[Buffer]:
    """Buffers for every activation tensor; `aliases` maps id(tensor) -> the tensor whose bytes it reuses.

    Graph inputs are live from step 0, graph outputs until after the last op.
    """
    def root(t: Tensor) -> Tensor:
        while id(t) in aliases:
            t = aliases[id(t)]
        return t

    bufs: dict[int, Buffer] = {}

    def touch(t: Tensor, step: int) -> None:
        if t is None or t.is_const:
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
    end = len(graph.ops)
    for t in graph.outputs:
        touch(t, end)
    return list(bufs.values())
