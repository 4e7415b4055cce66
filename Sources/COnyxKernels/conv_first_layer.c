#include "onyx_kernels.h"
#include <string.h>
#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>
#endif

// Direct conv for a network's first layer (1-4 input channels, e.g. RGB: K = 27 or 147,
// too short a reduction for sgemm to run at speed). The padded input is split by column
// phase (column j*s + r of the padded row goes to phase r, position j), so for every tap
// (c, ki, kj) the inputs of consecutive outputs of a row are consecutive floats. A block is
// 4 output channels by up to 6 vectors of 16 outputs of one row: per tap, 6 loads and 4
// weight broadcasts feed 24 FMAs.
enum { FL_MB = 4, FL_MAXV = 6, FL_LANES = 16 };

static int64_t phase_width(const onyx_conv_geometry *g) {
    const int64_t s = g->stride_w;
    return (g->out_w + FL_LANES - 1) / FL_LANES * FL_LANES + (g->kernel_w + s - 1) / s + FL_LANES;
}

static int64_t padded_rows(const onyx_conv_geometry *g) { return (g->out_h - 1) * g->stride_h + g->kernel_h; }

int onyx_conv_first_layer_applies(const onyx_conv_geometry *g) {
#if defined(__x86_64__) && defined(__clang__)
    if (!onyx_cpu_has_avx512()) return 0;
    return g->channels >= 1 && g->channels <= 4 && g->dilation_h == 1 && g->dilation_w == 1 &&
           g->stride_w >= 1 && g->stride_w <= 4 && g->stride_h >= 1 && g->out_h > 0 && g->out_w > 0 &&
           g->kernel_h * g->kernel_w <= 64;
#else
    (void)g;
    return 0;
#endif
}

int64_t onyx_conv_first_layer_scratch_floats(const onyx_conv_geometry *g) {
    return g->channels * g->stride_w * padded_rows(g) * phase_width(g);
}

void onyx_conv_first_layer_prepare(const float *x, const onyx_conv_geometry *g, float *phases) {
    const int64_t s = g->stride_w, rows = padded_rows(g), wq = phase_width(g);
    memset(phases, 0, (size_t)onyx_conv_first_layer_scratch_floats(g) * sizeof(float));
    for (int64_t c = 0; c < g->channels; c++) {
        for (int64_t r = 0; r < rows; r++) {
            const int64_t ih = r - g->pad_top;
            if (ih < 0 || ih >= g->in_h) continue;
            const float *src = x + (c * g->in_h + ih) * g->in_w;
            for (int64_t ph = 0; ph < s; ph++) {
                // Padded column j*s + ph is input column j*s + ph - pad_left.
                float *dst = phases + ((c * s + ph) * rows + r) * wq;
                const int64_t off = ph - g->pad_left;
                int64_t j0 = off >= 0 ? 0 : (-off + s - 1) / s;
                int64_t j1 = g->in_w - off <= 0 ? 0 : (g->in_w - off + s - 1) / s;
                if (j1 > wq) j1 = wq;
                for (int64_t j = j0; j < j1; j++) dst[j] = src[j * s + off];
            }
        }
    }
}

