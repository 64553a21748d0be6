/// What an output file should be: its format, its tags, chapters and cover,
/// and the processing on the way to it (sample rate, channels, loudness). Values are checked where
/// they come from (the job parser, the `encode` command); encoders check
/// again and fail with `unsupportedSettings`.
public struct EncoderSettings: Sendable, Equatable {
    public enum Format: Sendable, Equatable {
        case wav(WavSampleFormat)
        case mp3(Mp3Mode)
        /// libFLAC level 0–8, 16- or 24-bit samples.
        case flac(compressionLevel: Int, bitsPerSample: Int)
        /// Ogg Opus (libopusenc) at 48 kHz, kbit/s.
        case opus(kbps: Int)
        /// AAC-LC (FFmpeg's native encoder), kbit/s, in MP4 or ADTS.
        case aac(kbps: Int, container: AacContainer)
        /// Raw signed 16-bit little-endian samples, interleaved, no header.
        case pcm16
    }

    /// Where AAC goes: MP4 as an audiobook (.m4b) or as music (.m4a), or a
    /// bare ADTS stream (.aac), which holds no chapters and no cover.
    public enum AacContainer: String, Sendable, Equatable {
        case m4a, m4b, adts
    }

    public enum Mp3Mode: Sendable, Equatable {
        /// Constant bit rate, kbit/s.
        case cbr(kbps: Int)
        /// Variable bit rate, LAME quality 0 (best) … 9.
        case vbr(quality: Int)
    }

    public var format: Format
    /// Resample to this rate (libsoxr, high quality); nil keeps the input's.
    public var sampleRate: Int?
    /// 1 or 2; nil keeps the input's.
    public var channels: Int?
    /// EBU R128 integrated-loudness normalisation.
    public var loudness: LoudnessTarget?
    public var tags: AudioTags
    /// Chapter markers, for the containers that hold them (MP3, M4B, M4A,
    /// Opus, FLAC); the others ignore them.
    public var chapters: [ChapterMark]
    /// A cover picture, for MP3, M4B, M4A, Opus and FLAC; the others ignore it.
    public var coverArt: CoverArt?

    public init(
        format: Format, sampleRate: Int? = nil, channels: Int? = nil, loudness: LoudnessTarget? = nil,
        tags: AudioTags = AudioTags(), chapters: [ChapterMark] = [], coverArt: CoverArt? = nil
    ) {
        self.format = format
        self.sampleRate = sampleRate
        self.channels = channels
        self.loudness = loudness
        self.tags = tags
        self.chapters = chapters
        self.coverArt = coverArt
    }

    public static let wav16 = EncoderSettings(format: .wav(.pcm16))

    public var fileExtension: String {
        switch format {
        case .wav: "wav"
        case .mp3: "mp3"
        case .flac: "flac"
        case .opus: "opus"
        case .aac(_, .adts): "aac"
        case .aac(_, let container): container.rawValue
        case .pcm16: "pcm"
        }
    }

    /// Sample rates an MP3 can hold (MPEG-1, -2 and -2.5).
    public static let mp3SampleRates = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000]
    /// Sample rates AAC has an index for (FFmpeg's encoder takes these).
    public static let aacSampleRates = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000, 64000, 88200, 96000]
    /// Opus always runs at 48 kHz; other rates are resampled to it.
    public static let opusSampleRate = 48000

    /// The rate the output is written at: the requested one, or the input's
    /// (for MP3 and AAC, the nearest rate the format can hold at or above
    /// it, else below; for Opus, always 48 kHz).
    func outputRate(for inputRate: Int) -> Int {
        let held: [Int]
        switch format {
        case .opus: return sampleRate ?? Self.opusSampleRate
        case .mp3: held = Self.mp3SampleRates
        case .aac: held = Self.aacSampleRates
        default: return sampleRate ?? inputRate
        }
        if let sampleRate { return sampleRate }
        guard !held.contains(inputRate) else { return inputRate }
        return held.first { $0 >= inputRate } ?? held.last!
    }

    /// A writer on `descriptor` (which it owns from here on, even if this
    /// throws); `name` is for messages.
    func makeSink(descriptor: Int32, name: String, sampleRate: Int, channels: Int) throws(AudioError) -> any AudioSink {
        switch format {
        case .wav(let sampleFormat):
            try WavWriter(path: name, descriptor: descriptor, sampleRate: sampleRate, channels: channels, format: sampleFormat, tags: tags)
        case .pcm16:
            try WavWriter(path: name, descriptor: descriptor, sampleRate: sampleRate, channels: channels, format: .pcm16, raw: true)
        case .mp3(let mode):
            try Mp3Writer(
                path: name, descriptor: descriptor, sampleRate: sampleRate, channels: channels, mode: mode, tags: tags,
                chapters: chapters, coverArt: coverArt)
        case .flac(let level, let bits):
            try FlacWriter(
                path: name, descriptor: descriptor, sampleRate: sampleRate, channels: channels, compressionLevel: level,
                bitsPerSample: bits, tags: tags, chapters: chapters, coverArt: coverArt)
        case .opus(let kbps):
            try OpusWriter(
                path: name, descriptor: descriptor, sampleRate: sampleRate, channels: channels, kbps: kbps, tags: tags,
                chapters: chapters, coverArt: coverArt)
        case .aac(let kbps, let container):
            try AacWriter(
                path: name, descriptor: descriptor, sampleRate: sampleRate, channels: channels, kbps: kbps, container: container,
                tags: tags, chapters: container == .adts ? [] : chapters, coverArt: container == .adts ? nil : coverArt)
        }
    }
}
