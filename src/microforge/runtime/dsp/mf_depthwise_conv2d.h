/* mf_depthwise_conv2d (DSP: Cortex-M4/M7/M33): int8 depthwise convolution, bit-exact with TFLM.
 *
 * Depth multiplier 1 (the simd path): four channels at a time. One word load brings four input
 * channels; SXTB16 splits them into lanes (c0,c2) and (c1,c3) and SMLABB/SMLATT multiply them with
 * weights the compiler stored as int16 pairs in that lane order, doubled (2w), so the accumulator
 * holds 2*acc and SRDHM(acc, m) is one SMMULR(2*acc, m). Pixels whose window lies inside the image
 * run fully unrolled with constant offsets; border pixels read their taps through a per-pixel pointer
 * table whose out-of-image taps point at a row of input zero points. Channel tails (in_c % 4) go one
 * at a time.
 * Everything else (depth multiplier > 1, requantisation the fast path cannot reproduce) uses the
 * generic loop. Write order: output pixel p, channels ascending, each written after its own window
 * was read, as in the portable kernel, so ops/depthwise_conv2d.py overlap_lead holds for both.
 */
#ifndef MF_DEPTHWISE_CONV2D_H
#define MF_DEPTHWISE_CONV2D_H
#include <stdint.h>
#include <string.h>
#include <arm_acle.h>
#include "mf_common.h"

typedef struct {
    int32_t batches, in_h, in_w, in_c, depth_mult, out_h, out_w, k_h, k_w;
    int32_t stride_h, stride_w, dil_h, dil_w, pad_top, pad_left;
    int32_t pad_value, out_offset, act_min, act_max;
    const int8_t *weights;        /* [k_h][k_w][in_c * depth_mult] */
    const int32_t *bias;          /* folded bias, [in_c * depth_mult] */
    const int32_t *mult, *shift;
    /* SIMD layout (ops/depthwise_conv2d.py fills it when the dsp kernels are in use) */
    int32_t simd;                 /* 1: depth_mult 1, k_h*k_w <= 32, every shift <= -1, |2*acc| < 2^31 */
    const int16_t *wq;            /* [in_c/4][k_h*k_w][4] 2w, lanes c0,c2,c1,c3; then [in_c%4][k_h*k_w] 2w */
    const int32_t *rq;            /* per group of 4: 2*bias[4], mult[4], -shift-1[4]; per tail channel: the same 3 */
    const int8_t *pad;            /* in_c bytes of the input zero point, read for taps outside the image */
} mf_depthwise_conv2d_params_t;

MF_INLINE int32_t mf_dw_ld32(const void *p) { int32_t v; memcpy(&v, p, 4); return v; }
MF_INLINE int32_t mf_dw_sxtb16_ror8(int32_t x) { int32_t r; __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x)); return r; }

/* TFLM MBQM(acc, m, -(em1+1)) + zp from acc2 = 2*acc: SRDHM = SMMULR(2acc, m); RDBP(v, e) =
 * (((v + (v<0)) >> (e-1)) + 1) >> 1 (ties away from zero), the +1 and zp folded into zp2p1 = 2zp+1. */
MF_KERNEL int32_t mf_dw_requant(const mf_depthwise_conv2d_params_t *p, int32_t acc2, int32_t m, int32_t em1)
{
    int32_t v;
    __asm__("smmulr %0, %1, %2" : "=r"(v) : "r"(acc2), "r"(m));
    v = (v + (v >> 31)) >> em1;
    v = (v + 2 * p->out_offset + 1) >> 1;
    v = __ssat(v, 8);
    if (p->act_min > -128) v = v < p->act_min ? p->act_min : v;
    if (p->act_max < 127) v = v > p->act_max ? p->act_max : v;
    return v;
}

/* One output pixel, all channels. Interior pixels (tp == 0) read tap t of channel c at
 * win + ky*row + kx*col + c (constant offsets); border pixels read it at tp[t] + c, where tp[t] is
 * the tap's pixel or, outside the image, p->pad (in_c bytes of the input zero point: TFLM pads
 * with it and the folded bias expects it). */
