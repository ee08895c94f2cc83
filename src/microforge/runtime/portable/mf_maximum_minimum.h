/* mf_maximum_minimum: elementwise max/min of raw int8 values (broadcasting); TFLM does not rescale. */
#ifndef MF_MAXIMUM_MINIMUM_H
#define MF_MAXIMUM_MINIMUM_H
#include <stdint.h>
#include "mf_common.h"
#include "mf_broadcast.h"

typedef struct {
    int32_t out_shape[5], in1_strides[5], in2_strides[5];
} mf_maximum_minimum_params_t;

MF_KERNEL void mf_maximum_s8(const mf_maximum_minimum_params_t *p, const int8_t *a, const int8_t *b, int8_t *out)
{
    MF_BROADCAST_5D(p->out_shape, p->in1_strides, p->in2_strides, { *out++ = a[ia] > b[ib] ? a[ia] : b[ib]; })
}

MF_KERNEL void mf_minimum_s8(const mf_maximum_minimum_params_t *p, const int8_t *a, const int8_t *b, int8_t *out)
{
    MF_BROADCAST_5D(p->out_shape, p->in1_strides, p->in2_strides, { *out++ = a[ia] < b[ib] ? a[ia] : b[ib]; })
}

#endif
