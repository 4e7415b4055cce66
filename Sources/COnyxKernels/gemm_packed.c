#include "onyx_kernels.h"
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

// C = A * B for A packed once (weights) and B row-major as it is (im2col columns, Winograd
// tiles): B is read in place, 16 columns (one 64-byte line) per k step, so nothing is
// copied per call but a partial last panel.
//
// Packed A: panels of MR = 12 rows; panel p holds rows 12p..12p+11 as [k][12], zero rows
// past m. The micro-kernel keeps a 16x16 block of C in registers over the whole k loop:
// with AVX-512 sixteen zmm accumulators, with AVX2 in 6x16 parts of twelve ymm each.
// Channel counts are multiples of 16 in most CNNs, so few rows are wasted.

enum { MR = ONYX_GEMM_MR, NR = ONYX_GEMM_NR };

int64_t onyx_gemm_packed_a_floats(int64_t m, int64_t k) { return (m + MR - 1) / MR * MR * k; }

void onyx_gemm_pack_a(const float *a, int64_t lda, int64_t m, int64_t k, float *pa) {
    for (int64_t p = 0; p * MR < m; p++) {
        float *dst = pa + p * MR * k;
        const int64_t rows = m - p * MR < MR ? m - p * MR : MR;
        for (int64_t kk = 0; kk < k; kk++) {
            for (int64_t i = 0; i < rows; i++) dst[kk * MR + i] = a[(p * MR + i) * lda + kk];
            for (int64_t i = rows; i < MR; i++) dst[kk * MR + i] = 0.0f;
        }
    }
}

// Writes (or adds, when accumulate) the rows x cols corner of an MR x NR block.
static inline void store_block(const float *blk, float *c, int64_t ldc, int rows, int cols, int accumulate) {
    for (int i = 0; i < rows; i++) {
        float *ci = c + i * ldc;
        if (accumulate) for (int j = 0; j < cols; j++) ci[j] += blk[i * NR + j];
        else for (int j = 0; j < cols; j++) ci[j] = blk[i * NR + j];
    }
}

typedef void (*block_kernel)(int64_t k, const float *a, const float *b, int64_t ldb, float *c, int64_t ldc,
                             int rows, int cols, int accumulate);

static void block_portable(int64_t k, const float *a, const float *b, int64_t ldb, float *c, int64_t ldc,
                           int rows, int cols, int accumulate) {
    float acc[MR * NR] = {0};
    for (int64_t kk = 0; kk < k; kk++)
        for (int i = 0; i < MR; i++)
            for (int j = 0; j < NR; j++) acc[i * NR + j] += a[kk * MR + i] * b[kk * ldb + j];
    store_block(acc, c, ldc, rows, cols, accumulate);
}

#if defined(__x86_64__) && defined(__clang__)
__attribute__((target("avx512f")))
static void block_avx512(int64_t k, const float *a, const float *b, int64_t ldb, float *c, int64_t ldc,
                         int rows, int cols, int accumulate) {
    __m512 acc[MR];
#pragma clang loop unroll(full)
    for (int i = 0; i < MR; i++) acc[i] = _mm512_setzero_ps();
    for (int64_t kk = 0; kk < k; kk++) {
        const __m512 bv = _mm512_loadu_ps(b + kk * ldb);
        const float *ak = a + kk * MR;
#pragma clang loop unroll(full)
        for (int i = 0; i < MR; i++) acc[i] = _mm512_fmadd_ps(_mm512_set1_ps(ak[i]), bv, acc[i]);
    }
    if (rows == MR && cols == NR) {
#pragma clang loop unroll(full)
        for (int i = 0; i < MR; i++) {
            float *ci = c + i * ldc;
            _mm512_storeu_ps(ci, accumulate ? _mm512_add_ps(acc[i], _mm512_loadu_ps(ci)) : acc[i]);
        }
        return;
    }
    const __mmask16 mask = (__mmask16)((1u << cols) - 1);
    for (int i = 0; i < rows; i++) {
        float *ci = c + i * ldc;
        __m512 v = acc[i];
        if (accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, ci));
        _mm512_mask_storeu_ps(ci, mask, v);
    }
}

// Six rows of the block: twelve ymm accumulators, two B vectors, one broadcast.
__attribute__((target("avx2,fma")))
static inline void half_avx2(int64_t k, const float *a, const float *b, int64_t ldb, float *c, int64_t ldc,
                             int rows, int cols, int accumulate) {
    __m256 lo[6], hi[6];
    // Rows past `rows` read row 0 again (their sums are never stored): the last half of a
    // 16-row panel has 4 rows, and reading 6 would run past the end of the packed A.
    int row[6];
#pragma clang loop unroll(full)
    for (int i = 0; i < 6; i++) { lo[i] = _mm256_setzero_ps(); hi[i] = _mm256_setzero_ps(); row[i] = i < rows ? i : 0; }
    for (int64_t kk = 0; kk < k; kk++) {
        const __m256 b0 = _mm256_loadu_ps(b + kk * ldb), b1 = _mm256_loadu_ps(b + kk * ldb + 8);
        const float *ak = a + kk * MR;
#pragma clang loop unroll(full)
        for (int i = 0; i < 6; i++) {
            const __m256 av = _mm256_broadcast_ss(ak + row[i]);
            lo[i] = _mm256_fmadd_ps(av, b0, lo[i]);
            hi[i] = _mm256_fmadd_ps(av, b1, hi[i]);
        }
    }
    if (rows == 6 && cols == NR) {
#pragma clang loop unroll(full)
        for (int i = 0; i < 6; i++) {
            float *ci = c + i * ldc;
            if (accumulate) {
                lo[i] = _mm256_add_ps(lo[i], _mm256_loadu_ps(ci));
                hi[i] = _mm256_add_ps(hi[i], _mm256_loadu_ps(ci + 8));
            }
            _mm256_storeu_ps(ci, lo[i]);
            _mm256_storeu_ps(ci + 8, hi[i]);
        }
        return;
    }
    float blk[6 * NR];
    for (int i = 0; i < 6; i++) { _mm256_storeu_ps(blk + i * NR, lo[i]); _mm256_storeu_ps(blk + i * NR + 8, hi[i]); }
    store_block(blk, c, ldc, rows, cols, accumulate);
}

