/* mf_conv2d_wino (DSP): stride-1 3x3 int8 convolutions (mix = 9) as Winograd F(2x2, 3x3), exact in integers.
 *
 * A 2x2 output tile comes from a 4x4 input patch d with 16 products per (in channel, out channel) instead of 36
 * (ops/conv2d.py wino_reference is this arithmetic in numpy):
 *   U = G2 w G2^T, G2 = [[1,0,0],[1,1,1],[1,-1,1],[0,0,1]]   (|U| <= 9 * 128: int16)
 *   V = B^T d B,   B^T = [[1,0,-1,0],[0,1,1,0],[0,-1,1,0],[0,1,0,-1]]   (d the RAW int8 patch, padded taps holding
 *                                                       the input zero point, which the folded bias cancels; |V| <= 512)
 *   M = sum over in channels of U .* V   (int32: ops/conv2d.py wino_bound_ok checks the layer's weights)
 *   4 * acc = A2^T M A2, A2^T = [[2,1,1,0],[0,1,-1,-2]]   (A^T with G's halves moved onto it: exact, no rounding)
 * then acc = (4 * acc >> 2) + bias and mf_dsp_out_fast, as every other fast path.
 * In-channel pairs: SXTB16 of an input word gives channels (4q, 4q + 2) and ror 8 (4q + 1, 4q + 3); U's pairs are
 * built from the weight words the same way, so the GEMM is SMLADs on ready int16 pairs (no widening inside it).
 * Buffers (ops/conv2d.py wino_plan: the layer's free arena room, the rest on the stack): V for a chunk of nt tiles
 * (tiles flat over batch, tile row, tile column; past the last the last repeats), per group of 4 tiles, transform
 * position xi and pair p the 4 tiles' words side by side: v[((g * 16 + xi) * P + p) * 4 + t]; U for one out-channel
 * pair, per xi and p the two channels' words: u0 (xi < 8) and u1 (xi >= 8) at ((xi & 7) * P + p) * 2 + j; the GEMM's
 * M block for a group (16 x 8 int32). Per chunk: V once, then per out-channel pair U once (but where the chunk before
 * left it; none for the pairs the resident mode builds once per call) and each group's GEMM, output
 * transform and requantisation. Input and output must not overlap (a chunk's outputs land before the next
 * chunk's inputs are read). An odd out_h (a row pipeline's odd bands): the last tile row's bottom row is not stored
 * (its patch rows past the input read the pad value, as any padded tap). */
#ifndef MF_CONV2D_WINO_H
#define MF_CONV2D_WINO_H
#include <stdint.h>
#include <string.h>
#include <arm_acle.h>
#include "mf_common.h"
#include "mf_fully_connected.h"

#define MF_WINO_GROUP 4   /* tiles per GEMM group; mirrors ops/conv2d.py WINO_GROUP */

/* SADD16 / SSUB16 as plain asm (not ACLE's __sadd16, which GCC keeps and repeats as if it had side effects: the GE
 * flags): the compiler may share and drop them like any arithmetic. */
MF_KERNEL int32_t mf_wino_add(int32_t a, int32_t b) { int32_t r; __asm__("sadd16 %0, %1, %2" : "=r"(r) : "r"(a), "r"(b)); return r; }
MF_KERNEL int32_t mf_wino_sub(int32_t a, int32_t b) { int32_t r; __asm__("ssub16 %0, %1, %2" : "=r"(r) : "r"(a), "r"(b)); return r; }

/* 2 raw patch words (taps ka_, kb_, at byte q_ of their pointers src_[k]): both pointers, then both words, one run of
 * loads (a word's load never right after its own pointer's: pipelined on the M4). As asm, GCC keeps the pointers
 * where they are (in C it hoisted all 16 out of the q loop and spilled them, copying the array each tile). */
#define MF_WINO_LD2(a_, b_, src_, q_, ka_, kb_)                                                                       \
    __asm__("ldr %0, [%2, #4*(" #ka_ ")]\n\tldr %1, [%2, #4*(" #kb_ ")]\n\tldr %0, [%0, %3]\n\tldr %1, [%1, %3]"      \
            : "=&r"(a_), "=&r"(b_) : "r"(src_), "r"(q_), "m"(*(const int8_t *const(*)[16])(src_)))
/* B along a patch row (its 4 raw words w0_ .. w3_, extended by EXT_): r = (w0 - w2, w1 + w2, w2 - w1, w1 - w3). */
#define MF_WINO_ROWB(EXT_, w0_, w1_, w2_, w3_, r0_, r1_, r2_, r3_)                                                    \
    do {                                                                                                              \
        const int32_t x0_ = EXT_(w0_), x1_ = EXT_(w1_), x2_ = EXT_(w2_), x3_ = EXT_(w3_);                             \
        r0_ = mf_wino_sub(x0_, x2_); r1_ = mf_wino_add(x1_, x2_); r2_ = mf_wino_sub(x2_, x1_);                        \
        r3_ = mf_wino_sub(x1_, x3_);                                                                                  \
    } while (0)
/* One in-channel pair set's V (EXT_: its half of each raw word) into o[xi * s]. With R_r = B along patch row r, the rows
 * of V are R0 - R2, R1 + R2, R2 - R1, R1 - R3: R1 and R2 first (V rows 1 and 2), then rows 0 and 3 side by side
 * (two independent chains: the M7 issues them in pairs), taps 0, 2, 12, 14 first, against R2 and R1, so at most R1, R2
 * and four words are live beside src, q and o (no spills on the M4). Each raw word is loaded once per pair set: twice
 * per call, as the 32 values of one load for both sets would not stay in registers. */
