/* mf_conv2d: int8 2-D convolution (NHWC input, OHWI weights), bit-exact with TFLM's reference. */
#ifndef MF_CONV2D_H
#define MF_CONV2D_H
#include <stdint.h>
#include "mf_common.h"

typedef struct {
    int32_t batches, in_h, in_w, in_c, out_h, out_w, out_c, k_h, k_w;
    int32_t stride_h, stride_w, dil_h, dil_w, pad_top, pad_left;
    int32_t pad_value;            /* input zero point: what a padded tap reads */
    int32_t out_offset, act_min, act_max;
    const int8_t *weights;        /* [out_c][k_h][k_w][in_c] */
    const int32_t *bias;          /* bias with the input zero point folded in, [out_c] */
    const int32_t *mult, *shift;  /* per output channel requantisation */
} mf_conv2d_params_t;

#ifndef MF_FAST_MBQM_DEFINED
#define MF_FAST_MBQM_DEFINED
/* Same value as mf_mbqm (see mf_common.h): for a*b >= 0 the reference adds 2^30 and truncates,
 * for a*b < 0 it adds 1-2^30 and truncates toward zero, which is floor((a*b + 2^30) / 2^31) in
 * both cases; so one 64-bit add and arithmetic shift, no branches on the sign. */
MF_INLINE int32_t mf__fast_mbqm(int32_t x, int32_t m, int shift)
{
    const int left = shift > 0 ? shift : 0;
    const int right = shift > 0 ? 0 : -shift;
    const int32_t a = mf_wrap_shl32(x, left);
    int32_t r;
    if (a == MF_INT32_MIN && m == MF_INT32_MIN) r = MF_INT32_MAX;
    else {
#if defined(__ARM_ARCH_6M__) || defined(MF_TEST_SPLIT_MUL)
        /* ARMv6-M has no 32x32->64 multiply (the int64 product calls __aeabi_lmul): build bits
         * 31..62 of a*m + 2^30 from four 16x16 products (the result fits int32). */
        /* a*m + 2^30 = (hh + m1>>16 + m2>>16) * 2^32 + t * 2^16 + (ll & 0xFFFF) with
         * t = (ll >> 16) + (m1 & 0xFFFF) + (m2 & 0xFFFF) + 2^14 < 2^18, so the floor of the
         * quotient by 2^31 is 2 * (hh + m1>>16 + m2>>16) + (t >> 15) (mod 2^32). */
        const int32_t ah = a >> 16, mh = m >> 16;
        const uint32_t al = (uint32_t)a & 0xFFFFu, ml = (uint32_t)m & 0xFFFFu;
        const int32_t m1 = ah * (int32_t)ml, m2 = (int32_t)al * mh;
        const uint32_t ll = al * ml;
        const uint32_t t = (ll >> 16) + ((uint32_t)m1 & 0xFFFFu) + ((uint32_t)m2 & 0xFFFFu) + (1u << 14);
        const uint32_t hi = (uint32_t)(ah * mh) + (uint32_t)(m1 >> 16) + (uint32_t)(m2 >> 16);
        r = (int32_t)((hi << 1) + (t >> 15));
#else
        r = (int32_t)(((int64_t)a * (int64_t)m + ((int64_t)1 << 30)) >> 31);
#endif
    }
    return mf_rdbp(r, right);
}
#endif

MF_INLINE int8_t mf_conv2d__requant(const mf_conv2d_params_t *p, int32_t acc, int32_t oc)
{
    acc = mf__fast_mbqm(acc, p->mult[oc], p->shift[oc]) + p->out_offset;
    return (int8_t)mf_clamp_i32(acc, p->act_min, p->act_max);
}

/* Portable int8 convolution: padded taps read the input zero point, so the folded bias stays exact.
 * Order (overlap_lead): pixels in increasing order; each output channel is written after its
 * pixel's whole window has been read. Interior pixels take a check-free path that computes two
 * output channels per pass over the window (each input byte loaded once for both). */
