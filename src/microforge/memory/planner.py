"""Arena planners: pure functions from buffers to offsets (a Plan); plan_best keeps the smallest.

Every planner places buffers one at a time at the lowest aligned offset that conflicts with no
buffer already placed; they differ in the order. Two buffers conflict when they are live at the
same step, unless one is an input dying at the op that produces the other and the op's declared
overlap lead (Buffer.inplace) is respected.

>>> plan_best([Buffer(100, 0, 1), Buffer(50, 1, 2), Buffer(80, 2, 3)]).size
160
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .lifetimes import ALIGN, Buffer


@dataclass
class Plan:
    """offsets[i] is where buffers[i] starts; `size` is the arena size in bytes.

    `tried` holds the arena size every planner reached (plan_best), for reports.
    """

    buffers: list[Buffer]
    offsets: list[int]
    size: int
    planner: str
    tried: dict[str, int] = field(default_factory=dict)


def _align_up(n: int, a: int) -> int:
    return (n + a - 1) // a * a


def _live_together(a: Buffer, b: Buffer) -> bool:
    return a.first <= b.last and b.first <= a.last


def live_pairs(buffers: Sequence[Buffer]) -> list[tuple[int, int]]:
    """Every pair (i, j), i < j, of buffers live at a common step: a sweep, not all n^2 pairs."""
    order = sorted(range(len(buffers)), key=lambda i: (buffers[i].first, i))
    active: list[int] = []
    pairs = []
    for i in order:
        first = buffers[i].first
        active = [j for j in active if buffers[j].last >= first]
        pairs += [(min(i, j), max(i, j)) for j in active]
        active.append(i)
    return pairs


def live_by_step(buffers: Sequence[Buffer]) -> dict[int, list[int]]:
    """step -> indices of the buffers live at that step (buffer order)."""
    live: dict[int, list[int]] = {s: [] for s in _steps(buffers)}
    for i, b in enumerate(buffers):
        for s in range(b.first, b.last + 1):
            live[s].append(i)
    return live


# Conflict (j, lo, hi) of buffer i: with buffer j at offset o, i may not start in the open interval (o + lo, o + hi).
Conflicts = list[list[tuple[int, int, int]]]


def conflicts(buffers: Sequence[Buffer]) -> Conflicts:
    """For each buffer, the buffers it must not overlap and how (an in-place pair narrows the interval)."""
    out: Conflicts = [[] for _ in buffers]
    for p, q in live_pairs(buffers):
        for i, j in ((p, q), (q, p)):
            a, b = buffers[i], buffers[j]
            lo, hi = -a.size, b.size
            # A negative lead (output may start after its input) is used as 0: the forbidden zone then
            # stays one interval starting at or below the other buffer, which keeps lowest-fit
            # placement complete (plan_branch_and_bound relies on it); the verifier takes the real lead.
            if j in a.inplace:            # a is the op's output, b its dying input: o_a <= o_b - lead is fine
                lo = max(lo, -max(a.inplace[j], 0))
            if i in b.inplace:            # a is the dying input of b: o_a >= o_b + lead is fine
                hi = min(hi, max(b.inplace[i], 0))
            if lo < hi:
                out[i].append((j, lo, hi))
    for c in out:
        c.sort()
    return out


def _lowest_fit(buf: Buffer, busy: list[tuple[int, int]], floor: int = 0) -> int:
    """Lowest offset >= floor, aligned for `buf`, outside every open interval in `busy`: one sweep by interval
    start. An offset inside (lo, hi) moves up to hi (aligned): nothing between fits. The sweep stops at the first
    interval starting at or above the offset, since none from there on can hold it."""
    a = buf.align
    cand = _align_up(floor, a)
    for lo, hi in sorted(busy):
        if lo >= cand:
            break
        if cand < hi:
            cand = _align_up(hi, a)
    return cand


def _busy(i: int, conf: Conflicts, offsets: list[int | None]) -> list[tuple[int, int]]:
    return [(offsets[j] + lo, offsets[j] + hi) for j, lo, hi in conf[i] if offsets[j] is not None]


def _arena(buffers: Sequence[Buffer], offsets: Sequence[int]) -> int:
    return _align_up(max((o + b.size for o, b in zip(offsets, buffers)), default=0), ALIGN)


def place_in_order(buffers: list[Buffer], order: Sequence[int], name: str, conf: Conflicts | None = None) -> Plan:
    """Place buffers in `order`, each at its lowest fit: the engine under every planner."""
    conf = conflicts(buffers) if conf is None else conf
    offsets: list[int | None] = [None] * len(buffers)
    for i in order:
        offsets[i] = _lowest_fit(buffers[i], _busy(i, conf, offsets))
    return Plan(buffers=buffers, offsets=list(offsets), size=_arena(buffers, offsets), planner=name)


def _size_order(buffers: Sequence[Buffer]) -> list[int]:
    return sorted(range(len(buffers)), key=lambda i: (-buffers[i].size, buffers[i].first, i))


def plan_greedy_by_size(buffers: list[Buffer]) -> Plan:
    """Largest buffers first, each at the lowest offset free for its whole lifetime (TFLM's strategy).

    >>> plan_greedy_by_size([Buffer(100, 0, 1), Buffer(50, 1, 2), Buffer(80, 2, 3)]).size
    160
    """
    return place_in_order(buffers, _size_order(buffers), "greedy_by_size")


def _steps(buffers: Sequence[Buffer]) -> range:
    return range(min((b.first for b in buffers), default=0), max((b.last for b in buffers), default=-1) + 1)


def plan_greedy_by_breadth(buffers: list[Buffer]) -> Plan:
    """Widest op step first (most live bytes), then its live buffers largest first (TFLite GPU's "greedy by breadth")."""
    return place_in_order(buffers, _breadth_order(buffers), "greedy_by_breadth")


def _breadth_order(buffers: Sequence[Buffer]) -> list[int]:
    live = live_by_step(buffers)
    breadth = {s: sum(buffers[i].size for i in ids) for s, ids in live.items()}
    order: list[int] = []
    seen: set[int] = set()
    for s in sorted(live, key=lambda s: (-breadth[s], s)):
        for i in sorted(live[s], key=lambda i: (-buffers[i].size, i)):
            if i not in seen:
                seen.add(i)
                order.append(i)
    return order


def plan_greedy_by_conflict(buffers: list[Buffer]) -> Plan:
    """Buffers with the most bytes competing for their lifetime first (own size + sizes it conflicts with)."""
    conf = conflicts(buffers)
    weight = [b.size + sum(buffers[j].size for j, _, _ in conf[i]) for i, b in enumerate(buffers)]
    order = sorted(range(len(buffers)), key=lambda i: (-weight[i], -buffers[i].size, i))
    return place_in_order(buffers, order, "greedy_by_conflict")


def whole_tensor_bound(buffers: Sequence[Buffer]) -> int:
    """Max over steps of the bytes of all buffers live at that step: what any plan without in-place sharing needs."""
    return max((sum(buffers[i].size for i in ids) for ids in live_by_step(buffers).values()), default=0)


def peak_lower_bound(buffers: Sequence[Buffer]) -> int:
    """A bound no plan can beat, counting in-place sharing: at each step, buffers outside in-place pairs are
    disjoint; an output and the one input it may overlap need max(output, input + lead) bytes; otherwise
    the outputs (and the inputs) of an op are still disjoint among themselves."""
    best = 0
    for s, live in live_by_step(buffers).items():
        pairs = [(y, x) for y in live if buffers[y].first == s for x in buffers[y].inplace
                 if x in live and buffers[x].last == s]
        involved = {i for p in pairs for i in p}
        total = sum(buffers[i].size for i in live if i not in involved)
        ys, xs = {y for y, _ in pairs}, {x for _, x in pairs}
        if len(pairs) == 1 and not ys & xs:
            (y, x), = pairs
            by, bx = buffers[y], buffers[x]
            total += min(by.size + bx.size, max(by.size, bx.size + max(by.inplace[x], 0)))
        elif pairs and not ys & xs:   # one op: its outputs are pairwise disjoint, so are its dying inputs
            total += max(sum(buffers[i].size for i in ys), sum(buffers[i].size for i in xs))
        elif pairs:
            total += max(buffers[i].size for i in involved)
        best = max(best, total)
    return best


def plan_branch_and_bound(buffers: list[Buffer], node_budget: int = 5_000, time_budget: float | None = None,
                          incumbent: Plan | None = None) -> Plan:
    """Exact search over placement orders, pruned; stops after `node_budget` nodes (deterministic) or
    `time_budget` seconds and returns the best plan found (the incumbent when nothing better turns up).

    Every packing can be reached by placing buffers in order of their final offset, each at its
    lowest fit (moving a buffer down never blocks one placed above it), so the search only extends
    an order with buffers whose lowest fit is not below the last one placed (ties by index).
    Bound: a buffer's lowest fit only rises as others are placed.
    """
    if incumbent is None:
        incumbent = plan_greedy_by_size(buffers)
    n = len(buffers)
    conf = conflicts(buffers)
    best_offsets, best_size = list(incumbent.offsets), incumbent.size
    floor = _align_up(peak_lower_bound(buffers), ALIGN)
    offsets: list[int | None] = [None] * n
    nodes = 0
    deadline = None if time_budget is None else time.monotonic() + time_budget

    def search(remaining: set[int], last: tuple[int, int], peak: int) -> bool:
        """Returns False once the budget is spent (or the bound is met) to unwind."""
        nonlocal nodes, best_offsets, best_size
        if not remaining:
            size = _align_up(peak, ALIGN)
            if size < best_size:
                best_offsets, best_size = list(offsets), size
            return best_size > floor
        nodes += 1
        if nodes > node_budget or (deadline is not None and time.monotonic() > deadline):
            return False
        fits = []
        bound = peak
        for i in remaining:
            at = _lowest_fit(buffers[i], _busy(i, conf, offsets))
            bound = max(bound, max(at, last[0]) + buffers[i].size)
            if (at, i) > last:
                fits.append((at, -buffers[i].size, i))
        if _align_up(bound, ALIGN) >= best_size:
            return True
        for at, _, i in sorted(fits):
            if _align_up(max(peak, at + buffers[i].size), ALIGN) >= best_size:
                continue
            offsets[i] = at
            remaining.discard(i)
            going = search(remaining, (at, i), max(peak, at + buffers[i].size))
            remaining.add(i)
            offsets[i] = None
            if not going:
                return False
        return True

    if best_size > floor:
        search(set(range(n)), (-1, -1), 0)
    return Plan(buffers=buffers, offsets=best_offsets, size=best_size, planner="branch_and_bound")


def plan_hill_climb(buffers: list[Buffer], iterations: int = 400, seed: int = 0) -> Plan:
    """Local search over placement orders (as vela's hill-climb allocator): move a buffer that reaches the
    current peak earlier in the order, keep the move unless the arena grows. Seeded, so deterministic.

    Finds what greedy orders miss with in-place pairs, e.g. placing a small output first so the large
    input it overlaps sits just above it instead of at 0.
    """
    import random

    conf = conflicts(buffers)
    rng = random.Random(seed)
    starts = [_size_order(buffers), _breadth_order(buffers)]
    plans = [place_in_order(buffers, o, "hill_climb", conf) for o in starts]
    k = min(range(len(plans)), key=lambda k: plans[k].size)
    order, plan = starts[k], plans[k]
    for _ in range(iterations if len(buffers) > 1 else 0):
        top = max(o + b.size for o, b in zip(plan.offsets, buffers))
        at_peak = [i for i, (o, b) in enumerate(zip(plan.offsets, buffers)) if o + b.size == top]
        i = rng.choice(at_peak)
        pos = order.index(i)
        new = list(order)
        if pos == 0:   # already first: move a random other buffer behind it instead
            j = rng.randrange(1, len(new))
            new.insert(1, new.pop(j))
        else:
            new.insert(rng.randrange(0, pos), new.pop(pos))
        trial = place_in_order(buffers, new, "hill_climb", conf)
        if trial.size <= plan.size:
            order, plan = new, trial
    return plan


PLANNERS: tuple[Callable[[list[Buffer]], Plan], ...] = (plan_greedy_by_size, plan_greedy_by_breadth, plan_greedy_by_conflict,
                                                         plan_hill_climb)


WORK_BUDGET = 120_000  # buffer placements the searches may spend (400 hill-climb rounds up to 300 buffers)


def plan_best(buffers: list[Buffer], exact: bool = True) -> Plan:
    """Run every heuristic planner, then the budgeted exact search seeded with the best; keep the smallest.

    Ties go to the earlier planner, so the result is deterministic.
    """
    # Work bound for any input (a hostile model may declare thousands of ops): the local and exact
    # searches get a budget of about WORK_BUDGET placements, shrinking with the number of buffers.
    n = max(len(buffers), 1)
    plans = [plan_hill_climb(buffers, iterations=min(400, WORK_BUDGET // n)) if p is plan_hill_climb else p(buffers)
             for p in PLANNERS]
    best = min(plans, key=lambda p: p.size)
    if exact:
        plans.append(plan_branch_and_bound(buffers, incumbent=best, node_budget=min(5_000, 8 * WORK_BUDGET // n),
                                           time_budget=5.0))
    best = min(plans, key=lambda p: p.size)
    best.tried = {p.planner: p.size for p in plans}
    return best
