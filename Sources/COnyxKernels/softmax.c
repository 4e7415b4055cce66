#include "onyx_kernels.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// exp(x) without a libm call, so loops over it vectorize: x = n ln2 + r with |r| <= ln2/2
// (ln2 split in two parts so n*ln2 is exact enough), exp(r) by a degree-6 polynomial
// (about 1 ulp on that interval), and 2^n put straight into the float's exponent bits.
// Below -87.3 the result is 0 (the last normal float is exp(-87.3)); NaN stays NaN.
static inline float fast_expf(float x) {
    const float hi = 88.37626f, lo = -87.33654f;
    const float xc = x > hi ? hi : (x < lo ? lo : x);
    const float n = rintf(xc * 1.44269504f);
    const float r = (xc - n * 0.693359375f) - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    const float e = p * r * r + r + 1.0f;
    union { uint32_t u; float f; } scale = { .u = (uint32_t)((int32_t)n + 127) << 23 };
    const float v = e * scale.f;
    return x < lo ? 0.0f : (x != x ? x : v);
}

// One contiguous row: max (NaN ignored, as a NaN input makes the sum NaN anyway), exp and
// a sum in eight lanes, then scale (or subtract the log of the sum).
static inline void softmax_row(const float *x, float *y, int64_t len, int log_softmax) {
    float m = -INFINITY;
    for (int64_t j = 0; j < len; j++) m = x[j] > m ? x[j] : m;
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t j = 0;
    for (; j + 8 <= len; j += 8)
        for (int k = 0; k < 8; k++) {
            const float e = fast_expf(x[j + k] - m);
            if (!log_softmax) y[j + k] = e;
            acc[k] += e;
        }
    float sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for (; j < len; j++) {
        const float e = fast_expf(x[j] - m);
        if (!log_softmax) y[j] = e;
        sum += e;
    }
    if (log_softmax) {
        const float log_sum = logf(sum);   // (x - m) first: exact for x near m
        for (int64_t k = 0; k < len; k++) y[k] = (x[k] - m) - log_sum;
    } else {
        const float inv = 1.0f / sum;
        for (int64_t k = 0; k < len; k++) y[k] *= inv;
    }
}

ONYX_MULTIVERSION
int onyx_softmax_f32(const float *x, float *y, int64_t outer, int64_t len, int64_t inner, int log_softmax) {
    if (inner == 1) {
        for (int64_t o = 0; o < outer; o++) softmax_row(x + o * len, y + o * len, len, log_softmax);
        return 1;
    }
    // Strided rows: work on all `inner` rows of a block at once, unit stride over inner.
    float *m = (float *)malloc((size_t)inner * 2 * sizeof(float));
    if (!m) return 0;
    float *sum = m + inner;
    for (int64_t o = 0; o < outer; o++) {
        const float *xo = x + o * len * inner;
        float *yo = y + o * len * inner;
        for (int64_t i = 0; i < inner; i++) { m[i] = -INFINITY; sum[i] = 0.0f; }
        for (int64_t j = 0; j < len; j++)
            for (int64_t i = 0; i < inner; i++) m[i] = xo[j * inner + i] > m[i] ? xo[j * inner + i] : m[i];
        for (int64_t j = 0; j < len; j++)
            for (int64_t i = 0; i < inner; i++) {
                const float e = fast_expf(xo[j * inner + i] - m[i]);
                yo[j * inner + i] = e;
                sum[i] += e;
            }
        if (log_softmax) {
            for (int64_t i = 0; i < inner; i++) sum[i] = logf(sum[i]);
            for (int64_t j = 0; j < len; j++)
                for (int64_t i = 0; i < inner; i++) yo[j * inner + i] = (xo[j * inner + i] - m[i]) - sum[i];
        } else {
            for (int64_t i = 0; i < inner; i++) sum[i] = 1.0f / sum[i];
            for (int64_t j = 0; j < len; j++)
                for (int64_t i = 0; i < inner; i++) yo[j * inner + i] *= sum[i];
        }
    }
    free(m);
    return 1;
}
