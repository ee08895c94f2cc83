/* mf_fully_connected_s16 (DSP): 16x8 fully connected layer with SXTB16 + SMLALD, bit-exact with TFLM.
 *
 * Also home of the 16x8 dot product the DSP convolution reuses (mf_conv2d_s16.h includes this header).
 * Four products per step: SXTB16 splits 4 weights into (w0,w2) and (w1,w3), the inputs are re-paired to
 * (x0,x2) and (x1,x3) (PKHBT/PKHTB), and SMLALD adds both products of a pair to a 64-bit accumulator:
 * the exact int64 sum TFLM's 16x8 kernels form. Armv7E-M / Armv8-M Mainline with the DSP extension only.
 */
#ifndef MF_FULLY_CONNECTED_S16_H
#define MF_FULLY_CONNECTED_S16_H
#include <stdint.h>
#include <string.h>
#include <arm_acle.h>
#include "mf_common.h"
#include "mf_s16_params.h"

MF_INLINE int32_t mf_dsp_ld32_s16(const void *p) { int32_t v; memcpy(&v, p, 4); return v; }  /* unaligned LDR */
/* Bytes 1 and 3 sign-extended to two int16 halves (SXTB16 with ROR #8: one instruction). */
MF_INLINE int32_t mf_dsp_od_s16(uint32_t v)
{
    int32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(v));
    return r;
}

/* acc + sum x[i] * w[i] over n elements, exactly (64-bit). */
MF_INLINE int64_t mf_dsp_dot_s16(const int16_t *x, const int8_t *w, int32_t n, int64_t acc)
{
    int32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const uint32_t wv = (uint32_t)mf_dsp_ld32_s16(w + i);
        const uint32_t x01 = (uint32_t)mf_dsp_ld32_s16(x + i), x23 = (uint32_t)mf_dsp_ld32_s16(x + i + 2);
        int32_t x02, x13;
        __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(x02) : "r"(x01), "r"(x23));   /* (x0, x2) */
        __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(x13) : "r"(x23), "r"(x01));   /* (x1, x3) */
        acc = __smlald(x02, __sxtb16(wv), acc);
        acc = __smlald(x13, mf_dsp_od_s16(wv), acc);
    }
    for (; i < n; ++i) acc += (int32_t)x[i] * w[i];
    return acc;
}

MF_KERNEL void mf_fully_connected_s16(const mf_fully_connected_s16_params_t *p, const int16_t *in, int16_t *out)
{
    for (int32_t b = 0; b < p->batches; ++b, in += p->in_features) {
        const int8_t *w = p->weights;
        for (int32_t o = 0; o < p->out_features; ++o, w += p->in_features) {
            const int64_t acc = mf_dsp_dot_s16(in, w, p->in_features, p->bias[o]);
            const int32_t q = p->per_channel ? o : 0;
            *out++ = mf_requant_s16(acc, p->mult[q], p->shift[q], p->bias64, p->act_min, p->act_max);
        }
    }
}

#endif
