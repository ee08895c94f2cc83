/* mf_add (DSP: Cortex-M4/M7/M33): int8 elementwise addition, bit-exact with TFLM's double rounding.
 *
 * Every intermediate is small: |x - zp| <= 255, so (x - zp) << 20 and everything SRDHM makes of it
 * stays below 2^28, and SRDHM(v, m) = SMMULR(2v, m) exactly (no 64-bit product, no saturation case).
 * RDBP(v, e) = (((v + (v < 0)) >> (e - 1)) + 1) >> 1 for e >= 1 (ties away from zero); the shifts are
 * layer constants, so e == 0 costs nothing. Same params and signatures as runtime/portable/mf_add.h.
 */
#ifndef MF_ADD_H
#define MF_ADD_H
#include <stdint.h>
#include <arm_acle.h>
#include "mf_common.h"

typedef struct {
    int32_t size;                                 /* output elements */
    int32_t in1_offset, in2_offset, left_shift;
    int32_t in1_mult, in1_shift, in2_mult, in2_shift, out_mult, out_shift;
    int32_t out_offset, act_min, act_max;
    int32_t out_shape[5], in1_strides[5], in2_strides[5];  /* broadcast only */
} mf_add_params_t;

MF_INLINE int32_t mf_add_smmulr(int32_t a, int32_t b)
{
    int32_t r;
    __asm__("smmulr %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
}

MF_INLINE int32_t mf_add_rdbp(int32_t v, int32_t e)
{
    if (e == 0) return v;
    v = (v + (v >> 31)) >> (e - 1);
    return (v + 1) >> 1;
}

MF_KERNEL int8_t mf_add_one(const mf_add_params_t *p, int32_t a, int32_t b)
{
    const int32_t sa = mf_add_rdbp(mf_add_smmulr((a + p->in1_offset) << (p->left_shift + 1), p->in1_mult), -p->in1_shift);
    const int32_t sb = mf_add_rdbp(mf_add_smmulr((b + p->in2_offset) << (p->left_shift + 1), p->in2_mult), -p->in2_shift);
    int32_t r = mf_add_rdbp(mf_add_smmulr((sa + sb) << 1, p->out_mult), -p->out_shift) + p->out_offset;
    r = __ssat(r, 8);
    if (p->act_min > -128) r = r < p->act_min ? p->act_min : r;
    if (p->act_max < 127) r = r > p->act_max ? p->act_max : r;
    return (int8_t)r;
}

MF_KERNEL void mf_add_s8(const mf_add_params_t *p, const int8_t *a, const int8_t *b, int8_t *out)
{
    for (int32_t i = 0; i < p->size; ++i) out[i] = mf_add_one(p, a[i], b[i]);
}

MF_KERNEL void mf_add_broadcast_s8(const mf_add_params_t *p, const int8_t *a, const int8_t *b, int8_t *out)
{
    const int32_t *s = p->out_shape, *sa = p->in1_strides, *sb = p->in2_strides;
    for (int32_t i0 = 0; i0 < s[0]; ++i0)
        for (int32_t i1 = 0; i1 < s[1]; ++i1)
            for (int32_t i2 = 0; i2 < s[2]; ++i2)
                for (int32_t i3 = 0; i3 < s[3]; ++i3) {
                    const int32_t ia = i0 * sa[0] + i1 * sa[1] + i2 * sa[2] + i3 * sa[3];
                    const int32_t ib = i0 * sb[0] + i1 * sb[1] + i2 * sb[2] + i3 * sb[3];
                    for (int32_t i4 = 0; i4 < s[4]; ++i4)
                        *out++ = mf_add_one(p, a[ia + i4 * sa[4]], b[ib + i4 * sb[4]]);
                }
}

#endif
