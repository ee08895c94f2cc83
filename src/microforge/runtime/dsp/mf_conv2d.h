/* mf_conv2d (DSP): int8 2-D convolution (NHWC input, OHWI weights) with SXTB16 + SMLAD, bit-exact
 * with TFLM's reference.
 *
 * Unpadded 1x1 layers with 8 input channels (mix = 2, ops/conv2d.py c1_rq_layout) go through
 * mf_conv2d_s8_c1: runs of 96 pixels sign-extended once, then channel by channel with the channel's
 * weights and requantisation constants in registers (below).
 * Layers that are not 1x1 (no dilation, in_c % 4 == 0) with mixed weights in their windows' (kx, ky, c) order
 * (mix = 4, ops/conv2d.py row_mix_layout) go through mf_conv2d_s8_rowmix: per output row (strip) the input
 * columns are widened once into int16 entries and each pixel pair's windows are read from them in place; with
 * out_c % 4 == 0 (mix = 6) each group's constants follow its weights and mf_dsp_rowpw_pair runs a pixel pair's
 * groups, requantisation and stores in one asm block. Unpadded 1x1 layers with in_c % 4 == 0, out_c % 4 == 0
 * (mix = 3, any stride) go through mf_conv2d_s8_pw (the same stream on sign-extended pixel pairs).
 * Those with in_c <= 128 and n_pix % 4 == 0 (M4/M33: any n_pix with in_c <= 64) go in quads of pixels on single
 * channel pairs instead (mix = 7, mf_conv2d_s8_pw4: the same weights and constants, each pair followed by its own).
 * Layers that are not 1x1 (no dilation) with in_c not a multiple of 4 (the first layers: in_c 1, 3) and mixed weights
 * in per-row segments (mix = 5, ops/conv2d.py seg_layout) go through mf_conv2d_s8_seg: per pair of output rows (or,
 * for one row, neighbouring outputs) the input rows are widened once into int16 rows and each pair's windows are read
 * from them in place; on the M4/M33 whole groups go four output rows at a time (mf_dsp_seg_quad in the column layout,
 * in_c 1; mf_dsp_seg_rquad in the row layout, out_c <= 16).
 * Layers whose weights ops/conv2d.py re-laid as mixed 4-channel groups (mix = 1: windows of 20..576
 * bytes, see mix_layout) go through 2-pixel x 4-channel blocks (mf_conv2d_s8_mix, below); a pair whose
 * windows lie inside the image in one output row is sign-extended straight from the input (rows of >= 4
 * contiguous bytes and windows up to MF_CONV2D_MIX_GATHER_MAX_WIN bytes, or rows of whole words:
 * mf_dsp_mix_gather2), others through im2col. The others:
 * output pixels go in threes through 2x3 blocks (2 output channels x 3 pixels), leftovers through 2x2
 * or 4-channel x 1-pixel blocks (mf_fully_connected.h). With the fast requantisation and enough output
 * channels, a 3-pixel block's inputs are sign-extended once (mf_dsp_expand3) and every channel pair
 * reads them as int16 pairs (mf_dsp_rows3e); otherwise each pair re-extends them (mf_dsp_dot_2x3).
 * - 1x1, unpadded: the pixels' input channels are the dot-product vectors, read in place.
 * - anything else: the block's windows are gathered into a small int8 stack buffer (3 x K bytes,
 *   K = k_h*k_w*in_c rounded up to 4), padded taps filled with pad_value.
 * In-place safety (ops/conv2d.py overlap_lead): when the output may overlap the input, a block's
 * input is copied to the scratch buffer before any of its outputs is written, and blocks go in
 * increasing pixel order, so no output byte lands before the portable kernel would write it.
 */
#ifndef MF_CONV2D_H
#define MF_CONV2D_H
#include <stdint.h>
#include "mf_common.h"
#include "mf_fully_connected.h"

typedef struct {
    int32_t batches, in_h, in_w, in_c, out_h, out_w, out_c, k_h, k_w;
    int32_t stride_h, stride_w, dil_h, dil_w, pad_top, pad_left;
    int32_t pad_value;            /* input zero point: what a padded tap reads */
    int32_t out_offset, act_min, act_max;
    const int8_t *weights;        /* [out_c][k_h][k_w][in_c] */
    const int32_t *bias;          /* bias with the input zero point folded in, [out_c] */
    const int32_t *mult, *shift;  /* per output channel requantisation */
    int32_t rq_mode;              /* 1: fast exact requantisation from rq (mf_fully_connected.h) */
    const int32_t *rq;            /* per channel pair: bias[2], 2*mult-2^32[2], -shift-1[2] */
    int32_t mix;                  /* 1: weights in mixed 4-channel groups (ops/conv2d.py mix_layout), 2x4 blocks;
                                     2: 1x1 with 8 input channels (mf_conv2d_s8_c1), weights as in the .tflite;
                                     3: unpadded 1x1 (mf_conv2d_s8_pw), mixed groups each followed by its constants;
                                     4: row entries (mf_conv2d_s8_rowmix), mixed groups in (kx, ky, c) order;
                                     5: widened input rows (mf_conv2d_s8_seg), mixed groups of even row segments
                                        each followed by its constants (ops/conv2d.py seg_stream);
                                     6: row entries, mix 4's groups each followed by its constants (as mix 3);
                                     7: unpadded 1x1 in quads of pixels (mf_conv2d_s8_pw4), mix 3's pairs each
                                        followed by its constants;
                                     8: mix 6 on M4/M33 with two output rows per build of row entries
                                        (mf_conv2d_s8_rowmix);
                                     9: stride-1 3x3 as Winograd F(2x2, 3x3) (mf_conv2d_s8_wino, mf_conv2d_wino.h),
                                        weights as in the .tflite, rq as mix 0's; called directly (its buffers
                                        in the arena's free room), never through mf_conv2d_s8_scratch */
    int32_t c1_shifts;            /* mix 2: bit e set for each shift e of the layer's channels, when few (ops/conv2d.py
                                     C1_MAX_SHIFTS: one copy of the pixel loop per e, e an immediate); else 0;
                                     mix 7 (M4/M33): the quads' immediate shifts (ops/conv2d.py pw4_shift_mask), or 0;
                                     mix 5: 1 when the row quads (M4/M33) and the M7's row-pair loops may requantise
                                     with immediate shifts (ops/conv2d.py seg_imm_shifts), else 0 */
} mf_conv2d_params_t;

MF_KERNEL void mf_dsp_copy(int8_t *dst, const int8_t *src, const int32_t n)
{
    int32_t i = 0;
    for (; i + 4 <= n; i += 4) { const int32_t v = mf_dsp_ld4(src + i); memcpy(dst + i, &v, 4); }
    for (; i < n; ++i) dst[i] = src[i];
}

MF_KERNEL void mf_dsp_fill(int8_t *dst, const int32_t value, const int32_t n)
{
    const uint32_t v = (uint32_t)(uint8_t)value * 0x01010101u;
    int32_t i = 0;
    for (; i + 4 <= n; i += 4) memcpy(dst + i, &v, 4);
    for (; i < n; ++i) dst[i] = (int8_t)value;
}

/* The window of output pixel `pix` (flat over batch, row, column) as k_h*k_w*in_c bytes. */
MF_KERNEL void mf_dsp_im2col(const mf_conv2d_params_t *p, const int8_t *in, const int32_t pix, int8_t *dst)
{
    const int32_t per_image = p->out_h * p->out_w;
    const int32_t b = pix / per_image, r = pix - b * per_image;
    const int32_t oy = r / p->out_w, ox = r - oy * p->out_w;
    const int32_t iy0 = oy * p->stride_h - p->pad_top, ix0 = ox * p->stride_w - p->pad_left;
    const int32_t row = p->k_w * p->in_c;
    const int8_t *in_b = in + b * p->in_h * p->in_w * p->in_c;
    for (int32_t ky = 0; ky < p->k_h; ++ky, dst += row) {
        const int32_t iy = iy0 + ky * p->dil_h;
        if (iy < 0 || iy >= p->in_h) {
            mf_dsp_fill(dst, p->pad_value, row);
        } else if (p->dil_w == 1 && ix0 >= 0 && ix0 + p->k_w <= p->in_w) {   /* the row's taps are contiguous */
            mf_dsp_copy(dst, in_b + (iy * p->in_w + ix0) * p->in_c, row);
        } else {
            for (int32_t kx = 0; kx < p->k_w; ++kx) {
                const int32_t ix = ix0 + kx * p->dil_w;
                if (ix < 0 || ix >= p->in_w) mf_dsp_fill(dst + kx * p->in_c, p->pad_value, p->in_c);
                else mf_dsp_copy(dst + kx * p->in_c, in_b + (iy * p->in_w + ix) * p->in_c, p->in_c);
            }
        }
    }
}

/* Pixels per block: three (2x3 blocks) unless three windows would take more than 4 KiB of stack,
 * then one (4x1 blocks). With the fast requantisation and windows up to MF_CONV2D_X16_MAX_WIN bytes, the
 * three windows are also sign-extended once into 6 * win4 bytes after them (mf_dsp_expand3). The limit
 * keeps a conv call's stack at most 9 * 384 = 3,456 bytes: larger windows gain little from the expansion
 * (a few % of cycles) and cost their 9x window in stack (ic's 576-byte windows: 5 KiB, 17% of its RAM). Scratch bytes
 * mf_conv2d_s8_scratch needs: MF_CONV2D_SCRATCH_BYTES; ops/conv2d.py mirrors this and emits a
 * fixed-size stack array (a VLA would cost a frame pointer, i.e. a register, in the whole inlined model
 * function). */
#define MF_CONV2D_WIN4(k_h, k_w, in_c) (((k_h) * (k_w) * (in_c) + 3) & ~3)
#define MF_CONV2D_BLOCK_PIX(k_h, k_w, in_c) (3 * MF_CONV2D_WIN4(k_h, k_w, in_c) <= 4096 ? 3 : 1)
#define MF_CONV2D_X16_MAX_WIN 384
#define MF_CONV2D_X16(k_h, k_w, in_c) (MF_CONV2D_WIN4(k_h, k_w, in_c) <= MF_CONV2D_X16_MAX_WIN)
/* ... and only with enough output channel pairs to pay for the expansion, and for im2col windows (an
 * extra pass) enough bytes (measured on the emulated cores: vww's 3x3 conv with 8 channels lost 8% on
 * the M4; ic's first (27-byte windows, 16 channels) was even on the M4 and 5-8% slower on the M7; ic's
 * next (144 bytes, 16 channels) gained 4% on the M4; 1x1 with 16 channels gained 7%). */
#define MF_CONV2D_X16_MIN_OC(one_by_one) ((one_by_one) ? 12 : 16)
#define MF_CONV2D_X16_MIN_WIN 32
#define MF_CONV2D_MIX_GATHER_MAX_WIN 64   /* widest window (bytes) gathered in place, unrolled (code size) */
#define MF_CONV2D_MIX_SCRATCH_BYTES(k_h, k_w, in_c) (6 * MF_CONV2D_WIN4(k_h, k_w, in_c) + 4)
#define MF_CONV2D_SCRATCH_BYTES(k_h, k_w, in_c) \
    ((MF_CONV2D_BLOCK_PIX(k_h, k_w, in_c) == 3 ? (MF_CONV2D_X16(k_h, k_w, in_c) ? 9 : 3) : 1) * MF_CONV2D_WIN4(k_h, k_w, in_c))

/* ---- 3-pixel blocks on sign-extended inputs -------------------------------------------------
 * A block's three input vectors (n bytes each) are sign-extended once into x16: for 4-byte chunk j and
 * pixel p, words x16[6j + 2p] = SXTB16(bytes 0, 2) and x16[6j + 2p + 1] = SXTB16(bytes 1, 3): 24
 * bytes per chunk, the pixels side by side so one pointer with small offsets (LDRD) reaches them all;
 * the n & 3 tail bytes follow as int16, pixel after pixel. Every output channel pair reuses them, so a
 * 4-byte step costs 2 weight loads, 4 SXTB16 and 3 input double loads for 12 SMLADs (instead of
 * 5 loads and 10 SXTB16). */
MF_KERNEL void mf_dsp_expand3(int32_t *x16, const int8_t *x, const int32_t xs, const int32_t n)
{
    const int32_t n4 = n & ~3;
    for (int32_t k = 0; k < n4; k += 4, x16 += 6) {
        const int32_t a = mf_dsp_ld4(x + k), b = mf_dsp_ld4(x + xs + k), c = mf_dsp_ld4(x + 2 * xs + k);
        x16[0] = mf_dsp_ev(a); x16[1] = mf_dsp_od(a);
        x16[2] = mf_dsp_ev(b); x16[3] = mf_dsp_od(b);
        x16[4] = mf_dsp_ev(c); x16[5] = mf_dsp_od(c);
    }
    int8_t *t = (int8_t *)x16;
    for (int32_t q = 0; q < 3; ++q)
        for (int32_t k = n4; k < n; ++k, t += 2) { const int16_t v = x[q * xs + k]; memcpy(t, &v, 2); }
}

MF_KERNEL int32_t mf_dsp_ld16(const int8_t *p) { int16_t v; memcpy(&v, p, 2); return v; }

/* acc += w_i.x_p (i < 2, p < 3) over weight bytes [o, o+4) of rows w, w+ws and chunk o/4 of x16. */
#define MF_DSP_ASM_2X3E(W_, WS_, X_, O_, S00_, S01_, S02_, S10_, S11_, S12_)                     \
    do {                                                                                          \
        int32_t a_, b_, c_, d_, e_, f_;                                                           \
        __asm__ volatile(                                                                         \
            "ldr %[a], [%[w], %[o]]\n\t"                                                          \
            "ldr %[e], [%[x], %[xo0]]\n\t"                                                        \
            "ldr %[b], [%[w], %[wo]]\n\t"                                                         \
            "ldr %[f], [%[x], %[xo1]]\n\t"                                                        \
            "sxtb16 %[c], %[a]\n\t"                                                               \
            "sxtb16 %[d], %[b]\n\t"                                                               \
            "smlad %[s00], %[c], %[e], %[s00]\n\t"                                                \
            "sxtb16 %[a], %[a], ror #8\n\t"                                                       \
            "smlad %[s10], %[d], %[e], %[s10]\n\t"                                                \
            "sxtb16 %[b], %[b], ror #8\n\t"                                                       \
            "smlad %[s00], %[a], %[f], %[s00]\n\t"                                                \
            "smlad %[s10], %[b], %[f], %[s10]\n\t"                                                \
            "ldrd %[e], %[f], [%[x], %[xo2]]\n\t"                                                 \
            "smlad %[s01], %[c], %[e], %[s01]\n\t"                                                \
            "smlad %[s11], %[d], %[e], %[s11]\n\t"                                                \
            "smlad %[s01], %[a], %[f], %[s01]\n\t"                                                \
            "smlad %[s11], %[b], %[f], %[s11]\n\t"                                                \
            "ldrd %[e], %[f], [%[x], %[xo4]]\n\t"                                                 \
            "smlad %[s02], %[c], %[e], %[s02]\n\t"                                                \
            "smlad %[s12], %[d], %[e], %[s12]\n\t"                                                \
            "smlad %[s02], %[a], %[f], %[s02]\n\t"                                                \
            "smlad %[s12], %[b], %[f], %[s12]"                                                    \
            : [s00] "+r"(S00_), [s01] "+r"(S01_), [s02] "+r"(S02_),                               \
              [s10] "+r"(S10_), [s11] "+r"(S11_), [s12] "+r"(S12_),                               \
              [a] "=&r"(a_), [b] "=&r"(b_), [c] "=&r"(c_), [d] "=&r"(d_), [e] "=&r"(e_), [f] "=&r"(f_) \
            : [x] "r"(X_), [w] "r"(W_), [o] "i"(O_), [wo] "i"((O_) + (WS_)),                      \
              [xo0] "i"(6 * (O_)), [xo1] "i"(6 * (O_) + 4), [xo2] "i"(6 * (O_) + 8),                \
              [xo4] "i"(6 * (O_) + 16)                                                            \
            : "memory");                                                                          \
    } while (0)

/* Two weight rows w, w + ws (n bytes) against the three expanded vectors x16:
 * acc = {w0.x0, w0.x1, w0.x2, w1.x0, w1.x1, w1.x2}. */
MF_KERNEL void mf_dsp_dot_2x3e(const int8_t *w, const int32_t ws, const int32_t *x16, const int32_t n, int32_t *acc)
{
    int32_t s00 = acc[0], s01 = acc[1], s02 = acc[2], s10 = acc[3], s11 = acc[4], s12 = acc[5];
    const int32_t n4 = n & ~3, tail = n & 3;
    const int8_t *x = (const int8_t *)x16;
    int32_t k = 0;
    if (MF_DSP_IMM_OK(ws)) {
        for (; k + 32 <= n4; k += 32, w += 32, x += 192) {
            MF_DSP_ASM_2X3E(w, ws, x, 0, s00, s01, s02, s10, s11, s12);
            MF_DSP_ASM_2X3E(w, ws, x, 4, s00, s01, s02, s10, s11, s12);
            MF_DSP_ASM_2X3E(w, ws, x, 8, s00, s01, s02, s10, s11, s12);
            MF_DSP_ASM_2X3E(w, ws, x, 12, s00, s01, s02, s10, s11, s12);
            MF_DSP_ASM_2X3E(w, ws, x, 16, s00, s01, s02, s10, s11, s12);
            MF_DSP_ASM_2X3E(w, ws, x, 20, s00, s01, s02, s10, s11, s12);
            MF_DSP_ASM_2X3E(w, ws, x, 24, s00, s01, s02, s10, s11, s12);
            MF_DSP_ASM_2X3E(w, ws, x, 28, s00, s01, s02, s10, s11, s12);
        }
        if (n4 & 16) {
            MF_DSP_ASM_2X3E(w, ws, x, 0, s00, s01, s02, s10, s11, s12);
            MF_DSP_ASM_2X3E(w, ws, x, 4, s00, s01, s02, s10, s11, s12);
            MF_DSP_ASM_2X3E(w, ws, x, 8, s00, s01, s02, s10, s11, s12);
            MF_DSP_ASM_2X3E(w, ws, x, 12, s00, s01, s02, s10, s11, s12);
            w += 16; x += 96; k += 16;
        }
        if (n4 & 8) {
            MF_DSP_ASM_2X3E(w, ws, x, 0, s00, s01, s02, s10, s11, s12);
            MF_DSP_ASM_2X3E(w, ws, x, 4, s00, s01, s02, s10, s11, s12);
            w += 8; x += 48; k += 8;
        }
        if (n4 & 4) { MF_DSP_ASM_2X3E(w, ws, x, 0, s00, s01, s02, s10, s11, s12); w += 4; x += 24; k += 4; }
    }
    for (; k < n4; k += 4, w += 4, x += 24) {   /* rows too far apart for immediate offsets */
        const int32_t w0 = mf_dsp_ld4(w), w1 = mf_dsp_ld4(w + ws);
        const int32_t w0e = mf_dsp_ev(w0), w0o = mf_dsp_od(w0), w1e = mf_dsp_ev(w1), w1o = mf_dsp_od(w1);
        int32_t ve = mf_dsp_ld4(x), vo = mf_dsp_ld4(x + 4);
        s00 = __smlad(w0o, vo, __smlad(w0e, ve, s00)); s10 = __smlad(w1o, vo, __smlad(w1e, ve, s10));
        ve = mf_dsp_ld4(x + 8); vo = mf_dsp_ld4(x + 12);
        s01 = __smlad(w0o, vo, __smlad(w0e, ve, s01)); s11 = __smlad(w1o, vo, __smlad(w1e, ve, s11));
        ve = mf_dsp_ld4(x + 16); vo = mf_dsp_ld4(x + 20);
        s02 = __smlad(w0o, vo, __smlad(w0e, ve, s02)); s12 = __smlad(w1o, vo, __smlad(w1e, ve, s12));
    }
    for (int32_t t = 0; t < tail; ++t) {
        const int32_t w0 = w[t], w1 = w[ws + t];
        const int32_t x0 = mf_dsp_ld16(x + 2 * t), x1 = mf_dsp_ld16(x + 2 * (tail + t)), x2 = mf_dsp_ld16(x + 2 * (2 * tail + t));
        s00 += w0 * x0; s01 += w0 * x1; s02 += w0 * x2; s10 += w1 * x0; s11 += w1 * x1; s12 += w1 * x2;
    }
    acc[0] = s00; acc[1] = s01; acc[2] = s02; acc[3] = s10; acc[4] = s11; acc[5] = s12;
}

/* out[p][c] for the three expanded pixels x16 (p < 3, row p's outputs at out + p*n_out) and channels
 * c < n_out of weights [n_out][n], fast requantisation (rq as in mf_dsp_matmul_rows_fast). */
MF_KERNEL void mf_dsp_rows3e(const int32_t *x16, const int32_t n, const int8_t *weights, const int32_t *rq,
                             const int32_t per_channel, const int32_t n_out, const int32_t out_offset,
                             const int32_t act_min, const int32_t act_max, int8_t *out)
{
#define MF_DSP_OUTF(o_, acc_, m_, e_) ((o_) = mf_dsp_out_fast((acc_), (m_), (e_), out_offset, act_min, act_max))
    const int32_t *r = rq;
    const int8_t *wc = weights;
    int8_t *o = out;
    int32_t c = 0;
    for (; c + 2 <= n_out; c += 2, r += 6, wc += 2 * n, o += 2) {
        const int32_t b0 = r[0], b1 = r[1];
        int32_t acc[6] = {b0, b0, b0, b1, b1, b1};
        mf_dsp_dot_2x3e(wc, n, x16, n, acc);
        const int32_t m0 = per_channel ? r[2] : rq[2], m1 = per_channel ? r[3] : rq[2];
        const int32_t e0 = per_channel ? r[4] : rq[4], e1 = per_channel ? r[5] : rq[4];
        MF_DSP_OUTF(o[0], acc[0], m0, e0); MF_DSP_OUTF(o[1], acc[3], m1, e1);
        MF_DSP_OUTF(o[n_out], acc[1], m0, e0); MF_DSP_OUTF(o[n_out + 1], acc[4], m1, e1);
        MF_DSP_OUTF(o[2 * n_out], acc[2], m0, e0); MF_DSP_OUTF(o[2 * n_out + 1], acc[5], m1, e1);
    }
    if (c < n_out) {   /* odd channel count: the last weight row against the three pixels */
        const int32_t n4 = n & ~3, tail = n & 3;
        const int8_t *x = (const int8_t *)x16;
        int32_t s0 = r[0], s1 = r[0], s2 = r[0];
        for (int32_t k = 0; k < n4; k += 4, wc += 4, x += 24) {
            const int32_t wv = mf_dsp_ld4(wc), we = mf_dsp_ev(wv), wo = mf_dsp_od(wv);
            s0 = __smlad(wo, mf_dsp_ld4(x + 4), __smlad(we, mf_dsp_ld4(x), s0));
            s1 = __smlad(wo, mf_dsp_ld4(x + 12), __smlad(we, mf_dsp_ld4(x + 8), s1));
            s2 = __smlad(wo, mf_dsp_ld4(x + 20), __smlad(we, mf_dsp_ld4(x + 16), s2));
        }
        for (int32_t t = 0; t < tail; ++t) {
            const int32_t wv = wc[t];
            s0 += wv * mf_dsp_ld16(x + 2 * t); s1 += wv * mf_dsp_ld16(x + 2 * (tail + t));
            s2 += wv * mf_dsp_ld16(x + 2 * (2 * tail + t));
        }
        const int32_t m0 = per_channel ? r[2] : rq[2], e0 = per_channel ? r[4] : rq[4];
        MF_DSP_OUTF(o[0], s0, m0, e0); MF_DSP_OUTF(o[n_out], s1, m0, e0); MF_DSP_OUTF(o[2 * n_out], s2, m0, e0);
    }
#undef MF_DSP_OUTF
}


/* ---- 2-pixel x 4-channel blocks on mixed weights (mix = 1) -----------------------------------
 * The weights of channels c, c' (a pair of a 4-channel group) share words: bytes 0, 2 hold c's weights
 * for window bytes k, k+2 and bytes 1, 3 hold c''s, stored minus the sign of the byte below (ops/conv2d.py
 * mix_layout), so the word's halfwords read as int16 are exactly 256*w_c' + w_c. SMLAD of the raw word
 * with the inputs (x_k, x_k+2) as int16 adds 256*(c' products) + (c products); SMLAD of its SXTB16
 * (w_c at k, k+2) adds c's products alone. Both accumulators start at c's bias: their difference is
 * 256 times c''s sum, exact while |c''s sum| < 2^23 (the compiler checks sum|w_c'| < 2^16). One SXTB16
 * per 4 weights instead of two. The block's two pixels are sign-extended once into x16: per 4-byte
 * chunk j of the window (k4 bytes, zero weights past k), words ev(p0), ev(p1), od(p0), od(p1); the
 * weights of group g hold per chunk A01, A23 (bytes k, k+2 of the pairs c0c1, c2c3), B01, B23 (k+1, k+3).
 * Per two window bytes: 4 loads, 2 SXTB16 and 8 SMLADs for 16 MACs. */
/* One chunk's words: the pixels' words U_ (at a) and V_ (at b) as ev(U), ev(V), od(U), od(V) at byte O_ of d. */
#define MF_DSP_EXP2_CHUNK(U_, V_, O_)                                                            \
    "sxtb16 %[t], %[" U_ "]\n\tstr %[t], [%[d], #" O_ "]\n\t"                                       \
    "sxtb16 %[t], %[" V_ "]\n\tstr %[t], [%[d], #" O_ "+4]\n\t"                                     \
    "sxtb16 %[" U_ "], %[" U_ "], ror #8\n\tstr %[" U_ "], [%[d], #" O_ "+8]\n\t"                   \
    "sxtb16 %[" V_ "], %[" V_ "], ror #8\n\tstr %[" V_ "], [%[d], #" O_ "+12]\n\t"
MF_KERNEL void mf_dsp_mix_expand2(int32_t *x16, const int8_t *a, const int8_t *b, const int32_t k4)
{
    /* 16 bytes of each pixel per asm step: the eight loads in one chain (LDR pipelining on the M4; a's writeback load
     * last), then the SXTB16s and stores (x16's pointer stepped by the first store); the k4 % 16 bytes after. */
    int32_t *d = x16;
    for (int32_t k = 0; k + 16 <= k4; k += 16) {
        int32_t u0, u1, u2, u3, v0, v1, v2, v3, t;
        __asm__ volatile("ldr %[u1], [%[a], #4]\n\tldr %[u2], [%[a], #8]\n\tldr %[u3], [%[a], #12]\n\t"
                         "ldr %[v0], [%[b]]\n\tldr %[v1], [%[b], #4]\n\tldr %[v2], [%[b], #8]\n\t"
                         "ldr %[v3], [%[b], #12]\n\tldr %[u0], [%[a]], #16\n\t"
                         "add %[b], %[b], #16\n\t"
                         "sxtb16 %[t], %[u0]\n\tstr %[t], [%[d]], #64\n\t"
                         "sxtb16 %[t], %[v0]\n\tstr %[t], [%[d], #-60]\n\t"
                         "sxtb16 %[u0], %[u0], ror #8\n\tstr %[u0], [%[d], #-56]\n\t"
                         "sxtb16 %[v0], %[v0], ror #8\n\tstr %[v0], [%[d], #-52]\n\t"
                         MF_DSP_EXP2_CHUNK("u1", "v1", "-48") MF_DSP_EXP2_CHUNK("u2", "v2", "-32")
                         MF_DSP_EXP2_CHUNK("u3", "v3", "-16")
                         : [u0] "=&r"(u0), [u1] "=&r"(u1), [u2] "=&r"(u2), [u3] "=&r"(u3), [v0] "=&r"(v0),
                           [v1] "=&r"(v1), [v2] "=&r"(v2), [v3] "=&r"(v3), [t] "=&r"(t), [a] "+r"(a), [b] "+r"(b),
                           [d] "+r"(d)
                         :
                         : "memory");
    }
    for (int32_t k = k4 & ~15; k < k4; k += 4, d += 4) {
        const int32_t u = mf_dsp_ld4(a + k - (k4 & ~15)), v = mf_dsp_ld4(b + k - (k4 & ~15));
        d[0] = mf_dsp_ev(u); d[1] = mf_dsp_ev(v); d[2] = mf_dsp_od(u); d[3] = mf_dsp_od(v);
    }
}

/* The mixed 2-pixel x 4-channel MACs of one input word pair, shared by the mix, row-entry and dense 1x1 paths:
 * pixel 0's and 1's int16 pair words e0, e1 against the mixed weight words wa (channels 0, 0'), wb (1, 1'):
 * SMLAD of the raw words gives 256 * c' + c (ma, mb), then SXTB16 leaves c alone (sa, sb). */
/* MF_DSP_MIX_MACS_AT: the same, with the instructions A1_, B0_, B1_ (e.g. the next word's loads) right after the
 * last reads of wa, e0 and e1. */
#define MF_DSP_MIX_MACS_AT(A1_, B0_, B1_)                                                        \
    "smlad %[ma0], %[e0], %[wa], %[ma0]\n\t"                                                     \
    "smlad %[ma1], %[e1], %[wa], %[ma1]\n\t"                                                     \
    "sxtb16 %[wa], %[wa]\n\t"                                                                    \
    "smlad %[mb0], %[e0], %[wb], %[mb0]\n\t"                                                     \
    "smlad %[mb1], %[e1], %[wb], %[mb1]\n\t"                                                     \
    "sxtb16 %[wb], %[wb]\n\t"                                                                    \
    "smlad %[sa0], %[e0], %[wa], %[sa0]\n\t"                                                     \
    "smlad %[sa1], %[e1], %[wa], %[sa1]\n\t" A1_                                                 \
    "smlad %[sb0], %[e0], %[wb], %[sb0]\n\t" B0_                                                 \
    "smlad %[sb1], %[e1], %[wb], %[sb1]\n\t" B1_
#define MF_DSP_MIX_MACS MF_DSP_MIX_MACS_AT("", "", "")
/* The base register of x16 in the half-chunk macros below: x, or sp in mf_dsp_pw_pair (redefined around its asm). */
#define MF_PW_X "%[x]"
/* The byte offset of a group's constants from w in MF_DSP_PW_OUT4: 0 (w moved there by the window), or 16 * nch in
 * mf_dsp_pw_pair (w at the group's weights: one ADD a group, after the constants). */
#define MF_PW_CB "0"
/* One 4-byte window chunk at byte offset O_ of x16 (16 bytes) and of the group's weights (16 bytes). */
#define MF_DSP_MIX_HALF(O_)                                                                      \
    "ldr %[e0], [" MF_PW_X ", #" #O_ "]\n\t"                                                            \
    "ldr %[e1], [" MF_PW_X ", #" #O_ "+4]\n\t"                                                          \
    "ldr %[wa], [%[w], #" #O_ "]\n\t"                                                            \
    "ldr %[wb], [%[w], #" #O_ "+4]\n\t" MF_DSP_MIX_MACS
#define MF_DSP_MIX_CHUNK(O_) MF_DSP_MIX_HALF(O_) MF_DSP_MIX_HALF(O_ + 8)

/* A 2x4 block's outputs from its accumulators (channel c of a mixed pair from sa, c' from (ma - sa) >> 8 plus its
 * bias, as the accumulators all started at c's bias): pixel 0's at out0, pixel 1's at out1 when `two`, only the
 * group's n_c channels that exist (the last group may be padded). */
MF_KERNEL void mf_dsp_mix_out(const int32_t *rq, const int32_t n_c, const int two, const int32_t ma0, const int32_t ma1,
                              const int32_t mb0, const int32_t mb1, const int32_t sa0, const int32_t sa1,
                              const int32_t sb0, const int32_t sb1, const int32_t out_offset, const int32_t act_min,
                              const int32_t act_max, int8_t *out0, int8_t *out1)
{
    const int32_t b1 = rq[1], b3 = rq[7];
#define MF_DSP_MIX_OUT(o_, acc_, m_, e_) ((o_) = mf_dsp_out_fast((acc_), (m_), (e_), out_offset, act_min, act_max))
    MF_DSP_MIX_OUT(out0[0], sa0, rq[2], rq[4]);
    if (two) MF_DSP_MIX_OUT(out1[0], sa1, rq[2], rq[4]);
    if (n_c > 1) {
        MF_DSP_MIX_OUT(out0[1], ((ma0 - sa0) >> 8) + b1, rq[3], rq[5]);
        if (two) MF_DSP_MIX_OUT(out1[1], ((ma1 - sa1) >> 8) + b1, rq[3], rq[5]);
    }
    if (n_c > 2) {
        MF_DSP_MIX_OUT(out0[2], sb0, rq[8], rq[10]);
        if (two) MF_DSP_MIX_OUT(out1[2], sb1, rq[8], rq[10]);
    }
    if (n_c > 3) {
        MF_DSP_MIX_OUT(out0[3], ((mb0 - sb0) >> 8) + b3, rq[9], rq[11]);
        if (two) MF_DSP_MIX_OUT(out1[3], ((mb1 - sb1) >> 8) + b3, rq[9], rq[11]);
    }
#undef MF_DSP_MIX_OUT
}

/* out0[c], out1[c] for the block's two pixels (x16 as above) and channels c < n_out, weights wmix in
 * 4-channel groups of 4*k4 bytes, fast requantisation constants rq in channel pairs (per-channel layout,
 * ops/conv2d.py). The k loop is
 * one asm block (all 14 registers: 8 accumulators, 4 temporaries, 2 pointers; its end is read from memory). */
MF_KERNEL void mf_dsp_mix_rows(const int32_t *x16, const int32_t k4, const int8_t *wmix, const int32_t *rq,
                               const int32_t n_out, const int32_t out_offset, const int32_t act_min,
                               const int32_t act_max, int8_t *out0)
{
    for (int32_t c = 0; c < n_out; c += 4, rq += 12, wmix += 4 * k4, out0 += 4) {
        int8_t *const out1 = out0 + n_out;
        int32_t ma0 = rq[0], ma1 = rq[0], sa0 = rq[0], sa1 = rq[0];
        int32_t mb0 = rq[6], mb1 = rq[6], sb0 = rq[6], sb1 = rq[6];
        int32_t e0, e1, wa, wb;
        const int32_t *x = x16;
        const int8_t *w = wmix;
        /* One asm block for the whole window: 1 and 2 leading chunks as the assembler's .if picks, then 4 chunks
         * per pass until the word after the window, a sentinel no int16 pair in [-128, 127] can equal (the loop
         * needs no end register: separate blocks, or one more operand, made GCC's allocator give up). */
        __asm__ volatile(".if %c[one]\n\t" MF_DSP_MIX_CHUNK(0) "adds %[x], #16\n\tadds %[w], #16\n"
                         ".endif\n"
                         ".if %c[two]\n\t" MF_DSP_MIX_CHUNK(0) MF_DSP_MIX_CHUNK(16) "adds %[x], #32\n\tadds %[w], #32\n"
                         ".endif\n"
                         ".if %c[loop]\n"
                         "1:\n\t" MF_DSP_MIX_CHUNK(0) MF_DSP_MIX_CHUNK(16) MF_DSP_MIX_CHUNK(32) MF_DSP_MIX_CHUNK(48)
                         "ldr %[e0], [%[x], #64]\n\tadds %[x], #64\n\tadds %[w], #64\n\tcmp %[e0], #0x80808080\n\tbne 1b\n"
                         ".endif"
                         : [ma0] "+r"(ma0), [ma1] "+r"(ma1), [mb0] "+r"(mb0), [mb1] "+r"(mb1),
                           [sa0] "+r"(sa0), [sa1] "+r"(sa1), [sb0] "+r"(sb0), [sb1] "+r"(sb1),
                           [e0] "=&r"(e0), [e1] "=&r"(e1), [wa] "=&r"(wa), [wb] "=&r"(wb), [x] "+r"(x), [w] "+r"(w)
                         : [loop] "i"(k4 >= 16), [two] "i"((k4 & 8) != 0), [one] "i"((k4 & 4) != 0)
                         : "cc", "memory");
        mf_dsp_mix_out(rq, n_out - c, 1, ma0, ma1, mb0, mb1, sa0, sa1, sb0, sb1, out_offset, act_min, act_max, out0, out1);
    }
}

/* mf_dsp_mix_rows for a lone last pixel (x16 from mf_dsp_mix_expand2 with both pixels the same; its pixel-0
 * words are read): the same mixed arithmetic in C, four accumulators, no pixel computed twice. */
MF_KERNEL void mf_dsp_mix_rows1(const int32_t *x16, const int32_t k4, const int8_t *wmix, const int32_t *rq,
                                const int32_t n_out, const int32_t out_offset, const int32_t act_min,
                                const int32_t act_max, int8_t *out)
{
    for (int32_t c = 0; c < n_out; c += 4, rq += 12, out += 4) {
        int32_t ma = rq[0], sa = rq[0], mb = rq[6], sb = rq[6];
        const int32_t *x = x16;
        for (int32_t k = 0; k < k4; k += 4, x += 4, wmix += 16) {
            const int32_t a = mf_dsp_ld4(wmix), b = mf_dsp_ld4(wmix + 4), a2 = mf_dsp_ld4(wmix + 8), b2 = mf_dsp_ld4(wmix + 12);
            const int32_t e = x[0], o = x[2];
            ma = __smlad(e, a, ma); mb = __smlad(e, b, mb); sa = __smlad(e, __sxtb16(a), sa); sb = __smlad(e, __sxtb16(b), sb);
            ma = __smlad(o, a2, ma); mb = __smlad(o, b2, mb); sa = __smlad(o, __sxtb16(a2), sa); sb = __smlad(o, __sxtb16(b2), sb);
        }
        const int32_t n_c = n_out - c;
        out[0] = mf_dsp_out_fast(sa, rq[2], rq[4], out_offset, act_min, act_max);
        if (n_c > 1) out[1] = mf_dsp_out_fast(((ma - sa) >> 8) + rq[1], rq[3], rq[5], out_offset, act_min, act_max);
        if (n_c > 2) out[2] = mf_dsp_out_fast(sb, rq[8], rq[10], out_offset, act_min, act_max);
        if (n_c > 3) out[3] = mf_dsp_out_fast(((mb - sb) >> 8) + rq[7], rq[9], rq[11], out_offset, act_min, act_max);
    }
}

/* 4 window bytes starting at window byte b (window rows of r bytes, row ky at w + ky * rs; bytes at k and
 * beyond are padding whose weights are zero, so any value does) as one word, straight from the input: one
 * unaligned load when they lie in one row, else the row's last bytes and the next row's first ones merged
 * (r >= 4, so both loads stay inside their rows). Every argument but w is a compile-time constant. */
MF_KERNEL int32_t mf_dsp_win4(const int8_t *w, const int32_t b, const int32_t r, const int32_t rs, const int32_t k)
{
    const int32_t ky = b / r, col = b - ky * r;
    if (col + 4 <= r) return mf_dsp_ld4(w + ky * rs + col);
    const int32_t n1 = r - col;                  /* bytes in row ky, 1..3 */
    const uint32_t lo = (uint32_t)mf_dsp_ld4(w + ky * rs + r - 4) >> (8 * (4 - n1));
    if (b + n1 >= k) return (int32_t)lo;         /* the rest is padding */
    return (int32_t)(lo | ((uint32_t)mf_dsp_ld4(w + (ky + 1) * rs) << (8 * n1)));
}

/* mf_dsp_mix_expand2 of two windows read in place (no im2col): windows at a and b, rows as in mf_dsp_win4.
 * Windows up to MF_CONV2D_MIX_GATHER_MAX_WIN bytes unrolled (the offsets and merges fold to constants);
 * wider ones, whose rows must then be whole words, as a loop over rows and words. */
MF_KERNEL void mf_dsp_mix_gather2(int32_t *x16, const int8_t *a, const int8_t *b, const int32_t k4, const int32_t r,
                                  const int32_t rs, const int32_t k)
{
    if ((r & 3) == 0 && k4 > MF_CONV2D_MIX_GATHER_MAX_WIN) {   /* whole words per row: a loop, any window */
        for (int32_t ky = 0; ky < k / r; ++ky, a += rs, b += rs) {
            for (int32_t c = 0; c < r; c += 4, x16 += 4) {
                const int32_t u = mf_dsp_ld4(a + c), v = mf_dsp_ld4(b + c);
                x16[0] = mf_dsp_ev(u); x16[1] = mf_dsp_ev(v); x16[2] = mf_dsp_od(u); x16[3] = mf_dsp_od(v);
            }
        }
        return;
    }
#pragma GCC unroll 160
    for (int32_t j = 0; j < k4; j += 4, x16 += 4) {
        const int32_t u = mf_dsp_win4(a, j, r, rs, k), v = mf_dsp_win4(b, j, r, rs, k);
        x16[0] = mf_dsp_ev(u); x16[1] = mf_dsp_ev(v); x16[2] = mf_dsp_od(u); x16[3] = mf_dsp_od(v);
    }
}

/* The mix = 1 convolution: pixels in pairs (a lone last pixel through mf_dsp_mix_rows1), each pair's windows read (1x1 with
 * in_c % 4 == 0, or both windows inside the image: in place; else gathered into buf) and sign-extended into x16 before any output of the
 * pair is written, so the write order contract of the 3-pixel blocks holds. Scratch: 6 * k4 + 4 bytes
 * (MF_CONV2D_MIX_SCRATCH_BYTES). */
MF_KERNEL void mf_conv2d_s8_mix(const mf_conv2d_params_t *p, const int8_t *in, int8_t *out, int8_t *buf)
{
    const int32_t oc = p->out_c, ic = p->in_c;
    const int32_t n_pix = p->batches * p->out_h * p->out_w;
    const int32_t k = p->k_h * p->k_w * ic, k4 = (k + 3) & ~3;
    int32_t *x16 = (int32_t *)(buf + 2 * k4);
    x16[k4] = (int32_t)0x80808080;   /* mf_dsp_mix_rows' loop end */
    const int direct = p->k_h == 1 && p->k_w == 1 && p->pad_top == 0 && p->pad_left == 0 && (ic & 3) == 0 &&
                       p->stride_h == 1 && p->stride_w == 1 && p->in_h == p->out_h && p->in_w == p->out_w;
    /* Pairs whose two windows lie inside the image, side by side in one output row, are read in place
     * (mf_dsp_mix_gather2) when window rows are contiguous (dil_w 1) and at least 4 bytes long. */
    const int32_t r = p->k_w * ic, rs = p->dil_h * p->in_w * ic, per_image = p->out_h * p->out_w;
    const int gather = !direct && p->dil_w == 1 && r >= 4 && (k4 <= MF_CONV2D_MIX_GATHER_MAX_WIN || (r & 3) == 0);
    for (int32_t i = 0; i < n_pix; i += 2) {
        const int32_t n_px = n_pix - i >= 2 ? 2 : 1;
        int inside = 0;
        if (gather && n_px == 2) {
            const int32_t bt = i / per_image, q = i - bt * per_image, oy = q / p->out_w, ox = q - oy * p->out_w;
            const int32_t iy0 = oy * p->stride_h - p->pad_top, ix0 = ox * p->stride_w - p->pad_left;
            inside = ox + 1 < p->out_w && iy0 >= 0 && iy0 + (p->k_h - 1) * p->dil_h < p->in_h && ix0 >= 0 &&
                     ix0 + p->stride_w + p->k_w <= p->in_w;
            if (inside) {
                const int8_t *w0 = in + ((bt * p->in_h + iy0) * p->in_w + ix0) * ic;
                mf_dsp_mix_gather2(x16, w0, w0 + p->stride_w * ic, k4, r, rs, k);
            }
        }
        if (!inside && direct) {
            mf_dsp_mix_expand2(x16, in + i * ic, in + (i + n_px - 1) * ic, k4);
        } else if (!inside) {
            mf_dsp_im2col(p, in, i, buf);
            if (n_px == 2) mf_dsp_im2col(p, in, i + 1, buf + k4);
            mf_dsp_mix_expand2(x16, buf, buf + (n_px - 1) * k4, k4);
        }
        if (n_px == 2)
            mf_dsp_mix_rows(x16, k4, p->weights, p->rq, oc, p->out_offset, p->act_min, p->act_max, out + i * oc);
        else
            mf_dsp_mix_rows1(x16, k4, p->weights, p->rq, oc, p->out_offset, p->act_min, p->act_max, out + i * oc);
    }
}

/* ---- 1x1 convolutions with 8 input channels (mix = 2) --------------------------------------
 * Chosen by ops/conv2d.py (c1_rq_layout) for unpadded 1x1 layers with in_c 8 and out_c <= 255; weights as in
 * the .tflite ([out_c][8] int8), rq per channel: 2*bias, m, e, rnd (mf_dw_requant's form,
 * runtime/dsp/mf_depthwise_conv2d.h: SMMLAR of the doubled accumulator with rnd - (acc2 < 0) added, >> e,
 * saturate; with MF_NEG_CLAMPED(act_min, out_offset) rnd alone: a negative value clamps to act_min whatever its
 * rounding). A run of up to MF_CONV2D_C1_RUN pixels (pixel order, any stride, batches) is sign-extended once
 * into buf: per pixel 4 words, for 4-byte chunk j SXTB16(bytes 0, 2) then SXTB16(bytes 1, 3). Then channel by
 * channel: the channel's weights sign-extended in the same lane order and doubled (SADD16) into 4 registers,
 * its 4 constants in registers, and every pixel of the run costs 4 input loads, 4 SMLADs, 4 requantisation
 * instructions (3 when the layer has at most ops/conv2d.py C1_MAX_SHIFTS distinct shifts: a copy of the
 * loop per shift e, chosen per channel, whose SSAT shifts by e as an immediate; params c1_shifts) and one STRB
 * (stride out_c); a dense run is sign-extended 4 pixels per asm pass (MF_C1_EXP4): 16 pixels per asm loop pass (its end check, 4 instructions, once per 16
 * outputs) until a sentinel word after the first n & ~15 pixels, then the last n % 16 (stored after the sentinel) one
 * by one (14 registers: 4 weights, 4 constants, 4 temporaries, input and output pointers). M4/M33: a pixel's 4
 * loads back to back (MF_C1_PIX8); M7 with MF_NEG_CLAMPED: software pipelined across pixels (MF_C1_PASS_M7). A run's pixels are all read before any of its outputs is
 * written, and runs go in pixel order, so the write order contract of the other paths (ops/conv2d.py
 * overlap_lead) holds. Scratch: MF_CONV2D_C1_SCRATCH_BYTES. */
#define MF_CONV2D_C1_SCRATCH_BYTES 1540  /* MF_CONV2D_C1_RUN pixels and the sentinel word */
/* Pixels a run: each run costs every channel its setup (weights widened, constants, the shift's loop copy picked);
 * 96 instead of 48 took vww 18.6K cycles lower on the M4, 5.9K on the M7, MobileNetV2 69K / 22K, for 768 B more stack
 * (vww's RAM +344 B, MobileNetV2's unchanged); 192 saved vww another 9.7K on the M4 for 1.5 KB more. */
#define MF_CONV2D_C1_RUN 96
#if defined(MF_TARGET_M7)
#define MF_C1_M7 1
#else
#define MF_C1_M7 0
#endif

/* acc2 in register R_ (a string) requantised: SMMLAR with rnd (MF_NEG_CLAMPED) or rnd - (acc2 < 0) (T_ a free
 * register), then MF_C1_OUT. */
#define MF_C1_RQ(R_, T_)                                                                               \
    ".if %c[neg]\n\tadd " T_ ", %[rnd], " R_ ", asr #31\n\tsmmlar " R_ ", " R_ ", %[m], " T_ "\n\t"         \
    ".else\n\tsmmlar " R_ ", " R_ ", %[m], %[rnd]\n\t.endif\n\t"
/* ... >> e, saturated to int8: one SSAT with the shift when e is an immediate (%[ei], mf_conv2d_s8_c1's per-shift
 * copies), else ASR by the register e first */
#define MF_C1_SAT(R_)                                                                                  \
    ".if %c[ei]\n\tssat " R_ ", #8, " R_ ", asr #%c[ei]\n\t"                                           \
    ".else\n\tasr " R_ ", " R_ ", %[e]\n\tssat " R_ ", #8, " R_ "\n\t.endif\n\t"
/* MF_C1_SAT in two halves, for the M7's schedule (each half beside a MAC): the ASR, or with an immediate e the whole
 * SSAT; then the SSAT (none with an immediate e) */
#define MF_C1_ASR(R_)                                                                                  \
    ".if %c[ei]\n\tssat " R_ ", #8, " R_ ", asr #%c[ei]\n\t.else\n\tasr " R_ ", " R_ ", %[e]\n\t.endif\n\t"
#define MF_C1_SSAT(R_) ".if %c[ei] == 0\n\tssat " R_ ", #8, " R_ "\n\t.endif\n\t"
/* ... clamped to [act_min, act_max] */
#define MF_C1_CLAMP(R_)                                                                                \
    ".if %c[clo]\n\tcmp " R_ ", #%c[lo]\n\tit lt\n\tmovlt " R_ ", #%c[lo]\n\t.endif\n\t"                   \
    ".if %c[chi]\n\tcmp " R_ ", #%c[hi]\n\tit gt\n\tmovgt " R_ ", #%c[hi]\n\t.endif\n\t"
#define MF_C1_ST(R_) "strb " R_ ", [%[o]], #%c[oc]\n\t"

/* One pixel at byte offset X_ of the expanded run: its 4 words loaded back to back (the M4 pipelines them),
 * acc2 = 2*bias + 2*w.x, requantised, clamped, stored. */
#define MF_C1_PIX8(X_)                                                                                 \
    "ldr %[a], [%[x], #" #X_ "]\n\t"                                                                   \
    "ldr %[b], [%[x], #" #X_ "+4]\n\t"                                                                 \
    "ldr %[c], [%[x], #" #X_ "+8]\n\t"                                                                 \
    "ldr %[d], [%[x], #" #X_ "+12]\n\t"                                                                \
    "smlad %[a], %[a], %[w0], %[b2]\n\t"                                                               \
    "smlad %[a], %[b], %[w1], %[a]\n\t"                                                                \
    "smlad %[a], %[c], %[w2], %[a]\n\t"                                                                \
    "smlad %[a], %[d], %[w3], %[a]\n\t"                                                                \
    MF_C1_RQ("%[a]", "%[b]") MF_C1_SAT("%[a]") MF_C1_CLAMP("%[a]") MF_C1_ST("%[a]")
#define MF_C1_PASS_M4                                                                                  \
    MF_C1_PIX8(0) MF_C1_PIX8(16) MF_C1_PIX8(32) MF_C1_PIX8(48) MF_C1_PIX8(64) MF_C1_PIX8(80)           \
    MF_C1_PIX8(96) MF_C1_PIX8(112) MF_C1_PIX8(128) MF_C1_PIX8(144) MF_C1_PIX8(160) MF_C1_PIX8(176)     \
    MF_C1_PIX8(192) MF_C1_PIX8(208) MF_C1_PIX8(224) MF_C1_PIX8(240)

/* The M7's pass (MF_NEG_CLAMPED layers: SMMLAR needs no temporary), software pipelined for its dual issue: while
 * pixel q's accumulator X_ runs its 4 SMLADs, pixel q - 1's result A_ is shifted, saturated and stored and pixel
 * q + 1's words are loaded, ordered so that no two neighbours conflict (no two MACs, no read of the one before's
 * result): every instruction issues beside one, 12 instructions a pixel with e in a register, 11 with e an immediate
 * (MF_C1_ASR's SSAT in the ASR's place): 99 and 90 cycles a 16-pixel pass, its end check in. The earlier order (two
 * MACs side by side, a load before its SMLAD) took 102 with e in a register: vww's op 2 (its row pipeline) 4.6K more.
 * On entry pixel q's first 3 words are in X_, Y_, Z_ and q - 1's SMMLAR result in A_; on exit q's result is in X_
 * and q + 1's first words in A_, Z_, Y_: the roles swap from pixel to pixel (MF_C1_PASS_M7). O_: q's byte offset. */
#define MF_C1_M7_PIX(A_, X_, Y_, Z_, O_)                                                               \
    "smlad " X_ ", " X_ ", %[w0], %[b2]\n\t"                                                           \
    MF_C1_ASR(A_)                                                                                      \
    "smlad " X_ ", " Y_ ", %[w1], " X_ "\n\t"                                                          \
    MF_C1_SSAT(A_) MF_C1_CLAMP(A_)                                                                     \
    "ldr " Y_ ", [%[x], #" O_ "+12]\n\t"                                                               \
    "smlad " X_ ", " Z_ ", %[w2], " X_ "\n\t"                                                          \
    MF_C1_ST(A_)                                                                                       \
    "smlad " X_ ", " Y_ ", %[w3], " X_ "\n\t"                                                          \
    "ldr " A_ ", [%[x], #" O_ "+16]\n\t"                                                               \
    "smmlar " X_ ", " X_ ", %[m], %[rnd]\n\t"                                                          \
    "ldr " Z_ ", [%[x], #" O_ "+20]\n\t"                                                               \
    "ldr " Y_ ", [%[x], #" O_ "+24]\n\t"
/* 16 pixels from x (pixel 0's first word already in a): pixel 0 has no predecessor, pixel 15 no successor (its own
 * result stored at the end); then the next pass's first word into a. */
#define MF_C1_PASS_M7                                                                                  \
    "ldr %[b], [%[x], #4]\n\tsmlad %[a], %[a], %[w0], %[b2]\n\t"                                       \
    "ldr %[c], [%[x], #8]\n\tsmlad %[a], %[b], %[w1], %[a]\n\t"                                         \
    "ldr %[b], [%[x], #12]\n\tsmlad %[a], %[c], %[w2], %[a]\n\t"                                        \
    "ldr %[d], [%[x], #16]\n\tsmlad %[a], %[b], %[w3], %[a]\n\t"                                        \
    "ldr %[c], [%[x], #20]\n\tsmmlar %[a], %[a], %[m], %[rnd]\n\tldr %[b], [%[x], #24]\n\t"              \
    MF_C1_M7_PIX("%[a]", "%[d]", "%[c]", "%[b]", "16") MF_C1_M7_PIX("%[d]", "%[a]", "%[b]", "%[c]", "32")   \
    MF_C1_M7_PIX("%[a]", "%[d]", "%[c]", "%[b]", "48") MF_C1_M7_PIX("%[d]", "%[a]", "%[b]", "%[c]", "64")   \
    MF_C1_M7_PIX("%[a]", "%[d]", "%[c]", "%[b]", "80") MF_C1_M7_PIX("%[d]", "%[a]", "%[b]", "%[c]", "96")   \
    MF_C1_M7_PIX("%[a]", "%[d]", "%[c]", "%[b]", "112") MF_C1_M7_PIX("%[d]", "%[a]", "%[b]", "%[c]", "128") \
    MF_C1_M7_PIX("%[a]", "%[d]", "%[c]", "%[b]", "144") MF_C1_M7_PIX("%[d]", "%[a]", "%[b]", "%[c]", "160") \
    MF_C1_M7_PIX("%[a]", "%[d]", "%[c]", "%[b]", "176") MF_C1_M7_PIX("%[d]", "%[a]", "%[b]", "%[c]", "192") \
    MF_C1_M7_PIX("%[a]", "%[d]", "%[c]", "%[b]", "208") MF_C1_M7_PIX("%[d]", "%[a]", "%[b]", "%[c]", "224") \
    "smlad %[d], %[d], %[w0], %[b2]\n\t" MF_C1_ASR("%[a]")                                              \
    "smlad %[d], %[c], %[w1], %[d]\n\t" MF_C1_SSAT("%[a]") MF_C1_CLAMP("%[a]")                         \
    "ldr %[c], [%[x], #252]\n\tsmlad %[d], %[b], %[w2], %[d]\n\t" MF_C1_ST("%[a]")                     \
    "smlad %[d], %[c], %[w3], %[d]\n\t"                                                                \
    "smmlar %[d], %[d], %[m], %[rnd]\n\tadds %[x], #256\n\t" MF_C1_ASR("%[d]") MF_C1_SSAT("%[d]")      \
    "ldr %[a], [%[x]]\n\t" MF_C1_CLAMP("%[d]") MF_C1_ST("%[d]")

/* 4 contiguous pixels (32 bytes at s) sign-extended into the run at d, 4 words a pixel as the passes read them
 * (SXTB16 of bytes 0, 2 then of bytes 1, 3, per 4-byte chunk): the 8 loads in one chain (LDR pipelining on the M4; s
 * stepped after them), then each word's SXTB16 and store (d stepped by the last store). */
#define MF_C1_EXP1(U_, O_)                                                                             \
    "sxtb16 %[t], %[" U_ "]\n\tstr %[t], [%[d], #" O_ "]\n\t"                                         \
    "sxtb16 %[" U_ "], %[" U_ "], ror #8\n\tstr %[" U_ "], [%[d], #" O_ " + 4]\n\t"
#define MF_C1_EXP4                                                                                     \
    "ldr %[u0], [%[s]]\n\tldr %[u1], [%[s], #4]\n\tldr %[u2], [%[s], #8]\n\tldr %[u3], [%[s], #12]\n\t"  \
    "ldr %[u4], [%[s], #16]\n\tldr %[u5], [%[s], #20]\n\tldr %[u6], [%[s], #24]\n\tldr %[u7], [%[s], #28]\n\t" \
    "add %[s], %[s], #32\n\t"                                                                          \
    MF_C1_EXP1("u0", "0") MF_C1_EXP1("u1", "8") MF_C1_EXP1("u2", "16") MF_C1_EXP1("u3", "24")          \
    MF_C1_EXP1("u4", "32") MF_C1_EXP1("u5", "40") MF_C1_EXP1("u6", "48")                                \
    "sxtb16 %[t], %[u7]\n\tstr %[t], [%[d], #56]\n\t"                                                \
    "sxtb16 %[u7], %[u7], ror #8\n\tstr %[u7], [%[d], #60]\n\t"                                      \
    "add %[d], %[d], #64\n\t"

MF_KERNEL void mf_conv2d_s8_c1(const mf_conv2d_params_t *p, const int8_t *in, int8_t *out, int8_t *buf)
{
    const int32_t oc = p->out_c, ic = 8, run = MF_CONV2D_C1_RUN;
    const int32_t n_pix = p->batches * p->out_h * p->out_w;
    const int32_t xs = p->stride_w * ic, ys = p->stride_h * p->in_w * ic, bs = p->in_h * p->in_w * ic;
    int32_t *x16 = (int32_t *)buf;
    const int dense = p->stride_h == 1 && p->stride_w == 1 && p->in_h == p->out_h && p->in_w == p->out_w;
    int32_t ox = 0, oy = 0;
    const int8_t *row = in, *img = in, *xi = in;   /* row: input pixel of output column 0 of the current row */
    for (int32_t i = 0; i < n_pix; i += run) {
        const int32_t n = n_pix - i < run ? n_pix - i : run;
        const int32_t n4 = n & ~15;  /* pixels the 16-pixel asm loop takes */
        int32_t *d = x16;
        if (dense) {   /* the run's pixels are contiguous: 4 a pass (n4 % 4 == 0), MF_C1_EXP4 */
            const int8_t *xe = xi + 8 * n4;
            while (xi != xe) {
                int32_t u0, u1, u2, u3, u4, u5, u6, u7, t;
                __asm__ volatile(MF_C1_EXP4
                                 : [u0] "=&r"(u0), [u1] "=&r"(u1), [u2] "=&r"(u2), [u3] "=&r"(u3), [u4] "=&r"(u4),
                                   [u5] "=&r"(u5), [u6] "=&r"(u6), [u7] "=&r"(u7), [t] "=&r"(t), [s] "+r"(xi), [d] "+r"(d)
                                 :
                                 : "memory");
            }
            *d++ = (int32_t)0x80808080;   /* the 16-pixel loop's end: no sign-extended int8 pair equals it */
            for (int32_t q = n4; q < n; ++q, xi += 8, d += 4) {
                const int32_t u = mf_dsp_ld4(xi), v = mf_dsp_ld4(xi + 4);
                d[0] = mf_dsp_ev(u); d[1] = mf_dsp_od(u); d[2] = mf_dsp_ev(v); d[3] = mf_dsp_od(v);
            }
        } else {
            for (int32_t q = 0; q < n; ++q, d += 4) {
                if (q == n4) *d++ = (int32_t)0x80808080;
                const int32_t u = mf_dsp_ld4(xi), v = mf_dsp_ld4(xi + 4);
                d[0] = mf_dsp_ev(u); d[1] = mf_dsp_od(u); d[2] = mf_dsp_ev(v); d[3] = mf_dsp_od(v);
                if (++ox < p->out_w) { xi += xs; continue; }
                ox = 0;
                if (++oy < p->out_h) { row += ys; xi = row; continue; }
                oy = 0; img += bs; row = img; xi = img;
            }
            if (n4 == n) *d = (int32_t)0x80808080;
        }
        const int8_t *w = p->weights;
        const int32_t *r = p->rq;
        int8_t *o0 = out + i * oc;
        for (int32_t c = 0; c < oc; ++c, w += ic, r += 4, ++o0) {
            const int32_t u = mf_dsp_ld4(w), v = mf_dsp_ld4(w + 4);
            /* Hard registers but the fourth temporary d: with free choice GCC's allocator gave up ("impossible
             * constraints") on some cores and layers; d takes the one left (r7: the 14-register asm blocks need
             * builds without a frame pointer anyway). A hard r7 changed the allocation of the whole inlined model
             * function (vww's first layer +6% on the M4). */
            register int32_t w0 __asm__("r4") = __sadd16(mf_dsp_ev(u), mf_dsp_ev(u));
            register int32_t w1 __asm__("r5") = __sadd16(mf_dsp_od(u), mf_dsp_od(u));
            register int32_t w2 __asm__("r6") = __sadd16(mf_dsp_ev(v), mf_dsp_ev(v));
            register int32_t w3 __asm__("r8") = __sadd16(mf_dsp_od(v), mf_dsp_od(v));
            register int32_t b2 __asm__("r9") = r[0];
            register int32_t m __asm__("r10") = r[1];
            register int32_t e __asm__("r11") = r[2];
            register int32_t rnd __asm__("r12") = r[3];
            register const int32_t *x __asm__("r2") = x16;
            register int8_t *o __asm__("r3") = o0;
            register int32_t a __asm__("r0"), b __asm__("r1"), cc __asm__("lr"); int32_t d;
#define MF_C1_OPS(EI_)                                                                                 \
    : [x] "+r"(x), [o] "+r"(o), [a] "=&r"(a), [b] "=&r"(b), [c] "=&r"(cc), [d] "=&r"(d)                \
    : [w0] "r"(w0), [w1] "r"(w1), [w2] "r"(w2), [w3] "r"(w3), [b2] "r"(b2), [m] "r"(m), [e] "r"(e),      \
      [rnd] "r"(rnd), [ei] "i"(EI_), [oc] "i"(oc), [lo] "i"(p->act_min), [hi] "i"(p->act_max),          \
      [clo] "i"(p->act_min > -128), [chi] "i"(p->act_max < 127),                                        \
      [neg] "i"(!MF_NEG_CLAMPED(p->act_min, p->out_offset))                                             \
    : "cc", "memory"
/* the channel's pixels: 0 .. n4 - 1 16 per pass until the sentinel (x then points at it), then the last n % 16; EI_:
 * the channel's e as an immediate, or 0 (e read from its register) */
#define MF_C1_CHANNEL(EI_)                                                                             \
    {                                                                                                  \
        if (n4 && m7)                                                                                  \
            __asm__ volatile("ldr %[a], [%[x]]\n1:\n\t@ mf_c1_pass_m7 e %c[ei]\n\t" MF_C1_PASS_M7                                   \
                             "cmp %[a], #0x80808080\n\tbne 1b"                                          \
                             MF_C1_OPS(EI_));                                                          \
        else if (n4)                                                                                   \
            __asm__ volatile("1:\n\t" MF_C1_PASS_M4                                                    \
                             "adds %[x], #256\n\tldr %[a], [%[x]]\n\tcmp %[a], #0x80808080\n\tbne 1b"    \
                             MF_C1_OPS(EI_));                                                          \
        ++x;                                                                                           \
        for (int32_t q = n & 15; q; --q) __asm__ volatile(MF_C1_PIX8(0) "adds %[x], #16" MF_C1_OPS(EI_)); \
    }
/* a copy for shift E_ when the layer has it (a compile-time constant: the others fold away) */
#define MF_C1_CASE(E_) else if (((shifts >> (E_)) & 1u) && e == (E_)) MF_C1_CHANNEL(E_)
            const int m7 = MF_C1_M7 && MF_NEG_CLAMPED(p->act_min, p->out_offset);
            /* M7 too: its pass issues two instructions a cycle, so the ASR is half a cycle a pixel (vww's op 2 18.6K
             * cycles, 5%, for about 660 code bytes a copy) */
            const uint32_t shifts = (uint32_t)p->c1_shifts;
            if (!shifts) MF_C1_CHANNEL(0)
            MF_C1_CASE(1) MF_C1_CASE(2) MF_C1_CASE(3) MF_C1_CASE(4) MF_C1_CASE(5) MF_C1_CASE(6) MF_C1_CASE(7)
            MF_C1_CASE(8) MF_C1_CASE(9) MF_C1_CASE(10) MF_C1_CASE(11) MF_C1_CASE(12) MF_C1_CASE(13) MF_C1_CASE(14)
            MF_C1_CASE(15) MF_C1_CASE(16) MF_C1_CASE(17) MF_C1_CASE(18) MF_C1_CASE(19) MF_C1_CASE(20) MF_C1_CASE(21)
            MF_C1_CASE(22)
#undef MF_C1_CASE
#undef MF_C1_CHANNEL
#undef MF_C1_OPS
        }
    }
}

/* ---- row-expanded windows on mixed weights (mix = 4) ------------------------------------------
 * For convolutions that are not 1x1 (ops/conv2d.py row_mix_layout): the input columns an output row (or
 * a strip of it) reads are sign-extended once into int16 entries, entry j = input column ix0 + j with its
 * k_h rows stacked, E = k_h * in_c values (rows outside the image, columns outside it: pad_value). An
 * output pixel's window, taken in (kx, ky, c) order, is then k_w consecutive entries: k_w * E contiguous
 * int16 values, the next pixel's window stride_w * E values on. With in_c % 4 == 0 each 4 input bytes
 * b0..b3 are widened as the words (b0, b2), (b1, b3) (two SXTB16), else in order (b0, b1), ...; the
 * weights are permuted to the window order and that word order at compile time and re-laid as mixed
 * 4-channel groups (mix_layout: per input word i, words A01/A23 at 8i, 8i+4 of the group's weights,
 * channel c' of a pair mixed into the halfwords exactly as in mf_dsp_mix_rows). So a pixel pair costs what
 * mf_dsp_mix_rows' inner loop costs, and every input value is widened k_h / stride_h times instead of
 * k_h * k_w / (stride_h * stride_w) times, with no per-pair gather or im2col at the image border. Exact
 * for the same reasons as mf_dsp_mix_rows: the same products summed in another order, in int32 without
 * overflow. Needs stride_w * E even (windows start at whole words); windows run up to 3 values past
 * k_w * E (the weights there are zero), so entries are followed by 8 spare bytes. A strip's inputs are all
 * read before any of its outputs is written (ops/conv2d.py overlap_lead's write order holds). Scratch:
 * MF_CONV2D_ROW_BYTES at most (ops/conv2d.py row_bytes); ops/conv2d.py takes this path only for in_c % 4 == 0
 * (ROW_IC_MULTIPLE: byte-by-byte widening made in_c 1 and 3 layers slower than mf_conv2d_s8_mix). */
#define MF_CONV2D_ROW_BYTES 3456
/* outputs per strip: the even count whose entries (and 8 spare bytes) fit MF_CONV2D_ROW_BYTES */
#define MF_CONV2D_ROW_STRIP(e, k_w, s_w) \
    (((((MF_CONV2D_ROW_BYTES - 8) / (2 * (e)) - (k_w)) / (s_w) + 1)) & ~1)

/* n int8 values at src as int16 at dst: when n % 4 == 0 (dst 4-byte aligned) per 4 bytes b0..b3 the words
 * SXTB16 = (b0, b2) and SXTB16 ror 8 = (b1, b3), the order mf_dsp_mix_rows' inputs have (one asm block per
 * word: GCC, short of registers in the inlined model, spilled the C form); else in order, one by one. */
/* 16 bytes at a time (n % 16 == 0): the four loads back to back (LDR pipelining on the M4, pairs on the M7), each
 * word's SXTB16s and stores after them. */
#define MF_DSP_WIDEN_WORD(U_) "sxtb16 %[t], %[" #U_ "]\n\tsxtb16 %[" #U_ "], %[" #U_ "], ror #8\n\t"      \
                              "str %[t], [%[d]], #4\n\tstr %[" #U_ "], [%[d]], #4\n\t"
MF_KERNEL void mf_dsp_widen(int16_t *dst, const int8_t *src, const int32_t n)
{
    if ((n & 15) == 0) {
        const int8_t *s = src;
        int16_t *d = dst;
        for (int32_t i = 0; i < n; i += 16) {
            int32_t a, b, c, e, t;
            __asm__ volatile("ldr %[b], [%[s], #4]\n\tldr %[c], [%[s], #8]\n\tldr %[e], [%[s], #12]\n\t"
                             "ldr %[a], [%[s]], #16\n\t"
                             MF_DSP_WIDEN_WORD(a) MF_DSP_WIDEN_WORD(b) MF_DSP_WIDEN_WORD(c) MF_DSP_WIDEN_WORD(e)
                             : [a] "=&r"(a), [b] "=&r"(b), [c] "=&r"(c), [e] "=&r"(e), [t] "=&r"(t), [s] "+r"(s),
                               [d] "+r"(d)
                             :
                             : "memory");
        }
    } else if ((n & 3) == 0) {
        const int8_t *s = src;
        int16_t *d = dst;
#pragma GCC unroll 4
        for (int32_t i = 0; i < n; i += 4) {
            int32_t u, v;
            __asm__ volatile("ldr %[u], [%[s]], #4\n\t"
                             "sxtb16 %[v], %[u]\n\t"
                             "sxtb16 %[u], %[u], ror #8\n\t"
                             "str %[v], [%[d]], #4\n\t"
                             "str %[u], [%[d]], #4"
                             : [u] "=&r"(u), [v] "=&r"(v), [s] "+r"(s), [d] "+r"(d)
                             :
                             : "memory");
        }
    } else {
        for (int32_t i = 0; i < n; ++i) dst[i] = src[i];
    }
}

/* pad_value into the ic values at d (4-byte aligned when ic is even; 8 words a step, unrolled, when ic % 16 == 0) */
MF_KERNEL void mf_dsp_row_pad(int16_t *d, const int32_t ic, const int32_t pad_value)
{
    const int32_t pad2 = (int32_t)((uint32_t)(uint16_t)pad_value * 0x10001u);
    if ((ic & 15) == 0) {
        for (int32_t c = 0; c < ic; c += 16) {
#pragma GCC unroll 8
            for (int32_t k = 0; k < 16; k += 2) memcpy(d + c + k, &pad2, 4);
        }
    } else if ((ic & 1) == 0) for (int32_t c = 0; c < ic; c += 2) memcpy(d + c, &pad2, 4);
    else for (int32_t c = 0; c < ic; ++c) d[c] = (int16_t)pad_value;
}

/* n columns of ic input values (ic % 16 == 0, ic <= 240; contiguous at src) widened as mf_dsp_widen does into entries
 * es bytes apart at dst, in one asm loop: per 16 bytes the four loads back to back (the first word's last, moving src
 * on by the column: LDR pipelining on the M4, pairs on the M7), then each word's two SXTB16s and two stores interleaved
 * over two temporaries so that on the M7 every store issues with an SXTB16 (11 issue cycles per 16 bytes instead of
 * about 15; the M4's 21 cycles are the loads, SXTB16s and stores themselves), no per-column call or moves. With in_c 16
 * (one chunk a column, where the pointer step and check cost the M4 5 of 26 cycles) two columns a pass, the second's
 * stores es bytes on: an odd count enters at the second with dst biased back by es. */
#define MF_WIDEN_LD(K_, A_, B_, C_, E_)                                                          \
    "ldr %[" B_ "], [%[s], #16 * " K_ " + 4 - %c[o]]\n\tldr %[" C_ "], [%[s], #16 * " K_ " + 8 - %c[o]]\n\t" \
    "ldr %[" E_ "], [%[s], #16 * " K_ " + 12 - %c[o]]\n\t"
#define MF_WIDEN_ST(K_, D_)                                                                      \
    "sxtb16 %[t], %[a]\n\tsxtb16 %[v], %[b]\n\t"                                                   \
    "str %[t], [%[d], #" D_ " + 32 * " K_ "]\n\tsxtb16 %[a], %[a], ror #8\n\t"                        \
    "str %[v], [%[d], #" D_ " + 32 * " K_ " + 8]\n\tsxtb16 %[b], %[b], ror #8\n\t"                    \
    "str %[a], [%[d], #" D_ " + 32 * " K_ " + 4]\n\tsxtb16 %[t], %[c]\n\t"                            \
    "str %[b], [%[d], #" D_ " + 32 * " K_ " + 12]\n\tsxtb16 %[v], %[e]\n\t"                           \
    "str %[t], [%[d], #" D_ " + 32 * " K_ " + 16]\n\tsxtb16 %[c], %[c], ror #8\n\t"                   \
    "str %[v], [%[d], #" D_ " + 32 * " K_ " + 24]\n\tsxtb16 %[e], %[e], ror #8\n\t"                   \
    "str %[c], [%[d], #" D_ " + 32 * " K_ " + 20]\n\tstr %[e], [%[d], #" D_ " + 32 * " K_ " + 28]\n\t"
/* one column, its stores D_ bytes past d */
#define MF_WIDEN_COL(D_)                                                                         \
    "ldr %[b], [%[s], #4]\n\tldr %[c], [%[s], #8]\n\tldr %[e], [%[s], #12]\n\t"                  \
    "ldr %[a], [%[s]], #%c[ic]\n\t" MF_WIDEN_ST("0", D_)                                           \
    ".irp k, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14\n\t"                                   \
    ".if \\k < %c[ic] / 16\n\t"                                                                  \
    "ldr %[a], [%[s], #16 * \\k - %c[ic]]\n\t" MF_WIDEN_LD("\\k", "a", "b", "c", "e")              \
    MF_WIDEN_ST("\\k", D_) ".endif\n\t.endr\n\t"
MF_KERNEL void mf_dsp_widen_cols(int16_t *dst, const int8_t *src, const int32_t n, const int32_t ic, const int32_t es)
{
    const int8_t *s = src, *const se = src + n * ic;
    int16_t *d = dst;
    int32_t a, b, c, e, t, v;
    if (ic == 16)
        __asm__ volatile("@ mf_dsp_widen_cols %c[ic] two columns a pass\n\t"
                         "tst %[n], #1\n\titt ne\n\tsubne %[d], %[d], #%c[es]\n\tbne 3f\n"
                         "1:\n\t" MF_WIDEN_COL("0") "\n"
                         "3:\n\t" MF_WIDEN_COL("%c[es]")
                         "add %[d], %[d], #2 * %c[es]\n\tcmp %[s], %[se]\n\tbne 1b"
                         : [a] "=&r"(a), [b] "=&r"(b), [c] "=&r"(c), [e] "=&r"(e), [t] "=&r"(t), [v] "=&r"(v),
                           [s] "+r"(s), [d] "+r"(d)
                         : [se] "r"(se), [n] "r"(n), [ic] "i"(ic), [o] "i"(ic), [es] "i"(es)
                         : "cc", "memory");
    else
        __asm__ volatile("@ mf_dsp_widen_cols %c[ic]\n1:\n\t" MF_WIDEN_COL("0")
                         "add %[d], %[d], #%c[es]\n\tcmp %[s], %[se]\n\tbne 1b"
                         : [a] "=&r"(a), [b] "=&r"(b), [c] "=&r"(c), [e] "=&r"(e), [t] "=&r"(t), [v] "=&r"(v),
                           [s] "+r"(s), [d] "+r"(d)
                         : [se] "r"(se), [ic] "i"(ic), [o] "i"(ic), [es] "i"(es)
                         : "cc", "memory");
}
#undef MF_WIDEN_COL
#undef MF_WIDEN_LD
#undef MF_WIDEN_ST

/* Entries of `rows` input rows each (k_h; k_h + stride_h for two output rows, mix = 8) for columns ix0 .. ix0 + nx - 1
 * of output row oy of image in_b (input rows from oy * stride_h - pad_top). With ring_bytes (a row pipeline's ring
 * window, mf_conv2d_s8_ring) input row iy lies at byte (ring_first + iy * in_w * in_c) mod ring_bytes of in_b;
 * otherwise ring_bytes is the constant 0 and the address is the image's. */
MF_KERNEL void mf_dsp_row_entries(const mf_conv2d_params_t *p, const int8_t *in_b, const int32_t oy, const int32_t rows,
                                  const int32_t ix0, const int32_t nx, int16_t *x, const int32_t ring_first,
                                  const int32_t ring_bytes)
{
    const int32_t ic = p->in_c, e = rows * ic;
    const int32_t jl = ix0 < 0 ? -ix0 : 0, jr = p->in_w - ix0 < nx ? p->in_w - ix0 : nx;   /* columns inside: [jl, jr) */
    for (int32_t ky = 0; ky < rows; ++ky) {
        const int32_t iy = oy * p->stride_h - p->pad_top + ky;
        int16_t *d = x + ky * ic;
        int32_t j = 0;
        if (iy >= 0 && iy < p->in_h) {
            for (; j < jl; ++j, d += e) mf_dsp_row_pad(d, ic, p->pad_value);
            int32_t at = ring_first + iy * p->in_w * ic;   /* the row's place in the ring */
            if (at >= ring_bytes) at -= ring_bytes;
            const int8_t *src = ring_bytes ? in_b + at + (ix0 + jl) * ic : in_b + (iy * p->in_w + ix0 + jl) * ic;
            if (ic % 16 == 0 && ic <= 240 && jr > j) {
                mf_dsp_widen_cols(d, src, jr - j, ic, 2 * e);
                d += (jr - j) * e;
                j = jr;
            }
            for (; j < jr; ++j, d += e, src += ic) mf_dsp_widen(d, src, ic);
        }
        for (; j < nx; ++j, d += e) mf_dsp_row_pad(d, ic, p->pad_value);
    }
}

/* One input word (2 window values) at byte X_ of pixel 0's window (pixel 1's at X_ + D) and its weights at W_. */
#define MF_DSP_RMIX(X_, W_)                                                                      \
    "ldr %[e0], [%[x], #" #X_ "]\n\t"                                                            \
    "ldr %[e1], [%[x], #" #X_ "+%c[d]]\n\t"                                                      \
    "ldr %[wa], [%[w], #" #W_ "]\n\t"                                                            \
    "ldr %[wb], [%[w], #" #W_ "+4]\n\t" MF_DSP_MIX_MACS
/* Window passes of 8 * MF_RMIX_PASS8(nw) words (nw = k4 / 2 words a window): 3 or 2 eights when they divide nw
 * (ic's 3x3 windows: 72, 144, 288 words), else 1; the nw % (8 * passes) words before them (< 8: the 2- and 4-word
 * heads) go first. A pass's check (the window's end loaded from the stack, CMP, taken branch: 6 cycles on the M4)
 * then comes once per 24 words instead of 8: ic's 3x3 layers -3% on the M4/M33, at most 3 * 8 words of code
 * (at most 255 bytes of writeback: 64 * 3 for w). */
#define MF_RMIX_PASS8(nw) ((nw) % 24 == 0 ? 3 : (nw) % 16 == 0 ? 2 : 1)
/* ... and the heads' words (asm operands nw = k4 / 2 and pu = MF_RMIX_PASS8(nw)) */
#define MF_RMIX_LEAD "(%c[nw] %% (8 * %c[pu]))"
/* M4/M33 word J_ on x biased by -4 bytes and w at the pass's start plus O_ (w moved on by the pass's first word) */
#define MF_RMIX4_W(J_, O_) MF_DSP_RMIX(4 + 4 * (J_), 8 * (J_) + O_)
#define MF_RMIX4_W4(J_) MF_RMIX4_W(J_, 0) MF_RMIX4_W(J_ + 1, 0) MF_RMIX4_W(J_ + 2, 0) MF_RMIX4_W(J_ + 3, 0)
#define MF_RMIX4_W8(J_, O_)                                                                      \
    MF_RMIX4_W(J_, O_) MF_RMIX4_W(J_ + 1, O_) MF_RMIX4_W(J_ + 2, O_) MF_RMIX4_W(J_ + 3, O_)         \
    MF_RMIX4_W(J_ + 4, O_) MF_RMIX4_W(J_ + 5, O_) MF_RMIX4_W(J_ + 6, O_) MF_RMIX4_W(J_ + 7, O_)
/* ... a pass's word J_ on x biased by -4 - gp bytes (gp: the gap between passes, below) */
#define MF_RMIX4_WP(J_, O_) MF_DSP_RMIX(4 + %c[gp] + 4 * (J_), 8 * (J_) + O_)
#define MF_RMIX4_WP8(J_, O_)                                                                     \
    MF_RMIX4_WP(J_, O_) MF_RMIX4_WP(J_ + 1, O_) MF_RMIX4_WP(J_ + 2, O_) MF_RMIX4_WP(J_ + 3, O_)     \
    MF_RMIX4_WP(J_ + 4, O_) MF_RMIX4_WP(J_ + 5, O_) MF_RMIX4_WP(J_ + 6, O_) MF_RMIX4_WP(J_ + 7, O_)
/* A pass of 8 * pu words: the first word's last load moves w on by the pass (post-indexed, last of its load chain, so
 * the M4 still pipelines the loads before it and the SMLADs hide the writeback; the later words read w at negative
 * offsets), the last word's last load moves x on (pre-indexed): no separate pointer updates. x stays biased by
 * -4 - gp, so that load moves it on by the pass and gp bytes more: a window whose passes lie gp bytes apart (the
 * two-row entries of mf_conv2d_s8_rowmix, one pass an entry; gp = 0: contiguous). */
#define MF_DSP_RMIX_PASS                                                                         \
    "ldr %[e0], [%[x], #4+%c[gp]]\n\tldr %[e1], [%[x], #4+%c[gp]+%c[d]]\n\t"                        \
    "ldr %[wb], [%[w], #4]\n\tldr %[wa], [%[w]], #64 * %c[pu]\n\t" MF_DSP_MIX_MACS               \
    MF_RMIX4_WP(1, -64 * %c[pu]) MF_RMIX4_WP(2, -64 * %c[pu]) MF_RMIX4_WP(3, -64 * %c[pu])         \
    MF_RMIX4_WP(4, -64 * %c[pu]) MF_RMIX4_WP(5, -64 * %c[pu]) MF_RMIX4_WP(6, -64 * %c[pu])         \
    ".if %c[pu] >= 2\n\t" MF_RMIX4_WP8(7, -64 * %c[pu]) ".endif\n\t"                              \
    ".if %c[pu] >= 3\n\t" MF_RMIX4_WP8(15, -64 * %c[pu]) ".endif\n\t"                             \
    "ldr %[e1], [%[x], #32 * %c[pu]+%c[gp]+%c[d]]\n\t"                                            \
    "ldr %[wa], [%[w], #-8]\n\t"                                                                 \
    "ldr %[wb], [%[w], #-4]\n\t"                                                                 \
    "ldr %[e0], [%[x], #32 * %c[pu]+%c[gp]]!\n\t" MF_DSP_MIX_MACS

/* M7 (dual issue): the same words software pipelined, every load and SXTB16 issued next to an SMLAD. A step (one
 * input word pair against one weight pair) finds pixel 0's word in e0 and its raw weight word in wa (loaded by
 * the step before, after their last reads there) and loads the next step's at X_ + 4, W_ + 8 (with writeback
 * when WB_ is "!": the pointers then move on to them): 8 SMLADs in 8 issue cycles. */
#define MF_RMIX7_STEP(X_, W_, WB_)                                                               \
    "smlad %[ma0], %[e0], %[wa], %[ma0]\n\t" "ldr %[e1], [%[x], #" #X_ "+%c[d]]\n\t"              \
    "smlad %[ma1], %[e1], %[wa], %[ma1]\n\t" "ldr %[wb], [%[w], #" #W_ "+4]\n\t"                  \
    "smlad %[mb0], %[e0], %[wb], %[mb0]\n\t" "sxtb16 %[wa], %[wa]\n\t"                            \
    "smlad %[mb1], %[e1], %[wb], %[mb1]\n\t" "sxtb16 %[wb], %[wb]\n\t"                            \
    "smlad %[sa0], %[e0], %[wa], %[sa0]\n\t"                                                      \
    "smlad %[sa1], %[e1], %[wa], %[sa1]\n\t" "ldr %[wa], [%[w], #" #W_ "+8]" WB_ "\n\t"           \
    "smlad %[sb0], %[e0], %[wb], %[sb0]\n\t" "ldr %[e0], [%[x], #" #X_ "+4]" WB_ "\n\t"           \
    "smlad %[sb1], %[e1], %[wb], %[sb1]\n\t"
/* A pass's last step: e1 is done first so it can take the weights' end (stacked) for the pass check, which
 * compares w once the next weight word's load has moved it on; the x step's load issues with the branch. */
#define MF_RMIX7_LAST(X_, W_)                                                                    \
    "smlad %[ma0], %[e0], %[wa], %[ma0]\n\t" "ldr %[e1], [%[x], #" #X_ "+%c[d]]\n\t"              \
    "smlad %[ma1], %[e1], %[wa], %[ma1]\n\t" "ldr %[wb], [%[w], #" #W_ "+4]\n\t"                  \
    "smlad %[mb0], %[e0], %[wb], %[mb0]\n\t" "sxtb16 %[wa], %[wa]\n\t"                            \
    "smlad %[mb1], %[e1], %[wb], %[mb1]\n\t" "sxtb16 %[wb], %[wb]\n\t"                            \
    "smlad %[sa1], %[e1], %[wa], %[sa1]\n\t"                                                      \
    "smlad %[sb1], %[e1], %[wb], %[sb1]\n\t" "ldr %[e1], %[end]\n\t"                              \
    "smlad %[sa0], %[e0], %[wa], %[sa0]\n\t" "ldr %[wa], [%[w], #" #W_ "+8]!\n\t"                 \
    "smlad %[sb0], %[e0], %[wb], %[sb0]\n\t" "cmp %[w], %[e1]\n\t"                                \
    "ldr %[e0], [%[x], #" #X_ "+4]!\n\t"
#define MF_RMIX7_STEP4(X_, W_)                                                                   \
    MF_RMIX7_STEP(X_, W_, "") MF_RMIX7_STEP(X_ + 4, W_ + 8, "") MF_RMIX7_STEP(X_ + 8, W_ + 16, "")  \
    MF_RMIX7_STEP(X_ + 12, W_ + 24, "")
/* steps J_ .. J_ + 7 of a pass (an eight before its last) */
#define MF_RMIX7_STEP8(J_)                                                                       \
    MF_RMIX7_STEP4(4 * (J_), 8 * (J_)) MF_RMIX7_STEP(4 * (J_) + 16, 8 * (J_) + 32, "")              \
    MF_RMIX7_STEP(4 * (J_) + 20, 8 * (J_) + 40, "") MF_RMIX7_STEP(4 * (J_) + 24, 8 * (J_) + 48, "")  \
    MF_RMIX7_STEP(4 * (J_) + 28, 8 * (J_) + 56, "")
/* The whole window on the M7: the first words loaded, the 2- and 4-word heads (their last step moving x and w on),
 * then passes of 8 * pu words until w reaches the group's end. The last step loads a word past pixel 0's window
 * (inside pixel 1's entries) and past the group's weights (the next group's first word; after the last group the
 * requantisation constants, which ops/conv2d.py stores right after the weights). */
#define MF_DSP_RMIX_WINDOW_M7                                                                    \
    "ldr %[e0], [%[x]]\n\tldr %[wa], [%[w]]\n\t"                                                  \
    ".if " MF_RMIX_LEAD " & 2\n\t" MF_RMIX7_STEP(0, 0, "") MF_RMIX7_STEP(4, 8, "!") ".endif\n\t"        \
    ".if " MF_RMIX_LEAD " & 4\n\t" MF_RMIX7_STEP(0, 0, "") MF_RMIX7_STEP(4, 8, "") MF_RMIX7_STEP(8, 16, "") \
    MF_RMIX7_STEP(12, 24, "!") ".endif\n\t"                                                       \
    ".if %c[nw] > " MF_RMIX_LEAD "\n\t@ mf_rmix window passes of %c[pu] eights\n"                   \
    "1:\n\t" ".if %c[pu] >= 2\n\t" MF_RMIX7_STEP8(0) ".endif\n\t"                                 \
    ".if %c[pu] >= 3\n\t" MF_RMIX7_STEP8(8) ".endif\n\t"                                          \
    MF_RMIX7_STEP4(32 * %c[pu] - 32, 64 * %c[pu] - 64) MF_RMIX7_STEP(32 * %c[pu] - 16, 64 * %c[pu] - 32, "") \
    MF_RMIX7_STEP(32 * %c[pu] - 12, 64 * %c[pu] - 24, "") MF_RMIX7_STEP(32 * %c[pu] - 8, 64 * %c[pu] - 16, "") \
    MF_RMIX7_LAST(32 * %c[pu] - 4, 64 * %c[pu] - 8) "bne 1b\n"                                   \
    ".endif"
/* M4/M33 on x biased by -4 bytes (-4 - gp with passes gp bytes apart, which have no heads): each word's four loads
 * back to back (LDR pipelining), the heads' words, their pointer updates, then the passes, whose check compares x with
 * the window's end (biased as x). */
#define MF_DSP_RMIX_WINDOW_M4                                                                    \
    ".if " MF_RMIX_LEAD " & 2\n\t" MF_RMIX4_W(0, 0) MF_RMIX4_W(1, 0) ".endif\n\t"                    \
    ".if " MF_RMIX_LEAD " & 4\n\t" MF_RMIX4_W4(((%c[nw] %% (8 * %c[pu])) & 2)) ".endif\n\t"            \
    ".if " MF_RMIX_LEAD "\n\tadds %[x], #4 * " MF_RMIX_LEAD "\n\tadds %[w], #8 * " MF_RMIX_LEAD "\n\t.endif\n" \
    ".if %c[nw] > " MF_RMIX_LEAD "\n\t@ mf_rmix window passes of %c[pu] eights\n"                   \
    "1:\n\t" MF_DSP_RMIX_PASS "ldr %[e0], %[end]\n\tcmp %[x], %[e0]\n\tbne 1b\n"                   \
    ".endif"

/* out0[c] (and out1[c] when two) for the windows at x and x + d bytes (k4 values each, int16) and channels
 * c < n_out: mf_dsp_mix_rows' arithmetic on row entries. The loop ends when x (M4/M33) or w (M7) reaches the
 * window's end, read from the stack (every register holds an accumulator, a temporary or a pointer). */
MF_KERNEL void mf_dsp_rowmix_rows(const int16_t *x16, const int32_t k4, const int32_t d, const int8_t *wmix,
                                  const int32_t *rq, const int32_t n_out, const int32_t out_offset,
                                  const int32_t act_min, const int32_t act_max, int8_t *out0, const int two)
{
    const int32_t nw = k4 / 2, pu = MF_RMIX_PASS8(nw);
    for (int32_t c = 0; c < n_out; c += 4, rq += 12, wmix += 4 * k4, out0 += 4) {
        int8_t *const out1 = out0 + n_out;
        int32_t ma0 = rq[0], ma1 = rq[0], sa0 = rq[0], sa1 = rq[0];
        int32_t mb0 = rq[6], mb1 = rq[6], sb0 = rq[6], sb1 = rq[6];
        int32_t e0, e1, wa, wb;
        const int8_t *w = wmix;
#if defined(MF_TARGET_M7)
        const int16_t *x = x16;
        const void *const end = wmix + 4 * k4;     /* w after the last pass */
#define MF_DSP_RMIX_WINDOW MF_DSP_RMIX_WINDOW_M7
#else
        const int16_t *x = x16 - 2;                /* biased by -4 bytes (MF_DSP_RMIX_WINDOW_M4) */
        const void *const end = x16 + k4 - 2;      /* x after the last pass */
#define MF_DSP_RMIX_WINDOW MF_DSP_RMIX_WINDOW_M4
#endif
        __asm__ volatile(MF_DSP_RMIX_WINDOW
                         : [ma0] "+r"(ma0), [ma1] "+r"(ma1), [mb0] "+r"(mb0), [mb1] "+r"(mb1),
                           [sa0] "+r"(sa0), [sa1] "+r"(sa1), [sb0] "+r"(sb0), [sb1] "+r"(sb1),
                           [e0] "=&r"(e0), [e1] "=&r"(e1), [wa] "=&r"(wa), [wb] "=&r"(wb), [x] "+r"(x), [w] "+r"(w)
                         : [nw] "i"(nw), [pu] "i"(pu), [d] "i"(d), [gp] "i"(0), [end] "m"(end)
                         : "cc", "memory");
#undef MF_DSP_RMIX_WINDOW
        mf_dsp_mix_out(rq, n_out - c, two, ma0, ma1, mb0, mb1, sa0, sa1, sb0, sb1, out_offset, act_min, act_max, out0, out1);
    }
}

MF_KERNEL void mf_dsp_rowpw_pair(const int16_t *x16, const int32_t k4, const int32_t d, const int32_t gp,
                                 const int8_t *stream, const int32_t n_out, const int32_t out_offset,
                                 const int32_t act_min, const int32_t act_max, int8_t *out0);   /* mix = 6, below */
MF_KERNEL void mf_dsp_pw_rows1(const int32_t *x16, const int32_t k4, const int8_t *w,
                               const int32_t out_offset, const int32_t act_min, const int32_t act_max, int8_t *out,
                               const int32_t xs);

/* mix = 8 (M4/M33; ops/conv2d.py row_two): mix 6 with two output rows from one build of entries: entries of
 * k_h + stride_h input rows, row oy's window in rows 0 .. k_h - 1 of k_w entries, row oy + 1's stride_h rows further
 * down. Each input value is then widened (k_h + stride_h) / (2 * stride_h) times instead of k_h / stride_h (3x3
 * stride 1: 2 instead of 3), for one row of input channels between an entry's window part and the next entry's: the
 * window loop takes it as a gap between passes (MF_DSP_RMIX_PASS's gp), so a pass is one entry's window part
 * (k_h * in_c values = 16 * MF_RMIX_PASS8 words, no heads) and its pre-indexed step (32 * pu + gp bytes) fits 8 bits.
 * Output rows in pairs (an odd count's last alone, on entries of as many rows), pixels in pairs (an even out_w: no lone
 * pixel, whose kernel reads a contiguous window). With more than one strip a row's outputs are written before the
 * next strip's inputs are read, so then only with input and output apart; with one strip the entries of both rows
 * are all read before any output is written, as with one row (ops/conv2d.py overlap_lead). */
MF_KERNEL void mf_conv2d_s8_rowmix2(const mf_conv2d_params_t *p, const int8_t *in, int8_t *out, int16_t *x16,
                                     const int32_t ring_first, const int32_t ring_bytes)
{
    const int32_t oc = p->out_c, ic = p->in_c, sw = p->stride_w, sh = p->stride_h, ow = p->out_w;
    const int32_t rows = p->k_h + sh, e = rows * ic, k4 = p->k_w * p->k_h * ic;   /* entry values, window values */
    const int32_t strip = MF_CONV2D_ROW_STRIP(e, p->k_w, sw);
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = in + b * p->in_h * p->in_w * ic;
        for (int32_t oy = 0; oy < p->out_h; oy += 2) {
            for (int32_t ox = 0; ox < ow; ox += strip) {
                const int32_t n_o = ow - ox < strip ? ow - ox : strip;   /* even */
                mf_dsp_row_entries(p, in_b, oy, rows, ox * sw - p->pad_left, (n_o - 1) * sw + p->k_w, x16, ring_first,
                                   ring_bytes);
                for (int32_t r = 0; r < 2 && oy + r < p->out_h; ++r) {   /* row oy + r: sh rows of values further */
                    int8_t *o = out + ((b * p->out_h + oy + r) * ow + ox) * oc;
                    for (int32_t q = 0; q < n_o; q += 2, o += 2 * oc)
                        mf_dsp_rowpw_pair(x16 + r * sh * ic + q * sw * e, k4, 2 * sw * e, 2 * sh * ic, p->weights, oc,
                                          p->out_offset, p->act_min, p->act_max, o);
                }
            }
        }
    }
}

/* The mix = 4 and mix = 6 convolutions (mix = 8: mf_conv2d_s8_rowmix2): output rows in strips of MF_CONV2D_ROW_STRIP
 * pixels, each strip's entries built, then its pixels in pairs. mix = 4: a lone last one computes its neighbour's
 * window too, stores only its own; mix = 6 (mf_dsp_rowpw_pair): a lone last one goes through mf_dsp_pw_rows1. */
MF_KERNEL void mf_conv2d_s8_rowmix_ring(const mf_conv2d_params_t *p, const int8_t *in, int8_t *out, int8_t *buf,
                                        const int32_t ring_first, const int32_t ring_bytes)
{
    const int32_t oc = p->out_c, ic = p->in_c, e = p->k_h * ic, sw = p->stride_w;
    const int32_t k4 = (p->k_w * e + 3) & ~3, strip = MF_CONV2D_ROW_STRIP(e, p->k_w, sw);
    int16_t *x16 = (int16_t *)buf;
#if !defined(MF_TARGET_M7)   /* MF_DSP_RMIX_WINDOW_M7 has no gaps: ops/conv2d.py never picks mix 8 there */
    if (p->mix == 8) {
        mf_conv2d_s8_rowmix2(p, in, out, x16, ring_first, ring_bytes);
        return;
    }
#endif
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = in + b * p->in_h * p->in_w * ic;
        for (int32_t oy = 0; oy < p->out_h; ++oy) {
            int8_t *o = out + (b * p->out_h + oy) * p->out_w * oc;
            for (int32_t ox = 0; ox < p->out_w; ox += strip) {
                const int32_t n_o = p->out_w - ox < strip ? p->out_w - ox : strip;
                const int32_t nx = (((n_o + 1) & ~1) - 1) * sw + p->k_w;
                mf_dsp_row_entries(p, in_b, oy, p->k_h, ox * sw - p->pad_left, nx, x16, ring_first, ring_bytes);
                for (int32_t q = 0; q < n_o; q += 2, o += 2 * oc) {
                    const int16_t *const xq = x16 + q * sw * e;
                    if (p->mix == 6 && n_o - q >= 2)
                        mf_dsp_rowpw_pair(xq, k4, 2 * sw * e, 0, p->weights, oc, p->out_offset, p->act_min,
                                          p->act_max, o);
                    else if (p->mix == 6)
                        mf_dsp_pw_rows1((const int32_t *)(const void *)xq, k4, p->weights, p->out_offset,
                                        p->act_min, p->act_max, o, 2);
                    else
                        mf_dsp_rowmix_rows(xq, k4, 2 * sw * e, p->weights, p->rq, oc, p->out_offset,
                                           p->act_min, p->act_max, o, n_o - q >= 2);
                }
            }
        }
    }
}

MF_KERNEL void mf_conv2d_s8_rowmix(const mf_conv2d_params_t *p, const int8_t *in, int8_t *out, int8_t *buf)
{
    mf_conv2d_s8_rowmix_ring(p, in, out, buf, 0, 0);
}

/* A row pipeline's band call whose input rows lie in a ring window (ops/conv2d.py reads_ring, ops/row_pipeline.py
 * _rings): the row-entry paths (mix 4, 6, 8; one batch) with the band's input row iy at byte
 * (first + iy * in_w * in_c) mod size of `ring`, so the pipeline moves no rows down before each band (memmove). The
 * entries, weights and arithmetic are the image's: the same bytes out. */
MF_KERNEL void mf_conv2d_s8_ring(const mf_conv2d_params_t *p, const int8_t *ring, const int32_t first, const int32_t size,
                                 int8_t *out, int8_t *buf)
{
    mf_conv2d_s8_rowmix_ring(p, ring, out, buf, first, size);
}

/* Bit 8 of a group's last constant (channel 3's -shift-1, whose low byte alone ASR reads; in the pw and row-entry
 * streams W_b >> 8, ops/conv2d.py pw_consts) when another group follows it in the stream (ops/conv2d.py PW_MORE; the
 * pw, row-entry and first-layer streams): the group loops end on its TST, with no out pointer end to compare. */
#define MF_DSP_PW_MORE "256"

/* ---- first layers: input rows widened once, per-row window segments (mix = 5) ----------------------------
 * For convolutions that are not 1x1 with in_c not a multiple of 4 (the first layers: in_c 1, 3), chosen by
 * ops/conv2d.py seg_layout. Output rows go in pairs (oy, oy + 1) and in strips of MF_CONV2D_SEG_STRIP outputs:
 * the stride_h + k_h input rows a strip of the pair reads are widened once into int16 rows in their natural order
 * (mf_dsp_seg_widen: 4 bytes per load, two SXTB16, PKHBT and PKHTB), the columns left and right of the image and
 * the rows above and below it holding pad_value: no window needs a bounds check. Row ky of output (oy, ox)'s
 * window is then the k_w * in_c values from ox * stride_w * in_c (ox counted from the strip's first output) of
 * widened row ky, of output (oy + 1, ox) the same values stride_h rows further: a pixel pair is one output
 * column of the row pair, its two windows a constant apart. The weights hold each row segment padded to an even
 * count (nw words) with a zero weight (the extra tap multiplies its neighbour or a spare value by 0: exact),
 * mixed in 4-channel groups as the row-entry path's (per input word i, A01 at 8i, A23 at 8i + 4: mf_dsp_mix_rows'
 * arithmetic, MF_DSP_MIX_MACS). Segments start at whole words: with stride_w * in_c even every start is even;
 * else (stride_w and in_c odd) odd columns read a second copy of the rows widened one value further on. A pair's
 * window is one unrolled asm block whose every offset (ky * row stride + 4 * word, pixel 1 stride_h rows further)
 * is an immediate; its outputs go through the 2x4 block's tail (mf_dsp_mix_out). A single output row (the row
 * pipeline's bands) and a lone last row (odd out_h) pair neighbouring outputs instead (mf_dsp_seg_row1: pixel 1 the
 * next column, stride_w * in_c values further or in the copy; a lone last output's neighbour goes to spare bytes
 * after the rows); a row pair whose second row's outputs could overwrite input still to be read stages that row
 * there (below).
 * Exact for the reasons mf_dsp_mix_rows is: the same products summed in another order, in int32 without overflow.
 * A strip's inputs are all read before any of its outputs is written and strips go in output order.
 * Scratch: MF_CONV2D_SEG_SCRATCH_BYTES (ops/conv2d.py seg_bytes): the rows and the spare bytes. */
#define MF_CONV2D_SEG_BYTES 1024    /* the widened rows' budget, bytes (ops/conv2d.py SEG_BYTES) */
#define MF_CONV2D_SEG_COPIES(s_w, in_c) ((((s_w) * (in_c)) & 1) + 1)
/* int16 values per widened row of a strip of n outputs: its columns, a spare value for a last odd row's second value
 * and one for the shifted copy, rounded down to words */
#define MF_CONV2D_SEG_ROW(n, k_w, s_w, in_c) (((((n) - 1) * (s_w) + (k_w)) * (in_c) + 3) & ~1)
/* spare bytes after the rows: a staged output row when a row takes several strips, else a lone row's neighbour */
#define MF_CONV2D_SEG_SPARE(n, out_w, out_c) ((((n) < (out_w) ? (out_w) : 1) * (out_c) + 3) & ~3)
/* The column layout (in_c 1, k_h even, stride_h 2: kws' first layer): the strip's input columns widened each into
 * its stride_h + k_h rows (MF_CONV2D_SEG_COL values), so a window is k_w column segments of k_h / 2 words and the
 * row pair's pixel 1 reads pixel 0's segments one word further on: the M4/M33 window loads each shared word once
 * (MF_DSP_SEG_WORDS_M4). Room for n * stride_w + k_w columns (a lone row's last neighbour). */
#define MF_CONV2D_SEG_COLS(s_h, k_h, in_c) ((in_c) == 1 && ((k_h) & 1) == 0 && (s_h) == 2)
#define MF_CONV2D_SEG_COL(s_h, k_h) ((s_h) + (k_h))
#define MF_CONV2D_SEG_SCRATCH_BYTES(n, s_h, k_h, k_w, s_w, in_c, out_w, out_c) \
    ((MF_CONV2D_SEG_COLS(s_h, k_h, in_c) ? 2 * ((n) * (s_w) + (k_w)) * MF_CONV2D_SEG_COL(s_h, k_h) : \
      2 * MF_CONV2D_SEG_COPIES(s_w, in_c) * ((s_h) + (k_h)) * MF_CONV2D_SEG_ROW(n, k_w, s_w, in_c)) + \
     MF_CONV2D_SEG_SPARE(n, out_w, out_c))
/* outputs per strip: the most whose rows (stride_h + k_h per copy) or columns fit MF_CONV2D_SEG_BYTES, at most out_w
 * (ops/conv2d.py seg_strip; the layers it takes have at least 1) */
#define MF_CONV2D_SEG_STRIP_MAX(s_h, k_h, k_w, s_w, in_c) \
    (MF_CONV2D_SEG_COLS(s_h, k_h, in_c) ? (MF_CONV2D_SEG_BYTES / (2 * MF_CONV2D_SEG_COL(s_h, k_h)) - (k_w)) / (s_w) : \
     (((MF_CONV2D_SEG_BYTES / (2 * MF_CONV2D_SEG_COPIES(s_w, in_c) * ((s_h) + (k_h))) - 3) / (in_c) - (k_w)) / (s_w)) + 1)
#define MF_CONV2D_SEG_STRIP(out_w, s_h, k_h, k_w, s_w, in_c) \
    (MF_CONV2D_SEG_STRIP_MAX(s_h, k_h, k_w, s_w, in_c) < (out_w) ? MF_CONV2D_SEG_STRIP_MAX(s_h, k_h, k_w, s_w, in_c) : (out_w))

/* n values of pad_value at d (any int16 alignment) */
MF_KERNEL void mf_dsp_seg_fill(int16_t *d, int32_t n, const int32_t pad_value)
{
    if (n > 0 && ((uintptr_t)d & 2)) { *d++ = (int16_t)pad_value; --n; }
    const uint32_t v = (uint32_t)(uint16_t)pad_value * 0x10001u;
    for (; n >= 2; n -= 2, d += 2) memcpy(d, &v, 4);
    if (n) *d = (int16_t)pad_value;
}

/* 4 bytes from s (post-incremented) as int16 words (b0, b1), (b2, b3) at d (post-incremented, word aligned):
 * SXTB16 (b0, b2) and SXTB16 ror 8 (b1, b3), then PKHBT and PKHTB. */
#define MF_DSP_SEG_WIDEN4(U_, E_, O_)                                                            \
    "sxtb16 %[" #E_ "], %[" #U_ "]\n\t"                                                          \
    "sxtb16 %[" #U_ "], %[" #U_ "], ror #8\n\t"                                                  \
    "pkhbt %[" #O_ "], %[" #E_ "], %[" #U_ "], lsl #16\n\t"                                      \
    "pkhtb %[" #U_ "], %[" #U_ "], %[" #E_ "], asr #16\n\t"                                      \
    "str %[" #O_ "], [%[d]], #4\n\t"                                                             \
    "str %[" #U_ "], [%[d]], #4\n\t"

/* n int8 values at s as int16 in natural order at d (any int16 alignment; whole words stored): 16 bytes per pass, the
 * four loads back to back without writeback but the last (the M4 pipelines them; its writeback steps s), then the last
 * 0..15 bytes straight on, 8, 4, 2 and 1 at a time (no loop to leave). The M7 runs the pass loop in asm, counted down; on the M4/M33 that loop saved 3 cycles
 * a pass but cost the row pipelines' layer frames 8 bytes of stack (GCC spilled around it): there it stays in C. */
MF_KERNEL void mf_dsp_seg_widen(int16_t *d, const int8_t *s, int32_t n)
{
    if (n > 0 && ((uintptr_t)d & 2)) { *d++ = *s++; --n; }
#if defined(MF_TARGET_M7)
    if (n >= 16) {   /* the pass loop in asm, counted down on the byte count */
        /* MF_DSP_SEG_WIDEN4's steps for two words at a time (temporaries e, o and f, g), so that each store issues
         * beside an ALU step and each ALU step beside one it does not feed (the M7 pairs neither two stores nor a step
         * with the step it reads): 15 cycles a pass where the words one after another took 19 */
        int32_t u, v, y, z, e, o, f, g, k = (n >> 4) - 1;   /* passes after this one */
        __asm__ volatile("1:\n\t"
                         "ldr %[v], [%[s], #4]\n\t"
                         "ldr %[y], [%[s], #8]\n\t"
                         "ldr %[z], [%[s], #12]\n\t"
                         "ldr %[u], [%[s]], #16\n\t"
                         "sxtb16 %[e], %[u]\n\tsxtb16 %[u], %[u], ror #8\n\t"
                         "pkhbt %[o], %[e], %[u], lsl #16\n\tsxtb16 %[f], %[v]\n\t"
                         "pkhtb %[u], %[u], %[e], asr #16\n\tsxtb16 %[v], %[v], ror #8\n\t"
                         "str %[o], [%[d]], #4\n\tpkhbt %[g], %[f], %[v], lsl #16\n\t"
                         "str %[u], [%[d]], #4\n\tpkhtb %[v], %[v], %[f], asr #16\n\t"
                         "sxtb16 %[e], %[y]\n\tstr %[g], [%[d]], #4\n\t"
                         "sxtb16 %[y], %[y], ror #8\n\tstr %[v], [%[d]], #4\n\t"
                         "pkhbt %[o], %[e], %[y], lsl #16\n\tsxtb16 %[f], %[z]\n\t"
                         "pkhtb %[y], %[y], %[e], asr #16\n\tsxtb16 %[z], %[z], ror #8\n\t"
                         "str %[o], [%[d]], #4\n\tpkhbt %[g], %[f], %[z], lsl #16\n\t"
                         "str %[y], [%[d]], #4\n\tpkhtb %[z], %[z], %[f], asr #16\n\t"
                         "str %[g], [%[d]], #4\n\tsubs %[k], %[k], #1\n\t"
                         "str %[z], [%[d]], #4\n\t"
                         "bge 1b"
                         : [u] "=&r"(u), [v] "=&r"(v), [y] "=&r"(y), [z] "=&r"(z), [e] "=&r"(e), [o] "=&r"(o),
                           [f] "=&r"(f), [g] "=&r"(g), [s] "+r"(s), [d] "+r"(d), [k] "+r"(k)
                         :
                         : "cc", "memory");
        n &= 15;
    }
#else
    for (; n >= 16; n -= 16) {
        int32_t u, v, y, z, e, o;
        __asm__ volatile("ldr %[v], [%[s], #4]\n\t"
                         "ldr %[y], [%[s], #8]\n\t"
                         "ldr %[z], [%[s], #12]\n\t"
                         "ldr %[u], [%[s]], #16\n\t"
                         MF_DSP_SEG_WIDEN4(u, e, o) MF_DSP_SEG_WIDEN4(v, e, o) MF_DSP_SEG_WIDEN4(y, e, o)
                         MF_DSP_SEG_WIDEN4(z, e, o)
                         : [u] "=&r"(u), [v] "=&r"(v), [y] "=&r"(y), [z] "=&r"(z), [e] "=&r"(e), [o] "=&r"(o),
                           [s] "+r"(s), [d] "+r"(d)
                         :
                         : "memory");
    }
#endif
    /* the last 0..15 bytes straight on: 8, 4, 2, 1 */
    if (n >= 8) {
        int32_t u, v, e, o;
        __asm__ volatile("ldr %[v], [%[s], #4]\n\tldr %[u], [%[s]], #8\n\t"
                         MF_DSP_SEG_WIDEN4(u, e, o) MF_DSP_SEG_WIDEN4(v, e, o)
                         : [u] "=&r"(u), [v] "=&r"(v), [e] "=&r"(e), [o] "=&r"(o), [s] "+r"(s), [d] "+r"(d)
                         :
                         : "memory");
        n -= 8;
    }
    if (n >= 4) {
        int32_t u, e, o;
        __asm__ volatile("ldr %[u], [%[s]], #4\n\t" MF_DSP_SEG_WIDEN4(u, e, o)
                         : [u] "=&r"(u), [e] "=&r"(e), [o] "=&r"(o), [s] "+r"(s), [d] "+r"(d)
                         :
                         : "memory");
        n -= 4;
    }
#if defined(MF_TARGET_M7)
    if (n >= 2) { d[0] = s[0]; d[1] = s[1]; d += 2; s += 2; n -= 2; }
    if (n) *d = *s;
#else
    /* the last 1..3 bytes' loads back to back, then their stores (GCC put each LDRSB beside its STRH: 2 cycles a load) */
    if (n == 3) {
        int32_t a, b, c;
        __asm__ volatile("@ mf_dsp_seg_widen_t3\n\t"   /* the comment: tests find the tails in the code */
                         "ldrsb %[a], [%[s]]\n\tldrsb %[b], [%[s], #1]\n\tldrsb %[c], [%[s], #2]\n\t"
                         "strh %[a], [%[d]]\n\tstrh %[b], [%[d], #2]\n\tstrh %[c], [%[d], #4]"
                         : [a] "=&r"(a), [b] "=&r"(b), [c] "=&r"(c) : [s] "r"(s), [d] "r"(d) : "memory");
    } else if (n == 2) {
        int32_t a, b;
        __asm__ volatile("@ mf_dsp_seg_widen_t2\n\t"
                         "ldrsb %[a], [%[s]]\n\tldrsb %[b], [%[s], #1]\n\t"
                         "strh %[a], [%[d]]\n\tstrh %[b], [%[d], #2]"
                         : [a] "=&r"(a), [b] "=&r"(b) : [s] "r"(s), [d] "r"(d) : "memory");
    } else if (n) *d = *s;
#endif
}

/* Widened row iy of image in_b for columns c0 .. c0 + nc - 1 at d (pad_value outside the image). */
MF_KERNEL void mf_dsp_seg_row(const mf_conv2d_params_t *p, const int8_t *in_b, const int32_t iy, const int32_t c0,
                              const int32_t nc, int16_t *d)
{
    const int32_t ic = p->in_c;
    if (iy < 0 || iy >= p->in_h) { mf_dsp_seg_fill(d, nc * ic, p->pad_value); return; }
    const int32_t jl = c0 < 0 ? -c0 : 0, jr = p->in_w - c0 < nc ? p->in_w - c0 : nc;   /* columns inside: [jl, jr) */
    mf_dsp_seg_fill(d, jl * ic, p->pad_value);
    mf_dsp_seg_widen(d + jl * ic, in_b + (iy * p->in_w + c0 + jl) * ic, (jr - jl) * ic);
    mf_dsp_seg_fill(d + jr * ic, (nc - jr) * ic, p->pad_value);
}

/* mf_dsp_seg_widen into two copies at once: n int8 values at s as int16 at a (word aligned) and at b (one value past
 * a word); per 4 bytes the words (v0, v1), (v2, v3) at a and (v_-1, v0), (v1, v2) at b - 1, v_-1 being the value
 * before (prev, then each pass's v3, the last one stored after the loop): the second copy's words from the first's
 * SXTB16 pair (PKHBT, PKHTB) instead of a second widening. */
MF_KERNEL void mf_dsp_seg_widen2(int16_t *a, int16_t *b, const int8_t *s, int32_t n, const int32_t prev)
{
    int32_t t = prev;   /* v_-1 in the low half */
    --b;
    /* 4 bytes u: v0..v3; e = (v0, v2), o = (v1, v3) */
#define MF_DSP_SEG_WIDEN4X2(U_)                                                                  \
    "sxtb16 %[e], %[" #U_ "]\n\t"                                                                \
    "sxtb16 %[o], %[" #U_ "], ror #8\n\t"                                                        \
    "pkhbt %[" #U_ "], %[e], %[o], lsl #16\n\t"                                                  \
    "str %[" #U_ "], [%[a]], #4\n\t"                                                             \
    "pkhtb %[" #U_ "], %[o], %[e], asr #16\n\t"                                                  \
    "str %[" #U_ "], [%[a]], #4\n\t"                                                             \
    "pkhbt %[t], %[t], %[e], lsl #16\n\t"                                                        \
    "str %[t], [%[b]], #4\n\t"                                                                   \
    "pkhtb %[" #U_ "], %[e], %[o]\n\t"                                                           \
    "str %[" #U_ "], [%[b]], #4\n\t"                                                             \
    "asr %[t], %[o], #16\n\t"
    if (n >= 8) {   /* 8 bytes per pass, the two loads back to back (the M4 pipelines them), counted down */
        int32_t u, v, e, o, k = n - 8;   /* bytes after this pass; n itself not live across the loop */
        __asm__ volatile("1:\n\t"
                         "ldr %[v], [%[s], #4]\n\t"
                         "ldr %[u], [%[s]], #8\n\t"
                         MF_DSP_SEG_WIDEN4X2(u) MF_DSP_SEG_WIDEN4X2(v)
                         "subs %[k], %[k], #8\n\t"
                         "bge 1b"
                         : [u] "=&r"(u), [v] "=&r"(v), [e] "=&r"(e), [o] "=&r"(o), [t] "+r"(t), [s] "+r"(s),
                           [a] "+r"(a), [b] "+r"(b), [k] "+r"(k)
                         :
                         : "cc", "memory");
        n = k + 8;
    }
    if (n >= 4) {
        int32_t u, e, o;
        __asm__ volatile("ldr %[u], [%[s]], #4\n\t" MF_DSP_SEG_WIDEN4X2(u)
                         : [u] "=&r"(u), [e] "=&r"(e), [o] "=&r"(o), [t] "+r"(t), [s] "+r"(s), [a] "+r"(a), [b] "+r"(b)
                         :
                         : "memory");
        n -= 4;
    }
#undef MF_DSP_SEG_WIDEN4X2
    *b++ = (int16_t)t;   /* the last pass's v3 (or prev again) */
    for (; n > 0; --n, ++s) { *a++ = *s; *b++ = *s; }
}

/* Widened row iy for columns c0 .. c0 + nc - 1 into both copies, at a (first copy) and b (the second, one value
 * further on); the widening goes to whichever starts at a whole word. */
MF_KERNEL void mf_dsp_seg_row2(const mf_conv2d_params_t *p, const int8_t *in_b, const int32_t iy, const int32_t c0,
                               const int32_t nc, int16_t *a, int16_t *b)
{
    const int32_t ic = p->in_c;
    if (iy < 0 || iy >= p->in_h) {
        mf_dsp_seg_fill(a, nc * ic, p->pad_value);
        mf_dsp_seg_fill(b, nc * ic, p->pad_value);
        return;
    }
    const int32_t jl = c0 < 0 ? -c0 : 0, jr = p->in_w - c0 < nc ? p->in_w - c0 : nc;   /* columns inside: [jl, jr) */
    mf_dsp_seg_fill(a, jl * ic, p->pad_value);
    mf_dsp_seg_fill(b, jl * ic, p->pad_value);
    const int8_t *src = in_b + (iy * p->in_w + c0 + jl) * ic;
    int16_t *da = a + jl * ic, *db = b + jl * ic;
    if ((uintptr_t)da & 2) { int16_t *t = da; da = db; db = t; }   /* the value before: a pad (jl > 0) or unread */
    mf_dsp_seg_widen2(da, db, src, (jr - jl) * ic, p->pad_value);
    mf_dsp_seg_fill(a + jr * ic, (nc - jr) * ic, p->pad_value);
    mf_dsp_seg_fill(b + jr * ic, (nc - jr) * ic, p->pad_value);
}

/* MF_DSP_MIX_MACS; for the window's first word (.Lmf_seg_first) the accumulators start there: ma0, sa0, mb0, sb0 hold
 * the pairs' start values (ma's and sa's; mf_dsp_seg_groups: ops/conv2d.py pw_consts' b_c + 256 * b_c' and b_c, the
 * partial groups of mf_dsp_seg_rows: b_c for both), each pixel-1 accumulator starts from its pixel-0 partner's value
 * before that one accumulates into itself: the same instruction count as MF_DSP_MIX_MACS, no copies of the starts. */
/* MF_DSP_START_MACS, the MACs that start the accumulators (also the pw stream's first chunk, MF_DSP_PW_HALF0): */
#define MF_DSP_START_MACS                                                                        \
    "smlad %[ma1], %[e1], %[wa], %[ma0]\n\tsmlad %[ma0], %[e0], %[wa], %[ma0]\n\tsxtb16 %[wa], %[wa]\n\t"     \
    "smlad %[mb1], %[e1], %[wb], %[mb0]\n\tsmlad %[mb0], %[e0], %[wb], %[mb0]\n\tsxtb16 %[wb], %[wb]\n\t"     \
    "smlad %[sa1], %[e1], %[wa], %[sa0]\n\tsmlad %[sa0], %[e0], %[wa], %[sa0]\n\t"                    \
    "smlad %[sb1], %[e1], %[wb], %[sb0]\n\tsmlad %[sb0], %[e0], %[wb], %[sb0]\n\t"
#define MF_DSP_SEG_MACS                                                                          \
    ".if .Lmf_seg_first\n\t" MF_DSP_START_MACS                                                  \
    ".set .Lmf_seg_first, 0\n\t"                                                                 \
    ".else\n\t" MF_DSP_MIX_MACS ".endif\n\t"
/* One input word: pixel 0's at byte X_ of x (pixel 1's D_ further), its weights at byte W_ of w. */
#define MF_DSP_SEG_WORD(X_, D_, W_)                                                              \
    "ldr %[e0], [%[x], #" X_ "]\n\t"                                                             \
    "ldr %[e1], [%[x], #" X_ "+" D_ "]\n\t"                                                      \
    "ldr %[wa], [%[w], #" W_ "]\n\t"                                                             \
    "ldr %[wb], [%[w], #" W_ "+4]\n\t" MF_DSP_SEG_MACS
/* Two rows' last values (the low halves of the words at bytes XA_ and XB_ of x; pixel 1's D_ further) merged into
 * one input word (PKHBT), its weights at byte W_ of w. */
#define MF_DSP_SEG_PAIR(XA_, XB_, D_, W_)                                                        \
    "ldr %[e0], [%[x], #" XA_ "]\n\t"                                                            \
    "ldr %[wa], [%[x], #" XB_ "]\n\t"                                                            \
    "ldr %[e1], [%[x], #" XA_ "+" D_ "]\n\t"                                                     \
    "ldr %[wb], [%[x], #" XB_ "+" D_ "]\n\t"                                                     \
    "pkhbt %[e0], %[e0], %[wa], lsl #16\n\t"                                                     \
    "pkhbt %[e1], %[e1], %[wb], lsl #16\n\t"                                                     \
    "ldr %[wa], [%[w], #" W_ "]\n\t"                                                             \
    "ldr %[wb], [%[w], #" W_ "+4]\n\t" MF_DSP_SEG_MACS
/* MF_DSP_MIX_MACS with pixel 0's word in register P0_ and pixel 1's in P1_ */
#define MF_DSP_SEG_MIX_MACS(P0_, P1_)                                                            \
    "smlad %[ma0], %[" #P0_ "], %[wa], %[ma0]\n\t"                                               \
    "smlad %[ma1], %[" #P1_ "], %[wa], %[ma1]\n\t"                                               \
    "sxtb16 %[wa], %[wa]\n\t"                                                                    \
    "smlad %[mb0], %[" #P0_ "], %[wb], %[mb0]\n\t"                                               \
    "smlad %[mb1], %[" #P1_ "], %[wb], %[mb1]\n\t"                                               \
    "sxtb16 %[wb], %[wb]\n\t"                                                                    \
    "smlad %[sa0], %[" #P0_ "], %[wa], %[sa0]\n\t"                                               \
    "smlad %[sa1], %[" #P1_ "], %[wa], %[sa1]\n\t"                                               \
    "smlad %[sb0], %[" #P0_ "], %[wb], %[sb0]\n\t"                                               \
    "smlad %[sb1], %[" #P1_ "], %[wb], %[sb1]\n\t"
/* The rows' whole words, kh * nf of them, word i at byte (i / nf) * rs + 4 * (i % nf) of x, its weights at 8i of w.
 * M4/M33: each word's 4 loads back to back (LDR pipelining), then its MACs. With pixel 1 one word further on (d 4:
 * the column layout's row pair, a one-row pair of in_c 1 at stride 2) pixel 1's word j is pixel 0's word j + 1: per
 * row, after its first word, each word loads only pixel 1's word (into the register pixel 0's last word left) and its
 * weights, the two pixel registers trading roles from word to word. */
#define MF_DSP_SEG_WORDS_M4                                                                      \
    ".set .Lmf_seg_ky, 0\n\t"                                                                    \
    ".rept %c[kh]\n\t"                                                                           \
    ".set .Lmf_seg_j, 0\n\t"                                                                     \
    ".rept %c[nf]\n\t"                                                                           \
    ".if %c[d] != 4 || .Lmf_seg_j == 0\n\t"                                                      \
    MF_DSP_SEG_WORD("(.Lmf_seg_ky * %c[rs] + 4 * .Lmf_seg_j)", "%c[d]", "(8 * (.Lmf_seg_ky * %c[nf] + .Lmf_seg_j))") \
    ".elseif .Lmf_seg_j & 1\n\t"   /* pixel 0's word in e1, pixel 1's into e0 */                   \
    "ldr %[e0], [%[x], #(.Lmf_seg_ky * %c[rs] + 4 * .Lmf_seg_j + 4)]\n\t"                         \
    "ldr %[wa], [%[w], #(8 * (.Lmf_seg_ky * %c[nf] + .Lmf_seg_j))]\n\t"                           \
    "ldr %[wb], [%[w], #(8 * (.Lmf_seg_ky * %c[nf] + .Lmf_seg_j) + 4)]\n\t"                       \
    MF_DSP_SEG_MIX_MACS(e1, e0)                                                                  \
    ".else\n\t"                    /* pixel 0's word in e0, pixel 1's into e1 */                   \
    "ldr %[e1], [%[x], #(.Lmf_seg_ky * %c[rs] + 4 * .Lmf_seg_j + 4)]\n\t"                         \
    "ldr %[wa], [%[w], #(8 * (.Lmf_seg_ky * %c[nf] + .Lmf_seg_j))]\n\t"                           \
    "ldr %[wb], [%[w], #(8 * (.Lmf_seg_ky * %c[nf] + .Lmf_seg_j) + 4)]\n\t"                       \
    MF_DSP_SEG_MIX_MACS(e0, e1)                                                                  \
    ".endif\n\t"                                                                                 \
    ".set .Lmf_seg_j, .Lmf_seg_j + 1\n\t"                                                        \
    ".endr\n\t"                                                                                  \
    ".set .Lmf_seg_ky, .Lmf_seg_ky + 1\n\t"                                                      \
    ".endr\n\t"
/* M7: software pipelined for its dual issue: word i + 1's loads go into each register right after word i's last
 * read of it, so they issue with word i's SMLADs (and the next word's first SMLAD), 8 cycles a word instead of 10.
 * The rows' last values (odd) are words too: the whole words' and theirs in one sequence (MF_DSP_SEG_SETW), so the
 * first merged word's loads and PKHBTs go beside the last whole word's SMLADs as well, and each odd word's beside the
 * one before (their loads issued after the last whole word's MACs took 4 cycles a group more: vww's first layer). The
 * next word (MF_DSP_SEG_SETW): .Lmf_seg_nk its kind (0 a whole word at byte .Lmf_seg_nxa of x; 1 two rows' last
 * values, the low halves of the words at nxa and .Lmf_seg_nxb, merged by PKHBT; 2 a last odd row's alone at nxa; -1
 * none), its weights at byte .Lmf_seg_nw of w; each hook loads the register the current word has read for the last
 * time (wa, e0, e1), the rest (wb, PKHBTs, the weights of a merged word) follows the word's MACs. */
#define MF_DSP_SEG_HOOK_WA                                                                       \
    ".if .Lmf_seg_nk == 1\n\tldr %[wa], [%[x], #.Lmf_seg_nxb]   @ mf_seg merged word ahead\n\t"    \
    ".elseif .Lmf_seg_nk >= 0\n\tldr %[wa], [%[w], #.Lmf_seg_nw]\n\t"                             \
    ".elseif .Lmf_seg_th\n\tsub %[ma0], %[ma0], %[sa0]\n\t.endif\n\t"
#define MF_DSP_SEG_HOOK_E0                                                                       \
    ".if .Lmf_seg_nk >= 0\n\tldr %[e0], [%[x], #.Lmf_seg_nxa]\n\t"                               \
    ".elseif .Lmf_seg_th\n\tsub %[ma1], %[ma1], %[sa1]\n\t.endif\n\t"
#define MF_DSP_SEG_HOOK_E1                                                                       \
    ".if .Lmf_seg_nk >= 0\n\tldr %[e1], [%[x], #.Lmf_seg_nxa + %c[d]]\n\t"                       \
    ".elseif .Lmf_seg_th\n\tldr %[e0], [%[w], #.Lmf_seg_rq + 16]\n\t.endif\n\t"
#define MF_DSP_SEG_HOOK_REST                                                                     \
    ".if .Lmf_seg_nk == 1\n\tldr %[wb], [%[x], #.Lmf_seg_nxb + %c[d]]\n\t"                       \
    "pkhbt %[e0], %[e0], %[wa], lsl #16\n\tpkhbt %[e1], %[e1], %[wb], lsl #16\n\t"                \
    "ldr %[wa], [%[w], #.Lmf_seg_nw]\n\tldr %[wb], [%[w], #.Lmf_seg_nw + 4]\n\t"                  \
    ".elseif .Lmf_seg_nk >= 0\n\tldr %[wb], [%[w], #.Lmf_seg_nw + 4]\n\t.endif\n\t"
/* word T_ of .Lmf_seg_nt as the next word: the kh * nf whole words (row T_ / nf, word T_ % nf), then the odd ones,
 * j = T_ - kh * nf merging rows 2j and 2j + 1 (a last odd row alone), the weights 8 bytes a word in the same order */
#define MF_DSP_SEG_SETW(T_)                                                                      \
    ".set .Lmf_seg_t, " T_ "\n\t"                                                                \
    ".if .Lmf_seg_t >= .Lmf_seg_nt\n\t.set .Lmf_seg_nk, -1\n\t"                                   \
    ".elseif .Lmf_seg_t < %c[kh] * %c[nf]\n\t.set .Lmf_seg_nk, 0\n\t"                             \
    ".set .Lmf_seg_nxa, .Lmf_seg_t / %c[nf] * %c[rs] + 4 * (.Lmf_seg_t %% %c[nf])\n\t"             \
    ".set .Lmf_seg_nw, 8 * .Lmf_seg_t\n\t"                                                       \
    ".else\n\t.set .Lmf_seg_oy, 2 * (.Lmf_seg_t - %c[kh] * %c[nf])\n\t"                           \
    ".set .Lmf_seg_nxa, .Lmf_seg_oy * %c[rs] + 4 * %c[nf]\n\t.set .Lmf_seg_nxb, .Lmf_seg_nxa + %c[rs]\n\t" \
    ".set .Lmf_seg_nw, 8 * .Lmf_seg_t\n\t.set .Lmf_seg_nk, 1\n\t"                                \
    ".if .Lmf_seg_oy + 1 >= %c[kh]\n\t.set .Lmf_seg_nk, 2\n\t.endif\n\t"                          \
    ".endif\n\t"
/* The last word of mf_dsp_seg_groups_n's group loop (.Lmf_seg_sb; not its first): wa's four SMLADs first, so that wa
 * is free for the out pointer (its load beside sa1's SMLAD, not in MF_DSP_SEG_GROUP_OUT, where it left the next load
 * alone), the th hooks' subtractions and e0's load beside the others (sa0's SMLAD keeps no partner either way). */
#define MF_DSP_SEG_LAST_LOOP                                                                     \
    "smlad %[ma0], %[e0], %[wa], %[ma0]\n\t"                                                     \
    "smlad %[ma1], %[e1], %[wa], %[ma1]\n\t" "sxtb16 %[wa], %[wa]\n\t"                           \
    "smlad %[sa0], %[e0], %[wa], %[sa0]\n\t"                                                     \
    "smlad %[sa1], %[e1], %[wa], %[sa1]\n\t" "ldr %[wa], [sp]   @ mf_seg out pointer in the window\n\t" \
    "smlad %[mb0], %[e0], %[wb], %[mb0]\n\t" "sub %[ma0], %[ma0], %[sa0]\n\t"                    \
    "smlad %[mb1], %[e1], %[wb], %[mb1]\n\t" "sxtb16 %[wb], %[wb]\n\t"                           \
    "smlad %[sb0], %[e0], %[wb], %[sb0]\n\t" "sub %[ma1], %[ma1], %[sa1]\n\t"                    \
    "smlad %[sb1], %[e1], %[wb], %[sb1]\n\t" "ldr %[e0], [%[w], #.Lmf_seg_rq + 16]\n\t" ".set .Lmf_seg_wl, 1\n\t"
#define MF_DSP_SEG_WORDS_M7                                                                      \
    ".set .Lmf_seg_nt, %c[kh] * %c[nf] + .Lmf_seg_odd * ((%c[kh] + 1) / 2)\n\t"                  \
    ".if .Lmf_seg_nt\n\t" MF_DSP_SEG_SETW("0")                                                   \
    ".if .Lmf_seg_nk == 0\n\t.if .Lmf_seg_pf == 0\n\t"   /* else loaded before (MF_DSP_SEG_GROUP_OUT_IMM_NC) */ \
    "ldr %[e0], [%[x]]\n\tldr %[e1], [%[x], #%c[d]]\n\tldr %[wa], [%[w]]\n\tldr %[wb], [%[w], #4]\n\t"   \
    ".endif\n\t.else\n\t" MF_DSP_SEG_HOOK_WA MF_DSP_SEG_HOOK_E0 MF_DSP_SEG_HOOK_E1 MF_DSP_SEG_HOOK_REST ".endif\n\t" \
    ".set .Lmf_seg_i, 0\n\t"                                                                     \
    ".rept .Lmf_seg_nt\n\t" MF_DSP_SEG_SETW(".Lmf_seg_i + 1")                                    \
    ".if .Lmf_seg_first\n\t"   /* MF_DSP_SEG_MACS' first word */                                   \
    "smlad %[ma1], %[e1], %[wa], %[ma0]\n\t"                                                     \
    "smlad %[ma0], %[e0], %[wa], %[ma0]\n\t" "sxtb16 %[wa], %[wa]\n\t"                           \
    "smlad %[mb1], %[e1], %[wb], %[mb0]\n\t"                                                     \
    "smlad %[mb0], %[e0], %[wb], %[mb0]\n\t" "sxtb16 %[wb], %[wb]\n\t"                           \
    "smlad %[sa1], %[e1], %[wa], %[sa0]\n\t"                                                     \
    ".if .Lmf_seg_sb\n\tldr %[sb0], [%[w], #.Lmf_seg_rq + 12]   @ mf_seg sb0 beside sa1\n\t.endif\n\t" \
    ".set .Lmf_seg_th1, .Lmf_seg_th\n\t.set .Lmf_seg_th, 0\n\t"   /* its e0 is read last: tail hooks after */ \
    "smlad %[sa0], %[e0], %[wa], %[sa0]\n\t" MF_DSP_SEG_HOOK_WA                                  \
    "smlad %[sb1], %[e1], %[wb], %[sb0]\n\t" MF_DSP_SEG_HOOK_E1                                  \
    "smlad %[sb0], %[e0], %[wb], %[sb0]\n\t" MF_DSP_SEG_HOOK_E0                                  \
    ".set .Lmf_seg_th, .Lmf_seg_th1\n\t"                                                        \
    ".if .Lmf_seg_nk < 0 && .Lmf_seg_th\n\t" MF_DSP_SEG_HOOK_WA MF_DSP_SEG_HOOK_E0 MF_DSP_SEG_HOOK_E1 ".endif\n\t" \
    ".set .Lmf_seg_first, 0\n\t"                                                                 \
    ".elseif .Lmf_seg_nk < 0 && .Lmf_seg_th && .Lmf_seg_sb\n\t" MF_DSP_SEG_LAST_LOOP              \
    ".else\n\t"                                                                                 \
    MF_DSP_MIX_MACS_AT(MF_DSP_SEG_HOOK_WA, MF_DSP_SEG_HOOK_E0, MF_DSP_SEG_HOOK_E1)                \
    ".endif\n\t" MF_DSP_SEG_HOOK_REST                                                            \
    ".set .Lmf_seg_i, .Lmf_seg_i + 1\n\t"                                                        \
    ".endr\n\t"                                                                                  \
    ".endif\n\t"
#if defined(MF_TARGET_M7)
#define MF_DSP_SEG_WORDS MF_DSP_SEG_WORDS_M7
#else
#define MF_DSP_SEG_WORDS MF_DSP_SEG_WORDS_M4
#endif
/* The window of a pixel pair, unrolled by the assembler: per row ky its nf whole words (bytes ky * rs + 4j:
 * MF_DSP_SEG_WORDS), then, when the rows have an odd count of values (odd), their last values: rows 2i and 2i + 1
 * merged into one word, a last odd row's alone (its word's second value gets a zero weight). The weight words in
 * the same order. */
#if defined(MF_TARGET_M7)
#define MF_DSP_SEG_WINDOW ".set .Lmf_seg_first, 1\n\t.set .Lmf_seg_th, 0\n\t.set .Lmf_seg_pf, 0\n\t.set .Lmf_seg_sb, 0\n\t" \
    MF_DSP_SEG_WORDS_M7
/* ... for mf_dsp_seg_groups_n's requantisation (MF_DSP_SEG_GROUP_OUT): the last word's hooks (.Lmf_seg_th) start it,
 * c' = ma - sa of pair a's two pixels and pair a's m2 into e0 beside its last SMLADs, which had no partners */
#define MF_DSP_SEG_WINDOW_TH ".set .Lmf_seg_first, 1\n\t.set .Lmf_seg_th, 1\n\t" MF_DSP_SEG_WORDS_M7
#else
#define MF_DSP_SEG_WINDOW                                                                        \
    ".set .Lmf_seg_first, 1\n\t" MF_DSP_SEG_WORDS                                                \
    ".if .Lmf_seg_odd\n\t"   /* set by the asm block (odd, or from the words' count) */             \
    ".set .Lmf_seg_ky, 0\n\t"                                                                    \
    ".rept %c[kh] / 2\n\t"                                                                       \
    MF_DSP_SEG_PAIR("(.Lmf_seg_ky * %c[rs] + 4 * %c[nf])", "((.Lmf_seg_ky + 1) * %c[rs] + 4 * %c[nf])", "%c[d]", \
                    "(8 * (%c[kh] * %c[nf] + .Lmf_seg_ky / 2))")                                 \
    ".set .Lmf_seg_ky, .Lmf_seg_ky + 2\n\t"                                                      \
    ".endr\n\t"                                                                                  \
    ".if %c[kh] & 1\n\t"                                                                         \
    MF_DSP_SEG_WORD("((%c[kh] - 1) * %c[rs] + 4 * %c[nf])", "%c[d]", "(8 * (%c[kh] * %c[nf] + %c[kh] / 2))") \
    ".endif\n\t"                                                                                 \
    ".endif\n\t"
#endif

/* Two accumulators A_, B_ (bias in) requantised with m2 in registers MA_, MB_ and -shift-1 in EA_, EB_
 * (mf_dsp_out_fast's arithmetic, the two interleaved for the M7's dual issue), saturated to int8; %[k]: the output
 * offset, %[lo]: act_min (MF_NEG_CLAMPED: no negative-value correction). */
#define MF_DSP_RQ1X2(A_, MA_, EA_, B_, MB_, EB_)                                                  \
    "smmlar %[" #A_ "], %[" #A_ "], %[" #MA_ "], %[" #A_ "]\n\t"                                   \
    "smmlar %[" #B_ "], %[" #B_ "], %[" #MB_ "], %[" #B_ "]\n\t"                                   \
    ".if 2 * (%c[lo]) + 1 < %c[k]\n\t"   /* not MF_NEG_CLAMPED(lo, out offset) */                  \
    "add %[" #A_ "], %[" #A_ "], %[" #A_ "], asr #31\n\t"                                          \
    "add %[" #B_ "], %[" #B_ "], %[" #B_ "], asr #31\n\t"                                          \
    ".endif\n\t"                                                                                  \
    "asr %[" #A_ "], %[" #A_ "], %[" #EA_ "]\n\t"                                                  \
    "asr %[" #B_ "], %[" #B_ "], %[" #EB_ "]\n\t"                                                  \
    ".if %c[k] >= 0\n\tadd %[" #A_ "], %[" #A_ "], #%c[k]\n\tadd %[" #B_ "], %[" #B_ "], #%c[k]\n\t"  \
    ".else\n\tsub %[" #A_ "], %[" #A_ "], #-%c[k]\n\tsub %[" #B_ "], %[" #B_ "], #-%c[k]\n\t.endif\n\t" \
    "ssat %[" #A_ "], #8, %[" #A_ "], asr #1\n\t"                                                  \
    "ssat %[" #B_ "], #8, %[" #B_ "], asr #1\n\t"
/* The same channel's accumulators of two pixels, A0_ and A1_, one m2 (M_) and -shift-1 (E_). */
#define MF_DSP_RQ2(A0_, A1_, M_, E_) MF_DSP_RQ1X2(A0_, M_, E_, A1_, M_, E_)
/* Channel accumulators A0_, A1_ (pixels 0 and 1, bias in) requantised with m2 in register M_ and -shift-1 in E_,
 * clamped; STORE_ stores them. */
#define MF_DSP_SEG_RQR(A0_, A1_, M_, E_, STORE_)                                                \
    MF_DSP_RQ2(A0_, A1_, M_, E_)                                                                \
    ".if (%c[lo]) > -128\n\tcmp %[" #A0_ "], #%c[lo]\n\tit lt\n\tmovlt %[" #A0_ "], #%c[lo]\n\t"          \
    "cmp %[" #A1_ "], #%c[lo]\n\tit lt\n\tmovlt %[" #A1_ "], #%c[lo]\n\t.endif\n\t"              \
    ".if (%c[hi]) < 127\n\tcmp %[" #A0_ "], #%c[hi]\n\tit gt\n\tmovgt %[" #A0_ "], #%c[hi]\n\t"          \
    "cmp %[" #A1_ "], #%c[hi]\n\tit gt\n\tmovgt %[" #A1_ "], #%c[hi]\n\t.endif\n\t"              \
    STORE_
/* ... with m2 at byte OM_ and -shift-1 at byte OE_ of rq */
#define MF_DSP_SEG_RQ(A0_, A1_, OM_, OE_, STORE_)                                               \
    "ldr %[t0], [%[rq], #" #OM_ "]\n\t"                                                         \
    "ldr %[t1], [%[rq], #" #OE_ "]\n\t"                                                         \
    MF_DSP_SEG_RQR(A0_, A1_, t0, t1, STORE_)
/* channel C_'s outputs A0_, A1_ at o0 and at pixel 1's pointer, in sa0 once channel 0 is stored */
#define MF_DSP_SEG_ST(A0_, A1_, C_)                                                             \
    "strb %[" #A0_ "], [%[o0], #" #C_ "]\n\tstrb %[" #A1_ "], [%[sa0], #" #C_ "]\n\t"

/* MF_DSP_SEG_RQ for mf_dsp_seg_groups, its constants loaded before (m2 in e0, -shift-1 in e1, left there: the last
 * channel's carries the group loop's MF_DSP_PW_MORE bit). */
#define MF_DSP_SEG_RQW(A0_, A1_, STORE_) MF_DSP_SEG_RQR(A0_, A1_, e0, e1, STORE_)
/* c' of a pair (ops/conv2d.py pw_consts) from A0_, A1_ = 256 times its accumulators: SMMLA with mult (M_) and Ra (RA_;
 * Ra - 128 for a negative one unless the activation clamps negatives, MF_NEG_CLAMPED, built in T_), >> e + 7 (E_'s
 * second byte: E_ is left shifted down by 8), saturated: TFLM's requantisation and output offset in one multiply.
 * The pw stream (MF_DSP_PW_RQD) and the first layers' groups (MF_DSP_SEG_RQD) hold them in different registers. */
#define MF_DSP_RQD_REGS_SH(A0_, A1_, M_, RA_, T_, E_, SH_)                                            \
    MF_DSP_RQD_REGS_E(A0_, A1_, M_, RA_, T_, E_, SH_ " %[" #E_ "], %[" #E_ "], #8\n\t")
/* ... with PRE_E_ (E_'s shift down, or nothing) before the ASRs */
#define MF_DSP_RQD_REGS_E(A0_, A1_, M_, RA_, T_, E_, PRE_E_)                                          \
    ".if 2 * (%c[lo]) + 1 < %c[k]\n\t"   /* not MF_NEG_CLAMPED(lo, out offset) */                 \
    "asr %[" #T_ "], %[" #A0_ "], #31\n\tadd %[" #T_ "], %[" #RA_ "], %[" #T_ "], lsl #7\n\t"      \
    "smmla %[" #A0_ "], %[" #A0_ "], %[" #M_ "], %[" #T_ "]\n\t"                                  \
    "asr %[" #T_ "], %[" #A1_ "], #31\n\tadd %[" #T_ "], %[" #RA_ "], %[" #T_ "], lsl #7\n\t"      \
    "smmla %[" #A1_ "], %[" #A1_ "], %[" #M_ "], %[" #T_ "]\n\t"                                  \
    ".else\n\t"                                                                                \
    "smmla %[" #A0_ "], %[" #A0_ "], %[" #M_ "], %[" #RA_ "]\n\t"                                 \
    "smmla %[" #A1_ "], %[" #A1_ "], %[" #M_ "], %[" #RA_ "]\n\t"                                 \
    ".endif\n\t"                                                                               \
    PRE_E_                                                                                     \
    "asr %[" #A0_ "], %[" #A0_ "], %[" #E_ "]\n\tasr %[" #A1_ "], %[" #A1_ "], %[" #E_ "]\n\t"     \
    "ssat %[" #A0_ "], #8, %[" #A0_ "]\n\tssat %[" #A1_ "], #8, %[" #A1_ "]\n\t"
/* ... E_ shifted down by LSR */
#define MF_DSP_RQD_REGS(A0_, A1_, M_, RA_, T_, E_) MF_DSP_RQD_REGS_SH(A0_, A1_, M_, RA_, T_, E_, "lsr")
/* c' of a pair in mf_dsp_seg_groups: mult in e0, Ra in sa0 (sa1 free), e + 7 in e1's second byte; then clamped and
 * stored by STORE_ */
#define MF_DSP_SEG_RQD(A0_, A1_, STORE_)                                                        \
    MF_DSP_RQD_REGS(A0_, A1_, e0, sa0, sa1, e1)                                                 \
    ".if (%c[lo]) > -128\n\tcmp %[" #A0_ "], #%c[lo]\n\tit lt\n\tmovlt %[" #A0_ "], #%c[lo]\n\t"          \
    "cmp %[" #A1_ "], #%c[lo]\n\tit lt\n\tmovlt %[" #A1_ "], #%c[lo]\n\t.endif\n\t"              \
    ".if (%c[hi]) < 127\n\tcmp %[" #A0_ "], #%c[hi]\n\tit gt\n\tmovgt %[" #A0_ "], #%c[hi]\n\t"          \
    "cmp %[" #A1_ "], #%c[hi]\n\tit gt\n\tmovgt %[" #A1_ "], #%c[hi]\n\t.endif\n\t"              \
    STORE_
/* Channel C_'s outputs A0_, A1_ of mf_dsp_seg_groups: pixel 0's at wa, stepped on to the next channel by the store,
 * pixel 1's wb bytes further (the frame holds pixel 0's pointer and that offset: one pointer stored back per group). */
#define MF_DSP_SEG_STW(A0_, A1_, C_)                                                            \
    "strb %[" #A1_ "], [%[wa], %[wb]]\n\tstrb %[" #A0_ "], [%[wa]], #1\n\t"
#define MF_DSP_SEG_OUT_STEP "str %[wa], [sp]\n\t"   /* stepped by 4 by the stores */
#define MF_DSP_SEG_OUT1(o0_, o1_) ((int32_t)((uintptr_t)(o1_) - (uintptr_t)(o0_)))
/* A0_, A1_ clamped to act_min, act_max when the activation narrows the int8 range */
#define MF_DSP_SEG_CLAMP2(A0_, A1_)                                                             \
    ".if (%c[lo]) > -128\n\tcmp %[" #A0_ "], #%c[lo]\n\tit lt\n\tmovlt %[" #A0_ "], #%c[lo]\n\t"          \
    "cmp %[" #A1_ "], #%c[lo]\n\tit lt\n\tmovlt %[" #A1_ "], #%c[lo]\n\t.endif\n\t"              \
    ".if (%c[hi]) < 127\n\tcmp %[" #A0_ "], #%c[hi]\n\tit gt\n\tmovgt %[" #A0_ "], #%c[hi]\n\t"          \
    "cmp %[" #A1_ "], #%c[hi]\n\tit gt\n\tmovgt %[" #A1_ "], #%c[hi]\n\t.endif\n\t"

/* The M7's requantisation of a group (mf_dsp_seg_groups_n): the M4's instructions (MF_DSP_SEG_RQW, MF_DSP_SEG_RQD,
 * MF_DSP_SEG_STW), scheduled for its dual issue, which pairs two neighbouring instructions unless the second reads
 * what the first writes or both are multiplies or both stores. In the M4's order each channel's two SMMLA(R)s and
 * its two stores sit side by side (a cycle each, alone) and a constant's load comes right before its first reader;
 * here the next channel's constants are loaded between a channel's two stores, c3's subtractions (and c3's Ra) go
 * between c0's (c2's) two SMMLARs, c2's m2 after c1's: 4 cycles a group less (vww's first layer: 36 -> 32 from the
 * window's last SMLAD on). c1 and c3 take Ra from sa0 (c0's pixel 0, stored before the load) and e + 7 from e1's
 * second byte, as MF_DSP_SEG_RQD. */
/* The M7's c (MF_DSP_SEG_RQW_M7, _RQWI_M7) up to its shift: A_, B_'s SMMLARs with m2 in e0 (F1_ after A_'s, F2_ after
 * B_'s), then, unless negative sums are clamped anyway (MF_NEG_CLAMPED), their -1 (rounding half away from zero) */
#define MF_DSP_SEG_RQW_HEAD_M7(A_, B_, F1_, F2_)                                                \
    "smmlar %[" #A_ "], %[" #A_ "], %[e0], %[" #A_ "]\n\t" F1_                                    \
    "smmlar %[" #B_ "], %[" #B_ "], %[e0], %[" #B_ "]\n\t" F2_                                    \
    ".if 2 * (%c[lo]) + 1 < %c[k]\n\t"   /* not MF_NEG_CLAMPED(lo, out offset) */                  \
    "add %[" #A_ "], %[" #A_ "], %[" #A_ "], asr #31\n\tadd %[" #B_ "], %[" #B_ "], %[" #B_ "], asr #31\n\t" \
    ".endif\n\t"
/* c (MF_DSP_SEG_RQW) of A_, B_ with m2 in e0, -shift-1 in e1: F1_ after A_'s SMMLAR, F2_ after B_'s */
#define MF_DSP_SEG_RQW_M7(A_, B_, F1_, F2_)                                                     \
    MF_DSP_SEG_RQW_HEAD_M7(A_, B_, F1_, F2_)                                                    \
    "asr %[" #A_ "], %[" #A_ "], %[e1]\n\tasr %[" #B_ "], %[" #B_ "], %[e1]\n\t"                      \
    ".if %c[k] >= 0\n\tadd %[" #A_ "], %[" #A_ "], #%c[k]\n\tadd %[" #B_ "], %[" #B_ "], #%c[k]\n\t"  \
    ".else\n\tsub %[" #A_ "], %[" #A_ "], #-%c[k]\n\tsub %[" #B_ "], %[" #B_ "], #-%c[k]\n\t.endif\n\t" \
    "ssat %[" #A_ "], #8, %[" #A_ "], asr #1\n\tssat %[" #B_ "], #8, %[" #B_ "], asr #1\n\t"          \
    MF_DSP_SEG_CLAMP2(A_, B_)
/* c' (MF_DSP_SEG_RQD) of A0_, A1_ with mult in e0, Ra in sa0, e + 7 in e1's second byte: F_ after the SMMLAs */
#define MF_DSP_SEG_RQD_M7(A0_, A1_, F_)                                                         \
    ".if 2 * (%c[lo]) + 1 < %c[k]\n\t" MF_DSP_RQD_REGS(A0_, A1_, e0, sa0, sa1, e1) F_               \
    ".else\n\t"                                                                                  \
    "smmla %[" #A0_ "], %[" #A0_ "], %[e0], %[sa0]\n\tlsr %[e1], %[e1], #8\n\t"                   \
    "smmla %[" #A1_ "], %[" #A1_ "], %[e0], %[sa0]\n\t" F_                                         \
    "asr %[" #A0_ "], %[" #A0_ "], %[e1]\n\tasr %[" #A1_ "], %[" #A1_ "], %[e1]\n\t"                  \
    "ssat %[" #A0_ "], #8, %[" #A0_ "]\n\tssat %[" #A1_ "], #8, %[" #A1_ "]\n\t"                      \
    ".endif\n\t" MF_DSP_SEG_CLAMP2(A0_, A1_)
/* ... with the pair's shifts as immediates (.Lmf_seg_e: c's -shift-1, .Lmf_seg_E: c''s e + 7, MF_DSP_SEG_QSHIFTS;
 * mf_dsp_seg_groups_n's unrolled groups, q != 0): c as SSAT >> e' + 1 after one ADD of k * 2^e' (mf_dsp_seg_rquad's
 * MF_DSP_SEGR_RQI2; F1_ after A_'s SMMLAR, F2_ after B_'s), c' as SSAT >> E' (RQDI: F_ after the second SMMLA) */
#define MF_DSP_SEG_RQWI_M7(A_, B_, F1_, F2_)                                                    \
    MF_DSP_SEG_RQW_HEAD_M7(A_, B_, F1_, F2_)                                                    \
    ".if %c[k] >= 0\n\tadd %[" #A_ "], %[" #A_ "], #(%c[k] << .Lmf_seg_e)\n\tadd %[" #B_ "], %[" #B_ "], #(%c[k] << .Lmf_seg_e)\n\t" \
    ".else\n\tsub %[" #A_ "], %[" #A_ "], #((0 - (%c[k])) << .Lmf_seg_e)\n\tsub %[" #B_ "], %[" #B_ "], #((0 - (%c[k])) << .Lmf_seg_e)\n\t" \
    ".endif\n\t"                                                                                  \
    "ssat %[" #A_ "], #8, %[" #A_ "], asr #(.Lmf_seg_e + 1)\n\tssat %[" #B_ "], #8, %[" #B_ "], asr #(.Lmf_seg_e + 1)\n\t" \
    MF_DSP_SEG_CLAMP2(A_, B_)
#define MF_DSP_SEG_RQDI_M7(A0_, A1_, F_)                                                        \
    ".if 2 * (%c[lo]) + 1 < %c[k]\n\t"                                                            \
    "asr %[sa1], %[" #A0_ "], #31\n\tadd %[sa1], %[sa0], %[sa1], lsl #7\n\t"                       \
    "smmla %[" #A0_ "], %[" #A0_ "], %[e0], %[sa1]\n\t"                                             \
    "asr %[sa1], %[" #A1_ "], #31\n\tadd %[sa1], %[sa0], %[sa1], lsl #7\n\t"                       \
    "smmla %[" #A1_ "], %[" #A1_ "], %[e0], %[sa1]\n\t" F_                                          \
    "ssat %[" #A0_ "], #8, %[" #A0_ "], asr #.Lmf_seg_E\n\tssat %[" #A1_ "], #8, %[" #A1_ "], asr #.Lmf_seg_E\n\t" \
    ".else\n\t"   /* A0_'s SSAT between the SMMLAs (no two multiplies side by side), F_ (may load e0) after them */ \
    "smmla %[" #A0_ "], %[" #A0_ "], %[e0], %[sa0]\n\t"                                             \
    "ssat %[" #A0_ "], #8, %[" #A0_ "], asr #.Lmf_seg_E\n\t"                                         \
    "smmla %[" #A1_ "], %[" #A1_ "], %[e0], %[sa0]\n\t" F_                                          \
    "ssat %[" #A1_ "], #8, %[" #A1_ "], asr #.Lmf_seg_E\n\t"                                         \
    ".endif\n\t"                                                                                  \
    MF_DSP_SEG_CLAMP2(A0_, A1_)
/* pair P_ (0: a, 1: b) of group .Lmf_seg_g: its shifts from its byte of %[q] (MF_CONV2D_SEG_RQ_Q) */
#define MF_DSP_SEG_QSHIFTS(P_)                                                                  \
    ".set .Lmf_seg_v, (%c[q] >> (8 * (2 * .Lmf_seg_g + " #P_ "))) & 255\n\t"                      \
    ".set .Lmf_seg_e, (.Lmf_seg_v & 15) - 1\n\t.set .Lmf_seg_E, (.Lmf_seg_v >> 4) + 8\n\t"
/* A0_, A1_ stored (MF_DSP_SEG_STW) with F_ between the two stores */
#define MF_DSP_SEG_ST2_M7(A0_, A1_, F_) "strb %[" #A1_ "], [%[wa], %[wb]]\n\t" F_ "strb %[" #A0_ "], [%[wa]], #1\n\t"
#define MF_DSP_SEG_LDC(R_, O_) "ldr %[" #R_ "], [%[w], #.Lmf_seg_rq + " #O_ "]\n\t"   /* the group's constant at O_ */
/* the group's 8 outputs from its accumulators (after the window), stored; then the loop's test (Z clear: another
 * group follows) and the out pointer back to the frame */
#if defined(MF_TARGET_M7)
#define MF_DSP_SEG_GROUP_OUT                                                                    \
    "ldr %[e1], [%[w], #.Lmf_seg_rq + 20]   @ mf_dsp_seg_groups M7 order\n\t"   /* the comment: tests find it */ \
    MF_DSP_SEG_RQW_M7(sa0, sa1, "sub %[mb0], %[mb0], %[sb0]\n\t", "sub %[mb1], %[mb1], %[sb1]\n\t") \
    ".if !.Lmf_seg_wl\n\tldr %[wa], [sp]\n\t.endif\n\t"   /* else by the window (MF_DSP_SEG_LAST_LOOP) */ \
    "ldr %[wb], [sp, #4]\n\t"                                                                    \
    MF_DSP_SEG_ST2_M7(sa0, sa1, MF_DSP_SEG_LDC(e0, 28)) MF_DSP_SEG_LDC(sa0, 24)                   \
    MF_DSP_SEG_RQD_M7(ma0, ma1, MF_DSP_SEG_LDC(e0, 32))                                           \
    MF_DSP_SEG_ST2_M7(ma0, ma1, MF_DSP_SEG_LDC(e1, 36))                                           \
    MF_DSP_SEG_RQW_M7(sb0, sb1, MF_DSP_SEG_LDC(sa0, 40), "")                                      \
    MF_DSP_SEG_ST2_M7(sb0, sb1, MF_DSP_SEG_LDC(e0, 44))                                           \
    MF_DSP_SEG_RQD_M7(mb0, mb1, "")                                                               \
    MF_DSP_SEG_ST2_M7(mb0, mb1, "tst %[e1], #" MF_DSP_PW_MORE "\n\t")                            \
    "add %[w], %[w], #.Lmf_seg_rq + 48\n\t" MF_DSP_SEG_OUT_STEP   /* the loop's BNE beside the STR */
/* ... with immediate shifts (the groups unrolled: no W loads, no loop test). With MF_NEG_CLAMPED and no clamp
 * (MF_DSP_SEG_IMM_NC: MF_DSP_SEG_GROUP_OUT_IMM_NC) ordered so
 * that every instruction issues beside another: each SSAT two away from its SMMLA(R), pair a's Ra in e1 (free: no W),
 * its stores between pair b's multiplies, and before the last stores the next group's (.Lmf_seg_pf) starts and first
 * word loaded, w stepped on (its window's loads then skipped: MF_DSP_SEG_WORDS_M7); the last group of a pixel pair
 * loop (.Lmf_seg_lc) instead the loop's control, beside its last stores (else after them, 3 of its 8 instructions
 * alone: 9 cycles from the last SSATs to the BNE, now 8) and the next pair's first start (its first group then loads
 * 7 words, the last beside the first SMLAD: 1 cycle), w back to the stream's start, the window's x stepped on. */
#define MF_DSP_SEG_K_M7(A_)                                                                      \
    ".if %c[k] >= 0\n\tadd %[" #A_ "], %[" #A_ "], #(%c[k] << .Lmf_seg_e)\n\t"                    \
    ".else\n\tsub %[" #A_ "], %[" #A_ "], #((0 - (%c[k])) << .Lmf_seg_e)\n\t.endif\n\t"
#define MF_DSP_SEG_SATC_M7(A_) "ssat %[" #A_ "], #8, %[" #A_ "], asr #(.Lmf_seg_e + 1)\n\t"
#define MF_DSP_SEG_SATD_M7(A_) "ssat %[" #A_ "], #8, %[" #A_ "], asr #.Lmf_seg_E\n\t"
#define MF_DSP_SEG_GROUP_OUT_IMM_NC(PF_)                                                         \
    "smmlar %[sa0], %[sa0], %[e0], %[sa0]   @ mf_dsp_seg_groups M7 order, immediate shifts, nc\n\t" \
    "sub %[mb0], %[mb0], %[sb0]\n\t" MF_DSP_SEG_QSHIFTS(0)                                        \
    "smmlar %[sa1], %[sa1], %[e0], %[sa1]\n\t" MF_DSP_SEG_LDC(e1, 24) MF_DSP_SEG_LDC(e0, 28)      \
    "sub %[mb1], %[mb1], %[sb1]\n\t"                                                              \
    "smmla %[ma0], %[ma0], %[e0], %[e1]\n\t" MF_DSP_SEG_K_M7(sa0)                                  \
    "smmla %[ma1], %[ma1], %[e0], %[e1]\n\t" MF_DSP_SEG_K_M7(sa1)                                  \
    "ldr %[wa], [sp]\n\tldr %[wb], [sp, #4]\n\t"                                                 \
    MF_DSP_SEG_SATC_M7(sa0) MF_DSP_SEG_SATC_M7(sa1) MF_DSP_SEG_SATD_M7(ma0) MF_DSP_SEG_SATD_M7(ma1) \
    MF_DSP_SEG_QSHIFTS(1)                                                                        \
    "strb %[sa1], [%[wa], %[wb]]\n\t" MF_DSP_SEG_LDC(e0, 32)                                      \
    "strb %[sa0], [%[wa]], #1\n\t" MF_DSP_SEG_LDC(e1, 40)                                         \
    "smmlar %[sb0], %[sb0], %[e0], %[sb0]\n\t" "strb %[ma1], [%[wa], %[wb]]\n\t"                   \
    "smmlar %[sb1], %[sb1], %[e0], %[sb1]\n\t" "strb %[ma0], [%[wa]], #1\n\t"                      \
    MF_DSP_SEG_LDC(e0, 44) MF_DSP_SEG_K_M7(sb0)                                                   \
    "smmla %[mb0], %[mb0], %[e0], %[e1]\n\t" MF_DSP_SEG_K_M7(sb1)                                  \
    "smmla %[mb1], %[mb1], %[e0], %[e1]\n\t" MF_DSP_SEG_SATC_M7(sb0) MF_DSP_SEG_SATC_M7(sb1)      \
    ".if " PF_ "\n\t"                                                                            \
    MF_DSP_SEG_SATD_M7(mb0) "strb %[sb1], [%[wa], %[wb]]\n\t" MF_DSP_SEG_SATD_M7(mb1)               \
    "strb %[sb0], [%[wa]], #1\n\t" "add %[w], %[w], #.Lmf_seg_rq + 48\n\t"                          \
    "strb %[mb1], [%[wa], %[wb]]\n\t" "ldr %[ma0], [%[w], #.Lmf_seg_rq]   @ mf_seg next group\n\t" \
    "strb %[mb0], [%[wa]], #1\n\t" "ldr %[sa0], [%[w], #.Lmf_seg_rq + 4]\n\t"                     \
    MF_DSP_SEG_OUT_STEP "ldr %[mb0], [%[w], #.Lmf_seg_rq + 8]\n\t"                                \
    "ldr %[sb0], [%[w], #.Lmf_seg_rq + 12]\n\t"                                                   \
    ".if %c[kh] * %c[nf]\n\t"   /* the window's first word: as MF_DSP_SEG_WORDS_M7 */              \
    "ldr %[e0], [%[x]]\n\tldr %[e1], [%[x], #%c[d]]\n\tldr %[wa], [%[w]]\n\tldr %[wb], [%[w], #4]\n\t"   \
    ".endif\n\t"                                                                                 \
    ".elseif .Lmf_seg_lc && .Lmf_seg_g + 1 == .Lmf_seg_ng\n\t"   /* the pixel pair loop's control */          \
    "strb %[sb1], [%[wa], %[wb]]\n\t" MF_DSP_SEG_SATD_M7(mb0)                                     \
    "strb %[sb0], [%[wa]], #1\n\t" MF_DSP_SEG_SATD_M7(mb1)                                        \
    "strb %[mb1], [%[wa], %[wb]]\n\t" "ldr %[e0], [sp, #8]   @ mf_seg pair loop beside the stores\n\t" \
    "strb %[mb0], [%[wa]], #1\n\t" "ldr %[w], [sp, #12]\n\t"                                     \
    ".if %c[c1]\n\t" MF_DSP_SEG_OUT_STEP "ldr %[e1], [sp, #16]\n\t"                               \
    "add %[x], %[x], %[e1]\n\t" "neg %[e1], %[e1]\n\t" "str %[e1], [sp, #16]\n\t"                  \
    "subs %[e0], %[e0], #1\n\t"                                                                  \
    ".else\n\t" MF_DSP_SEG_OUT_STEP "subs %[e0], %[e0], #1\n\t" ".endif\n\t"                       \
    "ldr %[ma0], [%[w], #.Lmf_seg_rq]\n\t" "str %[e0], [sp, #8]\n\t"                                \
    "add %[x], %[x], #%c[xs]\n\t" "bne 3b\n\t"                                                   \
    ".else\n\t"                                                                                  \
    "strb %[sb1], [%[wa], %[wb]]\n\t" MF_DSP_SEG_SATD_M7(mb0)                                     \
    "strb %[sb0], [%[wa]], #1\n\t" MF_DSP_SEG_SATD_M7(mb1)                                        \
    "strb %[mb1], [%[wa], %[wb]]\n\t" "add %[w], %[w], #.Lmf_seg_rq + 48\n\t"                      \
    "strb %[mb0], [%[wa]], #1\n\t" MF_DSP_SEG_OUT_STEP                                           \
    ".endif\n\t"
#define MF_DSP_SEG_IMM_NC "(2 * (%c[lo]) + 1 >= %c[k] && (%c[lo]) <= -128 && (%c[hi]) >= 127)"
#define MF_DSP_SEG_GROUP_OUT_IMM(PF_)                                                            \
    ".if !" MF_DSP_SEG_IMM_NC "\n\t"   /* the window's hooks did e0, ma0, ma1 */                  \
    "@ mf_dsp_seg_groups M7 order, immediate shifts\n\t" MF_DSP_SEG_QSHIFTS(0)                   \
    MF_DSP_SEG_RQWI_M7(sa0, sa1, "sub %[mb0], %[mb0], %[sb0]\n\t", "sub %[mb1], %[mb1], %[sb1]\n\t") \
    "ldr %[wa], [sp]\n\tldr %[wb], [sp, #4]\n\t"                                                \
    MF_DSP_SEG_ST2_M7(sa0, sa1, MF_DSP_SEG_LDC(e0, 28)) MF_DSP_SEG_LDC(sa0, 24)                   \
    MF_DSP_SEG_RQDI_M7(ma0, ma1, "")                                                              \
    MF_DSP_SEG_ST2_M7(ma0, ma1, MF_DSP_SEG_LDC(e0, 32)) MF_DSP_SEG_QSHIFTS(1)                     \
    MF_DSP_SEG_RQWI_M7(sb0, sb1, MF_DSP_SEG_LDC(sa0, 40), "")                                     \
    MF_DSP_SEG_ST2_M7(sb0, sb1, MF_DSP_SEG_LDC(e0, 44))                                           \
    MF_DSP_SEG_RQDI_M7(mb0, mb1, "")                                                              \
    MF_DSP_SEG_ST2_M7(mb0, mb1, "add %[w], %[w], #.Lmf_seg_rq + 48\n\t")   /* the next group's stream */ \
    MF_DSP_SEG_OUT_STEP                                                                          \
    ".else\n\t" MF_DSP_SEG_GROUP_OUT_IMM_NC(PF_) ".endif\n\t"
#else
/* per pair (pw_consts): c with m2 (e0) and -shift-1 (e1's low byte), stored; c' with Ra (into sa0, free once c is
 * stored), mult (e0) and e + 7 (e1 >> 8) */
#define MF_DSP_SEG_GROUP_OUT                                                                    \
    "sub %[ma0], %[ma0], %[sa0]\n\tsub %[ma1], %[ma1], %[sa1]\n\t"                              \
    "sub %[mb0], %[mb0], %[sb0]\n\tsub %[mb1], %[mb1], %[sb1]\n\t"                              \
    "ldr %[wa], [sp]\n\tldr %[wb], [sp, #4]\n\t" MF_DSP_SEG_LDC(e0, 16) MF_DSP_SEG_LDC(e1, 20)      \
    MF_DSP_SEG_RQW(sa0, sa1, MF_DSP_SEG_STW(sa0, sa1, 0))                                         \
    MF_DSP_SEG_LDC(sa0, 24) MF_DSP_SEG_LDC(e0, 28)                                                \
    MF_DSP_SEG_RQD(ma0, ma1, MF_DSP_SEG_STW(ma0, ma1, 1))                                         \
    MF_DSP_SEG_LDC(e0, 32) MF_DSP_SEG_LDC(e1, 36)                                                 \
    MF_DSP_SEG_RQW(sb0, sb1, MF_DSP_SEG_STW(sb0, sb1, 2))                                         \
    MF_DSP_SEG_LDC(sa0, 40) MF_DSP_SEG_LDC(e0, 44)                                                \
    MF_DSP_SEG_RQD(mb0, mb1, MF_DSP_SEG_STW(mb0, mb1, 3))                                         \
    "tst %[e1], #" MF_DSP_PW_MORE "\n\t"                                                          \
    MF_DSP_SEG_OUT_STEP
#endif

/* mf_dsp_seg_rows for out_c % 4 == 0: every group of the pair in one asm block, the group loop ending on the
 * MF_DSP_PW_MORE bit of its last constant (ops/conv2d.py seg_stream sets it as group_stream does). The window and the
 * requantisation are mf_dsp_seg_rows' (the same instructions), but no C code runs between groups: the two biases
 * that start the accumulators are loaded in the window's first load chain, the constants at immediate offsets from w
 * (the group's weights), and the out pointers (MF_DSP_SEG_STW) live in a 16-byte frame below sp (entering in ma1,
 * mb1), loaded into wa, wb (free after the window) with the constants: all 14 registers hold accumulators,
 * temporaries and the x16/weight pointers during the window. The frame lies below the caller's data, so an
 * exception's stacking cannot reach anything still to be read.
 * With loop (an immediate) the block runs n pixel pairs, the windows of pair i + 1 xs bytes after pair i's (with two
 * copies of the rows, c1 > 0: odd pairs read the copy c1 bytes further, so the step alternates between xs + c1 and
 * xs - c1) and its outputs out_c bytes after (a strip's row pair: mf_dsp_seg_strip_pairs): the pair loop's count, the
 * stream's start and the copy step (negated each pair) in the frame too, the out pointers already stepped on by the
 * groups' stores; no C code between pairs (about 17 cycles a pair on the M4 less than a call per pair). */
MF_KERNEL void mf_dsp_seg_groups_n(const int16_t *x, const int32_t kh, const int32_t nf, const int32_t odd,
                                   const int32_t rs, const int32_t d, const int8_t *wseg, const int32_t words,
                                   const int32_t out_offset, const int32_t act_min, const int32_t act_max,
                                   int8_t *out0, int8_t *out1, const int32_t loop, const int32_t n, const int32_t xs,
                                   const int32_t c1, const int64_t q)
{
    int32_t ma1 = (int32_t)(uintptr_t)out0, mb1 = MF_DSP_SEG_OUT1(out0, out1), e0;
    int32_t ma0, mb0, sa0, sa1, sb0, sb1, e1, wa, wb;
    if (loop) e0 = n;
    else __asm__("" : "=r"(e0));   /* not read: no instruction to set it */
    const int8_t *w = wseg;
    (void)odd;   /* the asm finds it from the words' count (.Lmf_seg_odd), an operand fewer; the callers' signature */
    __asm__ volatile(
        ".set .Lmf_seg_rq, %c[wb8]\n\t"   /* the group's constants: after its weights */
        /* the rows' last values (odd k_w * in_c) when the words are more than the whole ones */
        ".set .Lmf_seg_odd, 0\n\t.if %c[wb8] / 8 - %c[kh] * %c[nf]\n\t.set .Lmf_seg_odd, 1\n\t.endif\n\t"
        ".set .Lmf_seg_fr, 16\n\t.if %c[c1]\n\t.set .Lmf_seg_fr, 24\n\t.endif\n\t"   /* the copy step's word */
        ".set .Lmf_seg_lc, 0\n\t"   /* 1: the loop's control done by the last group (the M7's immediate tail) */
#if defined(MF_TARGET_M7)
        ".if %c[q] && %c[xs] && " MF_DSP_SEG_IMM_NC "\n\t.set .Lmf_seg_lc, 1\n\t.endif\n\t"
#endif
        "sub sp, sp, #.Lmf_seg_fr\n\tstr %[ma1], [sp]\n\tstr %[mb1], [sp, #4]\n\t"
        ".if %c[xs]\n\tstr %[e0], [sp, #8]\n\tstr %[w], [sp, #12]\n\t"
        ".if %c[c1]\n\tmovw %[e1], #%c[c1]\n\tstr %[e1], [sp, #16]\n\t.endif\n\t"
        ".if .Lmf_seg_lc\n\tldr %[ma0], [%[w], #.Lmf_seg_rq]\n\t.endif\n"   /* then by the last group, for the next */
        "3:\n\t.endif\n"
#if defined(MF_TARGET_M7)
        "@ mf_dsp_seg_groups_n q %c[q]\n\t"   /* not 0: the immediate shifts (tests read it in gcc -S) */
        ".if %c[q]\n\t"   /* immediate shifts: the groups unrolled, as many as the pairs' nonzero bytes of q / 2 */
        ".set .Lmf_seg_ng, 0\n\t.rept 4\n\t.if (%c[q] >> (16 * .Lmf_seg_ng)) & 0xffff\n\t"
        ".set .Lmf_seg_ng, .Lmf_seg_ng + 1\n\t.endif\n\t.endr\n\t"
        ".set .Lmf_seg_g, 0\n\t.set .Lmf_seg_pf, 0\n\t.set .Lmf_seg_sb, 0\n\t.rept .Lmf_seg_ng\n\t"
        ".if .Lmf_seg_pf == 0\n\t"   /* else loaded by the group before (MF_DSP_SEG_GROUP_OUT_IMM_NC) */
        ".if .Lmf_seg_g || !.Lmf_seg_lc\n\tldr %[ma0], [%[w], #.Lmf_seg_rq]\n\t.endif\n\t"   /* else before */
        "ldr %[sa0], [%[w], #.Lmf_seg_rq + 4]\n\t"
        "ldr %[mb0], [%[w], #.Lmf_seg_rq + 8]\n\tldr %[sb0], [%[w], #.Lmf_seg_rq + 12]\n\t"
        ".endif\n\t"
        MF_DSP_SEG_WINDOW_TH
        ".set .Lmf_seg_pf, 0\n\t.if " MF_DSP_SEG_IMM_NC " && (.Lmf_seg_g + 1 < .Lmf_seg_ng)\n\t"
        ".set .Lmf_seg_pf, 1\n\t.endif\n\t"
        MF_DSP_SEG_GROUP_OUT_IMM(".Lmf_seg_pf")
        ".set .Lmf_seg_g, .Lmf_seg_g + 1\n\t.endr\n\t"
        ".else\n\t"
#endif
        "2:\n\t"
        "ldr %[ma0], [%[w], #.Lmf_seg_rq]\n\tldr %[sa0], [%[w], #.Lmf_seg_rq + 4]\n\t"   /* the starts (MF_DSP_SEG_MACS) */
#if defined(MF_TARGET_M7)   /* sb0 in the first word's free slot, beside sa1's SMLAD (MF_DSP_SEG_WORDS_M7) */
        "ldr %[mb0], [%[w], #.Lmf_seg_rq + 8]\n\t"
        ".set .Lmf_seg_pf, 0\n\t.set .Lmf_seg_sb, 1\n\t.set .Lmf_seg_wl, 0\n\t" MF_DSP_SEG_WINDOW_TH
#else
        "ldr %[mb0], [%[w], #.Lmf_seg_rq + 8]\n\tldr %[sb0], [%[w], #.Lmf_seg_rq + 12]\n\t"
        MF_DSP_SEG_WINDOW
#endif
        MF_DSP_SEG_GROUP_OUT
#if !defined(MF_TARGET_M7)   /* the M7's steps w before its last store (MF_DSP_SEG_GROUP_OUT) */
        "add %[w], %[w], #.Lmf_seg_rq + 48\n\t"
#endif
        "bne 2b\n\t"
#if defined(MF_TARGET_M7)
        ".endif\n\t"
#endif
        ".if %c[xs] && !.Lmf_seg_lc\n\t"   /* the next pair: its windows xs bytes on, the stream from its start */
        "ldr %[e0], [sp, #8]\n\tldr %[w], [sp, #12]\n\t"
        ".if %c[c1]\n\tldr %[e1], [sp, #16]\n\tadd %[x], %[x], %[e1]\n\tneg %[e1], %[e1]\n\tstr %[e1], [sp, #16]\n\t.endif\n\t"
        "add %[x], %[x], #%c[xs]\n\t"
        "subs %[e0], %[e0], #1\n\t"
        "str %[e0], [sp, #8]\n\t"
        "bne 3b\n\t"
        ".endif\n\t"
        "add sp, sp, #.Lmf_seg_fr"
        : [ma0] "=&r"(ma0), [ma1] "+r"(ma1), [mb0] "=&r"(mb0), [mb1] "+r"(mb1),
          [sa0] "=&r"(sa0), [sa1] "=&r"(sa1), [sb0] "=&r"(sb0), [sb1] "=&r"(sb1),
          [e0] "+&r"(e0), [e1] "=&r"(e1), [wa] "=&r"(wa), [wb] "=&r"(wb), [w] "+r"(w), [x] "+r"(x)
        : [kh] "i"(kh), [nf] "i"(nf), [rs] "i"(rs), [d] "i"(d), [wb8] "i"(8 * words),
          [k] "i"(2 * out_offset + 1), [lo] "i"(act_min), [hi] "i"(act_max),
          [xs] "i"(loop ? xs : 0), [c1] "i"(loop ? c1 : 0), [q] "i"(q)
        : "cc", "memory");
}
/* one pixel pair (mf_dsp_seg_rows) */
MF_KERNEL void mf_dsp_seg_groups(const int16_t *x, const int32_t kh, const int32_t nf, const int32_t odd,
                                 const int32_t rs, const int32_t d, const int8_t *wseg, const int32_t words,
                                 const int32_t out_offset, const int32_t act_min, const int32_t act_max,
                                 int8_t *out0, int8_t *out1)
{
    mf_dsp_seg_groups_n(x, kh, nf, odd, rs, d, wseg, words, out_offset, act_min, act_max, out0, out1, 0, 1, 0, 0, 0);
}

/* out0[c] and out1[c] for the pixel pair whose windows' rows start at x (pixel 0) and x + d bytes (pixel 1), rows
 * rs bytes apart, kh rows of nf whole words and, when odd, a last value each (MF_DSP_SEG_WINDOW; ops/conv2d.py
 * seg_words words in all), and channels c < n_out; wseg: per group its weights, then its 12 constants (rq's layout,
 * ops/conv2d.py seg_stream): one pointer for both. */
MF_KERNEL void mf_dsp_seg_rows(const int16_t *x, const int32_t kh, const int32_t nf, const int32_t odd, const int32_t rs,
                               const int32_t d, const int8_t *wseg, const int32_t n_out,
                               const int32_t out_offset, const int32_t act_min, const int32_t act_max, int8_t *out0,
                               int8_t *out1)
{
    const int32_t words = kh * nf + (odd ? (kh + 1) / 2 : 0);
    if (n_out % 4 == 0) {   /* whole groups: one asm block */
        mf_dsp_seg_groups(x, kh, nf, odd, rs, d, wseg, words, out_offset, act_min, act_max, out0, out1);
        return;
    }
    for (int32_t c = 0; c < n_out; c += 4, wseg += 8 * words + 48, out0 += 4, out1 += 4) {
        const int32_t *rq = (const int32_t *)(const void *)(wseg + 8 * words);   /* the group's constants */
        int32_t ma0 = rq[0], mb0 = rq[6], sa0 = rq[0], sb0 = rq[6], ma1, sa1, mb1, sb1;   /* MF_DSP_SEG_MACS */
        int32_t e0, e1, wa, wb;
        __asm__ volatile(".set .Lmf_seg_odd, %c[odd]\n\t" MF_DSP_SEG_WINDOW
                         : [ma0] "+r"(ma0), [ma1] "=&r"(ma1), [mb0] "+r"(mb0), [mb1] "=&r"(mb1),
                           [sa0] "+r"(sa0), [sa1] "=&r"(sa1), [sb0] "+r"(sb0), [sb1] "=&r"(sb1),
                           [e0] "=&r"(e0), [e1] "=&r"(e1), [wa] "=&r"(wa), [wb] "=&r"(wb)
                         : [x] "r"(x), [w] "r"(wseg), [kh] "i"(kh), [nf] "i"(nf), [odd] "i"(odd), [rs] "i"(rs), [d] "i"(d)
                         : "memory");
        if (n_out - c < 4) {   /* a partial last group: only its channels stored */
        mf_dsp_mix_out(rq, n_out - c, 1, ma0, ma1, mb0, mb1, sa0, sa1, sb0, sb1, out_offset, act_min, act_max, out0, out1);
            break;
        }
        /* mf_dsp_mix_out's arithmetic in one asm block: channel 0 from sa, 1 from (ma - sa) >> 8 plus its bias (at
         * byte 4 of the group's constants), 2 from sb, 3 from (mb - sb) >> 8 plus its bias (byte 28); pixel 1's
         * pointer read from memory (12 registers: GCC found no 13 in some inlined models) */
        __asm__ volatile("sub %[ma0], %[ma0], %[sa0]\n\tsub %[ma1], %[ma1], %[sa1]\n\t"
                         "sub %[mb0], %[mb0], %[sb0]\n\tsub %[mb1], %[mb1], %[sb1]\n\t"
                         MF_DSP_SEG_RQ(sa0, sa1, 8, 16, "strb %[sa0], [%[o0]]\n\tldr %[sa0], %[o1]\n\tstrb %[sa1], [%[sa0]]\n\t")
                         "ldr %[t0], [%[rq], #4]\n\t"
                         "add %[ma0], %[t0], %[ma0], asr #8\n\tadd %[ma1], %[t0], %[ma1], asr #8\n\t"
                         MF_DSP_SEG_RQ(ma0, ma1, 12, 20, MF_DSP_SEG_ST(ma0, ma1, 1))
                         MF_DSP_SEG_RQ(sb0, sb1, 32, 40, MF_DSP_SEG_ST(sb0, sb1, 2))
                         "ldr %[t0], [%[rq], #28]\n\t"
                         "add %[mb0], %[t0], %[mb0], asr #8\n\tadd %[mb1], %[t0], %[mb1], asr #8\n\t"
                         MF_DSP_SEG_RQ(mb0, mb1, 36, 44, MF_DSP_SEG_ST(mb0, mb1, 3))
                         : [ma0] "+r"(ma0), [ma1] "+r"(ma1), [mb0] "+r"(mb0), [mb1] "+r"(mb1),
                           [sa0] "+r"(sa0), [sa1] "+r"(sa1), [sb0] "+r"(sb0), [sb1] "+r"(sb1),
                           [t0] "=&r"(e0), [t1] "=&r"(e1)
                         : [rq] "r"(rq), [o0] "r"(out0), [o1] "m"(out1), [k] "i"(2 * out_offset + 1),
                           [lo] "i"(act_min), [hi] "i"(act_max), [clo] "i"(act_min > -128), [chi] "i"(act_max < 127)
                         : "cc", "memory");
    }
}

/* Column layout (MF_CONV2D_SEG_COLS): columns c0 .. c0 + nc - 1 of image in_b, rows iy0 .. iy0 + nr - 1 each (pad_value
 * outside the image), column j at d + j * col values (even: each starts at a word). Two rows a word: a column inside
 * the image is fully unrolled (nr is a constant), its loads at immediate offsets. */
MF_KERNEL void mf_dsp_seg_cols(const mf_conv2d_params_t *p, const int8_t *in_b, const int32_t iy0, const int32_t c0,
                               const int32_t nc, const int32_t nr, const int32_t col, int16_t *d)
{
    const int32_t w = p->in_w;
    const int32_t rl = iy0 < 0 ? -iy0 : 0, rr = p->in_h - iy0 < nr ? p->in_h - iy0 : nr;   /* rows inside: [rl, rr) */
    for (int32_t j = 0; j < nc; ++j, d += col) {
        const int32_t c = c0 + j;
        if (c < 0 || c >= w || rr <= rl) { mf_dsp_seg_fill(d, nr, p->pad_value); continue; }
        const int8_t *s = in_b + (iy0 + rl) * w + c;
        if (rl == 0 && rr == nr) {
#pragma GCC unroll 32
            for (int32_t r = 0; r < (nr & ~1); r += 2) {   /* one asm block a word: no spills between them */
                int32_t a, t;
                __asm__ volatile("ldrsb %[a], [%[s], %[o0]]\n\tldrsb %[t], [%[s], %[o1]]\n\t"
                                 "pkhbt %[a], %[a], %[t], lsl #16\n\tstr %[a], [%[d], %[od]]"
                                 : [a] "=&r"(a), [t] "=&r"(t)
                                 : [s] "r"(s), [d] "r"(d), [o0] "i"(r * w), [o1] "i"((r + 1) * w), [od] "i"(2 * r)
                                 : "memory");
            }
            if (nr & 1) d[nr - 1] = s[(nr - 1) * w];
            continue;
        }
        mf_dsp_seg_fill(d, rl, p->pad_value);
        for (int32_t r = rl; r < rr; ++r, s += w) d[r] = *s;
        mf_dsp_seg_fill(d + rr, nr - rr, p->pad_value);
    }
}

/* The nr widened rows (or, in the column layout, columns of nr rows) from input row iy0 a strip whose first column is
 * c0 reads, nc columns, into x16 (rows `row` values apart; their shifted copy cp rows further, one value on: the row
 * pairs' stride_h + k_h, the row quads' MF_CONV2D_SEG_RQROWS). */
MF_KERNEL void mf_dsp_seg_widen_strip(const mf_conv2d_params_t *p, const int8_t *in_b, const int32_t iy0,
                                      const int32_t c0, const int32_t nc, const int32_t nr, int16_t *x16,
                                      const int32_t row, const int32_t cp)
{
    if (MF_CONV2D_SEG_COLS(p->stride_h, p->k_h, p->in_c)) { mf_dsp_seg_cols(p, in_b, iy0, c0, nc, nr, row, x16); return; }
    for (int32_t r = 0; r < nr; ++r) {
        if (MF_CONV2D_SEG_COPIES(p->stride_w, p->in_c) == 2)
            mf_dsp_seg_row2(p, in_b, iy0 + r, c0, nc, x16 + r * row, x16 + (cp + r) * row + 1);
        else mf_dsp_seg_row(p, in_b, iy0 + r, c0, nc, x16 + r * row);
    }
}

/* Pair q's shifts for mf_dsp_seg_rquad's immediate tail, byte q of a 64-bit constant (e' + 1 | (E' - 8) << 4) from its W
 * word in stream w (bytes 0 and 1 of the constant 20 bytes after its group's weights, rq; a group gb bytes: ops/conv2d.py
 * seg_stream); 0 past the last pair. Read at compile time from the static const stream (an "i" operand). */
#define MF_CONV2D_SEG_RQ_W(w, gb, rq, q, oc)                                                      \
    ((q) < (oc) / 2 ? (uint64_t)((((uint8_t)(w)[((q) >> 1) * (gb) + (rq) + 16 * ((q) & 1) + 20] + 1) & 15) |  \
                                 (((uint8_t)(w)[((q) >> 1) * (gb) + (rq) + 16 * ((q) & 1) + 21] - 8) & 15) << 4) << (8 * (q)) \
                    : (uint64_t)0)
#define MF_CONV2D_SEG_RQ_Q(w, gb, rq, oc)                                                         \
    (int64_t)(MF_CONV2D_SEG_RQ_W(w, gb, rq, 0, oc) | MF_CONV2D_SEG_RQ_W(w, gb, rq, 1, oc) |         \
              MF_CONV2D_SEG_RQ_W(w, gb, rq, 2, oc) | MF_CONV2D_SEG_RQ_W(w, gb, rq, 3, oc) |         \
              MF_CONV2D_SEG_RQ_W(w, gb, rq, 4, oc) | MF_CONV2D_SEG_RQ_W(w, gb, rq, 5, oc) |         \
              MF_CONV2D_SEG_RQ_W(w, gb, rq, 6, oc) | MF_CONV2D_SEG_RQ_W(w, gb, rq, 7, oc))

/* The M7's row pairs with immediate shifts (mf_dsp_seg_groups_n's unrolled groups: params c1_shifts 1, at most 16
 * channels): the pairs' shifts as mf_dsp_seg_rquad takes them on the M4/M33; 0 elsewhere (the shifts in registers). */
#if defined(MF_TARGET_M7)
#define MF_CONV2D_SEG_PAIRS_Q(p, rqb) \
    ((p)->c1_shifts == 1 && (p)->out_c <= 16 ? MF_CONV2D_SEG_RQ_Q((p)->weights, (rqb) + 48, rqb, (p)->out_c) : 0)
#else
#define MF_CONV2D_SEG_PAIRS_Q(p, rqb) 0
#endif
/* The pixel pairs q = 0 .. n - 1 of a strip's row pair in one asm block (mf_dsp_seg_groups_n's loop): whole groups,
 * the row layout (pair q's windows at x + q * stride_w * in_c values, odd pairs' in the copy n_rows * row + 1 values
 * further when there are two), outputs at o0, o1 and out_c bytes further each pair. */
#define MF_CONV2D_SEG_PAIR_LOOP(p) \
    ((p)->out_c % 4 == 0 && !MF_CONV2D_SEG_COLS((p)->stride_h, (p)->k_h, (p)->in_c))
MF_KERNEL void mf_dsp_seg_strip_pairs(const mf_conv2d_params_t *p, const int16_t *x, const int32_t row, const int32_t d,
                                      int8_t *o0, int8_t *o1, const int32_t n)
{
    const int32_t kh = p->k_h, nf = p->k_w * p->in_c / 2, odd = p->k_w * p->in_c & 1;
    const int32_t words = kh * nf + (odd ? (kh + 1) / 2 : 0);
    const int32_t c1 = MF_CONV2D_SEG_COPIES(p->stride_w, p->in_c) == 2 ? 2 * ((p->stride_h + kh) * row + 1) : 0;
    mf_dsp_seg_groups_n(x, kh, nf, odd, 2 * row, d, p->weights, words, p->out_offset, p->act_min, p->act_max, o0, o1, 1,
                        n, 2 * p->stride_w * p->in_c, c1, MF_CONV2D_SEG_PAIRS_Q(p, 8 * words));
}

/* The window of output column q of the strip (pixel 0), pixel 1 d bytes further, and its channels at o0, o1: rows
 * of the window `row` values apart, or in the column layout its k_w columns of k_h / 2 words. */
MF_KERNEL void mf_dsp_seg_pair(const mf_conv2d_params_t *p, const int16_t *x, const int32_t row, const int32_t d,
                               int8_t *o0, int8_t *o1)
{
    const int32_t kw = p->k_w, kh = p->k_h;
    if (MF_CONV2D_SEG_COLS(p->stride_h, kh, p->in_c))
        mf_dsp_seg_rows(x, kw, kh / 2, 0, 2 * MF_CONV2D_SEG_COL(p->stride_h, kh), d, p->weights, p->out_c,
                        p->out_offset, p->act_min, p->act_max, o0, o1);
    else
        mf_dsp_seg_rows(x, kh, kw * p->in_c / 2, kw * p->in_c & 1, 2 * row, d, p->weights, p->out_c, p->out_offset,
                        p->act_min, p->act_max, o0, o1);
}

/* ---- the column layout's row quads (M4/M33) ----------------------------------------------------------------
 * In the column layout (MF_CONV2D_SEG_COLS: in_c 1, k_h even, stride_h 2) output (oy + k, ox) reads the k_w columns
 * of output (oy, ox)'s window k words further down: four output rows share a window's columns, 3 words more each
 * (MF_CONV2D_SEG_QROWS rows). mf_dsp_seg_quad runs the 4 pixels (oy .. oy + 3, ox) x 2 channels (a mixed pair c, c')
 * a pass: 8 accumulators (ma_k from the raw weight word, sa_k from its SXTB16, as MF_DSP_MIX_MACS), one weight word
 * and the 4 pixels' words in registers, each step of a column loading one new word (pixel 3's; pixels 0..2 take the
 * words pixel 1..3 had, the four registers trading roles) and one weight word: 2 loads, 8 SMLADs and one SXTB16 per
 * 8 products of 2 MACs (the row pair's 4 channels: 3 loads, 8 SMLADs, 2 SXTB16s), and each channel's constants
 * loaded once for 4 pixels. With the weight pointer that takes all 14 registers: the columns are read sp-relative,
 * from a frame below sp that the asm block fills from the widened columns (mf_dsp_seg_cols) and drops at its end (the
 * data lie above sp, so an exception's stacking cannot reach them). The stream is mf_dsp_seg_groups' (ops/conv2d.py
 * seg_stream): per group pair a's weights at 8i, pair b's at 8i + 4, then pw_consts' 12 words; the requantisation is
 * mf_dsp_seg_groups' (c with m2 and -shift-1, c' from ma - sa = 256 * acc with Ra and mult: MF_DSP_RQD_REGS' form).
 * Exact for the reasons mf_dsp_seg_groups is: the same products, the same starts and constants.
 * The M7 keeps the row pairs (not tried there: its dual issue already runs the pairs' window at one SMLAD a cycle). */
#define MF_CONV2D_SEG_QROWS(s_h, k_h) (3 * (s_h) + (k_h))   /* rows of a quad's columns */
/* the frame: k_w columns of MF_CONV2D_SEG_QROWS int16 values, then the out pointer (and a pad word: sp stays 8-aligned) */
#define MF_CONV2D_SEG_QFRAME(s_h, k_h, k_w) (2 * (k_w) * MF_CONV2D_SEG_QROWS(s_h, k_h) + 8)
#define MF_CONV2D_SEG_QFRAME_MAX 256   /* the largest frame (stack bytes) quads may take */
/* Step j of a column: pixel k's word in register P<k>_; the weight word's raw MACs, its SXTB16, its extended MACs.
 * Not the window's first step: the accumulators go on. */
#define MF_DSP_SEGQ_MACS(P0_, P1_, P2_, P3_)                                                      \
    "smlad %[m0], %[" #P0_ "], %[wt], %[m0]\n\tsmlad %[m1], %[" #P1_ "], %[wt], %[m1]\n\t"          \
    "smlad %[m2], %[" #P2_ "], %[wt], %[m2]\n\tsmlad %[m3], %[" #P3_ "], %[wt], %[m3]\n\t"          \
    "sxtb16 %[wt], %[wt]\n\t"                                                                    \
    "smlad %[s0], %[" #P0_ "], %[wt], %[s0]\n\tsmlad %[s1], %[" #P1_ "], %[wt], %[s1]\n\t"          \
    "smlad %[s2], %[" #P2_ "], %[wt], %[s2]\n\tsmlad %[s3], %[" #P3_ "], %[wt], %[s3]\n\t"
/* The window's first step: the accumulators start at the pair's starts in m0 (Bm) and s0 (Bs), pixels 1..3 taking
 * them before pixel 0 accumulates into its own (MF_DSP_START_MACS' way). */
#define MF_DSP_SEGQ_START                                                                         \
    "smlad %[m1], %[x1], %[wt], %[m0]\n\tsmlad %[m2], %[x2], %[wt], %[m0]\n\t"                      \
    "smlad %[m3], %[x3], %[wt], %[m0]\n\tsmlad %[m0], %[x0], %[wt], %[m0]\n\t"                      \
    "sxtb16 %[wt], %[wt]\n\t"                                                                    \
    "smlad %[s1], %[x1], %[wt], %[s0]\n\tsmlad %[s2], %[x2], %[wt], %[s0]\n\t"                      \
    "smlad %[s3], %[x3], %[wt], %[s0]\n\tsmlad %[s0], %[x0], %[wt], %[s0]\n\t"
/* Step .Lq_j of column .Lq_kx for pair P_ (0: channels 0, 1; 1: 2, 3): pixel 0's word in x<j % 4>. A column's first
 * step loads its first 4 words and weight word (the window's first also the starts), each step but a column's last
 * loads the next one's: pixel 3's new word (into pixel 0's register, free after its MACs) and the weight word. */
#define MF_DSP_SEGQ_XO(J_) "(.Lq_kx * %c[cb] + 4 * (" J_ "))"                  /* frame byte of word J_ */
#define MF_DSP_SEGQ_WO(P_, J_) "(8 * (.Lq_kx * %c[nw] + " J_ ") + 4 * " #P_ ")"   /* stream byte of its weight word */
#define MF_DSP_SEGQ_NEXT(R_, P_)                                                                  \
    ".if .Lq_j + 1 < %c[nw]\n\t"                                                                  \
    "ldr %[" #R_ "], [sp, #" MF_DSP_SEGQ_XO(".Lq_j + 4") "]\n\t"                                   \
    "ldr %[wt], [%[w], #" MF_DSP_SEGQ_WO(P_, ".Lq_j + 1") "]\n\t"                                  \
    ".endif\n\t"
#define MF_DSP_SEGQ_STEP(P_)                                                                      \
    ".if .Lq_j == 0\n\t"                                                                          \
    ".if .Lq_kx == 0\n\tldr %[m0], [%[w], #%c[rq] + 8 * " #P_ "]\n\tldr %[s0], [%[w], #%c[rq] + 8 * " #P_ " + 4]\n\t.endif\n\t" \
    "ldr %[x0], [sp, #" MF_DSP_SEGQ_XO("0") "]\n\tldr %[x1], [sp, #" MF_DSP_SEGQ_XO("1") "]\n\t"      \
    "ldr %[x2], [sp, #" MF_DSP_SEGQ_XO("2") "]\n\tldr %[x3], [sp, #" MF_DSP_SEGQ_XO("3") "]\n\t"      \
    "ldr %[wt], [%[w], #" MF_DSP_SEGQ_WO(P_, "0") "]\n\t"                                          \
    ".if .Lq_kx == 0\n\t" MF_DSP_SEGQ_START ".else\n\t" MF_DSP_SEGQ_MACS(x0, x1, x2, x3) ".endif\n\t" \
    MF_DSP_SEGQ_NEXT(x0, P_)                                                                      \
    ".elseif .Lq_j %% 4 == 1\n\t" MF_DSP_SEGQ_MACS(x1, x2, x3, x0) MF_DSP_SEGQ_NEXT(x1, P_)         \
    ".elseif .Lq_j %% 4 == 2\n\t" MF_DSP_SEGQ_MACS(x2, x3, x0, x1) MF_DSP_SEGQ_NEXT(x2, P_)         \
    ".elseif .Lq_j %% 4 == 3\n\t" MF_DSP_SEGQ_MACS(x3, x0, x1, x2) MF_DSP_SEGQ_NEXT(x3, P_)         \
    ".else\n\t" MF_DSP_SEGQ_MACS(x0, x1, x2, x3) MF_DSP_SEGQ_NEXT(x0, P_)                          \
    ".endif\n\t"
/* Pair P_'s window: k_w columns (kc) of nw words */
#define MF_DSP_SEGQ_WINDOW(P_)                                                                    \
    ".set .Lq_kx, 0\n\t.rept %c[kc]\n\t.set .Lq_j, 0\n\t.rept %c[nw]\n\t" MF_DSP_SEGQ_STEP(P_)       \
    ".set .Lq_j, .Lq_j + 1\n\t.endr\n\t.set .Lq_kx, .Lq_kx + 1\n\t.endr\n\t"
/* output A_ clamped to [lo, hi] where that is tighter than int8 */
#define MF_DSP_SEGQ_CLAMP(A_)                                                                     \
    ".if (%c[lo]) > -128\n\tcmp %[" #A_ "], #%c[lo]\n\tit lt\n\tmovlt %[" #A_ "], #%c[lo]\n\t.endif\n\t"         \
    ".if (%c[hi]) < 127\n\tcmp %[" #A_ "], #%c[hi]\n\tit gt\n\tmovgt %[" #A_ "], #%c[hi]\n\t.endif\n\t"
/* c' of two pixels from A_, B_ = 256 times their accumulators: MF_DSP_RQD_REGS' arithmetic, e + 7 already in E_'s low
 * byte (T_ a temporary) */
#define MF_DSP_SEGQ_RQD2(A_, B_, M_, RA_, T_, E_) MF_DSP_RQD_REGS_E(A_, B_, M_, RA_, T_, E_, "")
/* Pair P_'s requantisation and stores, after its window: the out pointer (x0, from the frame) and the constants (pw_consts:
 * m2 in x1, W in x2, Ra in x3, mult in wt) loaded into the window's registers; c (sa_k) first, then c' (ma_k - sa_k)
 * with x1 as the temporary. Pixel k's outputs k * ys bytes on (immediates). x2 is left holding W >> 8. */
#define MF_DSP_SEGQ_OUT(P_)                                                                       \
    "sub %[m0], %[m0], %[s0]\n\tsub %[m1], %[m1], %[s1]\n\tsub %[m2], %[m2], %[s2]\n\tsub %[m3], %[m3], %[s3]\n\t" \
    "ldr %[x0], [sp, #%c[kc] * %c[cb]]\n\t"                                                       \
    "ldr %[x1], [%[w], #%c[rq] + 16 * " #P_ " + 16]\n\tldr %[x2], [%[w], #%c[rq] + 16 * " #P_ " + 20]\n\t" \
    "ldr %[x3], [%[w], #%c[rq] + 16 * " #P_ " + 24]\n\tldr %[wt], [%[w], #%c[rq] + 16 * " #P_ " + 28]\n\t" \
    MF_DSP_RQ1X2(s0, x1, x2, s1, x1, x2) MF_DSP_RQ1X2(s2, x1, x2, s3, x1, x2)                      \
    MF_DSP_SEGQ_CLAMP(s0) MF_DSP_SEGQ_CLAMP(s1) MF_DSP_SEGQ_CLAMP(s2) MF_DSP_SEGQ_CLAMP(s3)         \
    "strb %[s0], [%[x0], #2 * " #P_ "]\n\tstrb %[s1], [%[x0], #%c[ys] + 2 * " #P_ "]\n\t"             \
    "strb %[s2], [%[x0], #2 * %c[ys] + 2 * " #P_ "]\n\tstrb %[s3], [%[x0], #3 * %c[ys] + 2 * " #P_ "]\n\t" \
    "lsr %[x2], %[x2], #8\n\t"                                                                    \
    MF_DSP_SEGQ_RQD2(m0, m1, wt, x3, x1, x2) MF_DSP_SEGQ_RQD2(m2, m3, wt, x3, x1, x2)               \
    MF_DSP_SEGQ_CLAMP(m0) MF_DSP_SEGQ_CLAMP(m1) MF_DSP_SEGQ_CLAMP(m2) MF_DSP_SEGQ_CLAMP(m3)         \
    "strb %[m0], [%[x0], #2 * " #P_ " + 1]\n\tstrb %[m1], [%[x0], #%c[ys] + 2 * " #P_ " + 1]\n\t"     \
    "strb %[m2], [%[x0], #2 * %c[ys] + 2 * " #P_ " + 1]\n\tstrb %[m3], [%[x0], #3 * %c[ys] + 2 * " #P_ " + 1]\n\t"
/* Frame word I_ (of nwf) from the widened columns at %[m0] (4 at a time: a load chain, then the stores) */
#define MF_DSP_SEGQ_CP1(I_, R_) ".if " I_ " < %c[nwf]\n\tldr %[" #R_ "], [%[m0], #4 * (" I_ ")]\n\t.endif\n\t"
#define MF_DSP_SEGQ_ST1(I_, R_) ".if " I_ " < %c[nwf]\n\tstr %[" #R_ "], [sp, #4 * (" I_ ")]\n\t.endif\n\t"
#define MF_DSP_SEGQ_COPY                                                                          \
    ".set .Lq_i, 0\n\t.rept (%c[nwf] + 3) / 4\n\t"                                                 \
    MF_DSP_SEGQ_CP1(".Lq_i", x0) MF_DSP_SEGQ_CP1(".Lq_i + 1", x1) MF_DSP_SEGQ_CP1(".Lq_i + 2", x2)   \
    MF_DSP_SEGQ_CP1(".Lq_i + 3", x3)                                                              \
    MF_DSP_SEGQ_ST1(".Lq_i", x0) MF_DSP_SEGQ_ST1(".Lq_i + 1", x1) MF_DSP_SEGQ_ST1(".Lq_i + 2", x2)   \
    MF_DSP_SEGQ_ST1(".Lq_i + 3", x3)                                                              \
    ".set .Lq_i, .Lq_i + 4\n\t.endr\n\t"
/* Every group of the 4 pixels (oy + k, ox), k < 4, their widened columns at cols (kc columns of nw + 3 words), their
 * outputs from o (row k at o + k * ys): the frame filled, then per group pair a's window and outputs, pair b's, the
 * out pointer stepped by 4 in the frame; the loop ends on the MF_DSP_PW_MORE bit of pair b's W (ops/conv2d.py
 * pw_consts). */
MF_KERNEL void mf_dsp_seg_quad(const int16_t *cols, const int32_t kc, const int32_t nw, const int8_t *wseg,
                               const int32_t ys, const int32_t out_offset, const int32_t act_min,
                               const int32_t act_max, int8_t *o)
{
    int32_t m0 = (int32_t)(uintptr_t)cols, m1 = (int32_t)(uintptr_t)o;
    int32_t m2, m3, s0, s1, s2, s3, x0, x1, x2, x3, wt;
    const int8_t *w = wseg;
    __asm__ volatile(
        "sub sp, sp, #%c[fr]   @ mf_dsp_seg_quad\n\t"   /* the comment: tests find the quads in the compiled code */
        MF_DSP_SEGQ_COPY
        "str %[m1], [sp, #%c[kc] * %c[cb]]\n"
        "2:\n\t"
        MF_DSP_SEGQ_WINDOW(0) MF_DSP_SEGQ_OUT(0)
        MF_DSP_SEGQ_WINDOW(1) MF_DSP_SEGQ_OUT(1)
        "add %[x0], %[x0], #4\n\t"
        "str %[x0], [sp, #%c[kc] * %c[cb]]\n\t"
        "tst %[x2], #" MF_DSP_PW_MORE "\n\t"   /* Z clear: another group follows */
        "add %[w], %[w], #%c[rq] + 48\n\t"
        "bne 2b\n\t"
        "add sp, sp, #%c[fr]"
        : [m0] "+r"(m0), [m1] "+r"(m1), [m2] "=&r"(m2), [m3] "=&r"(m3),
          [s0] "=&r"(s0), [s1] "=&r"(s1), [s2] "=&r"(s2), [s3] "=&r"(s3),
          [x0] "=&r"(x0), [x1] "=&r"(x1), [x2] "=&r"(x2), [x3] "=&r"(x3), [wt] "=&r"(wt), [w] "+r"(w)
        : [kc] "i"(kc), [nw] "i"(nw), [cb] "i"(4 * (nw + 3)), [nwf] "i"(kc * (nw + 3)),
          [fr] "i"(4 * kc * (nw + 3) + 8), [rq] "i"(8 * kc * nw), [ys] "i"(ys),
          [k] "i"(2 * out_offset + 1), [lo] "i"(act_min), [hi] "i"(act_max), [clo] "i"(act_min > -128),
          [chi] "i"(act_max < 127)
        : "cc", "memory");
}

/* Columns of MF_CONV2D_SEG_QROWS values the layer's scratch (MF_CONV2D_SEG_SCRATCH_BYTES: the row pairs' columns and
 * spare bytes, all free while quads run) holds, and the quads' outputs per strip: the most whose columns fit. */
#define MF_CONV2D_SEG_QCOLS(p)                                                                    \
    (MF_CONV2D_SEG_SCRATCH_BYTES(MF_CONV2D_SEG_STRIP((p)->out_w, (p)->stride_h, (p)->k_h, (p)->k_w, (p)->stride_w, 1), \
                                 (p)->stride_h, (p)->k_h, (p)->k_w, (p)->stride_w, 1, (p)->out_w, (p)->out_c) /     \
     (2 * MF_CONV2D_SEG_QROWS((p)->stride_h, (p)->k_h)))
#define MF_CONV2D_SEG_QSTRIP(p) ((MF_CONV2D_SEG_QCOLS(p) - (p)->k_w) / (p)->stride_w + 1)

/* Output rows oy .. oy + 3 of image in_b at o through mf_dsp_seg_quad, in strips of MF_CONV2D_SEG_QSTRIP outputs:
 * the strip's columns widened once into x16 (MF_CONV2D_SEG_QROWS values each: neighbouring outputs share k_w - stride_w
 * of them), then each output's groups. */
MF_KERNEL void mf_dsp_seg_quads(const mf_conv2d_params_t *p, const int8_t *in_b, const int32_t oy, int8_t *o,
                                int16_t *x16)
{
    const int32_t nr = MF_CONV2D_SEG_QROWS(p->stride_h, p->k_h), iy0 = oy * p->stride_h - p->pad_top;
    const int32_t strip = MF_CONV2D_SEG_QSTRIP(p), sw = p->stride_w;
    for (int32_t ox = 0; ox < p->out_w; ox += strip) {
        const int32_t n_o = p->out_w - ox < strip ? p->out_w - ox : strip;
        mf_dsp_seg_cols(p, in_b, iy0, ox * sw - p->pad_left, (n_o - 1) * sw + p->k_w, nr, nr, x16);
        for (int32_t q = 0; q < n_o; ++q, o += p->out_c)
            mf_dsp_seg_quad(x16 + q * sw * nr, p->k_w, p->k_h / 2, p->weights, p->out_w * p->out_c, p->out_offset,
                            p->act_min, p->act_max, o);
    }
}
/* Quads for this layer (a constant once inlined): the column layout and its whole groups (pw_consts), four output
 * rows, pixel 3's outputs within STRB's immediate offsets, a frame of at most MF_CONV2D_SEG_QFRAME_MAX bytes, one
 * output's columns within the layer's scratch; not on the M7. The caller also needs the outputs clear of input still to be read (mf_dsp_seg_quad_at: quads write rows oy + 1 .. oy + 3 before later outputs of
 * row oy read their inputs). */
#if defined(MF_TARGET_M7)
#define MF_CONV2D_SEG_QUADS(p) 0
#else
#define MF_CONV2D_SEG_QUADS(p)                                                                    \
    (MF_CONV2D_SEG_COLS((p)->stride_h, (p)->k_h, (p)->in_c) && (p)->out_c % 4 == 0 && (p)->out_h >= 4 &&  \
     3 * (p)->out_w * (p)->out_c + (p)->out_c <= 4095 &&                                           \
     MF_CONV2D_SEG_QFRAME((p)->stride_h, (p)->k_h, (p)->k_w) <= MF_CONV2D_SEG_QFRAME_MAX &&             \
     MF_CONV2D_SEG_QCOLS(p) >= (p)->k_w)
#endif

/* ---- the row layout's row quads (M4/M33) -------------------------------------------------------------------
 * In the row layout (vww's and MobileNetV2's first layers, in_c 3 at stride 2; ic's at stride 1, whose odd outputs
 * read the rows' shifted copy: stride_w * in_c odd) output (oy + k, ox) reads widened rows k * stride_h ..
 * k * stride_h + k_h - 1 of a strip's MF_CONV2D_SEG_RQROWS rows (or of their copy): mf_dsp_seg_rquad runs the 4 pixels (oy .. oy + 3, ox) x 2 channels (a mixed pair) a pass,
 * as mf_dsp_seg_quad does in the column layout: 8 accumulators, the 4 pixels' words and one weight word in registers
 * (2 x 4 pixels per weight word and SXTB16, each channel's constants loaded once for 4 pixels). Row r + stride_h of
 * pixel k is row r of pixel k + 1: the window goes word by word (j) down the rows r, r + stride_h, ... (a chain), each
 * step after a chain's first loading only pixel 3's new word, pixels 0..2 taking the words pixels 1..3 had (the four
 * registers trading roles: vww's 3 rows at stride 2 load 9 words where 12 were read). The rows' last values (odd
 * k_w * in_c) go as mf_dsp_seg_groups' words (rows 2i, 2i + 1 merged, a last odd row alone), merged once per output
 * column into the frame (the T words, MF_DSP_SEGR_TBUILD) for all its passes. With the x16 pointer
 * that takes all 14 registers: the stream (ops/conv2d.py seg_stream: per group pair a's weights at 8i, pair b's at
 * 8i + 4, then pw_consts' 12 words) is copied once per strip into a frame below sp and read sp-relative, every group
 * unrolled (the frame cannot move: MF_CONV2D_SEG_RQ_OC_MAX bounds the code), with the out pointer and the count of the
 * strip's outputs; the frame is dropped at the block's end (the data lie above sp: an exception's stacking cannot
 * reach them). The requantisation is mf_dsp_seg_quad's (c with m2 and -shift-1, c' from ma - sa = 256 * acc).
 * Exact for the reasons mf_dsp_seg_groups is: the same products, starts and constants. The M7 keeps the row pairs. */
#define MF_CONV2D_SEG_RQROWS(s_h, k_h) (3 * (s_h) + (k_h))   /* widened rows of a strip of row quads */
/* the most output channels (groups unrolled: about 1 KB of code a pair; 16, MobileNetV2's first layer: 8.5 KB for
 * 5% of its cycles on the M4/M33) */
#define MF_CONV2D_SEG_RQ_OC_MAX 16
#define MF_CONV2D_SEG_RQFRAME_MAX 680      /* the largest frame (stack bytes): out_c 16 of a 3x3x3 window, two copies, T words */
/* the layer's scratch bytes (its row pairs' rows and spare bytes: all free while quads run) */
#define MF_CONV2D_SEG_RQSCRATCH(p)                                                                \
    MF_CONV2D_SEG_SCRATCH_BYTES(MF_CONV2D_SEG_STRIP((p)->out_w, (p)->stride_h, (p)->k_h, (p)->k_w, (p)->stride_w,   \
                                                    (p)->in_c),                                   \
                                (p)->stride_h, (p)->k_h, (p)->k_w, (p)->stride_w, (p)->in_c, (p)->out_w, (p)->out_c)
/* outputs per strip: the most whose MF_CONV2D_SEG_RQROWS rows (MF_CONV2D_SEG_ROW values each; per copy) fit the
 * scratch */
#define MF_CONV2D_SEG_RQSTRIP_MAX(p)                                                              \
    (((MF_CONV2D_SEG_RQSCRATCH(p) /                                                               \
       (2 * MF_CONV2D_SEG_COPIES((p)->stride_w, (p)->in_c) * MF_CONV2D_SEG_RQROWS((p)->stride_h, (p)->k_h)) - 3) /  \
      (p)->in_c - (p)->k_w) / (p)->stride_w + 1)
#define MF_CONV2D_SEG_RQSTRIP(p) (MF_CONV2D_SEG_RQSTRIP_MAX(p) < (p)->out_w ? MF_CONV2D_SEG_RQSTRIP_MAX(p) : (p)->out_w)
/* the stream's bytes (whole groups) and the frame's */
#define MF_CONV2D_SEG_RQWORDS(p) \
    ((p)->k_h * ((p)->k_w * (p)->in_c / 2) + (((p)->k_w * (p)->in_c) & 1 ? ((p)->k_h + 1) / 2 : 0))
#define MF_CONV2D_SEG_RQFRAME(p) \
    ((p)->out_c / 4 * (8 * MF_CONV2D_SEG_RQWORDS(p) + 48) + 8 * MF_CONV2D_SEG_COPIES((p)->stride_w, (p)->in_c) + \
     MF_CONV2D_SEG_RQTBYTES(p))
/* ... of which the T words of the rows' last values (odd k_w * in_c; mf_dsp_seg_rquad's .Lr_tb): one per merged row
 * (every row, every other one with stride_h even), rounded up to 8 bytes */
#define MF_CONV2D_SEG_RQTBYTES(p) \
    (((p)->k_w * (p)->in_c) & 1 ? \
     (4 * ((MF_CONV2D_SEG_RQROWS((p)->stride_h, (p)->k_h) - 1) / ((p)->stride_h % 2 ? 1 : 2) + 1) + 7) / 8 * 8 : 0)

/* Byte of pixel K_'s word J_ of window row R_ in the strip's rows (from x), and of weight word I_ of pair .Lr_p of group
 * .Lr_g in the frame */
#define MF_DSP_SEGR_XO(K_, R_, J_) "((%c[sh] * (" K_ ") + (" R_ ")) * %c[rs] + 4 * (" J_ "))"
#define MF_DSP_SEGR_WO(I_) "(.Lr_g * .Lr_gb + 8 * (" I_ ") + 4 * .Lr_p)"
#define MF_DSP_SEGR_LDX(R_, K_) "ldr %[" #R_ "], [%[x], #" MF_DSP_SEGR_XO(K_, ".Lr_r", ".Lr_j") "]\n\t"
#define MF_DSP_SEGR_LDW "ldr %[wt], [sp, #" MF_DSP_SEGR_WO(".Lr_r * %c[nf] + .Lr_j") "]\n\t"
/* Whole word .Lr_j of row .Lr_r, step .Lr_c of its chain: the chain's first loads the 4 pixels' words (the window's
 * first also the pair's starts, MF_DSP_SEGQ_START), the others pixel 3's alone into the register pixel 0 left. */
#define MF_DSP_SEGR_STEP                                                                          \
    ".if .Lr_c == 0\n\t"                                                                          \
    ".if .Lr_first\n\tldr %[m0], [sp, #.Lr_g * .Lr_gb + .Lr_rq + 8 * .Lr_p]\n\t"                      \
    "ldr %[s0], [sp, #.Lr_g * .Lr_gb + .Lr_rq + 8 * .Lr_p + 4]\n\t.endif\n\t"                        \
    MF_DSP_SEGR_LDX(x0, "0") MF_DSP_SEGR_LDX(x1, "1") MF_DSP_SEGR_LDX(x2, "2") MF_DSP_SEGR_LDX(x3, "3")  \
    MF_DSP_SEGR_LDW                                                                               \
    ".if .Lr_first\n\t" MF_DSP_SEGQ_START ".set .Lr_first, 0\n\t"                                 \
    ".else\n\t" MF_DSP_SEGQ_MACS(x0, x1, x2, x3) ".endif\n\t"                                      \
    ".elseif .Lr_c %% 4 == 1\n\t" MF_DSP_SEGR_LDX(x0, "3") MF_DSP_SEGR_LDW MF_DSP_SEGQ_MACS(x1, x2, x3, x0)  \
    ".elseif .Lr_c %% 4 == 2\n\t" MF_DSP_SEGR_LDX(x1, "3") MF_DSP_SEGR_LDW MF_DSP_SEGQ_MACS(x2, x3, x0, x1)  \
    ".elseif .Lr_c %% 4 == 3\n\t" MF_DSP_SEGR_LDX(x2, "3") MF_DSP_SEGR_LDW MF_DSP_SEGQ_MACS(x3, x0, x1, x2)  \
    ".else\n\t" MF_DSP_SEGR_LDX(x3, "3") MF_DSP_SEGR_LDW MF_DSP_SEGQ_MACS(x0, x1, x2, x3)                   \
    ".endif\n\t"
/* The rows' last values (odd k_w * in_c): per output column, before its groups, each row r that some pixel's window
 * merges (r = stride_h * k + 2s, k < 4) gets its T word in the frame, built once for all the column's passes: the low
 * halves of word nf of rows r and r + 1 (PKHBT; a last odd row's lone value takes row r + 1's, or its own when r is the
 * strip's last row, with a zero weight: mf_dsp_seg_groups' words). Slot r / .Lr_tq (.Lr_tq 2 with stride_h even: only
 * even rows are merged). Rows go two T words a load chain (m0..m3 free between columns). Where each pass loaded and
 * merged 2 words per pixel for every row pair (vww: 17 cycles of loads and PKHBTs a pair, 6 a lone row) it loads 4
 * T words, then, as the whole words' chains do, only the pixels' new ones. */
#define MF_DSP_SEGR_TO(R_) "(.Lr_tb + 4 * ((" R_ ") / .Lr_tq))"
#define MF_DSP_SEGR_TROW(R_) "[%[x], #((" R_ ") * %c[rs] + 4 * %c[nf])]\n\t"
#define MF_DSP_SEGR_TBUILD                                                                        \
    ".set .Lr_tp, -1\n\t.set .Lr_t, 0\n\t.rept .Lr_nr\n\t"                                         \
    ".set .Lr_tn, 0\n\t.set .Lr_k, 0\n\t.rept 4\n\t.set .Lr_d, .Lr_t - %c[sh] * .Lr_k\n\t"           \
    ".if .Lr_d >= 0 && .Lr_d < %c[kh] && (.Lr_d & 1) == 0\n\t.set .Lr_tn, 1\n\t.endif\n\t"          \
    ".set .Lr_k, .Lr_k + 1\n\t.endr\n\t"                                                           \
    ".set .Lr_t1, .Lr_t + 1\n\t.if .Lr_t1 >= .Lr_nr\n\t.set .Lr_t1, .Lr_t\n\t.endif\n\t"            \
    ".if .Lr_tn\n\t"                                                                              \
    ".if .Lr_tp < 0\n\t"                                                                          \
    "ldr %[m0], " MF_DSP_SEGR_TROW(".Lr_t") "ldr %[m1], " MF_DSP_SEGR_TROW(".Lr_t1")                \
    ".set .Lr_tp, .Lr_t\n\t"                                                                      \
    ".else\n\t"                                                                                   \
    "ldr %[m2], " MF_DSP_SEGR_TROW(".Lr_t") "ldr %[m3], " MF_DSP_SEGR_TROW(".Lr_t1")                \
    "pkhbt %[m0], %[m0], %[m1], lsl #16\n\tpkhbt %[m2], %[m2], %[m3], lsl #16\n\t"                 \
    "str %[m0], [sp, #" MF_DSP_SEGR_TO(".Lr_tp") "]\n\tstr %[m2], [sp, #" MF_DSP_SEGR_TO(".Lr_t") "]\n\t" \
    ".set .Lr_tp, -1\n\t"                                                                         \
    ".endif\n\t"                                                                                  \
    ".endif\n\t"                                                                                  \
    ".set .Lr_t, .Lr_t + 1\n\t.endr\n\t"                                                           \
    ".if .Lr_tp >= 0\n\tpkhbt %[m0], %[m0], %[m1], lsl #16\n\tstr %[m0], [sp, #" MF_DSP_SEGR_TO(".Lr_tp") "]\n\t.endif\n\t"
/* Step .Lr_s of the rows' last values (rows 2s, 2s + 1 of each window, or a last odd row alone): pixel k's T word
 * stride_h * k + 2s, weight word kh * nf + s. Step s + 1's pixel k is step s's pixel k + 2 / stride_h (stride_h 1 or 2):
 * only the new pixels' T words loaded, the registers trading roles as in the chains. */
#define MF_DSP_SEGR_LDT(R_, K_) "ldr %[" #R_ "], [sp, #" MF_DSP_SEGR_TO("%c[sh] * (" K_ ") + 2 * .Lr_s") "]\n\t"
#define MF_DSP_SEGR_LDTW "ldr %[wt], [sp, #" MF_DSP_SEGR_WO("%c[kh] * %c[nf] + .Lr_s") "]\n\t"
#define MF_DSP_SEGR_TSTEP                                                                         \
    ".if .Lr_s == 0 || (%c[sh] != 1 && %c[sh] != 2)\n\t"                                           \
    MF_DSP_SEGR_LDT(x0, "0") MF_DSP_SEGR_LDT(x1, "1") MF_DSP_SEGR_LDT(x2, "2") MF_DSP_SEGR_LDT(x3, "3")  \
    MF_DSP_SEGR_LDTW MF_DSP_SEGQ_MACS(x0, x1, x2, x3)                                               \
    ".elseif %c[sh] == 2\n\t"                                                                     \
    ".if .Lr_s %% 4 == 1\n\t" MF_DSP_SEGR_LDT(x0, "3") MF_DSP_SEGR_LDTW MF_DSP_SEGQ_MACS(x1, x2, x3, x0)  \
    ".elseif .Lr_s %% 4 == 2\n\t" MF_DSP_SEGR_LDT(x1, "3") MF_DSP_SEGR_LDTW MF_DSP_SEGQ_MACS(x2, x3, x0, x1)  \
    ".elseif .Lr_s %% 4 == 3\n\t" MF_DSP_SEGR_LDT(x2, "3") MF_DSP_SEGR_LDTW MF_DSP_SEGQ_MACS(x3, x0, x1, x2)  \
    ".else\n\t" MF_DSP_SEGR_LDT(x3, "3") MF_DSP_SEGR_LDTW MF_DSP_SEGQ_MACS(x0, x1, x2, x3) ".endif\n\t"   \
    ".else\n\t"                                                                                   \
    ".if .Lr_s & 1\n\t" MF_DSP_SEGR_LDT(x0, "2") MF_DSP_SEGR_LDT(x1, "3") MF_DSP_SEGR_LDTW MF_DSP_SEGQ_MACS(x2, x3, x0, x1) \
    ".else\n\t" MF_DSP_SEGR_LDT(x2, "2") MF_DSP_SEGR_LDT(x3, "3") MF_DSP_SEGR_LDTW MF_DSP_SEGQ_MACS(x0, x1, x2, x3) \
    ".endif\n\t"                                                                                  \
    ".endif\n\t"
/* Pair .Lr_p of group .Lr_g's window: per whole word j the chains of rows r0, r0 + stride_h, ... (r0 < stride_h),
 * then the rows' last values */
#define MF_DSP_SEGR_WINDOW                                                                        \
    ".set .Lr_first, 1\n\t.set .Lr_j, 0\n\t.rept %c[nf]\n\t"                                       \
    ".set .Lr_r0, 0\n\t.rept %c[sh]\n\t.if .Lr_r0 < %c[kh]\n\t"                                     \
    ".set .Lr_r, .Lr_r0\n\t.set .Lr_c, 0\n\t"                                                      \
    ".rept (%c[kh] - 1 - .Lr_r0) / %c[sh] + 1\n\t" MF_DSP_SEGR_STEP                                \
    ".set .Lr_r, .Lr_r + %c[sh]\n\t.set .Lr_c, .Lr_c + 1\n\t.endr\n\t"                              \
    ".endif\n\t.set .Lr_r0, .Lr_r0 + 1\n\t.endr\n\t"                                               \
    ".set .Lr_j, .Lr_j + 1\n\t.endr\n\t"                                                           \
    ".if %c[odd]\n\t"                                                                             \
    ".set .Lr_s, 0\n\t.rept (%c[kh] + 1) / 2\n\t" MF_DSP_SEGR_TSTEP ".set .Lr_s, .Lr_s + 1\n\t.endr\n\t" \
    ".endif\n\t"
/* Pair .Lr_p of group .Lr_g's requantisation and stores (mf_dsp_seg_quad's, MF_DSP_SEGQ_OUT): the out pointer (x0,
 * from the frame) and the constants (m2 in x1, W in x2, Ra in x3, mult in wt) from the frame; pixel k's outputs
 * k * ys bytes on. */
#define MF_DSP_SEGR_C(O_) "[sp, #.Lr_g * .Lr_gb + .Lr_rq + 16 * .Lr_p + " O_ "]\n\t"
#define MF_DSP_SEGR_ST(A_, K_, C_) "strb %[" #A_ "], [%[x0], #" K_ " * %c[ys] + 4 * .Lr_g + 2 * .Lr_p + " C_ "]\n\t"
#define MF_DSP_SEGR_OUT                                                                           \
    "sub %[m0], %[m0], %[s0]\n\tsub %[m1], %[m1], %[s1]\n\tsub %[m2], %[m2], %[s2]\n\tsub %[m3], %[m3], %[s3]\n\t" \
    "ldr %[x0], [sp, #.Lr_sb]\n\t"                                                                \
    "ldr %[x1], " MF_DSP_SEGR_C("16") "ldr %[x2], " MF_DSP_SEGR_C("20")                           \
    "ldr %[x3], " MF_DSP_SEGR_C("24") "ldr %[wt], " MF_DSP_SEGR_C("28")                           \
    MF_DSP_RQ1X2(s0, x1, x2, s1, x1, x2) MF_DSP_RQ1X2(s2, x1, x2, s3, x1, x2)                      \
    MF_DSP_SEGQ_CLAMP(s0) MF_DSP_SEGQ_CLAMP(s1) MF_DSP_SEGQ_CLAMP(s2) MF_DSP_SEGQ_CLAMP(s3)         \
    MF_DSP_SEGR_ST(s0, "0", "0") MF_DSP_SEGR_ST(s1, "1", "0") MF_DSP_SEGR_ST(s2, "2", "0") MF_DSP_SEGR_ST(s3, "3", "0") \
    "lsr %[x2], %[x2], #8\n\t"                                                                    \
    MF_DSP_SEGQ_RQD2(m0, m1, wt, x3, x1, x2) MF_DSP_SEGQ_RQD2(m2, m3, wt, x3, x1, x2)               \
    MF_DSP_SEGQ_CLAMP(m0) MF_DSP_SEGQ_CLAMP(m1) MF_DSP_SEGQ_CLAMP(m2) MF_DSP_SEGQ_CLAMP(m3)         \
    MF_DSP_SEGR_ST(m0, "0", "1") MF_DSP_SEGR_ST(m1, "1", "1") MF_DSP_SEGR_ST(m2, "2", "1") MF_DSP_SEGR_ST(m3, "3", "1")
/* ... with the pair's shifts as immediates (params c1_shifts 1, ops/conv2d.py seg_imm_shifts; each pair's code is its own,
 * the groups unrolled): e' (c's -shift-1) and E' (c''s e + 7) from pair q's byte of the 64-bit %[q] (MF_CONV2D_SEG_RQ_Q:
 * e' + 1 in bits 0-3, E' - 8 in bits 4-7; e' <= 14). c as SSAT >> e' + 1 after one ADD of k * 2^e' (((X >> e') + k) >> 1 is (X + k * 2^e') >> (e' + 1):
 * a multiple of 2^e' does not move the floor; seg_imm_shifts checks the sum fits int32), c' as SSAT >> E': no W load, no
 * LSR, 8 ASRs a pair fewer. */
#define MF_DSP_SEGR_RQI2(A_, B_)                                                                  \
    "smmlar %[" #A_ "], %[" #A_ "], %[x1], %[" #A_ "]\n\tsmmlar %[" #B_ "], %[" #B_ "], %[x1], %[" #B_ "]\n\t" \
    ".if 2 * (%c[lo]) + 1 < %c[k]\n\t"   /* not MF_NEG_CLAMPED(lo, out offset) */                  \
    "add %[" #A_ "], %[" #A_ "], %[" #A_ "], asr #31\n\tadd %[" #B_ "], %[" #B_ "], %[" #B_ "], asr #31\n\t" \
    ".endif\n\t"                                                                                  \
    ".if %c[k] >= 0\n\tadd %[" #A_ "], %[" #A_ "], #(%c[k] << .Lr_e)\n\tadd %[" #B_ "], %[" #B_ "], #(%c[k] << .Lr_e)\n\t" \
    ".else\n\tsub %[" #A_ "], %[" #A_ "], #((0 - (%c[k])) << .Lr_e)\n\tsub %[" #B_ "], %[" #B_ "], #((0 - (%c[k])) << .Lr_e)\n\t" \
    ".endif\n\t"                                                                                  \
    "ssat %[" #A_ "], #8, %[" #A_ "], asr #(.Lr_e + 1)\n\tssat %[" #B_ "], #8, %[" #B_ "], asr #(.Lr_e + 1)\n\t"
#define MF_DSP_SEGR_RQDI2(A_, B_)                                                                 \
    ".if 2 * (%c[lo]) + 1 < %c[k]\n\t"                                                            \
    "asr %[x1], %[" #A_ "], #31\n\tadd %[x1], %[x3], %[x1], lsl #7\n\t"                            \
    "smmla %[" #A_ "], %[" #A_ "], %[wt], %[x1]\n\t"                                                 \
    "asr %[x1], %[" #B_ "], #31\n\tadd %[x1], %[x3], %[x1], lsl #7\n\t"                            \
    "smmla %[" #B_ "], %[" #B_ "], %[wt], %[x1]\n\t"                                                 \
    ".else\n\t"                                                                                   \
    "smmla %[" #A_ "], %[" #A_ "], %[wt], %[x3]\n\tsmmla %[" #B_ "], %[" #B_ "], %[wt], %[x3]\n\t"  \
    ".endif\n\t"                                                                                  \
    "ssat %[" #A_ "], #8, %[" #A_ "], asr #.Lr_E\n\tssat %[" #B_ "], #8, %[" #B_ "], asr #.Lr_E\n\t"
#define MF_DSP_SEGR_OUT_IMM                                                                       \
    ".set .Lr_v, (%c[q] >> (8 * (2 * .Lr_g + .Lr_p))) & 255\n\t"                                   \
    ".set .Lr_e, (.Lr_v & 15) - 1\n\t.set .Lr_E, (.Lr_v >> 4) + 8\n\t"                              \
    "sub %[m0], %[m0], %[s0]\n\tsub %[m1], %[m1], %[s1]\n\tsub %[m2], %[m2], %[s2]\n\tsub %[m3], %[m3], %[s3]\n\t" \
    "ldr %[x0], [sp, #.Lr_sb]\n\t"                                                                \
    "ldr %[x1], " MF_DSP_SEGR_C("16") "ldr %[x3], " MF_DSP_SEGR_C("24") "ldr %[wt], " MF_DSP_SEGR_C("28") \
    MF_DSP_SEGR_RQI2(s0, s1) MF_DSP_SEGR_RQI2(s2, s3)                                               \
    MF_DSP_SEGQ_CLAMP(s0) MF_DSP_SEGQ_CLAMP(s1) MF_DSP_SEGQ_CLAMP(s2) MF_DSP_SEGQ_CLAMP(s3)         \
    MF_DSP_SEGR_ST(s0, "0", "0") MF_DSP_SEGR_ST(s1, "1", "0") MF_DSP_SEGR_ST(s2, "2", "0") MF_DSP_SEGR_ST(s3, "3", "0") \
    MF_DSP_SEGR_RQDI2(m0, m1) MF_DSP_SEGR_RQDI2(m2, m3)                                             \
    MF_DSP_SEGQ_CLAMP(m0) MF_DSP_SEGQ_CLAMP(m1) MF_DSP_SEGQ_CLAMP(m2) MF_DSP_SEGQ_CLAMP(m3)         \
    MF_DSP_SEGR_ST(m0, "0", "1") MF_DSP_SEGR_ST(m1, "1", "1") MF_DSP_SEGR_ST(m2, "2", "1") MF_DSP_SEGR_ST(m3, "3", "1")
/* The stream's .Lr_sb bytes from m0 into the frame at sp: 32 bytes a pass (8 loads back to back, then the stores),
 * then 8 at a time */
#define MF_DSP_SEGR_COPY                                                                          \
    "mov %[m3], sp\n\t"                                                                           \
    ".if .Lr_sb >= 32\n\t"                                                                        \
    "add %[m2], %[m0], #(.Lr_sb & ~31)\n"                                                         \
    "1:\n\t"                                                                                      \
    "ldr %[s0], [%[m0]]\n\tldr %[s1], [%[m0], #4]\n\tldr %[s2], [%[m0], #8]\n\tldr %[s3], [%[m0], #12]\n\t"  \
    "ldr %[x0], [%[m0], #16]\n\tldr %[x1], [%[m0], #20]\n\tldr %[x2], [%[m0], #24]\n\tldr %[x3], [%[m0], #28]\n\t" \
    "str %[s0], [%[m3]]\n\tstr %[s1], [%[m3], #4]\n\tstr %[s2], [%[m3], #8]\n\tstr %[s3], [%[m3], #12]\n\t"  \
    "str %[x0], [%[m3], #16]\n\tstr %[x1], [%[m3], #20]\n\tstr %[x2], [%[m3], #24]\n\tstr %[x3], [%[m3], #28]\n\t" \
    "add %[m0], %[m0], #32\n\tadd %[m3], %[m3], #32\n\tcmp %[m0], %[m2]\n\tbne 1b\n\t"             \
    ".endif\n\t"                                                                                  \
    ".set .Lr_i, 0\n\t.rept (.Lr_sb & 31) / 8\n\t"                                                \
    "ldr %[s0], [%[m0], #.Lr_i]\n\tldr %[s1], [%[m0], #.Lr_i + 4]\n\t"                              \
    "str %[s0], [%[m3], #.Lr_i]\n\tstr %[s1], [%[m3], #.Lr_i + 4]\n\t"                              \
    ".set .Lr_i, .Lr_i + 8\n\t.endr\n\t"
/* The n outputs (ox .. ox + n - 1) x 4 rows of a strip: rows at x (rs bytes apart, output q's windows 2 * stride_w *
 * in_c bytes after output q - 1's: xs; with two copies of the rows (xs / 2 odd) odd outputs' in the copy c1 bytes
 * further (.Lr_c1: the rows' bytes and 2), the step alternating between xs + c1 and xs - c1, held negated each output in
 * the frame as mf_dsp_seg_groups_n's), outputs from o (row k at o + k * ys, out_c bytes a column), stream at wseg; q:
 * the pairs' shifts for the immediate tail (MF_CONV2D_SEG_RQ_Q), or 0. */
MF_KERNEL void mf_dsp_seg_rquad(const int16_t *x, const int32_t rs, const int32_t kh, const int32_t nf, const int32_t odd,
                                const int32_t sh, const int32_t xs, const int8_t *wseg, const int32_t oc,
                                const int32_t ys, const int32_t out_offset, const int32_t act_min, const int32_t act_max,
                                int8_t *o, const int32_t n, const int64_t q)
{
    int32_t m0 = (int32_t)(uintptr_t)wseg, m1 = (int32_t)(uintptr_t)o, m2 = n;
    int32_t m3, s0, s1, s2, s3, x0, x1, x2, x3, wt;
    __asm__ volatile(
        ".set .Lr_rq, 8 * (%c[kh] * %c[nf] + %c[odd] * ((%c[kh] + 1) / 2))\n\t"   /* a group's weight bytes */
        /* with two copies of the rows (stride_w * in_c odd: xs / 2 odd) the copy's distance, bytes (c1 of the C caller) */
        ".set .Lr_c1, 0\n\t.if (%c[xs] / 2) & 1\n\t.set .Lr_c1, (3 * %c[sh] + %c[kh]) * %c[rs] + 2\n\t.endif\n\t"
        ".set .Lr_gb, .Lr_rq + 48\n\t.set .Lr_sb, %c[oc] / 4 * .Lr_gb\n\t"         /* a group's bytes, the stream's */
        ".set .Lr_tb, .Lr_sb + 8\n\t.if .Lr_c1\n\t.set .Lr_tb, .Lr_sb + 16\n\t.endif\n\t"   /* + the copy step's word */
        ".set .Lr_nr, 3 * %c[sh] + %c[kh]\n\t"   /* the strip's rows (MF_CONV2D_SEG_RQROWS) */
        ".set .Lr_tq, 1\n\t.if (%c[sh] & 1) == 0\n\t.set .Lr_tq, 2\n\t.endif\n\t"
        ".set .Lr_fr, .Lr_tb\n\t.if %c[odd]\n\t.set .Lr_fr, .Lr_tb + (4 * ((.Lr_nr - 1) / .Lr_tq + 1) + 7) / 8 * 8\n\t.endif\n\t"   /* + the T words */
        "sub sp, sp, #.Lr_fr   @ mf_dsp_seg_rquad\n\t"   /* the comment: tests find the row quads in the code */
        "@ mf_dsp_seg_rquad_imm %c[q]\n\t"   /* not 0: the immediate tail (tests read it in gcc -S) */
        "str %[m1], [sp, #.Lr_sb]\n\tstr %[m2], [sp, #.Lr_sb + 4]\n\t"
        MF_DSP_SEGR_COPY
        ".if .Lr_c1\n\tmovw %[x0], #.Lr_c1\n\tstr %[x0], [sp, #.Lr_sb + 8]\n\t.endif\n"
        "3:\n\t"
        ".if %c[odd]\n\t" MF_DSP_SEGR_TBUILD ".endif\n\t"
        ".set .Lr_g, 0\n\t.rept %c[oc] / 4\n\t.set .Lr_p, 0\n\t.rept 2\n\t"
        MF_DSP_SEGR_WINDOW ".if %c[q]\n\t" MF_DSP_SEGR_OUT_IMM ".else\n\t" MF_DSP_SEGR_OUT ".endif\n\t"
        ".set .Lr_p, .Lr_p + 1\n\t.endr\n\t.set .Lr_g, .Lr_g + 1\n\t.endr\n\t"
        ".if .Lr_c1\n\tldr %[x2], [sp, #.Lr_sb + 8]\n\tadd %[x], %[x], %[x2]\n\tneg %[x2], %[x2]\n\t"
        "str %[x2], [sp, #.Lr_sb + 8]\n\t.endif\n\t"
        /* the next output column (x0: the out pointer still, from the last pair's requantisation) */
        "ldr %[x1], [sp, #.Lr_sb + 4]\n\t"
        "add %[x0], %[x0], #%c[oc]\n\tadd %[x], %[x], #%c[xs]\n\tsubs %[x1], %[x1], #1\n\t"
        "str %[x0], [sp, #.Lr_sb]\n\tstr %[x1], [sp, #.Lr_sb + 4]\n\t"
        "bne 3b\n\t"
        "add sp, sp, #.Lr_fr"
        : [m0] "+r"(m0), [m1] "+r"(m1), [m2] "+r"(m2), [m3] "=&r"(m3),
          [s0] "=&r"(s0), [s1] "=&r"(s1), [s2] "=&r"(s2), [s3] "=&r"(s3),
          [x0] "=&r"(x0), [x1] "=&r"(x1), [x2] "=&r"(x2), [x3] "=&r"(x3), [wt] "=&r"(wt), [x] "+r"(x)
        : [rs] "i"(rs), [kh] "i"(kh), [nf] "i"(nf), [odd] "i"(odd), [sh] "i"(sh), [xs] "i"(xs),
          [oc] "i"(oc), [ys] "i"(ys), [k] "i"(2 * out_offset + 1), [lo] "i"(act_min), [hi] "i"(act_max),
          [q] "i"(q)
        : "cc", "memory");
}

/* Output rows oy .. oy + 3 of image in_b at o through mf_dsp_seg_rquad, in strips of MF_CONV2D_SEG_RQSTRIP outputs:
 * the strip's MF_CONV2D_SEG_RQROWS rows widened once into x16, then its outputs in one asm block. */
MF_KERNEL void mf_dsp_seg_rquads(const mf_conv2d_params_t *p, const int8_t *in_b, const int32_t oy, int8_t *o,
                                 int16_t *x16)
{
    const int32_t sh = p->stride_h, sw = p->stride_w, ic = p->in_c, kw = p->k_w;
    const int32_t nr = MF_CONV2D_SEG_RQROWS(sh, p->k_h), iy0 = oy * sh - p->pad_top, strip = MF_CONV2D_SEG_RQSTRIP(p);
    const int32_t row = MF_CONV2D_SEG_ROW(strip, kw, sw, ic);
    /* the immediate tail's shifts (params c1_shifts 1): a group's weight bytes rq, its bytes gb (mf_dsp_seg_rquad's
     * .Lr_rq, .Lr_gb) */
    const int32_t rqb = 8 * (p->k_h * (kw * ic / 2) + (kw * ic & 1) * ((p->k_h + 1) / 2)), oc = p->out_c;
    const int64_t q = p->c1_shifts == 1 ? MF_CONV2D_SEG_RQ_Q(p->weights, rqb + 48, rqb, oc) : 0;
    for (int32_t ox = 0; ox < p->out_w; ox += strip, o += strip * p->out_c) {
        const int32_t n_o = p->out_w - ox < strip ? p->out_w - ox : strip;
        mf_dsp_seg_widen_strip(p, in_b, iy0, ox * sw - p->pad_left, (n_o - 1) * sw + kw, nr, x16, row, nr);
        mf_dsp_seg_rquad(x16, 2 * row, p->k_h, kw * ic / 2, kw * ic & 1, sh, 2 * sw * ic,
                         p->weights, p->out_c,
                         p->out_w * p->out_c, p->out_offset, p->act_min, p->act_max, o, n_o, q);
    }
}
/* Row quads for this layer (a constant once inlined): the row layout (one copy or two) and whole groups, at most
 * MF_CONV2D_SEG_RQ_OC_MAX channels, four output rows, a whole word in each window row, pixel 3's outputs and the
 * strip's rows within the immediate offsets, a frame of at most MF_CONV2D_SEG_RQFRAME_MAX bytes, one output's rows within
 * the layer's scratch; not on the M7. The caller also needs the outputs clear of input still to be read (mf_dsp_seg_quad_at). */
#if defined(MF_TARGET_M7)
#define MF_CONV2D_SEG_RQUADS(p) 0
#else
#define MF_CONV2D_SEG_RQUADS(p)                                                                   \
    (MF_CONV2D_SEG_PAIR_LOOP(p) &&                                                                \
     (p)->out_c <= MF_CONV2D_SEG_RQ_OC_MAX && (p)->out_h >= 4 &&                                   \
     (p)->k_w * (p)->in_c >= 2 && 3 * (p)->out_w * (p)->out_c + (p)->out_c <= 4095 &&               \
     MF_CONV2D_SEG_RQFRAME(p) <= MF_CONV2D_SEG_RQFRAME_MAX && MF_CONV2D_SEG_RQSTRIP_MAX(p) >= 1 &&   \
     MF_CONV2D_SEG_RQSCRATCH(p) <= 4095)
#endif

/* Output rows oy .. oy + 3 of batch b (at o) in a quad (mf_dsp_seg_quads or, in the row layout, mf_dsp_seg_rquads) when
 * the 4 output rows end before the input still to be read (from the quad's first input row on), lie past the input,
 * or output and input are apart (apart): the quad's later outputs' rows are widened after its first outputs are stored.
 * Returns whether it went (else the row pairs take the rows). */
MF_KERNEL int mf_dsp_seg_quad_at(const mf_conv2d_params_t *p, const int8_t *in, const int apart, const int8_t *in_b,
                                 const int32_t oy, int8_t *o, int16_t *x16)
{
    const int32_t ys = p->out_w * p->out_c, ic = p->in_c;
    const uintptr_t i1 = (uintptr_t)(in + p->batches * p->in_h * p->in_w * ic);   /* the input's end */
    const int32_t iy0 = oy * p->stride_h - p->pad_top;
    const uintptr_t u0 = (uintptr_t)(in_b + (iy0 > 0 ? iy0 : 0) * p->in_w * ic), w0 = (uintptr_t)o;
    if (!apart && !(w0 + (uintptr_t)(4 * ys) <= u0 || i1 <= w0)) return 0;
    if (MF_CONV2D_SEG_RQUADS(p)) mf_dsp_seg_rquads(p, in_b, oy, o, x16);
    else mf_dsp_seg_quads(p, in_b, oy, o, x16);
    return 1;
}

/* One output row of the mix = 5 convolution, its windows' rows from input row iy0 of image in_b, outputs at o: pairs
 * of neighbouring outputs (pixel 1 the next column: stride_w * in_c values further, in the copy, or stride_w columns
 * further in the column layout), strips of an even count but a whole row (a lone last output's neighbour then reads
 * up to stride_w * in_c values past its rows: whatever the next, unused, rows hold, or the spare columns; stored to the
 * spare bytes). Only k_h rows are widened, where a row pair widens stride_h + k_h: the row pipeline's one-row bands
 * and a lone last row (odd out_h), which a row pair would compute with a second row of padding, its windows as many
 * as the row's and none stored. */
MF_KERNEL void mf_dsp_seg_row1(const mf_conv2d_params_t *p, const int8_t *in_b, const int32_t iy0, int8_t *o,
                               int8_t *spare, int16_t *x16, const int32_t strip, const int32_t row)
{
    const int32_t oc = p->out_c, ic = p->in_c, sw = p->stride_w, kh = p->k_h;
    const int32_t n_rows = p->stride_h + kh, cols = MF_CONV2D_SEG_COLS(p->stride_h, kh, ic);
    const int32_t hs = strip == p->out_w ? strip : strip & ~1;
    const int32_t step = cols ? sw * row : sw * ic;                      /* values from one output to the next */
    const int32_t dh = cols ? 2 * step : MF_CONV2D_SEG_COPIES(sw, ic) == 2 ? 2 * (n_rows * row + step + 1) : 2 * step;
    for (int32_t ox = 0; ox < p->out_w; ox += hs) {
        const int32_t n_o = p->out_w - ox < hs ? p->out_w - ox : hs;
        const int32_t c0 = ox * sw - p->pad_left, nc = (((n_o + 1) & ~1) - 1) * sw + p->k_w;
        mf_dsp_seg_widen_strip(p, in_b, iy0, c0, nc, kh, x16, row, n_rows);
        for (int32_t q = 0; q < n_o; q += 2, o += 2 * oc)
            mf_dsp_seg_pair(p, x16 + q * step, row, dh, o, q + 1 < n_o ? o + oc : spare);
    }
}

/* The mix = 5 convolution (above): per output row pair and strip, the widened rows (and their shifted copy), then
 * the strip's columns; a single or lone last output row through mf_dsp_seg_row1. */
MF_KERNEL void mf_conv2d_s8_seg(const mf_conv2d_params_t *p, const int8_t *in, int8_t *out, int8_t *buf)
{
    const int32_t oc = p->out_c, ic = p->in_c, sw = p->stride_w, sh = p->stride_h, kh = p->k_h;
    const int32_t cols = MF_CONV2D_SEG_COLS(sh, kh, ic);
    const int32_t strip = MF_CONV2D_SEG_STRIP(p->out_w, sh, kh, p->k_w, sw, ic);
    /* int16 values per widened row, or per column in the column layout */
    const int32_t row = cols ? MF_CONV2D_SEG_COL(sh, kh) : MF_CONV2D_SEG_ROW(strip, p->k_w, sw, ic);
    const int32_t n_rows = sh + kh, two_copies = MF_CONV2D_SEG_COPIES(sw, ic) == 2;
    const int32_t ys = p->out_w * oc;                                    /* output row pitch */
    int8_t *const spare = buf + MF_CONV2D_SEG_SCRATCH_BYTES(strip, sh, kh, p->k_w, sw, ic, p->out_w, oc)
                        - MF_CONV2D_SEG_SPARE(strip, p->out_w, oc);      /* MF_CONV2D_SEG_SPARE bytes */
    const uintptr_t i1 = (uintptr_t)(in + p->batches * p->in_h * p->in_w * ic);   /* the input's end */
    int16_t *x16 = (int16_t *)(void *)buf;
    /* output and input apart (known once inlined in a model: then every quad goes, and GCC sees it) */
    const int apart = (uintptr_t)(out + p->batches * p->out_h * ys) <= (uintptr_t)in || i1 <= (uintptr_t)out;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = in + b * p->in_h * p->in_w * ic;
        for (int32_t oy = 0; oy < p->out_h; oy += 2) {
            /* rows in quads while the layer takes them (M4/M33) and their outputs may be stored, then a row pair */
            if (MF_CONV2D_SEG_QUADS(p) || MF_CONV2D_SEG_RQUADS(p)) {
                while (oy + 4 <= p->out_h && mf_dsp_seg_quad_at(p, in, apart, in_b, oy, out + (b * p->out_h + oy) * ys, x16))
                    oy += 4;
                if (oy >= p->out_h) break;
            }
            int8_t *o = out + (b * p->out_h + oy) * ys;
            /* Row oy + 1's outputs go straight to their place when the row is one strip or they lie outside the
             * input not yet read (from row oy's first input row on); else they are staged in the spare bytes and
             * copied after the last strip, when every input of the two rows has been read (the other paths' write
             * order, ops/conv2d.py overlap_lead). */
            const int32_t iy0 = oy * sh - p->pad_top;
            const uintptr_t u0 = (uintptr_t)(in_b + (iy0 > 0 ? iy0 : 0) * p->in_w * ic);
            const uintptr_t w0 = (uintptr_t)(o + ys), w1 = w0 + (uintptr_t)ys;
            if (oy + 1 == p->out_h) {   /* a lone last row (odd out_h, or the one-row bands) */
                mf_dsp_seg_row1(p, in_b, iy0, o, spare, x16, strip, row);
                break;
            }
            const int direct = strip == p->out_w || w1 <= u0 || i1 <= w0;
            int8_t *o1 = direct ? o + ys : spare;
            for (int32_t ox = 0; ox < p->out_w; ox += strip) {
                const int32_t n_o = p->out_w - ox < strip ? p->out_w - ox : strip;
                const int32_t c0 = ox * sw - p->pad_left, nc = (n_o - 1) * sw + p->k_w;
                mf_dsp_seg_widen_strip(p, in_b, iy0, c0, nc, n_rows, x16, row, n_rows);
                if (MF_CONV2D_SEG_PAIR_LOOP(p)) {   /* the strip's pairs in one asm block */
                    mf_dsp_seg_strip_pairs(p, x16, row, 2 * sh * row, o, o1, n_o);
                    o += n_o * oc;
                    o1 += n_o * oc;
                    continue;
                }
                for (int32_t q = 0; q < n_o; ++q, o += oc, o1 += oc) {
                    if (cols) {   /* pixel 1: stride_h values (one word) further down the columns */
                        mf_dsp_seg_pair(p, x16 + q * sw * row, row, 2 * sh, o, o1);
                        continue;
                    }
                    const int32_t t = q * sw * ic, shift = two_copies & t;   /* the copy, one value further on */
                    mf_dsp_seg_pair(p, x16 + (shift ? n_rows * row + t + 1 : t), row, 2 * sh * row, o, o1);
                }
            }
            /* o: row oy + 1; never with one strip a row (direct), said again so that GCC drops the copy there instead of
             * warning that it would read past a stack scratch smaller than the row */
            if (!direct && strip != p->out_w) mf_dsp_copy(o, spare, ys);
        }
    }
}

/* ---- unpadded 1x1 convolutions on mixed weights with the constants in the stream (mix = 3) ------------
 * Chosen by ops/conv2d.py (pw_layout) for unpadded 1x1 layers (any stride) with in_c % 4 == 0, in_c >= 4 and
 * out_c % 4 == 0 whose mixed weights and fast requantisation are exact. The arithmetic of mf_dsp_mix_rows
 * (2 pixels x 4 channels, one SXTB16 per 4 weights), but each 4-channel group is one pass of a single asm
 * block, requantisation included: the group's 4*in_c mixed weight bytes are followed in the same stream by
 * its 12 constants (ops/conv2d.py pw_consts): per mixed pair (c, c') two start values, c's m2 = 2*mult - 2^32 and a
 * word W holding c's -shift-1 and c''s e + 7, c''s Ra and mult. The accumulators start there (sa at b_c, ma at
 * b_c + 256 * b_c', loaded with the window's first words), so after the window sa is c's accumulator and ma - sa is
 * 256 times c''s (exact while |c''s accumulator| < 2^23, pw_consts' check; a wrapping ma cancels). c is requantised
 * as mf_dsp_out_fast does (SMMLAR with m2, >> -shift-1, + 2 * out_offset + 1, SSAT >> 1); c' straight from ma - sa:
 * SMMLA(256 * acc, mult, Ra) >> (e + 7) is floor((acc * mult + 2^30 + rnd * 2^31) / 2^(31 + e)) with
 * rnd = 2^(e-1) + out_offset * 2^e (less one for a negative accumulator unless MF_NEG_CLAMPED: Ra - 128), i.e.
 * TFLM's SRDHM, rounding divide and output offset in one multiply (mf_dw_requant's form with the accumulator scaled
 * by 256 instead of 2): 4 instructions an output instead of 6, the same constant bytes (MF_DSP_PW_OUT4). The 4
 * outputs of a pixel are packed (BFI) into one word, clamped 4 at a time (SSUB8 + SEL
 * against the replicated activation bound, only when it is tighter than int8) and stored with one STR.
 * The group loop ends on a bit of the group's W_b (MF_DSP_PW_MORE, W_b >> 8). Pixel 0's out pointer lives after
 * the x16 sentinel (pixel 1's outputs are out_c further; the asm block needs all 14 registers for accumulators,
 * temporaries and the x16/weight pointers); with in_c <= 64 (windows unrolled) a pair is mf_dsp_pw_pair instead, x16
 * read sp-relative and the out pointer in the freed register. A lone last pixel goes through mf_dsp_pw_rows1.
 * Every pair is expanded
 * before any of its outputs is written, pairs go in pixel order: the write order contract of the other
 * paths holds. Scratch: MF_CONV2D_PW_SCRATCH_BYTES. */
#define MF_CONV2D_PW_SCRATCH_BYTES(in_c) (4 * (in_c) + 16)   /* x16, sentinel, out pointer, 2 spare words */
/* widest in_c whose pairs go through mf_dsp_pw_pair (16 chunks unrolled; ops/conv2d.py PW_PAIR_MAX_IC) */
#define MF_CONV2D_PW_PAIR_MAX_IC 64

/* mf_dsp_mix_rows' half chunk for the window's first chunk, the accumulators starting at the group's start values
 * (ops/conv2d.py pw_consts: ma at Bm, sa at Bs, per pair; %[rq] bytes after the group's weights, w at the group): the
 * four starts load in the half's load chain into ma0, sa0, mb0, sb0, whose pixel-1 partners accumulate from them
 * before they accumulate into themselves (the same 10 instructions as SMUAD from zero, M4 pipelining kept). */
#define MF_DSP_PW_HALF0(O_)                                                                      \
    "ldr %[e0], [" MF_PW_X ", #" #O_ "]\n\t"                                                     \
    "ldr %[e1], [" MF_PW_X ", #" #O_ "+4]\n\t"                                                   \
    "ldr %[wa], [%[w], #" #O_ "]\n\t"                                                            \
    "ldr %[wb], [%[w], #" #O_ "+4]\n\t"                                                          \
    "ldr %[ma0], [%[w], #%c[rq]]\n\t"                                                           \
    "ldr %[sa0], [%[w], #%c[rq] + 4]\n\t"                                                       \
    "ldr %[mb0], [%[w], #%c[rq] + 8]\n\t"                                                       \
    "ldr %[sb0], [%[w], #%c[rq] + 12]\n\t"                                                      \
    MF_DSP_START_MACS
/* mf_dsp_mix_rows' half chunk with the x16 words at XO_ and the weights at WO_; the loads alone (PW_LD) and the
 * arithmetic alone (MF_DSP_MIX_MACS). */
#define MF_DSP_PW_LD(XO_, WO_)                                                                   \
    "ldr %[e0], [%[x], #" #XO_ "]\n\t"                                                           \
    "ldr %[e1], [%[x], #" #XO_ "+4]\n\t"                                                         \
    "ldr %[wa], [%[w], #" #WO_ "]\n\t"                                                           \
    "ldr %[wb], [%[w], #" #WO_ "+4]\n\t"
/* One pass of the window loop: 4 chunks (64 bytes of x16 and of weights), e0 already loaded by the pass check
 * (LDR with writeback, which also steps x) and the weight pointer stepped by the pass's first weight load
 * (post-indexed, last of its load chain so LDR pipelining is kept): no ADDs in the loop. */
#define MF_DSP_PW_PASS                                                                           \
    "ldr %[e1], [%[x], #4]\n\tldr %[wb], [%[w], #4]\n\tldr %[wa], [%[w]], #128\n\t" MF_DSP_MIX_MACS     \
    MF_DSP_PW_LD(8, -120) MF_DSP_MIX_MACS MF_DSP_PW_LD(16, -112) MF_DSP_MIX_MACS MF_DSP_PW_LD(24, -104) MF_DSP_MIX_MACS \
    MF_DSP_PW_LD(32, -96) MF_DSP_MIX_MACS MF_DSP_PW_LD(40, -88) MF_DSP_MIX_MACS MF_DSP_PW_LD(48, -80) MF_DSP_MIX_MACS \
    MF_DSP_PW_LD(56, -72) MF_DSP_MIX_MACS MF_DSP_PW_LD(64, -64) MF_DSP_MIX_MACS MF_DSP_PW_LD(72, -56) MF_DSP_MIX_MACS \
    MF_DSP_PW_LD(80, -48) MF_DSP_MIX_MACS MF_DSP_PW_LD(88, -40) MF_DSP_MIX_MACS MF_DSP_PW_LD(96, -32) MF_DSP_MIX_MACS \
    MF_DSP_PW_LD(104, -24) MF_DSP_MIX_MACS MF_DSP_PW_LD(112, -16) MF_DSP_MIX_MACS MF_DSP_PW_LD(120, -8) MF_DSP_MIX_MACS
/* The group's window: x16 and weights from x and w, 8 accumulators out; x left at the sentinel, w at the group's
 * constants. The first chunk starts the accumulators from the group's start values (MF_DSP_PW_HALF0, MF_PW7_HALF0;
 * without it, ini 0, MF_DSP_PW_START loads them), then (nch - 1) % 8 leading chunks (one, two, four), then passes of 8
 * (each pass's check, sentinel load, compare and taken branch, costs about 5 cycles on the M4: passes of 8 instead of
 * 4 took vww's in_c 128 and 256 layers 1.7-2.0% lower on the M4, 1.9-2.3% on the M7, about 0.5-0.9 KB more code a
 * layer). M4/M33: each half chunk's four loads back to back (LDR pipelining), the pass check loading the next pass's
 * first word. */
/* Every accumulator from its pair's start value (pw_consts: ma at Bm, sa at Bs), w at the group. */
#define MF_DSP_PW_START                                                                          \
    "ldr %[ma0], [%[w], #%c[rq]]\n\tldr %[ma1], [%[w], #%c[rq]]\n\t"                            \
    "ldr %[sa0], [%[w], #%c[rq] + 4]\n\tldr %[sa1], [%[w], #%c[rq] + 4]\n\t"                    \
    "ldr %[mb0], [%[w], #%c[rq] + 8]\n\tldr %[mb1], [%[w], #%c[rq] + 8]\n\t"                    \
    "ldr %[sb0], [%[w], #%c[rq] + 12]\n\tldr %[sb1], [%[w], #%c[rq] + 12]\n\t"
#define MF_DSP_PW_O(N_) (16 * %c[ini] + 16 * %c[one] + 32 * %c[two] + N_)   /* chunk N_/16 of the "four" lead */
#define MF_DSP_PW_WINDOW_M4                                                                       \
    ".if %c[ini]\n\t" MF_DSP_PW_HALF0(0) MF_DSP_MIX_HALF(8) ".else\n\t" MF_DSP_PW_START ".endif\n\t"  \
    ".if %c[one]\n\t" MF_DSP_MIX_CHUNK(16 * %c[ini]) ".endif\n\t"                                 \
    ".if %c[two]\n\t" MF_DSP_MIX_CHUNK(16 * %c[ini] + 16 * %c[one])                                 \
    MF_DSP_MIX_CHUNK(16 * %c[ini] + 16 * %c[one] + 16) ".endif\n\t"                                  \
    ".if %c[four]\n\t" MF_DSP_MIX_CHUNK(MF_DSP_PW_O(0)) MF_DSP_MIX_CHUNK(MF_DSP_PW_O(16))              \
    MF_DSP_MIX_CHUNK(MF_DSP_PW_O(32)) MF_DSP_MIX_CHUNK(MF_DSP_PW_O(48)) ".endif\n\t"                  \
    ".if %c[lead]\n\tadds %[w], #16 * %c[lead]\n\t.endif\n\t"                                      \
    ".if %c[loop]\n\t"   /* e0 of each pass is loaded by the check before it (MF_DSP_PW_PASS) */  \
    "ldr %[e0], [%[x], #16 * %c[lead]]!\n"                                                        \
    "1:\n\t" MF_DSP_PW_PASS                                                                      \
    "ldr %[e0], [%[x], #128]!\n\tcmp %[e0], #0x80808080\n\tbne 1b\n\t"                             \
    ".else\n\tadds %[x], #16 * %c[lead]\n\t.endif\n\t"
/* M7 (dual issue): software pipelined, every load and SXTB16 next to an SMLAD. A half chunk at O_ finds its
 * first x16 word in e0 and raw weight word in wa (loaded by the half before it, after their last reads there)
 * and loads the next half's: 8 issue cycles per 8 SMLADs. The last half of the window loads the word after
 * it, the sentinel (the pass check) and the first constant word (not used). */
#define MF_PW_SMLAD(A_, X_, W_) "smlad %[" #A_ "], %[" #X_ "], %[" #W_ "], %[" #A_ "]\n\t"
#define MF_PW_SMUAD(A_, X_, W_) "smuad %[" #A_ "], %[" #X_ "], %[" #W_ "]\n\t"
#define MF_PW7_HALF(O_, M_)                                                                      \
    M_(ma0, e0, wa) "ldr %[e1], [" MF_PW_X ", #" #O_ "+4]\n\t"                                           \
    M_(ma1, e1, wa) "ldr %[wb], [%[w], #" #O_ "+4]\n\t"                                           \
    M_(mb0, e0, wb) "sxtb16 %[wa], %[wa]\n\t"                                                     \
    M_(mb1, e1, wb) "sxtb16 %[wb], %[wb]\n\t"                                                     \
    M_(sa0, e0, wa)                                                                              \
    M_(sa1, e1, wa) "ldr %[wa], [%[w], #" #O_ "+8]\n\t"                                           \
    M_(sb0, e0, wb) "ldr %[e0], [" MF_PW_X ", #" #O_ "+8]\n\t"                                           \
    M_(sb1, e1, wb)
#define MF_PW7_CHUNK(O_) MF_PW7_HALF(O_, MF_PW_SMLAD) MF_PW7_HALF(O_ + 8, MF_PW_SMLAD)
/* A pass's last half (MF_PW7_HALF at 120): x steps to the next pass beside its fifth SMLAD, which has no partner there,
 * so the next pass's first word (or the sentinel) loads from x's new place, and the pass check's CMP issues beside the
 * last SMLAD; w steps (ADD, flags kept) beside the branch: 1 cycle a pass less than the ADDS pair and CMP after it. */
#define MF_PW7_HALF_END                                                                          \
    "smlad %[ma0], %[e0], %[wa], %[ma0]\n\tldr %[e1], [%[x], #124]\n\t"                           \
    "smlad %[ma1], %[e1], %[wa], %[ma1]\n\tldr %[wb], [%[w], #124]\n\t"                           \
    "smlad %[mb0], %[e0], %[wb], %[mb0]\n\tsxtb16 %[wa], %[wa]\n\t"                               \
    "smlad %[mb1], %[e1], %[wb], %[mb1]\n\tsxtb16 %[wb], %[wb]\n\t"                               \
    "smlad %[sa0], %[e0], %[wa], %[sa0]\n\tadd %[x], %[x], #128\n\t"                              \
    "smlad %[sa1], %[e1], %[wa], %[sa1]\n\tldr %[wa], [%[w], #128]\n\t"                           \
    "smlad %[sb0], %[e0], %[wb], %[sb0]\n\tldr %[e0], [%[x]]\n\t"                                 \
    "smlad %[sb1], %[e1], %[wb], %[sb1]\n\tcmp %[e0], #0x80808080\n\t"
/* The window's first half on the M7: the first SMLAD's three operands loaded first (with pixel 0's word: two pairs of
 * loads), then MF_DSP_PW_HALF0's arithmetic with each other start value, the second weight word and the SXTB16s
 * beside an SMLAD that does not read them, and the next half's first words loaded beside the last SMLADs (as
 * MF_PW7_HALF): 10 cycles, not 12 with the 8 loads first (two SMLADs side by side twice). */
#define MF_PW7_HALF0                                                                             \
    "@ mf_pw7_half0\n\tldr %[wa], [%[w]]\n\tldr %[e1], [" MF_PW_X ", #4]\n\t"                   \
    "ldr %[ma0], [%[w], #%c[rq]]\n\tldr %[e0], [" MF_PW_X "]\n\t"                               \
    "smlad %[ma1], %[e1], %[wa], %[ma0]\n\t" "ldr %[wb], [%[w], #4]\n\t"                          \
    "smlad %[ma0], %[e0], %[wa], %[ma0]\n\t" "ldr %[mb0], [%[w], #%c[rq] + 8]\n\t"                \
    "smlad %[mb1], %[e1], %[wb], %[mb0]\n\t" "sxtb16 %[wa], %[wa]\n\t"                            \
    "smlad %[mb0], %[e0], %[wb], %[mb0]\n\t" "ldr %[sa0], [%[w], #%c[rq] + 4]\n\t"                \
    "smlad %[sa1], %[e1], %[wa], %[sa0]\n\t" "sxtb16 %[wb], %[wb]\n\t"                            \
    "smlad %[sa0], %[e0], %[wa], %[sa0]\n\t" "ldr %[sb0], [%[w], #%c[rq] + 12]\n\t"               \
    "smlad %[sb1], %[e1], %[wb], %[sb0]\n\t" "ldr %[wa], [%[w], #8]\n\t"                          \
    "smlad %[sb0], %[e0], %[wb], %[sb0]\n\t" "ldr %[e0], [" MF_PW_X ", #8]\n\t"
#define MF_DSP_PW_WINDOW_M7                                                                       \
    ".if %c[ini]\n\t" MF_PW7_HALF0 MF_PW7_HALF(8, MF_PW_SMLAD) ".else\n\t" MF_DSP_PW_START                    \
    "ldr %[wa], [%[w]]\n\tldr %[e0], [%[x]]\n\t.endif\n\t" \
    ".if %c[one]\n\t" MF_PW7_CHUNK(16 * %c[ini]) ".endif\n\t"                                     \
    ".if %c[two]\n\t" MF_PW7_CHUNK(16 * %c[ini] + 16 * %c[one]) MF_PW7_CHUNK(16 * %c[ini] + 16 * %c[one] + 16) \
    ".endif\n\t"                                                                                 \
    ".if %c[four]\n\t" MF_PW7_CHUNK(MF_DSP_PW_O(0)) MF_PW7_CHUNK(MF_DSP_PW_O(16))                     \
    MF_PW7_CHUNK(MF_DSP_PW_O(32)) MF_PW7_CHUNK(MF_DSP_PW_O(48)) ".endif\n\t"                         \
    ".if %c[lead]\n\tadds %[x], #16 * %c[lead]\n\tadds %[w], #16 * %c[lead]\n\t.endif\n\t"          \
    ".if %c[loop]\n"                                                                            \
    "1:\n\t" MF_PW7_CHUNK(0) MF_PW7_CHUNK(16) MF_PW7_CHUNK(32) MF_PW7_CHUNK(48)                   \
    MF_PW7_CHUNK(64) MF_PW7_CHUNK(80) MF_PW7_CHUNK(96) MF_PW7_HALF(112, MF_PW_SMLAD) MF_PW7_HALF_END \
    "add %[w], %[w], #128\n\tbne 1b\n\t"                                                         \
    ".endif\n\t"
#if defined(MF_TARGET_M7)
#define MF_DSP_PW_WINDOW MF_DSP_PW_WINDOW_M7
#else
#define MF_DSP_PW_WINDOW MF_DSP_PW_WINDOW_M4
#endif
/* A pair's constants (ops/conv2d.py pw_consts) at byte O_ of w (the group's constants): c's m2 to e1, W (c's -shift-1
 * in its low byte, c''s e + 7 in the next) to wa, c''s Ra to e0 and mult to wb; one load chain. */
#define MF_DSP_PW_CONSTS(O_)                                                                     \
    "ldr %[e1], [%[w], #" MF_PW_CB " + " #O_ "]\n\tldr %[wa], [%[w], #" MF_PW_CB " + " #O_ " + 4]\n\t"      \
    "ldr %[e0], [%[w], #" MF_PW_CB " + " #O_ " + 8]\n\tldr %[wb], [%[w], #" MF_PW_CB " + " #O_ " + 12]\n\t"
/* c (accumulators A0_, A1_: its value, bias in): MF_DSP_RQ2 with m2 in e1, -shift-1 in wa's low byte */
#define MF_DSP_PW_RQ(A0_, A1_) MF_DSP_RQ2(A0_, A1_, e1, wa)
/* c' (A0_, A1_: 256 times its value): MF_DSP_RQD_REGS with mult in wb, Ra in e0 (e1 free), e + 7 in wa's second byte */
#define MF_DSP_PW_RQD(A0_, A1_) MF_DSP_RQD_REGS(A0_, A1_, wb, e0, e1, wa)
/* ... for the group's last pair: W_b shifted down by ASRS, whose N flag is W_b's bit 31, set (pw_consts) when another
 * group follows: the group loop's condition, no TST */
#define MF_DSP_PW_RQD_LAST(A0_, A1_) MF_DSP_RQD_REGS_SH(A0_, A1_, wb, e0, e1, wa, "asrs")

/* A group's 8 outputs from its accumulators (started at the group's start values, so sa = c's accumulator and
 * ma - sa = 256 times c''s) and its constants at w + MF_PW_CB (w left at the next group): per pair c from sa
 * (MF_DSP_PW_RQ), c' from ma - sa (MF_DSP_PW_RQD), both pixels; then pixel 0's 4 outputs packed into sa0, pixel 1's
 * into sa1, clamped 4 at a time when the activation is tighter than int8; N says whether another group follows
 * (W_b's bit 31, MF_DSP_PW_RQD_LAST: the callers end on BMI; no instruction after it sets flags). Pair a's outputs are packed before pair b's constants are loaded, so LD_ (the out
 * pointer's load into ma0, free then, or nothing) ends that load chain (one cycle on the M4, not two), and sa0 is
 * finished last, so the caller's first store (sa1's) pairs with its last instruction. */
#define MF_DSP_PW_OUT4(LD_)                                                                       \
    "sub %[ma0], %[ma0], %[sa0]\n\tsub %[ma1], %[ma1], %[sa1]\n\t"                                 \
    "sub %[mb0], %[mb0], %[sb0]\n\tsub %[mb1], %[mb1], %[sb1]\n\t"                                 \
    MF_DSP_PW_CONSTS(16) MF_DSP_PW_RQ(sa0, sa1) MF_DSP_PW_RQD(ma0, ma1)   /* channels 0, 1 */        \
    "bfi %[sa1], %[ma1], #8, #8\n\tbfi %[sa0], %[ma0], #8, #8\n\t"                                \
    MF_DSP_PW_CONSTS(32) LD_ MF_DSP_PW_RQ(sb0, sb1) MF_DSP_PW_RQD_LAST(mb0, mb1)   /* channels 2, 3 */ \
    "add %[w], %[w], #" MF_PW_CB " + 48\n\t"                                                     \
    "bfi %[sa1], %[sb1], #16, #8\n\tbfi %[sa0], %[sb0], #16, #8\n\t"                               \
    "bfi %[sa1], %[mb1], #24, #8\n\tbfi %[sa0], %[mb0], #24, #8\n\t"                               \
    ".if %c[clo]\n\tmov %[e0], #((%c[lo]) & 0xff) * 0x01010101\n\t"                               \
    "ssub8 %[e1], %[sa1], %[e0]\n\tsel %[sa1], %[sa1], %[e0]\n\t"                                  \
    "ssub8 %[e1], %[sa0], %[e0]\n\tsel %[sa0], %[sa0], %[e0]\n\t.endif\n\t"                         \
    ".if %c[chi]\n\tmov %[e0], #((%c[hi]) & 0xff) * 0x01010101\n\t"                               \
    "ssub8 %[e1], %[e0], %[sa1]\n\tsel %[sa1], %[sa1], %[e0]\n\t"                                  \
    "ssub8 %[e1], %[e0], %[sa0]\n\tsel %[sa0], %[sa0], %[e0]\n\t.endif\n\t"

/* A lone last pixel on a stream of groups each followed by its constants (mf_conv2d_s8_pw, mf_dsp_rowpw_pair):
 * mf_dsp_mix_rows1's arithmetic (4 accumulators: ma, sa, mb, sb), no pixel computed twice, all groups in one asm block.
 * Its window's 4-value chunks are cs = 4 * xs bytes apart, the even values' word first, the odd ones' 2 * xs bytes on:
 * x16 from mf_dsp_mix_expand2 with both pixels the same (xs 4), or row entries (xs 2). A chunk is one chain of 6 loads
 * (its two x16 words and the group's 4 weight words) and 8 SMLADs; nch % 4 leading chunks, then passes of 4 until x
 * reaches the window's end (xe). The group's outputs: MF_DSP_PW_OUT4's arithmetic on one pixel (MF_DSP_RQ1), packed
 * into one word, clamped, stored; x steps back to the window's start, w is left at the next group. */
#define MF_PW1_CHUNK(J_)                                                                         \
    "ldr %[e0], [%[x], #(" J_ ") * %c[cs]]\n\t"                                                   \
    "ldr %[e1], [%[x], #(" J_ ") * %c[cs] + 2 * %c[xs]]\n\t"                                      \
    "ldr %[wa], [%[w], #(" J_ ") * 16]\n\t"                                                       \
    "ldr %[wb], [%[w], #(" J_ ") * 16 + 4]\n\t"                                                   \
    "ldr %[wc], [%[w], #(" J_ ") * 16 + 8]\n\t"                                                   \
    "ldr %[wd], [%[w], #(" J_ ") * 16 + 12]\n\t"                                                  \
    "smlad %[ma], %[e0], %[wa], %[ma]\n\t" "sxtb16 %[wa], %[wa]\n\t"                              \
    "smlad %[mb], %[e0], %[wb], %[mb]\n\t" "sxtb16 %[wb], %[wb]\n\t"                              \
    "smlad %[sa], %[e0], %[wa], %[sa]\n\t"                                                       \
    "smlad %[sb], %[e0], %[wb], %[sb]\n\t"                                                       \
    "smlad %[ma], %[e1], %[wc], %[ma]\n\t" "sxtb16 %[wc], %[wc]\n\t"                              \
    "smlad %[mb], %[e1], %[wd], %[mb]\n\t" "sxtb16 %[wd], %[wd]\n\t"                              \
    "smlad %[sa], %[e1], %[wc], %[sa]\n\t"                                                       \
    "smlad %[sb], %[e1], %[wd], %[sb]\n\t"
/* The M7's chunk (dual issue: MF_PW1_CHUNK's chain of 6 loads issues 2 a cycle, then its SMLADs two of four side by
 * side: 11 cycles): a chunk enters with its even values' word in e0 and its first weight word in wa (MF_PW1_LOAD7, or
 * the chunk before it), loads wc and e1 as a pair, then each SMLAD issues beside a load or an SXTB16 of a word it does
 * not read: wb and wd loaded, the four SXTB16s, and in the last two slots the next chunk's e0 and wa (END_ false) or
 * the pointer steps past J_ + 1 chunks (END_ true: a pass's or the leading chunks' last; nothing is read past the
 * window): 9 cycles a chunk, the same products into the same accumulators in the same order. */
#define MF_PW1_LOAD7(J_)                                                                         \
    "ldr %[e0], [%[x], #(" J_ ") * %c[cs]]\n\tldr %[wa], [%[w], #(" J_ ") * 16]\n\t"
#define MF_PW1_CHUNK7(J_, END_)                                                                  \
    "ldr %[wc], [%[w], #(" J_ ") * 16 + 8]\n\tldr %[e1], [%[x], #(" J_ ") * %c[cs] + 2 * %c[xs]]\n\t" \
    "smlad %[ma], %[e0], %[wa], %[ma]\n\tldr %[wb], [%[w], #(" J_ ") * 16 + 4]\n\t"             \
    "smlad %[mb], %[e0], %[wb], %[mb]\n\tsxtb16 %[wa], %[wa]\n\t"                              \
    "smlad %[sa], %[e0], %[wa], %[sa]\n\tsxtb16 %[wb], %[wb]\n\t"                              \
    "smlad %[sb], %[e0], %[wb], %[sb]\n\tldr %[wd], [%[w], #(" J_ ") * 16 + 12]\n\t"            \
    "smlad %[ma], %[e1], %[wc], %[ma]\n\tsxtb16 %[wc], %[wc]\n\t"                              \
    "smlad %[mb], %[e1], %[wd], %[mb]\n\tsxtb16 %[wd], %[wd]\n\t"                              \
    ".if " END_ "\n\t"                                                                           \
    "smlad %[sa], %[e1], %[wc], %[sa]\n\tadd %[x], %[x], #((" J_ ") + 1) * %c[cs]\n\t"           \
    "smlad %[sb], %[e1], %[wd], %[sb]\n\tadd %[w], %[w], #((" J_ ") + 1) * 16\n\t"              \
    ".else\n\t"                                                                                  \
    "smlad %[sa], %[e1], %[wc], %[sa]\n\tldr %[e0], [%[x], #((" J_ ") + 1) * %c[cs]]\n\t"        \
    "smlad %[sb], %[e1], %[wd], %[sb]\n\tldr %[wa], [%[w], #((" J_ ") + 1) * 16]\n\t"           \
    ".endif\n\t"

/* A lone pixel's four outputs (channel 0 in sa, 1 in ma, 2 in sb, 3 in mb, each already an int8 value in its low
 * byte) packed into one word, clamped to [lo, hi] four lanes at once (SSUB8 sets GE, SEL keeps the bound) and stored
 * at o, which steps on: shared by the lone-pixel kernels mf_dsp_pw_rows1 and mf_dsp_pw4_rows1. */
#define MF_PW1_STORE4 MF_PW1_PACK4 MF_PW1_CLAMP_ST
#define MF_PW1_PACK4 "bfi %[sa], %[ma], #8, #8\n\tbfi %[sa], %[sb], #16, #8\n\tbfi %[sa], %[mb], #24, #8\n\t"
#define MF_PW1_CLAMP_ST                                                                          \
    ".if %c[clo]\n\tmov %[e0], #((%c[lo]) & 0xff) * 0x01010101\n\t"                         \
    "ssub8 %[e1], %[sa], %[e0]\n\tsel %[sa], %[sa], %[e0]\n\t.endif\n\t"                    \
    ".if %c[chi]\n\tmov %[e0], #((%c[hi]) & 0xff) * 0x01010101\n\t"                         \
    "ssub8 %[e1], %[e0], %[sa]\n\tsel %[sa], %[sa], %[e0]\n\t.endif\n\t"                    \
    "str %[sa], [%[o]], #4\n\t"

/* One pixel's pair (c, c') of a group from its accumulators S_ (c's value) and D_ (ma - sa: 256 times c''s) and the
 * pair's constants at byte O_ of w (pw_consts; MF_DSP_PW_OUT4's arithmetic on one pixel): c with SMMLAR, >> -shift-1,
 * + 2 * out_offset + 1, SSAT >> 1; c' with SMMLA (mult, Ra, Ra - 128 for a negative one unless MF_NEG_CLAMPED),
 * >> e + 7 (W's second byte), SSAT; wa left holding W >> 8. */
#define MF_PW1_PAIR(S_, D_, O_)                                                                  \
    "ldr %[e1], [%[w], #" #O_ "]\n\tldr %[wa], [%[w], #" #O_ " + 4]\n\t"                          \
    "ldr %[e0], [%[w], #" #O_ " + 8]\n\tldr %[wb], [%[w], #" #O_ " + 12]\n\t"                     \
    "smmlar %[" #S_ "], %[" #S_ "], %[e1], %[" #S_ "]\n\t"                                          \
    ".if 2 * (%c[lo]) + 1 < %c[k]\n\t"   /* not MF_NEG_CLAMPED(lo, out offset) */                  \
    "add %[" #S_ "], %[" #S_ "], %[" #S_ "], asr #31\n\t"                                          \
    "asr %[wc], %[" #D_ "], #31\n\tadd %[e0], %[e0], %[wc], lsl #7\n\t"                            \
    ".endif\n\t"                                                                                \
    "smmla %[" #D_ "], %[" #D_ "], %[wb], %[e0]\n\t"                                              \
    "asr %[" #S_ "], %[" #S_ "], %[wa]\n\t"                                                       \
    "lsr %[wa], %[wa], #8\n\t"                                                                   \
    ".if %c[k] >= 0\n\tadd %[" #S_ "], %[" #S_ "], #%c[k]\n\t.else\n\tsub %[" #S_ "], %[" #S_ "], #-%c[k]\n\t.endif\n\t" \
    "asr %[" #D_ "], %[" #D_ "], %[wa]\n\t"                                                       \
    "ssat %[" #S_ "], #8, %[" #S_ "], asr #1\n\t"                                                 \
    "ssat %[" #D_ "], #8, %[" #D_ "]\n\t"
/* The M7's group tail for MF_NEG_CLAMPED layers (no sign correction, so no temporary): MF_PW1_PAIR's arithmetic for
 * both pairs interleaved, pair b's constants in wc, wd (m2, W) and, once pair a's multiplies have read theirs, e1, wc
 * (Ra, mult), so that each step issues beside one it does not feed (MF_PW1_PAIR's chain, one pair after the other,
 * left about 3 cycles a group unpaired); N/Z from W_b >> 8 as MF_DSP_PW_MORE's test there (wd); the four outputs
 * packed as two halfwords (BFI each) joined by PKHBT, two steps deep where MF_PW1_PACK4's chain of BFIs is three, x
 * stepped back beside the PKHBT (the store then pairs with the loop's branch). */
#define MF_PW1_TAIL7                                                                             \
    "ldr %[e1], [%[w], #16]\n\tsub %[ma], %[ma], %[sa]\n\t"                                     \
    "ldr %[wc], [%[w], #32]\n\tsub %[mb], %[mb], %[sb]\n\t"                                     \
    "smmlar %[sa], %[sa], %[e1], %[sa]\n\tldr %[e0], [%[w], #24]\n\t"                          \
    "smmlar %[sb], %[sb], %[wc], %[sb]\n\tldr %[wb], [%[w], #28]\n\t"                          \
    "smmla %[ma], %[ma], %[wb], %[e0]\n\tldr %[wa], [%[w], #20]\n\t"                           \
    "ldr %[e1], [%[w], #40]\n\tldr %[wc], [%[w], #44]\n\t"                                     \
    "smmla %[mb], %[mb], %[wc], %[e1]\n\tasr %[sa], %[sa], %[wa]\n\t"                          \
    "ldr %[wd], [%[w], #36]\n\tlsr %[wa], %[wa], #8\n\t"                                       \
    MF_PW1_K(sa) "asr %[sb], %[sb], %[wd]\n\t"                                                   \
    "asr %[ma], %[ma], %[wa]\n\tssat %[sa], #8, %[sa], asr #1\n\t"                              \
    "lsr %[wd], %[wd], #8\n\t" MF_PW1_K(sb)                                                      \
    "ssat %[ma], #8, %[ma]\n\tasr %[mb], %[mb], %[wd]\n\t"                                      \
    "bfi %[sa], %[ma], #8, #8\n\tssat %[sb], #8, %[sb], asr #1\n\t"                              \
    "ssat %[mb], #8, %[mb]\n\tadd %[w], %[w], #48\n\t"                                          \
    "bfi %[sb], %[mb], #8, #8\n\ttst %[wd], #" MF_DSP_PW_MORE "\n\t"                             \
    "sub %[x], %[x], #%c[nch] * %c[cs]\n\tpkhbt %[sa], %[sa], %[sb], lsl #16\n\t"
/* + 2 * out_offset + 1 (c, before its SSAT >> 1) */
#define MF_PW1_K(A_) ".if %c[k] >= 0\n\tadd %[" #A_ "], %[" #A_ "], #%c[k]\n\t.else\n\t"                \
    "sub %[" #A_ "], %[" #A_ "], #-%c[k]\n\t.endif\n\t"
MF_KERNEL void mf_dsp_pw_rows1(const int32_t *x16, const int32_t k4, const int8_t *w,
                               const int32_t out_offset, const int32_t act_min, const int32_t act_max, int8_t *out,
                               const int32_t xs)
{
    const int32_t nch = k4 / 4, lead = nch % 4;
    const int32_t *x = x16;
    const void *const xe = (const int8_t *)x16 + nch * 4 * xs;   /* x after the last pass */
    int32_t ma, sa, mb, sb, e0, e1, wa, wb, wc, wd;
    __asm__ volatile(
        "2:\n\t"
        "ldr %[ma], [%[w], #%c[rq]]\n\tldr %[sa], [%[w], #%c[rq] + 4]\n\t"   /* the starts (pw_consts) */
        "ldr %[mb], [%[w], #%c[rq] + 8]\n\tldr %[sb], [%[w], #%c[rq] + 12]\n\t"
#if defined(MF_TARGET_M7)
        "@ mf_pw1 M7\n\t"   /* (for tests reading gcc -S) */
        ".if %c[lead]\n\t" MF_PW1_LOAD7("0") MF_PW1_CHUNK7("0", "%c[lead] == 1")
        ".if %c[lead] > 1\n\t" MF_PW1_CHUNK7("1", "%c[lead] == 2") ".endif\n\t"
        ".if %c[lead] > 2\n\t" MF_PW1_CHUNK7("2", "1") ".endif\n\t.endif\n\t"
        ".if %c[loop]\n"
        "1:\n\t" MF_PW1_LOAD7("0") MF_PW1_CHUNK7("0", "0") MF_PW1_CHUNK7("1", "0") MF_PW1_CHUNK7("2", "0")
        MF_PW1_CHUNK7("3", "1") "cmp %[x], %[xe]\n\tbne 1b\n\t"
        ".endif\n\t"
#else
        ".if %c[lead] & 1\n\t" MF_PW1_CHUNK("0") ".endif\n\t"
        ".if %c[lead] & 2\n\t" MF_PW1_CHUNK("(%c[lead] & 1)") MF_PW1_CHUNK("(%c[lead] & 1) + 1") ".endif\n\t"
        ".if %c[lead]\n\tadd %[x], %[x], #%c[lead] * %c[cs]\n\tadd %[w], %[w], #%c[lead] * 16\n\t.endif\n\t"
        ".if %c[loop]\n"
        "1:\n\t" MF_PW1_CHUNK("0") MF_PW1_CHUNK("1") MF_PW1_CHUNK("2") MF_PW1_CHUNK("3")
        "add %[x], %[x], #4 * %c[cs]\n\tadd %[w], %[w], #64\n\tcmp %[x], %[xe]\n\tbne 1b\n\t"
        ".endif\n\t"
#endif
#if defined(MF_TARGET_M7)
        ".if 2 * (%c[lo]) + 1 >= %c[k]\n\t"   /* MF_NEG_CLAMPED(lo, out offset): MF_PW1_TAIL7 */
        MF_PW1_TAIL7
        ".else\n\t"
#endif
        "sub %[ma], %[ma], %[sa]\n\tsub %[mb], %[mb], %[sb]\n\t"
        MF_PW1_PAIR(sa, ma, 16) MF_PW1_PAIR(sb, mb, 32)   /* channels 0, 1; 2, 3 */
        "add %[w], %[w], #48\n\t"
        "tst %[wa], #" MF_DSP_PW_MORE "\n\t"
        MF_PW1_PACK4
#if defined(MF_TARGET_M7)
        "sub %[x], %[x], #%c[nch] * %c[cs]\n\t"
        ".endif\n\t"
        MF_PW1_CLAMP_ST
#else
        MF_PW1_CLAMP_ST
        "sub %[x], %[x], #%c[nch] * %c[cs]\n\t"
#endif
        "bne 2b"
        : [ma] "=&r"(ma), [sa] "=&r"(sa), [mb] "=&r"(mb), [sb] "=&r"(sb), [e0] "=&r"(e0), [e1] "=&r"(e1),
          [wa] "=&r"(wa), [wb] "=&r"(wb), [wc] "=&r"(wc), [wd] "=&r"(wd), [x] "+r"(x), [w] "+r"(w), [o] "+r"(out)
        : [xe] "r"(xe), [lead] "i"(lead), [loop] "i"(nch >= 4), [nch] "i"(nch), [cs] "i"(4 * xs), [rq] "i"(4 * k4),
          [xs] "i"(xs), [k] "i"(2 * out_offset + 1), [lo] "i"(act_min), [hi] "i"(act_max),
          [clo] "i"(act_min > -128), [chi] "i"(act_max < 127)
        : "cc", "memory");
}

/* The input pixel output pixel i (flat over batch, row, column) of an unpadded 1x1 layer reads: i itself when dense,
 * else at the strides (ic's stride-2 shortcut convolutions). */
MF_KERNEL const int8_t *mf_dsp_pw_pixel(const mf_conv2d_params_t *p, const int8_t *in, const int32_t i)
{
    if (p->stride_h == 1 && p->stride_w == 1 && p->in_h == p->out_h && p->in_w == p->out_w) return in + i * p->in_c;
    const int32_t per_image = p->out_h * p->out_w, b = i / per_image, r = i - b * per_image;
    const int32_t oy = r / p->out_w, ox = r - oy * p->out_w;
    return in + ((b * p->in_h + oy * p->stride_h) * p->in_w + ox * p->stride_w) * p->in_c;
}

/* A pixel pair of a layer whose windows take at most 16 chunks (in_c <= MF_CONV2D_PW_PAIR_MAX_IC: MF_DSP_PW_WINDOW's
 * unrolled "ini" form, no loop), all in one asm block: sp moved down by a frame that holds the pair's x16 (mf_dsp_mix_expand2's layout, 16 bytes
 * a chunk) and the out pointer's end, the two pixels widened into it (MF_PW_EXP4), then every group: its window read
 * sp-relative (MF_PW_X "sp": immediate offsets from a register that needs no reload), MF_DSP_PW_OUT4, both pixels'
 * words stored through the out pointer, which stays in a register (the x16 pointer's, free here); sp restored at the
 * end. The x16 data lie above sp, so an exception's stacking cannot reach them. The pixel pointers and the out end
 * enter in accumulators' registers (ma0, ma1, mb0), overwritten by the window's first SMUADs once consumed. */
#define MF_PW_EXPLD(J_, U_, V_)                                                                  \
    ".if " J_ " < %c[nch]\n\tldr %[" U_ "], [%[ma0], #4 * " J_ "]\n\tldr %[" V_ "], [%[ma1], #4 * " J_ "]\n\t.endif\n\t"
#define MF_PW_EXPST(J_, U_, V_)                                                                  \
    ".if " J_ " < %c[nch]\n\t"                                                                   \
    "sxtb16 %[mb1], %[" U_ "]\n\tstr %[mb1], [sp, #16 * " J_ "]\n\t"                              \
    "sxtb16 %[mb1], %[" V_ "]\n\tstr %[mb1], [sp, #16 * " J_ " + 4]\n\t"                          \
    "sxtb16 %[" U_ "], %[" U_ "], ror #8\n\tstr %[" U_ "], [sp, #16 * " J_ " + 8]\n\t"            \
    "sxtb16 %[" V_ "], %[" V_ "], ror #8\n\tstr %[" V_ "], [sp, #16 * " J_ " + 12]\n\t.endif\n\t"
/* chunks J_ .. J_ + 3 (those below nch) of both pixels: their loads in one chain, then the SXTB16s and stores */
#define MF_PW_EXP4(J_)                                                                           \
    MF_PW_EXPLD("(" J_ ")", "e0", "e1") MF_PW_EXPLD("(" J_ " + 1)", "wa", "wb")                   \
    MF_PW_EXPLD("(" J_ " + 2)", "sa0", "sa1") MF_PW_EXPLD("(" J_ " + 3)", "sb0", "sb1")           \
    MF_PW_EXPST("(" J_ ")", "e0", "e1") MF_PW_EXPST("(" J_ " + 1)", "wa", "wb")                   \
    MF_PW_EXPST("(" J_ " + 2)", "sa0", "sa1") MF_PW_EXPST("(" J_ " + 3)", "sb0", "sb1")
MF_KERNEL void mf_dsp_pw_pair(const int8_t *pa, const int8_t *pb, const int32_t k4, const int8_t *w,
                              const int32_t n_out, const int32_t out_offset, const int32_t act_min,
                              const int32_t act_max, int8_t *o)
{
    const int32_t nch = k4 / 4;
    int32_t ma0 = (int32_t)(uintptr_t)pa, ma1 = (int32_t)(uintptr_t)pb;
    int32_t mb0, mb1, sa0, sa1, sb0, sb1, e0, e1, wa, wb;
#undef MF_PW_X
#define MF_PW_X "sp"
#undef MF_PW_CB
#define MF_PW_CB "16 * %c[nch]"
#if defined(MF_TARGET_M7)
#define MF_PW_WIN_CHUNK(J_) ".if " #J_ " < %c[nch]\n\t" MF_PW7_CHUNK(16 * J_) ".endif\n\t"
#define MF_PW_WIN_HEAD MF_PW7_HALF0 MF_PW7_HALF(8, MF_PW_SMLAD)
#else
#define MF_PW_WIN_CHUNK(J_) ".if " #J_ " < %c[nch]\n\t" MF_DSP_MIX_CHUNK(16 * J_) ".endif\n\t"
#define MF_PW_WIN_HEAD MF_DSP_PW_HALF0(0) MF_DSP_MIX_HALF(8)
#endif
    __asm__ volatile(
        "sub sp, sp, #%c[fr]\n\t"
        MF_PW_EXP4("0") ".if %c[nch] > 4\n\t" MF_PW_EXP4("4") ".endif\n\t"
        ".if %c[nch] > 8\n\t" MF_PW_EXP4("8") ".endif\n\t" ".if %c[nch] > 12\n\t" MF_PW_EXP4("12") ".endif\n\t"
        "2:\n\t" MF_PW_WIN_HEAD MF_PW_WIN_CHUNK(1) MF_PW_WIN_CHUNK(2) MF_PW_WIN_CHUNK(3) MF_PW_WIN_CHUNK(4)
        MF_PW_WIN_CHUNK(5) MF_PW_WIN_CHUNK(6) MF_PW_WIN_CHUNK(7) MF_PW_WIN_CHUNK(8) MF_PW_WIN_CHUNK(9)
        MF_PW_WIN_CHUNK(10) MF_PW_WIN_CHUNK(11) MF_PW_WIN_CHUNK(12) MF_PW_WIN_CHUNK(13) MF_PW_WIN_CHUNK(14) MF_PW_WIN_CHUNK(15)
        MF_DSP_PW_OUT4("")
        "str %[sa1], [%[o], #%c[oc]]\n\tstr %[sa0], [%[o]], #4\n\t"
        "bmi 2b\n\t"
        "add sp, sp, #%c[fr]"
        : [ma0] "+r"(ma0), [ma1] "+r"(ma1), [mb0] "=&r"(mb0), [mb1] "=&r"(mb1),
          [sa0] "=&r"(sa0), [sa1] "=&r"(sa1), [sb0] "=&r"(sb0), [sb1] "=&r"(sb1),
          [e0] "=&r"(e0), [e1] "=&r"(e1), [wa] "=&r"(wa), [wb] "=&r"(wb), [w] "+r"(w), [o] "+r"(o)
        : [nch] "i"(nch), [fr] "i"((4 * k4 + 4 + 7) & ~7), [oc] "i"(n_out), [rq] "i"(4 * k4),
          [k] "i"(2 * out_offset + 1), [lo] "i"(act_min), [hi] "i"(act_max),
          [clo] "i"(act_min > -128), [chi] "i"(act_max < 127)
        : "cc", "memory");
#undef MF_PW_WIN_CHUNK
#undef MF_PW_WIN_HEAD
#undef MF_PW_X
#define MF_PW_X "%[x]"
#undef MF_PW_CB
#define MF_PW_CB "0"
}

MF_KERNEL void mf_conv2d_s8_pw(const mf_conv2d_params_t *p, const int8_t *in, int8_t *out, int8_t *buf)
{
    const int32_t oc = p->out_c, k4 = p->in_c;
    const int32_t n_pix = p->batches * p->out_h * p->out_w, nch = k4 / 4;
    /* up to 16 chunks: mf_dsp_pw_pair; more: the first chunk (ini: the group's starts), then (nch - 1) % 8 leading
     * chunks as .if picks, then passes of 8 until the sentinel (MF_DSP_PW_WINDOW_M4) */
    const int32_t ini = 1, r = (nch - 1) % 8;
    const int32_t one = (r & 1) != 0, two = (r & 2) != 0, four = (r & 4) != 0, lead = ini + r;
    int32_t *x16 = (int32_t *)buf;
    x16[k4] = (int32_t)0x80808080;   /* the window loop's end (as in mf_dsp_mix_rows) */
    for (int32_t i = 0; i < n_pix; i += 2) {
        if (n_pix - i == 1) {
            mf_dsp_mix_expand2(x16, mf_dsp_pw_pixel(p, in, i), mf_dsp_pw_pixel(p, in, i), k4);
            mf_dsp_pw_rows1(x16, k4, p->weights, p->out_offset, p->act_min, p->act_max, out + i * oc, 4);
            break;
        }
        if (k4 <= MF_CONV2D_PW_PAIR_MAX_IC) {
            mf_dsp_pw_pair(mf_dsp_pw_pixel(p, in, i), mf_dsp_pw_pixel(p, in, i + 1), k4, p->weights, oc, p->out_offset,
                           p->act_min, p->act_max, out + i * oc);
            continue;
        }
        mf_dsp_mix_expand2(x16, mf_dsp_pw_pixel(p, in, i), mf_dsp_pw_pixel(p, in, i + 1), k4);
        x16[k4 + 1] = (int32_t)(uintptr_t)(out + i * oc);   /* pixel 0's next group; pixel 1's is oc further */
        int32_t ma0, ma1, mb0, mb1, sa0, sa1, sb0, sb1, e0, e1, wa, wb;
        const int32_t *x = x16;
        const int8_t *w = p->weights;
        __asm__ volatile(
            "2:\n\t" MF_DSP_PW_WINDOW
            MF_DSP_PW_OUT4("ldr %[ma0], [%[x], #4]\n\t")
            "str %[sa1], [%[ma0], #%c[oc]]\n\tstr %[sa0], [%[ma0]], #4\n\tsub %[x], %[x], #4 * %c[k4]\n\t"
            "str %[ma0], [%[x], #4 * %c[k4] + 4]\n\t"
            "bmi 2b"
            : [ma0] "=&r"(ma0), [ma1] "=&r"(ma1), [mb0] "=&r"(mb0), [mb1] "=&r"(mb1),
              [sa0] "=&r"(sa0), [sa1] "=&r"(sa1), [sb0] "=&r"(sb0), [sb1] "=&r"(sb1),
              [e0] "=&r"(e0), [e1] "=&r"(e1), [wa] "=&r"(wa), [wb] "=&r"(wb), [x] "+r"(x), [w] "+r"(w)
            : [ini] "i"(ini), [one] "i"(one), [two] "i"(two), [four] "i"(four), [lead] "i"(lead), [oc] "i"(oc), [loop] "i"(nch > lead), [k4] "i"(k4), [rq] "i"(4 * k4),
              [k] "i"(2 * p->out_offset + 1), [lo] "i"(p->act_min), [hi] "i"(p->act_max),
              [clo] "i"(p->act_min > -128), [chi] "i"(p->act_max < 127)
            : "cc", "memory");
    }
}

/* ---- unpadded 1x1 convolutions in quads of pixels on channel pairs (mix = 7) ------------------------------------
 * Chosen by ops/conv2d.py (pw4_layout) instead of mf_conv2d_s8_pw, for
 * unpadded 1x1 layers (any stride) that mf_conv2d_s8_pw takes, with in_c <= MF_CONV2D_PW4_MAX_IC and n_pix % 4 == 0
 * (on the M4/M33 also other pixel counts with in_c <= MF_CONV2D_PW_PAIR_MAX_IC: the last n_pix % 4 pixels one at a
 * time, mf_dsp_pw4_rows1).
 * The same mixed weights and constants as the pw stream (pw_consts), each mixed channel pair (c, c') on its own: its
 * 2 * in_c weight bytes (per 4-byte chunk the even values' word, then the odd ones') then its 6 constants (Bm, Bs, m2,
 * W, Ra, mult; W's bit 31 set when another pair follows). A block is 4 pixels x 1 pair: 8 accumulators (ma, sa per
 * pixel), each half chunk one chain of 5 loads (the 4 pixels' x16 words and the pair's weight word), 8 SMLADs and one
 * SXTB16: the 15 cycles a half of mf_dsp_pw_pair's 2 pixels x 4 channels on the M4, but each pair's constants serve 4
 * pixels, not 2: the requantisation (MF_DSP_RQ2 for c, MF_DSP_RQD_REGS_E for c': the pw stream's arithmetic, exact as
 * mf_conv2d_s8_pw is) loads 4 constants and the out pointer in one chain, and the 8 outputs go out as 4 halfwords (c'
 * packed over c by BFI): 52 cycles per 8 outputs instead of 58, the window's first half 2 cycles less. The 4 pixels
 * are widened into a frame below sp (32 bytes a chunk: the 4 even words, then the 4 odd ones; the out pointer after
 * them) and read sp-relative, unrolled (32 chunks at most: no window loop, whose pass checks cost mf_conv2d_s8_pw's
 * in_c 128 layers about 5 cycles per 8 chunks; about 3.5 KB of code a layer there). The M7 has its own schedule
 * (below: 8 cycles a half, as its pair blocks, whose dual issue the M4 chains would not keep). The pair blocks' lone
 * pixel (mf_dsp_pw_rows1) needs their group stream, and a C loop for the last pixels, or a quad over copies of them,
 * cost more than the quads save (vww's 9-pixel 128 -> 256 layer +9%, +25%): other pixel counts take the quads on the
 * M4/M33 only, their last pixels through mf_dsp_pw4_rows1 (as fast as mf_dsp_pw_rows1). All 4 pixels of a quad
 * are read before any of its outputs is written and quads go in pixel order: the write order contract of the other
 * paths (ops/conv2d.py overlap_lead) holds. */
#define MF_CONV2D_PW4_MAX_IC 128   /* widest in_c (32 chunks unrolled; ops/conv2d.py PW4_MAX_IC) */
/* The quads' window, both cores' schedules: each of the 32 chunks widened (E) and MAC'd (C; chunk 0 is the
   HEAD), the .if of each keeping only the layer's in_c / 4 */
#define MF_PW4_EACH_EXP(E) E("0") E("1") E("2") E("3") E("4") E("5") E("6") E("7") E("8") E("9") E("10") E("11") \
    E("12") E("13") E("14") E("15") E("16") E("17") E("18") E("19") E("20") E("21") E("22") E("23") E("24") \
    E("25") E("26") E("27") E("28") E("29") E("30") E("31")
#define MF_PW4_EACH_CHUNK(C) C(1) C(2) C(3) C(4) C(5) C(6) C(7) C(8) C(9) C(10) C(11) C(12) C(13) C(14) C(15) \
    C(16) C(17) C(18) C(19) C(20) C(21) C(22) C(23) C(24) C(25) C(26) C(27) C(28) C(29) C(30) C(31)
/* Chunk J_ (those below nch) of the 4 pixels (pointers in ma0 .. ma3; with ps, the M4/M33's quad loop, pixel p at
 * ma0 + p * ps) widened into the frame. */
#define MF_PW4_EXP(J_)                                                                           \
    ".if " J_ " < %c[nch]\n\t"                                                                   \
    ".if %c[ps]\n\t"                                                                             \
    "ldr %[x0], [%[ma0], #4 * " J_ "]\n\tldr %[x1], [%[ma0], #%c[ps] + 4 * " J_ "]\n\t"           \
    "ldr %[x2], [%[ma0], #2 * %c[ps] + 4 * " J_ "]\n\tldr %[x3], [%[ma0], #3 * %c[ps] + 4 * " J_ "]\n\t" \
    ".else\n\t"                                                                                  \
    "ldr %[x0], [%[ma0], #4 * " J_ "]\n\tldr %[x1], [%[ma1], #4 * " J_ "]\n\t"                    \
    "ldr %[x2], [%[ma2], #4 * " J_ "]\n\tldr %[x3], [%[ma3], #4 * " J_ "]\n\t"                    \
    ".endif\n\t"                                                                                 \
    "sxtb16 %[wa], %[x0]\n\tstr %[wa], [sp, #32 * " J_ "]\n\t"                                   \
    "sxtb16 %[wa], %[x1]\n\tstr %[wa], [sp, #32 * " J_ " + 4]\n\t"                               \
    "sxtb16 %[wa], %[x2]\n\tstr %[wa], [sp, #32 * " J_ " + 8]\n\t"                               \
    "sxtb16 %[wa], %[x3]\n\tstr %[wa], [sp, #32 * " J_ " + 12]\n\t"                              \
    "sxtb16 %[x0], %[x0], ror #8\n\tstr %[x0], [sp, #32 * " J_ " + 16]\n\t"                       \
    "sxtb16 %[x1], %[x1], ror #8\n\tstr %[x1], [sp, #32 * " J_ " + 20]\n\t"                       \
    "sxtb16 %[x2], %[x2], ror #8\n\tstr %[x2], [sp, #32 * " J_ " + 24]\n\t"                       \
    "sxtb16 %[x3], %[x3], ror #8\n\tstr %[x3], [sp, #32 * " J_ " + 28]\n\t"                       \
    ".endif\n\t"
/* The 4 pixels' words at frame byte X_ and the pair's weight word at byte W_: ma += x.w (w as read: 256 * w_c' + w_c
 * per lane), then sa += x.w_c (its SXTB16). */
#define MF_PW4_MACS(OP_, M_, S_)                                                                 \
    OP_(ma1, x1, wa, M_) OP_(ma2, x2, wa, M_) OP_(ma3, x3, wa, M_) OP_(ma0, x0, wa, M_)            \
    "sxtb16 %[wa], %[wa]\n\t"                                                                    \
    OP_(sa1, x1, wa, S_) OP_(sa2, x2, wa, S_) OP_(sa3, x3, wa, S_) OP_(sa0, x0, wa, S_)
#define MF_PW4_SMLAD(A_, X_, W_, B_) "smlad %[" #A_ "], %[" #X_ "], %[" #W_ "], %[" #B_ "]\n\t"
#define MF_PW4_ACC(A_, X_, W_, B_) MF_PW4_SMLAD(A_, X_, W_, A_)
/* The M4/M33's quads: w runs 4 bytes below the pair (MF_PW4_WB), and the load of mult, last in the tail's chain, steps
   it to the next pair's (a writeback LDR reaches 255 bytes); with 2 * k4 + 24 > 255 a weight word's load, at byte 128,
   steps it by MF_PW4_WD = 132 first (the last in its half's chain too: LDR pipelining has no load after a writeback one),
   and the bytes after it are read 132 lower: no ADD a pair (gas: a true comparison is -1) */
#define MF_PW4_WB "4"
#define MF_PW4_WD "(-132 * (%c[rq] + 24 > 255))"
#define MF_PW4_LD(X_, W_)                                                                        \
    "ldr %[x0], [sp, #" X_ "]\n\tldr %[x1], [sp, #" X_ " + 4]\n\t"                                \
    "ldr %[x2], [sp, #" X_ " + 8]\n\tldr %[x3], [sp, #" X_ " + 12]\n\t"                           \
    ".if " MF_PW4_WD " && (" W_ ") == 128\n\tldr %[wa], [%[w], #" MF_PW4_WD "]!\n\t.else\n\t"                    \
    "ldr %[wa], [%[w], #(" W_ ") + " MF_PW4_WB " + " MF_PW4_WD " * ((" W_ ") > 128)]\n\t.endif\n\t"
#define MF_PW4_HALF(X_, W_) MF_PW4_LD(X_, W_) MF_PW4_MACS(MF_PW4_ACC, ma0, sa0)
/* The window's first half: the pair's start values (Bm, Bs) loaded into ma0, sa0 in the same chain, the other pixels'
 * accumulators started from them before pixel 0's accumulates into itself (no bias adds). */
#define MF_PW4_HEAD                                                                              \
    MF_PW4_LD("0", "0") "ldr %[ma0], [%[w], #%c[rq] + " MF_PW4_WB "]\n\tldr %[sa0], [%[w], #%c[rq] + 4 + " MF_PW4_WB "]\n\t" \
    MF_PW4_MACS(MF_PW4_SMLAD, ma0, sa0) MF_PW4_HALF("16", "4")
#define MF_PW4_CHUNK(J_) ".if " #J_ " < %c[nch]\n\t" MF_PW4_HALF("32 * " #J_, "8 * " #J_)             \
    MF_PW4_HALF("32 * " #J_ " + 16", "8 * " #J_ " + 4") ".endif\n\t"
#if defined(MF_TARGET_M7)
/* The M7's quads (dual issue: every load and SXTB16 beside an SMLAD, 8 cycles a half chunk as mf_dsp_pw_pair's; with
 * the requantisation below, 88 cycles per pair of an in_c 16 quad, loop branch in, against mf_dsp_pw_pair's 95 per
 * group of a pixel pair: the same 8 outputs and MACs; vww's in_c 16 .. 128 layers 1.4-5.4% fewer cycles, MobileNetV2's
 * 16 -> 8 7.0%). The
 * pair's raw weight word (wa) and its SXTB16 (ws) in two registers let each pixel's two SMLADs (ma, then sa) follow each
 * other, so one register (x) holds the pixels' words in turn, each loaded beside the SMLAD before its first read: 12
 * registers for the window, the out pointer (o) and a spare for the requantisation's constants stay in registers. A half
 * at frame byte X_ enters with pixel 0's word in x and its raw weight word in wa, and leaves the next half's (frame byte
 * XN_, weight byte WN_) there; the window's last half (L_ true) instead loads the requantisation's m2 and W into x and
 * wa, and puts pixels 0 and 1's c' subtractions (ma - sa, final there) beside its two SMLADs that had no partner: 2
 * cycles a pair less (vww's in_c 16 layer 215.0K -> 210.4K, its M7 1x1 layers 21.4K in all). */
#define MF_PW47_HALF(X_, XN_, WN_, L_)                                                           \
    "smlad %[ma0], %[x], %[wa], %[ma0]\n\tsxtb16 %[ws], %[wa]\n\t"                                \
    "smlad %[sa0], %[x], %[ws], %[sa0]\n\tldr %[x], [sp, #" X_ " + 4]\n\t"                        \
    "smlad %[ma1], %[x], %[wa], %[ma1]\n\t"                                                      \
    ".if " L_ "\n\tsub %[ma0], %[ma0], %[sa0]\n\t.endif\n\t"                                     \
    "smlad %[sa1], %[x], %[ws], %[sa1]\n\tldr %[x], [sp, #" X_ " + 8]\n\t"                        \
    "smlad %[ma2], %[x], %[wa], %[ma2]\n\t"                                                      \
    ".if " L_ "\n\tsub %[ma1], %[ma1], %[sa1]\n\t.endif\n\t"                                     \
    "smlad %[sa2], %[x], %[ws], %[sa2]\n\tldr %[x], [sp, #" X_ " + 12]\n\t"                       \
    "smlad %[ma3], %[x], %[wa], %[ma3]\n\t"                                                      \
    ".if " L_ "\n\tldr %[wa], [%[w], #%c[rq] + 12 + %c[wb]]\n\t.else\n\t"                          \
    "ldr %[wa], [%[w], #" WN_ " + %c[wb]]\n\t.endif\n\t"                                          \
    "smlad %[sa3], %[x], %[ws], %[sa3]\n\t"                                                      \
    ".if " L_ "\n\tldr %[x], [%[w], #%c[rq] + 8 + %c[wb]]\n\t.else\n\tldr %[x], [sp, #" XN_ "]\n\t.endif\n\t"
/* The window's first half: the pair's start values in ma0 (Bm) and sa0 (Bs); pixels 1..3 start from them, then pixel 0
 * accumulates into them. */
#define MF_PW47_HEAD                                                                             \
    "ldr %[x], [sp, #4]\n\tldr %[wa], [%[w], #%c[wb]]\n\t"                                                \
    "ldr %[ma0], [%[w], #%c[rq] + %c[wb]]\n\tldr %[sa0], [%[w], #%c[rq] + 4 + %c[wb]]\n\t"                          \
    "smlad %[ma1], %[x], %[wa], %[ma0]\n\tsxtb16 %[ws], %[wa]\n\t"                                \
    "smlad %[sa1], %[x], %[ws], %[sa0]\n\tldr %[x], [sp, #8]\n\t"                                 \
    "smlad %[ma2], %[x], %[wa], %[ma0]\n\t"                                                      \
    "smlad %[sa2], %[x], %[ws], %[sa0]\n\tldr %[x], [sp, #12]\n\t"                                \
    "smlad %[ma3], %[x], %[wa], %[ma0]\n\t"                                                      \
    "smlad %[sa3], %[x], %[ws], %[sa0]\n\tldr %[x], [sp]\n\t"                                     \
    "smlad %[ma0], %[x], %[wa], %[ma0]\n\tldr %[wa], [%[w], #4 + %c[wb]]\n\t"                              \
    "smlad %[sa0], %[x], %[ws], %[sa0]\n\tldr %[x], [sp, #16]\n\t"                                \
    MF_PW47_HALF("16", "32", "8", "%c[nch] == 1")
#define MF_PW47_CHUNK(J_) ".if " #J_ " < %c[nch]\n\t"                                             \
    MF_PW47_HALF("32 * " #J_, "32 * " #J_ " + 16", "8 * " #J_ " + 4", "0")                        \
    MF_PW47_HALF("32 * " #J_ " + 16", "32 * " #J_ " + 32", "8 * " #J_ " + 8", #J_ " + 1 == %c[nch]") ".endif\n\t"
/* Chunk J_ (those below nch) of the 4 pixels (pointers in ma0 .. ma3) widened into the frame (MF_PW4_EXP's layout),
 * each SXTB16 paired with the store before it. */
/* The requantisation (mf_dsp_pw4_quad's arithmetic, M4 below: c from sa by SMMLAR with m2, >> -shift-1, + 2 * out_offset
 * + 1, SSAT >> 1; c' from ma - sa by SMMLA with mult and Ra, >> e + 7, SSAT) ordered for dual issue: no two of its 8
 * multiplies side by side, each beside an ALU instruction of another output. m2 in x, W in wa (loaded by the window's
 * last half, MF_PW47_HALF), Ra to ws, mult to t; pixels 2 and 3's ma - sa here (0 and 1's in the window);
 * c''s Ra - 128 for a negative accumulator (unless MF_NEG_CLAMPED) built in x once c's multiplies have read m2. N is
 * left set when another pair follows (W's bit 31, ASRS). With 2 * k4 + 24 <= 255 (the reach of a writeback LDR's
 * immediate) w runs wb = 4 bytes below the pair and the load of mult steps it to the next pair's (less 4): no ADD, and
 * the last store pairs with the loop's branch. */
#define MF_PW47_RQ                                                                               \
    ".if %c[wb]\n\tldr %[ws], [%[w], #%c[rq] + 20]\n\tldr %[t], [%[w], #%c[rq] + 24]!\n\t"   /* w: the next pair, less 4 */ \
    ".else\n\tldr %[ws], [%[w], #%c[rq] + 16]\n\tldr %[t], [%[w], #%c[rq] + 20]\n\t.endif\n\t"                       \
    "smmlar %[sa0], %[sa0], %[x], %[sa0]\n\tsub %[ma2], %[ma2], %[sa2]\n\t"   /* 256 times c''s accumulators */ \
    "smmlar %[sa1], %[sa1], %[x], %[sa1]\n\tsub %[ma3], %[ma3], %[sa3]\n\t"                       \
    ".if 2 * (%c[lo]) + 1 < %c[k]\n\t"   /* not MF_NEG_CLAMPED(lo, out offset) */                  \
    "smmlar %[sa2], %[sa2], %[x], %[sa2]\n\tadd %[sa0], %[sa0], %[sa0], asr #31\n\t"              \
    "smmlar %[sa3], %[sa3], %[x], %[sa3]\n\tadd %[sa1], %[sa1], %[sa1], asr #31\n\t"              \
    "asr %[x], %[ma0], #31\n\tadd %[sa2], %[sa2], %[sa2], asr #31\n\t"                            \
    "add %[x], %[ws], %[x], lsl #7\n\tadd %[sa3], %[sa3], %[sa3], asr #31\n\t"                    \
    "smmla %[ma0], %[ma0], %[t], %[x]\n\tasr %[sa0], %[sa0], %[wa]\n\t"                           \
    "asr %[x], %[ma1], #31\n\tasr %[sa1], %[sa1], %[wa]\n\t"                                      \
    "add %[x], %[ws], %[x], lsl #7\n\tasr %[sa2], %[sa2], %[wa]\n\t"                              \
    "smmla %[ma1], %[ma1], %[t], %[x]\n\tasr %[sa3], %[sa3], %[wa]\n\t"                           \
    "asr %[x], %[ma2], #31\n\t" MF_PW47_K(sa0)                                                    \
    "add %[x], %[ws], %[x], lsl #7\n\t" MF_PW47_K(sa1)                                            \
    "smmla %[ma2], %[ma2], %[t], %[x]\n\t" MF_PW47_K(sa2)                                         \
    "asr %[x], %[ma3], #31\n\t" MF_PW47_K(sa3)                                                    \
    "add %[x], %[ws], %[x], lsl #7\n\tasrs %[wa], %[wa], #8\n\t"                                  \
    "smmla %[ma3], %[ma3], %[t], %[x]\n\tssat %[sa0], #8, %[sa0], asr #1\n\t"                     \
    ".else\n\t"                                                                                  \
    "smmlar %[sa2], %[sa2], %[x], %[sa2]\n\tasr %[sa0], %[sa0], %[wa]\n\t"                        \
    "smmlar %[sa3], %[sa3], %[x], %[sa3]\n\tasr %[sa1], %[sa1], %[wa]\n\t"                        \
    "smmla %[ma0], %[ma0], %[t], %[ws]\n\tasr %[sa2], %[sa2], %[wa]\n\t"                          \
    "smmla %[ma1], %[ma1], %[t], %[ws]\n\tasr %[sa3], %[sa3], %[wa]\n\t"                          \
    "smmla %[ma2], %[ma2], %[t], %[ws]\n\t" MF_PW47_K(sa0)                                        \
    "smmla %[ma3], %[ma3], %[t], %[ws]\n\t" MF_PW47_K(sa1)                                        \
    "asrs %[wa], %[wa], #8\n\t" MF_PW47_K(sa2)                                                    \
    MF_PW47_K(sa3) "ssat %[sa0], #8, %[sa0], asr #1\n\t"                                          \
    ".endif\n\t"                                                                                 \
    "asr %[ma0], %[ma0], %[wa]\n\tasr %[ma1], %[ma1], %[wa]\n\t"                                  \
    "asr %[ma2], %[ma2], %[wa]\n\tssat %[sa1], #8, %[sa1], asr #1\n\t"                            \
    "asr %[ma3], %[ma3], %[wa]\n\tssat %[sa2], #8, %[sa2], asr #1\n\t"                            \
    "ssat %[sa3], #8, %[sa3], asr #1\n\tssat %[ma0], #8, %[ma0]\n\t"                              \
    "ssat %[ma1], #8, %[ma1]\n\tssat %[ma2], #8, %[ma2]\n\t"                                      \
    "ssat %[ma3], #8, %[ma3]\n\tbfi %[sa0], %[ma0], #8, #8\n\t"
/* + 2 * out_offset + 1 (c, before its SSAT >> 1) */
#define MF_PW47_K(A_) ".if %c[k] >= 0\n\tadd %[" #A_ "], %[" #A_ "], #%c[k]\n\t.else\n\t"               \
    "sub %[" #A_ "], %[" #A_ "], #-%c[k]\n\t.endif\n\t"
/* Pixel I_'s halfword (sa_I_) clamped 4 bytes at a time when the activation is tighter than int8 (x: the replicated
 * bound, ws: SSUB8's unused difference) */
#define MF_PW47_CLAMP(I_)                                                                        \
    ".if %c[clo]\n\tmov %[x], #((%c[lo]) & 0xff) * 0x01010101\n\t"                                \
    "ssub8 %[ws], %[sa" I_ "], %[x]\n\tsel %[sa" I_ "], %[sa" I_ "], %[x]\n\t.endif\n\t"           \
    ".if %c[chi]\n\tmov %[x], #((%c[hi]) & 0xff) * 0x01010101\n\t"                                \
    "ssub8 %[ws], %[x], %[sa" I_ "]\n\tsel %[sa" I_ "], %[sa" I_ "], %[x]\n\t.endif\n\t"
/* The 4 pixels' halfwords stored (pixel 0's through o, stepped by 2 for the next pair; the others oc, 2 oc, 3 oc further),
 * each store beside a BFI or a clamp of the next; w stepped to the next pair by an ADD only when the load of mult could
 * not (wb 0, below) */
#define MF_PW47_STORE                                                                            \
    ".if %c[clo] || %c[chi]\n\t"                                                                 \
    MF_PW47_CLAMP("0") "bfi %[sa1], %[ma1], #8, #8\n\tstrh %[sa0], [%[o]], #2\n\t"                \
    MF_PW47_CLAMP("1") "bfi %[sa2], %[ma2], #8, #8\n\tstrh %[sa1], [%[o], #%c[oc] - 2]\n\t"        \
    MF_PW47_CLAMP("2") "bfi %[sa3], %[ma3], #8, #8\n\tstrh %[sa2], [%[o], #2 * %c[oc] - 2]\n\t"    \
    MF_PW47_CLAMP("3") ".if %c[wb] == 0\n\tadd %[w], %[w], #%c[rq] + 24\n\t.endif\n\tstrh %[sa3], [%[o], #3 * %c[oc] - 2]\n\t"  \
    ".else\n\t"                                                                                  \
    "bfi %[sa1], %[ma1], #8, #8\n\tstrh %[sa0], [%[o]], #2\n\t"                                   \
    "bfi %[sa2], %[ma2], #8, #8\n\tstrh %[sa1], [%[o], #%c[oc] - 2]\n\t"                          \
    "bfi %[sa3], %[ma3], #8, #8\n\tstrh %[sa2], [%[o], #2 * %c[oc] - 2]\n\t"                      \
    ".if %c[wb] == 0\n\tadd %[w], %[w], #%c[rq] + 24\n\t.endif\n\tstrh %[sa3], [%[o], #3 * %c[oc] - 2]\n\t"                    \
    ".endif\n\t"
#define MF_PW47_EXP(J_)                                                                          \
    ".if " J_ " < %c[nch]\n\t"                                                                   \
    "ldr %[sa0], [%[ma0], #4 * " J_ "]\n\tldr %[sa1], [%[ma1], #4 * " J_ "]\n\t"                  \
    "ldr %[sa2], [%[ma2], #4 * " J_ "]\n\tldr %[sa3], [%[ma3], #4 * " J_ "]\n\t"                  \
    "sxtb16 %[x], %[sa0]\n\tsxtb16 %[wa], %[sa1]\n\t"                                            \
    "str %[x], [sp, #32 * " J_ "]\n\tsxtb16 %[ws], %[sa2]\n\t"                                   \
    "str %[wa], [sp, #32 * " J_ " + 4]\n\tsxtb16 %[t], %[sa3]\n\t"                               \
    "str %[ws], [sp, #32 * " J_ " + 8]\n\tsxtb16 %[sa0], %[sa0], ror #8\n\t"                     \
    "str %[t], [sp, #32 * " J_ " + 12]\n\tsxtb16 %[sa1], %[sa1], ror #8\n\t"                     \
    "str %[sa0], [sp, #32 * " J_ " + 16]\n\tsxtb16 %[sa2], %[sa2], ror #8\n\t"                   \
    "str %[sa1], [sp, #32 * " J_ " + 20]\n\tsxtb16 %[sa3], %[sa3], ror #8\n\t"                   \
    "str %[sa2], [sp, #32 * " J_ " + 24]\n\tstr %[sa3], [sp, #32 * " J_ " + 28]\n\t"               \
    ".endif\n\t"
MF_KERNEL void mf_dsp_pw4_quad(const int8_t *const px[4], const int32_t k4, const int8_t *w, const int32_t n_out,
                               const int32_t out_offset, const int32_t act_min, const int32_t act_max, int8_t *o,
                               const int32_t sm)
{
    (void)sm;   /* 0: ops/conv2d.py pw4_shift_mask takes the immediate shifts on the M4/M33 only */
    int32_t ma0 = (int32_t)(uintptr_t)px[0], ma1 = (int32_t)(uintptr_t)px[1];
    int32_t ma2 = (int32_t)(uintptr_t)px[2], ma3 = (int32_t)(uintptr_t)px[3];
    int32_t sa0, sa1, sa2, sa3, x, wa, ws, t;
    __asm__ volatile(
        "sub sp, sp, #%c[fr]\n\t"
        MF_PW4_EACH_EXP(MF_PW47_EXP)
        ".if %c[wb]\n\tsub %[w], %[w], #4\n\t.endif\n"
        "2:\n\t@ mf_dsp_pw4_quad M7\n\t" MF_PW47_HEAD MF_PW4_EACH_CHUNK(MF_PW47_CHUNK)
        MF_PW47_RQ MF_PW47_STORE
        "bmi 2b\n\t"
        "add sp, sp, #%c[fr]"
        : [ma0] "+r"(ma0), [ma1] "+r"(ma1), [ma2] "+r"(ma2), [ma3] "+r"(ma3), [sa0] "=&r"(sa0), [sa1] "=&r"(sa1),
          [sa2] "=&r"(sa2), [sa3] "=&r"(sa3), [x] "=&r"(x), [wa] "=&r"(wa), [ws] "=&r"(ws), [t] "=&r"(t),
          [w] "+r"(w), [o] "+r"(o)
        : [nch] "i"(k4 / 4), [fr] "i"(8 * k4 + 8), [oc] "i"(n_out), [rq] "i"(2 * k4),
          [wb] "i"(2 * k4 + 24 <= 255 ? 4 : 0),
          [k] "i"(2 * out_offset + 1), [lo] "i"(act_min), [hi] "i"(act_max),
          [clo] "i"(act_min > -128), [chi] "i"(act_max < 127)
        : "cc", "memory");
}
#undef MF_PW47_HALF
#undef MF_PW47_HEAD
#undef MF_PW47_CHUNK
#undef MF_PW47_EXP
#undef MF_PW47_RQ
#undef MF_PW47_K
#undef MF_PW47_CLAMP
#undef MF_PW47_STORE
#else
/* The M4/M33 tail with its shifts as immediates (sm != 0: ops/conv2d.py pw4_shift_mask, params field c1_shifts: per
 * combination (e, e') of a pair's -shift-1 for c and c' that the layer has, bit 4 * (e - b) + (e' - b'), b and b' the
 * least in bits 16 .. 19 and 20 .. 23, the most common combination's bit number in 24 .. 27, the last pair's in
 * 28 .. 31): the multiplies as in the register form (SMMLAR for c, SUB and SMMLA for c'), then a copy of the rest per
 * combination: c as (X + k * 2^e) >> (e + 1) in one SSAT after one ADD (k = 2 * out_offset + 1; floor((floor(X / 2^e) +
 * k) / 2) is that, adding a multiple of 2^e commutes with the floor; |X| < 2^30 and |k| * 2^e < 2^23 for e <= 14: no
 * overflow), c' as one SSAT >> e' + 8; then the packing, clamps and stores. Copy 0, the most common combination's, sits
 * ahead of the window and falls into it; W (ops/conv2d.py pw4_layout) has bit 19 set for its pairs, the C of one LSRS #20
 * (4 cycles with the BCS taken, as the register form's ASRS and BMI). The others sit in slots of MF_PW4I_SLOT bytes after
 * an ADD to pc, each ending on a B back to the window, W's bits 20 .. 31 the byte offset of the pair's slot (LSRS, BCS
 * not taken, ADD pc, B: 8 cycles, against LSRS, BEQ not taken, TBH and BCS taken, 9, with a TBH table; copy 0 paid an
 * exit test, 5); the last pair's offset is the last slot's, a copy of its combination's (sm's bits 28 .. 31) that leaves
 * the pair loop: no exit test in the others. 8 ASRs a pair less than the register form: kws's 64 -> 64 layers 545.9K ->
 * 539.8K .. 541.3K cycles each on the M4 with the TBH, 538.5K .. 540.0K with the slots and the quad loop. */
#define MF_PW4I_EC "(((%c[sm] >> 16) & 15) + \\i)"   /* the copy's e (c's -shift-1) */
#define MF_PW4I_ED "(((%c[sm] >> 20) & 15) + \\j)"   /* its e' (c''s) */
#define MF_PW4I_K(A_)                                                                            \
    ".if %c[k] >= 0\n\tadd.w %[" #A_ "], %[" #A_ "], #(%c[k]) * (1 << " MF_PW4I_EC ")\n\t.else\n\t"  \
    "sub.w %[" #A_ "], %[" #A_ "], #-(%c[k]) * (1 << " MF_PW4I_EC ")\n\t.endif\n\t"
#define MF_PW4I_SAT(A_, E_) "ssat %[" #A_ "], #8, %[" #A_ "], asr #" E_ "\n\t"
/* BODY_ for each combination of the mask (bit 4 * i + j: e = b + i, e' = b' + j), in the order of the bits; TOP_ "==":
 * the one of the mask's first copy (bits 26 .. 29: its bit), "!=": the others (gas: a true comparison is -1) */
#define MF_PW4I_SHIFTS(TOP_, BODY_)                                                              \
    ".irp i, 0,1,2,3\n\t.irp j, 0,1,2,3\n\t.if (%c[sm] >> (4 * \\i + \\j)) & 1\n\t"                 \
    ".if ((%c[sm] >> 24) & 15) " TOP_ " 4 * \\i + \\j\n\t" BODY_ ".endif\n\t.endif\n\t.endr\n\t.endr\n\t"
/* the end of a copy after the ADD to pc: back to the window, then padding up to the slot's bytes (pw4_layout's offsets:
 * (copy - 1) * MF_PW4I_SLOT past the ADD's pc; .org stops the build if a copy outgrows its slot); the slot: 4 ADDs, 8
 * SSATs, 4 BFIs, 4 STRHs, the STR and the B at 4 bytes each (88), and each clamp's MOV and 4 SSUB8s and SELs (36): as
 * ops/conv2d.py pw4_slot */
#define MF_PW4I_SLOT "(88 - 36 * ((%c[lo]) > -128) - 36 * ((%c[hi]) < 127))"
#define MF_PW4I_SLOT_END "b.w 2b\n\t.org .Lpw4v%=_\\i\\()_\\j + " MF_PW4I_SLOT "\n\t"
#define MF_PW4I_VARIANT(END_) ".Lpw4v%=_\\i\\()_\\j:\n\t@ mf_pw4 imm\n\t" MF_PW4I_BODY(END_)
#define MF_PW4I_BODY(END_)                                                                       \
    MF_PW4I_K(sa0) MF_PW4I_K(sa1) MF_PW4I_K(sa2) MF_PW4I_K(sa3)                                   \
    MF_PW4I_SAT(sa0, "(" MF_PW4I_EC " + 1)") MF_PW4I_SAT(sa1, "(" MF_PW4I_EC " + 1)")             \
    MF_PW4I_SAT(sa2, "(" MF_PW4I_EC " + 1)") MF_PW4I_SAT(sa3, "(" MF_PW4I_EC " + 1)")             \
    MF_PW4I_SAT(ma0, "(" MF_PW4I_ED " + 8)") MF_PW4I_SAT(ma1, "(" MF_PW4I_ED " + 8)")             \
    MF_PW4I_SAT(ma2, "(" MF_PW4I_ED " + 8)") MF_PW4I_SAT(ma3, "(" MF_PW4I_ED " + 8)")             \
    MF_PW4_STORE END_
/* c' from ma0 .. ma3 (256 times its accumulators) by SMMLA with mult (x3) and Ra (x2; Ra - 128 for a negative one
 * unless MF_NEG_CLAMPED, built in x0), before the shift */
#define MF_PW4I_RQD(A_)                                                                          \
    ".if 2 * (%c[lo]) + 1 < %c[k]\n\t"                                                           \
    "asr %[x0], %[" #A_ "], #31\n\tadd %[x0], %[x2], %[x0], lsl #7\n\t"                            \
    "smmla %[" #A_ "], %[" #A_ "], %[x3], %[x0]\n\t.else\n\t"                                       \
    "smmla %[" #A_ "], %[" #A_ "], %[x3], %[x2]\n\t.endif\n\t"
/* c from sa0 .. sa3 by SMMLAR with m2 (x0), the negative-value correction unless MF_NEG_CLAMPED, before the shift */
#define MF_PW4I_RQ(A_)                                                                           \
    "smmlar %[" #A_ "], %[" #A_ "], %[x0], %[" #A_ "]\n\t"                                           \
    ".if 2 * (%c[lo]) + 1 < %c[k]\n\tadd %[" #A_ "], %[" #A_ "], %[" #A_ "], asr #31\n\t.endif\n\t"
/* the 8 outputs packed (c' over c by BFI), clamped, stored as 4 halfwords at the out pointer (wa, stepped by 2 and
 * stored back): both tails */
#define MF_PW4_STORE                                                                             \
    "bfi %[sa0], %[ma0], #8, #8\n\tbfi %[sa1], %[ma1], #8, #8\n\t"                                   \
    "bfi %[sa2], %[ma2], #8, #8\n\tbfi %[sa3], %[ma3], #8, #8\n\t"                                   \
    ".if (%c[lo]) > -128\n\tmov %[x0], #((%c[lo]) & 0xff) * 0x01010101\n\t"                                  \
    "ssub8 %[x2], %[sa0], %[x0]\n\tsel %[sa0], %[sa0], %[x0]\n\t"                                    \
    "ssub8 %[x2], %[sa1], %[x0]\n\tsel %[sa1], %[sa1], %[x0]\n\t"                                    \
    "ssub8 %[x2], %[sa2], %[x0]\n\tsel %[sa2], %[sa2], %[x0]\n\t"                                    \
    "ssub8 %[x2], %[sa3], %[x0]\n\tsel %[sa3], %[sa3], %[x0]\n\t.endif\n\t"                          \
    ".if (%c[hi]) < 127\n\tmov %[x0], #((%c[hi]) & 0xff) * 0x01010101\n\t"                                  \
    "ssub8 %[x2], %[x0], %[sa0]\n\tsel %[sa0], %[sa0], %[x0]\n\t"                                    \
    "ssub8 %[x2], %[x0], %[sa1]\n\tsel %[sa1], %[sa1], %[x0]\n\t"                                    \
    "ssub8 %[x2], %[x0], %[sa2]\n\tsel %[sa2], %[sa2], %[x0]\n\t"                                    \
    "ssub8 %[x2], %[x0], %[sa3]\n\tsel %[sa3], %[sa3], %[x0]\n\t.endif\n\t"                          \
    "strh %[sa1], [%[wa], #%c[oc]]\n\tstrh %[sa2], [%[wa], #2 * %c[oc]]\n\t"                         \
    "strh %[sa3], [%[wa], #3 * %c[oc]]\n\tstrh %[sa0], [%[wa]], #2\n\t"                              \
    "str %[wa], [sp, #32 * %c[nch]]\n\t"
/* the stream's bytes: oc / 2 pairs of 2 * in_c weight bytes and 6 constants (w is that far on after the pairs) */
/* the frame: 32 bytes a chunk, the out pointer, a pad word (8 * k4 + 8) */
#define MF_PW4_FR "(4 * %c[rq] + 8)"
#define MF_PW4_STREAM "((%c[oc] / 2) * (%c[rq] + 24))"
#define MF_PW4Q_TEXT(END_LD_)                                                                                        \
    "sub %[w], %[w], #" MF_PW4_WB "\n\t"                                                          \
    /* the quad loop: the end (x0 on entry) in a word of its own frame, below which each quad's frame goes */          \
    ".if %c[ps]\n\tsub sp, sp, #8\n\tstr %[x0], [sp]\n\t.endif\n"                                                  \
    "7:\n\t"   /* the quad loop (ps: pixels ps bytes apart) */                                                       \
    "sub sp, sp, #" MF_PW4_FR "\n\t"                                                                                 \
    "str %[sa0], [sp, #32 * %c[nch]]\n\t"                                                                            \
    ".if %c[ps]\n\tstr %[ma0], [sp, #32 * %c[nch] + 4]\n\t.endif\n\t"   /* the frame's pad word */                   \
    MF_PW4_EACH_EXP(MF_PW4_EXP)                                                                                      \
    /* the first copy (immediate shifts) ahead of the window: it falls into it while pairs follow */                 \
    ".if %c[sm]\n\tb 2f\n1:\n\t" MF_PW4I_SHIFTS("==", MF_PW4I_VARIANT("")) ".endif\n"                                \
    "2:\n\t" MF_PW4_HEAD MF_PW4_EACH_CHUNK(MF_PW4_CHUNK)                                                             \
    /* m2 to x0, W to x1, Ra to x2, the out pointer to wa, mult to x3: one chain, the load of mult last (LDR           \
     * pipelining: no load after a writeback one), stepping w to the next pair's (less 4; MF_PW4_WD): no ADD */              \
    "ldr %[x0], [%[w], #%c[rq] + 12 - " MF_PW4_WD "]\n\tldr %[x1], [%[w], #%c[rq] + 16 - " MF_PW4_WD "]\n\t"          \
    "ldr %[x2], [%[w], #%c[rq] + 20 - " MF_PW4_WD "]\n\tldr %[wa], [sp, #32 * %c[nch]]\n\t"                          \
    "ldr %[x3], [%[w], #%c[rq] + 24 - " MF_PW4_WD "]!\n\t"                                                           \
    "sub %[ma0], %[ma0], %[sa0]\n\tsub %[ma1], %[ma1], %[sa1]\n\t"   /* 256 times c''s accumulators */               \
    "sub %[ma2], %[ma2], %[sa2]\n\tsub %[ma3], %[ma3], %[sa3]\n\t"                                                   \
    ".if %c[sm] == 0\n\t"                                                                                            \
    MF_DSP_RQ2(sa0, sa1, x0, x1) MF_DSP_RQ2(sa2, sa3, x0, x1)       /* c (m2 free after: c''s temporary) */          \
    MF_DSP_RQD_REGS_E(ma0, ma1, x3, x2, x0, x1, "asrs %[x1], %[x1], #8\n\t")   /* N: another pair follows */         \
    MF_DSP_RQD_REGS_E(ma2, ma3, x3, x2, x0, x1, "")                                                                  \
    MF_PW4_STORE                                                                                                     \
    "bmi 2b\n\t"                                                                                                     \
    ".else\n\t"   /* the shifts as immediates */                                                                     \
    MF_PW4I_RQ(sa0) MF_PW4I_RQ(sa1) MF_PW4I_RQ(sa2) MF_PW4I_RQ(sa3)                                                  \
    MF_PW4I_RQD(ma0) MF_PW4I_RQD(ma1) MF_PW4I_RQD(ma2) MF_PW4I_RQD(ma3)                                              \
    "lsrs %[x3], %[x1], #20\n\t"   /* C: the first copy; x3: the byte offset of the pair's slot (W, pw4_layout) */   \
    "bcs 1b\n"                                                                                                       \
    ".Lpw4t%=:\n\tadd pc, %[x3]\n\t.org .Lpw4t%= + 4\n\t"   /* pc reads 4 bytes on: the first slot there */          \
    MF_PW4I_SHIFTS("!=", MF_PW4I_VARIANT(MF_PW4I_SLOT_END))                                                          \
    /* the last slot, the last pair's (its combination, bit last of the mask, whatever its copy: no test of another  \
     * pair following in the others), then out of the pair loop */                                                   \
    "@ mf_pw4 last pair\n\t"                                                                                         \
    ".irp i, 0,1,2,3\n\t.irp j, 0,1,2,3\n\t.if 4 * \\i + \\j == ((%c[sm] >> 28) & 15)\n\t" MF_PW4I_BODY("")          \
    ".endif\n\t.endr\n\t.endr\n\t"                                                                                   \
    "\n9:\n\t"                                                                                                       \
    ".endif\n\t"                                                                                                     \
    ".if %c[ps]\n\t@ mf_pw4 quad loop ps %c[ps]\n\t"   /* the next quad: 4 pixels on, pixel 0's outputs 4 * oc on (3 * oc past the \
                                                * pairs'), w back */                                                 \
    "ldr %[ma0], [sp, #32 * %c[nch] + 4]\n\tldr %[sa0], [sp, #32 * %c[nch]]\n\t"                                     \
    "add sp, sp, #" MF_PW4_FR "\n\t"                                                                                 \
    END_LD_   /* sp back where the compiler addresses it */                                                          \
    "addw %[ma0], %[ma0], #4 * %c[ps]\n\taddw %[sa0], %[sa0], #3 * %c[oc]\n\t"                                       \
    /* one SUB when the stream's bytes are an imm12 or a byte shifted left (a modified immediate: kws's 64 -> 64     \
     * layers' 4,864), else MOVW (and MOVT) and a SUB: 1 cycle a quad */                                              \
    ".set .Lpw4s%=, (" MF_PW4_STREAM ") < 4096\n\t"                                                                  \
    ".irp q, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24\n\t"                                   \
    ".if ((((" MF_PW4_STREAM ") >> \\q) << \\q) == (" MF_PW4_STREAM ")) && ((" MF_PW4_STREAM ") >> \\q) < 256\n\t"    \
    ".set .Lpw4s%=, 1\n\t.endif\n\t.endr\n\t"                                                                          \
    ".if .Lpw4s%=\n\t.if " MF_PW4_STREAM " < 4096\n\tsubw %[w], %[w], #" MF_PW4_STREAM "\n\t.else\n\t"                 \
    "sub.w %[w], %[w], #" MF_PW4_STREAM "\n\t.endif\n\t.else\n\t"                                                        \
    "movw %[x1], #(" MF_PW4_STREAM ") & 0xffff\n\t"                                                                  \
    ".if (" MF_PW4_STREAM ") >> 16\n\tmovt %[x1], #(" MF_PW4_STREAM ") >> 16\n\t.endif\n\t"                          \
    "sub %[w], %[w], %[x1]\n\t.endif\n\t"                                                                            \
    "cmp %[ma0], %[x0]\n\tbne 7b\n\t"                                                                                \
    "add sp, sp, #8\n\t"                                                                                             \
    ".else\n\t"                                                                                                      \
    "add sp, sp, #" MF_PW4_FR "\n\t"                                                                                 \
    ".endif"
#define MF_PW4Q_OUTS(X0_)                                                                                            \
    [ma0] "+r"(ma0), [ma1] "+r"(ma1), [ma2] "+r"(ma2), [ma3] "+r"(ma3), [sa0] "+r"(sa0), [sa1] "=&r"(sa1),           \
    [sa2] "=&r"(sa2), [sa3] "=&r"(sa3), [x0] X0_(x0), [x1] "=&r"(x1), [x2] "=&r"(x2), [x3] "=&r"(x3),                \
    [wa] "=&r"(wa), [w] "+r"(w)
#define MF_PW4Q_INS                                                                                                  \
    [nch] "i"(k4 / 4), [oc] "i"(n_out), [rq] "i"(2 * k4),                                                            \
    [k] "i"(2 * out_offset + 1), [lo] "i"(act_min), [hi] "i"(act_max),                                               \
    [sm] "i"(sm), [ps] "i"(ps)                                                                                       \
    /* 30 operands at most (a "+r" counts twice): clo as (lo) > -128, chi as (hi) < 127, fr as MF_PW4_FR, wb as      \
    * MF_PW4_WB */
MF_KERNEL void mf_dsp_pw4_quad(const int8_t *const px[4], const int32_t k4, const int8_t *w, const int32_t n_out,
                               const int32_t out_offset, const int32_t act_min, const int32_t act_max, int8_t *o,
                               const int32_t sm, const int32_t ps, const int8_t *end)
{
    int32_t ma0 = (int32_t)(uintptr_t)px[0], ma1 = (int32_t)(uintptr_t)px[1];
    int32_t ma2 = (int32_t)(uintptr_t)px[2], ma3 = (int32_t)(uintptr_t)px[3], sa0 = (int32_t)(uintptr_t)o;
    int32_t sa1, sa2, sa3, x0 = (int32_t)(uintptr_t)end, x1, x2, x3, wa;
    /* ps (the quad loop): the end comes in x0 and waits in the loop's own frame word (a memory operand would need a
     * base register besides sp where the caller's frame is large: "impossible constraints"); the calls of the C loop
     * over quads (strided layers) take no end (GCC would set one up for each: ic's stride-2 op 6 +16 cycles) */
    if (ps)
        __asm__ volatile(MF_PW4Q_TEXT("ldr %[x0], [sp]\n\t")
                         : MF_PW4Q_OUTS("+r") : MF_PW4Q_INS : "cc", "memory");
    else
        __asm__ volatile(MF_PW4Q_TEXT("") : MF_PW4Q_OUTS("=&r") : MF_PW4Q_INS : "cc", "memory");
}
#undef MF_PW4I_K
#undef MF_PW4I_EC
#undef MF_PW4I_ED
#undef MF_PW4I_SAT
#undef MF_PW4I_SHIFTS
#undef MF_PW4I_SLOT
#undef MF_PW4I_SLOT_END
#undef MF_PW4I_VARIANT
#undef MF_PW4I_BODY
#undef MF_PW4I_RQD
#undef MF_PW4I_RQ
#undef MF_PW4_STORE
#undef MF_PW4_STREAM
#undef MF_PW4Q_TEXT
#undef MF_PW4Q_OUTS
#undef MF_PW4Q_INS
#undef MF_PW4_FR
#endif
#undef MF_PW4_EXP
#undef MF_PW4_MACS
#undef MF_PW4_SMLAD
#undef MF_PW4_ACC
#undef MF_PW4_LD
#undef MF_PW4_HALF
#undef MF_PW4_HEAD
#undef MF_PW4_WB
#undef MF_PW4_WD
#undef MF_PW4_CHUNK

/* One pixel on the quads' stream (mf_conv2d_s8_pw4's last n_pix % 4 pixels, M4/M33: ops/conv2d.py PW4_TAIL_CORES), two
 * pairs at a time (a and the next, b, ps bytes on: out_c % 4 == 0), all in one asm block: the pixel widened into a frame
 * below sp (8 bytes a chunk: its even values' word, then its odd ones', as the pairs' weights; then a sentinel), then
 * per two pairs ma, sa, mb, sb from their start values, the window (nch % 4 leading chunks, then passes of 4 until the
 * sentinel; a chunk is one chain of 6 loads, 8 SMLADs and 4 SXTB16s: mf_dsp_pw_rows1's 19 cycles per 16 MACs), the
 * quads' requantisation on one pixel (MF_PW41_RQ), the 4 outputs packed, clamped and stored as one word; the loop ends
 * on the N flag of pair b's W (ASRS: bit 31, another pair follows). The pixel is read before any of its outputs is
 * written: the write order contract holds. */
#define MF_PW41_MACS                                                                             \
    "smlad %[ma], %[e0], %[wa], %[ma]\n\tsxtb16 %[wa], %[wa]\n\t"                                 \
    "smlad %[ma], %[e1], %[wb], %[ma]\n\tsxtb16 %[wb], %[wb]\n\t"                                 \
    "smlad %[mb], %[e0], %[wc], %[mb]\n\tsxtb16 %[wc], %[wc]\n\t"                                 \
    "smlad %[mb], %[e1], %[wd], %[mb]\n\tsxtb16 %[wd], %[wd]\n\t"                                 \
    "smlad %[sa], %[e0], %[wa], %[sa]\n\tsmlad %[sa], %[e1], %[wb], %[sa]\n\t"                    \
    "smlad %[sb], %[e0], %[wc], %[sb]\n\tsmlad %[sb], %[e1], %[wd], %[sb]\n\t"
/* chunk at byte XO_ of the frame, pair a's weights at byte WO_ of w, pair b's ps further */
#define MF_PW41_CHUNK(XO_, WO_)                                                                  \
    "ldr %[e0], [%[x], #" XO_ "]\n\tldr %[e1], [%[x], #" XO_ " + 4]\n\t"                          \
    "ldr %[wa], [%[w], #" WO_ "]\n\tldr %[wb], [%[w], #" WO_ " + 4]\n\t"                          \
    "ldr %[wc], [%[w], #%c[ps] + " WO_ "]\n\tldr %[wd], [%[w], #%c[ps] + " WO_ " + 4]\n\t"        \
    MF_PW41_MACS
/* One pair's outputs from S_ (c's accumulator) and D_ (ma: c + 256 c') with its constants at byte O_ of w (m2, W, Ra,
 * mult after the starts): c with SMMLAR, >> -shift-1, + 2 * out_offset + 1, SSAT >> 1; c' from D_ - S_ with SMMLA (Ra,
 * Ra - 128 for a negative one unless MF_NEG_CLAMPED), >> e + 7 (W's second byte, shifted down by SH_), SSAT. */
#define MF_PW41_RQ(S_, D_, O_, SH_)                                                              \
    "ldr %[e0], [%[w], #" O_ " + 8]\n\tldr %[e1], [%[w], #" O_ " + 12]\n\t"                        \
    "ldr %[wa], [%[w], #" O_ " + 16]\n\tldr %[wb], [%[w], #" O_ " + 20]\n\t"                       \
    "sub %[" D_ "], %[" D_ "], %[" S_ "]\n\t"                                                    \
    "smmlar %[" S_ "], %[" S_ "], %[e0], %[" S_ "]\n\t"                                          \
    ".if 2 * (%c[lo]) + 1 < %c[k]\n\t"   /* not MF_NEG_CLAMPED(lo, out offset) */                  \
    "add %[" S_ "], %[" S_ "], %[" S_ "], asr #31\n\t"                                           \
    "asr %[e0], %[" D_ "], #31\n\tadd %[wa], %[wa], %[e0], lsl #7\n\t"                            \
    ".endif\n\t"                                                                                \
    "smmla %[" D_ "], %[" D_ "], %[wb], %[wa]\n\t"                                               \
    "asr %[" S_ "], %[" S_ "], %[e1]\n\t"                                                        \
    ".if %c[k] >= 0\n\tadd %[" S_ "], %[" S_ "], #%c[k]\n\t.else\n\tsub %[" S_ "], %[" S_ "], #-%c[k]\n\t.endif\n\t" \
    SH_ " %[e1], %[e1], #8\n\t"                                                                  \
    "ssat %[" S_ "], #8, %[" S_ "], asr #1\n\t"                                                  \
    "asr %[" D_ "], %[" D_ "], %[e1]\n\t"                                                        \
    "ssat %[" D_ "], #8, %[" D_ "]\n\t"
MF_KERNEL void mf_dsp_pw4_rows1(const int8_t *px, const int32_t k4, const int8_t *w, const int32_t out_offset,
                                const int32_t act_min, const int32_t act_max, int8_t *o, const int imm)
{
    const int32_t nch = k4 / 4, lead = nch % 4;
    int32_t ma = (int32_t)(uintptr_t)px, sa, mb, sb, e0, e1, wa, wb, wc, wd, x;
    __asm__ volatile(
        "sub sp, sp, #%c[fr]\n\t"
        "mov %[x], sp\n\tadd %[e1], %[ma], #%c[k4]\n"   /* widen: e1 the pixel's end */
        "3:\n\tldr %[e0], [%[ma]], #4\n\tsxtb16 %[wa], %[e0]\n\tsxtb16 %[e0], %[e0], ror #8\n\t"
        "str %[wa], [%[x]], #4\n\tstr %[e0], [%[x]], #4\n\tcmp %[ma], %[e1]\n\tbne 3b\n\t"
        "mov %[e0], #0x80808080\n\tstr %[e0], [%[x]]\n"   /* the sentinel: no widened int8 pair equals it */
        "2:\n\t@ mf_dsp_pw4_rows1\n\t"
        "mov %[x], sp\n\tldr %[ma], [%[w], #%c[rq]]\n\tldr %[sa], [%[w], #%c[rq] + 4]\n\t"   /* Bm, Bs */
        "ldr %[mb], [%[w], #%c[ps] + %c[rq]]\n\tldr %[sb], [%[w], #%c[ps] + %c[rq] + 4]\n\t"
        ".if %c[lead] > 0\n\t" MF_PW41_CHUNK("0", "0") ".endif\n\t"
        ".if %c[lead] > 1\n\t" MF_PW41_CHUNK("8", "8") ".endif\n\t"
        ".if %c[lead] > 2\n\t" MF_PW41_CHUNK("16", "16") ".endif\n\t"
        ".if %c[lead]\n\tadd %[x], %[x], #8 * %c[lead]\n\tadd %[w], %[w], #8 * %c[lead]\n\t.endif\n\t"
        ".if %c[loop]\n\t"   /* e0 of each pass loaded by the check before it, w stepped by the pass's last first-chunk load */
        "ldr %[e0], [%[x]]\n"
        "1:\n\tldr %[e1], [%[x], #4]\n\tldr %[wb], [%[w], #4]\n\t"
        "ldr %[wc], [%[w], #%c[ps]]\n\tldr %[wd], [%[w], #%c[ps] + 4]\n\tldr %[wa], [%[w]], #32\n\t" MF_PW41_MACS
        MF_PW41_CHUNK("8", "-24") MF_PW41_CHUNK("16", "-16") MF_PW41_CHUNK("24", "-8")
        "ldr %[e0], [%[x], #32]!\n\tcmp %[e0], #0x80808080\n\tbne 1b\n\t"
        ".endif\n\t"
        /* w at pair a's constants (its starts), pair b's ps further */
        MF_PW41_RQ("sa", "ma", "0", "lsr") MF_PW41_RQ("sb", "mb", "%c[ps]", "asrs")   /* N: more pairs follow */
        ".if %c[imm]\n\tlsls %[e1], %[e1], #23\n\t.endif\n\t"   /* the quads' variant form of W: bit 16 (here 8) */
        MF_PW1_STORE4
        "add %[w], %[w], #%c[ps] + 24\n\t"
        "bmi 2b\n\t"
        "add sp, sp, #%c[fr]"
        : [ma] "+r"(ma), [sa] "=&r"(sa), [mb] "=&r"(mb), [sb] "=&r"(sb), [e0] "=&r"(e0), [e1] "=&r"(e1),
          [wa] "=&r"(wa), [wb] "=&r"(wb), [wc] "=&r"(wc), [wd] "=&r"(wd), [x] "=&r"(x), [w] "+r"(w), [o] "+r"(o)
        : [k4] "i"(k4), [fr] "i"((2 * k4 + 4 + 7) & ~7), [rq] "i"(2 * k4), [ps] "i"(2 * k4 + 24), [lead] "i"(lead),
          [loop] "i"(nch >= 4), [k] "i"(2 * out_offset + 1), [lo] "i"(act_min), [hi] "i"(act_max),
          [clo] "i"(act_min > -128), [chi] "i"(act_max < 127), [imm] "i"(imm)
        : "cc", "memory");
}
#undef MF_PW41_CHUNK
#undef MF_PW41_MACS
#undef MF_PW41_RQ

MF_KERNEL void mf_conv2d_s8_pw4(const mf_conv2d_params_t *p, const int8_t *in, int8_t *out)
{
    const int32_t oc = p->out_c, n_pix = p->batches * p->out_h * p->out_w;
#if !defined(MF_TARGET_M7)
    /* M4/M33: pixels in_c bytes apart (mf_dsp_pw_pixel's first case) go in one asm block that loops over the quads
     * itself (ps = in_c: pixel p of a quad read at px + p * in_c, the next quad's pointer in the frame's pad word, the
     * end compared from memory): no C loop around each quad, whose pointers the asm's 14 registers made the compiler
     * spill and rebuild (about 30 cycles a quad) */
    if (p->stride_h == 1 && p->stride_w == 1 && p->in_h == p->out_h && p->in_w == p->out_w) {
        if (n_pix >= 4) {
            const int8_t *const px[4] = {in, in, in, in};
            mf_dsp_pw4_quad(px, p->in_c, p->weights, oc, p->out_offset, p->act_min, p->act_max, out, p->c1_shifts,
                            p->in_c, in + (n_pix & ~3) * p->in_c);
        }
    } else
#endif
    for (int32_t i = 0; i < (n_pix & ~3); i += 4) {
        const int8_t *const px[4] = {mf_dsp_pw_pixel(p, in, i), mf_dsp_pw_pixel(p, in, i + 1),
                                     mf_dsp_pw_pixel(p, in, i + 2), mf_dsp_pw_pixel(p, in, i + 3)};
        mf_dsp_pw4_quad(px, p->in_c, p->weights, oc, p->out_offset, p->act_min, p->act_max, out + i * oc,
                        p->c1_shifts
#if !defined(MF_TARGET_M7)
                        , 0, in
#endif
                        );
    }
#if !defined(MF_TARGET_M7)   /* the M7 takes only n_pix % 4 == 0 (ops/conv2d.py PW4_TAIL_CORES) */
    for (int32_t i = n_pix & ~3; i < n_pix; ++i)   /* one pixel at a time, in pixel order */
        mf_dsp_pw4_rows1(mf_dsp_pw_pixel(p, in, i), p->in_c, p->weights, p->out_offset, p->act_min, p->act_max,
                         out + i * oc, p->c1_shifts != 0);
#endif
}

/* ---- row entries on a stream of groups with their constants (mix = 6) -----------------------------------
 * mf_conv2d_s8_rowmix's windows (row entries, weights in the entries' order, mix = 4 above) with
 * mf_conv2d_s8_pw's stream and tail: each 4-channel group's mixed weights followed by its 12 constants
 * (ops/conv2d.py group_stream), so a pixel pair is one asm block over all groups: accumulators from the group's
 * start values (MF_DSP_PW_START), the window loop of the core's schedule (MF_DSP_RMIX_WINDOW_M4 / _M7), then MF_DSP_PW_OUT4 and both
 * pixels' 4 outputs stored as words; w runs through the stream, x steps back to the window's start, the loop ends on
 * MF_DSP_PW_MORE. Pixel 0's out pointer, and on the M7 the group's weight end, are on the stack (all 14 registers are
 * taken).
 * Chosen by ops/conv2d.py for row-entry layers with out_c % 4 == 0; a lone last pixel goes through
 * mf_dsp_pw_rows1. Exact as mf_dsp_rowmix_rows and mf_conv2d_s8_pw are: the same products and constants. */
MF_KERNEL void mf_dsp_rowpw_pair(const int16_t *x16, const int32_t k4, const int32_t d, const int32_t gp,
                                 const int8_t *stream, const int32_t n_out, const int32_t out_offset,
                                 const int32_t act_min, const int32_t act_max, int8_t *out0)
{
    const int32_t nw = k4 / 2, pu = MF_RMIX_PASS8(nw);
    int8_t *o = out0;
    int32_t ma0, ma1, mb0, mb1, sa0, sa1, sb0, sb1, e0, e1, wa, wb;
    const int8_t *w = stream;
#define MF_ROWPW_OUTS                                                                                          \
    [ma0] "=&r"(ma0), [ma1] "=&r"(ma1), [mb0] "=&r"(mb0), [mb1] "=&r"(mb1), [sa0] "=&r"(sa0), [sa1] "=&r"(sa1),  \
    [sb0] "=&r"(sb0), [sb1] "=&r"(sb1), [e0] "=&r"(e0), [e1] "=&r"(e1), [wa] "=&r"(wa), [wb] "=&r"(wb),          \
    [x] "+r"(x), [w] "+r"(w), [o] "+m"(o)
#define MF_ROWPW_INS                                                                                           \
    [nw] "i"(nw), [pu] "i"(pu), [d] "i"(d), [oc] "i"(n_out), [rq] "i"(4 * k4), [k] "i"(2 * out_offset + 1),    \
    [lo] "i"(act_min), [hi] "i"(act_max), [clo] "i"(act_min > -128), [chi] "i"(act_max < 127)
/* after the group's window: x back to its start (BACK_: the window's bytes, gaps included), its outputs */
#define MF_ROWPW_TAIL(BACK_)                                                                                   \
    "sub %[x], %[x], #" BACK_ "\n\t"                                                                          \
    MF_DSP_PW_OUT4("ldr %[ma0], %[o]\n\t")                                                                    \
    "str %[sa1], [%[ma0], #%c[oc]]\n\tstr %[sa0], [%[ma0]], #4\n\tstr %[ma0], %[o]\n\t"                      \
    "bmi 2b"
#if defined(MF_TARGET_M7)
    const int16_t *x = x16;
    const void *end = 0;   /* the group's weight end, set by the asm */
    __asm__ volatile("2:\n\t" MF_DSP_PW_START "add %[wb], %[w], #8 * %c[nw]\n\tstr %[wb], %[end]\n\t"
                     MF_DSP_RMIX_WINDOW_M7 "\n\t" MF_ROWPW_TAIL("4 * %c[nw]")
                     : MF_ROWPW_OUTS, [end] "+m"(end)
                     : MF_ROWPW_INS
                     : "cc", "memory");
    (void)gp;   /* 0: two-row entries (mix = 8) are M4/M33 only (asm operands: 30 at most, all taken here) */
#else
    /* biased by -4 - gp bytes (MF_DSP_RMIX_WINDOW_M4); end: x after the last pass (gp ? no heads : gp = 0) */
    const int16_t *x = (const int16_t *)(const void *)((const int8_t *)x16 - 4 - gp);
    const void *const end = (const int8_t *)x + 4 * nw + nw / (8 * pu) * gp;
    __asm__ volatile("2:\n\t" MF_DSP_PW_START ".if %c[gp]\n\t@ mf_rmix entries %c[gp] bytes apart\n\t.endif\n\t"
                     MF_DSP_RMIX_WINDOW_M4 "\n\t" MF_ROWPW_TAIL("4 * %c[nw] + %c[nw] / (8 * %c[pu]) * %c[gp]")
                     : MF_ROWPW_OUTS
                     : MF_ROWPW_INS, [gp] "i"(gp), [end] "m"(end)
                     : "cc", "memory");
#endif
#undef MF_ROWPW_TAIL
#undef MF_ROWPW_INS
#undef MF_ROWPW_OUTS
}

/* DSP int8 convolution with caller-provided scratch (MF_CONV2D_SCRATCH_BYTES, 4-byte aligned).
 * Pixels go in runs of three (2x3 blocks), then two (2x2), then one (4x1). */
MF_KERNEL void mf_conv2d_s8_scratch(const mf_conv2d_params_t *p, const int8_t *in, int8_t *out, int8_t *buf)
{
    if (p->mix == 2) {
        mf_conv2d_s8_c1(p, in, out, buf);
        return;
    }
    if (p->mix == 3) {
        mf_conv2d_s8_pw(p, in, out, buf);
        return;
    }
    if (p->mix == 7) {
        mf_conv2d_s8_pw4(p, in, out);
        return;
    }
    if (p->mix == 4 || p->mix == 6 || p->mix == 8) {
        mf_conv2d_s8_rowmix(p, in, out, buf);
        return;
    }
    if (p->mix == 5) {
        mf_conv2d_s8_seg(p, in, out, buf);
        return;
    }
    if (p->mix) {
        mf_conv2d_s8_mix(p, in, out, buf);
        return;
    }
    const int32_t oc = p->out_c, ic = p->in_c;
    const int32_t n_pix = p->batches * p->out_h * p->out_w;
    const int one_by_one = p->k_h == 1 && p->k_w == 1 && p->pad_top == 0 && p->pad_left == 0 &&
                           (p->out_h - 1) * p->stride_h < p->in_h && (p->out_w - 1) * p->stride_w < p->in_w;
#define MF_DSP_ROWS(n_x, x, xs, n, o) mf_dsp_matmul_rows((n_x), (x), (xs), (n), p->weights, p->bias, p->mult, p->shift, \
                                                         1, oc, p->out_offset, p->act_min, p->act_max, (o), \
                                                         p->rq_mode, p->rq)
    if (one_by_one) {
        const uintptr_t i0 = (uintptr_t)in, o0 = (uintptr_t)out;
        const uintptr_t i1 = i0 + (uintptr_t)(p->batches * p->in_h * p->in_w * ic), o1 = o0 + (uintptr_t)(n_pix * oc);
        const int overlap = o0 < i1 && i0 < o1;
        /* Runs of pixels with a constant input stride: the whole tensor when dense, else one output row. */
        const int dense = p->stride_h == 1 && p->stride_w == 1 && p->in_h == p->out_h && p->in_w == p->out_w;
        const int32_t run = dense ? n_pix : p->out_w, n_runs = dense ? 1 : p->batches * p->out_h;
        const int32_t xs = p->stride_w * ic, ic4 = (ic + 3) & ~3, three = MF_CONV2D_BLOCK_PIX(1, 1, ic) == 3;
        const int x16 = three && p->rq_mode == 1 && MF_CONV2D_X16(1, 1, ic) && oc >= MF_CONV2D_X16_MIN_OC(1);
        int32_t *buf16 = (int32_t *)(buf + 3 * ic4);
        for (int32_t r = 0; r < n_runs; ++r) {
            const int32_t b = r / (n_runs / p->batches), oy = r - b * (n_runs / p->batches);
            const int8_t *x = dense ? in : in + ((b * p->in_h + oy * p->stride_h) * p->in_w) * ic;
            int8_t *o = out + r * run * oc;
            int32_t i = 0;
            if (x16) {   /* expanding a block's pixels reads them all before any of its outputs is written */
                for (; i + 3 <= run; i += 3, x += 3 * xs, o += 3 * oc) {
                    mf_dsp_expand3(buf16, x, xs, ic);
                    mf_dsp_rows3e(buf16, ic, p->weights, p->rq, 1, oc, p->out_offset, p->act_min, p->act_max, o);
                }
            }
            if (overlap) {   /* copy a block's pixels aside before writing any of its outputs */
                for (; three && i + 3 <= run; i += 3, x += 3 * xs, o += 3 * oc) {
                    mf_dsp_copy(buf, x, ic); mf_dsp_copy(buf + ic4, x + xs, ic); mf_dsp_copy(buf + 2 * ic4, x + 2 * xs, ic);
                    MF_DSP_ROWS(3, buf, ic4, ic, o);
                }
                if (three && run - i == 2) {
                    mf_dsp_copy(buf, x, ic); mf_dsp_copy(buf + ic4, x + xs, ic);
                    MF_DSP_ROWS(2, buf, ic4, ic, o);
                    i += 2;
                }
                for (; i < run; ++i, x += xs, o += oc) {
                    mf_dsp_copy(buf, x, ic);
                    MF_DSP_ROWS(1, buf, ic4, ic, o);
                }
            } else {
                for (; i + 3 <= run; i += 3, x += 3 * xs, o += 3 * oc) MF_DSP_ROWS(3, x, xs, ic, o);
                if (run - i == 2) MF_DSP_ROWS(2, x, xs, ic, o);
                else if (run - i == 1) MF_DSP_ROWS(1, x, xs, ic, o);
            }
        }
    } else {
        const int32_t k = p->k_h * p->k_w * ic, k4 = (k + 3) & ~3, three = MF_CONV2D_BLOCK_PIX(p->k_h, p->k_w, ic) == 3;
        const int x16 = three && p->rq_mode == 1 && MF_CONV2D_X16(p->k_h, p->k_w, ic) && oc >= MF_CONV2D_X16_MIN_OC(0) &&
                      k >= MF_CONV2D_X16_MIN_WIN;
        int32_t *buf16 = (int32_t *)(buf + 3 * k4);
        int32_t i = 0;
        for (; three && i + 3 <= n_pix; i += 3) {
            mf_dsp_im2col(p, in, i, buf);
            mf_dsp_im2col(p, in, i + 1, buf + k4);
            mf_dsp_im2col(p, in, i + 2, buf + 2 * k4);
            if (x16) {
                mf_dsp_expand3(buf16, buf, k4, k);
                mf_dsp_rows3e(buf16, k, p->weights, p->rq, 1, oc, p->out_offset, p->act_min, p->act_max, out + i * oc);
            } else {
                MF_DSP_ROWS(3, buf, k4, k, out + i * oc);
            }
        }
        if (three && n_pix - i == 2) {
            mf_dsp_im2col(p, in, i, buf);
            mf_dsp_im2col(p, in, i + 1, buf + k4);
            MF_DSP_ROWS(2, buf, k4, k, out + i * oc);
            i += 2;
        }
        for (; i < n_pix; ++i) {
            mf_dsp_im2col(p, in, i, buf);
            MF_DSP_ROWS(1, buf, k4, k, out + i * oc);
        }
    }
#undef MF_DSP_ROWS
}

#include "mf_conv2d_wino.h"   /* mix = 9: Winograd F(2x2, 3x3) (mf_conv2d_s8_wino) */

/* Same signature as the portable kernel (scratch from a VLA); generated code calls the _scratch form. */
MF_KERNEL void mf_conv2d_s8(const mf_conv2d_params_t *p, const int8_t *in, int8_t *out)
{
    int32_t buf[(p->mix == 5 ? MF_CONV2D_SEG_SCRATCH_BYTES(MF_CONV2D_SEG_STRIP(p->out_w, p->stride_h, p->k_h, p->k_w, p->stride_w, p->in_c), p->stride_h, p->k_h, p->k_w, p->stride_w, p->in_c, p->out_w, p->out_c) : p->mix == 4 || p->mix == 6 || p->mix == 8 ? MF_CONV2D_ROW_BYTES : p->mix == 3 ? MF_CONV2D_PW_SCRATCH_BYTES(p->in_c) : p->mix == 7 ? 4 : p->mix == 2 ? MF_CONV2D_C1_SCRATCH_BYTES : p->mix ? MF_CONV2D_MIX_SCRATCH_BYTES(p->k_h, p->k_w, p->in_c) : MF_CONV2D_SCRATCH_BYTES(p->k_h, p->k_w, p->in_c)) / 4];
    mf_conv2d_s8_scratch(p, in, out, (int8_t *)buf);
}

#endif
