#ifndef ONYX_KERNELS_H
#define ONYX_KERNELS_H
#include <stddef.h>
#include <stdint.h>

/// Geometry of one 2-D convolution image (1-D convs use height 1).
typedef struct {
    int64_t channels, in_h, in_w;
    int64_t kernel_h, kernel_w;
    int64_t pad_top, pad_left;
    int64_t stride_h, stride_w;
    int64_t dilation_h, dilation_w;
    int64_t out_h, out_w;
    int64_t pad_bottom, pad_right;   /* used by average pooling's count_include_pad */
} onyx_conv_geometry;

/// Runs with AVX2+FMA code on CPUs that have it and portable code elsewhere (an ifunc
/// resolver picks the clone once, at load). Not under ThreadSanitizer: clang instruments the
/// resolver too, and it runs during relocation, before TSan's runtime exists (a segfault in
/// __tsan_func_entry at start: why `make test-tsan` used to die before its first test).
#ifndef __has_feature
#define __has_feature(x) 0
#endif
#if defined(__x86_64__) && defined(__clang__) && !__has_feature(thread_sanitizer)
#define ONYX_MULTIVERSION __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define ONYX_MULTIVERSION
#endif

/// 1 when this CPU runs AVX-512F code (asked once per process).
int onyx_cpu_has_avx512(void);

/// The opaque run allocator bound to the calling thread (NULL when none).
void *onyx_thread_run_allocator(void);
void onyx_thread_set_run_allocator(void *allocator);
/// The cap on compute threads for runs on the calling thread (0: none).
int onyx_thread_max_threads(void);
void onyx_thread_set_max_threads(int threads);

/// One part of a pool job.
typedef void (*onyx_pool_fn)(void *ctx, int part);
/// Runs fn(ctx, 0..<parts) on Onyx's persistent compute threads together with the calling
/// thread, and returns when every part has finished. Parts are claimed one at a time, so a
/// late thread never holds the others up. While the pool runs another job (another session,
/// or a call from inside a part) the caller runs all parts itself. Returns 1 when the pool
/// took the job, 0 when the caller ran it alone.
int onyx_pool_run(int parts, onyx_pool_fn fn, void *ctx);

/// Max pooling of `planes` images of g->in_h x g->in_w (g->channels ignored).
/// indices (may be NULL) receive the argmax as a flat row-major index within the plane.
void onyx_maxpool2d_f32(const float *x, float *y, int64_t *indices, int64_t planes, const onyx_conv_geometry *g);

/// Max pooling over 2x2, 2x3, 3x2 or 3x3 windows at stride 2 across (any stride down; dilation
/// 1, no indices) with AVX-512, called by onyx_maxpool2d_f32; returns 0 (y untouched) for
/// other pools or without AVX-512.
int onyx_maxpool_s2_avx512(const float *x, float *y, int64_t planes, const onyx_conv_geometry *g);

/// Average pooling; count_include_pad divides by the window's positions inside the padded
/// input, otherwise by its positions inside the real input.
void onyx_avgpool2d_f32(const float *x, float *y, int64_t planes, const onyx_conv_geometry *g, int count_include_pad);

/// y[p] = mean of x[p*size .. (p+1)*size) for each of `planes` planes (0 for empty planes).
void onyx_global_avgpool_f32(const float *x, float *y, int64_t planes, int64_t size);

/// im2col for output pixels [p0, p1): col[(c*kh + i)*kw + j][p - p0] =
/// x[c][oh*sh - pt + i*dh][ow*sw - pl + j*dw] with p = oh*out_w + ow, 0 outside the image.
void onyx_im2col_range_f32(const float *x, const onyx_conv_geometry *g, float *col, int64_t p0, int64_t p1);
/// The same with rows `ld` floats apart (ld >= p1 - p0): several images side by side.
void onyx_im2col_range_ld_f32(const float *x, const onyx_conv_geometry *g, float *col, int64_t p0, int64_t p1,
                              int64_t ld);
