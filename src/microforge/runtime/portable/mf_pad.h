/* mf_pad: int8 / int16 constant padding of a tensor of rank <= 5. */
#ifndef MF_PAD_H
#define MF_PAD_H
#include <stdint.h>
#include <string.h>
#include "mf_common.h"

typedef struct {
    int32_t in_shape[5], out_shape[5], pad_before[5];
    int32_t value;
} mf_pad_params_t;

/* Portable pad: walks the output once, copying input rows and filling the rest with the value.
 * One definition per element type (TFLM's Pad is a template); FILL sets n elements to v. */
#define MF__PAD_DEFINE(SFX, T, FILL)                                                                          \
MF_KERNEL void mf_pad_##SFX(const mf_pad_params_t *p, const T *in, T *out)                                   \
{                                                                                                             \
    const int32_t *is = p->in_shape, *os = p->out_shape, *pb = p->pad_before;                                 \
    const T v = (T)p->value;                                                                                  \
    for (int32_t i0 = 0; i0 < os[0]; ++i0)                                                                    \
        for (int32_t i1 = 0; i1 < os[1]; ++i1)                                                                \
            for (int32_t i2 = 0; i2 < os[2]; ++i2)                                                            \
                for (int32_t i3 = 0; i3 < os[3]; ++i3) {                                                      \
                    const int32_t j0 = i0 - pb[0], j1 = i1 - pb[1], j2 = i2 - pb[2], j3 = i3 - pb[3];         \
                    if (j0 < 0 || j0 >= is[0] || j1 < 0 || j1 >= is[1] || j2 < 0 || j2 >= is[2] || j3 < 0 || j3 >= is[3]) { \
                        FILL(out, v, os[4]);                                                                  \
                    } else {                                                                                  \
                        const T *row = in + (((j0 * is[1] + j1) * is[2] + j2) * is[3] + j3) * is[4];          \
                        FILL(out, v, pb[4]);                                                                  \
                        memcpy(out + pb[4], row, (size_t)is[4] * sizeof(T));                                  \
                        FILL(out + pb[4] + is[4], v, os[4] - pb[4] - is[4]);                                  \
                    }                                                                                         \
                    out += os[4];                                                                             \
                }                                                                                             \
}

#define MF__PAD_FILL_S8(dst, v, n) memset((dst), (v), (size_t)(n))
MF_INLINE void mf_pad_fill_s16(int16_t *dst, int16_t v, int32_t n) { for (int32_t k = 0; k < n; ++k) dst[k] = v; }

MF__PAD_DEFINE(s8, int8_t, MF__PAD_FILL_S8)
MF__PAD_DEFINE(s16, int16_t, mf_pad_fill_s16)

#endif
