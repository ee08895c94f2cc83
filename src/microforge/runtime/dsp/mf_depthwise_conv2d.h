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
 * (mf_dw_requant; e stored as a byte); the four results are packed, clamped bytewise (SSUB8/SEL) and stored with one STR.
 * Pixels whose window lies inside the image run
 * fully unrolled with constant offsets; border pixels read their taps through a per-pixel pointer
 * table whose out-of-image taps point at a row of input zero points. Channel tails (in_c % 4) go one
 * at a time.
 * Groups outermost (p->outer, mf_dw_outer: up to 9 taps, at least ops/depthwise_conv2d.py OUTER_MIN_PIXELS interior
 * pixels): the interior pixels run one group of 4 channels at a time with the group's weights widened and doubled once
 * on the stack, then the border pixels and channel tails as above; when the output lies over the input (p->outer 2)
 * the border pixels are computed first into a stack copy (mf_depthwise_conv2d_s8_staged).
 * Everything else (depth multiplier > 1, requantisation the fast path cannot reproduce) uses the
 * generic loop. Write order: output pixel p, channels ascending, each written after its own window
 * was read, as in the portable kernel, so ops/depthwise_conv2d.py overlap_lead holds for both.
 *
 * Row path (p->rows: 3x3, stride_w 1 or 2, no dilation, depth multiplier 1, out_w >= 3 direct, 4 staged (12 at stride_w 2);
 * mf_depthwise_conv2d_s8_rows with a caller-provided scratch): per group of 4 channels, the input rows are widened
 * into int16 planes, one per channel (s[channel][row][column + pad_left], padding columns and rows holding the
 * input zero point), so a word holds two neighbouring columns of one channel. Then one channel at a time: its six
 * weight words P_r = (2w_r0, 2w_r1), Q_r = (2w_r1, 2w_r2) (doubled, so the sums are 2*acc for SMMLAR) and 2*bias,
 * m, rnd, e; at stride_w 1 four outputs x..x+3 of a row from three words per kernel row (A = in[x..x+1],
 * B = in[x+2..x+3], C = in[x+4..x+5]): 8 MAC instructions per row for 12 MACs (mf_dw_rows_run, assembly); at
 * stride_w 2 output x from W = in[2x..2x+1] and the next output's W: SMLAD(W, P) + SMLABT(W', Q), one new word per
 * output (mf_dw_rows2_channel). At stride_w 1 a row's last outputs run as one block: the last 4 outputs and the 1 or 2
 * after them as 5 or 6 (mf_dw_rows_five, _six: the quads' reloads and a short block's setup saved), 3 leftovers as 3
 * (mf_dw_rows_three), out_w 1 and 2 alone; at stride_w 2 likewise 5, 6 and 3, in mf_dw_s2.h with the direct order
 * at stride 2 and its pixel-pair widening (the 4-output loops
 * step r and out by writeback; on the M7 the blocks' loads of the next kernel row issue beside the MACs:
 * MF_DW_ROWS_ROW_M7 and its kin, chosen by MF_TARGET_M7); layers with an
 * activation clamp run a C loop on the same words. The weights stay int8 in flash (p->wr: 9 bytes a channel, as
 * the .tflite, plus the words 2*bias, m, rnd, e: 25 bytes a channel; in the direct order's ring 2*bias, m and e as a
 * byte, 18 bytes a channel, MF_DW_ROWS_GWC); mf_dw_rows_build builds a group's doubled
 * int16 words on the stack (SXTB16, SADD16, PKHBT) that the assembly reads. Two orders:
 * - direct (p->direct, chosen at compile time by ops/depthwise_conv2d.py _rows_direct when the output does not
 *   meet input still to be read: disjoint, or trailing the input by whole pixels and at least a row): groups
 *   outermost; the planes are a ring of three input rows (at stride_h 1 mf_dw_rows_ring1), so each input row is
 *   widened once per group (output row
 *   oy finds its kernel rows rotated in the ring: the weights are built in the three rotations, 480 bytes of
 *   stack), outputs written straight to the output; each input row is read before any output row after it is
 *   written, so _rows_direct's replay of reads per output row stays a safe bound; when planes for every input row
 *   cost little more scratch (ops/depthwise_conv2d.py _rows_full: band = out_h), no ring: one rotation, and the rows
 *   outside the image are never rewritten (measured on vww's 6x6x128 layers, M4: 116.6K -> 107.6K cycles); also
 *   where they cost more scratch (p->direct 2, not in a row pipeline's band), with the ring's compact groups; rows of
 *   3 outputs on the M4/M33
 *   two rows of a channel a block (mf_dw_rows_three2, mf_dw_s2_three2);
 * - staged: bands of p->band output rows outermost, the band's 3 + (band - 1) * stride_h input rows widened per
 *   group, each group's weights built again per band; outputs go to a staging copy of the band, copied to the
 *   output once the band has read all its input, so the output may overlap the input by the lead
 *   ops/depthwise_conv2d.py _rows_lead declares (about one input row for stride 1).
 * With p->ush (ops/depthwise_conv2d.py _rows_ushift: the 4-output loop alone, direct order; at stride 2 on the M4/M33
 * every block of mf_dw_s2.h's; _emit_cols: every block of the column path, mf_dw_cols.h) the layer has one shift E: sums scaled by 2^(E-e+1) per channel, SMMLA and SSAT's own
 * shift instead of SMMLAR, ASR and SSAT (MF_DW_ROWS_RQU; the blocks after the quad loop: MF_DW_ROWS_RQS, _RQO, _RQ1).
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
    const int32_t *rq;            /* per group of 4: bias[4], mult[4], rnd[4], one word of the bytes e[4]; per tail
                                     channel bias, mult, e, rnd (e = -shift, rnd = 2^(e-1) + out_offset * 2^e) */
    const int8_t *pad;            /* in_c bytes of the input zero point, read for taps outside the image */
    /* Row path (3x3, stride_w 1 or 2, no dilation, depth multiplier 1; ops/depthwise_conv2d.py fills it) */
    int32_t rows;                 /* 1: use mf_dw_rows (wq, rq, pad unused) */
    int32_t wp;                   /* halfwords per scratch row: 2 * ceil(out_w / 2) + 2 (stride_w 2: 2 * out_w + 2) */
    int32_t band;                 /* output rows per band: the scratch holds (band - 1) * stride_h + 3 input rows */
    const int32_t *wr;            /* per group of 4 channels MF_DW_ROWS_GW = 25 words (MF_DW_ROWS_GWC = 18 when direct, not full
                                     or direct 2:
                                     2*bias[4], m[4], the bytes e[4] after the weights): 9 of int8 weights (per kernel row r:
                                     (w_r0 c0..c3), (w_r1 c0, w_r1 c1, w_r2 c0, w_r2 c1), (the same for c2, c3)), then
                                     per channel 2*bias, m, rnd, e; mf_dw_rows_weights builds the doubled int16 pairs on
                                     the stack and copies the constants next to them */
    int32_t direct;               /* 1: no writes of a channel reach input of that channel still to be read, nor
                                     another channel's input (ops/depthwise_conv2d.py _rows_direct): channel groups
                                     outermost, weights built once per group, outputs written in place, no staging;
                                     2 (ops/depthwise_conv2d.py ROWS_FULL_MAX_EXTRA_MORE): the same with full
                                     planes (band = out_h) reading the ring's compact groups (MF_DW_ROWS_GWC) */
    int32_t ush;                  /* row path, direct order, stride_w 1 or (M4/M33) 2 (ops/depthwise_conv2d.py _rows_ushift): 0, or E, the
                                     layer's one shift (MF_DW_ROWS_RQU): every channel's sums scaled by 2^k, k = E - e + 1 */
    int32_t outer;                /* pixel path, k_h*k_w <= MF_DW_OUTER_TAPS (ops/depthwise_conv2d.py _pixel_outer):
                                     interior pixels channel groups outermost (mf_dw_outer); 1: input and output
                                     disjoint; 2: border pixels staged first (mf_depthwise_conv2d_s8_staged) */
} mf_depthwise_conv2d_params_t;
#define MF_DW_ROWS_GW 25
/* p->direct with a ring (not full planes): the compact group, MF_DW_ROWS_GWC = 18 words (18 bytes a channel): the 9
 * weight words, then 2*bias[4], m[4] and one word of the four bytes e; rnd = 2^(e-1) + out_offset * 2^e computed in the
 * weight build, once a group (the staged order builds each group's words once a band, and the full planes' small maps
 * felt even the once-a-group cost: MobileNetV2's 5x5x144 layers +1.3% on the M4; both keep MF_DW_ROWS_GW) */
#define MF_DW_ROWS_GWC 18
/* Full planes read MF_DW_ROWS_GW groups, or the ring's compact ones when p->direct is 2 (ops/depthwise_conv2d.py: full
 * planes past ROWS_FULL_MAX_EXTRA bytes over the ring, so that they store no more constants than the ring's; the
 * others keep their stored rnd: the compact build cost the M7's 3x3 and 5x5 full-plane layers 1-6% more cycles):
 * the words a group of the direct order takes in p->wr, and whether they are compact */
#define MF_DW_DIRECT_GW(p, full) ((full) && (p)->direct != 2 ? MF_DW_ROWS_GW : MF_DW_ROWS_GWC)
#define MF_DW_DIRECT_COMPACT(p, full) (!(full) || (p)->direct == 2)
/* Runs of at most this many 4-output blocks (a column of the column path, a short row) are unrolled, not looped
 * (mf_dw_rows_run): the loop's CMP and taken BNE cost 4 cycles a block on the M4/M33 (on the M7 about one: its taken
 * branch, and the loads of a block's first row beside the last one's stores); each unrolled block adds about
 * 180 bytes of code (220 on the M7). */
#define MF_DW_QUADS_UNROLL 6
/* ... longer runs loop over MF_DW_QUADS_LOOP blocks an iteration when the run divides by it, else 3, 2 or 1 (one CMP and
 * taken BNE for them all; vww's 48-wide layer on the M4: 336.1K -> 326.9K cycles with 2 blocks an iteration, 322.3K
 * with 4, at about 220 bytes of code a block; the M7: 180.7K -> 176.1K with 2, 173.8K with 4, and 186.9K -> 179.2K on
 * the 24-wide layer unrolled, 182.3K looped by 2). On the M4/M33 runs of 2 blocks or more carry their data words from
 * block to block instead (mf_dw_rows_quads_carried): unrolled up to MF_DW_QUADS_UNROLL, longer ones looped 4 blocks an
 * iteration (its registers' rotation has that period) with the rest unrolled after the loop. */
#define MF_DW_QUADS_LOOP 4


/* TFLM MBQM(acc, m, -e) + zp from acc2 = 2*acc: SRDHM = SMMULR(2acc, m); RDBP(v, e) + zp =
 * (v - (v<0) + rnd) >> e with rnd = 2^(e-1) + zp*2^e (nested floors by powers of two collapse).
 * SMMLAR adds rnd - (acc2<0) to the SMMULR product in the same instruction: acc2's sign may stand in
 * for v's because v < 0 implies acc2 < 0 (m >= 0), and when acc2 < 0 but v == 0 the -1 cannot cross
 * a multiple of 2^e (rnd is 2^(e-1) modulo 2^e). With act_min >= zp (MF_NEG_CLAMPED: ReLU, ReLU6) the correction
 * goes: for v < 0 both roundings give a result <= zp <= act_min, which the clamp (or SSAT when act_min is -128)
 * turns into act_min; every requantisation below (C and assembly) drops it then, one instruction an output. */
MF_KERNEL int32_t mf_dw_requant(const mf_depthwise_conv2d_params_t *p, int32_t acc2, int32_t m, int32_t e, int32_t rnd)
{
    int32_t v;
    __asm__("smmlar %0, %1, %2, %3" : "=r"(v) : "r"(acc2), "r"(m), "r"(MF_NEG_CLAMPED(p->act_min, p->out_offset) ? rnd : rnd + (acc2 >> 31)));
    v = __ssat(v >> e, 8);
    if (p->act_min > -128) v = v < p->act_min ? p->act_min : v;
    if (p->act_max < 127) v = v > p->act_max ? p->act_max : v;
    return v;
}

/* The asm operand [ncl]: 1 when MF_NEG_CLAMPED (act_min >= out_offset), the requantisation then skips the
 * negative-value correction (mf_common.h says why both roundings clamp to act_min). */
#define MF_DW_NCL(lo, zp) [ncl] "i"(MF_NEG_CLAMPED(lo, zp))

/* Channels j and j+1 of a group: their requantisation constants loaded back to back (an M4
 * pipelines them), the accumulators doubled, then the same arithmetic as mf_dw_requant on both, interleaved (an M7 issues the
 * independent pairs together); saturated to int8, not yet clamped to the activation. The shifts e are bytes (LDRB
 * costs what LDR does). */
#define MF_DW_RQ2(A, B, RQ, J) MF_DW_RQ2_(A, B, RQ, J, "add %[x], %[x], %[x]\n\tadd %[y], %[y], %[y]\n\t")
/* The same on accumulators already doubled (mf_dw_outer's doubled weights and bias). */
#define MF_DW_RQ2D(A, B, RQ, J) MF_DW_RQ2_(A, B, RQ, J, "")
#define MF_DW_RQ2_(A, B, RQ, J, DOUBLE) __asm__( \
    "ldr %[m0], %[mm0]\n\tldrb %[e0], %[me0]\n\tldr %[r0], %[mr0]\n\t" \
    "ldr %[m1], %[mm1]\n\tldrb %[e1], %[me1]\n\tldr %[r1], %[mr1]\n\t" \
    DOUBLE \
    ".if %c[ncl] == 0\n\tadd %[r0], %[r0], %[x], asr #31\n\tadd %[r1], %[r1], %[y], asr #31\n\t.endif\n\t" \
    "smmlar %[x], %[x], %[m0], %[r0]\n\tsmmlar %[y], %[y], %[m1], %[r1]\n\t" \
    "asr %[x], %[x], %[e0]\n\tasr %[y], %[y], %[e1]\n\tssat %[x], #8, %[x]\n\tssat %[y], #8, %[y]" \
    : [x] "+r"(A), [y] "+r"(B), [m0] "=&r"(_m0), [e0] "=&r"(_e0), [r0] "=&r"(_r0), \
      [m1] "=&r"(_m1), [e1] "=&r"(_e1), [r1] "=&r"(_r1) \
    : [mm0] "m"((RQ)[4 + (J)]), [me0] "m"(((const uint8_t *)((RQ) + 12))[J]), [mr0] "m"((RQ)[8 + (J)]), \
      [mm1] "m"((RQ)[5 + (J)]), [me1] "m"(((const uint8_t *)((RQ) + 12))[(J) + 1]), [mr1] "m"((RQ)[9 + (J)]), \
      MF_DW_NCL(p->act_min, p->out_offset))

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
                           const int8_t *const *tp, int8_t *out, int32_t g0)
{
    const int32_t C = p->in_c, KK = p->k_h * p->k_w, G = C >> 2, KP = KK >> 1;
    const int32_t row = p->dil_h * p->in_w * C, col = p->dil_w * C;
    const int8_t *wg = p->wq + 4 * KK * g0;
    const int32_t *rq = p->rq + 13 * g0;
    out += 4 * g0;
    for (int32_t g = g0; g < G; ++g, wg += 4 * KK, rq += 13, out += 4) {
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

/* Channel groups outermost over the interior pixels [oy0, oy1) x [ox0, ox1) of one batch (windows inside the
 * image; p->outer: the output does not overlap the input, so the write order is free). Per group the weights are
 * widened once, doubled (SADD16: 2w fits int16) into kw on the stack: per tap pair k the four channels' words
 * (2w_t, 2w_t+1) (SXTB16 plain / ror #8 of the flash words, as mf_dw_pixel does per pixel), an odd last tap's lanes
 * (c0,c2), (c1,c3), then 2*bias. Each pixel then loads four ready weight words per tap pair where mf_dw_pixel loads
 * two and sign-extends four, and its sums are 2*acc already (MF_DW_RQ2D skips the doubling); SMLAD wraps modulo
 * 2^32 and the layout guarantees |2*acc| < 2^31, so the result is the same 2*acc, exact. */
#define MF_DW_OUTER_TAPS 9
/* One tap pair of mf_dw_outer: the two input words and the four channels' doubled weight pairs in one run of loads,
 * then the input words widened into (x_t, x_t+1) per channel (PKHBT/PKHTB, SXTB16) and four SMLAD. */
#define MF_DW_OUTER_PAIR \
    "ldr %[x0], %[mx0]\n\tldr %[x1], %[mx1]\n\t" \
    "ldr %[w0], %[mw0]\n\tldr %[w1], %[mw1]\n\tldr %[w2], %[mw2]\n\tldr %[w3], %[mw3]\n\t" \
    "pkhbt %[t], %[x0], %[x1], lsl #16\n\tpkhtb %[x1], %[x1], %[x0], asr #16\n\t" \
    "sxtb16 %[x0], %[t]\n\tsxtb16 %[t], %[t], ror #8\n\t" \
    "smlad %[a0], %[x0], %[w0], %[a0]\n\tsxtb16 %[x0], %[x1]\n\t" \
    "smlad %[a1], %[t], %[w1], %[a1]\n\tsxtb16 %[x1], %[x1], ror #8\n\t" \
    "smlad %[a2], %[x0], %[w2], %[a2]\n\tsmlad %[a3], %[x1], %[w3], %[a3]"
#define MF_DW_OUTER_OUT [x0] "=&r"(x0), [x1] "=&r"(x1), [t] "=&r"(t), [w0] "=&r"(w0), [w1] "=&r"(w1), [w2] "=&r"(w2), \
    [w3] "=&r"(w3)
#define MF_DW_OUTER_IN \
    [mx0] "m"(*(const int32_t *)(win + ((2 * k) / p->k_w) * row + ((2 * k) % p->k_w) * col)), \
    [mx1] "m"(*(const int32_t *)(win + ((2 * k + 1) / p->k_w) * row + ((2 * k + 1) % p->k_w) * col)), \
    [mw0] "m"(kw[4 * k]), [mw1] "m"(kw[4 * k + 1]), [mw2] "m"(kw[4 * k + 2]), [mw3] "m"(kw[4 * k + 3])
MF_KERNEL void mf_dw_outer(const mf_depthwise_conv2d_params_t *p, const int8_t *in_b, int8_t *out_b,
                           int32_t oy0, int32_t oy1, int32_t ox0, int32_t ox1)
{
    const int32_t C = p->in_c, KK = p->k_h * p->k_w, G = C >> 2, KP = KK >> 1;
    const int32_t row = p->dil_h * p->in_w * C, col = p->dil_w * C;
    int32_t kw[2 * MF_DW_OUTER_TAPS + 2 + 13];
    const int8_t *wg = p->wq;
    const int32_t *rq = p->rq;
    for (int32_t g = 0; g < G; ++g, wg += 4 * KK, rq += 13) {
#pragma GCC unroll 16
        for (int32_t k = 0; k < KP; ++k) {
            int32_t wa, wb;
            memcpy(&wa, wg + 8 * k, 4);
            memcpy(&wb, wg + 8 * k + 4, 4);
            kw[4 * k] = __sadd16(__sxtb16(wa), __sxtb16(wa));
            kw[4 * k + 2] = __sadd16(__sxtb16(wb), __sxtb16(wb));
            __asm__("sxtb16 %0, %0, ror #8\n\tsxtb16 %1, %1, ror #8" : "+r"(wa), "+r"(wb));
            kw[4 * k + 1] = __sadd16(wa, wa);
            kw[4 * k + 3] = __sadd16(wb, wb);
        }
        if (KK & 1) {
            int32_t w;
            memcpy(&w, wg + 8 * KP, 4);
            kw[4 * KP] = __sadd16(__sxtb16(w), __sxtb16(w));
            __asm__("sxtb16 %0, %0, ror #8" : "+r"(w));
            kw[4 * KP + 1] = __sadd16(w, w);
        }
        int32_t *const kb = kw + 4 * KP + 2 * (KK & 1);     /* the group's rq words, bias doubled: sp-relative */
#pragma GCC unroll 4
        for (int32_t j = 0; j < 4; ++j)
            kb[j] = 2 * rq[j];
        memcpy(kb + 4, rq + 4, 9 * 4);
        for (int32_t oy = oy0; oy < oy1; ++oy) {
            const int8_t *win = in_b + ((oy * p->stride_h - p->pad_top) * p->in_w + ox0 * p->stride_w - p->pad_left) * C + 4 * g;
            int8_t *out = out_b + (oy * p->out_w + ox0) * C + 4 * g;
            for (int32_t ox = ox0; ox < ox1; ++ox, win += p->stride_w * C, out += C) {
                int32_t a0, a1, a2, a3;
#pragma GCC unroll 16
                for (int32_t k = 0; k < KP; ++k) {
                    int32_t x0, x1, t, w0, w1, w2, w3;
                    /* the first pair also loads the accumulators' start 2*bias, in the same run of loads */
                    if (k == 0)
                        __asm__("ldr %[a0], %[mb0]\n\tldr %[a1], %[mb1]\n\tldr %[a2], %[mb2]\n\tldr %[a3], %[mb3]\n\t"
                                MF_DW_OUTER_PAIR
                                : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), MF_DW_OUTER_OUT
                                : [mb0] "m"(kb[0]), [mb1] "m"(kb[1]), [mb2] "m"(kb[2]), [mb3] "m"(kb[3]), MF_DW_OUTER_IN);
                    else
                        __asm__(MF_DW_OUTER_PAIR
                                : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), MF_DW_OUTER_OUT
                                : MF_DW_OUTER_IN);
                }
                if (KP == 0) {
                    a0 = kb[0]; a1 = kb[1]; a2 = kb[2]; a3 = kb[3];
                }
                if (KK & 1) {
                    int32_t x, xe, w02, w13;
                    __asm__("ldr %[x], %[mx]\n\tldr %[w02], %[mw02]\n\tldr %[w13], %[mw13]\n\t"
                            "sxtb16 %[xe], %[x]\n\tsxtb16 %[x], %[x], ror #8\n\t"
                            "smlabb %[a0], %[xe], %[w02], %[a0]\n\tsmlatt %[a2], %[xe], %[w02], %[a2]\n\t"
                            "smlabb %[a1], %[x], %[w13], %[a1]\n\tsmlatt %[a3], %[x], %[w13], %[a3]"
                            : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3),
                              [x] "=&r"(x), [xe] "=&r"(xe), [w02] "=&r"(w02), [w13] "=&r"(w13)
                            : [mx] "m"(*(const int32_t *)(win + ((KK - 1) / p->k_w) * row + ((KK - 1) % p->k_w) * col)),
                              [mw02] "m"(kw[4 * KP]), [mw13] "m"(kw[4 * KP + 1]));
                }
                {
                    int32_t _m0, _e0, _r0, _m1, _e1, _r1;
                    MF_DW_RQ2D(a0, a1, kb, 0);
                    MF_DW_RQ2D(a2, a3, kb, 2);
                }
                mf_dw_store4(p, out, a0, a1, a2, a3);
            }
        }
    }
}
#undef MF_DW_OUTER_PAIR
#undef MF_DW_OUTER_OUT
#undef MF_DW_OUTER_IN

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

/* Row path: widen the input rows a band of output rows reads, for up to 4 channels, into int16 planes
 * s[channel][row][u] (u = input column + pad_left; padding columns and rows hold the input zero point),
 * then each channel's output rows with its weight words and requantisation constants. */
#define MF_DW_ROWS_NR(p) (((p)->band - 1) * (p)->stride_h + 3)
/* n words of plane at s (word aligned: wp and the plane size are even) set to the input zero point, two columns a
 * store */
MF_INLINE void mf_dw_rows_pad(const mf_depthwise_conv2d_params_t *p, int16_t *s, int32_t n)
{
    const uint32_t zz = (uint32_t)(uint16_t)p->pad_value * 0x10001u;
    uint32_t *w = (uint32_t *)s;
#if defined(MF_TARGET_M7)
    /* the M7 stores two words with one STRD in a cycle, where a loop of STRs took 4 cycles a word (the store, the
     * test, the branch, the constant rebuilt by gcc in the loop): four words an iteration by two STRDs with writeback,
     * the odd word and pair first (mf_dw_pad7) */
    if (n & 1)
        *w++ = zz;
    if (n & 2) {
        __asm__ volatile("strd %[z], %[z], [%[w]], #8" : [w] "+r"(w) : [z] "r"(zz) : "memory");
    }
    if (n >= 4) {
        const uint32_t *const e = w + (n & ~3);
        __asm__ volatile("1:\n\t@ mf_dw_pad7\n\tstrd %[z], %[z], [%[w]], #8\n\tstrd %[z], %[z], [%[w]], #8\n\t"
                         "cmp %[w], %[e]\n\tbne 1b"
                         : [w] "+r"(w) : [z] "r"(zz), [e] "r"(e) : "cc", "memory");
    }
#else
    for (int32_t i = 0; i < n; ++i)
        w[i] = zz;
#endif
}
/* One pixel's four channels src[0..3] into the planes' halfwords d[0], d[PL], d[2 PL], d[3 PL] (a row's lone pixel: the
 * first at an odd column L, the last after the pairs): on the M4/M33 the four byte loads back to back in one asm
 * statement, then the stores: 5 + 4 cycles, where GCC, free to (the planes on the stack, the input in the arena), put
 * each load beside its store, 3 cycles a value (vww's row-path layers -0.6K to -1.0K cycles each for the 6-wide ones;
 * on the M7, which issues each load beside the store before it, the asm measured 0.3-1.0K cycles slower a layer) */
#if defined(MF_TARGET_M7)
#define MF_DW_WIDEN_PX(S_, D_, PL_) for (int32_t j_ = 0; j_ < 4; ++j_) (D_)[j_ * (PL_)] = (S_)[j_]
#else
#define MF_DW_WIDEN_PX(S_, D_, PL_) mf_dw_widen_px(S_, D_, PL_)
MF_INLINE void mf_dw_widen_px(const int8_t *src, int16_t *d, int32_t PL)
{
    int32_t v0, v1, v2, v3;
    __asm__("@ mf_dw_widen_px\n\t"   /* (for tests reading gcc -S) */
            "ldrsb %[v0], [%[s]]\n\tldrsb %[v1], [%[s], #1]\n\tldrsb %[v2], [%[s], #2]\n\tldrsb %[v3], [%[s], #3]"
            : [v0] "=&r"(v0), [v1] "=&r"(v1), [v2] "=&r"(v2), [v3] "=&r"(v3)
            : [s] "r"(src), "m"(*(const int8_t(*)[4])src));
    d[0] = v0;
    d[PL] = v1;
    d[2 * PL] = v2;
    d[3 * PL] = v3;
}
#endif
/* Whether mf_dw_widen_row4 widens a row of n pixels after an odd column's first as one block (M4/M33): fewer than 8,
 * with a lone last pixel or two pairs at least (one pair alone, 3-wide rows: the C pairs of mf_dw_rows_widen at stride
 * 1, the lone pixels and pairs each in its asm at stride 2; the block measured MobileNetV2's 3x3x288 layers +77 cycles
 * each on the M33) */
#define MF_DW_WIDEN_SHORT(n) ((n) < 8 && ((n) >= 4 || ((n) & 1)))
/* Whether mf_dw_widen_row4's assembly reaches every value at LDR's and STR's #imm12 offsets (C bytes a pixel, planes PL
 * halfwords apart) */
