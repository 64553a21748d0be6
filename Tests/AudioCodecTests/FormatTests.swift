import AudioCodec
import AudioSpoolTestKit
import Foundation
import Testing

/// Every format, checked by independent tools: ffprobe and flac.
@Suite(.timeLimit(.minutes(3))) struct FormatTests {
    let directory = TemporaryDirectory()
    let source: String

    init() throws {
        source = directory.file("source.wav")
        try TestSignals.noise(source, rate: 44100, channels: 2, seconds: 3)
    }

    func encode(_ name: String, _ settings: EncoderSettings) throws -> String {
        let path = directory.file(name)
        try Transcoder().encode(input: source, output: path, settings: settings)
        return path
    }

    @Test func mp3AtAConstantBitRate() async throws {
        let path = try encode("cbr.mp3", EncoderSettings(format: .mp3(.cbr(kbps: 128))))
        let probe = try await Probe(path)
        #expect(probe.formatName == "mp3" && probe.codec == "mp3")
        #expect(probe.sampleRate == 44100 && probe.channels == 2)
        #expect(abs(probe.duration - 3) < 0.06, "\(probe.duration)")
        #expect(abs(Double(probe.bitRate ?? 0) - 128_000) < 2000, "\(probe.bitRate ?? 0)")
        // LAME writes an "Info" tag frame for CBR.
        #expect(try firstBytes(path).contains("Info"))
    }

    @Test func mp3AtAVariableBitRateHasAXingTagForItsDuration() async throws {
        let path = try encode("vbr.mp3", EncoderSettings(format: .mp3(.vbr(quality: 4))))
        #expect(try firstBytes(path).contains("Xing"))
        #expect(try firstBytes(path).contains("LAME"))
        // Without the Xing frame count a VBR duration is only a guess.
        #expect(abs(try await Probe(path).duration - 3) < 0.06)
    }

    @Test func mp3Mono() async throws {
        let path = try encode("mono.mp3", EncoderSettings(format: .mp3(.cbr(kbps: 64)), channels: 1))
        let probe = try await Probe(path)
        #expect(probe.channels == 1)
        #expect(abs(probe.duration - 3) < 0.06)
    }

    @Test(arguments: [(0, 16), (5, 16), (8, 24)])
    func flacIsLosslessAndVerifies(level: Int, bits: Int) async throws {
        let path = try encode("l\(level).flac", EncoderSettings(format: .flac(compressionLevel: level, bitsPerSample: bits)))
        let test = try await ChildProcess.run("/usr/bin/flac", ["-t", "-s", path])
        #expect(test.status == 0, "flac -t: \(test.stderr)")
        let probe = try await Probe(path)
        #expect(probe.codec == "flac" && probe.bitsPerSample == bits && probe.sampleRate == 44100)
        // 16-bit audio comes back bit for bit.
        #expect(try TestSignals.read(path).1 == TestSignals.read(source).1)
    }

    @Test(arguments: [(WavSampleFormat.pcm16, "pcm_s16le"), (.pcm24, "pcm_s24le"), (.float32, "pcm_f32le")])
    func wavSampleFormats(format: WavSampleFormat, codec: String) async throws {
        let path = try encode("\(format.rawValue).wav", EncoderSettings(format: .wav(format)))
        let probe = try await Probe(path)
        #expect(probe.codec == codec)
        #expect(abs(probe.duration - 3) < 0.001)
    }

    /// A format that carries tags, by file extension.
    static func taggable(_ ext: String) -> EncoderSettings.Format {
        switch ext {
        case "mp3": .mp3(.cbr(kbps: 96))
        case "flac": .flac(compressionLevel: 5, bitsPerSample: 16)
        default: .wav(.pcm16)
        }
    }

    @Test(arguments: ["mp3", "flac", "wav"])
    func tagsAreWrittenTheWayEachFormatHoldsThem(ext: String) async throws {
        let tags = AudioTags(title: "Chapter One", artist: "Joe", album: "The Book", track: "1/12", comment: "made by audiospool")
        let path = try encode("tagged.\(ext)", EncoderSettings(format: Self.taggable(ext), tags: tags))
        let found = try await Probe(path).tags
        #expect(found["title"] == "Chapter One")
        #expect(found["artist"] == "Joe")
        #expect(found["album"] == "The Book")
        #expect(found["comment"] == "made by audiospool")
        #expect(found["track"] == "1/12" || found["tracknumber"] == "1/12" || found["track"] == "1", "\(found)")
    }

    /// ID3v2's Latin-1 frames would show "CafÃ©": text beyond ASCII must
    /// be written in a Unicode encoding the frame declares.
    @Test(arguments: ["mp3", "flac", "wav"])
    func utf8TagsReadBackUnchanged(ext: String) async throws {
        let tags = AudioTags(title: "Café ☕", artist: "Zoë Ångström", album: "日本語の本", track: "2/9", comment: "naïve — 🎧")
        let path = try encode("unicode.\(ext)", EncoderSettings(format: Self.taggable(ext), tags: tags))
        let found = try await Probe(path).tags
        #expect(found["title"] == "Café ☕", "\(found)")
        #expect(found["artist"] == "Zoë Ångström", "\(found)")
        #expect(found["album"] == "日本語の本", "\(found)")
        #expect(found["comment"] == "naïve — 🎧", "\(found)")
    }

    /// Silence compresses to tiny frames: the verifier must still get every
    /// frame's bytes before the writer fills its queue (this once hung).
    @Test func longQuietAudioToFLACCompletes() async throws {
        let quiet = directory.file("quiet.wav")
        try TestSignals.write(quiet, rate: 24000, channels: 1, seconds: 60) { frame, _ in frame % 2400 == 0 ? 0.001 : 0 }
        let path = directory.file("quiet.flac")
        let written = try Transcoder().encode(input: quiet, output: path, settings: EncoderSettings(format: .flac(compressionLevel: 8, bitsPerSample: 16)))
        #expect(written.properties.frames.map(Int.init) == 24000 * 60)
        #expect(try await ChildProcess.run("/usr/bin/flac", ["-t", "-s", path]).status == 0)
    }

    @Test func mp3TakesTheNearestRateItCanHold() async throws {
        let high = directory.file("high.wav")
        try TestSignals.sine(high, frequency: 1000, rate: 96000, channels: 1, seconds: 1)
        let path = directory.file("from96k.mp3")
        let written = try Transcoder().encode(input: high, output: path, settings: EncoderSettings(format: .mp3(.cbr(kbps: 128))))
        #expect(written.properties.sampleRate == 48000)
        #expect(try await Probe(path).sampleRate == 48000)
    }

    func firstBytes(_ path: String) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: path)).prefix(1024)
        return String(decoding: data.map { $0 >= 32 && $0 < 127 ? $0 : 46 }, as: UTF8.self)
    }
}
