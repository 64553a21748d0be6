import CFFmpeg
import Glibc

/// A bare ADTS stream (.aac) with an ID3v2 tag before it, by libavformat's
/// `adts` muxer. Bytes go to our file through a custom AVIOContext, so the
/// file is the one an OutputTarget created. ADTS holds nothing back: each
/// packet is written with its 7-byte header as it comes.
final class AdtsMuxer: AacPacketMuxer {
    private let file: CheckedFileStream
    private let path: String
    private let encoderTimeBase: AVRational
    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var io: UnsafeMutablePointer<AVIOContext>?
    fileprivate var writeError: AudioError?

    init(file: CheckedFileStream, path: String, codec: UnsafeMutablePointer<AVCodecContext>, tags: AudioTags) throws(AudioError) {
        self.file = file
        self.path = path
        encoderTimeBase = codec.pointee.time_base
        let size = 1 << 16
        guard let buffer = av_malloc(size)?.assumingMemoryBound(to: UInt8.self) else {
            throw AudioError(.writeFailed, "cannot allocate a buffer for '\(path)'")
        }
        io = avio_alloc_context(buffer, Int32(size), 1, Unmanaged.passUnretained(self).toOpaque(), nil, adtsMuxerWrite, nil)
        guard io != nil else {
            av_free(buffer)
            throw AudioError(.writeFailed, "cannot set up output for '\(path)'")
        }
        try check(avformat_alloc_output_context2(&format, nil, "adts", nil), "set up the ADTS muxer for")
        guard let format else { throw AudioError(.writeFailed, "cannot set up '\(path)'") }
        format.pointee.pb = io
        format.pointee.flags |= AVFMT_FLAG_CUSTOM_IO
        guard let stream = avformat_new_stream(format, nil) else { throw AudioError(.writeFailed, "cannot add a stream to '\(path)'") }
        stream.pointee.time_base = codec.pointee.time_base
        try check(avcodec_parameters_from_context(stream.pointee.codecpar, codec), "describe the stream of")
        for name in AudioTags.names {
            guard let value = tags[name] else { continue }
            av_dict_set(&format.pointee.metadata, name, value, 0)
        }
        var options: OpaquePointer?
        av_dict_set(&options, "write_id3v2", "1", 0)
        let status = avformat_write_header(format, &options)
        av_dict_free(&options)
        try check(status, "write the header of")
    }

    deinit {
        if let format {
            format.pointee.pb = nil
            avformat_free_context(format)
        }
        if io != nil {
            av_freep(&io!.pointee.buffer)
            avio_context_free(&io)
        }
    }

    func write(_ packet: UnsafeMutablePointer<AVPacket>) throws(AudioError) {
        guard let format, let stream = format.pointee.streams[0] else { return }
        av_packet_rescale_ts(packet, encoderTimeBase, stream.pointee.time_base)
        packet.pointee.stream_index = 0
        try check(av_write_frame(format, packet), "write")
    }

    func finish(frames: Int64) throws(AudioError) {
        guard let format else { return }
        try check(av_write_trailer(format), "finish")
        avio_flush(io)
        if let writeError { throw writeError }
        if let io, io.pointee.error < 0 { try check(io.pointee.error, "finish") }
    }

    private func check(_ status: Int32, _ what: String) throws(AudioError) {
        guard status < 0 else { return }
        if let writeError { throw writeError }
        throw FFmpegLibrary.error(status, "cannot \(what) '\(path)'")
    }

    fileprivate func written(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32 {
        do {
            try file.write(bytes)
            return Int32(bytes.count)
        } catch {
            writeError = error
            return audiospool_averror_eio()
        }
    }
}

private let adtsMuxerWrite: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutablePointer<UInt8>?, Int32) -> Int32 = { client, bytes, count in
    Unmanaged<AdtsMuxer>.fromOpaque(client!).takeUnretainedValue().written(UnsafeBufferPointer(start: bytes, count: Int(count)))
}
