// FFmpeg, loaded only when an AAC output is made.
//
// Debian's libavcodec and libavformat pull in about a hundred libraries
// (every codec FFmpeg is built with); linked into audiospool, the loader
// mapped and relocated them at every start, which cost each process ~25 MB
// of RSS, MP3 and WAV encodes and the supervisor included. So audiospool
// does not link FFmpeg: this file defines the FFmpeg functions AudioCodec
// calls, under their own names and prototypes (the headers check them),
// each forwarding to the real one, which audiospool_ffmpeg_load() finds
// with dlopen/dlsym. AacWriter loads it before its first call (libavcodec
// encodes; libavformat muxes ADTS only, MP4 is Mp4Writer's).
#include "ffmpeg_loader.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libavutil/channel_layout.h>
#include <libavutil/dict.h>
#include <libavutil/error.h>
#include <libavutil/macros.h>
#include <libavutil/mem.h>

// The sonames of the versions the headers describe: a newer FFmpeg with
// another ABI is not loaded by mistake.
#define LIBRARY(name, major) "lib" name ".so." AV_STRINGIFY(major)
static const char *const libraries[] = {
    LIBRARY("avutil", LIBAVUTIL_VERSION_MAJOR),
    LIBRARY("avcodec", LIBAVCODEC_VERSION_MAJOR),
    LIBRARY("avformat", LIBAVFORMAT_VERSION_MAJOR),
};
enum { AVUTIL, AVCODEC, AVFORMAT, LIBRARIES };

// Every forwarded function: the library it lives in, return type, name,
// parameters, and the call's arguments.
#define FFMPEG_FUNCTIONS(F, V) \
    V(AVUTIL, av_log_set_level, (int level), (level)) \
    F(AVUTIL, int, av_strerror, (int errnum, char *errbuf, size_t errbuf_size), (errnum, errbuf, errbuf_size)) \
    F(AVUTIL, void *, av_malloc, (size_t size), (size)) \
    V(AVUTIL, av_free, (void *ptr), (ptr)) \
    V(AVUTIL, av_freep, (void *ptr), (ptr)) \
    F(AVUTIL, int, av_dict_set, (AVDictionary **pm, const char *key, const char *value, int flags), (pm, key, value, flags)) \
    V(AVUTIL, av_dict_free, (AVDictionary **m), (m)) \
    V(AVUTIL, av_channel_layout_default, (AVChannelLayout *ch_layout, int nb_channels), (ch_layout, nb_channels)) \
    F(AVUTIL, int, av_channel_layout_copy, (AVChannelLayout *dst, const AVChannelLayout *src), (dst, src)) \
    F(AVUTIL, AVFrame *, av_frame_alloc, (void), ()) \
    V(AVUTIL, av_frame_free, (AVFrame **frame), (frame)) \
    F(AVUTIL, int, av_frame_get_buffer, (AVFrame *frame, int align), (frame, align)) \
    F(AVUTIL, int, av_frame_make_writable, (AVFrame *frame), (frame)) \
    F(AVCODEC, const AVCodec *, avcodec_find_encoder_by_name, (const char *name), (name)) \
    F(AVCODEC, AVCodecContext *, avcodec_alloc_context3, (const AVCodec *codec), (codec)) \
    V(AVCODEC, avcodec_free_context, (AVCodecContext **avctx), (avctx)) \
    F(AVCODEC, int, avcodec_open2, (AVCodecContext *avctx, const AVCodec *codec, AVDictionary **options), (avctx, codec, options)) \
    F(AVCODEC, int, avcodec_parameters_from_context, (AVCodecParameters *par, const AVCodecContext *codec), (par, codec)) \
    F(AVCODEC, int, avcodec_send_frame, (AVCodecContext *avctx, const AVFrame *frame), (avctx, frame)) \
    F(AVCODEC, int, avcodec_receive_packet, (AVCodecContext *avctx, AVPacket *avpkt), (avctx, avpkt)) \
    F(AVCODEC, AVPacket *, av_packet_alloc, (void), ()) \
    V(AVCODEC, av_packet_free, (AVPacket **pkt), (pkt)) \
    V(AVCODEC, av_packet_unref, (AVPacket *pkt), (pkt)) \
    V(AVCODEC, av_packet_rescale_ts, (AVPacket *pkt, AVRational tb_src, AVRational tb_dst), (pkt, tb_src, tb_dst)) \
    F(AVFORMAT, int, avformat_alloc_output_context2, \
      (AVFormatContext **ctx, const AVOutputFormat *oformat, const char *format_name, const char *filename), \
      (ctx, oformat, format_name, filename)) \
    V(AVFORMAT, avformat_free_context, (AVFormatContext *s), (s)) \
    F(AVFORMAT, AVStream *, avformat_new_stream, (AVFormatContext *s, const AVCodec *c), (s, c)) \
    F(AVFORMAT, int, avformat_write_header, (AVFormatContext *s, AVDictionary **options), (s, options)) \
    F(AVFORMAT, int, av_write_frame, (AVFormatContext *s, AVPacket *pkt), (s, pkt)) \
    F(AVFORMAT, int, av_write_trailer, (AVFormatContext *s), (s)) \
    F(AVFORMAT, AVIOContext *, avio_alloc_context, \
      (unsigned char *buffer, int buffer_size, int write_flag, void *opaque, \
       int (*read_packet)(void *opaque, uint8_t *buf, int buf_size), \
       int (*write_packet)(void *opaque, uint8_t *buf, int buf_size), \
       int64_t (*seek)(void *opaque, int64_t offset, int whence)), \
      (buffer, buffer_size, write_flag, opaque, read_packet, write_packet, seek)) \
    V(AVFORMAT, avio_context_free, (AVIOContext **s), (s)) \
    V(AVFORMAT, avio_flush, (AVIOContext *s), (s))

