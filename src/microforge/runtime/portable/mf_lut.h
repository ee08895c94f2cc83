/* mf_lut: int8 -> int8 through a 256-entry table computed by the compiler (every unary int8 activation). */
#ifndef MF_LUT_H
#define MF_LUT_H
#include <stdint.h>
#include "mf_common.h"

typedef struct {
    int32_t size;            /* elements */
    const int8_t *table;     /* table[(uint8_t)x]: the op's exact int8 result for input x */
} mf_lut_params_t;

MF_KERNEL void mf_lut_s8(const mf_lut_params_t *p, const int8_t *in, int8_t *out)
{
    for (int32_t i = 0; i < p->size; ++i) out[i] = p->table[(uint8_t)in[i]];
}

#endif
