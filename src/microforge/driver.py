"""compile_model(): the one place that sequences the stages, checking the graph between them."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .codegen import generate
from .codegen.generate import Layer
from .frontend import load_tflite
from .ir import Graph, Tensor, verify
from .memory import Plan, buffers_for, plan_greedy_by_size, verify_plan
from .ops import opdef
from .passes import PASSES


@dataclass
class CompiledModel:
    """Everything `compile` produces: the C files plus the facts reports need."""

    graph: Graph
    target: str
    files: dict[str, str]
    layers: list[Layer]
    plan: Plan
    arena_bytes: int
    const_bytes: int
    source_name: str
    io_offsets: dict[int, int] = field(default_factory=dict)

    @property
    def ram_bytes(self) -> int:
        """Activation RAM the model needs (the arena); stack and static data are measured per target."""
        return self.arena_bytes

    @property
    def flash_bytes(self) -> int:
        """Constant data in flash (weights, biases, requantisation tables, layer parameters); code comes on top."""
        return self.const_bytes

    @property
    def macs(self) -> int:
        return sum(opdef(op.type).macs(op) for op in self.graph.ops)

    def write(self, out_dir: Path) -> list[Path]:
        out_dir.mkdir(parents=True, exist_ok=True)
        written = []
        for name, text in self.files.items():
            p = out_dir / name
            p.write_text(text)
            written.append(p)
        return written


def compile_model(source: str | Path | bytes, target: str = "host") -> CompiledModel:
    """Compile a .tflite (path or bytes) to C for `target`; raises MicroforgeError on bad input.

    >>> cm = compile_model("model.tflite"); cm.write(Path("out"))
    """
    source_name = Path(source).name if isinstance(source, (str, Path)) else "model.tflite"
    graph = load_tflite(source)                    # frontend: parse + validate
    for op in graph.ops:                           # every op explains what it cannot do, before any work
        opdef(op.type).check(op)
    for rewrite in PASSES:                         # passes
        graph = rewrite(graph)
        verify(graph)

    aliases: dict[int, Tensor] = {id(op.outputs[0]): op.inputs[0] for op in graph.ops if opdef(op.type).aliases_input(op)}
    plan = plan_greedy_by_size(buffers_for(graph, aliases))   # memory plan
    verify_plan(plan)
    offsets = {id(t): off for b, off in zip(plan.buffers, plan.offsets) for t in b.tensors}
    const_of = {}
    for key, src in aliases.items():
        while id(src) in aliases:
            src = aliases[id(src)]
        if src.is_const:
            const_of[key] = src

    files, layers, const_bytes = generate(graph, offsets, const_of, plan.size, plan.planner, source_name)  # codegen
    return CompiledModel(graph=graph, target=target, files=files, layers=layers, plan=plan, arena_bytes=plan.size,
                         const_bytes=const_bytes, source_name=source_name)
