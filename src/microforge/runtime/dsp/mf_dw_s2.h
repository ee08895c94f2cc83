/* mf_dw_s2 (DSP: Cortex-M4/M7/M33): the row path at stride_w 2, part of mf_depthwise_conv2d.h (included there, after
 * the stride_w 1 blocks' shared macros; its planes, weight words and requantisation are the row path's, described in
 * that file's comment).
 *
 * Per channel row (mf_dw_rows2_channel): output x from the plane words W_i = (in[2x+2i], in[2x+2i+1]) of each kernel
 * row, out_x+i += SMLAD(W_i, P) + SMLABT(W_i+1, Q) (Q's top half is w_r2): one new word and 2 MAC instructions per
 * output and row. 4-output blocks in a loop; a row's last outputs run as one block, so each row pays one block's
 * setup (its first weight loads and 2*bias, its requantisation constants) for its tail: out_w % 4 == 1 or 2 (out_w >= 5)
 * the last 4 outputs and the 1 or 2 after them as 5 or 6 (mf_dw_s2_five, _six), 3 leftovers as 3 (mf_dw_s2_three),
 * out_w 1 and 2 alone.
 *
 * Widening (mf_dw_s2_widen): at stride_w 2 each output reads four new input values (two columns of two rows), so the
 * widening is a third of the layer's cycles; a plane word is (in[u], in[u+1]) of one channel with u = column +
 * pad_left even, i.e. two neighbouring pixels. mf_dw_widen_row4 (mf_depthwise_conv2d.h, which the M4/M33's stride-1
 * rows share) joins the two pixels' words first (PKHBT: channels 0, 1 of both; PKHTB: channels 2, 3 of both) and
 * sign-extends each join twice (SXTB16 plain / ror #8 gives one channel's two columns), 6 instructions for 8 values
 * where widening each pixel first takes 8; eight pixels an iteration (one branch and one pointer step per 32 values).
 * The int16 values are mf_dw_rows_widen's.
 *
 * The direct order at stride_w 2 (mf_depthwise_conv2d_s8_rows2, chosen by ops/depthwise_conv2d.py): mf_dw_rows'
 * direct order with this widening. On the M4/M33 with the layer's one shift (p->ush, _rows_ushift's s2: unclamped,
 * out_zp -128) every block requantises with SMMLA and SSAT's own shift (MF_DW_ROWS_RQU): no e load, no ASR, 5 of a
 * quad's 72 cycles (vww's 48x48x16 layer 244.4K -> 233.0K on the M4); the M7 takes the shift on rows of 4-output
 * blocks only (ops/depthwise_conv2d.py: out_w % 4 == 0; MF_DW_S2_RQ4_M7's shifted form, the others keep e).
 */
#ifndef MF_DW_S2_H
#define MF_DW_S2_H

/* Stride 2 along the width in assembly (no activation clamp): four outputs x..x+3 per iteration from five words
 * per row W_i = (in[2x+2i], in[2x+2i+1]): out_x+i += SMLAD(W_i, P) + SMLABT(W_i+1, Q), 2 MAC instructions and one
 * new word per output and row (the M4/M33's rows: MF_DW_S2_ROW7 below, the M7's: MF_DW_ROWS2_ROW8_M7), requantisation
 * as mf_dw_rows_run; then 2- and 1-output blocks. */
/* The M7 quad loop's rows (MF_TARGET_M7): the row's W0 in D0 (loaded by the row before), W1 into D1 beside its first
 * MAC (which reads neither), then each load beside a MAC as soon as a register frees: W2 into D2, W3 into D0 (W0 spent),
 * W4 into D1 (W1 spent; O4W: its offset and bracket), the next row's W0 into D2 (LN, beside W2's last MAC), its P, Q
 * (LP, LQ; the last row: rnd into C as LN, e, m). The data registers rotate (A B C, C A B, B A C), one MAC a row issues
 * alone (beside CMP, the loop test, in the second row), 8 cycles a row where the fixed registers take 9. */
#define MF_DW_ROWS2_ROW8_M7(D0, D1, D2, O1, O2, O3, O4W, LN, CMP, LP, LQ, B0, B1, B2, B3) \
    "ldr " D1 ", [%[r], " O1 "]\n\tsmlad %[a0], " D0 ", %[P], " B0 "\n\t" \
    "smlabt %[a0], " D1 ", %[Q], %[a0]\n\tldr " D2 ", [%[r], " O2 "]\n\t" \
    "smlad %[a1], " D1 ", %[P], " B1 "\n\tldr " D0 ", [%[r], " O3 "]\n\t" \
    "smlabt %[a1], " D2 ", %[Q], %[a1]\n\tldr " D1 ", [%[r], " O4W "\n\t" \
    "smlad %[a2], " D2 ", %[P], " B2 "\n\t" LN \
    "smlabt %[a2], " D0 ", %[Q], %[a2]\n\t" CMP \
    "smlad %[a3], " D0 ", %[P], " B3 "\n\t" LP \
    "smlabt %[a3], " D1 ", %[Q], %[a3]\n\t" LQ
#define MF_DW_ROWS2_PAIR(O0, O1, O2, MP, MQ, B0, B1) \
    "ldr %[A], [%[r], " O0 "]\n\tldr %[B], [%[r], " O1 "]\n\tldr %[C], [%[r], " O2 "]\n\t" \
    "ldr %[P], " MP "\n\tldr %[Q], " MQ "\n\t" \
    "smlad %[a0], %[A], %[P], " B0 "\n\tsmlabt %[a0], %[B], %[Q], %[a0]\n\t" \
    "smlad %[a1], %[B], %[P], " B1 "\n\tsmlabt %[a1], %[C], %[Q], %[a1]\n\t"

/* The merged tail blocks: kernel row ROW's words at byte offset ROW from r (0, 2 * WP, 4 * WP: operands w, v), its
 * weights P, Q at k + KP, k + KQ; the first row's first MACs take 2*bias (held in the block's last sum, whose own first
 * MAC comes last) as their addend. Requantisation as mf_dw_rows_run's: MF_DW_S2_RQ two outputs with temporaries A, B
 * (m in Q, rnd in C, e in P), MF_DW_S2_RQ1 one output with the temporary A (rnd in RND). */
#define MF_DW_S2_LD(R, ROW, I) "ldr " R ", [%[r], #" ROW "+" #I "]\n\t"
#define MF_DW_S2_W(KP, KQ) "ldr %[P], [%[k], #" KP "]\n\tldr %[Q], [%[k], #" KQ "]\n\t"
#define MF_DW_S2_RQC ".if %c[ush] == 0\n\tldr %[P], [%[k], #36]\n\t.endif\n\tldr %[Q], [%[k], #28]\n\t"
/* With the layer's one shift (ush, M4/M33: MF_DW_ROWS_RQU's SMMLA and SSAT's own shift, rnd' in C / RND; no e load, no
 * ASR) or without it. */
#define MF_DW_S2_RQ(ACC0, ACC1, O0, O1) \
    ".if %c[ush]\n\tsmmla %[A], " ACC0 ", %[Q], %[C]\n\tsmmla %[B], " ACC1 ", %[Q], %[C]\n\t" \
    "ssat %[A], #8, %[A], asr #%c[ush]\n\tssat %[B], #8, %[B], asr #%c[ush]\n\t.else\n\t" \
    "smmlar %[A], " ACC0 ", %[Q], %[C]\n\tsmmlar %[B], " ACC1 ", %[Q], %[C]\n\t" \
    ".if %c[ncl] == 0\n\tadd %[A], %[A], " ACC0 ", asr #31\n\tadd %[B], %[B], " ACC1 ", asr #31\n\t.endif\n\t" \
    "asr %[A], %[A], %[P]\n\tasr %[B], %[B], %[P]\n\tssat %[A], #8, %[A]\n\tssat %[B], #8, %[B]\n\t.endif\n\t" \
    "strb %[A], [%[out], #" O0 "]\n\tstrb %[B], [%[out], #" O1 "]\n\t"
#define MF_DW_S2_RQ1(ACC, RND, O) \
    ".if %c[ush]\n\tsmmla " ACC ", " ACC ", %[Q], " RND "\n\tssat " ACC ", #8, " ACC ", asr #%c[ush]\n\t.else\n\t" \
    ".if %c[ncl]\n\tsmmlar " ACC ", " ACC ", %[Q], " RND "\n\t.else\n\t" \
    "add %[A], " RND ", " ACC ", asr #31\n\tsmmlar " ACC ", " ACC ", %[Q], %[A]\n\t.endif\n\t" \
    "asr " ACC ", " ACC ", %[P]\n\tssat " ACC ", #8, " ACC "\n\t.endif\n\tstrb " ACC ", [%[out], #" O "]\n\t"
