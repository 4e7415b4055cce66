#include "onyx_kernels.h"

// Branch-free forms so the compiler vectorizes them (8 floats per ymm in the AVX2 clone).
// NaN passes through every activation unchanged, as onnxruntime does.

ONYX_MULTIVERSION
void onyx_activation_f32(const float *x, float *y, int64_t n, int act, float alpha, float beta) {
    switch (act) {
    case ONYX_ACT_RELU:
        for (int64_t i = 0; i < n; i++) y[i] = x[i] < 0.0f ? 0.0f : x[i];
        break;
    case ONYX_ACT_CLIP:
        for (int64_t i = 0; i < n; i++) {
            float v = x[i] < alpha ? alpha : x[i];
            y[i] = v > beta ? beta : v;
        }
        break;
    case ONYX_ACT_LEAKY:
        for (int64_t i = 0; i < n; i++) y[i] = x[i] < 0.0f ? x[i] * alpha : x[i];
        break;
    default:
        for (int64_t i = 0; i < n; i++) y[i] = x[i];
    }
}

ONYX_MULTIVERSION
void onyx_channel_epilogue_f32(float *y, const float *scale, const float *shift, const float *residual,
                               int64_t channels, int64_t plane, int act, float alpha, float beta) {
    for (int64_t c = 0; c < channels; c++) {
        float *yc = y + c * plane;
        const float s = scale ? scale[c] : 1.0f, b = shift ? shift[c] : 0.0f;
        if (residual) {
            const float *rc = residual + c * plane;
            for (int64_t i = 0; i < plane; i++) yc[i] = onyx_activate(yc[i] * s + b + rc[i], act, alpha, beta);
        } else {
            for (int64_t i = 0; i < plane; i++) yc[i] = onyx_activate(yc[i] * s + b, act, alpha, beta);
        }
    }
}

ONYX_MULTIVERSION
void onyx_channel_affine_f32(const float *x, float *y, const float *scale, const float *shift,
                             int64_t channels, int64_t plane) {
    for (int64_t c = 0; c < channels; c++) {
        const float s = scale[c], b = shift[c];
        const float *xc = x + c * plane;
        float *yc = y + c * plane;
        for (int64_t i = 0; i < plane; i++) yc[i] = xc[i] * s + b;
    }
}

ONYX_MULTIVERSION
void onyx_rows_epilogue_f32(float *y, int64_t ldy, int64_t rows, int64_t cols, const float *scale, const float *bias,
                            const float *res, int64_t ldr, int act, float alpha, float beta) {
    for (int64_t m = 0; m < rows; m++) {
        float *ym = y + m * ldy;
        const float b = bias ? bias[m] : 0.0f;
        const float *rm = res ? res + m * ldr : 0;
        if (scale) {   // one pass: the scale joins the bias, residual and activation
            const float s = scale[m];
            if (rm) {
                for (int64_t j = 0; j < cols; j++) ym[j] = onyx_activate(ym[j] * s + b + rm[j], act, alpha, beta);
            } else {
                for (int64_t j = 0; j < cols; j++) ym[j] = onyx_activate(ym[j] * s + b, act, alpha, beta);
            }
        } else if (rm) {
            for (int64_t j = 0; j < cols; j++) ym[j] = onyx_activate(ym[j] + b + rm[j], act, alpha, beta);
        } else {
            for (int64_t j = 0; j < cols; j++) ym[j] = onyx_activate(ym[j] + b, act, alpha, beta);
        }
    }
}
