#include "onyx_kernels.h"
#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>
#endif

// im2col with AVX-512 for strides 1 and 2 (dilation 1): each output-row piece of up to 16
// pixels of a (channel, ki, kj) row is one masked load (two and a permute at stride 2)
// and one masked store; the mask on the load leaves the padding's zeros, so no bounds are
// worked out per element. The scalar im2col (im2col.c) pays per segment, which on small
// images (7-14 pixels per output row: the late stages of ResNets) came to 1.5-2.8 ns per
// element.

#if defined(__x86_64__) && defined(__clang__)
__attribute__((target("avx512f"), always_inline))
static inline __mmask16 lanes_between(int64_t lo, int64_t hi) {   // lanes l with lo <= l < hi
    if (lo < 0) lo = 0;
    if (hi > 16) hi = 16;
    if (hi <= lo) return 0;
    return (__mmask16)((((uint32_t)1 << (hi - lo)) - 1) << lo);
}

enum { MAX_MASKS = 1024 };

// One output-row piece: lanes [o, o + 16) of the row, `out` of them kept; the loads' masks
// keep the lanes whose input column lies in the image.
__attribute__((target("avx512f"), always_inline))
static inline void piece(const float *src, float *dst, int64_t s0, int64_t sw, __mmask16 lo_mask, __mmask16 hi_mask,
                         __mmask16 out, __m512i evens) {
    __m512 v;
    if (sw == 1) {
        v = _mm512_maskz_loadu_ps(lo_mask, src + s0);
    } else {
        v = _mm512_permutex2var_ps(_mm512_maskz_loadu_ps(lo_mask, src + s0), evens,
                                   _mm512_maskz_loadu_ps(hi_mask, src + s0 + 16));
    }
    _mm512_mask_storeu_ps(dst, out, v);
}

__attribute__((target("avx512f")))
static void im2col_avx512(const float *x, const onyx_conv_geometry *g, float *col, int64_t p0, int64_t p1,
                          int64_t width) {
    const int64_t kh = g->kernel_h, kw = g->kernel_w, sw = g->stride_w, ow_n = g->out_w;
    const int64_t pieces = (ow_n + 15) / 16;
    const __m512i evens = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    // Masks of whole output rows, per (kj, piece): the same for every channel and row.
    __mmask16 lo_masks[MAX_MASKS], hi_masks[MAX_MASKS], out_masks[MAX_MASKS / 4];
    for (int64_t q = 0; q < pieces; q++) out_masks[q] = lanes_between(0, ow_n - q * 16);
    for (int64_t kj = 0; kj < kw; kj++) {
        for (int64_t q = 0; q < pieces; q++) {
            const int64_t s0 = q * 16 * sw + kj - g->pad_left;   // input column of the piece's lane 0
            lo_masks[kj * pieces + q] = lanes_between(-s0, g->in_w - s0) & (sw == 1 ? out_masks[q] : 0xFFFF);
            hi_masks[kj * pieces + q] = lanes_between(-s0 - 16, g->in_w - s0 - 16);
        }
    }
    for (int64_t c = 0; c < g->channels; c++) {
        const float *xc = x + c * g->in_h * g->in_w;
        for (int64_t ki = 0; ki < kh; ki++) {
            float *rows = col + (c * kh + ki) * kw * width - p0;   // rows[kj * width + p] for pixel p
            int64_t oh = p0 / ow_n, a = p0 % ow_n;
            for (int64_t p = p0; p < p1; oh++, a = 0) {
                const int64_t b = oh * ow_n + ow_n > p1 ? p1 - oh * ow_n : ow_n;
                float *dst = rows + oh * ow_n;
                const int64_t ih = oh * g->stride_h - g->pad_top + ki;
                if (ih < 0 || ih >= g->in_h) {
                    for (int64_t kj = 0; kj < kw; kj++)
                        for (int64_t o = a; o < b; o += 16)
                            _mm512_mask_storeu_ps(dst + kj * width + o, lanes_between(0, b - o), _mm512_setzero_ps());
                } else if (a == 0 && b == ow_n) {
                    const float *src = xc + ih * g->in_w - g->pad_left;
                    for (int64_t kj = 0; kj < kw; kj++) {
                        const __mmask16 *lm = lo_masks + kj * pieces, *hm = hi_masks + kj * pieces;
                        for (int64_t q = 0; q < pieces; q++)
                            piece(src + kj, dst + kj * width + q * 16, q * 16 * sw, sw, lm[q], hm[q], out_masks[q], evens);
                    }
                } else {   // the first or last row of the range, cut short
                    const float *src = xc + ih * g->in_w;
                    for (int64_t kj = 0; kj < kw; kj++) {
                        for (int64_t o = a; o < b; o += 16) {
                            const __mmask16 out = lanes_between(0, b - o);
                            const int64_t s0 = o * sw + kj - g->pad_left;
                            piece(src, dst + kj * width + o, s0, sw,
                                  lanes_between(-s0, g->in_w - s0) & (sw == 1 ? out : 0xFFFF),
                                  lanes_between(-s0 - 16, g->in_w - s0 - 16), out, evens);
                        }
                    }
                }
                p += b - a;
            }
        }
    }
}
#endif

int onyx_im2col_avx512(const float *x, const onyx_conv_geometry *g, float *col, int64_t p0, int64_t p1,
                       int64_t width) {
#if defined(__x86_64__) && defined(__clang__)
    if (!onyx_cpu_has_avx512() || (g->stride_w != 1 && g->stride_w != 2) || g->dilation_h != 1 || g->dilation_w != 1
        || (g->out_w + 15) / 16 * g->kernel_w > MAX_MASKS)
        return 0;
    im2col_avx512(x, g, col, p0, p1, width);
    return 1;
#else
    (void)x; (void)g; (void)col; (void)p0; (void)p1; (void)width;
    return 0;
#endif
}
