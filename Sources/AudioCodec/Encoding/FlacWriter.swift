import CFLAC
import CSampleConversion
import Glibc

/// Encodes FLAC with libFLAC. Every FLAC is verified: its bytes are decoded
/// again as they are written and compared with what went in (FlacVerifier,
/// on a second thread), so a FLAC we deliver is known to decode to what we
/// gave it. Tags and chapters (CHAPTERxxx, CHAPTERxxxNAME) become Vorbis
/// comments, chapters a CUESHEET too, and a cover a PICTURE block
/// (FlacWriter+Metadata).
public final class FlacWriter: AudioSink {
    public let path: String
    private var encoder: UnsafeMutablePointer<FLAC__StreamEncoder>?
    private let file: CheckedFileStream
    private let verifier: FlacVerifier
    private let channels: Int
    private let scale: Float
    private var metadata: [UnsafeMutablePointer<FLAC__StreamMetadata>?] = []
    private var zeros: [Int32] = []
    /// libFLAC seeks back at the end to rewrite its header; those bytes
    /// are not part of the stream the verifier reads.
    fileprivate var rewriting = false
    fileprivate var writeError: AudioError?
    /// Encoded bytes not yet handed to the verifier: handing them over in
    /// batches, not per frame, keeps thread wake-ups rare.
    private var unverified: [UInt8] = []
    private var chunksSinceHandOver = 0
    private let chapterCount: Int
    /// Where the cuesheet's lead-out offset lies in the file, written at the end.
    private var leadOutOffset: Int?
    private var framesWritten: UInt64 = 0

    public static let compressionLevels = 0...8
    public static let bitDepths = [16, 24]

    public init(
        path: String, descriptor: Int32? = nil, sampleRate: Int, channels: Int, compressionLevel: Int, bitsPerSample: Int, tags: AudioTags = AudioTags(),
        chapters: [ChapterMark] = [], coverArt: CoverArt? = nil
    ) throws(AudioError) {
        // The descriptor is ours from here: closed if we throw before the file takes it.
        var descriptorTaken = descriptor == nil
        defer { if !descriptorTaken, let descriptor { close(descriptor) } }
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
        chapterCount = chapters.count
        // The inverse of libsndfile's integer-to-float scaling, so 16-bit
        // audio passes through bit for bit.
        scale = Float(1 << (bitsPerSample - 1))
        file = try CheckedFileStream.open(path: path, descriptor: descriptor)
        descriptorTaken = true
        verifier = try FlacVerifier(channels: channels, bitsPerSample: bitsPerSample)
        // The verifier computes the MD5 on its own thread (see finish).
        _ = audiospool_flac_disable_md5(encoder)
        FLAC__stream_encoder_set_compression_level(encoder, UInt32(compressionLevel))
        FLAC__stream_encoder_set_channels(encoder, UInt32(channels))
        FLAC__stream_encoder_set_bits_per_sample(encoder, UInt32(bitsPerSample))
        FLAC__stream_encoder_set_sample_rate(encoder, UInt32(sampleRate))
        metadata = Self.makeMetadata(tags, chapters: chapters, coverArt: coverArt, sampleRate: sampleRate)
        _ = metadata.withUnsafeMutableBufferPointer {
            FLAC__stream_encoder_set_metadata(encoder, $0.baseAddress, UInt32($0.count))
        }
        let status = FLAC__stream_encoder_init_stream(
            encoder, flacWriterWrite, flacWriterSeek, flacWriterTell, nil, Unmanaged.passUnretained(self).toOpaque())
        guard status == FLAC__STREAM_ENCODER_INIT_STATUS_OK else {
            let reason = status == FLAC__STREAM_ENCODER_INIT_STATUS_ENCODER_ERROR
                ? String(cString: FLAC__stream_encoder_get_resolved_state_string(encoder)) : "init status \(status.rawValue)"
            throw AudioError(.writeFailed, "cannot create '\(path)': \(reason)")
        }
        // init wrote the header: every byte so far is "fLaC" and metadata.
        if chapterCount > 0 { leadOutOffset = Self.leadOutOffset(in: unverified, tracks: chapterCount) }
    }

    deinit {
        if let encoder { FLAC__stream_encoder_delete(encoder) }
        for block in metadata { FLAC__metadata_object_delete(block) }
    }

