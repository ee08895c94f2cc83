/* mf_conv2d: int8 2-D convolution (NHWC input, OHWI weights), bit-exact with TFLM's reference. */
#ifndef MF_CONV2D_H
#define MF_CONV2D_H
#include <stdint.h>

typedef struct {
    int32_t batches, in_h, in_w, in_c, out_h, out_w, out_c, k_h, k_w;
    int32_t stride_h, stride_w, dil_h, dil_w, pad_top, pad_left;
    int32_t pad_value;            /* input zero point: what a padded tap reads */
    int32_t out_offset, act_min, act_max;
    const int8_t *weights;        /* [out_c][k_h][k_w][in_c] */
    const int32_t *bias;          /* bias with the input zero point folded in, [out_c] */
    const int32_t *mult, *shift;  /* per output channel requantisation */
} mf_conv2d_params_t;

void mf_conv2d_s8(const mf_conv2d_params_t *p, const int8_t *in, int8_t *out);
#endif
