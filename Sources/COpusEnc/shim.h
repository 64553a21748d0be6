#include <opusenc.h>

// ope_encoder_ctl is variadic, which Swift cannot call: one setter per request.
static inline int audiospool_ope_set_bitrate(OggOpusEnc *encoder, opus_int32 bits_per_second) {
    return ope_encoder_ctl(encoder, OPUS_SET_BITRATE(bits_per_second));
}
