"""Find chains of spatial ops (ending in an optional residual ADD) and fuse chosen ones into ROW_PIPELINE segments.

Not in PASSES: a segment trades cycles for RAM, so the driver fuses a chain only when its memory plan
gets smaller (driver.choose_row_pipeline).

A chain: spatial ops L1..Ln (CONV_2D, DEPTHWISE_CONV_2D, pooling; batch 1) where each Lk+1 reads Lk's
output and nothing else reads it (and it is no graph output), optionally followed by an ADD of Ln's
output and a same-shaped tensor computed before the chain. The segment runs at the position of the
chain's last op: the ops in between read none of the chain's intermediates, and the chain's inputs
already exist there.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..ir import Graph, Op, OpType, Tensor
from ..ops import op_span
from ..ops.row_pipeline import SPATIAL, fused_add, resident_u, schedule, window_tensors


@dataclass(frozen=True)
class Chain:
    """ops: the fused ops in order (an ADD last when `residual_index` is not None)."""

    ops: tuple[Op, ...]
    residual_index: int | None = None

    @property
    def spatial(self) -> tuple[Op, ...]:
        return tuple(o for o in self.ops if o.type in SPATIAL)

    @property
    def height(self) -> int:
        """Rows of the last spatial layer's output: the band loop's extent."""
        return self.spatial[-1].outputs[0].shape[1]

    @property
    def intermediate_bytes(self) -> int:
        return sum(o.outputs[0].nbytes for o in self.ops[:-1])

    def runs(self) -> list[Chain]:
        """Every run of at least two consecutive spatial ops of the chain, shortest first (then in program order), and
        last the chain itself (with its ADD, if any). A run may start after the chain's first op: its input is then
        the output of the op before it, which only that run reads (vww: ops 2-3 alone, a 1x1 convolution and the
        stride-2 depthwise that halves its 48x48 output, leave ops 0 and 1 whole and take a smaller arena than ops
        0-3, with fewer band calls)."""
        spatial, n = self.spatial, len(self.spatial)
        runs = [Chain(spatial[i:i + k]) for k in range(2, n + 1) for i in range(n - k + 1)]
        return [r for r in runs if r.ops != self.ops] + [self]

    def name(self) -> str:
        return f"ops {op_span([o.index for o in self.ops])}"


def _plain(t: Tensor | None) -> bool:
    return t is not None and not t.is_const and len(t.shape) == 4 and t.shape[0] == 1 and t.dtype.size == 1


def _fusable(op: Op) -> bool:
    return (op.type in SPATIAL and _plain(op.inputs[0]) and _plain(op.outputs[0])
            and all(t is None or t.is_const for t in op.inputs[1:]))


def find_chains(graph: Graph) -> list[Chain]:
    """Every maximal chain the graph offers (disjoint), in program order of their last op."""
    producer = {id(t): op for op in graph.ops for t in op.outputs}
    readers: dict[int, list[Op]] = {}
    for op in graph.ops:
        for t in {id(t): t for t in op.inputs if t is not None}.values():
            readers.setdefault(id(t), []).append(op)
    outputs = {id(t) for t in graph.outputs}

    def only_feeds(t: Tensor, op: Op) -> bool:
        return id(t) not in outputs and readers.get(id(t), []) == [op]

    def back(last: Op) -> list[Op]:
        ops = [last]
        while True:
            p = producer.get(id(ops[0].inputs[0]))
            if p is None or not _fusable(p) or not only_feeds(p.outputs[0], ops[0]):
                return ops
            ops.insert(0, p)

    chains: list[Chain] = []
    used: set[int] = set()
    for op in reversed(graph.ops):
        if id(op) in used:
            continue
        chain = None
        if op.type is OpType.ADD and len(op.inputs) == 2 and all(_plain(t) for t in (*op.inputs, *op.outputs)) \
                and tuple(op.inputs[0].shape) == tuple(op.inputs[1].shape) == tuple(op.outputs[0].shape) \
                and op.inputs[0] is not op.inputs[1]:
            options = []   # the operand whose chain is longer runs band by band; the other is the residual
            for i in (1, 0):
                p = producer.get(id(op.inputs[i]))
                if p is not None and _fusable(p) and only_feeds(op.inputs[i], op) and id(p) not in used:
                    options.append(Chain(tuple(back(p)) + (op,), residual_index=1 - i))
            if options:
                chain = max(options, key=lambda c: len(c.ops))
        elif _fusable(op):
            ops = back(op)
            if len(ops) >= 2:
                chain = Chain(tuple(ops))
        if chain is not None and not any(id(o) in used for o in chain.ops):
            used.update(id(o) for o in chain.ops)
            chains.append(chain)
    return chains[::-1]


def can_schedule(chain: Chain, band: int) -> bool:
    try:
        schedule(list(chain.ops), band)
    except ValueError:
        return False
    return True


def fuse(graph: Graph, choices: list[tuple[Chain, int]], wino_u: dict[int, int] | None = None) -> Graph:
    """A new graph where each (chain, band) is one ROW_PIPELINE op at its last op's position (ops are shared).
    wino_u: id(chain) -> bytes of the resident-U scratch its segment's Winograd layers get (ops/row_pipeline.py
    resident_u; driver.choose_row_pipeline sizes it)."""
    replace: dict[int, Op | None] = {}
    for chain, band in choices:
        layers = list(chain.ops)
        x = chain.spatial[0].inputs[0]
        res = chain.ops[-1].inputs[chain.residual_index] if chain.residual_index is not None else None
        inputs = [x] + ([res] if res is not None and res is not x else [])
        u = resident_u(layers, band, wino_u[id(chain)]) if wino_u and id(chain) in wino_u else None
        # with a resident U the ADD goes into the last layer's requantisation where it can (fused_add): no window
        fa = fused_add(layers, u.nbytes) if u is not None else None
        seg = Op(index=chain.ops[-1].index, type=OpType.ROW_PIPELINE, inputs=inputs, outputs=[chain.ops[-1].outputs[0]],
                 options=dict(layers=layers, band=band, windows=window_tensors(layers, band, fa is not None),
                              residual=res, residual_index=chain.residual_index, wino_u=u, fused_add=fa),
                 name=f"row_pipeline_{chain.ops[0].index}_{chain.ops[-1].index}")
        for o in chain.ops[:-1]:
            replace[id(o)] = None
        replace[id(chain.ops[-1])] = seg
    ops = [replace.get(id(op), op) for op in graph.ops]
    return Graph(tensors=graph.tensors, ops=[op for op in ops if op is not None], inputs=graph.inputs,
                 outputs=graph.outputs, name=graph.name)
