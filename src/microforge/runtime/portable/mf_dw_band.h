/* mf_dw_band: the DSP build's row-pipeline depthwise band kernels (runtime/dsp/mf_dw_band.h: input rows read from a
 * ring window). The portable build runs every band through mf_depthwise_conv2d_s8 on sliding windows, so this twin
 * only lets the build list the file. */
#ifndef MF_DW_BAND_H
#define MF_DW_BAND_H
#endif
