import AudioCodec
import AudioSpoolTestKit
import Foundation
import Testing

@Suite(.timeLimit(.minutes(3))) struct WavTests {
    let directory = TemporaryDirectory()

    /// Writes `frames` of a 440 Hz sine, `channels` copies.
    func writeSine(_ path: String, format: WavSampleFormat, frames: Int, channels: Int = 1, rate: Int = 24000, amplitude: Float = 0.5) throws {
        try TestSignals.write(path, rate: rate, channels: channels, seconds: Double(frames) / Double(rate), format: format) { frame, _ in
            amplitude * sin(2 * .pi * 440 * Float(frame) / Float(rate))
        }
    }

    func readAll(_ path: String) throws -> (AudioProperties, [Float]) {
        try TestSignals.read(path)
    }

    @Test(arguments: [(WavSampleFormat.pcm16, Float(1.0 / 32768)), (.pcm24, 1.0 / 8_388_608), (.float32, 1e-7)])
    func samplesSurviveARoundTrip(format: WavSampleFormat, tolerance: Float) throws {
        let path = directory.file("sine-\(format.rawValue).wav")
        try writeSine(path, format: format, frames: 24000, channels: 2)
        let (properties, samples) = try readAll(path)
        #expect(properties == AudioProperties(sampleRate: 24000, channels: 2, frames: 24000))
        #expect(samples.count == 48000)
        let expected = 0.5 * sin(2 * Float.pi * 440 * 100 / 24000)
        #expect(abs(samples[200] - expected) <= tolerance * 2)
        #expect(abs(samples[201] - expected) <= tolerance * 2)
    }

    @Test func integerFormatsClipInsteadOfWrapping() throws {
        let path = directory.file("loud.wav")
        try writeSine(path, format: .pcm16, frames: 2400, amplitude: 1.5)
        let (_, samples) = try readAll(path)
        #expect(samples.max()! <= 1.0)
        #expect(samples.max()! > 0.99, "peaks must sit at full scale, not wrap to negative")
        #expect(samples.min()! >= -1.0)
    }

    @Test func theEncoderCopiesAndConverts() throws {
        let source = directory.file("source.wav")
        try writeSine(source, format: .pcm16, frames: 48000)
        let output = directory.file("out.wav")
        let properties = try Transcoder(chunkFrames: 1000).encode(
            input: source, output: output, settings: EncoderSettings(format: .wav(.pcm24))).properties
        #expect(properties == AudioProperties(sampleRate: 24000, channels: 1, frames: 48000))
        let (read, samples) = try readAll(output)
        #expect(read.frames == 48000)
        let (_, original) = try readAll(source)
        #expect(samples == original, "16-bit samples are exact in 24 bits")
        let size = try FileManager.default.attributesOfItem(atPath: output)[.size] as? Int
        #expect(size == 44 + 48000 * 3)
    }

    @Test func anUnreadableInputIsAClearErrorAndWritesNothing() throws {
        let garbage = directory.write("garbage.wav", "this is not audio at all")
        let output = directory.file("never.wav")
        #expect {
            try Transcoder().encode(input: garbage, output: output, settings: .wav16)
        } throws: { error in
            let audio = error as? AudioError
            return audio?.kind == .unreadableInput && audio?.message.contains("garbage.wav") == true
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["garbage.wav"])
    }

    @Test func aFailedWriteLeavesNoPartialFile() throws {
        let source = directory.file("source.wav")
        try writeSine(source, format: .pcm16, frames: 2400)
        // A folder that does not exist: the temporary file cannot be created.
        let output = directory.file("missing/out.wav")
        #expect(throws: AudioError.self) {
            try Transcoder().encode(input: source, output: output, settings: .wav16)
        }
        #expect(!FileManager.default.fileExists(atPath: output))
    }
}
