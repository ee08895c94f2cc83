/* mf_transpose_conv_s16: 16x8 transposed convolution (int16 NHWC input, int8 OHWI weights, int16 output), bit-exact with TFLM. */
#ifndef MF_TRANSPOSE_CONV_S16_H
#define MF_TRANSPOSE_CONV_S16_H
#include <stdint.h>
#include "mf_common.h"

typedef struct {
    int32_t batches, in_h, in_w, in_c, out_h, out_w, out_c, k_h, k_w;
    int32_t stride_h, stride_w, pad_top, pad_left;
    int32_t act_min, act_max;       /* fused activation clamp (int16 range without one) */
    int32_t narrow;                 /* 1: 2^15 * sum over in_c of |w| < 2^31 for every tap: a tap's sum fits int32 */
    const int8_t *weights;          /* [out_c][k_h][k_w][in_c] */
    const int64_t *bias;            /* [out_c] (int16 biases widened, as TFLM does; zeros without bias) */
    const int32_t *mult, *shift;    /* per output channel requantisation */
} mf_transpose_conv_s16_params_t;

/* acc0 += sum x[i] * w0[i], acc1 += sum x[i] * w1[i] over one tap's input channels (each x loaded once for two
 * output channels), exactly: in int32 when the layer is `narrow` (no 64-bit multiply-accumulate on ARMv6-M), else int64. */
MF_INLINE void mf_transpose_conv_s16__dot2(const int16_t *x, const int8_t *w0, const int8_t *w1, int32_t n, int32_t narrow,
                                           int64_t *acc0, int64_t *acc1)
{
    if (narrow) {
        int32_t s0 = 0, s1 = 0;
        for (int32_t i = 0; i < n; ++i) {
            const int32_t v = x[i];
            s0 += v * w0[i];
            s1 += v * w1[i];
        }
        *acc0 += s0;
        *acc1 += s1;
        return;
    }
    int64_t s0 = 0, s1 = 0;
    for (int32_t i = 0; i < n; ++i) {
        const int32_t v = x[i];
        s0 += v * w0[i];
        s1 += v * w1[i];
    }
    *acc0 += s0;
    *acc1 += s1;
}

/* TFLM scatters every input pixel into an int64 buffer the size of the output (zero points are 0 in
 * 16x8 models, so no offsets), then adds the int64 bias, applies its int64 MultiplyByQuantizedMultiplier
 * (the 16-bit rounded multiplier, mf_mbqm64) and clamps. The int64 sums are exact, so gathering each output
 * element's taps gives the same value without the 8-bytes-per-output scratch buffer (as in mf_transpose_conv.h):
 * output row oy takes input row iy = (oy + pad_top - ky) / stride_h for each ky where that divides exactly, i.e.
 * ky = ky0, ky0 + stride_h, ... with iy = iy0, iy0 - 1, ... (ky0, iy0: remainder and quotient of oy + pad_top).
 * Output channels go in pairs (each input value loaded once for both); an odd last channel alone. */
MF_KERNEL void mf_transpose_conv_s16(const mf_transpose_conv_s16_params_t *p, const int16_t *in, int16_t *out)
{
    const int32_t in_c = p->in_c;
    const int32_t filter_size = p->k_h * p->k_w * in_c;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int16_t *in_b = in + b * p->in_h * p->in_w * in_c;
        for (int32_t oy = 0; oy < p->out_h; ++oy) {
            const int32_t ky0 = (oy + p->pad_top) % p->stride_h, iy0 = (oy + p->pad_top) / p->stride_h;
            for (int32_t ox = 0; ox < p->out_w; ++ox) {
                const int32_t kx0 = (ox + p->pad_left) % p->stride_w, ix0 = (ox + p->pad_left) / p->stride_w;
                for (int32_t oc = 0; oc < p->out_c; oc += 2) {
                    const int pair = oc + 1 < p->out_c;
                    const int8_t *w0 = p->weights + oc * filter_size;
                    const int8_t *w1 = pair ? w0 + filter_size : w0;
                    int64_t acc0 = p->bias[oc], acc1 = p->bias[pair ? oc + 1 : oc];
                    for (int32_t ky = ky0, iy = iy0; ky < p->k_h && iy >= 0; ky += p->stride_h, --iy) {
                        if (iy >= p->in_h) continue;
                        for (int32_t kx = kx0, ix = ix0; kx < p->k_w && ix >= 0; kx += p->stride_w, --ix) {
                            if (ix >= p->in_w) continue;
                            const int32_t wo = (ky * p->k_w + kx) * in_c;
                            mf_transpose_conv_s16__dot2(in_b + (iy * p->in_w + ix) * in_c, w0 + wo, w1 + wo, in_c,
                                                        p->narrow, &acc0, &acc1);
                        }
                    }
                    *out++ = mf_requant_s16(acc0, p->mult[oc], p->shift[oc], 1, p->act_min, p->act_max);
                    if (pair) *out++ = mf_requant_s16(acc1, p->mult[oc + 1], p->shift[oc + 1], 1, p->act_min, p->act_max);
                }
            }
        }
    }
}

#endif
