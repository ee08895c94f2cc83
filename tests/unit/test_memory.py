"""Memory planner: expected peaks on small lifetime tables, and the verifier catches overlaps."""
import pytest

from microforge.memory import Buffer, Plan, plan_greedy_by_size, verify_plan
from microforge.memory.verify import PlanError


@pytest.mark.parametrize("table, peak", [
    ([(64, 0, 0)], 64),
    ([(64, 0, 1), (64, 2, 3)], 64),                      # disjoint lifetimes share bytes
    ([(64, 0, 1), (64, 1, 2)], 128),                     # touching at a step: both live
    ([(100, 0, 1), (50, 1, 2), (80, 2, 3)], 160),        # 50 rounds up to 56 (8-byte alignment)
    ([(32, 0, 4), (16, 1, 1), (16, 2, 2), (16, 3, 3)], 48),
    ([], 0),
])
def test_greedy_peak(table, peak):
    plan = plan_greedy_by_size([Buffer(s, a, b, name=f"b{i}") for i, (s, a, b) in enumerate(table)])
    verify_plan(plan)
    assert plan.size == peak


def test_verifier_rejects_overlap_of_live_buffers():
    bufs = [Buffer(64, 0, 2, name="a"), Buffer(64, 1, 3, name="b")]
    with pytest.raises(PlanError, match="'a'.*'b'.*overlap"):
        verify_plan(Plan(bufs, [0, 32], 96, "hand-made"))


def test_verifier_accepts_overlap_of_dead_buffers_and_rejects_out_of_arena():
    bufs = [Buffer(64, 0, 1, name="a"), Buffer(64, 2, 3, name="b")]
    verify_plan(Plan(bufs, [0, 0], 64, "hand-made"))
    with pytest.raises(PlanError, match="outside"):
        verify_plan(Plan(bufs, [0, 8], 64, "hand-made"))
