/* mf_lstm_cell: UNIDIRECTIONAL_SEQUENCE_LSTM (int8 or int16 activations, int16 gates and cell state), bit-exact with
 * TFLM's reference: the params, TFLM's int16 sigmoid/tanh and the time loop, shared by the portable and DSP mf_lstm.h. */
#ifndef MF_LSTM_CELL_H
#define MF_LSTM_CELL_H
#include <stdint.h>
#include "mf_common.h"

/* Gates are indexed in the TFLite tensor order: 0 input, 1 forget, 2 cell, 3 output. The compiler lays the weights
 * out per cell for the kernel variant (portable: the four gates interleaved, [cells][n][4], so one pass over the
 * input feeds four accumulators; DSP: [cells][4][n] rows for SXTB16/SMLAD; int16 activations: always interleaved)
 * and folds the zero points into the biases:
 * sum_i w[i] * (x[i] - zp) + bias = sum_i w[i] * x[i] + (bias - zp * sum_i w[i]), the same accumulator value. */
typedef struct {
    int32_t batches, time_steps, n_input, n_cell, time_major;
    int32_t hid_zp;                         /* hidden-state zero point (the output is the hidden state) */
    int32_t x_mult[4], x_shift[4];          /* input * input weights -> gate pre-activation (Q3.12) */
    int32_t h_mult[4], h_shift[4];          /* hidden * recurrent weights -> gate pre-activation (Q3.12) */
    const int8_t *wx;                       /* per cell 4 * n_input weights, in the variant's layout */
    const int8_t *wh;                       /* per cell 4 * n_cell weights, in the variant's layout */
    const int32_t *bx;                      /* [n_cell][4]: bias - in_zp * row sum of the input weights */
    const int32_t *bh;                      /* [n_cell][4]: -hid_zp * row sum of the recurrent weights */
    const int64_t *bx64, *bh64;             /* the same for int16 activations (TFLM's int64 bias and accumulator) */
    int32_t fc_mult, fc_shift;              /* forget gate (Q0.15) * cell state -> cell state */
    int32_t ic_mult, ic_shift;              /* input gate (Q0.15) * cell gate (Q0.15) -> cell state */
    int32_t oh_mult, oh_shift;              /* tanh(cell) (Q0.15) * output gate (Q0.15) -> hidden state */
    int32_t cell_clip;                      /* quantised clip of the cell state; 0: none */
    int32_t tanh_mult, tanh_shift;          /* cell state -> the tanh table's input: (c * mult + round) >> shift */
    const uint16_t *table;                  /* TFLM's int16 sigmoid table, 256 entries */
} mf_lstm_params_t;

/* TFLM's MultiplyByQuantizedMultiplier (mf_mbqm) without the branch on the product's sign: SRDHM adds 2^30 to a
 * non-negative product and 1 - 2^30 to a negative one, then divides by 2^31 truncating toward zero; for a negative
 * product that truncation is ceil((ab + 1 - 2^30) / 2^31) = floor((ab + 2^30) / 2^31), so both signs are one
 * arithmetic shift of ab + 2^30. Exact for every m the compiler emits (2^30 <= m < 2^31, never INT32_MIN). */
MF_INLINE int32_t mf__lstm_mbqm(int32_t x, int32_t m, int32_t shift)
{
    const int32_t h = (int32_t)(((int64_t)(int32_t)((uint32_t)x << (shift > 0 ? shift : 0)) * m + (1 << 30)) >> 31);
    return shift < 0 ? mf_rdbp(h, -shift) : h;
}

/* One cell's four gate FCs over one vector (wx/wh + cell * 4 * n: the cell's block of the variant's weight layout):
 * int32 dot products (bias first), rescaled and clamped to int16 as TFLM's reference FullyConnected with an int16
 * output of zero point 0 does. Defined by mf_lstm.h, whose runtime folder fixes the weight layout. */
