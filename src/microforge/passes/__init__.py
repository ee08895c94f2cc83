"""Graph -> Graph rewrites. PASSES lists them once, in the order the driver runs them."""
from .dead_code import remove_dead_ops
from .fold_pad import fold_pad_into_conv
from .fold_shapes import fold_shape_subgraphs

PASSES = [fold_shape_subgraphs, fold_pad_into_conv, remove_dead_ops]

__all__ = ["PASSES"]
