/* mf_softmax.h - int8-input SOFTMAX, bit-exact with TFLM reference_ops::Softmax. */
#ifndef MF_SOFTMAX_H
#define MF_SOFTMAX_H

#include <stdint.h>
#include "mf_common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  int32_t rows;            /* product of all dims but the last */
  int32_t depth;           /* last dim */
  int32_t diff_min;        /* inputs with (x - row_max) < diff_min produce the min output */
  int32_t in_mult, in_shift; /* diff -> Q5.26: SRDHM(diff << in_shift, in_mult) (quant.softmax_params) */
  const int32_t *exp_lut;  /* 0, or exp_lut[-diff] for diff_min <= diff <= 0 when the layer would compute
                              more exps per run than the table has entries (ops/softmax.py) */
} mf_softmax_params_t;

/* Output quantisation is fixed by TFLM: int8 scale 1/256, zero point -128 (mf_softmax_s8);
 * int16 scale 1/65536, zero point -32768 (mf_softmax_s8_s16).
 *
 * exp() of (x - row_max) is computed here with gemmlowp's integer steps (mf_softmax_exp: the
 * beta/scale rescaling to Q5.26, then exp_on_negative_values), the same arithmetic TFLM runs to
 * fill its table, so every value is TFLM's table entry without storing up to 1 KiB per layer; only
 * layers that would evaluate more exps per run than the table has entries (1000 classes) store it. The sum
 * (Q12.19), reciprocal (gemmlowp Newton-Raphson) and final scaling are done here with the same
 * integer steps as TFLM.
 */

#define MF_SOFTMAX_ACCUM_BITS 12

/* gemmlowp one_over_one_plus_x_for_x_in_0_1, raw Q0.31 in and out. */
MF_INLINE int32_t mf_one_over_one_plus_x(int32_t a) {
  /* RoundingHalfSum(a, 1.0) */
  const int64_t s = (int64_t)a + (int64_t)MF_INT32_MAX;
  const int64_t s1 = s + (s >= 0 ? 1 : -1);
  const int32_t half_den = (int32_t)(s1 >= 0 ? (s1 >> 1) : -((-s1) >> 1));
  /* x (Q2.29) = 48/17 - 32/17 * half_den */
  int32_t x = mf_wrap_add32(1515870810, mf_srdhm(half_den, -1010580540));
  int i;
  for (i = 0; i < 3; ++i) {
    const int32_t hdx = mf_srdhm(half_den, x);
    const int32_t one_minus = mf_wrap_sub32((int32_t)1 << 29, hdx);
    x = mf_wrap_add32(x, mf_sat_shl(mf_srdhm(x, one_minus), 2));
  }
  return mf_sat_shl(x, 1);
}

/* gemmlowp exp_on_interval_between_negative_one_quarter_and_0_excl: a raw Q0.31 in [-1/4, 0), exp(a) raw
 * Q0.31 by the Taylor polynomial around -1/8 (the constants are exp(-1/8) and 1/3 in Q0.31). */
MF_INLINE int32_t mf_exp_quarter(int32_t a) {
  const int32_t exp_m1_8 = 1895147668, one_third = 715827883;
  const int32_t x = mf_wrap_add32(a, (int32_t)1 << 28);
  const int32_t x2 = mf_srdhm(x, x), x3 = mf_srdhm(x2, x), x4_over_4 = mf_rdbp(mf_srdhm(x2, x2), 2);
  const int32_t t = mf_rdbp(mf_wrap_add32(mf_srdhm(mf_wrap_add32(x4_over_4, x3), one_third), x2), 1);
  return mf_wrap_add32(exp_m1_8, mf_srdhm(exp_m1_8, mf_wrap_add32(x, t)));
}

/* gemmlowp exp_on_negative_values for a raw Q5.26 a <= 0, raw Q0.31 out: exp of a's fraction modulo 1/4
 * (mf_exp_quarter), then one multiply by exp(-2^k) (Q0.31) per set bit k = -2 .. 4 of the whole quarters. */
MF_INLINE int32_t mf_exp_on_negative_q5(int32_t a) {
  static const int32_t exp_pot[7] = {1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242};
  const int32_t one_quarter = (int32_t)1 << 24;
  const int32_t a_mod = (a & (one_quarter - 1)) - one_quarter;   /* [-1/4, 0) */
  const int32_t whole = mf_wrap_sub32(a_mod, a);                  /* a_mod - a: multiples of 1/4, >= 0 */
  int32_t r = mf_exp_quarter(a_mod * 32), k;                      /* Q5.26 -> Q0.31, exact: |a_mod| <= 2^24 */
  for (k = 0; k < 7; ++k)
    if (whole & ((int32_t)1 << (24 + k))) r = mf_srdhm(r, exp_pot[k]);
  return a == 0 ? MF_INT32_MAX : r;
}

