"""A Plan as a text table or an SVG picture (time on x, address on y); pure functions returning strings.

>>> print(plan_table(plan, op_names=[op.name for op in graph.ops]))
>>> Path("plan.svg").write_text(plan_svg(plan))
"""
from __future__ import annotations

from collections.abc import Sequence
from html import escape

from .planner import Plan, peak_lower_bound, whole_tensor_bound
from .pools import PoolPlan


def _op(step: int, op_names: Sequence[str] | None) -> str:
    if op_names is not None and 0 <= step < len(op_names):
        return f"{step} {op_names[step]}"
    return "end" if op_names is not None and step >= len(op_names) else str(step)


def _peak(plan: Plan) -> tuple[int, int]:
    """(step, bytes): the step whose live buffers reach highest in the arena (first such step)."""
    best = (0, 0)
    steps = range(min((b.first for b in plan.buffers), default=0), max((b.last for b in plan.buffers), default=-1) + 1)
    for s in steps:
        top = max((o + b.size for b, o in zip(plan.buffers, plan.offsets) if b.first <= s <= b.last), default=0)
        if top > best[1]:
            best = (s, top)
    return best


def plan_table(plan: Plan, op_names: Sequence[str] | None = None) -> str:
    """One row per buffer (by offset): index, offset, size, first/last op, in-place partner, tensor names; then totals."""
    rows = [("#", "offset", "size", "first", "last", "shares", "tensors")]
    order = sorted(range(len(plan.buffers)), key=lambda i: (plan.offsets[i], plan.buffers[i].first, i))
    for i in order:
        b = plan.buffers[i]
        names = ("scratch: " if b.scratch else "") + (", ".join(t.name for t in b.tensors) or b.name)
        shares = ", ".join(f"#{j} (lead {lead})" for j, lead in b.inplace.items()
                           if plan.offsets[j] < plan.offsets[i] + b.size and plan.offsets[i] < plan.offsets[j] + plan.buffers[j].size)
        rows.append((str(i), str(plan.offsets[i]), str(b.size), _op(b.first, op_names), _op(b.last, op_names), shares, names))
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]) - 1)]
    lines = ["  ".join(cell.rjust(w) if c < 3 else cell.ljust(w) for c, (cell, w) in enumerate(zip(r[:-1], widths))) + "  " + r[-1]
             for r in rows]
    step, peak = _peak(plan)
    lines.insert(1, "-" * len(lines[0]))
    lines.append(f"arena {plan.size} bytes ({plan.planner}); peak at op {_op(step, op_names)}; "
                 f"whole-tensor bound {whole_tensor_bound(plan.buffers)}, lower bound {peak_lower_bound(plan.buffers)}")
    if plan.tried:
        lines.append("planners: " + ", ".join(f"{k} {v}" for k, v in plan.tried.items()))
    return "\n".join(lines) + "\n"


def pools_table(pools: Sequence[PoolPlan], op_names: Sequence[str] | None = None) -> str:
    """--memory: one plan_table per pool (fastest first), each headed by its use against its capacity."""
    parts = []
    for p in pools:
        parts.append(f"pool {p.pool.name}: {p.used:,} of {p.pool.capacity:,} bytes, {len(p.members)} buffers "
                     f"(# are buffer numbers inside the pool)\n" + plan_table(p.plan, op_names))
    return "\n".join(parts)


_PALETTE = ("#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462", "#b3de69", "#fccde5", "#bc80bd", "#ccebc5")


def plan_svg(plan: Plan, op_names: Sequence[str] | None = None, width: int = 960, height: int = 540) -> str:
    """SVG: one box per buffer from its first to its last op (x) and its byte range (y, address 0 at the
    bottom); labels name the tensor and size; a dashed line and a band mark the peak."""
    margin_l, margin_r, margin_t, margin_b = 70, 20, 30, 40
    steps = max((b.last for b in plan.buffers), default=0) + 1
    arena = max(plan.size, 1)
    pw, ph = width - margin_l - margin_r, height - margin_t - margin_b
    sx = pw / steps
    sy = ph / arena

    def x(step: float) -> float:
        return margin_l + step * sx

    def y(addr: float) -> float:
        return margin_t + ph - addr * sy

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
           f'font-family="sans-serif" font-size="10">',
           f"<title>{escape(plan.planner)}: {plan.size} bytes</title>",
           f'<rect x="{margin_l}" y="{margin_t}" width="{pw}" height="{ph}" fill="#fafafa" stroke="#999"/>']
    step, peak = _peak(plan)
    out.append(f'<rect x="{x(step):.1f}" y="{margin_t}" width="{sx:.1f}" height="{ph}" fill="#fdd" opacity="0.5"/>')
    for i, (b, off) in enumerate(zip(plan.buffers, plan.offsets)):
        bx, bw = x(b.first), (b.last - b.first + 1) * sx
        by, bh = y(off + b.size), max(b.size * sy, 0.5)
        name = ("scratch: " if b.scratch else "") + (", ".join(t.name for t in b.tensors) or b.name)
        dash = ' stroke-dasharray="3 2"' if b.scratch else ""   # a row window: dashed outline
        out.append(f'<g><title>{escape(name)}: {b.size} bytes at {off}, ops {b.first}-{b.last}</title>'
                   f'<rect x="{bx:.1f}" y="{by:.1f}" width="{bw:.1f}" height="{bh:.1f}" fill="{_PALETTE[i % len(_PALETTE)]}" '
                   f'fill-opacity="0.8" stroke="#333" stroke-width="0.5"{dash}/>')
        if bh >= 12 and bw >= 40:
            label = escape(f"{name[-24:]} {b.size}")
            out.append(f'<text x="{bx + 3:.1f}" y="{by + 11:.1f}">{label}</text>')
        out.append("</g>")
    out.append(f'<line x1="{margin_l}" x2="{margin_l + pw}" y1="{y(peak):.1f}" y2="{y(peak):.1f}" stroke="#c00" stroke-dasharray="4 3"/>')
    out.append(f'<text x="{margin_l + pw - 4}" y="{y(peak) - 3:.1f}" text-anchor="end" fill="#c00">'
               f"peak {peak} bytes at op {escape(_op(step, op_names))}</text>")
    for frac in (0, 0.25, 0.5, 0.75, 1):
        addr = int(arena * frac)
        out.append(f'<text x="{margin_l - 4}" y="{y(addr) + 3:.1f}" text-anchor="end">{addr}</text>')
    tick = max(1, steps // 20)
    for s in range(0, steps, tick):
        out.append(f'<text x="{x(s + 0.5):.1f}" y="{margin_t + ph + 14}" text-anchor="middle">{s}</text>')
    out.append(f'<text x="{margin_l + pw / 2}" y="{height - 8}" text-anchor="middle">op step</text>')
    out.append(f'<text x="14" y="{margin_t + ph / 2}" transform="rotate(-90 14 {margin_t + ph / 2})" text-anchor="middle">arena offset (bytes)</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
