#ifndef AUDIOSPOOL_FFMPEG_LOADER_H
#define AUDIOSPOOL_FFMPEG_LOADER_H

#include <stddef.h>

/// Loads libavutil, libavcodec and libavformat (the versions audiospool was
/// built against) on first use, and resolves the FFmpeg functions
/// AudioCodec calls. Thread-safe; later calls return the first one's answer.
/// 0 on success; else -1, with the reason (dlerror's) in `error`.
int audiospool_ffmpeg_load(char *error, size_t size);

/// Whether FFmpeg has been loaded in this process (tests of the lazy load).
int audiospool_ffmpeg_loaded(void);

#endif
