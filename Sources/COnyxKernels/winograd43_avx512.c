#include "onyx_kernels.h"
#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>
#endif

// Winograd F(4x4,3x3) input transform with AVX-512, per channel and tile row: B^T is
// applied down the six input rows sixteen columns at a time (masked loads give the padding's
// zeros), then along each resulting row sixteen tiles at a time: the inputs 4*tx + j of
// the tiles are picked out of four consecutive vectors with two two-source permutes, so
// no gather is needed (a 16-lane gather costs ~30 cycles on this machine, ~0.36 ms of a
// 56x56x64 transform). Output is v[xi][c][t] as in the scalar transform of winograd43.c,
// which builds each tile row with bounds-checked copies and stride-4 reads: 2-4x slower.

#if defined(__x86_64__) && defined(__clang__)
#define T __attribute__((target("avx512f"), always_inline)) static inline

// The six B^T rows applied to d0..d5 (one lane per tile).
T void bt6(const __m512 d[6], __m512 o[6]) {
    const __m512 four = _mm512_set1_ps(4.0f), five = _mm512_set1_ps(5.0f), two = _mm512_set1_ps(2.0f);
    const __m512 d4_4d2 = _mm512_fnmadd_ps(four, d[2], d[4]);   // d4 - 4 d2
    const __m512 d3_4d1 = _mm512_fnmadd_ps(four, d[1], d[3]);   // d3 - 4 d1
    const __m512 d4_d2 = _mm512_sub_ps(d[4], d[2]);
    const __m512 d3_d1 = _mm512_sub_ps(d[3], d[1]);
    o[0] = _mm512_add_ps(_mm512_fnmadd_ps(five, d[2], d[4]), _mm512_mul_ps(four, d[0]));  // 4d0 - 5d2 + d4
    o[1] = _mm512_add_ps(d4_4d2, d3_4d1);                                                 // -4d1 - 4d2 + d3 + d4
    o[2] = _mm512_sub_ps(d4_4d2, d3_4d1);                                                 // 4d1 - 4d2 - d3 + d4
    o[3] = _mm512_fmadd_ps(two, d3_d1, d4_d2);                                            // -2d1 - d2 + 2d3 + d4
    o[4] = _mm512_fnmadd_ps(two, d3_d1, d4_d2);                                           // 2d1 - d2 - 2d3 + d4
    o[5] = _mm512_add_ps(_mm512_fnmadd_ps(five, d[3], d[5]), _mm512_mul_ps(four, d[1]));  // 4d1 - 5d3 + d5
}

enum { MAX_WIDTH = 4096 };

__attribute__((target("avx512f")))
static void input_avx512(const float *x, const onyx_conv_geometry *g, int64_t channels, int64_t c_begin,
                         int64_t c_end, int64_t tiles_h, int64_t tiles_w, float *v) {
    const int64_t tiles = tiles_h * tiles_w, ld = onyx_winograd43_row_stride(tiles);
    const int64_t width = tiles_w * 4 + 2;               // input columns a tile row reads
    const int64_t vecs = (width + 15) / 16;
    const int64_t stride = (tiles_w + 15) / 16 * 64 + 64; // row pitch of col: room for the last permute's loads
    float col[6][stride];
    for (int r = 0; r < 6; r++)
        for (int64_t w = vecs * 16; w < stride; w++) col[r][w] = 0.0f;
    // Lanes of each column vector that fall inside the image (the rest read as 0).
    __mmask16 in_image[vecs];
    for (int64_t q = 0; q < vecs; q++) {
        const int64_t lo = g->pad_left - q * 16, hi = g->in_w + g->pad_left - q * 16;
        uint32_t m = 0;
        for (int l = 0; l < 16; l++) if (l >= lo && l < hi) m |= 1u << l;
        in_image[q] = (__mmask16)m;
    }
    const __m512i pick_lo = _mm512_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28, 0, 0, 0, 0, 0, 0, 0, 0);
    const __m512i pick_hi = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 8, 12, 16, 20, 24, 28);
    for (int64_t c = c_begin; c < c_end; c++) {
        const float *xc = x + c * g->in_h * g->in_w;
        for (int64_t ty = 0; ty < tiles_h; ty++) {
            const int64_t h0 = ty * 4 - g->pad_top;
            for (int64_t q = 0; q < vecs; q++) {
                __m512 d[6], o[6];
#pragma clang loop unroll(full)
                for (int i = 0; i < 6; i++) {
                    const int64_t h = h0 + i;
                    d[i] = h < 0 || h >= g->in_h ? _mm512_setzero_ps()
                        : _mm512_maskz_loadu_ps(in_image[q], xc + h * g->in_w + q * 16 - g->pad_left);
                }
                bt6(d, o);
#pragma clang loop unroll(full)
                for (int r = 0; r < 6; r++) _mm512_storeu_ps(&col[r][q * 16], o[r]);
            }
            const int64_t t_row = ty * tiles_w;
            for (int64_t tx0 = 0; tx0 < tiles_w; tx0 += 16) {
                const int64_t n = tiles_w - tx0 < 16 ? tiles_w - tx0 : 16;
                const __mmask16 keep = (__mmask16)(n == 16 ? 0xFFFF : (1u << n) - 1);
#pragma clang loop unroll(full)
                for (int r = 0; r < 6; r++) {
                    __m512 d[6], o[6];
#pragma clang loop unroll(full)
                    for (int j = 0; j < 6; j++) {
                        const float *src = &col[r][tx0 * 4 + j];
                        const __m512 lo = _mm512_permutex2var_ps(_mm512_loadu_ps(src), pick_lo, _mm512_loadu_ps(src + 16));
                        d[j] = _mm512_mask_blend_ps(0xFF00, lo,
                                                    _mm512_permutex2var_ps(_mm512_loadu_ps(src + 32), pick_hi, _mm512_loadu_ps(src + 48)));
                    }
                    bt6(d, o);
#pragma clang loop unroll(full)
                    for (int j = 0; j < 6; j++)
                        _mm512_mask_storeu_ps(v + ((r * 6 + j) * channels + c) * ld + t_row + tx0, keep, o[j]);
                }
            }
        }
    }
}
#undef T
#endif

int onyx_winograd43_input_avx512(const float *x, const onyx_conv_geometry *g, int64_t channels, int64_t c_begin,
                                 int64_t c_end, int64_t tiles_h, int64_t tiles_w, float *v) {
#if defined(__x86_64__) && defined(__clang__)
    // The column buffers live on the stack: very wide images take the scalar transform.
    if (!onyx_cpu_has_avx512() || tiles_w * 4 + 2 > MAX_WIDTH) return 0;
    input_avx512(x, g, channels, c_begin, c_end, tiles_h, tiles_w, v);
    return 1;
#else
    (void)x; (void)g; (void)channels; (void)c_begin; (void)c_end; (void)tiles_h; (void)tiles_w; (void)v;
    return 0;
#endif
}
