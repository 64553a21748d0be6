import CFFmpeg

/// Where AacWriter's packets go: our own MP4 writer (.m4b, .m4a), or
/// libavformat's ADTS muxer (.aac).
protocol AacPacketMuxer: AnyObject {
    /// One packet from the encoder, its timing in the encoder's time base.
    func write(_ packet: UnsafeMutablePointer<AVPacket>) throws(AudioError)
    /// After the last packet; `frames` is the audio's length, without the
    /// encoder's delay.
    func finish(frames: Int64) throws(AudioError)
}

extension Mp4Writer: AacPacketMuxer {
    func write(_ packet: UnsafeMutablePointer<AVPacket>) throws(AudioError) {
        try append(UnsafeRawBufferPointer(start: packet.pointee.data, count: Int(packet.pointee.size)), duration: Int(packet.pointee.duration))
    }
}
