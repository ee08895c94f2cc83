/* mf_fully_connected: int8 matrix-vector product with per-tensor or per-channel requantisation. */
#ifndef MF_FULLY_CONNECTED_H
#define MF_FULLY_CONNECTED_H
#include <stdint.h>
#include "mf_common.h"

typedef struct {
    int32_t batches, in_features, out_features;
    int32_t out_offset, act_min, act_max;
    int32_t per_channel;          /* 1: mult/shift have out_features entries, 0: one entry */
    const int8_t *weights;        /* [out_features][in_features] */
    const int32_t *bias;          /* folded bias, [out_features] */
    const int32_t *mult, *shift;
    /* optional quad path (mf_fully_connected_s8_m0; ops/fully_connected.py fills it on cores without DSP):
     * weights + 128 as uint8, per group of 4 rows the in_features byte quads (u[4g][k] .. u[4g+3][k]), then
     * the rows left over as they are; rqe (optional, ops/_requant.py rq_e_table without its bias column): m, e, rnd
     * per row, or once when per_channel is 0 (bias stays in bias) */
    const uint8_t *wq4;
    const int32_t *rqe;
} mf_fully_connected_params_t;

/* Portable int8 fully connected layer; the input zero point is folded into the bias. */
MF_KERNEL void mf_fully_connected_s8(const mf_fully_connected_params_t *p, const int8_t *in, int8_t *out)
{
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *x = in + b * p->in_features;
        for (int32_t o = 0; o < p->out_features; ++o) {
            const int8_t *w = p->weights + o * p->in_features;
            int32_t acc = p->bias[o];
            for (int32_t i = 0; i < p->in_features; ++i) acc += (int32_t)x[i] * w[i];
            const int32_t c = p->per_channel ? o : 0;
            acc = mf_mbqm(acc, p->mult[c], p->shift[c]) + p->out_offset;
            *out++ = (int8_t)mf_clamp_i32(acc, p->act_min, p->act_max);
        }
    }
}

/* ---- quad path (cores without SIMD: ARMv6-M) ----------------------------------------------------------
 * Four output rows per pass over the input vector, widened once to int32 (xs), so each input value is
 * loaded once (LDM) for four MULs; the weights are stored + 128 (byte loads, no sign extension) and the
 * excess 128 * sum(x) is subtracted from every row. */
#if MF_M0_HI_ASM
/* c_j += x[k] * u[4k + j] for k in groups of 4 up to xend; accumulators in high registers (ADD reaches them) */
#define MF_FC4_STEP(o) "ldm %[x]!, {%[v]}\n\t" \
    "ldrb %[u], [%[w], #" #o "]\n\t"     "muls %[u], %[v], %[u]\n\t" "add %[c0], %[u]\n\t" \
    "ldrb %[u], [%[w], #" #o "+1]\n\t"   "muls %[u], %[v], %[u]\n\t" "add %[c1], %[u]\n\t" \
    "ldrb %[u], [%[w], #" #o "+2]\n\t"   "muls %[u], %[v], %[u]\n\t" "add %[c2], %[u]\n\t" \
    "ldrb %[u], [%[w], #" #o "+3]\n\t"   "muls %[u], %[v], %[u]\n\t" "add %[c3], %[u]\n\t"
#define MF_FC4_DOT(X, W, XEND, A0, A1, A2, A3) do { int32_t _v, _u; \
    __asm__ volatile(".syntax unified\n\t" "1:\n\t" MF_FC4_STEP(0) MF_FC4_STEP(4) MF_FC4_STEP(8) MF_FC4_STEP(12) \
        "adds %[w], #16\n\t" "cmp %[x], %[e]\n\t" "bne 1b\n\t" ".syntax divided" \
        : [x] "+l"(X), [w] "+l"(W), [v] "=&l"(_v), [u] "=&l"(_u), \
          [c0] "+h"(A0), [c1] "+h"(A1), [c2] "+h"(A2), [c3] "+h"(A3) \
        : [e] "h"(XEND) : "cc", "memory"); } while (0)
#endif

MF_KERNEL int8_t mf_fully_connected__m0_rq(const mf_fully_connected_params_t *p, int32_t acc, int32_t o)
{
    const int32_t c = p->per_channel ? o : 0;
    if (p->rqe) return (int8_t)mf_rq_e(acc, p->rqe[3 * c], p->rqe[3 * c + 1], p->rqe[3 * c + 2], p->act_min, p->act_max);
    const int left = p->shift[c] > 0 ? p->shift[c] : 0;   /* mf_mbqm with m >= 0 (QuantizeMultiplier's mantissas) */
    acc = mf_rdbp(mf_srdhm_pos(mf_wrap_shl32(acc, left), p->mult[c]), left ? 0 : -p->shift[c]) + p->out_offset;
    return (int8_t)mf_clamp_i32(acc, p->act_min, p->act_max);
}

/* Same output as mf_fully_connected_s8, from p->wq4; xs: in_features int32 of scratch. Rows in increasing
 * order per input vector, written after the whole vector has been read. */
MF_KERNEL void mf_fully_connected_s8_m0(const mf_fully_connected_params_t *p, const int8_t *in, int8_t *out, int32_t *xs)
{
    const int32_t K = p->in_features, n = p->out_features;
    for (int32_t b = 0; b < p->batches; ++b, in += K) {
        int32_t s = 0;
        for (int32_t k = 0; k < K; ++k) { xs[k] = in[k]; s += in[k]; }
        s *= 128;
        const uint8_t *w = p->wq4;
        int32_t o = 0;
        for (; o + 3 < n; o += 4) {
            int32_t a0 = p->bias[o] - s, a1 = p->bias[o + 1] - s, a2 = p->bias[o + 2] - s, a3 = p->bias[o + 3] - s;
            const int32_t *x = xs;
            int32_t k = 0;
#if MF_M0_HI_ASM
            if (K >= 4) { MF_FC4_DOT(x, w, xs + (K & ~3), a0, a1, a2, a3); k = K & ~3; }
#endif
            for (; k < K; ++k, ++x, w += 4) {
                a0 += *x * (int32_t)w[0]; a1 += *x * (int32_t)w[1]; a2 += *x * (int32_t)w[2]; a3 += *x * (int32_t)w[3];
            }
            *out++ = mf_fully_connected__m0_rq(p, a0, o); *out++ = mf_fully_connected__m0_rq(p, a1, o + 1);
            *out++ = mf_fully_connected__m0_rq(p, a2, o + 2); *out++ = mf_fully_connected__m0_rq(p, a3, o + 3);
        }
        for (; o < n; ++o) {
            int32_t a = p->bias[o] - s;
            for (int32_t k = 0; k < K; ++k, ++w) a += xs[k] * (int32_t)*w;
            *out++ = mf_fully_connected__m0_rq(p, a, o);
        }
    }
}

#endif