#define MF_DW_WIDEN_ROW4_FITS(C, PL) (7 * (C) <= 4095 && 6 * (PL) + 12 <= 4095)
/* An in-image input row src of 4 channels (W pixels C bytes apart) into its plane row d (the plane row + pad_left;
 * channel j's plane j * PL halfwords on; MF_DW_WIDEN_ROW4_FITS): at an odd column L the first pixel alone
 * (mf_dw_widen_px), then the pixel pairs, each landing on a plane word: the two pixels' words joined first (PKHBT:
 * channels 0, 1 of both; PKHTB: channels 2, 3 of both) and each join sign-extended twice (SXTB16 plain / ror #8 gives
 * one channel's two columns), 6 instructions for 8 values where widening each pixel first takes 8; eight pixels an
 * iteration (one branch and one pointer step per 32 values), then 0..3 pairs in one block; a last lone pixel as the
 * first. Both row paths' widening (mf_dw_rows_widen at stride_w 1 on the M4/M33: 2 pairs an iteration before, 31
 * cycles per 16 values on an M4 where this loop takes 54 per 32; mf_dw_s2_widen at stride_w 2). */
MF_KERNEL void mf_dw_widen_row4(const int8_t *src, int16_t *d, const int32_t C, const int32_t W, const int32_t L,
                                const int32_t PL)
{
    const int32_t x0 = L & 1;   /* column L odd: one pixel by halfwords, then the pairs land on word boundaries */
    int32_t x = x0;
    /* one pixel pair (WA, WB) into the four planes at byte offset O (+ 2PL per channel) */
#define MF_DW_WIDEN_JOIN(WA, WB, O) \
    "pkhbt %[t], " WA ", " WB ", lsl #16\n\tpkhtb " WB ", " WB ", " WA ", asr #16\n\t" \
    "sxtb16 " WA ", %[t]\n\tsxtb16 %[t], %[t], ror #8\n\tstr " WA ", [%[d], #" O "]\n\tstr %[t], [%[d], #%c[p1]+" O "]\n\t" \
    "sxtb16 " WA ", " WB "\n\tsxtb16 " WB ", " WB ", ror #8\n\tstr " WA ", [%[d], #2*%c[p1]+" O "]\n\t" \
    "str " WB ", [%[d], #3*%c[p1]+" O "]\n\t"
    const int32_t octs = (W - x) >> 3, pairs = ((W - x) >> 1) & 3;   /* 8-pixel loop, then 0..3 pairs in one block */
    const int8_t *sp = src + x * C;
    int16_t *dp = d + x;
    int32_t w0, w1, w2, w3, w4, w5, w6, w7, t;
#if !defined(MF_TARGET_M7)
    /* a row of fewer than 8 pixels after the first (MF_DW_WIDEN_SHORT: vww's 6-wide rows, MobileNetV2's 5-wide) in one
     * block on the M4/M33: the lone first pixel, the pairs and the lone last pixel at immediate offsets from src and d
     * (first: x here, 0 or 1), so that no pointer steps, and GCC has no C around it to allocate (vww's 6x6x128 layers
     * -0.4K cycles each against the lone pixels' asm around the C pairs, MobileNetV2's 5x5 layers -0.2K) */
    if (MF_DW_WIDEN_SHORT(W - x) && 6 * PL + 2 * W <= 4095) {
        const int32_t xl = x + 2 * pairs;
/* one pixel's 4 channels at byte offset SO of src into halfword column DO (bytes) of the 4 planes: loads first */
#define MF_DW_WIDEN_PX4(SO, DO) \
        "ldrsb %[w0], [%[s], #" SO "]\n\tldrsb %[w1], [%[s], #" SO "+1]\n\t" \
        "ldrsb %[w2], [%[s], #" SO "+2]\n\tldrsb %[w3], [%[s], #" SO "+3]\n\t" \
        "strh %[w0], [%[d], #" DO "]\n\tstrh %[w1], [%[d], #" DO "+%c[p1]]\n\t" \
        "strh %[w2], [%[d], #" DO "+2*%c[p1]]\n\tstrh %[w3], [%[d], #" DO "+3*%c[p1]]\n\t"
        __asm__ volatile("@ mf_dw_widen_short\n\t"   /* (for tests reading gcc -S) */
                         ".if %c[first]\n\t" MF_DW_WIDEN_PX4("0", "0") ".endif\n\t"
                         ".if %c[n] > 0\n\tldr %[w0], [%[s], #%c[xs]]\n\tldr %[w1], [%[s], #%c[xs]+%c[c1]]\n\t.endif\n\t"
                         ".if %c[n] > 1\n\tldr %[w2], [%[s], #%c[xs]+2*%c[c1]]\n\tldr %[w3], [%[s], #%c[xs]+3*%c[c1]]\n\t.endif\n\t"
                         ".if %c[n] > 2\n\tldr %[w4], [%[s], #%c[xs]+4*%c[c1]]\n\tldr %[w5], [%[s], #%c[xs]+5*%c[c1]]\n\t.endif\n\t"
                         ".if %c[n] > 0\n\t" MF_DW_WIDEN_JOIN("%[w0]", "%[w1]", "%c[xd]+0") ".endif\n\t"
                         ".if %c[n] > 1\n\t" MF_DW_WIDEN_JOIN("%[w2]", "%[w3]", "%c[xd]+4") ".endif\n\t"
                         ".if %c[n] > 2\n\t" MF_DW_WIDEN_JOIN("%[w4]", "%[w5]", "%c[xd]+8") ".endif\n\t"
                         ".if %c[last]\n\t" MF_DW_WIDEN_PX4("%c[ls]", "%c[ld]") ".endif"
                         : [w0] "=&r"(w0), [w1] "=&r"(w1), [w2] "=&r"(w2), [w3] "=&r"(w3), [w4] "=&r"(w4),
                           [w5] "=&r"(w5), [t] "=&r"(t)
                         : [s] "r"(src), [d] "r"(d), [c1] "i"(C), [p1] "i"(2 * PL), [n] "i"(pairs), [first] "i"(x),
                           [xs] "i"(x * C), [xd] "i"(2 * x), [last] "i"(xl < W), [ls] "i"(xl * C), [ld] "i"(2 * xl)
                         : "memory");
#undef MF_DW_WIDEN_PX4
        return;
    }
#endif
    if (x0)
        MF_DW_WIDEN_PX(src, d, PL);
    if (octs) {
        int16_t *const dend = dp + 8 * octs;
        __asm__ volatile("@ mf_dw_widen_row4\n"   /* (for tests reading gcc -S) */
                         "1:\n\t"
                         "ldr %[w1], [%[s], #%c[c1]]\n\tldr %[w2], [%[s], #2*%c[c1]]\n\tldr %[w3], [%[s], #3*%c[c1]]\n\t"
                         "ldr %[w4], [%[s], #4*%c[c1]]\n\tldr %[w5], [%[s], #5*%c[c1]]\n\tldr %[w6], [%[s], #6*%c[c1]]\n\t"
                         "ldr %[w7], [%[s], #7*%c[c1]]\n\t"
                         ".if 8*%c[c1] <= 255\n\tldr %[w0], [%[s]], #8*%c[c1]\n\t.else\n\tldr %[w0], [%[s]]\n\t"
                         "add %[s], %[s], #8*%c[c1]\n\t.endif\n\t"
                         MF_DW_WIDEN_JOIN("%[w0]", "%[w1]", "0") MF_DW_WIDEN_JOIN("%[w2]", "%[w3]", "4")
                         MF_DW_WIDEN_JOIN("%[w4]", "%[w5]", "8") MF_DW_WIDEN_JOIN("%[w6]", "%[w7]", "12")
                         "add %[d], %[d], #16\n\tcmp %[d], %[end]\n\tbne 1b"
                         : [w0] "=&r"(w0), [w1] "=&r"(w1), [w2] "=&r"(w2), [w3] "=&r"(w3), [w4] "=&r"(w4),
                           [w5] "=&r"(w5), [w6] "=&r"(w6), [w7] "=&r"(w7), [t] "=&r"(t), [s] "+r"(sp), [d] "+r"(dp)
                         : [end] "r"(dend), [c1] "i"(C), [p1] "i"(2 * PL)
                         : "cc", "memory");
    }
    if (pairs)
        __asm__ volatile("ldr %[w0], [%[s]]\n\tldr %[w1], [%[s], #%c[c1]]\n\t"
                         ".if %c[n] > 1\n\tldr %[w2], [%[s], #2*%c[c1]]\n\tldr %[w3], [%[s], #3*%c[c1]]\n\t.endif\n\t"
                         ".if %c[n] > 2\n\tldr %[w4], [%[s], #4*%c[c1]]\n\tldr %[w5], [%[s], #5*%c[c1]]\n\t.endif\n\t"
                         MF_DW_WIDEN_JOIN("%[w0]", "%[w1]", "0")
                         ".if %c[n] > 1\n\t" MF_DW_WIDEN_JOIN("%[w2]", "%[w3]", "4") ".endif\n\t"
                         ".if %c[n] > 2\n\t" MF_DW_WIDEN_JOIN("%[w4]", "%[w5]", "8") ".endif"
                         : [w0] "=&r"(w0), [w1] "=&r"(w1), [w2] "=&r"(w2), [w3] "=&r"(w3), [w4] "=&r"(w4),
                           [w5] "=&r"(w5), [t] "=&r"(t)
                         : [s] "r"(sp), [d] "r"(dp), [c1] "i"(C), [p1] "i"(2 * PL), [n] "i"(pairs)
                         : "memory");
#undef MF_DW_WIDEN_JOIN
    x += 8 * octs + 2 * pairs;
    if (x < W)
        MF_DW_WIDEN_PX(src + x * C, d + x, PL);
}
MF_KERNEL void mf_dw_rows_widen(const mf_depthwise_conv2d_params_t *p, const int8_t *in_b, int32_t iy0, int32_t nrows,
                                int32_t c0, int32_t nc, int16_t *s)
{
    const int32_t C = p->in_c, W = p->in_w, WP = p->wp, L = p->pad_left, PL = MF_DW_ROWS_NR(p) * WP;
    for (int32_t ky = 0; ky < nrows; ++ky) {
        const int32_t iy = iy0 + ky;
        int16_t *d = s + ky * WP + L;
        if (iy < 0 || iy >= p->in_h) {   /* the whole plane row, padding columns included */
            for (int32_t j = 0; j < nc; ++j)
                mf_dw_rows_pad(p, s + j * PL + ky * WP, WP / 2);
            continue;
        }
        const int8_t *src = in_b + iy * W * C + c0;
        if (nc < 4) {
            for (int32_t x = 0; x < W; ++x)
                for (int32_t j = 0; j < nc; ++j)
                    d[j * PL + x] = src[x * C + j];
            continue;
        }
#if !defined(MF_TARGET_M7)   /* (the M7 keeps its own schedule of two pairs an iteration below) */
        /* rows of 8 pixels after an odd column's first at least, or short ones in one block (fewer: the C pairs below,
         * vww's 6-wide layers -1.0K cycles each against -0.5K with mf_dw_widen_row4's pairs block) */
        if (MF_DW_WIDEN_ROW4_FITS(C, PL) && (W - (L & 1) >= 8 || MF_DW_WIDEN_SHORT(W - (L & 1)))) {
            mf_dw_widen_row4(src, d, C, W, L, PL);
            continue;
        }
#endif
        int32_t x = 0;
        if (L & 1) {          /* column L is odd: one pixel by halfwords, then pairs land on word boundaries */
            MF_DW_WIDEN_PX(src, d, PL);
            x = 1;
        }
        const int32_t quads = (W - x) >> 2;       /* two pixel pairs an iteration, in assembly when the offsets fit */
        if (quads > 1 && 3 * C <= 4095 && 6 * PL + 4 <= 4095) {   /* one iteration: the C pairs are as fast */
            const int8_t *sp = src + x * C;
            int16_t *dp = d + x;
            const int16_t *const dend = dp + 4 * quads;
            int32_t w0, w1, w2, w3, e, t, o;
/* The M4/M33's pixel pair: the pixels' halves regrouped first, e = (WA c0, WA c1, WB c0, WB c1) (PKHBT) and
 * t = (WA c2, WA c3, WB c2, WB c3) (PKHTB), then SXTB16 plain / ROR 8 of each is one channel's plane word (its two
 * pixels): 6 ALU steps a pair, not 8 (sign-extend first, then PKHBT/PKHTB per plane word) */
#define MF_DW_WIDEN_PAIR(WA, WB, O0, O1, O2, O3) \
            "pkhbt %[e], " WA ", " WB ", lsl #16\n\tpkhtb %[t], " WB ", " WA ", asr #16\n\t" \
            "sxtb16 %[o], %[e]\n\tstr %[o], [%[d], " O0 "]\n\tsxtb16 %[o], %[e], ror #8\n\tstr %[o], [%[d], " O1 "]\n\t" \
            "sxtb16 %[o], %[t]\n\tstr %[o], [%[d], " O2 "]\n\tsxtb16 %[o], %[t], ror #8\n\tstr %[o], [%[d], " O3 "]\n\t"
            __asm__ volatile("1:\n\t"
                             "ldr %[w0], [%[s]]\n\tldr %[w1], [%[s], %[c1]]\n\tldr %[w2], [%[s], %[c2]]\n\tldr %[w3], [%[s], %[c3]]\n\t"
#if defined(MF_TARGET_M7)
                             /* the M7: both pairs regrouped first (MF_DW_WIDEN_PAIR's 6 ALU steps a pair, not the 8
                              * of sign-extending first), the four loads and then the four PKHs two by two, the second
                              * pair's words into w0, w1, then each plane word's SXTB16 beside the store of the one
                              * before it, the pointer steps and the test beside the last stores and the branch: 28
                              * instructions in 14 issue cycles, where sign-extending first took 32 in 16 */
                             "@ mf_dw_widen7\n\t"
                             "pkhbt %[e], %[w0], %[w1], lsl #16\n\tpkhtb %[t], %[w1], %[w0], asr #16\n\t"
                             "pkhbt %[w0], %[w2], %[w3], lsl #16\n\tpkhtb %[w1], %[w3], %[w2], asr #16\n\t"
                             "sxtb16 %[o], %[e]\n\tsxtb16 %[w2], %[e], ror #8\n\t"
                             "str %[o], [%[d]]\n\tsxtb16 %[w3], %[t]\n\t"
                             "str %[w2], [%[d], %[p1]]\n\tsxtb16 %[e], %[t], ror #8\n\t"
                             "str %[w3], [%[d], %[p2]]\n\tsxtb16 %[o], %[w0]\n\t"
                             "str %[e], [%[d], %[p3]]\n\tsxtb16 %[t], %[w0], ror #8\n\t"
                             "str %[o], [%[d], #4]\n\tsxtb16 %[w2], %[w1]\n\t"
                             "str %[t], [%[d], %[q1]]\n\tsxtb16 %[w3], %[w1], ror #8\n\t"
                             "str %[w2], [%[d], %[q2]]\n\tadd %[d], %[d], #8\n\t"
                             "str %[w3], [%[d], %[q3] - 8]\n\tcmp %[d], %[end]\n\t"
                             "add %[s], %[s], %[c4]\n\tbne 1b"
#else
                             MF_DW_WIDEN_PAIR("%[w0]", "%[w1]", "#0", "%[p1]", "%[p2]", "%[p3]")
                             MF_DW_WIDEN_PAIR("%[w2]", "%[w3]", "#4", "%[q1]", "%[q2]", "%[q3]")
                             "add %[s], %[s], %[c4]\n\tadd %[d], %[d], #8\n\tcmp %[d], %[end]\n\tbne 1b"
#endif
                             : [w0] "=&r"(w0), [w1] "=&r"(w1), [w2] "=&r"(w2), [w3] "=&r"(w3), [e] "=&r"(e), [t] "=&r"(t),
                               [o] "=&r"(o), [s] "+r"(sp), [d] "+r"(dp)
                             : [end] "r"(dend), [c1] "i"(C), [c2] "i"(2 * C), [c3] "i"(3 * C), [c4] "i"(4 * C),
                               [p1] "i"(2 * PL), [p2] "i"(4 * PL), [p3] "i"(6 * PL),
                               [q1] "i"(2 * PL + 4), [q2] "i"(4 * PL + 4), [q3] "i"(6 * PL + 4)
                             : "cc", "memory");
#undef MF_DW_WIDEN_PAIR
            x += 4 * quads;
        }
        for (; x + 1 < W; x += 2) {
            int32_t w0, w1;
            memcpy(&w0, src + x * C, 4);
            memcpy(&w1, src + (x + 1) * C, 4);
            /* the pair regrouped first, as MF_DW_WIDEN_PAIR (6 ALU steps, not 8; on the M7 too, as mf_dw_widen7):
             * t = (w0 c0, w0 c1, w1 c0, w1 c1), w1 = (w0 c2, w0 c3, w1 c2, w1 c3) */
            int32_t t, v1, v3;
            __asm__("pkhbt %[t], %[a], %[b], lsl #16\n\tpkhtb %[b], %[b], %[a], asr #16" : [t] "=&r"(t), [b] "+r"(w1) : [a] "r"(w0));
            __asm__("sxtb16 %0, %1, ror #8" : "=r"(v1) : "r"(t));
            __asm__("sxtb16 %0, %1, ror #8" : "=r"(v3) : "r"(w1));
            *(int32_t *)(d + x) = __sxtb16(t);
            *(int32_t *)(d + PL + x) = v1;
            *(int32_t *)(d + 2 * PL + x) = __sxtb16(w1);
            *(int32_t *)(d + 3 * PL + x) = v3;
        }
        if (x < W)
            MF_DW_WIDEN_PX(src + x * C, d + x, PL);
    }
}

/* One channel's output row from its planes (rows of WP halfwords at s), from output x0 on: outputs x, x+1
 * from the words A = (in[x], in[x+1]) and B = (in[x+2], in[x+3]) of each row: out_x += SMLAD(A, P) +
 * SMLABT(B, Q), out_x+1 += SMLATB(A, P) + SMLAD(B, Q) (x0 even). The weights are doubled, so the sums
 * are 2*acc (mf_dw_requant). */
/* How far mf_dw_rows_run moves its plane pointer (words) and output pointer (bytes): past the 4-output blocks and a
 * 2-output block, not the last odd output. */
#define MF_DW_ROWS_ADV_R(p) ((p)->stride_w * (2 * ((p)->out_w >> 2) + (((p)->out_w & 2) >> 1)))
#define MF_DW_ROWS_ADV_O(p) (((p)->out_w & ~1) * (p)->in_c)
/* Stride 2 along the width (p->stride_w 2): output x from the words A = (in[2x], in[2x+1]) and
 * C = (in[2x+2], in[2x+3]) of each row: out_x += SMLAD(A, P) + SMLABT(C, Q) (Q's top half is w_r2). */
MF_KERNEL void mf_dw_rows2_channel_c(const mf_depthwise_conv2d_params_t *p, const int16_t *s, const int32_t *k, int8_t *out,
                                     int32_t x0)
{
    const int32_t C = p->in_c, WP = p->wp;
    const int32_t *r = (const int32_t *)s;
    for (int32_t x = x0; x < p->out_w; ++x) {
        int32_t a = k[6];
#pragma GCC unroll 3
        for (int32_t ky = 0; ky < 3; ++ky)
            a = __smlabt(r[ky * WP / 2 + x + 1], k[2 * ky + 1], __smlad(r[ky * WP / 2 + x], k[2 * ky], a));
        out[x * C] = (int8_t)mf_dw_requant(p, a, k[7], k[9], k[8]);
    }
}

MF_KERNEL void mf_dw_rows_channel_c(const mf_depthwise_conv2d_params_t *p, const int16_t *s, const int32_t *k, int8_t *out,
                                    int32_t x0)
{
    const int32_t C = p->in_c, WP = p->wp, OW = p->out_w;
    const int32_t P0 = k[0], Q0 = k[1], P1 = k[2], Q1 = k[3], P2 = k[4], Q2 = k[5];
    const int32_t b2 = k[6], m = k[7], rnd = k[8], e = k[9];
    const int32_t *r = (const int32_t *)(s + x0);
    int32_t x = x0;
    out += x0 * C;
    for (; x + 1 < OW; x += 2, ++r, out += 2 * C) {
        int32_t A = r[0], B = r[1];
        int32_t a0 = __smlad(A, P0, b2), a1 = __smlatb(A, P0, b2);
        a0 = __smlabt(B, Q0, a0); a1 = __smlad(B, Q0, a1);
        A = r[WP / 2]; B = r[WP / 2 + 1];
        a0 = __smlad(A, P1, a0); a1 = __smlatb(A, P1, a1);
        a0 = __smlabt(B, Q1, a0); a1 = __smlad(B, Q1, a1);
        A = r[WP]; B = r[WP + 1];
        a0 = __smlad(A, P2, a0); a1 = __smlatb(A, P2, a1);
        a0 = __smlabt(B, Q2, a0); a1 = __smlad(B, Q2, a1);
        out[0] = (int8_t)mf_dw_requant(p, a0, m, e, rnd);
        out[C] = (int8_t)mf_dw_requant(p, a1, m, e, rnd);
    }
    if (x < OW) {
        int32_t a0 = __smlad(r[0], P0, b2);
        a0 = __smlabt(r[1], Q0, a0);
        a0 = __smlad(r[WP / 2], P1, a0);
        a0 = __smlabt(r[WP / 2 + 1], Q1, a0);
        a0 = __smlad(r[WP], P2, a0);
        a0 = __smlabt(r[WP + 1], Q2, a0);
        out[0] = (int8_t)mf_dw_requant(p, a0, m, e, rnd);
    }
}

/* The same in assembly for layers without an activation clamp (act range -128..127): four outputs x..x+3
 * per iteration from three words per row, A = in[x..x+1], B = in[x+2..x+3], C = in[x+4..x+5]:
 * out_x += SMLAD(A,P) + SMLABT(B,Q), out_x+1 += SMLATB(A,P) + SMLAD(B,Q), out_x+2 += SMLAD(B,P) + SMLABT(C,Q),
 * out_x+3 += SMLATB(B,P) + SMLAD(C,Q). 13 registers, no more (GCC has few to spare inside a model's invoke
 * function; 14 fail to allocate there): the four sums, five for data and weights (reloaded each block),
 * the scratch, output and constants pointers and the loop end. Each row's three data words and two weight
 * words are loaded back to back (an M4 pipelines the chain, one cycle a load), as are the requantisation
 * constants; the first row's MACs take 2*bias as their addend. Requantisation as mf_dw_requant: SMMLAR into a free
 * register, the sum's sign added after (the same total), shift, SSAT, STRB; two outputs interleaved
 * (an M7 issues their independent ALU steps in pairs). */
#define MF_DW_ROWS_ROW(OA, OB, OC, MP, MQ) \
    "ldr %[A], [%[r], " OA "]\n\tldr %[B], [%[r], " OB "]\n\tldr %[C], [%[r], " OC "]\n\t" \
    "ldr %[P], " MP "\n\tldr %[Q], " MQ "\n\t" \
    "smlad %[a0], %[A], %[P], %[a0]\n\tsmlabt %[a0], %[B], %[Q], %[a0]\n\t" \
    "smlatb %[a1], %[A], %[P], %[a1]\n\tsmlad %[a1], %[B], %[Q], %[a1]\n\t" \
    "smlad %[a2], %[B], %[P], %[a2]\n\tsmlabt %[a2], %[C], %[Q], %[a2]\n\t" \
    "smlatb %[a3], %[B], %[P], %[a3]\n\tsmlad %[a3], %[C], %[Q], %[a3]\n\t"
/* The M7 schedule of a quad-loop row (MF_TARGET_M7): the row's eight MACs ordered so that A, P, B, then C and Q are
 * spent in turn, each register reloaded for the next row (offsets NA, NB, NC, weights NP, NQ) right after its last
 * use, so every load issues beside a MAC; B0..B3 the first MACs' addends (2*bias in a3 for the first row). The
 * M4/M33 keep MF_DW_ROWS_ROW (loads back to back, pipelined there; alone they would cost two cycles each). */
#define MF_DW_ROWS_ROW_M7(B0, B1, B2, B3, LA, LP, LB, LCQ) \
    "smlad %[a0], %[A], %[P], " B0 "\n\tsmlatb %[a1], %[A], %[P], " B1 "\n\t" \
    "smlad %[a2], %[B], %[P], " B2 "\n\t" LA "smlatb %[a3], %[B], %[P], " B3 "\n\t" LP \
    "smlabt %[a0], %[B], %[Q], %[a0]\n\tsmlad %[a1], %[B], %[Q], %[a1]\n\t" LB \
    "smlabt %[a2], %[C], %[Q], %[a2]\n\tsmlad %[a3], %[C], %[Q], %[a3]\n\t" LCQ
/* The M7 quad loop's first row (MF_TARGET_M7): 2*bias in a0 (loaded by the block before, MF_DW_ROWS_BIAS7, or before
 * the run), the addend of the first four MACs, a0's own last; A and P loaded together, B and Q beside the first MACs, C's
 * data word (pre-indexed, r steps to the next block) beside the third; the next row's words as their registers free,
 * each beside a MAC, as MF_DW_ROWS_ROW_M7. */
#define MF_DW_ROWS_ROW0_M7 \
    "ldr %[A], [%[r]]\n\tldr %[P], [%[k], #0]\n\t" \
    "ldr %[B], [%[r], #4]\n\tsmlatb %[a1], %[A], %[P], %[a0]\n\t" \
    "ldr %[Q], [%[k], #4]\n\tsmlad %[a2], %[B], %[P], %[a0]\n\t" \
    "smlatb %[a3], %[B], %[P], %[a0]\n\tldr %[C], [%[r], #8]!\n\t" \
    "smlad %[a0], %[A], %[P], %[a0]\n\tldr %[A], [%[r], %[w0]]\n\t" \
    "ldr %[P], [%[k], #8]\n\tsmlabt %[a0], %[B], %[Q], %[a0]\n\t" \
    "smlad %[a1], %[B], %[Q], %[a1]\n\tldr %[B], [%[r], %[w4]]\n\t" \
    "smlabt %[a2], %[C], %[Q], %[a2]\n\tsmlad %[a3], %[C], %[Q], %[a3]\n\tldr %[C], [%[r], %[w8]]\n\t" \
    "ldr %[Q], [%[k], #12]\n\t"
/* The next block's 2*bias into a0, once a0 is stored, beside the block's last steps. */
#define MF_DW_ROWS_BIAS7 "ldr %[a0], [%[k], #24]\n\t"
/* The M7's 4-output blocks unrolled or looped several an iteration as on the M4 (MF_DW_QUADS_UNROLL, _LOOP; .rept): the
 * assembler symbol mf_dw_q counts the copies down, and the loop test (CMP) and branch are in the copy where it is 0,
 * the last of a looped iteration (none when unrolled). */
