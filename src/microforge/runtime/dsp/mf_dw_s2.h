/* mf_dw_s2 (DSP: Cortex-M4/M7/M33): the row path's direct order at stride_w 2 (mf_depthwise_conv2d_s8_rows2).
 *
 * The same planes, weights and channel assembly as mf_dw_rows' direct order (mf_depthwise_conv2d.h: a ring of three
 * input rows widened into int16 planes per group of 4 channels, or full planes, outputs by mf_dw_rows2_channel); what
 * differs is how a row is widened. At stride_w 2 each output reads four new input values (two columns of two rows),
 * so the widening is a third of the layer's cycles; a plane word is (in[u], in[u+1]) of one channel with u = column
 * + pad_left even, i.e. two neighbouring pixels. mf_dw_s2_widen joins the two pixels' words first (PKHBT: channels
 * 0, 1 of both; PKHTB: channels 2, 3 of both) and sign-extends each join twice (SXTB16 plain / ror #8 gives one
 * channel's two columns), 6 instructions for 8 values where widening each pixel first takes 8; eight pixels an
 * iteration (one branch and one pointer step per 32 values). The values stored are the same int16 as mf_dw_rows_widen
 * stores, so the outputs are the same bytes.
 */
#ifndef MF_DW_S2_H
#define MF_DW_S2_H
#include "mf_depthwise_conv2d.h"

/* Input row iy widened into plane row s (channels c0 .. c0 + nc - 1, plane j at s + j * PL), or, outside the image,
 * the whole plane row set to the input zero point. */
MF_KERNEL void mf_dw_s2_widen(const mf_depthwise_conv2d_params_t *p, const int8_t *in_b, int32_t iy, int32_t c0,
                              int32_t nc, int16_t *s)
{
    const int32_t C = p->in_c, W = p->in_w, L = p->pad_left, PL = MF_DW_ROWS_NR(p) * p->wp;
    if (iy < 0 || iy >= p->in_h) {
        for (int32_t j = 0; j < nc; ++j)
            mf_dw_rows_pad(p, s + j * PL, p->wp / 2);
        return;
    }
    const int8_t *src = in_b + iy * W * C + c0;
    int16_t *d = s + L;
    if (nc < 4) {
        for (int32_t x = 0; x < W; ++x)
            for (int32_t j = 0; j < nc; ++j)
                d[j * PL + x] = src[x * C + j];
        return;
    }
    int32_t x = 0;
    if (L & 1) {          /* column L odd: one pixel by halfwords, then the pairs land on word boundaries */
        for (int32_t j = 0; j < 4; ++j)
            d[j * PL] = src[j];
        x = 1;
    }
    const int32_t octs = (W - x) >> 3;
    if (octs && 7 * C <= 4095 && 6 * PL + 12 <= 4095) {
        const int8_t *sp = src + x * C;
        int16_t *dp = d + x;
        int16_t *const dend = dp + 8 * octs;
        int32_t w0, w1, w2, w3, w4, w5, w6, w7, t;
        /* one pixel pair (WA, WB) into the four planes at byte offset O (+ 2PL per channel) */
#define MF_DW_S2_PAIR(WA, WB, O0, O1, O2, O3) \
        "pkhbt %[t], " WA ", " WB ", lsl #16\n\tpkhtb " WB ", " WB ", " WA ", asr #16\n\t" \
        "sxtb16 " WA ", %[t]\n\tsxtb16 %[t], %[t], ror #8\n\tstr " WA ", [%[d], " O0 "]\n\tstr %[t], [%[d], " O1 "]\n\t" \
        "sxtb16 " WA ", " WB "\n\tsxtb16 " WB ", " WB ", ror #8\n\tstr " WA ", [%[d], " O2 "]\n\tstr " WB ", [%[d], " O3 "]\n\t"
        __asm__ volatile("1:\n\t"
                         "ldr %[w1], [%[s], #%c[c1]]\n\tldr %[w2], [%[s], #2*%c[c1]]\n\tldr %[w3], [%[s], #3*%c[c1]]\n\t"
                         "ldr %[w4], [%[s], #4*%c[c1]]\n\tldr %[w5], [%[s], #5*%c[c1]]\n\tldr %[w6], [%[s], #6*%c[c1]]\n\t"
                         "ldr %[w7], [%[s], #7*%c[c1]]\n\t"
                         ".if 8*%c[c1] <= 255\n\tldr %[w0], [%[s]], #8*%c[c1]\n\t.else\n\tldr %[w0], [%[s]]\n\t"
                         "add %[s], %[s], #8*%c[c1]\n\t.endif\n\t"
                         MF_DW_S2_PAIR("%[w0]", "%[w1]", "#0", "#%c[p1]", "#2*%c[p1]", "#3*%c[p1]")
                         MF_DW_S2_PAIR("%[w2]", "%[w3]", "#4", "#%c[p1]+4", "#2*%c[p1]+4", "#3*%c[p1]+4")
                         MF_DW_S2_PAIR("%[w4]", "%[w5]", "#8", "#%c[p1]+8", "#2*%c[p1]+8", "#3*%c[p1]+8")
                         MF_DW_S2_PAIR("%[w6]", "%[w7]", "#12", "#%c[p1]+12", "#2*%c[p1]+12", "#3*%c[p1]+12")
                         "add %[d], %[d], #16\n\tcmp %[d], %[end]\n\tbne 1b"
                         : [w0] "=&r"(w0), [w1] "=&r"(w1), [w2] "=&r"(w2), [w3] "=&r"(w3), [w4] "=&r"(w4),
                           [w5] "=&r"(w5), [w6] "=&r"(w6), [w7] "=&r"(w7), [t] "=&r"(t), [s] "+r"(sp), [d] "+r"(dp)
                         : [end] "r"(dend), [c1] "i"(C), [p1] "i"(2 * PL)
                         : "cc", "memory");
#undef MF_DW_S2_PAIR
        x += 8 * octs;
    }
    for (; x + 1 < W; x += 2) {
        int32_t w0, w1, t;
        memcpy(&w0, src + x * C, 4);
        memcpy(&w1, src + (x + 1) * C, 4);
        __asm__("pkhbt %[t], %[a], %[b], lsl #16\n\tpkhtb %[b], %[b], %[a], asr #16" : [t] "=&r"(t), [b] "+r"(w1) : [a] "r"(w0));
        int32_t v1, v3;
        __asm__("sxtb16 %0, %1, ror #8" : "=r"(v1) : "r"(t));
        __asm__("sxtb16 %0, %1, ror #8" : "=r"(v3) : "r"(w1));
        *(int32_t *)(d + x) = __sxtb16(t);
        *(int32_t *)(d + PL + x) = v1;
        *(int32_t *)(d + 2 * PL + x) = __sxtb16(w1);
        *(int32_t *)(d + 3 * PL + x) = v3;
    }
    if (x < W)
        for (int32_t j = 0; j < 4; ++j)
            d[j * PL + x] = src[x * C + j];
}

