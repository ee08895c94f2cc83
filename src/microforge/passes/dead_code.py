"""Remove ops whose results no later op and no graph output uses."""
from __future__ import annotations

from ..ir import Graph


def remove_dead_ops(graph: Graph) -> Graph:
    needed = {id(t) for t in graph.outputs}
    kept = []
    for op in reversed(graph.ops):
        if any(id(t) in needed for t in op.outputs):
            kept.append(op)
            needed.update(id(t) for t in op.inputs if t is not None)
    graph.ops = list(reversed(kept))
    return graph
