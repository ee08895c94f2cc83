/* mf_s16_params: the params structs of the 16x8 conv and FC layers, shared by runtime/portable and
 * runtime/dsp (one definition; ops/conv2d.py and ops/fully_connected.py fill them), and the tap range helper. */
#ifndef MF_S16_PARAMS_H
#define MF_S16_PARAMS_H
#include <stdint.h>
#include "mf_common.h"

typedef struct {
    int32_t batches, in_features, out_features;
    int32_t act_min, act_max;
    int32_t per_channel;          /* mult/shift: one per output (1) or one for all (0) */
    int32_t bias64;               /* 1: TFLM's int64 accumulator path (int64 or no bias); 0: its int32 path */
    int32_t narrow;               /* 1: 2^15 * sum|w| < 2^31 for every output, so the sums fit int32 (portable only:
                                     the DSP kernels' SMLALD accumulates in 64 bits at no extra cost) */
    const int8_t *weights;        /* [out_features][in_features] */
    const int64_t *bias;          /* [out_features] (int32 biases widened; zeros without bias) */
    const int32_t *mult, *shift;
} mf_fully_connected_s16_params_t;

typedef struct {
    int32_t batches, in_h, in_w, in_c, out_h, out_w, out_c, k_h, k_w;
    int32_t stride_h, stride_w, dil_h, dil_w, pad_top, pad_left;
    int32_t act_min, act_max;
    int32_t bias64;               /* 1: TFLM's int64 accumulator path (int64 or no bias); 0: its int32 path */
    int32_t narrow;               /* as in mf_fully_connected_s16_params_t, per output channel */
    const int8_t *weights;        /* [out_c][k_h][k_w][in_c] */
    const int64_t *bias;          /* [out_c] (int32 biases widened; zeros without bias) */
    const int32_t *mult, *shift;  /* per output channel requantisation */
} mf_conv2d_s16_params_t;

/* The in-image taps of a window starting at i0 (stride dil, n taps) over an axis of size size: [*lo, *hi). */
MF_INLINE void mf_s16_taps(int32_t i0, int32_t dil, int32_t n, int32_t size, int32_t *lo, int32_t *hi)
{
    int32_t a = 0, b;
    while (a < n && i0 + a * dil < 0) ++a;
    b = a;
    while (b < n && i0 + b * dil < size) ++b;
    *lo = a;
    *hi = b;
}

#endif
