"""compile_model(): the one place that sequences the stages, checking the graph between them."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .codegen import generate
from .codegen.generate import Arena, Layer
from .frontend import load_tflite
from .ir import Graph, OpType, Tensor, verify
from .memory import (ALIGN, Plan, Pool, PoolPlan, RamUsage, buffer_traffic, buffers_for, combined_plan, free_room,
                     parse_memory, place_in_pools, plan_best, plan_greedy_by_breadth, plan_greedy_by_conflict,
                     plan_greedy_by_size, plan_hill_climb, verify_plan)
from .errors import MicroforgeError
from .ops import opdef
from .ops.conv2d import WINO_CORES
from .passes import PASSES
from .ops.row_pipeline import resident_sizes
from .passes.row_pipeline import Chain, can_schedule, find_chains, fuse
from .targets import Target, get_target


def kernel_variants(target: Target) -> tuple[str, ...]:
    """Runtime folders to take kernels from, best first: SIMD kernels where the core has the DSP extension."""
    return ("dsp", "portable") if target.dsp else ("portable",)


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
    ram: RamUsage | None = None   # arena + scratch now; stack and static filled in by measurement
    pools: list[PoolPlan] | None = None   # --memory: one plan per pool, fastest first (None: one arena)
    row_pipeline: list[str] = field(default_factory=list)   # the fused segments, described
    arena_without_row_pipeline: int | None = None           # the arena the plan needs without them (when weighed)
    tflite_constant_bytes: int = 0   # the constant tensors the .tflite's operators read, as the .tflite stores them
    tflite_constants: frozenset[int] = frozenset()   # their id()s (a pass may make more tensors constant)
    row_pipeline_flash: list[str] = field(default_factory=list)   # auto: segments dropped (flash, small saving), and why

    @property
    def pool_usage(self) -> list[dict] | None:
        """[{'pool': 'dtcm', 'used': bytes, 'capacity': bytes}, ...] fastest first, or None without --memory."""
        if self.pools is None:
            return None
        return [dict(pool=p.pool.name, used=p.used, capacity=p.pool.capacity) for p in self.pools]

    @property
    def ram_bytes(self) -> int:
        """RAM known at compile time: the activation arena (+ kernel scratch); stack and static data are measured per target."""
        return self.ram.total if self.ram is not None else self.arena_bytes

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


# The in-place analysis walks every element an op reads; beyond this size an op simply gets its own
# buffer, which keeps compile memory and time bounded for any input (no microcontroller tensor is this big).
INPLACE_ANALYSIS_MAX_ELEMENTS = 1 << 22


def _overlap_lead(op, i: int) -> int | None:
    if any(t is not None and t.num_elements > INPLACE_ANALYSIS_MAX_ELEMENTS for t in (*op.inputs, *op.outputs)):
        return None
    return opdef(op.type).overlap_lead(op, i)


def _traffic_macs(op) -> int | None:
    """MACs for the pool heat heuristic (memory/pools.py); None for aliasing ops, which move no bytes."""
    d = opdef(op.type)
    return None if d.aliases_input(op) else d.macs(op)


def _aliases(graph: Graph) -> dict[int, Tensor]:
    return {id(op.outputs[0]): op.inputs[0] for op in graph.ops if opdef(op.type).aliases_input(op)}


def _buffers(graph: Graph, aliases: dict[int, Tensor]):
    return buffers_for(graph, aliases, lead=lambda op, i: _overlap_lead(op, i), scratch=lambda op: opdef(op.type).scratch(op))


ROW_PIPELINE_MODES = ("auto", "on", "off")
WINO_U_MODES = ("auto", "on", "off")   # a row pipeline's resident Winograd U (choose_row_pipeline): auto within the
# arena the model takes without it (no RAM), on whole (RAM for cycles), off none
BANDS = (1, 2, 4, 8)   # rows of a segment's last layer per step (the smallest arena wins, then the widest band)
# "auto" keeps row pipelines only when together they save at least this share of the arena without them (or that
# arena does not fit the target's RAM): a band-by-band segment costs cycles (kws on the M4: +7.7% for
# 4.6% of its arena, vww +1.6% for 11.5%, MobileNetV2 +1.9% for 60%), so a small saving is not worth them.
ROW_PIPELINE_MIN_SAVING = 0.10
# Among a chain's candidate runs (passes/row_pipeline.py Chain.runs, shortest first), a shorter run wins over the one with
# the smallest arena when its own arena is at most this share larger: every op in a band loop pays its band calls (vww on
# the M4: ops 2-3 at band 4 take 28,144 B, 1.4% more than ops 1-3's 27,752 B at band 2, and 50K fewer cycles).
ROW_PIPELINE_RUN_SLACK = 0.02


def _quick_plan(graph: Graph) -> Plan:
    """The heuristic planners plus a short local search: enough to compare row-pipeline candidates cheaply."""
    buffers = _buffers(graph, _aliases(graph))
    plans = [p(buffers) for p in (plan_greedy_by_size, plan_greedy_by_breadth, plan_greedy_by_conflict)]
    plans.append(plan_hill_climb(buffers, iterations=min(40, 4000 // max(len(buffers), 1))))
    return min(plans, key=lambda p: p.size)


def _peak_ops(graph: Graph, plan: Plan) -> set[int]:
    """id() of the ops at whose step the plan reaches its top."""
    top = [0] * (len(graph.ops) + 1)
    for b, o in zip(plan.buffers, plan.offsets):
        for s in range(b.first, b.last + 1):
            top[s] = max(top[s], o + b.size)
    peak = max(top)
    return {id(op) for i, op in enumerate(graph.ops) if top[i] >= peak - ALIGN}


def core_macro(target: Target) -> str | None:
    """The core's MF_TARGET_* macro (model.c defines it; ops choose per-core kernels by it), None on the host."""
    return None if target.is_host else "MF_TARGET_" + target.name.upper()


