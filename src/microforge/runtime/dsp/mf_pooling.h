/* mf_pooling (DSP: Cortex-M4/M7/M33): int8 average and max pooling, bit-exact with TFLM.
 *
 * Four channels per word: the average adds each window element's bytes into two accumulators of
 * 16-bit lanes with SXTAB16 (lanes c0,c2 and, rotated by 8, c1,c3), exact while the window holds at
 * most 256 elements (|sum| <= 128 * 256); the maximum keeps a packed running maximum with SSUB8/SEL.
 * Channel tails (channels % 4) and larger average windows take the portable loop. Order: per output
 * pixel, per group of 4 channels, the group's window reads before its writes, so the per-channel
 * overlap lead of ops/pooling.py still holds. Same params and signatures as runtime/portable/mf_pooling.h.
 */
#ifndef MF_POOLING_H
#define MF_POOLING_H
#include <stdint.h>
#include <string.h>
#include <arm_acle.h>
#include "mf_common.h"

typedef struct {
    int32_t batches, in_h, in_w, channels, out_h, out_w, f_h, f_w;
    int32_t stride_h, stride_w, pad_top, pad_left, act_min, act_max;
} mf_pool_params_t;

/* The portable loop (runtime/portable/mf_pooling.h), for the channel tails. */
MF_INLINE void mf_pool_impl(const mf_pool_params_t *p, const int8_t *in, int8_t *out, int is_max, int32_t c_begin)
{
    const int32_t C = p->channels;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = in + b * p->in_h * p->in_w * C;
        int8_t *out_b = out + b * p->out_h * p->out_w * C;
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
                for (int32_t c = c_begin; c < C; ++c) {
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
                    out_b[(oy * p->out_w + ox) * C + c] = (int8_t)mf_clamp_i32(acc, p->act_min, p->act_max);
                }
            }
        }
    }
}

/* TFLM's average, acc / count rounded half away from zero ((acc +- count/2) / count, truncating), plus 256, without
 * a branch on acc's sign: floor((acc + h - s) / count) with h = count / 2 and s = (acc < 0) for an even count, 0 for an
 * odd one (acc = -(q * count + r), 0 <= r < count, rounds to -q - (r >= h) (even), -q - (r > h) (odd), and so does the
 * floor). The floor by unsigned division after adding 256 * count (|acc| <= 128 * count): for the constant count of a
 * window never clipped, GCC divides by one UMULL and a shift. The 256 stays (its low byte is the average's) unless an
 * activation clamp needs the value: GCC would not drop its subtraction before a byte store. */
MF_INLINE int32_t mf_pool_round_div256(int32_t acc, int32_t count)
{
    const int32_t y = acc + count / 2 + 256 * count + ((count & 1) ? 0 : acc >> 31);
    return (int32_t)((uint32_t)y / (uint32_t)count);
}

/* Groups of 4 channels of every output pixel; returns the first channel left to the portable loop. */
MF_KERNEL int32_t mf_pool_simd(const mf_pool_params_t *p, const int8_t *in, int8_t *out, int is_max)
{
    const int32_t C = p->channels, G4 = C & ~3;
    if (G4 == 0 || (!is_max && p->f_h * p->f_w > 256)) return 0;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = in + b * p->in_h * p->in_w * C;
        int8_t *out_b = out + b * p->out_h * p->out_w * C;
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
                int8_t *o = out_b + (oy * p->out_w + ox) * C;
                for (int32_t g = 0; g < G4; g += 4) {
                    const int8_t *px = win + g;
                    int32_t r[4];
                    if (is_max) {
                        uint32_t m = 0x80808080u;
                        for (int32_t fy = 0; fy < ny; ++fy, px += row_skip)
                            for (int32_t fx = 0; fx < nx; ++fx, px += C) {
                                uint32_t v, d;
                                memcpy(&v, px, 4);
                                __asm__("ssub8 %1, %0, %2\n\tsel %0, %0, %2" : "+r"(v), "=&r"(d) : "r"(m) : "cc");
                                m = v;
                            }
                        r[0] = (int8_t)m; r[1] = (int8_t)(m >> 8); r[2] = (int8_t)(m >> 16); r[3] = (int8_t)(m >> 24);
                    } else {
                        uint32_t s02 = 0, s13 = 0;
                        for (int32_t fy = 0; fy < ny; ++fy, px += row_skip)
#pragma GCC unroll 8
                            for (int32_t fx = 0; fx < nx; ++fx, px += C) {
                                uint32_t v;
                                memcpy(&v, px, 4);
                                s02 = __sxtab16(s02, v);
                                __asm__("sxtab16 %0, %0, %1, ror #8" : "+r"(s13) : "r"(v));   /* bytes 1, 3 */
                            }
                        r[0] = (int16_t)s02; r[2] = (int32_t)s02 >> 16; r[1] = (int16_t)s13; r[3] = (int32_t)s13 >> 16;
                        if (count > 0)
#pragma GCC unroll 4   /* r[] in registers, not on the stack */
                            for (int32_t j = 0; j < 4; ++j)
                                r[j] = mf_pool_round_div256(r[j], count) - (p->act_min > -128 || p->act_max < 127 ? 256 : 0);
                    }
#pragma GCC unroll 4
                    for (int32_t j = 0; j < 4; ++j) {   /* an average or maximum of int8 values is one: no clamp */
                        if (p->act_min > -128) r[j] = r[j] < p->act_min ? p->act_min : r[j];   /* but the activation's */
                        if (p->act_max < 127) r[j] = r[j] > p->act_max ? p->act_max : r[j];
                        o[g + j] = (int8_t)r[j];
                    }
                }
            }
        }
    }
    return G4;
}

MF_KERNEL void mf_avg_pool_s8(const mf_pool_params_t *p, const int8_t *in, int8_t *out)
{
    const int32_t c0 = mf_pool_simd(p, in, out, 0);
    if (c0 < p->channels) mf_pool_impl(p, in, out, 0, c0);
}

MF_KERNEL void mf_max_pool_s8(const mf_pool_params_t *p, const int8_t *in, int8_t *out)
{
    const int32_t c0 = mf_pool_simd(p, in, out, 1);
    if (c0 < p->channels) mf_pool_impl(p, in, out, 1, c0);
}

#endif
