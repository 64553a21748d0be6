import CLame
import Glibc

/// Encodes MP3 with LAME: CBR or VBR, an ID3v2 tag first (ours, with
/// chapters and cover: ID3v2Tag), and the Xing/LAME tag frame (duration,
/// gapless info) written over LAME's placeholder at the end, so players
/// show the right duration.
public final class Mp3Writer: AudioSink {
    public let path: String
    private let file: CheckedFileStream
    private var lame: lame_t?
    private let channels: Int
    /// Where the first audio frame (LAME's placeholder tag frame) starts.
    private var firstFrameOffset = 0
    private var output = [UInt8]()
    private var left = [Float]()
    private var right = [Float]()
    private let tag: ID3v2Tag
    private let sampleRate: Int
    private var framesWritten: Int64 = 0

    public init(
        path: String, descriptor: Int32? = nil, sampleRate: Int, channels: Int, mode: EncoderSettings.Mp3Mode, tags: AudioTags = AudioTags(),
        chapters: [ChapterMark] = [], coverArt: CoverArt? = nil
    ) throws(AudioError) {
        // The descriptor is ours from here: closed if we throw before the file takes it.
        var descriptorTaken = descriptor == nil
        defer { if !descriptorTaken, let descriptor { close(descriptor) } }
        guard channels == 1 || channels == 2 else {
            throw AudioError(.unsupportedSettings, "MP3 holds 1 or 2 channels, not \(channels)")
        }
        guard EncoderSettings.mp3SampleRates.contains(sampleRate) else {
            throw AudioError(.unsupportedSettings, "MP3 cannot hold \(sampleRate) Hz; use one of \(EncoderSettings.mp3SampleRates)")
        }
        guard let lame = lame_init() else { throw AudioError(.writeFailed, "LAME could not start") }
        self.lame = lame
        self.path = path
        self.channels = channels
        self.sampleRate = sampleRate
        tag = ID3v2Tag(tags: tags, chapters: chapters, coverArt: coverArt)
        lame_set_in_samplerate(lame, Int32(sampleRate))
        lame_set_out_samplerate(lame, Int32(sampleRate))  // resampling is ours, not LAME's
        lame_set_num_channels(lame, Int32(channels))
        lame_set_mode(lame, channels == 1 ? MONO : JOINT_STEREO)
        switch mode {
        case .cbr(let kbps):
            lame_set_VBR(lame, vbr_off)
            lame_set_brate(lame, Int32(kbps))
        case .vbr(let quality):
            lame_set_VBR(lame, vbr_mtrh)
            lame_set_VBR_quality(lame, Float(quality))
        }
        lame_set_bWriteVbrTag(lame, 1)
        lame_set_write_id3tag_automatic(lame, 0)
        guard lame_init_params(lame) >= 0 else {
            lame_close(lame)
            self.lame = nil
            throw AudioError(.unsupportedSettings, "LAME rejects \(mode) at \(sampleRate) Hz, \(channels) channels")
        }
        do {
            file = try CheckedFileStream.open(path: path, descriptor: descriptor)
            descriptorTaken = true
        } catch {
            lame_close(lame)
            self.lame = nil
            throw error
        }
        if !tag.isEmpty {
            // Chapters end at the audio's end, known at `finish`; the tag is
            // written again there, at the same size.
            let bytes = tag.bytes(endMilliseconds: 0)
            try file.write(bytes)
            firstFrameOffset = bytes.count
        }
    }

    deinit {
        if let lame { lame_close(lame) }
    }

    public func write(_ samples: UnsafeBufferPointer<Float>) throws(AudioError) {
        let frames = samples.count / channels
        guard frames > 0 else { return }
        // LAME's worst case: 1.25 × samples + 7200 bytes.
        let capacity = frames * 5 / 4 + 7200
        if output.count < capacity { output = [UInt8](repeating: 0, count: capacity) }
        let written: Int32
        if channels == 2 {
            written = output.withUnsafeMutableBufferPointer { out in
                lame_encode_buffer_interleaved_ieee_float(lame, samples.baseAddress, Int32(frames), out.baseAddress, Int32(out.count))
            }
        } else {
            written = output.withUnsafeMutableBufferPointer { out in
                lame_encode_buffer_ieee_float(lame, samples.baseAddress, samples.baseAddress, Int32(frames), out.baseAddress, Int32(out.count))
            }
        }
        guard written >= 0 else { throw AudioError(.writeFailed, "LAME failed encoding '\(path)' (\(written))") }
        framesWritten += Int64(frames)
        try output.withUnsafeBufferPointer { pointer throws(AudioError) in
            try file.write(UnsafeBufferPointer(rebasing: pointer[0..<Int(written)]))
        }
    }

    public func finish() throws(AudioError) {
        guard let lame else { return }
        if output.count < 7200 { output = [UInt8](repeating: 0, count: 7200) }
        let flushed = output.withUnsafeMutableBufferPointer { lame_encode_flush(lame, $0.baseAddress, Int32($0.count)) }
        guard flushed >= 0 else { throw AudioError(.writeFailed, "LAME failed finishing '\(path)'") }
        try output.withUnsafeBufferPointer { pointer throws(AudioError) in
            try file.write(UnsafeBufferPointer(rebasing: pointer[0..<Int(flushed)]))
        }
        let tagSize = lame_get_lametag_frame(lame, nil, 0)
        if tagSize > 0 {
            var frame = [UInt8](repeating: 0, count: tagSize)
            _ = lame_get_lametag_frame(lame, &frame, tagSize)
            try file.overwrite(frame, at: firstFrameOffset)
        }
        if !tag.chapters.isEmpty {
            try file.overwrite(tag.bytes(endMilliseconds: framesWritten * 1000 / Int64(sampleRate)), at: 0)
        }
        lame_close(lame)
        self.lame = nil
        try file.close()
    }
}