MF_KERNEL void mf_dw_pixel(const mf_depthwise_conv2d_params_t *p, const int8_t *win,
                           const int8_t *const *tp, int8_t *out)
{
    const int32_t C = p->in_c, KK = p->k_h * p->k_w, G = C >> 2;
    const int32_t row = p->dil_h * p->in_w * C, col = p->dil_w * C;
    const int16_t *wg = p->wq;
    const int32_t *rq = p->rq;
    for (int32_t g = 0; g < G; ++g, wg += 4 * KK, rq += 12, out += 4) {
        int32_t a0 = rq[0], a1 = rq[1], a2 = rq[2], a3 = rq[3];
#pragma GCC unroll 32
        for (int32_t t = 0; t < KK; ++t) {
            const int8_t *xp = tp ? tp[t] + 4 * g : win + 4 * g + (t / p->k_w) * row + (t % p->k_w) * col;
            int32_t x, xe, w02, w13;
            /* one asm block so the three loads stay adjacent (an M4 pipelines back-to-back LDRs) */
            __asm__("ldr %[x], %[mx]\n\tldr %[w02], %[mw02]\n\tldr %[w13], %[mw13]\n\t"
                    "sxtb16 %[xe], %[x]\n\tsxtb16 %[x], %[x], ror #8\n\t"
                    "smlabb %[a0], %[xe], %[w02], %[a0]\n\tsmlatt %[a2], %[xe], %[w02], %[a2]\n\t"
                    "smlabb %[a1], %[x], %[w13], %[a1]\n\tsmlatt %[a3], %[x], %[w13], %[a3]"
                    : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3),
                      [x] "=&r"(x), [xe] "=&r"(xe), [w02] "=&r"(w02), [w13] "=&r"(w13)
                    : [mx] "m"(*(const int32_t *)xp), [mw02] "m"(*(const int32_t *)(wg + 4 * t)),
                      [mw13] "m"(*(const int32_t *)(wg + 4 * t + 2)));
        }
        out[0] = (int8_t)mf_dw_requant(p, a0, rq[4], rq[8]);
        out[1] = (int8_t)mf_dw_requant(p, a1, rq[5], rq[9]);
        out[2] = (int8_t)mf_dw_requant(p, a2, rq[6], rq[10]);
        out[3] = (int8_t)mf_dw_requant(p, a3, rq[7], rq[11]);
    }
    for (int32_t c = 4 * G; c < C; ++c, wg += KK, rq += 3) {
        int32_t a = rq[0];
        for (int32_t t = 0; t < KK; ++t)
            a += (int32_t)(tp ? tp[t][c] : win[c + (t / p->k_w) * row + (t % p->k_w) * col]) * wg[t];
        *out++ = (int8_t)mf_dw_requant(p, a, rq[1], rq[2]);
    }
}

/* First tap index >= 0 whose position origin + k*dil lies in [0, n), and one past the last. */
MF_INLINE int32_t mf_dw_first(int32_t origin, int32_t dil) { return origin >= 0 ? 0 : (-origin + dil - 1) / dil; }
MF_INLINE int32_t mf_dw_end(int32_t origin, int32_t dil, int32_t n, int32_t k)
{
    const int32_t room = n - origin;
    const int32_t e = room <= 0 ? 0 : (room + dil - 1) / dil;
    return e < k ? e : k;
}

MF_KERNEL void mf_depthwise_conv2d_generic(const mf_depthwise_conv2d_params_t *p, const int8_t *in, int8_t *out)
{
    const int32_t out_c = p->in_c * p->depth_mult;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = in + b * p->in_h * p->in_w * p->in_c;
        for (int32_t oy = 0; oy < p->out_h; ++oy) {
            const int32_t iy0 = oy * p->stride_h - p->pad_top;
            for (int32_t ox = 0; ox < p->out_w; ++ox) {
                const int32_t ix0 = ox * p->stride_w - p->pad_left;
                for (int32_t oc = 0; oc < out_c; ++oc) {
                    const int32_t ic = oc / p->depth_mult;
                    int32_t acc = p->bias[oc];
                    for (int32_t ky = 0; ky < p->k_h; ++ky) {
                        const int32_t iy = iy0 + ky * p->dil_h;
                        for (int32_t kx = 0; kx < p->k_w; ++kx) {
                            const int32_t ix = ix0 + kx * p->dil_w;
                            const int32_t xv = (iy >= 0 && iy < p->in_h && ix >= 0 && ix < p->in_w)
                                ? in_b[(iy * p->in_w + ix) * p->in_c + ic] : p->pad_value;
                            acc += xv * p->weights[(ky * p->k_w + kx) * out_c + oc];
                        }
                    }
                    acc = mf_mbqm(acc, p->mult[oc], p->shift[oc]) + p->out_offset;
                    *out++ = (int8_t)mf_clamp_i32(acc, p->act_min, p->act_max);
                }
            }
        }
    }
}

MF_KERNEL void mf_depthwise_conv2d_s8(const mf_depthwise_conv2d_params_t *p, const int8_t *in, int8_t *out)
{
    if (!p->simd) {
        mf_depthwise_conv2d_generic(p, in, out);
        return;
    }
    const int32_t C = p->in_c;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = in + b * p->in_h * p->in_w * C;
        for (int32_t oy = 0; oy < p->out_h; ++oy) {
            const int32_t iy0 = oy * p->stride_h - p->pad_top;
            const int32_t ky0 = mf_dw_first(iy0, p->dil_h), ky1 = mf_dw_end(iy0, p->dil_h, p->in_h, p->k_h);
            const int full_rows = ky0 == 0 && ky1 == p->k_h;
            for (int32_t ox = 0; ox < p->out_w; ++ox, out += C) {
                const int32_t ix0 = ox * p->stride_w - p->pad_left;
                const int32_t kx0 = mf_dw_first(ix0, p->dil_w), kx1 = mf_dw_end(ix0, p->dil_w, p->in_w, p->k_w);
                const int8_t *win = in_b + (iy0 * p->in_w + ix0) * C;
                if (full_rows && kx0 == 0 && kx1 == p->k_w) {
                    mf_dw_pixel(p, win, 0, out);
                } else {
                    const int8_t *tp[32];
                    for (int32_t ky = 0, t = 0; ky < p->k_h; ++ky)
                        for (int32_t kx = 0; kx < p->k_w; ++kx, ++t)
                            tp[t] = ky >= ky0 && ky < ky1 && kx >= kx0 && kx < kx1
                                ? win + ky * p->dil_h * p->in_w * C + kx * p->dil_w * C : p->pad;
                    mf_dw_pixel(p, win, tp, out);
                }
            }
        }
    }
}

#endif