#define MF_DW_ROWS_CMP7 ".if mf_dw_q == 0\n\tcmp %[r], %[end]\n\t.endif\n\t"
#define MF_DW_ROWS_BNE7 ".if mf_dw_q == 0\n\tbne 1b\n\t.endif\n\t"
/* The M7 quad loop's last row and requantisation, MF_NEG_CLAMPED (no sign correction, so in place: SMMLAR into the
 * sum's own register): m, e, rnd loaded into A, P, B as the row's MACs free them (out_x and out_x+1 complete first),
 * then each output's SMMLAR as soon as its sum is complete and its ASR, SSAT and STRB (ST0..ST3, then ADD: the output
 * step) beside the other MACs, so that few instructions issue alone; the loop test beside the third MAC (r is final
 * since the first row; nothing after it sets the flags), so the branch issues beside the last store: 17 cycles from
 * the row's first MAC to the loop branch where MF_DW_ROWS_ROW_M7 and MF_DW_ROWS_RQ4_STEP take 21. */
#define MF_DW_ROWS_ROW2_RQ_M7(ST0, ST1, ST2, ST3, ADD) \
    "smlad %[a0], %[A], %[P], %[a0]\n\tsmlatb %[a1], %[A], %[P], %[a1]\n\tldr %[A], [%[k], #28]\n\t" \
    "smlad %[a2], %[B], %[P], %[a2]\n\t" MF_DW_ROWS_CMP7 "smlatb %[a3], %[B], %[P], %[a3]\n\tldr %[P], [%[k], #36]\n\t" \
    "smlabt %[a0], %[B], %[Q], %[a0]\n\tsmlad %[a1], %[B], %[Q], %[a1]\n\tldr %[B], [%[k], #32]\n\t" \
    "smmlar %[a0], %[a0], %[A], %[B]\n\tsmlabt %[a2], %[C], %[Q], %[a2]\n\tasr %[a0], %[a0], %[P]\n\t" \
    "smmlar %[a1], %[a1], %[A], %[B]\n\tssat %[a0], #8, %[a0]\n\t" \
    "smlad %[a3], %[C], %[Q], %[a3]\n\tasr %[a1], %[a1], %[P]\n\t" \
    "smmlar %[a2], %[a2], %[A], %[B]\n\tssat %[a1], #8, %[a1]\n\t" \
    "smmlar %[a3], %[a3], %[A], %[B]\n\t" ST0 "asr %[a2], %[a2], %[P]\n\t" ST1 \
    "asr %[a3], %[a3], %[P]\n\tssat %[a2], #8, %[a2]\n\tssat %[a3], #8, %[a3]\n\t" ST2 MF_DW_ROWS_BIAS7 ST3 ADD \
    MF_DW_ROWS_BNE7
/* The same with the layer's one shift (p->ush = E, MF_DW_ROWS_RQU): SMMLA and SSAT's own shift (no ASR, no e): m and rnd
 * into A and P as the row's P-MACs free them, then each output's SMMLA as soon as its sum is complete, its SSAT and STRB
 * beside the next output's MACs. */
#define MF_DW_ROWS_ROW2_RQU_M7(ST0, ST1, ST2, ST3, ADD) \
    "smlad %[a0], %[A], %[P], %[a0]\n\tsmlatb %[a1], %[A], %[P], %[a1]\n\tldr %[A], [%[k], #28]\n\t" \
    "smlad %[a2], %[B], %[P], %[a2]\n\t" MF_DW_ROWS_CMP7 "smlatb %[a3], %[B], %[P], %[a3]\n\tldr %[P], [%[k], #32]\n\t" \
    "smlabt %[a0], %[B], %[Q], %[a0]\n\tsmmla %[a0], %[a0], %[A], %[P]\n\t" \
    "smlad %[a1], %[B], %[Q], %[a1]\n\tssat %[a0], #8, %[a0], asr #%c[ush]\n\tsmmla %[a1], %[a1], %[A], %[P]\n\t" ST0 \
    "smlabt %[a2], %[C], %[Q], %[a2]\n\tssat %[a1], #8, %[a1], asr #%c[ush]\n\tsmmla %[a2], %[a2], %[A], %[P]\n\t" ST1 \
    "smlad %[a3], %[C], %[Q], %[a3]\n\tssat %[a2], #8, %[a2], asr #%c[ush]\n\tsmmla %[a3], %[a3], %[A], %[P]\n\t" ST2 \
    "ssat %[a3], #8, %[a3], asr #%c[ush]\n\t" MF_DW_ROWS_BIAS7 ST3 ADD MF_DW_ROWS_BNE7
/* An unrolled run of two blocks or more with the layer's one shift (MF_TARGET_M7, nu blocks, p->ush; one block has no
 * next to load for, and the held rnd cost MobileNetV2's one-block rows 1% more): the loop end is not needed there, so its
 * register holds rnd for the whole run (loaded once, beside 2*bias) and a block loads only m for its SMMLAs; with the
 * load saved and one register more free at the block's end, the next block's 2*bias, P and A are loaded beside this
 * block's last MACs and stores (each into a register as soon as this block's last use frees it: a0 once stored, P after
 * the last P-MAC, A = m after the last SMMLA), so the next block's first MACs issue beside this block's last SSAT and
 * stores instead of after a run of loads: 30 cycles a block where the looped form (MF_DW_ROWS_ROW2_RQU_M7) takes 31.
 * The MACs of the three rows interleave (each sum's own in order) so that every load issues beside a MAC; the output
 * step (an ADD: 2C > 255, MF_DW_ROWS_HELD7_ST) is the next block's, beside one of its first MACs (the last block's its
 * own, at its end). mf_dw_q counts the copies down from nu: the first copy loads its own A and P, the last loads nothing
 * for a next. */
#define MF_DW_ROWS_HELD7(ST0, ST1, ST2, ST3, ADD) \
    ".if mf_dw_q == %c[nu]\n\tldr %[A], [%[r]]\n\tldr %[P], [%[k], #0]\n\t.endif\n\t" \
    "smlatb %[a1], %[A], %[P], %[a0]\n\tldr %[B], [%[r], #4]\n\t" \
    "smlatb %[a3], %[B], %[P], %[a0]\n\tldr %[Q], [%[k], #4]\n\t" \
    "smlad %[a2], %[B], %[P], %[a0]\n\tldr %[C], [%[r], #8]!\n\t" \
    "smlad %[a1], %[B], %[Q], %[a1]\n\t.if mf_dw_q != %c[nu]\n\t" ADD ".endif\n\tsmlad %[a0], %[A], %[P], %[a0]\n\t" \
    "smlabt %[a0], %[B], %[Q], %[a0]\n\tldr %[A], [%[r], %[w0]]\n\t" \
    "ldr %[P], [%[k], #8]\n\tsmlabt %[a2], %[C], %[Q], %[a2]\n\t" \
    "smlatb %[a1], %[A], %[P], %[a1]\n\tldr %[B], [%[r], %[w4]]\n\t" \
    "smlad %[a3], %[C], %[Q], %[a3]\n\tldr %[C], [%[r], %[w8]]\n\t" \
    "smlatb %[a3], %[B], %[P], %[a3]\n\tldr %[Q], [%[k], #12]\n\t" \
    "smlad %[a0], %[A], %[P], %[a0]\n\tldr %[A], [%[r], %[v0]]\n\t" \
    "smlad %[a2], %[B], %[P], %[a2]\n\tldr %[P], [%[k], #16]\n\t" \
    "smlabt %[a0], %[B], %[Q], %[a0]\n\tsmlad %[a1], %[B], %[Q], %[a1]\n\tldr %[B], [%[r], %[v4]]\n\t" \
    "smlabt %[a2], %[C], %[Q], %[a2]\n\tsmlad %[a3], %[C], %[Q], %[a3]\n\tldr %[C], [%[r], %[v8]]\n\t" \
    "smlad %[a2], %[B], %[P], %[a2]\n\tldr %[Q], [%[k], #20]\n\t" \
    "smlad %[a0], %[A], %[P], %[a0]\n\tsmlatb %[a1], %[A], %[P], %[a1]\n\tldr %[A], [%[k], #28]\n\t" \
    "smlabt %[a0], %[B], %[Q], %[a0]\n\tsmmla %[a0], %[a0], %[A], %[end]\n\t" \
    "smlad %[a1], %[B], %[Q], %[a1]\n\tssat %[a0], #8, %[a0], asr #%c[ush]\n\t" \
    "smlatb %[a3], %[B], %[P], %[a3]\n\t" ST0 \
    "smlabt %[a2], %[C], %[Q], %[a2]\n\t.if mf_dw_q > 1\n\tldr %[a0], [%[k], #24]\n\t.endif\n\t" \
    "smmla %[a1], %[a1], %[A], %[end]\n\t.if mf_dw_q > 1\n\tldr %[P], [%[k], #0]\n\t.endif\n\t" \
    "smmla %[a2], %[a2], %[A], %[end]\n\tssat %[a1], #8, %[a1], asr #%c[ush]\n\t" \
    "smlad %[a3], %[C], %[Q], %[a3]\n\t" ST1 \
    "smmla %[a3], %[a3], %[A], %[end]\n\tssat %[a2], #8, %[a2], asr #%c[ush]\n\t" \
    "ssat %[a3], #8, %[a3], asr #%c[ush]\n\t" ST2 ST3 ".if mf_dw_q > 1\n\tldr %[A], [%[r]]\n\t.else\n\t" ADD ".endif\n\t"
/* MF_DW_ROWS_HELD7 with its output step, the ADD (stores at out + C, 2C, 3C). HELD7 has no post-indexed store forms:
 * with 2C <= 255 a run of 2..6 blocks with the layer's shift goes to mf_dw_rows_quads_carried7 unless its carried
 * offsets pass 4095 (4*wp + 8*nu + 16 > 4095), and the planner builds no such pitch: such runs have out_w <= 30
 * (nu <= MF_DW_QUADS_UNROLL = 6, a merged 5- or 6-output block after), so wp = 2*ceil(out_w/2) + 2 <= 32 and the
 * offsets <= 192 (the column path's transposed rows alike, out_h in out_w's place); only wp 1008..1020 (1016..1020 for
 * 2 blocks) would lie between that and the row path's own 4*wp + 12 <= 4095. Should a planner change send such a run
 * here, it fails to assemble (.error) instead of storing with forms no model tests. */
#define MF_DW_ROWS_HELD7_ST \
    ".if %c[c2] <= 255\n\t" \
    ".error \"MF_DW_ROWS_HELD7: 2C <= 255 with carried offsets past 4095 (mf_dw_rows_quads_carried7 cannot take it)\"\n\t" \
    ".else\n\t" \
    MF_DW_ROWS_HELD7("strb %[a0], [%[out]]\n\t", "strb %[a1], [%[out], %[c1]]\n\t", "strb %[a2], [%[out], %[c2]]\n\t", \
                     "strb %[a3], [%[out], %[c3]]\n\t", "add %[out], %[out], %[c4]\n\t") \
    ".endif\n\t"
/* A quad-loop tail (RQ: MF_DW_ROWS_ROW2_RQ_M7 or _RQU_M7) with its output step: one post-indexed store (4C <= 255), two
 * (2C <= 255), or an ADD. */
#define MF_DW_ROWS_ROW2_ST_M7(RQ) \
    ".if %c[c4] <= 255\n\t" \
    RQ("strb %[a0], [%[out]], %[c4]\n\t", "strb %[a1], [%[out], #-%c[c3]]\n\t", \
       "strb %[a2], [%[out], #-%c[c2]]\n\t", "strb %[a3], [%[out], #-%c[c1]]\n\t", "") \
    ".elseif %c[c2] <= 255\n\t" \
    RQ("strb %[a0], [%[out]], %[c2]\n\t", "strb %[a1], [%[out], #-%c[c1]]\n\t", \
       "strb %[a2], [%[out]], %[c2]\n\t", "strb %[a3], [%[out], #-%c[c1]]\n\t", "") \
    ".else\n\t" \
    RQ("strb %[a0], [%[out]]\n\t", "strb %[a1], [%[out], %[c1]]\n\t", \
       "strb %[a2], [%[out], %[c2]]\n\t", "strb %[a3], [%[out], %[c3]]\n\t", "add %[out], %[out], %[c4]\n\t") \
    ".endif\n\t"
#define MF_DW_ROWS_ROW2(OA, OB, MP, MQ) \
    "ldr %[A], [%[r], " OA "]\n\tldr %[B], [%[r], " OB "]\n\tldr %[P], " MP "\n\tldr %[Q], " MQ "\n\t" \
    "smlad %[a0], %[A], %[P], %[a0]\n\tsmlabt %[a0], %[B], %[Q], %[a0]\n\t" \
    "smlatb %[a1], %[A], %[P], %[a1]\n\tsmlad %[a1], %[B], %[Q], %[a1]\n\t"
#define MF_DW_ROWS_RQ(ACC0, ACC1, O0, O1) \
    "smmlar %[A], " ACC0 ", %[Q], %[C]\n\tsmmlar %[B], " ACC1 ", %[Q], %[C]\n\t" \
    ".if %c[ncl] == 0\n\tadd %[A], %[A], " ACC0 ", asr #31\n\tadd %[B], %[B], " ACC1 ", asr #31\n\t.endif\n\t" \
    "asr %[A], %[A], %[P]\n\tasr %[B], %[B], %[P]\n\tssat %[A], #8, %[A]\n\tssat %[B], #8, %[B]\n\t" \
    "strb %[A], [%[out], " O0 "]\n\tstrb %[B], [%[out], " O1 "]\n\t"
/* Two outputs as MF_DW_ROWS_RQ, the first stored at [out" STEP_ (STEP_ "], #n" post-indexes out by n, ", #n]" is an
 * offset, "]" none), the second at O1_ (after any step). */
#define MF_DW_ROWS_RQ_PI(ACC0, ACC1, STEP_, O1_) \
    "smmlar %[A], " ACC0 ", %[Q], %[C]\n\tsmmlar %[B], " ACC1 ", %[Q], %[C]\n\t" \
    ".if %c[ncl] == 0\n\tadd %[A], %[A], " ACC0 ", asr #31\n\tadd %[B], %[B], " ACC1 ", asr #31\n\t.endif\n\t" \
    "asr %[A], %[A], %[P]\n\tasr %[B], %[B], %[P]\n\tssat %[A], #8, %[A]\n\tssat %[B], #8, %[B]\n\t" \
    "strb %[A], [%[out]" STEP_ "\n\tstrb %[B], [%[out], " O1_ "]\n\t"
/* The layer's one shift (p->ush = E; ops/depthwise_conv2d.py _rows_ushift takes it only for MF_NEG_CLAMPED layers): the
 * sums are 2^k * acc (k = E - e + 1 per channel, the weights and bias scaled so in mf_dw_rows_build), rnd' = 2^(E-1) +
 * zp * 2^E + 2^(k-2), and SMMLA (no rounding) then SSAT's own shift by E give floor((2acc * m + 2^31 + rnd * 2^32) /
 * 2^(32+e)) * 2^(k-1) / 2^(k-1): numerator and denominator of mf_dw_requant's nested floors times 2^(k-1), the same
 * value; no ASR, no e per output. m in Q, rnd' in C, as MF_DW_ROWS_RQ; STEP_/O1_ as MF_DW_ROWS_RQ_PI. */
#define MF_DW_ROWS_RQU(ACC0, ACC1, STEP_, O1_) \
    "smmla %[A], " ACC0 ", %[Q], %[C]\n\tsmmla %[B], " ACC1 ", %[Q], %[C]\n\t" \
    "ssat %[A], #8, %[A], asr #%c[ush]\n\tssat %[B], #8, %[B], asr #%c[ush]\n\t" \
    "strb %[A], [%[out]" STEP_ "\n\tstrb %[B], [%[out], " O1_ "]\n\t"
/* The blocks outside the quad loop (mf_dw_rows_one, _five, _six, _three, the 2-output block; the column path's edge
 * blocks) with or without the layer's one shift (the asm operand [ush]: p->ush or 0): two outputs as MF_DW_ROWS_RQU or
 * MF_DW_ROWS_RQ (MF_DW_ROWS_RQS), one into A (MF_DW_ROWS_RQO: m in Q, rnd in C, e in P), and their constants' loads
 * (MF_DW_ROWS_LDRQ: e into E, none with the layer's shift, m into M, rnd into R). */
#define MF_DW_ROWS_RQS(ACC0, ACC1, O0, O1) \
    ".if %c[ush]\n\t" MF_DW_ROWS_RQU(ACC0, ACC1, ", " O0 "]", O1) ".else\n\t" MF_DW_ROWS_RQ(ACC0, ACC1, O0, O1) ".endif\n\t"
#define MF_DW_ROWS_RQO(ACC, O) \
    ".if %c[ush]\n\tsmmla %[A], " ACC ", %[Q], %[C]\n\tssat %[A], #8, %[A], asr #%c[ush]\n\t.else\n\t" \
    "smmlar %[A], " ACC ", %[Q], %[C]\n\t.if %c[ncl] == 0\n\tadd %[A], %[A], " ACC ", asr #31\n\t.endif\n\t" \
    "asr %[A], %[A], %[P]\n\tssat %[A], #8, %[A]\n\t.endif\n\tstrb %[A], [%[out], " O "]\n\t"
#define MF_DW_ROWS_LDE(E) ".if %c[ush] == 0\n\tldr " E ", [%[k], #36]\n\t.endif\n\t"
#define MF_DW_ROWS_LDRQ(E, M, R) MF_DW_ROWS_LDE(E) "ldr " M ", [%[k], #28]\n\tldr " R ", [%[k], #32]\n\t"
/* The M7's requantisation of a block's n sums in their own registers (MF_TARGET_M7; MF_NEG_CLAMPED or the layer's one
 * shift: no sign correction, so no temporaries): m in M, rnd in R, e in E; each output's SMMLAR (SMMLA with the shift),
 * ASR (none with the shift), SSAT and STRB, software-pipelined over the outputs so that every step issues beside an
 * independent one (MAC beside ALU, ALU beside store): output i's SMMLAR with output i-1's ASR, output i-1's SSAT
 * and output i-2's STRB; about 2 cycles an output where the outputs one after another take 4 (each step waits for
 * the one before it). The same arithmetic as MF_DW_ROWS_RQ / MF_DW_ROWS_RQU on each sum, in another order.
 * MF_DW_RQ7_FIRST(X0, X1) starts (X0 and X1's SMMLAR, X0's ASR and SSAT), MF_DW_RQ7_STEP(XM, XA, XT, OT) is one step
 * (XM's SMMLAR, XA's ASR, XT's store at offset OT, XA's SSAT), MF_DW_RQ7_LAST(XA, XT, OT, OA) ends (XA's ASR, XT's
 * store, XA's SSAT and store). The asm needs the operands [ush] and [out]. */
#define MF_DW_RQ7_M(X, M, R) \
    ".if %c[ush]\n\tsmmla " X ", " X ", " M ", " R "\n\t.else\n\tsmmlar " X ", " X ", " M ", " R "\n\t.endif\n\t"
#define MF_DW_RQ7_A(X, E) ".if %c[ush] == 0\n\tasr " X ", " X ", " E "\n\t.endif\n\t"
#define MF_DW_RQ7_S(X) ".if %c[ush]\n\tssat " X ", #8, " X ", asr #%c[ush]\n\t.else\n\tssat " X ", #8, " X "\n\t.endif\n\t"
#define MF_DW_RQ7_T(X, O) "strb " X ", [%[out], " O "]\n\t"
#define MF_DW_RQ7_FIRST(X0, X1, M, R, E) MF_DW_RQ7_M(X0, M, R) MF_DW_RQ7_M(X1, M, R) MF_DW_RQ7_A(X0, E) MF_DW_RQ7_S(X0)
#define MF_DW_RQ7_STEP(XM, XA, XT, OT, M, R, E) \
    MF_DW_RQ7_M(XM, M, R) MF_DW_RQ7_A(XA, E) MF_DW_RQ7_T(XT, OT) MF_DW_RQ7_S(XA)
#define MF_DW_RQ7_LAST(XA, XT, OT, OA, E) MF_DW_RQ7_A(XA, E) MF_DW_RQ7_T(XT, OT) MF_DW_RQ7_S(XA) MF_DW_RQ7_T(XA, OA)
/* The four outputs of a quad-loop iteration (sums ACC0..ACC3, requantised two at a time by PAIR: MF_DW_ROWS_RQ_PI, or
 * MF_DW_ROWS_RQU with the layer's one shift; m, e, rnd loaded as for MF_DW_ROWS_RQ), out stepped by 4 * C with the
 * stores (post-indexed, 8-bit offsets): by the first when 4 * C <= 255 (the others then at -3C, -2C, -C), by the first
 * and the third when 2 * C <= 255; else an ADD. */
#define MF_DW_ROWS_STEP4(PAIR, ACC0, ACC1, ACC2, ACC3) \
    ".if %c[c4] <= 255\n\t" \
    PAIR(ACC0, ACC1, "], %[c4]", "#-%c[c3]") PAIR(ACC2, ACC3, ", #-%c[c2]]", "#-%c[c1]") \
    ".elseif %c[c2] <= 255\n\t" \
    PAIR(ACC0, ACC1, "], %[c2]", "#-%c[c1]") PAIR(ACC2, ACC3, "], %[c2]", "#-%c[c1]") \
    ".else\n\t" \
    PAIR(ACC0, ACC1, ", #0]", "%[c1]") PAIR(ACC2, ACC3, ", %[c2]]", "%[c3]") \
    "add %[out], %[out], %[c4]\n\t" \
    ".endif\n\t"
#define MF_DW_ROWS_RQ4_STEP(ACC0, ACC1, ACC2, ACC3) MF_DW_ROWS_STEP4(MF_DW_ROWS_RQ_PI, ACC0, ACC1, ACC2, ACC3)
#define MF_DW_ROWS_RQU4_STEP(ACC0, ACC1, ACC2, ACC3) MF_DW_ROWS_STEP4(MF_DW_ROWS_RQU, ACC0, ACC1, ACC2, ACC3)
/* The last output x of a row from the words A = in[x..x+1], B = in[x+2..x+3] of each kernel row (stride_w 1 at
 * column x, stride_w 2 at column 2x alike): out_x = SMLAD(A, P) + SMLABT(B, Q) over the three rows, requantised as
 * MF_DW_ROWS_RQ, stored with STRB. */
MF_KERNEL void mf_dw_rows_one(const int32_t *k, const int32_t *r, int8_t *out, const int32_t WP, const int32_t ncl,
                              const int32_t ush)
{
    int32_t a0, A, B, Cw, P, Q;
    __asm__ volatile(
        "ldr %[a0], [%[k], #24]\n\tldr %[A], [%[r]]\n\tldr %[B], [%[r], #4]\n\t"
        "ldr %[P], [%[k], #0]\n\tldr %[Q], [%[k], #4]\n\t"
        "smlad %[a0], %[A], %[P], %[a0]\n\tsmlabt %[a0], %[B], %[Q], %[a0]\n\t"
        "ldr %[A], [%[r], %[w0]]\n\tldr %[B], [%[r], %[w4]]\n\tldr %[P], [%[k], #8]\n\tldr %[Q], [%[k], #12]\n\t"
        "smlad %[a0], %[A], %[P], %[a0]\n\tsmlabt %[a0], %[B], %[Q], %[a0]\n\t"
        "ldr %[A], [%[r], %[v0]]\n\tldr %[B], [%[r], %[v4]]\n\tldr %[P], [%[k], #16]\n\tldr %[Q], [%[k], #20]\n\t"
        "smlad %[a0], %[A], %[P], %[a0]\n\tsmlabt %[a0], %[B], %[Q], %[a0]\n\t"
        MF_DW_ROWS_LDRQ("%[P]", "%[Q]", "%[C]") MF_DW_ROWS_RQO("%[a0]", "#0")
        : [a0] "=&r"(a0), [A] "=&r"(A), [B] "=&r"(B), [C] "=&r"(Cw), [P] "=&r"(P), [Q] "=&r"(Q)
        : [k] "r"(k), [r] "r"(r), [out] "r"(out),
          [w0] "i"(2 * WP), [w4] "i"(2 * WP + 4), [v0] "i"(4 * WP), [v4] "i"(4 * WP + 4), [ncl] "i"(ncl),
          [ush] "i"(ush)
        : "memory");
}

#include "mf_dw_s2.h"     /* stride_w 2: mf_dw_rows2_channel, its widening and direct order (mf_depthwise_conv2d_s8_rows2) */

/* Five outputs x..x+4 of a row (stride_w 1), the last of a row whose out_w % 4 == 1: the last 4-output block and the
 * lone last output in one (measured on kws's 5-wide rows: 98 -> ~84 cycles a channel row on the M4). Per kernel row
 * the words A = in[x..x+1], B = in[x+2..x+3], C = in[x+4..x+5] and D = in[x+6..x+7] (loaded into A once A is spent:
 * 13 registers): out_x+i as in the 4-output block, out_x+4 += SMLAD(C, P) + SMLABT(D, Q) (D's low half is column
 * x+6 <= in_w + pad_left, inside the scratch row: wp = 2 * ceil(out_w / 2) + 2). The fifth sum holds 2*bias until
 * the first row's other MACs have taken it as their addend. Requantisation as MF_DW_ROWS_RQ. */
#define MF_DW_ROWS5_ROW(OA, OB, OC, OD, MP, MQ, B0, B1, B2, B3) \
    "ldr %[A], [%[r], " OA "]\n\tldr %[B], [%[r], " OB "]\n\tldr %[C], [%[r], " OC "]\n\t" \
    "ldr %[P], " MP "\n\tldr %[Q], " MQ "\n\t" \
    "smlad %[a0], %[A], %[P], " B0 "\n\tsmlabt %[a0], %[B], %[Q], %[a0]\n\t" \
    "smlatb %[a1], %[A], %[P], " B1 "\n\tsmlad %[a1], %[B], %[Q], %[a1]\n\t" \
    "ldr %[A], [%[r], " OD "]\n\t" \
    "smlad %[a2], %[B], %[P], " B2 "\n\tsmlabt %[a2], %[C], %[Q], %[a2]\n\t" \
    "smlatb %[a3], %[B], %[P], " B3 "\n\tsmlad %[a3], %[C], %[Q], %[a3]\n\t" \
    "smlad %[a4], %[C], %[P], %[a4]\n\tsmlabt %[a4], %[A], %[Q], %[a4]\n\t"
/* The M7 schedule (MF_TARGET_M7, as MF_DW_ROWS_ROW_M7): D into A, then the next row's B (LB), C and P (LCP), A and Q
 * (LAQ) loaded as their registers free, each beside a MAC. */
#define MF_DW_ROWS5_ROW_M7(OD, B0, B1, B2, B3, LB, LCP, LAQ) \
    "smlad %[a0], %[A], %[P], " B0 "\n\tsmlatb %[a1], %[A], %[P], " B1 "\n\tldr %[A], [%[r], " OD "]\n\t" \
    "smlabt %[a0], %[B], %[Q], %[a0]\n\tsmlad %[a1], %[B], %[Q], %[a1]\n\t" \
    "smlad %[a2], %[B], %[P], " B2 "\n\tsmlatb %[a3], %[B], %[P], " B3 "\n\t" LB \
    "smlabt %[a2], %[C], %[Q], %[a2]\n\tsmlad %[a3], %[C], %[Q], %[a3]\n\tsmlad %[a4], %[C], %[P], %[a4]\n\t" LCP \
    "smlabt %[a4], %[A], %[Q], %[a4]\n\t" LAQ
/* Rows 0 and 1 of the M7's 5-output blocks (mf_dw_rows_five, mf_dw_rows_five7), row 2's A, B, C and weights loaded:
 * 2*bias (into a4) loaded with row 0's A and P, its first MACs' addend, and B, Q, C and D (into A) beside them (when
 * all six were loaded first the first MAC issued alone: 1 cycle a block) */
