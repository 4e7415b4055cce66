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

// Where the values of im2col row k, pixel j (counted from p0) go: row-major rows `width`
// apart, or B panels of ONYX_PANEL_NR columns laid out [k][NR] (onyx_gemm_panels), where a
// piece of 16 pixels can straddle two panels and is stored in two masked parts.
typedef struct { float *col; int64_t width, kdim; int panels; } destination;

__attribute__((target("avx512f"), always_inline))
static inline void put(const destination *d, int64_t k, int64_t j, __m512 v, __mmask16 out) {
    if (!d->panels) {
        _mm512_mask_storeu_ps(d->col + k * d->width + j, out, v);
        return;
    }
    const int64_t l0 = j & (ONYX_PANEL_NR - 1);
    float *at = d->col + (j - l0) * d->kdim + k * ONYX_PANEL_NR + l0;
    if (l0 <= ONYX_PANEL_NR - 16) {
        _mm512_mask_storeu_ps(at, out, v);
        return;
    }
    const __mmask16 first = (__mmask16)((1u << (ONYX_PANEL_NR - l0)) - 1);   // lanes left in this panel
    _mm512_mask_storeu_ps(at, out & first, v);
    _mm512_mask_storeu_ps(at + ONYX_PANEL_NR * d->kdim - ONYX_PANEL_NR, out & (__mmask16)~first, v);
}

// One output-row piece: 16 pixels whose input columns start at src[s0] (every `sw`-th);
// the loads' masks keep the lanes whose input column lies in the image.
__attribute__((target("avx512f"), always_inline))
static inline __m512 piece(const float *src, int64_t s0, int64_t sw, __mmask16 lo_mask, __mmask16 hi_mask,
                           __m512i evens) {
    if (sw == 1) return _mm512_maskz_loadu_ps(lo_mask, src + s0);
    return _mm512_permutex2var_ps(_mm512_maskz_loadu_ps(lo_mask, src + s0), evens,
                                  _mm512_maskz_loadu_ps(hi_mask, src + s0 + 16));
}

__attribute__((target("avx512f"), always_inline))
static inline void im2col_to(const float *x, const onyx_conv_geometry *g, const destination *d, int64_t p0, int64_t p1) {
    const int64_t kh = g->kernel_h, kw = g->kernel_w, sw = g->stride_w, ow_n = g->out_w;
    const int64_t pieces = (ow_n + 15) / 16;
    const __m512i evens = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    // Masks of whole output rows, per (kj, piece): the same for every channel and row.
    __mmask16 lo_masks[MAX_MASKS], hi_masks[MAX_MASKS], out_masks[MAX_MASKS];   // pieces <= MAX_MASKS (covered)
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
            const int64_t k0 = (c * kh + ki) * kw;   // im2col row of kj = 0
            int64_t oh = p0 / ow_n, a = p0 % ow_n;
            for (int64_t p = p0; p < p1; oh++, a = 0) {
                const int64_t b = oh * ow_n + ow_n > p1 ? p1 - oh * ow_n : ow_n;
                const int64_t j0 = oh * ow_n - p0;   // pixel index of the row's column 0
                const int64_t ih = oh * g->stride_h - g->pad_top + ki;
                if (ih < 0 || ih >= g->in_h) {
                    for (int64_t kj = 0; kj < kw; kj++)
                        for (int64_t o = a; o < b; o += 16) put(d, k0 + kj, j0 + o, _mm512_setzero_ps(), lanes_between(0, b - o));
                } else if (a == 0 && b == ow_n) {
                    const float *src = xc + ih * g->in_w - g->pad_left;
                    for (int64_t kj = 0; kj < kw; kj++) {
                        const __mmask16 *lm = lo_masks + kj * pieces, *hm = hi_masks + kj * pieces;
                        for (int64_t q = 0; q < pieces; q++)
                            put(d, k0 + kj, j0 + q * 16, piece(src + kj, q * 16 * sw, sw, lm[q], hm[q], evens), out_masks[q]);
                    }
                } else {   // the first or last row of the range, cut short
                    const float *src = xc + ih * g->in_w;
                    for (int64_t kj = 0; kj < kw; kj++) {
                        for (int64_t o = a; o < b; o += 16) {
                            const __mmask16 out = lanes_between(0, b - o);
                            const int64_t s0 = o * sw + kj - g->pad_left;
                            put(d, k0 + kj, j0 + o,
                                piece(src, s0, sw, lanes_between(-s0, g->in_w - s0) & (sw == 1 ? out : 0xFFFF),
                                      lanes_between(-s0 - 16, g->in_w - s0 - 16), evens), out);
                        }
                    }
                }
                p += b - a;
            }
        }
    }
}

