"""Graph verifier: every activation is written once before it is read; inputs/outputs are sane."""
from __future__ import annotations

from ..errors import MicroforgeError
from .graph import Graph


def verify(graph: Graph) -> None:
    """Raise MicroforgeError if the graph is not a well-formed straight-line dataflow program."""
    written = {id(t) for t in graph.inputs} | {id(t) for t in graph.tensors if t.variable}  # state exists from the start
    if not graph.inputs or not graph.outputs:
        raise MicroforgeError("the model has no inputs or no outputs", hint="export a subgraph with at least one input and one output")
    for t in graph.inputs + graph.outputs:
        if t.is_const:
            raise MicroforgeError(f"graph input/output tensor '{t.name}' is a constant", hint="the model is malformed; re-export it")
    for op in graph.ops:
        for t in op.inputs:
            if t is None or t.is_const:
                continue
            if id(t) not in written:
                raise MicroforgeError(
                    f"tensor '{t.name}' is read before any op writes it (a cycle or a missing producer)",
                    where=op.where,
                    hint="the operators must be in a valid execution order; re-export the model",
                )
        for t in op.outputs:
            if t.is_const:
                raise MicroforgeError(f"op writes constant tensor '{t.name}'", where=op.where, hint="the model is malformed; re-export it")
            if id(t) in written:
                raise MicroforgeError(f"tensor '{t.name}' is written twice", where=op.where, hint="the model is malformed; re-export it")
            written.add(id(t))
    for t in graph.outputs:
        if id(t) not in written:
            raise MicroforgeError(f"graph output '{t.name}' is never computed", hint="the model is malformed; re-export it")
