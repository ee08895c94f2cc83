/* mf_add (DSP: Cortex-M4/M7/M33): int8 elementwise addition, bit-exact with TFLM's double rounding.
 *
 * Every intermediate is small: |x - zp| <= 255, so (x - zp) << 20 and everything SRDHM makes of it
 * stays below 2^28, and SRDHM(v, m) = SMMULR(2v, m) exactly (no 64-bit product, no saturation case).
 * RDBP(v, e) = (((v - (v < 0)) >> (e - 1)) + 1) >> 1 for e >= 1 (ties away from zero), folded into one
 * shift with the output offset (mf_add_rdbp_off); the shifts are layer constants. Same params and signatures as runtime/portable/mf_add.h.
 * Same-shape layers run 4 elements per pass in one asm block: the linear pass (mf_add_s8_lin, p->fast == 3) where
 * ops/add.py add_linear finds a linear form exact for every input pair, else the SMLAW pass (fast == 2) or the exact
 * asm pass (mf_add_s8_asm, fast == 1) where their shifts allow it.
 */
#ifndef MF_ADD_H
#define MF_ADD_H
#include <stdint.h>
#include <string.h>
#include <arm_acle.h>
#include "mf_common.h"

typedef struct {
    int32_t size;                                 /* output elements */
    int32_t in1_offset, in2_offset, left_shift;
    int32_t in1_mult, in1_shift, in2_mult, in2_shift, out_mult, out_shift;
    int32_t out_offset, act_min, act_max;
    int32_t out_shape[5], in1_strides[5], in2_strides[5];  /* broadcast only */
    int32_t fast;                                 /* 1: mf_add_s8_asm's conditions hold (ops/add.py add_fast), 2: the
                                                     SMLAW pass (add_smlaw_exact), 3: the linear pass (add_linear) */
    int32_t lin_a, lin_b, lin_c, lin_k, lin_pre;  /* the linear pass's form (fast == 3 only) */
} mf_add_params_t;

