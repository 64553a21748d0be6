import AudioCodec
import Foundation
import Glibc

/// Encodes audio as it arrives and hands back the bytes made so far, so a
/// response can send them before the rest exists. MP3 and FLAC go through
/// AudioCodec's writers into an in-memory file (a memfd) whose sent part is
/// released as it goes; WAV gets a streaming header (sizes unknown:
/// 0xFFFFFFFF, as players expect of a stream) and PCM is raw s16le.
final class StreamEncoder {
    enum Format: String, CaseIterable {
        case mp3, flac, wav, pcm

        var contentType: String {
            switch self {
            case .mp3: "audio/mpeg"
            case .flac: "audio/flac"
            case .wav: "audio/wav"
            case .pcm: "audio/pcm"
            }
        }
    }

    let format: Format
    let sampleRate: Int
    let channels: Int
    private var sink: (any AudioSink)?
    private var memory: Int32 = -1
    private var sent: Int64 = 0
    private var pending: [UInt8] = []

    /// `scratch`: a folder for the encoder's file (the spool's tmp/).
    init(format: Format, sampleRate: Int, channels: Int, scratch: String = "/tmp") throws(AudioError) {
        self.format = format
        self.sampleRate = sampleRate
        self.channels = channels
        switch format {
        case .mp3, .flac:
            var template = Array((scratch + "/.speech-XXXXXX").utf8CString)
            memory = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            guard memory >= 0 else { throw AudioError(.writeFailed, "cannot make a file in \(scratch): \(String(cString: strerror(errno)))") }
            template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
            _ = fcntl(memory, F_SETFD, FD_CLOEXEC)  // engines started later must not inherit it
            // The writers own (and close) a descriptor; ours stays for reading.
            let writerDescriptor = dup(memory)
            if format == .mp3 {
                sink = try Mp3Writer(path: "speech.mp3", descriptor: writerDescriptor, sampleRate: sampleRate, channels: channels, mode: .cbr(kbps: 128))
            } else {
                sink = try FlacWriter(
                    path: "speech.flac", descriptor: writerDescriptor, sampleRate: sampleRate, channels: channels, compressionLevel: 5,
                    bitsPerSample: 16)
            }
        case .wav:
            pending = Self.streamingWAVHeader(sampleRate: sampleRate, channels: channels)
        case .pcm:
            break
        }
    }

    deinit {
        if memory >= 0 { close(memory) }
    }

    /// Interleaved frames in, whatever bytes are ready out.
    func encode(_ samples: [Float]) throws(AudioError) -> [UInt8] {
        switch format {
        case .mp3, .flac:
            try samples.withUnsafeBufferPointer { pointer throws(AudioError) in try sink!.write(pointer) }
            return drain()
        case .wav, .pcm:
            var bytes = pending
            pending = []
            bytes.reserveCapacity(bytes.count + samples.count * 2)
            for sample in samples {
                let value = Int16(max(-32768, min(32767, (sample * 32768).rounded())))
                bytes.append(UInt8(truncatingIfNeeded: value))
                bytes.append(UInt8(truncatingIfNeeded: value >> 8))
            }
            return bytes
        }
    }

    /// The last bytes.
    func finish() throws(AudioError) -> [UInt8] {
        switch format {
        case .mp3, .flac:
            try sink?.finish()
            sink = nil
            return drain()
        case .wav, .pcm:
            defer { pending = [] }
            return pending
        }
    }

    /// What the writer has put in the file since the last call.
    private func drain() -> [UInt8] {
        var status = stat()
        guard fstat(memory, &status) == 0 else { return [] }
        let size = Int64(status.st_size)
        guard size > sent else { return [] }
        var bytes = [UInt8](repeating: 0, count: Int(size - sent))
        let count = bytes.withUnsafeMutableBytes { pread(memory, $0.baseAddress, $0.count, off_t(sent)) }
        guard count > 0 else { return [] }
        sent += Int64(count)
        return Array(bytes[0..<count])
    }

    static func streamingWAVHeader(sampleRate: Int, channels: Int) -> [UInt8] {
        var header: [UInt8] = []
        func append(_ text: String) { header += Array(text.utf8) }
        func append32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { header += $0 } }
        func append16(_ value: UInt16) { withUnsafeBytes(of: value.littleEndian) { header += $0 } }
        append("RIFF"); append32(0xFFFF_FFFF); append("WAVE")
        append("fmt "); append32(16); append16(1); append16(UInt16(channels)); append32(UInt32(sampleRate))
        append32(UInt32(sampleRate * channels * 2)); append16(UInt16(channels * 2)); append16(16)
        append("data"); append32(0xFFFF_FFFF)
        return header
    }
}
