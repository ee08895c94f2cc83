/* mf_fully_connected (DSP): int8 fully connected layer with SXTB16 + SMLAD, bit-exact with TFLM.
 *
 * Also home of the int8 dot-product blocks that the DSP convolution reuses (mf_conv2d.h includes
 * this header): a block multiplies 1, 2 or 4 weight rows by 1 or 2 input vectors, 4 bytes per
 * step. Both operands go through the same SXTB16 split (bytes 0,2 then bytes 1,3), so SMLAD pairs
 * x0*w0 + x2*w2 and x1*w1 + x3*w3: no re-layout of weights or inputs is needed.
 * FULLY_CONNECTED paths (ops/fully_connected.py picks one per layer at compile time):
 * - one input vector, fast requantisation, weights fc_mix_layout takes: mixed 8-row groups
 *   (mf_fully_connected_s8_mix: a row pair shares weight words, one SXTB16 per 4 weights, the input
 *   sign-extended once per call on the stack);
 * - else one input vector with the fast requantisation: 4-row groups (mf_dsp_fc_grouped);
 * - else batch rows in pairs (2x2 blocks), a lone row in 4-channel blocks (mf_dsp_matmul_rows).
 * Armv7E-M / Armv8-M Mainline with the DSP extension only (Cortex-M4/M7/M33/M55).
 */
#ifndef MF_FULLY_CONNECTED_H
#define MF_FULLY_CONNECTED_H
#include <stdint.h>
#include <string.h>
#include <arm_acle.h>
#include "mf_common.h"

typedef struct {
    int32_t batches, in_features, out_features;
    int32_t out_offset, act_min, act_max;
    int32_t per_channel;          /* 1: mult/shift have out_features entries, 0: one entry */
    const int8_t *weights;        /* [out_features][in_features] */
    const int32_t *bias;          /* folded bias, [out_features] */
    const int32_t *mult, *shift;
    /* Fast requantisation (ops/conv2d.py dsp_rq_layout fills it when exact): rq_mode 1 reads only rq */
    int32_t rq_mode;              /* 0: bias/mult/shift + mf_dsp_out; 1: rq + mf_dsp_out_fast */
    int32_t grouped;              /* 1 (batches == 1, rq_mode 1): weights in 4-row groups (mf_dsp_fc_group_layout) */
    int32_t mix;                  /* 1 (batches == 1, rq_mode 1): mixed 8-row groups (fc_mix_layout), mf_fully_connected_s8_mix */
    int32_t mix_seg;              /* mix: input chunks per k segment (fc_mix_segments), a divisor of k4/4 */
    const int32_t *rq;            /* per channel pair: bias[2], 2*mult-2^32[2], -shift-1[2]; mix: fc_mix_rq_layout */
    int32_t m2, em1;              /* mix, per tensor: 2*mult-2^32 and -shift-1 (rq holds biases only) */
} mf_fully_connected_params_t;

/* ---- SIMD helpers ------------------------------------------------------------------------- */

/* 4 int8 from any address (Armv7-M LDR allows unaligned addresses). */
MF_KERNEL int32_t mf_dsp_ld4(const int8_t *p) { int32_t v; memcpy(&v, p, 4); return v; }
/* Bytes 0 and 2 / bytes 1 and 3 sign-extended to two int16 halves. */
MF_KERNEL int32_t mf_dsp_ev(int32_t v) { return __sxtb16(v); }
MF_KERNEL int32_t mf_dsp_od(int32_t v)
{
    int32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(v));
    return r;
}

/* Requantisation constants of one output channel, derived once per channel block. */
typedef struct { int32_t m, left, right, mask, thr0; } mf_dsp_rq_t;

MF_KERNEL mf_dsp_rq_t mf_dsp_rq(int32_t m, int32_t shift)
{
    mf_dsp_rq_t q;
    q.m = m;
    q.left = shift & ~(shift >> 31);          /* max(shift, 0) */
    q.right = q.left - shift;                 /* max(-shift, 0) */
    q.mask = (int32_t)((1u << q.right) - 1u);
    q.thr0 = q.mask >> 1;
    return q;
}

/* TFLM MultiplyByQuantizedMultiplier (double rounding) for m >= 0 + zero point + clamp, branch-free.
 * SRDHM is one 64-bit multiply-add: (x*m + 2^30) >> 31 equals gemmlowp's nudge-and-truncate for
 * every x when m != INT32_MIN (docs/tflm_semantics.md section 2). RDBP's "remainder > threshold"
 * is the sign bit of threshold - remainder (both in [0, 2^31)). */
MF_KERNEL int8_t mf_dsp_out(int32_t acc, const mf_dsp_rq_t q, int32_t out_offset, int32_t act_min, int32_t act_max)
{
    const int32_t y = (int32_t)(((int64_t)mf_wrap_shl32(acc, q.left) * q.m + ((int64_t)1 << 30)) >> 31);
    const int32_t thr = q.thr0 - (y >> 31), rem = y & q.mask;
    int32_t v = (y >> q.right) + (int32_t)((uint32_t)(thr - rem) >> 31) + out_offset;
    v = __ssat(v, 8);
    if (act_min > -128 && v < act_min) v = act_min;
    if (act_max < 127 && v > act_max) v = act_max;
    return (int8_t)v;
}

/* Exact fast form of mf_dsp_out: valid when every shift <= -1, m >= 2^30 and |acc| < 2^30
 * (ops/conv2d.py dsp_rq_layout checks all three and stores m2 = 2m - 2^32 instead of m).
 * SRDHM(acc, m) = (acc*2m + 2^31) >> 32 = SMMULR(2acc, m); with 2m = 2^32 + m2 that is
 * acc + ((acc*m2 + 2^31) >> 32) = SMMLAR(acc, m2, acc): one instruction, exact in 64 bits.
 * RDBP(v, e) = (((v + (v<0)) >> (e-1)) + 1) >> 1 with the +1 and the zero point folded into
 * zp2p1 = 2*out_offset + 1; the final >> 1 rides on SSAT's shift operand. */
MF_KERNEL int8_t mf_dsp_out_fast(int32_t acc, int32_t m2, int32_t em1, int32_t out_offset, int32_t act_min,
                                 int32_t act_max)
{
    int32_t v;
    __asm__("smmlar %0, %1, %2, %1" : "=r"(v) : "r"(acc), "r"(m2));
    if (!MF_NEG_CLAMPED(act_min, out_offset)) v += v >> 31;   /* else: both roundings clamp to act_min */
    v = (v >> em1) + (2 * out_offset + 1);
    __asm__("ssat %0, #8, %1, asr #1" : "=r"(v) : "r"(v));
    if (act_min > -128 && v < act_min) v = act_min;
    if (act_max < 127 && v > act_max) v = act_max;
    return (int8_t)v;
}

/* ---- dot-product blocks: acc[i] += sum_k a[k] * b_i[k], k < n --------------------------------
 * `n`, the strides and the offsets are per-layer constants (the kernels are inlined with a
 * `static const` params struct), so every branch on them folds away. The 4-byte steps are single
 * asm blocks: scheduled by hand (loads back to back for the M4's LDR pipelining, MACs alternating
 * with independent SXTB16/LDR for the M7's dual issue) and safe from GCC hoisting loads of later
 * steps and spilling. Offsets are `#imm` operands, so they need the layer's strides below 4 KiB
 * (MF_DSP_IMM_OK); wider layers take the C steps. */
#define MF_DSP_IMM_OK(v) ((v) >= 0 && (v) + 12 < 4096)

/* acc += w0.x0, w0.x1, w1.x0, w1.x1 over bytes [o, o+4) of rows w, w+ws and x, x+xs. */
#define MF_DSP_ASM_2X2(W_, WS_, X_, XS_, O_, S00_, S01_, S10_, S11_)                                       \
    do {                                                                                          \
        int32_t a_, b_, c_, d_, e_, f_;                                                           \
        __asm__ volatile(                                                                         \
            "ldr %[a], [%[x], %[o]]\n\t"                                                          \
            "ldr %[b], [%[x], %[xo]]\n\t"                                                         \
            "ldr %[c], [%[w], %[o]]\n\t"                                                          \
            "sxtb16 %[e], %[a]\n\t"                                                               \
            "sxtb16 %[a], %[a], ror #8\n\t"                                                       \
            "sxtb16 %[f], %[b]\n\t"                                                               \
            "sxtb16 %[b], %[b], ror #8\n\t"                                                       \
            "sxtb16 %[d], %[c]\n\t"                                                               \
            "sxtb16 %[c], %[c], ror #8\n\t"                                                       \
            "smlad %[s00], %[d], %[e], %[s00]\n\t"                                                \
            "smlad %[s01], %[d], %[f], %[s01]\n\t"                                                \
            "ldr %[d], [%[w], %[wo]]\n\t"                                                         \
            "smlad %[s00], %[c], %[a], %[s00]\n\t"                                                \
            "smlad %[s01], %[c], %[b], %[s01]\n\t"                                                \
            "sxtb16 %[c], %[d]\n\t"                                                               \
            "sxtb16 %[d], %[d], ror #8\n\t"                                                       \
            "smlad %[s10], %[c], %[e], %[s10]\n\t"                                                \
            "smlad %[s11], %[c], %[f], %[s11]\n\t"                                                \
            "smlad %[s10], %[d], %[a], %[s10]\n\t"                                                \
            "smlad %[s11], %[d], %[b], %[s11]"                                                    \
            : [s00] "+r"(S00_), [s01] "+r"(S01_), [s10] "+r"(S10_), [s11] "+r"(S11_),             \
              [a] "=&r"(a_), [b] "=&r"(b_), [c] "=&r"(c_), [d] "=&r"(d_), [e] "=&r"(e_), [f] "=&r"(f_) \
            : [x] "r"(X_), [w] "r"(W_), [o] "i"(O_), [xo] "i"((O_) + (XS_)), [wo] "i"((O_) + (WS_)) \
            : "memory");                                                                          \
    } while (0)

