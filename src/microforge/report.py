"""Report: what a benchmark run measured (cycles, RAM parts, flash, per layer) as data, plus renderers."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from .footprint import FlashAccount, flash_account, pools_text
from .ops import model_ops, opdef


@dataclass
class LayerReport:
    index: int          # the layer's place in the compiled order (mf_layer_N in model.c)
    op: str
    shape: list[int]
    macs: int
    cycles: int
    instructions: int
    model_ops: str = ""   # the .tflite operator index(es) it runs (ops.model_ops): "6", "2-3", "4,5,7"

    @property
    def macs_per_cycle(self) -> float:
        return self.macs / self.cycles if self.cycles else 0.0


@dataclass
class Report:
    model: str
    target: str
    core: str
    board: str
    clock_mhz: float
    cycles: int
    instructions: int
    macs: int
    ram_bytes: dict[str, int]          # activations, scratch, stack, static, total
    flash_bytes: int
    flash_parts: dict[str, int]        # code, constants (rodata), data image
    layers: list[LayerReport] = field(default_factory=list)
    cycle_model: str = ""
    notes: list[str] = field(default_factory=list)
    memory_pools: list[dict] | None = None   # --memory: [{pool, used, capacity}] fastest first (activations per pool)
    flash_account: dict | None = None   # footprint.FlashAccount.to_dict(): .tflite weights vs stored constants vs code

    @property
    def latency_ms(self) -> float:
        return self.cycles / (self.clock_mhz * 1e3)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["latency_ms"] = round(self.latency_ms, 4)
        for l, src in zip(d["layers"], self.layers):
            l["macs_per_cycle"] = round(src.macs_per_cycle, 3)
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def _account_lines(self) -> list[str]:
        acc = _account(self.flash_account)
        if acc is None:
            return []
        return [line.replace("weights: ", "weights      ", 1) if line.startswith("weights: ") else line
                for line in acc.to_lines()]

    def to_text(self) -> str:
        r = self.ram_bytes
        w = max([18] + [len(l.op) for l in self.layers])
        lines = [
            f"{self.model} on {self.target} ({self.core}, {self.board}, {self.clock_mhz:g} MHz)",
            f"  latency      {self.latency_ms:10.3f} ms   ({self.cycles:,} cycles, {self.instructions:,} instructions, "
            f"{self.macs / max(self.cycles, 1):.3f} MACs/cycle)",
            f"  RAM total    {r['total']:10,} B   = activations {r['activations']:,} + scratch {r['scratch']:,} "
            f"+ stack {r['stack']:,} (measured) + static {r['static']:,}",
            *(["  pools        " + pools_text(self.memory_pools, "B").removeprefix("pools: ")] if self.memory_pools else []),
            f"  flash        {self.flash_bytes:10,} B   = code {self.flash_parts['code']:,} + constants "
            f"{self.flash_parts['constants']:,} + data {self.flash_parts['data']:,}",
            *[f"  {line}" for line in self._account_lines()],
            f"  cycle model  {self.cycle_model}",
            "",
            f"  {'layer':>5} {'model op':>8} {'op':{w}} {'output shape':16} {'MACs':>11} {'cycles':>12} "
            f"{'MACs/cyc':>8} {'share':>6}",
        ]
        for l in self.layers:
            share = 100.0 * l.cycles / self.cycles if self.cycles else 0.0
            lines.append(f"  {l.index:>5} {l.model_ops:>8} {l.op:{w}} {'x'.join(map(str, l.shape)):16} {l.macs:>11,} "
                         f"{l.cycles:>12,} {l.macs_per_cycle:>8.3f} {share:>5.1f}%")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def _account(d: dict | None) -> FlashAccount | None:
    """The FlashAccount back from its to_dict() (a Report holds plain data, e.g. read back from JSON)."""
    if d is None:
        return None
    return FlashAccount(**{k: v for k, v in d.items() if k != "ratio"})


def make_report(cm, target, run) -> Report:
    """Combine a CompiledModel, its Target and a sim TargetRun into a Report."""
    res, build = run.result, run.build
    by_index = {l.index: l for l in res.layers}
    layers = []
    for layer in cm.layers:
        measured = by_index.get(layer.index)
        layers.append(LayerReport(index=layer.index, op=layer.op.type.value, shape=list(layer.op.outputs[0].shape),
                                  macs=opdef(layer.op.type).macs(layer.op),
                                  cycles=measured.cycles if measured else 0,
                                  instructions=measured.instructions if measured else 0,
                                  model_ops=model_ops(layer.op)))
    arena = cm.arena_bytes
    scratch = getattr(cm, "scratch_bytes", 0)
    static = build.ram_bytes - arena - scratch
    stack = res.stack_high_water_bytes
    ram = dict(activations=arena, scratch=scratch, stack=stack, static=static, total=arena + scratch + stack + static)
    code = build.text_bytes
    flash_parts = dict(code=code, constants=build.flash_bytes - code - build.data_bytes, data=build.data_bytes)
    return Report(model=cm.source_name, target=target.name, core=target.core, board=target.board,
                  clock_mhz=target.clock_mhz, cycles=res.cycles, instructions=res.instructions, macs=cm.macs,
                  ram_bytes=ram, flash_bytes=build.flash_bytes, flash_parts=flash_parts, layers=layers,
                  cycle_model=f"microforge TRM-based {target.core} table, zero-wait-state memory (sim/cycle_model.py)", notes=list(res.notes) + _row_pipeline_notes(cm),
                  memory_pools=cm.pool_usage, flash_account=flash_account(cm, build).to_dict())


def _row_pipeline_notes(cm) -> list[str]:
    """What the row pipelines saved: the arena with and without them (their cycle cost is in their layer rows)."""
    rp = getattr(cm, "row_pipeline", None)
    if not rp:
        return list(getattr(cm, "row_pipeline_flash", []))
    return rp + [f"row pipeline saves {cm.arena_without_row_pipeline - cm.arena_bytes:,} B of arena "
                 f"({cm.arena_without_row_pipeline:,} -> {cm.arena_bytes:,}); --row-pipeline off measures the cycles without"
                 ] + list(getattr(cm, "row_pipeline_flash", []))
