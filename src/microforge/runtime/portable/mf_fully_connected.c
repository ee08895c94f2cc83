/* Portable int8 fully connected layer; the input zero point is folded into the bias. */
#include "mf_fully_connected.h"
#include "mf_common.h"

void mf_fully_connected_s8(const mf_fully_connected_params_t *p, const int8_t *in, int8_t *out)
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
