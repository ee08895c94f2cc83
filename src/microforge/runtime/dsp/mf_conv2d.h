/* mf_conv2d (DSP): int8 2-D convolution (NHWC input, OHWI weights) with SXTB16 + SMLAD, bit-exact
 * with TFLM's reference.
 *
 * Output pixels go in threes through 2x3 blocks (2 output channels x 3 pixels, mf_dsp_dot_2x3 in
 * mf_fully_connected.h), leftovers through 2x2 or 4-channel x 1-pixel blocks.
 * - 1x1, unpadded: the pixels' input channels are the dot-product vectors, read in place.
 * - anything else: the block's windows are gathered into a small int8 stack buffer (3 x K bytes,
 *   K = k_h*k_w*in_c rounded up to 4), padded taps filled with pad_value.
 * In-place safety (ops/conv2d.py overlap_lead): when the output may overlap the input, a block's
 * input is copied to the scratch buffer before any of its outputs is written, and blocks go in
 * increasing pixel order, so no output byte lands before the portable kernel would write it.
 */
#ifndef MF_CONV2D_H
#define MF_CONV2D_H
#include <stdint.h>
#include "mf_common.h"
#include "mf_fully_connected.h"

typedef struct {
    int32_t batches, in_h, in_w, in_c, out_h, out_w, out_c, k_h, k_w;
    int32_t stride_h, stride_w, dil_h, dil_w, pad_top, pad_left;
    int32_t pad_value;            /* input zero point: what a padded tap reads */
    int32_t out_offset, act_min, act_max;
    const int8_t *weights;        /* [out_c][k_h][k_w][in_c] */
    const int32_t *bias;          /* bias with the input zero point folded in, [out_c] */
    const int32_t *mult, *shift;  /* per output channel requantisation */
    int32_t rq_mode;              /* 1: fast exact requantisation from rq (mf_fully_connected.h) */
    const int32_t *rq;            /* per channel pair: bias[2], 2*mult-2^32[2], -shift-1[2] */
} mf_conv2d_params_t;

MF_KERNEL void mf_dsp_copy(int8_t *dst, const int8_t *src, const int32_t n)
{
    int32_t i = 0;
    for (; i + 4 <= n; i += 4) { const int32_t v = mf_dsp_ld4(src + i); memcpy(dst + i, &v, 4); }
    for (; i < n; ++i) dst[i] = src[i];
}

MF_KERNEL void mf_dsp_fill(int8_t *dst, const int32_t value, const int32_t n)
{
    const uint32_t v = (uint32_t)(uint8_t)value * 0x01010101u;
    int32_t i = 0;
    for (; i + 4 <= n; i += 4) memcpy(dst + i, &v, 4);
    for (; i < n; ++i) dst[i] = (int8_t)value;
}

/* The window of output pixel `pix` (flat over batch, row, column) as k_h*k_w*in_c bytes. */
MF_KERNEL void mf_dsp_im2col(const mf_conv2d_params_t *p, const int8_t *in, const int32_t pix, int8_t *dst)
{
    const int32_t per_image = p->out_h * p->out_w;
    const int32_t b = pix / per_image, r = pix - b * per_image;
    const int32_t oy = r / p->out_w, ox = r - oy * p->out_w;
    const int32_t iy0 = oy * p->stride_h - p->pad_top, ix0 = ox * p->stride_w - p->pad_left;
    const int32_t row = p->k_w * p->in_c;
    const int8_t *in_b = in + b * p->in_h * p->in_w * p->in_c;
    for (int32_t ky = 0; ky < p->k_h; ++ky, dst += row) {
        const int32_t iy = iy0 + ky * p->dil_h;
        if (iy < 0 || iy >= p->in_h) {
            mf_dsp_fill(dst, p->pad_value, row);
        } else if (p->dil_w == 1 && ix0 >= 0 && ix0 + p->k_w <= p->in_w) {   /* the row's taps are contiguous */
            mf_dsp_copy(dst, in_b + (iy * p->in_w + ix0) * p->in_c, row);
        } else {
            for (int32_t kx = 0; kx < p->k_w; ++kx) {
                const int32_t ix = ix0 + kx * p->dil_w;
                if (ix < 0 || ix >= p->in_w) mf_dsp_fill(dst + kx * p->in_c, p->pad_value, p->in_c);
                else mf_dsp_copy(dst + kx * p->in_c, in_b + (iy * p->in_w + ix) * p->in_c, p->in_c);
            }
        }
    }
}

/* Pixels per block: three (2x3 blocks) unless three windows would take more than 4 KiB of stack,
 * then one (4x1 blocks). Scratch bytes mf_conv2d_s8_scratch needs: that many windows of
 * k_h*k_w*in_c bytes rounded up to 4. ops/conv2d.py mirrors this and emits a fixed-size stack array
 * (a VLA would cost a frame pointer, i.e. a register, in the whole inlined model function). */
#define MF_CONV2D_WIN4(k_h, k_w, in_c) (((k_h) * (k_w) * (in_c) + 3) & ~3)
#define MF_CONV2D_BLOCK_PIX(k_h, k_w, in_c) (3 * MF_CONV2D_WIN4(k_h, k_w, in_c) <= 4096 ? 3 : 1)
#define MF_CONV2D_SCRATCH_BYTES(k_h, k_w, in_c) (MF_CONV2D_BLOCK_PIX(k_h, k_w, in_c) * MF_CONV2D_WIN4(k_h, k_w, in_c))