#define MF_DW_ROWS5_FIRST2_M7 \
        "ldr %[A], [%[r]]\n\tldr %[a4], [%[k], #24]\n\tldr %[P], [%[k], #0]\n\t" \
        "smlad %[a0], %[A], %[P], %[a4]\n\tldr %[B], [%[r], #4]\n\t" \
        "smlatb %[a1], %[A], %[P], %[a4]\n\tldr %[Q], [%[k], #4]\n\t" \
        "smlad %[a2], %[B], %[P], %[a4]\n\tldr %[C], [%[r], #8]\n\t" \
        "smlatb %[a3], %[B], %[P], %[a4]\n\tldr %[A], [%[r], #12]\n\t" \
        "smlabt %[a0], %[B], %[Q], %[a0]\n\tsmlad %[a1], %[B], %[Q], %[a1]\n\tldr %[B], [%[r], %[w4]]\n\t" \
        "smlabt %[a2], %[C], %[Q], %[a2]\n\tsmlad %[a3], %[C], %[Q], %[a3]\n\t" \
        "smlad %[a4], %[C], %[P], %[a4]\n\tldr %[C], [%[r], %[w8]]\n\tldr %[P], [%[k], #8]\n\t" \
        "smlabt %[a4], %[A], %[Q], %[a4]\n\tldr %[A], [%[r], %[w0]]\n\tldr %[Q], [%[k], #12]\n\t" \
        MF_DW_ROWS5_ROW_M7("%[w12]", "%[a0]", "%[a1]", "%[a2]", "%[a3]", "ldr %[B], [%[r], %[v4]]\n\t", \
                           "ldr %[C], [%[r], %[v8]]\n\tldr %[P], [%[k], #16]\n\t", \
                           "ldr %[A], [%[r], %[v0]]\n\tldr %[Q], [%[k], #20]\n\t")
MF_KERNEL void mf_dw_rows_five(const int32_t *k, const int32_t *r, int8_t *out, const int32_t WP, const int32_t C,
                               const int32_t ncl, const int32_t ush)
{
    int32_t a0, a1, a2, a3, a4, A, B, Cw, P, Q;
    __asm__ volatile(
#if defined(MF_TARGET_M7)
        MF_DW_ROWS5_FIRST2_M7
        MF_DW_ROWS5_ROW_M7("%[v12]", "%[a0]", "%[a1]", "%[a2]", "%[a3]", "",
                           "ldr %[C], [%[k], #32]\n\t" MF_DW_ROWS_LDE("%[P]"), "ldr %[Q], [%[k], #28]\n\t")
#else
        "ldr %[a4], [%[k], #24]\n\t"
        MF_DW_ROWS5_ROW("#0", "#4", "#8", "#12", "[%[k], #0]", "[%[k], #4]", "%[a4]", "%[a4]", "%[a4]", "%[a4]")
        MF_DW_ROWS5_ROW("%[w0]", "%[w4]", "%[w8]", "%[w12]", "[%[k], #8]", "[%[k], #12]", "%[a0]", "%[a1]", "%[a2]", "%[a3]")
        MF_DW_ROWS5_ROW("%[v0]", "%[v4]", "%[v8]", "%[v12]", "[%[k], #16]", "[%[k], #20]", "%[a0]", "%[a1]", "%[a2]", "%[a3]")
        MF_DW_ROWS_LDRQ("%[P]", "%[Q]", "%[C]")
#endif
#if defined(MF_TARGET_M7)
        ".if %c[ncl] || %c[ush]\n\t"
        MF_DW_RQ7_FIRST("%[a0]", "%[a1]", "%[Q]", "%[C]", "%[P]")
        MF_DW_RQ7_STEP("%[a2]", "%[a1]", "%[a0]", "#0", "%[Q]", "%[C]", "%[P]")
        MF_DW_RQ7_STEP("%[a3]", "%[a2]", "%[a1]", "%[c1]", "%[Q]", "%[C]", "%[P]")
        MF_DW_RQ7_STEP("%[a4]", "%[a3]", "%[a2]", "%[c2]", "%[Q]", "%[C]", "%[P]")
        MF_DW_RQ7_LAST("%[a4]", "%[a3]", "%[c3]", "%[c4]", "%[P]")
        ".else\n\t"
#endif
        MF_DW_ROWS_RQS("%[a0]", "%[a1]", "#0", "%[c1]") MF_DW_ROWS_RQS("%[a2]", "%[a3]", "%[c2]", "%[c3]")
        MF_DW_ROWS_RQO("%[a4]", "%[c4]")
#if defined(MF_TARGET_M7)
        ".endif\n\t"
#endif
        : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [a4] "=&r"(a4), [A] "=&r"(A), [B] "=&r"(B),
          [C] "=&r"(Cw), [P] "=&r"(P), [Q] "=&r"(Q)
        : [k] "r"(k), [r] "r"(r), [out] "r"(out),
          [w0] "i"(2 * WP), [w4] "i"(2 * WP + 4), [w8] "i"(2 * WP + 8), [w12] "i"(2 * WP + 12),
          [v0] "i"(4 * WP), [v4] "i"(4 * WP + 4), [v8] "i"(4 * WP + 8), [v12] "i"(4 * WP + 12),
          [c1] "i"(C), [c2] "i"(2 * C), [c3] "i"(3 * C), [c4] "i"(4 * C), [ncl] "i"(ncl), [ush] "i"(ush)
        : "memory");
}
#if defined(MF_TARGET_M7)
/* The M7's 5-output block for MF_NEG_CLAMPED sums without the layer's shift (MobileNetV2's 5x5 layers), requantised
 * beside the last kernel row's MACs as mf_dw_rows_six7: rows 0 and 1 as mf_dw_rows_five's; the last row's C-MACs first
 * (out_x+2, x+3 complete before out_x, x+1), m in a 14th register (X), rnd in P after the row's last P-MAC, e in C after
 * its last C-MAC, so each complete sum's SMMLAR issues between the MACs and its ASR, SSAT and STRB beside the next MAC or
 * SMMLAR: mf_dw_rows_five's requantisation after the last MAC pairs its ALU steps and stores only with each other. */
MF_KERNEL void mf_dw_rows_five7(const int32_t *k, const int32_t *r, int8_t *out, const int32_t WP, const int32_t C)
{
    int32_t a0, a1, a2, a3, a4, A, B, Cw, P, Q, X;
    __asm__ volatile(
        "@ mf_dw_rows_five7\n\t"   /* (for tests reading gcc -S) */
        MF_DW_ROWS5_FIRST2_M7
        "smlad %[a4], %[C], %[P], %[a4]\n\tldr %[X], [%[k], #28]\n\t"
        "smlad %[a0], %[A], %[P], %[a0]\n\t"
        "smlatb %[a1], %[A], %[P], %[a1]\n\tldr %[A], [%[r], %[v12]]\n\t"
        "smlad %[a2], %[B], %[P], %[a2]\n\t"
        "smlatb %[a3], %[B], %[P], %[a3]\n\tldr %[P], [%[k], #32]\n\t"
        "smlabt %[a2], %[C], %[Q], %[a2]\n\t"
        "smlad %[a3], %[C], %[Q], %[a3]\n\tldr %[C], [%[k], #36]\n\t"
        "smmlar %[a2], %[a2], %[X], %[P]\n\t"
        "smlabt %[a0], %[B], %[Q], %[a0]\n\tasr %[a2], %[a2], %[C]\n\t"
        "smmlar %[a3], %[a3], %[X], %[P]\n\tssat %[a2], #8, %[a2]\n\t"
        "smlad %[a1], %[B], %[Q], %[a1]\n\tasr %[a3], %[a3], %[C]\n\t"
        "smmlar %[a0], %[a0], %[X], %[P]\n\tstrb %[a2], [%[out], %[c2]]\n\t"
        "smlabt %[a4], %[A], %[Q], %[a4]\n\tssat %[a3], #8, %[a3]\n\t"
        "smmlar %[a1], %[a1], %[X], %[P]\n\tasr %[a0], %[a0], %[C]\n\t"
        "smmlar %[a4], %[a4], %[X], %[P]\n\tstrb %[a3], [%[out], %[c3]]\n\t"
        "ssat %[a0], #8, %[a0]\n\tasr %[a1], %[a1], %[C]\n\t"
        "strb %[a0], [%[out]]\n\tssat %[a1], #8, %[a1]\n\t"
        "asr %[a4], %[a4], %[C]\n\tstrb %[a1], [%[out], %[c1]]\n\t"
        "ssat %[a4], #8, %[a4]\n\t"
        "strb %[a4], [%[out], %[c4]]"
        : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [a4] "=&r"(a4), [A] "=&r"(A), [B] "=&r"(B),
          [C] "=&r"(Cw), [P] "=&r"(P), [Q] "=&r"(Q), [X] "=&r"(X)
        : [k] "r"(k), [r] "r"(r), [out] "r"(out),
          [w0] "i"(2 * WP), [w4] "i"(2 * WP + 4), [w8] "i"(2 * WP + 8), [w12] "i"(2 * WP + 12),
          [v0] "i"(4 * WP), [v4] "i"(4 * WP + 4), [v8] "i"(4 * WP + 8), [v12] "i"(4 * WP + 12),
          [c1] "i"(C), [c2] "i"(2 * C), [c3] "i"(3 * C), [c4] "i"(4 * C)
        : "memory");
}
#endif
#undef MF_DW_ROWS5_ROW_M7   /* MF_DW_ROWS5_ROW stays: mf_dw_cols_five2 (mf_dw_cols.h) runs it down a column */

/* One requantised output as MF_DW_ROWS_RQ with a single temporary T (m in Q, e in P, rnd in B): T = rnd + the sum's sign,
 * SMMLAR into the sum's register, shift, SSAT, STRB; with the layer's one shift SMMLA and SSAT's own shift (as
 * MF_DW_ROWS_RQU). */
#define MF_DW_ROWS_RQ1(ACC, O) \
    ".if %c[ush]\n\tsmmla " ACC ", " ACC ", %[Q], %[B]\n\tssat " ACC ", #8, " ACC ", asr #%c[ush]\n\t.else\n\t" \
    ".if %c[ncl]\n\tsmmlar " ACC ", " ACC ", %[Q], %[B]\n\t.else\n\t" \
    "add %[A], %[B], " ACC ", asr #31\n\tsmmlar " ACC ", " ACC ", %[Q], %[A]\n\t.endif\n\t" \
    "asr " ACC ", " ACC ", %[P]\n\tssat " ACC ", #8, " ACC "\n\t.endif\n\tstrb " ACC ", [%[out], " O "]\n\t"
/* Six outputs x..x+5 of a row (stride_w 1), the last of a row whose out_w % 4 == 2: the last 4-output block and the
 * 2-output block in one (13 registers: six sums, A, B, P, Q, the pointers). Per kernel row A = in[x..x+1] and
 * B = in[x+2..x+3] with the weights, then, once out_x, out_x+1 and B's half of out_x+2, out_x+3 are done,
 * C = in[x+4..x+5] into A and D = in[x+6..x+7] into B (two loads back to back): out_x+4 += SMLAD(C, P) + SMLABT(D, Q), out_x+5 += SMLATB(C, P) + SMLAD(D, Q)
 * (D's columns are inside the scratch row: wp = out_w + 2). The sixth sum holds 2*bias until the first row's other
 * MACs have taken it as their addend. */
#define MF_DW_ROWS6_ROW(OA, OB, OC, OD, MP, MQ, B0, B1, B2, B3, B4) \
    "ldr %[A], [%[r], " OA "]\n\tldr %[B], [%[r], " OB "]\n\tldr %[P], " MP "\n\tldr %[Q], " MQ "\n\t" \
    "smlad %[a0], %[A], %[P], " B0 "\n\tsmlabt %[a0], %[B], %[Q], %[a0]\n\t" \
    "smlatb %[a1], %[A], %[P], " B1 "\n\tsmlad %[a1], %[B], %[Q], %[a1]\n\t" \
    "smlad %[a2], %[B], %[P], " B2 "\n\tsmlatb %[a3], %[B], %[P], " B3 "\n\t" \
    "ldr %[A], [%[r], " OC "]\n\tldr %[B], [%[r], " OD "]\n\t" \
    "smlabt %[a2], %[A], %[Q], %[a2]\n\tsmlad %[a3], %[A], %[Q], %[a3]\n\t" \
    "smlad %[a4], %[A], %[P], " B4 "\n\tsmlabt %[a4], %[B], %[Q], %[a4]\n\t" \
    "smlatb %[a5], %[A], %[P], %[a5]\n\tsmlad %[a5], %[B], %[Q], %[a5]\n\t"
/* The M7 schedule (MF_TARGET_M7, as MF_DW_ROWS_ROW_M7): C into A, D into B, then the next row's A (LA), P (LP), B
 * and Q (LBQ) loaded as their registers free, each beside a MAC. */
#define MF_DW_ROWS6_ROW_M7(OC, OD, B0, B1, B2, B3, B4, LA, LP, LBQ) \
    "smlad %[a0], %[A], %[P], " B0 "\n\tsmlatb %[a1], %[A], %[P], " B1 "\n\tldr %[A], [%[r], " OC "]\n\t" \
    "smlad %[a2], %[B], %[P], " B2 "\n\tsmlatb %[a3], %[B], %[P], " B3 "\n\t" \
    "smlabt %[a0], %[B], %[Q], %[a0]\n\tsmlad %[a1], %[B], %[Q], %[a1]\n\tldr %[B], [%[r], " OD "]\n\t" \
    "smlabt %[a2], %[A], %[Q], %[a2]\n\tsmlad %[a3], %[A], %[Q], %[a3]\n\t" \
    "smlad %[a4], %[A], %[P], " B4 "\n\tsmlatb %[a5], %[A], %[P], %[a5]\n\t" LA \
    "smlabt %[a4], %[B], %[Q], %[a4]\n\t" LP "smlad %[a5], %[B], %[Q], %[a5]\n\t" LBQ
/* The M7's 6-output blocks' first row (mf_dw_rows_six7, _six7n) with its loads: the MACs start from A, P and 2*bias (in
 * a5), B, Q and the next words loaded beside them (LX: one more load beside the fourth MAC), so the first MAC issues
 * beside a load rather than alone after a run of five (1 cycle a block: MobileNetV2's 10x10 layers -1.9K each). */
#define MF_DW_ROWS6_ROW0_M7(LX) \
        "ldr %[A], [%[r]]\n\tldr %[a5], [%[k], #24]\n\tldr %[P], [%[k], #0]\n\t" \
        "smlad %[a0], %[A], %[P], %[a5]\n\tldr %[B], [%[r], #4]\n\t" \
        "smlatb %[a1], %[A], %[P], %[a5]\n\tldr %[Q], [%[k], #4]\n\t" \
        "smlad %[a2], %[B], %[P], %[a5]\n\tldr %[A], [%[r], #8]\n\t" \
        "smlatb %[a3], %[B], %[P], %[a5]\n\t" LX \
        "smlabt %[a0], %[B], %[Q], %[a0]\n\tsmlad %[a1], %[B], %[Q], %[a1]\n\tldr %[B], [%[r], #12]\n\t" \
        "smlabt %[a2], %[A], %[Q], %[a2]\n\tsmlad %[a3], %[A], %[Q], %[a3]\n\t" \
        "smlad %[a4], %[A], %[P], %[a5]\n\tsmlatb %[a5], %[A], %[P], %[a5]\n\tldr %[A], [%[r], %[w0]]\n\t" \
        "smlabt %[a4], %[B], %[Q], %[a4]\n\tldr %[P], [%[k], #8]\n\tsmlad %[a5], %[B], %[Q], %[a5]\n\t" \
        "ldr %[B], [%[r], %[w4]]\n\tldr %[Q], [%[k], #12]\n\t"
MF_KERNEL void mf_dw_rows_six(const int32_t *k, const int32_t *r, int8_t *out, const int32_t WP, const int32_t C,
                              const int32_t ncl, const int32_t ush)
{
    int32_t a0, a1, a2, a3, a4, a5, A, B, P, Q;
    __asm__ volatile(
        "ldr %[a5], [%[k], #24]\n\t"
#if defined(MF_TARGET_M7)
        "ldr %[A], [%[r]]\n\tldr %[B], [%[r], #4]\n\tldr %[P], [%[k], #0]\n\tldr %[Q], [%[k], #4]\n\t"
        MF_DW_ROWS6_ROW_M7("#8", "#12", "%[a5]", "%[a5]", "%[a5]", "%[a5]", "%[a5]", "ldr %[A], [%[r], %[w0]]\n\t",
                           "ldr %[P], [%[k], #8]\n\t", "ldr %[B], [%[r], %[w4]]\n\tldr %[Q], [%[k], #12]\n\t")
        MF_DW_ROWS6_ROW_M7("%[w8]", "%[w12]", "%[a0]", "%[a1]", "%[a2]", "%[a3]", "%[a4]", "ldr %[A], [%[r], %[v0]]\n\t",
                           "ldr %[P], [%[k], #16]\n\t", "ldr %[B], [%[r], %[v4]]\n\tldr %[Q], [%[k], #20]\n\t")
        MF_DW_ROWS6_ROW_M7("%[v8]", "%[v12]", "%[a0]", "%[a1]", "%[a2]", "%[a3]", "%[a4]", "",
                           MF_DW_ROWS_LDE("%[P]"), "ldr %[Q], [%[k], #28]\n\tldr %[B], [%[k], #32]\n\t")
        ".if %c[ncl] || %c[ush]\n\t"
        MF_DW_RQ7_FIRST("%[a0]", "%[a1]", "%[Q]", "%[B]", "%[P]")
        MF_DW_RQ7_STEP("%[a2]", "%[a1]", "%[a0]", "#0", "%[Q]", "%[B]", "%[P]")
        MF_DW_RQ7_STEP("%[a3]", "%[a2]", "%[a1]", "%[c1]", "%[Q]", "%[B]", "%[P]")
        MF_DW_RQ7_STEP("%[a4]", "%[a3]", "%[a2]", "%[c2]", "%[Q]", "%[B]", "%[P]")
        MF_DW_RQ7_STEP("%[a5]", "%[a4]", "%[a3]", "%[c3]", "%[Q]", "%[B]", "%[P]")
        MF_DW_RQ7_LAST("%[a5]", "%[a4]", "%[c4]", "%[c5]", "%[P]")
        ".else\n\t"
        MF_DW_ROWS_RQ1("%[a0]", "#0") MF_DW_ROWS_RQ1("%[a1]", "%[c1]") MF_DW_ROWS_RQ1("%[a2]", "%[c2]")
        MF_DW_ROWS_RQ1("%[a3]", "%[c3]") MF_DW_ROWS_RQ1("%[a4]", "%[c4]") MF_DW_ROWS_RQ1("%[a5]", "%[c5]")
        ".endif\n\t"
#else
        MF_DW_ROWS6_ROW("#0", "#4", "#8", "#12", "[%[k], #0]", "[%[k], #4]", "%[a5]", "%[a5]", "%[a5]", "%[a5]", "%[a5]")
        MF_DW_ROWS6_ROW("%[w0]", "%[w4]", "%[w8]", "%[w12]", "[%[k], #8]", "[%[k], #12]",
                        "%[a0]", "%[a1]", "%[a2]", "%[a3]", "%[a4]")
        MF_DW_ROWS6_ROW("%[v0]", "%[v4]", "%[v8]", "%[v12]", "[%[k], #16]", "[%[k], #20]",
                        "%[a0]", "%[a1]", "%[a2]", "%[a3]", "%[a4]")
        MF_DW_ROWS_LDRQ("%[P]", "%[Q]", "%[B]")
        MF_DW_ROWS_RQ1("%[a0]", "#0") MF_DW_ROWS_RQ1("%[a1]", "%[c1]") MF_DW_ROWS_RQ1("%[a2]", "%[c2]")
        MF_DW_ROWS_RQ1("%[a3]", "%[c3]") MF_DW_ROWS_RQ1("%[a4]", "%[c4]") MF_DW_ROWS_RQ1("%[a5]", "%[c5]")
#endif
        : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [a4] "=&r"(a4), [a5] "=&r"(a5),
          [A] "=&r"(A), [B] "=&r"(B), [P] "=&r"(P), [Q] "=&r"(Q)
        : [k] "r"(k), [r] "r"(r), [out] "r"(out),
          [w0] "i"(2 * WP), [w4] "i"(2 * WP + 4), [w8] "i"(2 * WP + 8), [w12] "i"(2 * WP + 12),
          [v0] "i"(4 * WP), [v4] "i"(4 * WP + 4), [v8] "i"(4 * WP + 8), [v12] "i"(4 * WP + 12),
          [c1] "i"(C), [c2] "i"(2 * C), [c3] "i"(3 * C), [c4] "i"(4 * C), [c5] "i"(5 * C), [ncl] "i"(ncl),
          [ush] "i"(ush)
        : "memory");
}
#if defined(MF_TARGET_M7)
/* The M7's 6-output block with the layer's one shift (p->ush = E, MF_DW_ROWS_RQU; mf_dw_rows_run takes it for such
 * layers), requantised beside the last kernel row's MACs as the quad loop's MF_DW_ROWS_ROW2_RQU_M7: rows 0 and 1 as
 * mf_dw_rows_six's; in the last row the sums complete in order (out_x, x+1 from A and B, x+2, x+3 once C is in A, x+4,
 * x+5 from D), m is in a 14th register (X, loaded beside a MAC) and rnd' in P once the row's last P-MAC has read it,
 * so each complete sum's SMMLA issues between the MACs and its SSAT and STRB beside the next MAC or SMMLA (the M7
 * issues a MAC beside an ALU step or a store, not beside another MAC): mf_dw_rows_six requantises after the row's last
 * MAC, its SSATs and stores beside each other (vww's 6x6x128 layers with the shift: 51.8 -> 48.8 cycles a block). */
MF_KERNEL void mf_dw_rows_six7(const int32_t *k, const int32_t *r, int8_t *out, const int32_t WP, const int32_t C,
                               const int32_t ush)
{
    int32_t a0, a1, a2, a3, a4, a5, A, B, P, Q, X;
    __asm__ volatile(
        "@ mf_dw_rows_six7 ush %c[ush]\n\t"   /* (for tests reading gcc -S) */
        MF_DW_ROWS6_ROW0_M7("")
        MF_DW_ROWS6_ROW_M7("%[w8]", "%[w12]", "%[a0]", "%[a1]", "%[a2]", "%[a3]", "%[a4]", "ldr %[A], [%[r], %[v0]]\n\t",
                           "ldr %[P], [%[k], #16]\n\t", "ldr %[B], [%[r], %[v4]]\n\tldr %[Q], [%[k], #20]\n\t")
        "smlad %[a0], %[A], %[P], %[a0]\n\tsmlatb %[a1], %[A], %[P], %[a1]\n\tldr %[A], [%[r], %[v8]]\n\t"
        "smlad %[a2], %[B], %[P], %[a2]\n\tldr %[X], [%[k], #28]\n\t"
        "smlatb %[a3], %[B], %[P], %[a3]\n\tsmlabt %[a0], %[B], %[Q], %[a0]\n\t"
        "smlad %[a1], %[B], %[Q], %[a1]\n\tldr %[B], [%[r], %[v12]]\n\t"
        "smlad %[a4], %[A], %[P], %[a4]\n\tsmlatb %[a5], %[A], %[P], %[a5]\n\tldr %[P], [%[k], #32]\n\t"
        "smmla %[a0], %[a0], %[X], %[P]\n\tsmlabt %[a2], %[A], %[Q], %[a2]\n\tssat %[a0], #8, %[a0], asr #%c[ush]\n\t"
        "smmla %[a1], %[a1], %[X], %[P]\n\tstrb %[a0], [%[out]]\n\t"
        "smlad %[a3], %[A], %[Q], %[a3]\n\tssat %[a1], #8, %[a1], asr #%c[ush]\n\t"
        "smmla %[a2], %[a2], %[X], %[P]\n\tstrb %[a1], [%[out], %[c1]]\n\t"
        "smlabt %[a4], %[B], %[Q], %[a4]\n\tssat %[a2], #8, %[a2], asr #%c[ush]\n\t"
        "smmla %[a3], %[a3], %[X], %[P]\n\tstrb %[a2], [%[out], %[c2]]\n\t"
        "smlad %[a5], %[B], %[Q], %[a5]\n\tssat %[a3], #8, %[a3], asr #%c[ush]\n\t"
        "smmla %[a4], %[a4], %[X], %[P]\n\tstrb %[a3], [%[out], %[c3]]\n\t"
        "smmla %[a5], %[a5], %[X], %[P]\n\tssat %[a4], #8, %[a4], asr #%c[ush]\n\t"
        "strb %[a4], [%[out], %[c4]]\n\tssat %[a5], #8, %[a5], asr #%c[ush]\n\t"
        "strb %[a5], [%[out], %[c5]]"
        : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [a4] "=&r"(a4), [a5] "=&r"(a5),
          [A] "=&r"(A), [B] "=&r"(B), [P] "=&r"(P), [Q] "=&r"(Q), [X] "=&r"(X)
        : [k] "r"(k), [r] "r"(r), [out] "r"(out),
          [w0] "i"(2 * WP), [w4] "i"(2 * WP + 4), [w8] "i"(2 * WP + 8), [w12] "i"(2 * WP + 12),
          [v0] "i"(4 * WP), [v4] "i"(4 * WP + 4), [v8] "i"(4 * WP + 8), [v12] "i"(4 * WP + 12),
          [c1] "i"(C), [c2] "i"(2 * C), [c3] "i"(3 * C), [c4] "i"(4 * C), [c5] "i"(5 * C), [ush] "i"(ush)
        : "memory");
}
/* The M7's 6-output block without the layer's shift (MF_NEG_CLAMPED rows of fewer outputs a channel than
 * USH_TAIL_MIN_OUTPUTS: vww's 6x6x128 layers), requantised beside the last kernel row's MACs as mf_dw_rows_six7 with
 * SMMLAR, ASR by e and SSAT: e is a 15th value, so it goes into k's register once the last load from k has issued (k
 * an in-out operand: the caller's k comes back from the stack, one load a block, beside the first data load). The
 * first row's MACs start from A, P and 2*bias, B, Q and m (into X) loaded beside them; row 1 as mf_dw_rows_six's; in
 * the last row rnd goes into A once out_x and out_x+1 have read it, the sums complete in the order a0, a1 (from A, B),
 * a2, a3 (C into B), a4, a5 (D into P), and each one's SMMLAR, ASR, SSAT and STRB issue between the MACs after it (the
 * M7 issues a MAC beside anything but a MAC, no two stores together, no step beside the step that feeds it): vww's
 * 6x6x128 layers 54.8 -> 51 cycles a block, 51.8K -> 48.8K each (mf_dw_rows_six: 51.8K). */
