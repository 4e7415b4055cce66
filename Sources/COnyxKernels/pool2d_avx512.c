#include "onyx_kernels.h"
#include <math.h>
#include <stdlib.h>
#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>
#endif

// Max pooling over 2- or 3-wide windows at stride 2 across (the 3x3/2 pools of ResNets and
// SqueezeNets, the 2x2/2 pools of LeNets, VGGs and U-Nets) with AVX-512: the max down the
// window's rows for sixteen columns at a time, then along each row sixteen outputs at a time,
// the window's columns picked from pairs of loads by two-source permutes.
// NaN wins every comparison, as in the scalar pooling (pool2d.c) and onnxruntime.

#if defined(__x86_64__) && defined(__clang__)
// max(a, b), NaN if either is NaN.
__attribute__((target("avx512f"), always_inline))
static inline __m512 nan_max(__m512 a, __m512 b) {
    const __m512 m = _mm512_max_ps(b, a);   // (b > a) ? b : a, so a NaN `a` comes through
    return _mm512_mask_mov_ps(m, _mm512_cmp_ps_mask(b, b, _CMP_UNORD_Q), b);
}

static inline float nan_max1(float a, float b) { return ((b > a) | (b != b)) ? b : a; }

__attribute__((target("avx512f")))
static void maxpool_s2(const float *x, float *y, int64_t planes, const onyx_conv_geometry *g, float *colmax) {
    const int64_t in_w = g->in_w, out_w = g->out_w, pl = g->pad_left, kh = g->kernel_h, kw = g->kernel_w;
    const __m512i evens = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odds = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    // Outputs whose kw columns all lie in the row: [lo, hi).
    int64_t lo = (pl + 1) / 2, hi = in_w - kw + pl < 0 ? 0 : (in_w - kw + pl) / 2 + 1;
    if (hi > out_w) hi = out_w;
    if (lo > hi) lo = hi;
    for (int64_t p = 0; p < planes; p++) {
        const float *xp = x + p * g->in_h * in_w;
        float *yp = y + p * g->out_h * out_w;
        for (int64_t oh = 0; oh < g->out_h; oh++) {
            float *yrow = yp + oh * out_w;
            const int64_t h0 = oh * g->stride_h - g->pad_top;
            const float *rows[3];
            int n = 0;
            for (int64_t i = 0; i < kh; i++)
                if (h0 + i >= 0 && h0 + i < g->in_h) rows[n++] = xp + (h0 + i) * in_w;
            if (n == 0) {   // the whole window lies in the vertical padding
                for (int64_t ow = 0; ow < out_w; ow++) yrow[ow] = -INFINITY;
                continue;
            }
            if (lo == 0 && hi == out_w) {
                // Every output's window lies in the row (no padding across): take the
                // columns straight from the rows, sixteen outputs (32 + kw - 2 columns) at a
                // time, with no trip through colmax and no border loop (LeNet's pools: rows
                // of 5 to 14 outputs, where that per-row work was most of the time).
                for (int64_t ow = 0; ow < out_w; ow += 16) {
                    const int64_t left = out_w - ow, c0 = ow * 2 - pl;
                    const __mmask16 k = (__mmask16)(left >= 16 ? 0xFFFF : (1u << left) - 1);
                    __m512 v[3];
                    for (int q = 0; q < (kw == 3 ? 3 : 2); q++) {
                        const int64_t from = c0 + 16 * q, valid = in_w - from;
                        const __mmask16 in = (__mmask16)(valid >= 16 ? 0xFFFF : valid <= 0 ? 0 : (1u << valid) - 1);
                        __m512 m = _mm512_maskz_loadu_ps(in, rows[0] + from);
                        for (int i = 1; i < n; i++) m = nan_max(m, _mm512_maskz_loadu_ps(in, rows[i] + from));
                        v[q] = m;
                    }
                    __m512 m = nan_max(_mm512_permutex2var_ps(v[0], evens, v[1]), _mm512_permutex2var_ps(v[0], odds, v[1]));
                    if (kw == 3) {
                        const __m512 a2 = _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(v[1]), _mm512_castps_si512(v[0]), 2));
                        const __m512 b2 = _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(v[2]), _mm512_castps_si512(v[1]), 2));
                        m = nan_max(m, _mm512_permutex2var_ps(a2, evens, b2));
                    }
                    _mm512_mask_storeu_ps(yrow + ow, k, m);
                }
                continue;
            }
            for (int64_t w = 0; w < in_w; w += 16) {
                const __mmask16 k = (__mmask16)(in_w - w >= 16 ? 0xFFFF : (1u << (in_w - w)) - 1);
                __m512 m = _mm512_maskz_loadu_ps(k, rows[0] + w);
                for (int i = 1; i < n; i++) m = nan_max(m, _mm512_maskz_loadu_ps(k, rows[i] + w));
                _mm512_mask_storeu_ps(colmax + w, k, m);
            }
            // Border outputs: their windows clipped to the row.
            for (int64_t ow = 0; ow < out_w; ow++) {
                if (ow == lo && lo < hi) { ow = hi - 1; continue; }
                const int64_t w0 = ow * 2 - pl;
                float best = -INFINITY;
                int seen = 0;
                for (int64_t j = 0; j < kw; j++) {
                    if (w0 + j < 0 || w0 + j >= in_w) continue;
                    best = seen ? nan_max1(best, colmax[w0 + j]) : colmax[w0 + j];
                    seen = 1;
                }
                yrow[ow] = best;
            }
            // Interior: colmax has 64 floats of slack past the row, so the last group's
            // loads stay inside the buffer (the lanes they fill are not stored).
            for (int64_t ow = lo; ow < hi; ow += 16) {
                const int64_t left = hi - ow;
                const __mmask16 k = (__mmask16)(left >= 16 ? 0xFFFF : (1u << left) - 1);
                const float *c = colmax + ow * 2 - pl;
                const __m512 a = _mm512_loadu_ps(c), b = _mm512_loadu_ps(c + 16);
                const __m512 c0 = _mm512_permutex2var_ps(a, evens, b), c1 = _mm512_permutex2var_ps(a, odds, b);
                __m512 m = nan_max(c0, c1);
                if (kw == 3) {
                    const __m512 a2 = _mm512_loadu_ps(c + 2), b2 = _mm512_loadu_ps(c + 18);
                    m = nan_max(m, _mm512_permutex2var_ps(a2, evens, b2));
                }
                _mm512_mask_storeu_ps(yrow + ow, k, m);
            }
        }
    }
}
#endif

int onyx_maxpool_s2_avx512(const float *x, float *y, int64_t planes, const onyx_conv_geometry *g) {
#if defined(__x86_64__) && defined(__clang__)
    if (!onyx_cpu_has_avx512() || g->kernel_h < 2 || g->kernel_h > 3 || g->kernel_w < 2 || g->kernel_w > 3
        || g->stride_w != 2 || g->dilation_h != 1
        || g->dilation_w != 1 || g->in_w <= 0)
        return 0;
    // Heap, not stack: a row can be very wide. The slack keeps the last group's loads inside.
    float *colmax = (float *)malloc((size_t)(g->in_w + 64) * sizeof(float));
    if (!colmax) return 0;
    for (int64_t w = g->in_w; w < g->in_w + 64; w++) colmax[w] = 0.0f;
    maxpool_s2(x, y, planes, g, colmax);
    free(colmax);
    return 1;
#else
    (void)x; (void)y; (void)planes; (void)g;
    return 0;
#endif
}
