/* mf_quantize: float32 <-> int8 conversion at the model's edges and int8/uint8 requantisation. */
#ifndef MF_QUANTIZE_H
#define MF_QUANTIZE_H
#include <stdint.h>
#include <math.h>
#include "mf_common.h"

typedef struct { int32_t size; float scale; int32_t zero_point; } mf_quantize_params_t;
typedef struct { int32_t size; float scale; int32_t zero_point; } mf_dequantize_params_t;
typedef struct { int32_t size, in_zp, out_zp, mult, shift; } mf_requantize_params_t;

/* Portable (de)quantisation in single precision only: int8 * float32 scale is exact before rounding. */
MF_KERNEL void mf_quantize_f32_s8(const mf_quantize_params_t *p, const float *in, int8_t *out)
{
    for (int32_t i = 0; i < p->size; ++i) {
        const float q = roundf(in[i] / p->scale);
        /* clamp in float first: the int conversion of an out-of-range float is undefined in C */
        const float c = (q >= -1e9f && q <= 1e9f) ? q : (q > 0.0f ? 1e9f : -1e9f); /* NaN -> low end */
        out[i] = (int8_t)mf_clamp_i32((int32_t)c + p->zero_point, -128, 127);
    }
}

MF_KERNEL void mf_dequantize_s8_f32(const mf_dequantize_params_t *p, const int8_t *in, float *out)
{
    for (int32_t i = 0; i < p->size; ++i) out[i] = p->scale * (float)((int32_t)in[i] - p->zero_point);
}

MF_KERNEL void mf_requantize_s8(const mf_requantize_params_t *p, const int8_t *in, int8_t *out)
{
    for (int32_t i = 0; i < p->size; ++i) {
        const int32_t v = mf_mbqm((int32_t)in[i] - p->in_zp, p->mult, p->shift) + p->out_zp;
        out[i] = (int8_t)mf_clamp_i32(v, -128, 127);
    }
}

/* uint8 <-> int8 at a model's edge: the same rescale, only the clamp range differs (TFLM's Requantize;
   its xor-0x80 fast path for equal scales gives the same bytes as this general path). */
MF_KERNEL void mf_requantize_u8_s8(const mf_requantize_params_t *p, const uint8_t *in, int8_t *out)
{
    for (int32_t i = 0; i < p->size; ++i) {
        const int32_t v = mf_mbqm((int32_t)in[i] - p->in_zp, p->mult, p->shift) + p->out_zp;
        out[i] = (int8_t)mf_clamp_i32(v, -128, 127);
    }
}

MF_KERNEL void mf_requantize_s8_u8(const mf_requantize_params_t *p, const int8_t *in, uint8_t *out)
{
    for (int32_t i = 0; i < p->size; ++i) {
        const int32_t v = mf_mbqm((int32_t)in[i] - p->in_zp, p->mult, p->shift) + p->out_zp;
        out[i] = (uint8_t)mf_clamp_i32(v, 0, 255);
    }
}

#endif
