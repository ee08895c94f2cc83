/* mf_mean: int8 / int16 mean (and sum) over any set of axes (rank <= 5), bit-exact with TFLM's QuantizedMeanOrSum. */
#ifndef MF_MEAN_H
#define MF_MEAN_H
#include <stdint.h>
#include "mf_common.h"

#include "mf_mean_loops.h"

MF__MEAN_DEFINE(s8, mf_mean_s8, int8_t, mf_sat_s8)
MF__MEAN_DEFINE(s16, mf_mean_s16, int16_t, mf_sat_s16)

#endif
