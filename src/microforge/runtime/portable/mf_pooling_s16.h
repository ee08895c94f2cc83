/* mf_pooling_s16: int16 average and max pooling (16x8 models), bit-exact with TFLM: the portable loop on int16. */
#ifndef MF_POOLING_S16_H
#define MF_POOLING_S16_H
#include <stdint.h>
#include "mf_common.h"
#include "mf_pooling.h"    /* mf_pool_params_t: runtime/dsp's header (DSP cores) declares the same struct */
#include "mf_pool_loop.h"  /* portable only: on DSP cores mf_pooling.h is the SIMD int8 kernel */

MF_POOL_DEFINE(mf_pool_s16_impl, int16_t, -32768)

MF_KERNEL void mf_avg_pool_s16(const mf_pool_params_t *p, const int16_t *in, int16_t *out) { mf_pool_s16_impl(p, in, out, 0); }
MF_KERNEL void mf_max_pool_s16(const mf_pool_params_t *p, const int16_t *in, int16_t *out) { mf_pool_s16_impl(p, in, out, 1); }

#endif
