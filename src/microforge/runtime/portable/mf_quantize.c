/* Portable (de)quantisation in single precision only: int8 * float32 scale is exact before rounding. */
#include <math.h>
#include "mf_quantize.h"
#include "mf_common.h"

void mf_quantize_f32_s8(const mf_quantize_params_t *p, const float *in, int8_t *out)
{
    for (int32_t i = 0; i < p->size; ++i) {
        const float q = roundf(in[i] / p->scale);
        /* clamp in float first: the int conversion of an out-of-range float is undefined in C */
        const float c = (q >= -1e9f && q <= 1e9f) ? q : (q > 0.0f ? 1e9f : -1e9f); /* NaN -> low end */
        out[i] = (int8_t)mf_clamp_i32((int32_t)c + p->zero_point, -128, 127);
    }
}

void mf_dequantize_s8_f32(const mf_dequantize_params_t *p, const int8_t *in, float *out)
{
    for (int32_t i = 0; i < p->size; ++i) out[i] = p->scale * (float)((int32_t)in[i] - p->zero_point);
}

void mf_requantize_s8(const mf_requantize_params_t *p, const int8_t *in, int8_t *out)
{
    for (int32_t i = 0; i < p->size; ++i) {
        const int32_t v = mf_mbqm((int32_t)in[i] - p->in_zp, p->mult, p->shift) + p->out_zp;
        out[i] = (int8_t)mf_clamp_i32(v, -128, 127);
    }
}