def choose_row_pipeline(graph: Graph, mode: str = "auto", band: int | None = None,
                        ram: int | None = None, notes: list[str] | None = None,
                        wino_u: dict[int, int] | None = None, wino_whole: bool = False) -> list[tuple[Chain, int]]:
    """The (chain, band) pairs to fuse into row pipelines.

    "auto": chains by size of their intermediates, each on top of those kept: among the chain and its
    runs of consecutive ops (Chain.runs) that span a step where the plan peaks, the one with the smallest arena
    (band 1), or the shortest within ROW_PIPELINE_RUN_SLACK of it, kept only when the arena shrinks; then its
    band: the smallest arena, ties to the widest band (fewer calls); none
    at all when together they save less than ROW_PIPELINE_MIN_SAVING of the arena without them and that
    arena fits `ram` (the target's RAM), said in `notes`. "on": every whole chain at its best band; "off": none.
    `band` fixes the band (clipped to each chain).
    wino_u (a dict to fill, on the cores that run Winograd; None: `--wino-u off`): then each chosen segment whose
    Winograd layers take a resident U (ops/row_pipeline.py resident_sizes) gets the largest one that leaves the arena
    as it is without any (id(chain) -> bytes), at the band where that is largest (ties to the widest band), its
    chosen band kept when none fits: resident U costs no RAM (`--wino-u auto`). wino_whole (`--wino-u on`): the
    whole U, at the band of the smallest arena with it (ties to the widest): RAM for cycles.
    """
    if mode not in ROW_PIPELINE_MODES:
        raise MicroforgeError(f"row pipeline mode '{mode}' is unknown", hint="use one of " + ", ".join(ROW_PIPELINE_MODES))
    chains = find_chains(graph) if mode != "off" else []
    chosen: list[tuple[Chain, int]] = []
    if not chains:
        return chosen

    def trial(choices, u: dict[int, int] | None = None) -> tuple[Plan, Graph]:
        g = fuse(graph, choices, u)
        return _quick_plan(g), g

    current, g = trial(chosen)
    plain_size = current.size
    for chain in sorted(chains, key=lambda c: -c.intermediate_bytes):
        first_band = band or 1
        if mode == "on":
            candidates = [chain]
        else:
            pos = {id(op): i for i, op in enumerate(g.ops)}
            peak = {i for i, op in enumerate(g.ops) if id(op) in _peak_ops(g, current)}
            candidates = [c for c in chain.runs() if any(pos[id(c.ops[0])] <= s <= pos[id(c.ops[-1])] for s in peak)]
        scored = [(trial(chosen + [(c, min(first_band, c.height))])[0].size, k) for k, c in enumerate(candidates)
                  if can_schedule(c, min(first_band, c.height))]
        if not scored:
            continue
        # the shortest run whose arena (band 1) is within ROW_PIPELINE_RUN_SLACK of the smallest
        least = min(scored)[0]
        pick = candidates[min(k for size, k in scored if size <= least * (1 + ROW_PIPELINE_RUN_SLACK))]
        bands = sorted({min(b, pick.height) for b in ((band,) if band else BANDS)})
        trials = [(trial(chosen + [(pick, b)]), b) for b in bands if can_schedule(pick, b)]
        (plan, fused), b = min(trials, key=lambda t: (t[0][0].size, -t[1]))
        if mode == "on" or plan.size < current.size:
            chosen.append((pick, b))
            current, g = plan, fused
    small = plain_size - current.size < ROW_PIPELINE_MIN_SAVING * plain_size
    if chosen and mode == "auto" and small and (ram is None or plain_size <= ram):
        if notes is not None:
            notes.append(f"row pipelines not used: they would save {plain_size - current.size:,} B "
                         f"({(plain_size - current.size) / plain_size:.1%}) of the {plain_size:,} B arena, less than "
                         f"the {ROW_PIPELINE_MIN_SAVING:.0%} worth their cycles (--row-pipeline on uses them)")
        return []
    if wino_u is not None:   # resident U: within the arena the segments leave (tried largest first, per band), or whole
        base = current.size
        for i, (chain, b0) in enumerate(chosen):
            best = None                                # (-arena, U bytes, band)
            for b in sorted({min(b, chain.height) for b in ((band,) if band else BANDS)}):
                sizes = resident_sizes(list(chain.ops), b)
                if not sizes or not can_schedule(chain, b):
                    continue
                others = chosen[:i] + [(chain, b)] + chosen[i + 1:]
                for size in sizes[:1] if wino_whole else sizes:
                    plan = trial(others, {**wino_u, id(chain): size})[0]
                    if wino_whole or plan.size <= base:
                        best = max(best or (-plan.size, size, b), (-plan.size, size, b))
                        break
            if best is not None:
                chosen[i] = (chain, best[2])
                wino_u[id(chain)] = best[1]
    return chosen


