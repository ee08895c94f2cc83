"""ADD: int8 (or int16, 16x8 models) elementwise addition with rescaling, broadcasting up to rank 5, fused activation."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..ir import DType, Op, OpType
from ..quant import add_params
from ._requant import act_clamp
from .base import OpDef, is_int16, expect_arity, expect_dtype, expect_quant, expect_shape, fail, lead_from_reads

MAX_RANK = 5


def broadcast_shape(op: Op, a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    out = []
    for da, db in zip(a, b):
        if da != db and 1 not in (da, db):
            raise fail(op, f"shapes {list(a)} and {list(b)} cannot be broadcast together")
        out.append(max(da, db))
    return tuple(out)


def broadcast_strides(shape: tuple[int, ...], out_shape: tuple[int, ...]) -> list[int]:
    """Element strides of `shape` seen through `out_shape` (0 on broadcast axes), padded to MAX_RANK."""
    shape = (1,) * (len(out_shape) - len(shape)) + tuple(shape)
    strides, acc = [], 1
    for d in reversed(shape):
        strides.append(acc if d > 1 else 0)
        acc *= d
    strides = list(reversed(strides))
    return [0] * (MAX_RANK - len(strides)) + strides


def add_fast(q) -> bool:
    """The DSP kernel's 4-element asm pass (runtime/dsp/mf_add.h, mf_add_s8_asm) applies: int8 (left shift 20), one
    input unscaled (multiplier 2^30, shift 0: the one with the larger scale, both when the scales are equal), the
    other's right shift at most 22 and the output's in 1..22, so every rounding constant is a 32-bit immediate."""
    def unscaled(m: int, sh: int) -> bool:
        return m == 1 << 30 and sh == 0
    return (q.left_shift == 20 and (unscaled(q.input1_multiplier, q.input1_shift) or unscaled(q.input2_multiplier, q.input2_shift))
            and -22 <= q.input1_shift <= 0 and -22 <= q.input2_shift <= 0 and -22 <= q.output_shift <= -1)


def _srdhm(x: np.ndarray, m: int) -> np.ndarray:
    """gemmlowp SRDHM on int64 arrays whose |x| < 2^31 (no saturation case): x*m/2^31 rounded half away from zero."""
    ab = x * m
    v = np.where(ab >= 0, ab + (1 << 30), ab + 1 - (1 << 30))
    return np.where(v >= 0, v >> 31, -((-v) >> 31))


def _rdbp(x: np.ndarray, e: int) -> np.ndarray:
    """gemmlowp RoundingDivideByPOT on int64 arrays: ties away from zero."""
    mask = (1 << e) - 1
    return (x >> e) + ((x & mask) > ((mask >> 1) + (x < 0))).astype(np.int64)


def add_smlaw_round(q, in_offset: int) -> int:
    """The SMLAW pass's accumulator for the rescaled input (in_offset = its -zero point; see mf_add_s8_smlaw)."""
    m, e = (q.input1_multiplier, -q.input1_shift) if add_rescaled_is_1(q) else (q.input2_multiplier, -q.input2_shift)
    return ((in_offset * m + (1 << 10)) >> 8) + (1 << (e + 2))


def add_rescaled_is_1(q) -> bool:
    return not (q.input1_multiplier == 1 << 30 and q.input1_shift == 0)


