/* mf_depthwise_conv2d: int8 depthwise convolution with depth multiplier, bit-exact with TFLM. */
#ifndef MF_DEPTHWISE_CONV2D_H
#define MF_DEPTHWISE_CONV2D_H
#include <stdint.h>
#include <string.h>
#include "mf_common.h"

typedef struct {
    int32_t batches, in_h, in_w, in_c, depth_mult, out_h, out_w, k_h, k_w;
    int32_t stride_h, stride_w, dil_h, dil_w, pad_top, pad_left;
    int32_t pad_value, out_offset, act_min, act_max;
    const int8_t *weights;        /* [k_h][k_w][in_c * depth_mult]; with rq4: per group of 4 channels its k_h*k_w words */
    const int32_t *bias;          /* folded bias, [in_c * depth_mult] */
    const int32_t *mult, *shift;
    /* optional (ops/depthwise_conv2d.py fills it for depth multiplier 1, channels % 4 == 0, when the
     * folded rounding below is exact): per group of 4 channels bias[4], mult[4], e[4], rnd[4] with
     * e = -shift in 1..22 and rnd = 2^(e-1) + out_offset * 2^e */
    const int32_t *rq4;
    int32_t rq_narrow;            /* 1: every |acc| < 2^20 (ops/_requant.py rq_narrow): rq4 per group bias[4], m[4], e[4]
                                   * for mf_rq_e_n */
} mf_depthwise_conv2d_params_t;

/* rq4 requantisation (mf_rq_e, or mf_rq_e_n for narrow accumulators): RDBP(v, e) + zp = (v - (v<0) + rnd) >> e
 * (nested floors by powers of two collapse; |v| < 2^30 and rnd < 2^30 keep the sum inside int32). */
MF_INLINE int8_t mf_dw__rq4(const mf_depthwise_conv2d_params_t *p, int32_t acc, int32_t m, int32_t e, int32_t rnd)
{
    if (p->rq_narrow) return (int8_t)mf_rq_e_n(acc, m, e, p->out_offset, p->act_min, p->act_max);
    return (int8_t)mf_rq_e(acc, m, e, rnd, p->act_min, p->act_max);
}

MF_INLINE int8_t mf_depthwise_conv2d__requant(const mf_depthwise_conv2d_params_t *p, int32_t acc, int32_t oc)
{
    acc = mf_mbqm_fast(acc, p->mult[oc], p->shift[oc]) + p->out_offset;
    return (int8_t)mf_clamp_i32(acc, p->act_min, p->act_max);
}

/* Four channels of one pixel from aligned words: one word load of the input and one of the weights per
 * tap, bytes sign-extended by shifts (a core without SIMD still loads 4 bytes for the price of 1).
 * tp == 0: interior pixel, tap (ky,kx) at win + ky*row + kx*col; otherwise tap t is valid when
 * bit t of `valid` is set and reads the input zero point (`padw`, 4 copies) otherwise, which is
 * what the folded bias expects. */
MF_INLINE int32_t mf_dw__word(const int8_t *ptr, int aligned)
{
    uint32_t v;
    if (aligned) memcpy(&v, __builtin_assume_aligned(ptr, 4), 4);
    else memcpy(&v, ptr, 4);  /* byte loads where a word load could fault (ARMv6-M) */
    return (int32_t)v;
}

/* a_j += byte j of x * byte j of w, both sign-extended. ARMv6-M: explicit so that the two scratch
 * registers stay low and the accumulators may live in high registers (ADD reaches them; GCC's own
 * allocation of the two-operand MULS spilled). */