#define MF_DW_S2_IN [k] "r"(k), [r] "r"(r), [out] "r"(out), [w] "i"(2 * WP), [v] "i"(4 * WP), [c] "i"(C), [ncl] "i"(ncl), \
    [ush] "i"(ush)
/* The M7 (MF_TARGET_M7) requantises MF_NEG_CLAMPED layers' sums in place, software-pipelined (MF_DW_RQ7_FIRST, _STEP,
 * _LAST: m in Q, rnd in R, e in P); RQ7(SEQ, OTHER) picks SEQ there, OTHER elsewhere. */
#if defined(MF_TARGET_M7)
#define MF_DW_S2_RQ7(SEQ, OTHER) ".if %c[ncl]\n\t" SEQ ".else\n\t" OTHER ".endif\n\t"
#else
#define MF_DW_S2_RQ7(SEQ, OTHER) OTHER
#endif
#define MF_DW_S2_O(I) "#" #I "*%c[c]"
/* The M7's pipelined requantisation of six sums A0..A5 (stored at outputs 0..5; m in Q, e in P, rnd in R). */
#define MF_DW_S2_RQ7_SIX(A0, A1, A2, A3, A4, A5, R)                                                                   \
    MF_DW_RQ7_FIRST(A0, A1, "%[Q]", R, "%[P]") MF_DW_RQ7_STEP(A2, A1, A0, MF_DW_S2_O(0), "%[Q]", R, "%[P]")          \
    MF_DW_RQ7_STEP(A3, A2, A1, MF_DW_S2_O(1), "%[Q]", R, "%[P]") MF_DW_RQ7_STEP(A4, A3, A2, MF_DW_S2_O(2), "%[Q]", R,  \
    "%[P]") MF_DW_RQ7_STEP(A5, A4, A3, MF_DW_S2_O(3), "%[Q]", R, "%[P]")                                            \
    MF_DW_RQ7_LAST(A5, A4, MF_DW_S2_O(4), MF_DW_S2_O(5), "%[P]")

/* Three outputs (out_w % 4 == 3): W0..W3 of a row in one run of loads with its weights, six MACs. */
#define MF_DW_S2_ROW3(ROW, KP, KQ, B0, B1, B2) \
    MF_DW_S2_LD("%[A]", ROW, 0) MF_DW_S2_LD("%[B]", ROW, 4) MF_DW_S2_LD("%[C]", ROW, 8) MF_DW_S2_LD("%[D]", ROW, 12) \
    MF_DW_S2_W(KP, KQ) \
    "smlad %[a0], %[A], %[P], " B0 "\n\tsmlabt %[a0], %[B], %[Q], %[a0]\n\t" \
    "smlad %[a1], %[B], %[P], " B1 "\n\tsmlabt %[a1], %[C], %[Q], %[a1]\n\t" \
    "smlad %[a2], %[C], %[P], " B2 "\n\tsmlabt %[a2], %[D], %[Q], %[a2]\n\t"
/* The M7 (MF_TARGET_M7), mf_dw_s2_three and _three2: a pass (one output row's three sums X0..X2, one kernel row) from the words W0..W2 in D0..D2
 * (loaded by the pass before), its three SMLADs first (P free after them), then its SMLABTs, each MAC issuing beside a
 * load: W3 into D0 (W0 spent), the next pass's P (L6: a new kernel row, or e), its W0, W1, W2 into D1, D2, D0 as they
 * are spent (L8, L10, L12: offset NROW; the last pass: rnd into C as L12), then its Q (L13; or m). The next pass reads
 * D1, D2, D0: the data registers rotate (A B C, B C A, C A B). 6 cycles a pass, the MACs' own, where the M4/M33's
 * runs of loads take about 9 there. */
#define MF_DW_S2_ROW3P_M7(ROW, D0, D1, D2, X0, X1, X2, B0, B1, B2, L6, L8, L10, L12, L13) \
    "smlad " X0 ", " D0 ", %[P], " B0 "\n\t" MF_DW_S2_LD(D0, ROW, 12) \
    "smlad " X1 ", " D1 ", %[P], " B1 "\n\t" \
    "smlad " X2 ", " D2 ", %[P], " B2 "\n\t" L6 \
    "smlabt " X0 ", " D1 ", %[Q], " X0 "\n\t" L8 \
    "smlabt " X1 ", " D2 ", %[Q], " X1 "\n\t" L10 \
    "smlabt " X2 ", " D0 ", %[Q], " X2 "\n\t" L12 L13
#define MF_DW_S2_ROW3P_M7_(...) MF_DW_S2_ROW3P_M7(__VA_ARGS__)
/* the next pass's words at NROW into the rotated registers (D1, D2, D0 of this pass) */
#define MF_DW_S2_N3(NROW, D1, D2, D0) MF_DW_S2_LD(D1, NROW, 0), MF_DW_S2_LD(D2, NROW, 4), MF_DW_S2_LD(D0, NROW, 8)
MF_KERNEL void mf_dw_s2_three(const int32_t *k, const int32_t *r, int8_t *out, const int32_t WP, const int32_t C,
                              const int32_t ncl, const int32_t ush)
{
    int32_t a0, a1, a2, A, B, Cw, D, P, Q;
    __asm__ volatile(
        "ldr %[a2], [%[k], #24]\n\t"
#if defined(MF_TARGET_M7)
        MF_DW_S2_LD("%[A]", "0", 0) MF_DW_S2_LD("%[B]", "0", 4) MF_DW_S2_LD("%[C]", "0", 8) MF_DW_S2_W("0", "4")
        MF_DW_S2_ROW3P_M7_("0", "%[A]", "%[B]", "%[C]", "%[a0]", "%[a1]", "%[a2]", "%[a2]", "%[a2]", "%[a2]",
                           "ldr %[P], [%[k], #8]\n\t", MF_DW_S2_N3("%c[w]", "%[B]", "%[C]", "%[A]"),
                           "ldr %[Q], [%[k], #12]\n\t")
        MF_DW_S2_ROW3P_M7_("%c[w]", "%[B]", "%[C]", "%[A]", "%[a0]", "%[a1]", "%[a2]", "%[a0]", "%[a1]", "%[a2]",
                           "ldr %[P], [%[k], #16]\n\t", MF_DW_S2_N3("%c[v]", "%[C]", "%[A]", "%[B]"),
                           "ldr %[Q], [%[k], #20]\n\t")
        MF_DW_S2_ROW3P_M7_("%c[v]", "%[C]", "%[A]", "%[B]", "%[a0]", "%[a1]", "%[a2]", "%[a0]", "%[a1]", "%[a2]",
                           MF_DW_ROWS_LDE("%[P]"), "", "", "ldr %[C], [%[k], #32]\n\t", "ldr %[Q], [%[k], #28]\n\t")
#else
        MF_DW_S2_ROW3("0", "0", "4", "%[a2]", "%[a2]", "%[a2]")
        MF_DW_S2_ROW3("%c[w]", "8", "12", "%[a0]", "%[a1]", "%[a2]")
        MF_DW_S2_ROW3("%c[v]", "16", "20", "%[a0]", "%[a1]", "%[a2]")
        MF_DW_S2_RQC "ldr %[C], [%[k], #32]\n\t"
#endif
        MF_DW_S2_RQ7(MF_DW_RQ7_FIRST("%[a0]", "%[a1]", "%[Q]", "%[C]", "%[P]")
                     MF_DW_RQ7_STEP("%[a2]", "%[a1]", "%[a0]", MF_DW_S2_O(0), "%[Q]", "%[C]", "%[P]")
                     MF_DW_RQ7_LAST("%[a2]", "%[a1]", MF_DW_S2_O(1), MF_DW_S2_O(2), "%[P]"),
                     MF_DW_S2_RQ("%[a0]", "%[a1]", "0", "%c[c]") MF_DW_S2_RQ1("%[a2]", "%[C]", "2*%c[c]"))
        : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [A] "=&r"(A), [B] "=&r"(B), [C] "=&r"(Cw), [D] "=&r"(D),
          [P] "=&r"(P), [Q] "=&r"(Q)
        : MF_DW_S2_IN
        : "memory");
}

/* Full-plane rows of three outputs (ops/depthwise_conv2d.py _rows2_three: vww's 3x3x128 layer), two rows
 * of one channel a block, as mf_dw_rows_three2 at stride 1; the M4/M33: per kernel row the first row's W0..W2 with the weights P, Q
 * (one run of five loads), W3 into A once W0 is spent, then the second row's (plane rows 2 further: offset v) likewise;
 * one run of the requantisation constants for the six outputs (14 registers: the six sums, A, B, C, P, Q, the
 * pointers; y2 holds 2*bias until the first kernel row's other MACs have taken it). */
