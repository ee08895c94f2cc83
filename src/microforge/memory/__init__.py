"""Memory planning: buffer lifetimes -> arena offsets. Planners are pure; the verifier always runs."""
from .lifetimes import ALIGN, Buffer, buffers_for, free_room
from .planner import (Plan, peak_lower_bound, plan_best, plan_branch_and_bound, plan_greedy_by_breadth,
                      plan_greedy_by_conflict, plan_greedy_by_size, plan_hill_climb, whole_tensor_bound)
from .pools import Pool, PoolPlan, buffer_traffic, combined_plan, parse_memory, place_in_pools
from .ram import RamUsage
from .verify import PlanError, verify_plan

__all__ = ["ALIGN", "Buffer", "Plan", "PlanError", "Pool", "PoolPlan", "RamUsage", "buffer_traffic", "buffers_for",
           "combined_plan", "free_room", "parse_memory", "peak_lower_bound", "place_in_pools", "plan_best",
           "plan_branch_and_bound", "plan_greedy_by_breadth", "plan_greedy_by_conflict", "plan_greedy_by_size",
           "plan_hill_climb", "verify_plan", "whole_tensor_bound"]
