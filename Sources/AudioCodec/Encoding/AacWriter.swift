import CFFmpeg
import CSampleConversion
import Glibc

/// Encodes AAC-LC with FFmpeg's native encoder (fdk-aac is not in Debian's
/// main archive) and muxes it with libavformat: MP4 (the `ipod` muxer, as
/// FFmpeg uses for .m4a and .m4b) with iTunes tags, a cover and chapters
/// (a QuickTime chapter track), or a bare ADTS stream with an ID3v2 tag.
/// Bytes go to our file through a custom AVIOContext, so the file is the
/// one an OutputTarget created; the MP4 muxer seeks back to fill in sizes.
///
/// Memory: ADTS holds nothing back. MP4 keeps its sample table (one entry
/// per 1024-sample packet, about 50 bytes in libavformat) until it writes
/// the index at the end, as any MP4 with its index in one `moov` must.
public final class AacWriter: AudioSink {
    public let path: String
    private let file: CheckedFileStream
    private let channels: Int
    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var codec: UnsafeMutablePointer<AVCodecContext>?
    private var frame: UnsafeMutablePointer<AVFrame>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var io: UnsafeMutablePointer<AVIOContext>?
    private let chapters: [ChapterMark]
    private let sampleRate: Int
    /// Frames in `frame` not yet sent, and frames sent in all.
    private var pending = 0
    private var framesIn: Int64 = 0
    private var frameSize = 1024
    fileprivate var writeError: AudioError?

    public static let bitrates = 16...320

    public init(
        path: String, descriptor: Int32? = nil, sampleRate: Int, channels: Int, kbps: Int, container: EncoderSettings.AacContainer,
        tags: AudioTags = AudioTags(), chapters: [ChapterMark] = [], coverArt: CoverArt? = nil
    ) throws(AudioError) {
        var descriptorTaken = descriptor == nil
        defer { if !descriptorTaken, let descriptor { close(descriptor) } }
        guard channels == 1 || channels == 2 else {
            throw AudioError(.unsupportedSettings, "AAC holds 1 or 2 channels here, not \(channels)")
        }
        guard EncoderSettings.aacSampleRates.contains(sampleRate) else {
            throw AudioError(.unsupportedSettings, "AAC cannot hold \(sampleRate) Hz; use one of \(EncoderSettings.aacSampleRates)")
        }
        guard Self.bitrates.contains(kbps) else {
            throw AudioError(.unsupportedSettings, "AAC bit rate must be \(Self.bitrates.lowerBound) to \(Self.bitrates.upperBound) kbit/s, not \(kbps)")
        }
        self.path = path
        self.channels = channels
        self.sampleRate = sampleRate
        self.chapters = chapters
        try FFmpegLibrary.load()
        file = try CheckedFileStream.open(path: path, descriptor: descriptor)
        descriptorTaken = true
        try openEncoder(kbps: kbps)
        try openMuxer(container: container, tags: tags, coverArt: coverArt)
    }

    deinit {
        release()
    }

    private func release() {
        av_frame_free(&frame)
        av_packet_free(&packet)
        avcodec_free_context(&codec)
        if let format {
            format.pointee.pb = nil
            avformat_free_context(format)
            self.format = nil
        }
        if io != nil {
            av_freep(&io!.pointee.buffer)
            avio_context_free(&io)
        }
    }

    private func openEncoder(kbps: Int) throws(AudioError) {
        // FFmpeg logs to stderr (the encoder's "Qavg" at the end); failures
        // reach the caller as errors instead.
        av_log_set_level(AV_LOG_QUIET)
        guard let encoder = avcodec_find_encoder_by_name("aac"), let codec = avcodec_alloc_context3(encoder),
              let frame = av_frame_alloc(), let packet = av_packet_alloc()
        else { throw AudioError(.writeFailed, "FFmpeg's AAC encoder could not start") }
        self.codec = codec
        self.frame = frame
        self.packet = packet
        codec.pointee.sample_fmt = AV_SAMPLE_FMT_FLTP
        codec.pointee.sample_rate = Int32(sampleRate)
        codec.pointee.bit_rate = Int64(kbps * 1000)
        codec.pointee.time_base = AVRational(num: 1, den: Int32(sampleRate))
        codec.pointee.profile = FF_PROFILE_AAC_LOW
        av_channel_layout_default(&codec.pointee.ch_layout, Int32(channels))
        codec.pointee.flags |= Int32(audiospool_av_codec_flag_global_header())
        try check(avcodec_open2(codec, encoder, nil), "open the AAC encoder for")
        frameSize = Int(codec.pointee.frame_size)
        frame.pointee.format = AV_SAMPLE_FMT_FLTP.rawValue
        frame.pointee.nb_samples = Int32(frameSize)
        frame.pointee.sample_rate = Int32(sampleRate)
        try check(av_channel_layout_copy(&frame.pointee.ch_layout, &codec.pointee.ch_layout), "set up")
        try check(av_frame_get_buffer(frame, 0), "allocate a frame for")
    }

