/* mf_softmax (DSP: Cortex-M4/M7/M33): int8-input SOFTMAX, bit-exact with TFLM reference_ops::Softmax. Same params,
 * exps and reciprocal as runtime/portable/mf_softmax.h (mf_softmax_exp.h) and the same signatures; three steps cheaper:
 * - the row max 4 bytes a word (SSUB8/SEL), and each word's 4 differences to it in one USUB8 (mf_softmax_nd4);
 * - the sum's RDBP(e, 12) as one add and shift: every exp e is >= 0 (a Q0.31 exp of a value <= 0), so ties away from
 *   zero round up: (e + 2^11) >> 12, unsigned (e may be INT32_MAX);
 * - each output's RDBP(SRDHM(scale, e), x) with scale, e >= 0 and x >= 1 in one SMLAL and one shift: SRDHM is
 *   floor((scale * e + 2^30) / 2^31) (no saturation case: both >= 0) and RDBP by x, a non-negative value, adds 2^(x-1)
 *   and floors by 2^x; the floors nest, so u = floor((scale * e + 2^30 + 2^(30+x)) / 2^(31+x)): the high word of
 *   scale * e plus that 64-bit constant (mf_softmax_out), shifted right by x - 1. x = 0 (a sum that wrapped to below
 *   2^5, int16 output: rows of 2^13 or more, MF_SOFTMAX_WRAP_DEPTH) keeps the portable step.
 */
#ifndef MF_SOFTMAX_H
#define MF_SOFTMAX_H

#include <stdint.h>
#include <string.h>
#include <arm_acle.h>
#include "mf_common.h"
#include "mf_softmax_exp.h"

/* exp of diff = -nd (nd = row max - x >= 0: the table's index without a negation) from the layer's table if it has one,
 * else computed */
MF_KERNEL int32_t mf_softmax_exp_of(const mf_softmax_params_t *p, int32_t nd) {
  return p->exp_lut ? p->exp_lut[nd] : mf_softmax_exp(-nd, p->in_mult, p->in_shift);
}

/* Rows up to this wide keep their exps from the sum pass for the output pass (64 bytes of stack); wider rows
 * compute each exp twice (ops/softmax.py SOFTMAX_CACHE, as the portable kernel). */
#define MF_SOFTMAX_CACHE 16

/* The row's maximum: a packed running maximum of 4 bytes (SSUB8 sets GE per byte, SEL keeps the larger), then its
 * bytes and the tail. */
MF_INLINE int32_t mf_softmax_row_max4(const int8_t *row, int32_t depth) {
  uint32_t m = 0x80808080u;
  int32_t c = 0, r;
  for (; c + 4 <= depth; c += 4) {
    uint32_t v, d;
    memcpy(&v, row + c, 4);
    __asm__("ssub8 %1, %0, %2\n\tsel %0, %0, %2" : "+r"(v), "=&r"(d) : "r"(m) : "cc");
    m = v;
  }
  r = mf_max_i32(mf_max_i32((int8_t)m, (int8_t)(m >> 8)), mf_max_i32((int8_t)(m >> 16), (int8_t)(m >> 24)));
  for (; c < depth; ++c) r = row[c] > r ? row[c] : r;
  return r;
}

/* The row's nd = max - x of 4 inputs a word: bytewise max - x mod 256 (USUB8) is nd itself (0 <= nd <= 255). */
MF_INLINE uint32_t mf_softmax_nd4(const int8_t *x, uint32_t maxw) {
  uint32_t w;
  memcpy(&w, x, 4);
  return __usub8(maxw, w);
}

/* Sum of exps of one row (kept in cache[c] unless cache is 0), then reciprocal. Returns the Q0.31 scale
 * and sets *exponent for an output of out_bits. Four inputs a pass (mf_softmax_nd4), then the tail. */
MF_INLINE int32_t mf_softmax_row_scale(const mf_softmax_params_t *p, const int8_t *row,
                                    int32_t max_in_row, int out_bits, int *exponent, int32_t *cache) {
  uint32_t sum = 0; /* Q12.19, wrapping as TFLM's */
  const uint32_t maxw = (uint8_t)max_in_row * 0x01010101u;
  int32_t c = 0, j;
  int clz;
#define MF_SOFTMAX_SUM(ND, C) do { const int32_t nd_ = (ND);                                                      \
    if (nd_ <= -p->diff_min) {                                                                                    \
      const int32_t e = mf_softmax_exp_of(p, nd_);                                                                \
      if (cache) cache[C] = e;                                                                                    \
      sum += ((uint32_t)e + (1u << (MF_SOFTMAX_ACCUM_BITS - 1))) >> MF_SOFTMAX_ACCUM_BITS;                          \
    } } while (0)
  if (p->exp_lut)   /* exps computed in the kernel (no table) take the plain loop: 5 copies of the exp cost code */
    for (; c + 4 <= p->depth; c += 4) {
      const uint32_t nd4 = mf_softmax_nd4(row + c, maxw);
#pragma GCC unroll 4
      for (j = 0; j < 4; ++j) MF_SOFTMAX_SUM((nd4 >> (8 * j)) & 0xff, c + j);
    }
  for (; c < p->depth; ++c) MF_SOFTMAX_SUM(max_in_row - (int32_t)row[c], c);