/* acc_i += a.b_i (i < 4) over bytes [o, o+4) of vector a and rows b + i*bs. */
#define MF_DSP_ASM_1X4(A_, B_, BS_, O_, S0_, S1_, S2_, S3_)                                               \
    do {                                                                                          \
        int32_t a_, c_, d_, e_, g_;                                                               \
        __asm__ volatile(                                                                         \
            "ldr %[a], [%[ap], %[o]]\n\t"                                                         \
            "ldr %[c], [%[bp], %[o]]\n\t"                                                         \
            "ldr %[g], [%[bp], %[o1]]\n\t"                                                        \
            "sxtb16 %[e], %[a]\n\t"                                                               \
            "sxtb16 %[a], %[a], ror #8\n\t"                                                       \
            "sxtb16 %[d], %[c]\n\t"                                                               \
            "sxtb16 %[c], %[c], ror #8\n\t"                                                       \
            "smlad %[s0], %[d], %[e], %[s0]\n\t"                                                  \
            "sxtb16 %[d], %[g]\n\t"                                                               \
            "smlad %[s0], %[c], %[a], %[s0]\n\t"                                                  \
            "sxtb16 %[g], %[g], ror #8\n\t"                                                       \
            "smlad %[s1], %[d], %[e], %[s1]\n\t"                                                  \
            "ldr %[c], [%[bp], %[o2]]\n\t"                                                        \
            "ldr %[d], [%[bp], %[o3]]\n\t"                                                        \
            "smlad %[s1], %[g], %[a], %[s1]\n\t"                                                  \
            "sxtb16 %[g], %[c]\n\t"                                                               \
            "sxtb16 %[c], %[c], ror #8\n\t"                                                       \
            "smlad %[s2], %[g], %[e], %[s2]\n\t"                                                  \
            "sxtb16 %[g], %[d]\n\t"                                                               \
            "smlad %[s2], %[c], %[a], %[s2]\n\t"                                                  \
            "sxtb16 %[d], %[d], ror #8\n\t"                                                       \
            "smlad %[s3], %[g], %[e], %[s3]\n\t"                                                  \
            "smlad %[s3], %[d], %[a], %[s3]"                                                      \
            : [s0] "+r"(S0_), [s1] "+r"(S1_), [s2] "+r"(S2_), [s3] "+r"(S3_),                     \
              [a] "=&r"(a_), [c] "=&r"(c_), [d] "=&r"(d_), [e] "=&r"(e_), [g] "=&r"(g_)           \
            : [ap] "r"(A_), [bp] "r"(B_), [o] "i"(O_), [o1] "i"((O_) + (BS_)),                     \
              [o2] "i"((O_) + 2 * (BS_)), [o3] "i"((O_) + 3 * (BS_))                                \
            : "memory");                                                                          \
    } while (0)

/* acc += w_i.x_j (i < 2, j < 3) over bytes [o, o+4) of rows w, w+ws and x, x+xs, x+2xs. Needs all 14
 * allocatable registers (6 accumulators, 6 temporaries, 2 pointers): no frame pointer allowed, so the
 * convolution gets its scratch from the caller instead of a VLA. */
#define MF_DSP_ASM_2X3(W_, WS_, X_, XS_, O_, S00_, S01_, S02_, S10_, S11_, S12_)                 \
    do {                                                                                          \
        int32_t a_, b_, c_, d_, e_, f_;                                                           \
        __asm__ volatile(                                                                         \
            "ldr %[a], [%[w], %[o]]\n\t"                                                          \
            "ldr %[b], [%[w], %[wo]]\n\t"                                                         \
            "ldr %[f], [%[x], %[o]]\n\t"                                                          \
            "sxtb16 %[c], %[a]\n\t"                                                               \
            "sxtb16 %[a], %[a], ror #8\n\t"                                                       \
            "sxtb16 %[d], %[b]\n\t"                                                               \
            "sxtb16 %[b], %[b], ror #8\n\t"                                                       \
            "sxtb16 %[e], %[f]\n\t"                                                               \
            "sxtb16 %[f], %[f], ror #8\n\t"                                                       \
            "smlad %[s00], %[c], %[e], %[s00]\n\t"                                                \
            "smlad %[s10], %[d], %[e], %[s10]\n\t"                                                \
            "ldr %[e], [%[x], %[xo1]]\n\t"                                                        \
            "smlad %[s00], %[a], %[f], %[s00]\n\t"                                                \
            "smlad %[s10], %[b], %[f], %[s10]\n\t"                                                \
            "sxtb16 %[f], %[e]\n\t"                                                               \
            "sxtb16 %[e], %[e], ror #8\n\t"                                                       \
            "smlad %[s01], %[c], %[f], %[s01]\n\t"                                                \
            "smlad %[s11], %[d], %[f], %[s11]\n\t"                                                \
            "ldr %[f], [%[x], %[xo2]]\n\t"                                                        \
            "smlad %[s01], %[a], %[e], %[s01]\n\t"                                                \
            "smlad %[s11], %[b], %[e], %[s11]\n\t"                                                \
            "sxtb16 %[e], %[f]\n\t"                                                               \
            "sxtb16 %[f], %[f], ror #8\n\t"                                                       \
            "smlad %[s02], %[c], %[e], %[s02]\n\t"                                                \
            "smlad %[s12], %[d], %[e], %[s12]\n\t"                                                \
            "smlad %[s02], %[a], %[f], %[s02]\n\t"                                                \
            "smlad %[s12], %[b], %[f], %[s12]"                                                    \
            : [s00] "+r"(S00_), [s01] "+r"(S01_), [s02] "+r"(S02_),                               \
              [s10] "+r"(S10_), [s11] "+r"(S11_), [s12] "+r"(S12_),                               \
              [a] "=&r"(a_), [b] "=&r"(b_), [c] "=&r"(c_), [d] "=&r"(d_), [e] "=&r"(e_), [f] "=&r"(f_) \
            : [x] "r"(X_), [w] "r"(W_), [o] "i"(O_), [wo] "i"((O_) + (WS_)),                      \
              [xo1] "i"((O_) + (XS_)), [xo2] "i"((O_) + 2 * (XS_))                                \
            : "memory");                                                                          \
    } while (0)

/* Two weight rows against three input vectors: acc = {w0.x0, w0.x1, w0.x2, w1.x0, w1.x1, w1.x2}. */
MF_KERNEL void mf_dsp_dot_2x3(const int8_t *w, const int32_t ws, const int8_t *x, const int32_t xs, const int32_t n,
                              int32_t *acc)
{
    int32_t s00 = acc[0], s01 = acc[1], s02 = acc[2], s10 = acc[3], s11 = acc[4], s12 = acc[5];
    int32_t k = 0;
    if (MF_DSP_IMM_OK(ws) && MF_DSP_IMM_OK(2 * xs)) {
        for (; k + 16 <= n; k += 16, w += 16, x += 16) {
            MF_DSP_ASM_2X3(w, ws, x, xs, 0, s00, s01, s02, s10, s11, s12);
            MF_DSP_ASM_2X3(w, ws, x, xs, 4, s00, s01, s02, s10, s11, s12);
            MF_DSP_ASM_2X3(w, ws, x, xs, 8, s00, s01, s02, s10, s11, s12);
            MF_DSP_ASM_2X3(w, ws, x, xs, 12, s00, s01, s02, s10, s11, s12);
        }
        if (n & 8) {
            MF_DSP_ASM_2X3(w, ws, x, xs, 0, s00, s01, s02, s10, s11, s12);
            MF_DSP_ASM_2X3(w, ws, x, xs, 4, s00, s01, s02, s10, s11, s12);
            w += 8; x += 8; k += 8;
        }
        if (n & 4) { MF_DSP_ASM_2X3(w, ws, x, xs, 0, s00, s01, s02, s10, s11, s12); w += 4; x += 4; k += 4; }
    }
    for (; k + 4 <= n; k += 4, w += 4, x += 4) {
        const int32_t w0 = mf_dsp_ld4(w), w1 = mf_dsp_ld4(w + ws);
        const int32_t w0e = mf_dsp_ev(w0), w0o = mf_dsp_od(w0), w1e = mf_dsp_ev(w1), w1o = mf_dsp_od(w1);
        int32_t v = mf_dsp_ld4(x), ve = mf_dsp_ev(v), vo = mf_dsp_od(v);
        s00 = __smlad(w0o, vo, __smlad(w0e, ve, s00)); s10 = __smlad(w1o, vo, __smlad(w1e, ve, s10));
        v = mf_dsp_ld4(x + xs); ve = mf_dsp_ev(v); vo = mf_dsp_od(v);
        s01 = __smlad(w0o, vo, __smlad(w0e, ve, s01)); s11 = __smlad(w1o, vo, __smlad(w1e, ve, s11));
        v = mf_dsp_ld4(x + 2 * xs); ve = mf_dsp_ev(v); vo = mf_dsp_od(v);
        s02 = __smlad(w0o, vo, __smlad(w0e, ve, s02)); s12 = __smlad(w1o, vo, __smlad(w1e, ve, s12));
    }
    for (k = 0; k < (n & 3); ++k) {
        const int32_t w0 = w[k], w1 = w[ws + k], x0 = x[k], x1 = x[xs + k], x2 = x[2 * xs + k];
        s00 += w0 * x0; s01 += w0 * x1; s02 += w0 * x2; s10 += w1 * x0; s11 += w1 * x1; s12 += w1 * x2;
    }
    acc[0] = s00; acc[1] = s01; acc[2] = s02; acc[3] = s10; acc[4] = s11; acc[5] = s12;
}