def add_smlaw_exact(q, in1_offset: int, in2_offset: int, out_offset: int, act_min: int, act_max: int) -> bool:
    """The DSP kernel's SMLAW pass (mf_add_s8_smlaw) gives TFLM's bytes for every one of the 256 x 256 input pairs.

    Its rescaled input is s' = (SMLAW(m, a * 2^8) + R) >> (e + 3): the SRDHM and rounding shift of (a + offset) * 2^20
    in one multiply-accumulate, exact except in two dropped details, the carry of a*m's low 8 bits into the offset's
    (R keeps only (offset*m + 2^10) >> 8) and the rounding's sign correction. Where either changes s' it changes the
    sum by one unit of 2^-20 of an input step, which changes an output byte only if that sum sits next to an output
    rounding boundary. An output byte depends only on the two input bytes, so trying all 65536 pairs against TFLM's
    arithmetic (int64 numpy, gemmlowp SRDHM/RDBP) decides it: where any pair differs the layer keeps the exact pass."""
    if not add_fast(q):
        return False
    r1 = add_rescaled_is_1(q)
    m, e, off = (q.input1_multiplier, -q.input1_shift, in1_offset) if r1 else (q.input2_multiplier, -q.input2_shift, in2_offset)
    m2, e2, off2 = (q.input2_multiplier, -q.input2_shift, in2_offset) if r1 else (q.input1_multiplier, -q.input1_shift, in1_offset)
    x = np.arange(-128, 128, dtype=np.int64)
    exact = _rdbp(_srdhm((x + off) << q.left_shift, m), e)       # TFLM's rescaled input, every byte
    y = ((x * 256 * m) >> 16) + add_smlaw_round(q, in1_offset if r1 else in2_offset)
    if np.abs(y).max() >= 1 << 31:
        return False
    fast = y >> (e + 3)
    other = _rdbp(_srdhm((x + off2) << q.left_shift, m2), e2)     # the unscaled input: (b + offset) * 2^19 exactly

    def out(s: np.ndarray) -> np.ndarray:
        tot = s[:, None] + other[None, :]
        r = _rdbp(_srdhm(tot, q.output_multiplier), -q.output_shift) + out_offset
        return np.clip(r, act_min, act_max)
    return bool(np.array_equal(exact, fast) or np.array_equal(out(exact), out(fast)))


def add_reference(q, in1_offset: int, in2_offset: int, out_offset: int, act_min: int, act_max: int) -> np.ndarray:
    """TFLM's int8 ADD output for every input pair, [a + 128, b + 128]: each input (x + offset) << left_shift rescaled
    (SRDHM, RDBP), summed, rescaled again, plus the output offset, clamped."""
    x = np.arange(-128, 128, dtype=np.int64)
    s1 = _rdbp(_srdhm((x + in1_offset) << q.left_shift, q.input1_multiplier), -q.input1_shift)
    s2 = _rdbp(_srdhm((x + in2_offset) << q.left_shift, q.input2_multiplier), -q.input2_shift)
    r = _rdbp(_srdhm(s1[:, None] + s2[None, :], q.output_multiplier), -q.output_shift) + out_offset
    return np.clip(r, act_min, act_max)


@dataclass(frozen=True)
class AddLinear:
    """The linear pass's form (runtime/dsp/mf_add.h, mf_add_s8_lin): out = SSAT(floor(a * a' / 2^16) + floor(b * b' /
    2^16) + c >> k, 8) with x' = x (pre 0) or x * 2^8 (pre 1), then the activation clamp."""
    pre: int
    k: int
    a: int
    b: int
    c: int


LINEAR_STEPS = 2     # A and B tried within this many units of their ideal values
LINEAR_KS = 3        # and the largest this many k (the most precise forms)


def _linear_c(ref: np.ndarray, v: np.ndarray, k: int, act_min: int, act_max: int) -> tuple[int, int] | None:
    """The interval of c for which floor((v + c) / 2^k), clamped, is ref everywhere (None when empty)."""
    big = 1 << 62
    lower = np.where(ref > act_min, ref << k, -big) - v
    upper = np.where(ref < act_max, (ref + 1) << k, big) - v
    lo, hi = int(lower.max()), int(upper.min()) - 1
    return (lo, hi) if lo <= hi else None


def _form_search(q, in1_offset: int, in2_offset: int, out_offset: int, act_min: int, act_max: int):
    """What add_linear and add_mla search from: TFLM's output byte for each of the 256 x 256 input pairs, the input
    bytes, the slopes alpha, beta (output steps per input step, as the quantised multipliers make them) and the
    (da, db) steps around the ideal A, B, nearest first."""
    ref = add_reference(q, in1_offset, in2_offset, out_offset, act_min, act_max)
    x = np.arange(-128, 128, dtype=np.int64)
    def slope(m: int, sh: int) -> float:   # output steps per input step
        return (m * 2.0 ** (sh + q.left_shift - 31)) * (q.output_multiplier * 2.0 ** (q.output_shift - 31))
    alpha, beta = slope(q.input1_multiplier, q.input1_shift), slope(q.input2_multiplier, q.input2_shift)
    steps = sorted(((da, db) for da in range(-LINEAR_STEPS, LINEAR_STEPS + 1)
                    for db in range(-LINEAR_STEPS, LINEAR_STEPS + 1)), key=lambda t: (abs(t[0]) + abs(t[1]), t))
    return ref, x, alpha, beta, steps