/* DSP int8 convolution with caller-provided scratch (MF_CONV2D_SCRATCH_BYTES, 4-byte aligned).
 * Pixels go in runs of three (2x3 blocks), then two (2x2), then one (4x1). */
MF_KERNEL void mf_conv2d_s8_scratch(const mf_conv2d_params_t *p, const int8_t *in, int8_t *out, int8_t *buf)
{
    const int32_t oc = p->out_c, ic = p->in_c;
    const int32_t n_pix = p->batches * p->out_h * p->out_w;
    const int one_by_one = p->k_h == 1 && p->k_w == 1 && p->pad_top == 0 && p->pad_left == 0 &&
                           (p->out_h - 1) * p->stride_h < p->in_h && (p->out_w - 1) * p->stride_w < p->in_w;
#define MF_DSP_ROWS(n_x, x, xs, n, o) mf_dsp_matmul_rows((n_x), (x), (xs), (n), p->weights, p->bias, p->mult, p->shift, \
                                                         1, oc, p->out_offset, p->act_min, p->act_max, (o), \
                                                         p->rq_mode, p->rq)
    if (one_by_one) {
        const uintptr_t i0 = (uintptr_t)in, o0 = (uintptr_t)out;
        const uintptr_t i1 = i0 + (uintptr_t)(p->batches * p->in_h * p->in_w * ic), o1 = o0 + (uintptr_t)(n_pix * oc);
        const int overlap = o0 < i1 && i0 < o1;
        /* Runs of pixels with a constant input stride: the whole tensor when dense, else one output row. */
        const int dense = p->stride_h == 1 && p->stride_w == 1 && p->in_h == p->out_h && p->in_w == p->out_w;
        const int32_t run = dense ? n_pix : p->out_w, n_runs = dense ? 1 : p->batches * p->out_h;
        const int32_t xs = p->stride_w * ic, ic4 = (ic + 3) & ~3, three = MF_CONV2D_BLOCK_PIX(1, 1, ic) == 3;
        for (int32_t r = 0; r < n_runs; ++r) {
            const int32_t b = r / (n_runs / p->batches), oy = r - b * (n_runs / p->batches);
            const int8_t *x = dense ? in : in + ((b * p->in_h + oy * p->stride_h) * p->in_w) * ic;
            int8_t *o = out + r * run * oc;
            int32_t i = 0;
            if (overlap) {   /* copy a block's pixels aside before writing any of its outputs */
                for (; three && i + 3 <= run; i += 3, x += 3 * xs, o += 3 * oc) {
                    mf_dsp_copy(buf, x, ic); mf_dsp_copy(buf + ic4, x + xs, ic); mf_dsp_copy(buf + 2 * ic4, x + 2 * xs, ic);
                    MF_DSP_ROWS(3, buf, ic4, ic, o);
                }
                if (three && run - i == 2) {
                    mf_dsp_copy(buf, x, ic); mf_dsp_copy(buf + ic4, x + xs, ic);
                    MF_DSP_ROWS(2, buf, ic4, ic, o);
                    i += 2;
                }
                for (; i < run; ++i, x += xs, o += oc) {
                    mf_dsp_copy(buf, x, ic);
                    MF_DSP_ROWS(1, buf, ic4, ic, o);
                }
            } else {
                for (; i + 3 <= run; i += 3, x += 3 * xs, o += 3 * oc) MF_DSP_ROWS(3, x, xs, ic, o);
                if (run - i == 2) MF_DSP_ROWS(2, x, xs, ic, o);
                else if (run - i == 1) MF_DSP_ROWS(1, x, xs, ic, o);
            }
        }
    } else {
        const int32_t k = p->k_h * p->k_w * ic, k4 = (k + 3) & ~3, three = MF_CONV2D_BLOCK_PIX(p->k_h, p->k_w, ic) == 3;
        int32_t i = 0;
        for (; three && i + 3 <= n_pix; i += 3) {
            mf_dsp_im2col(p, in, i, buf);
            mf_dsp_im2col(p, in, i + 1, buf + k4);
            mf_dsp_im2col(p, in, i + 2, buf + 2 * k4);
            MF_DSP_ROWS(3, buf, k4, k, out + i * oc);
        }
        if (three && n_pix - i == 2) {
            mf_dsp_im2col(p, in, i, buf);
            mf_dsp_im2col(p, in, i + 1, buf + k4);
            MF_DSP_ROWS(2, buf, k4, k, out + i * oc);
            i += 2;
        }
        for (; i < n_pix; ++i) {
            mf_dsp_im2col(p, in, i, buf);
            MF_DSP_ROWS(1, buf, k4, k, out + i * oc);
        }
    }
#undef MF_DSP_ROWS
}

/* Same signature as the portable kernel (scratch from a VLA); generated code calls the _scratch form. */
MF_KERNEL void mf_conv2d_s8(const mf_conv2d_params_t *p, const int8_t *in, int8_t *out)
{
    int32_t buf[MF_CONV2D_SCRATCH_BYTES(p->k_h, p->k_w, p->in_c) / 4];
    mf_conv2d_s8_scratch(p, in, out, (int8_t *)buf);
}

#endif
