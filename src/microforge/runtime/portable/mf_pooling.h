/* mf_pooling: int8 average and max pooling over valid (unpadded) taps, bit-exact with TFLM. */
#ifndef MF_POOLING_H
#define MF_POOLING_H
#include <stdint.h>
#include "mf_common.h"

typedef struct {
    int32_t batches, in_h, in_w, channels, out_h, out_w, f_h, f_w;
    int32_t stride_h, stride_w, pad_top, pad_left, act_min, act_max;
} mf_pool_params_t;

/* Portable pooling: the window is clipped to the image; the average rounds half away from zero.
 * The clipped window and its element count are worked out once per output pixel; each channel then
 * walks it with a pointer (one add per element, no index arithmetic). */
MF_INLINE void mf_pool_impl(const mf_pool_params_t *p, const int8_t *in, int8_t *out, int is_max)
{
    const int32_t C = p->channels;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = in + b * p->in_h * p->in_w * C;
        for (int32_t oy = 0; oy < p->out_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_top;
            const int32_t fy0 = y0 < 0 ? -y0 : 0;
            const int32_t fy1 = p->in_h - y0 < p->f_h ? p->in_h - y0 : p->f_h;
            for (int32_t ox = 0; ox < p->out_w; ++ox) {
                const int32_t x0 = ox * p->stride_w - p->pad_left;
                const int32_t fx0 = x0 < 0 ? -x0 : 0;
                const int32_t fx1 = p->in_w - x0 < p->f_w ? p->in_w - x0 : p->f_w;
                const int32_t nx = fx1 - fx0, ny = fy1 - fy0;
                const int32_t count = nx > 0 && ny > 0 ? nx * ny : 0;
                const int8_t *win = in_b + ((y0 + fy0) * p->in_w + (x0 + fx0)) * C;
                const int32_t row_skip = (p->in_w - nx) * C;
                for (int32_t c = 0; c < C; ++c) {
                    int32_t acc = is_max ? -128 : 0;
                    const int8_t *px = win + c;
                    for (int32_t fy = 0; fy < ny; ++fy, px += row_skip)
                        for (int32_t fx = 0; fx < nx; ++fx, px += C) {
                            const int32_t v = *px;
                            if (is_max) acc = v > acc ? v : acc;
                            else acc += v;
                        }
                    if (!is_max && count > 0)
                        acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
                    *out++ = (int8_t)mf_clamp_i32(acc, p->act_min, p->act_max);
                }
            }
        }
    }
}

MF_KERNEL void mf_avg_pool_s8(const mf_pool_params_t *p, const int8_t *in, int8_t *out) { mf_pool_impl(p, in, out, 0); }
MF_KERNEL void mf_max_pool_s8(const mf_pool_params_t *p, const int8_t *in, int8_t *out) { mf_pool_impl(p, in, out, 1); }

#endif
