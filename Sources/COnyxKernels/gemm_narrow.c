#include "onyx_kernels.h"
#include <string.h>
#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>
#endif

// C = A * B for few columns (a conv on a 7x7 image: n = 49) and a long k: A packed once
// by onyx_gemm_pack_a ([k][16] panels), B row-major read in place. A block is 32 rows (two
// panels, one zmm each) by up to 14 columns whose B values are broadcast: per k step 2 A
// loads and nc broadcasts feed 2 * nc FMAs into 28 accumulators, and no column of a
// 16-wide panel is wasted on n = 49. OpenBLAS re-packs all of A on every call, which
// with so few columns costs a quarter of the product.
enum { PANEL = ONYX_GEMM_MR, NARROW_KC = 512, NARROW_MAXNC = 14 };

#if defined(__x86_64__) && defined(__clang__)
__attribute__((target("avx512f"), always_inline))
static inline void narrow_block(const int nc, int64_t kc, const float *a0, const float *a1, const float *b, int64_t ldb,
                                float *c, int64_t ldc, int rows, int accumulate) {
    __m512 x[NARROW_MAXNC], y[NARROW_MAXNC];
#pragma clang loop unroll(full)
    for (int j = 0; j < NARROW_MAXNC; j++) { x[j] = _mm512_setzero_ps(); y[j] = _mm512_setzero_ps(); }
    for (int64_t kk = 0; kk < kc; kk++) {
        const __m512 va = _mm512_loadu_ps(a0 + kk * PANEL), vb = _mm512_loadu_ps(a1 + kk * PANEL);
        const float *bk = b + kk * ldb;
#pragma clang loop unroll(full)
        for (int j = 0; j < NARROW_MAXNC; j++) {
            if (j < nc) {
                const __m512 s = _mm512_set1_ps(bk[j]);
                x[j] = _mm512_fmadd_ps(va, s, x[j]);
                y[j] = _mm512_fmadd_ps(vb, s, y[j]);
            }
        }
    }
    // Accumulator j holds column j of the 32 rows: transpose through a small buffer.
    float t[NARROW_MAXNC * 2 * PANEL];
#pragma clang loop unroll(full)
    for (int j = 0; j < NARROW_MAXNC; j++) {
        if (j < nc) {
            _mm512_storeu_ps(t + j * 2 * PANEL, x[j]);
            _mm512_storeu_ps(t + j * 2 * PANEL + PANEL, y[j]);
        }
    }
    for (int i = 0; i < rows; i++) {
        float *ci = c + i * ldc;
        if (accumulate) {
            for (int j = 0; j < nc; j++) ci[j] += t[j * 2 * PANEL + i];
        } else {
            for (int j = 0; j < nc; j++) ci[j] = t[j * 2 * PANEL + i];
        }
    }
}

#define NARROW_CASE(N) case N: narrow_block(N, kc, a0, a1, b, ldb, c, ldc, rows, accumulate); break;
__attribute__((target("avx512f")))
static void narrow_any(int nc, int64_t kc, const float *a0, const float *a1, const float *b, int64_t ldb,
                       float *c, int64_t ldc, int rows, int accumulate) {
    switch (nc) {
        NARROW_CASE(1) NARROW_CASE(2) NARROW_CASE(3) NARROW_CASE(4) NARROW_CASE(5) NARROW_CASE(6) NARROW_CASE(7)
        NARROW_CASE(8) NARROW_CASE(9) NARROW_CASE(10) NARROW_CASE(11) NARROW_CASE(12) NARROW_CASE(13) NARROW_CASE(14)
        default: break;
    }
}
#endif

int onyx_gemm_narrow_available(void) { return onyx_cpu_has_avx512(); }

void onyx_gemm_narrow(int64_t m, int64_t n, int64_t k, const float *pa, const float *b, int64_t ldb, float *c,
                      int64_t ldc, int64_t row_begin, int64_t row_end) {
#if defined(__x86_64__) && defined(__clang__)
    if (row_end > m) row_end = m;
    if (n <= 0 || row_begin >= row_end || row_begin % PANEL != 0 || !onyx_gemm_narrow_available()) return;
    const int64_t panels = (m + PANEL - 1) / PANEL;
    const int64_t blocks = (n + NARROW_MAXNC - 1) / NARROW_MAXNC;   // columns shared out evenly
    for (int64_t k0 = 0; k0 < k; k0 += NARROW_KC) {
        const int64_t kc = k - k0 < NARROW_KC ? k - k0 : NARROW_KC;
        for (int64_t r0 = row_begin; r0 < row_end; r0 += 2 * PANEL) {
            const int64_t p = r0 / PANEL;
            const float *a0 = pa + p * PANEL * k + k0 * PANEL;
            // A last lone panel is paired with itself; its copy's sums are never stored.
            const float *a1 = p + 1 < panels ? a0 + PANEL * k : a0;
            const int rows = (int)(row_end - r0 < 2 * PANEL ? row_end - r0 : 2 * PANEL);
            for (int64_t q = 0; q < blocks; q++) {
                const int64_t j0 = n * q / blocks, j1 = n * (q + 1) / blocks;
                narrow_any((int)(j1 - j0), kc, a0, a1, b + k0 * ldb + j0, ldb, c + r0 * ldc + j0, ldc, rows, k0 > 0);
            }
        }
    }
#else
    (void)m; (void)n; (void)k; (void)pa; (void)b; (void)ldb; (void)c; (void)ldc; (void)row_begin; (void)row_end;
#endif
}
