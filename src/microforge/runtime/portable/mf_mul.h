/* mf_mul: int8 elementwise multiplication (broadcasting): (a - za)(b - zb) requantised once. */
#ifndef MF_MUL_H
#define MF_MUL_H
#include <stdint.h>
#include "mf_common.h"
#include "mf_broadcast.h"

typedef struct {
    int32_t in1_offset, in2_offset, out_offset, mult, shift, act_min, act_max;
    int32_t out_shape[5], in1_strides[5], in2_strides[5];
} mf_mul_params_t;

MF_KERNEL void mf_mul_s8(const mf_mul_params_t *p, const int8_t *a, const int8_t *b, int8_t *out)
{
    MF_BROADCAST_5D(p->out_shape, p->in1_strides, p->in2_strides, {
        const int32_t prod = (a[ia] + p->in1_offset) * (b[ib] + p->in2_offset);
        const int32_t r = p->out_offset + mf_mbqm(prod, p->mult, p->shift);
        *out++ = (int8_t)mf_clamp_i32(r, p->act_min, p->act_max);
    })
}

#endif
