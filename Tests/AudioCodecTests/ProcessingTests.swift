import AudioCodec
import AudioSpoolTestKit
import Foundation
import Testing

@Suite(.timeLimit(.minutes(3))) struct ProcessingTests {
    let directory = TemporaryDirectory()

    @Test(arguments: [(44100, 16000), (22050, 48000), (24000, 44100)])
    func resamplingKeepsLengthAndPitch(from: Int, to: Int) async throws {
        let source = directory.file("tone-\(from).wav")
        try TestSignals.sine(source, frequency: 1000, rate: from, channels: 1, seconds: 2)
        let output = directory.file("tone-\(from)-\(to).wav")
        let written = try Transcoder().encode(input: source, output: output, settings: EncoderSettings(format: .wav(.float32), sampleRate: to)).properties
        let (properties, samples) = try TestSignals.read(output)
        #expect(properties.sampleRate == to)
        #expect(written.frames == properties.frames)
        #expect(abs(Int(properties.frames ?? 0) - 2 * to) <= 2, "\(properties.frames ?? 0) frames for 2 s at \(to) Hz")
        #expect(abs(TestSignals.frequency(samples, channels: 1, rate: to) - 1000) < 1.5)
        #expect(try await Probe(output).sampleRate == to)
    }

    @Test func stereoBecomesMonoByAveraging() throws {
        let source = directory.file("lr.wav")
        try TestSignals.write(source, channels: 2, seconds: 0.1) { _, channel in channel == 0 ? 0.5 : 0.25 }
        let output = directory.file("mono.wav")
        try Transcoder().encode(input: source, output: output, settings: EncoderSettings(format: .wav(.float32), channels: 1))
        let (properties, samples) = try TestSignals.read(output)
        #expect(properties.channels == 1)
        #expect(samples.allSatisfy { abs($0 - 0.375) < 0.001 })
    }

    @Test func monoBecomesStereoOnBothSides() throws {
        let source = directory.file("m.wav")
        try TestSignals.sine(source, frequency: 300, channels: 1, seconds: 0.1)
        let output = directory.file("stereo.wav")
        try Transcoder().encode(input: source, output: output, settings: EncoderSettings(format: .wav(.pcm16), channels: 2))
        let (properties, samples) = try TestSignals.read(output)
        #expect(properties.channels == 2)
        #expect(stride(from: 0, to: samples.count, by: 2).allSatisfy { samples[$0] == samples[$0 + 1] })
        #expect(samples.contains { $0 != 0 })
    }

    @Test(arguments: [(-16.0, "wav"), (-23.0, "flac"), (-19.0, "wav")])
    func loudnessIsNormalisedWithinHalfALU(target: Double, ext: String) async throws {
        let source = directory.file("quiet-\(ext)-\(target).wav")
        try TestSignals.noise(source, seconds: 6, amplitude: 0.02)
        let output = directory.file("normalised\(target).\(ext)")
        let format: EncoderSettings.Format = ext == "flac" ? .flac(compressionLevel: 5, bitsPerSample: 24) : .wav(.float32)
        try Transcoder().encode(input: source, output: output, settings: EncoderSettings(format: format, loudness: LoudnessTarget(integratedLUFS: target)))
        let measured = try await Probe.loudness(output)
        #expect(abs(measured.lufs - target) <= 0.5, "ffmpeg measures \(measured.lufs) LUFS for a target of \(target)")
        #expect(measured.truePeakDB <= -1 + 0.2)
    }

    @Test func silenceIsLeftAlone() throws {
        let source = directory.file("silence.wav")
        try TestSignals.write(source, channels: 1, seconds: 1) { _, _ in 0 }
        let output = directory.file("still-silent.wav")
        try Transcoder().encode(input: source, output: output, settings: EncoderSettings(format: .wav(.pcm16), loudness: LoudnessTarget(integratedLUFS: -16)))
        #expect(try TestSignals.read(output).1.allSatisfy { $0 == 0 })
    }
}