// The real functions, set once by load().
#define POINTER(library, type, name, params, args) static type (*real_##name) params;
#define VOID_POINTER(library, name, params, args) static void (*real_##name) params;
FFMPEG_FUNCTIONS(POINTER, VOID_POINTER)

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int status = -1;
static char reason[512];

#define RESOLVE(library, type, name, params, args) \
    if ((real_##name = (type (*) params)dlsym(handles[library], #name)) == NULL) { missing(#name); return; }
#define VOID_RESOLVE(library, name, params, args) \
    if ((real_##name = (void (*) params)dlsym(handles[library], #name)) == NULL) { missing(#name); return; }

static void missing(const char *name) {
    const char *why = dlerror();
    snprintf(reason, sizeof reason, "FFmpeg has no %s: %s", name, why ? why : "not found");
}

static void load(void) {
    void *handles[LIBRARIES];
    for (int index = 0; index < LIBRARIES; index++) {
        // Lazy and local: only the AAC path's symbols are bound, and none
        // of FFmpeg's leak into the lookups of libraries loaded later.
        handles[index] = dlopen(libraries[index], RTLD_LAZY | RTLD_LOCAL);
        if (handles[index] == NULL) {
            const char *why = dlerror();
            snprintf(reason, sizeof reason, "cannot load %s: %s", libraries[index], why ? why : "not found");
            return;
        }
    }
    FFMPEG_FUNCTIONS(RESOLVE, VOID_RESOLVE)
    status = 0;
}

int audiospool_ffmpeg_load(char *error, size_t size) {
    pthread_once(&once, load);
    if (status != 0 && error != NULL && size > 0) snprintf(error, size, "%s", reason);
    return status;
}

int audiospool_ffmpeg_loaded(void) {
    return status == 0;
}

// A forwarder called before a successful load is a bug in audiospool, not
// a missing package (AacWriter loads first and reports that): stop loudly.
static void require(void) {
    if (audiospool_ffmpeg_load(NULL, 0) != 0) {
        fprintf(stderr, "audiospool: FFmpeg called but not loaded: %s\n", reason);
        abort();
    }
}

#define FORWARD(library, type, name, params, args) \
    type name params { \
        require(); \
        return real_##name args; \
    }
#define VOID_FORWARD(library, name, params, args) \
    void name params { \
        require(); \
        real_##name args; \
    }
FFMPEG_FUNCTIONS(FORWARD, VOID_FORWARD)