MF_KERNEL void mf__lstm_fc4(const int8_t *w, const int8_t *v, int32_t n, const int32_t *bias, int32_t vs,
                            const int32_t *mult, const int32_t *shift, int32_t *out);

/* 128 * sum of an int8 vector (int32 wrapping): the offset term of the portable kernel's unsigned weights, once per
 * vector rather than once per cell; the DSP kernel ignores it, so the compiler drops it there. */
MF_INLINE int32_t mf__lstm_sum128(const int8_t *v, int32_t n)
{
    uint32_t s = 0;
    for (int32_t i = 0; i < n; ++i) s += (uint32_t)(int32_t)v[i];
    return (int32_t)(s << 7);
}

/* int16 activations (16x8 LSTM): the four gates' dot products in int64 (TFLM's FC with an int64 bias), rescaled by
 * TFLM's int64 MultiplyByQuantizedMultiplier; defined by mf_lstm.h like mf__lstm_fc4 (portable: w [n][4], the four
 * gates interleaved; DSP: [4][n] rows). */
MF_KERNEL void mf__lstm_fc4_s16(const int8_t *w, const int16_t *v, int32_t n, const int64_t *bias, const int32_t *mult,
                                const int32_t *shift, int32_t *out);

/* TFLM's int16 Logistic in the power-of-two case (input Q3.12, multiplier 3, no shift); output Q0.15. */
MF_INLINE int16_t mf__lstm_sigmoid(const uint16_t *table, int32_t x)
{
    const int32_t v = x * 3;
    const uint32_t a = (uint32_t)(v < 0 ? -v : v), hi = a >> 9;
    uint32_t r = (uint32_t)0x7FFF << 10;
    if (hi < 255) {
        const uint32_t lo = table[hi], up = table[hi + 1];
        r = (lo << 9) + (a & 0x1FF) * (up - lo);
    }
    r = v >= 0 ? r + (1u << 9) : (1u << 25) - r + (1u << 9) - 1;
    return (int16_t)(r >> 10);
}

/* TFLM's int16 Tanh: tanh(x) = 2 sigmoid(2x) - 1 on the same table; output Q0.15. */
MF_INLINE int16_t mf__lstm_tanh(const uint16_t *table, int32_t x, int32_t mult, int32_t shift)
{
    const int32_t v = (x * mult + (shift > 0 ? 1 << (shift - 1) : 0)) >> shift;
    const uint32_t a = (uint32_t)(v < 0 ? -v : v), hi = a >> 8;
    int32_t r = (int32_t)(0xFFFF << 8);
    if (hi < 255) {
        const uint32_t lo = table[hi], up = table[hi + 1];
        r = (int32_t)((lo << 8) + (a & 0xFF) * (up - lo));
    }
    r = v >= 0 ? r - (1 << 23) + (1 << 7) : -r + (1 << 23) + (1 << 7) - 1;
    return (int16_t)(r >> 8);
}

/* One invocation over all time steps. TFLM computes each step gate by gate over whole [batch][n_cell] vectors
 * (four int16 scratch buffers); every element of a step depends only on its own row's input, the old hidden
 * state row and its own cell element, so this kernel walks one row at a time and one cell at a time, in registers:
 *   gate_k[j] = act(sat16(FC_x(x) + FC_h(h_old)))      (sigmoid; tanh for the cell gate)
 *   c[j] = clip(sat16(mul(f, c[j]) + mul(i, g)))       (each mul rescaled and clamped to int16 first)
 *   y[j] = clamp(mul(tanh(c[j]), o) + hid_zp)          (to int8, or int16 for int16 activations)
 * The new hidden row is written to the output (never overlapping the input: the op declares no overlap) and
 * copied into the hidden state once the whole row is done, since every cell reads the old hidden row.
 * `s16` is a constant at each call, so the compiler keeps one of the two paths. */
