import CFLAC

/// Encodes FLAC with libFLAC, verification on: libFLAC decodes every frame
/// it writes and compares, so a FLAC we deliver is known to decode to what
/// we gave it. Tags become Vorbis comments.
public final class FlacWriter: AudioSink {
    public let path: String
    private var encoder: UnsafeMutablePointer<FLAC__StreamEncoder>?
    private let channels: Int
    private let scale: Float
    private let peak: Float
    private var integers = [Int32]()
    private var metadata: [UnsafeMutablePointer<FLAC__StreamMetadata>?] = []

    public static let compressionLevels = 0...8
    public static let bitDepths = [16, 24]

    public init(
        path: String, sampleRate: Int, channels: Int, compressionLevel: Int, bitsPerSample: Int, tags: AudioTags = AudioTags()
    ) throws(AudioError) {
        guard Self.compressionLevels.contains(compressionLevel) else {
            throw AudioError(.unsupportedSettings, "FLAC compression level must be 0 to 8, not \(compressionLevel)")
        }
        guard Self.bitDepths.contains(bitsPerSample) else {
            throw AudioError(.unsupportedSettings, "FLAC bit depth must be 16 or 24, not \(bitsPerSample)")
        }
        guard (1...8).contains(channels), (1...655_350).contains(sampleRate) else {
            throw AudioError(.unsupportedSettings, "FLAC cannot hold \(channels) channels at \(sampleRate) Hz")
        }
        guard let encoder = FLAC__stream_encoder_new() else { throw AudioError(.writeFailed, "libFLAC could not start") }
        self.encoder = encoder
        self.path = path
        self.channels = channels
        // The inverse of libsndfile's integer-to-float scaling, so 16-bit
        // audio passes through bit for bit.
        scale = Float(1 << (bitsPerSample - 1))
        peak = scale - 1
        FLAC__stream_encoder_set_verify(encoder, 1)
        FLAC__stream_encoder_set_compression_level(encoder, UInt32(compressionLevel))
        FLAC__stream_encoder_set_channels(encoder, UInt32(channels))
        FLAC__stream_encoder_set_bits_per_sample(encoder, UInt32(bitsPerSample))
        FLAC__stream_encoder_set_sample_rate(encoder, UInt32(sampleRate))
        if !tags.isEmpty, let comments = FLAC__metadata_object_new(FLAC__METADATA_TYPE_VORBIS_COMMENT) {
            for name in AudioTags.names {
                guard let value = tags[name] else { continue }
                var entry = FLAC__StreamMetadata_VorbisComment_Entry()
                if FLAC__metadata_object_vorbiscomment_entry_from_name_value_pair(&entry, name == "track" ? "TRACKNUMBER" : name.uppercased(), value) != 0 {
                    _ = FLAC__metadata_object_vorbiscomment_append_comment(comments, entry, 0)
                }
            }
            metadata.append(comments)
        }
        if let padding = FLAC__metadata_object_new(FLAC__METADATA_TYPE_PADDING) {
            padding.pointee.length = 1024  // room to edit tags in place later
            metadata.append(padding)
        }
        _ = metadata.withUnsafeMutableBufferPointer {
            FLAC__stream_encoder_set_metadata(encoder, $0.baseAddress, UInt32($0.count))
        }
        let status = FLAC__stream_encoder_init_file(encoder, path, nil, nil)
        guard status == FLAC__STREAM_ENCODER_INIT_STATUS_OK else {
            let reason = status == FLAC__STREAM_ENCODER_INIT_STATUS_ENCODER_ERROR
                ? String(cString: FLAC__stream_encoder_get_resolved_state_string(encoder)) : "init status \(status.rawValue)"
            throw AudioError(.writeFailed, "cannot create '\(path)': \(reason)")
        }
    }

    deinit {
        if let encoder {
            FLAC__stream_encoder_finish(encoder)
            FLAC__stream_encoder_delete(encoder)
        }
        for block in metadata { FLAC__metadata_object_delete(block) }
    }

    public func write(_ samples: UnsafeBufferPointer<Float>) throws(AudioError) {
        let frames = samples.count / channels
        guard frames > 0 else { return }
        if integers.count < samples.count { integers = [Int32](repeating: 0, count: samples.count) }
        let scale = scale, peak = peak
        integers.withUnsafeMutableBufferPointer { out in
            for index in 0..<samples.count {
                out[index] = Int32(max(-scale, min(peak, (samples[index] * scale).rounded())))
            }
        }
        let ok = integers.withUnsafeBufferPointer { FLAC__stream_encoder_process_interleaved(encoder, $0.baseAddress, UInt32(frames)) }
        guard ok != 0 else { throw failure() }
    }

    public func finish() throws(AudioError) {
        guard let encoder else { return }
        let ok = FLAC__stream_encoder_finish(encoder) != 0
        let error = ok ? nil : failure()
        FLAC__stream_encoder_delete(encoder)
        self.encoder = nil
        if let error { throw error }
    }

    private func failure() -> AudioError {
        let state = String(cString: FLAC__stream_encoder_get_resolved_state_string(encoder))
        return AudioError(.writeFailed, "libFLAC failed writing '\(path)': \(state)")
    }
}
