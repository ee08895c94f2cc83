"""ROW_PIPELINE: a chain of spatial ops (and a final ADD) run band by band; its intermediates live as row windows.

Each layer of the chain runs per band of output rows as a smaller op of the same kind: the same conv
(pool, ...) over the input rows that band reads, with its own vertical padding (the top band keeps the
top padding, middle bands none, the bottom band the bottom padding), so the existing kernels are
called unchanged with pointer offsets. An intermediate tensor exists only as a window of rows in a
scratch buffer; before a layer computes new rows the rows no later band needs are dropped by moving
the rest down (memmove). The schedule is static: `schedule()` computes every call and move at compile
time, and `emit` folds the regular middle bands into one C loop.

    op.options: layers (the fused ops, in order; an ADD last), band (rows of the last layer per step),
                windows (one scratch Tensor per intermediate), residual (the ADD's other operand or None)
                and residual_index (its operand index in the ADD), wino_u (the resident-U scratch or None),
                fused_add (the ADD's form when it runs in the last layer's requantisation: fused_add; else None)
    op.inputs:  [chain input] (+ [residual] when it is another tensor); op.outputs: [the chain's output]
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..ir import DType, Op, OpType, Tensor
from .base import NO_READ, OpDef, padding_of, window

SPATIAL = (OpType.CONV_2D, OpType.DEPTHWISE_CONV_2D, OpType.AVERAGE_POOL_2D, OpType.MAX_POOL_2D)


def vertical(op: Op) -> tuple[int, int, int, int]:
    """(kernel rows, stride, dilation, top padding) of a spatial op along the height axis."""
    o = op.options
    if op.type in (OpType.CONV_2D, OpType.DEPTHWISE_CONV_2D):
        k, d = op.inputs[1].shape[1], o["dilation_h"]
    else:
        k, d = o["filter_h"], 1
    _, top = window(op, op.inputs[0].shape[1], k, o["stride_h"], d, padding_of(op, 0))
    return k, o["stride_h"], d, top


def _horizontal_pads(op: Op) -> tuple[int, int]:
    o = op.options
    if op.type in (OpType.CONV_2D, OpType.DEPTHWISE_CONV_2D):
        k, d = op.inputs[1].shape[2], o["dilation_w"]
    else:
        k, d = o["filter_w"], 1
    in_w, out_w = op.inputs[0].shape[2], op.outputs[0].shape[2]
    _, left = window(op, in_w, k, o["stride_w"], d, padding_of(op, 1))
    return left, max((out_w - 1) * o["stride_w"] + (k - 1) * d + 1 - in_w - left, 0)


def band_rows(op: Op, s: int, e: int) -> tuple[int, int, int, int]:
    """Output rows [s, e) of spatial `op` read input rows [lo, hi) with (pad_top, pad_bottom) of padding.

    Taps above row 0 or below the last row are the original padding; clipping the read rows to the
    image keeps exactly those taps as padding, so the band op computes the same bytes.

    >>> band_rows(conv3x3_same_stride1_h32, 0, 1)   # (0, 2, 1, 0): the top band keeps the top padding
    """
    k, stride, dil, top = vertical(op)
    t0 = s * stride - top
    t1 = (e - 1) * stride - top + (k - 1) * dil + 1
    lo, hi = max(t0, 0), min(t1, op.inputs[0].shape[1])
    return lo, hi, lo - t0, t1 - hi


def band_op(op: Op, s: int, e: int) -> Op:
    """Spatial `op` restricted to output rows [s, e): same kind and weights, input/output tensors of the band's rows."""
    lo, hi, pt, pb = band_rows(op, s, e)
    x, y = op.inputs[0], op.outputs[0]
    xb = Tensor(-1, f"{x.name}[{lo}:{hi}]", (1, hi - lo, *x.shape[2:]), x.dtype, x.quant)
    yb = Tensor(-1, f"{y.name}[{s}:{e}]", (1, e - s, *y.shape[2:]), y.dtype, y.quant)
    options = {**op.options, "explicit_padding": ((pt, pb), _horizontal_pads(op))}
    return Op(index=op.index, type=op.type, inputs=[xb, *op.inputs[1:]], outputs=[yb], options=options, name=op.name)


