import AudioCodec
import AudioSpoolTestKit
import Foundation
import Glibc
import Testing

/// Input that is not audio, or not all there, is refused in words a
/// submitter can act on, and nothing blocks on it.
@Suite(.timeLimit(.minutes(2))) struct UnreadableInputTests {
    let directory = TemporaryDirectory()

    func message(_ path: String) -> String? {
        do {
            let reader = try SoundFileReader(path: path)
            var buffer = [Float](repeating: 0, count: 4096 * reader.properties.channels)
            while try buffer.withUnsafeMutableBufferPointer({ try reader.read(into: $0) }) > 0 {}
            return nil
        } catch let error as AudioError {
            return error.message
        } catch {
            return "\(error)"
        }
    }

    /// libsndfile says "File does not exist or is not a regular file
    /// (possibly a pipe?)" of a PNG named .mp3.
    @Test func anImageNamedLikeAudioSaysWhatItIs() throws {
        let png = directory.write("cover.mp3", Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 0, count: 200)))
        let found = try #require(message(png))
        #expect(found.contains("is not in a format libsndfile decodes") && found.contains("it looks like a PNG image"), "\(found)")
        #expect(!found.contains("pipe"), "\(found)")
    }

    @Test func aFIFOIsRefusedWithoutWaitingForAWriter() throws {
        let fifo = directory.file("stream.wav")
        #expect(mkfifo(fifo, 0o600) == 0)
        let found = try #require(message(fifo))
        #expect(found.contains("it is a FIFO, not a regular file"), "\(found)")
        #expect(message(directory.path)?.contains("it is a folder") == true)
    }

    @Test func aTruncatedFLACSaysItIsCutShort() throws {
        let source = directory.file("source.wav")
        try TestSignals.noise(source, rate: 44100, channels: 2, seconds: 3)
        let flac = directory.file("whole.flac")
        try Transcoder().encode(input: source, output: flac, settings: EncoderSettings(format: .flac(compressionLevel: 5, bitsPerSample: 16)))
        let data = try Data(contentsOf: URL(fileURLWithPath: flac))
        let cut = directory.write("cut.flac", data.prefix(data.count / 3))
        let found = try #require(message(cut))
        #expect(found.contains("it is damaged or cut short") && found.contains("of 132300 frames"), "\(found)")
        #expect(message(flac) == nil, "the whole file reads")
    }
}
