/// Something that gives interleaved float frames, chunk by chunk: a decoded
/// file, or segments stitched together.
public protocol AudioSource: AnyObject {
    var properties: AudioProperties { get }
    /// Fills `buffer` with up to `buffer.count / channels` frames; returns
    /// how many, 0 at the end.
    func read(into buffer: UnsafeMutableBufferPointer<Float>) throws(AudioError) -> Int
}
