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
    /* pixel-pair path (mf_conv2d_s8_m0; ops/conv2d.py fills it on cores without DSP): weights + 128 as
     * uint8, per output-channel pair the K = k_h*k_w*in_c byte pairs (u[2q][k], u[2q+1][k]), then an odd
     * last channel's K bytes; rqe (optional, ops/_requant.py rq_e_table): per channel bias, m, e, rnd for
     * mf_rq_e, in place of bias/mult/shift */
    const uint8_t *wm0;
    const int32_t *rqe;
    int32_t rq_narrow;            /* 1: every |acc| < 2^20 (ops/_requant.py rq_narrow): rqe per channel bias, m, e for mf_rq_e_n */
} mf_conv2d_params_t;

MF_INLINE int8_t mf_conv2d__requant(const mf_conv2d_params_t *p, int32_t acc, int32_t oc)
{
    acc = mf_mbqm_fast(acc, p->mult[oc], p->shift[oc]) + p->out_offset;
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


/* ---- pixel-pair path (cores without SIMD: ARMv6-M) --------------------------------------------------
 * Two output pixels at a time: their windows are expanded once into int32 (padded taps read the input
 * zero point), interleaved x0[k], x1[k], so the channel loop reads both with one LDM; each weight pair
 * feeds both pixels; the channels run in triples (6 MACs per 2 input and 3 weight loads), then pairs (4 per 2
 * and 2). The weights are stored + 128 (unsigned bytes, loaded without sign extension); the excess
 * 128 * sum(window) is subtracted per pixel. */
#if MF_M0_HI_ASM
/* a_jc += x_j * u_c over groups of 4 k up to xend (x: interleaved int32 pairs, u: byte pairs). The
 * accumulators live in high registers (ADD reaches them); x0/x1 are pinned in ascending order for LDM. */
#define MF_M0_STEP(o0, o1) \
        "ldm %[x]!, {%[x0], %[x1]}\n\t" "ldrb %[u0], [%[w], #" #o0 "]\n\t" "ldrb %[u1], [%[w], #" #o1 "]\n\t" \
        "mov %[t], %[x0]\n\t" "muls %[t], %[u0], %[t]\n\t" "add %[c00], %[t]\n\t" \
        "muls %[x0], %[u1], %[x0]\n\t" "add %[c01], %[x0]\n\t" \
        "muls %[u0], %[x1], %[u0]\n\t" "add %[c10], %[u0]\n\t" \
        "muls %[u1], %[x1], %[u1]\n\t" "add %[c11], %[u1]\n\t"
#define MF_M0_DOT(X, W, XEND, A00, A01, A10, A11) do { \
    register int32_t _x0 __asm__("r4"), _x1 __asm__("r5"); int32_t _u0, _u1, _t; \
    __asm__ volatile(".syntax unified\n\t" "1:\n\t" \
        MF_M0_STEP(0, 1) MF_M0_STEP(2, 3) MF_M0_STEP(4, 5) MF_M0_STEP(6, 7) \
        "adds %[w], #8\n\t" "cmp %[x], %[e]\n\t" "bne 1b\n\t" ".syntax divided" \
        : [x] "+l"(X), [w] "+l"(W), [x0] "=&l"(_x0), [x1] "=&l"(_x1), [u0] "=&l"(_u0), [u1] "=&l"(_u1), \
          [t] "=&l"(_t), [c00] "+h"(A00), [c01] "+h"(A01), [c10] "+h"(A10), [c11] "+h"(A11) \
        : [e] "h"(XEND) : "cc", "memory"); } while (0)
#endif

#if MF_M0_HI_ASM
/* The same over a channel triple (u: byte triples): 6 MACs per 2 input and 3 weight loads. x0 and x1 serve all three
 * channels, so the first two weights' products take one copy each; the third's products consume x0 and x1
 * (MULS overwrites an operand): 23 cycles a k (2x2: 16 for 4 MACs). The six accumulators fill r8-r12 and lr
 * (GCC's "h" class gives five: the sixth is pinned), so the end pointer is a low register. */
