/* mf_fully_connected_s16: 16x8 fully connected layer (int16 input/output, int8 weights), bit-exact with TFLM. */
#ifndef MF_FULLY_CONNECTED_S16_H
#define MF_FULLY_CONNECTED_S16_H
#include <stdint.h>
#include "mf_common.h"

typedef struct {
    int32_t batches, in_features, out_features;
    int32_t act_min, act_max;
    int32_t per_channel;          /* mult/shift: one per output (1) or one for all (0) */
    int32_t bias64;               /* 1: TFLM's int64 accumulator path (int64 or no bias); 0: its int32 path */
    int32_t narrow;               /* 1: 2^15 * sum|w| < 2^31 for every output, so the sums fit int32 */
    const int8_t *weights;        /* [out_features][in_features] */
    const int64_t *bias;          /* [out_features] (int32 biases widened; zeros without bias) */
    const int32_t *mult, *shift;
} mf_fully_connected_s16_params_t;

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