#if defined(__ARM_ARCH_6M__)
#define MF_DW_MAC4(a0, a1, a2, a3, x, w) do { int32_t _t0, _t1; __asm__( \
    ".syntax unified\n\t" /* GCC hands Thumb-1 inline asm to the assembler in divided syntax */ \
    "sxtb %[t0], %[xx]\n\tsxtb %[t1], %[ww]\n\tmuls %[t0], %[t1], %[t0]\n\tadd %[c0], %[t0]\n\t" \
    "lsls %[t0], %[xx], #16\n\tasrs %[t0], %[t0], #24\n\tlsls %[t1], %[ww], #16\n\tasrs %[t1], %[t1], #24\n\t" \
    "muls %[t0], %[t1], %[t0]\n\tadd %[c1], %[t0]\n\t" \
    "lsls %[t0], %[xx], #8\n\tasrs %[t0], %[t0], #24\n\tlsls %[t1], %[ww], #8\n\tasrs %[t1], %[t1], #24\n\t" \
    "muls %[t0], %[t1], %[t0]\n\tadd %[c2], %[t0]\n\t" \
    "asrs %[t0], %[xx], #24\n\tasrs %[t1], %[ww], #24\n\tmuls %[t0], %[t1], %[t0]\n\tadd %[c3], %[t0]\n\t.syntax divided" \
    : [c0] "+r"(a0), [c1] "+r"(a1), [c2] "+r"(a2), [c3] "+r"(a3), [t0] "=&l"(_t0), [t1] "=&l"(_t1) \
    : [xx] "l"(x), [ww] "l"(w) : "cc"); } while (0)
#else
#define MF_DW_MAC4(a0, a1, a2, a3, x, w) do { \
    a0 += (int32_t)(int8_t)(x) * (int8_t)(w); \
    a1 += ((int32_t)((uint32_t)(x) << 16) >> 24) * ((int32_t)((uint32_t)(w) << 16) >> 24); \
    a2 += ((int32_t)((uint32_t)(x) << 8) >> 24) * ((int32_t)((uint32_t)(w) << 8) >> 24); \
    a3 += ((x) >> 24) * ((w) >> 24); } while (0)
#endif

#if MF_M0_HI_ASM
/* One tap of a group: x and w words at byte offset o of the gathered window and of the group's weights;
 * c_j += x_j * w_j with the sums in r8-r11 (ADD reaches them), the 4 lanes sign-extended by shifts. */
#define MF_DW_TAP(o) \
    "ldr %[x], [%[xp], #" #o "]\n\t" "ldr %[w], [%[wp], #" #o "]\n\t" MF_DW_LANES
#define MF_DW_LANES \
    "sxtb %[t0], %[x]\n\t" "sxtb %[t1], %[w]\n\t" "muls %[t0], %[t1], %[t0]\n\t" "add %[c0], %[t0]\n\t" \
    "lsls %[t0], %[x], #16\n\t" "asrs %[t0], %[t0], #24\n\t" "lsls %[t1], %[w], #16\n\t" "asrs %[t1], %[t1], #24\n\t" \
    "muls %[t0], %[t1], %[t0]\n\t" "add %[c1], %[t0]\n\t" \
    "lsls %[t0], %[x], #8\n\t" "asrs %[t0], %[t0], #24\n\t" "lsls %[t1], %[w], #8\n\t" "asrs %[t1], %[t1], #24\n\t" \
    "muls %[t0], %[t1], %[t0]\n\t" "add %[c2], %[t0]\n\t" \
    "asrs %[x], %[x], #24\n\t" "asrs %[w], %[w], #24\n\t" "muls %[x], %[w], %[x]\n\t" "add %[c3], %[x]\n\t"
