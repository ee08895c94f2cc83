/* mf_lstm (portable): the LSTM gates' dot products with the four gates interleaved; the rest is mf_lstm_cell.h. */
#ifndef MF_LSTM_H
#define MF_LSTM_H
#include <stdint.h>
#include "mf_common.h"
#include "mf_lstm_cell.h"

/* w: [n][4], the four gates' weights of one input element side by side, each stored offset by +128 as an unsigned
 * byte (the compiler writes w + 128): Armv6-M loads an unsigned byte with an immediate offset in one instruction
 * but needs a register offset or an extra SXTB for a signed one. sum (w + 128) * x = sum w * x + 128 * sum x, so
 * the exact sum is recovered by subtracting vs = 128 * sum x, computed once per vector by the caller (int32
 * wrapping throughout). */
MF_KERNEL void mf__lstm_fc4(const int8_t *w, const int8_t *v, int32_t n, const int32_t *bias, int32_t vs,
                            const int32_t *mult, const int32_t *shift, int32_t *out)
{
    const uint8_t *u = (const uint8_t *)w;
    int32_t a0 = (int32_t)((uint32_t)bias[0] - (uint32_t)vs), a1 = (int32_t)((uint32_t)bias[1] - (uint32_t)vs);
    int32_t a2 = (int32_t)((uint32_t)bias[2] - (uint32_t)vs), a3 = (int32_t)((uint32_t)bias[3] - (uint32_t)vs);
    for (int32_t i = 0; i < n; ++i, u += 4) {
        const int32_t x = v[i];
        a0 += u[0] * x;
        a1 += u[1] * x;
        a2 += u[2] * x;
        a3 += u[3] * x;
    }
    out[0] = mf_sat_s16(mf__lstm_mbqm(a0, mult[0], shift[0]));
    out[1] = mf_sat_s16(mf__lstm_mbqm(a1, mult[1], shift[1]));
    out[2] = mf_sat_s16(mf__lstm_mbqm(a2, mult[2], shift[2]));
    out[3] = mf_sat_s16(mf__lstm_mbqm(a3, mult[3], shift[3]));
}

/* int16 activations: w [n][4], the four gates interleaved (signed), int64 accumulators. */
MF_KERNEL void mf__lstm_fc4_s16(const int8_t *w, const int16_t *v, int32_t n, const int64_t *bias, const int32_t *mult,
                                const int32_t *shift, int32_t *out)
{
    int64_t a0 = bias[0], a1 = bias[1], a2 = bias[2], a3 = bias[3];
    for (int32_t i = 0; i < n; ++i, w += 4) {
        const int32_t x = v[i];
        a0 += w[0] * x;
        a1 += w[1] * x;
        a2 += w[2] * x;
        a3 += w[3] * x;
    }
    out[0] = mf_sat_s16(mf_mbqm64(a0, mult[0], shift[0]));
    out[1] = mf_sat_s16(mf_mbqm64(a1, mult[1], shift[1]));
    out[2] = mf_sat_s16(mf_mbqm64(a2, mult[2], shift[2]));
    out[3] = mf_sat_s16(mf_mbqm64(a3, mult[3], shift[3]));
}

#endif
