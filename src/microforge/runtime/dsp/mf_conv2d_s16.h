/* mf_conv2d_s16 (DSP): 16x8 2-D convolution, the window rows by the SMLALD dot product of
 * mf_fully_connected_s16.h; same loop order and arithmetic as runtime/portable/mf_conv2d_s16.h. */
#ifndef MF_CONV2D_S16_H
#define MF_CONV2D_S16_H
#include <stdint.h>
#include "mf_common.h"
#include "mf_s16_params.h"
#include "mf_fully_connected_s16.h"

/* Padded taps (zero point 0) are skipped; each output channel is written after its pixel's window is read. */
MF_KERNEL void mf_conv2d_s16(const mf_conv2d_s16_params_t *p, const int16_t *in, int16_t *out)
{
    const int32_t in_c = p->in_c;
    const int32_t kernel_size = p->k_h * p->k_w * in_c;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int16_t *in_b = in + b * p->in_h * p->in_w * in_c;
        for (int32_t oy = 0; oy < p->out_h; ++oy) {
            const int32_t iy0 = oy * p->stride_h - p->pad_top;
            int32_t ky_lo, ky_hi;
            mf_s16_taps(iy0, p->dil_h, p->k_h, p->in_h, &ky_lo, &ky_hi);
            for (int32_t ox = 0; ox < p->out_w; ++ox) {
                const int32_t ix0 = ox * p->stride_w - p->pad_left;
                int32_t kx_lo, kx_hi;
                mf_s16_taps(ix0, p->dil_w, p->k_w, p->in_w, &kx_lo, &kx_hi);
                const int8_t *w = p->weights;
                for (int32_t oc = 0; oc < p->out_c; ++oc, w += kernel_size) {
                    int64_t acc = p->bias[oc];
                    for (int32_t ky = ky_lo; ky < ky_hi; ++ky) {
                        const int32_t row = ((iy0 + ky * p->dil_h) * p->in_w + ix0) * in_c;  /* may be < 0 */
                        const int8_t *wr = w + ky * p->k_w * in_c;
                        if (p->dil_w == 1) {
                            acc = mf_dsp_dot_s16(in_b + (row + kx_lo * in_c), wr + kx_lo * in_c, (kx_hi - kx_lo) * in_c, acc);
                        } else {
                            for (int32_t kx = kx_lo; kx < kx_hi; ++kx)
                                acc = mf_dsp_dot_s16(in_b + (row + kx * p->dil_w * in_c), wr + kx * in_c, in_c, acc);
                        }
                    }
                    *out++ = mf_requant_s16(acc, p->mult[oc], p->shift[oc], p->bias64, p->act_min, p->act_max);
                }
            }
        }
    }
}

#endif
