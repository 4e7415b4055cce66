#include "onyx_kernels.h"
#include <string.h>

// Rows of `col` are (channel, ki, kj) triples; columns are the output pixels of the range.
// For each row the valid output columns [lo, hi) are computed once, so the inner loops are
// plain (strided) copies with no bounds test.
ONYX_MULTIVERSION
void onyx_im2col_range_ld_f32(const float *x, const onyx_conv_geometry *g, float *col, int64_t p0, int64_t p1,
                              int64_t width) {
    for (int64_t c = 0; c < g->channels; c++) {
        const float *xc = x + c * g->in_h * g->in_w;
        for (int64_t ki = 0; ki < g->kernel_h; ki++) {
            for (int64_t kj = 0; kj < g->kernel_w; kj++) {
                float *row = col + ((c * g->kernel_h + ki) * g->kernel_w + kj) * width;
                const int64_t col_off = kj * g->dilation_w - g->pad_left;
                int64_t lo = col_off >= 0 ? 0 : (-col_off + g->stride_w - 1) / g->stride_w;
                int64_t hi = g->in_w - col_off <= 0 ? 0 : (g->in_w - col_off + g->stride_w - 1) / g->stride_w;
                if (hi > g->out_w) hi = g->out_w;
                if (lo > hi) lo = hi;
                // Walk the pixel range one output row segment at a time (one division per
                // row of col, not per segment: a 64-bit divide costs as much as copying a
                // short segment).
                int64_t p = p0, oh = p0 / g->out_w, ow0 = p0 % g->out_w;
                for (; p < p1; oh++, ow0 = 0) {
                    int64_t ow1 = g->out_w;
                    if (oh * g->out_w + ow1 > p1) ow1 = p1 - oh * g->out_w;
                    float *dst = row + (p - p0) - ow0;   // dst[ow] for ow in [ow0, ow1)
                    const int64_t ih = oh * g->stride_h - g->pad_top + ki * g->dilation_h;
                    if (ih < 0 || ih >= g->in_h) {
                        for (int64_t ow = ow0; ow < ow1; ow++) dst[ow] = 0.0f;
                    } else {
                        const float *src = xc + ih * g->in_w + col_off;
                        const int64_t a = lo > ow0 ? lo : ow0, b = hi < ow1 ? hi : ow1;
                        for (int64_t ow = ow0; ow < a && ow < ow1; ow++) dst[ow] = 0.0f;
                        if (g->stride_w == 1) {
                            for (int64_t ow = a; ow < b; ow++) dst[ow] = src[ow];
                        } else if (g->stride_w == 2) {
                            // A constant stride: the loads vectorize as an interleaved group
                            // instead of one gather per element.
                            for (int64_t ow = a; ow < b; ow++) dst[ow] = src[2 * ow];
                        } else {
                            for (int64_t ow = a; ow < b; ow++) dst[ow] = src[ow * g->stride_w];
                        }
                        for (int64_t ow = (b > a ? b : a); ow < ow1; ow++) dst[ow] = 0.0f;
                    }
                    p += ow1 - ow0;
                }
            }
        }
    }
}

void onyx_im2col_range_f32(const float *x, const onyx_conv_geometry *g, float *col, int64_t p0, int64_t p1) {
    onyx_im2col_range_ld_f32(x, g, col, p0, p1, p1 - p0);
}
