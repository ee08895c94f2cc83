/* mf_softmax.h - int8-input SOFTMAX, bit-exact with TFLM reference_ops::Softmax. */
#ifndef MF_SOFTMAX_H
#define MF_SOFTMAX_H

#include <stdint.h>
#include "mf_common.h"
#include "mf_softmax_exp.h"   /* the params, exp and reciprocal (shared with the DSP kernel, runtime/dsp) */

#ifdef __cplusplus
extern "C" {
#endif

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
