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
 * input and output disjoint or (one batch) a multiple of in_c bytes apart (_cols). The zero-point padding is written
 * once a call: the widening writes only the in-image positions.
 * On the M4/M33 SAME's edge columns (a plane row all padding) run their 4-output blocks on the two other plane rows, the
 * padding's share folded into the bias (mf_dw_cols_quads2, mf_dw_cols_edge): the same sums, 16 MACs a block, not 24;
 * a last block and a lone output after it likewise as one 5-output block (mf_dw_cols_five2).
 * With out_zp -128 (ops/depthwise_conv2d.py _emit_cols, _ushift) every block takes the layer's one shift (p->ush:
 * MF_DW_ROWS_RQU's SMMLA and SSAT's own shift on 2^k-scaled sums; the edge columns' bias from the scaled words is
 * 2^k times the folded bias; kws's 25x5x64 layers on the M4: 158.5K -> 152.1K cycles).
 * Used for (ops/depthwise_conv2d.py _cols): 3x3, stride 1, no dilation, depth multiplier 1, act range -128..127 (the
 * row assembly's), maps at most COLS_MAX_OUT_W wide and COLS_MIN_ASPECT times as tall.
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

/* Four channels' input (c0..c0+3: a full group) widened at once into their planes s0..s3, two input rows a step: the
 * words a = in[iy][x][c0..c0+3] and b = in[iy+1][x][c0..c0+3] (one LDR each), PKHBT / PKHTB regroup them by channel
 * pair, t = (a0 a1 b0 b1) and (a2 a3 b2 b3), and SXTB16 (plain / ROR 8) sign-extends each into one channel's word
 * (a_j, b_j): the plane words of the rows iy, iy + 1 (t even) of the four planes, 4 stores; 13 cycles for 8 bytes on
 * an M4 (the one-channel widening: 19), and two steps' 4 loads back to back (the M4 pipelines them). An input row
 * whose vertical neighbour in its word is padding (the first row when pad_top is odd, the last row when the rest is
 * odd) pairs with z, four bytes of the input zero point: its word gets the zero point there, as the padding holds.
 * Each column unrolled (.rept over its row pairs; the source rebased when the next rows lie beyond LDR's 4095-byte
 * offset); words from (pad_top & ~1) on, the other words of the planes are padding (mf_dw_cols_pad4). Word loads: in_c
 * need not be a multiple of 4 (the M4/M7/M33 load unaligned words). */
#define MF_DW_COLS_PAIR(A, B, T) "pkhbt " T ", " A ", " B ", lsl #16\n\tpkhtb " B ", " B ", " A ", asr #16\n\t"
#define MF_DW_COLS_SPLIT(A, B, T) \
    "sxtb16 " A ", " T "\n\tsxtb16 " T ", " T ", ror #8\n\t" \
    "str " A ", [%[d0], #mfw_o]\n\tstr " T ", [%[d1], #mfw_o]\n\t" \
    "sxtb16 " A ", " B "\n\tsxtb16 " B ", " B ", ror #8\n\t" \
    "str " A ", [%[d2], #mfw_o]\n\tstr " B ", [%[d3], #mfw_o]\n\t" \
    ".set mfw_o, mfw_o + 4\n\t"
/* the source moved on (at most 4095 bytes an ADDW) until the loads at mfw_r to mfw_r + N fit LDR's offset */
#define MF_DW_COLS_REBASE(N) \
    ".rept 2\n\t.if mfw_r + " N " > 4095\n\t" \
    ".if mfw_r > 4095\n\taddw %[src], %[src], #4095\n\t.set mfw_r, mfw_r - 4095\n\t" \
    ".else\n\taddw %[src], %[src], #mfw_r\n\t.set mfw_r, 0\n\t.endif\n\t.endif\n\t.endr\n\t"
MF_KERNEL void mf_dw_cols_widen4(const mf_depthwise_conv2d_params_t *p, const int8_t *in_c, int16_t *s0, int16_t *s1,
                                 int16_t *s2, int16_t *s3)
{
    const int32_t H = p->in_h, W = p->in_w, C = p->in_c, WC = W * C, WP = p->wp, T = p->pad_top;
    const int32_t i0 = T & 1, np = (H - i0) >> 1, last = (H - i0) & 1, o0 = (p->pad_left * WP + (T & ~1)) * 2;
    const uint32_t z = (uint8_t)p->pad_value * 0x01010101u;
    char *d0 = (char *)s0 + o0, *d1 = (char *)s1 + o0, *d2 = (char *)s2 + o0, *d3 = (char *)s3 + o0;
    for (int32_t x = 0; x < W; ++x) {
        const int8_t *src = in_c + x * C;
        int32_t a, b, t, a2, b2, t2;
        __asm__ volatile(".set mfw_r, 0\n\t.set mfw_o, 0\n\t"
                         ".if %c[i0]\n\t"
                         "ldr %[a], [%[src]]\n\t"
                         "pkhbt %[t], %[z], %[a], lsl #16\n\tpkhtb %[b], %[a], %[z], asr #16\n\t"
                         MF_DW_COLS_SPLIT("%[a]", "%[b]", "%[t]")
                         ".set mfw_r, %c[wc]\n\t"
                         ".endif\n\t"
                         ".rept %c[np] / 2\n\t"
                         MF_DW_COLS_REBASE("3 * %c[wc]")
                         "ldr %[a], [%[src], #mfw_r]\n\tldr %[b], [%[src], #mfw_r + %c[wc]]\n\t"
                         "ldr %[a2], [%[src], #mfw_r + 2 * %c[wc]]\n\tldr %[b2], [%[src], #mfw_r + 3 * %c[wc]]\n\t"
                         MF_DW_COLS_PAIR("%[a]", "%[b]", "%[t]") MF_DW_COLS_PAIR("%[a2]", "%[b2]", "%[t2]")
                         MF_DW_COLS_SPLIT("%[a]", "%[b]", "%[t]") MF_DW_COLS_SPLIT("%[a2]", "%[b2]", "%[t2]")
                         ".set mfw_r, mfw_r + 4 * %c[wc]\n\t"
                         ".endr\n\t"
                         ".if %c[np] & 1\n\t"
                         MF_DW_COLS_REBASE("%c[wc]")
                         "ldr %[a], [%[src], #mfw_r]\n\tldr %[b], [%[src], #mfw_r + %c[wc]]\n\t"
                         MF_DW_COLS_PAIR("%[a]", "%[b]", "%[t]") MF_DW_COLS_SPLIT("%[a]", "%[b]", "%[t]")
                         ".set mfw_r, mfw_r + 2 * %c[wc]\n\t"
                         ".endif\n\t"
                         ".if %c[last]\n\t"
                         MF_DW_COLS_REBASE("0")
                         "ldr %[a], [%[src], #mfw_r]\n\t"
                         "pkhbt %[t], %[a], %[z], lsl #16\n\tpkhtb %[b], %[z], %[a], asr #16\n\t"
                         MF_DW_COLS_SPLIT("%[a]", "%[b]", "%[t]")
                         ".endif"
                         : [a] "=&r"(a), [b] "=&r"(b), [t] "=&r"(t), [a2] "=&r"(a2), [b2] "=&r"(b2), [t2] "=&r"(t2),
                           [src] "+r"(src)
                         : [d0] "r"(d0), [d1] "r"(d1), [d2] "r"(d2), [d3] "r"(d3), [z] "r"(z),
                           [wc] "i"(WC), [i0] "i"(i0), [np] "i"(np), [last] "i"(last)
                         : "memory");
        d0 += 2 * WP;
        d1 += 2 * WP;
        d2 += 2 * WP;
        d3 += 2 * WP;
    }
}
#undef MF_DW_COLS_PAIR
#undef MF_DW_COLS_SPLIT
#undef MF_DW_COLS_REBASE

/* The words of the planes s0..s3 that mf_dw_cols_widen4 does not write set to the input zero point (two halfwords a
 * store): the padding columns whole, in the image's columns the words before (pad_top & ~1) / 2 and from there on past
 * its (pad_top % 2 + in_h + 1) / 2 words. One plane's stores unrolled (offsets below 4096: ops keeps a plane that
 * small), the four planes in turn. */
MF_INLINE void mf_dw_cols_pad4(const mf_depthwise_conv2d_params_t *p, int16_t *s0, int16_t *s1, int16_t *s2,
                               int16_t *s3)
{
    const uint32_t zz = (uint32_t)(uint16_t)p->pad_value * 0x10001u;
    const int32_t a = (p->pad_top & ~1) / 2, e = a + ((p->pad_top & 1) + p->in_h + 1) / 2;
    int32_t n = 4;
    __asm__ volatile("1:\n\t"
                     ".set mfp_u, 0\n\t"
                     ".rept %c[U]\n\t"
                     ".set mfp_i, 0\n\t"
                     ".rept %c[WW]\n\t"
                     ".if mfp_u < %c[L] || mfp_u >= %c[L] + %c[W] || mfp_i < %c[a] || mfp_i >= %c[e]\n\t"
                     "str %[zz], [%[d0], #(mfp_u * %c[WW] + mfp_i) * 4]\n\t"
                     ".endif\n\t"
                     ".set mfp_i, mfp_i + 1\n\t"
                     ".endr\n\t"
                     ".set mfp_u, mfp_u + 1\n\t"
                     ".endr\n\t"
                     "mov %[d0], %[d1]\n\tmov %[d1], %[d2]\n\tmov %[d2], %[d3]\n\t"
                     "subs %[n], %[n], #1\n\tbne 1b"
                     : [d0] "+r"(s0), [d1] "+r"(s1), [d2] "+r"(s2), [d3] "+r"(s3), [n] "+r"(n)
                     : [zz] "r"(zz), [U] "i"(p->out_w + 2), [WW] "i"(p->wp / 2), [L] "i"(p->pad_left), [W] "i"(p->in_w),
                       [a] "i"(a), [e] "i"(e)
                     : "cc", "memory");
}

#if !defined(MF_TARGET_M7)   /* the M7 runs its edge columns as the others (its edge blocks measured slower) */
/* Edge columns: an output column whose plane row x or x + 2 is all padding (SAME: x = 0 and x = out_w - 1) reads only
 * the input zero point there, so the two other kernel columns take all its MACs and the padding's share,
 * in_zp * (its three doubled weights), joins 2*bias (mf_dw_cols_bias). nq 4-output blocks of such a column as
 * mf_dw_rows_run's quads (the same words, the same requantisation: the same bytes) with two plane rows, not three: 16
 * MAC instructions a block, not 24. Each kernel column's words A = in[y..y+1], B = in[y+2..y+3], C = in[y+4..y+5]
 * and its P, Q (kp: the two kernel columns' words of mf_dw_rows_build) loaded back to back (an M4 pipelines them),
 * out_y += SMLAD(A, P) + SMLABT(B, Q), out_y+1 += SMLATB(A, P) + SMLAD(B, Q), out_y+2 += SMLAD(B, P) + SMLABT(C, Q),
 * out_y+3 += SMLATB(B, P) + SMLAD(C, Q); the bias eb in a register, the first MACs' addend (14 registers; it was read
 * from a stack slot, one load a block: kws's 25x5x64 layers on the M4 -0.6K cycles, and the slot's stack gone), m,
 * rnd, e from kp + KM bytes on (the channel's words); outputs OC bytes apart. *rp, *op are left after the blocks.
 * (Unrolled runs (no CMP, taken BNE) measured 3.1K cycles less a kws layer for 4.8 KB more code in kws: not taken; two
 * blocks a loop pass (an odd run's first block before the loop) 1.5K less (130,123 -> 128,587) for 2.6 KB: not taken.) */
#define MF_DW_COLS_RQ(ACC0, ACC1, O0, O1) \
    ".if %c[ush]\n\t" \
    "smmla %[A], " ACC0 ", %[Q], %[C]\n\tsmmla %[B], " ACC1 ", %[Q], %[C]\n\t" \
    "ssat %[A], #8, %[A], asr #%c[ush]\n\tssat %[B], #8, %[B], asr #%c[ush]\n\t" \
    ".else\n\t" \
    "smmlar %[A], " ACC0 ", %[Q], %[C]\n\tsmmlar %[B], " ACC1 ", %[Q], %[C]\n\t" \
    ".if %c[ncl] == 0\n\tadd %[A], %[A], " ACC0 ", asr #31\n\tadd %[B], %[B], " ACC1 ", asr #31\n\t.endif\n\t" \
    "asr %[A], %[A], %[P]\n\tasr %[B], %[B], %[P]\n\tssat %[A], #8, %[A]\n\tssat %[B], #8, %[B]\n\t" \
    ".endif\n\t" \
    "strb %[A], [%[out], " O0 "]\n\tstrb %[B], [%[out], " O1 "]\n\t"
MF_KERNEL void mf_dw_cols_quads2(const int32_t *kp, const int32_t KM, const int32_t eb, const int32_t **rp, int8_t **op,
                                 int32_t nq, const int32_t WP, const int32_t OC, const int32_t ncl, const int32_t ush)
{
    const int32_t *r = *rp, *const end = r + 2 * nq;
    int8_t *out = *op;
    int32_t a0, a1, a2, a3, A, B, Cw, P, Q;
    __asm__ volatile(
        "1:\n\t"
        "ldr %[A], [%[r]]\n\tldr %[B], [%[r], #4]\n\t"
        "ldr %[P], [%[k]]\n\tldr %[Q], [%[k], #4]\n\tldr %[C], [%[r], #8]!\n\t"
        "smlad %[a0], %[A], %[P], %[eb]\n\tsmlabt %[a0], %[B], %[Q], %[a0]\n\t"
        "smlatb %[a1], %[A], %[P], %[eb]\n\tsmlad %[a1], %[B], %[Q], %[a1]\n\t"
        "smlad %[a2], %[B], %[P], %[eb]\n\tsmlabt %[a2], %[C], %[Q], %[a2]\n\t"
        "smlatb %[a3], %[B], %[P], %[eb]\n\tsmlad %[a3], %[C], %[Q], %[a3]\n\t"
        "ldr %[A], [%[r], %[w0]]\n\tldr %[B], [%[r], %[w4]]\n\tldr %[C], [%[r], %[w8]]\n\t"
        "ldr %[P], [%[k], #8]\n\tldr %[Q], [%[k], #12]\n\t"
        "smlad %[a0], %[A], %[P], %[a0]\n\tsmlabt %[a0], %[B], %[Q], %[a0]\n\t"
        "smlatb %[a1], %[A], %[P], %[a1]\n\tsmlad %[a1], %[B], %[Q], %[a1]\n\t"
        "smlad %[a2], %[B], %[P], %[a2]\n\tsmlabt %[a2], %[C], %[Q], %[a2]\n\t"
        "smlatb %[a3], %[B], %[P], %[a3]\n\tsmlad %[a3], %[C], %[Q], %[a3]\n\t"
        ".if %c[ush] == 0\n\tldr %[P], [%[k], %[ke]]\n\t.endif\n\tldr %[Q], [%[k], %[km]]\n\tldr %[C], [%[k], %[kr]]\n\t"
        MF_DW_COLS_RQ("%[a0]", "%[a1]", "#0", "%[c1]") MF_DW_COLS_RQ("%[a2]", "%[a3]", "%[c2]", "%[c3]")
        "addw %[out], %[out], %[c4]\n\t"
        "cmp %[r], %[end]\n\tbne 1b"
        : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [A] "=&r"(A), [B] "=&r"(B), [C] "=&r"(Cw),
          [P] "=&r"(P), [Q] "=&r"(Q), [r] "+r"(r), [out] "+r"(out)
        : [k] "r"(kp), [end] "r"(end), [eb] "r"(eb), [km] "i"(KM), [kr] "i"(KM + 4), [ke] "i"(KM + 8),
          [w0] "i"(2 * WP - 8), [w4] "i"(2 * WP - 4), [w8] "i"(2 * WP),
          [c1] "i"(OC), [c2] "i"(2 * OC), [c3] "i"(3 * OC), [c4] "i"(4 * OC), [ncl] "i"(ncl),
          [ush] "i"(ush)
        : "cc", "memory");
    *rp = r;
    *op = out;
}
/* One output as MF_DW_COLS_RQ (A the temporary). */
#define MF_DW_COLS_RQ1(ACC, O) \
    ".if %c[ush]\n\t" \
    "smmla %[A], " ACC ", %[Q], %[C]\n\tssat %[A], #8, %[A], asr #%c[ush]\n\t" \
    ".else\n\t" \
    "smmlar %[A], " ACC ", %[Q], %[C]\n\t.if %c[ncl] == 0\n\tadd %[A], %[A], " ACC ", asr #31\n\t.endif\n\t" \
    "asr %[A], %[A], %[P]\n\tssat %[A], #8, %[A]\n\t" \
    ".endif\n\t" \
    "strb %[A], [%[out], " O "]\n\t"
/* An edge column's last five outputs y..y+4 (out_h % 4 == 1) in one block on its two plane rows, as the row path's
 * 5-output block (mf_dw_rows_five) on them: per kernel column A = in[y..y+1], B = in[y+2..y+3], C = in[y+4..y+5],
 * then D = in[y+6..y+7] into A once A is spent; out_y..y+3 as mf_dw_cols_quads2's block, out_y+4 += SMLAD(C, P) +
 * SMLABT(D, Q): the row path's MF_DW_ROWS5_ROW, here down a column. The fifth sum holds the edge bias (eb) until
 * the first kernel column's other MACs have taken it as their addend. It replaces the last 4-output block and
 * mf_dw_rows_one's lone output on all three plane rows (the padding's zero points multiplied by weights): kws's
 * 25x5x64 layers on the M4 138.8K -> 135.7K cycles (M33 alike), 928 bytes more code for the model (two copies a
 * layer: the edges' call sites). */
MF_KERNEL void mf_dw_cols_five2(const int32_t *kp, const int32_t KM, const int32_t eb, const int32_t *r, int8_t *out,
                                const int32_t WP, const int32_t OC, const int32_t ncl, const int32_t ush)
{
    int32_t a0, a1, a2, a3, a4 = eb, A, B, Cw, P, Q;   /* a4: the bias, then the fifth sum */
    __asm__ volatile(
        "@ mf_dw_cols_five2\n\t"   /* (for tests reading gcc -S) */
        MF_DW_ROWS5_ROW("#0", "#4", "#8", "#12", "[%[k], #0]", "[%[k], #4]", "%[a4]", "%[a4]", "%[a4]", "%[a4]")
        MF_DW_ROWS5_ROW("%[w0]", "%[w4]", "%[w8]", "%[w12]", "[%[k], #8]", "[%[k], #12]", "%[a0]", "%[a1]", "%[a2]", "%[a3]")
        ".if %c[ush] == 0\n\tldr %[P], [%[k], %[ke]]\n\t.endif\n\tldr %[Q], [%[k], %[km]]\n\tldr %[C], [%[k], %[kr]]\n\t"
        MF_DW_COLS_RQ("%[a0]", "%[a1]", "#0", "%[c1]") MF_DW_COLS_RQ("%[a2]", "%[a3]", "%[c2]", "%[c3]")
        MF_DW_COLS_RQ1("%[a4]", "%[c4]")
        : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [a4] "+&r"(a4), [A] "=&r"(A), [B] "=&r"(B),
          [C] "=&r"(Cw), [P] "=&r"(P), [Q] "=&r"(Q)
        : [k] "r"(kp), [r] "r"(r), [out] "r"(out), [km] "i"(KM), [kr] "i"(KM + 4), [ke] "i"(KM + 8),
          [w0] "i"(2 * WP), [w4] "i"(2 * WP + 4), [w8] "i"(2 * WP + 8), [w12] "i"(2 * WP + 12),
          [c1] "i"(OC), [c2] "i"(2 * OC), [c3] "i"(3 * OC), [c4] "i"(4 * OC), [ncl] "i"(ncl), [ush] "i"(ush)
        : "memory");
}
#undef MF_DW_ROWS5_ROW
#undef MF_DW_COLS_RQ1
#undef MF_DW_COLS_RQ

/* An edge column's bias (mf_dw_cols_quads2): 2*bias + in_zp * (the padding column's doubled weights 2w0 + 2w1 + 2w2:
 * its P's halves and its Q's top half; column 0 for the left edge, 2 for the right). */
MF_INLINE int32_t mf_dw_cols_bias(const int32_t *k, int32_t kx, int32_t zp)
{
    const int32_t P = k[2 * kx], Q = k[2 * kx + 1];
    return k[6] + zp * ((int16_t)P + (P >> 16) + (Q >> 16));
}

/* An edge column from plane row x on (r; pad 0: plane row x all padding, the left edge; 2: plane row x + 2, the right
 * edge), out_h outputs OC bytes apart from o: its 4-output blocks on the two other plane rows (mf_dw_cols_quads2, its
 * bias eb), the last block and 1 output after it as one 5-output block on the same two plane rows
 * (mf_dw_cols_five2), else the outputs after the blocks on all three plane rows and the channel's words k, the
 * padding's zero points read (the row path's 3-output block; 2 left: the last block and them as the row path's 6-output
 * block);
 * an edge column with no block (out_h < 4, or 6 with 2 left) as one mf_dw_rows_run. */
MF_KERNEL void mf_dw_cols_edge(const mf_depthwise_conv2d_params_t *t, const int32_t *r, const int32_t *k, const int32_t eb,
                               const int32_t pad, int8_t *o)
{
    const int32_t OH = t->out_w, OC = t->in_c, WP = t->wp, ncl = MF_NEG_CLAMPED(t->act_min, t->out_offset);
    const int32_t tail = OH & 3, nq = (OH >> 2) - (tail == 2);
    if (nq <= 0) {
        mf_dw_rows_run(t, &r, k, &o);
        return;
    }
    const int32_t *re = r + (pad ? 0 : WP / 2), five = tail == 1;
    if (nq - five)
        mf_dw_cols_quads2(k + (pad ? 0 : 2), pad ? 28 : 20, eb, &re, &o, nq - five, WP, OC, ncl, t->ush);
    if (five) {       /* the last block and the lone output after it on the two plane rows (mf_dw_cols_five2) */
        mf_dw_cols_five2(k + (pad ? 0 : 2), pad ? 28 : 20, eb, re, o, WP, OC, ncl, t->ush);
        return;
    }
    r = re - (pad ? 0 : WP / 2);
    if (tail == 2)
        mf_dw_rows_six(k, r, o, WP, OC, ncl, t->ush);
    else if (tail == 3)
        mf_dw_rows_three(k, r, o, WP, OC, ncl, t->ush);
}
#endif

#if !defined(MF_TARGET_M7)
/* A group's requantisation words with the layer's one shift (p->ush = E; the M4/M33), as mf_dw_rows_consts's compact
 * branch writes them for the blocks: per channel j 2^k * bias and m copied, rnd' = 2^(E-1) + zp * 2^E (base, the
 * layer's) + 2^(k_j - 2) from its byte k_j (>= 2: ops/depthwise_conv2d.py _ushift); the word after rnd (k) is not
 * written: no block reads it with the shift. Each channel's three loads back to back, its three words stored by STR
 * in one asm (kws's 25x5x64 layers on the M4 130.8K -> 130.1K cycles, 0.3 KB more code for the model than GCC's
 * loop of mf_dw_rows_consts). */
MF_KERNEL void mf_dw_cols_consts_u(const int32_t *g, int32_t *kb, const int32_t base)
{
    int32_t b, m, e;
#define MF_DW_COLS_CU(J) \
    "ldr %[b], [%[g], #36 + 4 * " #J "]\n\tldr %[m], [%[g], #52 + 4 * " #J "]\n\tldrb %[e], [%[g], #68 + " #J "]\n\t" \
    "str %[b], [%[kb], #24 + 40 * " #J "]\n\tmov %[b], #1\n\tlsl %[b], %[b], %[e]\n\t" \
    "str %[m], [%[kb], #28 + 40 * " #J "]\n\tadd %[b], %[base], %[b], lsr #2\n\t" \
    "str %[b], [%[kb], #32 + 40 * " #J "]\n\t"
    __asm__ volatile("@ mf_dw_cols_consts_u\n\t"   /* (for tests reading gcc -S) */
                     MF_DW_COLS_CU(0) MF_DW_COLS_CU(1) MF_DW_COLS_CU(2) MF_DW_COLS_CU(3)
                     : [b] "=&r"(b), [m] "=&r"(m), [e] "=&r"(e)
                     : [g] "r"(g), [kb] "r"(kb), [base] "r"(base)
                     : "memory");
#undef MF_DW_COLS_CU
}
/* A group's weight words with the layer's one shift (p->ush; the M4/M33), as mf_dw_rows_build's rows with the shift
 * give them: per kernel row r and channel j the int16 pairs P = (w_r0, w_r1) * 2^k_j and Q = (w_r1, w_r2) * 2^k_j
 * (k_j: the compact group's byte 68 + j, word 17, which mf_dw_cols_consts_u reads too), the same bits as the doubled
 * weights times 2^(k_j - 1). Each lane multiplied straight from the SXTB16 words by F_j = 2^k_j (SMULBB / SMULTB, no
 * SADD16 doubling, no ROR: channels 2, 3 take the top lanes of e02, e13) and joined by PKHBT, the four F_j in registers, the
 * three rows in one asm, 111 instructions a group where the C rows (mf_dw_rows_build_row, their SADD16s, RORs and
 * scalings) took about 225 cycles: kws's 25x5x64 layers on the M4 133.2K -> 130.8K cycles, 0.8 KB less code. */
MF_KERNEL void mf_dw_cols_build_u(const int32_t *g, int32_t *kb)
{
    const uint8_t *kk = (const uint8_t *)(g + 17);
    const int32_t f0 = 1 << kk[0], f1 = 1 << kk[1], f2 = 1 << kk[2], f3 = 1 << kk[3];
    int32_t e02, e13, x, y, q, m, h;
/* channel J: its Q lanes' word in QW, its w_r0 in the bottom (T "b") or top (T "t") lane of E; P, Q stored at O */
#define MF_DW_COLS_BU(QW, E, T, F, O) \
    "smulbb %[m], " QW ", " F "\n\tsmultb %[h], " QW ", " F "\n\tsmul" T "b %[q], " E ", " F "\n\t" \
    "pkhbt %[q], %[q], %[m], lsl #16\n\tpkhbt %[m], %[m], %[h], lsl #16\n\t" \
    "str %[q], [%[kb], #" O "]\n\tstr %[m], [%[kb], #" O " + 4]\n\t"
    __asm__ volatile("@ mf_dw_cols_build_u\n\t"   /* (for tests reading gcc -S) */
                     ".irp mfr, 0, 1, 2\n\t"
                     "ldr %[e13], [%[g], #12 * \\mfr]\n\tldr %[x], [%[g], #12 * \\mfr + 4]\n\t"
                     "ldr %[y], [%[g], #12 * \\mfr + 8]\n\t"
                     "sxtb16 %[e02], %[e13]\n\tsxtb16 %[e13], %[e13], ror #8\n\t"
                     "sxtb16 %[q], %[x]\n\t"
                     MF_DW_COLS_BU("%[q]", "%[e02]", "b", "%[f0]", "8 * \\mfr")
                     "sxtb16 %[x], %[x], ror #8\n\t"
                     MF_DW_COLS_BU("%[x]", "%[e13]", "b", "%[f1]", "40 + 8 * \\mfr")
                     "sxtb16 %[x], %[y]\n\t"
                     MF_DW_COLS_BU("%[x]", "%[e02]", "t", "%[f2]", "80 + 8 * \\mfr")
                     "sxtb16 %[y], %[y], ror #8\n\t"
                     MF_DW_COLS_BU("%[y]", "%[e13]", "t", "%[f3]", "120 + 8 * \\mfr")
                     ".endr"
                     : [e02] "=&r"(e02), [e13] "=&r"(e13), [x] "=&r"(x), [y] "=&r"(y), [q] "=&r"(q), [m] "=&r"(m),
                       [h] "=&r"(h)
                     : [g] "r"(g), [kb] "r"(kb), [f0] "r"(f0), [f1] "r"(f1), [f2] "r"(f2), [f3] "r"(f3)
                     : "memory");
#undef MF_DW_COLS_BU
}
#endif

/* One group of nc channels (in_c, out_c: its first channel's input and output; g: its compact weight words): its
 * doubled weights built into kb (mf_dw_rows_build; with the layer's shift on the M4/M33 mf_dw_cols_consts_u and
 * mf_dw_cols_build_u), its input widened (four: the four planes at once,
 * mf_dw_cols_widen4; else each channel into s before its outputs), then each channel's output columns: on the M4/M33
 * the edge columns (left, right) as mf_dw_cols_edge, the others as mf_dw_rows_run. t: the transposed layer. */
MF_KERNEL void mf_dw_cols_group(const mf_depthwise_conv2d_params_t *p, const mf_depthwise_conv2d_params_t *t,
                                const int8_t *in_c, int8_t *out_c, const int32_t *g, int32_t nc, int32_t *kb, int16_t *s,
                                int16_t *s1, int16_t *s2, int16_t *s3)
{
    const int32_t C = p->in_c, WP = p->wp, OW = p->out_w, four = s1 && nc == 4;
    /* edge columns (not on the M7, where the extra code of the edge blocks measured slower): plane row 0 all padding
     * (left), plane row out_w + 1 all padding (right), one column between them at least */
#if defined(MF_TARGET_M7)
    const int32_t left = 0, right = 0;
#else
    const int32_t left = p->pad_left > 0 && OW > 2, right = OW + 1 >= p->pad_left + p->in_w && OW > 2;
#endif
#if !defined(MF_TARGET_M7)
    if (p->ush) {   /* the constants (k_j in the word after rnd), then the scaled weight rows in one asm */
        mf_dw_cols_consts_u(g, kb, (1 << (p->ush - 1)) + p->out_offset * (1 << p->ush));
        mf_dw_cols_build_u(g, kb);
    } else
#endif
    mf_dw_rows_build(g, kb, 1, 1, p->out_offset, p->ush);
    if (four)
        mf_dw_cols_widen4(p, in_c, s, s1, s2, s3);
    int16_t *sj = s;
    for (int32_t j = 0; j < nc; ++j) {
        const int32_t *k = kb + 10 * j;
        int8_t *o = out_c + j;
        if (!four)
            mf_dw_cols_widen(p, in_c + j, s);
#if !defined(MF_TARGET_M7)
        if (left) {   /* (one call site for both edges, the side a variable: 5.3K cycles slower a kws layer) */
            mf_dw_cols_edge(t, (const int32_t *)sj, k, mf_dw_cols_bias(k, 0, p->pad_value), 0, o);
        }
#endif
        for (int32_t x = left; x < OW - right; ++x) {
            const int32_t *r = (const int32_t *)(sj + x * WP);
            int8_t *ox = o + x * C;
            mf_dw_rows_run(t, &r, k, &ox);
        }
#if !defined(MF_TARGET_M7)
        if (right) {
            mf_dw_cols_edge(t, (const int32_t *)(sj + (OW - 1) * WP), k, mf_dw_cols_bias(k, 2, p->pad_value), 2,
                            o + (OW - 1) * C);
        }
#endif
        if (four)     /* the next channel's plane (chosen here, not from j at the top: 0.5K cycles a kws layer less) */
            sj = j == 0 ? s1 : j == 1 ? s2 : s3;
    }
}

/* s: (out_w + 2) * wp int16 of planes (word aligned); s1, s2, s3: three more such planes (anywhere: the arena's free
 * room), or 0. The full groups of 4 channels, then a last group of fewer (its own code: the full groups' loop keeps
 * nc a constant); with four planes each full group's input is widened at once into s, s1, s2, s3 (mf_dw_cols_widen4),
 * else (and a last group) each channel into s on its own (mf_dw_cols_widen). */
MF_KERNEL void mf_depthwise_conv2d_s8_cols(const mf_depthwise_conv2d_params_t *p, const int8_t *in, int8_t *out, int16_t *s,
                                           int16_t *s1, int16_t *s2, int16_t *s3)
{
    const int32_t C = p->in_c, OW = p->out_w, G = C >> 2;
    /* the transposed layer mf_dw_rows_run computes: a "row" of out_h outputs out_w * in_c bytes apart */
    mf_depthwise_conv2d_params_t t = *p;
    t.out_w = p->out_h;
    t.in_c = OW * C;
    t.stride_w = 1;
    if (s1)
        mf_dw_cols_pad4(p, s, s1, s2, s3);
    if (!s1 || (C & 3))   /* a last group's mf_dw_cols_widen writes s's image only: all the rest padding */
        mf_dw_rows_pad(p, s, (OW + 2) * p->wp / 2);
    int32_t kb[40];   /* the current group's doubled weights and constants (mf_dw_rows_build, one rotation) */
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = in + b * p->in_h * p->in_w * C;
        int8_t *out_b = out + b * p->out_h * OW * C;
        for (int32_t q = 0; q < G; ++q)
            mf_dw_cols_group(p, &t, in_b + 4 * q, out_b + 4 * q, p->wr + MF_DW_ROWS_GWC * q, 4, kb, s, s1, s2, s3);
        if (C & 3)
            mf_dw_cols_group(p, &t, in_b + 4 * G, out_b + 4 * G, p->wr + MF_DW_ROWS_GWC * G, C & 3, kb, s, s1, s2, s3);
    }
}

#endif
