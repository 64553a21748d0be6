import Basics
import Glibc
import Spool

/// An engine's WAV that already is the file the job asked for (a plain
/// PCM WAV of the requested depth, rate and channels, with no loudness
/// target and no tags) is hashed and linked into place, not decoded and
/// encoded again into the same bytes.
///
/// Only the canonical 44-byte header passes: `RIFF`, `WAVE`, a 16-byte
/// `fmt ` chunk of integer PCM, then `data` running exactly to the end of
/// the file. Anything else (extra chunks, an extensible or float format,
/// sizes that disagree with the file) is left to the encoder, which reads
/// every WAV libsndfile can.
enum WavPassthrough {
    struct Header: Equatable {
        var sampleRate: Int
        var channels: Int
        var bitsPerSample: Int
        var frames: Int64
    }

    static let headerBytes = 44

    /// The header, if `bytes` (the file's first 44) is canonical for a file of `fileSize` bytes.
    static func header(_ bytes: [UInt8], fileSize: Int64) -> Header? {
        guard bytes.count >= headerBytes else { return nil }
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> Int64 { Int64(u16(at)) | Int64(u16(at + 2)) << 16 }
        func tag(_ at: Int) -> String { String(decoding: bytes[at..<at + 4], as: UTF8.self) }
        guard tag(0) == "RIFF", tag(8) == "WAVE", tag(12) == "fmt ", u32(16) == 16, tag(36) == "data" else { return nil }
        let format = u16(20), channels = u16(22), rate = u32(24), byteRate = u32(28), blockAlign = u16(32), bits = u16(34)
        let dataSize = u32(40)
        guard format == 1, [16, 24].contains(bits), (1...2).contains(channels), (8000...384_000).contains(rate),
              blockAlign == channels * bits / 8, byteRate == rate * Int64(blockAlign),
              u32(4) == 36 + dataSize, fileSize == Int64(headerBytes) + dataSize,
              dataSize > 0, dataSize % Int64(blockAlign) == 0
        else { return nil }
        return Header(sampleRate: Int(rate), channels: channels, bitsPerSample: bits, frames: dataSize / Int64(blockAlign))
    }

    /// Whether a file with `header` is, byte for byte, what `spec` asks for.
    static func serves(_ spec: OutputSpec, _ header: Header) -> Bool {
        guard spec.format == .wav, spec.loudnessTarget == nil, spec.tags.isEmpty else { return false }
        let bits: Int? =
            switch spec.bitDepth ?? .int16 {
            case .int16: 16
            case .int24: 24
            case .float32: nil
            }
        return bits == header.bitsPerSample
            && (spec.sampleRate ?? header.sampleRate) == header.sampleRate
            && (spec.channels ?? header.channels) == header.channels
    }

    /// The header of the open regular file `fd` if it serves `spec`; nil
    /// sends the file to the encoder.
    static func check(_ fd: Int32, for spec: OutputSpec) -> Header? {
        var status = stat()
        guard fstat(fd, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return nil }
        var bytes = [UInt8](repeating: 0, count: headerBytes)
        let count = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, headerBytes, 0) }
        guard count == headerBytes, let header = header(bytes, fileSize: Int64(status.st_size)), serves(spec, header)
        else { return nil }
        return header
    }
}
