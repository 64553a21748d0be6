/// The shape of a stream of audio.
public struct AudioProperties: Sendable, Equatable {
    public var sampleRate: Int
    public var channels: Int
    /// Frames (samples per channel); nil when the container does not say.
    public var frames: Int64?

    public init(sampleRate: Int, channels: Int, frames: Int64? = nil) {
        self.sampleRate = sampleRate
        self.channels = channels
        self.frames = frames
    }

    public var durationSeconds: Double? {
        guard let frames, sampleRate > 0 else { return nil }
        return Double(frames) / Double(sampleRate)
    }
}