MF_KERNEL void mf_dw_rows_six7n(const int32_t *k, const int32_t *r, int8_t *out, const int32_t WP, const int32_t C)
{
    int32_t a0, a1, a2, a3, a4, a5, A, B, P, Q, X;
    const int32_t *ke = k;
    __asm__ volatile(
        "@ mf_dw_rows_six7n\n\t"   /* (for tests reading gcc -S) */
        MF_DW_ROWS6_ROW0_M7("ldr %[X], [%[k], #28]\n\t")
        MF_DW_ROWS6_ROW_M7("%[w8]", "%[w12]", "%[a0]", "%[a1]", "%[a2]", "%[a3]", "%[a4]", "ldr %[A], [%[r], %[v0]]\n\t",
                           "ldr %[P], [%[k], #16]\n\t", "ldr %[B], [%[r], %[v4]]\n\tldr %[Q], [%[k], #20]\n\t")
        /* the last row: A = in[x..x+1], B = in[x+2..x+3], P, Q its weights, X = m */
        "smlad %[a0], %[A], %[P], %[a0]\n\tsmlatb %[a1], %[A], %[P], %[a1]\n\tldr %[A], [%[k], #32]\n\t"
        "smlabt %[a0], %[B], %[Q], %[a0]\n\tldr %[k], [%[k], #36]\n\t"
        "smmlar %[a0], %[a0], %[X], %[A]\n\t"
        "smlad %[a1], %[B], %[Q], %[a1]\n\tasr %[a0], %[a0], %[k]\n\t"
        "smlad %[a2], %[B], %[P], %[a2]\n\tssat %[a0], #8, %[a0]\n\t"
        "smmlar %[a1], %[a1], %[X], %[A]\n\tstrb %[a0], [%[out]]\n\t"
        "smlatb %[a3], %[B], %[P], %[a3]\n\tldr %[B], [%[r], %[v8]]\n\t"
        "smlabt %[a2], %[B], %[Q], %[a2]\n\tasr %[a1], %[a1], %[k]\n\t"
        "smmlar %[a2], %[a2], %[X], %[A]\n\tssat %[a1], #8, %[a1]\n\t"
        "smlad %[a3], %[B], %[Q], %[a3]\n\tstrb %[a1], [%[out], %[c1]]\n\t"
        "smlad %[a4], %[B], %[P], %[a4]\n\tasr %[a2], %[a2], %[k]\n\t"
        "smlatb %[a5], %[B], %[P], %[a5]\n\tldr %[P], [%[r], %[v12]]\n\t"
        "smmlar %[a3], %[a3], %[X], %[A]\n\tssat %[a2], #8, %[a2]\n\t"
        "smlabt %[a4], %[P], %[Q], %[a4]\n\tstrb %[a2], [%[out], %[c2]]\n\t"
        "smlad %[a5], %[P], %[Q], %[a5]\n\tasr %[a3], %[a3], %[k]\n\t"
        "smmlar %[a4], %[a4], %[X], %[A]\n\tssat %[a3], #8, %[a3]\n\t"
        "smmlar %[a5], %[a5], %[X], %[A]\n\tstrb %[a3], [%[out], %[c3]]\n\t"
        "asr %[a4], %[a4], %[k]\n\t"
        "ssat %[a4], #8, %[a4]\n\tasr %[a5], %[a5], %[k]\n\t"
        "strb %[a4], [%[out], %[c4]]\n\tssat %[a5], #8, %[a5]\n\t"
        "strb %[a5], [%[out], %[c5]]\n\t"
        : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [a4] "=&r"(a4), [a5] "=&r"(a5),
          [A] "=&r"(A), [B] "=&r"(B), [P] "=&r"(P), [Q] "=&r"(Q), [X] "=&r"(X), [k] "+r"(ke)
        : [r] "r"(r), [out] "r"(out),
          [w0] "i"(2 * WP), [w4] "i"(2 * WP + 4), [w8] "i"(2 * WP + 8), [w12] "i"(2 * WP + 12),
          [v0] "i"(4 * WP), [v4] "i"(4 * WP + 4), [v8] "i"(4 * WP + 8), [v12] "i"(4 * WP + 12),
          [c1] "i"(C), [c2] "i"(2 * C), [c3] "i"(3 * C), [c4] "i"(4 * C), [c5] "i"(5 * C)
        : "memory");
}
/* A group's channels (k .. kend, 10 words each) of n output rows of out_w 6 (full planes, mf_dw_rows_full), each
 * channel's rows as mf_dw_rows_six7n's in one loop whose rows overlap: row i's last two outputs (a4, a5: ASR, SSAT,
 * STRB after their SMMLARs) go beside the loads of row i+1's first words and its first six MACs, where
 * mf_dw_rows_six7n's row ends in them alone and the next row (a call of its own) starts with a run of loads. e is in
 * k's register through the requantisation (as _six7n), so k comes back from the stack (km) after the last ASR, then P
 * and 2*bias (into X: m is loaded after the row's last bias MAC), while A (the next row's first word, r stepped to it)
 * goes beside the first ASR. The row loop is rotated: the prologue loads row 0's words and issues its first six MACs,
 * the body runs from there to the next row's first six MACs (one row past the last: its words lie in the plane row
 * after, which full planes hold: NR = (out_h - 1) * stride_h + 3), out is stepped at the body's top (so it starts a row
 * before) and the loop ends by r against the last row's start (rl, compared at the top while a4 is free). The channel
 * loop steps k, r, rl and out in the assembly too (gcc's loop kept them on the stack: 19 -> 14 cycles a channel). RS:
 * the plane rows between output rows in bytes (<= 255, the loads' writeback); PB: a plane's bytes (r's and rl's step
 * a channel, PB - n * RS = 2 * wp * (3 - stride_h) > 0 from the row after the last); 6 * C (out's step a row) and
 * (n - 1) * 6 * C - 1 (back a channel) <= 4095. */
MF_KERNEL void mf_dw_rows_six7n_col(const int32_t *k, const int32_t *kend, const int32_t *r, int8_t *out,
                                    const int32_t WP, const int32_t C, const int32_t RS, const int32_t n, const int32_t PB)
{
    int32_t a0, a1, a2, a3, a4, a5, A, B, P, Q, X;
    const int32_t *km = k, *rl = r + (n - 1) * (RS / 4);
    __asm__ volatile(
        "@ mf_dw_rows_six7n_col\n"   /* (for tests reading gcc -S) */
        "0:\n\t"
        "sub %[out], %[out], %[owc]\n\tldr %[A], [%[r]]\n\t"
        "ldr %[P], [%[k]]\n\tldr %[X], [%[k], #24]\n\t"
        "smlad %[a0], %[A], %[P], %[X]\n\tldr %[B], [%[r], #4]\n\t"
        "smlatb %[a1], %[A], %[P], %[X]\n\tldr %[Q], [%[k], #4]\n\t"
        "smlad %[a2], %[B], %[P], %[X]\n\tldr %[A], [%[r], #8]\n\t"
        "smlatb %[a3], %[B], %[P], %[X]\n\tsmlabt %[a0], %[B], %[Q], %[a0]\n\tsmlad %[a1], %[B], %[Q], %[a1]\n"
        "1:\n\t"
        /* kernel row 0 from its seventh MAC; the loop's test (r at the last row: a4 free until its first MAC) */
        "add %[out], %[out], %[owc]\n\tsmlabt %[a2], %[A], %[Q], %[a2]\n\t"
        "ldr %[a4], %[rl]\n\tsmlad %[a3], %[A], %[Q], %[a3]\n\t"
        "cmp %[r], %[a4]\n\tsmlad %[a4], %[A], %[P], %[X]\n\t"
        "smlatb %[a5], %[A], %[P], %[X]\n\tldr %[B], [%[r], #12]\n\t"
        "ldr %[A], [%[r], #%c[w]]\n\tsmlabt %[a4], %[B], %[Q], %[a4]\n\t"
        "ldr %[P], [%[k], #8]\n\tsmlad %[a5], %[B], %[Q], %[a5]\n\t"
        /* kernel row 1 (m into X, whose last bias read was a5's first MAC) */
        "ldr %[X], [%[k], #28]\n\tsmlad %[a0], %[A], %[P], %[a0]\n\t"
        "ldr %[B], [%[r], #%c[w] + 4]\n\tsmlatb %[a1], %[A], %[P], %[a1]\n\t"
        "ldr %[Q], [%[k], #12]\n\tsmlad %[a2], %[B], %[P], %[a2]\n\t"
        "ldr %[A], [%[r], #%c[w] + 8]\n\t"
        "smlatb %[a3], %[B], %[P], %[a3]\n\t"
        "smlabt %[a0], %[B], %[Q], %[a0]\n\t"
        "smlad %[a1], %[B], %[Q], %[a1]\n\tldr %[B], [%[r], #%c[w] + 12]\n\t"
        "smlabt %[a2], %[A], %[Q], %[a2]\n\t"
        "smlad %[a3], %[A], %[Q], %[a3]\n\t"
        "smlad %[a4], %[A], %[P], %[a4]\n\t"
        "smlatb %[a5], %[A], %[P], %[a5]\n\tldr %[A], [%[r], #2 * %c[w]]\n\t"
        "smlabt %[a4], %[B], %[Q], %[a4]\n\tldr %[P], [%[k], #16]\n\t"
        "smlad %[a5], %[B], %[Q], %[a5]\n\tldr %[B], [%[r], #2 * %c[w] + 4]\n\t"
        /* kernel row 2 with the requantisation (as mf_dw_rows_six7n) */
        "smlad %[a0], %[A], %[P], %[a0]\n\tldr %[Q], [%[k], #20]\n\t"
        "smlatb %[a1], %[A], %[P], %[a1]\n\tldr %[A], [%[k], #32]\n\t"
        "smlabt %[a0], %[B], %[Q], %[a0]\n\tldr %[k], [%[k], #36]\n\t"
        "smmlar %[a0], %[a0], %[X], %[A]\n\t"
        "smlad %[a1], %[B], %[Q], %[a1]\n\tasr %[a0], %[a0], %[k]\n\t"
        "smlad %[a2], %[B], %[P], %[a2]\n\tssat %[a0], #8, %[a0]\n\t"
        "smmlar %[a1], %[a1], %[X], %[A]\n\tstrb %[a0], [%[out]]\n\t"
        "smlatb %[a3], %[B], %[P], %[a3]\n\tldr %[B], [%[r], #2 * %c[w] + 8]\n\t"
        "smlabt %[a2], %[B], %[Q], %[a2]\n\tasr %[a1], %[a1], %[k]\n\t"
        "smmlar %[a2], %[a2], %[X], %[A]\n\tssat %[a1], #8, %[a1]\n\t"
        "smlad %[a3], %[B], %[Q], %[a3]\n\tstrb %[a1], [%[out], #%c[c]]\n\t"
        "smlad %[a4], %[B], %[P], %[a4]\n\tasr %[a2], %[a2], %[k]\n\t"
        "smlatb %[a5], %[B], %[P], %[a5]\n\tldr %[P], [%[r], #2 * %c[w] + 12]\n\t"
        "smmlar %[a3], %[a3], %[X], %[A]\n\tssat %[a2], #8, %[a2]\n\t"
        "smlabt %[a4], %[P], %[Q], %[a4]\n\tstrb %[a2], [%[out], #2 * %c[c]]\n\t"
        "smlad %[a5], %[P], %[Q], %[a5]\n\tasr %[a3], %[a3], %[k]\n\t"
        "smmlar %[a4], %[a4], %[X], %[A]\n\tssat %[a3], #8, %[a3]\n\t"
        "smmlar %[a5], %[a5], %[X], %[A]\n\tstrb %[a3], [%[out], #3 * %c[c]]\n\t"
        /* the row's end beside the next row's start: A (r stepped), k back, P, 2*bias in X, its first five MACs */
        "asr %[a5], %[a5], %[k]\n\tldr %[A], [%[r], %[rs]]!\n\t"
        "asr %[a4], %[a4], %[k]\n\tldr %[k], %[km]\n\t"
        "ldr %[P], [%[k]]\n\tssat %[a5], #8, %[a5]\n\t"
        "ldr %[X], [%[k], #24]\n\tssat %[a4], #8, %[a4]\n\t"
        "smlad %[a0], %[A], %[P], %[X]\n\tstrb %[a5], [%[out], #5 * %c[c]]\n\t"
        "ldr %[B], [%[r], #4]\n\tsmlatb %[a1], %[A], %[P], %[X]\n\t"
        "strb %[a4], [%[out], #4 * %c[c]]\n\tsmlad %[a2], %[B], %[P], %[X]\n\t"
        "ldr %[Q], [%[k], #4]\n\tsmlatb %[a3], %[B], %[P], %[X]\n\t"
        "ldr %[A], [%[r], #8]\n\tsmlabt %[a0], %[B], %[Q], %[a0]\n\t"
        "smlad %[a1], %[B], %[Q], %[a1]\n\tbne 1b\n\t"
        /* the next channel: its words (k), planes (r: from the row after the last, back to the first, on by a plane;
         * rl likewise) and first output (out: back to the first row, on by a byte) */
        "add %[k], %[k], #40\n\tldr %[a0], %[rl]\n\t"
        "str %[k], %[km]\n\tadd %[a0], %[a0], %[pb]\n\t"
        "str %[a0], %[rl]\n\tadd %[r], %[r], %[pr]\n\t"
        "ldr %[a1], %[ke]\n\tsub %[out], %[out], %[ob]\n\t"
        "cmp %[k], %[a1]\n\tbne 0b"
        : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [a4] "=&r"(a4), [a5] "=&r"(a5),
          [A] "=&r"(A), [B] "=&r"(B), [P] "=&r"(P), [Q] "=&r"(Q), [X] "=&r"(X), [k] "+r"(k), [r] "+r"(r),
          [out] "+r"(out), [km] "+m"(km), [rl] "+m"(rl)
        : [ke] "m"(kend), [w] "i"(2 * WP), [c] "i"(C), [owc] "i"(6 * C), [rs] "i"(RS), [pb] "i"(PB),
          [pr] "i"(PB - n * RS), [ob] "i"((n - 1) * 6 * C - 1)   /* (at most 30 operands: the other offsets as
                                                                    expressions of w and c) */
        : "cc", "memory");
}
#endif
#undef MF_DW_ROWS6_ROW
#undef MF_DW_ROWS6_ROW_M7
#undef MF_DW_ROWS6_ROW0_M7

/* Three outputs x..x+2 (stride_w 1), the last of a row whose out_w % 4 == 3: the 2-output block and the lone last
 * output in one, from A = in[x..x+1], B = in[x+2..x+3], C = in[x+4..x+5] of each kernel row (out_x+2 += SMLAD(B, P) +
 * SMLABT(C, Q); C's low half, column x+4 = out_w + 1, is inside the scratch row: wp = out_w + 3). The third sum holds
 * 2*bias until the first row's other MACs have taken it. */
#define MF_DW_ROWS3_ROW(OA, OB, OC, MP, MQ, B0, B1) \
    "ldr %[A], [%[r], " OA "]\n\tldr %[B], [%[r], " OB "]\n\tldr %[C], [%[r], " OC "]\n\t" \
    "ldr %[P], " MP "\n\tldr %[Q], " MQ "\n\t" \
    "smlad %[a0], %[A], %[P], " B0 "\n\tsmlabt %[a0], %[B], %[Q], %[a0]\n\t" \
    "smlatb %[a1], %[A], %[P], " B1 "\n\tsmlad %[a1], %[B], %[Q], %[a1]\n\t" \
    "smlad %[a2], %[B], %[P], %[a2]\n\tsmlabt %[a2], %[C], %[Q], %[a2]\n\t"
/* The M7 schedule (MF_TARGET_M7, as MF_DW_ROWS_ROW_M7): the next row's A (LA), P (LP), B (LB), C and Q (LCQ) loaded
 * as their registers free, each beside a MAC (vww's 3x3x256 layer on the M7: 43.1K -> 40.1K cycles; the pixel path took 42.6K). */
#define MF_DW_ROWS3_ROW_M7(B0, B1, B2, LA, LP, LB, LCQ) \
    "smlad %[a0], %[A], %[P], " B0 "\n\tsmlatb %[a1], %[A], %[P], " B1 "\n\t" LA \
    "smlad %[a2], %[B], %[P], " B2 "\n\t" LP \
    "smlabt %[a0], %[B], %[Q], %[a0]\n\tsmlad %[a1], %[B], %[Q], %[a1]\n\t" LB \
    "smlabt %[a2], %[C], %[Q], %[a2]\n\t" LCQ
MF_KERNEL void mf_dw_rows_three(const int32_t *k, const int32_t *r, int8_t *out, const int32_t WP, const int32_t C,
                                const int32_t ncl, const int32_t ush)
{
    int32_t a0, a1, a2, A, B, Cw, P, Q;
    __asm__ volatile(
        "ldr %[a2], [%[k], #24]\n\t"
#if defined(MF_TARGET_M7)
        "ldr %[A], [%[r]]\n\tldr %[B], [%[r], #4]\n\tldr %[C], [%[r], #8]\n\tldr %[P], [%[k], #0]\n\tldr %[Q], [%[k], #4]\n\t"
        MF_DW_ROWS3_ROW_M7("%[a2]", "%[a2]", "%[a2]", "ldr %[A], [%[r], %[w0]]\n\t", "ldr %[P], [%[k], #8]\n\t",
                           "ldr %[B], [%[r], %[w4]]\n\t", "ldr %[C], [%[r], %[w8]]\n\tldr %[Q], [%[k], #12]\n\t")
        MF_DW_ROWS3_ROW_M7("%[a0]", "%[a1]", "%[a2]", "ldr %[A], [%[r], %[v0]]\n\t", "ldr %[P], [%[k], #16]\n\t",
                           "ldr %[B], [%[r], %[v4]]\n\t", "ldr %[C], [%[r], %[v8]]\n\tldr %[Q], [%[k], #20]\n\t")
        MF_DW_ROWS3_ROW_M7("%[a0]", "%[a1]", "%[a2]", "", MF_DW_ROWS_LDE("%[P]"), "",
                           "ldr %[Q], [%[k], #28]\n\tldr %[C], [%[k], #32]\n\t")
#else
        MF_DW_ROWS3_ROW("#0", "#4", "#8", "[%[k], #0]", "[%[k], #4]", "%[a2]", "%[a2]")
        MF_DW_ROWS3_ROW("%[w0]", "%[w4]", "%[w8]", "[%[k], #8]", "[%[k], #12]", "%[a0]", "%[a1]")
        MF_DW_ROWS3_ROW("%[v0]", "%[v4]", "%[v8]", "[%[k], #16]", "[%[k], #20]", "%[a0]", "%[a1]")
        MF_DW_ROWS_LDRQ("%[P]", "%[Q]", "%[C]")
#endif
#if defined(MF_TARGET_M7)
        ".if %c[ncl] || %c[ush]\n\t"
        MF_DW_RQ7_FIRST("%[a0]", "%[a1]", "%[Q]", "%[C]", "%[P]")
        MF_DW_RQ7_STEP("%[a2]", "%[a1]", "%[a0]", "#0", "%[Q]", "%[C]", "%[P]")
        MF_DW_RQ7_LAST("%[a2]", "%[a1]", "%[c1]", "%[c2]", "%[P]")
        ".else\n\t"
#endif
        MF_DW_ROWS_RQS("%[a0]", "%[a1]", "#0", "%[c1]") MF_DW_ROWS_RQO("%[a2]", "%[c2]")
#if defined(MF_TARGET_M7)
        ".endif\n\t"
#endif
        : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [A] "=&r"(A), [B] "=&r"(B), [C] "=&r"(Cw),
          [P] "=&r"(P), [Q] "=&r"(Q)
        : [k] "r"(k), [r] "r"(r), [out] "r"(out),
          [w0] "i"(2 * WP), [w4] "i"(2 * WP + 4), [w8] "i"(2 * WP + 8),
          [v0] "i"(4 * WP), [v4] "i"(4 * WP + 4), [v8] "i"(4 * WP + 8), [c1] "i"(C), [c2] "i"(2 * C), [ncl] "i"(ncl),
          [ush] "i"(ush)
        : "memory");
}
#undef MF_DW_ROWS3_ROW
#undef MF_DW_ROWS3_ROW_M7

#if !defined(MF_TARGET_M7)
/* The M4/M33's full-plane rows of out_w 3 (mf_dw_rows_full: vww's 3x3x256 layer, MobileNetV2's 3x3x288 layers), two
 * rows of one channel a block: per kernel row its weights P, Q loaded once with the first row's A, B, C (one run of
 * five loads), the first row's six MACs (as mf_dw_rows_three's), the second row's A, B, C (a run of three) and its six
 * MACs; then one run of the requantisation constants for the six outputs. mf_dw_rows_three a row reloads P, Q and
 * m, rnd, e and pays the row loop's step and branch; here the second row shares them (14 registers: the six sums
 * X: x0..x2, Y: y0..y2, A, B, C, P, Q and the pointers; y2 holds 2*bias until the first kernel row's other MACs have
 * taken it). RS: the second row's plane offset in bytes (2 * WP * stride_h), OWC its outputs' (3 * C). */
#define MF_DW_ROWS3P_ROW(R, LPQ, X0, X1, X2, B0, B1, B2) \
    "ldr %[A], [%[r], #" R "]\n\tldr %[B], [%[r], #" R "+4]\n\tldr %[C], [%[r], #" R "+8]\n\t" LPQ \
    "smlad " X0 ", %[A], %[P], " B0 "\n\tsmlabt " X0 ", %[B], %[Q], " X0 "\n\t" \
    "smlatb " X1 ", %[A], %[P], " B1 "\n\tsmlad " X1 ", %[B], %[Q], " X1 "\n\t" \
    "smlad " X2 ", %[B], %[P], " B2 "\n\tsmlabt " X2 ", %[C], %[Q], " X2 "\n\t"
#define MF_DW_ROWS3P_PQ(KP, KQ) "ldr %[P], [%[k], #" KP "]\n\tldr %[Q], [%[k], #" KQ "]\n\t"
#define MF_DW_ROWS3P_X "%[x0]", "%[x1]", "%[x2]"
#define MF_DW_ROWS3P_Y "%[y0]", "%[y1]", "%[y2]"
#define MF_DW_ROWS3P_ROW_(...) MF_DW_ROWS3P_ROW(__VA_ARGS__)
MF_KERNEL void mf_dw_rows_three2(const int32_t *k, const int32_t *r, int8_t *out, const int32_t WP, const int32_t C,
                                 const int32_t RS, const int32_t ncl, const int32_t ush)
{
    int32_t x0, x1, x2, y0, y1, y2, A, B, Cw, P, Q;
    __asm__ volatile(
        "@ mf_dw_rows_three2\n\t"
        "ldr %[y2], [%[k], #24]\n\t"
        MF_DW_ROWS3P_ROW_("0", MF_DW_ROWS3P_PQ("0", "4"), MF_DW_ROWS3P_X, "%[y2]", "%[y2]", "%[y2]")
        MF_DW_ROWS3P_ROW_("%c[rs]", "", MF_DW_ROWS3P_Y, "%[y2]", "%[y2]", "%[y2]")
        MF_DW_ROWS3P_ROW_("%c[w0]", MF_DW_ROWS3P_PQ("8", "12"), MF_DW_ROWS3P_X, MF_DW_ROWS3P_X)
        MF_DW_ROWS3P_ROW_("%c[rs]+%c[w0]", "", MF_DW_ROWS3P_Y, MF_DW_ROWS3P_Y)
        MF_DW_ROWS3P_ROW_("2*%c[w0]", MF_DW_ROWS3P_PQ("16", "20"), MF_DW_ROWS3P_X, MF_DW_ROWS3P_X)
        MF_DW_ROWS3P_ROW_("%c[rs]+2*%c[w0]", "", MF_DW_ROWS3P_Y, MF_DW_ROWS3P_Y)
        MF_DW_ROWS_LDRQ("%[P]", "%[Q]", "%[C]")
        MF_DW_ROWS_RQS("%[x0]", "%[x1]", "#0", "%[c1]") MF_DW_ROWS_RQS("%[x2]", "%[y0]", "%[c2]", "%[c3]")
        MF_DW_ROWS_RQS("%[y1]", "%[y2]", "%[c4]", "%[c5]")
        : [x0] "=&r"(x0), [x1] "=&r"(x1), [x2] "=&r"(x2), [y0] "=&r"(y0), [y1] "=&r"(y1), [y2] "=&r"(y2),
          [A] "=&r"(A), [B] "=&r"(B), [C] "=&r"(Cw), [P] "=&r"(P), [Q] "=&r"(Q)
        : [k] "r"(k), [r] "r"(r), [out] "r"(out), [w0] "i"(2 * WP), [rs] "i"(RS),
          [c1] "i"(C), [c2] "i"(2 * C), [c3] "i"(3 * C), [c4] "i"(4 * C), [c5] "i"(5 * C), [ncl] "i"(ncl), [ush] "i"(ush)
        : "memory");
}
#undef MF_DW_ROWS3P_ROW
#undef MF_DW_ROWS3P_ROW_
#undef MF_DW_ROWS3P_PQ
#undef MF_DW_ROWS3P_X
#undef MF_DW_ROWS3P_Y
#endif

#if defined(MF_TARGET_M7)
/* The M7's full-plane rows of out_w 3 (mf_dw_rows_full: vww's 3x3x256 layer, MobileNetV2's 3x3x288 layers), one
 * channel's out_h rows unrolled (at most MF_DW_THREE7_ROWS) with the requantisation software-pipelined across rows.
 * mf_dw_rows_three keeps a row's three sums, its words and the loop's pointers in 12 registers and requantises after
 * its last MAC, mostly beside itself (32 cycles a row). Here the rows' sums alternate between two banks (X: x0..x2,
 * Y: y0..y2), each row's computed from one data and one weight register (D, W: per kernel row the P-MACs, then the
 * Q-MACs, five loads for six MACs; its sums set to 2*bias by loads first), and while one row's MACs run the row
 * before's sums (the other bank) are requantised, each step (MF_DW_RQ7_M, _A, _S and the store) beside a MAC or a
 * load (14 registers: the six sums, D, W, m, rnd, e in M, R, E, k, r, out; no loop, offsets in the instructions);
 * the first row runs alone, the last row's requantisation after it. ROW(Z, RB, M0..T2): bank Z's row at plane offset
 * RB, with the other bank's steps in the slots M0..T2 (the first row's hold the loads of m, rnd and e). The M7 issues
 * a MAC beside anything but a MAC and no step beside the one that feeds it, so each slot sits where the row would
 * otherwise issue an instruction alone: between two MACs (per kernel row the P-MACs' first two, the Q-MACs' first
 * two), or before the next kernel row's first data word, whose load cannot pair with the MAC after it (rows after the
 * first: 24 cycles, the 48 instructions' floor, was 25; vww's 3x3x256 channel 81 -> 78 cycles). */