/* One vector `a` against N = 1, 2 or 4 vectors b + i*bs (weight rows or input pixels). */
MF_KERNEL void mf_dsp_dot_1xn(const int32_t n_b, const int8_t *a, const int8_t *b, const int32_t bs, const int32_t n,
                              int32_t *acc)
{
    int32_t s0 = acc[0], s1 = n_b > 1 ? acc[1] : 0, s2 = n_b > 2 ? acc[2] : 0, s3 = n_b > 3 ? acc[3] : 0;
    int32_t k = 0;
    if (n_b == 4 && MF_DSP_IMM_OK(3 * bs)) {
        for (; k + 16 <= n; k += 16, a += 16, b += 16) {
            MF_DSP_ASM_1X4(a, b, bs, 0, s0, s1, s2, s3); MF_DSP_ASM_1X4(a, b, bs, 4, s0, s1, s2, s3);
            MF_DSP_ASM_1X4(a, b, bs, 8, s0, s1, s2, s3); MF_DSP_ASM_1X4(a, b, bs, 12, s0, s1, s2, s3);
        }
        if (n & 8) { MF_DSP_ASM_1X4(a, b, bs, 0, s0, s1, s2, s3); MF_DSP_ASM_1X4(a, b, bs, 4, s0, s1, s2, s3); a += 8; b += 8; k += 8; }
        if (n & 4) { MF_DSP_ASM_1X4(a, b, bs, 0, s0, s1, s2, s3); a += 4; b += 4; k += 4; }
    }
#define MF_DSP_STEP_1XN(o)                                                                              \
    do {                                                                                                \
        const int32_t va = mf_dsp_ld4(a + (o)), ae = mf_dsp_ev(va), ao = mf_dsp_od(va);                 \
        const int32_t v0 = mf_dsp_ld4(b + (o));                                                         \
        s0 = __smlad(ae, mf_dsp_ev(v0), s0); s0 = __smlad(ao, mf_dsp_od(v0), s0);                       \
        if (n_b > 1) { const int32_t v1 = mf_dsp_ld4(b + bs + (o));                                     \
            s1 = __smlad(ae, mf_dsp_ev(v1), s1); s1 = __smlad(ao, mf_dsp_od(v1), s1); }                 \
        if (n_b > 2) { const int32_t v2 = mf_dsp_ld4(b + 2 * bs + (o));                                 \
            s2 = __smlad(ae, mf_dsp_ev(v2), s2); s2 = __smlad(ao, mf_dsp_od(v2), s2); }                 \
        if (n_b > 3) { const int32_t v3 = mf_dsp_ld4(b + 3 * bs + (o));                                 \
            s3 = __smlad(ae, mf_dsp_ev(v3), s3); s3 = __smlad(ao, mf_dsp_od(v3), s3); }                 \
    } while (0)
    for (; k + 8 <= n; k += 8, a += 8, b += 8) { MF_DSP_STEP_1XN(0); MF_DSP_STEP_1XN(4); }
    if ((n - k) & 4) { MF_DSP_STEP_1XN(0); a += 4; b += 4; }
#undef MF_DSP_STEP_1XN
    for (k = 0; k < (n & 3); ++k) {
        const int32_t x = a[k];
        s0 += x * b[k];
        if (n_b > 1) s1 += x * b[bs + k];
        if (n_b > 2) s2 += x * b[2 * bs + k];
        if (n_b > 3) s3 += x * b[3 * bs + k];
    }
    acc[0] = s0;
    if (n_b > 1) acc[1] = s1;
    if (n_b > 2) acc[2] = s2;
    if (n_b > 3) acc[3] = s3;
}

/* Two weight rows w, w + ws against two input vectors x, x + xs: acc = {w0.x0, w0.x1, w1.x0, w1.x1}. */
MF_KERNEL void mf_dsp_dot_2x2(const int8_t *w, const int32_t ws, const int8_t *x, const int32_t xs, const int32_t n,
                              int32_t *acc)
{
    int32_t s00 = acc[0], s01 = acc[1], s10 = acc[2], s11 = acc[3];
    int32_t k = 0;
    if (MF_DSP_IMM_OK(ws) && MF_DSP_IMM_OK(xs)) {
        for (; k + 16 <= n; k += 16, w += 16, x += 16) {
            MF_DSP_ASM_2X2(w, ws, x, xs, 0, s00, s01, s10, s11); MF_DSP_ASM_2X2(w, ws, x, xs, 4, s00, s01, s10, s11);
            MF_DSP_ASM_2X2(w, ws, x, xs, 8, s00, s01, s10, s11); MF_DSP_ASM_2X2(w, ws, x, xs, 12, s00, s01, s10, s11);
        }
        if (n & 8) {
            MF_DSP_ASM_2X2(w, ws, x, xs, 0, s00, s01, s10, s11); MF_DSP_ASM_2X2(w, ws, x, xs, 4, s00, s01, s10, s11);
            w += 8; x += 8; k += 8;
        }
        if (n & 4) { MF_DSP_ASM_2X2(w, ws, x, xs, 0, s00, s01, s10, s11); w += 4; x += 4; k += 4; }
    }
#define MF_DSP_STEP_2X2(o)                                                                              \
    do {                                                                                                \
        const int32_t x0 = mf_dsp_ld4(x + (o)), x1 = mf_dsp_ld4(x + xs + (o));                          \
        const int32_t w0 = mf_dsp_ld4(w + (o)), w1 = mf_dsp_ld4(w + ws + (o));                          \
        const int32_t x0e = mf_dsp_ev(x0), x0o = mf_dsp_od(x0), x1e = mf_dsp_ev(x1), x1o = mf_dsp_od(x1); \
        int32_t we = mf_dsp_ev(w0), wo = mf_dsp_od(w0);                                                 \
        s00 = __smlad(we, x0e, s00); s00 = __smlad(wo, x0o, s00);                                       \
        s01 = __smlad(we, x1e, s01); s01 = __smlad(wo, x1o, s01);                                       \
        we = mf_dsp_ev(w1); wo = mf_dsp_od(w1);                                                         \
        s10 = __smlad(we, x0e, s10); s10 = __smlad(wo, x0o, s10);                                       \
        s11 = __smlad(we, x1e, s11); s11 = __smlad(wo, x1o, s11);                                       \
    } while (0)
    for (; k + 4 <= n; k += 4, w += 4, x += 4) MF_DSP_STEP_2X2(0);
#undef MF_DSP_STEP_2X2
    for (k = 0; k < (n & 3); ++k) {
        const int32_t w0 = w[k], w1 = w[ws + k], x0 = x[k], x1 = x[xs + k];
        s00 += w0 * x0; s01 += w0 * x1; s10 += w1 * x0; s11 += w1 * x1;
    }
    acc[0] = s00; acc[1] = s01; acc[2] = s10; acc[3] = s11;
}

/* mf_dsp_matmul_rows with the fast requantisation: rq holds, per channel pair, bias[2], mult[2],
 * -shift-1[2] (per-tensor layers: the pair's mult/shift are the tensor's, so index pair 0 for them). */
