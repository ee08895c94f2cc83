/* mf_add: int8 elementwise addition with TFLM's rescale-to-common-scale arithmetic. */
#ifndef MF_ADD_H
#define MF_ADD_H
#include <stdint.h>
#include "mf_common.h"

typedef struct {
    int32_t size;                                 /* output elements */
    int32_t in1_offset, in2_offset, left_shift;
    int32_t in1_mult, in1_shift, in2_mult, in2_shift, out_mult, out_shift;
    int32_t out_offset, act_min, act_max;
    int32_t out_shape[5], in1_strides[5], in2_strides[5];  /* broadcast only */
    int32_t fast;                                 /* DSP kernel only (its 4-element asm pass) */
} mf_add_params_t;

/* Portable int8 add: both inputs are shifted left, scaled to a common scale, summed and requantised. */
MF_INLINE int8_t mf_add_one(const mf_add_params_t *p, int32_t a, int32_t b)
{
    const int32_t sa = mf_mbqm((a + p->in1_offset) * (1 << p->left_shift), p->in1_mult, p->in1_shift);
    const int32_t sb = mf_mbqm((b + p->in2_offset) * (1 << p->left_shift), p->in2_mult, p->in2_shift);
    const int32_t r = mf_mbqm(sa + sb, p->out_mult, p->out_shift) + p->out_offset;
    return (int8_t)mf_clamp_i32(r, p->act_min, p->act_max);
}

MF_KERNEL void mf_add_s8(const mf_add_params_t *p, const int8_t *a, const int8_t *b, int8_t *out)
{
    for (int32_t i = 0; i < p->size; ++i) out[i] = mf_add_one(p, a[i], b[i]);
}

MF_KERNEL void mf_add_broadcast_s8(const mf_add_params_t *p, const int8_t *a, const int8_t *b, int8_t *out)
{
    const int32_t *s = p->out_shape, *sa = p->in1_strides, *sb = p->in2_strides;
    for (int32_t i0 = 0; i0 < s[0]; ++i0)
        for (int32_t i1 = 0; i1 < s[1]; ++i1)
            for (int32_t i2 = 0; i2 < s[2]; ++i2)
                for (int32_t i3 = 0; i3 < s[3]; ++i3) {
                    const int32_t ia = i0 * sa[0] + i1 * sa[1] + i2 * sa[2] + i3 * sa[3];
                    const int32_t ib = i0 * sb[0] + i1 * sb[1] + i2 * sb[2] + i3 * sb[3];
                    for (int32_t i4 = 0; i4 < s[4]; ++i4)
                        *out++ = mf_add_one(p, a[ia + i4 * sa[4]], b[ib + i4 * sb[4]]);
                }
}

#endif
