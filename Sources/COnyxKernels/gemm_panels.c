#include "onyx_kernels.h"
#include <string.h>
#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>
#endif

// C = A * B with both operands in panels, for convs whose columns (output pixels) are
// many: A (weights) in panels of 12 rows laid out [k][12], B (im2col columns, the input
// of a 1x1 conv, Winograd tiles) in panels of 32 columns laid out [k][32]. The AVX-512
// micro-kernel keeps a 12 x 32 block of C in 24 zmm accumulators: per k step two B loads
// and twelve broadcasts of A feed 24 FMAs, so the two FMA ports, not the loads, bound it.
// Reading B in place (row stride ldb) instead costs an L1 miss per k step and row.
// The conv epilogue (scale, bias, residual, activation) is applied as the last k block
// stores, so the product is never read back in a pass of its own.

enum { MR = ONYX_PANEL_MR, NR = ONYX_PANEL_NR, KC = 256, QBLOCK = 8 };

int64_t onyx_gemm_panels_a_floats(int64_t m, int64_t k) { return (m + MR - 1) / MR * MR * k; }
int64_t onyx_gemm_panels_b_floats(int64_t n, int64_t k) { return (n + NR - 1) / NR * NR * k; }

void onyx_gemm_panels_pack_a(const float *a, int64_t lda, int64_t m, int64_t k, float *pa) {
    for (int64_t p = 0; p * MR < m; p++) {
        float *dst = pa + p * MR * k;
        const int64_t rows = m - p * MR < MR ? m - p * MR : MR;
        const float *src = a + p * MR * lda;
        for (int64_t kk = 0; kk < k; kk++) {
            for (int64_t i = 0; i < rows; i++) dst[kk * MR + i] = src[i * lda + kk];
            for (int64_t i = rows; i < MR; i++) dst[kk * MR + i] = 0.0f;
        }
    }
}

void onyx_gemm_panels_pack_b(const float *b, int64_t ldb, int64_t k, int64_t n, float *pb) {
    for (int64_t q = 0; q * NR < n; q++) {
        float *dst = pb + q * NR * k;
        const int64_t cols = n - q * NR < NR ? n - q * NR : NR;
        for (int64_t kk = 0; kk < k; kk++) {
            memcpy(dst + kk * NR, b + kk * ldb + q * NR, (size_t)cols * sizeof(float));
            if (cols < NR) memset(dst + kk * NR + cols, 0, (size_t)(NR - cols) * sizeof(float));
        }
    }
}

#if defined(__x86_64__) && defined(__clang__)
// v = act(v * scale + bias + residual) for one row piece (lanes outside `mask` unused).
__attribute__((target("avx512f"), always_inline))
static inline __m512 finish(__m512 v, const onyx_epilogue *ep, int64_t row, const float *res, __mmask16 mask) {
    if (ep->scale) v = _mm512_mul_ps(v, _mm512_set1_ps(ep->scale[row]));
    if (ep->bias) v = _mm512_add_ps(v, _mm512_set1_ps(ep->bias[row]));
    if (res) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, res));
    switch (ep->act) {
    // max/min return their second operand when either is NaN: v goes second, so NaN passes.
    case ONYX_ACT_RELU: return _mm512_max_ps(_mm512_setzero_ps(), v);
    case ONYX_ACT_CLIP: return _mm512_min_ps(_mm512_set1_ps(ep->beta), _mm512_max_ps(_mm512_set1_ps(ep->alpha), v));
    case ONYX_ACT_LEAKY: {
        const __mmask16 neg = _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_LT_OQ);
        return _mm512_mask_mul_ps(v, neg, v, _mm512_set1_ps(ep->alpha));
    }
    default: return v;
    }
}

