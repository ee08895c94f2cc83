/* mf_common.h - integer helpers shared by microforge kernels (C99).
 *
 * Bit-exact with TFLM's reference kernels built WITHOUT TFLITE_SINGLE_ROUNDING
 * (gemmlowp double rounding). See docs/tflm_semantics.md.
 * No float/double anywhere. Assumes two's-complement int32 and arithmetic
 * right shift of negative values (true for gcc/clang/armcc on Arm and x86).
 */
#ifndef MF_COMMON_H
#define MF_COMMON_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- kernel linkage -------------------------------------------------
 * Kernels are header-only and inlined at every call site: model.c passes each layer a
 * `static const` parameter struct, so the compiler sees every shape, stride and zero point
 * as a constant and specialises the loop nest for that layer (model-specific code). */
#if defined(__GNUC__) || defined(__clang__)
#define MF_KERNEL static inline __attribute__((always_inline))
#else
#define MF_KERNEL static inline
#endif
#define MF_INLINE static inline

/* ---- layer markers --------------------------------------------------- */
#ifdef MF_PROFILE
void mf_layer_begin(int i);
void mf_layer_end(int i);
#define MF_LAYER_BEGIN(i) mf_layer_begin(i)
#define MF_LAYER_END(i) mf_layer_end(i)
#else
#define MF_LAYER_BEGIN(i) ((void)0)
#define MF_LAYER_END(i) ((void)0)
#endif

#define MF_INT32_MIN ((int32_t)(-2147483647 - 1))
#define MF_INT32_MAX ((int32_t)2147483647)

/* ---- wrapping int32 arithmetic (defined behaviour via uint32) -------- */
static inline int32_t mf_wrap_add32(int32_t a, int32_t b) {
  return (int32_t)((uint32_t)a + (uint32_t)b);
}
static inline int32_t mf_wrap_sub32(int32_t a, int32_t b) {
  return (int32_t)((uint32_t)a - (uint32_t)b);
}
/* a * 2^n with int32 wrap-around, 0 <= n <= 31 (TFLM: x * (1 << n)). */
static inline int32_t mf_wrap_shl32(int32_t a, int n) {
  return (int32_t)((uint32_t)a << n);
}

/* ---- clamps ---------------------------------------------------------- */
static inline int32_t mf_clamp_i32(int32_t v, int32_t lo, int32_t hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}
static inline int8_t mf_sat_s8(int32_t v) {
  return (int8_t)mf_clamp_i32(v, -128, 127);
}
static inline int16_t mf_sat_s16(int32_t v) {
  return (int16_t)mf_clamp_i32(v, -32768, 32767);
}
static inline int32_t mf_max_i32(int32_t a, int32_t b) { return a > b ? a : b; }
static inline int32_t mf_min_i32(int32_t a, int32_t b) { return a < b ? a : b; }

/* Count leading zeros of a uint32 (32 for 0). */
static inline int mf_clz32(uint32_t x) {
#if defined(__GNUC__) || defined(__clang__)
  return x ? __builtin_clz(x) : 32;
#else
  int n = 0;
  if (!x) return 32;
  while (!(x & 0x80000000u)) { x <<= 1; ++n; }
  return n;
#endif
}

/* ---- gemmlowp fixed-point primitives --------------------------------- */

/* 1 where the ARMv6-M assembly loops that keep accumulators in r8-r12 (constraint "h") can be used: GCC takes
 * the high registers away from Thumb-1 code optimised for size (-Os), so there the kernels use their C forms. */
#if defined(__ARM_ARCH_6M__) && !defined(__OPTIMIZE_SIZE__)
#define MF_M0_HI_ASM 1
#else
#define MF_M0_HI_ASM 0
#endif

