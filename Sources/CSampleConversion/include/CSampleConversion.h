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

/// Copies `frames` interleaved frames into planes (FFmpeg's planar
/// float), from frame `offset` of each plane.
void audiospool_deinterleave_float(const float *input, size_t channels, size_t frames, float *const *planes, size_t offset);

/// Adds the squares of `count` samples to `*sum_squares` and raises
/// `*peak` to the largest magnitude among them.
void audiospool_accumulate_power(const float *samples, size_t count, double *sum_squares, float *peak);

/// A look-ahead true-peak limiter (limiter.c): gain, then every frame's
/// peak found on the signal oversampled `oversampling` times, and a gain
/// that reaches the needed reduction smoothly over the look-ahead and
/// recovers over the release.
typedef struct audiospool_limiter audiospool_limiter;

audiospool_limiter *audiospool_limiter_create(size_t channels, size_t oversampling, size_t lookahead_frames,
                                              size_t release_frames, float ceiling, float gain);
void audiospool_limiter_destroy(audiospool_limiter *limiter);
/// Processes `frames` interleaved frames; writes at most `frames` frames to
/// `out` (fewer at the start, by the look-ahead) and returns how many.
size_t audiospool_limiter_process(audiospool_limiter *limiter, const float *in, size_t frames, float *out);
/// Writes the frames still held back (at most the limiter's latency) and returns how many.
size_t audiospool_limiter_flush(audiospool_limiter *limiter, float *out);
/// Frames held back: the most `audiospool_limiter_flush` writes.
size_t audiospool_limiter_latency(const audiospool_limiter *limiter);
/// The lowest gain the limiter applied (1: it never acted).
float audiospool_limiter_lowest_gain(const audiospool_limiter *limiter);

#endif
