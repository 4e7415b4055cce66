#include "onyx_kernels.h"
#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

// 3x3 depthwise conv, stride 1 or 2, dilation 1, with AVX-512: the AVX2 kernel's scheme
// (depthwise3x3_avx2.c) with sixteen outputs of a row per register. At stride 2 a vector
// of inputs x[0], x[2], ..., x[30] is one two-source permute of two loads (AVX2 needs a
// shuffle and a lane permute for eight).

__attribute__((target("avx512f"), always_inline))
static inline __m512 act16(__m512 v, int act, __m512 alpha, __m512 beta) {
    switch (act) {
    // max/min return their second operand when either is NaN: v goes second, so NaN passes.
    case ONYX_ACT_RELU: return _mm512_max_ps(_mm512_setzero_ps(), v);
    case ONYX_ACT_CLIP: return _mm512_min_ps(beta, _mm512_max_ps(alpha, v));
    case ONYX_ACT_LEAKY: return _mm512_mask_mul_ps(v, _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_LT_OQ), v, alpha);
    default: return v;
    }
}

__attribute__((target("avx512f"), always_inline))
static inline __m512 load_plain(const float *x, __m512i evens) {
    (void)evens;
    return _mm512_loadu_ps(x);
}

__attribute__((target("avx512f"), always_inline))
static inline __m512 load_even16(const float *x, __m512i evens) {
    return _mm512_permutex2var_ps(_mm512_loadu_ps(x), evens, _mm512_loadu_ps(x + 16));
}

// V vectors of sixteen outputs side by side from output column `at`: the bias plus the
// nine taps (t[3i + j]: padded row i of the window, from column j), then the activation.
#define DEFINE_TAPS16(V, S, LOAD)                                                                        \
    __attribute__((target("avx512f"), always_inline))                                                   \
    static inline void taps16_s##S##_x##V(const float *const t[9], int64_t at, const __m512 vw[9],      \
                                           __m512 vb, __m512i evens, __m512 out[4]) {                    \
        __m512 acc[V];                                                                                   \
        _Pragma("clang loop unroll(full)") for (int v = 0; v < V; v++) acc[v] = vb;                      \
        _Pragma("clang loop unroll(full)") for (int k = 0; k < 9; k++)                                   \
            _Pragma("clang loop unroll(full)") for (int v = 0; v < V; v++)                               \
                acc[v] = _mm512_fmadd_ps(vw[k], LOAD(t[k] + S * (at + 16 * v), evens), acc[v]);         \
        _Pragma("clang loop unroll(full)") for (int v = 0; v < V; v++) out[v] = acc[v];                  \
    }
DEFINE_TAPS16(1, 1, load_plain)
DEFINE_TAPS16(2, 1, load_plain)
DEFINE_TAPS16(3, 1, load_plain)
DEFINE_TAPS16(4, 1, load_plain)
DEFINE_TAPS16(1, 2, load_even16)
DEFINE_TAPS16(2, 2, load_even16)
DEFINE_TAPS16(3, 2, load_even16)
DEFINE_TAPS16(4, 2, load_even16)

__attribute__((target("avx512f"), always_inline))
static inline void taps16(int64_t stride, int64_t count, const float *const t[9], int64_t at, const __m512 vw[9],
                          __m512 vb, __m512i evens, __m512 out[4]) {
    if (stride == 1) {
        switch (count) {
        case 4: taps16_s1_x4(t, at, vw, vb, evens, out); return;
        case 3: taps16_s1_x3(t, at, vw, vb, evens, out); return;
        case 2: taps16_s1_x2(t, at, vw, vb, evens, out); return;
        default: taps16_s1_x1(t, at, vw, vb, evens, out); return;
        }
    }
    switch (count) {
    case 4: taps16_s2_x4(t, at, vw, vb, evens, out); return;
    case 3: taps16_s2_x3(t, at, vw, vb, evens, out); return;
    case 2: taps16_s2_x2(t, at, vw, vb, evens, out); return;
    default: taps16_s2_x1(t, at, vw, vb, evens, out); return;
    }
}