#define MF_DW_THREE7_ROWS 8
#define MF_DW_THREE7_ROW(Z0, Z1, Z2, RB, M0, M1, M2, A0, A1, A2, S0, S1, S2, T0, T1, T2) \
    "ldr %[W], [%[k], #0]\n\t" M0 "ldr %[D], [%[r], #" RB "]\n\t" M1 "ldr " Z0 ", [%[k], #24]\n\t" \
    "smlad " Z0 ", %[D], %[W], " Z0 "\n\tldr " Z1 ", [%[k], #24]\n\t" \
    "smlatb " Z1 ", %[D], %[W], " Z1 "\n\tldr " Z2 ", [%[k], #24]\n\t" M2 "ldr %[D], [%[r], #" RB "+4]\n\t" \
    "smlad " Z2 ", %[D], %[W], " Z2 "\n\t" A0 "ldr %[W], [%[k], #4]\n\t" A1 \
    "smlabt " Z0 ", %[D], %[W], " Z0 "\n\t" S0 "smlad " Z1 ", %[D], %[W], " Z1 "\n\tldr %[D], [%[r], #" RB "+8]\n\t" \
    "smlabt " Z2 ", %[D], %[W], " Z2 "\n\tldr %[W], [%[k], #8]\n\t" S1 \
    "ldr %[D], [%[r], #" RB "+%c[w0]]\n\t" "smlad " Z0 ", %[D], %[W], " Z0 "\n\t" A2 \
    "smlatb " Z1 ", %[D], %[W], " Z1 "\n\tldr %[D], [%[r], #" RB "+%c[w0]+4]\n\t" \
    "smlad " Z2 ", %[D], %[W], " Z2 "\n\tldr %[W], [%[k], #12]\n\t" "smlabt " Z0 ", %[D], %[W], " Z0 "\n\t" S2 \
    "smlad " Z1 ", %[D], %[W], " Z1 "\n\tldr %[D], [%[r], #" RB "+%c[w0]+8]\n\t" \
    "smlabt " Z2 ", %[D], %[W], " Z2 "\n\tldr %[W], [%[k], #16]\n\t" "ldr %[D], [%[r], #" RB "+%c[v0]]\n\t" T2 \
    "smlad " Z0 ", %[D], %[W], " Z0 "\n\t" T0 \
    "smlatb " Z1 ", %[D], %[W], " Z1 "\n\tldr %[D], [%[r], #" RB "+%c[v0]+4]\n\t" \
    "smlad " Z2 ", %[D], %[W], " Z2 "\n\tldr %[W], [%[k], #20]\n\t" "smlabt " Z0 ", %[D], %[W], " Z0 "\n\t" T1 \
    "smlad " Z1 ", %[D], %[W], " Z1 "\n\tldr %[D], [%[r], #" RB "+%c[v0]+8]\n\t" \
    "smlabt " Z2 ", %[D], %[W], " Z2 "\n\t"
/* the requantisation steps of bank P0..P2, its row's outputs at byte offset SB */
#define MF_DW_THREE7_RQ(P0, P1, P2, SB) \
    MF_DW_RQ7_M(P0, "%[M]", "%[R]"), MF_DW_RQ7_M(P1, "%[M]", "%[R]"), MF_DW_RQ7_M(P2, "%[M]", "%[R]"), \
    MF_DW_RQ7_A(P0, "%[E]"), MF_DW_RQ7_A(P1, "%[E]"), MF_DW_RQ7_A(P2, "%[E]"), \
    MF_DW_RQ7_S(P0), MF_DW_RQ7_S(P1), MF_DW_RQ7_S(P2), \
    "strb " P0 ", [%[out], #" SB "]\n\t", "strb " P1 ", [%[out], #" SB "+%c[c1]]\n\t", \
    "strb " P2 ", [%[out], #" SB "+2*%c[c1]]\n\t"
