/* mf_add: int8 elementwise addition with TFLM's rescale-to-common-scale arithmetic. */
#ifndef MF_ADD_H
#define MF_ADD_H
#include <stdint.h>

typedef struct {
    int32_t size;                                 /* output elements */
    int32_t in1_offset, in2_offset, left_shift;
    int32_t in1_mult, in1_shift, in2_mult, in2_shift, out_mult, out_shift;
    int32_t out_offset, act_min, act_max;
    int32_t out_shape[5], in1_strides[5], in2_strides[5];  /* broadcast only */
} mf_add_params_t;

void mf_add_s8(const mf_add_params_t *p, const int8_t *a, const int8_t *b, int8_t *out);
void mf_add_broadcast_s8(const mf_add_params_t *p, const int8_t *a, const int8_t *b, int8_t *out);
#endif