/* mf_dw_rows' direct order at stride_w 2 (p->direct; `s` as there: 4 * MF_DW_ROWS_NR(p) * wp int16): the padding
 * columns of every plane row set once; per group of 4 channels its weights built once (mf_dw_rows_build: three
 * rotations for the ring, one with full planes), then output row by output row the input rows not yet in the planes
 * widened (ring: input row -pad_top + i in plane row i mod 3; full planes: in plane row i, the rows outside the image
 * widened for the first group only, later groups find their zero points still there), and each channel's output row
 * by mf_dw_rows2_channel with the rotation whose kernel row 0 is the plane row of the output row's first input row. */
MF_KERNEL void mf_dw_s2_rows(const mf_depthwise_conv2d_params_t *p, const int8_t *in, int8_t *out, int16_t *s)
{
    const int32_t C = p->in_c, WP = p->wp, PL = MF_DW_ROWS_NR(p) * WP, OWC = p->out_w * C;
    const int32_t full = MF_DW_ROWS_NR(p) > 3;
    for (int16_t *row = s; row < s + 4 * PL; row += WP) {
        for (int32_t u = 0; u < p->pad_left; ++u)
            row[u] = (int16_t)p->pad_value;
        for (int32_t u = p->pad_left + p->in_w; u < WP; ++u)
            row[u] = (int16_t)p->pad_value;
    }
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = in + b * p->in_h * p->in_w * C;
        int8_t *out_b = out + b * p->out_h * OWC;
        int32_t kb[120];
        for (int32_t c0 = 0; c0 < C; c0 += 4) {
            const int32_t nc = C - c0 < 4 ? C - c0 : 4;
            mf_dw_rows_build(p->wr + (full ? MF_DW_ROWS_GW : MF_DW_ROWS_GWC) * (c0 >> 2), kb,
                             full ? 1 : p->out_h < 3 ? p->out_h : 3, !full, p->out_offset);
            int32_t next = -p->pad_top, slot = 0;   /* the first input row not yet in the planes, its plane row */
            for (int32_t oy = 0; oy < p->out_h; ++oy) {
                const int32_t iy0 = oy * p->stride_h - p->pad_top;
                for (; next < iy0 + 3; ++next, slot = slot == 2 && !full ? 0 : slot + 1)
                    if (next >= iy0 && (!full || c0 == 0 || (next >= 0 && next < p->in_h)))
                        mf_dw_s2_widen(p, in_b, next, c0, nc, s + slot * WP);
                const int32_t *k = full ? kb : kb + 40 * slot, *const kend = k + 10 * nc;
                const int32_t *r = (const int32_t *)(full ? s + (iy0 + p->pad_top) * WP : s);
                int8_t *o = out_b + oy * OWC + c0;
                for (; k < kend; k += 10) {
                    mf_dw_rows2_channel(p, &r, k, &o);
                    r += PL / 2 - MF_DW_ROWS_ADV_R(p);
                    o += 1 - MF_DW_ROWS_ADV_O(p);
                }
            }
        }
    }
}

MF_KERNEL void mf_depthwise_conv2d_s8_rows2(const mf_depthwise_conv2d_params_t *p, const int8_t *in, int8_t *out, int16_t *s)
{
    mf_dw_s2_rows(p, in, out, s);
}

#endif