#define MF_WINO_V(EXT_, src_, q_, o_, s_)                                                                             \
    do {                                                                                                              \
        int32_t w0_, w1_, w2_, w3_, p0_, p1_, p2_, p3_, r0_, r1_, r2_, r3_;                                           \
        MF_WINO_LD2(w0_, w1_, src_, q_, 4, 5); MF_WINO_LD2(w2_, w3_, src_, q_, 6, 7);                                 \
        MF_WINO_ROWB(EXT_, w0_, w1_, w2_, w3_, p0_, p1_, p2_, p3_);                                                   \
        MF_WINO_LD2(w0_, w1_, src_, q_, 8, 9); MF_WINO_LD2(w2_, w3_, src_, q_, 10, 11);                               \
        MF_WINO_ROWB(EXT_, w0_, w1_, w2_, w3_, r0_, r1_, r2_, r3_);                                                   \
        (o_)[4 * (s_)] = mf_wino_add(p0_, r0_); (o_)[8 * (s_)] = mf_wino_sub(r0_, p0_);                               \
        (o_)[5 * (s_)] = mf_wino_add(p1_, r1_); (o_)[9 * (s_)] = mf_wino_sub(r1_, p1_);                               \
        (o_)[6 * (s_)] = mf_wino_add(p2_, r2_); (o_)[10 * (s_)] = mf_wino_sub(r2_, p2_);                              \
        (o_)[7 * (s_)] = mf_wino_add(p3_, r3_); (o_)[11 * (s_)] = mf_wino_sub(r3_, p3_);                              \
        int32_t y0_, y1_, y2_, y3_;                                                                                   \
        MF_WINO_LD2(w0_, w2_, src_, q_, 0, 2); MF_WINO_LD2(y0_, y2_, src_, q_, 12, 14);                               \
        w0_ = EXT_(w0_); w2_ = EXT_(w2_); y0_ = EXT_(y0_); y2_ = EXT_(y2_);                                           \
        (o_)[0] = mf_wino_sub(mf_wino_sub(w0_, w2_), r0_);                                                            \
        (o_)[12 * (s_)] = mf_wino_sub(p0_, mf_wino_sub(y0_, y2_));                                                    \
        MF_WINO_LD2(w1_, w3_, src_, q_, 1, 3); MF_WINO_LD2(y1_, y3_, src_, q_, 13, 15);                               \
        w1_ = EXT_(w1_); w3_ = EXT_(w3_); y1_ = EXT_(y1_); y3_ = EXT_(y3_);                                           \
        (o_)[1 * (s_)] = mf_wino_sub(mf_wino_add(w1_, w2_), r1_);                                                     \
        (o_)[13 * (s_)] = mf_wino_sub(p1_, mf_wino_add(y1_, y2_));                                                    \
        (o_)[2 * (s_)] = mf_wino_sub(mf_wino_sub(w2_, w1_), r2_);                                                     \
        (o_)[14 * (s_)] = mf_wino_sub(p2_, mf_wino_sub(y2_, y1_));                                                    \
        (o_)[3 * (s_)] = mf_wino_sub(mf_wino_sub(w1_, w3_), r3_);                                                     \
        (o_)[15 * (s_)] = mf_wino_sub(p3_, mf_wino_sub(y1_, y3_));                                                    \
    } while (0)

/* V of tiles t0 .. t0 + nt - 1 (a chunk; past the last tile the last repeats) into v; padded taps read pad (in_c
 * bytes of the pad value: the M block's room, free while V is built). The tile's coordinates step along (one division
 * per chunk) and its 16 tap pointers come from 4 row and 4 column tests. ring (a constant at every call site, 0 for
 * none): the input is a row pipeline's ring window of ring bytes (one batch), input row iy at in + (first + iy * row)
 * mod ring, so the pipeline moves no rows (ops/row_pipeline.py _rings); first + iy * row < 2 ring for the valid rows. */