/* 1 when an output whose rescaled value is negative ends at act_min whatever its rounding: act_min >= out_offset
 * (ReLU, ReLU6 and the like). TFLM rounds v = SRDHM(acc, m) by RoundingDivideByPowerOfTwo, half away from zero; for
 * v < 0 that result and the plain floor((v + 2^(e-1)) / 2^e) are both <= 0, so both outputs are <= out_offset <=
 * act_min and clamp to act_min. The DSP kernels then drop the negative-value correction (v - (v < 0)): one
 * instruction per output. */
#define MF_NEG_CLAMPED(act_min, out_offset) ((act_min) >= (out_offset))

/* mf_srdhm for 0 <= b < 2^31 (so never its saturating case), from 32-bit multiplies only: ARMv6-M has no
 * 32x32->64 multiply (an int64 product calls __aeabi_lmul). With a = ah*2^16 + al, b = bh*2^16 + bl (al, bl
 * the unsigned low halves): a*b + 2^30 = (hh + hl>>16 + lh>>16) * 2^32 + t * 2^16 + (ll & 0xFFFF), where
 * hh = ah*bh, hl = ah*bl, lh = al*bh, ll = al*bl (none overflows) and t = ll>>16 + (hl & 0xFFFF) +
 * (lh & 0xFFFF) + 2^14 < 2^18; the floor of the quotient by 2^31 is 2*(hh + hl>>16 + lh>>16) + t>>15
 * (mod 2^32, and the result fits int32). Exact for every int32 a. */
MF_KERNEL int32_t mf_srdhm_pos(int32_t a, int32_t b) {
#if defined(__ARM_ARCH_6M__)
  /* the same arithmetic in 22 instructions: GCC's allocation of the two-operand MULS spills */
  int32_t ah, t, bh;
  __asm__(".syntax unified\n\t"
          "asrs %[ah], %[a], #16\n\t" "uxth %[a], %[a]\n\t" "lsrs %[bh], %[b], #16\n\t" "uxth %[b], %[b]\n\t"
          "mov %[t], %[a]\n\t" "muls %[t], %[b], %[t]\n\t" "muls %[a], %[bh], %[a]\n\t"
          "muls %[b], %[ah], %[b]\n\t" "muls %[ah], %[bh], %[ah]\n\t"
          "lsrs %[t], %[t], #16\n\t" "uxth %[bh], %[a]\n\t" "adds %[t], %[t], %[bh]\n\t"
          "uxth %[bh], %[b]\n\t" "adds %[t], %[t], %[bh]\n\t" "add %[t], %[k]\n\t"
          "lsrs %[a], %[a], #16\n\t" "asrs %[b], %[b], #16\n\t" "adds %[ah], %[ah], %[a]\n\t"
          "adds %[ah], %[ah], %[b]\n\t" "lsls %[ah], %[ah], #1\n\t" "lsrs %[t], %[t], #15\n\t"
          "adds %[ah], %[ah], %[t]\n\t.syntax divided"
          : [ah] "=&l"(ah), [t] "=&l"(t), [bh] "=&l"(bh), [a] "+l"(a), [b] "+l"(b)
          : [k] "r"(1 << 14) : "cc");
  return ah;
#else
  const int32_t ah = a >> 16, bh = b >> 16;
  const uint32_t al = (uint32_t)a & 0xFFFFu, bl = (uint32_t)b & 0xFFFFu;
  const int32_t hl = ah * (int32_t)bl;
  const uint32_t lh = al * (uint32_t)bh, ll = al * bl;
  const uint32_t t = (ll >> 16) + ((uint32_t)hl & 0xFFFFu) + (lh & 0xFFFFu) + (1u << 14);
  const uint32_t hi = (uint32_t)(ah * bh) + (uint32_t)(hl >> 16) + (lh >> 16);
  return (int32_t)((hi << 1) + (t >> 15));
#endif
}

/* SaturatingRoundingDoublingHighMul (ARM VQRDMULH / SQRDMULH):
 * floor(a*b / 2^31 + 1/2), i.e. ties toward +infinity (the C code adds
 * 1 - 2^30 for negative products and divides truncating toward zero);
 * INT32_MIN*INT32_MIN -> INT32_MAX. */
