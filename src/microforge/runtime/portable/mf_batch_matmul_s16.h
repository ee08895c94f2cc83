/* mf_batch_matmul_s16: int16 x int16 -> int16 batched matrix product (broadcast batch dims), bit-exact with TFLM. */
#ifndef MF_BATCH_MATMUL_S16_H
#define MF_BATCH_MATMUL_S16_H
#include <stdint.h>
#include "mf_common.h"
#include "mf_batch_matmul.h"   /* mf_batch_matmul_params_t (its zero-point offsets are 0 for int16) */

/* TFLM's BatchMatMul<int16_t, int64_t>: zero points are 0, so total = sum_k lhs * rhs in int64 (each product
 * fits 2^30; ops/batch_matmul.py bounds depth so the sum stays below the 2^47 TFLM's requantisation assumes),
 * then its int64 MultiplyByQuantizedMultiplier (mf_mbqm64) and a clamp to int16 (no fused activation).
 * The output never shares bytes with an operand (no overlap_lead). */
MF_KERNEL void mf_batch_matmul_s16(const mf_batch_matmul_params_t *p, const int16_t *lhs, const int16_t *rhs, int16_t *out)
{
    for (int32_t i0 = 0; i0 < p->b0; ++i0)
        for (int32_t i1 = 0; i1 < p->b1; ++i1)
            for (int32_t i2 = 0; i2 < p->b2; ++i2) {
                const int16_t *l = lhs + i0 * p->lhs_b0 + i1 * p->lhs_b1 + i2 * p->lhs_b2;
                const int16_t *r = rhs + i0 * p->rhs_b0 + i1 * p->rhs_b1 + i2 * p->rhs_b2;
                int16_t *o = out + ((i0 * p->b1 + i1) * p->b2 + i2) * p->rows * p->cols;
                for (int32_t a = 0; a < p->rows; ++a) {
                    const int16_t *la = l + a * p->lhs_row;
                    for (int32_t c = 0; c < p->cols; ++c) {
                        const int16_t *rc = r + c * p->rhs_col;
                        int64_t acc = 0;
                        for (int32_t k = 0; k < p->depth; ++k)
                            acc += (int32_t)la[k * p->lhs_k] * (int32_t)rc[k * p->rhs_k];
                        *o++ = mf_requant_s16(acc, p->mult, p->shift, 1, -32768, 32767);
                    }
                }
            }
}

#endif