MF_KERNEL void mf_wino_build_v(const mf_conv2d_params_t *p, const int8_t *in, const int32_t first, const int32_t ring,
                               const int32_t t0, const int32_t nt, const int32_t tiles, int32_t *v, int8_t *pad)
{
    const int32_t ic = p->in_c, np = ic / 2, tw = p->out_w / 2, th = (p->out_h + 1) / 2, s = np * MF_WINO_GROUP;
    const int32_t row = p->in_w * ic;
    mf_dsp_fill(pad, p->pad_value, ic);
    __asm__ volatile("" ::: "memory");                               /* the pad bytes before the loads that read them */
    int32_t b = t0 / (th * tw), ty = (t0 - b * (th * tw)) / tw, tx = t0 - b * (th * tw) - ty * tw;
    for (int32_t t = 0, tt = t0; t < nt; ++t) {
        const int32_t iy0 = 2 * ty - p->pad_top, ix0 = 2 * tx - p->pad_left;
        const int32_t at = (b * p->in_h + iy0) * row + ix0 * ic;   /* tap (0, 0)'s offset, valid or not */
        const int8_t *src[16];
        int32_t cok = 0;                                            /* bit k: column k inside the input */
#pragma GCC unroll 4
        for (int32_t k = 0; k < 4; ++k) cok |= ((uint32_t)(ix0 + k) < (uint32_t)p->in_w) << k;
#pragma GCC unroll 4
        for (int32_t i = 0; i < 4; ++i) {                           /* unrolled: 16 selects, no branches */
            const int32_t ok = (uint32_t)(iy0 + i) < (uint32_t)p->in_h ? cok : 0;
            if (ring) {                                             /* the row's place in the ring (valid rows) */
                int32_t r = first + (iy0 + i) * row;
                r = (r >= ring ? r - ring : r) + ix0 * ic;
#pragma GCC unroll 4
                for (int32_t k = 0; k < 4; ++k) src[4 * i + k] = (ok >> k) & 1 ? in + r + k * ic : pad;
                continue;
            }
#pragma GCC unroll 4
            for (int32_t k = 0; k < 4; ++k) src[4 * i + k] = (ok >> k) & 1 ? in + at + i * row + k * ic : pad;
        }
        int32_t *o = v + (t / MF_WINO_GROUP) * 16 * s + (t % MF_WINO_GROUP);
        for (int32_t q = 0; q < ic; q += 4, o += 2 * MF_WINO_GROUP) {
            MF_WINO_V(mf_dsp_ev, src, q, o, s);                     /* channels (q, q + 2) */
            MF_WINO_V(mf_dsp_od, src, q, o + MF_WINO_GROUP, s);     /* channels (q + 1, q + 3) */
        }
        if (tt + 1 < tiles) {                                       /* the next tile (the last repeats) */
            ++tt;
            if (++tx == tw) { tx = 0; if (++ty == th) { ty = 0; ++b; } }
        }
    }
}

/* SXTAB16: a + the sign-extended even (ev) or odd (od) bytes of raw word b, i.e. a + mf_dsp_ev(b) in one instruction
 * (plain asm like mf_wino_add, so the compiler may share and drop it). */
MF_KERNEL int32_t mf_wino_xtab_ev(int32_t a, int32_t b) { int32_t r; __asm__("sxtab16 %0, %1, %2" : "=r"(r) : "r"(a), "r"(b)); return r; }
MF_KERNEL int32_t mf_wino_xtab_od(int32_t a, int32_t b)
{
    int32_t r; __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(a), "r"(b)); return r;
}

/* U of 4 in channels (both pair sets) of one out channel: U[i][c] (xi = 4i + c) = G2 applied down kernel column
 * (c = 0: column 0; 3: column 2; 1, 2: T +- column 1, T = column 0 + column 2). Each weight word is loaded once and
 * the work goes column by column for both pair sets, so what stays live is a column's raw words and T of both pair
 * sets: column 0 (its U column, T = column 0), column 2 (its U column, T += column 2), column 1's rows 0 and 2 (P =
 * T + column 1, M = T - column 1 there, and P0 + P2, M0 + M2), then its row 1 (the middle of U). At most 11 values
 * live, with the 3 pointers 14 registers: no spills (GCC spilled with all of column 1 loaded at once). Fences keep
 * GCC's scheduler from hoisting the extensions, which spilled too. SXTAB16 adds a raw word's halves where its
 * extension is not needed otherwise. u0 holds rows i = 0, 1, u1 rows 2, 3: (4 (i & 1) + c) * s words on. */
#define MF_WINO_FENCE __asm__ volatile("" ::: "memory")
#define MF_WINO_UST(i_, c_, h_, v_) (((i_) < 2 ? o0_ : o1_)[(4 * ((i_) & 1) + (c_)) * s_ + 2 * (h_)] = (v_))
#define MF_WINO_U_COL0(EXT_, h_, t0_, t1_, t2_, a0_, a1_, a2_)                                                        \
    do {                                                                                                              \
        t0_ = EXT_(a0_); MF_WINO_UST(0, 0, h_, t0_); t2_ = EXT_(a2_); MF_WINO_UST(3, 0, h_, t2_);                      \
        const int32_t x_ = mf_wino_add(t0_, t2_); t1_ = EXT_(a1_);                                                    \
        MF_WINO_UST(1, 0, h_, mf_wino_add(x_, t1_)); MF_WINO_UST(2, 0, h_, mf_wino_sub(x_, t1_));                     \
    } while (0)
#define MF_WINO_U_COL2(EXT_, XTAB_, h_, t0_, t1_, t2_, b0_, b1_, b2_)                                                 \
    do {                                                                                                              \
        const int32_t f0_ = EXT_(b0_); MF_WINO_UST(0, 3, h_, f0_); t0_ = mf_wino_add(t0_, f0_);                       \
        const int32_t f2_ = EXT_(b2_); MF_WINO_UST(3, 3, h_, f2_); t2_ = mf_wino_add(t2_, f2_);                       \
        const int32_t x_ = mf_wino_add(f0_, f2_); MF_WINO_UST(1, 3, h_, XTAB_(x_, b1_));                              \
        const int32_t f1_ = EXT_(b1_); t1_ = mf_wino_add(t1_, f1_); MF_WINO_UST(2, 3, h_, mf_wino_sub(x_, f1_));      \
    } while (0)