    private func openMuxer(container: EncoderSettings.AacContainer, tags: AudioTags, coverArt: CoverArt?) throws(AudioError) {
        let muxer = container == .adts ? "adts" : "ipod"
        let size = 1 << 16
        guard let buffer = av_malloc(size)?.assumingMemoryBound(to: UInt8.self) else {
            throw AudioError(.writeFailed, "cannot allocate a buffer for '\(path)'")
        }
        io = avio_alloc_context(buffer, Int32(size), 1, Unmanaged.passUnretained(self).toOpaque(), nil, aacWriterWrite, aacWriterSeek)
        guard io != nil else {
            av_free(buffer)
            throw AudioError(.writeFailed, "cannot set up output for '\(path)'")
        }
        try check(avformat_alloc_output_context2(&format, nil, muxer, nil), "set up the \(muxer) muxer for")
        guard let format, let codec else { throw AudioError(.writeFailed, "cannot set up '\(path)'") }
        format.pointee.pb = io
        format.pointee.flags |= AVFMT_FLAG_CUSTOM_IO
        // The muxer reads the extension from the name: "M4A " brand, no warning.
        format.pointee.url = av_strdup("output.\(container.rawValue)")
        guard let stream = avformat_new_stream(format, nil) else { throw AudioError(.writeFailed, "cannot add a stream to '\(path)'") }
        stream.pointee.time_base = codec.pointee.time_base
        try check(avcodec_parameters_from_context(stream.pointee.codecpar, codec), "describe the stream of")
        for name in AudioTags.names {
            guard let value = tags[name] else { continue }
            av_dict_set(&format.pointee.metadata, name, value, 0)
        }
        if let coverArt {
            guard let picture = avformat_new_stream(format, nil) else { throw AudioError(.writeFailed, "cannot add a cover to '\(path)'") }
            picture.pointee.codecpar.pointee.codec_type = AVMEDIA_TYPE_VIDEO
            picture.pointee.codecpar.pointee.codec_id = coverArt.kind == .png ? AV_CODEC_ID_PNG : AV_CODEC_ID_MJPEG
            picture.pointee.codecpar.pointee.width = Int32(clamping: coverArt.width)
            picture.pointee.codecpar.pointee.height = Int32(clamping: coverArt.height)
            picture.pointee.disposition = audiospool_av_disposition_attached_pic()
        }
        try addChapters(to: format)
        var options: OpaquePointer?
        if container == .adts { av_dict_set(&options, "write_id3v2", "1", 0) }
        let status = avformat_write_header(format, &options)
        av_dict_free(&options)
        try check(status, "write the header of")
        if let coverArt { try writeCover(coverArt) }
    }

    /// The chapters, ending where the next begins; the last one's end is
    /// set at `finish`, before the muxer writes the chapter track.
    private func addChapters(to format: UnsafeMutablePointer<AVFormatContext>) throws(AudioError) {
        guard !chapters.isEmpty else { return }
        let spans = ChapterMark.spans(chapters, endMilliseconds: 0)
        guard let list = av_calloc(chapters.count, MemoryLayout<UnsafeMutablePointer<AVChapter>?>.size) else {
            throw AudioError(.writeFailed, "cannot allocate chapters for '\(path)'")
        }
        // avformat_free_context frees the list, each chapter and its metadata.
        format.pointee.chapters = list.assumingMemoryBound(to: UnsafeMutablePointer<AVChapter>?.self)
        for (index, chapter) in chapters.enumerated() {
            guard let entry = av_mallocz(MemoryLayout<AVChapter>.size)?.assumingMemoryBound(to: AVChapter.self) else {
                throw AudioError(.writeFailed, "cannot allocate chapters for '\(path)'")
            }
            format.pointee.chapters[index] = entry
            format.pointee.nb_chapters = UInt32(index + 1)
            entry.pointee.id = Int64(index + 1)
            entry.pointee.time_base = AVRational(num: 1, den: 1000)
            entry.pointee.start = spans[index].start
            entry.pointee.end = spans[index].end
            av_dict_set(&entry.pointee.metadata, "title", chapter.title, 0)
        }
    }

