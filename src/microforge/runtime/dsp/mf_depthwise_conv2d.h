/* mf_depthwise_conv2d (DSP: Cortex-M4/M7/M33): int8 depthwise convolution, bit-exact with TFLM.
 *
 * Depth multiplier 1 (the simd path): four channels at a time, taps in pairs (t, t+1) so that one
 * SMLAD does two MACs. Two word loads bring tap t's and tap t+1's four channels; PKHBT/PKHTB gather
 * the low and high halfwords of both and SXTB16 (plain and ror #8) turns them into one register per
 * channel holding (x_t, x_t+1). The weights stay int8 in flash (one byte each): the compiler stored
 * them per tap pair as the words (w_t c0, w_t c1, w_t+1 c0, w_t+1 c1) and (the same for c2, c3), so
 * SXTB16 plain / ror #8 of one word gives two channels' (w_t, w_t+1). An odd last tap uses
 * SMLABB/SMLATT on the SXTB16 lanes (c0,c2),(c1,c3) of the input and of its weight word
 * (c0, c1, c2, c3). Requantisation doubles the accumulator (SRDHM(acc, m) = SMMULR(2*acc, m)), then
 * SMMLAR with a per-channel constant that folds the rounding and the output offset, then one shift
 * (mf_dw_requant); the four results are packed, clamped bytewise (SSUB8/SEL) and stored with one STR.
 * Pixels whose window lies inside the image run
 * fully unrolled with constant offsets; border pixels read their taps through a per-pixel pointer
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
    int32_t simd;                 /* 1: depth_mult 1, k_h*k_w <= 32, every shift in -22..-1, |2*acc| < 2^31 */
    const int8_t *wq;             /* int8, 4-byte aligned: per group of 4 channels, per tap pair (t, t+1) the words
                                     (w_t c0, w_t c1, w_t+1 c0, w_t+1 c1), (same for c2, c3); an odd last tap as
                                     one word (c0, c1, c2, c3); then [in_c%4][k_h*k_w] */
    const int32_t *rq;            /* per group of 4: bias[4], mult[4], e[4], rnd[4]; per tail channel the same 4
                                     (e = -shift, rnd = 2^(e-1) + out_offset * 2^e) */
    const int8_t *pad;            /* in_c bytes of the input zero point, read for taps outside the image */
} mf_depthwise_conv2d_params_t;

/* TFLM MBQM(acc, m, -e) + zp from acc2 = 2*acc: SRDHM = SMMULR(2acc, m); RDBP(v, e) + zp =
 * (v - (v<0) + rnd) >> e with rnd = 2^(e-1) + zp*2^e (nested floors by powers of two collapse).
 * SMMLAR adds rnd - (acc2<0) to the SMMULR product in the same instruction: acc2's sign may stand in
 * for v's because v < 0 implies acc2 < 0 (m >= 0), and when acc2 < 0 but v == 0 the -1 cannot cross
 * a multiple of 2^e (rnd is 2^(e-1) modulo 2^e). */
MF_KERNEL int32_t mf_dw_requant(const mf_depthwise_conv2d_params_t *p, int32_t acc2, int32_t m, int32_t e, int32_t rnd)
{
    int32_t v;
    __asm__("smmlar %0, %1, %2, %3" : "=r"(v) : "r"(acc2), "r"(m), "r"(rnd + (acc2 >> 31)));
    v = __ssat(v >> e, 8);
    if (p->act_min > -128) v = v < p->act_min ? p->act_min : v;
    if (p->act_max < 127) v = v > p->act_max ? p->act_max : v;
    return v;
}

/* Channels j and j+1 of a group: their requantisation constants loaded back to back (an M4
 * pipelines them), the accumulators doubled, then the same arithmetic as mf_dw_requant on both, interleaved (an M7 issues the
 * independent pairs together); saturated to int8, not yet clamped to the activation. */
