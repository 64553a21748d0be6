/// Something that takes interleaved float frames, chunk by chunk, and makes
/// a file of them when finished.
public protocol AudioSink: AnyObject {
    func write(_ samples: UnsafeBufferPointer<Float>) throws(AudioError)
    /// Flushes and closes; the file is complete only if this succeeds.
    func finish() throws(AudioError)
}
