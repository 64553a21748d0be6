import CSndFile
import Glibc

/// Reads any file libsndfile decodes (WAV, FLAC, OGG, MP3, …) as interleaved
/// 32-bit float frames, a chunk at a time.
public final class SoundFileReader: AudioSource {
    public let path: String
    public let properties: AudioProperties
    private var handle: OpaquePointer?
    private var framesRead: Int64 = 0

    public convenience init(path: String) throws(AudioError) {
        // Opened without blocking and checked before libsndfile sees it: a
        // FIFO would otherwise hang the open, and a device read forever.
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw AudioError(.unreadableInput, "cannot read audio '\(path)': \(String(cString: strerror(errno)))")
        }
        try self.init(descriptor: descriptor, name: path)
    }

    /// Reads an open file, which it then owns (closed here, whatever
    /// happens): what was checked is what is read, whatever happens to its
    /// name. `name` is for messages.
    public init(descriptor: Int32, name path: String) throws(AudioError) {
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            throw AudioError(.unreadableInput, "cannot read audio '\(path)': it is \(Self.kind(status.st_mode)), not a regular file")
        }
        var info = SF_INFO()
        // libsndfile gets a duplicate it owns: it closes the descriptor it
        // was given when an open fails, whatever close_desc says (1.2.0).
        guard let handle = sf_open_fd(dup(descriptor), Int32(SFM_READ), &info, 1) else {
            let code = sf_error(nil)
            let reason = String(cString: sf_strerror(nil))
            let sniffed = Self.sniff(descriptor)
            // libsndfile's words for an unknown format mislead ("possibly a pipe?").
            if code == Int32(SF_ERR_UNRECOGNISED_FORMAT) || reason.contains("pipe") || sniffed != nil {
                throw AudioError(
                    .unreadableInput,
                    "cannot read audio '\(path)': it is not in a format libsndfile decodes (WAV, FLAC, Ogg, MP3, …)\(sniffed.map { "; it looks like \($0)" } ?? "")")
            }
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

    private static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: "a folder"
        case S_IFIFO: "a FIFO"
        case S_IFCHR, S_IFBLK: "a device"
        case S_IFSOCK: "a socket"
        default: "not a regular file"
        }
    }

    /// What a file that is not audio is, by its first bytes, for the message.
    private static func sniff(_ descriptor: Int32) -> String? {
        var bytes = [UInt8](repeating: 0, count: 8)
        let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, 8, 0) }
        guard count >= 4 else { return count == 0 ? "an empty file" : nil }
        let signatures: [([UInt8], String)] = [
            ([0x89, 0x50, 0x4E, 0x47], "a PNG image"), ([0xFF, 0xD8, 0xFF], "a JPEG image"), (Array("GIF8".utf8), "a GIF image"),
            (Array("%PDF".utf8), "a PDF document"), ([0x50, 0x4B, 0x03, 0x04], "a ZIP archive"), ([0x7F, 0x45, 0x4C, 0x46], "a program (ELF)"),
        ]
        return signatures.first { bytes.starts(with: $0.0) }?.1
    }

    /// Fills `buffer` with up to `buffer.count / channels` frames; returns the
    /// number of frames read, 0 at the end.
    public func read(into buffer: UnsafeMutableBufferPointer<Float>) throws(AudioError) -> Int {
        let channels = properties.channels
        let capacity = buffer.count / channels
        guard capacity > 0, let base = buffer.baseAddress else { return 0 }
        let frames = sf_readf_float(handle, base, sf_count_t(capacity))
        if frames < 0 || (frames == 0 && sf_error(handle) != 0) {
            let expected = properties.frames.map { " of \($0)" } ?? ""
            throw AudioError(
                .unreadableInput,
                "cannot decode '\(path)' after \(framesRead)\(expected) frames: it is damaged or cut short (libsndfile: \(String(cString: sf_strerror(handle))))")
        }
        framesRead += Int64(frames)
        return Int(frames)
    }
}
