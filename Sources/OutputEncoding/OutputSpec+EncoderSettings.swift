import AudioCodec
import Spool

/// A job's `output` options (Spool's OutputSpec, SPOOL.md "Output fields")
/// as AudioCodec's settings: one mapping for the runner and for
/// `audiospool encode`, so a file encoded by hand is the file a job makes.
extension OutputSpec {
    /// The codec settings that produce this output. The defaults for what
    /// a job leaves open live here: 16-bit WAV and FLAC, FLAC level 5, MP3,
    /// M4A and AAC at 128 kbit/s, Opus and M4B (speech) at 64, a −1 dBTP
    /// ceiling; what the presets mean. Chapters and a cover are the
    /// caller's to add (`audiospool encode --chapters`).
    public var encoderSettings: EncoderSettings {
        let container: EncoderSettings.Format
        switch format {
        case .wav:
            let sampleFormat: WavSampleFormat =
                switch bitDepth ?? .int16 {
                case .int16: .pcm16
                case .int24: .pcm24
                case .float32: .float32
                }
            container = .wav(sampleFormat)
        case .mp3:
            container = .mp3(vbrQuality.map { .vbr(quality: $0) } ?? .cbr(kbps: bitrateKbps ?? 128))
        case .flac:
            container = .flac(compressionLevel: compressionLevel ?? 5, bitsPerSample: bitDepth == .int24 ? 24 : 16)
        case .opus:
            container = .opus(kbps: bitrateKbps ?? 64)
        case .m4b:
            container = .aac(kbps: bitrateKbps ?? 64, container: .m4b)
        case .m4a:
            container = .aac(kbps: bitrateKbps ?? 128, container: .m4a)
        case .aac:
            container = .aac(kbps: bitrateKbps ?? 128, container: .adts)
        case .pcm:
            container = .pcm16
        }
        var tags = AudioTags()
        for (name, value) in self.tags { tags[name] = value }
        return EncoderSettings(
            format: container, sampleRate: sampleRate, channels: channels,
            loudness: loudnessTarget, tags: tags)
    }

    public var loudnessTarget: LoudnessTarget? {
        switch loudnessPreset {
        case .podcast: .podcast
        case .audiobook: .audiobook
        case .broadcast: .broadcast
        case nil: loudnessLUFS.map { LoudnessTarget(integratedLUFS: $0, truePeakDB: truePeakDB ?? -1) }
        }
    }
}