#define MF_WINO_U_COL1A(EXT_, XTAB_, h_, t0_, t2_, c0_, c2_, tp_, tm_)                                               \
    do {                                                                                                              \
        const int32_t p0_ = XTAB_(t0_, c0_); MF_WINO_UST(0, 1, h_, p0_);                                              \
        const int32_t m0_ = mf_wino_sub(t0_, EXT_(c0_)); MF_WINO_UST(0, 2, h_, m0_);                                  \
        const int32_t p2_ = XTAB_(t2_, c2_); MF_WINO_UST(3, 1, h_, p2_);                                              \
        const int32_t m2_ = mf_wino_sub(t2_, EXT_(c2_)); MF_WINO_UST(3, 2, h_, m2_);                                  \
        tp_ = mf_wino_add(p0_, p2_); tm_ = mf_wino_add(m0_, m2_);                                                     \
    } while (0)
#define MF_WINO_U_COL1B(EXT_, XTAB_, h_, t1_, c1_, tp_, tm_)                                                          \
    do {                                                                                                              \
        const int32_t p1_ = XTAB_(t1_, c1_);                                                                          \
        MF_WINO_UST(1, 1, h_, mf_wino_add(tp_, p1_)); MF_WINO_UST(2, 1, h_, mf_wino_sub(tp_, p1_));                   \
        const int32_t m1_ = mf_wino_sub(t1_, EXT_(c1_));                                                              \
        MF_WINO_UST(1, 2, h_, mf_wino_add(tm_, m1_)); MF_WINO_UST(2, 2, h_, mf_wino_sub(tm_, m1_));                   \
    } while (0)

/* U of out channels c0, c1 (c1 == c0 for an odd last channel) into u0 (xi < 8) and u1 (xi >= 8): per out channel j
 * and 4 in channels q, pair q / 2 (channels q, q + 2: ev) at word 2 (q / 2) + j of each position, pair q / 2 + 1
 * (q + 1, q + 3: od) 2 words on. */
MF_KERNEL void mf_wino_build_u(const mf_conv2d_params_t *p, const int32_t c0, const int32_t c1, int32_t *u0, int32_t *u1)
{
    const int32_t ic = p->in_c, s_ = ic;   /* s_: words per transform position (np pairs x 2 channels) */
    for (int32_t j = 0; j < 2; ++j) {
        const int8_t *w = p->weights + (j ? c1 : c0) * 9 * ic;
        int32_t *o0_ = u0 + j, *o1_ = u1 + j;
        for (int32_t q = 0; q < ic; q += 4, w += 4, o0_ += 4, o1_ += 4) {
            int32_t t0, t1, t2, r0, r1, r2;    /* T of the ev pair set (t) and of the od one (r) */
            int32_t a0, a1, a2, b0, b1, b2;    /* columns 0 and 2: one run of loads (pipelined on the M4) */
            __asm__("ldr %0, %6\n\tldr %1, %7\n\tldr %2, %8\n\tldr %3, %9\n\tldr %4, %10\n\tldr %5, %11"
                    : "=&r"(a0), "=&r"(a1), "=&r"(a2), "=&r"(b0), "=&r"(b1), "=&r"(b2)
                    : "m"(*(const int32_t *)w), "m"(*(const int32_t *)(w + 3 * ic)),
                      "m"(*(const int32_t *)(w + 6 * ic)), "m"(*(const int32_t *)(w + 2 * ic)),
                      "m"(*(const int32_t *)(w + 5 * ic)), "m"(*(const int32_t *)(w + 8 * ic)));
            MF_WINO_U_COL0(mf_dsp_ev, 0, t0, t1, t2, a0, a1, a2);
            MF_WINO_FENCE;
            MF_WINO_U_COL0(mf_dsp_od, 1, r0, r1, r2, a0, a1, a2);
            MF_WINO_FENCE;
            MF_WINO_U_COL2(mf_dsp_ev, mf_wino_xtab_ev, 0, t0, t1, t2, b0, b1, b2);
            MF_WINO_FENCE;
            MF_WINO_U_COL2(mf_dsp_od, mf_wino_xtab_od, 1, r0, r1, r2, b0, b1, b2);
            MF_WINO_FENCE;
            const int32_t e0 = mf_dsp_ld4(w + ic), e2 = mf_dsp_ld4(w + 7 * ic);
            MF_WINO_FENCE;
            int32_t tpe, tme, tpo, tmo;
            MF_WINO_U_COL1A(mf_dsp_ev, mf_wino_xtab_ev, 0, t0, t2, e0, e2, tpe, tme);
            MF_WINO_FENCE;
            MF_WINO_U_COL1A(mf_dsp_od, mf_wino_xtab_od, 1, r0, r2, e0, e2, tpo, tmo);
            MF_WINO_FENCE;
            const int32_t e1 = mf_dsp_ld4(w + 4 * ic);
            MF_WINO_FENCE;
            MF_WINO_U_COL1B(mf_dsp_ev, mf_wino_xtab_ev, 0, t1, e1, tpe, tme);
            MF_WINO_FENCE;
            MF_WINO_U_COL1B(mf_dsp_od, mf_wino_xtab_od, 1, r1, e1, tpo, tmo);
        }
    }
}
#undef MF_WINO_UST

/* One pair n (its words at byte 16 n of the group's V words, 8 n of U's): 6 loads, 8 SMLADs (SMUADs for the first
 * pair of a pass that starts the sums: OP_ "smuad", A_ ""; else "smlad", a ", %[acc]" suffix). */