MF_INLINE int32_t mf_add_smmulr(int32_t a, int32_t b)
{
    int32_t r;
    __asm__("smmulr %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
}

/* RDBP(v, e) + off in one shift: (((v + (v<0)) >> (e-1)) + 1) >> 1 == (v + (v<0) + 2^(e-1)) >> e
 * (nested floors of powers of two collapse), and adding off after a floor by 2^e is adding off*2^e
 * before it. Here |v| < 2^28 and off*2^e < 2^31 whenever e <= 22, so nothing overflows; larger e keep
 * the add outside. e and off are layer constants, so the branches fold away. */
MF_INLINE int32_t mf_add_rdbp_off(int32_t v, int32_t e, int32_t off)
{
    if (e == 0) return v + off;
    if (e <= 22) return (v + (v >> 31) + ((1 << (e - 1)) + off * (1 << e))) >> e;
    v = (v + (v >> 31)) >> (e - 1);
    return ((v + 1) >> 1) + off;
}

/* Byte `rot/8` of w sign-extended, times 2^k, plus c (= offset * 2^k): SXTB with rotation and one
 * ADD with a shifted operand; GCC would spend a third instruction on it. */
#define MF_ADD_PRE(w, rot, k, c) __extension__({ int32_t _x; \
    __asm__("sxtb %0, %1, ror #" #rot "\n\tadd.w %0, %2, %0, lsl %3" : "=&r"(_x) : "r"(w), "r"(c), "n"(k)); _x; })

/* One element from its two pre-scaled inputs xa = (a + offset1) * 2^k, xb likewise. */
MF_KERNEL int8_t mf_add_post(const mf_add_params_t *p, int32_t xa, int32_t xb)
{
    const int32_t sa = mf_add_rdbp_off(mf_add_smmulr(xa, p->in1_mult), -p->in1_shift, 0);
    const int32_t sb = mf_add_rdbp_off(mf_add_smmulr(xb, p->in2_mult), -p->in2_shift, 0);
    int32_t r = mf_add_rdbp_off(mf_add_smmulr((sa + sb) << 1, p->out_mult), -p->out_shift, p->out_offset);
    r = __ssat(r, 8);
    if (p->act_min > -128) r = r < p->act_min ? p->act_min : r;
    if (p->act_max < 127) r = r > p->act_max ? p->act_max : r;
    return (int8_t)r;
}

MF_KERNEL int8_t mf_add_one(const mf_add_params_t *p, int32_t a, int32_t b)
{
    const int32_t k = p->left_shift + 1;
    return mf_add_post(p, a * (1 << k) + p->in1_offset * (1 << k), b * (1 << k) + p->in2_offset * (1 << k));
}

/* One output from 2 * (sa + sb). */
MF_KERNEL int8_t mf_add_out(const mf_add_params_t *p, int32_t s2)
{
    int32_t r = mf_add_rdbp_off(mf_add_smmulr(s2, p->out_mult), -p->out_shift, p->out_offset);
    r = __ssat(r, 8);
    if (p->act_min > -128) r = r < p->act_min ? p->act_min : r;
    if (p->act_max < 127) r = r > p->act_max ? p->act_max : r;
    return (int8_t)r;
}

/* Twice an input's rescaled value from byte `rot/8` of w. The input with the larger scale always has
 * multiplier 2^30 and shift 0 (its scale over twice the larger scale is 1/2), and then
 * SMMULR(x * 2^21, 2^30) = x * 2^19 exactly: twice that is the pre-scale by 2^20, no multiply. */
#define MF_ADD_TWICE(w, rot, c20, c21, m, sh) ((m) == (1 << 30) && (sh) == 0 ? MF_ADD_PRE(w, rot, 20, c20) \
    : mf_add_rdbp_off(mf_add_smmulr(MF_ADD_PRE(w, rot, 21, c21), m), -(sh), 0) * 2)
#define MF_ADD_ELEM(rot) mf_add_out(p, MF_ADD_TWICE(wa, rot, ca20, ca21, p->in1_mult, p->in1_shift) \
                                      + MF_ADD_TWICE(wb, rot, cb20, cb21, p->in2_mult, p->in2_shift))

/* The 4-element pass in one asm block (mf_add_s8_asm) when it applies: one input has multiplier 2^30 and shift 0
 * (always the one with the larger scale; both when the scales are equal), the other's shift e_in and the output's
 * e_out are in 1..22 (e_in may be 0), so every constant below is a layer constant. Per element: the bytes
 * sign-extended and pre-scaled by 2^21 (the rescaled input) or 2^20 (the trivial one: twice its rescaled value, see
 * MF_ADD_TWICE) plus the offset times that; the rescaled input SMMULR'd and rounded by RDBP (v - (v<0) + 2^(e_in-1))
 * >> e_in; the doubled sum's output SMMLAR(s2, m_out, rnd) with rnd = 2^(e_out-1) + out_offset*2^e_out - (s2 < 0)
 * (mf_dw_requant's argument: s2's sign stands in for the product's, and the -1 cannot cross a multiple of 2^e_out;
 * dropped under MF_NEG_CLAMPED), SSAT by e_out; four results packed (BFI), clamped bytewise (SSUB8/SEL), one STR.
 * 14 registers: 5 constants, 4 pointers, 5 temporaries. ops/add.py sets p->fast when the layer qualifies. */