__attribute__((target("avx512f")))
static int depthwise_avx512(const float *x, const float *w, const float *bias, float *y, int64_t out_channels,
                            int64_t multiplier, const onyx_conv_geometry *g, int act, float alpha, float beta) {
    const int64_t sh = g->stride_h, sw = g->stride_w;
    const int64_t in_plane = g->in_h * g->in_w, out_plane = g->out_h * g->out_w;
    // Each input plane is copied once into a zero-bordered buffer wide enough that every
    // vector of sixteen outputs (the last one rounded up) reads inside it.
    const int64_t out_w16 = (g->out_w + 15) / 16 * 16;
    const int64_t pw = (out_w16 - 1) * sw + 3 + 16, ph = (g->out_h - 1) * sh + 3;
    if (g->pad_top > ph || g->pad_left > pw) return 0;
    float *padded = (float *)aligned_alloc(64, (size_t)((ph * pw + 15) / 16 * 16) * sizeof(float));
    if (!padded) return 0;
    memset(padded, 0, (size_t)(ph * pw) * sizeof(float));   // the border, the same for every channel
    const int64_t tail = g->out_w % 16;
    const __mmask16 tail_mask = (__mmask16)(tail ? (1u << tail) - 1 : 0xFFFF);
    const __m512 valpha = _mm512_set1_ps(alpha), vbeta = _mm512_set1_ps(beta);
    const __m512i evens = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    int64_t last_input = -1;
    for (int64_t m = 0; m < out_channels; m++) {
        const int64_t cin = m / multiplier;
        if (cin != last_input) {
            onyx_depthwise_pad_plane(x + cin * in_plane, g, padded, ph, pw);
            last_input = cin;
        }
        const float *wm = w + m * 9;
        __m512 vw[9];
        for (int k = 0; k < 9; k++) vw[k] = _mm512_set1_ps(wm[k]);
        const __m512 vb = _mm512_set1_ps(bias ? bias[m] : 0.0f);
        float *ym = y + m * out_plane;
        for (int64_t oh = 0; oh < g->out_h; oh++) {
            const float *t[9];
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++) t[3 * i + j] = padded + (oh * sh + i) * pw + j;
            float *yrow = ym + oh * g->out_w;
            for (int64_t ow = 0; ow < out_w16;) {
                __m512 v[4];
                const int64_t count = (out_w16 - ow) / 16 < 4 ? (out_w16 - ow) / 16 : 4;
                taps16(sw, count, t, ow, vw, vb, evens, v);
                for (int64_t i = 0; i < count; i++, ow += 16) {
                    const __m512 r = act16(v[i], act, valpha, vbeta);
                    if (ow + 16 <= g->out_w) _mm512_storeu_ps(yrow + ow, r);
                    else _mm512_mask_storeu_ps(yrow + ow, tail_mask, r);
                }
            }
        }
    }
    free(padded);
    return 1;
}
#endif

int onyx_depthwise3x3_avx512(const float *x, const float *w, const float *bias, float *y, int64_t out_channels,
                             int64_t multiplier, const onyx_conv_geometry *g, int act, float alpha, float beta) {
#if defined(__x86_64__) && defined(__clang__)
    if (!onyx_cpu_has_avx512()) return 0;
    if (g->kernel_h != 3 || g->kernel_w != 3 || g->dilation_h != 1 || g->dilation_w != 1) return 0;
    if ((g->stride_w != 1 && g->stride_w != 2) || g->stride_h < 1) return 0;
    // Rows of at most 8 outputs fill half a vector or less: the AVX2 kernel does them.
    if (g->out_w <= 8) return 0;
    return depthwise_avx512(x, w, bias, y, out_channels, multiplier, g, act, alpha, beta);
#else
    (void)x; (void)w; (void)bias; (void)y; (void)out_channels; (void)multiplier; (void)g; (void)act; (void)alpha; (void)beta;
    return 0;
#endif
}
