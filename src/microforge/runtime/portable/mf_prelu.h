/* mf_prelu: int8 PRELU (alpha broadcast): x - zx >= 0 scaled by in/out, else (x - zx)(alpha - za) by in*alpha/out. */
#ifndef MF_PRELU_H
#define MF_PRELU_H
#include <stdint.h>
#include "mf_common.h"
#include "mf_broadcast.h"

typedef struct {
    int32_t in_offset, alpha_offset, out_offset, mult_pos, shift_pos, mult_neg, shift_neg;
    int32_t out_shape[5], in1_strides[5], in2_strides[5];
} mf_prelu_params_t;

MF_KERNEL void mf_prelu_s8(const mf_prelu_params_t *p, const int8_t *x, const int8_t *alpha, int8_t *out)
{
    MF_BROADCAST_5D(p->out_shape, p->in1_strides, p->in2_strides, {
        const int32_t v = x[ia] + p->in_offset;
        const int32_t r = v >= 0 ? mf_mbqm(v, p->mult_pos, p->shift_pos)
                                 : mf_mbqm(v * (alpha[ib] + p->alpha_offset), p->mult_neg, p->shift_neg);
        *out++ = mf_sat_s8(r + p->out_offset);
    })
}

#endif
