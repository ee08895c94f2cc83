/* mf_pool_loop: the portable pooling loop for any element type (int8 in mf_pooling.h, int16 in mf_pooling_s16.h). */
#ifndef MF_POOL_LOOP_H
#define MF_POOL_LOOP_H
#include <stdint.h>
#include "mf_common.h"

/* Defines `static void FN(const mf_pool_params_t *p, const T *in, T *out, int is_max)` (after the params struct).
 * TFLM's int8 and int16 pooling are the same loop: the window is clipped to the image, the int32 sum is divided
 * rounding half away from zero, the maximum starts at the type's lowest value; then the activation clamp.
 * The clipped window and its element count are worked out once per output pixel; each channel then walks it
 * with a pointer (one add per element, no index arithmetic). */
#define MF_POOL_DEFINE(FN, T, LOWEST)                                                                         \
MF_INLINE void FN(const mf_pool_params_t *p, const T *in, T *out, int is_max)                                \
{                                                                                                             \
    const int32_t C = p->channels;                                                                            \
    for (int32_t b = 0; b < p->batches; ++b) {                                                                \
        const T *in_b = in + b * p->in_h * p->in_w * C;                                                       \
        for (int32_t oy = 0; oy < p->out_h; ++oy) {                                                           \
            const int32_t y0 = oy * p->stride_h - p->pad_top;                                                 \
            const int32_t fy0 = y0 < 0 ? -y0 : 0;                                                             \
            const int32_t fy1 = p->in_h - y0 < p->f_h ? p->in_h - y0 : p->f_h;                                \
            for (int32_t ox = 0; ox < p->out_w; ++ox) {                                                       \
                const int32_t x0 = ox * p->stride_w - p->pad_left;                                            \
                const int32_t fx0 = x0 < 0 ? -x0 : 0;                                                         \
                const int32_t fx1 = p->in_w - x0 < p->f_w ? p->in_w - x0 : p->f_w;                            \
                const int32_t nx = fx1 - fx0, ny = fy1 - fy0;                                                 \
                const int32_t count = nx > 0 && ny > 0 ? nx * ny : 0;                                         \
                const T *win = in_b + ((y0 + fy0) * p->in_w + (x0 + fx0)) * C;                                \
                const int32_t row_skip = (p->in_w - nx) * C;                                                  \
                for (int32_t c = 0; c < C; ++c) {                                                             \
                    int32_t acc = is_max ? (LOWEST) : 0;                                                      \
                    const T *px = win + c;                                                                    \
                    for (int32_t fy = 0; fy < ny; ++fy, px += row_skip)                                       \
                        for (int32_t fx = 0; fx < nx; ++fx, px += C) {                                        \
                            const int32_t v = *px;                                                            \
                            if (is_max) acc = v > acc ? v : acc;                                              \
                            else acc += v;                                                                    \
                        }                                                                                     \
                    if (!is_max && count > 0)                                                                 \
                        acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;                \
                    *out++ = (T)mf_clamp_i32(acc, p->act_min, p->act_max);                                    \
                }                                                                                             \
            }                                                                                                 \
        }                                                                                                     \
    }                                                                                                         \
}

#endif