#define MF_DW_S2_ROW3P(ROW, LPQ, X0, X1, X2, B0, B1, B2) \
    MF_DW_S2_LD("%[A]", ROW, 0) MF_DW_S2_LD("%[B]", ROW, 4) MF_DW_S2_LD("%[C]", ROW, 8) LPQ \
    "smlad " X0 ", %[A], %[P], " B0 "\n\tsmlabt " X0 ", %[B], %[Q], " X0 "\n\t" MF_DW_S2_LD("%[A]", ROW, 12) \
    "smlad " X1 ", %[B], %[P], " B1 "\n\tsmlabt " X1 ", %[C], %[Q], " X1 "\n\t" \
    "smlad " X2 ", %[C], %[P], " B2 "\n\tsmlabt " X2 ", %[A], %[Q], " X2 "\n\t"
#define MF_DW_S2_ROW3P_(...) MF_DW_S2_ROW3P(__VA_ARGS__)
#define MF_DW_S2_X "%[x0]", "%[x1]", "%[x2]"
#define MF_DW_S2_Y "%[y0]", "%[y1]", "%[y2]"
MF_KERNEL void mf_dw_s2_three2(const int32_t *k, const int32_t *r, int8_t *out, const int32_t WP, const int32_t C,
                               const int32_t ncl, const int32_t ush)
{
    int32_t x0, x1, x2, y0, y1, y2, A, B, Cw, P, Q;
    __asm__ volatile(
#if defined(MF_TARGET_M7)
        "@ mf_dw_s2_three2_m7\n\t"
        "ldr %[y2], [%[k], #24]\n\t" MF_DW_S2_LD("%[A]", "0", 0) MF_DW_S2_LD("%[B]", "0", 4) MF_DW_S2_LD("%[C]", "0", 8)
        MF_DW_S2_W("0", "4")
        MF_DW_S2_ROW3P_M7_("0", "%[A]", "%[B]", "%[C]", MF_DW_S2_X, "%[y2]", "%[y2]", "%[y2]", "",
                           MF_DW_S2_N3("%c[v]", "%[B]", "%[C]", "%[A]"), "")
        MF_DW_S2_ROW3P_M7_("%c[v]", "%[B]", "%[C]", "%[A]", MF_DW_S2_Y, "%[y2]", "%[y2]", "%[y2]", "ldr %[P], [%[k], #8]\n\t",
                           MF_DW_S2_N3("%c[w]", "%[C]", "%[A]", "%[B]"), "ldr %[Q], [%[k], #12]\n\t")
        MF_DW_S2_ROW3P_M7_("%c[w]", "%[C]", "%[A]", "%[B]", MF_DW_S2_X, MF_DW_S2_X, "",
                           MF_DW_S2_N3("%c[v]+%c[w]", "%[A]", "%[B]", "%[C]"), "")
        MF_DW_S2_ROW3P_M7_("%c[v]+%c[w]", "%[A]", "%[B]", "%[C]", MF_DW_S2_Y, MF_DW_S2_Y, "ldr %[P], [%[k], #16]\n\t",
                           MF_DW_S2_N3("%c[v]", "%[B]", "%[C]", "%[A]"), "ldr %[Q], [%[k], #20]\n\t")
        MF_DW_S2_ROW3P_M7_("%c[v]", "%[B]", "%[C]", "%[A]", MF_DW_S2_X, MF_DW_S2_X, "",
                           MF_DW_S2_N3("2*%c[v]", "%[C]", "%[A]", "%[B]"), "")
        MF_DW_S2_ROW3P_M7_("2*%c[v]", "%[C]", "%[A]", "%[B]", MF_DW_S2_Y, MF_DW_S2_Y, MF_DW_ROWS_LDE("%[P]"), "", "",
                           "ldr %[C], [%[k], #32]\n\t", "ldr %[Q], [%[k], #28]\n\t")
        MF_DW_S2_RQ7(MF_DW_S2_RQ7_SIX("%[x0]", "%[x1]", "%[x2]", "%[y0]", "%[y1]", "%[y2]", "%[C]"),
                     MF_DW_S2_RQ("%[x0]", "%[x1]", "0", "%c[c]") MF_DW_S2_RQ("%[x2]", "%[y0]", "2*%c[c]", "3*%c[c]")
                     MF_DW_S2_RQ("%[y1]", "%[y2]", "4*%c[c]", "5*%c[c]"))
#else
        "@ mf_dw_s2_three2\n\t"
        "ldr %[y2], [%[k], #24]\n\t"
        MF_DW_S2_ROW3P_("0", MF_DW_S2_W("0", "4"), MF_DW_S2_X, "%[y2]", "%[y2]", "%[y2]")
        MF_DW_S2_ROW3P_("%c[v]", "", MF_DW_S2_Y, "%[y2]", "%[y2]", "%[y2]")
        MF_DW_S2_ROW3P_("%c[w]", MF_DW_S2_W("8", "12"), MF_DW_S2_X, MF_DW_S2_X)
        MF_DW_S2_ROW3P_("%c[v]+%c[w]", "", MF_DW_S2_Y, MF_DW_S2_Y)
        MF_DW_S2_ROW3P_("%c[v]", MF_DW_S2_W("16", "20"), MF_DW_S2_X, MF_DW_S2_X)
        MF_DW_S2_ROW3P_("2*%c[v]", "", MF_DW_S2_Y, MF_DW_S2_Y)
        MF_DW_S2_RQC "ldr %[C], [%[k], #32]\n\t"
        MF_DW_S2_RQ("%[x0]", "%[x1]", "0", "%c[c]") MF_DW_S2_RQ("%[x2]", "%[y0]", "2*%c[c]", "3*%c[c]")
        MF_DW_S2_RQ("%[y1]", "%[y2]", "4*%c[c]", "5*%c[c]")
#endif
        : [x0] "=&r"(x0), [x1] "=&r"(x1), [x2] "=&r"(x2), [y0] "=&r"(y0), [y1] "=&r"(y1), [y2] "=&r"(y2),
          [A] "=&r"(A), [B] "=&r"(B), [C] "=&r"(Cw), [P] "=&r"(P), [Q] "=&r"(Q)
        : MF_DW_S2_IN
        : "memory");
}
#undef MF_DW_S2_ROW3P
#undef MF_DW_S2_ROW3P_
#undef MF_DW_S2_ROW3P_M7
#undef MF_DW_S2_ROW3P_M7_
#undef MF_DW_S2_N3
#undef MF_DW_S2_X
#undef MF_DW_S2_Y

/* Five outputs (out_w % 4 == 1, the last 4-output block and the lone last output): on the M4/M33 W0..W3 with the
 * weights in one run (D: the 14th register), then W4, W5 into A, B once W0, W1 are spent; 10 load cycles a row where
 * W0..W2, then W3, W4, then W5 took 11. */
#define MF_DW_S2_ROW5(ROW, KP, KQ, B0, B1, B2, B3) \
    MF_DW_S2_LD("%[A]", ROW, 0) MF_DW_S2_LD("%[B]", ROW, 4) MF_DW_S2_LD("%[C]", ROW, 8) MF_DW_S2_LD("%[D]", ROW, 12) \
    MF_DW_S2_W(KP, KQ) \
    "smlad %[a0], %[A], %[P], " B0 "\n\tsmlabt %[a0], %[B], %[Q], %[a0]\n\t" \
    "smlad %[a1], %[B], %[P], " B1 "\n\tsmlabt %[a1], %[C], %[Q], %[a1]\n\t" \
    "smlad %[a2], %[C], %[P], " B2 "\n\tsmlabt %[a2], %[D], %[Q], %[a2]\n\t" \
    MF_DW_S2_LD("%[A]", ROW, 16) MF_DW_S2_LD("%[B]", ROW, 20) \
    "smlad %[a3], %[D], %[P], " B3 "\n\tsmlabt %[a3], %[A], %[Q], %[a3]\n\t" \
    "smlad %[a4], %[A], %[P], %[a4]\n\tsmlabt %[a4], %[B], %[Q], %[a4]\n\t"
/* The M7 schedule (MF_TARGET_M7): each load issues beside a MAC, W3, W4, W5 as A, B, C are spent, then the next row's
 * W0, W1 (LA, LB), its P (LP), W2 and Q (LCQ; the last row: the requantisation constants). */
