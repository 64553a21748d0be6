@testable import AudioCodec
import AudioSpoolTestKit
import Foundation
import Testing

/// A RIFF WAV's sizes are 32-bit, and libsndfile writes past them without
/// an error (a 4.3 GB WAV reads back as 71 s of its 3 h 24 min). The writer
/// stops at the limit with an error that says so, and what it wrote before
/// stays a whole WAV.
@Suite struct WavSizeLimitTests {
    let directory = TemporaryDirectory()

    @Test(arguments: [WavSampleFormat.pcm16, .pcm24, .float32])
    func aWAVStopsAtItsSizeLimitWithAClearError(format: WavSampleFormat) throws {
        let path = directory.file("long-\(format.rawValue).wav")
        let writer = try WavWriter(path: path, sampleRate: 44100, channels: 2, format: format)
        let frameBytes: Int64 = format == .pcm16 ? 4 : format == .pcm24 ? 6 : 8
        writer.dataLimit = 1000 * frameBytes
        let block = [Float](repeating: 0.25, count: 2 * 400)
        try block.withUnsafeBufferPointer { try writer.write($0) }
        try block.withUnsafeBufferPointer { try writer.write($0) }
        let error = #expect(throws: AudioError.self) { try block.withUnsafeBufferPointer { try writer.write($0) } }
        #expect(error?.kind == .unsupportedSettings)
        #expect(error?.message.contains("a WAV holds at most 4 GiB of samples") == true, "\(String(describing: error))")
        #expect(error?.message.contains("flac") == true)
        try writer.finish()
        let (properties, samples) = try TestSignals.read(path)
        #expect(properties.frames == 800 && samples.allSatisfy { abs($0 - 0.25) < 1e-3 })
    }

    @Test func theLimitKeepsEveryRIFFSizeIn32Bits() throws {
        // The data, and the RIFF size (the file less 8 bytes) with up to a MiB of header chunks.
        #expect(WavWriter.maxDataBytes + (1 << 20) <= Int64(UInt32.max))
        #expect(WavWriter.maxDataBytes > 4_000_000_000)
        let raw = try WavWriter(path: directory.file("raw.pcm"), sampleRate: 8000, channels: 1, format: .pcm16, raw: true)
        #expect(raw.dataLimit == nil, "raw PCM has no header and no limit")
        let wav = try WavWriter(path: directory.file("a.wav"), sampleRate: 8000, channels: 1, format: .pcm16)
        #expect(wav.dataLimit == WavWriter.maxDataBytes)
        #expect(WavWriter.duration(12_240) == "3 h 24 min" && WavWriter.duration(600) == "10 min")
    }
}
