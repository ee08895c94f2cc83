/* mf_arg_min_max: ARG_MAX / ARG_MIN of int8 along one axis into int32 indices (the first extreme wins ties). */
#ifndef MF_ARG_MIN_MAX_H
#define MF_ARG_MIN_MAX_H
#include <stdint.h>
#include "mf_common.h"

typedef struct {
    int32_t outer, axis_size, inner;   /* input viewed as [outer][axis_size][inner] */
} mf_arg_min_max_params_t;

/* sign = +1 finds the maximum, -1 the minimum: a strict comparison keeps the lowest index on ties, as TFLM. */
MF_KERNEL void mf_arg_extreme_s8(const mf_arg_min_max_params_t *p, const int8_t *in, int32_t *out, int32_t sign)
{
    for (int32_t o = 0; o < p->outer; ++o) {
        const int8_t *plane = in + o * p->axis_size * p->inner;
        for (int32_t i = 0; i < p->inner; ++i) {
            int32_t best = sign * plane[i], idx = 0;
            for (int32_t a = 1; a < p->axis_size; ++a) {
                const int32_t v = sign * plane[a * p->inner + i];
                if (v > best) { best = v; idx = a; }
            }
            *out++ = idx;
        }
    }
}

MF_KERNEL void mf_arg_max_s8(const mf_arg_min_max_params_t *p, const int8_t *in, int32_t *out)
{
    mf_arg_extreme_s8(p, in, out, 1);
}

MF_KERNEL void mf_arg_min_s8(const mf_arg_min_max_params_t *p, const int8_t *in, int32_t *out)
{
    mf_arg_extreme_s8(p, in, out, -1);
}

#endif
