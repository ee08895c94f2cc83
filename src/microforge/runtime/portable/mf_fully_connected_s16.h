/* mf_fully_connected_s16: 16x8 fully connected layer (int16 input/output, int8 weights), bit-exact with TFLM. */
#ifndef MF_FULLY_CONNECTED_S16_H
#define MF_FULLY_CONNECTED_S16_H
#include <stdint.h>
#include "mf_common.h"
#include "mf_s16_params.h"

/* Zero points are 0 in 16x8 models (no offsets). Each output is written after its whole input row is read. */
MF_KERNEL void mf_fully_connected_s16(const mf_fully_connected_s16_params_t *p, const int16_t *in, int16_t *out)
{
    for (int32_t b = 0; b < p->batches; ++b, in += p->in_features) {
        const int8_t *w = p->weights;
        for (int32_t o = 0; o < p->out_features; ++o, w += p->in_features) {
            int64_t acc = p->bias[o];
            if (p->narrow) {  /* int32 sums: cheaper where there is no 64-bit multiply-accumulate */
                int32_t s = 0;
                for (int32_t i = 0; i < p->in_features; ++i) s += (int32_t)in[i] * w[i];
                acc += s;
            } else {
                for (int32_t i = 0; i < p->in_features; ++i) acc += (int32_t)in[i] * w[i];
            }
            const int32_t q = p->per_channel ? o : 0;
            *out++ = mf_requant_s16(acc, p->mult[q], p->shift[q], p->bias64, p->act_min, p->act_max);
        }
    }
}

#endif