MF_KERNEL void mf_dsp_matmul_rows_fast(const int32_t n_x, const int8_t *x, const int32_t xs, const int32_t n,
                                       const int8_t *weights, const int32_t *rq, const int32_t per_channel,
                                       const int32_t n_out, const int32_t out_offset, const int32_t act_min,
                                       const int32_t act_max, int8_t *out)
{
#define MF_RQB(c_) rq[((c_) >> 1) * 6 + ((c_) & 1)]
#define MF_RQM(c_) rq[(per_channel ? ((c_) >> 1) * 6 + ((c_) & 1) : 0) + 2]
#define MF_RQE(c_) rq[(per_channel ? ((c_) >> 1) * 6 + ((c_) & 1) : 0) + 4]
#define MF_DSP_OUTF(o_, acc_, m_, e_) ((o_) = mf_dsp_out_fast((acc_), (m_), (e_), out_offset, act_min, act_max))
    int32_t c = 0;
    if (n_x >= 2) {
        const int32_t *r = rq;
        const int8_t *wc = weights;
        int8_t *o = out;
        for (; c + 2 <= n_out; c += 2, r += 6, wc += 2 * n, o += 2) {
            const int32_t b0 = r[0], b1 = r[1];
            if (n_x == 3) {
                int32_t acc[6] = {b0, b0, b0, b1, b1, b1};
                mf_dsp_dot_2x3(wc, n, x, xs, n, acc);
                const int32_t m0 = per_channel ? r[2] : rq[2], m1 = per_channel ? r[3] : rq[2];
                const int32_t e0 = per_channel ? r[4] : rq[4], e1 = per_channel ? r[5] : rq[4];
                MF_DSP_OUTF(o[0], acc[0], m0, e0); MF_DSP_OUTF(o[1], acc[3], m1, e1);
                MF_DSP_OUTF(o[n_out], acc[1], m0, e0); MF_DSP_OUTF(o[n_out + 1], acc[4], m1, e1);
                MF_DSP_OUTF(o[2 * n_out], acc[2], m0, e0); MF_DSP_OUTF(o[2 * n_out + 1], acc[5], m1, e1);
            } else {
                int32_t acc[4] = {b0, b0, b1, b1};
                mf_dsp_dot_2x2(wc, n, x, xs, n, acc);
                const int32_t m0 = per_channel ? r[2] : rq[2], m1 = per_channel ? r[3] : rq[2];
                const int32_t e0 = per_channel ? r[4] : rq[4], e1 = per_channel ? r[5] : rq[4];
                MF_DSP_OUTF(o[0], acc[0], m0, e0); MF_DSP_OUTF(o[1], acc[2], m1, e1);
                MF_DSP_OUTF(o[n_out], acc[1], m0, e0); MF_DSP_OUTF(o[n_out + 1], acc[3], m1, e1);
            }
        }
        if (c < n_out) {   /* odd channel count: one weight row against every input row */
            const int32_t bb = MF_RQB(c);
            int32_t acc[3] = {bb, bb, bb};
            mf_dsp_dot_1xn(n_x, weights + c * n, x, xs, n, acc);
            const int32_t m0 = MF_RQM(c), e0 = MF_RQE(c);
            for (int32_t i = 0; i < n_x; ++i) MF_DSP_OUTF(out[i * n_out + c], acc[i], m0, e0);
        }
    } else {
        for (; c + 4 <= n_out; c += 4) {
            int32_t acc[4] = {MF_RQB(c), MF_RQB(c + 1), MF_RQB(c + 2), MF_RQB(c + 3)};
            mf_dsp_dot_1xn(4, x, weights + c * n, n, n, acc);
            for (int32_t i = 0; i < 4; ++i) MF_DSP_OUTF(out[c + i], acc[i], MF_RQM(c + i), MF_RQE(c + i));
        }
        if (n_out & 2) {
            int32_t acc[2] = {MF_RQB(c), MF_RQB(c + 1)};
            mf_dsp_dot_1xn(2, x, weights + c * n, n, n, acc);
            MF_DSP_OUTF(out[c], acc[0], MF_RQM(c), MF_RQE(c)); MF_DSP_OUTF(out[c + 1], acc[1], MF_RQM(c + 1), MF_RQE(c + 1));
            c += 2;
        }
        if (n_out & 1) {
            int32_t acc[1] = {MF_RQB(c)};
            mf_dsp_dot_1xn(1, x, weights + c * n, n, n, acc);
            MF_DSP_OUTF(out[c], acc[0], MF_RQM(c), MF_RQE(c));
        }
    }
#undef MF_RQB
#undef MF_RQM
#undef MF_RQE
#undef MF_DSP_OUTF
}

/* out[i][c] for rows x + i*xs (n_x = 1, 2 or 3 rows of n bytes) and channels c < n_out of weights
 * [n_out][n]: three rows in 2x3 blocks, two in 2x2 blocks, a lone row in 4-channel blocks; row i's
 * outputs start at out + i*n_out. Each block reads all its input before writing any output.
 * Shared by FULLY_CONNECTED and the convolution's pixel runs. */
MF_KERNEL void mf_dsp_matmul_rows(const int32_t n_x, const int8_t *x, const int32_t xs, const int32_t n,
                                  const int8_t *weights, const int32_t *bias, const int32_t *mult,
                                  const int32_t *shift, const int32_t per_channel, const int32_t n_out,
                                  const int32_t out_offset, const int32_t act_min, const int32_t act_max, int8_t *out,
                                  const int32_t rq_mode, const int32_t *rq)
{
    if (rq_mode == 1) {
        mf_dsp_matmul_rows_fast(n_x, x, xs, n, weights, rq, per_channel, n_out, out_offset, act_min, act_max, out);
        return;
    }
#define MF_DSP_RQ(c_) mf_dsp_rq(mult[per_channel ? (c_) : 0], shift[per_channel ? (c_) : 0])
#define MF_DSP_OUT(o_, acc_, q_) ((o_) = mf_dsp_out((acc_), (q_), out_offset, act_min, act_max))
    int32_t c = 0;
    if (n_x >= 2) {
        for (; c + 2 <= n_out; c += 2) {
            const int32_t b0 = bias[c], b1 = bias[c + 1];
            const mf_dsp_rq_t q0 = MF_DSP_RQ(c), q1 = MF_DSP_RQ(c + 1);
            if (n_x == 3) {
                int32_t acc[6] = {b0, b0, b0, b1, b1, b1};
                mf_dsp_dot_2x3(weights + c * n, n, x, xs, n, acc);
                MF_DSP_OUT(out[c], acc[0], q0); MF_DSP_OUT(out[c + 1], acc[3], q1);
                MF_DSP_OUT(out[n_out + c], acc[1], q0); MF_DSP_OUT(out[n_out + c + 1], acc[4], q1);
                MF_DSP_OUT(out[2 * n_out + c], acc[2], q0); MF_DSP_OUT(out[2 * n_out + c + 1], acc[5], q1);
            } else {
                int32_t acc[4] = {b0, b0, b1, b1};
                mf_dsp_dot_2x2(weights + c * n, n, x, xs, n, acc);
                MF_DSP_OUT(out[c], acc[0], q0); MF_DSP_OUT(out[c + 1], acc[2], q1);
                MF_DSP_OUT(out[n_out + c], acc[1], q0); MF_DSP_OUT(out[n_out + c + 1], acc[3], q1);
            }
        }
        if (c < n_out) {   /* odd channel count: one weight row against every input row */
            const mf_dsp_rq_t q = MF_DSP_RQ(c);
            int32_t acc[3] = {bias[c], bias[c], bias[c]};
            mf_dsp_dot_1xn(n_x, weights + c * n, x, xs, n, acc);
            for (int32_t i = 0; i < n_x; ++i) MF_DSP_OUT(out[i * n_out + c], acc[i], q);
        }
    } else {
        for (; c + 4 <= n_out; c += 4) {
            int32_t acc[4] = {bias[c], bias[c + 1], bias[c + 2], bias[c + 3]};
            mf_dsp_dot_1xn(4, x, weights + c * n, n, n, acc);
            for (int32_t i = 0; i < 4; ++i) MF_DSP_OUT(out[c + i], acc[i], MF_DSP_RQ(c + i));
        }
        if (n_out & 2) {
            int32_t acc[2] = {bias[c], bias[c + 1]};
            mf_dsp_dot_1xn(2, x, weights + c * n, n, n, acc);
            MF_DSP_OUT(out[c], acc[0], MF_DSP_RQ(c)); MF_DSP_OUT(out[c + 1], acc[1], MF_DSP_RQ(c + 1));
            c += 2;
        }
        if (n_out & 1) {
            int32_t acc[1] = {bias[c]};
            mf_dsp_dot_1xn(1, x, weights + c * n, n, n, acc);
            MF_DSP_OUT(out[c], acc[0], MF_DSP_RQ(c));
        }
    }
#undef MF_DSP_RQ
#undef MF_DSP_OUT
}

/* acc_i += x.w_i over bytes [o, o+4) of x and the 4-row group chunk at w + 4*o (rows' 4-byte pieces side
 * by side, ops/fully_connected.py fc_group_layout): the five loads back to back (LDR pipelining), then
 * SXTB16/SMLAD alternating for the M7's dual issue. */
#define MF_DSP_ASM_FC4(X_, W_, O_, S0_, S1_, S2_, S3_)                                                     \
    do {                                                                                          \
        int32_t x_, e_, t_, a_, b_, c_, d_;                                                       \
        __asm__ volatile(                                                                         \
            "ldr %[x], [%[xp], %[o]]\n\t"                                                         \
            "ldr %[a], [%[wp], %[o0]]\n\t"                                                        \
            "ldr %[b], [%[wp], %[o1]]\n\t"                                                        \
            "ldr %[c], [%[wp], %[o2]]\n\t"                                                        \
            "ldr %[d], [%[wp], %[o3]]\n\t"                                                        \
            "sxtb16 %[e], %[x]\n\t"                                                               \
            "sxtb16 %[t], %[a]\n\t"                                                               \
            "sxtb16 %[x], %[x], ror #8\n\t"                                                       \
            "smlad %[s0], %[t], %[e], %[s0]\n\t"                                                  \
            "sxtb16 %[a], %[a], ror #8\n\t"                                                       \
            "sxtb16 %[t], %[b]\n\t"                                                               \
            "smlad %[s0], %[a], %[x], %[s0]\n\t"                                                  \
            "sxtb16 %[b], %[b], ror #8\n\t"                                                       \
            "smlad %[s1], %[t], %[e], %[s1]\n\t"                                                  \
            "sxtb16 %[t], %[c]\n\t"                                                               \
            "smlad %[s1], %[b], %[x], %[s1]\n\t"                                                  \
            "sxtb16 %[c], %[c], ror #8\n\t"                                                       \
            "smlad %[s2], %[t], %[e], %[s2]\n\t"                                                  \
            "sxtb16 %[t], %[d]\n\t"                                                               \
            "smlad %[s2], %[c], %[x], %[s2]\n\t"                                                  \
            "sxtb16 %[d], %[d], ror #8\n\t"                                                       \
            "smlad %[s3], %[t], %[e], %[s3]\n\t"                                                  \
            "smlad %[s3], %[d], %[x], %[s3]"                                                      \
            : [s0] "+r"(S0_), [s1] "+r"(S1_), [s2] "+r"(S2_), [s3] "+r"(S3_), [x] "=&r"(x_),       \
              [e] "=&r"(e_), [t] "=&r"(t_), [a] "=&r"(a_), [b] "=&r"(b_), [c] "=&r"(c_), [d] "=&r"(d_) \
            : [xp] "r"(X_), [wp] "r"(W_), [o] "i"(O_), [o0] "i"(4 * (O_)), [o1] "i"(4 * (O_) + 4),   \
              [o2] "i"(4 * (O_) + 8), [o3] "i"(4 * (O_) + 12)                                      \
            : "memory");                                                                          \
    } while (0)

