#include "onyx_kernels.h"
#include <stdlib.h>
#include <string.h>

void onyx_depthwise_pad_plane(const float *xc, const onyx_conv_geometry *g, float *padded, int64_t ph, int64_t pw) {
    for (int64_t ih = 0; ih < g->in_h; ih++) {
        const int64_t r = ih + g->pad_top;
        if (r >= ph) break;
        int64_t n = g->in_w;
        if (g->pad_left + n > pw) n = pw - g->pad_left;
        if (n > 0) memcpy(padded + r * pw + g->pad_left, xc + ih * g->in_w, (size_t)n * sizeof(float));
    }
}

// Depthwise conv (group == input channels): each output channel m reads input channel
// m / multiplier with its own kh x kw filter. Tap-major loops over a row of outputs keep
// the inner loop a plain (strided) multiply-add the compiler vectorizes.
// y[m, oh, ow] = act(b[m] + sum_{i,j} w[m, i, j] * x[m / mult, oh*sh - pt + i*dh, ow*sw - pl + j*dw])
ONYX_MULTIVERSION
void onyx_depthwise_conv2d_f32(const float *x, const float *w, const float *bias, float *y,
                               int64_t out_channels, int64_t multiplier, const onyx_conv_geometry *g,
                               int act, float alpha, float beta) {
    if (onyx_depthwise3x3_avx512(x, w, bias, y, out_channels, multiplier, g, act, alpha, beta)) return;
    if (onyx_depthwise3x3_avx2(x, w, bias, y, out_channels, multiplier, g, act, alpha, beta)) return;
    const int64_t in_plane = g->in_h * g->in_w, out_plane = g->out_h * g->out_w;
    // Valid output columns [lo[j], hi[j]) of tap column j: the same for every row and channel.
    int64_t *lo = (int64_t *)malloc((size_t)(2 * (g->kernel_w > 0 ? g->kernel_w : 1)) * sizeof(int64_t));
    if (!lo) return;
    int64_t *hi = lo + (g->kernel_w > 0 ? g->kernel_w : 1);
    for (int64_t j = 0; j < g->kernel_w; j++) {
        const int64_t off = j * g->dilation_w - g->pad_left;
        lo[j] = off >= 0 ? 0 : (-off + g->stride_w - 1) / g->stride_w;
        hi[j] = g->in_w - off <= 0 ? 0 : (g->in_w - off + g->stride_w - 1) / g->stride_w;
        if (hi[j] > g->out_w) hi[j] = g->out_w;
        if (lo[j] > hi[j]) lo[j] = hi[j];
    }
    for (int64_t m = 0; m < out_channels; m++) {
        const float *xc = x + (m / multiplier) * in_plane;
        const float *wm = w + m * g->kernel_h * g->kernel_w;
        float *ym = y + m * out_plane;
        const float b = bias ? bias[m] : 0.0f;
        for (int64_t oh = 0; oh < g->out_h; oh++) {
            float *yrow = ym + oh * g->out_w;
            for (int64_t ow = 0; ow < g->out_w; ow++) yrow[ow] = b;
            for (int64_t i = 0; i < g->kernel_h; i++) {
                const int64_t ih = oh * g->stride_h - g->pad_top + i * g->dilation_h;
                if (ih < 0 || ih >= g->in_h) continue;
                const float *xrow = xc + ih * g->in_w;
                for (int64_t j = 0; j < g->kernel_w; j++) {
                    const float wv = wm[i * g->kernel_w + j];
                    const float *src = xrow + j * g->dilation_w - g->pad_left;
                    if (g->stride_w == 1) {
                        for (int64_t ow = lo[j]; ow < hi[j]; ow++) yrow[ow] += wv * src[ow];
                    } else {
                        for (int64_t ow = lo[j]; ow < hi[j]; ow++) yrow[ow] += wv * src[ow * g->stride_w];
                    }
                }
            }
        }
        if (act != ONYX_ACT_NONE) onyx_channel_epilogue_f32(ym, 0, 0, 0, 1, out_plane, act, alpha, beta);
    }
    free(lo);
}
