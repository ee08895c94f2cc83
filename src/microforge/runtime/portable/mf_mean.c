/* Portable mean: sums each output's reduced elements, removes the zero point, requantises once. */
#include "mf_mean.h"
#include "mf_common.h"

static int32_t offset_of(int32_t idx, const int32_t *shape, const int32_t *stride)
{
    int32_t off = 0;
    for (int d = 4; d >= 0; --d) {
        off += (idx % shape[d]) * stride[d];
        idx /= shape[d];
    }
    return off;
}

void mf_mean_s8(const mf_mean_params_t *p, const int8_t *in, int8_t *out)
{
    for (int32_t o = 0; o < p->n_out; ++o) {
        const int8_t *base = in + offset_of(o, p->kept_shape, p->kept_stride);
        int32_t sum = 0;
        for (int32_t r = 0; r < p->n_red; ++r) sum += base[offset_of(r, p->red_shape, p->red_stride)];
        const int32_t v = mf_mbqm(mf_wrap_sub32(sum, p->in_zp_times_n), p->mult, p->shift) + p->out_zp;
        out[o] = mf_sat_s8(v);
    }
}
