/* mf_fully_connected: int8 matrix-vector product with per-tensor or per-channel requantisation. */
#ifndef MF_FULLY_CONNECTED_H
#define MF_FULLY_CONNECTED_H
#include <stdint.h>
#include "mf_common.h"

typedef struct {
    int32_t batches, in_features, out_features;
    int32_t out_offset, act_min, act_max;
    int32_t per_channel;          /* 1: mult/shift have out_features entries, 0: one entry */
    const int8_t *weights;        /* [out_features][in_features] */
    const int32_t *bias;          /* folded bias, [out_features] */
    const int32_t *mult, *shift;
} mf_fully_connected_params_t;

/* Portable int8 fully connected layer; the input zero point is folded into the bias. */
MF_KERNEL void mf_fully_connected_s8(const mf_fully_connected_params_t *p, const int8_t *in, int8_t *out)
{
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *x = in + b * p->in_features;
        for (int32_t o = 0; o < p->out_features; ++o) {
            const int8_t *w = p->weights + o * p->in_features;
            int32_t acc = p->bias[o];
            for (int32_t i = 0; i < p->in_features; ++i) acc += (int32_t)x[i] * w[i];
            const int32_t c = p->per_channel ? o : 0;
            acc = mf_mbqm(acc, p->mult[c], p->shift[c]) + p->out_offset;
            *out++ = (int8_t)mf_clamp_i32(acc, p->act_min, p->act_max);
        }
    }
}

#endif