    public func write(_ samples: UnsafeBufferPointer<Float>) throws(AudioError) {
        let frames = samples.count / channels
        guard frames > 0 else { return }
        var integers = verifier.spareSamples.take()
        // Appending a slice is a copy even in debug builds, where
        // repeatElement's generic iteration costs seconds a file.
        if zeros.count < samples.count { zeros = [Int32](repeating: 0, count: samples.count) }
        integers.append(contentsOf: zeros[0..<samples.count])
        integers.withUnsafeMutableBufferPointer { out in
            audiospool_float_to_int32(samples.baseAddress, out.baseAddress, samples.count, scale)
        }
        verifier.expect(integers)
        framesWritten += UInt64(frames)
        let ok = integers.withUnsafeBufferPointer { FLAC__stream_encoder_process_interleaved(encoder, $0.baseAddress, UInt32(frames)) }
        // The verifier must be able to reach all but a few of the samples it
        // was told to expect, or its bounded queue would stop both sides:
        // hand bytes over every few chunks (fewer than the queue holds), or
        // sooner once there are plenty.
        chunksSinceHandOver += 1
        if chunksSinceHandOver >= 4 || unverified.count >= 1 << 16 { handOverUnverified() }
        guard ok != 0 else { throw failure() }
    }

    public func finish() throws(AudioError) {
        guard let encoder else { return }
        let ok = FLAC__stream_encoder_finish(encoder) != 0
        handOverUnverified()
        let error = ok ? nil : failure()
        FLAC__stream_encoder_delete(encoder)
        self.encoder = nil
        // Wait for the verifier even after a failure, so its thread ends.
        let verification: Result<[UInt8], AudioError>
        do {
            verification = .success(try verifier.finish())
        } catch {
            verification = .failure(error)
        }
        if let error { throw error }
        // STREAMINFO is the first block after "fLaC"; its MD5 is at byte 26.
        try file.overwrite(try verification.get(), at: 26)
        if let leadOutOffset {
            try file.overwrite((0..<8).reversed().map { UInt8(truncatingIfNeeded: framesWritten >> (8 * UInt64($0))) }, at: leadOutOffset)
        }
        try file.close()
    }

    private func handOverUnverified() {
        chunksSinceHandOver = 0
        guard !unverified.isEmpty else { return }
        verifier.feed(unverified)
        unverified = verifier.spareBytes.take()
    }

    private func failure() -> AudioError {
        if let writeError { return writeError }
        let state = String(cString: FLAC__stream_encoder_get_resolved_state_string(encoder))
        return AudioError(.writeFailed, "libFLAC failed writing '\(path)': \(state)")
    }

    // MARK: Encoder callbacks

    fileprivate func written(_ bytes: UnsafeBufferPointer<UInt8>) -> FLAC__StreamEncoderWriteStatus {
        do {
            try file.write(bytes)
        } catch {
            writeError = error
            return FLAC__STREAM_ENCODER_WRITE_STATUS_FATAL_ERROR
        }
        if !rewriting { unverified.append(contentsOf: bytes) }
        return FLAC__STREAM_ENCODER_WRITE_STATUS_OK
    }

    fileprivate func seek(to offset: UInt64) -> FLAC__StreamEncoderSeekStatus {
        rewriting = true
        return file.seek(to: offset) ? FLAC__STREAM_ENCODER_SEEK_STATUS_OK : FLAC__STREAM_ENCODER_SEEK_STATUS_ERROR
    }

    fileprivate var position: UInt64? { file.position }
}

private func writer(_ client: UnsafeMutableRawPointer?) -> FlacWriter {
    Unmanaged<FlacWriter>.fromOpaque(client!).takeUnretainedValue()
}

private let flacWriterWrite: FLAC__StreamEncoderWriteCallback = { _, buffer, bytes, _, _, client in
    writer(client).written(UnsafeBufferPointer(start: buffer, count: bytes))
}

private let flacWriterSeek: FLAC__StreamEncoderSeekCallback = { _, offset, client in
    writer(client).seek(to: offset)
}

private let flacWriterTell: FLAC__StreamEncoderTellCallback = { _, offset, client in
    guard let position = writer(client).position else { return FLAC__STREAM_ENCODER_TELL_STATUS_ERROR }
    offset!.pointee = position
    return FLAC__STREAM_ENCODER_TELL_STATUS_OK
}