/* an interior pixel's tap: the window word at q, q stepped by STEP (+C along a row, +R-2C to the next row) */
#define MF_DW_QTAP(o, STEP) "ldr %[x], [%[q]]\n\t" "ldr %[w], [%[wp], #" #o "]\n\t" STEP MF_DW_LANES
#define MF_DW_COL "add %[q], %[hc]\n\t"
#define MF_DW_ROW "add %[q], %[hr]\n\t"
/* an interior 3x3 group straight from the window (aligned): 7 low registers and r8-r12 */
#define MF_DW_QMAC9(Q, WP, HC, HR, A0, A1, A2, A3) do { int32_t _x, _w, _t0, _t1; const int8_t *_q = (Q); \
    __asm__(".syntax unified\n\t" \
        MF_DW_QTAP(0, MF_DW_COL) MF_DW_QTAP(4, MF_DW_COL) MF_DW_QTAP(8, MF_DW_ROW) \
        MF_DW_QTAP(12, MF_DW_COL) MF_DW_QTAP(16, MF_DW_COL) MF_DW_QTAP(20, MF_DW_ROW) \
        MF_DW_QTAP(24, MF_DW_COL) MF_DW_QTAP(28, MF_DW_COL) MF_DW_QTAP(32, "") ".syntax divided" \
        : [x] "=&l"(_x), [w] "=&l"(_w), [t0] "=&l"(_t0), [t1] "=&l"(_t1), [q] "+l"(_q), \
          [c0] "+l"(A0), [c1] "+h"(A1), [c2] "+h"(A2), [c3] "+h"(A3) \
        : [wp] "l"(WP), [hc] "h"(HC), [hr] "h"(HR), "m"(*(const int32_t (*)[9])(WP)) : "cc", "memory"); } while (0)
/* a group's 4 outputs; narrow constants bias[4] at +0, m[4] at +16, e[4] at +32 */
#define MF_DW_RQ4(F) F(0, 16, 32, 0) F(4, 20, 36, 1) F(8, 24, 40, 2) F(12, 28, 44, 3)
#define MF_DW_INIT(j, o) "ldr %[t0], [%[rq], #" #o "]\n\t" "mov %[c" #j "], %[t0]\n\t"
#define MF_DW_SAVE(j, o) "mov %[t0], %[c" #j "]\n\t" "str %[t0], [%[xp], #" #o "]\n\t"
/* a 3x3 group: the sums start at the biases rq[0..3], take the 9 gathered words xp[0..8] against the group's 9
 * weight words, and end over xp[0..3] (MF_M0_RQN's accumulators) */
#define MF_DW_MAC9(XP, WP, RQ) do { int32_t _x, _w, _t0, _t1, _c0, _c1, _c2, _c3; \
    __asm__ volatile(".syntax unified\n\t" \
        MF_DW_INIT(0, 0) MF_DW_INIT(1, 4) MF_DW_INIT(2, 8) MF_DW_INIT(3, 12) \
        MF_DW_TAP(0) MF_DW_TAP(4) MF_DW_TAP(8) MF_DW_TAP(12) MF_DW_TAP(16) MF_DW_TAP(20) MF_DW_TAP(24) \
        MF_DW_TAP(28) MF_DW_TAP(32) \
        MF_DW_SAVE(0, 0) MF_DW_SAVE(1, 4) MF_DW_SAVE(2, 8) MF_DW_SAVE(3, 12) ".syntax divided" \
        : [x] "=&l"(_x), [w] "=&l"(_w), [t0] "=&l"(_t0), [t1] "=&l"(_t1), \
          [c0] "=&h"(_c0), [c1] "=&h"(_c1), [c2] "=&h"(_c2), [c3] "=&h"(_c3) \
        : [xp] "l"(XP), [wp] "l"(WP), [rq] "l"(RQ) : "cc", "memory"); } while (0)
#endif

/* One group of 4 channels of one pixel. wp: the group's k_h*k_w weight words (ops/depthwise_conv2d.py
 * _portable_w4), rq: its constants. ARMv6-M, 3x3: an interior pixel's group is one assembly block reading the
 * window by pointer steps; with narrow accumulators a border pixel's 9 words are first gathered on the stack (its
 * padded taps as padw), so one block reads window and weights at constant offsets; C elsewhere. */
