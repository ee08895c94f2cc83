/* mf_activation_s16: int16 RELU, RELU6 and LEAKY_RELU (16x8 models, zero points 0), bit-exact with TFLM. */
#ifndef MF_ACTIVATION_S16_H
#define MF_ACTIVATION_S16_H
#include <stdint.h>
#include "mf_common.h"

/* x >= 0 is scaled by (pos_mult, pos_shift), x < 0 by (neg_mult, neg_shift) and negated when neg_negate
 * (TFLM's negative LEAKY_RELU alpha), then clamped to [act_min, act_max]. The compiler sets the three ops:
 * RELU: in/out scale on both sides, clamp at 0; RELU6: the identity multiplier (2^30, shift 1: exact for
 * every int16) and TFLM's raw clamp [0, Q(6)]; LEAKY_RELU: in/out and alpha*in/out, the int16 range.
 * An int8 table is 256 bytes; an int16 one would be 128 KiB, hence the arithmetic here. */
typedef struct {
    int32_t size;
    int32_t pos_mult, pos_shift, neg_mult, neg_shift, neg_negate;
    int32_t act_min, act_max;
} mf_activation_s16_params_t;

MF_KERNEL void mf_activation_s16(const mf_activation_s16_params_t *p, const int16_t *in, int16_t *out)
{
    for (int32_t i = 0; i < p->size; ++i) {
        const int32_t x = in[i];
        int32_t r;
        if (x >= 0) {
            r = mf_mbqm(x, p->pos_mult, p->pos_shift);
        } else {
            r = mf_mbqm(x, p->neg_mult, p->neg_shift);
            r = p->neg_negate ? -r : r;
        }
        out[i] = (int16_t)mf_clamp_i32(r, p->act_min, p->act_max);
    }
}

#endif