#define MF_M0_STEP3(o0, o1, o2) \
        "ldm %[x]!, {%[x0], %[x1]}\n\t" \
        "ldrb %[u], [%[w], #" #o0 "]\n\t" "mov %[t], %[x0]\n\t" "muls %[t], %[u], %[t]\n\t" "add %[c00], %[t]\n\t" \
        "muls %[u], %[x1], %[u]\n\t" "add %[c10], %[u]\n\t" \
        "ldrb %[u], [%[w], #" #o1 "]\n\t" "mov %[t], %[x0]\n\t" "muls %[t], %[u], %[t]\n\t" "add %[c01], %[t]\n\t" \
        "muls %[u], %[x1], %[u]\n\t" "add %[c11], %[u]\n\t" \
        "ldrb %[u], [%[w], #" #o2 "]\n\t" "muls %[x0], %[u], %[x0]\n\t" "add %[c02], %[x0]\n\t" \
        "muls %[x1], %[u], %[x1]\n\t" "add %[c12], %[x1]\n\t"
/* STEPS: the loop body, 4 k (K % 4 == 0, m0_pair_layout's padding) or 8 k when K % 8 == 0 (loop control: 5 of
 * its 189 cycles; the 8-k body is beyond BNE's reach, so BEQ out and B back); WSTEP its weight bytes */
#define MF_M0_STEPS3_4 MF_M0_STEP3(0, 1, 2) MF_M0_STEP3(3, 4, 5) MF_M0_STEP3(6, 7, 8) MF_M0_STEP3(9, 10, 11)
#define MF_M0_STEPS3_8 MF_M0_STEPS3_4 \
        MF_M0_STEP3(12, 13, 14) MF_M0_STEP3(15, 16, 17) MF_M0_STEP3(18, 19, 20) MF_M0_STEP3(21, 22, 23)
#define MF_M0_DOT3(STEPS, WSTEP, X, W, XEND, A00, A01, A02, A10, A11, A12) do { \
    register int32_t _x0 __asm__("r4"), _x1 __asm__("r5"), _c12 __asm__("lr") = (A12); int32_t _u, _t; \
    __asm__ volatile(".syntax unified\n\t" "1:\n\t" \
        STEPS "adds %[w], #" #WSTEP "\n\t" "cmp %[x], %[e]\n\t" "beq 2f\n\t" "b 1b\n" "2:\n\t" ".syntax divided" \
        : [x] "+l"(X), [w] "+l"(W), [x0] "=&l"(_x0), [x1] "=&l"(_x1), [u] "=&l"(_u), [t] "=&l"(_t), \
          [c00] "+h"(A00), [c01] "+h"(A01), [c02] "+h"(A02), [c10] "+h"(A10), [c11] "+h"(A11), [c12] "+r"(_c12) \
        : [e] "l"(XEND) : "cc", "memory"); (A12) = _c12; } while (0)
#endif

#if MF_M0_HI_ASM
/* a channel pair's outputs of pixel 0 (accumulators 0, 1) and of pixel 1 (2, 3); per channel bias, m, e */
#define MF_M0_PAIR_RQ0(F) F(0, 4, 8, 0) F(4, 16, 20, 1)
#define MF_M0_PAIR_RQ1(F) F(8, 4, 8, 0) F(12, 16, 20, 1)
/* a channel triple's: accumulators 0-2 (pixel 0), 3-5 (pixel 1) */
#define MF_M0_TRI_RQ0(F) F(0, 4, 8, 0) F(4, 16, 20, 1) F(8, 28, 32, 2)
#define MF_M0_TRI_RQ1(F) F(12, 4, 8, 0) F(16, 16, 20, 1) F(20, 28, 32, 2)
/* The narrow requantisation of a pixel pair's channel pair or triple at c (ACC: pixel 0's then pixel 1's sums; RQ0,
 * RQ1: their MF_M0_*_RQ layouts): pixel 0's outputs to o0 + c, pixel 1's to o1 + c when there are two pixels. */