MF_KERNEL void mf_dw__group4(const mf_depthwise_conv2d_params_t *p, const int8_t *win, uint32_t valid, int border,
                             int32_t padw, const int8_t *wp, const int32_t *rq, int8_t *out, int aligned)
{
    const int32_t C = p->in_c;
    const int32_t row = p->dil_h * p->in_w * C, col = p->dil_w * C;
#if MF_M0_HI_ASM
    if (p->k_h == 3 && p->k_w == 3 && !border && aligned) {
        int32_t a0 = rq[0], a1 = rq[1], a2 = rq[2], a3 = rq[3];
        MF_DW_QMAC9(win, wp, col, row - 2 * col, a0, a1, a2, a3);
        if (!p->rq_narrow) {
            out[0] = mf_dw__rq4(p, a0, rq[4], rq[8], rq[12]);
            out[1] = mf_dw__rq4(p, a1, rq[5], rq[9], rq[13]);
            out[2] = mf_dw__rq4(p, a2, rq[6], rq[10], rq[14]);
            out[3] = mf_dw__rq4(p, a3, rq[7], rq[11], rq[15]);
            return;
        }
        const int32_t acc[4] = {a0, a1, a2, a3};
        MF_M0_RQN_BLOCK(MF_DW_RQ4, acc, rq, out, p->act_min, p->act_max, p->out_offset);
        return;
    }
    if (p->rq_narrow && p->k_h == 3 && p->k_w == 3) {
        int32_t xw[9];
#pragma GCC unroll 3
        for (int32_t ky = 0; ky < 3; ++ky)
#pragma GCC unroll 3
            for (int32_t kx = 0; kx < 3; ++kx) {
                const int32_t t = ky * 3 + kx;
                xw[t] = !border || (valid >> t) & 1 ? mf_dw__word(win + ky * row + kx * col, aligned) : padw;
            }
        MF_DW_MAC9(xw, wp, rq);
        MF_M0_RQN_BLOCK(MF_DW_RQ4, xw, rq, out, p->act_min, p->act_max, p->out_offset);
        return;
    }
#endif
    int32_t a0 = rq[0], a1 = rq[1], a2 = rq[2], a3 = rq[3];
#pragma GCC unroll 8
    for (int32_t ky = 0; ky < p->k_h; ++ky)
#pragma GCC unroll 8
        for (int32_t kx = 0; kx < p->k_w; ++kx, wp += 4) {
            const int32_t t = ky * p->k_w + kx;
            const int32_t x = !border || (valid >> t) & 1 ? mf_dw__word(win + ky * row + kx * col, aligned) : padw;
            const int32_t w = mf_dw__word(wp, 1);
            MF_DW_MAC4(a0, a1, a2, a3, x, w);
        }
    out[0] = mf_dw__rq4(p, a0, rq[4], rq[8], p->rq_narrow ? 0 : rq[12]);
    out[1] = mf_dw__rq4(p, a1, rq[5], rq[9], p->rq_narrow ? 0 : rq[13]);
    out[2] = mf_dw__rq4(p, a2, rq[6], rq[10], p->rq_narrow ? 0 : rq[14]);
    out[3] = mf_dw__rq4(p, a3, rq[7], rq[11], p->rq_narrow ? 0 : rq[15]);
}

/* rq4 given (depth multiplier 1, channels a multiple of 4, at most 31 taps): every pixel
 * (border ones through a validity mask) four channels at a time. Write order as below, except that
 * a group's 4 outputs follow the reads of all 4 of its channels (earlier reads only: the lead holds). */