#define MF_DW_S2_ROW5_M7(ROW, B0, B1, B2, B3, LA, LB, LP, LCQ) \
    "smlad %[a0], %[A], %[P], " B0 "\n\t" MF_DW_S2_LD("%[A]", ROW, 12) "smlabt %[a0], %[B], %[Q], %[a0]\n\t" \
    "smlad %[a1], %[B], %[P], " B1 "\n\t" MF_DW_S2_LD("%[B]", ROW, 16) "smlabt %[a1], %[C], %[Q], %[a1]\n\t" \
    "smlad %[a2], %[C], %[P], " B2 "\n\t" MF_DW_S2_LD("%[C]", ROW, 20) "smlabt %[a2], %[A], %[Q], %[a2]\n\t" \
    "smlad %[a3], %[A], %[P], " B3 "\n\t" LA "smlabt %[a3], %[B], %[Q], %[a3]\n\t" \
    "smlad %[a4], %[B], %[P], %[a4]\n\t" LB "smlabt %[a4], %[C], %[Q], %[a4]\n\t" LP LCQ
MF_KERNEL void mf_dw_s2_five(const int32_t *k, const int32_t *r, int8_t *out, const int32_t WP, const int32_t C,
                             const int32_t ncl, const int32_t ush)
{
    int32_t a0, a1, a2, a3, a4, A, B, Cw, P, Q;
#undef MF_DW_S2_X4
#if defined(MF_TARGET_M7)
#define MF_DW_S2_X4
#else
    int32_t D;
#define MF_DW_S2_X4 [D] "=&r"(D),
#endif
    __asm__ volatile(
        "ldr %[a4], [%[k], #24]\n\t"
#if defined(MF_TARGET_M7)
        MF_DW_S2_LD("%[A]", "0", 0) MF_DW_S2_LD("%[B]", "0", 4) MF_DW_S2_LD("%[C]", "0", 8) MF_DW_S2_W("0", "4")
        MF_DW_S2_ROW5_M7("0", "%[a4]", "%[a4]", "%[a4]", "%[a4]", MF_DW_S2_LD("%[A]", "%c[w]", 0),
                         MF_DW_S2_LD("%[B]", "%c[w]", 4), "ldr %[P], [%[k], #8]\n\t",
                         MF_DW_S2_LD("%[C]", "%c[w]", 8) "ldr %[Q], [%[k], #12]\n\t")
        MF_DW_S2_ROW5_M7("%c[w]", "%[a0]", "%[a1]", "%[a2]", "%[a3]", MF_DW_S2_LD("%[A]", "%c[v]", 0),
                         MF_DW_S2_LD("%[B]", "%c[v]", 4), "ldr %[P], [%[k], #16]\n\t",
                         MF_DW_S2_LD("%[C]", "%c[v]", 8) "ldr %[Q], [%[k], #20]\n\t")
        MF_DW_S2_ROW5_M7("%c[v]", "%[a0]", "%[a1]", "%[a2]", "%[a3]", "", "", MF_DW_ROWS_LDE("%[P]"),
                         "ldr %[C], [%[k], #32]\n\tldr %[Q], [%[k], #28]\n\t")
#else
        MF_DW_S2_ROW5("0", "0", "4", "%[a4]", "%[a4]", "%[a4]", "%[a4]")
        MF_DW_S2_ROW5("%c[w]", "8", "12", "%[a0]", "%[a1]", "%[a2]", "%[a3]")
        MF_DW_S2_ROW5("%c[v]", "16", "20", "%[a0]", "%[a1]", "%[a2]", "%[a3]")
        MF_DW_S2_RQC "ldr %[C], [%[k], #32]\n\t"
#endif
        MF_DW_S2_RQ7(MF_DW_RQ7_FIRST("%[a0]", "%[a1]", "%[Q]", "%[C]", "%[P]")
                     MF_DW_RQ7_STEP("%[a2]", "%[a1]", "%[a0]", MF_DW_S2_O(0), "%[Q]", "%[C]", "%[P]")
                     MF_DW_RQ7_STEP("%[a3]", "%[a2]", "%[a1]", MF_DW_S2_O(1), "%[Q]", "%[C]", "%[P]")
                     MF_DW_RQ7_STEP("%[a4]", "%[a3]", "%[a2]", MF_DW_S2_O(2), "%[Q]", "%[C]", "%[P]")
                     MF_DW_RQ7_LAST("%[a4]", "%[a3]", MF_DW_S2_O(3), MF_DW_S2_O(4), "%[P]"),
                     MF_DW_S2_RQ("%[a0]", "%[a1]", "0", "%c[c]") MF_DW_S2_RQ("%[a2]", "%[a3]", "2*%c[c]", "3*%c[c]")
                     MF_DW_S2_RQ1("%[a4]", "%[C]", "4*%c[c]"))
        : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [a4] "=&r"(a4), [A] "=&r"(A), [B] "=&r"(B),
          [C] "=&r"(Cw), MF_DW_S2_X4 [P] "=&r"(P), [Q] "=&r"(Q)
        : MF_DW_S2_IN
        : "memory");
}

/* Six outputs (out_w % 4 == 2, the last 4-output block and the 2-output block): the six sums, P, Q and the three
 * pointers; on the M4/M33 three data registers (A, B, C: 14 registers), W0..W2 loaded with the weights, then W3, W4 and
 * W5, W6 in pairs as the words before them are spent, 12 load cycles a row (two data registers, W0, W1 with the weights,
 * W2, W3, W4, W5, W6: 13). */
#define MF_DW_S2_ROW6(ROW, KP, KQ, B0, B1, B2, B3, B4) \
    MF_DW_S2_LD("%[A]", ROW, 0) MF_DW_S2_LD("%[B]", ROW, 4) MF_DW_S2_LD("%[C]", ROW, 8) MF_DW_S2_W(KP, KQ) \
    "smlad %[a0], %[A], %[P], " B0 "\n\tsmlabt %[a0], %[B], %[Q], %[a0]\n\t" \
    "smlad %[a1], %[B], %[P], " B1 "\n\tsmlabt %[a1], %[C], %[Q], %[a1]\n\t" \
    MF_DW_S2_LD("%[A]", ROW, 12) MF_DW_S2_LD("%[B]", ROW, 16) \
    "smlad %[a2], %[C], %[P], " B2 "\n\tsmlabt %[a2], %[A], %[Q], %[a2]\n\t" \
    "smlad %[a3], %[A], %[P], " B3 "\n\tsmlabt %[a3], %[B], %[Q], %[a3]\n\t" \
    MF_DW_S2_LD("%[C]", ROW, 20) MF_DW_S2_LD("%[A]", ROW, 24) \
    "smlad %[a4], %[B], %[P], " B4 "\n\tsmlabt %[a4], %[C], %[Q], %[a4]\n\t" \
    "smlad %[a5], %[C], %[P], %[a5]\n\tsmlabt %[a5], %[A], %[Q], %[a5]\n\t"
/* The M7 schedule (MF_TARGET_M7): each load issues beside a MAC (the row's W0 beside its first MAC, which is a0's
 * SMLABT on W1, so W0 lands a cycle before its SMLAD); a5's SMLAD before a4's SMLABT frees P and B (W5) for the next
 * row's P (LP) and W1 (LB), then Q (LQ; the last row: e, rnd, m into P, B, Q). Three MACs a row issue alone, 12 cycles
 * a row where the loads in pairs take 16. */
#define MF_DW_S2_ROW6_M7(ROW, B0, B1, B2, B3, B4, LP, LB, LQ) \
    MF_DW_S2_LD("%[A]", ROW, 0) "smlabt %[a0], %[B], %[Q], " B0 "\n\t" \
    "smlad %[a0], %[A], %[P], %[a0]\n\t" MF_DW_S2_LD("%[A]", ROW, 8) \
    "smlad %[a1], %[B], %[P], " B1 "\n\t" MF_DW_S2_LD("%[B]", ROW, 12) \
    "smlabt %[a1], %[A], %[Q], %[a1]\n\t" \
    "smlad %[a2], %[A], %[P], " B2 "\n\t" MF_DW_S2_LD("%[A]", ROW, 16) \
    "smlabt %[a2], %[B], %[Q], %[a2]\n\t" \
    "smlad %[a3], %[B], %[P], " B3 "\n\t" MF_DW_S2_LD("%[B]", ROW, 20) \
    "smlabt %[a3], %[A], %[Q], %[a3]\n\t" \
    "smlad %[a4], %[A], %[P], " B4 "\n\t" MF_DW_S2_LD("%[A]", ROW, 24) \
    "smlad %[a5], %[B], %[P], %[a5]\n\t" LP \
    "smlabt %[a4], %[B], %[Q], %[a4]\n\t" LB \
    "smlabt %[a5], %[A], %[Q], %[a5]\n\t" LQ