def compile_model(source: str | Path | bytes, target: str | Target = "host",
                  memory: str | Sequence[Pool] | None = None, row_pipeline: str = "auto",
                  band: int | None = None, wino_u: str = "auto") -> CompiledModel:
    """Compile a .tflite (path or bytes) to C for `target`; raises MicroforgeError on bad input.

    `memory` ("dtcm:64K,sram:256K", fastest first) splits the activations over memory pools, one arena each.
    `row_pipeline`: "auto" runs chains of high-resolution layers band by band (ROW_PIPELINE) when that
    lowers the arena and, on a core, when the firmware with their code still fits the target's flash (built to
    be measured; `target` may be a Target with --flash overridden); "on" always, "off" never; `band` fixes the
    rows per band. `wino_u`: a row pipeline's Winograd layers keep their transformed weights in a resident-U scratch
    on the cores that run Winograd (choose_row_pipeline): "auto" as much as fits the arena without it (no RAM added),
    "on" the whole U (up to ops/conv2d.py WINO_RESIDENT_MAX bytes more RAM, for cycles), "off" none.

    >>> cm = compile_model("model.tflite"); cm.write(Path("out"))
    >>> compile_model("model.tflite", "m7", memory="dtcm:64K,sram:256K").pool_usage
    """
    t = target if isinstance(target, Target) else get_target(target)
    pools = parse_memory(memory) if isinstance(memory, str) else (tuple(memory) if memory is not None else None)
    source_name = Path(source).name if isinstance(source, (str, Path)) else "model.tflite"
    graph = load_tflite(source)                    # frontend: parse + validate
    tflite_constants = frozenset(id(t) for op in graph.ops for t in op.inputs if t is not None and t.is_const)
    tflite_bytes = constant_bytes(graph.ops)       # before the passes: what the .tflite itself stores for its ops
    for op in graph.ops:                           # every op explains what it cannot do, before any work
        opdef(op.type).check(op)
    for rewrite in PASSES:                         # passes
        graph = rewrite(graph)
        verify(graph)

    notes: list[str] = []
    if wino_u not in WINO_U_MODES:
        raise MicroforgeError(f"resident Winograd U mode '{wino_u}' is unknown", hint="use one of " + ", ".join(WINO_U_MODES))
    # row pipelines' resident-U scratch (ops/row_pipeline.py resident_u) on the cores that run Winograd
    resident: dict[int, int] | None = None
    if wino_u != "off" and core_macro(t) in WINO_CORES:
        resident = {}
    segments = choose_row_pipeline(graph, row_pipeline, band, t.ram_bytes, notes, resident, wino_u == "on")   # row pipelines: weighed by the arena they save
    plain = plan_best(_buffers(graph, _aliases(graph))) if segments else None

    def lower(g: Graph, plan: Plan | None, without: int | None) -> CompiledModel:
        return _lower(g, plan, without, pools, t, source_name, tflite_constants, tflite_bytes)

    if not segments:
        cm = lower(graph, None, None)
        cm.row_pipeline_flash.extend(notes)
        return cm
    fused = fuse(graph, segments, resident)        # the exact plans both ways: the row pipeline stays only if smaller
    verify(fused)
    fused_plan = plan_best(_buffers(fused, _aliases(fused)))
    if row_pipeline != "on" and fused_plan.size >= plain.size:
        return lower(graph, plain, None)
    cm = lower(fused, fused_plan, plain.size)
    if row_pipeline == "auto":                     # and only if its code fits the target's flash
        cm = _within_flash(cm, fused_plan.size, graph, plain, segments, t, lower, resident)
    return cm


