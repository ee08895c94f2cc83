/* mf_quantize_s16: float32 <-> int16 and int8/int16 requantisation (QUANTIZE / DEQUANTIZE of 16x8 models). */
#ifndef MF_QUANTIZE_S16_H
#define MF_QUANTIZE_S16_H
#include <stdint.h>
#include <math.h>
#include "mf_common.h"
#include "mf_quantize.h"

MF_KERNEL void mf_quantize_f32_s16(const mf_quantize_params_t *p, const float *in, int16_t *out)
{
    for (int32_t i = 0; i < p->size; ++i) {
        const float q = roundf(in[i] / p->scale);
        const float c = (q >= -1e9f && q <= 1e9f) ? q : (q > 0.0f ? 1e9f : -1e9f); /* as mf_quantize_f32_s8 */
        out[i] = (int16_t)mf_clamp_i32((int32_t)c + p->zero_point, -32768, 32767);
    }
}

MF_KERNEL void mf_dequantize_s16_f32(const mf_dequantize_params_t *p, const int16_t *in, float *out)
{
    for (int32_t i = 0; i < p->size; ++i) out[i] = p->scale * (float)((int32_t)in[i] - p->zero_point);
}

/* TFLM's Requantize between int8 and int16 (either way), int16 -> int16 or int16 -> int32: one rescale, clamp to the
 * output type (a no-op for int32: TFLM's int32 sum of the rescaled value and the zero point is stored as it is). */
#define MF__REQUANTIZE(name, tin, tout, lo, hi)                                                  \
    MF_KERNEL void name(const mf_requantize_params_t *p, const tin *in, tout *out)               \
    {                                                                                            \
        for (int32_t i = 0; i < p->size; ++i) {                                                  \
            const int32_t v = mf_mbqm((int32_t)in[i] - p->in_zp, p->mult, p->shift) + p->out_zp; \
            out[i] = (tout)mf_clamp_i32(v, lo, hi);                                              \
        }                                                                                        \
    }
MF__REQUANTIZE(mf_requantize_s8_s16, int8_t, int16_t, -32768, 32767)
MF__REQUANTIZE(mf_requantize_s16_s8, int16_t, int8_t, -128, 127)
MF__REQUANTIZE(mf_requantize_s16_s16, int16_t, int16_t, -32768, 32767)
MF__REQUANTIZE(mf_requantize_s16_s32, int16_t, int32_t, MF_INT32_MIN, MF_INT32_MAX)

#endif
