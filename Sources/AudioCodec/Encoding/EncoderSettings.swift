/// What an output file should be: its format, and the processing on the
/// way to it (sample rate, channels, loudness). Values are checked where
/// they come from (the job parser, the `encode` command); encoders check
/// again and fail with `unsupportedSettings`.
public struct EncoderSettings: Sendable, Equatable {
    public enum Format: Sendable, Equatable {
        case wav(WavSampleFormat)
        case mp3(Mp3Mode)
        /// libFLAC level 0–8, 16- or 24-bit samples.
        case flac(compressionLevel: Int, bitsPerSample: Int)
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

    public init(
        format: Format, sampleRate: Int? = nil, channels: Int? = nil, loudness: LoudnessTarget? = nil,
        tags: AudioTags = AudioTags()
    ) {
        self.format = format
        self.sampleRate = sampleRate
        self.channels = channels
        self.loudness = loudness
        self.tags = tags
    }

    public static let wav16 = EncoderSettings(format: .wav(.pcm16))

    public var fileExtension: String {
        switch format {
        case .wav: "wav"
        case .mp3: "mp3"
        case .flac: "flac"
        }
    }

    /// Sample rates an MP3 can hold (MPEG-1, -2 and -2.5).
    public static let mp3SampleRates = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000]

    /// The rate the output is written at: the requested one, or the input's
    /// (for MP3, the nearest rate MP3 can hold at or above it, else below).
    func outputRate(for inputRate: Int) -> Int {
        if let sampleRate { return sampleRate }
        guard case .mp3 = format, !Self.mp3SampleRates.contains(inputRate) else { return inputRate }
        return Self.mp3SampleRates.first { $0 >= inputRate } ?? Self.mp3SampleRates.last!
    }

    /// A writer on `descriptor` (which it owns from here on, even if this
    /// throws); `name` is for messages.
    func makeSink(descriptor: Int32, name: String, sampleRate: Int, channels: Int) throws(AudioError) -> any AudioSink {
        switch format {
        case .wav(let sampleFormat):
            try WavWriter(path: name, descriptor: descriptor, sampleRate: sampleRate, channels: channels, format: sampleFormat, tags: tags)
        case .mp3(let mode):
            try Mp3Writer(path: name, descriptor: descriptor, sampleRate: sampleRate, channels: channels, mode: mode, tags: tags)
        case .flac(let level, let bits):
            try FlacWriter(
                path: name, descriptor: descriptor, sampleRate: sampleRate, channels: channels, compressionLevel: level,
                bitsPerSample: bits, tags: tags)
        }
    }
}