/* 1 when input 1 (else input 2) is the rescaled one: the other is trivial */
#define MF_ADD_A_RESCALED(p) (!((p)->in1_mult == (1 << 30) && (p)->in1_shift == 0))
#define MF_ADD_ASM_ELEM(R_)                                                                        \
    "sxtb %[x], %[wa], ror #" #R_ "\n\t"                                                           \
    "sxtb %[y], %[wb], ror #" #R_ "\n\t"   /* the two inputs' chains side by side: M7 pairs */     \
    "add %[x], %[ca], %[x], lsl #(20 + %c[na])\n\t"                                                \
    "add %[y], %[cb], %[y], lsl #(20 + %c[nb])\n\t"                                                \
    ".if %c[na]\n\tsmmulr %[x], %[x], %[mi]\n\t.if %c[ei]\n\t"                                   \
    "add %[x], %[x], %[x], asr #31\n\tadd %[x], %[x], #(1 << (%c[ei] - 1))\n\tasr %[x], %[x], #%c[ei]\n\t" \
    ".endif\n\t.endif\n\t"                                                                       \
    ".if %c[nb]\n\tsmmulr %[y], %[y], %[mi]\n\t.if %c[ei]\n\t"                                   \
    "add %[y], %[y], %[y], asr #31\n\tadd %[y], %[y], #(1 << (%c[ei] - 1))\n\tasr %[y], %[y], #%c[ei]\n\t" \
    ".endif\n\t.endif\n\t"                                                                       \
    ".if %c[na]\n\tadd %[x], %[y], %[x], lsl #1\n\t.elseif %c[nb]\n\tadd %[x], %[x], %[y], lsl #1\n\t" \
    ".else\n\tadd %[x], %[x], %[y]\n\t.endif\n\t"                                                  \
    ".if %c[nc]\n\tsmmlar %[x], %[x], %[mo], %[rnd]\n\t"                                            \
    ".else\n\tadd %[y], %[rnd], %[x], asr #31\n\tsmmlar %[x], %[x], %[mo], %[y]\n\t.endif\n\t"       \
    "ssat %[x], #8, %[x], asr #%c[eo]\n\t"                                                          \
    "bfi %[acc], %[x], #" #R_ ", #8\n\t"
MF_KERNEL void mf_add_s8_asm(const mf_add_params_t *p, const int8_t *a, const int8_t *b, int8_t *out, int32_t n4)
{
    const int a_rescaled = MF_ADD_A_RESCALED(p);
    const int32_t ei = -(a_rescaled ? p->in1_shift : p->in2_shift), eo = -p->out_shift;
    const int b_rescaled = !a_rescaled && !(p->in2_mult == (1 << 30) && p->in2_shift == 0);
    int32_t mi = a_rescaled ? p->in1_mult : p->in2_mult;
    int32_t ca = p->in1_offset * (1 << (20 + a_rescaled)), cb = p->in2_offset * (1 << (20 + b_rescaled));
    int32_t mo = p->out_mult, rnd = (1 << (eo - 1)) + p->out_offset * (1 << eo);
    const int8_t *end = a + n4;
    int32_t wa, wb, acc, x, y;
    __asm__ volatile(
        "1:\n\t"
        "ldr %[wa], [%[a]], #4\n\t"
        "ldr %[wb], [%[b]], #4\n\t"
        MF_ADD_ASM_ELEM(0) MF_ADD_ASM_ELEM(8) MF_ADD_ASM_ELEM(16) MF_ADD_ASM_ELEM(24)
        ".if %c[clo]\n\tmov %[y], #((%c[lo]) & 0xff) * 0x01010101\n\t"
        "ssub8 %[x], %[acc], %[y]\n\tsel %[acc], %[acc], %[y]\n\t.endif\n\t"
        ".if %c[chi]\n\tmov %[y], #((%c[hi]) & 0xff) * 0x01010101\n\t"
        "ssub8 %[x], %[y], %[acc]\n\tsel %[acc], %[acc], %[y]\n\t.endif\n\t"
        "str %[acc], [%[o]], #4\n\t"
        "cmp %[a], %[end]\n\t"
        "bne 1b"
        : [a] "+&r"(a), [b] "+&r"(b), [o] "+&r"(out), [wa] "=&r"(wa), [wb] "=&r"(wb), [acc] "=&r"(acc),
          [x] "=&r"(x), [y] "=&r"(y)
        : [end] "r"(end), [ca] "r"(ca), [cb] "r"(cb), [mi] "r"(mi), [mo] "r"(mo), [rnd] "r"(rnd),
          [na] "i"(a_rescaled), [nb] "i"(b_rescaled),
          [ei] "i"(ei), [eo] "i"(eo), [nc] "i"(MF_NEG_CLAMPED(p->act_min, p->out_offset)),
          [lo] "i"(p->act_min), [hi] "i"(p->act_max), [clo] "i"(p->act_min > -128), [chi] "i"(p->act_max < 127)
        : "cc", "memory");
}