#define MF_WINO_PAIR_(n_, OP_, S00_, S01_, S10_, S11_, S20_, S21_, S30_, S31_)                                        \
    "ldr %[u0], [%[u], #8*(" #n_ ")]\n\tldr %[u1], [%[u], #8*(" #n_ ")+4]\n\t"                                         \
    "ldr %[x0], [%[v], #16*(" #n_ ")]\n\tldr %[x1], [%[v], #16*(" #n_ ")+4]\n\t"                                       \
    OP_ " %[a00], %[u0], %[x0]" S00_ "\n\t" OP_ " %[a01], %[u1], %[x0]" S01_ "\n\t"                                    \
    OP_ " %[a10], %[u0], %[x1]" S10_ "\n\t" OP_ " %[a11], %[u1], %[x1]" S11_ "\n\t"                                    \
    "ldr %[x0], [%[v], #16*(" #n_ ")+8]\n\tldr %[x1], [%[v], #16*(" #n_ ")+12]\n\t"                                    \
    OP_ " %[a20], %[u0], %[x0]" S20_ "\n\t" OP_ " %[a21], %[u1], %[x0]" S21_ "\n\t"                                    \
    OP_ " %[a30], %[u0], %[x1]" S30_ "\n\t" OP_ " %[a31], %[u1], %[x1]" S31_ "\n\t"
#define MF_WINO_P(n_) MF_WINO_PAIR_(n_, "smlad", ", %[a00]", ", %[a01]", ", %[a10]", ", %[a11]", ", %[a20]", ", %[a21]", \
                                    ", %[a30]", ", %[a31]")
#define MF_WINO_P2(n_) MF_WINO_P(n_) MF_WINO_P((n_) + 1)
#define MF_WINO_P4(n_) MF_WINO_P2(n_) MF_WINO_P2((n_) + 2)
#define MF_WINO_P8(n_) MF_WINO_P4(n_) MF_WINO_P4((n_) + 4)
#define MF_WINO_P16(n_) MF_WINO_P8(n_) MF_WINO_P8((n_) + 8)
#define MF_WINO_P32(n_) MF_WINO_P16(n_) MF_WINO_P16((n_) + 16)
/* K pairs starting the sums (the whole window of one transform position when K = np) */
#define MF_WINO_F1 MF_WINO_PAIR_(0, "smuad", "", "", "", "", "", "", "", "")
#define MF_WINO_F2 MF_WINO_F1 MF_WINO_P(1)
#define MF_WINO_F4 MF_WINO_F2 MF_WINO_P2(2)
#define MF_WINO_F8 MF_WINO_F4 MF_WINO_P4(4)
#define MF_WINO_F16 MF_WINO_F8 MF_WINO_P8(8)
#define MF_WINO_F32 MF_WINO_F16 MF_WINO_P16(16)
#define MF_WINO_ACC_OUT(C_) [a00] C_(a00), [a01] C_(a01), [a10] C_(a10), [a11] C_(a11), [a20] C_(a20), [a21] C_(a21),      \
                            [a30] C_(a30), [a31] C_(a31), [u0] "=&r"(t0_), [u1] "=&r"(t1_), [x0] "=&r"(t2_), [x1] "=&r"(t3_)
#define MF_WINO_EQ(x_) "=&r"(x_)
#define MF_WINO_PLUS(x_) "+r"(x_)
/* The whole window in one block (no loop: the 8 accumulators, both pointers and 4 loaded words take the 14
 * allocatable registers), or passes of K pairs on zeroed sums. */
#define MF_WINO_FIRST_ASM(PAIRS_, K_)                                                                                 \
    __asm__ volatile("@ mf_wino_gemm " #K_ " pairs\n\t" PAIRS_ : MF_WINO_ACC_OUT(MF_WINO_EQ) : [v] "r"(vp), [u] "r"(up) \
                     : "memory")
#define MF_WINO_PASS_ASM(PAIRS_, K_)                                                                                  \
    __asm__ volatile("@ mf_wino_gemm pass of " #K_ " pairs\n\t" PAIRS_ : MF_WINO_ACC_OUT(MF_WINO_PLUS)              \
                     : [v] "r"(vp), [u] "r"(up) : "memory")
#define MF_WINO_PASSES(PAIRS_, K_)                                                                                    \
    do {                                                                                                              \
        a00 = a01 = a10 = a11 = a20 = a21 = a30 = a31 = 0;                                                            \
        for (int32_t k_ = 0; k_ < np; k_ += (K_), vp += 4 * (K_), up += 2 * (K_)) MF_WINO_PASS_ASM(PAIRS_, K_);       \
    } while (0)

#if defined(MF_TARGET_M7)
/* The M7's schedule of a whole window (its loads issue beside the SMLADs: 8 cycles a pair instead of 11): pair n's
 * words are loaded before it starts (MF_WINO7_PRO, or pair n - 1's tail) and each of its SMLADs but the even ones
 * shares its cycle with a load: pair n's third and fourth V words, then pair n + 1's first V and both U words (after
 * their last reads: a load beside the SMLAD that reads its old value), then, on its own or beside pair n + 1's first
 * SMLAD, pair n + 1's second V word. */