#if defined(__x86_64__) && defined(__clang__)
__attribute__((target("avx512f"), always_inline))
static inline void first_layer_block(const int nv, const float *phases, const int64_t *tap_offset, int64_t taps,
                                     const onyx_conv_geometry *g, const float *w, const float *bias, int64_t m0, int mb,
                                     float *y, int64_t oh, int64_t ow0, int act, float alpha, float beta) {
    const int64_t wq = phase_width(g);
    const float *wr[FL_MB];
    __m512 acc[FL_MB][FL_MAXV];
#pragma clang loop unroll(full)
    for (int i = 0; i < FL_MB; i++) {
        const int64_t m = m0 + (i < mb ? i : 0);
        wr[i] = w + m * taps;
        const __m512 b0 = _mm512_set1_ps(bias ? bias[m] : 0.0f);
#pragma clang loop unroll(full)
        for (int v = 0; v < FL_MAXV; v++) acc[i][v] = b0;
    }
    const float *base = phases + oh * g->stride_h * wq + ow0;
    {
        for (int64_t tap = 0; tap < taps; tap++) {
            {
                const float *src = base + tap_offset[tap];
                // 4 broadcast weights, then one input vector at a time: 24 accumulators + 5
                // live registers fit the 32 zmm without spilling.
                __m512 wv[FL_MB];
#pragma clang loop unroll(full)
                for (int i = 0; i < FL_MB; i++) wv[i] = _mm512_set1_ps(wr[i][tap]);
#pragma clang loop unroll(full)
                for (int v = 0; v < FL_MAXV; v++) {
                    if (v < nv) {
                        const __m512 xv = _mm512_loadu_ps(src + v * FL_LANES);
#pragma clang loop unroll(full)
                        for (int i = 0; i < FL_MB; i++) acc[i][v] = _mm512_fmadd_ps(wv[i], xv, acc[i][v]);
                    }
                }
            }
        }
    }
    const int64_t plane = g->out_h * g->out_w;
    const int64_t left = g->out_w - ow0;   // outputs of this row from ow0 on
    const __m512 zero = _mm512_setzero_ps(), lo = _mm512_set1_ps(alpha), hi = _mm512_set1_ps(beta);
    // Unrolled over the block's 4 rows (a loop bounded by mb would index the accumulators
    // at run time and force all 24 of them through the stack).
#pragma clang loop unroll(full)
    for (int i = 0; i < FL_MB; i++) {
        if (i >= mb) continue;
        float *yr = y + (m0 + i) * plane + oh * g->out_w + ow0;
#pragma clang loop unroll(full)
        for (int v = 0; v < FL_MAXV; v++) {
            if (v >= nv) continue;
            __m512 t = acc[i][v];
            // NaN passes through (max/min with the accumulator second return it).
            if (act == ONYX_ACT_RELU) t = _mm512_max_ps(zero, t);
            else if (act == ONYX_ACT_CLIP) t = _mm512_min_ps(hi, _mm512_max_ps(lo, t));
            else if (act == ONYX_ACT_LEAKY) t = _mm512_mask_mul_ps(t, _mm512_cmp_ps_mask(t, zero, _CMP_LT_OQ), t, lo);
            const int64_t n = left - v * FL_LANES;
            if (n >= FL_LANES) _mm512_storeu_ps(yr + v * FL_LANES, t);
            else if (n > 0) _mm512_mask_storeu_ps(yr + v * FL_LANES, (__mmask16)((1u << n) - 1), t);
        }
    }
}

#define FL_CASE(N) case N: first_layer_block(N, phases, tap_offset, taps, g, w, bias, m0, mb, y, oh, ow0, act, alpha, beta); break;
__attribute__((target("avx512f")))
static void first_layer_any(int nv, const float *phases, const int64_t *tap_offset, int64_t taps, const onyx_conv_geometry *g,
                            const float *w, const float *bias, int64_t m0, int mb, float *y, int64_t oh, int64_t ow0,
                            int act, float alpha, float beta) {
    switch (nv) { FL_CASE(1) FL_CASE(2) FL_CASE(3) FL_CASE(4) FL_CASE(5) FL_CASE(6) default: break; }
}
#endif

void onyx_conv_first_layer_rows(const float *phases, const onyx_conv_geometry *g, const float *w, const float *bias,
                                int64_t m, float *y, int64_t oh0, int64_t oh1, int act, float alpha, float beta) {
#if defined(__x86_64__) && defined(__clang__)
    // Where each tap (c, ki, kj) reads, relative to its output row's first input: found
    // once, not with two divisions per tap per block.
    int64_t tap_offset[4 * 64];
    const int64_t s = g->stride_w, rows = padded_rows(g), wq = phase_width(g);
    int64_t taps = 0;
    for (int64_t c = 0; c < g->channels; c++)
        for (int64_t ki = 0; ki < g->kernel_h; ki++)
            for (int64_t kj = 0; kj < g->kernel_w; kj++)
                tap_offset[taps++] = ((c * s + kj % s) * rows + ki) * wq + kj / s;
    const int64_t vectors = (g->out_w + FL_LANES - 1) / FL_LANES;
    const int64_t chunks = (vectors + FL_MAXV - 1) / FL_MAXV;   // vectors shared out evenly
    for (int64_t oh = oh0; oh < oh1; oh++) {
        for (int64_t q = 0; q < chunks; q++) {
            const int64_t v0 = vectors * q / chunks, v1 = vectors * (q + 1) / chunks;
            for (int64_t m0 = 0; m0 < m; m0 += FL_MB) {
                const int mb = (int)(m - m0 < FL_MB ? m - m0 : FL_MB);
                first_layer_any((int)(v1 - v0), phases, tap_offset, taps, g, w, bias, m0, mb, y, oh, v0 * FL_LANES,
                                act, alpha, beta);
            }
        }
    }
#else
    (void)phases; (void)g; (void)w; (void)bias; (void)m; (void)y; (void)oh0; (void)oh1; (void)act; (void)alpha; (void)beta;
#endif
}
