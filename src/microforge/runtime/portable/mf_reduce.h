/* mf_reduce: int8 max/min over any set of axes (rank <= 5); TFLM compares raw values (no rescaling). */
#ifndef MF_REDUCE_H
#define MF_REDUCE_H
#include <stdint.h>
#include "mf_common.h"
#include "mf_mean.h"

MF_KERNEL void mf_reduce_max_s8(const mf_mean_params_t *p, const int8_t *in, int8_t *out)
{
    for (int32_t o = 0; o < p->n_out; ++o) {
        const int8_t *base = in + mf_mean_offset_of(o, p->kept_shape, p->kept_stride);
        int8_t m = -128;
        for (int32_t r = 0; r < p->n_red; ++r) {
            const int8_t v = base[mf_mean_offset_of(r, p->red_shape, p->red_stride)];
            m = v > m ? v : m;
        }
        out[o] = m;
    }
}

MF_KERNEL void mf_reduce_min_s8(const mf_mean_params_t *p, const int8_t *in, int8_t *out)
{
    for (int32_t o = 0; o < p->n_out; ++o) {
        const int8_t *base = in + mf_mean_offset_of(o, p->kept_shape, p->kept_stride);
        int8_t m = 127;
        for (int32_t r = 0; r < p->n_red; ++r) {
            const int8_t v = base[mf_mean_offset_of(r, p->red_shape, p->red_stride)];
            m = v < m ? v : m;
        }
        out[o] = m;
    }
}

#endif