#undef MF_SOFTMAX_SUM
  clz = mf_clz32(sum);
  *exponent = (MF_SOFTMAX_ACCUM_BITS - clz) + 31 - out_bits;
  /* TFLM aborts (TFLITE_CHECK) outside [0, 31]; saturate instead of UB. */
  if (*exponent < 0) *exponent = 0;
  if (*exponent > 31) *exponent = 31;
  return mf_one_over_one_plus_x((int32_t)((sum << clz) - 0x80000000u));
}

/* RDBP(SRDHM(scale, e), x) for scale, e >= 0, x >= 1: the high word of scale * e + 2^30 + 2^(30+x) (one SMLAL onto
 * the constant's words klo, khi, mf_softmax_out's caller), shifted right by x - 1. In C, GCC multiplied 64 by 64 bits. */
MF_INLINE int32_t mf_softmax_out(uint32_t klo, int32_t khi, int32_t scale, int32_t e, int x) {
  __asm__("smlal %0, %1, %2, %3" : "+r"(klo), "+r"(khi) : "r"(scale), "r"(e));
  return khi >> (x - 1);
}

/* Rows shorter than this cannot make x = 0: the row max's exp alone adds 2^19 to the Q12.19 sum (its diff is 0, exp
 * INT32_MAX), so the sum stays in [2^19, 2^32) unless 2^13 exps wrap it, clz(sum) <= 12 and x >= 15. The constant
 * depth drops the portable step from every other layer. */
#define MF_SOFTMAX_WRAP_DEPTH (1 << (32 - 19))

/* One output kernel per output type: T, the zero point Z (TFLM's fixed -128 or -32768) and the saturation bits */
#define MF__SOFTMAX_DEFINE(NAME, T, BITS, Z)                                                                      \
MF_KERNEL void NAME(const mf_softmax_params_t *p, const int8_t *in, T *out) {                                    \
  int32_t r, c, j, cache[MF_SOFTMAX_CACHE];                                                                       \
  int32_t *const kept = p->depth <= MF_SOFTMAX_CACHE ? cache : 0;                                                 \
  for (r = 0; r < p->rows; ++r) {                                                                                 \
    const int8_t *row = in + (int32_t)r * p->depth;                                                               \
    T *orow = out + (int32_t)r * p->depth;                                                                        \
    const int32_t max_in_row = mf_softmax_row_max4(row, p->depth);                                                \
    const uint32_t maxw = (uint8_t)max_in_row * 0x01010101u;                                                      \
    int exponent;                                                                                                 \
    const int32_t scale = mf_softmax_row_scale(p, row, max_in_row, BITS, &exponent, kept);                       \
    const int64_t k = ((int64_t)1 << 30) + ((int64_t)1 << (30 + exponent));  /* mf_softmax_out's constant */     \
    const uint32_t klo = (uint32_t)k;                                                                             \
    const int32_t khi = (int32_t)(k >> 32);                                                                       \
    c = 0;                                                                                                        \
    if (p->depth >= MF_SOFTMAX_WRAP_DEPTH && exponent == 0) {   /* the portable step */                          \
      for (; c < p->depth; ++c) {                                                                                 \
        const int32_t nd = max_in_row - (int32_t)row[c];                                                          \
        orow[c] = (T)(nd <= -p->diff_min ? __ssat(mf_rdbp(mf_srdhm(scale, kept ? kept[c] : mf_softmax_exp_of(p, nd)), \
                                                          0) + (Z), BITS) : (Z));                                \
      }                                                                                                           \
      continue;                                                                                                   \
    }                                                                                                             \
    if (p->exp_lut || kept)   /* as in mf_softmax_row_scale: not where every exp is computed here */           \
    for (; c + 4 <= p->depth; c += 4) {                                                                           \
      const uint32_t nd4 = mf_softmax_nd4(row + c, maxw);                                                         \
      _Pragma("GCC unroll 4")                                                                                     \
      for (j = 0; j < 4; ++j) MF__SOFTMAX_OUT((nd4 >> (8 * j)) & 0xff, c + j, T, BITS, Z);                        \
    }                                                                                                             \
    for (; c < p->depth; ++c) MF__SOFTMAX_OUT(max_in_row - (int32_t)row[c], c, T, BITS, Z);                     \
  }                                                                                                               \
}
/* One output from nd (inside MF__SOFTMAX_DEFINE's kernel) */
#define MF__SOFTMAX_OUT(ND, C, T, BITS, Z) do { const int32_t nd_ = (ND);                                          \
    orow[C] = (T)(nd_ <= -p->diff_min                                                                             \
                  ? __ssat(mf_softmax_out(klo, khi, scale, kept ? kept[C] : mf_softmax_exp_of(p, nd_), exponent) + (Z), BITS) \
                  : (Z)); } while (0)

MF__SOFTMAX_DEFINE(mf_softmax_s8, int8_t, 8, -128)
MF__SOFTMAX_DEFINE(mf_softmax_s8_s16, int16_t, 16, -32768)
#undef MF__SOFTMAX_OUT
#undef MF__SOFTMAX_DEFINE

#endif /* MF_SOFTMAX_H */