/* The SMLAW pass (p->fast == 2, chosen by ops/add.py add_smlaw_exact): mf_add_s8_asm's pass with the rescaled input's
 * sign extension, pre-scale, SMMULR and rounding shift (6 instructions) replaced by one multiply-accumulate and a shift:
 * its byte a moved into a halfword as a * 2^8 (LSL #8 and/or AND #0xff00ff00: one per element), then
 * SMLAW{B,T}(m, a * 2^8, R) = floor(a * m / 2^8) + R with R = ((offset * m + 2^10) >> 8) + 2^(e+2), and ASR #(e+3).
 * That is TFLM's floor(((a + offset) * m + 2^10) / 2^11) (SRDHM) and round-half-up by 2^e in one floor except for
 * the carry of a * m's low 8 bits and the negative-value correction; the compiler tries all 256 x 256 input pairs
 * against TFLM's arithmetic and sets fast = 2 only where every output byte is the same (else fast = 1 above).
 * The unscaled input, the sum and the output requantisation are mf_add_s8_asm's; the body twice per loop branch. */
#define MF_ADD_SMLAW_ELEM(BT_, H_, R_, ST_)                                                            \
    "smlaw" #BT_ " %[x], %[mi], " H_ ", %[ra]\n\t"                                                    \
    "sxtb %[y], %[wt], ror #" #R_ "\n\t"                                                               \
    "asr %[x], %[x], #(%c[ei] + 3)\n\t"                                                              \
    "add %[y], %[cb], %[y], lsl #20\n\t"                                                             \
    "add %[x], %[y], %[x], lsl #1\n\t"                                                               \
    ".if %c[nc]\n\tsmmlar %[x], %[x], %[mo], %[rnd]\n\t"                                              \
    ".else\n\tadd %[y], %[rnd], %[x], asr #31\n\tsmmlar %[x], %[x], %[mo], %[y]\n\t.endif\n\t"         \
    "ssat %[x], #8, %[x], asr #%c[eo]\n\t"                                                            \
    ST_ "\n\t"
/* Without an activation clamp each byte goes out by STRB (byte 0 last, post-incrementing o), which frees acc to
 * hold a0 and a2 as halfwords (BIC, LSL: 3 extraction instructions a pass instead of 4, no BFI, no STR); with one,
 * the bytes are packed (BFI), clamped bytewise (SSUB8/SEL) and stored by one STR. */