MF_KERNEL void mf_dw_s2_six(const int32_t *k, const int32_t *r, int8_t *out, const int32_t WP, const int32_t C,
                            const int32_t ncl, const int32_t ush)
{
    int32_t a0, a1, a2, a3, a4, a5, A, B, P, Q;
#undef MF_DW_S2_X4
#if defined(MF_TARGET_M7)
#define MF_DW_S2_X4
#else
    int32_t Cw;
#define MF_DW_S2_X4 [C] "=&r"(Cw),
#endif
    __asm__ volatile(
        "ldr %[a5], [%[k], #24]\n\t"
#if defined(MF_TARGET_M7)
        MF_DW_S2_LD("%[B]", "0", 4) MF_DW_S2_W("0", "4")
        MF_DW_S2_ROW6_M7("0", "%[a5]", "%[a5]", "%[a5]", "%[a5]", "%[a5]", "ldr %[P], [%[k], #8]\n\t",
                         MF_DW_S2_LD("%[B]", "%c[w]", 4), "ldr %[Q], [%[k], #12]\n\t")
        MF_DW_S2_ROW6_M7("%c[w]", "%[a0]", "%[a1]", "%[a2]", "%[a3]", "%[a4]", "ldr %[P], [%[k], #16]\n\t",
                         MF_DW_S2_LD("%[B]", "%c[v]", 4), "ldr %[Q], [%[k], #20]\n\t")
        MF_DW_S2_ROW6_M7("%c[v]", "%[a0]", "%[a1]", "%[a2]", "%[a3]", "%[a4]", MF_DW_ROWS_LDE("%[P]"),
                         "ldr %[B], [%[k], #32]\n\t", "ldr %[Q], [%[k], #28]\n\t")
#else
        MF_DW_S2_ROW6("0", "0", "4", "%[a5]", "%[a5]", "%[a5]", "%[a5]", "%[a5]")
        MF_DW_S2_ROW6("%c[w]", "8", "12", "%[a0]", "%[a1]", "%[a2]", "%[a3]", "%[a4]")
        MF_DW_S2_ROW6("%c[v]", "16", "20", "%[a0]", "%[a1]", "%[a2]", "%[a3]", "%[a4]")
        MF_DW_S2_RQC "ldr %[B], [%[k], #32]\n\t"
#endif
        MF_DW_S2_RQ7(MF_DW_S2_RQ7_SIX("%[a0]", "%[a1]", "%[a2]", "%[a3]", "%[a4]", "%[a5]", "%[B]"),
                     MF_DW_S2_RQ1("%[a0]", "%[B]", "0") MF_DW_S2_RQ1("%[a1]", "%[B]", "%c[c]")
                     MF_DW_S2_RQ1("%[a2]", "%[B]", "2*%c[c]") MF_DW_S2_RQ1("%[a3]", "%[B]", "3*%c[c]")
                     MF_DW_S2_RQ1("%[a4]", "%[B]", "4*%c[c]") MF_DW_S2_RQ1("%[a5]", "%[B]", "5*%c[c]"))
        : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [a4] "=&r"(a4), [a5] "=&r"(a5),
          [A] "=&r"(A), [B] "=&r"(B), MF_DW_S2_X4 [P] "=&r"(P), [Q] "=&r"(Q)
        : MF_DW_S2_IN
        : "memory");
}
#undef MF_DW_S2_X4
#undef MF_DW_S2_ROW3
#undef MF_DW_S2_ROW5
#undef MF_DW_S2_ROW5_M7
#undef MF_DW_S2_ROW6
#undef MF_DW_S2_ROW6_M7
#undef MF_DW_S2_LD
#undef MF_DW_S2_W
#undef MF_DW_S2_RQC
#undef MF_DW_S2_RQ
#undef MF_DW_S2_RQ1
#undef MF_DW_S2_IN
#undef MF_DW_S2_RQ7
#undef MF_DW_S2_RQ7_SIX
#undef MF_DW_S2_O

/* One 4-output block (the loop body): the first row's last load steps r to the next block, RQ4_STEP steps out. On the
 * M7 the loop test (CMP: the loop's second block) issues beside the second row's MACs (r is final since the first row,
 * nothing after it sets the flags), so the branch issues beside the last store; MF_DW_S2_TEST is the test at the
 * loop's end elsewhere. */
#if defined(MF_TARGET_M7)
/* MF_NEG_CLAMPED layers (no sign correction) requantise a quad's sums in place, each step beside an independent one
 * (as MF_DW_RQ7_*), out stepped as MF_DW_ROWS_STEP4 (ST0: the first store's offset or post-index, O1..O3 the others');
 * A, B are free there, so the next quad's W0 is loaded into A beside the first SMMLAR (MF_DW_S2_PRE: before the first
 * quad), 9 cycles for the 16 steps and that load where the sums' copies take 9 without it. With the layer's one shift
 * (ush: MF_DW_ROWS_RQU's SMMLA and SSAT's own shift, no e load, no ASR) 13 steps in 7 cycles, the last store beside
 * the next quad's first load; m is then in E (loaded beside the last row's lone MAC), so the last row's P and Q, read
 * by its last two MACs, are loaded beside them with the next quad's first row's (MF_DW_S2_PRE: before the first quad),
 * and a quad starts with its 2*bias load alone. E is the 13th register: the loop's end is in the channel's word 9
 * (e's, unread with the shift, as on the M4), loaded into E beside the first row's lone MAC and compared beside the
 * second's (L0, CMP of MF_DW_S2_QUAD). 31.5 cycles a quad in the loop where e took 34.5. */
#define MF_DW_S2_RQ4_M7(ST0, O1, O2, O3) \
    ".if %c[ush]\n\t" \
    "smmla %[a0], %[a0], %[E], %[C]\n\tldr %[A], [%[r]]\n\t" \
    "smmla %[a1], %[a1], %[E], %[C]\n\tssat %[a0], #8, %[a0], asr #%c[ush]\n\t" \
    "smmla %[a2], %[a2], %[E], %[C]\n\tssat %[a1], #8, %[a1], asr #%c[ush]\n\t" \
    "smmla %[a3], %[a3], %[E], %[C]\n\tstrb %[a0], [%[out]" ST0 "\n\t" \
    "ssat %[a2], #8, %[a2], asr #%c[ush]\n\tstrb %[a1], [%[out], " O1 "]\n\t" \
    "ssat %[a3], #8, %[a3], asr #%c[ush]\n\tstrb %[a2], [%[out]" O2 "\n\t" \
    "strb %[a3], [%[out], " O3 "]\n\t" \
    ".else\n\t" \
    "smmlar %[a0], %[a0], %[Q], %[C]\n\tldr %[A], [%[r]]\n\t" \
    "smmlar %[a1], %[a1], %[Q], %[C]\n\tasr %[a0], %[a0], %[P]\n\t" \
    "smmlar %[a2], %[a2], %[Q], %[C]\n\tasr %[a1], %[a1], %[P]\n\t" \
    "smmlar %[a3], %[a3], %[Q], %[C]\n\tssat %[a0], #8, %[a0]\n\t" \
    "asr %[a2], %[a2], %[P]\n\tssat %[a1], #8, %[a1]\n\t" \
    "strb %[a0], [%[out]" ST0 "\n\tasr %[a3], %[a3], %[P]\n\t" \
    "strb %[a1], [%[out], " O1 "]\n\tssat %[a2], #8, %[a2]\n\t" \
    "ssat %[a3], #8, %[a3]\n\tstrb %[a2], [%[out]" O2 "\n\t" \
    "strb %[a3], [%[out], " O3 "]\n\t" \
    ".endif\n\t"
#define MF_DW_S2_PRE ".if %c[ncl]\n\tldr %[A], [%[r]]\n\t.endif\n\t" \
    ".if %c[ush]\n\tldr %[P], [%[k], #0]\n\tldr %[Q], [%[k], #4]\n\t.endif\n\t"
