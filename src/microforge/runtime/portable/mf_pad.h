/* mf_pad: int8 constant padding of a tensor of rank <= 5. */
#ifndef MF_PAD_H
#define MF_PAD_H
#include <stdint.h>
#include <string.h>
#include "mf_common.h"

typedef struct {
    int32_t in_shape[5], out_shape[5], pad_before[5];
    int32_t value;
} mf_pad_params_t;

/* Portable pad: walks the output once, copying input rows and filling the rest with the value. */
MF_KERNEL void mf_pad_s8(const mf_pad_params_t *p, const int8_t *in, int8_t *out)
{
    const int32_t *is = p->in_shape, *os = p->out_shape, *pb = p->pad_before;
    const int8_t v = (int8_t)p->value;
    for (int32_t i0 = 0; i0 < os[0]; ++i0)
        for (int32_t i1 = 0; i1 < os[1]; ++i1)
            for (int32_t i2 = 0; i2 < os[2]; ++i2)
                for (int32_t i3 = 0; i3 < os[3]; ++i3) {
                    const int32_t j0 = i0 - pb[0], j1 = i1 - pb[1], j2 = i2 - pb[2], j3 = i3 - pb[3];
                    if (j0 < 0 || j0 >= is[0] || j1 < 0 || j1 >= is[1] || j2 < 0 || j2 >= is[2] || j3 < 0 || j3 >= is[3]) {
                        memset(out, v, (size_t)os[4]);
                    } else {
                        const int8_t *row = in + (((j0 * is[1] + j1) * is[2] + j2) * is[3] + j3) * is[4];
                        memset(out, v, (size_t)pb[4]);
                        memcpy(out + pb[4], row, (size_t)is[4]);
                        memset(out + pb[4] + is[4], v, (size_t)(os[4] - pb[4] - is[4]));
                    }
                    out += os[4];
                }
}

#endif
