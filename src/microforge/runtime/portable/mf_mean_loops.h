/* mf_mean_loops: the params of MEAN/SUM (and REDUCE_MAX/MIN: mf_reduce.h) and TFLM's QuantizedMeanOrSum as plain
 * loops, shared by runtime/portable/mf_mean.h and runtime/dsp/mf_mean.h (which takes them where its column path does
 * not apply). */
#ifndef MF_MEAN_LOOPS_H
#define MF_MEAN_LOOPS_H
#include <stdint.h>
#include "mf_common.h"

typedef struct {
    int32_t n_out, n_red;                       /* output elements, elements reduced into each */
    int32_t kept_shape[5], kept_stride[5];      /* kept axes (outer to inner), input element strides */
    int32_t red_shape[5], red_stride[5];        /* reduced axes */
    int32_t in_zp_times_n;                      /* input zero point * n_red */
    int32_t mult, shift, out_zp;                /* 1 / n_red already folded into mult/shift */
    int32_t cols;                               /* DSP builds: 1 for the column path (runtime/dsp/mf_mean.h: int8,
                                                   kept_stride[4] 1, n_red <= 128, shift in -22..-1); else 0 */
} mf_mean_params_t;

/* Offset of flat index idx over a 5-d shape with the given element strides (mf_reduce.h uses it). */
MF_INLINE int32_t mf_mean_offset_of(int32_t idx, const int32_t *shape, const int32_t *stride)
{
    int32_t off = 0;
    for (int d = 4; d >= 0; --d) {
        off += (idx % shape[d]) * stride[d];
        idx /= shape[d];
    }
    return off;
}

/* Portable mean: sums each output's reduced elements, removes the zero point, requantises once.
 * Nested loops over the (constant) kept and reduced shapes step pointers by their strides: no
 * division or modulo per element, and loops of trip count 1 vanish once the params are inlined.
 * TFLM's QuantizedMeanOrSum is one template for int8 and int16 (int32 sums, saturation to the type):
 * MF__MEAN_DEFINE instantiates it per element type (SFX s8 / s16, SAT the saturating cast) as NAME. */
#define MF__MEAN_DEFINE(SFX, NAME, T, SAT)                                                                          \
MF_KERNEL int32_t mf_mean_sum_##SFX(const mf_mean_params_t *p, const T *base)                                \
{                                                                                                             \
    const int32_t *rs = p->red_shape, *rt = p->red_stride;                                                    \
    int32_t sum = 0;                                                                                          \
    for (int32_t r0 = 0; r0 < rs[0]; ++r0)                                                                    \
        for (int32_t r1 = 0; r1 < rs[1]; ++r1)                                                                \
            for (int32_t r2 = 0; r2 < rs[2]; ++r2)                                                            \
                for (int32_t r3 = 0; r3 < rs[3]; ++r3) {                                                      \
                    const T *row = base + r0 * rt[0] + r1 * rt[1] + r2 * rt[2] + r3 * rt[3];                  \
                    for (int32_t r4 = 0; r4 < rs[4]; ++r4) sum += row[r4 * rt[4]];                            \
                }                                                                                             \
    return sum;                                                                                               \
}                                                                                                             \
                                                                                                              \
MF_KERNEL void NAME(const mf_mean_params_t *p, const T *in, T *out)                                          \
{                                                                                                             \
    const int32_t *ks = p->kept_shape, *kt = p->kept_stride;                                                  \
    for (int32_t k0 = 0; k0 < ks[0]; ++k0)                                                                    \
        for (int32_t k1 = 0; k1 < ks[1]; ++k1)                                                                \
            for (int32_t k2 = 0; k2 < ks[2]; ++k2)                                                            \
                for (int32_t k3 = 0; k3 < ks[3]; ++k3) {                                                      \
                    const T *row = in + k0 * kt[0] + k1 * kt[1] + k2 * kt[2] + k3 * kt[3];                    \
                    for (int32_t k4 = 0; k4 < ks[4]; ++k4) {                                                  \
                        const int32_t sum = mf_mean_sum_##SFX(p, row + k4 * kt[4]);                           \
                        const int32_t v = mf_mbqm(mf_wrap_sub32(sum, p->in_zp_times_n), p->mult, p->shift) + p->out_zp; \
                        *out++ = SAT(v);                                                                      \
                    }                                                                                         \
                }                                                                                             \
}

#endif
