import AudioCodec
import AudioSpoolTestKit
import Foundation
import Glibc
import Spool
@testable import Supervisor
import Testing

/// An engine's WAV that already is the requested output is linked into
/// place (same inode, same bytes); anything else is encoded as before.
@Suite struct WavPassthroughTests {
    /// A canonical PCM WAV: 44-byte header, then `frames` of a ramp.
    static func wav(rate: Int = 24000, channels: Int = 1, bits: Int = 16, frames: Int = 2400, extraChunk: Bool = false) -> Data {
        let align = channels * bits / 8
        var data = Data()
        for frame in 0..<frames * channels {
            let value = Int32((frame % 200) * 100 - 10000)
            for byte in 0..<(bits / 8) { data.append(UInt8(truncatingIfNeeded: value >> (8 * byte))) }
        }
        func u32(_ v: Int) -> Data { withUnsafeBytes(of: UInt32(v).littleEndian) { Data($0) } }
        func u16(_ v: Int) -> Data { withUnsafeBytes(of: UInt16(v).littleEndian) { Data($0) } }
        let list = extraChunk ? Data("LIST".utf8) + u32(4) + Data("INFO".utf8) : Data()
        var file = Data("RIFF".utf8) + u32(36 + list.count + data.count) + Data("WAVE".utf8)
        file += Data("fmt ".utf8) + u32(16) + u16(1) + u16(channels) + u32(rate) + u32(rate * align) + u16(align) + u16(bits)
        file += list + Data("data".utf8) + u32(data.count) + data
        return file
    }

    /// Writes `bytes` as the engine's file and encodes it for `spec`.
    static func encode(_ bytes: Data, spec: OutputSpec) throws -> (result: JobResult.Output, folder: String, linked: Bool) {
        let temporary = TemporaryDirectory()
        let folder = JobFolder(path: temporary.path)
        try FileManager.default.createDirectory(atPath: temporary.file("work/attempt-1"), withIntermediateDirectories: true)
        let engineFile = "work/attempt-1/output.wav"
        _ = temporary.write(engineFile, bytes)
        let audio = EngineAudio(name: "output", description: engineFile, file: engineFile) { () throws(AudioError) in
            try JobRunner.openAudio(engineFile, in: folder)
        }
        let results = try OutputEncoder(folder: folder, outputs: [spec]).encode([audio])
        #expect(results.count == 1)
        var engine = stat(), output = stat()
        stat(temporary.file(engineFile), &engine)
        stat(temporary.file(results[0].path), &output)
        // Keep the folder alive until the checks have read it.
        return withExtendedLifetime(temporary) { (results[0], temporary.path, engine.st_ino == output.st_ino) }
    }

    /// sha256sum's digest, not ours.
    static func sha256sum(_ data: Data) -> String {
        let file = TemporaryDirectory()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [file.write("bytes", data)]
        let pipe = Pipe()
        process.standardOutput = pipe
        try? process.run()
        process.waitUntilExit()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return String(text.prefix(64))
    }

    @Test func theRequestedWavIsLinkedNotEncoded() throws {
        let bytes = Self.wav()
        let (result, _, linked) = try Self.encode(bytes, spec: OutputSpec(format: .wav))
        #expect(linked)
        #expect(result.path == "output.wav")
        #expect(result.sampleRate == 24000 && result.channels == 1 && result.durationSeconds == 0.1)
        #expect(result.bytes == Int64(bytes.count))
        #expect(result.sha256 == Self.sha256sum(bytes))
    }

    @Test func anotherShapeIsEncoded() throws {
        var resampled = OutputSpec(format: .wav)
        resampled.sampleRate = 16000
        let (result, _, linked) = try Self.encode(Self.wav(), spec: resampled)
        #expect(!linked)
        #expect(result.sampleRate == 16000)
        var deeper = OutputSpec(format: .wav, bitDepth: .int24)
        #expect(try !Self.encode(Self.wav(), spec: deeper).linked)
        deeper.bitDepth = .int16
        deeper.tags["title"] = "a title"
        #expect(try !Self.encode(Self.wav(), spec: deeper).linked)
        var loud = OutputSpec(format: .wav)
        loud.loudnessPreset = .podcast
        #expect(try !Self.encode(Self.wav(), spec: loud).linked)
    }

    @Test func onlyTheCanonicalHeaderPasses() throws {
        let plain = Self.wav()
        #expect(WavPassthrough.header([UInt8](plain.prefix(44)), fileSize: Int64(plain.count))
            == .init(sampleRate: 24000, channels: 1, bitsPerSample: 16, frames: 2400))
        // A size that disagrees with the file, as a truncated or growing file has.
        #expect(WavPassthrough.header([UInt8](plain.prefix(44)), fileSize: Int64(plain.count) - 2) == nil)
        // An extra chunk (tags an engine wrote): encoded, and the result has none.
        let tagged = Self.wav(extraChunk: true)
        #expect(WavPassthrough.header([UInt8](tagged.prefix(44)), fileSize: Int64(tagged.count)) == nil)
        #expect(try !Self.encode(tagged, spec: OutputSpec(format: .wav)).linked)
        // A float WAV (format 3) is never passed through.
        var float = [UInt8](plain.prefix(44))
        float[20] = 3
        #expect(WavPassthrough.header(float, fileSize: Int64(plain.count)) == nil)
    }
}
