import AudioCodec
import AudioSpoolTestKit
import Foundation
import Synchronization
import Testing

/// Counts how often a source is opened and how many frames it gives.
final class CountingSource: AudioSource {
    let inner: SoundFileReader
    let counter: Counter

    final class Counter: Sendable {
        let opened = Mutex(0)
        let frames = Mutex(0)
    }

    init(_ path: String, counter: Counter) throws(AudioError) {
        inner = try SoundFileReader(path: path)
        self.counter = counter
        counter.opened.withLock { $0 += 1 }
    }

    var properties: AudioProperties { inner.properties }

    func read(into buffer: UnsafeMutableBufferPointer<Float>) throws(AudioError) -> Int {
        let frames = try inner.read(into: buffer)
        counter.frames.withLock { $0 += frames }
        return frames
    }
}

@Suite(.timeLimit(.minutes(3))) struct TranscoderTests {
    let directory = TemporaryDirectory()

    @Test func severalOutputsFromOneDecode() async throws {
        let source = directory.file("in.wav")
        try TestSignals.noise(source, seconds: 2)
        let counter = CountingSource.Counter()
        let outputs = [
            Transcoder.Output(path: directory.file("a.mp3"), settings: EncoderSettings(format: .mp3(.cbr(kbps: 128)))),
            Transcoder.Output(path: directory.file("b.flac"), settings: EncoderSettings(format: .flac(compressionLevel: 5, bitsPerSample: 16))),
            Transcoder.Output(path: directory.file("c.wav"), settings: EncoderSettings(format: .wav(.pcm16), sampleRate: 16000, channels: 1)),
        ]
        let written = try Transcoder().encode({ () throws(AudioError) in try CountingSource(source, counter: counter) }, to: outputs)
        #expect(counter.opened.withLock { $0 } == 1)
        #expect(counter.frames.withLock { $0 } == 88200, "decoded once")
        #expect(written.map(\.properties.sampleRate) == [44100, 44100, 16000])
        #expect(written.map(\.properties.channels) == [2, 2, 1])
        #expect(try await Probe(directory.file("a.mp3")).codec == "mp3")
        #expect(try await Probe(directory.file("b.flac")).codec == "flac")
        #expect(try await Probe(directory.file("c.wav")).sampleRate == 16000)
    }

    @Test func aLoudnessTargetReadsTheSourceTwice() throws {
        let source = directory.file("in.wav")
        try TestSignals.noise(source, seconds: 1)
        let counter = CountingSource.Counter()
        _ = try Transcoder().encode(
            { () throws(AudioError) in try CountingSource(source, counter: counter) },
            to: [Transcoder.Output(path: directory.file("n.wav"), settings: EncoderSettings(format: .wav(.pcm16), loudness: LoudnessTarget(integratedLUFS: -20)))])
        #expect(counter.opened.withLock { $0 } == 2, "one pass to measure, one to encode")
    }

    @Test func aTargetTheLimiterCannotReachStopsAtTheCorrectionsCap() throws {
        // Sparse clicks: the plain gain, then the most the correction may
        // add, both fall short; no third pass with the limiter is tried.
        let source = directory.file("clicks.wav")
        try TestSignals.write(source, channels: 1, seconds: 4) { frame, _ in frame % 22050 < 40 ? 0.3 : 0 }
        let counter = CountingSource.Counter()
        _ = try Transcoder().encode(
            { () throws(AudioError) in try CountingSource(source, counter: counter) },
            to: [Transcoder.Output(path: directory.file("n.wav"), settings: EncoderSettings(format: .wav(.pcm16), loudness: LoudnessTarget(integratedLUFS: -10)))])
        #expect(counter.opened.withLock { $0 } == 4, "measure, the plain and the capped gain with the limiter, encode")
    }

    @Test func aFailedOutputLeavesNoFileAtAll() throws {
        let source = directory.file("in.wav")
        try TestSignals.noise(source, seconds: 1)
        let good = directory.file("good.flac")
        let bad = directory.file("no-such-folder/bad.wav")
        #expect(throws: AudioError.self) {
            try Transcoder().encode(
                { () throws(AudioError) in try SoundFileReader(path: source) },
                to: [
                    Transcoder.Output(path: good, settings: EncoderSettings(format: .flac(compressionLevel: 5, bitsPerSample: 16))),
                    Transcoder.Output(path: bad, settings: .wav16),
                ])
        }
        // Neither the good output nor any temporary file is left.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["in.wav"])
    }

    @Test func impossibleSettingsAreRejectedClearly() throws {
        let source = directory.file("in.wav")
        try TestSignals.noise(source, channels: 2, seconds: 0.1)
        #expect {
            try Transcoder().encode(input: source, output: directory.file("x.wav"), settings: EncoderSettings(format: .wav(.pcm16), channels: 6))
        } throws: { error in
            (error as? AudioError)?.kind == .unsupportedSettings
        }
        #expect {
            try Transcoder().encode(input: source, output: directory.file("x.flac"), settings: EncoderSettings(format: .flac(compressionLevel: 12, bitsPerSample: 16)))
        } throws: { error in
            (error as? AudioError)?.message.contains("compression level must be 0 to 8") == true
        }
    }

    @Test func decodesTheInputFormatsUsersUpload() async throws {
        let source = directory.file("in.wav")
        try TestSignals.sine(source, frequency: 440, seconds: 1)
        for (ext, settings) in [("flac", EncoderSettings(format: .flac(compressionLevel: 5, bitsPerSample: 16))), ("mp3", EncoderSettings(format: .mp3(.cbr(kbps: 128))))] {
            let encoded = directory.file("in.\(ext)")
            try Transcoder().encode(input: source, output: encoded, settings: settings)
            let back = directory.file("back-\(ext).wav")
            let written = try Transcoder().encode(input: encoded, output: back, settings: .wav16).properties
            #expect(abs(Double(written.frames ?? 0) / 44100 - 1) < 0.06, "\(ext): \(written.frames ?? 0) frames")
        }
        let ogg = directory.file("in.ogg")
        let converted = try await ChildProcess.run("/usr/bin/ffmpeg", ["-v", "error", "-i", source, "-c:a", "libvorbis", ogg])
        try #require(converted.status == 0, "\(converted.stderr)")
        #expect(try SoundFileReader(path: ogg).properties.sampleRate == 44100)
    }
}
