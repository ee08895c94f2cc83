/* mf_binary_s16: int16 ADD, SUB and MUL (16x8 models: zero points 0), broadcasting, bit-exact with TFLM. */
#ifndef MF_BINARY_S16_H
#define MF_BINARY_S16_H
#include <stdint.h>
#include "mf_common.h"
#include "mf_broadcast.h"

typedef struct {
    int32_t left_shift, in1_mult, in1_shift, in2_mult, in2_shift;  /* ADD / SUB: rescale both to a common scale */
    int32_t out_mult, out_shift, act_min, act_max;
    int32_t out_shape[5], in1_strides[5], in2_strides[5];
} mf_binary_s16_params_t;

/* TFLM's ADD/SUB arithmetic with left_shift 15: (2^16 - 1) << 15 still fits the int32 sum. */
#define MF__RESCALE_S16(p, x, m, s) mf_mbqm_lt1(mf_wrap_shl32((x), (p)->left_shift), (m), (s))

MF_KERNEL void mf_add_s16(const mf_binary_s16_params_t *p, const int16_t *a, const int16_t *b, int16_t *out)
{
    MF_BROADCAST_5D(p->out_shape, p->in1_strides, p->in2_strides, {
        const int32_t sum = MF__RESCALE_S16(p, a[ia], p->in1_mult, p->in1_shift) +
                            MF__RESCALE_S16(p, b[ib], p->in2_mult, p->in2_shift);
        *out++ = (int16_t)mf_clamp_i32(mf_mbqm_lt1(sum, p->out_mult, p->out_shift), p->act_min, p->act_max);
    })
}

MF_KERNEL void mf_sub_s16(const mf_binary_s16_params_t *p, const int16_t *a, const int16_t *b, int16_t *out)
{
    MF_BROADCAST_5D(p->out_shape, p->in1_strides, p->in2_strides, {
        const int32_t diff = MF__RESCALE_S16(p, a[ia], p->in1_mult, p->in1_shift) -
                             MF__RESCALE_S16(p, b[ib], p->in2_mult, p->in2_shift);
        *out++ = (int16_t)mf_clamp_i32(mf_mbqm_lt1(diff, p->out_mult, p->out_shift), p->act_min, p->act_max);
    })
}

/* The int16 product (at most 2^30) is requantised once, as for int8. */
MF_KERNEL void mf_mul_s16(const mf_binary_s16_params_t *p, const int16_t *a, const int16_t *b, int16_t *out)
{
    MF_BROADCAST_5D(p->out_shape, p->in1_strides, p->in2_strides, {
        const int32_t r = mf_mbqm((int32_t)a[ia] * b[ib], p->out_mult, p->out_shift);
        *out++ = (int16_t)mf_clamp_i32(r, p->act_min, p->act_max);
    })
}

#endif
