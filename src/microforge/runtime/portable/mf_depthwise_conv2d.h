/* mf_depthwise_conv2d: int8 depthwise convolution with depth multiplier, bit-exact with TFLM. */
#ifndef MF_DEPTHWISE_CONV2D_H
#define MF_DEPTHWISE_CONV2D_H
#include <stdint.h>

typedef struct {
    int32_t batches, in_h, in_w, in_c, depth_mult, out_h, out_w, k_h, k_w;
    int32_t stride_h, stride_w, dil_h, dil_w, pad_top, pad_left;
    int32_t pad_value, out_offset, act_min, act_max;
    const int8_t *weights;        /* [k_h][k_w][in_c * depth_mult] */
    const int32_t *bias;          /* folded bias, [in_c * depth_mult] */
    const int32_t *mult, *shift;
} mf_depthwise_conv2d_params_t;

void mf_depthwise_conv2d_s8(const mf_depthwise_conv2d_params_t *p, const int8_t *in, int8_t *out);
#endif
