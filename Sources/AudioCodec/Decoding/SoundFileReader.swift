import CSndFile
import Glibc

/// Reads any file libsndfile decodes (WAV, FLAC, OGG, MP3, …) as interleaved
/// 32-bit float frames, a chunk at a time.
public final class SoundFileReader: AudioSource {
    public let path: String
    public let properties: AudioProperties
    private var handle: OpaquePointer?

    public convenience init(path: String) throws(AudioError) {
        var info = SF_INFO()
        let handle = sf_open(path, Int32(SFM_READ), &info)
        try self.init(handle: handle, info: info, path: path)
    }

    /// Reads an open file, which it then owns (closed with the reader):
    /// what was checked is what is read, whatever happens to its name.
    /// `name` is for messages.
    public convenience init(descriptor: Int32, name: String) throws(AudioError) {
        var info = SF_INFO()
        let handle = sf_open_fd(descriptor, Int32(SFM_READ), &info, Int32(SF_TRUE))
        if handle == nil { close(descriptor) }
        try self.init(handle: handle, info: info, path: name)
    }

    private init(handle: OpaquePointer?, info: SF_INFO, path: String) throws(AudioError) {
        guard let handle else {
            let reason = String(cString: sf_strerror(nil))
            throw AudioError(.unreadableInput, "cannot read audio '\(path)': \(reason)")
        }
        guard info.channels > 0, info.samplerate > 0 else {
            sf_close(handle)
            throw AudioError(.unreadableInput, "audio '\(path)' has no channels or no sample rate")
        }
        self.path = path
        self.handle = handle
        self.properties = AudioProperties(
            sampleRate: Int(info.samplerate), channels: Int(info.channels), frames: info.frames)
    }

    deinit {
        if let handle { sf_close(handle) }
    }

    /// Fills `buffer` with up to `buffer.count / channels` frames; returns the
    /// number of frames read, 0 at the end.
    public func read(into buffer: UnsafeMutableBufferPointer<Float>) throws(AudioError) -> Int {
        let channels = properties.channels
        let capacity = buffer.count / channels
        guard capacity > 0, let base = buffer.baseAddress else { return 0 }
        let frames = sf_readf_float(handle, base, sf_count_t(capacity))
        if frames < 0 || (frames == 0 && sf_error(handle) != 0) {
            throw AudioError(.unreadableInput, "cannot decode '\(path)': \(String(cString: sf_strerror(handle)))")
        }
        return Int(frames)
    }
}
