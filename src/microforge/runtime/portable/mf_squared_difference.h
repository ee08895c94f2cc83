/* mf_squared_difference: int8 / int16 (a - b)^2 (broadcasting): inputs rescaled to a common scale, squared, requantised. */
#ifndef MF_SQUARED_DIFFERENCE_H
#define MF_SQUARED_DIFFERENCE_H
#include <stdint.h>
#include "mf_common.h"
#include "mf_broadcast.h"

typedef struct {
    int32_t in1_offset, in2_offset, left_shift;
    int32_t in1_mult, in1_shift, in2_mult, in2_shift, out_mult, out_shift, out_offset;
    int32_t out_shape[5], in1_strides[5], in2_strides[5];
} mf_squared_difference_params_t;

/* One definition per element type (TFLM's template): int8 uses left_shift 7, int16 left_shift 0; the scaled
 * inputs are at most half the larger input scale's range, so the int16 square stays below 2^30. */
#define MF__SQDIFF_DEFINE(SFX, T, SAT)                                                                        \
MF_KERNEL void mf_squared_difference_##SFX(const mf_squared_difference_params_t *p, const T *a, const T *b,  \
                                           T *out)                                                            \
{                                                                                                             \
    MF_BROADCAST_5D(p->out_shape, p->in1_strides, p->in2_strides, {                                           \
        const int32_t sa = mf_mbqm_lt1(mf_wrap_shl32(a[ia] + p->in1_offset, p->left_shift), p->in1_mult, p->in1_shift); \
        const int32_t sb = mf_mbqm_lt1(mf_wrap_shl32(b[ib] + p->in2_offset, p->left_shift), p->in2_mult, p->in2_shift); \
        const int32_t d = sa - sb;                                                                            \
        const int32_t r = mf_mbqm(d * d, p->out_mult, p->out_shift) + p->out_offset;                          \
        *out++ = SAT(r);                                                                                      \
    })                                                                                                        \
}

MF__SQDIFF_DEFINE(s8, int8_t, mf_sat_s8)
MF__SQDIFF_DEFINE(s16, int16_t, mf_sat_s16)

#endif