/// onyx_im2col_range_ld_f32 with AVX-512 for strides 1 and 2 and dilation 1 (called by it);
/// returns 0 (col untouched) for other convs or when the CPU lacks AVX-512.
int onyx_im2col_avx512(const float *x, const onyx_conv_geometry *g, float *col, int64_t p0, int64_t p1,
                       int64_t width);

/// Direct conv for a first layer (1-4 input channels, no dilation, one group), AVX-512:
/// `applies` says whether this CPU and geometry take it; `prepare` writes the padded input
/// split by column phase into `scratch_floats(g)` floats; `rows` computes output rows
/// [oh0, oh1) of all m channels (weights m x channels*kh*kw) with bias and activation.
int onyx_conv_first_layer_applies(const onyx_conv_geometry *g);
int64_t onyx_conv_first_layer_scratch_floats(const onyx_conv_geometry *g);
void onyx_conv_first_layer_prepare(const float *x, const onyx_conv_geometry *g, float *phases);
void onyx_conv_first_layer_rows(const float *phases, const onyx_conv_geometry *g, const float *w, const float *bias,
                                int64_t m, float *y, int64_t oh0, int64_t oh1, int act, float alpha, float beta);

/// Epilogue over a block of rows: y[m*ldy + j] = act(y[m*ldy + j] * (scale ? scale[m] : 1)
///                          + (bias ? bias[m] : 0) + (res ? res[m*ldr + j] : 0)), j < cols.
void onyx_rows_epilogue_f32(float *y, int64_t ldy, int64_t rows, int64_t cols, const float *scale, const float *bias,
                            const float *res, int64_t ldr, int act, float alpha, float beta);

/// Gemm's epilogue, a bias per column: y[i][j] = act(y[i][j] + bias_scale * bias[j]) for a
/// rows x cols row-major y.
void onyx_cols_epilogue_f32(float *y, int64_t rows, int64_t cols, const float *bias, float bias_scale,
                            int act, float alpha, float beta);

/// Activation applied by epilogues and the standalone activation ops.
typedef enum { ONYX_ACT_NONE = 0, ONYX_ACT_RELU = 1, ONYX_ACT_CLIP = 2, ONYX_ACT_LEAKY = 3 } onyx_activation;

/// One value through an activation (branch-free forms, so loops over it vectorize).
/// NaN passes through every activation unchanged, as onnxruntime does.
static inline float onyx_activate(float v, int act, float alpha, float beta) {
    switch (act) {
    case ONYX_ACT_RELU: return v < 0.0f ? 0.0f : v;
    case ONYX_ACT_CLIP: v = v < alpha ? alpha : v; return v > beta ? beta : v;
    case ONYX_ACT_LEAKY: return v < 0.0f ? v * alpha : v;
    default: return v;
    }
}

/// y[i] = act(x[i]); for CLIP alpha/beta are min/max, for LEAKY alpha is the slope.
void onyx_activation_f32(const float *x, float *y, int64_t n, int act, float alpha, float beta);

/// y[c*plane + i] = act(y[c*plane + i] * (scale ? scale[c] : 1) + (shift ? shift[c] : 0)
///                      + (residual ? residual[c*plane + i] : 0)) for c < channels.
void onyx_channel_epilogue_f32(float *y, const float *scale, const float *shift, const float *residual,
                               int64_t channels, int64_t plane, int act, float alpha, float beta);

/// Softmax (or LogSoftmax) over `len` elements `inner` apart, for each of outer x inner
/// rows, with a polynomial exp that vectorizes. Returns 0 (y unwritten) only if the
/// scratch for strided rows (2 * inner floats) cannot be allocated, else 1.
int onyx_softmax_f32(const float *x, float *y, int64_t outer, int64_t len, int64_t inner, int log_softmax);

/// y = x with x[c*plane + i] * scale[c] + shift[c] (BatchNormalization folded to an affine map).
void onyx_channel_affine_f32(const float *x, float *y, const float *scale, const float *shift,
                             int64_t channels, int64_t plane);

