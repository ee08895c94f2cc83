/* mf_mean (DSP: Cortex-M4/M7/M33): int8 / int16 mean (and sum) over any set of axes (rank <= 5), bit-exact with TFLM's
 * QuantizedMeanOrSum. Same params and signatures as runtime/portable/mf_mean.h, whose loops it keeps for the layers
 * the column path below does not take.
 *
 * The column path (p->cols, set by ops/mean.py mean_fields): the innermost kept axis is contiguous, so 4 neighbouring
 * outputs sum 4 neighbouring bytes at each reduced position: one word load and two SXTAB16 (bytes 0, 2 and, rotated
 * by 8, bytes 1, 3) per position for 4 outputs, into 16-bit lanes that start at -zp * n (the zero point's share, so
 * each lane ends at x = sum - zp * n, |x| <= 255 * n < 2^15 for n <= 128). Each lane's requantisation is TFLM's
 * MultiplyByQuantizedMultiplier(x, m, -e) + out_zp in 4 instructions, or 2 where negative values saturate anyway
 * (MF_MEAN_RQ), its byte stored alone.
 */
#ifndef MF_MEAN_H
#define MF_MEAN_H
#include <stdint.h>
#include <string.h>
#include <arm_acle.h>
#include "mf_common.h"

#include "mf_mean_loops.h"   /* the params and the portable loops (mf_mean_s8_loops, mf_mean_s16_loops) */

MF__MEAN_DEFINE(s8, mf_mean_s8_loops, int8_t, mf_sat_s8)
MF__MEAN_DEFINE(s16, mf_mean_s16_loops, int16_t, mf_sat_s16)

/* TFLM's MultiplyByQuantizedMultiplier(x, m, -e) + out_zp, saturated to int8, for x the bottom (BT_ = b) or top (t)
 * lane of w, |x| < 2^15, 0 <= m < 2^31, e = -shift in 1..22. SRDHM(x, m) = floor((x * m + 2^30) / 2^31) (m >= 0) is
 * v = T >> 15 with T = SMLAW(m, x) + 2^14: SMLAW{B,T} is floor(m * x / 2^16) and floors by powers of two nest; then
 * RDBP and the output zero point as in mf_rq_e: (v - (v < 0) + rnd) >> e with rnd = 2^(e-1) + out_zp * 2^e, where v's
 * sign is T's. Where out_zp is -128 (MF_NEG_CLAMPED: every v < 0 ends at -128 either way) and e <= 7 (so rnd * 2^15
 * fits beside floor(m * x / 2^16) in int32), the correction goes and rnd joins the SMLAW's addend, acc = 2^14 +
 * rnd * 2^15, since (v + rnd) >> e = (T + rnd * 2^15) >> (15 + e): one SMLAW and one SSAT (MF_MEAN_NEG_CLAMPED). */
#define MF_MEAN_NEG_CLAMPED(p) ((p)->out_zp == -128 && (p)->shift >= -7)
#define MF_MEAN_RQ(BT_, w, m, e, acc, rnd, nc) __extension__({ int32_t _t, _r; \
    if (nc) __asm__("smlaw" #BT_ " %0, %1, %2, %3\n\t" "ssat %0, #8, %0, asr #(15 + %c4)" \
                    : "=&r"(_r) : "r"(m), "r"(w), "r"(acc), "n"(e)); \
    else __asm__("smlaw" #BT_ " %0, %2, %3, %4\n\t" "add %1, %5, %0, asr #31\n\t" "add %1, %1, %0, asr #15\n\t" \
                 "ssat %1, #8, %1, asr #%c6" : "=&r"(_t), "=&r"(_r) : "r"(m), "r"(w), "r"(acc), "r"(rnd), "n"(e)); \
    _r; })
/* one byte out at o + I_ (the compiler would pack the four with BFI and store a word: 2 more instructions) */
#define MF_MEAN_STRB(v, o, I_) __asm__ volatile("strb %0, [%1, #" #I_ "]" : : "r"(v), "r"(o) : "memory")

