/* mf_sigmoid_s16: int16 LOGISTIC and TANH (16x8 models) by TFLM's interpolated sigmoid table, bit-exact. */
#ifndef MF_SIGMOID_S16_H
#define MF_SIGMOID_S16_H
#include <stdint.h>
#include "mf_common.h"

typedef struct {
    int32_t size, mult, shift;    /* x * mult / 2^shift, rounded: 2^17 stands for 10.7 (logistic) */
    const uint16_t *table;        /* sigmoid(i / 24) in Q0.16, 256 entries */
} mf_sigmoid_s16_params_t;

MF_INLINE int32_t mf__sigmoid_in_s16(const mf_sigmoid_s16_params_t *p, int16_t x)
{
    return ((int32_t)x * p->mult + (p->shift > 0 ? 1 << (p->shift - 1) : 0)) >> p->shift;
}

/* Output in Q0.15: the table is symmetric, so |x| is looked up and negative inputs mirrored. */
MF_KERNEL void mf_logistic_s16(const mf_sigmoid_s16_params_t *p, const int16_t *in, int16_t *out)
{
    for (int32_t i = 0; i < p->size; ++i) {
        const int32_t v = mf__sigmoid_in_s16(p, in[i]);
        const uint32_t a = (uint32_t)(v < 0 ? -v : v), hi = a >> 9;
        uint32_t r = (uint32_t)0x7FFF << 10;           /* saturated */
        if (hi < 255) {
            const uint32_t lo = p->table[hi], up = p->table[hi + 1];
            r = (lo << 9) + (a & 0x1FF) * (up - lo);
        }
        r = v >= 0 ? r + (1u << 9) : (1u << 25) - r + (1u << 9) - 1;
        out[i] = (int16_t)(r >> 10);
    }
}

/* tanh(x) = 2 sigmoid(2x) - 1: the same table read with one bit less of fraction. */
MF_KERNEL void mf_tanh_s16(const mf_sigmoid_s16_params_t *p, const int16_t *in, int16_t *out)
{
    for (int32_t i = 0; i < p->size; ++i) {
        const int32_t v = mf__sigmoid_in_s16(p, in[i]);
        const uint32_t a = (uint32_t)(v < 0 ? -v : v), hi = a >> 8;
        int32_t r = (int32_t)(0xFFFF << 8);              /* saturated */
        if (hi < 255) {
            const uint32_t lo = p->table[hi], up = p->table[hi + 1];
            r = (int32_t)((lo << 8) + (a & 0xFF) * (up - lo));
        }
        r = v >= 0 ? r - (1 << 23) + (1 << 7) : -r + (1 << 23) + (1 << 7) - 1;
        out[i] = (int16_t)(r >> 8);                       /* arithmetic shift, as in TFLM */
    }
}

#endif
