"""Plan verifier: buffers live at the same step share no byte, except an op's output over a dying input
at or beyond the lead the op declared (Buffer.inplace, from OpDef.overlap_lead)."""
from __future__ import annotations

from .planner import Plan, live_pairs


class PlanError(AssertionError):
    """An internal planner bug (never the user's fault): two live buffers overlap."""


def verify_plan(plan: Plan) -> None:
    bufs, offs = plan.buffers, plan.offsets
    if len(offs) != len(bufs):
        raise PlanError(f"{plan.planner}: {len(offs)} offsets for {len(bufs)} buffers")
    for i, a in enumerate(bufs):
        if offs[i] < 0 or offs[i] + a.size > plan.size:
            raise PlanError(f"buffer '{a.name}' [{offs[i]}, {offs[i] + a.size}) lies outside the {plan.size}-byte arena")
        if offs[i] % a.align:
            raise PlanError(f"{plan.planner}: buffer '{a.name}' at {offs[i]} is not {a.align}-byte aligned")
    for i, j in live_pairs(bufs):
        a, b = bufs[i], bufs[j]
        disjoint = offs[i] + a.size <= offs[j] or offs[j] + b.size <= offs[i]
        if disjoint:
            continue
        rules = [(out, inp, bufs[out].inplace[inp]) for out, inp in ((i, j), (j, i))
                 if inp in bufs[out].inplace and bufs[inp].last == bufs[out].first]
        if any(offs[inp] - offs[out] >= lead for out, inp, lead in rules):
            continue
        if rules:
            out, inp, lead = rules[0]
            raise PlanError(f"{plan.planner}: output '{bufs[out].name}' at {offs[out]} overlaps its input "
                            f"'{bufs[inp].name}' at {offs[inp]}, but the input must lead by >= {lead} bytes")
        raise PlanError(f"{plan.planner}: buffers '{a.name}' (steps {a.first}-{a.last}, bytes {offs[i]}+{a.size}) and "
                        f"'{b.name}' (steps {b.first}-{b.last}, bytes {offs[j]}+{b.size}) overlap")