#define MF_ADD_SMLAW_PASS                                                                             \
        "ldr %[wr], [%[r]], #4\n\t" \
        "ldr %[wt], [%[t]], #4\n\t" \
        ".if %c[clo] + %c[chi]\n\t" \
        "lsl %[y], %[wr], #8\n\t"                                    /* a0 * 2^8 in the bottom halfword */ \
        MF_ADD_SMLAW_ELEM(b, "%[y]", 0, "bfi %[acc], %[x], #0, #8") \
        "lsl %[y], %[wr], #8\n\t" \
        "and %[y], %[y], #0xff000000\n\t"                            /* a2 * 2^8 in the top halfword */ \
        MF_ADD_SMLAW_ELEM(t, "%[y]", 16, "bfi %[acc], %[x], #16, #8") \
        "and %[wr], %[wr], #0xff00ff00\n\t"                          /* a1 * 2^8, a3 * 2^8 */ \
        MF_ADD_SMLAW_ELEM(b, "%[wr]", 8, "bfi %[acc], %[x], #8, #8") \
        MF_ADD_SMLAW_ELEM(t, "%[wr]", 24, "bfi %[acc], %[x], #24, #8") \
        ".if %c[clo]\n\tmov %[y], #((%c[lo]) & 0xff) * 0x01010101\n\t" \
        "ssub8 %[x], %[acc], %[y]\n\tsel %[acc], %[acc], %[y]\n\t.endif\n\t" \
        ".if %c[chi]\n\tmov %[y], #((%c[hi]) & 0xff) * 0x01010101\n\t" \
        "ssub8 %[x], %[y], %[acc]\n\tsel %[acc], %[acc], %[y]\n\t.endif\n\t" \
        "str %[acc], [%[o]], #4\n\t" \
        ".else\n\t" \
        "bic %[acc], %[wr], #0xff00ff00\n\t" \
        "lsl %[acc], %[acc], #8\n\t"                                  /* a0 * 2^8, a2 * 2^8 */ \
        "and %[wr], %[wr], #0xff00ff00\n\t"                          /* a1 * 2^8, a3 * 2^8 */ \
        MF_ADD_SMLAW_ELEM(t, "%[acc]", 16, "strb %[x], [%[o], #2]") \
        MF_ADD_SMLAW_ELEM(b, "%[wr]", 8, "strb %[x], [%[o], #1]") \
        MF_ADD_SMLAW_ELEM(t, "%[wr]", 24, "strb %[x], [%[o], #3]") \
        MF_ADD_SMLAW_ELEM(b, "%[acc]", 0, "strb %[x], [%[o]], #4")   /* byte 0 last: STRB post-increments o */ \
        ".endif\n\t"
MF_KERNEL void mf_add_s8_smlaw(const mf_add_params_t *p, const int8_t *a, const int8_t *b, int8_t *out, int32_t n4)
{
    const int a_rescaled = MF_ADD_A_RESCALED(p);
    const int32_t ei = -(a_rescaled ? p->in1_shift : p->in2_shift), eo = -p->out_shift;
    int32_t mi = a_rescaled ? p->in1_mult : p->in2_mult, off = a_rescaled ? p->in1_offset : p->in2_offset;
    int32_t ra = (int32_t)((((int64_t)off * mi + (1 << 10)) >> 8) + (1 << (ei + 2)));
    int32_t cb = (a_rescaled ? p->in2_offset : p->in1_offset) * (1 << 20);
    int32_t mo = p->out_mult, rnd = (1 << (eo - 1)) + p->out_offset * (1 << eo);
    const int8_t *r = a_rescaled ? a : b, *t = a_rescaled ? b : a, *const end = r + n4;
    int32_t wr, wt, acc, x = n4, y;
    __asm__ volatile(
        "tst %[x], #4\n\t"                                            /* x = n4: an odd number of passes */
        "bne 3f\n\t"                                                  /* enters at the second copy */
        "1:\n\t"
        MF_ADD_SMLAW_PASS
        "3:\n\t"
        MF_ADD_SMLAW_PASS
        "ldr %[y], %[end]\n\t"      /* the end from memory: 13 registers, which GCC finds even where the row */
        "cmp %[r], %[y]\n\t"        /* pipelines keep other values live */
        "bne 1b"
        : [r] "+&r"(r), [t] "+&r"(t), [o] "+&r"(out), [wr] "=&r"(wr), [wt] "=&r"(wt), [acc] "=&r"(acc),
          [x] "+&r"(x), [y] "=&r"(y)
        : [end] "m"(end), [ra] "r"(ra), [cb] "r"(cb), [mi] "r"(mi), [mo] "r"(mo), [rnd] "r"(rnd),
          [ei] "i"(ei), [eo] "i"(eo), [nc] "i"(MF_NEG_CLAMPED(p->act_min, p->out_offset)),
          [lo] "i"(p->act_min), [hi] "i"(p->act_max), [clo] "i"(p->act_min > -128), [chi] "i"(p->act_max < 127)
        : "cc", "memory");
}
#undef MF_ADD_SMLAW_PASS
#undef MF_ADD_SMLAW_ELEM

