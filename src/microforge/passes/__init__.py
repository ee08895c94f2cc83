"""Graph -> Graph rewrites. PASSES lists them once, in the order the driver runs them."""
from .dead_code import remove_dead_ops

PASSES = [remove_dead_ops]

__all__ = ["PASSES"]
