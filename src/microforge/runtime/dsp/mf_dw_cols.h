/* mf_dw_cols (DSP: Cortex-M4/M7/M33): a 3x3 stride-1 depthwise layer run down its columns.
 *
 * Narrow, tall maps (kws: 25x5x64) leave the row path (mf_dw_rows) short rows: each 5-wide output row is one block
 * whose setup, weight loads and call cost as much as its MACs. This path runs the same arithmetic along the columns,
 * which are long: it is the row path on the transposed layer. Per channel, the input is widened into int16 planes
 * laid out transposed (s[u * wp + t]: plane row u = padded input column, t = padded input row, the padding holding
 * the input zero point), so a word holds two vertically neighbouring inputs of one channel; the weights are stored
 * transposed (ops/depthwise_conv2d.py: the row path's compact group layout of w[kx][ky]), so mf_dw_rows_build gives,
 * per kernel column kx, P = (2w[0][kx], 2w[1][kx]) and Q = (2w[1][kx], 2w[2][kx]). Output column x is then one "row" of
 * the transposed layer: out_h outputs at a stride of out_w * in_c bytes, from plane rows x, x + 1, x + 2, computed by
 * mf_dw_rows_run (4-output blocks, the merged 5-, 6- and 3-output tails, the requantisation of mf_dw_requant), so the
 * outputs are the same bytes as the row path's and TFLM's. Each column is one call of out_h outputs, not out_h calls
 * of out_w.
 *
 * Order: groups of 4 channels (mf_dw_rows_build once a group), then each channel: its whole input widened, then all
 * its outputs. A channel's outputs are written only after all of its input was read, and land only on that channel's
 * input when the output lies a whole number of pixels from the input, so ops/depthwise_conv2d.py takes this path for
 * one batch with input and output disjoint or a multiple of in_c bytes apart (_cols_safe). The zero-point padding is
 * written once a call: the widening writes only the in-image positions.
 * Used for: 3x3, stride 1, no dilation, depth multiplier 1, act range -128..127 (the row assembly's), out_h >= 3.
 */
#ifndef MF_DW_COLS_H
#define MF_DW_COLS_H
#include "mf_depthwise_conv2d.h"

/* Channel c's input widened into the transposed planes: input (iy, x) at s[(x + pad_left) * wp + iy + pad_top], two
 * vertical neighbours a word (the first row alone when pad_top is odd). Each column in runs of 8 rows unrolled
 * (.rept): 8 byte loads back to back (an M4 pipelines them, one cycle a load), PKHBT into 4 words, 4 stores; the rows
 * after the runs one by one. */
MF_KERNEL void mf_dw_cols_widen(const mf_depthwise_conv2d_params_t *p, const int8_t *in_c, int16_t *s)
{
    const int32_t H = p->in_h, W = p->in_w, WC = p->in_w * p->in_c, WP = p->wp, T = p->pad_top;
    const int32_t i0 = T & 1, n8 = 8 * WC <= 4095 ? (H - i0) >> 3 : 0;
    for (int32_t x = 0; x < W; ++x) {
        const int8_t *src = in_c + x * p->in_c;
        int16_t *d = s + (x + p->pad_left) * WP + T;
        if (i0)
            d[0] = src[0];
        if (n8) {
            const int8_t *sp = src + i0 * WC;
            int16_t *dp = d + i0;
            int32_t v0, v1, v2, v3, v4, v5, v6, v7;
            __asm__ volatile(".rept %c[n8]\n\t"
                             "ldrsb %[v0], [%[s]]\n\tldrsb %[v1], [%[s], %[c1]]\n\tldrsb %[v2], [%[s], %[c2]]\n\t"
                             "ldrsb %[v3], [%[s], %[c3]]\n\tldrsb %[v4], [%[s], %[c4]]\n\tldrsb %[v5], [%[s], %[c5]]\n\t"
                             "ldrsb %[v6], [%[s], %[c6]]\n\tldrsb %[v7], [%[s], %[c7]]\n\taddw %[s], %[s], %[c8]\n\t"
                             "pkhbt %[v0], %[v0], %[v1], lsl #16\n\tpkhbt %[v2], %[v2], %[v3], lsl #16\n\t"
                             "pkhbt %[v4], %[v4], %[v5], lsl #16\n\tpkhbt %[v6], %[v6], %[v7], lsl #16\n\t"
                             "str %[v0], [%[d]]\n\tstr %[v2], [%[d], #4]\n\tstr %[v4], [%[d], #8]\n\tstr %[v6], [%[d], #12]\n\t"
                             "add %[d], %[d], #16\n\t"
                             ".endr"
                             : [v0] "=&r"(v0), [v1] "=&r"(v1), [v2] "=&r"(v2), [v3] "=&r"(v3), [v4] "=&r"(v4),
                               [v5] "=&r"(v5), [v6] "=&r"(v6), [v7] "=&r"(v7), [s] "+r"(sp), [d] "+r"(dp)
                             : [c1] "i"(WC), [c2] "i"(2 * WC), [c3] "i"(3 * WC), [c4] "i"(4 * WC), [c5] "i"(5 * WC),
                               [c6] "i"(6 * WC), [c7] "i"(7 * WC), [c8] "i"(8 * WC), [n8] "i"(n8)
                             : "memory");
        }
        for (int32_t iy = i0 + 8 * n8; iy < H; ++iy)
            d[iy] = src[iy * WC];
    }
}

/* s: (out_w + 2) * wp int16 of planes (word aligned). */
MF_KERNEL void mf_depthwise_conv2d_s8_cols(const mf_depthwise_conv2d_params_t *p, const int8_t *in, int8_t *out, int16_t *s)
{
    const int32_t C = p->in_c, WP = p->wp, OW = p->out_w;
    /* the transposed layer mf_dw_rows_run computes: a "row" of out_h outputs out_w * in_c bytes apart */
    mf_depthwise_conv2d_params_t t = *p;
    t.out_w = p->out_h;
    t.in_c = OW * C;
    t.stride_w = 1;
    mf_dw_rows_pad(p, s, (OW + 2) * WP / 2);
    int32_t kb[40];   /* the current group's doubled weights and constants (mf_dw_rows_build, one rotation) */
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = in + b * p->in_h * p->in_w * C;
        int8_t *out_b = out + b * p->out_h * OW * C;
        for (int32_t c0 = 0; c0 < C; c0 += 4) {
            const int32_t nc = C - c0 < 4 ? C - c0 : 4;
            mf_dw_rows_build(p->wr + MF_DW_ROWS_GWC * (c0 >> 2), kb, 1, 1, p->out_offset);
            for (int32_t j = 0; j < nc; ++j) {
                mf_dw_cols_widen(p, in_b + c0 + j, s);
                for (int32_t x = 0; x < OW; ++x) {
                    const int32_t *r = (const int32_t *)(s + x * WP);
                    int8_t *o = out_b + x * C + c0 + j;
                    mf_dw_rows_run(&t, &r, kb + 10 * j, &o);
                }
            }
        }
    }
}

#endif