def _lower(graph: Graph, chosen: Plan | None, without: int | None, pools, target: Target, source_name: str,
           tflite_constants: frozenset[int], tflite_bytes: int) -> CompiledModel:
    """Memory plan (or `chosen`, already made) + pools + codegen for the final graph: the CompiledModel."""
    aliases = _aliases(graph)
    buffers = chosen.buffers if chosen is not None else _buffers(graph, aliases)
    placed = None
    if pools is None:
        plan = chosen or plan_best(buffers)        # memory plan: every planner, the smallest wins
        verify_plan(plan)
        arenas = [Arena(None, plan.size)]
        offsets = {id(t): (arenas[0].symbol, off) for b, off in zip(plan.buffers, plan.offsets) for t in b.tensors}
    else:                                          # pools: hottest buffers to the fastest pool, each pool planned + verified
        placed = place_in_pools(buffers, pools, buffer_traffic(graph, buffers, _traffic_macs))
        plan = combined_plan(buffers, placed)
        arenas = [Arena(p.pool.name, p.used, p.pool.capacity) for p in placed]
        offsets = {id(t): (a.symbol, off) for a, p in zip(arenas, placed)
                   for b, off in zip(p.plan.buffers, p.plan.offsets) for t in b.tensors}
    const_of = {}
    for key, src in aliases.items():
        while id(src) in aliases:
            src = aliases[id(src)]
        if src.is_const:
            const_of[key] = src

    variants = kernel_variants(target)
    rooms = free_room(buffers, [offsets[id(b.tensors[0])] for b in buffers], {a.symbol: a.nbytes for a in arenas},
                      len(graph.ops))               # each op's free arena bytes, for scratch (EmitContext.room)
    files, layers, const_bytes = generate(graph, offsets, const_of, arenas, plan.planner, source_name, variants,
                                          core_macro(target), rooms)  # codegen
    arena_bytes = sum(a.nbytes for a in arenas)
    persistent = sum({id(t): t.nbytes for op in graph.ops for t in op.inputs if t is not None and t.variable}.values())
    described = [opdef(op.type).describe(op) for op in graph.ops if op.type is OpType.ROW_PIPELINE]
    return CompiledModel(graph=graph, target=target.name, files=files, layers=layers, plan=plan, arena_bytes=arena_bytes,
                         const_bytes=const_bytes, source_name=source_name,
                         ram=RamUsage(arena=arena_bytes, persistent=persistent), pools=placed,
                         row_pipeline=described, arena_without_row_pipeline=without if described else None,
                         tflite_constant_bytes=tflite_bytes,
                         tflite_constants=tflite_constants)


# Flash of the firmware built only to weigh a row pipeline's code: room for any model, below the RAM origin.
_MEASURE_FLASH = 64 << 20
# Flash the constants must leave free before the row pipeline's code is weighed by a build (seconds to a minute of
# arm-none-eabi-gcc): the whole code of the benchmark models, pipelines included, is a fraction of this, so with
# more room left `compile` and `plan` stay instant; should the code still not fit, building the firmware refuses
# it with the bytes over (and `--row-pipeline off` is the way out).
_WEIGH_CODE_BELOW = 256 << 10


def image_flash(cm: CompiledModel, target: Target) -> int:
    """Flash bytes of `cm`'s benchmark firmware for `target` (arm-none-eabi-gcc -O2, linked, not run): the figure
    `bench` reports. Linked with room to spare, so an image over the board's flash is measured, not refused."""
    import tempfile

    from .toolchain.arm import build_firmware

    roomy = target.with_overrides(flash=max(_MEASURE_FLASH, target.flash_bytes), ram=max(target.ram_bytes, 64 << 20))
    with tempfile.TemporaryDirectory(prefix="microforge-flash-") as tmp:
        cm.write(Path(tmp) / "src")
        return build_firmware(roomy, Path(tmp) / "src", Path(tmp) / "build", pools=cm.pool_usage).flash_bytes