static inline int32_t mf_srdhm(int32_t a, int32_t b) {
  int64_t ab, v;
#if defined(__ARM_ARCH_6M__)
  if (b >= 0) return mf_srdhm_pos(a, b);  /* every QuantizeMultiplier mantissa: no __aeabi_lmul call */
#endif
  if (a == MF_INT32_MIN && b == MF_INT32_MIN) return MF_INT32_MAX;
  ab = (int64_t)a * (int64_t)b;
  v = ab + (ab >= 0 ? ((int64_t)1 << 30) : (1 - ((int64_t)1 << 30)));
  /* C division by 2^31 truncates toward zero. */
  return (int32_t)(v >= 0 ? (v >> 31) : -((-v) >> 31));
}

/* Requantisation with folded rounding (ops/_requant.py rq_e_table): for |acc| < 2^30, e = -shift in 1..22
 * and rnd = 2^(e-1) + zp * 2^e, mf_mbqm(acc, m, -e) + zp = (v - (v < 0) + rnd) >> e with v = SRDHM(acc, m)
 * (RDBP's nested floors by powers of two collapse; the sum stays inside int32). */
MF_KERNEL int32_t mf_rq_e(int32_t acc, int32_t m, int32_t e, int32_t rnd, int32_t lo, int32_t hi) {
  const int32_t v = mf_srdhm_pos(acc, m);
  return mf_clamp_i32((v + (v >> 31) + rnd) >> e, lo, hi);
}

/* Narrow requantisation: accumulators |a| < 2^20 (ops/_requant.py rq_narrow), m in [0, 2^31), from three 32-bit
 * products instead of mf_srdhm_pos's four. With m = m2*2^20 + m1*2^10 + m0 (m0, m1 < 2^10, m2 < 2^11), nested
 * floors by powers of two collapse: T1 = floor(a*m / 2^30) = floor((a*m2 + floor((a*m1 + floor(a*m0 / 2^10))
 * / 2^10)) / 2^10). Every partial sum stays inside int32: |a*m0|, |a*m1| < 2^30, the inner floors are below
 * 2^20 + 2^10 in magnitude, and |a*m2| <= (2^20 - 1)(2^11 - 1) = 2^31 - 2^20 - 2^11 + 1 leaves room for them
 * (tests/unit/test_m0_layouts.py checks every bound). SRDHM(a, m) = v = floor((T1 + 1) / 2), and mf_rq_e's
 * (v - (v<0) + rnd) >> e with rnd = 2^(e-1) + zp*2^e is, floors nesting again, ((((T1 + 2s + 1) >> e) + 1) >> 1) + zp
 * with s = -(T1 + 1 < 0): no per-channel rounding constant (ops/_requant.py rq_narrow_table stores bias, m, e).
 * Where negative values clamp to act_min (MF_NEG_CLAMPED) s is dropped: v < 0 gives (v + rnd) >> e <= zp <= act_min
 * as the exact value does. */
static inline int32_t mf_rq_t1(int32_t a, int32_t m) {
  int32_t t = (a * (m & 0x3FF)) >> 10;
  t = (a * ((m >> 10) & 0x3FF) + t) >> 10;
  return (a * (m >> 20) + t) >> 10;
}

static inline int32_t mf_rq_e_n(int32_t acc, int32_t m, int32_t e, int32_t zp, int32_t lo, int32_t hi) {
  const int32_t t1 = mf_rq_t1(acc, m) + 1;
  return mf_clamp_i32(((((t1 + 2 * (t1 >> 31)) >> e) + 1) >> 1) + zp, lo, hi);
}

