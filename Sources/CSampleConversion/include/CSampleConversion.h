#ifndef AUDIOSPOOL_CSAMPLECONVERSION_H
#define AUDIOSPOOL_CSAMPLECONVERSION_H

#include <stddef.h>
#include <stdint.h>

/// Scales float samples to integers (x * scale, clamped to [-scale,
/// scale - 1], rounded half away from zero). In C because Swift's checked
/// float-to-integer conversion keeps this hot loop from vectorising.
void audiospool_float_to_int32(const float *input, int32_t *output, size_t count, float scale);

#endif
