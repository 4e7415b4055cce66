#include "onyx_kernels.h"

// Winograd F(4x4, 3x3): a 3x3 stride-1 conv computed per 4x4 output tile from a 6x6
// input tile as Y = A^T [ (G g G^T) .* (B^T d B) ] A, i.e. 36 multiplies per tile and
// channel pair instead of 144. The 36 element-wise products over all channels become
// 36 independent GEMMs, done by sgemm between the input and output transforms.
//
// 1-D forms (applied to columns, then rows):
//   B^T d: [4d0 - 5d2 + d4, -4d1 - 4d2 + d3 + d4, 4d1 - 4d2 - d3 + d4,
//           -2d1 - d2 + 2d3 + d4, 2d1 - d2 - 2d3 + d4, 4d1 - 5d3 + d5]
//   G g:   [g0/4, -(g0+g1+g2)/6, -(g0-g1+g2)/6, g0/24 + g1/12 + g2/6, g0/24 - g1/12 + g2/6, g2]
//   A^T m: [m0+m1+m2+m3+m4, m1-m2+2m3-2m4, m1+m2+4m3+4m4, m1-m2+8m3-8m4+m5]

static inline void bt6(const float *d, int s, float *t, int ts) {
    const float d0 = d[0], d1 = d[s], d2 = d[2 * s], d3 = d[3 * s], d4 = d[4 * s], d5 = d[5 * s];
    t[0] = 4 * d0 - 5 * d2 + d4;
    t[ts] = -4 * d1 - 4 * d2 + d3 + d4;
    t[2 * ts] = 4 * d1 - 4 * d2 - d3 + d4;
    t[3 * ts] = -2 * d1 - d2 + 2 * d3 + d4;
    t[4 * ts] = 2 * d1 - d2 - 2 * d3 + d4;
    t[5 * ts] = 4 * d1 - 5 * d3 + d5;
}

static inline void g3(const float *g, int s, float *u, int us) {
    const float g0 = g[0], g1 = g[s], g2 = g[2 * s];
    u[0] = g0 / 4;
    u[us] = -(g0 + g1 + g2) / 6;
    u[2 * us] = -(g0 - g1 + g2) / 6;
    u[3 * us] = g0 / 24 + g1 / 12 + g2 / 6;
    u[4 * us] = g0 / 24 - g1 / 12 + g2 / 6;
    u[5 * us] = g2;
}

static inline void at6(const float *m, int s, float *o, int os) {
    const float m0 = m[0], m1 = m[s], m2 = m[2 * s], m3 = m[3 * s], m4 = m[4 * s], m5 = m[5 * s];
    o[0] = m0 + m1 + m2 + m3 + m4;
    o[os] = m1 - m2 + 2 * m3 - 2 * m4;
    o[2 * os] = m1 + m2 + 4 * m3 + 4 * m4;
    o[3 * os] = m1 - m2 + 8 * m3 - 8 * m4 + m5;
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

ONYX_MULTIVERSION
void onyx_winograd43_input(const float *x, const onyx_conv_geometry *g, int64_t channels,
                           int64_t c_begin, int64_t c_end, int64_t tiles_h, int64_t tiles_w, float *v) {
    const int64_t tiles = tiles_h * tiles_w;
    for (int64_t c = c_begin; c < c_end; c++) {
        const float *xc = x + c * g->in_h * g->in_w;
        for (int64_t ty = 0; ty < tiles_h; ty++) {
            for (int64_t tx = 0; tx < tiles_w; tx++) {
                const int64_t h0 = ty * 4 - g->pad_top, w0 = tx * 4 - g->pad_left;
                float d[36], tmp[36];
                if (h0 >= 0 && w0 >= 0 && h0 + 6 <= g->in_h && w0 + 6 <= g->in_w) {
                    for (int i = 0; i < 6; i++)
                        for (int j = 0; j < 6; j++) d[i * 6 + j] = xc[(h0 + i) * g->in_w + w0 + j];
                } else {
                    for (int i = 0; i < 6; i++)
                        for (int j = 0; j < 6; j++) {
                            const int64_t h = h0 + i, w = w0 + j;
                            d[i * 6 + j] = (h >= 0 && h < g->in_h && w >= 0 && w < g->in_w) ? xc[h * g->in_w + w] : 0.0f;
                        }
                }
                for (int j = 0; j < 6; j++) bt6(d + j, 6, tmp + j, 6);       // columns
                for (int i = 0; i < 6; i++) bt6(tmp + i * 6, 1, d + i * 6, 1); // rows
                const int64_t t = ty * tiles_w + tx;
                for (int xi = 0; xi < 36; xi++) v[(xi * channels + c) * tiles + t] = d[xi];
            }
        }
    }
}

ONYX_MULTIVERSION
void onyx_winograd43_output(const float *mm, int64_t out_channels, int64_t m_begin, int64_t m_end,
                            const onyx_conv_geometry *g, int64_t tiles_h, int64_t tiles_w, float *y) {
    const int64_t tiles = tiles_h * tiles_w;
    for (int64_t m = m_begin; m < m_end; m++) {
        float *ym = y + m * g->out_h * g->out_w;
        for (int64_t ty = 0; ty < tiles_h; ty++) {
            for (int64_t tx = 0; tx < tiles_w; tx++) {
                const int64_t t = ty * tiles_w + tx;
                float full[36], tmp[24], out[16];
                for (int xi = 0; xi < 36; xi++) full[xi] = mm[(xi * out_channels + m) * tiles + t];
                for (int j = 0; j < 6; j++) at6(full + j, 6, tmp + j, 6);    // columns: tmp[4][6]
                for (int i = 0; i < 4; i++) at6(tmp + i * 6, 1, out + i * 4, 1); // rows: out[4][4]
                const int64_t oh0 = ty * 4, ow0 = tx * 4;
                const int rows = (int)(g->out_h - oh0 < 4 ? g->out_h - oh0 : 4);
                const int cols = (int)(g->out_w - ow0 < 4 ? g->out_w - ow0 : 4);
                for (int i = 0; i < rows; i++)
                    for (int j = 0; j < cols; j++) ym[(oh0 + i) * g->out_w + ow0 + j] = out[i * 4 + j];
            }
        }
    }
}