#if MF_M0_HI_ASM
/* One output of mf_rq_e_n inside an assembly block that requantises several: the accumulator at [ap + A],
 * m and e at [rq + M], [rq + E], the byte to [op + O]; lo, hi, zp in high registers. One block for a group of
 * outputs keeps GCC from allocating around each of them (it spilled the kernels' pointers).
 * MF_M0_RQNZ: the same without s (MF_NEG_CLAMPED layers). */
#define MF_M0_RQN_T1(A, M) \
    "ldr %[a], [%[ap], #" #A "]\n\t" "ldr %[b], [%[rq], #" #M "]\n\t" \
    "lsls %[t], %[b], #22\n\t" "lsrs %[t], %[t], #22\n\t" "muls %[t], %[a], %[t]\n\t" "asrs %[t], %[t], #10\n\t" \
    "lsls %[u], %[b], #12\n\t" "lsrs %[u], %[u], #22\n\t" "muls %[u], %[a], %[u]\n\t" "adds %[t], %[t], %[u]\n\t" \
    "asrs %[t], %[t], #10\n\t" "lsrs %[b], %[b], #20\n\t" "muls %[b], %[a], %[b]\n\t" "adds %[t], %[t], %[b]\n\t" \
    "asrs %[t], %[t], #10\n\t" "adds %[t], #1\n\t"
#define MF_M0_RQN_OUT(E, O) \
    "ldr %[u], [%[rq], #" #E "]\n\t" "asrs %[t], %[u]\n\t" "adds %[t], #1\n\t" "asrs %[t], %[t], #1\n\t" \
    "add %[t], %[zp]\n\t" "cmp %[t], %[hi]\n\t" "ble 1f\n\t" "mov %[t], %[hi]\n" "1:\n\t" \
    "cmp %[t], %[lo]\n\t" "bge 2f\n\t" "mov %[t], %[lo]\n" "2:\n\t" "strb %[t], [%[op], #" #O "]\n\t"
#define MF_M0_RQN(A, M, E, O) MF_M0_RQN_T1(A, M) \
    "asrs %[u], %[t], #31\n\t" "lsls %[u], %[u], #1\n\t" "adds %[t], %[t], %[u]\n\t" MF_M0_RQN_OUT(E, O)
#define MF_M0_RQNZ(A, M, E, O) MF_M0_RQN_T1(A, M) MF_M0_RQN_OUT(E, O)
/* the operands MF_M0_RQN names (after the block's own: ap, rq, op inputs) */
#define MF_M0_RQN_ASM(BODY, AP, RQ, OP, LO, HI, ZP) do { int32_t _a, _b, _t, _u; \
    __asm__ volatile(".syntax unified\n\t" BODY ".syntax divided" \
        : [a] "=&l"(_a), [b] "=&l"(_b), [t] "=&l"(_t), [u] "=&l"(_u) \
        : [ap] "l"(AP), [rq] "l"(RQ), [op] "l"(OP), [lo] "h"(LO), [hi] "h"(HI), [zp] "h"(ZP) : "cc", "memory"); } while (0)
/* the kernels' blocks: BODY(F) is their sequence of outputs with F the form */
#define MF_M0_RQN_BLOCK(BODY, AP, RQ, OP, LO, HI, ZP) do { \
    if (MF_NEG_CLAMPED(LO, ZP)) MF_M0_RQN_ASM(BODY(MF_M0_RQNZ), AP, RQ, OP, LO, HI, ZP); \
    else MF_M0_RQN_ASM(BODY(MF_M0_RQN), AP, RQ, OP, LO, HI, ZP); } while (0)
#endif

/* RoundingDivideByPOT: x / 2^e rounded to nearest, ties away from zero.
 * 0 <= e <= 31. */
static inline int32_t mf_rdbp(int32_t x, int e) {
  const int32_t mask = (int32_t)((1u << e) - 1u);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> e) + (remainder > threshold ? 1 : 0);
}

