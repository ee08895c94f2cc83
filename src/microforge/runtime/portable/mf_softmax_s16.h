/* mf_softmax_s16: int16 -> int16 softmax over the last axis (TFLM's two 513-entry interpolated LUTs). */
#ifndef MF_SOFTMAX_S16_H
#define MF_SOFTMAX_S16_H
#include <stdint.h>
#include "mf_common.h"

typedef struct {
    int32_t rows, depth;
    int32_t in_mult, in_shift;   /* (x - max) * beta * in_scale rescaled so [-65535, 0] covers [-10, 0] */
    const int16_t *exp_lut;      /* exp on [-10, 0], 513 entries */
    const int16_t *recip_lut;    /* 1 / (1 + x) on [0, 1], 513 entries */
} mf_softmax_s16_params_t;

/* TFLM's int16 LUT lookup: the top 9 bits index, the low 7 bits interpolate to the next entry. */
MF_INLINE int16_t mf__lut_s16(int32_t v, const int16_t *lut)
{
    const int32_t index = 256 + (v >> 7);
    const int16_t base = lut[index];
    const int16_t slope = (int16_t)(lut[index + 1] - base);
    return (int16_t)(base + ((slope * (v & 0x7f) + 64) >> 7));
}

/* Per row: the max; exp of each difference, cached in the output row; 1 / sum by the second LUT; the
 * rescale. Order (overlap_lead): the whole row is read first, then out[c] is written after in[c] is read. */
MF_KERNEL void mf_softmax_s16(const mf_softmax_s16_params_t *p, const int16_t *in, int16_t *out)
{
    for (int32_t r = 0; r < p->rows; ++r, in += p->depth, out += p->depth) {
        int32_t mx = -32768;
        for (int32_t c = 0; c < p->depth; ++c) mx = in[c] > mx ? in[c] : mx;
        int32_t sum = 0;
        for (int32_t c = 0; c < p->depth; ++c) {
            const int32_t s = mf_mbqm(in[c] - mx, p->in_mult, p->in_shift) + 32767;
            out[c] = mf__lut_s16(mf_clamp_i32(s, -32768, 32767), p->exp_lut);
            sum += out[c];
        }
        const int headroom = mf_clz32((uint32_t)sum);   /* >= 1: sum < depth * 2^15 < 2^31 */
        const int32_t shifted = (int32_t)((((int64_t)sum << (headroom - 1)) + (1 << 13)) >> 14);
        const int32_t recip = mf__lut_s16(mf_clamp_i32(shifted - ((1 << 15) + (1 << 16)), -32768, 32767), p->recip_lut);
        const int right = 31 - headroom;
        for (int32_t c = 0; c < p->depth; ++c) {
            const int32_t v = (int32_t)(((int64_t)out[c] * recip + ((int64_t)1 << (right - 1))) >> right);
            out[c] = (int16_t)mf_clamp_i32(v, 0, 32767);
        }
    }
}

#endif
