"""Plan verifier: no two buffers that are live at the same step may share a byte."""
from __future__ import annotations

from .planner import Plan


class PlanError(AssertionError):
    """An internal planner bug (never the user's fault): two live buffers overlap."""


def verify_plan(plan: Plan) -> None:
    bufs, offs = plan.buffers, plan.offsets
    for i, a in enumerate(bufs):
        if offs[i] < 0 or offs[i] + a.size > plan.size:
            raise PlanError(f"buffer '{a.name}' [{offs[i]}, {offs[i] + a.size}) lies outside the {plan.size}-byte arena")
        for j in range(i + 1, len(bufs)):
            b = bufs[j]
            live_together = a.first <= b.last and b.first <= a.last
            disjoint = offs[i] + a.size <= offs[j] or offs[j] + b.size <= offs[i]
            if live_together and not disjoint:
                raise PlanError(f"{plan.planner}: buffers '{a.name}' (steps {a.first}-{a.last}, bytes {offs[i]}+{a.size}) and "
                                f"'{b.name}' (steps {b.first}-{b.last}, bytes {offs[j]}+{b.size}) overlap")