/* SaturatingRoundingMultiplyByPOT<+n> (1 <= n <= 30): saturating x * 2^n. */
static inline int32_t mf_sat_shl(int32_t x, int n) {
  const int32_t threshold = (int32_t)((1u << (31 - n)) - 1u);
  if (x > threshold) return MF_INT32_MAX;
  if (x < -threshold) return MF_INT32_MIN;
  return mf_wrap_shl32(x, n);
}

/* ---- TFLM MultiplyByQuantizedMultiplier (double rounding) ------------ */
/* x * m * 2^(shift-31); m in [0, 2^31), -31 <= shift <= 31. */
static inline int32_t mf_mbqm(int32_t x, int32_t m, int shift) {
  const int left = shift > 0 ? shift : 0;
  const int right = shift > 0 ? 0 : -shift;
  return mf_rdbp(mf_srdhm(mf_wrap_shl32(x, left), m), right);
}

/* Same value as mf_mbqm for m >= 0 (every QuantizeMultiplier mantissa): for a*m >= 0 the reference adds 2^30 and
 * truncates, for a*m < 0 it adds 1-2^30 and truncates toward zero, which is floor((a*m + 2^30) / 2^31) in both
 * cases; so one 64-bit multiply-add and arithmetic shift, no branches on the sign. */
static inline int32_t mf_mbqm_fast(int32_t x, int32_t m, int shift) {
  const int left = shift > 0 ? shift : 0;
  const int right = shift > 0 ? 0 : -shift;
  const int32_t a = mf_wrap_shl32(x, left);
  int32_t r;
  if (a == MF_INT32_MIN && m == MF_INT32_MIN) r = MF_INT32_MAX;
  else {
#if defined(__ARM_ARCH_6M__)
    /* ARMv6-M has no 32x32->64 multiply (the int64 product calls __aeabi_lmul) */
    r = mf_srdhm_pos(a, m);
#else
    r = (int32_t)(((int64_t)a * (int64_t)m + ((int64_t)1 << 30)) >> 31);
#endif
  }
  return mf_rdbp(r, right);
}

/* MultiplyByQuantizedMultiplierSmallerThanOneExp: shift <= 0. */
static inline int32_t mf_mbqm_lt1(int32_t x, int32_t m, int shift) {
  return mf_rdbp(mf_srdhm(x, m), -shift);
}

/* MultiplyByQuantizedMultiplierGreaterThanOne: shift >= 0. */
static inline int32_t mf_mbqm_gt1(int32_t x, int32_t m, int shift) {
  return mf_srdhm(mf_wrap_shl32(x, shift), m);
}

/* ---- TFLM MultiplyByQuantizedMultiplier(int64 x): the 16x8 kernels' int64 accumulators -------- */
/* The multiplier is first rounded to 16 bits, then one rounding shift: x * round(m / 2^16) * 2^(shift-15),
 * rounded half up; -31 <= shift <= 7, |x| < 2^47 (TFLM's preconditions). */
static inline int32_t mf_mbqm64(int64_t x, int32_t m, int shift) {
  const int64_t rm = m < 0x7FFF0000 ? (m + (1 << 15)) >> 16 : 0x7FFF;
  const int total = 15 - shift;
  return (int32_t)((x * rm + ((int64_t)1 << (total - 1))) >> total);
}

/* 16x8 requantisation: TFLM picks the arithmetic by the bias type (int64: the 16-bit multiplier above;
 * int32: an int32 accumulator, wrapping, and the ordinary double rounding). */
static inline int16_t mf_requant_s16(int64_t acc, int32_t m, int shift, int bias64, int32_t lo, int32_t hi) {
  const int32_t r = bias64 ? mf_mbqm64(acc, m, shift) : mf_mbqm((int32_t)(uint32_t)(uint64_t)acc, m, shift);
  return (int16_t)mf_clamp_i32(r, lo, hi);
}

#ifdef __cplusplus
}
#endif

#endif /* MF_COMMON_H */
