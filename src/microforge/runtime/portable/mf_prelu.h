/* mf_prelu: PRELU (alpha broadcast): x - zx >= 0 scaled by in/out, else (x - zx)(alpha - za) by in*alpha/out.
 * int8: the x >= zx half depends on x alone, the compiler tabulates it (pos_lut); int16 x, int8 alpha: computed. */
#ifndef MF_PRELU_H
#define MF_PRELU_H
#include <stdint.h>
#include "mf_common.h"
#include "mf_broadcast.h"

typedef struct {
    int32_t in_offset, alpha_offset, out_offset, mult_neg, shift_neg;
    int32_t out_shape[5], in1_strides[5], in2_strides[5];
    const int8_t *pos_lut;   /* pos_lut[(uint8_t)x]: the output for x - zx >= 0 (int8 only) */
    int32_t mult_pos, shift_pos;  /* int16: the x >= 0 half, computed (a table would take 128 KiB) */
} mf_prelu_params_t;

MF_KERNEL void mf_prelu_s8(const mf_prelu_params_t *p, const int8_t *x, const int8_t *alpha, int8_t *out)
{
    MF_BROADCAST_5D(p->out_shape, p->in1_strides, p->in2_strides, {
        const int32_t v = x[ia] + p->in_offset;
        *out++ = v >= 0 ? p->pos_lut[(uint8_t)x[ia]]
                        : mf_sat_s8(mf_mbqm(v * (alpha[ib] + p->alpha_offset), p->mult_neg, p->shift_neg) + p->out_offset);
    })
}

/* int16 input and output (zero points 0), int8 alpha: TFLM's 16x8 PRELU (BroadcastPrelu4DSlow<int16_t, int8_t>). */
MF_KERNEL void mf_prelu_s16(const mf_prelu_params_t *p, const int16_t *x, const int8_t *alpha, int16_t *out)
{
    MF_BROADCAST_5D(p->out_shape, p->in1_strides, p->in2_strides, {
        const int32_t v = x[ia];
        *out++ = mf_sat_s16(v >= 0 ? mf_mbqm(v, p->mult_pos, p->shift_pos)
                                   : mf_mbqm(v * (alpha[ib] + p->alpha_offset), p->mult_neg, p->shift_neg));
    })
}

#endif