/* The linear pass (p->fast == 3, chosen by ops/add.py add_linear): every output byte as one linear form of the two
 * input bytes, out = SSAT(floor(A * a' / 2^16) + floor(B * b' / 2^16) + C >> K, 8), two SMLAW{B,T} and an SSAT an
 * element. a' is the byte as a halfword: itself (lin_pre 0: SXTB16 puts bytes 0 and 2, then 1 and 3, in the two
 * halfwords, one instruction for two elements) or the byte times 2^8 (lin_pre 1: LSL #8 / AND masks, 8 more bits of
 * precision for 3 instructions per 4 elements). Why it is exact: TFLM's output is a function of the two bytes only,
 * nearly linear (a rescaled sum, requantised), and the compiler picks A, B, K, C and tries all 256 x 256 input pairs
 * against TFLM's arithmetic (int64 numpy, gemmlowp SRDHM/RDBP, the clamps): it sets fast = 3 only for a form that
 * gives every output byte exactly (and whose sums stay in int32); else the passes above. Element order in a pass:
 * 0, 2, 1, 3 in two temporaries, each element's SMLAWs next to the previous one's SSAT or store, so the M7 pairs them.
 * Without an activation clamp each byte goes out by STRB (o = out - 1, set in the asm: offsets 1..3, byte 3 by a
 * pre-indexed write-back #4!); with one, packed (BFI), clamped bytewise (SSUB8/SEL) and stored by one STR. The second input is
 * read at [a, d] (d = b - a) before the first's post-incrementing load, so the M4 pipelines the two loads. */
#define MF_ADD_LIN_EVEN(E_, W_) ".if %c[pre]\n\tlsl " E_ ", " W_ ", #8\n\t.else\n\tsxtb16 " E_ ", " W_ "\n\t.endif\n\t"
#define MF_ADD_LIN_ODD(W_) ".if %c[pre]\n\tand " W_ ", " W_ ", #0xff00ff00\n\t.else\n\tsxtb16 " W_ ", " W_ \
    ", ror #8\n\t.endif\n\t"
#define MF_ADD_LIN_TOP(E_) ".if %c[pre]\n\tand " E_ ", " E_ ", #0xff000000\n\t.endif\n\t"
#define MF_ADD_LIN_ST(R_, I_, ACC_) ".if %c[clamp]\n\tbfi " ACC_ ", " R_ ", #(8 * " #I_ "), #8\n\t" \
    ".else\n\tstrb " R_ ", [%[o], #(" #I_ " + 1)]\n\t.endif\n\t"
#define MF_ADD_LIN_SAT(R_) "ssat " R_ ", #8, " R_ ", asr #%c[k]\n\t"
/* Elements 0, 2, 1 of a pass; element 3 waits in y for MF_ADD_LIN_LAST (ssat, store; with the clamp, the bytewise
 * clamp in eb/y, which the pass no longer needs, since x may hold the loop end by then). */
#define MF_ADD_LIN_PASS(ACC_)                                                                              \
    "ldr %[wb], [%[a], %[d]]\n\t"                                                                          \
    "ldr %[wa], [%[a]], #4\n\t"                                                                            \
    MF_ADD_LIN_EVEN("%[eb]", "%[wb]") MF_ADD_LIN_EVEN("%[ea]", "%[wa]")                                    \
    "smlawb %[x], %[cb], %[eb], %[cc]\n\t" MF_ADD_LIN_ODD("%[wb]")                                          \
    "smlawb %[x], %[ca], %[ea], %[x]\n\t" MF_ADD_LIN_ODD("%[wa]")                                           \
    MF_ADD_LIN_TOP("%[eb]") MF_ADD_LIN_TOP("%[ea]")                                                        \
    "smlawt %[y], %[cb], %[eb], %[cc]\n\t" MF_ADD_LIN_SAT("%[x]")                                           \
    "smlawt %[y], %[ca], %[ea], %[y]\n\t" MF_ADD_LIN_ST("%[x]", 0, ACC_)                                        \
    "smlawb %[x], %[cb], %[wb], %[cc]\n\t" MF_ADD_LIN_SAT("%[y]")                                           \
    "smlawb %[x], %[ca], %[wa], %[x]\n\t" MF_ADD_LIN_ST("%[y]", 2, ACC_)                                        \
    "smlawt %[y], %[cb], %[wb], %[cc]\n\t" MF_ADD_LIN_SAT("%[x]")                                           \
    "smlawt %[y], %[ca], %[wa], %[y]\n\t" MF_ADD_LIN_ST("%[x]", 1, ACC_)