/* One input vector against grouped weights (batches == 1, fast requantisation): out_features = 4q + r;
 * group g (4g .. 4g+3) holds, for every 4-byte chunk j of the n & ~3 leading inputs, the four rows'
 * bytes [4j, 4j+4) side by side (16 bytes), then the four rows' last n & 3 bytes row after row; the r
 * rows left over follow in plain [r][n] order. Each group's requantisation constants are two rq pairs. */
MF_KERNEL void mf_dsp_fc_grouped(const mf_fully_connected_params_t *p, const int8_t *in, int8_t *out)
{
    const int32_t n = p->in_features, n_out = p->out_features, n4 = n & ~3, tail = n & 3;
    const int32_t pc = p->per_channel, zp = p->out_offset, lo = p->act_min, hi = p->act_max;
    const int32_t *rq = p->rq;
    const int8_t *w = p->weights;
    int32_t c = 0;
    for (; c + 4 <= n_out; c += 4, rq += 12, out += 4) {
        int32_t s0 = rq[0], s1 = rq[1], s2 = rq[6], s3 = rq[7];
        const int8_t *x = in;
        int32_t k = 0;
        for (; k + 32 <= n4; k += 32, x += 32, w += 128) {
            MF_DSP_ASM_FC4(x, w, 0, s0, s1, s2, s3); MF_DSP_ASM_FC4(x, w, 4, s0, s1, s2, s3);
            MF_DSP_ASM_FC4(x, w, 8, s0, s1, s2, s3); MF_DSP_ASM_FC4(x, w, 12, s0, s1, s2, s3);
            MF_DSP_ASM_FC4(x, w, 16, s0, s1, s2, s3); MF_DSP_ASM_FC4(x, w, 20, s0, s1, s2, s3);
            MF_DSP_ASM_FC4(x, w, 24, s0, s1, s2, s3); MF_DSP_ASM_FC4(x, w, 28, s0, s1, s2, s3);
        }
        if (n4 & 16) {
            MF_DSP_ASM_FC4(x, w, 0, s0, s1, s2, s3); MF_DSP_ASM_FC4(x, w, 4, s0, s1, s2, s3);
            MF_DSP_ASM_FC4(x, w, 8, s0, s1, s2, s3); MF_DSP_ASM_FC4(x, w, 12, s0, s1, s2, s3);
            x += 16; w += 64;
        }
        if (n4 & 8) { MF_DSP_ASM_FC4(x, w, 0, s0, s1, s2, s3); MF_DSP_ASM_FC4(x, w, 4, s0, s1, s2, s3); x += 8; w += 32; }
        if (n4 & 4) { MF_DSP_ASM_FC4(x, w, 0, s0, s1, s2, s3); x += 4; w += 16; }
        for (int32_t t = 0; t < tail; ++t) {
            const int32_t v = x[t];
            s0 += v * w[t]; s1 += v * w[tail + t]; s2 += v * w[2 * tail + t]; s3 += v * w[3 * tail + t];
        }
        w += 4 * tail;
        const int32_t *q = pc ? rq : p->rq;   /* per tensor: every channel uses pair 0's constants */
        out[0] = mf_dsp_out_fast(s0, q[2], q[4], zp, lo, hi);
        out[1] = mf_dsp_out_fast(s1, pc ? q[3] : q[2], pc ? q[5] : q[4], zp, lo, hi);
        out[2] = mf_dsp_out_fast(s2, pc ? q[8] : q[2], pc ? q[10] : q[4], zp, lo, hi);
        out[3] = mf_dsp_out_fast(s3, pc ? q[9] : q[2], pc ? q[11] : q[4], zp, lo, hi);
    }
    if (c < n_out)   /* the r < 4 rows left over, plain layout: rq continues at pair c/2 */
        mf_dsp_matmul_rows_fast(1, in, n, n, w, rq, pc, n_out - c, zp, lo, hi, out);
}

/* ---- batch 1 on mixed row pairs (mix = 1, ops/fully_connected.py fc_mix_layout) --------------------
 * Rows go in groups of 8 = 4 pairs (c, c'). The pair's weights share words: A words hold c's weights for
 * inputs k, k+2 in bytes 0, 2 and c''s (minus the sign of the byte below) in bytes 1, 3, so the halfwords
 * read as int16 are exactly 256*w_c' + w_c; B words the same for inputs k+1, k+3. The input vector is
 * sign-extended once per call into x16 (per 4-byte chunk: ev = inputs k, k+2 and od = k+1, k+3 as int16
 * pairs). SMLAD of a raw word with ev/od adds 256*(c' products) + (c products) to m; SMLAD of its SXTB16
 * adds c's alone to s. s starts at c's bias, m at c's bias + 256 * c''s (one segment) or at c's bias (several),
 * so m - s = 256 * c''s accumulator (or segment sum), exact while that stays below 2^31 in magnitude (the compiler
 * splits k into segments with sum |w_c'| < 2^16 each, and keeps one only if the bias fits too, fc_mix_segments;
 * the kernel folds m - s into c''s sum after each segment but the last). Per 4 inputs and 8 rows (32 MACs): 2 input
 * loads, 8 weight loads, 8 SXTB16, 16 SMLAD, against 5 loads, 10 SXTB16, 8 SMLAD per 16 MACs in the 4-row
 * groups. Two schedules, picked by the build's MF_TARGET_M7: M4/M33 (MF_FC_MIX_STEP_M4) loads in three
 * back-to-back chains per chunk (LDR pipelining), 37 cycles per 32 MACs in the cycle model; M7 interleaves
 * every load and SXTB16 with an SMLAD (dual issue), about 17 cycles. Either schedule is exact anywhere. */

/* SMLADs of the loaded words a, b (pairs P, P+1 of the group) with the input pair register XR_; LA_/LB_ (the
 * next words' loads, or nothing) go after the last reads of a and b, so every SMLAD can pair with a load or
 * SXTB16 on the M7. */
#define MF_FC_MIX_Q(XR_, MA_, MB_, SA_, SB_, LA_, LB_)                                           \
    "smlad %[" MA_ "], %[a], %[" XR_ "], %[" MA_ "]\n\t"                                         \
    "sxtb16 %[a], %[a]\n\t"                                                                      \
    "smlad %[" MB_ "], %[b], %[" XR_ "], %[" MB_ "]\n\t"                                         \
    "sxtb16 %[b], %[b]\n\t"                                                                      \
    "smlad %[" SA_ "], %[a], %[" XR_ "], %[" SA_ "]\n\t"                                         \
    LA_                                                                                          \
    "smlad %[" SB_ "], %[b], %[" XR_ "], %[" SB_ "]\n\t"                                         \
    LB_
#define MF_FC_MIX_LDW(R_, WO_, OFF_, WB_) "ldr %[" R_ "], [%[w], #" WO_ "+" OFF_ "]" WB_ "\n\t"
/* One 4-input chunk (M7 schedule), software-pipelined: on entry e, o hold the chunk's x16 pair (ev, od) and
 * a, b its first two weight words (w + WO_ + 0, 4); every SMLAD pairs with a load or SXTB16 (dual issue), the
 * loads of the next chunk's first two words ride in the last Q, and one LDRD brings the next x16 pair: 33
 * instructions, 17 cycles per 32 MACs. WB_ "!" (the block's last chunk) advances w and x past it; then a, b
 * are read 8 bytes past a group's last chunk (the next segment's or group's words, or just past the array:
 * flash either way, never used). */
#define MF_FC_MIX_STEP(XO_, WO_, WB_)                                                            \
    MF_FC_MIX_Q("e", "m0", "m1", "s0", "s1", MF_FC_MIX_LDW("a", WO_, "8", ""), MF_FC_MIX_LDW("b", WO_, "12", "")) \
    MF_FC_MIX_Q("e", "m2", "m3", "s2", "s3", MF_FC_MIX_LDW("a", WO_, "16", ""), MF_FC_MIX_LDW("b", WO_, "20", "")) \
    MF_FC_MIX_Q("o", "m0", "m1", "s0", "s1", MF_FC_MIX_LDW("a", WO_, "24", ""), MF_FC_MIX_LDW("b", WO_, "28", "")) \
    MF_FC_MIX_Q("o", "m2", "m3", "s2", "s3",                                                      \
                ".ifc " WB_ ",end\n\tadd %[w], %[w], #" WO_ "+32\n\t.else\n\t"                 \
                "ldr %[a], [%[w], #" WO_ "+32]" WB_ "\n\t.endif\n\t",                            \
                ".ifc " WB_ ",end\n\tadd %[x], %[x], #" XO_ "+8\n\t.else\n\t"                  \
                ".ifc " WB_ ",!\n\tldr %[b], [%[w], #4]\n\t.else\n\tldr %[b], [%[w], #" WO_ "+36]\n\t.endif\n\t" \
                "ldrd %[e], %[o], [%[x], #" XO_ "+8]" WB_ "\n\t.endif\n\t")