#define MF_M0_RQN_ROWS(RQ0, RQ1, ACC) do { \
    const int32_t *rq_ = p->rqe + 3 * c; \
    MF_M0_RQN_BLOCK(RQ0, ACC, rq_, o0 + c, p->act_min, p->act_max, p->out_offset); \
    if (two) MF_M0_RQN_BLOCK(RQ1, ACC, rq_, o1 + c, p->act_min, p->act_max, p->out_offset); } while (0)
#endif

#if MF_M0_HI_ASM
/* n (a multiple of 4) bytes from the aligned src into every other int32 of xs, sign-extended; sum += them. One
 * word load per 4 bytes, LDM's write-back stepping the source. */
#define MF_M0_WIDEN4(SRC, N, XS, SUM) do { const int8_t *_s = (SRC), *_e = _s + (N); int32_t *_x = (XS); int32_t _v, _t; \
    __asm__ volatile(".syntax unified\n\t" "1:\n\t" "ldm %[s]!, {%[v]}\n\t" \
        "sxtb %[t], %[v]\n\t" "str %[t], [%[x], #0]\n\t" "adds %[sum], %[sum], %[t]\n\t" \
        "lsls %[t], %[v], #16\n\t" "asrs %[t], %[t], #24\n\t" "str %[t], [%[x], #8]\n\t" "adds %[sum], %[sum], %[t]\n\t" \
        "lsls %[t], %[v], #8\n\t" "asrs %[t], %[t], #24\n\t" "str %[t], [%[x], #16]\n\t" "adds %[sum], %[sum], %[t]\n\t" \
        "asrs %[v], %[v], #24\n\t" "str %[v], [%[x], #24]\n\t" "adds %[sum], %[sum], %[v]\n\t" \
        "adds %[x], #32\n\t" "cmp %[s], %[e]\n\t" "bne 1b\n\t" ".syntax divided" \
        : [s] "+l"(_s), [x] "+l"(_x), [sum] "+l"(SUM), [v] "=&l"(_v), [t] "=&l"(_t) : [e] "l"(_e) : "cc", "memory"); \
    } while (0)
#endif

/* Window of output pixel (b, oy, ox) into every other int32 of xs; returns the sum of its values. aligned: the
 * input is word aligned (then so is every pixel when in_c % 4 == 0). */
MF_KERNEL int32_t mf_conv2d__m0_expand(const mf_conv2d_params_t *p, const int8_t *in, int32_t b, int32_t oy, int32_t ox,
                                       int32_t *xs, int aligned)
{
    const int32_t in_c = p->in_c;
    const int32_t iy0 = oy * p->stride_h - p->pad_top, ix0 = ox * p->stride_w - p->pad_left;
    const int8_t *in_b = in + b * p->in_h * p->in_w * in_c;
    int32_t sum = 0;
    const int row_in = p->dil_w == 1 && in_c % 4 && ix0 >= 0 && ix0 + p->k_w <= p->in_w;  /* a row: one run of bytes */
    for (int32_t ky = 0; ky < p->k_h; ++ky) {
        const int32_t iy = iy0 + ky * p->dil_h;
        if (row_in && iy >= 0 && iy < p->in_h) {
            const int8_t *src = in_b + (iy * p->in_w + ix0) * in_c;
#pragma GCC unroll 4
            for (int32_t c = 0; c < p->k_w * in_c; ++c, xs += 2) {
                const int32_t v = src[c];
                *xs = v;
                sum += v;
            }
            continue;
        }
        for (int32_t kx = 0; kx < p->k_w; ++kx) {
            const int32_t ix = ix0 + kx * p->dil_w;
            if (iy >= 0 && iy < p->in_h && ix >= 0 && ix < p->in_w) {
                const int8_t *src = in_b + (iy * p->in_w + ix) * in_c;
#if MF_M0_HI_ASM
                if (aligned && in_c % 4 == 0) {
                    MF_M0_WIDEN4(src, in_c, xs, sum);
                    xs += 2 * in_c;
                    continue;
                }
#else
                (void)aligned;
#endif
#pragma GCC unroll 4
                for (int32_t c = 0; c < in_c; ++c, xs += 2) {
                    const int32_t v = src[c];
                    *xs = v;
                    sum += v;
                }
            } else {
                for (int32_t c = 0; c < in_c; ++c, xs += 2) *xs = p->pad_value;
                sum += p->pad_value * in_c;
            }
        }
    }
    for (int32_t k = p->k_h * p->k_w * in_c; k % 4; ++k, xs += 2) *xs = 0;  /* m0_pair_layout's padding */
    return sum;
}