#define MF_DW_S2_END "cmp %[r], %[end]\n\t"
#define MF_DW_S2_END_U "cmp %[r], %[E]\n\t"
#define MF_DW_S2_L0_U "ldr %[E], [%[k], #36]\n\t"
#define MF_DW_S2_TEST ""
#define MF_DW_S2_QUAD(CMP, L0) \
    "ldr %[a3], [%[k], #24]\n\t.if %c[ncl] == 0\n\tldr %[A], [%[r]]\n\t.endif\n\t" \
    ".if %c[ush] == 0\n\tldr %[P], [%[k], #0]\n\tldr %[Q], [%[k], #4]\n\t.endif\n\t" \
    MF_DW_ROWS2_ROW8_M7("%[A]", "%[B]", "%[C]", "#4", "#8", "#12", "#16]!", "ldr %[C], [%[r], #%c[w16]-16]\n\t", L0, \
    "ldr %[P], [%[k], #8]\n\t", "ldr %[Q], [%[k], #12]\n\t", "%[a3]", "%[a3]", "%[a3]", "%[a3]") \
    MF_DW_ROWS2_ROW8_M7("%[C]", "%[A]", "%[B]", "#%c[w16]-12", "#%c[w16]-8", "#%c[w16]-4", "%[w16]]", "ldr %[B], [%[r], #%c[v16]-16]\n\t", CMP, \
    "ldr %[P], [%[k], #16]\n\t", "ldr %[Q], [%[k], #20]\n\t", "%[a0]", "%[a1]", "%[a2]", "%[a3]") \
    MF_DW_ROWS2_ROW8_M7("%[B]", "%[A]", "%[C]", "#%c[v16]-12", "#%c[v16]-8", "#%c[v16]-4", "%[v16]]", "ldr %[C], [%[k], #32]\n\t", \
    ".if %c[ush]\n\tldr %[E], [%[k], #28]\n\t.endif\n\t", \
    ".if %c[ush]\n\tldr %[P], [%[k], #0]\n\t.else\n\tldr %[P], [%[k], #36]\n\t.endif\n\t", \
    ".if %c[ush]\n\tldr %[Q], [%[k], #4]\n\t.else\n\tldr %[Q], [%[k], #28]\n\t.endif\n\t", \
    "%[a0]", "%[a1]", "%[a2]", "%[a3]") \
    ".if %c[ncl]\n\t.if %c[c4] <= 255\n\t" MF_DW_S2_RQ4_M7("], %[c4]", "#-%c[c3]", ", #-%c[c2]]", "#-%c[c1]") \
    ".elseif %c[c2] <= 255\n\t" MF_DW_S2_RQ4_M7("], %[c2]", "#-%c[c1]", "], %[c2]", "#-%c[c1]") \
    ".else\n\t" MF_DW_S2_RQ4_M7(", #0]", "%[c1]", ", %[c2]]", "%[c3]") "add %[out], %[out], %[c4]\n\t.endif\n\t" \
    ".else\n\t" MF_DW_ROWS_RQ4_STEP("%[a0]", "%[a1]", "%[a2]", "%[a3]") ".endif\n\t"
#else
/* The M4/M33 quad: a row's seven loads (W0..W4 into A..E, its P, Q) in one run, then its 8 MACs (MF_DW_S2_ROW7), so
 * each row pays the first load's extra cycle once, not twice as with three data registers (two runs a row): 64 cycles
 * a quad where the two runs took 67. That takes all 14 registers, so the loop keeps its end in memory: with the
 * layer's one shift (ush) in the channel's word 9 (e's, which no block reads then), where the second quad loads it
 * (END: "ldr %[D], [%[k], #36]") into the run of the requantisation constants and the test compares r with D; without
 * the shift (e read) the loop keeps three data registers and its end in a register (MF_DW_S2_QUAD3). An "m" operand
 * for the end failed to compile where GCC addressed it through a register (a row pipeline's band calls at 6
 * channels), as a volatile slot it added 8 bytes to vww's stack, a loop in C around the asm 4 bytes and 2.7K cycles. */
#define MF_DW_S2_ROW7(PRE, O0, O1, O2, O3, O4W, MP, MQ, B0, B1, B2, B3) \
    PRE "ldr %[A], [%[r], " O0 "]\n\tldr %[B], [%[r], " O1 "]\n\tldr %[C], [%[r], " O2 "]\n\t" \
    "ldr %[D], [%[r], " O3 "]\n\tldr %[P], " MP "\n\tldr %[Q], " MQ "\n\tldr %[E], [%[r], " O4W "\n\t" \
    "smlad %[a0], %[A], %[P], " B0 "\n\tsmlabt %[a0], %[B], %[Q], %[a0]\n\t" \
    "smlad %[a1], %[B], %[P], " B1 "\n\tsmlabt %[a1], %[C], %[Q], %[a1]\n\t" \
    "smlad %[a2], %[C], %[P], " B2 "\n\tsmlabt %[a2], %[D], %[Q], %[a2]\n\t" \
    "smlad %[a3], %[D], %[P], " B3 "\n\tsmlabt %[a3], %[E], %[Q], %[a3]\n\t"
#define MF_DW_S2_PRE ""
#define MF_DW_S2_END "ldr %[D], [%[k], #36]\n\t"
#define MF_DW_S2_END_U MF_DW_S2_END
#define MF_DW_S2_L0_U ""
#define MF_DW_S2_TEST "cmp %[r], %[D]\n\t"
/* The quad loop without the layer's shift: three data registers (W3, W4 reuse W0's and W1's once those are spent, two
 * runs of loads a row), its end in a register. O4W: the last load's offset and closing bracket, "#16]!" for the first
 * row (pre-indexed: r steps to the next block). */
#define MF_DW_S2_ROW3R(O0, O1, O2, O3, O4W, MP, MQ, B0, B1, B2, B3) \
    "ldr %[A], [%[r], " O0 "]\n\tldr %[B], [%[r], " O1 "]\n\tldr %[C], [%[r], " O2 "]\n\t" \
    "ldr %[P], " MP "\n\tldr %[Q], " MQ "\n\t" \
    "smlad %[a0], %[A], %[P], " B0 "\n\tsmlabt %[a0], %[B], %[Q], %[a0]\n\t" \
    "smlad %[a1], %[B], %[P], " B1 "\n\tsmlabt %[a1], %[C], %[Q], %[a1]\n\t" \
    "ldr %[A], [%[r], " O3 "]\n\tldr %[B], [%[r], " O4W "\n\t" \
    "smlad %[a2], %[C], %[P], " B2 "\n\tsmlabt %[a2], %[A], %[Q], %[a2]\n\t" \
    "smlad %[a3], %[A], %[P], " B3 "\n\tsmlabt %[a3], %[B], %[Q], %[a3]\n\t"
#define MF_DW_S2_QUAD3 \
    "ldr %[a3], [%[k], #24]\n\t" \
    MF_DW_S2_ROW3R("#0", "#4", "#8", "#12", "#16]!", "[%[k], #0]", "[%[k], #4]", "%[a3]", "%[a3]", "%[a3]", "%[a3]") \
    MF_DW_S2_ROW3R("#%c[w16]-16", "#%c[w16]-12", "#%c[w16]-8", "#%c[w16]-4", "%[w16]]", "[%[k], #8]", "[%[k], #12]", \
                   "%[a0]", "%[a1]", "%[a2]", "%[a3]") \
    MF_DW_S2_ROW3R("#%c[v16]-16", "#%c[v16]-12", "#%c[v16]-8", "#%c[v16]-4", "%[v16]]", "[%[k], #16]", "[%[k], #20]", \
                   "%[a0]", "%[a1]", "%[a2]", "%[a3]") \
    "ldr %[P], [%[k], #36]\n\tldr %[Q], [%[k], #28]\n\tldr %[C], [%[k], #32]\n\t" \
    MF_DW_ROWS_RQ4_STEP("%[a0]", "%[a1]", "%[a2]", "%[a3]")
#define MF_DW_S2_QUAD(END, L0_) \
    MF_DW_S2_ROW7("ldr %[a3], [%[k], #24]\n\t", "#0", "#4", "#8", "#12", "#16]!", "[%[k], #0]", "[%[k], #4]", \
                  "%[a3]", "%[a3]", "%[a3]", "%[a3]") \
    MF_DW_S2_ROW7("", "#%c[w16]-16", "#%c[w16]-12", "#%c[w16]-8", "#%c[w16]-4", "%[w16]]", "[%[k], #8]", "[%[k], #12]", \
                  "%[a0]", "%[a1]", "%[a2]", "%[a3]") \
    MF_DW_S2_ROW7("", "#%c[v16]-16", "#%c[v16]-12", "#%c[v16]-8", "#%c[v16]-4", "%[v16]]", "[%[k], #16]", "[%[k], #20]", \
                  "%[a0]", "%[a1]", "%[a2]", "%[a3]") \
    ".if %c[ush] == 0\n\tldr %[P], [%[k], #36]\n\t.endif\n\tldr %[Q], [%[k], #28]\n\tldr %[C], [%[k], #32]\n\t" END \
    ".if %c[ush]\n\t" MF_DW_ROWS_RQU4_STEP("%[a0]", "%[a1]", "%[a2]", "%[a3]") ".else\n\t" \
    MF_DW_ROWS_RQ4_STEP("%[a0]", "%[a1]", "%[a2]", "%[a3]") ".endif\n\t"
