#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/channel_layout.h>
#include <libavutil/dict.h>
#include <libavutil/error.h>
#include <libavutil/mem.h>
#include <errno.h>

// FFmpeg's error codes are macros Swift cannot import.
static inline int audiospool_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int audiospool_averror_eof(void) { return AVERROR_EOF; }
static inline int audiospool_averror_eio(void) { return AVERROR(EIO); }
static inline int64_t audiospool_av_nopts_value(void) { return AV_NOPTS_VALUE; }
static inline int audiospool_av_disposition_attached_pic(void) { return AV_DISPOSITION_ATTACHED_PIC; }
static inline int audiospool_av_codec_flag_global_header(void) { return AV_CODEC_FLAG_GLOBAL_HEADER; }
