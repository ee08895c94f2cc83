/* mf_pad: int8 constant padding of a tensor of rank <= 5. */
#ifndef MF_PAD_H
#define MF_PAD_H
#include <stdint.h>

typedef struct {
    int32_t in_shape[5], out_shape[5], pad_before[5];
    int32_t value;
} mf_pad_params_t;

void mf_pad_s8(const mf_pad_params_t *p, const int8_t *in, int8_t *out);
#endif