MF_KERNEL void mf__lstm_run(const mf_lstm_params_t *p, const void *in, void *hidden, int16_t *cell, void *out, const int s16)
{
    const int32_t S = p->n_cell, I = p->n_input;
    const int32_t lo = s16 ? -32768 : -128, hi = s16 ? 32767 : 127;
    for (int32_t b = 0; b < p->batches; ++b) {
        int16_t *c = cell + b * S;
        for (int32_t t = 0; t < p->time_steps; ++t) {
            const int32_t row = p->time_major ? t * p->batches + b : b * p->time_steps + t;
            const int32_t xs = s16 ? 0 : mf__lstm_sum128((const int8_t *)in + row * I, I);
            const int32_t hs = s16 ? 0 : mf__lstm_sum128((const int8_t *)hidden + b * S, S);
            for (int32_t j = 0; j < S; ++j) {
                int32_t fx[4], fh[4];
                if (s16) {
                    mf__lstm_fc4_s16(p->wx + j * I * 4, (const int16_t *)in + row * I, I, p->bx64 + j * 4, p->x_mult,
                                     p->x_shift, fx);
                    mf__lstm_fc4_s16(p->wh + j * S * 4, (const int16_t *)hidden + b * S, S, p->bh64 + j * 4, p->h_mult,
                                     p->h_shift, fh);
                } else {
                    mf__lstm_fc4(p->wx + j * I * 4, (const int8_t *)in + row * I, I, p->bx + j * 4, xs, p->x_mult, p->x_shift, fx);
                    mf__lstm_fc4(p->wh + j * S * 4, (const int8_t *)hidden + b * S, S, p->bh + j * 4, hs, p->h_mult, p->h_shift, fh);
                }
                const int32_t ig = mf__lstm_sigmoid(p->table, mf_sat_s16(fx[0] + fh[0]));
                const int32_t fg = mf__lstm_sigmoid(p->table, mf_sat_s16(fx[1] + fh[1]));
                const int32_t cg = mf__lstm_tanh(p->table, mf_sat_s16(fx[2] + fh[2]), 3, 0);
                const int32_t og = mf__lstm_sigmoid(p->table, mf_sat_s16(fx[3] + fh[3]));
                int32_t cs = mf_sat_s16(mf__lstm_mbqm(fg * (int32_t)c[j], p->fc_mult, p->fc_shift));
                cs = mf_sat_s16(cs + mf_sat_s16(mf__lstm_mbqm(ig * cg, p->ic_mult, p->ic_shift)));
                if (p->cell_clip > 0) cs = cs > p->cell_clip ? p->cell_clip : cs < -p->cell_clip ? -p->cell_clip : cs;
                c[j] = (int16_t)cs;
                const int32_t th = mf__lstm_tanh(p->table, cs, p->tanh_mult, p->tanh_shift);
                const int32_t y = mf_clamp_i32(mf__lstm_mbqm(th * og, p->oh_mult, p->oh_shift) + p->hid_zp, lo, hi);
                if (s16) ((int16_t *)out)[row * S + j] = (int16_t)y;
                else ((int8_t *)out)[row * S + j] = (int8_t)y;
            }
            if (s16) for (int32_t j = 0; j < S; ++j) ((int16_t *)hidden)[b * S + j] = ((const int16_t *)out)[row * S + j];
            else for (int32_t j = 0; j < S; ++j) ((int8_t *)hidden)[b * S + j] = ((const int8_t *)out)[row * S + j];
        }
    }
}

MF_KERNEL void mf_lstm_s8(const mf_lstm_params_t *p, const int8_t *in, int8_t *hidden, int16_t *cell, int8_t *out)
{
    mf__lstm_run(p, in, hidden, cell, out, 0);
}

MF_KERNEL void mf_lstm_s16(const mf_lstm_params_t *p, const int16_t *in, int16_t *hidden, int16_t *cell, int16_t *out)
{
    mf__lstm_run(p, in, hidden, cell, out, 1);
}

#endif
