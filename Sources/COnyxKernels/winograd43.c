#include "onyx_kernels.h"

// Winograd F(4x4, 3x3): a 3x3 stride-1 conv computed per 4x4 output tile from a 6x6
// input tile as Y = A^T [ (G g G^T) .* (B^T d B) ] A, i.e. 36 multiplies per tile and
// channel pair instead of 144. The 36 element-wise products over all channels become
// 36 independent GEMMs, done by onyx_gemm_packed (weights packed once) between the input
// and output transforms.
//
// 1-D forms (applied to columns, then rows):
//   B^T d: [4d0 - 5d2 + d4, -4d1 - 4d2 + d3 + d4, 4d1 - 4d2 - d3 + d4,
//           -2d1 - d2 + 2d3 + d4, 2d1 - d2 - 2d3 + d4, 4d1 - 5d3 + d5]
//   G g:   [g0/4, -(g0+g1+g2)/6, -(g0-g1+g2)/6, g0/24 + g1/12 + g2/6, g0/24 - g1/12 + g2/6, g2]
//   A^T m: [m0+m1+m2+m3+m4, m1-m2+2m3-2m4, m1+m2+4m3+4m4, m1-m2+8m3-8m4+m5]

static inline void g3(const float *g, int s, float *u, int us) {
    const float g0 = g[0], g1 = g[s], g2 = g[2 * s];
    u[0] = g0 / 4;
    u[us] = -(g0 + g1 + g2) / 6;
    u[2 * us] = -(g0 - g1 + g2) / 6;
    u[3 * us] = g0 / 24 + g1 / 12 + g2 / 6;
    u[4 * us] = g0 / 24 - g1 / 12 + g2 / 6;
    u[5 * us] = g2;
}

void onyx_winograd43_weights(const float *w, int64_t out_channels, int64_t in_channels, float *u) {
    for (int64_t m = 0; m < out_channels; m++) {
        for (int64_t c = 0; c < in_channels; c++) {
            const float *g = w + (m * in_channels + c) * 9;
            float tmp[6 * 3], full[36];
            for (int j = 0; j < 3; j++) g3(g + j, 3, tmp + j, 3);        // columns: tmp[6][3]
            for (int i = 0; i < 6; i++) g3(tmp + i * 3, 1, full + i * 6, 1); // rows: full[6][6]
            for (int xi = 0; xi < 36; xi++) u[(xi * out_channels + m) * in_channels + c] = full[xi];
        }
    }
}

// Both transforms work on a whole row of tiles at once so the inner loops run over
// tiles (or input columns) with unit stride and vectorize: the input transform first
// combines the six input rows for every column of the tile row, then combines columns
// within each tile; the output transform does the same in reverse order.

