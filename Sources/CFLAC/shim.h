#include <FLAC/stream_encoder.h>
#include <FLAC/stream_decoder.h>
#include <FLAC/metadata.h>
#include <stddef.h>

// libFLAC exports this setter but leaves it out of its public header.
// Weak, so a libFLAC without it still links; then libFLAC computes the MD5.
extern FLAC__bool FLAC__stream_encoder_set_do_md5(FLAC__StreamEncoder *encoder, FLAC__bool value) __attribute__((weak));

/// Turns off libFLAC's MD5 (audiospool computes it on another thread).
/// Returns 0 if this libFLAC cannot.
static inline int audiospool_flac_disable_md5(FLAC__StreamEncoder *encoder) {
    if (FLAC__stream_encoder_set_do_md5 == NULL) return 0;
    return FLAC__stream_encoder_set_do_md5(encoder, 0);
}