#define MF_WINO7_PRO "ldr %[u0], [%[u]]\n\tldr %[u1], [%[u], #4]\n\tldr %[x0], [%[v]]\n\tldr %[x1], [%[v], #4]\n\t"
#define MF_WINO7_PAIR_(n_, OP_, S00_, S01_, S10_, S11_, S20_, S21_, S30_, S31_, NEXT_)                               \
    OP_ " %[a00], %[u0], %[x0]" S00_ "\n\t"                                                                            \
    OP_ " %[a01], %[u1], %[x0]" S01_ "\n\tldr %[x0], [%[v], #16*(" #n_ ")+8]\n\t"                                      \
    OP_ " %[a10], %[u0], %[x1]" S10_ "\n\t"                                                                            \
    OP_ " %[a11], %[u1], %[x1]" S11_ "\n\tldr %[x1], [%[v], #16*(" #n_ ")+12]\n\t"                                     \
    OP_ " %[a20], %[u0], %[x0]" S20_ "\n\t"                                                                            \
    OP_ " %[a21], %[u1], %[x0]" S21_ "\n\t" NEXT_(n_, "ldr %[x0], [%[v], #16*(" #n_ ")+16]\n\t")                       \
    OP_ " %[a30], %[u0], %[x1]" S30_ "\n\t" NEXT_(n_, "ldr %[u0], [%[u], #8*(" #n_ ")+8]\n\t")                         \
    OP_ " %[a31], %[u1], %[x1]" S31_ "\n\t" NEXT_(n_, "ldr %[u1], [%[u], #8*(" #n_ ")+12]\n\t")                        \
    NEXT_(n_, "ldr %[x1], [%[v], #16*(" #n_ ")+20]\n\t")
#define MF_WINO7_NEXT(n_, s_) s_
#define MF_WINO7_NONE(n_, s_)
#define MF_WINO7_Q(n_) MF_WINO7_PAIR_(n_, "smlad", ", %[a00]", ", %[a01]", ", %[a10]", ", %[a11]", ", %[a20]",         \
                                      ", %[a21]", ", %[a30]", ", %[a31]", MF_WINO7_NEXT)
#define MF_WINO7_LAST(n_) MF_WINO7_PAIR_(n_, "smlad", ", %[a00]", ", %[a01]", ", %[a10]", ", %[a11]", ", %[a20]",      \
                                         ", %[a21]", ", %[a30]", ", %[a31]", MF_WINO7_NONE)
#define MF_WINO7_FIRST(NEXT_) MF_WINO7_PRO MF_WINO7_PAIR_(0, "smuad", "", "", "", "", "", "", "", "", NEXT_)
#define MF_WINO7_Q2(n_) MF_WINO7_Q(n_) MF_WINO7_Q((n_) + 1)
#define MF_WINO7_Q4(n_) MF_WINO7_Q2(n_) MF_WINO7_Q2((n_) + 2)
#define MF_WINO7_Q8(n_) MF_WINO7_Q4(n_) MF_WINO7_Q4((n_) + 4)
#define MF_WINO7_F2 MF_WINO7_FIRST(MF_WINO7_NEXT) MF_WINO7_LAST(1)
#define MF_WINO7_F4 MF_WINO7_FIRST(MF_WINO7_NEXT) MF_WINO7_Q2(1) MF_WINO7_LAST(3)
#define MF_WINO7_F8 MF_WINO7_FIRST(MF_WINO7_NEXT) MF_WINO7_Q(1) MF_WINO7_Q4(2) MF_WINO7_Q(6) MF_WINO7_LAST(7)
#define MF_WINO7_F16 MF_WINO7_FIRST(MF_WINO7_NEXT) MF_WINO7_Q(1) MF_WINO7_Q8(2) MF_WINO7_Q4(10) MF_WINO7_Q(14)        \
    MF_WINO7_LAST(15)
#define MF_WINO7_F32 MF_WINO7_FIRST(MF_WINO7_NEXT) MF_WINO7_Q(1) MF_WINO7_Q8(2) MF_WINO7_Q8(10) MF_WINO7_Q8(18)       \
    MF_WINO7_Q4(26) MF_WINO7_Q(30) MF_WINO7_LAST(31)
#define MF_WINO_WIN(K_) MF_WINO_FIRST_ASM(MF_WINO7_F##K_, K_ M7)
#else
#define MF_WINO_WIN(K_) MF_WINO_FIRST_ASM(MF_WINO_F##K_, K_)
#endif

/* M (16 positions x 4 tiles x 2 channels: m[xi * 8 + 2 * t + j]) of a group's V words vg against U (u0, u1). */
MF_KERNEL void mf_wino_gemm(const int32_t *vg, const int32_t *u0, const int32_t *u1, const int32_t np, int32_t *m)
{
    /* two loops of 8 positions (U from u0, then u1) ending on m's address: no position counter or test to keep
     * across the window, which takes every register */
    const int32_t *v_xi = vg;
    for (int32_t h = 0; h < 2; ++h) {
        const int32_t *u_xi = h ? u1 : u0;
        for (int32_t *const m_end = m + 64; m != m_end; m += 8, v_xi += np * MF_WINO_GROUP, u_xi += np * 2) {
            int32_t a00, a01, a10, a11, a20, a21, a30, a31, t0_, t1_, t2_, t3_;
            const int32_t *vp = v_xi, *up = u_xi;
            if (np == 32) MF_WINO_WIN(32);
            else if (np == 16) MF_WINO_WIN(16);
            else if (np == 8) MF_WINO_WIN(8);
            else if (np == 4) MF_WINO_WIN(4);
            else if (np == 2) MF_WINO_WIN(2);
            else if (np % 32 == 0) MF_WINO_PASSES(MF_WINO_P32(0), 32);
            else if (np % 8 == 0) MF_WINO_PASSES(MF_WINO_P8(0), 8);
            else MF_WINO_PASSES(MF_WINO_P2(0), 2);
            (void)t0_; (void)t1_; (void)t2_; (void)t3_;
#if defined(MF_TARGET_M7)
            int32_t *const mv = m;            /* STRDs: one cycle each on the M7 */
#else
            volatile int32_t *const mv = m;   /* single STRs (volatile: GCC would pair them into STRDs, 3 cycles each
                                               * on the M4 / M33 against 2 for two STRs) */
#endif
            mv[0] = a00; mv[1] = a01; mv[2] = a10; mv[3] = a11; mv[4] = a20; mv[5] = a21; mv[6] = a30; mv[7] = a31;
        }
    }
}

/* A row pipeline's ADD fused into its last convolution's requantisation (ops/row_pipeline.py fused_add): the
 * ADD's linear form (ops/add.py add_mla, exact for all 256 x 256 input pairs against TFLM's arithmetic), out =
 * SSAT(a * x + b * y + c >> k, 8) clamped to [lo, hi], with x and y the ADD's first and second input bytes (the
 * conv's output byte and the residual's, in the ADD's order: conv_b says the conv's is y): two MLAs on the conv's
 * byte in its register and the residual's byte, so the conv's output is never stored to be read back by an ADD pass. */
typedef struct {
    int32_t a, b, c, k, lo, hi, conv_b;
} mf_wino_add_t;

/* mf_dsp_out_fast's requantisation as an int32 (the byte in a register, not re-extended for the fused ADD). */
MF_KERNEL int32_t mf_wino_out(int32_t acc, int32_t m2, int32_t em1, int32_t out_offset, int32_t act_min,
                              int32_t act_max)
{
    int32_t v;
    __asm__("smmlar %0, %1, %2, %1" : "=r"(v) : "r"(acc), "r"(m2));
    if (!MF_NEG_CLAMPED(act_min, out_offset)) v += v >> 31;
    v = (v >> em1) + (2 * out_offset + 1);
    __asm__("ssat %0, #8, %1, asr #1" : "=r"(v) : "r"(v));
    if (act_min > -128 && v < act_min) v = act_min;
    if (act_max < 127 && v > act_max) v = act_max;
    return v;
}

MF_KERNEL int32_t mf_wino_add_out(const mf_wino_add_t *f, const int32_t cv, const int32_t rv)
{
    int32_t r = __ssat((f->c + (f->conv_b ? f->b : f->a) * cv + (f->conv_b ? f->a : f->b) * rv) >> f->k, 8);
    if (f->lo > -128) r = r < f->lo ? f->lo : r;
    if (f->hi < 127) r = r > f->hi ? f->hi : r;
    return r;
}

/* The layer: nt tiles a chunk (ops/conv2d.py wino_plan), v (nt * in_c * 32 bytes), u0, u1 (32 * in_c bytes each) and
 * m (512 bytes), all 4-byte aligned. nr (a constant at every call site: the inlined kernel keeps one mode): the
 * resident mode when > 0, where u0 is a row pipeline's resident-U buffer (ops/row_pipeline.py resident_u): the U of
 * out-channel pairs 0 .. nr - 1 (pair i's halves at u0 + 16 in_c i and 8 in_c words on), built once here, so no chunk
 * rebuilds them; when nr < the pairs, the halves the other pairs are rebuilt into follow them (u1 unused). fa (a
 * constant at every call site, 0 for none): an ADD fused into the requantisation (mf_wino_add_out), each output byte
 * the ADD of the conv's byte and the byte of res at the same place, read just before it is written (res may be out).
 * mf_conv2d_s8_wino_ring: the input a ring window (mf_wino_build_v's first, ring). */
MF_KERNEL void mf_conv2d_s8_wino_ring(const mf_conv2d_params_t *p, const int8_t *in, const int32_t first,
                                      const int32_t ring, int8_t *out, const int32_t nt, int32_t *v, int32_t *u0,
                                      int32_t *u1, int32_t *m, const int32_t nr, const mf_wino_add_t *fa,
                                      const int8_t *res)
{
    const int32_t rd = fa ? (int32_t)(res - out) : 0;   /* the residual's byte for out[i]: out[i + rd] */
    const int32_t ic = p->in_c, np = ic / 2, oc = p->out_c, tw = p->out_w / 2, th = (p->out_h + 1) / 2;
    const int32_t tiles = p->batches * th * tw;
    const int32_t pairs = (oc + 1) / 2;
    const int32_t *const ur = u0;
    if (nr > 0) {
        u0 += 16 * ic * nr;
        u1 = u0 + 8 * ic;
        for (int32_t i = 0; i < nr; ++i)
            mf_wino_build_u(p, 2 * i, 2 * i + 1 < oc ? 2 * i + 1 : 2 * i, u0 - 16 * ic * (nr - i),
                            u0 - 16 * ic * (nr - i) + 8 * ic);
    }
    int32_t built = -1;                            /* the pair whose U u0, u1 hold */
    const int32_t step_row = p->out_w * oc;        /* past a tile row's last tile: on to the next (but after the top
                                                    * row of an odd out_h's last, which ends the batch) */
    for (int32_t c0 = 0, k = 0; c0 < tiles; c0 += nt, ++k) {
        mf_wino_build_v(p, in, first, ring, c0, nt, tiles, v, (int8_t *)m);
        const int32_t n_in = tiles - c0 < nt ? tiles - c0 : nt;
        /* the chunk's first tile: its row and column, and its output's offset; the tiles after it step along (no
         * division per tile and out-channel pair) */
        const int32_t b0 = c0 / (th * tw), ty0 = (c0 - b0 * (th * tw)) / tw, tx0 = c0 - b0 * (th * tw) - ty0 * tw;
        const int32_t at0 = ((b0 * p->out_h + 2 * ty0) * p->out_w + 2 * tx0) * oc;
        for (int32_t i = 0; i < pairs; ++i) {
            /* chunks alternate the order of their out-channel pairs: a chunk's first pair is the one before it ended
             * with, whose U is still in place (the pairs past nr: at the top, so a chunk ends or starts on them) */
            const int32_t c = (k & 1) ? 2 * (pairs - 1 - i) : 2 * i, two = c + 1 < oc;
            const int32_t *ua = u0, *ub = u1;
            if (c / 2 < nr) {
                ua = ur + 8 * ic * c; ub = ua + 8 * ic;
            } else if (c / 2 != built) {
                mf_wino_build_u(p, c, two ? c + 1 : c, u0, u1);
                built = c / 2;
            }
            const int32_t *rq = p->rq + 3 * c;
            int8_t *o = out + at0 + c;
            int32_t ty = ty0, tx = tx0;
            for (int32_t g = 0; g < n_in; g += MF_WINO_GROUP) {
                mf_wino_gemm(v + g * 16 * np, ua, ub, np, m);
                const int32_t n_t = n_in - g < MF_WINO_GROUP ? n_in - g : MF_WINO_GROUP;
                for (int32_t t = 0; t < n_t; ++t) {
                    const int32_t bottom = 2 * ty + 1 != p->out_h;   /* an odd out_h: not the last tile row's */
                    for (int32_t j = 0; j <= two; ++j) {
                        const int32_t *mm = m + 2 * t + j;
                        /* A2^T down each column k (rows r0, r1), then A2 along them */
                        int32_t p0, p1, p2, p3, q0, q1, q2, q3;
#define MF_WINO_COLUMN(k_, p_, q_)                                                                                    \
    do {                                                                                                              \
        int32_t x0_, x1_, x2_, x3_;    /* a column's 4 words in one run of loads (pipelined on the M4) */            \
        __asm__("ldr %0, %4\n\tldr %1, %5\n\tldr %2, %6\n\tldr %3, %7" : "=&r"(x0_), "=&r"(x1_), "=&r"(x2_), "=&r"(x3_) \
                : "m"(mm[8 * (k_)]), "m"(mm[8 * (4 + (k_))]), "m"(mm[8 * (8 + (k_))]), "m"(mm[8 * (12 + (k_))]));   \
        p_ = 2 * x0_ + x1_ + x2_; q_ = x1_ - x2_ - 2 * x3_;                                                           \
    } while (0)
                        MF_WINO_COLUMN(0, p0, q0); MF_WINO_COLUMN(1, p1, q1);
                        MF_WINO_COLUMN(2, p2, q2); MF_WINO_COLUMN(3, p3, q3);
#undef MF_WINO_COLUMN
                        const int32_t bias = rq[j], m2 = rq[2 + j], em1 = rq[4 + j];
#define MF_WINO_ST(i_, acc_)                                                                                          \
    do {                                                                                                              \
        if (fa)                                                                                                       \
            o[i_] = (int8_t)mf_wino_add_out(fa, mf_wino_out((acc_) + bias, m2, em1, p->out_offset, p->act_min,        \
                                                             p->act_max), o[(i_) + rd]);                              \
        else                                                                                                          \
            o[i_] = mf_dsp_out_fast((acc_) + bias, m2, em1, p->out_offset, p->act_min, p->act_max);                   \
    } while (0)
                        MF_WINO_ST(j, (2 * p0 + p1 + p2) >> 2);
                        MF_WINO_ST(oc + j, (p1 - p2 - 2 * p3) >> 2);
                        if (!bottom) continue;
                        MF_WINO_ST(p->out_w * oc + j, (2 * q0 + q1 + q2) >> 2);
                        MF_WINO_ST((p->out_w + 1) * oc + j, (q1 - q2 - 2 * q3) >> 2);
#undef MF_WINO_ST
                    }
                    o += 2 * oc;
                    if (++tx == tw) {
                        tx = 0;
                        if (bottom) o += step_row;
                        if (++ty == th) ty = 0;
                    }
                }
            }
        }
    }
}

MF_KERNEL void mf_conv2d_s8_wino(const mf_conv2d_params_t *p, const int8_t *in, int8_t *out, const int32_t nt,
                                 int32_t *v, int32_t *u0, int32_t *u1, int32_t *m, const int32_t nr,
                                 const mf_wino_add_t *fa, const int8_t *res)
{
    mf_conv2d_s8_wino_ring(p, in, 0, 0, out, nt, v, u0, u1, m, nr, fa, res);
}

#endif