MF_KERNEL void mf_depthwise_conv2d__words(const mf_depthwise_conv2d_params_t *p, const int8_t *in, int8_t *out, int aligned)
{
    const int32_t C = p->in_c, T = p->k_h * p->k_w, rs = p->rq_narrow ? 12 : 16;  /* rq4 words per group */
    const int32_t padw = (int32_t)(0x01010101u * (uint8_t)p->pad_value);
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = in + b * p->in_h * p->in_w * C;
        for (int32_t oy = 0; oy < p->out_h; ++oy) {
            const int32_t iy0 = oy * p->stride_h - p->pad_top;
            uint32_t rows = 0;
            for (int32_t ky = 0; ky < p->k_h; ++ky) {
                const int32_t iy = iy0 + ky * p->dil_h;
                if (iy >= 0 && iy < p->in_h) rows |= 1u << ky;
            }
            for (int32_t ox = 0; ox < p->out_w; ++ox, out += C) {
                const int32_t ix0 = ox * p->stride_w - p->pad_left;
                uint32_t valid = 0;
                for (int32_t ky = 0; ky < p->k_h; ++ky)
                    for (int32_t kx = 0; kx < p->k_w; ++kx) {
                        const int32_t ix = ix0 + kx * p->dil_w;
                        if ((rows >> ky) & 1 && ix >= 0 && ix < p->in_w) valid |= 1u << (ky * p->k_w + kx);
                    }
                const int8_t *win = in_b + (iy0 * p->in_w + ix0) * C;
                /* one pointer per stream (input, weights, constants, output) stepping per group */
                const int8_t *wn = win, *wp = p->weights;
                const int32_t *rq = p->rq4;
                int8_t *o = out;
                if (valid == (1u << (p->k_h * p->k_w)) - 1u) {
                    for (; o < out + C; wn += 4, wp += 4 * T, rq += rs, o += 4) mf_dw__group4(p, wn, valid, 0, padw, wp, rq, o, aligned);
                } else {
                    for (; o < out + C; wn += 4, wp += 4 * T, rq += rs, o += 4) mf_dw__group4(p, wn, valid, 1, padw, wp, rq, o, aligned);
                }
            }
        }
    }
}

/* Portable int8 depthwise convolution: output channel ic * depth_mult + m reads input channel ic.
 * Order (overlap_lead): pixels in increasing order, channels in increasing order, each output
 * channel written right after its window channel has been read. Interior pixels skip the bounds
 * checks; border pixels compute their in-image tap rectangle once per pixel. */