ONYX_MULTIVERSION
void onyx_winograd43_input(const float *x, const onyx_conv_geometry *g, int64_t channels,
                           int64_t c_begin, int64_t c_end, int64_t tiles_h, int64_t tiles_w, float *v) {
    if (onyx_winograd43_input_avx512(x, g, channels, c_begin, c_end, tiles_h, tiles_w, v)) return;
    const int64_t tiles = onyx_winograd43_row_stride(tiles_h * tiles_w); // row stride of v / mm
    const int64_t width = tiles_w * 4 + 2; // input columns a tile row reads
    float rows[6][width];
    float col[6][width];                   // B^T applied down the six rows, per column
    for (int64_t c = c_begin; c < c_end; c++) {
        const float *xc = x + c * g->in_h * g->in_w;
        for (int64_t ty = 0; ty < tiles_h; ty++) {
            const int64_t h0 = ty * 4 - g->pad_top, w0 = -g->pad_left;
            for (int i = 0; i < 6; i++) {
                const int64_t h = h0 + i;
                float *r = rows[i];
                if (h < 0 || h >= g->in_h) {
                    for (int64_t w = 0; w < width; w++) r[w] = 0.0f;
                    continue;
                }
                const float *src = xc + h * g->in_w;
                for (int64_t w = 0; w < width; w++) {
                    const int64_t iw = w0 + w;
                    r[w] = (iw >= 0 && iw < g->in_w) ? src[iw] : 0.0f;
                }
            }
            for (int64_t w = 0; w < width; w++) {
                const float d0 = rows[0][w], d1 = rows[1][w], d2 = rows[2][w], d3 = rows[3][w], d4 = rows[4][w], d5 = rows[5][w];
                col[0][w] = 4 * d0 - 5 * d2 + d4;
                col[1][w] = -4 * d1 - 4 * d2 + d3 + d4;
                col[2][w] = 4 * d1 - 4 * d2 - d3 + d4;
                col[3][w] = -2 * d1 - d2 + 2 * d3 + d4;
                col[4][w] = 2 * d1 - d2 - 2 * d3 + d4;
                col[5][w] = 4 * d1 - 5 * d3 + d5;
            }
            const int64_t t0 = ty * tiles_w;
            for (int r = 0; r < 6; r++) {
                const float *cr = col[r];
                float *o0 = v + ((r * 6 + 0) * channels + c) * tiles + t0;
                float *o1 = v + ((r * 6 + 1) * channels + c) * tiles + t0;
                float *o2 = v + ((r * 6 + 2) * channels + c) * tiles + t0;
                float *o3 = v + ((r * 6 + 3) * channels + c) * tiles + t0;
                float *o4 = v + ((r * 6 + 4) * channels + c) * tiles + t0;
                float *o5 = v + ((r * 6 + 5) * channels + c) * tiles + t0;
                for (int64_t k = 0; k < tiles_w; k++) {
                    const float *d = cr + 4 * k;
                    const float d0 = d[0], d1 = d[1], d2 = d[2], d3 = d[3], d4 = d[4], d5 = d[5];
                    o0[k] = 4 * d0 - 5 * d2 + d4;
                    o1[k] = -4 * d1 - 4 * d2 + d3 + d4;
                    o2[k] = 4 * d1 - 4 * d2 - d3 + d4;
                    o3[k] = -2 * d1 - d2 + 2 * d3 + d4;
                    o4[k] = 2 * d1 - d2 - 2 * d3 + d4;
                    o5[k] = 4 * d1 - 5 * d3 + d5;
                }
            }
        }
    }
}

// The output transform runs over all tiles of a channel at once (in chunks of CHUNK), not a
// tile row at a time: a channel's row of mm is contiguous across every tile, so the loops
// have the length to vectorize (tile rows of small images are 4 to 14 tiles, which ran as
// scalar code), and the buffers have a fixed size.
enum { CHUNK = 128 };

