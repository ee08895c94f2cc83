/* mf_lstm (DSP): the LSTM gates' dot products with SXTB16 + SMLAD; the rest is mf_lstm_cell.h.
 * Weights and input go through the same SXTB16 split (bytes 0,2 then bytes 1,3), so each SMLAD adds two exact
 * int8 products to the int32 accumulator (wrapping like the portable sum): no re-layout inside a row is needed.
 * int16 activations: the same split, exact int32 SMLAD chunks added into int64.
 * Armv7E-M / Armv8-M Mainline with the DSP extension only (Cortex-M4/M7/M33/M55). */
#ifndef MF_LSTM_H
#define MF_LSTM_H
#include <stdint.h>
#include <string.h>
#include <arm_acle.h>
#include "mf_common.h"
#include "mf_lstm_cell.h"

MF_INLINE int32_t mf__lstm_ld4(const int8_t *p) { int32_t v; memcpy(&v, p, 4); return v; }   /* LDR, unaligned ok */
MF_INLINE int32_t mf__lstm_od(int32_t v)
{
    int32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(v));
    return r;
}

/* w: [4][n], the cell's four gate rows one after another (signed; vs, the portable kernel's offset term, unused). */
MF_KERNEL void mf__lstm_fc4(const int8_t *w, const int8_t *v, int32_t n, const int32_t *bias, int32_t vs,
                            const int32_t *mult, const int32_t *shift, int32_t *out)
{
    const int8_t *w0 = w, *w1 = w + n, *w2 = w + 2 * n, *w3 = w + 3 * n;
    int32_t a0 = bias[0], a1 = bias[1], a2 = bias[2], a3 = bias[3];
    int32_t i = 0;
    (void)vs;
    for (; i + 4 <= n; i += 4) {
        const int32_t x = mf__lstm_ld4(v + i), xe = __sxtb16(x), xo = mf__lstm_od(x);
        int32_t t = mf__lstm_ld4(w0 + i);
        a0 = __smlad(mf__lstm_od(t), xo, __smlad(__sxtb16(t), xe, a0));
        t = mf__lstm_ld4(w1 + i);
        a1 = __smlad(mf__lstm_od(t), xo, __smlad(__sxtb16(t), xe, a1));
        t = mf__lstm_ld4(w2 + i);
        a2 = __smlad(mf__lstm_od(t), xo, __smlad(__sxtb16(t), xe, a2));
        t = mf__lstm_ld4(w3 + i);
        a3 = __smlad(mf__lstm_od(t), xo, __smlad(__sxtb16(t), xe, a3));
    }
    for (; i < n; ++i) {
        const int32_t x = v[i];
        a0 += w0[i] * x;
        a1 += w1[i] * x;
        a2 += w2[i] * x;
        a3 += w3[i] * x;
    }
    out[0] = mf_sat_s16(mf__lstm_mbqm(a0, mult[0], shift[0]));
    out[1] = mf_sat_s16(mf__lstm_mbqm(a1, mult[1], shift[1]));
    out[2] = mf_sat_s16(mf__lstm_mbqm(a2, mult[2], shift[2]));
    out[3] = mf_sat_s16(mf__lstm_mbqm(a3, mult[3], shift[3]));
}

/* int16 activations: w [4][n] rows as for int8. The weight word splits by SXTB16 into (w0, w2) and (w1, w3); the
 * input's two words (x0, x1), (x2, x3) are repacked (PKHBT/PKHTB) into the same pairs. One product is at most
 * 128 * 32768 = 2^22 in magnitude, so an int32 SMLAD sum of up to MF__LSTM_S16_CHUNK (< 512) products is exact;
 * each chunk is then added to TFLM's int64 accumulator: the same int64 sum, with four int32 accumulators in
 * registers instead of four int64 pairs. */
#define MF__LSTM_S16_CHUNK 508
MF_INLINE int32_t mf__lstm_pkhtb(int32_t hi, int32_t lo)   /* (hi & 0xFFFF0000) | (uint16_t)(lo >> 16) */
{
    int32_t r;
    __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(r) : "r"(hi), "r"(lo));
    return r;
}

MF_KERNEL void mf__lstm_fc4_s16(const int8_t *w, const int16_t *v, int32_t n, const int64_t *bias, const int32_t *mult,
                                const int32_t *shift, int32_t *out)
{
    const int8_t *w0 = w, *w1 = w + n, *w2 = w + 2 * n, *w3 = w + 3 * n;
    int64_t a0 = bias[0], a1 = bias[1], a2 = bias[2], a3 = bias[3];
    for (int32_t i = 0; i < n;) {
        const int32_t stop = n - i > MF__LSTM_S16_CHUNK ? i + MF__LSTM_S16_CHUNK : n;
        int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (; i + 4 <= stop; i += 4) {
            int32_t x01, x23;
            memcpy(&x01, v + i, 4);
            memcpy(&x23, v + i + 2, 4);
            const int32_t xe = (int32_t)(((uint32_t)x01 & 0xFFFFu) | ((uint32_t)x23 << 16)), xo = mf__lstm_pkhtb(x23, x01);
            int32_t t = mf__lstm_ld4(w0 + i);
            s0 = __smlad(mf__lstm_od(t), xo, __smlad(__sxtb16(t), xe, s0));
            t = mf__lstm_ld4(w1 + i);
            s1 = __smlad(mf__lstm_od(t), xo, __smlad(__sxtb16(t), xe, s1));
            t = mf__lstm_ld4(w2 + i);
            s2 = __smlad(mf__lstm_od(t), xo, __smlad(__sxtb16(t), xe, s2));
            t = mf__lstm_ld4(w3 + i);
            s3 = __smlad(mf__lstm_od(t), xo, __smlad(__sxtb16(t), xe, s3));
        }
        for (; i < stop; ++i) {
            const int32_t x = v[i];
            s0 += w0[i] * x;
            s1 += w1[i] * x;
            s2 += w2[i] * x;
            s3 += w3[i] * x;
        }
        a0 += s0;
        a1 += s1;
        a2 += s2;
        a3 += s3;
    }
    out[0] = mf_sat_s16(mf_mbqm64(a0, mult[0], shift[0]));
    out[1] = mf_sat_s16(mf_mbqm64(a1, mult[1], shift[1]));
    out[2] = mf_sat_s16(mf_mbqm64(a2, mult[2], shift[2]));
    out[3] = mf_sat_s16(mf_mbqm64(a3, mult[3], shift[3]));
}

#endif