MF_KERNEL void mf_depthwise_conv2d_s8(const mf_depthwise_conv2d_params_t *p, const int8_t *in, int8_t *out)
{
    if (p->rq4) {  /* the input's alignment is a compile-time fact (arena base + constant offset) */
        if (((uintptr_t)in & 3) == 0) mf_depthwise_conv2d__words(p, in, out, 1);
        else mf_depthwise_conv2d__words(p, in, out, 0);
        return;
    }
    const int32_t out_c = p->in_c * p->depth_mult;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = in + b * p->in_h * p->in_w * p->in_c;
        for (int32_t oy = 0; oy < p->out_h; ++oy) {
            const int32_t iy0 = oy * p->stride_h - p->pad_top;
            const int rows_in = iy0 >= 0 && iy0 + (p->k_h - 1) * p->dil_h < p->in_h;
            for (int32_t ox = 0; ox < p->out_w; ++ox) {
                const int32_t ix0 = ox * p->stride_w - p->pad_left;
                if (rows_in && ix0 >= 0 && ix0 + (p->k_w - 1) * p->dil_w < p->in_w) {
                    const int8_t *px0 = in_b + (iy0 * p->in_w + ix0) * p->in_c;
                    const int32_t row_step = p->dil_h * p->in_w * p->in_c;
                    const int32_t col_step = p->dil_w * p->in_c;
                    if (p->depth_mult == 1) {
                        /* two channels per pass (adjacent bytes of each tap), pointer stepping */
                        int32_t oc = 0;
                        for (; oc + 1 < out_c; oc += 2) {
                            int32_t acc0 = p->bias[oc], acc1 = p->bias[oc + 1];
                            const int8_t *xr = px0 + oc;
                            const int8_t *wr = p->weights + oc;
                            for (int32_t ky = 0; ky < p->k_h; ++ky) {
                                const int8_t *xk = xr;
                                for (int32_t kx = 0; kx < p->k_w; ++kx) {
                                    acc0 += (int32_t)xk[0] * wr[0];
                                    acc1 += (int32_t)xk[1] * wr[1];
                                    xk += col_step;
                                    wr += out_c;
                                }
                                xr += row_step;
                            }
                            *out++ = mf_depthwise_conv2d__requant(p, acc0, oc);
                            *out++ = mf_depthwise_conv2d__requant(p, acc1, oc + 1);
                        }
                        if (oc < out_c) {
                            int32_t acc0 = p->bias[oc];
                            const int8_t *xr = px0 + oc;
                            const int8_t *wr = p->weights + oc;
                            for (int32_t ky = 0; ky < p->k_h; ++ky) {
                                const int8_t *xk = xr;
                                for (int32_t kx = 0; kx < p->k_w; ++kx) {
                                    acc0 += (int32_t)xk[0] * wr[0];
                                    xk += col_step;
                                    wr += out_c;
                                }
                                xr += row_step;
                            }
                            *out++ = mf_depthwise_conv2d__requant(p, acc0, oc);
                        }
                        continue;
                    }
                    for (int32_t oc = 0; oc < out_c; ++oc) {
                        const int8_t *xp = px0 + oc / p->depth_mult;
                        const int8_t *wp = p->weights + oc;
                        int32_t acc = p->bias[oc];
                        for (int32_t ky = 0; ky < p->k_h; ++ky) {
                            for (int32_t kx = 0; kx < p->k_w; ++kx) {
                                acc += (int32_t)xp[(ky * p->dil_h * p->in_w + kx * p->dil_w) * p->in_c]
                                     * wp[(ky * p->k_w + kx) * out_c];
                            }
                        }
                        *out++ = mf_depthwise_conv2d__requant(p, acc, oc);
                    }
                    continue;
                }
                {
                    /* border pixel: the in-image taps form a rectangle [ky_lo,ky_hi) x [kx_lo,kx_hi);
                     * padded taps add pad_value * (sum of their weights) */
                    int32_t ky_lo = 0, ky_hi = 0, kx_lo = 0, kx_hi = 0;
                    while (ky_lo < p->k_h && iy0 + ky_lo * p->dil_h < 0) ++ky_lo;
                    ky_hi = ky_lo;
                    while (ky_hi < p->k_h && iy0 + ky_hi * p->dil_h < p->in_h) ++ky_hi;
                    while (kx_lo < p->k_w && ix0 + kx_lo * p->dil_w < 0) ++kx_lo;
                    kx_hi = kx_lo;
                    while (kx_hi < p->k_w && ix0 + kx_hi * p->dil_w < p->in_w) ++kx_hi;
                    const int32_t org = (iy0 * p->in_w + ix0) * p->in_c;
                    for (int32_t oc = 0; oc < out_c; ++oc) {
                        const int32_t ic = oc / p->depth_mult;
                        const int8_t *wp = p->weights + oc;
                        int32_t acc = p->bias[oc];
                        int32_t pw = 0;
                        for (int32_t ky = 0; ky < p->k_h; ++ky) {
                            const int8_t *wr = wp + ky * p->k_w * out_c;
                            if (ky < ky_lo || ky >= ky_hi) {
                                for (int32_t kx = 0; kx < p->k_w; ++kx) pw += wr[kx * out_c];
                                continue;
                            }
                            const int32_t xr = org + ky * p->dil_h * p->in_w * p->in_c + ic;
                            for (int32_t kx = 0; kx < kx_lo; ++kx) pw += wr[kx * out_c];
                            for (int32_t kx = kx_lo; kx < kx_hi; ++kx)
                                acc += (int32_t)in_b[xr + kx * p->dil_w * p->in_c] * wr[kx * out_c];
                            for (int32_t kx = kx_hi; kx < p->k_w; ++kx) pw += wr[kx * out_c];
                        }
                        acc += p->pad_value * pw;
                        *out++ = mf_depthwise_conv2d__requant(p, acc, oc);
                    }
                }
            }
        }
    }
}

#endif