/* Q0.31 exp of a row difference diff (diff_min <= diff <= 0), TFLM's table entry for it: diff rescaled by
 * MultiplyByQuantizedMultiplierGreaterThanOne (the shift wraps like TFLM's int32 diff * (1 << shift)). */
MF_INLINE int32_t mf_softmax_exp(int32_t diff, int32_t in_mult, int32_t in_shift) {
  return mf_exp_on_negative_q5(mf_srdhm((int32_t)((uint32_t)diff << in_shift), in_mult));
}

/* exp of diff from the layer's table if it has one, else computed */
MF_KERNEL int32_t mf_softmax_exp_of(const mf_softmax_params_t *p, int32_t diff) {
  return p->exp_lut ? p->exp_lut[-diff] : mf_softmax_exp(diff, p->in_mult, p->in_shift);
}

/* Rows up to this wide keep their exps from the sum pass for the output pass (64 bytes of stack); wider rows
 * compute each exp twice. */
#define MF_SOFTMAX_CACHE 16

/* Sum of exps of one row (kept in cache[c] unless cache is 0), then reciprocal. Returns the Q0.31 scale
 * and sets *exponent for an output of out_bits. */
MF_INLINE int32_t mf_softmax_row_scale(const mf_softmax_params_t *p, const int8_t *row,
                                    int32_t max_in_row, int out_bits, int *exponent, int32_t *cache) {
  int32_t sum = 0; /* Q12.19 */
  int32_t c;
  int clz;
  int32_t shifted_minus_one;
  for (c = 0; c < p->depth; ++c) {
    const int32_t diff = (int32_t)row[c] - max_in_row;
    if (diff >= p->diff_min) {
      const int32_t e = mf_softmax_exp_of(p, diff);
      if (cache) cache[c] = e;
      sum = mf_wrap_add32(sum, mf_rdbp(e, MF_SOFTMAX_ACCUM_BITS));
    }
  }
  clz = mf_clz32((uint32_t)sum);
  shifted_minus_one = (int32_t)(((uint32_t)sum << clz) - 0x80000000u);
  *exponent = (MF_SOFTMAX_ACCUM_BITS - clz) + 31 - out_bits;
  /* TFLM aborts (TFLITE_CHECK) outside [0, 31]; saturate instead of UB. */
  if (*exponent < 0) *exponent = 0;
  if (*exponent > 31) *exponent = 31;
  return mf_one_over_one_plus_x(shifted_minus_one);
}

MF_INLINE int32_t mf_row_max(const int8_t *row, int32_t depth) {
  int32_t m = -128;
  int32_t c;
  for (c = 0; c < depth; ++c) {
    if (row[c] > m) m = row[c];
  }
  return m;
}

MF_KERNEL void mf_softmax_s8(const mf_softmax_params_t *p, const int8_t *in, int8_t *out) {
  int32_t r, c, cache[MF_SOFTMAX_CACHE];
  int32_t *const kept = p->depth <= MF_SOFTMAX_CACHE ? cache : 0;
  for (r = 0; r < p->rows; ++r) {
    const int8_t *row = in + (int32_t)r * p->depth;
    int8_t *orow = out + (int32_t)r * p->depth;
    const int32_t max_in_row = mf_row_max(row, p->depth);
    int exponent;
    const int32_t scale = mf_softmax_row_scale(p, row, max_in_row, 8, &exponent, kept);
    for (c = 0; c < p->depth; ++c) {
      const int32_t diff = (int32_t)row[c] - max_in_row;
      if (diff >= p->diff_min) {
        const int32_t e = kept ? kept[c] : mf_softmax_exp_of(p, diff);
        const int32_t u = mf_rdbp(mf_srdhm(scale, e), exponent);
        orow[c] = mf_sat_s8(u - 128);
      } else {
        orow[c] = -128;
      }
    }
  }
}

MF_KERNEL void mf_softmax_s8_s16(const mf_softmax_params_t *p, const int8_t *in, int16_t *out) {
  int32_t r, c, cache[MF_SOFTMAX_CACHE];
  int32_t *const kept = p->depth <= MF_SOFTMAX_CACHE ? cache : 0;
  for (r = 0; r < p->rows; ++r) {
    const int8_t *row = in + (int32_t)r * p->depth;
    int16_t *orow = out + (int32_t)r * p->depth;
    const int32_t max_in_row = mf_row_max(row, p->depth);
    int exponent;
    const int32_t scale = mf_softmax_row_scale(p, row, max_in_row, 16, &exponent, kept);
    for (c = 0; c < p->depth; ++c) {
      const int32_t diff = (int32_t)row[c] - max_in_row;
      if (diff >= p->diff_min) {
        const int32_t e = kept ? kept[c] : mf_softmax_exp_of(p, diff);
        const int32_t u = mf_rdbp(mf_srdhm(scale, e), exponent);
        orow[c] = mf_sat_s16(u - 32768);
      } else {
        orow[c] = -32768;
      }
    }
  }
}

#ifdef __cplusplus
}
#endif

#endif /* MF_SOFTMAX_H */
