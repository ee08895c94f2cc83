/* mf_transpose_conv: int8 transposed convolution (NHWC input, OHWI weights), bit-exact with TFLM's reference. */
#ifndef MF_TRANSPOSE_CONV_H
#define MF_TRANSPOSE_CONV_H
#include <stdint.h>
#include "mf_common.h"

typedef struct {
    int32_t batches, in_h, in_w, in_c, out_h, out_w, out_c, k_h, k_w;
    int32_t stride_h, stride_w, pad_top, pad_left;
    int32_t in_offset, out_offset;  /* -input zero point, output zero point */
    int32_t act_min, act_max;       /* fused activation clamp */
    const int8_t *weights;          /* [out_c][k_h][k_w][in_c] */
    const int32_t *bias;            /* [out_c] (zeros when the model has none) */
    const int32_t *mult, *shift;    /* per output channel requantisation */
} mf_transpose_conv_params_t;

/* TFLM scatters every input pixel into an int32 accumulator the size of the output
 * (out[iy*stride - pad + ky][ix*stride - pad + kx] += (x + in_offset) * w), then adds the bias
 * requantises and clamps to the fused activation's range. Integer addition commutes,
 * so gathering each output element's contributions gives the same int32 sum without the
 * output-sized scratch buffer: output (oy, ox) takes input row iy = (oy + pad_top - ky) / stride_h
 * for every ky with (oy + pad_top - ky) divisible by the stride and iy in range (same for columns). */
MF_INLINE int8_t mf_transpose_conv__out(const mf_transpose_conv_params_t *p, int32_t acc, int32_t oc)
{
    acc = mf_mbqm(mf_wrap_add32(acc, p->bias[oc]), p->mult[oc], p->shift[oc]) + p->out_offset;
    return (int8_t)mf_clamp_i32(acc, p->act_min, p->act_max);
}

/* Output channels go in pairs (each input byte loaded once for both); an odd last channel alone. */
MF_KERNEL void mf_transpose_conv_s8(const mf_transpose_conv_params_t *p, const int8_t *in, int8_t *out)
{
    const int32_t in_c = p->in_c;
    const int32_t filter_size = p->k_h * p->k_w * in_c;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = in + b * p->in_h * p->in_w * in_c;
        for (int32_t oy = 0; oy < p->out_h; ++oy) {
            const int32_t ty = oy + p->pad_top;      /* >= 0: iy * stride_h + ky == ty */
            for (int32_t ox = 0; ox < p->out_w; ++ox) {
                const int32_t tx = ox + p->pad_left;
                for (int32_t oc = 0; oc < p->out_c; oc += 2) {
                    const int pair = oc + 1 < p->out_c;
                    const int8_t *w0 = p->weights + oc * filter_size;
                    const int8_t *w1 = pair ? w0 + filter_size : w0;
                    int32_t acc0 = 0, acc1 = 0;
                    for (int32_t ky = ty % p->stride_h; ky < p->k_h && ky <= ty; ky += p->stride_h) {
                        const int32_t iy = (ty - ky) / p->stride_h;
                        if (iy >= p->in_h) continue;
                        for (int32_t kx = tx % p->stride_w; kx < p->k_w && kx <= tx; kx += p->stride_w) {
                            const int32_t ix = (tx - kx) / p->stride_w;
                            if (ix >= p->in_w) continue;
                            const int8_t *x = in_b + (iy * p->in_w + ix) * in_c;
                            const int32_t wo = (ky * p->k_w + kx) * in_c;
                            for (int32_t ic = 0; ic < in_c; ++ic) {
                                const int32_t xv = (int32_t)x[ic] + p->in_offset;
                                acc0 += xv * w0[wo + ic];
                                acc1 += xv * w1[wo + ic];
                            }
                        }
                    }
                    *out++ = mf_transpose_conv__out(p, acc0, oc);
                    if (pair) *out++ = mf_transpose_conv__out(p, acc1, oc + 1);
                }
            }
        }
    }
}

#endif
