"""Data-movement ops lowered to one separable byte gather/scatter (runtime/portable/mf_gather.h).

An op describes its copy as axes [(in_offsets, out_offsets), ...] in elements, one pair of equally long
offset arrays per axis of an iteration space: element (a0, a1, ...) is copied from
in[sum in_offsets_k[a_k]] to out[sum out_offsets_k[a_k]]. `emit_gather` folds element size, drops
size-1 axes, turns contiguous inner axes into one memcpy run and pads to the kernel's 6 axes.

>>> contiguous(4, 2)   # offsets of an axis of size 4 with stride 2
array([0, 2, 4, 6])
"""
from __future__ import annotations

import numpy as np

from ..ir import Tensor

KERNEL_RANK = 6
HEADERS = ("mf_gather.h",)


def strides(shape) -> list[int]:
    """Element strides of a C-contiguous array of `shape`."""
    out, acc = [], 1
    for d in reversed(tuple(shape)):
        out.append(acc)
        acc *= int(d)
    return out[::-1]


def contiguous(n: int, stride: int, start: int = 0) -> np.ndarray:
    return (start + np.arange(n, dtype=np.int64)) * stride


def dense_out(axes_in: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
    """A gather writing the output in iteration order: output offsets are the iteration space's own strides."""
    st = strides([len(a) for a in axes_in])
    return [(a, contiguous(len(a), s)) for a, s in zip(axes_in, st)]


def _simplify(axes, esize: int) -> tuple[list[tuple[np.ndarray, np.ndarray]], int, int, int]:
    axes = [(np.asarray(i, np.int64) * esize, np.asarray(o, np.int64) * esize) for i, o in axes]
    if esize > 1:
        axes.append((np.arange(esize, dtype=np.int64), np.arange(esize, dtype=np.int64)))
    in_base = out_base = 0
    kept = []
    for i, o in axes:  # each axis's first offset moves to the bases; size-1 axes vanish
        in_base, out_base = in_base + int(i[0]), out_base + int(o[0])
        if len(i) > 1:
            kept.append((i - i[0], o - o[0]))
    run = 1
    while kept:
        i, o = kept[-1]
        step = np.arange(len(i), dtype=np.int64) * run
        if np.array_equal(i, step) and np.array_equal(o, step):
            run *= len(i)
            kept.pop()
        else:
            break
    while len(kept) > KERNEL_RANK:  # merge the adjacent pair with the smallest product (still separable)
        k = min(range(len(kept) - 1), key=lambda j: len(kept[j][0]) * len(kept[j + 1][0]))
        (ia, oa), (ib, ob) = kept[k], kept[k + 1]
        kept[k:k + 2] = [((ia[:, None] + ib[None, :]).reshape(-1), (oa[:, None] + ob[None, :]).reshape(-1))]
    kept = [(np.zeros(1, np.int64), np.zeros(1, np.int64))] * (KERNEL_RANK - len(kept)) + kept
    return kept, run, in_base, out_base


def emit_gather(ctx, name: str, x: Tensor, y: Tensor, axes) -> str:
    """C statement copying the described elements of `x` into `y` (same element type)."""
    kept, run, in_base, out_base = _simplify(axes, x.dtype.size)
    in_tab = np.concatenate([i for i, _ in kept]).astype(np.int32)
    out_tab = np.concatenate([o for _, o in kept]).astype(np.int32)
    p = ctx.params("mf_gather_params_t", dict(
        shape=[len(i) for i, _ in kept], run=run, in_base=in_base, out_base=out_base,
        in_tab=ctx.const(f"{name}_in_offsets", in_tab), out_tab=ctx.const(f"{name}_out_offsets", out_tab)))
    return f"mf_gather(&{p}, {ctx.ptr(x)}, {ctx.ptr(y)});"