MF_KERNEL int8_t mf_conv2d__m0_rq(const mf_conv2d_params_t *p, int32_t acc, int32_t c)
{
    if (p->rqe && p->rq_narrow)
        return (int8_t)mf_rq_e_n(acc, p->rqe[3 * c + 1], p->rqe[3 * c + 2], p->out_offset, p->act_min, p->act_max);
    if (p->rqe) return (int8_t)mf_rq_e(acc, p->rqe[4 * c + 1], p->rqe[4 * c + 2], p->rqe[4 * c + 3], p->act_min, p->act_max);
    return mf_conv2d__requant(p, acc, c);
}

/* Output-channel triples the pixel-pair loop runs before its pairs (ops/conv2d.py m0_groups): n % 3 == 1 leaves two
 * pairs rather than a triple and the slower lone channel. */
#define MF_M0_TRIPLES(n) ((n) % 3 == 1 && (n) >= 4 ? ((n) - 4) / 3 : (n) / 3)

/* Same output as mf_conv2d_s8, from p->wm0. xs: 2 * K int32 of scratch, K = k_h * k_w * in_c rounded up to a
 * multiple of 4.
 * Order (overlap_lead): pixel pairs in increasing order; both windows are read before any output of
 * the pair is written, so reads only come earlier than in mf_conv2d_s8. */
