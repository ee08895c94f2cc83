/* mf_maximum_minimum: elementwise max/min of raw int8 or int16 values (broadcasting); TFLM does not rescale. */
#ifndef MF_MAXIMUM_MINIMUM_H
#define MF_MAXIMUM_MINIMUM_H
#include <stdint.h>
#include "mf_common.h"
#include "mf_broadcast.h"

typedef struct {
    int32_t out_shape[5], in1_strides[5], in2_strides[5];
} mf_maximum_minimum_params_t;

/* One definition per element type: TFLM's MAXIMUM/MINIMUM is a template comparing raw values. */
#define MF__MAXMIN_DEFINE(SFX, T)                                                                             \
MF_KERNEL void mf_maximum_##SFX(const mf_maximum_minimum_params_t *p, const T *a, const T *b, T *out)        \
{                                                                                                             \
    MF_BROADCAST_5D(p->out_shape, p->in1_strides, p->in2_strides, { *out++ = a[ia] > b[ib] ? a[ia] : b[ib]; }) \
}                                                                                                             \
MF_KERNEL void mf_minimum_##SFX(const mf_maximum_minimum_params_t *p, const T *a, const T *b, T *out)        \
{                                                                                                             \
    MF_BROADCAST_5D(p->out_shape, p->in1_strides, p->in2_strides, { *out++ = a[ia] < b[ib] ? a[ia] : b[ib]; }) \
}

MF__MAXMIN_DEFINE(s8, int8_t)
MF__MAXMIN_DEFINE(s16, int16_t)

#endif
