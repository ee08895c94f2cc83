/* mf_mean: int8 mean over any set of axes (rank <= 5), bit-exact with TFLM's QuantizedMeanOrSum. */
#ifndef MF_MEAN_H
#define MF_MEAN_H
#include <stdint.h>

typedef struct {
    int32_t n_out, n_red;                       /* output elements, elements reduced into each */
    int32_t kept_shape[5], kept_stride[5];      /* kept axes (outer to inner), input element strides */
    int32_t red_shape[5], red_stride[5];        /* reduced axes */
    int32_t in_zp_times_n;                      /* input zero point * n_red */
    int32_t mult, shift, out_zp;                /* 1 / n_red already folded into mult/shift */
} mf_mean_params_t;

void mf_mean_s8(const mf_mean_params_t *p, const int8_t *in, int8_t *out);
#endif
