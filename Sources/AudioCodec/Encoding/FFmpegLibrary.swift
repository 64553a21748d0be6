import CFFmpeg
import CFFmpegLoader

/// FFmpeg, loaded on first use: audiospool does not link it, so that only
/// a process that makes AAC pays for its hundred libraries (about 25 MB of
/// RSS; CFFmpegLoader says how).
public enum FFmpegLibrary {
    /// Loads libavutil, libavcodec and libavformat once; throws with the
    /// reason and the packages to install when they are missing.
    static func load() throws(AudioError) {
        var reason = [CChar](repeating: 0, count: 512)
        guard audiospool_ffmpeg_load(&reason, reason.count) != 0 else { return }
        let text = reason.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        throw AudioError(
            .unsupportedSettings,
            "AAC (m4b, m4a, aac) needs FFmpeg's libraries: \(text) (apt-get install libavformat59 libavcodec59 libavutil57)")
    }

    /// Whether this process has loaded FFmpeg (an encode to MP3 or WAV must not).
    public static var isLoaded: Bool { audiospool_ffmpeg_loaded() != 0 }
}

extension FFmpegLibrary {
    /// An FFmpeg status as an error: "`what`: FFmpeg's explanation".
    static func error(_ status: Int32, _ what: String) -> AudioError {
        var text = [CChar](repeating: 0, count: 256)
        av_strerror(status, &text, text.count)
        let reason = text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return AudioError(.writeFailed, "\(what): \(reason)")
    }
}
