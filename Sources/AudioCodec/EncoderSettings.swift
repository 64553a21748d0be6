/// What an output file should be.
public struct EncoderSettings: Sendable, Equatable {
    public enum Container: Sendable, Equatable {
        case wav(WavSampleFormat)
    }

    public var container: Container

    public init(container: Container) {
        self.container = container
    }

    public static let wav16 = EncoderSettings(container: .wav(.pcm16))

    /// The file extension for this container.
    public var fileExtension: String {
        switch container {
        case .wav: "wav"
        }
    }

    func makeSink(path: String, sampleRate: Int, channels: Int) throws(AudioError) -> any AudioSink {
        switch container {
        case .wav(let format):
            try WavWriter(path: path, sampleRate: sampleRate, channels: channels, format: format)
        }
    }
}