/* The same chunk scheduled for the M4/M33 (MF_TARGET_M7 undefined): three load chains per chunk instead of four
 * (LDR pipelining: a chain costs its length + 1). e holds ev while A words are loaded into a, b, o; then o's
 * register takes a weight and b the od words; the last chain reuses e. w points at the chunk's weights and
 * advances through them (post-indexed loads last in their chains, then LDMIA of B23 B45 B67 into e < a < o:
 * the same cycles as three LDRs, two instructions fewer). Chunks after the block's first load ev first;
 * WB_ "!" (the block's last chunk): x advanced, e = the next ev (or the sentinel). WO_ is unused. */
#define MF_FC_MIX_STEP_M4(XO_, WO_, WB_)                                                         \
    ".if " XO_ " != 0\n\tldr %[e], [%[x], #" XO_ "]\n\t.endif\n\t"                              \
    "ldr %[b], [%[w], #4]\n\t"                                                                   \
    "ldr %[o], [%[w], #8]\n\t"                                                                   \
    "ldr %[a], [%[w]], #16\n\t"                                                                  \
    "smlad %[m0], %[a], %[e], %[m0]\n\t"                                                         \
    "sxtb16 %[a], %[a]\n\t"                                                                      \
    "smlad %[m1], %[b], %[e], %[m1]\n\t"                                                         \
    "sxtb16 %[b], %[b]\n\t"                                                                      \
    "smlad %[s0], %[a], %[e], %[s0]\n\t"                                                         \
    "smlad %[m2], %[o], %[e], %[m2]\n\t"                                                         \
    "sxtb16 %[o], %[o]\n\t"                                                                      \
    "smlad %[s1], %[b], %[e], %[s1]\n\t"                                                         \
    "smlad %[s2], %[o], %[e], %[s2]\n\t"                                                         \
    "ldr %[a], [%[w], #-4]\n\t"                                                                  \
    "ldr %[b], [%[x], #" XO_ "+4]\n\t"                                                           \
    "ldr %[o], [%[w]], #4\n\t"                                                                   \
    "smlad %[m3], %[a], %[e], %[m3]\n\t"                                                         \
    "sxtb16 %[a], %[a]\n\t"                                                                      \
    "smlad %[m0], %[o], %[b], %[m0]\n\t"                                                         \
    "sxtb16 %[o], %[o]\n\t"                                                                      \
    "smlad %[s3], %[a], %[e], %[s3]\n\t"                                                         \
    "smlad %[s0], %[o], %[b], %[s0]\n\t"                                                         \
    "ldmia %[w]!, {%[e], %[a], %[o]}\n\t"                                                        \
    "smlad %[m1], %[e], %[b], %[m1]\n\t"                                                         \
    "sxtb16 %[e], %[e]\n\t"                                                                      \
    "smlad %[m2], %[a], %[b], %[m2]\n\t"                                                         \
    "sxtb16 %[a], %[a]\n\t"                                                                      \
    "smlad %[s1], %[e], %[b], %[s1]\n\t"                                                         \
    "smlad %[m3], %[o], %[b], %[m3]\n\t"                                                         \
    "sxtb16 %[o], %[o]\n\t"                                                                      \
    "smlad %[s2], %[a], %[b], %[s2]\n\t"                                                         \
    "smlad %[s3], %[o], %[b], %[s3]\n\t"                                                         \
    ".ifc " WB_ ",!\n\tldr %[e], [%[x], #" XO_ "+8]!\n\t.endif\n\t"                              \
    ".ifc " WB_ ",end\n\tadd %[x], %[x], #" XO_ "+8\n\t.endif\n\t"

#if !defined(MF_TARGET_M7)
#undef MF_FC_MIX_STEP
#define MF_FC_MIX_STEP(XO_, WO_, WB_) MF_FC_MIX_STEP_M4(XO_, WO_, WB_)
#define MF_FC_MIX_ENTRY "ldr %[e], [%[x]]\n\t"   /* a segment starts with e = its first ev */
/* the loop's 8 chunks: x advanced once (a load after a writeback load is not pipelined) */
#define MF_FC_MIX_STEP8 MF_FC_MIX_STEP4("") MF_FC_MIX_STEP("32", "128", "") MF_FC_MIX_STEP("40", "160", "") \
    MF_FC_MIX_STEP("48", "192", "") MF_FC_MIX_STEP("56", "224", "!")
#define MF_FC_MIX_REGS register int32_t e __asm__("r8"), a __asm__("r9"), o __asm__("r10"); int32_t b
/* a one-segment group: rq and out pushed first (two STRs, 1 cycle each, where a STRD is 3), then the accumulators
 * from rq (at %[a]): m from the c' slots, s from the c rows' biases, in one chain of loads that MF_FC_MIX_ENTRY's
 * and the first chunk's continue */
#define MF_FC_MIX_START "str %[a], [sp, #-8]!\n\tstr %[b], [sp, #4]\n\t"                                   \
    "ldr %[m0], [%[a], #16]\n\tldr %[m1], [%[a], #20]\n\tldr %[m2], [%[a], #24]\n\t"                     \
    "ldr %[m3], [%[a], #28]\n\tldr %[s0], [%[a]]\n\tldr %[s1], [%[a], #4]\n\tldr %[s2], [%[a], #8]\n\t"    \
    "ldr %[s3], [%[a], #12]\n\t"
#else
/* a segment starts with the first x16 pair and weight words loaded */
#define MF_FC_MIX_ENTRY "ldrd %[e], %[o], [%[x]]\n\tldr %[a], [%[w]]\n\tldr %[b], [%[w], #4]\n\t"
#define MF_FC_MIX_REGS int32_t e, o, a, b
/* a one-segment group's accumulators from rq (at %[a], word-aligned): m from the c' slots, s from the c rows' biases;
 * then rq and out pushed */
#define MF_FC_MIX_START "ldrd %[m0], %[m1], [%[a], #16]\n\tldrd %[m2], %[m3], [%[a], #24]\n\t"                 \
    "ldrd %[s0], %[s1], [%[a]]\n\tldrd %[s2], %[s3], [%[a], #8]\n\tstrd %[a], %[b], [sp, #-8]!\n\t"
/* the loop's 8 chunks in two halves (pre-indexed LDR offsets stop at 255) */
#define MF_FC_MIX_STEP8 MF_FC_MIX_STEP4("!") MF_FC_MIX_STEP4("!")
#endif

/* One pair's two outputs, in place (MF_FC_MIX_GROUP_ASM's epilogue: %[a] = rq, %[o] = kk = 2*zp + 1, %[x] and, per
 * channel, %[e] temporaries; per tensor %[e] = mm = 2*mult - 2^32 and em1 = -shift-1 an immediate): s is c's
 * accumulator; c''s is (m - s) >> 8 with one segment (m started at b_c + 256*b_c', fc_mix_rq_layout), plus the
 * earlier segments' sums (started at b_c', on the stack at sp + 8 + 4*I_) with several; exact: that accumulator or
 * segment sum is below 2^23 in magnitude (fc_mix_segments), so m - s = 256 times it fits int32. Both rows go
 * through mf_dsp_out_fast's arithmetic up to SSAT; per channel mult and
 * shift of row c_I_ (rq + 32 + 4*I_, rq + 64 + 4*I_) and c'_I_ (rq + 48 + 4*I_, rq + 80 + 4*I_), the shift by
 * register. */
#define MF_FC_MIX_RQ2(S_, M_, I_)                                                                \
    ".if %c[pc]\n\t"                                                                             \
    "sub %[" M_ "], %[" M_ "], %[" S_ "]\n\t"                                                    \
    ".if %c[nseg]\n\tldr %[x], [sp, #8 + 4 * " I_ "]\n\t.endif\n\t"   /* beside the next load (M4) */   \
    "ldr %[e], [%[a], #32 + 4 * " I_ "]\n\t"                                                     \
    ".if %c[nseg]\n\tadd %[" M_ "], %[x], %[" M_ "], asr #8\n\t"                                 \
    ".else\n\tasr %[" M_ "], %[" M_ "], #8\n\t.endif\n\t"                                        \
    "ldr %[x], [%[a], #64 + 4 * " I_ "]\n\t"                                                     \
    "smmlar %[" S_ "], %[" S_ "], %[e], %[" S_ "]\n\t"                                           \
    "ldr %[e], [%[a], #48 + 4 * " I_ "]\n\t"                                                     \
    ".if 2 * (%c[lo]) + 1 < %c[kc]\n\tadd %[" S_ "], %[" S_ "], %[" S_ "], asr #31\n\t.endif\n\t" \
    "asr %[" S_ "], %[" S_ "], %[x]\n\t"                                                         \
    "ldr %[x], [%[a], #80 + 4 * " I_ "]\n\t"                                                     \
    "smmlar %[" M_ "], %[" M_ "], %[e], %[" M_ "]\n\t"                                           \
    "add %[" S_ "], %[" S_ "], %[o]\n\t"                                                         \
    ".if 2 * (%c[lo]) + 1 < %c[kc]\n\tadd %[" M_ "], %[" M_ "], %[" M_ "], asr #31\n\t.endif\n\t" \
    "asr %[" M_ "], %[" M_ "], %[x]\n\t"                                                         \
    "ssat %[" S_ "], #8, %[" S_ "], asr #1\n\t"                                                  \
    "add %[" M_ "], %[" M_ "], %[o]\n\t"                                                         \
    ".else\n\t"   /* ordered so that the M7 pairs most neighbours */                                    \
    "sub %[" M_ "], %[" M_ "], %[" S_ "]\n\t"                                                    \
    "smmlar %[" S_ "], %[" S_ "], %[e], %[" S_ "]\n\t"                                           \
    ".if %c[nseg]\n\t"                                                                           \
    "ldr %[x], [sp, #8 + 4 * " I_ "]\n\t"                                                        \
    "add %[" M_ "], %[x], %[" M_ "], asr #8\n\t"                                                 \
    ".else\n\t"                                                                                  \
    "asr %[" M_ "], %[" M_ "], #8\n\t"                                                           \
    ".endif\n\t"                                                                                 \
    ".if 2 * (%c[lo]) + 1 < %c[kc]\n\tadd %[" S_ "], %[" S_ "], %[" S_ "], asr #31\n\t.endif\n\t" \
    "smmlar %[" M_ "], %[" M_ "], %[e], %[" M_ "]\n\t"                                           \
    ".if %c[em1]\n\tadd %[" S_ "], %[o], %[" S_ "], asr %[em1]\n\t"                                 \
    ".else\n\tadd %[" S_ "], %[o], %[" S_ "]\n\t.endif\n\t"   /* ASR #0 would be ASR #32 */             \
    ".if 2 * (%c[lo]) + 1 < %c[kc]\n\tadd %[" M_ "], %[" M_ "], %[" M_ "], asr #31\n\t.endif\n\t" \
    "ssat %[" S_ "], #8, %[" S_ "], asr #1\n\t"                                                  \
    ".if %c[em1]\n\tadd %[" M_ "], %[o], %[" M_ "], asr %[em1]\n\t"                                 \
    ".else\n\tadd %[" M_ "], %[o], %[" M_ "]\n\t.endif\n\t"   /* ASR #0 would be ASR #32 */             \
    ".endif\n\t"                                                                                 \
    "ssat %[" M_ "], #8, %[" M_ "], asr #1\n\t"
