#include "onyx_kernels.h"
#include <float.h>
#include <math.h>
#include <stdlib.h>

// Output pixel (oh, ow) covers input rows oh*sh - pt + i*dh and columns ow*sw - pl + j*dw.
// Rows/columns outside [0, in) are padding: skipped for max, counted or not for average.

// Max is separable: first the max over the window's rows for every column (contiguous,
// vectorized), then the max over the window's columns of that row of maxima.
ONYX_MULTIVERSION
static void maxpool2d_separable(const float *x, float *y, int64_t planes, const onyx_conv_geometry *g) {
    const int64_t in_plane = g->in_h * g->in_w, out_plane = g->out_h * g->out_w;
    // Heap, not stack: a 1-D signal can be millions of samples wide.
    float *colmax = (float *)malloc((size_t)(g->in_w > 0 ? g->in_w : 1) * sizeof(float));
    if (!colmax) return;
    for (int64_t p = 0; p < planes; p++) {
        const float *xp = x + p * in_plane;
        float *yp = y + p * out_plane;
        for (int64_t oh = 0; oh < g->out_h; oh++) {
            const int64_t h0 = oh * g->stride_h - g->pad_top;
            int first = 1;
            const int fused2 = g->kernel_h == 2 && g->dilation_h == 1 && h0 >= 0 && h0 + 1 < g->in_h;
            const int fused = fused2 || (g->kernel_h == 3 && g->dilation_h == 1 && h0 >= 0 && h0 + 2 < g->in_h);
            if (fused2) {
                // Two rows inside the image (2x2 windows of LeNet and VGG-style nets).
                const float *r0 = xp + h0 * g->in_w, *r1 = r0 + g->in_w;
                for (int64_t w = 0; w < g->in_w; w++) {
                    const float a = r0[w], b = r1[w];
                    colmax[w] = ((b > a) | (b != b)) ? b : a;
                }
                first = 0;
            } else if (fused) {
                // Three rows inside the image (3x3 windows): one pass, not a copy and two.
                const float *r0 = xp + h0 * g->in_w, *r1 = r0 + g->in_w, *r2 = r1 + g->in_w;
                for (int64_t w = 0; w < g->in_w; w++) {
                    const float a = r0[w], b = r1[w], c = r2[w];
                    const float m = ((b > a) | (b != b)) ? b : a;
                    colmax[w] = ((c > m) | (c != c)) ? c : m;
                }
                first = 0;
            }
            for (int64_t i = 0; !fused && i < g->kernel_h; i++) {
                const int64_t h = h0 + i * g->dilation_h;
                if (h < 0 || h >= g->in_h) continue;
                const float *row = xp + h * g->in_w;
                if (first) {
                    for (int64_t w = 0; w < g->in_w; w++) colmax[w] = row[w];
                    first = 0;
                } else {
                    for (int64_t w = 0; w < g->in_w; w++) {
                        const float v = row[w], m = colmax[w];
                        colmax[w] = ((v > m) | (v != v)) ? v : m;
                    }
                }
            }
            float *yrow = yp + oh * g->out_w;
            if (first) { // the whole window lies in the vertical padding
                for (int64_t ow = 0; ow < g->out_w; ow++) yrow[ow] = -INFINITY;
                continue;
            }
            // Interior outputs [lo, hi) have every tap inside the row: tap-major loops over
            // them vectorize (strided loads); border outputs clip their taps one by one.
            const int64_t sw = g->stride_w, dw = g->dilation_w, span = (g->kernel_w - 1) * dw;
            int64_t lo = (g->pad_left + sw - 1) / sw;
            int64_t hi = g->in_w - 1 - span + g->pad_left < 0 ? 0 : (g->in_w - 1 - span + g->pad_left) / sw + 1;
            if (hi > g->out_w) hi = g->out_w;
            if (lo > hi) lo = hi;
            if (lo >= hi) { lo = 0; hi = 0; } // no interior: every output is a border output
            for (int64_t ow = 0; ow < g->out_w; ow++) {
                if (ow == lo && lo < hi) { ow = hi - 1; continue; } // interior, done below
                const int64_t w0 = ow * sw - g->pad_left;
                float best = -INFINITY;
                int seen = 0;
                for (int64_t j = 0; j < g->kernel_w; j++) {
                    const int64_t w = w0 + j * dw;
                    if (w < 0 || w >= g->in_w) continue;
                    const float v = colmax[w];
                    if (!seen || v > best || v != v) best = v;
                    seen = 1;
                }
                yrow[ow] = best;
            }
            if (lo < hi && sw == 2 && dw == 1 && g->kernel_w == 3) {
                // The common stride-2 3-wide window with a constant stride, so the loads
                // vectorize as one interleaved group instead of per-element gathers.
                const float *c = colmax - g->pad_left;
                for (int64_t ow = lo; ow < hi; ow++) {
                    const float a = c[2 * ow], b = c[2 * ow + 1], d = c[2 * ow + 2];
                    const float m = ((b > a) | (b != b)) ? b : a;
                    yrow[ow] = ((d > m) | (d != d)) ? d : m;
                }
            } else if (lo < hi && sw == 2 && dw == 1 && g->kernel_w == 2) {
                const float *c = colmax - g->pad_left;
                for (int64_t ow = lo; ow < hi; ow++) {
                    const float a = c[2 * ow], b = c[2 * ow + 1];
                    yrow[ow] = ((b > a) | (b != b)) ? b : a;
                }
            } else if (lo < hi) {
                const float *c = colmax - g->pad_left;
                for (int64_t ow = lo; ow < hi; ow++) yrow[ow] = c[ow * sw];
                for (int64_t j = 1; j < g->kernel_w; j++) {
                    const float *cj = c + j * dw;
                    for (int64_t ow = lo; ow < hi; ow++) {
                        const float v = cj[ow * sw], m = yrow[ow];
                        yrow[ow] = ((v > m) | (v != v)) ? v : m;
                    }
                }
            }
        }
    }
    free(colmax);
}

