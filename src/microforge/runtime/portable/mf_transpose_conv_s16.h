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

/* sum x[i] * w[i] over one tap's input channels, exact: int32 when the layer is `narrow` (no 64-bit
 * multiply-accumulate on ARMv6-M), else int64. */
MF_INLINE int64_t mf_transpose_conv_s16__dot(const int16_t *x, const int8_t *w, int32_t n, int32_t narrow)
{
    if (narrow) {
        int32_t s = 0;
        for (int32_t i = 0; i < n; ++i) s += (int32_t)x[i] * w[i];
        return s;
    }
    int64_t s = 0;
    for (int32_t i = 0; i < n; ++i) s += (int32_t)x[i] * w[i];
    return s;
}

/* TFLM scatters every input pixel into an int64 buffer the size of the output (zero points are 0 in
 * 16x8 models, so no offsets), then adds the int64 bias, applies its int64 MultiplyByQuantizedMultiplier
 * (the 16-bit rounded multiplier, mf_mbqm64) and clamps. The int64 sums are exact, so gathering each output
 * element's taps gives the same value without the 8-bytes-per-output scratch buffer (as in mf_transpose_conv.h:
 * output row oy takes input row iy = (oy + pad_top - ky) / stride_h for each ky where that divides exactly). */
MF_KERNEL void mf_transpose_conv_s16(const mf_transpose_conv_s16_params_t *p, const int16_t *in, int16_t *out)
{
    const int32_t in_c = p->in_c;
    const int32_t filter_size = p->k_h * p->k_w * in_c;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int16_t *in_b = in + b * p->in_h * p->in_w * in_c;
        for (int32_t oy = 0; oy < p->out_h; ++oy) {
            const int32_t ty = oy + p->pad_top;      /* >= 0: iy * stride_h + ky == ty */
            for (int32_t ox = 0; ox < p->out_w; ++ox) {
                const int32_t tx = ox + p->pad_left;
                const int8_t *w = p->weights;
                for (int32_t oc = 0; oc < p->out_c; ++oc, w += filter_size) {
                    int64_t acc = p->bias[oc];
                    for (int32_t ky = ty % p->stride_h; ky < p->k_h && ky <= ty; ky += p->stride_h) {
                        const int32_t iy = (ty - ky) / p->stride_h;
                        if (iy >= p->in_h) continue;
                        for (int32_t kx = tx % p->stride_w; kx < p->k_w && kx <= tx; kx += p->stride_w) {
                            const int32_t ix = (tx - kx) / p->stride_w;
                            if (ix >= p->in_w) continue;
                            acc += mf_transpose_conv_s16__dot(in_b + (iy * p->in_w + ix) * in_c,
                                                              w + (ky * p->k_w + kx) * in_c, in_c, p->narrow);
                        }
                    }
                    *out++ = mf_requant_s16(acc, p->mult[oc], p->shift[oc], 1, p->act_min, p->act_max);
                }
            }
        }
    }
}

#endif
