// The look-ahead true-peak limiter's per-sample loop; TruePeakLimiter.swift
// (AudioCodec/Processing) says why it is ours and not a library's.
//
// Per frame: the frame's peak is the largest magnitude, over the channels,
// of the sample and of the `oversampling - 1` points interpolated between
// it and the next one (a Kaiser-windowed sinc, TAPS per phase), as BS.1770
// defines true peak. The gain that frame needs, min(1, ceiling / peak), is
// held over the look-ahead (a sliding minimum), released exponentially,
// and smoothed by two moving averages whose lengths add up to the
// look-ahead: the gain then falls smoothly and is already down when the
// peak arrives (each average is of values no higher than the peak's), and
// the audio is delayed by the look-ahead to meet it.
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include "CSampleConversion.h"

enum { TAPS = 16, CENTRE = TAPS / 2 - 1, MAX_OVERSAMPLING = 32 };

struct audiospool_limiter {
    size_t channels, oversampling, hold, ring_frames, latency;
    float ceiling, gain, quiet, envelope, release, lowest;
    float *coefficients;  // TAPS rows of the (oversampling - 1) phases
    float *history;       // per channel, TAPS samples written twice, so a window is contiguous
    size_t history_at;
    long loud;            // samples in the windows above `quiet`: none means no peak can reach the ceiling
    float *delay;         // ring_frames frames of gained input
    float *hold_values;   // the sliding minimum: a monotonic queue of (value, index)
    uint64_t *hold_index;
    size_t hold_head, hold_count;  // in a ring of hold + 1
    float *average1, *average2;
    size_t length1, length2, at1, at2;
    double sum1, sum2;
    uint64_t fed, real, written;
};

static double bessel_i0(double x) {
    double sum = 1, term = 1;
    for (int k = 1; k < 30; k++) {
        term *= (x / (2 * k)) * (x / (2 * k));
        sum += term;
    }
    return sum;
}

audiospool_limiter *audiospool_limiter_create(size_t channels, size_t oversampling, size_t lookahead_frames,
                                              size_t release_frames, float ceiling, float gain) {
    if (channels == 0 || channels > 8 || oversampling < 1 || oversampling > MAX_OVERSAMPLING || lookahead_frames < 2) return NULL;
    audiospool_limiter *l = calloc(1, sizeof *l);
    if (!l) return NULL;
    l->channels = channels;
    l->oversampling = oversampling;
    l->hold = lookahead_frames;
    l->ring_frames = CENTRE + 1 + lookahead_frames;  // TAPS/2 + hold
    l->latency = l->ring_frames - 1;
    l->ceiling = ceiling;
    l->gain = gain;
    l->envelope = 1;
    l->lowest = 1;
    l->release = (float)(1 - exp(-1.0 / (double)(release_frames ? release_frames : 1)));
    l->length1 = (lookahead_frames + 1) / 2;
    l->length2 = lookahead_frames + 1 - l->length1;
    size_t phases = oversampling - 1;
    l->coefficients = calloc(phases ? phases * TAPS : 1, sizeof(float));
    l->history = calloc(channels * 2 * TAPS, sizeof(float));
    l->delay = calloc(channels * l->ring_frames, sizeof(float));
    l->hold_values = calloc(lookahead_frames + 1, sizeof(float));
    l->hold_index = calloc(lookahead_frames + 1, sizeof(uint64_t));
    l->average1 = malloc(l->length1 * sizeof(float));
    l->average2 = malloc(l->length2 * sizeof(float));
    if (!l->coefficients || !l->history || !l->delay || !l->hold_values || !l->hold_index || !l->average1 || !l->average2) {
        audiospool_limiter_destroy(l);
        return NULL;
    }
    for (size_t i = 0; i < l->length1; i++) l->average1[i] = 1;
    for (size_t i = 0; i < l->length2; i++) l->average2[i] = 1;
    l->sum1 = (double)l->length1;
    l->sum2 = (double)l->length2;
    // The interpolator's worst-case gain bounds how far above a window's
    // largest sample an interpolated point can reach.
    const double beta = 6, half = TAPS / 2.0;
    double bound = 1;
    for (size_t p = 0; p < phases; p++) {
        double t = (double)(p + 1) / (double)oversampling, sum = 0, magnitude = 0, c[TAPS];
        for (int k = 0; k < TAPS; k++) {
            double x = k - CENTRE - t;
            double sinc = x == 0 ? 1 : sin(M_PI * x) / (M_PI * x);
            double r = x / half;
            double window = r * r < 1 ? bessel_i0(beta * sqrt(1 - r * r)) / bessel_i0(beta) : 0;
            c[k] = sinc * window;
            sum += c[k];
        }
        for (int k = 0; k < TAPS; k++) {
            l->coefficients[(size_t)k * phases + p] = (float)(c[k] / sum);
            magnitude += fabs(c[k] / sum);
        }
        bound = magnitude > bound ? magnitude : bound;
    }
    l->quiet = (float)(ceiling / bound);
    return l;
}