#define MF_DW_RQ2(A, B, RQ, J) __asm__( \
    "ldr %[m0], %[mm0]\n\tldr %[e0], %[me0]\n\tldr %[r0], %[mr0]\n\t" \
    "ldr %[m1], %[mm1]\n\tldr %[e1], %[me1]\n\tldr %[r1], %[mr1]\n\t" \
    "add %[x], %[x], %[x]\n\tadd %[y], %[y], %[y]\n\t" \
    "add %[r0], %[r0], %[x], asr #31\n\tadd %[r1], %[r1], %[y], asr #31\n\t" \
    "smmlar %[x], %[x], %[m0], %[r0]\n\tsmmlar %[y], %[y], %[m1], %[r1]\n\t" \
    "asr %[x], %[x], %[e0]\n\tasr %[y], %[y], %[e1]\n\tssat %[x], #8, %[x]\n\tssat %[y], #8, %[y]" \
    : [x] "+r"(A), [y] "+r"(B), [m0] "=&r"(_m0), [e0] "=&r"(_e0), [r0] "=&r"(_r0), \
      [m1] "=&r"(_m1), [e1] "=&r"(_e1), [r1] "=&r"(_r1) \
    : [mm0] "m"((RQ)[4 + (J)]), [me0] "m"((RQ)[8 + (J)]), [mr0] "m"((RQ)[12 + (J)]), \
      [mm1] "m"((RQ)[5 + (J)]), [me1] "m"((RQ)[9 + (J)]), [mr1] "m"((RQ)[13 + (J)]))

/* Four saturated outputs packed into one word, clamped bytewise to the activation range (SSUB8 sets
 * the GE flags per byte, SEL picks), stored with one STR. */
MF_KERNEL void mf_dw_store4(const mf_depthwise_conv2d_params_t *p, int8_t *out, int32_t v0, int32_t v1, int32_t v2, int32_t v3)
{
    uint32_t w = (uint32_t)v0;
    __asm__("bfi %0, %1, #8, #8\n\tbfi %0, %2, #16, #8\n\tbfi %0, %3, #24, #8" : "+r"(w) : "r"(v1), "r"(v2), "r"(v3));
    if (p->act_min > -128) {
        const uint32_t lo = 0x01010101u * (uint8_t)p->act_min;
        uint32_t d;
        __asm__("ssub8 %1, %0, %2\n\tsel %0, %0, %2" : "+r"(w), "=&r"(d) : "r"(lo) : "cc");
    }
    if (p->act_max < 127) {
        const uint32_t hi = 0x01010101u * (uint8_t)p->act_max;
        uint32_t d;
        __asm__("ssub8 %1, %2, %0\n\tsel %0, %0, %2" : "+r"(w), "=&r"(d) : "r"(hi) : "cc");
    }
    memcpy(out, &w, 4);
}

/* One output pixel, all channels. Interior pixels (tp == 0) read tap t of channel c at
 * win + ky*row + kx*col + c (constant offsets); border pixels read it at tp[t] + c, where tp[t] is
 * the tap's pixel or, outside the image, p->pad (in_c bytes of the input zero point: TFLM pads
 * with it and the folded bias expects it). */
/* The arithmetic of one tap pair once x0/x1 hold the two taps' words (see the file comment). */
#define MF_DW_PAIR_ASM \
    "ldr %[wa], %[mwa]\n\tldr %[wb], %[mwb]\n\t" \
    "pkhbt %[t], %[x0], %[x1], lsl #16\n\tpkhtb %[x1], %[x1], %[x0], asr #16\n\t" \
    "sxtb16 %[x0], %[t]\n\tsxtb16 %[w], %[wa]\n\t" \
    "sxtb16 %[t], %[t], ror #8\n\tsxtb16 %[wa], %[wa], ror #8\n\t" \
    "smlad %[a0], %[x0], %[w], %[a0]\n\tsxtb16 %[x0], %[x1]\n\t" \
    "smlad %[a1], %[t], %[wa], %[a1]\n\tsxtb16 %[w], %[wb]\n\t" \
    "sxtb16 %[x1], %[x1], ror #8\n\tsxtb16 %[wb], %[wb], ror #8\n\t" \
    "smlad %[a2], %[x0], %[w], %[a2]\n\tsmlad %[a3], %[x1], %[wb], %[a3]"
#define MF_DW_PAIR_OUT [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [x0] "=&r"(x0), [x1] "=&r"(x1), \
    [t] "=&r"(t), [w] "=&r"(w), [wa] "=&r"(wa), [wb] "=&r"(wb)
#define MF_DW_PAIR_W [mwa] "m"(*(const int32_t *)(wg + 8 * k)), [mwb] "m"(*(const int32_t *)(wg + 8 * k + 4))
/* An odd last tap: SXTB16 lanes (c0,c2),(c1,c3) against the weights stored in that lane order. */
#define MF_DW_LAST_ASM \
    "sxtb16 %[xe], %[x]\n\tsxtb16 %[w02], %[w13]\n\t" \
    "sxtb16 %[x], %[x], ror #8\n\tsxtb16 %[w13], %[w13], ror #8\n\t" \
    "smlabb %[a0], %[xe], %[w02], %[a0]\n\tsmlatt %[a2], %[xe], %[w02], %[a2]\n\t" \
    "smlabb %[a1], %[x], %[w13], %[a1]\n\tsmlatt %[a3], %[x], %[w13], %[a3]"
