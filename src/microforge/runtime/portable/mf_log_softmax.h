/* mf_log_softmax: int8 LOG_SOFTMAX over the last axis, bit-exact with TFLM's LogSoftmaxQuantized.
 * exp() of (x - row_max) is SOFTMAX's in-kernel Q0.31 exp (mf_softmax_exp); the Q12.19 sum's
 * log is gemmlowp's log_x_for_x_greater_than_or_equal_to_1 (input Q12, output Q5.26) done here. */
#ifndef MF_LOG_SOFTMAX_H
#define MF_LOG_SOFTMAX_H
#include <stdint.h>
#include "mf_common.h"
#include "mf_softmax.h"

typedef struct {
    int32_t rows, depth;
    int32_t input_multiplier, input_left_shift;   /* diff -> Q5.26 (left shift >= 1) */
    int32_t reverse_multiplier, reverse_shift;    /* Q5.26 -> diff units (shift <= 0) */
    int32_t diff_min;
} mf_log_softmax_params_t;

MF_INLINE int32_t mf_sat_add32(int32_t a, int32_t b) {
    const int64_t s = (int64_t)a + b;
    return s > MF_INT32_MAX ? MF_INT32_MAX : (s < MF_INT32_MIN ? MF_INT32_MIN : (int32_t)s);
}
MF_INLINE int32_t mf_sat_sub32(int32_t a, int32_t b) {
    const int64_t s = (int64_t)a - b;
    return s > MF_INT32_MAX ? MF_INT32_MAX : (s < MF_INT32_MIN ? MF_INT32_MIN : (int32_t)s);
}
/* SaturatingRoundingMultiplyByPOTParam for exponent >= 0 (0 returns x unchanged). */
MF_INLINE int32_t mf_sat_pot(int32_t x, int e) { return e == 0 ? x : mf_sat_shl(x, e); }

/* log(z) for z >= 1: z raw Q12.19, result raw Q5.26 (accumulated in Q6.25). */
MF_INLINE int32_t mf_log_q12_to_q5(int32_t z) {
    const int32_t log_2 = 1488522236, sqrt_sqrt_half = 1805811301, sqrt_half = 1518500250;
    const int32_t alpha_n = 117049297, alpha_d = 127690142, alpha_i = 1057819769, alpha_f = 638450708;
    const int32_t shifted_quarter = 1 << 23;              /* 1/4 in Q6.25 */
    const int za_hr1 = mf_clz32((uint32_t)z);
    const int32_t r_a = mf_sat_pot(mf_srdhm(mf_sat_pot(z, za_hr1 - 1), sqrt_half), 1);
    const int32_t za_pow2 = mf_sat_add32(mf_sat_pot(12 - za_hr1, 25), shifted_quarter);
    const int zb_hr = mf_clz32((uint32_t)mf_srdhm(z, sqrt_half)) - 1;
    const int32_t r_b = mf_sat_pot(z, zb_hr);
    const int32_t zb_pow2 = mf_sat_sub32(mf_sat_pot(12 - zb_hr, 25), shifted_quarter);
    const int32_t r = r_a < r_b ? r_a : r_b;
    const int32_t pow2 = za_pow2 > zb_pow2 ? za_pow2 : zb_pow2;
    /* RoundingHalfSum(r, sqrt_sqrt_half): (a + b + sign) / 2 truncating */
    const int64_t hs = (int64_t)r + sqrt_sqrt_half;
    const int64_t hs1 = hs + (hs >= 0 ? 1 : -1);
    const int32_t pp = (int32_t)(hs1 >= 0 ? hs1 / 2 : -((-hs1) / 2));
    int32_t q = mf_wrap_sub32(r, sqrt_sqrt_half);
    q = mf_wrap_add32(q, q);
    {
        const int32_t sq = mf_srdhm(q, q);
        const int32_t num = mf_wrap_add32(mf_srdhm(q, r), mf_srdhm(mf_srdhm(q, sq), alpha_n));
        const int32_t inner = mf_wrap_add32(mf_wrap_add32(alpha_i, q), mf_srdhm(alpha_d, sq));
        const int32_t den_m1 = mf_wrap_add32(mf_srdhm(pp, inner), mf_srdhm(alpha_f, q));
        const int32_t recip = mf_one_over_one_plus_x(den_m1);
        const int32_t acc = mf_wrap_add32(mf_srdhm(pow2, log_2), mf_srdhm(mf_rdbp(num, 6), recip));
        return mf_sat_shl(acc, 1);
    }
}

MF_KERNEL void mf_log_softmax_s8(const mf_log_softmax_params_t *p, const int8_t *in, int8_t *out)
{
    for (int32_t r = 0; r < p->rows; ++r) {
        const int8_t *row = in + r * p->depth;
        int8_t *orow = out + r * p->depth;
        const int32_t max_in_row = mf_row_max(row, p->depth);
        int32_t sum = 0;   /* Q12.19 */
        for (int32_t c = 0; c < p->depth; ++c) {
            const int32_t diff = (int32_t)row[c] - max_in_row;
            if (diff >= p->diff_min) sum = mf_wrap_add32(sum, mf_rdbp(mf_softmax_exp(diff, p->input_multiplier, p->input_left_shift), 12));
        }
        {
            const int32_t log_sum = mf_log_q12_to_q5(sum);
            const int32_t adj = mf_max_i32(p->diff_min - 1,
                                           mf_mbqm(mf_wrap_add32(log_sum, MF_INT32_MIN), p->reverse_multiplier, p->reverse_shift));
            for (int32_t c = 0; c < p->depth; ++c) {
                const int32_t diff = (int32_t)row[c] - max_in_row;
                if (diff > adj) {
                    const int32_t d5 = mf_mbqm(diff, p->input_multiplier, p->input_left_shift);
                    orow[c] = mf_sat_s8(mf_rdbp(mf_wrap_sub32(d5, log_sum), 22) + 127);
                } else {
                    orow[c] = -128;
                }
            }
        }
    }
}

#endif