#define MF_DW_THREE7_X "%[x0]", "%[x1]", "%[x2]"
#define MF_DW_THREE7_Y "%[y0]", "%[y1]", "%[y2]"
/* MF_DW_THREE7_ROW with its arguments expanded (the bank and slot lists are macros) */
#define MF_DW_THREE7_ROW_(...) MF_DW_THREE7_ROW(__VA_ARGS__)
/* row I (I >= 1) into bank Z, the row before's (bank P) requantisation beside it, when the layer has that row */
#define MF_DW_THREE7_NEXT(I, Z, P) \
    ".if %c[n] > " #I "\n\t" \
    MF_DW_THREE7_ROW_(Z, "(" #I "*%c[rs])", MF_DW_THREE7_RQ_(P, "(" #I "-1)*%c[owc]")) ".endif\n\t"
#define MF_DW_THREE7_RQ_(...) MF_DW_THREE7_RQ(__VA_ARGS__)
/* the last row's requantisation alone, its steps in the order of the slots */
#define MF_DW_THREE7_LAST_(M0, M1, M2, A0, A1, A2, S0, S1, S2, T0, T1, T2) \
    M0 M1 A0 S0 M2 A1 T0 S1 A2 T1 S2 T2
#define MF_DW_THREE7_LAST(...) MF_DW_THREE7_LAST_(__VA_ARGS__)
MF_KERNEL void mf_dw_rows_three7(const mf_depthwise_conv2d_params_t *p, const int32_t *k, const int32_t *r, int8_t *out)
{
    const int32_t C = p->in_c, WP = p->wp;
    int32_t x0, x1, x2, y0, y1, y2, D, W, M, R, E;
    __asm__ volatile(
        "@ mf_dw_rows_three7\n\t"
        MF_DW_THREE7_ROW_(MF_DW_THREE7_X, "0", "", "ldr %[R], [%[k], #32]\n\t", "ldr %[M], [%[k], #28]\n\t", "", "", "",
                          "", "", "", ".if %c[ush] == 0\n\tldr %[E], [%[k], #36]\n\t.endif\n\t", "", "")
        MF_DW_THREE7_NEXT(1, MF_DW_THREE7_Y, MF_DW_THREE7_X)
        MF_DW_THREE7_NEXT(2, MF_DW_THREE7_X, MF_DW_THREE7_Y)
        MF_DW_THREE7_NEXT(3, MF_DW_THREE7_Y, MF_DW_THREE7_X)
        MF_DW_THREE7_NEXT(4, MF_DW_THREE7_X, MF_DW_THREE7_Y)
        MF_DW_THREE7_NEXT(5, MF_DW_THREE7_Y, MF_DW_THREE7_X)
        MF_DW_THREE7_NEXT(6, MF_DW_THREE7_X, MF_DW_THREE7_Y)
        MF_DW_THREE7_NEXT(7, MF_DW_THREE7_Y, MF_DW_THREE7_X)
        ".if %c[n] & 1\n\t"
        MF_DW_THREE7_LAST(MF_DW_THREE7_RQ_(MF_DW_THREE7_X, "(%c[n]-1)*%c[owc]"))
        ".else\n\t"
        MF_DW_THREE7_LAST(MF_DW_THREE7_RQ_(MF_DW_THREE7_Y, "(%c[n]-1)*%c[owc]"))
        ".endif"
        : [x0] "=&r"(x0), [x1] "=&r"(x1), [x2] "=&r"(x2), [y0] "=&r"(y0), [y1] "=&r"(y1), [y2] "=&r"(y2),
          [D] "=&r"(D), [W] "=&r"(W), [M] "=&r"(M), [R] "=&r"(R), [E] "=&r"(E)
        : [k] "r"(k), [r] "r"(r), [out] "r"(out), [w0] "i"(2 * WP), [v0] "i"(4 * WP), [c1] "i"(C),
          [owc] "i"(3 * C), [rs] "i"(2 * WP * p->stride_h), [n] "i"(p->out_h), [ush] "i"(p->ush)
        : "memory");
}
#undef MF_DW_THREE7_ROW
#undef MF_DW_THREE7_ROW_
#undef MF_DW_THREE7_RQ
#undef MF_DW_THREE7_RQ_
#undef MF_DW_THREE7_X
#undef MF_DW_THREE7_Y
#undef MF_DW_THREE7_NEXT
#undef MF_DW_THREE7_LAST_
#undef MF_DW_THREE7_LAST
#endif
#undef MF_DW_ROWS_RQ1

#if !defined(MF_TARGET_M7)
/* The M4/M33's runs of 2 or more 4-output blocks (mf_dw_rows_run: kws's columns, vww's 48-, 24- and 12-wide rows,
 * MobileNetV2's 40- and 20-wide) with the data words carried from block to block: a block's C = in[x+4..x+5] of each kernel row is the
 * next block's A, so it stays in its register and each block after the first loads per kernel row only B, C, P, Q (one
 * run of four loads, not five: 3 cycles a block less). 14 registers: the four sums, the pointers r, k, out, B, P, Q
 * and four that rotate: three hold the carried words A0, A1, A2 and the fourth takes the row's new C; the row's old A
 * register then takes the next row's C, so after a block the roles (A0, A1, A2, free) of the four registers have
 * moved one place (MF_DW_QC_BLOCK(A0, A1, A2, T) is followed by MF_DW_QC_BLOCK(T, A0, A1, A2)). The first block loads
 * the three A words too (in its rows' runs of loads). The same MACs, 2*bias addend and requantisation as
 * mf_dw_rows_run's blocks (in place: each sum requantised in its own register, m in Q, rnd in P, e in B, and, for the
 * negative-value correction, rnd + the sum's sign in the free rotating register (as MF_DW_ROWS_RQ1), so the same
 * bytes); r is left where it was (the caller steps it), out stepped as MF_DW_ROWS_STEP4. Offsets constant from r
 * (4 * WP + 8 * nu + 8 <= 4095: the caller checks). Measured on the M4: kws's 25x5x64 layers 135.7K -> 133.8K cycles,
 * vww's 24x24x32 329.1K -> 317.6K and 12x12x64 166.6K -> 162.7K, MobileNetV2's 20x20x48 349.5K -> 338.1K; code a
 * little smaller (fewer loads). Runs longer than MF_DW_QUADS_UNROLL loop over 4 blocks an iteration (MF_DW_QC_LOOP):
 * vww's 48x48x8 317.9K -> 309.9K, MobileNetV2's 40x40x16 452.5K -> 432.4K. */
#define MF_DW_QC_ROW(O, KY, A, T, LA, B0, B1, B2, B3) \
    LA "ldr %[B], [%[r], #" O "+4]\n\tldr " T ", [%[r], #" O "+8]\n\t" \
    "ldr %[P], [%[k], #8*" KY "]\n\tldr %[Q], [%[k], #8*" KY "+4]\n\t" \
    "smlad %[a0], " A ", %[P], " B0 "\n\tsmlabt %[a0], %[B], %[Q], %[a0]\n\t" \
    "smlatb %[a1], " A ", %[P], " B1 "\n\tsmlad %[a1], %[B], %[Q], %[a1]\n\t" \
    "smlad %[a2], %[B], %[P], " B2 "\n\tsmlabt %[a2], " T ", %[Q], %[a2]\n\t" \
    "smlatb %[a3], %[B], %[P], " B3 "\n\tsmlad %[a3], " T ", %[Q], %[a3]\n\t"
#define MF_DW_QC_RQ(ACC0, ACC1, STEP_, O1_) \
    ".if %c[ush]\n\t" \
    "smmla " ACC0 ", " ACC0 ", %[Q], %[P]\n\tsmmla " ACC1 ", " ACC1 ", %[Q], %[P]\n\t" \
    "ssat " ACC0 ", #8, " ACC0 ", asr #%c[ush]\n\tssat " ACC1 ", #8, " ACC1 ", asr #%c[ush]\n\t" \
    ".else\n\t" \
    ".if %c[ncl]\n\t" \
    "smmlar " ACC0 ", " ACC0 ", %[Q], %[P]\n\tsmmlar " ACC1 ", " ACC1 ", %[Q], %[P]\n\t" \
    ".else\n\t" \
    "add mf_qc_t, %[P], " ACC0 ", asr #31\n\tsmmlar " ACC0 ", " ACC0 ", %[Q], mf_qc_t\n\t" \
    "add mf_qc_t, %[P], " ACC1 ", asr #31\n\tsmmlar " ACC1 ", " ACC1 ", %[Q], mf_qc_t\n\t" \
    ".endif\n\t" \
    "asr " ACC0 ", " ACC0 ", %[B]\n\tasr " ACC1 ", " ACC1 ", %[B]\n\t" \
    "ssat " ACC0 ", #8, " ACC0 "\n\tssat " ACC1 ", #8, " ACC1 "\n\t" \
    ".endif\n\t" \
    "strb " ACC0 ", [%[out]" STEP_ "\n\tstrb " ACC1 ", [%[out], " O1_ "]\n\t"
/* block I (from 0) with the rotating roles A0, A1, A2 (carried words) and T (free); LA: the first block's A loads */
#define MF_DW_QC_BLOCK(I, A0, A1, A2, T, LA0, LA1, LA2) \
    ".if mf_qc_n > " I "\n\t" \
    "ldr %[a3], [%[k], #24]\n\t" \
    MF_DW_QC_ROW("8*" I, "0", A0, T, LA0, "%[a3]", "%[a3]", "%[a3]", "%[a3]") \
    MF_DW_QC_ROW("8*" I "+%c[w]", "1", A1, A0, LA1, "%[a0]", "%[a1]", "%[a2]", "%[a3]") \
    MF_DW_QC_ROW("8*" I "+2*%c[w]", "2", A2, A1, LA2, "%[a0]", "%[a1]", "%[a2]", "%[a3]") \
    ".if %c[ush] == 0\n\tldr %[B], [%[k], #36]\n\t.endif\n\tldr %[Q], [%[k], #28]\n\tldr %[P], [%[k], #32]\n\t" \
    "mf_qc_t .req " A2 "\n\t" \
    MF_DW_ROWS_STEP4(MF_DW_QC_RQ, "%[a0]", "%[a1]", "%[a2]", "%[a3]") \
    ".unreq mf_qc_t\n\t" \
    ".endif\n\t"
#define MF_DW_QC_Y0 "%[y0]", "%[y1]", "%[y2]", "%[y3]"
#define MF_DW_QC_Y1 "%[y3]", "%[y0]", "%[y1]", "%[y2]"
#define MF_DW_QC_Y2 "%[y2]", "%[y3]", "%[y0]", "%[y1]"
#define MF_DW_QC_Y3 "%[y1]", "%[y2]", "%[y3]", "%[y0]"
#define MF_DW_QC_BLOCK_(...) MF_DW_QC_BLOCK(__VA_ARGS__)
/* nl iterations of a loop of 4 blocks (the rotation's period: each iteration starts with the same roles; the A words
 * loaded before the loop, r stepped 32 bytes an iteration, the loop end read from the stack into Q, free after the
 * requantisation: no 15th register), then nu blocks unrolled (the first loading its A words when there is no loop) */
#define MF_DW_QC_LOOP \
        "ldr %[y0], [%[r], #0]\n\tldr %[y1], [%[r], #%c[w]]\n\tldr %[y2], [%[r], #2*%c[w]]\n\t" \
        ".set mf_qc_n, 4\n\t" \
        "1:\n\t" \
        MF_DW_QC_BLOCK_("0", MF_DW_QC_Y0, "", "", "") MF_DW_QC_BLOCK_("1", MF_DW_QC_Y1, "", "", "") \
        MF_DW_QC_BLOCK_("2", MF_DW_QC_Y2, "", "", "") MF_DW_QC_BLOCK_("3", MF_DW_QC_Y3, "", "", "") \
        "ldr %[Q], %[mend]\n\tadd %[r], %[r], #32\n\tcmp %[r], %[Q]\n\tbne 1b\n\t"
#define MF_DW_QC_ASM \
        ".set mf_qc_n, %c[nu]\n\t" \
        MF_DW_QC_BLOCK_("0", MF_DW_QC_Y0, MF_DW_QC_LA("%[y0]", "0"), MF_DW_QC_LA("%[y1]", "%c[w]"), \
                        MF_DW_QC_LA("%[y2]", "2*%c[w]")) \
        MF_DW_QC_BLOCK_("1", MF_DW_QC_Y1, "", "", "") \
        MF_DW_QC_BLOCK_("2", MF_DW_QC_Y2, "", "", "") \
        MF_DW_QC_BLOCK_("3", MF_DW_QC_Y3, "", "", "") \
        MF_DW_QC_BLOCK_("4", MF_DW_QC_Y0, "", "", "") \
        MF_DW_QC_BLOCK_("5", MF_DW_QC_Y1, "", "", "") \
        ".if %c[nu] > 6\n\t.error \"mf_dw_rows_quads_carried: more than 6 blocks\"\n\t.endif"
#define MF_DW_QC_LA(Y, O) ".if %c[nl] == 0\n\tldr " Y ", [%[r], #" O "]\n\t.endif\n\t"
#define MF_DW_QC_OUT \
          [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [y0] "=&r"(y0), [y1] "=&r"(y1), \
          [y2] "=&r"(y2), [y3] "=&r"(y3), [B] "=&r"(B), [P] "=&r"(P), [Q] "=&r"(Q), [out] "+r"(out)
#define MF_DW_QC_IN \
          [k] "r"(k), [w] "i"(2 * WP), [c1] "i"(C), [c2] "i"(2 * C), [c3] "i"(3 * C), [c4] "i"(4 * C), \
          [ncl] "i"(ncl), [ush] "i"(ush), [nu] "i"(nu), [nl] "i"(nl)
/* r is left after the loop's blocks (the caller steps it past the unrolled ones) */
MF_KERNEL void mf_dw_rows_quads_carried(const int32_t *k, const int32_t **rp, int8_t **outp, const int32_t WP,
                                        const int32_t C, const int32_t ncl, const int32_t ush, const int32_t nl,
                                        const int32_t nu)
{
    int8_t *out = *outp;
    const int32_t *r = *rp;
    int32_t a0, a1, a2, a3, y0, y1, y2, y3, B, P, Q;
    if (nl) {
        const int32_t *const end = r + 8 * nl;   /* (a stack slot: the asm takes every register) */
        __asm__ volatile("@ mf_dw_rows_run unrolled %c[nu] looped 4 carried\n\t"   /* (for tests reading gcc -S) */
                         MF_DW_QC_LOOP MF_DW_QC_ASM : MF_DW_QC_OUT, [r] "+r"(r) : MF_DW_QC_IN, [mend] "m"(end)
                         : "cc", "memory");
    } else {   /* (r an input: kws's columns 0.8K cycles a layer less than with r an output) */
        __asm__ volatile("@ mf_dw_rows_run unrolled %c[nu] looped 0 carried\n\t"
                         MF_DW_QC_ASM : MF_DW_QC_OUT : MF_DW_QC_IN, [r] "r"(r) : "memory");
    }
    *rp = r;
    *outp = out;
}
#undef MF_DW_QC_ROW
#undef MF_DW_QC_ASM
#undef MF_DW_QC_LOOP
#undef MF_DW_QC_LA
#undef MF_DW_QC_OUT
#undef MF_DW_QC_IN
#undef MF_DW_QC_RQ
#undef MF_DW_QC_BLOCK
#undef MF_DW_QC_BLOCK_
#undef MF_DW_QC_Y0
#undef MF_DW_QC_Y1
#undef MF_DW_QC_Y2
#undef MF_DW_QC_Y3
#endif

#if defined(MF_TARGET_M7)
/* The M7's runs of 2 or more 4-output blocks with the layer's one shift (p->ush; mf_dw_rows_run: vww's 48-, 24- and
 * 12-wide rows, MobileNetV2's 40- and 20-wide), the data words carried from block to block as on the M4/M33
 * (mf_dw_rows_quads_carried: a block's C of each kernel row is the next block's A, four loads a row, not five; the
 * same rotation of y0..y3, 14 registers). The M7 issues a MAC beside anything but a MAC, no two stores together, no
 * step beside the one that feeds it: a block's 24 MACs and 4 SMMLAs each take a cycle, so a block costs 28 cycles
 * when each of its other 23 instructions (12 data and weight loads, 2*bias, m, rnd, 4 SSAT, 4 STRB) issues beside one
 * of them, and the looped form's 56 instructions took 31. The order that allows it: the block enters with 2*bias in
 * its free rotating register T (the addend of the row's first four MACs, so the sums are free until then), row 0's P,
 * Q and B loaded; the row's MACs complete a0 and a1 first, so the previous block's last two outputs (a2, a3: SMMLA'd,
 * not yet saturated) and a1's store go out beside them (MF_DW_QC7_PREV); m and rnd go into A2 and B as the last row
 * frees them, the next block's P and Q as their last MACs pass; only the next block's 2*bias and B, whose registers
 * hold m and rnd until the last SMMLA, issue as a pair after it: 29 cycles a block. Runs of at most
 * MF_DW_QUADS_UNROLL blocks are unrolled (the first loading A1, A2 and Q beside its first MACs); longer ones loop 4
 * blocks an iteration (the rotation's period) and unroll the rest: the loop's first block is entered past its
 * first five MACs, run once before the loop without the previous block's stores; the loop end (mend, a stack slot:
 * no 15th register) is read into a0 once a0 is stored, and the CMP, r's step and the BNE issue beside the MACs and
 * loads. The same MACs (in another order: the sums wrap, so the same values), 2*bias and requantisation as
 * MF_DW_ROWS_HELD7 (SMMLA with rnd, SSAT with the layer's shift): the same bytes. Stores post-indexed (2C <= 255:
 * the caller checks), r left as the M4's (the caller steps it past the unrolled blocks). */
#define MF_DW_QC7_SSAT(X) "ssat " X ", #8, " X ", asr #%c[ush]\n\t"
#define MF_DW_QC7_ST0 ".if %c[c4] <= 255\n\tstrb %[a0], [%[out]], %[c4]\n\t.else\n\tstrb %[a0], [%[out]], %[c2]\n\t.endif\n\t"
#define MF_DW_QC7_ST1 ".if %c[c4] <= 255\n\tstrb %[a1], [%[out], #-%c[c3]]\n\t.else\n\tstrb %[a1], [%[out], #-%c[c1]]\n\t.endif\n\t"
#define MF_DW_QC7_ST2 ".if %c[c4] <= 255\n\tstrb %[a2], [%[out], #-%c[c2]]\n\t.else\n\tstrb %[a2], [%[out]], %[c2]\n\t.endif\n\t"
#define MF_DW_QC7_ST3 "strb %[a3], [%[out], #-%c[c1]]\n\t"
/* row 0's first five MACs (roles A0, T; 2*bias in T), with S1..S5 beside them: the previous block's a1 store and a2,
 * a3's SSAT and store (MF_DW_QC7_PREV), or the run's first block's loads of Q, A1 and A2 (MF_DW_QC7_FIRST) */
#define MF_DW_QC7_HEAD(A0, T, S1, S2, S3, S4, S5) \
    "smlad %[a0], " A0 ", %[P], " T "\n\t" S1 "smlatb %[a1], " A0 ", %[P], " T "\n\t" S2 \
    "smlabt %[a0], %[B], %[Q], %[a0]\n\t" S3 "smlad %[a1], %[B], %[Q], %[a1]\n\t" S4 \
    "smlad %[a2], %[B], %[P], " T "\n\t" S5
#define MF_DW_QC7_PREV MF_DW_QC7_ST1, MF_DW_QC7_SSAT("%[a2]"), MF_DW_QC7_ST2, MF_DW_QC7_SSAT("%[a3]"), MF_DW_QC7_ST3
#define MF_DW_QC7_FIRST(I, A1, A2) \
    "ldr %[Q], [%[k], #4]\n\t", "ldr " A1 ", [%[r], #8*" I "+%c[w]]\n\t", "ldr " A2 ", [%[r], #8*" I "+2*%c[w]]\n\t", "", ""
/* the rest of block I (roles A0, A1, A2 carried, T), mf_qc7_e: 0 loads the next block's entry, 1 is the run's last
 * (its own a1, a2, a3 stored), 2 the loop's last (r stepped, the loop end compared, a1 saturated, the branch) */
#define MF_DW_QC7_REST(I, A0, A1, A2, T) \
    "smlatb %[a3], %[B], %[P], " T "\n\tldr " T ", [%[r], #8*" I "+8]\n\t" \
    "smlabt %[a2], " T ", %[Q], %[a2]\n\tldr %[P], [%[k], #8]\n\t" \
    "smlad %[a3], " T ", %[Q], %[a3]\n\tldr %[B], [%[r], #8*" I "+%c[w]+4]\n\t" \
    "smlad %[a0], " A1 ", %[P], %[a0]\n\tldr %[Q], [%[k], #12]\n\t" \
    "smlatb %[a1], " A1 ", %[P], %[a1]\n\tldr " A1 ", [%[r], #8*" I "+2*%c[w]+8]\n\t" \
    "smlad %[a2], %[B], %[P], %[a2]\n\tldr " A0 ", [%[r], #8*" I "+%c[w]+8]\n\t" \
    "smlatb %[a3], %[B], %[P], %[a3]\n\tldr %[P], [%[k], #16]\n\t" \
    "smlabt %[a0], %[B], %[Q], %[a0]\n\t" \
    "smlad %[a1], %[B], %[Q], %[a1]\n\tldr %[B], [%[r], #8*" I "+2*%c[w]+4]\n\t" \
    "smlabt %[a2], " A0 ", %[Q], %[a2]\n\t" \
    "smlad %[a3], " A0 ", %[Q], %[a3]\n\tldr %[Q], [%[k], #20]\n\t" \
    "smlad %[a0], " A2 ", %[P], %[a0]\n\t" \
    "smlatb %[a1], " A2 ", %[P], %[a1]\n\tldr " A2 ", [%[k], #28]\n\t" \
    "smlad %[a2], %[B], %[P], %[a2]\n\t" \
    "smlatb %[a3], %[B], %[P], %[a3]\n\t.if mf_qc7_e != 1\n\tldr %[P], [%[k], #0]\n\t.endif\n\t" \
    "smlabt %[a0], %[B], %[Q], %[a0]\n\t" \
    "smlad %[a1], %[B], %[Q], %[a1]\n\tldr %[B], [%[k], #32]\n\t" \
    "smmla %[a0], %[a0], " A2 ", %[B]\n\t.if mf_qc7_e == 2\n\tadd %[r], %[r], #32\n\t.endif\n\t" \
    "smlabt %[a2], " A1 ", %[Q], %[a2]\n\t" MF_DW_QC7_SSAT("%[a0]") \
    "smmla %[a1], %[a1], " A2 ", %[B]\n\t" MF_DW_QC7_ST0 \
    "smlad %[a3], " A1 ", %[Q], %[a3]\n\t.if mf_qc7_e == 2\n\tldr %[a0], %[mend]\n\t.else\n\t" MF_DW_QC7_SSAT("%[a1]") ".endif\n\t" \
    "smmla %[a2], %[a2], " A2 ", %[B]\n\t.if mf_qc7_e == 2\n\tcmp %[r], %[a0]\n\t.elseif mf_qc7_e == 1\n\t" MF_DW_QC7_ST1 ".endif\n\t" \
    "smmla %[a3], %[a3], " A2 ", %[B]\n\t" \
    ".if mf_qc7_e == 0\n\tldr %[Q], [%[k], #4]\n\tldr " A2 ", [%[k], #24]\n\tldr %[B], [%[r], #8*" I "+12]\n\t" \
    ".elseif mf_qc7_e == 1\n\t" MF_DW_QC7_SSAT("%[a2]") MF_DW_QC7_ST2 MF_DW_QC7_SSAT("%[a3]") MF_DW_QC7_ST3 \
    ".else\n\t" MF_DW_QC7_SSAT("%[a1]") "ldr %[Q], [%[k], #4]\n\tldr " A2 ", [%[k], #24]\n\tldr %[B], [%[r], #4]\n\tbne 1b\n\t" \
    ".endif\n\t"
#define MF_DW_QC7_HEAD_(...) MF_DW_QC7_HEAD(__VA_ARGS__)
#define MF_DW_QC7_REST_(...) MF_DW_QC7_REST(__VA_ARGS__)
/* roles (A0, A1, A2, T) of block I mod 4: y0..y3 rotated one place a block, as MF_DW_QC_Y0 .. _Y3 */
#define MF_DW_QC7_R0 "%[y0]", "%[y1]", "%[y2]", "%[y3]"
#define MF_DW_QC7_R1 "%[y3]", "%[y0]", "%[y1]", "%[y2]"
#define MF_DW_QC7_R2 "%[y2]", "%[y3]", "%[y0]", "%[y1]"
#define MF_DW_QC7_R3 "%[y1]", "%[y2]", "%[y3]", "%[y0]"
/* an unrolled block I (roles R: A0, A1, A2, T; A0 and T again apart for the head) of nu, after nl loop iterations */
#define MF_DW_QC7_UBLOCK(I, R, A0, A1, A2, T) \
    ".if %c[nu] > " I "\n\t.if %c[nu] == " I " + 1\n\t.set mf_qc7_e, 1\n\t.else\n\t.set mf_qc7_e, 0\n\t.endif\n\t" \
    ".if " I " == 0 && %c[nl] == 0\n\t" MF_DW_QC7_HEAD_(A0, T, MF_DW_QC7_FIRST(I, A1, A2)) \
    ".else\n\t" MF_DW_QC7_HEAD_(A0, T, MF_DW_QC7_PREV) ".endif\n\t" \
    MF_DW_QC7_REST_(I, R) ".endif\n\t"
#define MF_DW_QC7_LOAD0 \
    "ldr %[y0], [%[r], #0]\n\tldr %[P], [%[k], #0]\n\tldr %[y3], [%[k], #24]\n\tldr %[B], [%[r], #4]\n\t"
#define MF_DW_QC7_UNROLLED \
    MF_DW_QC7_UBLOCK("0", MF_DW_QC7_R0, "%[y0]", "%[y1]", "%[y2]", "%[y3]") \
    MF_DW_QC7_UBLOCK("1", MF_DW_QC7_R1, "%[y3]", "%[y0]", "%[y1]", "%[y2]") \
    MF_DW_QC7_UBLOCK("2", MF_DW_QC7_R2, "%[y2]", "%[y3]", "%[y0]", "%[y1]") \
    MF_DW_QC7_UBLOCK("3", MF_DW_QC7_R3, "%[y1]", "%[y2]", "%[y3]", "%[y0]") \
    MF_DW_QC7_UBLOCK("4", MF_DW_QC7_R0, "%[y0]", "%[y1]", "%[y2]", "%[y3]") \
    MF_DW_QC7_UBLOCK("5", MF_DW_QC7_R1, "%[y3]", "%[y0]", "%[y1]", "%[y2]") \
    ".if %c[nu] > 6\n\t.error \"mf_dw_rows_quads_carried7: more than 6 blocks\"\n\t.endif\n\t"
/* nl iterations of 4 blocks: the first block's head once without stores (its Q, A1 and A2 loaded beside it), then the
 * loop entered past the head that stores the previous block's outputs */
#define MF_DW_QC7_LOOP \
    MF_DW_QC7_LOAD0 \
    MF_DW_QC7_HEAD_("%[y0]", "%[y3]", MF_DW_QC7_FIRST("0", "%[y1]", "%[y2]")) "b 2f\n\t" \
    "1:\n\t" MF_DW_QC7_HEAD_("%[y0]", "%[y3]", MF_DW_QC7_PREV) "2:\n\t" \
    ".set mf_qc7_e, 0\n\t" MF_DW_QC7_REST_("0", MF_DW_QC7_R0) \
    MF_DW_QC7_HEAD_("%[y3]", "%[y2]", MF_DW_QC7_PREV) MF_DW_QC7_REST_("1", MF_DW_QC7_R1) \
    MF_DW_QC7_HEAD_("%[y2]", "%[y1]", MF_DW_QC7_PREV) MF_DW_QC7_REST_("2", MF_DW_QC7_R2) \
    ".set mf_qc7_e, 2\n\t" MF_DW_QC7_HEAD_("%[y1]", "%[y0]", MF_DW_QC7_PREV) MF_DW_QC7_REST_("3", MF_DW_QC7_R3) \
    ".if %c[nu] == 0\n\t" MF_DW_QC7_ST1 MF_DW_QC7_SSAT("%[a2]") MF_DW_QC7_ST2 MF_DW_QC7_SSAT("%[a3]") MF_DW_QC7_ST3 \
    ".endif\n\t"
#define MF_DW_QC7_OUT \
          [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [y0] "=&r"(y0), [y1] "=&r"(y1), \
          [y2] "=&r"(y2), [y3] "=&r"(y3), [B] "=&r"(B), [P] "=&r"(P), [Q] "=&r"(Q), [out] "+r"(out)
#define MF_DW_QC7_IN \
          [k] "r"(k), [w] "i"(2 * WP), [c1] "i"(C), [c2] "i"(2 * C), [c3] "i"(3 * C), [c4] "i"(4 * C), \
          [ush] "i"(ush), [nu] "i"(nu), [nl] "i"(nl)
MF_KERNEL void mf_dw_rows_quads_carried7(const int32_t *k, const int32_t **rp, int8_t **outp, const int32_t WP,
                                         const int32_t C, const int32_t ush, const int32_t nl, const int32_t nu)
{
    int8_t *out = *outp;
    const int32_t *r = *rp;
    int32_t a0, a1, a2, a3, y0, y1, y2, y3, B, P, Q;
    if (nl) {
        const int32_t *const end = r + 8 * nl;   /* (a stack slot: the asm takes every register) */
        __asm__ volatile("@ mf_dw_rows_run unrolled %c[nu] looped 4 carried7\n\t"   /* (for tests reading gcc -S) */
                         MF_DW_QC7_LOOP MF_DW_QC7_UNROLLED : MF_DW_QC7_OUT, [r] "+r"(r) : MF_DW_QC7_IN, [mend] "m"(end)
                         : "cc", "memory");
    } else {
        __asm__ volatile("@ mf_dw_rows_run unrolled %c[nu] looped 0 carried7\n\t"
                         MF_DW_QC7_LOAD0 MF_DW_QC7_UNROLLED : MF_DW_QC7_OUT
                         : MF_DW_QC7_IN, [r] "r"(r), [mend] "m"(*k)   /* (mend: named in the loop's text, not emitted) */
                         : "memory");
    }
    *rp = r;
    *outp = out;
}
#undef MF_DW_QC7_SSAT
#undef MF_DW_QC7_ST0
#undef MF_DW_QC7_ST1
#undef MF_DW_QC7_ST2
#undef MF_DW_QC7_ST3
#undef MF_DW_QC7_HEAD
#undef MF_DW_QC7_HEAD_
#undef MF_DW_QC7_PREV
#undef MF_DW_QC7_FIRST
#undef MF_DW_QC7_REST
#undef MF_DW_QC7_REST_
#undef MF_DW_QC7_R0
#undef MF_DW_QC7_R1
#undef MF_DW_QC7_R2
#undef MF_DW_QC7_R3
#undef MF_DW_QC7_UBLOCK
#undef MF_DW_QC7_LOAD0
#undef MF_DW_QC7_UNROLLED
#undef MF_DW_QC7_LOOP
#undef MF_DW_QC7_OUT
#undef MF_DW_QC7_IN
#endif

/* The stride_w 1 assembly described above (stride_w 2: mf_dw_rows2_channel) on one channel's output row: *rp at the
 * channel's planes, *outp at its first output; both are left moved by MF_DW_ROWS_ADV_R / _O (the caller steps
 * them on to the next channel, so no copy of them lives across the assembly). */
MF_KERNEL void mf_dw_rows_run(const mf_depthwise_conv2d_params_t *p, const int32_t **rp, const int32_t *k, int8_t **outp)
{
    const int32_t C = p->in_c, WP = p->wp, OW = p->out_w;
    const int32_t quads = OW >> 2;
    if (p->stride_w == 2) {
        mf_dw_rows2_channel(p, rp, k, outp);
        return;
    }
    const int32_t *r = *rp;
    int8_t *out = *outp;
    if (p->act_min > -128 || p->act_max < 127 || 5 * C > 4095 || 4 * WP + 12 > 4095) {
        mf_dw_rows_channel_c(p, (const int16_t *)r, k, out, 0);
        *rp = r + MF_DW_ROWS_ADV_R(p);
        *outp = out + MF_DW_ROWS_ADV_O(p);
        return;
    }
    int32_t a0, a1, a2, a3, A, B, Cw, P, Q;
    /* the row's last outputs in one block: out_w % 4 == 1 or 2 (after a 4-output block): that block and the 1 or 2
     * outputs after it (mf_dw_rows_five, _six); out_w % 4 == 3: three (mf_dw_rows_three) */
    const int32_t tail = OW & 3, merged = quads && (tail == 1 || tail == 2);
    if (quads - merged) {
        const int32_t *end = r + 2 * (quads - merged);
        /* M4/M33: a run of at most MF_DW_QUADS_UNROLL blocks (kws's columns: 5) is unrolled (.rept, no CMP/BNE: 4
         * cycles a block less; the M7 likewise); longer runs loop, nb blocks an iteration. */
        const int32_t nq = quads - merged;
        /* longer runs loop over MF_DW_QUADS_LOOP blocks an iteration when the run divides by it (else 3, 2, 1) */
        const int32_t nu = nq <= MF_DW_QUADS_UNROLL ? nq : 0;
        const int32_t nb = nu ? 0 : nq % MF_DW_QUADS_LOOP == 0 ? MF_DW_QUADS_LOOP : nq % 3 == 0 ? 3 : nq % 2 == 0 ? 2 : 1;
#if !defined(MF_TARGET_M7)
        /* M4/M33: runs of 2 or more blocks carry their data words from block to block (mf_dw_rows_quads_carried):
         * at most MF_DW_QUADS_UNROLL unrolled, longer ones looped 4 blocks an iteration and the rest unrolled */
        const int32_t nl = nu ? 0 : nq >> 2, nr = nu ? nu : nq & 3;
        if (nq >= 2 && 4 * WP + 8 * (nl ? 4 : nr) + 8 <= 4095) {
            mf_dw_rows_quads_carried(k, &r, &out, WP, C, MF_NEG_CLAMPED(p->act_min, p->out_offset), p->ush, nl, nr);
            r += 2 * nr;
        } else
#else
        /* M7: runs of 2 or more blocks with the layer's shift carry their data words (mf_dw_rows_quads_carried7) */
        const int32_t nl = nu ? 0 : nq >> 2, nr = nu ? nu : nq & 3;
        if (p->ush && nq >= 2 && 2 * C <= 255 && 4 * WP + 8 * (nl ? 4 : nr) + 16 <= 4095) {
            mf_dw_rows_quads_carried7(k, &r, &out, WP, C, p->ush, nl, nr);
            r += 2 * nr;
        } else
#endif
        __asm__ volatile(
#if defined(MF_TARGET_M7)
            /* (the counts and the layer's shift, for tests reading gcc -S: unrolled 2+ with a shift: MF_DW_ROWS_HELD7) */
            "@ mf_dw_rows_run unrolled %c[nu] looped %c[nb] ush %c[ush]\n\t"
            MF_DW_ROWS_BIAS7
            ".if %c[nu] > 1 && %c[ush]\n\tldr %[end], [%[k], #32]\n\t.set mf_dw_q, %c[nu]\n\t.rept %c[nu]\n\t"
            MF_DW_ROWS_HELD7_ST
            ".set mf_dw_q, mf_dw_q - 1\n\t.endr\n\t.else\n\t"
            ".if %c[nu] == 0\n1:\n\t.endif\n\t.set mf_dw_q, %c[nu] + %c[nb] - !%c[nu]\n\t.rept %c[nu] + %c[nb]\n\t"
            MF_DW_ROWS_ROW0_M7
            MF_DW_ROWS_ROW_M7("%[a0]", "%[a1]", "%[a2]", "%[a3]", "ldr %[A], [%[r], %[v0]]\n\t", "ldr %[P], [%[k], #16]\n\t",
                              "ldr %[B], [%[r], %[v4]]\n\t", "ldr %[C], [%[r], %[v8]]\n\tldr %[Q], [%[k], #20]\n\t")
            ".if %c[ush]\n\t"
            MF_DW_ROWS_ROW2_ST_M7(MF_DW_ROWS_ROW2_RQU_M7)
            ".elseif %c[ncl]\n\t"
            MF_DW_ROWS_ROW2_ST_M7(MF_DW_ROWS_ROW2_RQ_M7)
            ".else\n\t"
            MF_DW_ROWS_ROW_M7("%[a0]", "%[a1]", "%[a2]", "%[a3]", "", "ldr %[P], [%[k], #36]\n\t", "",
                              "ldr %[Q], [%[k], #28]\n\tldr %[C], [%[k], #32]\n\t")
            MF_DW_ROWS_RQ4_STEP("%[a0]", "%[a1]", "%[a2]", "%[a3]")
            MF_DW_ROWS_BIAS7 MF_DW_ROWS_CMP7 MF_DW_ROWS_BNE7
            ".endif\n\t"
            ".set mf_dw_q, mf_dw_q - 1\n\t.endr\n\t.endif"
#else
            /* the run's last load steps r to the next block (pre-indexed: no later load of the run loses its
             * pipelining), so the rows below read 8 bytes back */
            "@ mf_dw_rows_run unrolled %c[nu] looped %c[nb]\n\t"   /* (the counts, for tests reading gcc -S) */
            ".if %c[nu] == 0\n1:\n\t.endif\n\t.rept %c[nu] + %c[nb]\n\t"   /* nu blocks unrolled, or nb looped */
            "ldr %[a3], [%[k], #24]\n\tldr %[A], [%[r]]\n\tldr %[B], [%[r], #4]\n\t"
            "ldr %[P], [%[k], #0]\n\tldr %[Q], [%[k], #4]\n\tldr %[C], [%[r], #8]!\n\t"
            "smlad %[a0], %[A], %[P], %[a3]\n\tsmlabt %[a0], %[B], %[Q], %[a0]\n\t"
            "smlatb %[a1], %[A], %[P], %[a3]\n\tsmlad %[a1], %[B], %[Q], %[a1]\n\t"
            "smlad %[a2], %[B], %[P], %[a3]\n\tsmlabt %[a2], %[C], %[Q], %[a2]\n\t"
            "smlatb %[a3], %[B], %[P], %[a3]\n\tsmlad %[a3], %[C], %[Q], %[a3]\n\t"
            MF_DW_ROWS_ROW("%[w0]", "%[w4]", "%[w8]", "[%[k], #8]", "[%[k], #12]")
            MF_DW_ROWS_ROW("%[v0]", "%[v4]", "%[v8]", "[%[k], #16]", "[%[k], #20]")
            ".if %c[ush]\n\t"
            "ldr %[Q], [%[k], #28]\n\tldr %[C], [%[k], #32]\n\t"
            MF_DW_ROWS_RQU4_STEP("%[a0]", "%[a1]", "%[a2]", "%[a3]")
            ".else\n\t"
            "ldr %[P], [%[k], #36]\n\tldr %[Q], [%[k], #28]\n\tldr %[C], [%[k], #32]\n\t"
            MF_DW_ROWS_RQ4_STEP("%[a0]", "%[a1]", "%[a2]", "%[a3]")
            ".endif\n\t"
            ".endr\n\t.if %c[nu] == 0\n\tcmp %[r], %[end]\n\tbne 1b\n\t.endif"
#endif
            : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [A] "=&r"(A), [B] "=&r"(B), [C] "=&r"(Cw),
              [P] "=&r"(P), [Q] "=&r"(Q), [r] "+r"(r), [out] "+r"(out)
#if defined(MF_TARGET_M7)
              , [end] "+r"(end)   /* rnd in an unrolled run (MF_DW_ROWS_HELD7) */
            : [k] "r"(k),
#else
            : [k] "r"(k), [end] "r"(end),
#endif
              [w0] "i"(2 * WP - 8), [w4] "i"(2 * WP - 4), [w8] "i"(2 * WP),
              [v0] "i"(4 * WP - 8), [v4] "i"(4 * WP - 4), [v8] "i"(4 * WP),
              [c1] "i"(C), [c2] "i"(2 * C), [c3] "i"(3 * C), [c4] "i"(4 * C), MF_DW_NCL(p->act_min, p->out_offset),
              [ush] "i"(p->ush), [nu] "i"(nu), [nb] "i"(nb)
            : "cc", "memory");
    }
    if (merged && tail == 1) {
#if defined(MF_TARGET_M7)
        if (!p->ush && MF_NEG_CLAMPED(p->act_min, p->out_offset))
            mf_dw_rows_five7(k, r, out, WP, C);
        else
#endif
        mf_dw_rows_five(k, r, out, WP, C, MF_NEG_CLAMPED(p->act_min, p->out_offset), p->ush);
        r += 2;
        out += 4 * C;
    } else if (merged) {
#if defined(MF_TARGET_M7)
        if (p->ush)
            mf_dw_rows_six7(k, r, out, WP, C, p->ush);
        else if (MF_NEG_CLAMPED(p->act_min, p->out_offset))
            mf_dw_rows_six7n(k, r, out, WP, C);
        else
#endif
        mf_dw_rows_six(k, r, out, WP, C, MF_NEG_CLAMPED(p->act_min, p->out_offset), p->ush);
        r += 3;
        out += 6 * C;
    } else if (tail == 3) {
        mf_dw_rows_three(k, r, out, WP, C, MF_NEG_CLAMPED(p->act_min, p->out_offset), p->ush);
        r += 1;
        out += 2 * C;
    } else if (tail == 2) {   /* out_w 2: two outputs x, x+1 from A, B of each row: the quads' first half */
        __asm__ volatile(
            "ldr %[a1], [%[k], #24]\n\tldr %[A], [%[r]]\n\tldr %[B], [%[r], #4]\n\t"
            "ldr %[P], [%[k], #0]\n\tldr %[Q], [%[k], #4]\n\t"
            "smlad %[a0], %[A], %[P], %[a1]\n\tsmlabt %[a0], %[B], %[Q], %[a0]\n\t"
            "smlatb %[a1], %[A], %[P], %[a1]\n\tsmlad %[a1], %[B], %[Q], %[a1]\n\t"
            MF_DW_ROWS_ROW2("%[w0]", "%[w4]", "[%[k], #8]", "[%[k], #12]")
            MF_DW_ROWS_ROW2("%[v0]", "%[v4]", "[%[k], #16]", "[%[k], #20]")
            MF_DW_ROWS_LDRQ("%[P]", "%[Q]", "%[C]") MF_DW_ROWS_RQS("%[a0]", "%[a1]", "#0", "%[c1]")
            : [a0] "=&r"(a0), [a1] "=&r"(a1), [A] "=&r"(A), [B] "=&r"(B), [C] "=&r"(Cw), [P] "=&r"(P), [Q] "=&r"(Q)
            : [k] "r"(k), [r] "r"(r), [out] "r"(out),
              [w0] "i"(2 * WP), [w4] "i"(2 * WP + 4), [v0] "i"(4 * WP), [v4] "i"(4 * WP + 4), [c1] "i"(C), MF_DW_NCL(p->act_min, p->out_offset),
              [ush] "i"(p->ush)
            : "memory");
        r += 1;
        out += 2 * C;
    } else if (tail == 1)     /* out_w 1: the output x from A, B of each row: out_x += SMLAD(A, P) + SMLABT(B, Q) */
        mf_dw_rows_one(k, r, out, WP, MF_NEG_CLAMPED(p->act_min, p->out_offset), p->ush);
    *rp = r;
    *outp = out;
}

/* One channel's output row from its planes at s into out (stride out_w * in_c), for the staged order. */
MF_KERNEL void mf_dw_rows_channel(const mf_depthwise_conv2d_params_t *p, const int16_t *s, const int32_t *k, int8_t *out)
{
    const int32_t *r = (const int32_t *)s;
    mf_dw_rows_run(p, &r, k, &out);
}
#undef MF_DW_ROWS_ROW
#undef MF_DW_ROWS_ROW2
#undef MF_DW_ROWS_RQ
#undef MF_DW_ROWS_RQ_PI
#undef MF_DW_ROWS_RQ4_STEP
#undef MF_DW_ROWS_ROW_M7
#undef MF_DW_ROWS_ROW0_M7
#undef MF_DW_ROWS_BIAS7
#undef MF_DW_ROWS_ROW2_RQ_M7
#undef MF_DW_ROWS_ROW2_RQU_M7
#undef MF_DW_ROWS_ROW2_ST_M7
#undef MF_DW_ROWS_HELD7
#undef MF_DW_ROWS_HELD7_ST
#undef MF_DW_ROWS_CMP7
#undef MF_DW_ROWS_BNE7
#undef MF_DW_ROWS_RQU
#undef MF_DW_ROWS_RQU4_STEP
#undef MF_DW_ROWS_RQS
#undef MF_DW_ROWS_RQO
#undef MF_DW_ROWS_LDE
#undef MF_DW_ROWS_LDRQ
#undef MF_DW_ROWS_STEP4

/* One group's stack constants from its MF_DW_ROWS_GW flash words (ops/depthwise_conv2d.py _rows_layout): per kernel row r
 * the int8 words Z = (w_r0 c0..c3), X01 = (w_r1 c0, w_r1 c1, w_r2 c0, w_r2 c1), X23 (the same for c2, c3).
 * SXTB16 (plain / ror #8) of X01 and X23 gives each channel's Q = (w_r1, w_r2), of Z the lanes (w_r0 c0, c2) and
 * (c1, c3), SADD16 doubles them, ROR 16 brings c2 and c3 to the low half, PKHBT joins w_r0 (low) and Q's low half
 * into P = (2w_r0, 2w_r1). kb gets, for each of nrot rotations rho, per channel j the ten words mf_dw_rows_run
 * reads (kb + 40 * rho + 10 * j): the weight pairs of the planes' rows 0, 1, 2 (plane row s holding kernel row
 * (s - rho) mod 3: the ring of mf_dw_rows' direct mode), then the four requantisation words 2*bias, m, rnd, e
 * copied, or (compact, MF_DW_ROWS_GWC words) 2*bias and m copied, e read as a byte and rnd = 2^(e-1) + zp * 2^e. */
#define mf_dw_rows_weights(g, kb, nrot) mf_dw_rows_build(g, kb, nrot, 0, 0, 0)
/* ush (p->ush = E, the layer's one shift, MF_DW_ROWS_RQU): the word after m holds k = E - e + 1 instead of e (the byte of
 * the compact group likewise), 2*bias is 2^k * bias, and the doubled weights are scaled by 2^(k-1) here, so the sums
 * are 2^k * acc; rnd' = 2^(E-1) + zp * 2^E + 2^(k-2) (computed for the compact group, stored otherwise). Each channel's
 * words scaled as they are built (mf_dw_scale16: SMULBB, SMULTB, PKHBT; kws's 25x5x64 column layers on the M4: a
 * separate loop over the stored words cost about 2.5K cycles a layer more). */
/* A channel's two words P, Q (int16 pairs) times f = *fp (loaded here: no register holds it across the rows) */
#define mf_dw_scale16(P, Q, fp) do { \
        int32_t l_, h_, f_; \
        __asm__("ldr %[f], %[fm]\n\t" \
                "smulbb %[l], %[p], %[f]\n\tsmultb %[h], %[p], %[f]\n\tpkhbt %[p], %[l], %[h], lsl #16\n\t" \
                "smulbb %[l], %[q], %[f]\n\tsmultb %[h], %[q], %[f]\n\tpkhbt %[q], %[l], %[h], lsl #16" \
                : [p] "+r"(P), [q] "+r"(Q), [l] "=&r"(l_), [h] "=&r"(h_), [f] "=&r"(f_) : [fm] "m"(*(fp))); \
    } while (0)
/* A group's four requantisation words a channel (mf_dw_rows_build). */
MF_KERNEL void mf_dw_rows_consts(const int32_t *g, int32_t *kb, int32_t compact, int32_t zp, int32_t ush)
{
    if (compact) {        /* a loop: unrolled, every layer's code would grow more than the once-a-group build saves */
        for (int32_t j = 0; j < 4; ++j) {
            const int32_t e = ((const uint8_t *)(g + 17))[j];
            kb[10 * j + 6] = g[9 + j];
            kb[10 * j + 7] = g[13 + j];
            kb[10 * j + 8] = ush ? (1 << (ush - 1)) + zp * (1 << ush) + (1 << (e - 2)) : (1 << (e - 1)) + zp * (1 << e);
            kb[10 * j + 9] = e;
        }
    } else {
#if !defined(MF_TARGET_M7)
        /* the M4/M33: each channel's four words by LDR (back to back) and STR at immediate offsets, 9 cycles a channel;
         * GCC's LDM/STM pairs (13) took their addresses from stack slots set up beside the group's weight loads (vww's
         * 6x6x128 layers -0.2K cycles each, MobileNetV2's 5x5 and 3x3 layers -0.3K to -1.4K; the weight rows likewise,
         * mf_dw_rows_build_row4) */
        int32_t a, b, c, d;
#define MF_DW_CONSTS_COPY(J) \
        "ldr %[a], [%[g], #36 + 16 * " #J "]\n\tldr %[b], [%[g], #40 + 16 * " #J "]\n\t" \
        "ldr %[c], [%[g], #44 + 16 * " #J "]\n\tldr %[d], [%[g], #48 + 16 * " #J "]\n\t" \
        "str %[a], [%[kb], #24 + 40 * " #J "]\n\tstr %[b], [%[kb], #28 + 40 * " #J "]\n\t" \
        "str %[c], [%[kb], #32 + 40 * " #J "]\n\tstr %[d], [%[kb], #36 + 40 * " #J "]\n\t"
        __asm__ volatile("@ mf_dw_rows_consts4\n\t"   /* (for tests reading gcc -S) */
                         MF_DW_CONSTS_COPY(0) MF_DW_CONSTS_COPY(1) MF_DW_CONSTS_COPY(2) MF_DW_CONSTS_COPY(3)
                         : [a] "=&r"(a), [b] "=&r"(b), [c] "=&r"(c), [d] "=&r"(d)
                         : [g] "r"(g), [kb] "r"(kb)
                         : "memory");
#undef MF_DW_CONSTS_COPY
#else
#pragma GCC unroll 4
        for (int32_t j = 0; j < 4; ++j)
            memcpy(kb + 10 * j + 6, g + 9 + 4 * j, 16);
#endif
    }
}
/* Kernel row r of a group's words (mf_dw_rows_build): its doubled int16 pairs P_r, Q_r for the four channels, scaled
 * by 2^(k-1) with the layer's one shift. */
MF_KERNEL void mf_dw_rows_build_row(const int32_t *g, int32_t *kb, int32_t r, int32_t ush)
{
    const int32_t z = g[3 * r], x01 = g[3 * r + 1], x23 = g[3 * r + 2];
    int32_t e02, e13, e20, e31, q0, q1, q2, q3;
    __asm__("sxtb16 %[e02], %[z]\n\tsxtb16 %[e13], %[z], ror #8\n\t"
            "sxtb16 %[q0], %[x01]\n\tsxtb16 %[q1], %[x01], ror #8\n\t"
            "sxtb16 %[q2], %[x23]\n\tsxtb16 %[q3], %[x23], ror #8\n\t"
            "sadd16 %[e02], %[e02], %[e02]\n\tsadd16 %[e13], %[e13], %[e13]\n\t"
            "sadd16 %[q0], %[q0], %[q0]\n\tsadd16 %[q1], %[q1], %[q1]\n\t"
            "sadd16 %[q2], %[q2], %[q2]\n\tsadd16 %[q3], %[q3], %[q3]\n\t"
            "ror %[e20], %[e02], #16\n\tror %[e31], %[e13], #16\n\t"
            "pkhbt %[e02], %[e02], %[q0], lsl #16\n\tpkhbt %[e13], %[e13], %[q1], lsl #16\n\t"
            "pkhbt %[e20], %[e20], %[q2], lsl #16\n\tpkhbt %[e31], %[e31], %[q3], lsl #16"
            : [e02] "=&r"(e02), [e13] "=&r"(e13), [e20] "=&r"(e20), [e31] "=&r"(e31),
              [q0] "=&r"(q0), [q1] "=&r"(q1), [q2] "=&r"(q2), [q3] "=&r"(q3)
            : [z] "r"(z), [x01] "r"(x01), [x23] "r"(x23));
    if (ush) {
        mf_dw_scale16(e02, q0, kb + 9);
        mf_dw_scale16(e13, q1, kb + 19);
        mf_dw_scale16(e20, q2, kb + 29);
        mf_dw_scale16(e31, q3, kb + 39);
    }
    kb[2 * r] = e02; kb[2 * r + 1] = q0;
    kb[10 + 2 * r] = e13; kb[11 + 2 * r] = q1;
    kb[20 + 2 * r] = e20; kb[21 + 2 * r] = q2;
    kb[30 + 2 * r] = e31; kb[31 + 2 * r] = q3;
}
#if !defined(MF_TARGET_M7)
/* Kernel row r of a group's words as mf_dw_rows_build_row, on the M4/M33 for the 25-word groups without the shift
 * (mf_dw_rows_build_ex): the row's three words loaded back to back and its eight words stored by STR in one asm, where
 * GCC loaded the group's nine words at once into registers and stack slots (reloaded a row) and stored the pairs by
 * STRD, 3 cycles a pair on an M4 where two STRs take 2 (vww's 6x6x128 layers -0.6K cycles each, MobileNetV2's 5x5 and
 * 3x3 layers -0.75K to -1.45K; the ring's compact groups keep the C rows: vww's 3x3x128 stride-2 layer +0.15K with them) */
MF_KERNEL void mf_dw_rows_build_row4(const int32_t *g, int32_t *kb, int32_t r)
{
    int32_t a, b, c, e02, q0, q2, e20, e31;
    __asm__ volatile("@ mf_dw_rows_build_row4\n\t"   /* (for tests reading gcc -S) */
                     "ldr %[a], [%[g], #%c[o]]\n\tldr %[b], [%[g], #%c[o] + 4]\n\tldr %[c], [%[g], #%c[o] + 8]\n\t"
                     "sxtb16 %[e02], %[a]\n\tsxtb16 %[a], %[a], ror #8\n\t"       /* a: e13 */
                     "sxtb16 %[q0], %[b]\n\tsxtb16 %[b], %[b], ror #8\n\t"         /* b: q1 */
                     "sxtb16 %[q2], %[c]\n\tsxtb16 %[c], %[c], ror #8\n\t"         /* c: q3 */
                     "sadd16 %[e02], %[e02], %[e02]\n\tsadd16 %[a], %[a], %[a]\n\t"
                     "sadd16 %[q0], %[q0], %[q0]\n\tsadd16 %[b], %[b], %[b]\n\t"
                     "sadd16 %[q2], %[q2], %[q2]\n\tsadd16 %[c], %[c], %[c]\n\t"
                     "ror %[e20], %[e02], #16\n\tror %[e31], %[a], #16\n\t"
                     "pkhbt %[e02], %[e02], %[q0], lsl #16\n\tpkhbt %[a], %[a], %[b], lsl #16\n\t"
                     "pkhbt %[e20], %[e20], %[q2], lsl #16\n\tpkhbt %[e31], %[e31], %[c], lsl #16\n\t"
                     "str %[e02], [%[kb], #%c[k]]\n\tstr %[q0], [%[kb], #%c[k] + 4]\n\t"
                     "str %[a], [%[kb], #%c[k] + 40]\n\tstr %[b], [%[kb], #%c[k] + 44]\n\t"
                     "str %[e20], [%[kb], #%c[k] + 80]\n\tstr %[q2], [%[kb], #%c[k] + 84]\n\t"
                     "str %[e31], [%[kb], #%c[k] + 120]\n\tstr %[c], [%[kb], #%c[k] + 124]"
                     : [a] "=&r"(a), [b] "=&r"(b), [c] "=&r"(c), [e02] "=&r"(e02), [q0] "=&r"(q0), [q2] "=&r"(q2),
                       [e20] "=&r"(e20), [e31] "=&r"(e31)
                     : [g] "r"(g), [kb] "r"(kb), [o] "i"(12 * r), [k] "i"(8 * r)
                     : "memory");
}
#endif
/* rolled (M7, with the shift): the kernel rows in a loop, one copy of their 12 scalings (mf_dw_s2.h's layers: about
 * 200 bytes less code a layer's call for about 10 cycles a group; the stride-1 layers, which build a group's words
 * once an output row in their band calls, keep them unrolled) */
MF_KERNEL void mf_dw_rows_build_ex(const int32_t *g, int32_t *kb, int32_t nrot, int32_t compact, int32_t zp,
                                   int32_t ush, int32_t rolled)
{
    if (ush) {            /* the constants first, the word after rnd then 2^(k-1), the weights' scale (no kernel reads k) */
        mf_dw_rows_consts(g, kb, compact, zp, ush);
        for (int32_t j = 0; j < 4; ++j)
            kb[10 * j + 9] = 1 << (kb[10 * j + 9] - 1);
    }
#if defined(MF_TARGET_M7)
    if (ush && rolled) {
#pragma GCC unroll 1
        for (int32_t r = 0; r < 3; ++r)
            mf_dw_rows_build_row(g, kb, r, ush);
    } else
#else
    (void)rolled;
#endif
    {
#pragma GCC unroll 3
        for (int32_t r = 0; r < 3; ++r) {
#if !defined(MF_TARGET_M7)
            if (!ush && !compact) {
                mf_dw_rows_build_row4(g, kb, r);
                continue;
            }
#endif
            mf_dw_rows_build_row(g, kb, r, ush);
        }
    }
    if (!ush)             /* without ush after the weights (measured: MobileNetV2's 5x5 and 3x3 layers on the M7 1-3% faster) */
        mf_dw_rows_consts(g, kb, compact, zp, 0);
    /* rotations 1 and 2 (nrot 3), plane row s taking kernel row (s - rho) mod 3: copied from rotation 0 in a loop
     * (built once per group; unrolled stores would cost every layer's code more than they save; no unroll pragma:
     * -Os builds warn that it is ignored) */
    for (int32_t j = 0; j < (nrot > 1 ? 4 : 0); ++j) {
        const int32_t *k0 = kb + 10 * j;
        int32_t *k1 = kb + 40 + 10 * j, *k2 = kb + 80 + 10 * j;
        const int32_t p0 = k0[0], q0 = k0[1], p1 = k0[2], q1 = k0[3], p2 = k0[4], q2 = k0[5];
        k1[0] = p2; k1[1] = q2; k1[2] = p0; k1[3] = q0; k1[4] = p1; k1[5] = q1;
        k2[0] = p1; k2[1] = q1; k2[2] = p2; k2[3] = q2; k2[4] = p0; k2[5] = q0;
        memcpy(k1 + 6, k0 + 6, 16);
        memcpy(k2 + 6, k0 + 6, 16);
    }
}
MF_KERNEL void mf_dw_rows_build(const int32_t *g, int32_t *kb, int32_t nrot, int32_t compact, int32_t zp, int32_t ush)
{
    mf_dw_rows_build_ex(g, kb, nrot, compact, zp, ush, 0);
}

/* The direct ring at stride_h 1 for one group (channels c0..c0+nc-1, weights in kb, 3 rotations): input rows
 * -pad_top and 1 - pad_top widened into plane rows 0 and 1, then every output row oy widens the one new input row
 * oy + 2 - pad_top into plane row (oy + 2) % 3 and reads kernel row r in plane row (oy + r) % 3 (rotation oy % 3):
 * mf_dw_rows' general ring loop with its row bookkeeping done once (kws's 25x5x64 layers on the M4: 185.9K -> 180.3K
 * cycles). */
MF_KERNEL void mf_dw_rows_ring1(const mf_depthwise_conv2d_params_t *p, const int8_t *in_b, int8_t *o, int32_t c0,
                                int32_t nc, const int32_t *kb, int16_t *s)
{
    const int32_t C = p->in_c, WP = p->wp, PL = MF_DW_ROWS_NR(p) * WP, OWC = p->out_w * C;
    mf_dw_rows_widen(p, in_b, -p->pad_top, 2, c0, nc, s);
    const int32_t *kr = kb;     /* output row oy's rotation */
    int16_t *nw = s + 2 * WP;   /* the plane row of input row oy + 2 - pad_top */
    for (int32_t oy = 0; oy < p->out_h; ++oy, o += OWC) {
        mf_dw_rows_widen(p, in_b, oy + 2 - p->pad_top, 1, c0, nc, nw);
        const int32_t *k = kr, *const kend = kr + 10 * nc;
        const int32_t *r = (const int32_t *)s;
        int8_t *oc = o;
        for (; k < kend; k += 10) {
            mf_dw_rows_run(p, &r, k, &oc);
            r += PL / 2 - MF_DW_ROWS_ADV_R(p);
            oc += 1 - MF_DW_ROWS_ADV_O(p);
        }
        kr = kr == kb + 80 ? kb : kr + 40;
        nw = nw == s + 2 * WP ? s : nw + WP;
    }
}

/* The direct order with full planes (ops/depthwise_conv2d.py _rows_full: a plane row for every input row the layer
 * reads, input row -pad_top + i in plane row i) for one group (channels c0..c0+nc-1, weights in kb, one rotation): the
 * group's input rows widened at once (the rows outside the image only for the first group: the others find their zero
 * points still there), then channel by channel all its output rows, output row oy from plane rows oy * stride_h + 0, 1,
 * 2; no row bookkeeping between the blocks (vww's 6x6x128 layers, M4: 107.4K -> 92.8K cycles). The group's
 * input is read whole before any of its outputs is written, so _rows_direct's bound holds as for the row order. */
MF_KERNEL void mf_dw_rows_full(const mf_depthwise_conv2d_params_t *p, const int8_t *in_b, int8_t *o, int32_t c0,
                               int32_t nc, const int32_t *kb, int16_t *s)
{
    const int32_t WP = p->wp, NR = MF_DW_ROWS_NR(p), PL = NR * WP, OWC = p->out_w * p->in_c;
    if (c0 == 0) {
        mf_dw_rows_widen(p, in_b, -p->pad_top, NR, c0, nc, s);
    } else {
        const int32_t n = NR - p->pad_top < p->in_h ? NR - p->pad_top : p->in_h;
        mf_dw_rows_widen(p, in_b, 0, n, c0, nc, s + p->pad_top * WP);
    }
    const int32_t *const kend = kb + 10 * nc;
#if defined(MF_TARGET_M7)
    /* rows of out_w 3 without an activation clamp (MF_NEG_CLAMPED: in place), a few of them, their offsets in range:
     * mf_dw_rows_three7 */
    if (p->stride_w == 1 && p->out_w == 3 && p->act_min == -128 && p->act_max == 127 && p->out_offset == -128 &&
        p->out_h <= MF_DW_THREE7_ROWS && (p->out_h - 1) * 3 * p->in_c + 2 * p->in_c <= 4095 &&
        (p->out_h - 1) * 2 * WP * p->stride_h + 4 * WP + 8 <= 4095) {
        for (const int32_t *k = kb; k < kend; k += 10, s += PL, ++o)
            mf_dw_rows_three7(p, k, (const int32_t *)s, o);
        return;
    }
#else
    /* rows of out_w 3 without an activation clamp, their offsets in range: two rows a block (mf_dw_rows_three2), an odd
     * last row alone (mf_dw_rows_three) */
    if (p->stride_w == 1 && p->out_w == 3 && p->act_min == -128 && p->act_max == 127 && p->out_h > 1 &&
        5 * p->in_c <= 4095 && 2 * WP * p->stride_h + 4 * WP + 8 <= 4095) {
        const int32_t ncl = MF_NEG_CLAMPED(p->act_min, p->out_offset);
        for (const int32_t *k = kb; k < kend; k += 10, s += PL, ++o) {
            const int32_t *r = (const int32_t *)s;
            int8_t *oc = o;
            for (int32_t oy = 0; oy + 1 < p->out_h; oy += 2, r += p->stride_h * WP, oc += 2 * OWC)
                mf_dw_rows_three2(k, r, oc, WP, p->in_c, 2 * WP * p->stride_h, ncl, p->ush);
            if (p->out_h & 1)
                mf_dw_rows_three(k, r, oc, WP, p->in_c, ncl, p->ush);
        }
        return;
    }
#endif
#if defined(MF_TARGET_M7)
    /* rows of out_w 6 (one 6-output block each) without the layer's shift nor an activation clamp (MF_NEG_CLAMPED),
     * the offsets in range: the group's channels in one loop, each channel's rows in one loop, each row's end beside
     * the next row's start (mf_dw_rows_six7n_col; vww's 6x6x128 layers) */
    if (p->stride_w == 1 && p->out_w == 6 && !p->ush && p->act_min == -128 && p->act_max == 127 &&
        p->out_offset == -128 && p->stride_h <= 2 && 2 * WP * p->stride_h <= 255 && 6 * p->in_c <= 4095 &&
        (p->out_h - 1) * 6 * p->in_c - 1 <= 4095 && 2 * PL <= 4095 && 4 * WP + 12 <= 4095) {
        mf_dw_rows_six7n_col(kb, kend, (const int32_t *)s, o, WP, p->in_c, 2 * WP * p->stride_h, p->out_h, 2 * PL);
        return;
    }
#endif
    for (const int32_t *k = kb; k < kend; k += 10, s += PL, ++o) {
        const int32_t *r = (const int32_t *)s;
        int8_t *oc = o;
        for (int32_t oy = 0; oy < p->out_h; ++oy) {
            mf_dw_rows_run(p, &r, k, &oc);
            r += p->stride_h * WP / 2 - MF_DW_ROWS_ADV_R(p);
            oc += OWC - MF_DW_ROWS_ADV_O(p);
        }
    }
}

/* Two orders (the file comment): direct (p->direct): groups of 4 channels outermost, their planes a ring of three
 * input rows (input row -pad_top + i in plane row i mod 3), so each input row is widened once per group; output row
 * oy reads the plane rows holding input rows iy0 + 0, 1, 2 (iy0 = oy * stride_h - pad_top), i.e. kernel row r in
 * plane row (r + rho) mod 3 with rho the plane row of iy0: the weights of rotation rho (mf_dw_rows_weights) match
 * them; outputs written straight to `out`. Staged: band by band of p->band output rows; within a band, groups of 4 channels:
 * widen the input rows the band reads, then channel by channel the band's output rows, into a staging copy of the
 * band's output that is copied to `out` once the band has read all its input (so the output may overlap the input
 * up to the band's reads: ops/depthwise_conv2d.py _rows_lead). `s` holds 4 * MF_DW_ROWS_NR(p) * wp int16
 * (word aligned), then (staged) band * out_w * in_c bytes of staging. */
MF_KERNEL void mf_dw_rows(const mf_depthwise_conv2d_params_t *p, const int8_t *in, int8_t *out, int16_t *s)
{
    const int32_t C = p->in_c, WP = p->wp, PL = MF_DW_ROWS_NR(p) * WP, OWC = p->out_w * C;
    int8_t *const stage = (int8_t *)(s + 4 * PL);
    /* the padding columns of every plane row; mf_dw_rows_widen writes the rest of each row, rows outside the image
     * whole (a row pipeline calls this once a band: a whole fill cost 300 stores a call on vww's 48-wide rows) */
    for (int16_t *row = s; row < s + 4 * PL; row += WP) {
        for (int32_t u = 0; u < p->pad_left; ++u)
            row[u] = (int16_t)p->pad_value;
        for (int32_t u = p->pad_left + p->in_w; u < WP; ++u)
            row[u] = (int16_t)p->pad_value;
    }
    if (p->direct) {      /* groups outermost: each group's weights built once per call, outputs written directly */
        /* full planes (ops/depthwise_conv2d.py _rows_full: band = out_h): a plane row for every input row the layer
         * reads, input row -pad_top + i in plane row i, so no ring: one rotation of the weights, and the rows outside
         * the image, widened for the first group, keep their zero points for the others (mf_dw_rows_full) */
        const int32_t full = MF_DW_ROWS_NR(p) > 3;
        for (int32_t b = 0; b < p->batches; ++b) {
            const int8_t *in_b = in + b * p->in_h * p->in_w * C;
            int8_t *out_b = out + b * p->out_h * OWC;
            int32_t kb[120];   /* the current group's doubled weights and constants, 3 rotations (mf_dw_rows_weights) */
            for (int32_t c0 = 0; c0 < C; c0 += 4) {
                const int32_t nc = C - c0 < 4 ? C - c0 : 4;
                if (full) {   /* every input row the group reads widened first, then channel by channel its output rows */
                    /* one rotation: 40 words of stack, not kb's 120 (kb unused, so not in the frame: vww's 12x12x64
                     * layer 320 bytes less stack) */
                    int32_t kf[40];
                    mf_dw_rows_build(p->wr + MF_DW_DIRECT_GW(p, 1) * (c0 >> 2), kf, 1, MF_DW_DIRECT_COMPACT(p, 1),
                                     p->out_offset, p->ush);
                    mf_dw_rows_full(p, in_b, out_b + c0, c0, nc, kf, s);
                    continue;
                }
                /* the rotations the output rows use: one a call of one output row (a row pipeline's band) */
                mf_dw_rows_build(p->wr + MF_DW_DIRECT_GW(p, 0) * (c0 >> 2), kb, p->out_h < 3 ? p->out_h : 3,
                                 MF_DW_DIRECT_COMPACT(p, 0), p->out_offset, p->ush);
                if (p->stride_h == 1) {   /* the ring at stride_h 1: one new input row an output row */
                    mf_dw_rows_ring1(p, in_b, out_b + c0, c0, nc, kb, s);
                    continue;
                }
                int32_t next = -p->pad_top, slot = 0;  /* the first input row not yet in the ring, its plane row */
                for (int32_t oy = 0; oy < p->out_h; ++oy) {
                    const int32_t iy0 = oy * p->stride_h - p->pad_top;
                    for (; next < iy0 + 3; ++next, slot = slot == 2 ? 0 : slot + 1)
                        if (next >= iy0)
                            mf_dw_rows_widen(p, in_b, next, 1, c0, nc, s + slot * WP);
                    /* channel by channel; mf_dw_rows_run moves r and o along the row, brought to the next channel here */
                    const int32_t *k = kb + 40 * slot, *const kend = k + 10 * nc;   /* slot: the plane row of iy0 */
                    const int32_t *r = (const int32_t *)s;
                    int8_t *o = out_b + oy * OWC + c0;
                    for (; k < kend; k += 10) {
                        mf_dw_rows_run(p, &r, k, &o);
                        r += PL / 2 - MF_DW_ROWS_ADV_R(p);
                        o += 1 - MF_DW_ROWS_ADV_O(p);
                    }
                }
            }
        }
        return;
    }
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = in + b * p->in_h * p->in_w * C;
        int32_t kb[40];        /* the current group's doubled weights and constants (mf_dw_rows_weights) */
        for (int32_t oy = 0; oy < p->out_h; oy += p->band, out += p->band * OWC) {
            const int32_t iy0 = oy * p->stride_h - p->pad_top;
            const int32_t nb = p->out_h - oy < p->band ? p->out_h - oy : p->band;
            for (int32_t c0 = 0; c0 < C; c0 += 4) {
                const int32_t nc = C - c0 < 4 ? C - c0 : 4;
                mf_dw_rows_weights(p->wr + MF_DW_ROWS_GW * (c0 >> 2), kb, 1);
                mf_dw_rows_widen(p, in_b, iy0, (nb - 1) * p->stride_h + 3, c0, nc, s);
                for (int32_t j = 0; j < nc; ++j)
                    for (int32_t i = 0; i < nb; ++i)
                        mf_dw_rows_channel(p, s + j * PL + i * p->stride_h * WP, kb + 10 * j, stage + i * OWC + c0 + j);
            }
            memcpy(out, stage, (size_t)(nb * OWC));
        }
    }
}

MF_KERNEL void mf_depthwise_conv2d_s8_rows(const mf_depthwise_conv2d_params_t *p, const int8_t *in, int8_t *out, int16_t *s)
{
    mf_dw_rows(p, in, out, s);
}

/* The interior rectangle [*oy0, *oy1) x [*ox0, *ox1): the output pixels whose window lies inside the image. */
MF_INLINE void mf_dw_interior(const mf_depthwise_conv2d_params_t *p, int32_t *oy0, int32_t *oy1, int32_t *ox0, int32_t *ox1)
{
    int32_t y0 = 0, y1, x0 = 0, x1;
    while (y0 < p->out_h && y0 * p->stride_h - p->pad_top < 0) ++y0;
    for (y1 = y0; y1 < p->out_h && y1 * p->stride_h - p->pad_top + (p->k_h - 1) * p->dil_h < p->in_h; ++y1) {}
    while (x0 < p->out_w && x0 * p->stride_w - p->pad_left < 0) ++x0;
    for (x1 = x0; x1 < p->out_w && x1 * p->stride_w - p->pad_left + (p->k_w - 1) * p->dil_w < p->in_w; ++x1) {}
    *oy0 = y0; *oy1 = y1; *ox0 = x0; *ox1 = x1;
}

/* A border pixel's tap pointers TP_[k_h * k_w]: tap (ky, kx) at its input pixel in WIN_ when inside the image (rows
 * ky0..ky1-1, columns kx0..kx1-1 in scope), else at the padding value's bytes (a macro: as a function, GCC allocated
 * the whole inlined model function's registers differently). */
#define MF_DW_TAPS(TP_, WIN_)                                                                          \
    for (int32_t ky = 0, t = 0; ky < p->k_h; ++ky)                                                     \
        for (int32_t kx = 0; kx < p->k_w; ++kx, ++t)                                                   \
            TP_[t] = ky >= ky0 && ky < ky1 && kx >= kx0 && kx < kx1                                    \
                ? (WIN_) + ky * p->dil_h * p->in_w * C + kx * p->dil_w * C : p->pad

/* p->outer 2 (the output over the input, a whole number of pixels away; ops/depthwise_conv2d.py _pixel_outer): the
 * border pixels first, all channels, into `stage` one after another; then the interior groups (mf_dw_outer) and the
 * interior pixels' tail channels; then the staged border outputs copied out. Every border read precedes every write,
 * and each channel's interior reads and writes keep the pixel-outer order, so overlap_lead's declaration holds. */
MF_KERNEL void mf_depthwise_conv2d_s8_staged(const mf_depthwise_conv2d_params_t *p, const int8_t *in, int8_t *out,
                                             int8_t *stage)
{
    const int32_t C = p->in_c;
    int32_t oy0, oy1, ox0, ox1;
    mf_dw_interior(p, &oy0, &oy1, &ox0, &ox1);
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = in + b * p->in_h * p->in_w * C;
        int8_t *const out_b = out + b * p->out_h * p->out_w * C;
        int8_t *st = stage;
        for (int32_t oy = 0; oy < p->out_h; ++oy)
            for (int32_t ox = 0; ox < p->out_w; ++ox)
                if (oy < oy0 || oy >= oy1 || ox < ox0 || ox >= ox1) {
                    const int32_t iy0 = oy * p->stride_h - p->pad_top, ix0 = ox * p->stride_w - p->pad_left;
                    const int32_t ky0 = mf_dw_first(iy0, p->dil_h), ky1 = mf_dw_end(iy0, p->dil_h, p->in_h, p->k_h);
                    const int32_t kx0 = mf_dw_first(ix0, p->dil_w), kx1 = mf_dw_end(ix0, p->dil_w, p->in_w, p->k_w);
                    const int8_t *win = in_b + (iy0 * p->in_w + ix0) * C;
                    const int8_t *tp[32];
                    MF_DW_TAPS(tp, win);
                    mf_dw_pixel(p, win, tp, st, 0);
                    st += C;
                }
        mf_dw_outer(p, in_b, out_b, oy0, oy1, ox0, ox1);
        st = stage;
        for (int32_t oy = 0; oy < p->out_h; ++oy)
            for (int32_t ox = 0; ox < p->out_w; ++ox) {
                int8_t *o = out_b + (oy * p->out_w + ox) * C;
                if (oy < oy0 || oy >= oy1 || ox < ox0 || ox >= ox1) {
                    memcpy(o, st, (size_t)C);
                    st += C;
                } else if (C & 3) {
                    mf_dw_pixel(p, in_b + ((oy * p->stride_h - p->pad_top) * p->in_w + ox * p->stride_w - p->pad_left) * C,
                                0, o, C >> 2);
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
    /* p->outer 1 (input and output disjoint): the interior rectangle groups outermost first (mf_dw_outer), then its
     * pixels' tail channels and the border pixels below */
    int32_t oy0 = 0, oy1 = 0, ox0 = 0, ox1 = 0;
    if (p->outer)
        mf_dw_interior(p, &oy0, &oy1, &ox0, &ox1);
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = in + b * p->in_h * p->in_w * C;
        if (p->outer)
            mf_dw_outer(p, in_b, out, oy0, oy1, ox0, ox1);
        for (int32_t oy = 0; oy < p->out_h; ++oy) {
            const int32_t iy0 = oy * p->stride_h - p->pad_top;
            const int32_t ky0 = mf_dw_first(iy0, p->dil_h), ky1 = mf_dw_end(iy0, p->dil_h, p->in_h, p->k_h);
            const int full_rows = ky0 == 0 && ky1 == p->k_h;
            for (int32_t ox = 0; ox < p->out_w; ++ox, out += C) {
                const int32_t ix0 = ox * p->stride_w - p->pad_left;
                const int32_t kx0 = mf_dw_first(ix0, p->dil_w), kx1 = mf_dw_end(ix0, p->dil_w, p->in_w, p->k_w);
                const int8_t *win = in_b + (iy0 * p->in_w + ix0) * C;
                if (full_rows && kx0 == 0 && kx1 == p->k_w) {
                    /* done by mf_dw_outer but for the tail channels */
                    mf_dw_pixel(p, win, 0, out, p->outer && oy >= oy0 && oy < oy1 && ox >= ox0 && ox < ox1 ? C >> 2 : 0);
                } else {
                    const int8_t *tp[32];
                    MF_DW_TAPS(tp, win);
                    mf_dw_pixel(p, win, tp, out, 0);
                }
            }
        }
    }
}
#undef MF_DW_TAPS

#include "mf_dw_band.h"   /* a row pipeline's bands reading ring windows (mf_dw_band_rows) */
#include "mf_dw_cols.h"   /* narrow tall maps run down their columns (mf_depthwise_conv2d_s8_cols) */
#undef MF_DW_RQ7_M
#undef MF_DW_RQ7_A
#undef MF_DW_RQ7_S
#undef MF_DW_RQ7_T
#undef MF_DW_RQ7_FIRST
#undef MF_DW_RQ7_STEP
#undef MF_DW_RQ7_LAST

#endif