#define MF_ADD_LIN_LAST(ACC_)                                                                              \
    MF_ADD_LIN_SAT("%[y]")                                                                                 \
    ".if %c[clamp]\n\tbfi " ACC_ ", %[y], #24, #8\n\t"                                                        \
    ".if %c[clo]\n\tmov %[y], #((%c[lo]) & 0xff) * 0x01010101\n\t"                                          \
    "ssub8 %[eb], " ACC_ ", %[y]\n\tsel " ACC_ ", " ACC_ ", %[y]\n\t.endif\n\t"                                     \
    ".if %c[chi]\n\tmov %[y], #((%c[hi]) & 0xff) * 0x01010101\n\t"                                          \
    "ssub8 %[eb], %[y], " ACC_ "\n\tsel " ACC_ ", " ACC_ ", %[y]\n\t.endif\n\t"                                     \
    "str " ACC_ ", [%[o]], #4\n\t"                                                                           \
    ".else\n\tstrb %[y], [%[o], #4]!\n\t.endif\n\t"
/* The loop: x = n4 on entry; an odd number of passes enters at the second copy. Without the clamp the end is a
 * register (13 in all); with it the packing register takes its place and the end is read from memory (while y's
 * last element finishes: END_ is "%[x]"), 13 registers either way, which GCC finds inside the row pipelines too. */
#define MF_ADD_LIN_LOOP(ACC_, END_)                                                                        \
    ".if !%c[clamp]\n\tsub %[o], %[o], #1\n\t.endif\n\t"   /* o = out - 1 for the byte stores' offsets */      \
    "tst %[x], #4\n\t"                                                                                     \
    "bne 3f\n\t"                                                                                           \
    "1:\n\t"                                                                                               \
    MF_ADD_LIN_PASS(ACC_) MF_ADD_LIN_LAST(ACC_)                                                            \
    "3:\n\t"                                                                                               \
    MF_ADD_LIN_PASS(ACC_)                                                                                  \
    ".ifc " END_ ", %[x]\n\tldr %[x], %[end]\n\t.endif\n\t"                                                  \
    MF_ADD_LIN_LAST(ACC_)                                                                                  \
    "cmp %[a], " END_ "\n\t"                                                                                \
    "bne 1b"
#define MF_ADD_LIN_OUTS [a] "+&r"(a), [o] "+&r"(o), [wa] "=&r"(wa), [wb] "=&r"(wb), [ea] "=&r"(ea), [eb] "=&r"(eb), \
    [x] "+&r"(x), [y] "=&r"(y)
#define MF_ADD_LIN_INS [d] "r"(d), [ca] "r"(ca), [cb] "r"(cb), [cc] "r"(cc),                                   \
    [k] "i"(p->lin_k), [pre] "i"(p->lin_pre), [clamp] "i"(clamp), [lo] "i"(p->act_min), [hi] "i"(p->act_max), \
    [clo] "i"(p->act_min > -128), [chi] "i"(p->act_max < 127)
