#include "onyx_kernels.h"
#if defined(__x86_64__)
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

// 3x3 depthwise conv, stride 1 or 2, dilation 1, with AVX2: eight outputs of a row are
// accumulated in one register over the nine taps and stored once, bias and activation
// applied in the register; up to four such vectors are computed side by side.

__attribute__((target("avx2,fma")))
static inline __m256 act_vec(__m256 v, int act, __m256 alpha, __m256 beta) {
    switch (act) {
    // max/min return their second operand when either is NaN: v goes second, so NaN passes.
    case ONYX_ACT_RELU: return _mm256_max_ps(_mm256_setzero_ps(), v);
    case ONYX_ACT_CLIP: return _mm256_min_ps(beta, _mm256_max_ps(alpha, v));
    case ONYX_ACT_LEAKY: {
        __m256 neg = _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_LT_OQ);
        return _mm256_blendv_ps(v, _mm256_mul_ps(v, alpha), neg);
    }
    default: return v;
    }
}

// Loads x[0], x[2], ..., x[14].
__attribute__((target("avx2,fma")))
static inline __m256 load_even(const float *x) {
    const __m256 a = _mm256_loadu_ps(x), b = _mm256_loadu_ps(x + 8);
    const __m256 e = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), _MM_SHUFFLE(3, 1, 2, 0)));
}

// V vectors of eight outputs side by side, starting at output column `at`: the bias plus
// the nine taps (t[3i + j] is padded row i of the window, from column j), then the
// activation. One vector alone would be a chain of nine dependent FMAs; up to four
// independent chains keep the FMA units busy.
#define DEFINE_TAPS(V, S, LOAD)                                                                          \
    __attribute__((target("avx2,fma")))                                                                  \
    static inline void taps_s##S##_x##V(const float *const t[9], int64_t at, const __m256 vw[9],         \
                                        __m256 vb, int act, __m256 alpha, __m256 beta, __m256 out[4]) {  \
        __m256 acc[V];                                                                                   \
        _Pragma("clang loop unroll(full)") for (int v = 0; v < V; v++) acc[v] = vb;                      \
        _Pragma("clang loop unroll(full)") for (int k = 0; k < 9; k++)                                   \
            _Pragma("clang loop unroll(full)") for (int v = 0; v < V; v++)                               \
                acc[v] = _mm256_fmadd_ps(vw[k], LOAD(t[k] + S * (at + 8 * v)), acc[v]);                  \
        _Pragma("clang loop unroll(full)") for (int v = 0; v < V; v++) out[v] = act_vec(acc[v], act, alpha, beta); \
    }
DEFINE_TAPS(1, 1, _mm256_loadu_ps)
DEFINE_TAPS(2, 1, _mm256_loadu_ps)
DEFINE_TAPS(3, 1, _mm256_loadu_ps)
DEFINE_TAPS(4, 1, _mm256_loadu_ps)
DEFINE_TAPS(1, 2, load_even)
DEFINE_TAPS(2, 2, load_even)
DEFINE_TAPS(3, 2, load_even)
DEFINE_TAPS(4, 2, load_even)

// `count` (1 to 4) vectors from column `at`, inlined (a call through a pointer would pass
// the weights through memory on every group).
__attribute__((target("avx2,fma")))
static inline void taps(int64_t stride, int64_t count, const float *const t[9], int64_t at, const __m256 vw[9],
                        __m256 vb, int act, __m256 alpha, __m256 beta, __m256 out[4]) {
    if (stride == 1) {
        switch (count) {
        case 4: taps_s1_x4(t, at, vw, vb, act, alpha, beta, out); return;
        case 3: taps_s1_x3(t, at, vw, vb, act, alpha, beta, out); return;
        case 2: taps_s1_x2(t, at, vw, vb, act, alpha, beta, out); return;
        default: taps_s1_x1(t, at, vw, vb, act, alpha, beta, out); return;
        }
    }
    switch (count) {
    case 4: taps_s2_x4(t, at, vw, vb, act, alpha, beta, out); return;
    case 3: taps_s2_x3(t, at, vw, vb, act, alpha, beta, out); return;
    case 2: taps_s2_x2(t, at, vw, vb, act, alpha, beta, out); return;
    default: taps_s2_x1(t, at, vw, vb, act, alpha, beta, out); return;
    }
}