# A pointer into one of the segment's tensors: ("x" | "r" | "y", byte offset) or ("w", window number, byte offset).
Ref = tuple


@dataclass
class Call:
    """Layer `k` (1-based; len(spatial)+1 is the ADD) computes its output rows [s, e)."""

    k: int
    s: int
    e: int
    src: Ref
    dst: Ref
    res: Ref | None = None   # the ADD's residual rows


@dataclass
class Move:
    """memmove of `nbytes` from byte `src` of window `w` to its start."""

    w: int
    src: int
    nbytes: int


def spatial_layers(op: Op) -> list[Op]:
    return [l for l in op.options["layers"] if l.type in SPATIAL]


def row_bytes(t: Tensor) -> int:
    return t.shape[2] * t.shape[3] * t.dtype.size


def schedule(layers: list[Op], band: int, rings: frozenset[int] | dict[int, int] = frozenset(),
             fused: bool = False) -> tuple[list[list[Call | Move]], list[int]]:
    """Every call and move, per band of the last layer, and the rows each window needs (index 0 unused).

    Window j (1..n-1) holds rows of layer j's output; with an ADD, window n holds one band of the last
    spatial layer's output, but with the ADD `fused` into that layer (fused_add) there is no window n: the last
    layer's calls write the output and read the residual rows (res). Raises ValueError when a band reads no input
    row (only padding).
    A window in `rings` is a ring of its cap rows: no moves, and its refs give row r's offset as (r + phase) * row
    bytes, to be taken modulo the ring's bytes (the rows kept and the rows written never exceed the cap, so they never
    share a slot); the caps are those of the sliding windows. rings as a dict gives each ring's phase (the slot of its
    row 0: _rings picks one where no write wraps), as a set phase 0.
    """
    phase = rings if isinstance(rings, dict) else dict.fromkeys(rings, 0)
    spatial = [l for l in layers if l.type in SPATIAL]
    has_add = layers[-1].type is OpType.ADD
    n = len(spatial)
    rb = [row_bytes(spatial[0].inputs[0])] + [row_bytes(l.outputs[0]) for l in spatial]
    base, done, cap = [0] * (n + 1), [0] * (n + 1), [0] * (n + 1)

    def produce(j: int, s: int, e: int, dst: Ref, acts: list) -> None:
        lo, hi, _, _ = band_rows(spatial[j - 1], s, e)
        if hi <= lo:
            raise ValueError(f"band {s}:{e} of {spatial[j - 1].where} reads only padding")
        if j == 1:
            src = ("x", lo * rb[0])
        else:
            ensure(j - 1, lo, hi, acts)
            src = ("w", j - 1, (lo + phase[j - 1] if j - 1 in rings else lo - base[j - 1]) * rb[j - 1])
        acts.append(Call(j, s, e, src, dst))

    def ensure(j: int, a: int, b: int, acts: list) -> None:
        """Window j holds rows [a, b) of layer j's output afterwards; rows below a are never needed again."""
        assert a >= base[j], "bands read rows in increasing order"
        if done[j] >= b:
            return
        start = max(done[j], a)
        if base[j] < a:
            if done[j] > a and j not in rings:
                acts.append(Move(j, (a - base[j]) * rb[j], (done[j] - a) * rb[j]))
            base[j] = a
        produce(j, start, b, ("w", j, (start + phase[j] if j in rings else start - base[j]) * rb[j]), acts)
        done[j] = b
        cap[j] = max(cap[j], b - base[j])

    steps = []
    height = spatial[-1].outputs[0].shape[1]
    for s in range(0, height, band):
        e = min(s + band, height)
        acts: list[Call | Move] = []
        if has_add and fused:
            produce(n, s, e, ("y", s * rb[n]), acts)
            acts[-1].res = ("r", s * rb[n])
        elif has_add:
            ensure(n, s, e, acts)
            acts.append(Call(n + 1, s, e, ("w", n, (s - base[n]) * rb[n]), ("y", s * rb[n]), ("r", s * rb[n])))
        else:
            produce(n, s, e, ("y", s * rb[n]), acts)
        steps.append(acts)
    return steps, cap


