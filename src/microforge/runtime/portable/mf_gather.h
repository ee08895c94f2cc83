/* mf_gather: every data-movement op (transpose, slice, concat, split, pack, depth<->space, mirror pad,
 * nearest resize, ...) as one separable byte gather/scatter computed by the compiler.
 *
 * For each index (a0..a5) of a 6-D iteration space, `run` contiguous bytes are copied from
 * in + in_base + sum_k in_tab_k[a_k] to out + out_base + sum_k out_tab_k[a_k]. The per-axis offset
 * tables are stored back to back (axis k starts at sum(shape[:k])). */
#ifndef MF_GATHER_H
#define MF_GATHER_H
#include <stdint.h>
#include <string.h>
#include "mf_common.h"

typedef struct {
    int32_t shape[6];                  /* outer to inner; unused axes are 1 with offset 0 */
    int32_t run, in_base, out_base;    /* bytes per copy; byte offsets added to every copy */
    const int32_t *in_tab, *out_tab;   /* byte offsets per axis index */
} mf_gather_params_t;

MF_KERNEL void mf_gather(const mf_gather_params_t *p, const void *in_v, void *out_v)
{
    const uint8_t *in = (const uint8_t *)in_v + p->in_base;
    uint8_t *out = (uint8_t *)out_v + p->out_base;
    const int32_t *s = p->shape;
    const int32_t *i0 = p->in_tab, *i1 = i0 + s[0], *i2 = i1 + s[1], *i3 = i2 + s[2], *i4 = i3 + s[3], *i5 = i4 + s[4];
    const int32_t *o0 = p->out_tab, *o1 = o0 + s[0], *o2 = o1 + s[1], *o3 = o2 + s[2], *o4 = o3 + s[3], *o5 = o4 + s[4];
    for (int32_t a0 = 0; a0 < s[0]; ++a0)
        for (int32_t a1 = 0; a1 < s[1]; ++a1)
            for (int32_t a2 = 0; a2 < s[2]; ++a2)
                for (int32_t a3 = 0; a3 < s[3]; ++a3) {
                    const int32_t bi = i0[a0] + i1[a1] + i2[a2] + i3[a3];
                    const int32_t bo = o0[a0] + o1[a1] + o2[a2] + o3[a3];
                    for (int32_t a4 = 0; a4 < s[4]; ++a4)
                        for (int32_t a5 = 0; a5 < s[5]; ++a5)
                            memcpy(out + bo + o4[a4] + o5[a5], in + bi + i4[a4] + i5[a5], (size_t)p->run);
                }
}

#endif
