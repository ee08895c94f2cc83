/* mf_svdf: int8 SVDF with a persistent int16 (or int8) state and time weights of the same type, bit-exact with TFLM. */
#ifndef MF_SVDF_H
#define MF_SVDF_H
#include <stdint.h>
#include "mf_common.h"

/* One invocation, in TFLM's order (EvalIntegerSvdfReference<T>, T = the state's type):
 * 1. the whole state [batches][filters][memory] moves one element towards the start (TFLM shifts the
 *    flat buffer, so each filter's oldest entry is dropped and the newest slot is overwritten next);
 * 2. newest slot of (b, f) = (T)(state_zp + clamp_T(MBQM(sum_i wf[f][i] * (x[b][i] - in_zp), m1))): TFLM clamps
 *    before adding the zero point and the conversion to T wraps (an int8 state with zero point -50 stores
 *    -178 as 78), so the same is done here;
 * 3. out[b][u] = clamp_int8(MBQM(bias[u] + sum_{r, m} wt[f][m] * (state[b][f][m] - state_zp), m2) + out_zp),
 *    f = u * rank + r. TFLM keeps the per-filter sums in an int32 scratch buffer and adds them to the bias
 *    afterwards; the int32 sum is the same in any order, so it is accumulated directly (no scratch).
 *    TFLM's int8 SVDF applies no fused activation, so neither does this kernel. */
#define MF__SVDF(name, params_t, T, lo, hi)                                                                   \
    typedef struct {                                                                                          \
        int32_t batches, n_input, filters, memory, rank; /* units = filters / rank */                         \
        int32_t in_zp, state_zp, out_zp;                                                                      \
        int32_t mult1, shift1;          /* input * feature weights -> state scale */                          \
        int32_t mult2, shift2;          /* state * time weights -> output scale */                            \
        const int8_t *weights_feature;  /* [filters][n_input] */                                              \
        const T *weights_time;          /* [filters][memory] */                                               \
        const int32_t *bias;            /* [units] */                                                         \
    } params_t;                                                                                               \
    MF_KERNEL void name(const params_t *p, const int8_t *in, T *state, int8_t *out)                           \
    {                                                                                                         \
        const int32_t n_state = p->batches * p->filters * p->memory;                                          \
        for (int32_t i = 0; i + 1 < n_state; ++i) state[i] = state[i + 1];                                    \
        for (int32_t b = 0; b < p->batches; ++b) {                                                            \
            const int8_t *x = in + b * p->n_input;                                                            \
            T *st_b = state + b * p->filters * p->memory;                                                     \
            const int8_t *wf = p->weights_feature;                                                            \
            for (int32_t f = 0; f < p->filters; ++f) {                                                        \
                int32_t acc = 0;                                                                              \
                for (int32_t i = 0; i < p->n_input; ++i) acc += (int32_t)wf[i] * ((int32_t)x[i] - p->in_zp);  \
                wf += p->n_input;                                                                             \
                acc = mf_clamp_i32(mf_mbqm(acc, p->mult1, p->shift1), lo, hi);                                \
                st_b[f * p->memory + p->memory - 1] = (T)(p->state_zp + acc);                                 \
            }                                                                                                 \
        }                                                                                                     \
        for (int32_t b = 0; b < p->batches; ++b) {                                                            \
            const T *st_b = state + b * p->filters * p->memory;                                               \
            const int32_t units = p->filters / p->rank;                                                       \
            for (int32_t u = 0; u < units; ++u) {                                                             \
                int32_t acc = p->bias[u];                                                                     \
                for (int32_t r = 0; r < p->rank; ++r) {                                                       \
                    const int32_t f = u * p->rank + r;                                                        \
                    const T *wt = p->weights_time + f * p->memory;                                            \
                    const T *st = st_b + f * p->memory;                                                       \
                    for (int32_t m = 0; m < p->memory; ++m)                                                   \
                        acc += (int32_t)wt[m] * ((int32_t)st[m] - p->state_zp);                               \
                }                                                                                             \
                *out++ = mf_sat_s8(mf_mbqm(acc, p->mult2, p->shift2) + p->out_zp);                            \
            }                                                                                                 \
        }                                                                                                     \
    }
MF__SVDF(mf_svdf_s8, mf_svdf_params_t, int16_t, -32768, 32767)         /* int16 state and time weights */
MF__SVDF(mf_svdf_s8_s8, mf_svdf_s8_params_t, int8_t, -128, 127)        /* int8 state and time weights */

#endif