def _within_flash(cm: CompiledModel, fused_size: int, graph: Graph, plain: Plan, segments: list[tuple[Chain, int]],
                  target: Target, lower, wino_u: dict[int, int] | None = None) -> CompiledModel:
    """`--row-pipeline auto` on a core: keep only the segments whose extra code (a specialised kernel call for the
    first and last band of each layer) leaves the firmware within the target's flash, measured by building it
    when the constants leave less than _WEIGH_CODE_BELOW of flash free (with more room, kept without a build).
    Segments are re-added in the order the arena chose them, each kept while the image still fits; every segment
    dropped, and a check that could not be made, is said in cm.row_pipeline_flash."""
    from .toolchain.arm import have_arm_gcc

    budget = target.flash_bytes
    if target.is_host or budget is None:
        return cm
    if cm.const_bytes > budget:                    # the constants alone do not fit: check_fit refuses the model anyway
        cm.row_pipeline_flash.append(f"row pipeline flash budget not applied: the constants alone ({cm.const_bytes:,} B) "
                                     f"exceed the target's flash ({budget:,} B)")
        return cm
    if budget - cm.const_bytes >= _WEIGH_CODE_BELOW:
        return cm
    if not have_arm_gcc():
        cm.row_pipeline_flash.append("row pipeline kept without checking its code against the target's flash: "
                                     "arm-none-eabi-gcc is not installed")
        return cm
    need = image_flash(cm, target)
    if need <= budget:
        return cm
    base_cm = lower(graph, plain, None)
    base = image_flash(base_cm, target)
    if base > budget:                              # dropping segments would not make it fit: keep the RAM they save
        cm.row_pipeline_flash.append(f"the firmware needs {base:,} B of flash even without row pipelines, over the "
                                     f"target's {budget:,} B: the row pipelines ({need - base:+,} B) are kept for their RAM")
        return cm
    kept, current, current_flash, current_size, notes = [], base_cm, base, plain.size, []
    for seg in segments:
        trial = kept + [seg]
        if len(trial) == len(segments):            # every segment: the image already measured
            tcm, flash, size = cm, need, fused_size
        else:
            fused = fuse(graph, trial, wino_u)
            verify(fused)
            tplan = plan_best(_buffers(fused, _aliases(fused)))
            tcm, size = lower(fused, tplan, plain.size), tplan.size
            flash = image_flash(tcm, target)
        if flash <= budget:
            kept, current, current_flash, current_size = trial, tcm, flash, size
        else:
            notes.append(f"row pipeline {seg[0].name()} dropped: its code takes the firmware from {current_flash:,} to "
                         f"{flash:,} B of flash, over the target's {budget:,} B (--flash)")
    if kept and current_size >= plain.size:       # what remains must still save RAM, or it is not worth its code
        notes.append(f"row pipeline {', '.join(c.name() for c, _ in kept)} dropped too: without the others it saves no RAM")
        current = base_cm
    current.row_pipeline_flash.extend(notes)
    return current


def constant_bytes(ops, seen: set[int] | None = None, only: frozenset[int] | None = None) -> int:
    """Bytes of the constant tensors `ops` read (inside row pipelines too), each tensor once; `seen` (ids)
    carries over between calls so that a tensor shared by two layers counts at the first; `only` (ids)
    restricts the count to those tensors (the .tflite's own constants)."""
    seen = set() if seen is None else seen
    total = 0
    for op in ops:
        inner = op.options.get("layers") if op.type is OpType.ROW_PIPELINE else None
        if inner:
            total += constant_bytes(inner, seen, only)
        for t in op.inputs:
            if t is not None and t.is_const and not t.variable and id(t) not in seen and (only is None or id(t) in only):
                seen.add(id(t))
                total += t.nbytes
    return total


def check_fit(cm: "CompiledModel", target: Target) -> None:
    """Refuse, before anything runs, a model whose arena or constants exceed the target board (says by how much)."""
    if target.ram_bytes is not None and cm.ram_bytes > target.ram_bytes:
        raise MicroforgeError(f"the model needs {cm.ram_bytes:,} bytes of RAM for activations, "
                              f"{cm.ram_bytes - target.ram_bytes:,} more than {target.board} has ({target.ram_bytes:,})",
                              hint="pick a bigger target or pass --ram")
    if target.flash_bytes is not None and cm.flash_bytes > target.flash_bytes:
        raise MicroforgeError(f"the model's constants need {cm.flash_bytes:,} bytes of flash, "
                              f"{cm.flash_bytes - target.flash_bytes:,} more than {target.board} has ({target.flash_bytes:,})",
                              hint="pick a bigger target or pass --flash")
