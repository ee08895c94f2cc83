"""Memory planning: buffer lifetimes -> arena offsets. Planners are pure; the verifier always runs."""
from .lifetimes import Buffer, buffers_for
from .planner import Plan, plan_greedy_by_size
from .verify import verify_plan

__all__ = ["Buffer", "Plan", "buffers_for", "plan_greedy_by_size", "verify_plan"]