__attribute__((target("avx2,fma")))
static void block_avx2(int64_t k, const float *a, const float *b, int64_t ldb, float *c, int64_t ldc,
                       int rows, int cols, int accumulate) {
    for (int r0 = 0; r0 < rows; r0 += 6)
        half_avx2(k, a + r0, b, ldb, c + r0 * ldc, ldc, rows - r0 < 6 ? rows - r0 : 6, cols, accumulate);
}
#endif

static block_kernel chosen_kernel(void) {
#if defined(__x86_64__) && defined(__clang__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return block_avx512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return block_avx2;
#endif
    return block_portable;
}

static block_kernel kernel_for_run(void) {
    static block_kernel chosen = 0;
    block_kernel k = __atomic_load_n(&chosen, __ATOMIC_ACQUIRE);
    if (!k) {
        k = chosen_kernel();
        __atomic_store_n(&chosen, k, __ATOMIC_RELEASE);
    }
    return k;
}

static block_kernel kernel_named(const char *isa) {
    if (!strcmp(isa, "portable")) return block_portable;
#if defined(__x86_64__) && defined(__clang__)
    __builtin_cpu_init();
    if (!strcmp(isa, "avx2") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return block_avx2;
    if (!strcmp(isa, "avx512") && __builtin_cpu_supports("avx512f")) return block_avx512;
#endif
    return 0;
}

const char *onyx_gemm_packed_isa(void) {
    block_kernel k = kernel_for_run();
#if defined(__x86_64__) && defined(__clang__)
    if (k == block_avx512) return "avx512";
    if (k == block_avx2) return "avx2";
#endif
    return "portable";
}

// K is cut into blocks so a block of A panels stays in L2 while the B columns of the
// range pass through L1; C is written by the first block and added to by the rest. With
// few B panels (Winograd products of small images) the loops turn around: see gemm_with.
enum { KC = 384, SMALL_N_PANELS = 8 };

static void gemm_with(block_kernel kernel, int64_t m, int64_t n, int64_t k, const float *pa, const float *b,
                      int64_t ldb, float *c, int64_t ldc, int64_t panel_begin, int64_t panel_end) {
    float edge[KC * NR];   // a partial last panel, copied and zero-padded to 16 columns
    const int64_t panels = panel_end - panel_begin;
    for (int64_t k0 = 0; k0 < k; k0 += KC) {
        const int64_t kc = k - k0 < KC ? k - k0 : KC;
        const int64_t last = panel_end - 1;
        const int last_cols = (int)(n - last * NR < NR ? n - last * NR : NR);
        if (last_cols < NR) {
            const float *bq = b + k0 * ldb + last * NR;
            for (int64_t kk = 0; kk < kc; kk++) {
                memcpy(edge + kk * NR, bq + kk * ldb, (size_t)last_cols * sizeof(float));
                memset(edge + kk * NR + last_cols, 0, (size_t)(NR - last_cols) * sizeof(float));
            }
        }
        if (panels <= SMALL_N_PANELS) {
            // Few columns: each block of A panels is read once per k block and used against
            // every B panel (those stay in L2); the other order would stream all of A once per panel.
            for (int64_t p = 0; p * MR < m; p++) {
                const int rows = (int)(m - p * MR < MR ? m - p * MR : MR);
                for (int64_t q = panel_begin; q < panel_end; q++) {
                    const int cols = (int)(n - q * NR < NR ? n - q * NR : NR);
                    const float *bq = cols < NR ? edge : b + k0 * ldb + q * NR;
                    kernel(kc, pa + p * MR * k + k0 * MR, bq, cols < NR ? NR : ldb, c + p * MR * ldc + q * NR, ldc, rows, cols, k0 > 0);
                }
            }
            continue;
        }
        for (int64_t q = panel_begin; q < panel_end; q++) {
            const int cols = (int)(n - q * NR < NR ? n - q * NR : NR);
            const float *bq = cols < NR ? edge : b + k0 * ldb + q * NR;
            for (int64_t p = 0; p * MR < m; p++) {
                const int rows = (int)(m - p * MR < MR ? m - p * MR : MR);
                kernel(kc, pa + p * MR * k + k0 * MR, bq, cols < NR ? NR : ldb, c + p * MR * ldc + q * NR, ldc, rows, cols, k0 > 0);
            }
        }
    }
}

void onyx_gemm_packed(int64_t m, int64_t n, int64_t k, const float *pa, const float *b, int64_t ldb,
                      float *c, int64_t ldc, int64_t panel_begin, int64_t panel_end) {
    gemm_with(kernel_for_run(), m, n, k, pa, b, ldb, c, ldc, panel_begin, panel_end);
}

int onyx_gemm_packed_isa_run(const char *isa, int64_t m, int64_t n, int64_t k, const float *pa, const float *b,
                             int64_t ldb, float *c, int64_t ldc, int64_t panel_begin, int64_t panel_end) {
    const block_kernel kernel = kernel_named(isa);
    if (!kernel) return 0;
    gemm_with(kernel, m, n, k, pa, b, ldb, c, ldc, panel_begin, panel_end);
    return 1;
}