def window_tensors(layers: list[Op], band: int, fused: bool = False) -> list[Tensor]:
    """The scratch tensors of a segment: rows of each intermediate the schedule keeps at once (with the ADD
    `fused` into the last layer, none for the last layer's output)."""
    spatial = [l for l in layers if l.type in SPATIAL]
    _, cap = schedule(layers, band, fused=fused)
    n_windows = len(spatial) if layers[-1].type is OpType.ADD and not fused else len(spatial) - 1
    out = []
    for j in range(1, n_windows + 1):
        t = spatial[j - 1].outputs[0]
        out.append(Tensor(-1, f"{t.name} (window of {cap[j]} rows)", (1, cap[j], *t.shape[2:]), t.dtype, t.quant))
    return out


def _resident(op: Op) -> int:
    """Bytes of the resident-U scratch `op`'s band calls take (ops/conv2d.py Conv2D.wino_resident), 0 for none."""
    from . import opdef
    return getattr(opdef(op.type), "wino_resident", lambda o: 0)(op)


def fused_add(layers: list[Op], nbytes: int) -> dict | None:
    """The ADD of a CONV_2D > ... > ADD segment fused into its last layer's requantisation (runtime/dsp/mf_conv2d_wino.h
    mf_wino_add_out), or None: when that layer is a resident-U Winograd layer holding pairs of the segment's resident U
    of nbytes (a U sized by a layer of fewer input channels may leave it none: it would run without the U, and its
    kernel has no fused ADD) and the ADD is int8, same-shape, with a linear form exact for all input pairs (ops/add.py
    add_mla). Then the last layer writes the output itself (no window for its rows, no ADD pass re-reading them).
    Returns the mf_wino_add_t fields."""
    from ..quant import add_params
    from ._requant import act_clamp
    from .add import add_mla
    from .conv2d import wino_resident_pairs
    add, last = layers[-1], [l for l in layers if l.type in SPATIAL][-1]
    if add.type is not OpType.ADD or not _resident(last):
        return None
    if wino_resident_pairs(last.inputs[1].shape[3], last.inputs[1].shape[0], nbytes) == 0:
        return None
    a, b, y = add.inputs[0], add.inputs[1], add.outputs[0]
    if any(t.dtype is not DType.INT8 for t in (a, b, y)) or not tuple(a.shape) == tuple(b.shape) == tuple(y.shape):
        return None
    q = add_params(a.quant.s, b.quant.s, y.quant.s, 8)
    lo, hi = act_clamp(add, y)
    f = add_mla(q, -a.quant.zp, -b.quant.zp, y.quant.zp, lo, hi)
    if f is None:
        return None
    conv_b = add.inputs[1] is last.outputs[0]
    return dict(a=f.a, b=f.b, c=f.c, k=f.k, lo=lo, hi=hi, conv_b=int(conv_b))


