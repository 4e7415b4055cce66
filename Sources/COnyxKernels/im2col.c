#include "onyx_kernels.h"
#include <string.h>

// Rows of `col` are (channel, ki, kj) triples; columns are the output pixels of the range.
// Work goes by (channel, ki, output-row segment): the input row is found once and then
// serves every kernel column kj, each a plain (strided) copy between its valid columns
// [lo[kj], hi[kj]) (computed once per call) with zeros outside. Small images (LeNet's 10x10
// outputs) have short segments, so the per-segment bookkeeping is what costs.

// Valid output columns of kernel column kj: the input column ow*sw + kj*dw - pl lies in [0, in_w).
static inline void valid_columns(const onyx_conv_geometry *g, int64_t kj, int64_t *lo_out, int64_t *hi_out) {
    const int64_t off = kj * g->dilation_w - g->pad_left;
    int64_t lo = off >= 0 ? 0 : (-off + g->stride_w - 1) / g->stride_w;
    int64_t hi = g->in_w - off <= 0 ? 0 : (g->in_w - off + g->stride_w - 1) / g->stride_w;
    if (hi > g->out_w) hi = g->out_w;
    if (lo > hi) lo = hi;
    *lo_out = lo;
    *hi_out = hi;
}

// dst[ow] for ow in [ow0, ow1): src[ow * sw] inside [lo, hi), zero outside.
static inline void copy_segment(float *restrict dst, const float *restrict src, int64_t sw, int64_t ow0, int64_t ow1,
                                int64_t lo, int64_t hi) {
    const int64_t a = lo > ow0 ? lo : ow0, b = hi < ow1 ? hi : ow1;
    if (a >= b) {
        for (int64_t ow = ow0; ow < ow1; ow++) dst[ow] = 0.0f;
        return;
    }
    for (int64_t ow = ow0; ow < a; ow++) dst[ow] = 0.0f;
    if (sw == 1 && b - a >= 64) {
        memcpy(dst + a, src + a, (size_t)(b - a) * sizeof(float));
    } else if (sw == 1) {
        for (int64_t ow = a; ow < b; ow++) dst[ow] = src[ow];   // short rows: no call
    } else if (sw == 2) {
        // A constant stride: the loads vectorize as an interleaved group, not gathers.
        for (int64_t ow = a; ow < b; ow++) dst[ow] = src[2 * ow];
    } else {
        for (int64_t ow = a; ow < b; ow++) dst[ow] = src[ow * sw];
    }
    for (int64_t ow = b; ow < ow1; ow++) dst[ow] = 0.0f;
}

enum { KJ_BATCH = 32 };

ONYX_MULTIVERSION
void onyx_im2col_range_ld_f32(const float *x, const onyx_conv_geometry *g, float *col, int64_t p0, int64_t p1,
                              int64_t width) {
    if (p1 <= p0 || g->out_w <= 0) return;
    if (onyx_im2col_avx512(x, g, col, p0, p1, width)) return;
    const int64_t kw = g->kernel_w, sw = g->stride_w;
    // Kernel columns in batches of KJ_BATCH, so their bounds live on the stack (1-D convs
    // can have kernels thousands wide).
    for (int64_t kj0 = 0; kj0 < kw; kj0 += KJ_BATCH) {
        const int64_t nkj = kw - kj0 < KJ_BATCH ? kw - kj0 : KJ_BATCH;
        int64_t lo[KJ_BATCH], hi[KJ_BATCH], off[KJ_BATCH];
        for (int64_t j = 0; j < nkj; j++) {
            valid_columns(g, kj0 + j, &lo[j], &hi[j]);
            off[j] = (kj0 + j) * g->dilation_w - g->pad_left;
        }
        for (int64_t c = 0; c < g->channels; c++) {
            const float *xc = x + c * g->in_h * g->in_w;
            for (int64_t ki = 0; ki < g->kernel_h; ki++) {
                float *rows = col + ((c * g->kernel_h + ki) * kw + kj0) * width - p0;   // rows[j * width + p]
                int64_t oh = p0 / g->out_w, ow0 = p0 % g->out_w;
                for (int64_t p = p0; p < p1; oh++, ow0 = 0) {
                    int64_t ow1 = g->out_w;
                    if (oh * g->out_w + ow1 > p1) ow1 = p1 - oh * g->out_w;
                    const int64_t base = p - ow0;   // dst[ow] = rows[j * width + base + ow]
                    const int64_t ih = oh * g->stride_h - g->pad_top + ki * g->dilation_h;
                    if (ih < 0 || ih >= g->in_h) {
                        for (int64_t j = 0; j < nkj; j++) {
                            float *dst = rows + j * width + base;
                            for (int64_t ow = ow0; ow < ow1; ow++) dst[ow] = 0.0f;
                        }
                    } else {
                        const float *src = xc + ih * g->in_w;
                        for (int64_t j = 0; j < nkj; j++)
                            copy_segment(rows + j * width + base, src + off[j], sw, ow0, ow1, lo[j], hi[j]);
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