__attribute__((target("avx2,fma")))
int onyx_depthwise3x3_avx2(const float *x, const float *w, const float *bias, float *y,
                           int64_t out_channels, int64_t multiplier, const onyx_conv_geometry *g,
                           int act, float alpha, float beta) {
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return 0;
    if (g->kernel_h != 3 || g->kernel_w != 3 || g->dilation_h != 1 || g->dilation_w != 1) return 0;
    const int64_t sh = g->stride_h, sw = g->stride_w;
    if ((sw != 1 && sw != 2) || sh < 1) return 0;
    const int64_t in_plane = g->in_h * g->in_w, out_plane = g->out_h * g->out_w;
    // Each input plane is copied once into a zero-bordered buffer wide enough that every
    // vector of eight outputs (the last one rounded up) reads inside it: then the inner
    // loops need no bounds tests at all.
    const int64_t out_w8 = (g->out_w + 7) / 8 * 8;
    const int64_t pw = (out_w8 - 1) * sw + 3 + 8, ph = (g->out_h - 1) * sh + 3;
    if (g->pad_top > ph || g->pad_left > pw) return 0;
    // aligned_alloc wants a size that is a multiple of the alignment (16 floats).
    float *padded = (float *)aligned_alloc(64, (size_t)((ph * pw + 15) / 16 * 16) * sizeof(float));
    if (!padded) return 0;
    // Every channel writes the same interior, so the zero border is set once.
    memset(padded, 0, (size_t)(ph * pw) * sizeof(float));
    // The lanes of a row's last vector that are inside the row.
    const __m256i tail = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(g->out_w % 8)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    const __m256 valpha = _mm256_set1_ps(alpha), vbeta = _mm256_set1_ps(beta);
    int64_t last_input = -1;
    for (int64_t m = 0; m < out_channels; m++) {
        const int64_t cin = m / multiplier;
        if (cin != last_input) {
            onyx_depthwise_pad_plane(x + cin * in_plane, g, padded, ph, pw);
            last_input = cin;
        }
        const float *wm = w + m * 9;
        __m256 vw[9];
        for (int k = 0; k < 9; k++) vw[k] = _mm256_set1_ps(wm[k]);
        const __m256 vb = _mm256_set1_ps(bias ? bias[m] : 0.0f);
        float *ym = y + m * out_plane;
        for (int64_t oh = 0; oh < g->out_h; oh++) {
            const float *t[9];
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++) t[3 * i + j] = padded + (oh * sh + i) * pw + j;
            float *yrow = ym + oh * g->out_w;
            for (int64_t ow = 0; ow < out_w8;) {
                // Up to four vectors at once; the last one may reach past the row's end
                // (then only its lanes inside the row are stored).
                __m256 v[4];
                const int64_t count = (out_w8 - ow) / 8 < 4 ? (out_w8 - ow) / 8 : 4;
                taps(sw, count, t, ow, vw, vb, act, valpha, vbeta, v);
                for (int64_t i = 0; i < count; i++, ow += 8) {
                    if (ow + 8 <= g->out_w) _mm256_storeu_ps(yrow + ow, v[i]);
                    else _mm256_maskstore_ps(yrow + ow, tail, v[i]);
                }
            }
        }
    }
    free(padded);
    return 1;
}
#else
int onyx_depthwise3x3_avx2(const float *x, const float *w, const float *bias, float *y,
                           int64_t out_channels, int64_t multiplier, const onyx_conv_geometry *g,
                           int act, float alpha, float beta) { return 0; }
#endif
