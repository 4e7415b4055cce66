#include "onyx_kernels.h"
#if defined(__x86_64__)
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

// 3x3 depthwise conv, stride 1 or 2, dilation 1, with AVX2: eight outputs of a row are
// accumulated in one register over the nine taps and stored once, bias and activation
// applied in the register. Columns whose window crosses the left/right edge take the
// scalar path.

__attribute__((target("avx2,fma")))
static inline __m256 act_vec(__m256 v, int act, __m256 alpha, __m256 beta) {
    switch (act) {
    case ONYX_ACT_RELU: return _mm256_max_ps(v, _mm256_setzero_ps());
    case ONYX_ACT_CLIP: return _mm256_min_ps(_mm256_max_ps(v, alpha), beta);
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
    __m256 a = _mm256_loadu_ps(x), b = _mm256_loadu_ps(x + 8);
    __m256 e = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), _MM_SHUFFLE(3, 1, 2, 0)));
}

// Eight inputs of one tap: consecutive for stride 1, every other one for stride 2.
__attribute__((target("avx2,fma")))
static inline __m256 load_tap(const float *p, int64_t stride) {
    return stride == 1 ? _mm256_loadu_ps(p) : load_even(p);
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
    float *padded = (float *)aligned_alloc(64, (size_t)((ph * pw + 15) / 16 * 16) * sizeof(float));
    // aligned_alloc wants the size to be a multiple of the alignment (16 floats).
    float *row_out = (float *)aligned_alloc(64, (size_t)((out_w8 + 15) / 16 * 16) * sizeof(float));
    if (!padded || !row_out) { free(padded); free(row_out); return 0; }
    const __m256 valpha = _mm256_set1_ps(alpha), vbeta = _mm256_set1_ps(beta);
    int64_t last_input = -1;
    for (int64_t m = 0; m < out_channels; m++) {
        const int64_t cin = m / multiplier;
        if (cin != last_input) {
            memset(padded, 0, (size_t)(ph * pw) * sizeof(float));
            const float *xc = x + cin * in_plane;
            for (int64_t ih = 0; ih < g->in_h; ih++) {
                const int64_t r = ih + g->pad_top;
                if (r >= ph) break;
                int64_t n = g->in_w;
                if (g->pad_left + n > pw) n = pw - g->pad_left;
                if (n > 0) memcpy(padded + r * pw + g->pad_left, xc + ih * g->in_w, (size_t)n * sizeof(float));
            }
            last_input = cin;
        }
        const float *wm = w + m * 9;
        __m256 vw[9];
        for (int k = 0; k < 9; k++) vw[k] = _mm256_set1_ps(wm[k]);
        const __m256 vb = _mm256_set1_ps(bias ? bias[m] : 0.0f);
        float *ym = y + m * out_plane;
        for (int64_t oh = 0; oh < g->out_h; oh++) {
            const float *r0 = padded + oh * sh * pw, *r1 = r0 + pw, *r2 = r1 + pw;
            for (int64_t ow = 0; ow < out_w8; ow += 8) {
                const int64_t base = ow * sw;
                __m256 acc = vb;
                const float *rows[3] = {r0, r1, r2};
                for (int i = 0; i < 3; i++)
                    for (int j = 0; j < 3; j++)
                        acc = _mm256_fmadd_ps(vw[i * 3 + j], load_tap(rows[i] + base + j, sw), acc);
                acc = act_vec(acc, act, valpha, vbeta);
                if (ow + 8 <= g->out_w) _mm256_storeu_ps(ym + oh * g->out_w + ow, acc);
                else _mm256_store_ps(row_out + ow, acc);
            }
            if (g->out_w % 8) {
                const int64_t start = g->out_w / 8 * 8;
                memcpy(ym + oh * g->out_w + start, row_out + start, (size_t)(g->out_w - start) * sizeof(float));
            }
        }
    }
    free(padded);
    free(row_out);
    return 1;
}
#else
int onyx_depthwise3x3_avx2(const float *x, const float *w, const float *bias, float *y,
                           int64_t out_channels, int64_t multiplier, const onyx_conv_geometry *g,
                           int act, float alpha, float beta) { return 0; }
#endif
