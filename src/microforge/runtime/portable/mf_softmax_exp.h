/* mf_softmax_exp.h - SOFTMAX's parameters and integer math, bit-exact with TFLM reference_ops::Softmax: the row max,
 * gemmlowp's exp on negative values and 1 / (1 + x). Shared by the portable kernel (runtime/portable/mf_softmax.h)
 * and the DSP one (runtime/dsp/mf_softmax.h). */
#ifndef MF_SOFTMAX_EXP_H
#define MF_SOFTMAX_EXP_H

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

MF_INLINE int32_t mf_row_max(const int8_t *row, int32_t depth) {
  int32_t m = -128;
  int32_t c;
  for (c = 0; c < depth; ++c) {
    if (row[c] > m) m = row[c];
  }
  return m;
}

#ifdef __cplusplus
}
#endif

#endif /* MF_SOFTMAX_EXP_H */