/// Depthwise 2-D conv (group == input channels; `multiplier` output channels per input
/// channel) with bias and activation fused; g->channels is ignored.
void onyx_depthwise_conv2d_f32(const float *x, const float *w, const float *bias, float *y,
                               int64_t out_channels, int64_t multiplier, const onyx_conv_geometry *g,
                               int act, float alpha, float beta);

/// Copies one input plane into the interior of a zero-bordered ph x pw buffer (pad_top rows
/// and pad_left columns of border before it; what does not fit is left out), for the 3x3
/// depthwise kernels.
void onyx_depthwise_pad_plane(const float *xc, const onyx_conv_geometry *g, float *padded, int64_t ph, int64_t pw);

/// 3x3 depthwise conv (stride 1 or 2, dilation 1) with AVX2+FMA intrinsics. Returns 0
/// without touching y when the CPU lacks AVX2/FMA or the geometry is not covered.
int onyx_depthwise3x3_avx2(const float *x, const float *w, const float *bias, float *y,
                           int64_t out_channels, int64_t multiplier, const onyx_conv_geometry *g,
                           int act, float alpha, float beta);

/// The same with AVX-512 (sixteen outputs per vector) for rows of more than 8 outputs;
/// returns 0 without touching y otherwise or when the CPU lacks AVX-512.
int onyx_depthwise3x3_avx512(const float *x, const float *w, const float *bias, float *y, int64_t out_channels,
                             int64_t multiplier, const onyx_conv_geometry *g, int act, float alpha, float beta);

/// GEMM C = A * B with Onyx's own micro-kernel (AVX-512, AVX2+FMA or portable, chosen once
/// at first use) for A packed once: panels of ONYX_GEMM_MR rows laid out [k][MR] (weights,
/// packed at load). B is row-major k x n (row stride ldb), read in place in panels of
/// ONYX_GEMM_NR columns.
#define ONYX_GEMM_MR 16
#define ONYX_GEMM_NR 16
int64_t onyx_gemm_packed_a_floats(int64_t m, int64_t k);
void onyx_gemm_pack_a(const float *a, int64_t lda, int64_t m, int64_t k, float *pa);
/// Computes the columns of panels [panel_begin, panel_end) of C (m x n, row stride ldc):
/// threads can split the columns.
void onyx_gemm_packed(int64_t m, int64_t n, int64_t k, const float *pa, const float *b, int64_t ldb,
                      float *c, int64_t ldc, int64_t panel_begin, int64_t panel_end);
/// C = A * B for few columns (n up to a few dozen, e.g. convs on 7x7 images) with A packed
/// by onyx_gemm_pack_a: computes rows [row_begin, row_end) of C (row_begin a multiple of
/// ONYX_GEMM_MR; B row-major k x n, row stride ldb). AVX-512 only: does nothing unless
/// onyx_gemm_narrow_available() returns 1.
int onyx_gemm_narrow_available(void);
void onyx_gemm_narrow(int64_t m, int64_t n, int64_t k, const float *pa, const float *b, int64_t ldb, float *c,
                      int64_t ldc, int64_t row_begin, int64_t row_end);
/// C = A * B with both operands in panels (AVX-512 only: does nothing unless
/// onyx_gemm_panels_available() returns 1). A: panels of ONYX_PANEL_MR rows laid out
/// [k][MR], zero rows past m (onyx_gemm_panels_pack_a). B: panels of ONYX_PANEL_NR columns
/// laid out [k][NR], zero columns past n (onyx_gemm_panels_pack_b, onyx_im2col_panels_f32).
/// Computes rows [row_begin, row_end) of C (m x n, row stride ldc; row_begin a multiple
/// of ONYX_PANEL_MR), so threads can split the rows. With `ep` (may be NULL) each row r of
/// C becomes act(C * scale[r] + bias[r] + residual[r * ldr + j]) as it is stored.
#define ONYX_PANEL_MR 12
#define ONYX_PANEL_NR 32
int onyx_gemm_panels_available(void);
int64_t onyx_gemm_panels_a_floats(int64_t m, int64_t k);
int64_t onyx_gemm_panels_b_floats(int64_t n, int64_t k);
void onyx_gemm_panels_pack_a(const float *a, int64_t lda, int64_t m, int64_t k, float *pa);
void onyx_gemm_panels_pack_b(const float *b, int64_t ldb, int64_t k, int64_t n, float *pb);
typedef struct {
    const float *scale, *bias;   /* per row of C; NULL: 1 and 0 */
    const float *residual;       /* laid out as C with row stride ldr; NULL: none */
    int64_t ldr;
    int act;
    float alpha, beta;
} onyx_epilogue;
void onyx_gemm_panels(int64_t m, int64_t n, int64_t k, const float *pa, const float *pb, float *c, int64_t ldc,
                      int64_t row_begin, int64_t row_end, const onyx_epilogue *ep);
