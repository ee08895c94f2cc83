/* mf_dw_band (DSP: Cortex-M4/M7/M33): a row pipeline's depthwise band whose input rows lie in a ring.
 *
 * A row pipeline (ops/row_pipeline.py) keeps each intermediate as a window of rows. A window that a depthwise layer
 * reads through the row path may be a ring instead of a sliding buffer: its producer writes row i at slot i mod R
 * (R the window's rows), so the rows a later band still needs stay where they are and no memmove shifts them down
 * before every band. mf_dw_band_rows is mf_dw_rows' direct order (channel groups outermost, each input row widened
 * into the int16 planes once per group, outputs written straight to `out`) with one difference: input row iy of the
 * band lies at byte (first + iy * in_w * in_c) mod size of `ring` rather than at in + iy * in_w * in_c. The planes,
 * weights (compact groups, as the direct ring), assembly and requantisation are mf_dw_rows' (mf_depthwise_conv2d.h),
 * so the outputs are the same bytes.
 * ops/depthwise_conv2d.py reads_ring says which band calls take it: the row path's shapes at stride_w 1, the DSP
 * layout, a ring window as input (disjoint from the output: a window is a buffer of its own).
 */
#ifndef MF_DW_BAND_H
#define MF_DW_BAND_H
#include "mf_depthwise_conv2d.h"

/* One input row (iy in the band's rows, or outside the image: padding) widened into plane row `dst` for channels
 * c0 .. c0 + nc - 1: mf_dw_rows_widen on the row's place in the ring (its row 0 there), or its padding fill. */
MF_KERNEL void mf_dw_band_widen(const mf_depthwise_conv2d_params_t *p, const int8_t *ring, int32_t first, int32_t size,
                                int32_t iy, int32_t c0, int32_t nc, int16_t *dst)
{
    if (iy < 0 || iy >= p->in_h) {
        mf_dw_rows_widen(p, ring, iy, 1, c0, nc, dst);
        return;
    }
    int32_t at = first + iy * p->in_w * p->in_c;
    if (at >= size)
        at -= size;
    mf_dw_rows_widen(p, ring + at, 0, 1, c0, nc, dst);
}

/* The band's output rows (p: the band's params, direct order, one batch) from input rows in `ring` (size bytes, the
 * band's input row 0 at byte first < size); s: 4 * MF_DW_ROWS_NR(p) * wp int16 of planes, as mf_dw_rows. */
MF_KERNEL void mf_dw_band_rows(const mf_depthwise_conv2d_params_t *p, const int8_t *ring, int32_t first, int32_t size,
                               int8_t *out, int16_t *s)
{
    const int32_t C = p->in_c, WP = p->wp, PL = MF_DW_ROWS_NR(p) * WP, OWC = p->out_w * C;
    for (int16_t *row = s; row < s + 4 * PL; row += WP) {   /* the padding columns, as mf_dw_rows */
        for (int32_t u = 0; u < p->pad_left; ++u)
            row[u] = (int16_t)p->pad_value;
        for (int32_t u = p->pad_left + p->in_w; u < WP; ++u)
            row[u] = (int16_t)p->pad_value;
    }
    const int32_t full = MF_DW_ROWS_NR(p) > 3;   /* planes for every input row (ops/depthwise_conv2d.py _rows_full) */
    int32_t kb[120];
    for (int32_t c0 = 0; c0 < C; c0 += 4) {
        const int32_t nc = C - c0 < 4 ? C - c0 : 4;
        /* the constants as mf_dw_rows' direct order reads them: compact groups for a ring (ops/depthwise_conv2d.py) */
        mf_dw_rows_build(p->wr + MF_DW_DIRECT_GW(p, full) * (c0 >> 2), kb,
                         full ? 1 : p->out_h < 3 ? p->out_h : 3, MF_DW_DIRECT_COMPACT(p, full), p->out_offset, p->ush);
        int32_t next = -p->pad_top, slot = 0;  /* the first input row not yet widened, its plane row */
        for (int32_t oy = 0; oy < p->out_h; ++oy) {
            const int32_t iy0 = oy * p->stride_h - p->pad_top;
            for (; next < iy0 + 3; ++next, slot = slot == 2 && !full ? 0 : slot + 1)
                if (next >= iy0 && (!full || c0 == 0 || (next >= 0 && next < p->in_h)))
                    mf_dw_band_widen(p, ring, first, size, next, c0, nc, s + slot * WP);
            const int32_t *k = full ? kb : kb + 40 * slot, *const kend = k + 10 * nc;
            const int32_t *r = (const int32_t *)(full ? s + (iy0 + p->pad_top) * WP : s);
            int8_t *o = out + oy * OWC + c0;
            for (; k < kend; k += 10) {
                mf_dw_rows_run(p, &r, k, &o);
                r += PL / 2 - MF_DW_ROWS_ADV_R(p);
                o += 1 - MF_DW_ROWS_ADV_O(p);
            }
        }
    }
}

#endif
