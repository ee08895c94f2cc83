/* mf_sub: int8 elementwise subtraction (broadcasting) with TFLM's rescale-to-common-scale arithmetic. */
#ifndef MF_SUB_H
#define MF_SUB_H
#include <stdint.h>
#include "mf_common.h"
#include "mf_broadcast.h"

typedef struct {
    int32_t in1_offset, in2_offset, left_shift;
    int32_t in1_mult, in1_shift, in2_mult, in2_shift, out_mult, out_shift;
    int32_t out_offset, act_min, act_max;
    int32_t out_shape[5], in1_strides[5], in2_strides[5];
} mf_sub_params_t;

MF_KERNEL void mf_sub_s8(const mf_sub_params_t *p, const int8_t *a, const int8_t *b, int8_t *out)
{
    MF_BROADCAST_5D(p->out_shape, p->in1_strides, p->in2_strides, {
        const int32_t sa = mf_mbqm_lt1(mf_wrap_shl32(a[ia] + p->in1_offset, p->left_shift), p->in1_mult, p->in1_shift);
        const int32_t sb = mf_mbqm_lt1(mf_wrap_shl32(b[ib] + p->in2_offset, p->left_shift), p->in2_mult, p->in2_shift);
        const int32_t r = mf_mbqm_lt1(sa - sb, p->out_mult, p->out_shift) + p->out_offset;
        *out++ = (int8_t)mf_clamp_i32(r, p->act_min, p->act_max);
    })
}

#endif
