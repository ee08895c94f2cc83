/* mf_quantize: float32 <-> int8 conversion at the model's edges and int8 requantisation. */
#ifndef MF_QUANTIZE_H
#define MF_QUANTIZE_H
#include <stdint.h>

typedef struct { int32_t size; float scale; int32_t zero_point; } mf_quantize_params_t;
typedef struct { int32_t size; float scale; int32_t zero_point; } mf_dequantize_params_t;
typedef struct { int32_t size, in_zp, out_zp, mult, shift; } mf_requantize_params_t;

void mf_quantize_f32_s8(const mf_quantize_params_t *p, const float *in, int8_t *out);
void mf_dequantize_s8_f32(const mf_dequantize_params_t *p, const int8_t *in, float *out);
void mf_requantize_s8(const mf_requantize_params_t *p, const int8_t *in, int8_t *out);
#endif