__attribute__((target("avx512f")))
static void im2col_rows(const float *x, const onyx_conv_geometry *g, float *col, int64_t p0, int64_t p1, int64_t width) {
    const destination d = {col, width, 0, 0};
    im2col_to(x, g, &d, p0, p1);
}

__attribute__((target("avx512f")))
static void im2col_panels(const float *x, const onyx_conv_geometry *g, float *pb, int64_t p0, int64_t p1) {
    const int64_t k = g->channels * g->kernel_h * g->kernel_w;
    const destination d = {pb, 0, k, 1};
    im2col_to(x, g, &d, p0, p1);
    // The last panel's columns past the range are zero (the GEMM reads whole panels).
    const int64_t n = p1 - p0, rem = n % ONYX_PANEL_NR;
    if (rem) {
        float *last = pb + (n - rem) * k;
        const __mmask16 lo = lanes_between(rem, 16), hi = lanes_between(rem - 16, 16);
        for (int64_t kk = 0; kk < k; kk++) {
            _mm512_mask_storeu_ps(last + kk * ONYX_PANEL_NR, lo, _mm512_setzero_ps());
            _mm512_mask_storeu_ps(last + kk * ONYX_PANEL_NR + 16, hi, _mm512_setzero_ps());
        }
    }
}

// The convs these loops take: strides 1 and 2, no dilation, mask tables that fit.
static int covered(const onyx_conv_geometry *g) {
    return onyx_cpu_has_avx512() && (g->stride_w == 1 || g->stride_w == 2) && g->dilation_h == 1 && g->dilation_w == 1
        && (g->out_w + 15) / 16 * g->kernel_w <= MAX_MASKS;
}
#endif

int onyx_im2col_avx512(const float *x, const onyx_conv_geometry *g, float *col, int64_t p0, int64_t p1,
                       int64_t width) {
#if defined(__x86_64__) && defined(__clang__)
    if (!covered(g)) return 0;
    im2col_rows(x, g, col, p0, p1, width);
    return 1;
#else
    (void)x; (void)g; (void)col; (void)p0; (void)p1; (void)width;
    return 0;
#endif
}


void onyx_im2col_panels_f32(const float *x, const onyx_conv_geometry *g, float *pb, int64_t p0, int64_t p1) {
    if (p1 <= p0) return;
#if defined(__x86_64__) && defined(__clang__)
    if (covered(g)) {
        im2col_panels(x, g, pb, p0, p1);
        return;
    }
#endif
    // Other convs (or no AVX-512, where the panel GEMM does not run either): one panel at a time.
    const int64_t k = g->channels * g->kernel_h * g->kernel_w;
    for (int64_t q = 0; p0 + q * ONYX_PANEL_NR < p1; q++) {
        const int64_t a = p0 + q * ONYX_PANEL_NR, b = a + ONYX_PANEL_NR < p1 ? a + ONYX_PANEL_NR : p1;
        float *dst = pb + q * ONYX_PANEL_NR * k;
        onyx_im2col_range_ld_f32(x, g, dst, a, b, ONYX_PANEL_NR);
        for (int64_t kk = 0; kk < k && b - a < ONYX_PANEL_NR; kk++)
            for (int64_t j = b - a; j < ONYX_PANEL_NR; j++) dst[kk * ONYX_PANEL_NR + j] = 0.0f;
    }
}
