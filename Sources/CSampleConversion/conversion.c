#include <math.h>
#include "CSampleConversion.h"

void audiospool_float_to_int32(const float *input, int32_t *output, size_t count, float scale) {
    const float low = -scale, high = scale - 1.0f;
    for (size_t i = 0; i < count; i++) {
        float x = input[i] * scale;
        x = x < low ? low : (x > high ? high : x);
        output[i] = (int32_t)(x + copysignf(0.5f, x));
    }
}

long audiospool_compare_planar(const int32_t *const *planes, size_t channels, size_t offset, size_t frames,
                               const int32_t *interleaved) {
    for (size_t c = 0; c < channels; c++) {
        const int32_t *plane = planes[c] + offset;
        int differs = 0;
        for (size_t f = 0; f < frames; f++) differs |= plane[f] != interleaved[f * channels + c];
        if (!differs) continue;
        for (size_t f = 0; f < frames; f++) {
            if (plane[f] != interleaved[f * channels + c]) return (long)(f * channels + c);
        }
    }
    return -1;
}

void audiospool_pack_planar(const int32_t *const *planes, size_t channels, size_t frames, size_t width, uint8_t *out) {
    if (width == 2) {
        for (size_t f = 0; f < frames; f++) {
            for (size_t c = 0; c < channels; c++) {
                uint32_t v = (uint32_t)planes[c][f];
                out[0] = (uint8_t)v;
                out[1] = (uint8_t)(v >> 8);
                out += 2;
            }
        }
        return;
    }
    for (size_t f = 0; f < frames; f++) {
        for (size_t c = 0; c < channels; c++) {
            uint32_t v = (uint32_t)planes[c][f];
            for (size_t b = 0; b < width; b++) *out++ = (uint8_t)(v >> (8 * b));
        }
    }
}

void audiospool_accumulate_power(const float *samples, size_t count, double *sum_squares, float *peak) {
    double sum = 0;
    float highest = *peak;
    for (size_t i = 0; i < count; i++) {
        float x = samples[i];
        sum += (double)x * x;
        float a = fabsf(x);
        highest = a > highest ? a : highest;
    }
    *sum_squares += sum;
    *peak = highest;
}

void audiospool_deinterleave_float(const float *input, size_t channels, size_t frames, float *const *planes, size_t offset) {
    for (size_t c = 0; c < channels; c++) {
        float *plane = planes[c] + offset;
        for (size_t i = 0; i < frames; i++) plane[i] = input[i * channels + c];
    }
}
