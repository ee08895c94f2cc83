/* mf_softmax.h - int8-input SOFTMAX, bit-exact with TFLM reference_ops::Softmax. */
#ifndef MF_SOFTMAX_H
#define MF_SOFTMAX_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  int32_t rows;            /* product of all dims but the last */
  int32_t depth;           /* last dim */
  int32_t diff_min;        /* inputs with (x - row_max) < diff_min produce the min output */
  const int32_t *exp_lut;  /* 256 entries: Q0.31 exp for diff = -k at index k (quant.softmax_params) */
} mf_softmax_params_t;

/* Output quantisation fixed by TFLM: scale 1/256, zero point -128. */
void mf_softmax_s8(const mf_softmax_params_t *p, const int8_t *in, int8_t *out);

/* int16 output: scale 1/65536, zero point -32768. */
void mf_softmax_s8_s16(const mf_softmax_params_t *p, const int8_t *in, int16_t *out);

#ifdef __cplusplus
}
#endif

#endif /* MF_SOFTMAX_H */