def resident_sizes(layers: list[Op], band: int) -> list[int]:
    """The sizes a segment's resident-U scratch may take, largest first: the whole U of its largest Winograd layer
    (ops/conv2d.py Conv2D.wino_resident), then in steps of the smallest layer's pair (64 in_c bytes) down to two
    (a pair resident beside the halves the others are rebuilt into: ops/conv2d.py wino_resident_pairs). Empty when
    no layer takes one, or with bands of one row (a Winograd tile has two)."""
    takers = [l for l in layers if l.type in SPATIAL and _resident(l)]
    if band < 2 or not takers:
        return []
    big, pair = max(_resident(l) for l in takers), min(64 * l.inputs[1].shape[3] for l in takers)
    return [big] + [k * pair for k in range(big // pair - 1, 1, -1)]


def resident_u(layers: list[Op], band: int, nbytes: int) -> Tensor | None:
    """The scratch of nbytes (one of resident_sizes) a segment's Winograd layers keep their U in, shared: each band
    call builds its layer's U there once (no per-chunk rebuilds), or of as many out-channel pairs as fit. None when
    no layer takes it."""
    if nbytes not in resident_sizes(layers, band):
        return None
    return Tensor(-1, f"resident Winograd U ({nbytes:,} bytes)", (1, 1, 1, nbytes // 4), DType.INT32)


def _call_width(call: Call, spatial: list[Op]) -> int:
    return row_bytes(spatial[min(call.k, len(spatial)) - 1].outputs[0]) * (call.e - call.s)


class RowPipeline(OpDef):
    type = OpType.ROW_PIPELINE

    def headers(self, op: Op) -> tuple[str, ...]:
        from . import opdef
        out: list[str] = []
        for l in op.options["layers"]:
            out += [h for h in opdef(l.type).headers(l) if h not in out]
        return tuple(out)

    def macs(self, op: Op) -> int:
        from . import opdef
        return sum(opdef(l.type).macs(l) for l in op.options["layers"])

    def scratch(self, op: Op) -> list[Tensor]:
        u = op.options.get("wino_u")
        return list(op.options["windows"]) + ([u] if u is not None else [])

    def describe(self, op: Op) -> str:
        from . import model_ops
        ls = op.options["layers"]
        wins = sum(t.nbytes for t in op.options["windows"])
        u = op.options.get("wino_u")
        return (f"row pipeline ops {model_ops(op)} ({' > '.join(l.type.value for l in ls)}), "
                f"band {op.options['band']} row(s), windows {wins:,} bytes"
                + (f", resident Winograd U {u.nbytes:,} bytes (--wino-u off: none)" if u is not None else "")
                + (", ADD fused into the last layer" if _fused(op) else ""))

    def _names(self, op: Op, index: int) -> set[str]:
        """The segment's names ("x": chain input, "r": residual) for input `index`."""
        t = op.inputs[index]
        names = {"x"} if t is op.inputs[0] else set()
        if op.options["residual"] is t:
            names.add("r")
        return names

    def overlap_lead(self, op: Op, index: int) -> int | None:
        """The output may overlap a dying input once every byte of it still to be read lies ahead of every
        byte written: from the static schedule, lead = max over writes of (write end - lowest later read);
        an ADD band reads its residual element by element before writing the same element (lead 0)."""
        names = self._names(op, index)
        spatial = spatial_layers(op)
        reads: list[int] = []
        writes: list[int | None] = []
        lead = -NO_READ
        for acts in schedule(op.options["layers"], op.options["band"], fused=_fused(op))[0]:
            for a in acts:
                if not isinstance(a, Call):
                    continue
                lows = [ref[-1] for ref in (a.src, a.res) if ref is not None and ref[0] in names]
                reads.append(min(lows, default=NO_READ))
                writes.append(a.dst[1] + _call_width(a, spatial) if a.dst[0] == "y" else None)
                if a.res is not None and "r" in names:
                    lead = max(lead, 0)
        later = np.minimum.accumulate(np.array(reads + [NO_READ], dtype=np.int64)[::-1])[::-1]  # later[i]: min of reads[i:]
        for i, w in enumerate(writes):
            if w is not None:
                lead = max(lead, w - int(later[i + 1]))
        return lead

    def _rings(self, op: Op, ctx) -> dict[int, int]:
        """The windows kept as rings (schedule's `rings`) and their phases: window j whose reader, layer j + 1, can
        read a ring (its opdef's reads_ring: runtime/dsp/mf_dw_band.h) and whose every write lands in consecutive slots
        (rows [s, e) written at slot (s + phase) mod cap without wrapping: a kernel writes its output rows
        contiguously), at the least such phase (0 where it has one: a writer running one row ahead of bands of two,
        as a 3x3 reader's, writes rows 2b + 1 .. 2b + 2 of a 4-row ring, which wrap at phase 0 but not at 1). Phases
        past 0 only for a resident-U Winograd reader (mf_conv2d_s8_wino_ring): another Winograd band call refuses a
        ring and would leave Winograd for the row entries, so its window keeps its moves as before."""
        from . import opdef
        layers, band = op.options["layers"], op.options["band"]
        spatial = spatial_layers(op)
        _, cap = schedule(layers, band, fused=_fused(op))
        # (a resident-U Winograd layer's band calls read a ring too: mf_conv2d_s8_wino_ring; reads_ring still asks
        # for the row-entry path, which a band call falling back from Winograd would take)
        cands = frozenset(j for j in range(1, len(spatial))
                          if getattr(opdef(spatial[j].type), "reads_ring", lambda o, c: False)(spatial[j], ctx))
        if not cands:
            return {}
        steps, _ = schedule(layers, band, cands, _fused(op))
        rb = [0] + [row_bytes(l.outputs[0]) for l in spatial]
        writes = [(a.dst[1], a.dst[2] // rb[a.dst[1]], a.e - a.s) for acts in steps for a in acts
                  if isinstance(a, Call) and a.dst[0] == "w" and a.dst[1] in cands]
        phases = {}
        wino = op.options.get("wino_u") is not None
        for j in sorted(cands):
            tries = range(cap[j]) if wino and _resident(spatial[j]) else [0]
            ok = [p for p in tries if all((r + p) % cap[j] + n <= cap[j] for w, r, n in writes if w == j)]
            if ok:
                phases[j] = ok[0]
        return phases

    def emit(self, op: Op, ctx) -> str:
        from . import opdef
        layers, band = op.options["layers"], op.options["band"]
        spatial = spatial_layers(op)
        wins = op.options["windows"]
        x, y, res = op.inputs[0], op.outputs[0], op.options["residual"]
        rings = self._rings(op, ctx)
        fa = op.options.get("fused_add")
        steps, _ = schedule(layers, band, rings, fa is not None)
        keep: list[Tensor] = []   # band tensors stay alive while their ids key ctx views

        def base_of(ref: Ref) -> Tensor:
            return {"x": x, "y": y, "r": res}[ref[0]] if ref[0] != "w" else wins[ref[1] - 1]

        def expr(off: int, delta: int) -> str:
            return f"{off} + {delta} * j" if delta else str(off)

        def text(acts: list, offs: list[int], deltas: list[int]) -> list[str]:
            lines, it = [], iter(zip(offs, deltas))
            for a in acts:
                if isinstance(a, Move):
                    (src, ds), = [next(it)]
                    w = wins[a.w - 1]
                    lines.append(f"memmove({ctx.ptr(w)}, {ctx.ptr(w)} + {expr(src, ds)}, {a.nbytes});")
                    continue
                sub = band_op(spatial[a.k - 1], a.s, a.e) if a.k <= len(spatial) else _add_band(layers[-1], a, spatial[-1])
                if a.k <= len(spatial) and "w" in (a.src[0], a.dst[0]):
                    sub.options["disjoint"] = True   # a window is a buffer of its own: input and output never meet
                if a.k <= len(spatial) and op.options.get("wino_u") is not None and _resident(spatial[a.k - 1]):
                    sub.options["wino_u"] = op.options["wino_u"]
                ri = op.options["residual_index"]
                if a.k <= len(spatial) and a.res is not None:   # the ADD fused into the layer: its residual rows
                    r = layers[-1].inputs[ri]
                    rt = Tensor(-1, f"{r.name}[{a.s}:{a.e}]", sub.outputs[0].shape, r.dtype, r.quant)
                    sub.options["fused_add"] = dict(form=fa, res=rt)
                    tensors = [rt, sub.inputs[0], sub.outputs[0]]
                else:
                    tensors = ([sub.inputs[0], sub.outputs[0]] if a.res is None
                               else [sub.inputs[ri], sub.inputs[1 - ri], sub.outputs[0]])
                keep.extend([*sub.inputs, *sub.outputs, *tensors])
                refs = [a.src, a.dst] if a.res is None else [a.res, a.src, a.dst]
                for t, ref in zip(tensors, refs):
                    off, d = next(it)
                    if ref[0] == "w" and ref[1] in rings:   # offsets in a ring: modulo its bytes
                        size = wins[ref[1] - 1].nbytes
                        at = f"(({off} + {d} * j) % {size})" if d else str(off % size)
                        if t is sub.inputs[0]:              # the reader walks the ring itself (reads_ring)
                            ctx.view(t, base_of(ref), "0")
                            sub.options["ring"] = (at, size)
                        else:
                            ctx.view(t, base_of(ref), at)
                    else:
                        ctx.view(t, base_of(ref), expr(off, d))
                lines.append(opdef(sub.type).emit(sub, ctx))
            return lines

        def shape(acts: list) -> tuple:
            return tuple((a.w, a.nbytes) if isinstance(a, Move) else
                         (a.k, a.e - a.s, _band_geometry(spatial[a.k - 1], a.s, a.e) if a.k <= len(spatial) else None,
                          a.src[:-1], a.dst[:-1]) for a in acts)

        def offsets(acts: list) -> list[int]:
            out = []
            for a in acts:
                if isinstance(a, Move):
                    out.append(a.src)
                else:
                    out += [r[-1] for r in ([a.src, a.dst] if a.res is None else [a.res, a.src, a.dst])]
            return out

        code = [f"/* {self.describe(op)} */"]
        i = 0
        while i < len(steps):
            k = i + 1
            if i + 1 < len(steps) and shape(steps[i]) == shape(steps[i + 1]):
                d = [b - a for a, b in zip(offsets(steps[i]), offsets(steps[i + 1]))]
                k = i + 2
                while (k < len(steps) and shape(steps[k]) == shape(steps[i])
                       and [b - a for a, b in zip(offsets(steps[k - 1]), offsets(steps[k]))] == d):
                    k += 1
            if k - i >= 2:   # every call site inlines its kernel: a loop keeps one copy per layer
                body = text(steps[i], offsets(steps[i]), d)
                code.append(f"for (int32_t j = 0; j < {k - i}; ++j) {{ /* bands {i}..{k - 1} */")
                code += ["    " + line for line in body]
                code.append("}")
            else:
                k = i + 1
                code += text(steps[i], offsets(steps[i]), [0] * len(offsets(steps[i])))
            i = k
        return "{\n    " + "\n    ".join(code) + "\n    }"


def _fused(op: Op) -> bool:
    return op.options.get("fused_add") is not None


def _band_geometry(op: Op, s: int, e: int) -> tuple[int, int, int]:
    """What a band's params struct depends on: (input rows, pad_top, pad_bottom)."""
    lo, hi, pt, pb = band_rows(op, s, e)
    return hi - lo, pt, pb


def _add_band(add: Op, call: Call, last: Op) -> Op:
    """The ADD restricted to rows [s, e): operands keep their order (the chain's band and the residual rows)."""
    t = last.outputs[0]
    rows = (1, call.e - call.s, *t.shape[2:])
    inputs = [Tensor(-1, f"{x.name}[{call.s}:{call.e}]", rows, x.dtype, x.quant) for x in add.inputs]
    y = add.outputs[0]
    return Op(index=add.index, type=add.type, inputs=inputs,
              outputs=[Tensor(-1, f"{y.name}[{call.s}:{call.e}]", rows, y.dtype, y.quant)],
              options=dict(add.options), name=add.name)
