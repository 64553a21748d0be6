import CFFmpeg
import CSampleConversion
import Glibc

/// Encodes AAC-LC with FFmpeg's native encoder (fdk-aac is not in Debian's
/// main archive) and hands the packets to a muxer: Mp4Writer, ours, for
/// MP4 (.m4b, .m4a) with iTunes tags, a cover and chapters, in memory that
/// does not grow with the audio; libavformat's ADTS muxer for a bare .aac
/// stream with an ID3v2 tag.
public final class AacWriter: AudioSink {
    public let path: String
    private let file: CheckedFileStream
    private let channels: Int
    private var codec: UnsafeMutablePointer<AVCodecContext>?
    private var frame: UnsafeMutablePointer<AVFrame>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var muxer: (any AacPacketMuxer)?
    private let sampleRate: Int
    /// Frames in `frame` not yet sent, and frames sent in all.
    private var pending = 0
    private var framesIn: Int64 = 0
    private var frameSize = 1024

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
        try FFmpegLibrary.load()
        file = try CheckedFileStream.open(path: path, descriptor: descriptor)
        descriptorTaken = true
        try openEncoder(kbps: kbps)
        guard let codec else { throw AudioError(.writeFailed, "FFmpeg's AAC encoder could not start") }
        if container == .adts {
            muxer = try AdtsMuxer(file: file, path: path, codec: codec, tags: tags)
        } else {
            let config = codec.pointee.extradata.map { [UInt8](UnsafeBufferPointer(start: $0, count: Int(codec.pointee.extradata_size))) } ?? []
            let track = Mp4Writer.AudioTrack(
                sampleRate: sampleRate, channels: channels, decoderConfig: config, priming: Int(codec.pointee.initial_padding), bitRate: kbps * 1000)
            muxer = try Mp4Writer(file: file, audio: track, tags: tags, chapters: chapters, coverArt: coverArt)
        }
    }

    deinit {
        release()
    }

    private func release() {
        muxer = nil
        av_frame_free(&frame)
        av_packet_free(&packet)
        avcodec_free_context(&codec)
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
        guard let packet, let muxer else { return }
        while true {
            let status = avcodec_receive_packet(codec, packet)
            if status == audiospool_averror_eagain() || status == audiospool_averror_eof() { return }
            try check(status, "encode")
            defer { av_packet_unref(packet) }
            try muxer.write(packet)
        }
    }

    public func finish() throws(AudioError) {
        guard let muxer else { return }
        try sendFrame()
        try check(avcodec_send_frame(codec, nil), "finish encoding")
        try drainPackets()
        try muxer.finish(frames: framesIn)
        release()
        try file.close()
    }

    private func check(_ status: Int32, _ what: String) throws(AudioError) {
        guard status < 0 else { return }
        throw FFmpegLibrary.error(status, "cannot \(what) '\(path)'")
    }
}
