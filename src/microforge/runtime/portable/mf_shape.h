/* mf_shape: SHAPE writes the input's compile-time dimensions as int32. */
#ifndef MF_SHAPE_H
#define MF_SHAPE_H
#include <stdint.h>
#include "mf_common.h"

typedef struct {
    int32_t rank;
    int32_t dims[8];
} mf_shape_params_t;

MF_KERNEL void mf_shape_s32(const mf_shape_params_t *p, int32_t *out)
{
    for (int32_t i = 0; i < p->rank; ++i) out[i] = p->dims[i];
}

#endif
