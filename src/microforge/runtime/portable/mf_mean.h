/* mf_mean: int8 mean over any set of axes (rank <= 5), bit-exact with TFLM's QuantizedMeanOrSum. */
#ifndef MF_MEAN_H
#define MF_MEAN_H
#include <stdint.h>
#include "mf_common.h"

typedef struct {
    int32_t n_out, n_red;                       /* output elements, elements reduced into each */
    int32_t kept_shape[5], kept_stride[5];      /* kept axes (outer to inner), input element strides */
    int32_t red_shape[5], red_stride[5];        /* reduced axes */
    int32_t in_zp_times_n;                      /* input zero point * n_red */
    int32_t mult, shift, out_zp;                /* 1 / n_red already folded into mult/shift */
} mf_mean_params_t;

/* Portable mean: sums each output's reduced elements, removes the zero point, requantises once. */
MF_INLINE int32_t mf_mean_offset_of(int32_t idx, const int32_t *shape, const int32_t *stride)
{
    int32_t off = 0;
    for (int d = 4; d >= 0; --d) {
        off += (idx % shape[d]) * stride[d];
        idx /= shape[d];
    }
    return off;
}

MF_KERNEL void mf_mean_s8(const mf_mean_params_t *p, const int8_t *in, int8_t *out)
{
    for (int32_t o = 0; o < p->n_out; ++o) {
        const int8_t *base = in + mf_mean_offset_of(o, p->kept_shape, p->kept_stride);
        int32_t sum = 0;
        for (int32_t r = 0; r < p->n_red; ++r) sum += base[mf_mean_offset_of(r, p->red_shape, p->red_stride)];
        const int32_t v = mf_mbqm(mf_wrap_sub32(sum, p->in_zp_times_n), p->mult, p->shift) + p->out_zp;
        out[o] = mf_sat_s8(v);
    }
}

#endif
