import AudioCodec
import Spool

extension OutputSpec {
    /// The codec settings that produce this output.
    var encoderSettings: EncoderSettings {
        switch format {
        case .wav:
            let sampleFormat: WavSampleFormat =
                switch bitDepth ?? .int16 {
                case .int16: .pcm16
                case .int24: .pcm24
                case .float32: .float32
                }
            return EncoderSettings(container: .wav(sampleFormat))
        }
    }
}
