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
  const int32_t *exp_lut;  /* 256 entries: Q0.31 exp for diff = -k at index k (quant.softmax_params) */
} mf_softmax_params_t;

/* Output quantisation is fixed by TFLM: int8 scale 1/256, zero point -128 (mf_softmax_s8);
 * int16 scale 1/65536, zero point -32768 (mf_softmax_s8_s16).
 *
 * exp() of (x - row_max) comes from a 256-entry Q0.31 table built at compile time
 * (gemmlowp exp_on_negative_values of the beta/scale-rescaled difference); the
 * sum (Q12.19), reciprocal (gemmlowp Newton-Raphson) and final scaling are done
 * here with the same integer steps as TFLM.
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

/* Sum of exps of one row, then reciprocal. Returns the Q0.31 scale and sets
 * *exponent for an output of out_bits. */
MF_INLINE int32_t mf_softmax_row_scale(const mf_softmax_params_t *p, const int8_t *row,
                                    int32_t max_in_row, int out_bits, int *exponent) {
  int32_t sum = 0; /* Q12.19 */
  int32_t c;
  int clz;
  int32_t shifted_minus_one;
  for (c = 0; c < p->depth; ++c) {
    const int32_t diff = (int32_t)row[c] - max_in_row;
    if (diff >= p->diff_min) {
      sum = mf_wrap_add32(sum, mf_rdbp(p->exp_lut[-diff], MF_SOFTMAX_ACCUM_BITS));
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
  int32_t r, c;
  for (r = 0; r < p->rows; ++r) {
    const int8_t *row = in + (int32_t)r * p->depth;
    int8_t *orow = out + (int32_t)r * p->depth;
    const int32_t max_in_row = mf_row_max(row, p->depth);
    int exponent;
    const int32_t scale = mf_softmax_row_scale(p, row, max_in_row, 8, &exponent);
    for (c = 0; c < p->depth; ++c) {
      const int32_t diff = (int32_t)row[c] - max_in_row;
      if (diff >= p->diff_min) {
        const int32_t u = mf_rdbp(mf_srdhm(scale, p->exp_lut[-diff]), exponent);
        orow[c] = mf_sat_s8(u - 128);
      } else {
        orow[c] = -128;
      }
    }
  }
}

MF_KERNEL void mf_softmax_s8_s16(const mf_softmax_params_t *p, const int8_t *in, int16_t *out) {
  int32_t r, c;
  for (r = 0; r < p->rows; ++r) {
    const int8_t *row = in + (int32_t)r * p->depth;
    int16_t *orow = out + (int32_t)r * p->depth;
    const int32_t max_in_row = mf_row_max(row, p->depth);
    int exponent;
    const int32_t scale = mf_softmax_row_scale(p, row, max_in_row, 16, &exponent);
    for (c = 0; c < p->depth; ++c) {
      const int32_t diff = (int32_t)row[c] - max_in_row;
      if (diff >= p->diff_min) {
        const int32_t u = mf_rdbp(mf_srdhm(scale, p->exp_lut[-diff]), exponent);
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
