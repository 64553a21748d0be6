#ifndef AUDIOSPOOL_CSAMPLECONVERSION_H
#define AUDIOSPOOL_CSAMPLECONVERSION_H

#include <stddef.h>
#include <stdint.h>

// Hot per-sample loops, in C because Swift's checked arithmetic and
// conversions keep them from vectorising.

/// Scales float samples to integers (x * scale, clamped to [-scale,
/// scale - 1], rounded half away from zero).
void audiospool_float_to_int32(const float *input, int32_t *output, size_t count, float scale);

/// Compares `frames` frames of planar samples, from frame `offset` of each
/// plane, with interleaved ones. Returns the index of the first differing
/// interleaved sample, or -1.
long audiospool_compare_planar(const int32_t *const *planes, size_t channels, size_t offset, size_t frames,
                               const int32_t *interleaved);

/// Writes planar samples interleaved as little-endian integers of `width`
/// bytes (FLAC's MD5 input).
void audiospool_pack_planar(const int32_t *const *planes, size_t channels, size_t frames, size_t width, uint8_t *out);

#endif