    private func writeCover(_ cover: CoverArt) throws(AudioError) {
        guard let packet else { return }
        try check(av_new_packet(packet, Int32(cover.bytes.count)), "hold the cover of")
        cover.bytes.withUnsafeBytes { _ = memcpy(packet.pointee.data, $0.baseAddress!, $0.count) }
        packet.pointee.stream_index = 1
        packet.pointee.flags |= AV_PKT_FLAG_KEY
        let status = av_write_frame(format, packet)
        av_packet_unref(packet)
        try check(status, "write the cover of")
    }

    public func write(_ samples: UnsafeBufferPointer<Float>) throws(AudioError) {
        guard let frame, let base = samples.baseAddress else { return }
        let frames = samples.count / channels
        var taken = 0
        while taken < frames {
            // The encoder may still hold the last frame's buffers.
            if pending == 0 { try check(av_frame_make_writable(frame), "encode") }
            let count = min(frameSize - pending, frames - taken)
            // Interleaved in, one plane per channel out.
            frame.pointee.extended_data.withMemoryRebound(to: UnsafeMutablePointer<Float>?.self, capacity: channels) { planes in
                audiospool_deinterleave_float(base + taken * channels, channels, count, planes, pending)
            }
            pending += count
            taken += count
            if pending == frameSize { try sendFrame() }
        }
    }

    private func sendFrame() throws(AudioError) {
        guard let frame, pending > 0 else { return }
        frame.pointee.nb_samples = Int32(pending)
        frame.pointee.pts = framesIn
        framesIn += Int64(pending)
        pending = 0
        try check(avcodec_send_frame(codec, frame), "encode")
        try drainPackets()
    }

    private func drainPackets() throws(AudioError) {
        guard let packet, let format, let stream = format.pointee.streams[0] else { return }
        while true {
            let status = avcodec_receive_packet(codec, packet)
            if status == audiospool_averror_eagain() || status == audiospool_averror_eof() { return }
            try check(status, "encode")
            av_packet_rescale_ts(packet, codec!.pointee.time_base, stream.pointee.time_base)
            packet.pointee.stream_index = 0
            let written = av_write_frame(format, packet)
            av_packet_unref(packet)
            try check(written, "write")
        }
    }

    public func finish() throws(AudioError) {
        guard let format else { return }
        try sendFrame()
        try check(avcodec_send_frame(codec, nil), "finish encoding")
        try drainPackets()
        if !chapters.isEmpty {
            let end = framesIn * 1000 / Int64(sampleRate)
            let last = format.pointee.chapters[chapters.count - 1]!
            last.pointee.end = max(end, last.pointee.start)
        }
        try check(av_write_trailer(format), "finish")
        avio_flush(io)
        if let error = writeError { throw error }
        if let io, io.pointee.error < 0 { try check(io.pointee.error, "finish") }
        release()
        try file.close()
    }

    private func check(_ status: Int32, _ what: String) throws(AudioError) {
        guard status < 0 else { return }
        if let writeError { throw writeError }
        var text = [CChar](repeating: 0, count: 256)
        av_strerror(status, &text, text.count)
        let reason = text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        throw AudioError(.writeFailed, "cannot \(what) '\(path)': \(reason)")
    }

    // MARK: AVIOContext callbacks

    fileprivate func written(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32 {
        do {
            try file.write(bytes)
            return Int32(bytes.count)
        } catch {
            writeError = error
            return audiospool_averror_eio()
        }
    }

    fileprivate func seek(_ offset: Int64, _ whence: Int32) -> Int64 {
        let whence = whence & ~audiospool_avseek_force()
        guard whence != audiospool_avseek_size() else { return -1 }
        return file.seek(offset: offset, whence: whence) ?? -1
    }
}

private func writer(_ client: UnsafeMutableRawPointer?) -> AacWriter {
    Unmanaged<AacWriter>.fromOpaque(client!).takeUnretainedValue()
}

private let aacWriterWrite: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutablePointer<UInt8>?, Int32) -> Int32 = { client, bytes, count in
    writer(client).written(UnsafeBufferPointer(start: bytes, count: Int(count)))
}

private let aacWriterSeek: @convention(c) (UnsafeMutableRawPointer?, Int64, Int32) -> Int64 = { client, offset, whence in
    writer(client).seek(offset, whence)
}