MF_KERNEL void mf_mean_s8_cols(const mf_mean_params_t *p, const int8_t *in, int8_t *out)
{
    const int32_t *ks = p->kept_shape, *kt = p->kept_stride, *rs = p->red_shape, *rt = p->red_stride;
    const int32_t C = ks[4], m = p->mult, e = -p->shift, rnd = (1 << (e - 1)) + p->out_zp * (1 << e);
    const int nc = MF_MEAN_NEG_CLAMPED(p);
    const int32_t acc = nc ? (1 << 14) + rnd * (1 << 15) : 1 << 14;
    const uint32_t init = (uint32_t)(uint16_t)(-p->in_zp_times_n) * 0x10001u;   /* -zp * n in both lanes */
    for (int32_t k0 = 0; k0 < ks[0]; ++k0)
        for (int32_t k1 = 0; k1 < ks[1]; ++k1)
            for (int32_t k2 = 0; k2 < ks[2]; ++k2)
                for (int32_t k3 = 0; k3 < ks[3]; ++k3) {
                    const int8_t *row = in + k0 * kt[0] + k1 * kt[1] + k2 * kt[2] + k3 * kt[3];
                    int32_t c = 0;
                    for (; c + 4 <= C; c += 4, out += 4) {
                        uint32_t s02 = init, s13 = init;
                        for (int32_t r0 = 0; r0 < rs[0]; ++r0)
                            for (int32_t r1 = 0; r1 < rs[1]; ++r1)
                                for (int32_t r2 = 0; r2 < rs[2]; ++r2)
#pragma GCC unroll 4
                                    for (int32_t r3 = 0; r3 < rs[3]; ++r3) {
                                        const int8_t *px = row + c + r0 * rt[0] + r1 * rt[1] + r2 * rt[2] + r3 * rt[3];
#pragma GCC unroll 16
                                        for (int32_t r4 = 0; r4 < rs[4]; ++r4) {
                                            uint32_t v;
                                            memcpy(&v, px + r4 * rt[4], 4);
                                            /* bytes 0, 2 and 1, 3 in one block: apart, GCC loads v twice */
                                            __asm__("sxtab16 %0, %0, %2\n\tsxtab16 %1, %1, %2, ror #8"
                                                    : "+r"(s02), "+r"(s13) : "r"(v));
                                        }
                                    }
                        MF_MEAN_STRB(MF_MEAN_RQ(b, s02, m, e, acc, rnd, nc), out, 0);
                        MF_MEAN_STRB(MF_MEAN_RQ(b, s13, m, e, acc, rnd, nc), out, 1);
                        MF_MEAN_STRB(MF_MEAN_RQ(t, s02, m, e, acc, rnd, nc), out, 2);
                        MF_MEAN_STRB(MF_MEAN_RQ(t, s13, m, e, acc, rnd, nc), out, 3);
                    }
                    for (; c < C; ++c)   /* the channel tail: the same arithmetic on one sum */
                        *out++ = (int8_t)MF_MEAN_RQ(b, mf_wrap_sub32(mf_mean_sum_s8(p, row + c), p->in_zp_times_n),
                                                    m, e, acc, rnd, nc);
                }
}
#undef MF_MEAN_STRB
#undef MF_MEAN_RQ
#undef MF_MEAN_NEG_CLAMPED

MF_KERNEL void mf_mean_s8(const mf_mean_params_t *p, const int8_t *in, int8_t *out)
{
    if (p->cols) mf_mean_s8_cols(p, in, out);
    else mf_mean_s8_loops(p, in, out);
}

MF_KERNEL void mf_mean_s16(const mf_mean_params_t *p, const int16_t *in, int16_t *out)
{
    mf_mean_s16_loops(p, in, out);
}

#endif