ONYX_MULTIVERSION
void onyx_maxpool2d_f32(const float *x, float *y, int64_t *indices, int64_t planes, const onyx_conv_geometry *g) {
    if (!indices) {
        if (onyx_maxpool_s2_avx512(x, y, planes, g)) return;
        maxpool2d_separable(x, y, planes, g);
        return;
    }
    const int64_t in_plane = g->in_h * g->in_w, out_plane = g->out_h * g->out_w;
    for (int64_t p = 0; p < planes; p++) {
        const float *xp = x + p * in_plane;
        float *yp = y + p * out_plane;
        for (int64_t oh = 0; oh < g->out_h; oh++) {
            const int64_t h0 = oh * g->stride_h - g->pad_top;
            for (int64_t ow = 0; ow < g->out_w; ow++) {
                const int64_t w0 = ow * g->stride_w - g->pad_left;
                float best = -INFINITY;
                int64_t at = -1;
                for (int64_t i = 0; i < g->kernel_h; i++) {
                    const int64_t h = h0 + i * g->dilation_h;
                    if (h < 0 || h >= g->in_h) continue;
                    const float *row = xp + h * g->in_w;
                    for (int64_t j = 0; j < g->kernel_w; j++) {
                        const int64_t w = w0 + j * g->dilation_w;
                        if (w < 0 || w >= g->in_w) continue;
                        const float v = row[w];
                        if (v > best || at < 0 || isnan(v)) { best = v; at = h * g->in_w + w; }
                    }
                }
                yp[oh * g->out_w + ow] = best;
                if (indices) indices[p * out_plane + oh * g->out_w + ow] = at < 0 ? 0 : at;
            }
        }
    }
}

// One output of average pooling, its window clipped to the padded input.
static inline float avg_at(const float *xp, const onyx_conv_geometry *g, int64_t oh, int64_t ow, int count_include_pad) {
    const int64_t h0 = oh * g->stride_h - g->pad_top, w0 = ow * g->stride_w - g->pad_left;
    float sum = 0;
    int64_t valid = 0, padded = 0;
    for (int64_t i = 0; i < g->kernel_h; i++) {
        const int64_t h = h0 + i * g->dilation_h;
        if (h < -g->pad_top || h >= g->in_h + g->pad_bottom) continue;
        const int h_in = h >= 0 && h < g->in_h;
        for (int64_t j = 0; j < g->kernel_w; j++) {
            const int64_t w = w0 + j * g->dilation_w;
            if (w < -g->pad_left || w >= g->in_w + g->pad_right) continue;
            padded++;
            if (!h_in || w < 0 || w >= g->in_w) continue;
            sum += xp[h * g->in_w + w];
            valid++;
        }
    }
    const int64_t divisor = count_include_pad ? padded : valid;
    return divisor > 0 ? sum / (float)divisor : 0.0f;
}

