import CSndFile
import Glibc

/// How WAV samples are stored.
public enum WavSampleFormat: String, Sendable, CaseIterable {
    case pcm16 = "16"
    case pcm24 = "24"
    case float32 = "32f"

    var subtype: Int32 {
        switch self {
        case .pcm16: Int32(SF_FORMAT_PCM_16)
        case .pcm24: Int32(SF_FORMAT_PCM_24)
        case .float32: Int32(SF_FORMAT_FLOAT)
        }
    }
}

/// Writes interleaved float frames to a WAV file through libsndfile, or
/// (`raw`) as bare little-endian samples with no header and no tags.
/// Samples beyond ±1 are clipped, not wrapped, when stored as integers.
///
/// A RIFF WAV's sizes are 32-bit. libsndfile writes past 4 GiB without an
/// error, and the file then reads back as a few seconds of it; so a WAV's
/// samples stop at `maxDataBytes`, with an error that says what to ask for
/// instead. (RF64 would hold more, but libsndfile writes it, and the WAV it
/// downgrades to, as WAVE_FORMAT_EXTENSIBLE, which PROTOCOL.md promises
/// engines they never get.) Raw PCM has no header and no limit.
public final class WavWriter: AudioSink {
    public let path: String
    public let properties: AudioProperties
    private var handle: OpaquePointer?
    /// What a WAV's `data` may hold: the 32-bit sizes less room for the header chunks.
    public static let maxDataBytes = Int64(UInt32.max) - (1 << 20)
    /// `maxDataBytes`, or none for raw PCM; lowered by tests.
    var dataLimit: Int64?
    private var dataBytes: Int64 = 0
    private let frameBytes: Int64

    public init(
        path: String, descriptor: Int32? = nil, sampleRate: Int, channels: Int, format: WavSampleFormat, tags: AudioTags = AudioTags(), raw: Bool = false
    ) throws(AudioError) {
        var info = SF_INFO()
        info.samplerate = Int32(sampleRate)
        info.channels = Int32(channels)
        info.format = raw ? Int32(SF_FORMAT_RAW) | format.subtype | Int32(SF_ENDIAN_LITTLE) : Int32(SF_FORMAT_WAV) | format.subtype
        guard sf_format_check(&info) != 0 else {
            if let descriptor { close(descriptor) }
            throw AudioError(.unsupportedSettings, "\(raw ? "raw PCM" : "WAV") cannot hold \(channels) channels at \(sampleRate) Hz as \(format.rawValue)-bit")
        }
        // A descriptor is owned from here on (libsndfile closes it).
        let opened = descriptor.map { sf_open_fd($0, Int32(SFM_WRITE), &info, Int32(SF_TRUE)) } ?? sf_open(path, Int32(SFM_WRITE), &info)
        guard let handle = opened else {
            if let descriptor { close(descriptor) }
            throw AudioError(.writeFailed, "cannot create '\(path)': \(String(cString: sf_strerror(nil)))")
        }
        sf_command(handle, Int32(SFC_SET_CLIPPING), nil, Int32(SF_TRUE))
        // A LIST/INFO chunk; set before any audio is written.
        let fields: [(Int32, String?)] = [
            (Int32(SF_STR_TITLE), tags.title), (Int32(SF_STR_ARTIST), tags.artist), (Int32(SF_STR_ALBUM), tags.album),
            (Int32(SF_STR_TRACKNUMBER), tags.track), (Int32(SF_STR_COMMENT), tags.comment),
        ]
        for (field, value) in fields where !raw {
            if let value { sf_set_string(handle, field, value) }
        }
        self.path = path
        self.handle = handle
        self.properties = AudioProperties(sampleRate: sampleRate, channels: channels, frames: 0)
        dataLimit = raw ? nil : Self.maxDataBytes
        frameBytes = Int64(channels) * Int64(format == .pcm16 ? 2 : format == .pcm24 ? 3 : 4)
    }

    deinit {
        if let handle { sf_close(handle) }
    }

    public func write(_ samples: UnsafeBufferPointer<Float>) throws(AudioError) {
        let frames = samples.count / properties.channels
        guard frames > 0, let base = samples.baseAddress else { return }
        if let dataLimit, dataBytes + Int64(frames) * frameBytes > dataLimit {
            let seconds = Double(dataLimit / frameBytes) / Double(properties.sampleRate)
            throw AudioError(
                .unsupportedSettings,
                "a WAV holds at most 4 GiB of samples (\(Self.duration(seconds)) at \(properties.sampleRate) Hz, \(properties.channels) channel(s), this bit depth), and '\(path)' would be longer (an output that long needs flac, mp3, opus or raw pcm)")
        }
        dataBytes += Int64(frames) * frameBytes
        let written = sf_writef_float(handle, base, sf_count_t(frames))
        if written != frames {
            throw AudioError(.writeFailed, "cannot write '\(path)': \(String(cString: sf_strerror(handle)))")
        }
    }

    public func finish() throws(AudioError) {
        guard let handle else { return }
        self.handle = nil
        // sf_close rewrites the header with the final sizes; it can fail on a
        // full disk. No sf_write_sync (an fsync): syncing is the spool's
        // decision (config.json's `durable`), made once per output at publish.
        let status = sf_close(handle)
        if status != 0 {
            throw AudioError(.writeFailed, "cannot finish '\(path)': \(String(cString: sf_error_number(status)))")
        }
    }
}

extension WavWriter {
    /// 3 h 22 min.
    static func duration(_ seconds: Double) -> String {
        let minutes = Int(seconds / 60)
        return minutes >= 60 ? "\(minutes / 60) h \(minutes % 60) min" : "\(minutes) min"
    }
}