@lru_cache(maxsize=64)   # a row pipeline emits its ADD once per band
def add_linear(q, in1_offset: int, in2_offset: int, out_offset: int, act_min: int, act_max: int) -> AddLinear | None:
    """A linear form (AddLinear) that gives TFLM's output byte for every one of the 256 x 256 input pairs, or None.

    TFLM's output is the requantised sum of two rescaled inputs, so out(a, b) is nearly alpha * a + beta * b + gamma
    (alpha, beta: the inputs' scales over the output's, as the quantised multipliers make them): the ideal A, B are
    alpha, beta * 2^(k + 16) / x'-scale, for the largest k that keeps them in int32 (most precision). Around them (a
    few units each, the top few k, bytes as they are first: the cheaper pass) every A, B leaves an interval of c
    where all 65536 pairs come out exactly (_linear_c, against add_reference); the first non-empty one whose sums stay
    in int32 is the form. Where none is found the layer keeps the other passes."""
    if q.left_shift != 20:
        return None
    ref, x, alpha, beta, steps = _form_search(q, in1_offset, in2_offset, out_offset, act_min, act_max)
    for pre in (0, 1):
        xs = x << (8 * pre)
        fits = [k for k in range(1, 32) if max(alpha, beta) * 2.0 ** (k + 16 - 8 * pre) + LINEAR_STEPS < 2 ** 31 - 1]
        for k in sorted(fits, reverse=True)[:LINEAR_KS]:
            a0, b0 = (round(s * 2.0 ** (k + 16 - 8 * pre)) for s in (alpha, beta))
            for da, db in steps:
                pa, pb = ((a0 + da) * xs) >> 16, ((b0 + db) * xs) >> 16
                c = _linear_c(ref, pa[:, None] + pb[None, :], k, act_min, act_max)
                if c is None:
                    continue
                c = (c[0] + c[1]) // 2
                if max(abs(pb + c).max(), abs(pa[:, None] + pb[None, :] + c).max()) < 2 ** 31:
                    return AddLinear(pre, k, a0 + da, b0 + db, c)
    return None


@dataclass(frozen=True)
class AddMla:
    """A linear form with one floor (runtime/dsp/mf_conv2d_wino.h mf_wino_add_out, an ADD fused into a convolution's
    requantisation): out = SSAT(a * x + b * y + c >> k, 8), x and y the first and second input bytes, then the
    activation clamp. Two MLAs an element on values already in registers."""
    k: int
    a: int
    b: int
    c: int


@lru_cache(maxsize=64)
def add_mla(q, in1_offset: int, in2_offset: int, out_offset: int, act_min: int, act_max: int) -> AddMla | None:
    """An AddMla that gives TFLM's output byte for every one of the 256 x 256 input pairs, or None: as add_linear,
    but the products are exact (no floor per term), so the form is the requantised sum's own slope and offset at
    2^k: A, B within LINEAR_STEPS units of alpha * 2^k, beta * 2^k, for the LINEAR_KS largest k whose sums stay in
    int32, and a c from the interval where all 65536 pairs come out exactly (_linear_c against add_reference)."""
    if q.left_shift != 20:
        return None
    ref, x, alpha, beta, steps = _form_search(q, in1_offset, in2_offset, out_offset, act_min, act_max)
    fits = [k for k in range(1, 32) if (abs(alpha) + abs(beta)) * 2.0 ** k * 129 + 2 ** (k + 8) < 2 ** 31]
    for k in sorted(fits, reverse=True)[:LINEAR_KS]:
        a0, b0 = round(alpha * 2.0 ** k), round(beta * 2.0 ** k)
        for da, db in steps:
            pa, pb = (a0 + da) * x, (b0 + db) * x
            c = _linear_c(ref, pa[:, None] + pb[None, :], k, act_min, act_max)
            if c is None:
                continue
            c = (c[0] + c[1]) // 2
            if max(abs(pa + c).max(), abs(pa[:, None] + pb[None, :] + c).max()) < 2 ** 31:
                return AddMla(k, a0 + da, b0 + db, c)
    return None


