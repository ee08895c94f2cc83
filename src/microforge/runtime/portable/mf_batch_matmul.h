/* mf_batch_matmul: int8 batched matrix product with broadcast batch dims, bit-exact with TFLM's reference. */
#ifndef MF_BATCH_MATMUL_H
#define MF_BATCH_MATMUL_H
#include <stdint.h>
#include "mf_common.h"

typedef struct {
    int32_t b0, b1, b2;                     /* output batch dims (rank padded to 5) */
    int32_t lhs_b0, lhs_b1, lhs_b2;         /* element strides per batch dim, 0 where the operand broadcasts */
    int32_t rhs_b0, rhs_b1, rhs_b2;
    int32_t rows, depth, cols;              /* out[rows][cols] = lhs[rows][depth] x rhs[depth][cols] */
    int32_t lhs_row, lhs_k, rhs_k, rhs_col; /* element strides inside a matrix (adj_x / adj_y transpose them) */
    int32_t lhs_offset, rhs_offset, out_offset;  /* -lhs zp, -rhs zp, output zp */
    int32_t mult, shift;                    /* per-tensor requantisation */
} mf_batch_matmul_params_t;

/* TFLM: total = sum_k (lhs + lhs_offset) * (rhs + rhs_offset) in int32, MultiplyByQuantizedMultiplier,
 * + output zero point, clamped to int8 (BATCH_MATMUL has no fused activation). TFLM first transposes
 * operands into persistent copies; reading through strides gives the same products with no copy.
 * The output never shares bytes with an operand (no overlap_lead). */
MF_INLINE int8_t mf_batch_matmul__out(const mf_batch_matmul_params_t *p, int32_t acc)
{
    return mf_sat_s8(mf_mbqm(acc, p->mult, p->shift) + p->out_offset);
}

/* 2x2 output blocks (each operand element loaded once for two products); odd last row/column alone
 * (a 1-wide block re-reads the same row/column, its second result discarded). */
MF_KERNEL void mf_batch_matmul_s8(const mf_batch_matmul_params_t *p, const int8_t *lhs, const int8_t *rhs, int8_t *out)
{
    for (int32_t i0 = 0; i0 < p->b0; ++i0)
        for (int32_t i1 = 0; i1 < p->b1; ++i1)
            for (int32_t i2 = 0; i2 < p->b2; ++i2) {
                const int8_t *l = lhs + i0 * p->lhs_b0 + i1 * p->lhs_b1 + i2 * p->lhs_b2;
                const int8_t *r = rhs + i0 * p->rhs_b0 + i1 * p->rhs_b1 + i2 * p->rhs_b2;
                int8_t *o = out + ((i0 * p->b1 + i1) * p->b2 + i2) * p->rows * p->cols;
                for (int32_t a = 0; a < p->rows; a += 2) {
                    const int two_rows = a + 1 < p->rows;
                    const int8_t *la0 = l + a * p->lhs_row;
                    const int8_t *la1 = two_rows ? la0 + p->lhs_row : la0;
                    for (int32_t c = 0; c < p->cols; c += 2) {
                        const int two_cols = c + 1 < p->cols;
                        const int8_t *rc0 = r + c * p->rhs_col;
                        const int8_t *rc1 = two_cols ? rc0 + p->rhs_col : rc0;
                        int32_t acc00 = 0, acc01 = 0, acc10 = 0, acc11 = 0;
                        for (int32_t k = 0; k < p->depth; ++k) {
                            const int32_t x0 = (int32_t)la0[k * p->lhs_k] + p->lhs_offset;
                            const int32_t x1 = (int32_t)la1[k * p->lhs_k] + p->lhs_offset;
                            const int32_t y0 = (int32_t)rc0[k * p->rhs_k] + p->rhs_offset;
                            const int32_t y1 = (int32_t)rc1[k * p->rhs_k] + p->rhs_offset;
                            acc00 += x0 * y0;
                            acc01 += x0 * y1;
                            acc10 += x1 * y0;
                            acc11 += x1 * y1;
                        }
                        o[a * p->cols + c] = mf_batch_matmul__out(p, acc00);
                        if (two_cols) o[a * p->cols + c + 1] = mf_batch_matmul__out(p, acc01);
                        if (two_rows) {
                            o[(a + 1) * p->cols + c] = mf_batch_matmul__out(p, acc10);
                            if (two_cols) o[(a + 1) * p->cols + c + 1] = mf_batch_matmul__out(p, acc11);
                        }
                    }
                }
            }
}

#endif
