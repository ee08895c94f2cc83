/* mf_lstm (portable): the LSTM gates' dot products with the four gates interleaved; the rest is mf_lstm_cell.h. */
#ifndef MF_LSTM_H
#define MF_LSTM_H
#include <stdint.h>
#include "mf_common.h"
#include "mf_lstm_cell.h"

/* w: [n][4], the four gates' weights of one input element side by side. */
MF_INLINE void mf__lstm_fc4(const int8_t *w, const int8_t *v, int32_t n, const int32_t *bias, const int32_t *mult,
                            const int32_t *shift, int32_t *out)
{
    int32_t a0 = bias[0], a1 = bias[1], a2 = bias[2], a3 = bias[3];
    for (int32_t i = 0; i < n; ++i, w += 4) {
        const int32_t x = v[i];
        a0 += w[0] * x;
        a1 += w[1] * x;
        a2 += w[2] * x;
        a3 += w[3] * x;
    }
    out[0] = mf_sat_s16(mf_mbqm(a0, mult[0], shift[0]));
    out[1] = mf_sat_s16(mf_mbqm(a1, mult[1], shift[1]));
    out[2] = mf_sat_s16(mf_mbqm(a2, mult[2], shift[2]));
    out[3] = mf_sat_s16(mf_mbqm(a3, mult[3], shift[3]));
}

#endif
