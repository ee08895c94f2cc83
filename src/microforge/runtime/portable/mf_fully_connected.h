/* mf_fully_connected: int8 matrix-vector product with per-tensor or per-channel requantisation. */
#ifndef MF_FULLY_CONNECTED_H
#define MF_FULLY_CONNECTED_H
#include <stdint.h>

typedef struct {
    int32_t batches, in_features, out_features;
    int32_t out_offset, act_min, act_max;
    int32_t per_channel;          /* 1: mult/shift have out_features entries, 0: one entry */
    const int8_t *weights;        /* [out_features][in_features] */
    const int32_t *bias;          /* folded bias, [out_features] */
    const int32_t *mult, *shift;
} mf_fully_connected_params_t;

void mf_fully_connected_s8(const mf_fully_connected_params_t *p, const int8_t *in, int8_t *out);
#endif