class Add(OpDef):
    type = OpType.ADD
    kernel_headers = ("mf_add.h",)
    int16_headers = ("mf_broadcast.h", "mf_binary_s16.h")

    def check(self, op: Op) -> None:
        expect_arity(op, (2,))
        a = expect_dtype(op, op.inputs[0], "first input", DType.INT8, DType.INT16)
        b = expect_dtype(op, op.inputs[1], "second input", a.dtype)
        y = expect_dtype(op, op.outputs[0], "output", a.dtype)
        for t, role in ((a, "first input"), (b, "second input"), (y, "output")):
            expect_quant(op, t, role)
        shape = broadcast_shape(op, a.shape, b.shape)
        if len(shape) > MAX_RANK:
            raise fail(op, f"rank {len(shape)} is above the supported {MAX_RANK}")
        expect_shape(op, y, shape)
        act_clamp(op, y)
        try:
            add_params(a.quant.s, b.quant.s, y.quant.s, 8 * y.dtype.size)
        except ValueError as e:  # TFLM aborts on these scales (QuantizeMultiplierSmallerThanOneExp)
            raise fail(op, f"input scales {a.quant.s:g}, {b.quant.s:g} and output scale {y.quant.s:g} cannot be "
                       f"quantised ({e})", "TFLM rejects this ADD too; check the model's quantisation") from None

    def macs(self, op: Op) -> int:
        return op.outputs[0].num_elements

    def overlap_lead(self, op: Op, index: int) -> int | None:
        """out[i] is written after reading element i of each input; a broadcast input is re-read, so never shared."""
        x, y = op.inputs[index], op.outputs[0]
        if tuple(x.shape) != tuple(y.shape):
            return None
        return lead_from_reads(np.arange(y.num_elements) * x.dtype.size, y.dtype.size)  # = 0: may start at the input

    def emit(self, op: Op, ctx) -> str:
        a, b, y = op.inputs[0], op.inputs[1], op.outputs[0]
        q = add_params(a.quant.s, b.quant.s, y.quant.s, 8 * y.dtype.size)
        lo, hi = act_clamp(op, y)
        if is_int16(op):
            from ._binary import emit_binary_s16  # imported here: _binary builds on this module's broadcast helpers
            return emit_binary_s16(op, ctx, "mf_add_s16", left_shift=q.left_shift, in1_mult=q.input1_multiplier,
                                   in1_shift=q.input1_shift, in2_mult=q.input2_multiplier, in2_shift=q.input2_shift,
                                   out_mult=q.output_multiplier, out_shift=q.output_shift, act_min=lo, act_max=hi)
        fields = dict(size=y.num_elements, in1_offset=-a.quant.zp, in2_offset=-b.quant.zp, left_shift=q.left_shift,
                      in1_mult=q.input1_multiplier, in1_shift=q.input1_shift, in2_mult=q.input2_multiplier,
                      in2_shift=q.input2_shift, out_mult=q.output_multiplier, out_shift=q.output_shift,
                      out_offset=y.quant.zp, act_min=lo, act_max=hi)
        if tuple(a.shape) == tuple(b.shape):
            lin = add_linear(q, -a.quant.zp, -b.quant.zp, y.quant.zp, lo, hi) if "dsp" in ctx.kernel_variants else None
            if lin is not None:   # the DSP struct's linear-pass fields (the portable struct has none)
                fields.update(fast=3, lin_a=lin.a, lin_b=lin.b, lin_c=lin.c, lin_k=lin.k, lin_pre=lin.pre)
            else:
                smlaw = add_smlaw_exact(q, -a.quant.zp, -b.quant.zp, y.quant.zp, lo, hi)
                fields.update(fast=2 if smlaw else int(add_fast(q)))
            p = ctx.params("mf_add_params_t", fields)
            return f"mf_add_s8(&{p}, {ctx.ptr(a)}, {ctx.ptr(b)}, {ctx.ptr(y)});"
        out_shape = (1,) * (MAX_RANK - len(y.shape)) + tuple(y.shape)
        fields.update(out_shape=list(out_shape), in1_strides=broadcast_strides(a.shape, y.shape),
                      in2_strides=broadcast_strides(b.shape, y.shape))
        p = ctx.params("mf_add_params_t", fields)
        return f"mf_add_broadcast_s8(&{p}, {ctx.ptr(a)}, {ctx.ptr(b)}, {ctx.ptr(y)});"
