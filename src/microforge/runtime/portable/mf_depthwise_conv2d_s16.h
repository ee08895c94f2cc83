/* mf_depthwise_conv2d_s16: 16x8 depthwise convolution (int16 NHWC, int8 1HW(C*M) weights), bit-exact with TFLM. */
#ifndef MF_DEPTHWISE_CONV2D_S16_H
#define MF_DEPTHWISE_CONV2D_S16_H
#include <stdint.h>
#include "mf_common.h"

typedef struct {
    int32_t batches, in_h, in_w, in_c, depth_mult, out_h, out_w, k_h, k_w;
    int32_t stride_h, stride_w, dil_h, dil_w, pad_top, pad_left;
    int32_t act_min, act_max;
    const int8_t *weights;        /* [k_h][k_w][in_c * depth_mult] */
    const int64_t *bias;          /* [in_c * depth_mult], zeros without bias */
    const int32_t *mult, *shift;  /* per output channel requantisation */
} mf_depthwise_conv2d_s16_params_t;

/* TFLM's 16x8 depthwise kernel always accumulates in int64 (its bias is int64) and requantises with the
 * 16-bit multiplier. Zero points are 0, so padded taps are skipped. Order (overlap_lead): pixels in
 * increasing order, output channel oc written right after reading channel oc / depth_mult of its window. */
MF_KERNEL void mf_depthwise_conv2d_s16(const mf_depthwise_conv2d_s16_params_t *p, const int16_t *in, int16_t *out)
{
    const int32_t in_c = p->in_c, out_c = in_c * p->depth_mult;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int16_t *in_b = in + b * p->in_h * p->in_w * in_c;
        for (int32_t oy = 0; oy < p->out_h; ++oy) {
            const int32_t iy0 = oy * p->stride_h - p->pad_top;
            int32_t ky_lo = 0, ky_hi;
            while (ky_lo < p->k_h && iy0 + ky_lo * p->dil_h < 0) ++ky_lo;
            ky_hi = ky_lo;
            while (ky_hi < p->k_h && iy0 + ky_hi * p->dil_h < p->in_h) ++ky_hi;
            for (int32_t ox = 0; ox < p->out_w; ++ox) {
                const int32_t ix0 = ox * p->stride_w - p->pad_left;
                int32_t kx_lo = 0, kx_hi;
                while (kx_lo < p->k_w && ix0 + kx_lo * p->dil_w < 0) ++kx_lo;
                kx_hi = kx_lo;
                while (kx_hi < p->k_w && ix0 + kx_hi * p->dil_w < p->in_w) ++kx_hi;
                const int32_t org = (iy0 * p->in_w + ix0) * in_c;  /* window origin, may be outside the image */
                for (int32_t oc = 0; oc < out_c; ++oc) {
                    int64_t acc = p->bias[oc];
                    for (int32_t ky = ky_lo; ky < ky_hi; ++ky) {
                        const int32_t xr = org + ky * p->dil_h * p->in_w * in_c + oc / p->depth_mult;
                        const int8_t *wr = p->weights + ky * p->k_w * out_c + oc;
                        for (int32_t kx = kx_lo; kx < kx_hi; ++kx)
                            acc += (int32_t)in_b[xr + kx * p->dil_w * in_c] * wr[kx * out_c];
                    }
                    *out++ = mf_requant_s16(acc, p->mult[oc], p->shift[oc], 1, p->act_min, p->act_max);
                }
            }
        }
    }
}

#endif