void audiospool_limiter_destroy(audiospool_limiter *l) {
    if (!l) return;
    free(l->coefficients);
    free(l->history);
    free(l->delay);
    free(l->hold_values);
    free(l->hold_index);
    free(l->average1);
    free(l->average2);
    free(l);
}

/// The highest magnitude around the window's centre sample, channel by
/// channel. The phases are the inner loop, so it vectorises.
static float window_peak(const audiospool_limiter *l) {
    const size_t phases = l->oversampling - 1;
    float peak = 0;
    for (size_t ch = 0; ch < l->channels; ch++) {
        const float *w = l->history + ch * 2 * TAPS + l->history_at;
        float a = fabsf(w[CENTRE]);
        peak = a > peak ? a : peak;
        float y[MAX_OVERSAMPLING] = {0};
        for (int k = 0; k < TAPS; k++) {
            const float x = w[k];
            const float *c = l->coefficients + (size_t)k * phases;
            for (size_t p = 0; p < phases; p++) y[p] += c[p] * x;
        }
        for (size_t p = 0; p < phases; p++) {
            a = fabsf(y[p]);
            peak = a > peak ? a : peak;
        }
    }
    return peak;
}

/// Takes one frame (already gained, or zeros when flushing); writes one
/// frame to `out` once the look-ahead is full. Returns frames written.
static size_t step(audiospool_limiter *l, const float *frame, float *out) {
    const size_t channels = l->channels;
    float *slot = l->delay + (size_t)(l->fed % l->ring_frames) * channels;
    for (size_t ch = 0; ch < channels; ch++) {
        float x = frame[ch];
        slot[ch] = x;
        float *h = l->history + ch * 2 * TAPS;
        float leaving = h[l->history_at];
        l->loud += (fabsf(x) > l->quiet) - (fabsf(leaving) > l->quiet);
        h[l->history_at] = x;
        h[l->history_at + TAPS] = x;
    }
    l->history_at = (l->history_at + 1) % TAPS;

    float needed = 1;
    if (l->loud > 0) {
        float peak = window_peak(l);
        if (peak > l->ceiling) needed = l->ceiling / peak;
    }
    // The sliding minimum of the needed gain over the look-ahead.
    const uint64_t n = l->fed;
    const size_t capacity = l->hold + 1;
    while (l->hold_count > 0 && l->hold_values[(l->hold_head + l->hold_count - 1) % capacity] >= needed) l->hold_count--;
    size_t back = (l->hold_head + l->hold_count) % capacity;
    l->hold_values[back] = needed;
    l->hold_index[back] = n;
    l->hold_count++;
    while (l->hold_index[l->hold_head] + l->hold <= n) {
        l->hold_head = (l->hold_head + 1) % capacity;
        l->hold_count--;
    }
    float held = l->hold_values[l->hold_head];
    l->envelope = held < l->envelope ? held : l->envelope + (held - l->envelope) * l->release;
    l->sum1 += l->envelope - l->average1[l->at1];
    l->average1[l->at1] = l->envelope;
    l->at1 = (l->at1 + 1) % l->length1;
    float first = (float)(l->sum1 / (double)l->length1);
    l->sum2 += first - l->average2[l->at2];
    l->average2[l->at2] = first;
    l->at2 = (l->at2 + 1) % l->length2;
    float gain = (float)(l->sum2 / (double)l->length2);
    if (gain > 1) gain = 1;
    l->fed++;
    if (n < l->latency) return 0;
    if (gain < l->lowest) l->lowest = gain;
    const float *delayed = l->delay + (size_t)((n + 1) % l->ring_frames) * channels;
    for (size_t ch = 0; ch < channels; ch++) out[ch] = delayed[ch] * gain;
    l->written++;
    return 1;
}

size_t audiospool_limiter_process(audiospool_limiter *l, const float *in, size_t frames, float *out) {
    const size_t channels = l->channels;
    float frame[8];
    size_t written = 0;
    for (size_t f = 0; f < frames; f++) {
        for (size_t ch = 0; ch < channels && ch < 8; ch++) frame[ch] = in[f * channels + ch] * l->gain;
        written += step(l, frame, out + written * channels);
    }
    l->real += frames;
    return written;
}

size_t audiospool_limiter_flush(audiospool_limiter *l, float *out) {
    const float silence[8] = {0};
    size_t written = 0;
    while (l->written < l->real) written += step(l, silence, out + written * l->channels);
    return written;
}

size_t audiospool_limiter_latency(const audiospool_limiter *l) { return l->latency; }

float audiospool_limiter_lowest_gain(const audiospool_limiter *l) { return l->lowest; }