/// im2col of output pixels [p0, p1) straight into B panels (onyx_gemm_panels_b_floats(p1 - p0,
/// channels * kernel_h * kernel_w) floats), the last panel's missing columns zero.
void onyx_im2col_panels_f32(const float *x, const onyx_conv_geometry *g, float *pb, int64_t p0, int64_t p1);
/// "avx512", "avx2" or "portable": the micro-kernel this CPU runs.
const char *onyx_gemm_packed_isa(void);
/// onyx_gemm_packed with the named micro-kernel ("portable", "avx2", "avx512"), for tests of
/// each kernel; returns 0 without computing if this CPU cannot run it.
int onyx_gemm_packed_isa_run(const char *isa, int64_t m, int64_t n, int64_t k, const float *pa, const float *b,
                             int64_t ldb, float *c, int64_t ldc, int64_t panel_begin, int64_t panel_end);

/// Winograd F(4x4,3x3) weight transform: u[xi][m][c] = (G w[m][c] G^T)[xi], 36*M*C floats
/// (row-major per xi; pack each with onyx_gemm_pack_a).
void onyx_winograd43_weights(const float *w, int64_t out_channels, int64_t in_channels, float *u);

/// Row stride of the Winograd matrices v[xi] and mm[xi]: the tile count rounded up to 16
/// floats, so each row starts on a 64-byte line and GEMM reads whole lines.
static inline int64_t onyx_winograd43_row_stride(int64_t tiles) { return (tiles + 15) & ~(int64_t)15; }

/// Input transform of one image (rows of v[xi] onyx_winograd43_row_stride(tiles) apart): v[xi][c][t] = (B^T d_t B)[xi] for each 6x6 tile d_t
/// starting at (4*ty - pad_top, 4*tx - pad_left), zero outside the image.
/// Channels [c_begin, c_end) only, so threads can split the work.
void onyx_winograd43_input(const float *x, const onyx_conv_geometry *g, int64_t channels,
                           int64_t c_begin, int64_t c_end, int64_t tiles_h, int64_t tiles_w, float *v);

/// The input transform with AVX-512 (sixteen tiles per vector, see winograd43_avx512.c),
/// called by onyx_winograd43_input; returns 0 (v untouched) when the CPU lacks AVX-512.
int onyx_winograd43_input_avx512(const float *x, const onyx_conv_geometry *g, int64_t channels, int64_t c_begin,
                                 int64_t c_end, int64_t tiles_h, int64_t tiles_w, float *v);

/// Output transform of one image (mm rows onyx_winograd43_row_stride(tiles) apart): y[m] tile t = A^T mm[.][m][t] A, clipped to the output.
/// Output channels [m_begin, m_end) only, with the epilogue fused:
/// y = act(tile + bias[m] + residual[m, oh, ow]) (bias and residual may be NULL).
void onyx_winograd43_output(const float *mm, int64_t out_channels, int64_t m_begin, int64_t m_end,
                            const onyx_conv_geometry *g, int64_t tiles_h, int64_t tiles_w, float *y,
                            const float *bias, const float *residual, int act, float alpha, float beta);

#endif