/* After a segment but the last (x at its sentinel, the next word the next segment's first ev): c' row I_'s sum
 * m - s of the segment, >> 8, added to its stack word (%[o] a temporary), and m restarted at s. */
#define MF_FC_MIX_FOLD(S_, M_, I_)                                                               \
    "sub %[" M_ "], %[" M_ "], %[" S_ "]\n\t"                                                    \
    "ldr %[o], [sp, #8 + 4 * " I_ "]\n\t"                                                        \
    "add %[o], %[o], %[" M_ "], asr #8\n\t"                                                      \
    "str %[o], [sp, #8 + 4 * " I_ "]\n\t"                                                        \
    "mov %[" M_ "], %[" S_ "]\n\t"
/* One whole group, a single asm block (no spills around it, no register moves): the start values from rq (at %[a]):
 * one segment, s = the c rows' biases and m = the c' slots (MF_FC_MIX_START), several, both the c rows' biases and
 * the c' rows' in 4 stack words for their sums (MF_FC_MIX_FOLD after each segment but the last); rq and out (%[b])
 * pushed while the k loop needs all 14 registers; per segment
 * MF_FC_MIX_ENTRY, the lead chunks and the 8-chunk loop; after the last (x16's end marker follows its sentinel)
 * rq and out popped, per tensor mm and kk as immediates, the 8 outputs requantised (MF_FC_MIX_RQ2), packed 4 to a
 * word, clamped to [lo, hi] 4 at a time (SSUB8 + SEL: a byte-wise max/min), stored as two words (out needs no
 * alignment on Armv7-M); rq and out advanced past the group, w past its weights, x clobbered. */
#define MF_FC_MIX_GROUP_ASM                                                                      \
    ".if %c[nseg]\n\t"                                                                           \
    "ldr %[m0], [%[a], #16]\n\t"                                                                 \
    "ldr %[m1], [%[a], #20]\n\t"                                                                 \
    "ldr %[m2], [%[a], #24]\n\t"                                                                 \
    "ldr %[m3], [%[a], #28]\n\t"                                                                 \
    "strd %[a], %[b], [sp, #-24]!\n\t"                                                           \
    "strd %[m0], %[m1], [sp, #8]\n\t"                                                            \
    "strd %[m2], %[m3], [sp, #16]\n\t"                                                           \
    "ldr %[m0], [%[a]]\n\t"                                                                      \
    "ldr %[m1], [%[a], #4]\n\t"                                                                  \
    "ldr %[m2], [%[a], #8]\n\t"                                                                  \
    "ldr %[m3], [%[a], #12]\n\t"                                                                 \
    "mov %[s0], %[m0]\n\t"                                                                       \
    "mov %[s1], %[m1]\n\t"                                                                       \
    "mov %[s2], %[m2]\n\t"                                                                       \
    "mov %[s3], %[m3]\n\t"                                                                       \
    ".else\n\t"                                                                                  \
    MF_FC_MIX_START                                                                              \
    ".endif\n"                                                                                   \
    "2:\n\t"                                                                                     \
    MF_FC_MIX_ENTRY "\n"                                                                         \
    ".if %c[loop]\n\t" MF_FC_MIX_LEAD("!")                                                       \
    "1:\n\t" MF_FC_MIX_STEP8                                                                     \
    "cmp %[e], #0x80808080\n\t"                                                                  \
    "bne 1b\n"                                                                                   \
    ".else\n\t" MF_FC_MIX_LEAD("end") ".endif\n\t"                                               \
    ".if %c[nseg]\n\t"                                                                           \
    "ldr %[e], [%[x], #4]!\n\t"                                                                  \
    "cmp %[e], #0x80808080\n\t"                                                                  \
    "beq 3f\n\t"                                                                                 \
    MF_FC_MIX_FOLD("s0", "m0", "0") MF_FC_MIX_FOLD("s1", "m1", "1")                              \
    MF_FC_MIX_FOLD("s2", "m2", "2") MF_FC_MIX_FOLD("s3", "m3", "3")                              \
    "b 2b\n"                                                                                     \
    "3:\n\t"                                                                                     \
    "ldrd %[a], %[b], [sp]\n\t"                                                                  \
    ".else\n\t"                                                                                  \
    "ldrd %[a], %[b], [sp], #8\n\t"                                                              \
    ".endif\n\t"                                                                                 \
    ".if %c[pc] == 0\n\t"                                                                        \
    "movw %[e], #:lower16:%c[mm]\n\t"                                                            \
    "movt %[e], #:upper16:%c[mm]\n\t"                                                            \
    ".endif\n\t"                                                                                 \
    "mov %[o], #%c[kc]\n\t"                                                                      \
    MF_FC_MIX_RQ2("s0", "m0", "0") MF_FC_MIX_RQ2("s1", "m1", "1")                                \
    MF_FC_MIX_RQ2("s2", "m2", "2") MF_FC_MIX_RQ2("s3", "m3", "3")                                \
    ".if %c[nseg]\n\tadd sp, sp, #24\n\t.endif\n\t"                                              \
    "bfi %[s0], %[m0], #8, #8\n\t"                                                               \
    "bfi %[s2], %[m2], #8, #8\n\t"                                                               \
    "bfi %[s0], %[s1], #16, #8\n\t"                                                              \
    "bfi %[s2], %[s3], #16, #8\n\t"                                                              \
    "bfi %[s0], %[m1], #24, #8\n\t"                                                              \
    "bfi %[s2], %[m3], #24, #8\n\t"                                                              \
    ".if %c[lo] > -128\n\t"                                                                      \
    "mov %[x], #((%c[lo]) & 0xff) * 0x01010101\n\t"                                              \
    "ssub8 %[m0], %[s0], %[x]\n\t"                                                               \
    "sel %[s0], %[s0], %[x]\n\t"                                                                 \
    "ssub8 %[m0], %[s2], %[x]\n\t"                                                               \
    "sel %[s2], %[s2], %[x]\n\t"                                                                 \
    ".endif\n\t"                                                                                 \
    ".if %c[hi] < 127\n\t"                                                                       \
    "mov %[x], #((%c[hi]) & 0xff) * 0x01010101\n\t"                                              \
    "ssub8 %[m0], %[x], %[s0]\n\t"                                                               \
    "sel %[s0], %[s0], %[x]\n\t"                                                                 \
    "ssub8 %[m0], %[x], %[s2]\n\t"                                                               \
    "sel %[s2], %[s2], %[x]\n\t"                                                                 \
    ".endif\n\t"                                                                                 \
    "str %[s2], [%[b], #4]\n\t"                                                                  \
    "str %[s0], [%[b]], #8\n\t"                                                                  \
    "add %[a], %[a], #%c[rqb]"

/* x16 for the input vector in (n bytes, zero-padded to k4): ev, od per chunk, and after every seg chunks the
 * sentinel 0x80808080 (no int16 pair of sign-extended bytes equals it) that ends a segment's k loop; one more after
 * the last segment's marks the end. On the M7 two chunks per asm step (two LDRs, four SXTB16, two STRDs, the
 * pointers advanced by the addressing modes); on the M4/M33 four (single STRs), then two and one for the rest. */