MF_KERNEL void mf_add_s8_lin(const mf_add_params_t *p, const int8_t *a, const int8_t *b, int8_t *out, int32_t n4)
{
    const int clamp = p->act_min > -128 || p->act_max < 127;
    int8_t *o = out;
    int32_t d = (int32_t)((intptr_t)b - (intptr_t)a);
    int32_t ca = p->lin_a, cb = p->lin_b, cc = p->lin_c;
    const int8_t *const end = a + n4;
    int32_t wa, wb, ea, eb, acc, x = n4, y;
    if (clamp)
        __asm__ volatile(MF_ADD_LIN_LOOP("%[acc]", "%[x]") : MF_ADD_LIN_OUTS, [acc] "=&r"(acc)
                         : MF_ADD_LIN_INS, [end] "m"(end) : "cc", "memory");
    else  /* the packing register's name is never assembled (.if %c[clamp]): x stands in */
        __asm__ volatile(MF_ADD_LIN_LOOP("%[x]", "%[end]") : MF_ADD_LIN_OUTS : MF_ADD_LIN_INS, [end] "r"(end)
                         : "cc", "memory");
    (void)acc;
}
#undef MF_ADD_LIN_INS
#undef MF_ADD_LIN_OUTS
#undef MF_ADD_LIN_LOOP
#undef MF_ADD_LIN_LAST
#undef MF_ADD_LIN_PASS

/* Four elements per pass: one word load per input, bytes sign-extended from it; all four reads of a
 * pass happen before its four writes, so an output starting at (or before) an input stays exact. */
MF_KERNEL void mf_add_s8(const mf_add_params_t *p, const int8_t *a, const int8_t *b, int8_t *out)
{
    int32_t i = 0;
    if (p->fast == 3 && p->size >= 4) {
        i = p->size & ~3;
        mf_add_s8_lin(p, a, b, out, i);
    } else if (p->fast == 2 && p->size >= 4) {
        i = p->size & ~3;
        mf_add_s8_smlaw(p, a, b, out, i);
    } else if (p->fast && p->size >= 4) {
        i = p->size & ~3;
        mf_add_s8_asm(p, a, b, out, i);
    } else if (p->left_shift == 20) {  /* int8 ADD always has it; the asm needs the shift as a constant */
        const int32_t ca21 = p->in1_offset * (1 << 21), cb21 = p->in2_offset * (1 << 21);
        const int32_t ca20 = p->in1_offset * (1 << 20), cb20 = p->in2_offset * (1 << 20);
        for (; i + 4 <= p->size; i += 4) {
            uint32_t wa, wb;
            memcpy(&wa, a + i, 4);
            memcpy(&wb, b + i, 4);
            const int8_t r0 = MF_ADD_ELEM(0), r1 = MF_ADD_ELEM(8), r2 = MF_ADD_ELEM(16), r3 = MF_ADD_ELEM(24);
            out[i] = r0; out[i + 1] = r1; out[i + 2] = r2; out[i + 3] = r3;
        }
    }
    for (; i < p->size; ++i) out[i] = mf_add_one(p, a[i], b[i]);
}
#undef MF_ADD_ELEM
#undef MF_ADD_TWICE

MF_KERNEL void mf_add_broadcast_s8(const mf_add_params_t *p, const int8_t *a, const int8_t *b, int8_t *out)
{
    const int32_t *s = p->out_shape, *sa = p->in1_strides, *sb = p->in2_strides;
    for (int32_t i0 = 0; i0 < s[0]; ++i0)
        for (int32_t i1 = 0; i1 < s[1]; ++i1)
            for (int32_t i2 = 0; i2 < s[2]; ++i2)
                for (int32_t i3 = 0; i3 < s[3]; ++i3) {
                    const int32_t ia = i0 * sa[0] + i1 * sa[1] + i2 * sa[2] + i3 * sa[3];
                    const int32_t ib = i0 * sb[0] + i1 * sb[1] + i2 * sb[2] + i3 * sb[3];
                    for (int32_t i4 = 0; i4 < s[4]; ++i4)
                        *out++ = mf_add_one(p, a[ia + i4 * sa[4]], b[ib + i4 * sb[4]]);
                }
}

#endif