ONYX_MULTIVERSION
void onyx_winograd43_output(const float *mm, int64_t out_channels, int64_t m_begin, int64_t m_end,
                            const onyx_conv_geometry *g, int64_t tiles_h, int64_t tiles_w, float *y,
                            const float *bias, const float *residual, int act, float alpha, float beta) {
    const int64_t tiles = tiles_h * tiles_w;
    const int64_t ld = onyx_winograd43_row_stride(tiles); // row stride of v / mm
    float s[4][6][CHUNK];     // A^T applied over the tile element rows
    float out[4][4][CHUNK];
    for (int64_t m = m_begin; m < m_end; m++) {
        float *ym = y + m * g->out_h * g->out_w;
        for (int64_t t0 = 0; t0 < tiles; t0 += CHUNK) {
            const int64_t n = tiles - t0 < CHUNK ? tiles - t0 : CHUNK;
            for (int j = 0; j < 6; j++) {
                const float *r0 = mm + ((0 * 6 + j) * out_channels + m) * ld + t0;
                const float *r1 = mm + ((1 * 6 + j) * out_channels + m) * ld + t0;
                const float *r2 = mm + ((2 * 6 + j) * out_channels + m) * ld + t0;
                const float *r3 = mm + ((3 * 6 + j) * out_channels + m) * ld + t0;
                const float *r4 = mm + ((4 * 6 + j) * out_channels + m) * ld + t0;
                const float *r5 = mm + ((5 * 6 + j) * out_channels + m) * ld + t0;
                for (int64_t k = 0; k < n; k++) {
                    const float m0 = r0[k], m1 = r1[k], m2 = r2[k], m3 = r3[k], m4 = r4[k], m5 = r5[k];
                    s[0][j][k] = m0 + m1 + m2 + m3 + m4;
                    s[1][j][k] = m1 - m2 + 2 * m3 - 2 * m4;
                    s[2][j][k] = m1 + m2 + 4 * m3 + 4 * m4;
                    s[3][j][k] = m1 - m2 + 8 * m3 - 8 * m4 + m5;
                }
            }
            for (int o = 0; o < 4; o++) {
                for (int64_t k = 0; k < n; k++) {
                    const float m0 = s[o][0][k], m1 = s[o][1][k], m2 = s[o][2][k], m3 = s[o][3][k], m4 = s[o][4][k], m5 = s[o][5][k];
                    out[o][0][k] = m0 + m1 + m2 + m3 + m4;
                    out[o][1][k] = m1 - m2 + 2 * m3 - 2 * m4;
                    out[o][2][k] = m1 + m2 + 4 * m3 + 4 * m4;
                    out[o][3][k] = m1 - m2 + 8 * m3 - 8 * m4 + m5;
                }
            }
            // Each tile's 4x4 block to its place, clipped to the output. With tile rows of 6
            // or more tiles, a run of whole tiles in one tile row writes each output row as an
            // interleave of the four columns (vectorizes as shuffles): 0.77-0.96x the time of
            // tile-by-tile copies at 27x27 to 56x56; shorter rows (14x14 and less) stay tile by tile.
            int64_t ty = t0 / tiles_w, tx = t0 - ty * tiles_w;
            if (tiles_w < 6) {
                for (int64_t k = 0; k < n; k++) {
                    const int64_t oh0 = ty * 4, ow0 = tx * 4;
                    const int rows = (int)(g->out_h - oh0 < 4 ? g->out_h - oh0 : 4);
                    float *yt = ym + oh0 * g->out_w + ow0;
                    if (ow0 + 4 <= g->out_w) {
                        for (int o = 0; o < rows; o++) {
                            float *yr = yt + o * g->out_w;
                            yr[0] = out[o][0][k]; yr[1] = out[o][1][k]; yr[2] = out[o][2][k]; yr[3] = out[o][3][k];
                        }
                    } else {
                        const int cols = (int)(g->out_w - ow0);
                        for (int o = 0; o < rows; o++)
                            for (int q = 0; q < cols; q++) yt[o * g->out_w + q] = out[o][q][k];
                    }
                    if (++tx == tiles_w) { tx = 0; ty++; }
                }
                continue;
            }
            for (int64_t k = 0; k < n;) {
                const int64_t oh0 = ty * 4;
                const int rows = (int)(g->out_h - oh0 < 4 ? g->out_h - oh0 : 4);
                int64_t run = tiles_w - tx;
                if (run > n - k) run = n - k;
                int64_t whole = g->out_w / 4 - tx;   // tiles from tx whose 4 columns fit
                if (whole < 0) whole = 0;
                if (whole > run) whole = run;
                for (int o = 0; o < rows; o++) {
                    float *yr = ym + (oh0 + o) * g->out_w + tx * 4;
                    const float *c0 = out[o][0] + k, *c1 = out[o][1] + k, *c2 = out[o][2] + k, *c3 = out[o][3] + k;
                    for (int64_t t = 0; t < whole; t++) {
                        yr[4 * t] = c0[t]; yr[4 * t + 1] = c1[t]; yr[4 * t + 2] = c2[t]; yr[4 * t + 3] = c3[t];
                    }
                }
                for (int64_t t = whole; t < run; t++) {  // a tile cut by the right edge
                    const int64_t ow0 = (tx + t) * 4;
                    const int cols = (int)(g->out_w - ow0 < 4 ? g->out_w - ow0 : 4);
                    for (int o = 0; o < rows; o++)
                        for (int q = 0; q < cols; q++) ym[(oh0 + o) * g->out_w + ow0 + q] = out[o][q][k + t];
                }
                k += run;
                tx += run;
                if (tx == tiles_w) { tx = 0; ty++; }
            }
        }
        // The channel's plane was just written and is still in cache: finish it here.
        if (bias || residual || act != ONYX_ACT_NONE)
            onyx_channel_epilogue_f32(ym, 0, bias ? bias + m : 0, residual ? residual + m * g->out_h * g->out_w : 0,
                                      1, g->out_h * g->out_w, act, alpha, beta);
    }
}