#endif
/* the quads' row offsets as expressions of w16, v16 (asm takes at most 30 operands, an in-out one counting twice, and
 * the quads also need [ush]) */
#define MF_DW_S2_QUAD_OFFS [w16] "i"(2 * WP), [v16] "i"(4 * WP), [ush] "i"(ush)
/* the M4/M33 quad's two more data registers (D, E), no end operand (in memory: word 9); the M7's E (m and the end with
 * the layer's shift: the end in word 9 as on the M4; else no E, the end in a register) */
#if defined(MF_TARGET_M7)
#define MF_DW_S2_QUAD_DE [E] "=&r"(E),
#define MF_DW_S2_QUAD_END [end] "i"(0)
#define MF_DW_S2_QUAD_END_N [end] "r"(end), [E] "i"(0)
#else
#define MF_DW_S2_QUAD_DE [D] "=&r"(D), [E] "=&r"(E),
#define MF_DW_S2_QUAD_END [end] "i"(0)
#endif
#define MF_DW_S2_QUAD_OPS(DE, END) \
    : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [A] "=&r"(A), [B] "=&r"(B), [C] "=&r"(Cw), \
    DE [P] "=&r"(P), [Q] "=&r"(Q), [r] "+r"(r), [out] "+r"(out) \
    : [k] "r"(k), END, MF_DW_S2_QUAD_OFFS, \
    [c1] "i"(C), [c2] "i"(2 * C), [c3] "i"(3 * C), [c4] "i"(4 * C), MF_DW_NCL(p->act_min, p->out_offset)
MF_KERNEL void mf_dw_rows2_channel(const mf_depthwise_conv2d_params_t *p, const int32_t **rp, const int32_t *k, int8_t **outp)
{
    const int32_t C = p->in_c, WP = p->wp, OW = p->out_w, ncl = MF_NEG_CLAMPED(p->act_min, p->out_offset);
    const int32_t ush = p->ush;
    const int32_t *r = *rp;
    int8_t *out = *outp;
    if (p->act_min > -128 || p->act_max < 127 || 5 * C > 4095 || 4 * WP + 24 > 4095) {
        mf_dw_rows2_channel_c(p, (const int16_t *)r, k, out, 0);
        *rp = r + MF_DW_ROWS_ADV_R(p);
        *outp = out + MF_DW_ROWS_ADV_O(p);
        return;
    }
    /* the row's last outputs in one block: the last quad and the 1 or 2 after it as 5 or 6, 3 leftovers as 3 */
    const int32_t tail = OW & 3, merged = OW > 4 && (tail == 1 || tail == 2), quads = (OW >> 2) - merged;
    int32_t a0, a1, a2, a3, A, B, Cw, P, Q;
#if defined(MF_TARGET_M7)
    int32_t E;          /* m with the layer's shift (MF_DW_S2_RQ4_M7) */
#else
    int32_t D, E;
#endif
    int32_t qn = quads;   /* the quads left for the loop and the odd block below */
#if defined(MF_TARGET_M7)
    /* 2 or 3 quads (vww's 12x12 stride-2 rows: one loop pass and the odd quad) in one straight run: no end to store in
     * word 9 or compare, no branch, and each quad after the first finds A (and with the shift P, Q) loaded by the one
     * before it, where the odd quad's own asm loaded them again (MF_DW_S2_PRE) */
    if (quads == 2 || quads == 3) {
        const int32_t *end = r;
        (void)end;
        if (!ush)
            __asm__ volatile("@ mf_dw_s2_run7\n\t" MF_DW_S2_PRE ".rept %c[nq]\n\t" MF_DW_S2_QUAD("", "") ".endr"
                             MF_DW_S2_QUAD_OPS(, MF_DW_S2_QUAD_END_N), [nq] "i"(quads) : "cc", "memory");
        else
            __asm__ volatile("@ mf_dw_s2_run7\n\t" MF_DW_S2_PRE ".rept %c[nq]\n\t" MF_DW_S2_QUAD("", "") ".endr"
                             MF_DW_S2_QUAD_OPS(MF_DW_S2_QUAD_DE, MF_DW_S2_QUAD_END), [nq] "i"(quads) : "cc", "memory");
        qn = 0;
    }
#endif
    /* the 4-output blocks two an iteration (one loop test and branch per 8 outputs), an odd one after them */
    if (qn >> 1) {
        const int32_t *end = r + 8 * (qn >> 1);
        if (!ush) {     /* e read at word 9: the end in a register (the M4/M33: three data registers) */
#if defined(MF_TARGET_M7)
            __asm__ volatile(MF_DW_S2_PRE "1:\n\t" MF_DW_S2_QUAD("", "") MF_DW_S2_QUAD(MF_DW_S2_END, "") "bne 1b"
                             MF_DW_S2_QUAD_OPS(, MF_DW_S2_QUAD_END_N) : "cc", "memory");
#else
            __asm__ volatile("1:\n\t" MF_DW_S2_QUAD3 MF_DW_S2_QUAD3 "cmp %[r], %[end]\n\tbne 1b"
                             MF_DW_S2_QUAD_OPS(, [end] "r"(end)) : "cc", "memory");
#endif
        } else {
            ((int32_t *)k)[9] = (int32_t)end;   /* kb's word 9 (e's), unread with the layer's shift */
            __asm__ volatile(MF_DW_S2_PRE "1:\n\t" MF_DW_S2_QUAD("", "") MF_DW_S2_QUAD(MF_DW_S2_END_U, MF_DW_S2_L0_U)
                             MF_DW_S2_TEST "bne 1b"
                             MF_DW_S2_QUAD_OPS(MF_DW_S2_QUAD_DE, MF_DW_S2_QUAD_END) : "cc", "memory");
        }
    }
    if (qn & 1) {
        const int32_t *end = r;
        (void)end;
#if defined(MF_TARGET_M7)
        if (!ush)
            __asm__ volatile(MF_DW_S2_PRE MF_DW_S2_QUAD("", "") MF_DW_S2_QUAD_OPS(, MF_DW_S2_QUAD_END_N)
                             : "cc", "memory");
        else
#endif
        __asm__ volatile(MF_DW_S2_PRE MF_DW_S2_QUAD("", "") MF_DW_S2_QUAD_OPS(MF_DW_S2_QUAD_DE, MF_DW_S2_QUAD_END)
                         : "cc", "memory");
    }
    /* r and out left moved by MF_DW_ROWS_ADV_R / _O (the caller steps them on to the next channel) */
    if (merged && tail == 1) {
        mf_dw_s2_five(k, r, out, WP, C, ncl, ush);
        r += 4;
        out += 4 * C;
    } else if (merged) {
        mf_dw_s2_six(k, r, out, WP, C, ncl, ush);
        r += 6;
        out += 6 * C;
    } else if (tail == 3) {
        mf_dw_s2_three(k, r, out, WP, C, ncl, ush);
        r += 2;
        out += 2 * C;
    } else if (tail == 2) {   /* out_w 2 */
        __asm__ volatile(
            "ldr %[a1], [%[k], #24]\n\t"
            MF_DW_ROWS2_PAIR("#0", "#4", "#8", "[%[k], #0]", "[%[k], #4]", "%[a1]", "%[a1]")
            MF_DW_ROWS2_PAIR("%[w0]", "%[w4]", "%[w8]", "[%[k], #8]", "[%[k], #12]", "%[a0]", "%[a1]")
            MF_DW_ROWS2_PAIR("%[v0]", "%[v4]", "%[v8]", "[%[k], #16]", "[%[k], #20]", "%[a0]", "%[a1]")
            MF_DW_ROWS_LDRQ("%[P]", "%[Q]", "%[C]") MF_DW_ROWS_RQS("%[a0]", "%[a1]", "#0", "%[c1]")
            : [a0] "=&r"(a0), [a1] "=&r"(a1), [A] "=&r"(A), [B] "=&r"(B), [C] "=&r"(Cw), [P] "=&r"(P), [Q] "=&r"(Q)
            : [k] "r"(k), [r] "r"(r), [out] "r"(out),
              [w0] "i"(2 * WP), [w4] "i"(2 * WP + 4), [w8] "i"(2 * WP + 8), [v0] "i"(4 * WP), [v4] "i"(4 * WP + 4),
              [v8] "i"(4 * WP + 8), [c1] "i"(C), MF_DW_NCL(p->act_min, p->out_offset), [ush] "i"(ush)
            : "memory");
        r += 2;
        out += 2 * C;
    } else if (tail == 1)   /* out_w 1 */
        mf_dw_rows_one(k, r, out, WP, ncl, ush);
    *rp = r;
    *outp = out;
}
#undef MF_DW_S2_QUAD
#undef MF_DW_S2_QUAD_OPS
#undef MF_DW_S2_QUAD_OFFS
#undef MF_DW_S2_QUAD_DE
#undef MF_DW_S2_QUAD_END
#undef MF_DW_S2_QUAD3
#undef MF_DW_S2_ROW3R
#undef MF_DW_S2_END
#undef MF_DW_S2_END_U
#undef MF_DW_S2_L0_U
#undef MF_DW_S2_QUAD_END_N
#undef MF_DW_S2_ROW7
#undef MF_DW_S2_TEST
#undef MF_DW_S2_PRE
#undef MF_DW_S2_RQ4_M7
#undef MF_DW_ROWS2_PAIR
#undef MF_DW_ROWS2_ROW8_M7
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
    if (MF_DW_WIDEN_ROW4_FITS(C, PL)) {
        mf_dw_widen_row4(src, d, C, W, L, PL);
        return;
    }
    int32_t x = 0;        /* (offsets past LDR's and STR's #imm12: pairs one at a time) */
    if (L & 1) {          /* column L odd: one pixel by halfwords, then the pairs land on word boundaries */
        MF_DW_WIDEN_PX(src, d, PL);
        x = 1;
    }
    for (const int8_t *sp = src + x * C; x + 1 < W; x += 2, sp += 2 * C) {
        int16_t *dp = d + x;
        int32_t w0, w1, t;
        memcpy(&w0, sp, 4);
        memcpy(&w1, sp + C, 4);
        __asm__("pkhbt %[t], %[a], %[b], lsl #16\n\tpkhtb %[b], %[b], %[a], asr #16" : [t] "=&r"(t), [b] "+r"(w1) : [a] "r"(w0));
        int32_t v1, v3;
        __asm__("sxtb16 %0, %1, ror #8" : "=r"(v1) : "r"(t));
        __asm__("sxtb16 %0, %1, ror #8" : "=r"(v3) : "r"(w1));
        *(int32_t *)dp = __sxtb16(t);
        *(int32_t *)(dp + PL) = v1;
        *(int32_t *)(dp + 2 * PL) = __sxtb16(w1);
        *(int32_t *)(dp + 3 * PL) = v3;
    }
    if (x < W)
        MF_DW_WIDEN_PX(src + x * C, d + x, PL);
}