#define MF_DW_LAST_OUT [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), \
    [x] "=&r"(x), [xe] "=&r"(xe), [w02] "=&r"(w02), [w13] "=&r"(w13)
#define MF_DW_LAST_W [mw] "m"(*(const int32_t *)(wg + 8 * KP))
#define MF_DW_TAP(t, g) (tp ? tp[t] + 4 * (g) : win + 4 * (g) + ((t) / p->k_w) * row + ((t) % p->k_w) * col)
MF_KERNEL void mf_dw_pixel(const mf_depthwise_conv2d_params_t *p, const int8_t *win,
                           const int8_t *const *tp, int8_t *out)
{
    const int32_t C = p->in_c, KK = p->k_h * p->k_w, G = C >> 2, KP = KK >> 1;
    const int32_t row = p->dil_h * p->in_w * C, col = p->dil_w * C;
    const int8_t *wg = p->wq;
    const int32_t *rq = p->rq;
    for (int32_t g = 0; g < G; ++g, wg += 4 * KK, rq += 16, out += 4) {
        int32_t a0 = rq[0], a1 = rq[1], a2 = rq[2], a3 = rq[3];
#pragma GCC unroll 16
        for (int32_t k = 0; k < KP; ++k) {
            int32_t x0, x1, t, w, wa, wb;
            /* one asm block so the loads stay adjacent (an M4 pipelines back-to-back LDRs); nine
             * registers, so the second pair of weights reuses the first's. Border pixels first load
             * the two tap pointers into x0/x1 (sp-relative, pipelined with the loads through them). */
            if (tp)
                __asm__("ldr %[x0], %[mp0]\n\tldr %[x1], %[mp1]\n\tldr %[x0], [%[x0], %[g4]]\n\tldr %[x1], [%[x1], %[g4]]\n\t"
                        MF_DW_PAIR_ASM
                        : MF_DW_PAIR_OUT
                        : [mp0] "m"(tp[2 * k]), [mp1] "m"(tp[2 * k + 1]), [g4] "r"(4 * g), MF_DW_PAIR_W);
            else
                __asm__("ldr %[x0], %[mx0]\n\tldr %[x1], %[mx1]\n\t"
                        MF_DW_PAIR_ASM
                        : MF_DW_PAIR_OUT
                        : [mx0] "m"(*(const int32_t *)MF_DW_TAP(2 * k, g)), [mx1] "m"(*(const int32_t *)MF_DW_TAP(2 * k + 1, g)),
                          MF_DW_PAIR_W);
        }
        if (KK & 1) {
            int32_t x, xe, w02, w13;
            if (tp)
                __asm__("ldr %[x], %[mp]\n\tldr %[w13], %[mw]\n\tldr %[x], [%[x], %[g4]]\n\t"
                        MF_DW_LAST_ASM
                        : MF_DW_LAST_OUT
                        : [mp] "m"(tp[KK - 1]), [g4] "r"(4 * g), MF_DW_LAST_W);
            else
                __asm__("ldr %[x], %[mx]\n\tldr %[w13], %[mw]\n\t"
                        MF_DW_LAST_ASM
                        : MF_DW_LAST_OUT
                        : [mx] "m"(*(const int32_t *)MF_DW_TAP(KK - 1, g)), MF_DW_LAST_W);
        }
        {
            int32_t _m0, _e0, _r0, _m1, _e1, _r1;
            MF_DW_RQ2(a0, a1, rq, 0);
            MF_DW_RQ2(a2, a3, rq, 2);
        }
        mf_dw_store4(p, out, a0, a1, a2, a3);
    }
    for (int32_t c = 4 * G; c < C; ++c, wg += KK, rq += 4) {
        int32_t a = rq[0];
        for (int32_t t = 0; t < KK; ++t)
            a += (int32_t)(tp ? tp[t][c] : win[c + (t / p->k_w) * row + (t % p->k_w) * col]) * wg[t];
        *out++ = (int8_t)mf_dw_requant(p, 2 * a, rq[1], rq[2], rq[3]);
    }
}
#undef MF_DW_TAP
#undef MF_DW_PAIR_ASM
#undef MF_DW_PAIR_OUT
#undef MF_DW_PAIR_W
#undef MF_DW_LAST_ASM
#undef MF_DW_LAST_OUT
#undef MF_DW_LAST_W

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