MF_KERNEL void mf_conv2d_s8_m0__run(const mf_conv2d_params_t *p, const int8_t *in, int8_t *out, int32_t *xs, int aligned)
{
    const int32_t K = (p->k_h * p->k_w * p->in_c + 3) & ~3;  /* padded (m0_pair_layout) */
    const int32_t oc = p->out_c;
    const int32_t rs = p->rq_narrow ? 3 : 4;  /* rqe words per channel */
    const int32_t npix = p->batches * p->out_h * p->out_w;
    int32_t b = 0, oy = 0, ox = 0;
    for (int32_t n = 0; n < npix; n += 2) {
        const int two = n + 1 < npix;
        const int32_t s0 = mf_conv2d__m0_expand(p, in, b, oy, ox, xs, aligned);
        if (++ox == p->out_w) { ox = 0; if (++oy == p->out_h) { oy = 0; ++b; } }
        int32_t s1 = s0;
        if (two) {
            s1 = mf_conv2d__m0_expand(p, in, b, oy, ox, xs + 1, aligned);
            if (++ox == p->out_w) { ox = 0; if (++oy == p->out_h) { oy = 0; ++b; } }
        } else {
            for (int32_t k = 0; k < K; ++k) xs[2 * k + 1] = xs[2 * k];
        }
        const int32_t e0 = 128 * s0, e1 = 128 * s1;
        int8_t *o0 = out + n * oc, *o1 = o0 + oc;
        const uint8_t *w = p->wm0;
        int32_t c = 0;
        for (; c < 3 * MF_M0_TRIPLES(oc); c += 3) {
            const int32_t *bq = p->rqe ? p->rqe + rs * c : p->bias + c;
            const int32_t bs = p->rqe ? rs : 1;
            int32_t a00 = bq[0] - e0, a01 = bq[bs] - e0, a02 = bq[2 * bs] - e0;
            int32_t a10 = bq[0] - e1, a11 = bq[bs] - e1, a12 = bq[2 * bs] - e1;
            const int32_t *x = xs;
            int32_t k = 0;
#if MF_M0_HI_ASM
            if (K % 8 == 0) MF_M0_DOT3(MF_M0_STEPS3_8, 24, x, w, xs + 2 * K, a00, a01, a02, a10, a11, a12);
            else MF_M0_DOT3(MF_M0_STEPS3_4, 12, x, w, xs + 2 * K, a00, a01, a02, a10, a11, a12);
            k = K;
#endif
            for (; k < K; ++k, x += 2, w += 3) {
                a00 += x[0] * (int32_t)w[0]; a01 += x[0] * (int32_t)w[1]; a02 += x[0] * (int32_t)w[2];
                a10 += x[1] * (int32_t)w[0]; a11 += x[1] * (int32_t)w[1]; a12 += x[1] * (int32_t)w[2];
            }
#if MF_M0_HI_ASM
            if (p->rqe && p->rq_narrow) {
                const int32_t acc[6] = {a00, a01, a02, a10, a11, a12};
                MF_M0_RQN_ROWS(MF_M0_TRI_RQ0, MF_M0_TRI_RQ1, acc);
                continue;
            }
#endif
            o0[c] = mf_conv2d__m0_rq(p, a00, c); o0[c + 1] = mf_conv2d__m0_rq(p, a01, c + 1);
            o0[c + 2] = mf_conv2d__m0_rq(p, a02, c + 2);
            if (two) {
                o1[c] = mf_conv2d__m0_rq(p, a10, c); o1[c + 1] = mf_conv2d__m0_rq(p, a11, c + 1);
                o1[c + 2] = mf_conv2d__m0_rq(p, a12, c + 2);
            }
        }
        for (; c + 1 < oc; c += 2) {
            const int32_t b0 = p->rqe ? p->rqe[rs * c] : p->bias[c], b1 = p->rqe ? p->rqe[rs * c + rs] : p->bias[c + 1];
            int32_t a00 = b0 - e0, a01 = b1 - e0, a10 = b0 - e1, a11 = b1 - e1;
            const int32_t *x = xs;
            int32_t k = 0;
#if MF_M0_HI_ASM
            MF_M0_DOT(x, w, xs + 2 * K, a00, a01, a10, a11);
            k = K;
#endif
            for (; k < K; ++k, x += 2, w += 2) {
                a00 += x[0] * (int32_t)w[0]; a01 += x[0] * (int32_t)w[1];
                a10 += x[1] * (int32_t)w[0]; a11 += x[1] * (int32_t)w[1];
            }
#if MF_M0_HI_ASM
            if (p->rqe && p->rq_narrow) {
                const int32_t acc[4] = {a00, a01, a10, a11};
                MF_M0_RQN_ROWS(MF_M0_PAIR_RQ0, MF_M0_PAIR_RQ1, acc);
                continue;
            }
#endif
            o0[c] = mf_conv2d__m0_rq(p, a00, c); o0[c + 1] = mf_conv2d__m0_rq(p, a01, c + 1);
            if (two) { o1[c] = mf_conv2d__m0_rq(p, a10, c); o1[c + 1] = mf_conv2d__m0_rq(p, a11, c + 1); }
        }
        if (c < oc) {
            const int32_t b0 = p->rqe ? p->rqe[rs * c] : p->bias[c];
            int32_t a0 = b0 - e0, a1 = b0 - e1;
            const int32_t *x = xs;
            for (int32_t k = 0; k < K; ++k, x += 2, ++w) { a0 += x[0] * (int32_t)w[0]; a1 += x[1] * (int32_t)w[0]; }
            o0[c] = mf_conv2d__m0_rq(p, a0, c);
            if (two) o1[c] = mf_conv2d__m0_rq(p, a1, c);
        }
    }
}


/* the input's alignment is a compile-time fact (arena base + constant offset) */
MF_KERNEL void mf_conv2d_s8_m0(const mf_conv2d_params_t *p, const int8_t *in, int8_t *out, int32_t *xs)
{
    if (((uintptr_t)in & 3) == 0) mf_conv2d_s8_m0__run(p, in, out, xs, 1);
    else mf_conv2d_s8_m0__run(p, in, out, xs, 0);
}

#endif
