/* mf_broadcast: the 5-D numpy-style broadcast loop shared by the elementwise binary kernels. */
#ifndef MF_BROADCAST_H
#define MF_BROADCAST_H
#include <stdint.h>

/* Runs BODY once per output element, in output memory order, with `ia`/`ib` the element offsets
 * of the matching first/second input elements (strides are 0 on broadcast axes). */
#define MF_BROADCAST_5D(shape, sa, sb, BODY)                                                    \
    for (int32_t i0_ = 0; i0_ < (shape)[0]; ++i0_)                                             \
        for (int32_t i1_ = 0; i1_ < (shape)[1]; ++i1_)                                         \
            for (int32_t i2_ = 0; i2_ < (shape)[2]; ++i2_)                                     \
                for (int32_t i3_ = 0; i3_ < (shape)[3]; ++i3_) {                               \
                    const int32_t ba_ = i0_ * (sa)[0] + i1_ * (sa)[1] + i2_ * (sa)[2] + i3_ * (sa)[3]; \
                    const int32_t bb_ = i0_ * (sb)[0] + i1_ * (sb)[1] + i2_ * (sb)[2] + i3_ * (sb)[3]; \
                    for (int32_t i4_ = 0; i4_ < (shape)[4]; ++i4_) {                           \
                        const int32_t ia = ba_ + i4_ * (sa)[4], ib = bb_ + i4_ * (sb)[4];      \
                        BODY;                                                                  \
                    }                                                                          \
                }

#endif
