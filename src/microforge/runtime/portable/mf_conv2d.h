/* mf_conv2d: int8 2-D convolution (NHWC input, OHWI weights), bit-exact with TFLM's reference. */
#ifndef MF_CONV2D_H
#define MF_CONV2D_H
#include <stdint.h>
#include "mf_common.h"

typedef struct {
    int32_t batches, in_h, in_w, in_c, out_h, out_w, out_c, k_h, k_w;
    int32_t stride_h, stride_w, dil_h, dil_w, pad_top, pad_left;
    int32_t pad_value;            /* input zero point: what a padded tap reads */
    int32_t out_offset, act_min, act_max;
    const int8_t *weights;        /* [out_c][k_h][k_w][in_c] */
    const int32_t *bias;          /* bias with the input zero point folded in, [out_c] */
    const int32_t *mult, *shift;  /* per output channel requantisation */
} mf_conv2d_params_t;

/* Portable int8 convolution: padded taps read the input zero point, so the folded bias stays exact. */
MF_KERNEL void mf_conv2d_s8(const mf_conv2d_params_t *p, const int8_t *in, int8_t *out)
{
    const int32_t kernel_size = p->k_h * p->k_w * p->in_c;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = in + b * p->in_h * p->in_w * p->in_c;
        for (int32_t oy = 0; oy < p->out_h; ++oy) {
            const int32_t iy0 = oy * p->stride_h - p->pad_top;
            for (int32_t ox = 0; ox < p->out_w; ++ox) {
                const int32_t ix0 = ox * p->stride_w - p->pad_left;
                for (int32_t oc = 0; oc < p->out_c; ++oc) {
                    const int8_t *w = p->weights + oc * kernel_size;
                    int32_t acc = p->bias[oc];
                    for (int32_t ky = 0; ky < p->k_h; ++ky) {
                        const int32_t iy = iy0 + ky * p->dil_h;
                        const int row_ok = iy >= 0 && iy < p->in_h;
                        for (int32_t kx = 0; kx < p->k_w; ++kx) {
                            const int32_t ix = ix0 + kx * p->dil_w;
                            const int8_t *wk = w + (ky * p->k_w + kx) * p->in_c;
                            if (row_ok && ix >= 0 && ix < p->in_w) {
                                const int8_t *px = in_b + (iy * p->in_w + ix) * p->in_c;
                                for (int32_t ic = 0; ic < p->in_c; ++ic) acc += (int32_t)px[ic] * wk[ic];
                            } else {
                                for (int32_t ic = 0; ic < p->in_c; ++ic) acc += p->pad_value * wk[ic];
                            }
                        }
                    }
                    acc = mf_mbqm(acc, p->mult[oc], p->shift[oc]) + p->out_offset;
                    *out++ = (int8_t)mf_clamp_i32(acc, p->act_min, p->act_max);
                }
            }
        }
    }
}

#endif