MF_KERNEL void mf_dw_rows_build_ex(const int32_t *g, int32_t *kb, int32_t nrot, int32_t compact, int32_t zp,
                                   int32_t ush, int32_t rolled);  /* below */

/* One output row of a group: channel by channel (weights k, 10 words a channel, the group's nc channels), the planes'
 * rows at r (plane row 0, 1, 2 at r, r + WP, r + 2 WP halfwords; channel j's planes PL halfwords after channel j - 1's),
 * outputs from o. */
MF_KERNEL void mf_dw_s2_row(const mf_depthwise_conv2d_params_t *p, const int16_t *s, const int32_t *k, int32_t nc, int8_t *o)
{
    const int32_t PL = MF_DW_ROWS_NR(p) * p->wp;
    const int32_t *r = (const int32_t *)s, *const kend = k + 10 * nc;
    for (; k < kend; k += 10) {
        mf_dw_rows2_channel(p, &r, k, &o);
        r += PL / 2 - MF_DW_ROWS_ADV_R(p);
        o += 1 - MF_DW_ROWS_ADV_O(p);
    }
}

/* Rotation 2 of a group's words (kb + 80, plane row s taking kernel row (s - 2) mod 3) from rotation 0, as
 * mf_dw_rows_build's nrot 3 makes it. */
MF_KERNEL void mf_dw_s2_rot2(int32_t *kb)
{
    for (int32_t j = 0; j < 4; ++j) {
        const int32_t *k0 = kb + 10 * j;
        int32_t *k2 = kb + 80 + 10 * j;
        const int32_t p0 = k0[0], q0 = k0[1], p1 = k0[2], q1 = k0[3], p2 = k0[4], q2 = k0[5];
        k2[0] = p1; k2[1] = q1; k2[2] = p2; k2[3] = q2; k2[4] = p0; k2[5] = q0;
        memcpy(k2 + 6, k0 + 6, 16);
    }
}

/* mf_dw_rows' direct order at stride 2 (p->direct, stride_h 2; `s` as there: 4 * MF_DW_ROWS_NR(p) * wp int16): the
 * padding columns of every plane row set once; per group of 4 channels its weights built once (mf_dw_rows_build), then
 * - a ring of three plane rows (input row -pad_top + i in plane row i mod 3; three weight rotations): output row oy
 *   widens its two new input rows 2 oy + 1 - pad_top, 2 oy + 2 - pad_top and reads kernel row 0 in plane row rho =
 *   (2 oy) mod 3 (rotation rho), rho stepping by 2 mod 3;
 * - or full planes (ops/depthwise_conv2d.py _rows_full: band = out_h): every input row the layer reads widened first
 *   (input row -pad_top + i in plane row i; the rows outside the image for the first group only, later groups find
 *   their zero points still there), one rotation, output row oy at plane row 2 oy.
 * Each input row is widened before any output row after it is written, so _rows_direct's bound holds. */
MF_KERNEL void mf_dw_s2_rows(const mf_depthwise_conv2d_params_t *p, const int8_t *in, int8_t *out, int16_t *s)
{
    const int32_t C = p->in_c, WP = p->wp, NR = MF_DW_ROWS_NR(p), PL = NR * WP, OWC = p->out_w * C;
    const int32_t full = NR > 3;
    const int32_t ush = p->ush;
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
            int8_t *o = out_b + c0;
            /* the ring's rotations: output row oy reads rotation (-2 oy) mod 3, so 2 output rows (a row pipeline's band
             * calls of 2 rows) read rotations 0 and 2 only: rotation 2 built here (mf_dw_s2_rot2), not both */
            mf_dw_rows_build_ex(p->wr + MF_DW_DIRECT_GW(p, full) * (c0 >> 2), kb,
                                full || p->out_h == 2 ? 1 : p->out_h < 3 ? p->out_h : 3, MF_DW_DIRECT_COMPACT(p, full),
                                p->out_offset, ush, 1);
            if (!full && p->out_h == 2)
                mf_dw_s2_rot2(kb);
            if (full) {
                for (int32_t i = 0; i < NR; ++i)
                    if (c0 == 0 || (i - p->pad_top >= 0 && i - p->pad_top < p->in_h))
                        mf_dw_s2_widen(p, in_b, i - p->pad_top, c0, nc, s + i * WP);
                /* rows of three outputs without an activation clamp, their offsets in range: channel by channel two rows
                 * a block (mf_dw_s2_three2), an odd last row alone (mf_dw_s2_three) */
                if (p->out_w == 3 && p->act_min == -128 && p->act_max == 127 && p->out_h > 1 && 5 * C <= 4095 &&
                    8 * WP + 12 <= 4095) {
                    const int32_t ncl = MF_NEG_CLAMPED(p->act_min, p->out_offset);
                    for (int32_t j = 0; j < nc; ++j) {
                        const int32_t *r = (const int32_t *)(s + j * PL), *const k = kb + 10 * j;
                        int8_t *oc = o + j;
                        for (int32_t oy = 0; oy + 1 < p->out_h; oy += 2, r += 2 * WP, oc += 2 * OWC)
                            mf_dw_s2_three2(k, r, oc, WP, C, ncl, ush);
                        if (p->out_h & 1)
                            mf_dw_s2_three(k, r, oc, WP, C, ncl, ush);
                    }
                    continue;
                }
                for (int32_t oy = 0; oy < p->out_h; ++oy, o += OWC)
                    mf_dw_s2_row(p, s + 2 * oy * WP, kb, nc, o);
                continue;
            }
            mf_dw_s2_widen(p, in_b, -p->pad_top, c0, nc, s);
            int32_t rho = 0;
            for (int32_t iy = 1 - p->pad_top; iy < 2 * p->out_h - p->pad_top; iy += 2, o += OWC) {
                mf_dw_s2_widen(p, in_b, iy, c0, nc, s + (rho == 2 ? 0 : rho + 1) * WP);
                mf_dw_s2_widen(p, in_b, iy + 1, c0, nc, s + (rho == 0 ? 2 : rho - 1) * WP);
                mf_dw_s2_row(p, s, kb + 40 * rho, nc, o);
                rho = rho == 0 ? 2 : rho - 1;
            }
        }
    }
}

MF_KERNEL void mf_depthwise_conv2d_s8_rows2(const mf_depthwise_conv2d_params_t *p, const int8_t *in, int8_t *out, int16_t *s)
{
    mf_dw_s2_rows(p, in, out, s);
}

#endif
