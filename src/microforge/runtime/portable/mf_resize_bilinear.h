/* mf_resize_bilinear: int8 bilinear resize with TFLM's integer arithmetic (Q10 taps from the compiler, Q20 sums). */
#ifndef MF_RESIZE_BILINEAR_H
#define MF_RESIZE_BILINEAR_H
#include <stdint.h>
#include "mf_common.h"

typedef struct {
    int32_t batches, depth, out_h, out_w, in_image;   /* in_image: elements per input image */
    const int32_t *ytab;   /* per output row: offset of the lower and upper source row, Q10 weight of the upper */
    const int32_t *xtab;   /* per output column: the same for source columns (offsets in elements) */
} mf_resize_bilinear_params_t;

MF_KERNEL void mf_resize_bilinear_s8(const mf_resize_bilinear_params_t *p, const int8_t *in, int8_t *out)
{
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *img = in + b * p->in_image;
        for (int32_t y = 0; y < p->out_h; ++y) {
            const int8_t *r0 = img + p->ytab[3 * y], *r1 = img + p->ytab[3 * y + 1];
            const int32_t wy1 = p->ytab[3 * y + 2], wy0 = 1024 - wy1;
            for (int32_t x = 0; x < p->out_w; ++x) {
                const int32_t x0 = p->xtab[3 * x], x1 = p->xtab[3 * x + 1];
                const int32_t wx1 = p->xtab[3 * x + 2], wx0 = 1024 - wx1;
                /* v*wy*wx == v*(wy*wx) exactly: TFLM's int64 products never overflow */
                const int32_t w00 = wy0 * wx0, w10 = wy1 * wx0, w01 = wy0 * wx1, w11 = wy1 * wx1;
                for (int32_t c = 0; c < p->depth; ++c) {
                    /* |sum| < 2^30: every weight pair sums to 1024 in magnitude at most 2048 */
                    const int32_t v = r0[x0 + c] * w00 + r1[x0 + c] * w10 + r0[x1 + c] * w01 + r1[x1 + c] * w11;
                    const int32_t q = (v + (v > 0 ? (1 << 19) : -(1 << 19))) / (1 << 20);  /* C truncation, as TFLM */
                    *out++ = (int8_t)q;
                }
            }
        }
    }
}

#endif