// Rows whose whole window is inside the input take the separable path: the window's rows
// summed per column (contiguous, vectorized), then the columns of each interior output;
// every other output is computed on its own by avg_at.
ONYX_MULTIVERSION
void onyx_avgpool2d_f32(const float *x, float *y, int64_t planes, const onyx_conv_geometry *g, int count_include_pad) {
    const int64_t in_plane = g->in_h * g->in_w, out_plane = g->out_h * g->out_w;
    const int64_t sw = g->stride_w, dw = g->dilation_w, span = (g->kernel_w - 1) * dw;
    int64_t lo = (g->pad_left + sw - 1) / sw;
    int64_t hi = g->in_w - 1 - span + g->pad_left < 0 ? 0 : (g->in_w - 1 - span + g->pad_left) / sw + 1;
    if (hi > g->out_w) hi = g->out_w;
    if (lo >= hi) { lo = 0; hi = 0; }
    const float inv = 1.0f / (float)(g->kernel_h * g->kernel_w);
    float *colsum = (float *)malloc((size_t)(g->in_w > 0 ? g->in_w : 1) * sizeof(float));
    for (int64_t p = 0; p < planes; p++) {
        const float *xp = x + p * in_plane;
        float *yp = y + p * out_plane;
        for (int64_t oh = 0; oh < g->out_h; oh++) {
            float *yrow = yp + oh * g->out_w;
            const int64_t h0 = oh * g->stride_h - g->pad_top, h_last = h0 + (g->kernel_h - 1) * g->dilation_h;
            if (!colsum || lo >= hi || h0 < 0 || h_last >= g->in_h) {
                for (int64_t ow = 0; ow < g->out_w; ow++) yrow[ow] = avg_at(xp, g, oh, ow, count_include_pad);
                continue;
            }
            for (int64_t w = 0; w < g->in_w; w++) colsum[w] = 0.0f;
            for (int64_t i = 0; i < g->kernel_h; i++) {
                const float *row = xp + (h0 + i * g->dilation_h) * g->in_w;
                for (int64_t w = 0; w < g->in_w; w++) colsum[w] += row[w];
            }
            for (int64_t ow = 0; ow < lo; ow++) yrow[ow] = avg_at(xp, g, oh, ow, count_include_pad);
            for (int64_t ow = hi; ow < g->out_w; ow++) yrow[ow] = avg_at(xp, g, oh, ow, count_include_pad);
            const float *c = colsum - g->pad_left;
            if (sw == 1 && dw == 1) {
                for (int64_t ow = lo; ow < hi; ow++) yrow[ow] = c[ow];
                for (int64_t j = 1; j < g->kernel_w; j++)
                    for (int64_t ow = lo; ow < hi; ow++) yrow[ow] += c[ow + j];
            } else {
                for (int64_t ow = lo; ow < hi; ow++) yrow[ow] = c[ow * sw];
                for (int64_t j = 1; j < g->kernel_w; j++)
                    for (int64_t ow = lo; ow < hi; ow++) yrow[ow] += c[ow * sw + j * dw];
            }
            for (int64_t ow = lo; ow < hi; ow++) yrow[ow] *= inv;
        }
    }
    free(colsum);
}

// Eight running sums so the reduction vectorizes (a single float sum cannot be reordered).
ONYX_MULTIVERSION
void onyx_global_avgpool_f32(const float *x, float *y, int64_t planes, int64_t size) {
    for (int64_t p = 0; p < planes; p++) {
        const float *xp = x + p * size;
        float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        int64_t i = 0;
        for (; i + 8 <= size; i += 8)
            for (int j = 0; j < 8; j++) acc[j] += xp[i + j];
        float sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
        for (; i < size; i++) sum += xp[i];
        y[p] = size > 0 ? sum / (float)size : 0.0f;
    }
}