MF_KERNEL void mf_conv2d_s8(const mf_conv2d_params_t *p, const int8_t *in, int8_t *out)
{
    const int32_t in_c = p->in_c;
    const int32_t kernel_size = p->k_h * p->k_w * in_c;
    /* contiguous run of input bytes per window row (whole row when dil_w == 1) */
    const int32_t seg = p->dil_w == 1 ? p->k_w * in_c : in_c;
    const int32_t nseg = p->dil_w == 1 ? 1 : p->k_w;
    const int32_t row_step = p->dil_h * p->in_w * in_c;
    const int32_t seg_step = p->dil_w * in_c;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = in + b * p->in_h * p->in_w * in_c;
        for (int32_t oy = 0; oy < p->out_h; ++oy) {
            const int32_t iy0 = oy * p->stride_h - p->pad_top;
            const int rows_in = iy0 >= 0 && iy0 + (p->k_h - 1) * p->dil_h < p->in_h;
            for (int32_t ox = 0; ox < p->out_w; ++ox) {
                const int32_t ix0 = ox * p->stride_w - p->pad_left;
                if (rows_in && ix0 >= 0 && ix0 + (p->k_w - 1) * p->dil_w < p->in_w) {
                    const int8_t *px0 = in_b + (iy0 * p->in_w + ix0) * in_c;
                    const int8_t *w = p->weights;
                    int32_t oc = 0;
                    for (; oc + 1 < p->out_c; oc += 2) {
                        int32_t acc0 = p->bias[oc], acc1 = p->bias[oc + 1];
                        const int8_t *wa = w;
                        const int8_t *row = px0;
                        for (int32_t ky = 0; ky < p->k_h; ++ky) {
                            const int8_t *x = row;
                            for (int32_t s = 0; s < nseg; ++s) {
                                for (int32_t i = 0; i < seg; ++i) {
                                    const int32_t xv = x[i];
                                    acc0 += xv * wa[i];
                                    acc1 += xv * wa[i + kernel_size];
                                }
                                wa += seg;
                                x += seg_step;
                            }
                            row += row_step;
                        }
                        w += 2 * kernel_size;
                        *out++ = mf_conv2d__requant(p, acc0, oc);
                        *out++ = mf_conv2d__requant(p, acc1, oc + 1);
                    }
                    if (oc < p->out_c) {
                        int32_t acc0 = p->bias[oc];
                        const int8_t *wa = w;
                        const int8_t *row = px0;
                        for (int32_t ky = 0; ky < p->k_h; ++ky) {
                            const int8_t *x = row;
                            for (int32_t s = 0; s < nseg; ++s) {
                                for (int32_t i = 0; i < seg; ++i) acc0 += (int32_t)x[i] * wa[i];
                                wa += seg;
                                x += seg_step;
                            }
                            row += row_step;
                        }
                        *out++ = mf_conv2d__requant(p, acc0, oc);
                    }
                    continue;
                }
                {
                    /* border pixel: the in-image taps form a rectangle [ky_lo,ky_hi) x [kx_lo,kx_hi);
                     * padded taps add pad_value * (sum of their weights) */
                    int32_t ky_lo = 0, ky_hi, kx_lo = 0, kx_hi;
                    while (ky_lo < p->k_h && iy0 + ky_lo * p->dil_h < 0) ++ky_lo;
                    ky_hi = ky_lo;
                    while (ky_hi < p->k_h && iy0 + ky_hi * p->dil_h < p->in_h) ++ky_hi;
                    while (kx_lo < p->k_w && ix0 + kx_lo * p->dil_w < 0) ++kx_lo;
                    kx_hi = kx_lo;
                    while (kx_hi < p->k_w && ix0 + kx_hi * p->dil_w < p->in_w) ++kx_hi;
                    const int32_t org = (iy0 * p->in_w + ix0) * in_c;  /* window origin, may be outside */
                    const int8_t *w = p->weights;
                    for (int32_t oc = 0; oc < p->out_c; ++oc) {
                        int32_t acc = p->bias[oc];
                        int32_t pw = 0;
                        for (int32_t ky = 0; ky < p->k_h; ++ky) {
                            const int8_t *wr = w + ky * p->k_w * in_c;
                            if (ky < ky_lo || ky >= ky_hi) {
                                for (int32_t i = 0; i < p->k_w * in_c; ++i) pw += wr[i];
                                continue;
                            }
                            for (int32_t i = 0; i < kx_lo * in_c; ++i) pw += wr[i];
                            for (int32_t i = kx_hi * in_c; i < p->k_w * in_c; ++i) pw += wr[i];
                            const int32_t xr = org + ky * row_step;
                            for (int32_t kx = kx_lo; kx < kx_hi; ++kx) {
                                const int8_t *x = in_b + (xr + kx * seg_step);
                                const int8_t *wk = wr + kx * in_c;
                                for (int32_t ic = 0; ic < in_c; ++ic) acc += (int32_t)x[ic] * wk[ic];
                            }
                        }
                        w += kernel_size;
                        acc += p->pad_value * pw;
                        *out++ = mf_conv2d__requant(p, acc, oc);
                    }
                }
            }
        }
    }
}

#endif
