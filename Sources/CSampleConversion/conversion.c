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