MF_KERNEL void mf_dsp_fc_mix_expand(int32_t *x16, const int8_t *in, const int32_t n, const int32_t seg)
{
    const int32_t full = n >> 2, steps = (n + 3) >> 2;   /* chunks without / with the zero-padded last one */
    const int8_t *src = in;
    for (int32_t s = 0; s < steps; s += seg) {            /* one segment, then its sentinel */
        const int32_t e = s + seg < full ? s + seg : full;
        int32_t c = s;
#if !defined(MF_TARGET_M7)
        /* M4/M33: four chunks a pass (one chain of four LDRs) and single STRs (1 cycle there, a STRD 3), o advanced
         * by the first (the marker comment: tests find this loop in the compiled code) */
        for (; c + 4 <= e; c += 4) {
            int32_t u, v, t, r, a, b;
            __asm__ volatile("ldr %[v], [%[i], #4]   @ mf_dsp_fc_mix_expand4\n\t"
                             "ldr %[t], [%[i], #8]\n\t"
                             "ldr %[r], [%[i], #12]\n\t"
                             "ldr %[u], [%[i]], #16\n\t"
                             "sxtb16 %[a], %[u]\n\t"
                             "sxtb16 %[b], %[u], ror #8\n\t"
                             "str %[a], [%[o]], #32\n\t"
                             "str %[b], [%[o], #-28]\n\t"
                             "sxtb16 %[a], %[v]\n\t"
                             "sxtb16 %[b], %[v], ror #8\n\t"
                             "str %[a], [%[o], #-24]\n\t"
                             "str %[b], [%[o], #-20]\n\t"
                             "sxtb16 %[a], %[t]\n\t"
                             "sxtb16 %[b], %[t], ror #8\n\t"
                             "str %[a], [%[o], #-16]\n\t"
                             "str %[b], [%[o], #-12]\n\t"
                             "sxtb16 %[a], %[r]\n\t"
                             "sxtb16 %[b], %[r], ror #8\n\t"
                             "str %[a], [%[o], #-8]\n\t"
                             "str %[b], [%[o], #-4]"
                             : [i] "+r"(src), [o] "+r"(x16), [u] "=&r"(u), [v] "=&r"(v), [t] "=&r"(t), [r] "=&r"(r),
                               [a] "=&r"(a), [b] "=&r"(b)
                             : : "memory");
        }
#endif
        for (; c + 2 <= e; c += 2) {
            int32_t u, v, a, b;
            __asm__ volatile("ldr %[v], [%[i], #4]\n\t"
                             "ldr %[u], [%[i]], #8\n\t"
                             "sxtb16 %[a], %[u]\n\t"
                             "sxtb16 %[b], %[u], ror #8\n\t"
                             "strd %[a], %[b], [%[o]], #16\n\t"
                             "sxtb16 %[a], %[v]\n\t"
                             "sxtb16 %[b], %[v], ror #8\n\t"
                             "strd %[a], %[b], [%[o], #-8]"
                             : [i] "+r"(src), [o] "+r"(x16), [u] "=&r"(u), [v] "=&r"(v), [a] "=&r"(a), [b] "=&r"(b)
                             : : "memory");
        }
        if (c < e) {
            const int32_t v = mf_dsp_ld4(src);
            x16[0] = mf_dsp_ev(v); x16[1] = mf_dsp_od(v);
            x16 += 2; src += 4;
        }
        if (e < s + seg) {   /* the last chunk, zero-padded; it ends the last segment */
            uint32_t v = 0;
            for (int32_t t = 0; 4 * e + t < n; ++t) v |= (uint32_t)(uint8_t)in[4 * e + t] << (8 * t);
            x16[0] = mf_dsp_ev((int32_t)v); x16[1] = mf_dsp_od((int32_t)v);
            x16 += 2;
        }
        *x16++ = (int32_t)0x80808080;
    }
    *x16 = (int32_t)0x80808080;   /* the end marker: a sentinel right after the last segment's */
}

/* One input vector (batches == 1, fast requantisation) against mixed 8-row groups, then the n_out % 8 rows
 * left over (plain layout after the groups) through mf_dsp_matmul_rows_fast. rq: fc_mix_rq_layout. x16: k4/2 +
 * k4/(4*mix_seg) + 1 words of the caller's stack. A group is one asm block (MF_FC_MIX_GROUP_ASM: all 14 registers,
 * 8 accumulators, e, o, a, b, x, w). Its k loop runs in segments of mix_seg chunks (one for most layers): 1..3
 * leading chunks as the assembler's .if picks, then 8 chunks per pass until e reads the sentinel; after each segment
 * but the last, m - s (256 * the segment's c' sum, below 2^31 by fc_mix_segments) goes into c''s sum and m restarts
 * at s. */
MF_KERNEL void mf_fully_connected_s8_mix(const mf_fully_connected_params_t *p, const int8_t *in, int8_t *out,
                                         int32_t *x16)
{
    const int32_t n = p->in_features, n_out = p->out_features, k4 = (n + 3) & ~3, seg = p->mix_seg;
    const int32_t n_seg = (k4 >> 2) / seg;
    const int32_t pc = p->per_channel, zp = p->out_offset, lo = p->act_min, hi = p->act_max;
    const int32_t *rq = p->rq;
    const int8_t *w = p->weights;   /* advanced by the asm blocks through every group's weights */
    /* opaque to GCC: with one group it would fold all of rq's values into the code and drop the array the
     * flash account expects in the image */
    __asm__("" : "+r"(rq));
    mf_dsp_fc_mix_expand(x16, in, n, seg);
/* 4 chunks; WB_ "!": x and w advanced past them */
#define MF_FC_MIX_STEP4(WB_) MF_FC_MIX_STEP("0", "0", "") MF_FC_MIX_STEP("8", "32", "") MF_FC_MIX_STEP("16", "64", "") \
    MF_FC_MIX_STEP("24", "96", WB_)
/* the lead % 8 chunks before the loop; the last one's WB_: "!" (the loop follows: x, w advanced, the next chunk's
 * registers loaded) or "end" (the segment ends: x at its sentinel, w past its weights, nothing loaded) */
#define MF_FC_MIX_LEAD(WB_)                                                                      \
    ".if %c[lead] & 4\n\t.if %c[lead] & 3\n\t" MF_FC_MIX_STEP4("!") ".else\n\t" MF_FC_MIX_STEP4(WB_) ".endif\n\t.endif\n\t" \
    ".if (%c[lead] & 3) == 1\n\t" MF_FC_MIX_STEP("0", "0", WB_) ".endif\n\t"                  \
    ".if (%c[lead] & 3) == 2\n\t" MF_FC_MIX_STEP("0", "0", "") MF_FC_MIX_STEP("8", "32", WB_) ".endif\n\t" \
    ".if (%c[lead] & 3) == 3\n\t" MF_FC_MIX_STEP("0", "0", "") MF_FC_MIX_STEP("8", "32", "")   \
    MF_FC_MIX_STEP("16", "64", WB_) ".endif\n\t"
    for (int8_t *const end = out + (n_out & ~7); out != end;) {   /* a group per asm block */
        MF_FC_MIX_REGS;
        int32_t m0, m1, m2, m3, s0, s1, s2, s3;
        const int32_t *x = x16;
        a = (int32_t)(uintptr_t)rq; b = (int32_t)(uintptr_t)out;
        __asm__ volatile(MF_FC_MIX_GROUP_ASM
                         : [m0] "=&r"(m0), [m1] "=&r"(m1), [m2] "=&r"(m2), [m3] "=&r"(m3),
                           [s0] "=&r"(s0), [s1] "=&r"(s1), [s2] "=&r"(s2), [s3] "=&r"(s3),
                           [e] "=&r"(e), [o] "=&r"(o), [a] "+r"(a), [b] "+r"(b), [x] "+r"(x), [w] "+r"(w)
                         : [lead] "i"(seg & 7), [loop] "i"(seg >= 8), [nseg] "i"(n_seg > 1), [pc] "i"(pc),
                           [mm] "i"(p->m2), [kc] "i"(2 * zp + 1), [em1] "i"(p->em1), [lo] "i"(lo), [hi] "i"(hi),
                           [rqb] "i"(pc ? 96 : 32)
                         : "cc", "memory");
        (void)m0; (void)m1; (void)m2; (void)m3; (void)s0; (void)s1; (void)s2; (void)s3; (void)e; (void)o;
        rq = (const int32_t *)(uintptr_t)a; out = (int8_t *)(uintptr_t)b;
    }
#undef MF_FC_MIX_STEP4
#undef MF_FC_MIX_LEAD
    if (n_out & 7)   /* the n_out % 8 rows left over, plain layout: rq is at their pair layout */
        mf_dsp_matmul_rows_fast(1, in, n, n, w, rq, pc, n_out & 7, zp, lo, hi, out);
}
#undef MF_FC_MIX_GROUP_ASM
#undef MF_FC_MIX_RQ2
#undef MF_FC_MIX_FOLD
#undef MF_FC_MIX_START
#undef MF_FC_MIX_STEP
#undef MF_FC_MIX_Q
#undef MF_FC_MIX_LDW
#undef MF_FC_MIX_STEP_M4
#undef MF_FC_MIX_ENTRY
#undef MF_FC_MIX_STEP8
#undef MF_FC_MIX_REGS

/* DSP int8 fully connected layer: batch rows in pairs (2x2 blocks), a lone row in 4-channel blocks.
 * FULLY_CONNECTED never shares its buffers (no overlap lead), so rows are read straight from `in`. */
MF_KERNEL void mf_fully_connected_s8(const mf_fully_connected_params_t *p, const int8_t *in, int8_t *out)
{
    const int32_t n = p->in_features, n_out = p->out_features;
    if (p->grouped) {
        mf_dsp_fc_grouped(p, in, out);
        return;
    }
    int32_t b = 0;
    for (; b + 2 <= p->batches; b += 2)
        mf_dsp_matmul_rows(2, in + b * n, n, n, p->weights, p->bias, p->mult, p->shift, p->per_channel, n_out,
                           p->out_offset, p->act_min, p->act_max, out + b * n_out, p->rq_mode, p->rq);
    if (b < p->batches)
        mf_dsp_matmul_rows(1, in + b * n, n, n, p->weights, p->bias, p->mult, p->shift, p->per_channel, n_out,
                           p->out_offset, p->act_min, p->act_max, out + b * n_out, p->rq_mode, p->rq);
}

#endif
