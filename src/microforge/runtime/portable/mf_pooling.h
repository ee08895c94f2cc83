/* mf_pooling: int8 average and max pooling over valid (unpadded) taps, bit-exact with TFLM. */
#ifndef MF_POOLING_H
#define MF_POOLING_H
#include <stdint.h>
#include "mf_common.h"
#include "mf_pool_loop.h"

typedef struct {
    int32_t batches, in_h, in_w, channels, out_h, out_w, f_h, f_w;
    int32_t stride_h, stride_w, pad_top, pad_left, act_min, act_max;
} mf_pool_params_t;

MF_POOL_DEFINE(mf_pool_impl, int8_t, -128)

MF_KERNEL void mf_avg_pool_s8(const mf_pool_params_t *p, const int8_t *in, int8_t *out) { mf_pool_impl(p, in, out, 0); }
MF_KERNEL void mf_max_pool_s8(const mf_pool_params_t *p, const int8_t *in, int8_t *out) { mf_pool_impl(p, in, out, 1); }

#endif
