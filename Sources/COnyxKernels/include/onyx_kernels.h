#ifndef ONYX_KERNELS_H
#define ONYX_KERNELS_H
#include <stddef.h>
#include <stdint.h>

/// Geometry of one 2-D convolution image (1-D convs use height 1).
typedef struct {
    int64_t channels, in_h, in_w;
    int64_t kernel_h, kernel_w;
    int64_t pad_top, pad_left;
    int64_t stride_h, stride_w;
    int64_t dilation_h, dilation_w;
    int64_t out_h, out_w;
} onyx_conv_geometry;

/// col[(c*kh + i)*kw + j][oh*out_w + ow] = x[c][oh*sh - pt + i*dh][ow*sw - pl + j*dw], 0 outside.
void onyx_im2col_f32(const float *x, const onyx_conv_geometry *g, float *col);

/// y[i] += b[i / plane] for i in [0, channels*plane).
void onyx_add_channel_bias_f32(float *y, const float *bias, int64_t channels, int64_t plane);

/// y[i] = max(x[i], 0).
void onyx_relu_f32(const float *x, float *y, int64_t n);

#endif