// The 12 x 32 block of C at (row, col): C (+)= A panel * B panel over kc; with `ep`, the
// epilogue is applied as it is stored.
__attribute__((target("avx512f")))
static void block_12x32(int64_t kc, const float *a, const float *b, float *c, int64_t ldc, int rows, int cols,
                        int accumulate, const onyx_epilogue *ep, int64_t row, int64_t col) {
    __m512 lo[MR], hi[MR];
#pragma clang loop unroll(full)
    for (int i = 0; i < MR; i++) { lo[i] = _mm512_setzero_ps(); hi[i] = _mm512_setzero_ps(); }
    for (int64_t kk = 0; kk < kc; kk++) {
        const __m512 b0 = _mm512_loadu_ps(b + kk * NR), b1 = _mm512_loadu_ps(b + kk * NR + 16);
        const float *ak = a + kk * MR;
#pragma clang loop unroll(full)
        for (int i = 0; i < MR; i++) {
            const __m512 av = _mm512_set1_ps(ak[i]);
            lo[i] = _mm512_fmadd_ps(av, b0, lo[i]);
            hi[i] = _mm512_fmadd_ps(av, b1, hi[i]);
        }
    }
    const __mmask16 m0 = (__mmask16)(cols >= 16 ? 0xFFFF : (1u << cols) - 1);
    const __mmask16 m1 = (__mmask16)(cols <= 16 ? 0 : cols >= 32 ? 0xFFFF : (1u << (cols - 16)) - 1);
    // Stores unrolled by the constant bound and guarded by `rows`: a loop bounded by `rows`
    // would index the accumulators at run time and send all 24 through the stack.
#pragma clang loop unroll(full)
    for (int i = 0; i < MR; i++) {
        if (i < rows) {
            float *ci = c + i * ldc;
            __m512 v0 = lo[i], v1 = hi[i];
            if (accumulate) {
                v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, ci));
                v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, ci + 16));
            }
            if (ep) {
                const float *res = ep->residual ? ep->residual + (row + i) * ep->ldr + col : 0;
                v0 = finish(v0, ep, row + i, res, m0);
                v1 = finish(v1, ep, row + i, res ? res + 16 : 0, m1);
            }
            _mm512_mask_storeu_ps(ci, m0, v0);
            _mm512_mask_storeu_ps(ci + 16, m1, v1);
        }
    }
}
#endif

int onyx_gemm_panels_available(void) {
#if defined(__x86_64__) && defined(__clang__)
    return onyx_cpu_has_avx512();
#else
    return 0;
#endif
}

void onyx_gemm_panels(int64_t m, int64_t n, int64_t k, const float *pa, const float *pb, float *c, int64_t ldc,
                      int64_t row_begin, int64_t row_end, const onyx_epilogue *ep) {
#if defined(__x86_64__) && defined(__clang__)
    if (!onyx_gemm_panels_available() || row_begin >= row_end || n <= 0) return;
    if (row_end > m) row_end = m;
    const int64_t panels = (n + NR - 1) / NR;
    if (k <= 0) {
        for (int64_t i = row_begin; i < row_end; i++) memset(c + i * ldc, 0, (size_t)n * sizeof(float));
        if (ep) onyx_rows_epilogue_f32(c + row_begin * ldc, ldc, row_end - row_begin, n,
                                       ep->scale ? ep->scale + row_begin : 0, ep->bias ? ep->bias + row_begin : 0,
                                       ep->residual ? ep->residual + row_begin * ep->ldr : 0, ep->ldr, ep->act,
                                       ep->alpha, ep->beta);
        return;
    }
    // K in blocks so a run of QBLOCK B panels (32 KB each at KC = 256) stays in L2 while
    // each A panel block passes through L1; C is written by the first block, added to after.
    for (int64_t k0 = 0; k0 < k; k0 += KC) {
        const int64_t kc = k - k0 < KC ? k - k0 : KC;
        for (int64_t q0 = 0; q0 < panels; q0 += QBLOCK) {
            const int64_t q1 = q0 + QBLOCK < panels ? q0 + QBLOCK : panels;
            for (int64_t r = row_begin; r < row_end; r += MR) {
                const int rows = (int)(row_end - r < MR ? row_end - r : MR);
                const float *ap = pa + (r / MR) * MR * k + k0 * MR;
                for (int64_t q = q0; q < q1; q++) {
                    const int cols = (int)(n - q * NR < NR ? n - q * NR : NR);
                    block_12x32(kc, ap, pb + q * NR * k + k0 * NR, c + r * ldc + q * NR, ldc, rows, cols, k0 > 0,
                                k0 + kc == k ? ep : 0, r, q * NR);
                }
            }
        }
    }
#else
    (void)m; (void)n; (void)k; (void)pa; (void)pb; (void)c; (void)ldc; (void)row_begin; (void)row_end; (void)ep;
#endif
}
