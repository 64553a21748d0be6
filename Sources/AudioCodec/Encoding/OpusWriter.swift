import COpusEnc
import Glibc

/// Encodes Ogg Opus with libopusenc, at 48 kHz (the pipeline resamples to
/// it with libsoxr, as for any rate change). Tags and chapters (CHAPTERxxx,
/// CHAPTERxxxNAME) are Vorbis-style comments in the OpusTags header; a
/// cover is a METADATA_BLOCK_PICTURE comment. libopusenc keeps only a few
/// pages in memory, however long the audio.
public final class OpusWriter: AudioSink {
    public let path: String
    private let file: CheckedFileStream
    private var encoder: OpaquePointer?
    private let channels: Int
    fileprivate var writeError: AudioError?

    /// libopus's bit-rate range, kbit/s.
    public static let bitrates = 6...510

    public init(
        path: String, descriptor: Int32? = nil, sampleRate: Int, channels: Int, kbps: Int, tags: AudioTags = AudioTags(),
        chapters: [ChapterMark] = [], coverArt: CoverArt? = nil
    ) throws(AudioError) {
        // The descriptor is ours from here: closed if we throw before the file takes it.
        var descriptorTaken = descriptor == nil
        defer { if !descriptorTaken, let descriptor { close(descriptor) } }
        guard sampleRate == EncoderSettings.opusSampleRate else {
            throw AudioError(.unsupportedSettings, "Opus is encoded at 48000 Hz, not \(sampleRate)")
        }
        guard channels == 1 || channels == 2 else {
            throw AudioError(.unsupportedSettings, "Opus holds 1 or 2 channels here, not \(channels)")
        }
        guard Self.bitrates.contains(kbps) else {
            throw AudioError(.unsupportedSettings, "Opus bit rate must be \(Self.bitrates.lowerBound) to \(Self.bitrates.upperBound) kbit/s, not \(kbps)")
        }
        self.path = path
        self.channels = channels
        file = try CheckedFileStream.open(path: path, descriptor: descriptor)
        descriptorTaken = true

        guard let comments = ope_comments_create() else { throw AudioError(.writeFailed, "libopusenc could not start") }
        defer { ope_comments_destroy(comments) }
        let fields = AudioTags.names.compactMap { name in tags[name].map { (name == "track" ? "TRACKNUMBER" : name.uppercased(), $0) } }
        for (field, value) in fields + ChapterMark.vorbisComments(chapters) {
            guard ope_comments_add(comments, field, value) == OPE_OK else {
                throw AudioError(.unsupportedSettings, "libopusenc refuses the comment \(field)")
            }
        }
        if let coverArt {
            let added = coverArt.bytes.withUnsafeBufferPointer { bytes in
                bytes.withMemoryRebound(to: CChar.self) { ope_comments_add_picture_from_memory(comments, $0.baseAddress, $0.count, 3, nil) }
            }
            guard added == OPE_OK else {
                throw AudioError(.unsupportedSettings, "libopusenc refuses the cover image: \(String(cString: ope_strerror(added)))")
            }
        }
        var callbacks = OpusEncCallbacks(write: opusWriterWrite, close: { _ in 0 })
        var error: Int32 = 0
        encoder = ope_encoder_create_callbacks(
            &callbacks, Unmanaged.passUnretained(self).toOpaque(), comments, Int32(sampleRate), Int32(channels), 0, &error)
        guard let encoder, error == OPE_OK else {
            throw AudioError(.writeFailed, "cannot create '\(path)': \(String(cString: ope_strerror(error)))")
        }
        guard audiospool_ope_set_bitrate(encoder, Int32(kbps * 1000)) == OPE_OK else {
            throw AudioError(.unsupportedSettings, "libopus rejects \(kbps) kbit/s")
        }
    }

    deinit {
        if let encoder { ope_encoder_destroy(encoder) }
    }

    public func write(_ samples: UnsafeBufferPointer<Float>) throws(AudioError) {
        let frames = samples.count / channels
        guard frames > 0 else { return }
        let status = ope_encoder_write_float(encoder, samples.baseAddress, Int32(frames))
        guard status == OPE_OK else { throw failure(status) }
    }

    public func finish() throws(AudioError) {
        guard let encoder else { return }
        let status = ope_encoder_drain(encoder)
        ope_encoder_destroy(encoder)
        self.encoder = nil
        guard status == OPE_OK else { throw failure(status) }
        try file.close()
    }

    private func failure(_ status: Int32) -> AudioError {
        writeError ?? AudioError(.writeFailed, "libopusenc failed writing '\(path)': \(String(cString: ope_strerror(status)))")
    }

    /// A page from libopusenc; 0 is success.
    fileprivate func written(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32 {
        do {
            try file.write(bytes)
            return 0
        } catch {
            writeError = error
            return 1
        }
    }
}

private let opusWriterWrite: ope_write_func = { client, bytes, count in
    Unmanaged<OpusWriter>.fromOpaque(client!).takeUnretainedValue().written(UnsafeBufferPointer(start: bytes, count: Int(count)))
}
