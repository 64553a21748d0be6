import AudioSpoolTestKit
import Foundation
import Glibc
import Testing

/// `audiospool encode` with the listeners' formats and `--chapters`.
@Suite(.timeLimit(.minutes(4))) struct EncodeFormatsCommandTests {
    let directory = TemporaryDirectory()

    func encode(_ arguments: [String]) async throws -> ChildProcess.Result {
        try await ChildProcess.run(Repository.executable, ["encode"] + arguments)
    }

    func chaptersFile(_ json: String) throws -> String {
        let path = directory.file("chapters-\(UInt32.random(in: 0...UInt32.max)).json")
        try Data(json.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test(arguments: [
        ("opus", "ogg", "opus", 48000), ("m4b", "mov,mp4,m4a,3gp,3g2,mj2", "aac", 44100), ("m4a", "mov,mp4,m4a,3gp,3g2,mj2", "aac", 44100),
        ("aac", "aac", "aac", 44100),
    ])
    func theFormatComesFromTheExtension(ext: String, container: String, codec: String, rate: Int) async throws {
        let input = directory.file("in.wav")
        try TestSignals.noise(input, seconds: 2)
        let output = directory.file("out.\(ext)")
        let result = try await encode([input, output, "--bitrate-kbps", "64", "--tag", "title=Café ☕", "--tag", "album=Book"])
        #expect(result.status == 0, "\(result.summary)")
        #expect(result.stdout.contains("\(ext), \(rate) Hz, 2 ch, 2.000 s"), "\(result.stdout)")
        #expect(result.stderr.isEmpty, "FFmpeg's log stays out of the output: \(result.stderr)")
        let probe = try await Probe(output)
        #expect(probe.formatName == container && probe.codec == codec && probe.sampleRate == rate && probe.channels == 2)
        #expect(probe.tags["title"] == "Café ☕" && probe.tags["album"] == "Book", "\(probe.tags)")
    }

    @Test func pcmIsRawSixteenBitAtTheOutputRate() async throws {
        let input = directory.file("in.wav")
        try TestSignals.noise(input, seconds: 1)
        let output = directory.file("out.pcm")
        let result = try await encode([input, output, "--sample-rate", "16000", "--channels", "1"])
        #expect(result.status == 0, "\(result.summary)")
        #expect(try FileManager.default.attributesOfItem(atPath: output)[.size] as? Int == 16000 * 2)
        let decoded = try await Probe.decoded(output, inputOptions: ["-f", "s16le", "-ar", "16000", "-ac", "1"])
        #expect(decoded.frames == 16000)
    }

    @Test(arguments: ["mp3", "m4b", "opus", "flac"])
    func chaptersFromAFile(ext: String) async throws {
        let input = directory.file("in.wav")
        try TestSignals.noise(input, seconds: 3)
        let chapters = try chaptersFile(#"[{"title": "Prologue", "start_s": 0}, {"title": "Chapter 1: Über", "start_s": 1.5}]"#)
        let output = directory.file("book.\(ext)")
        let result = try await encode([input, output, "--chapters", chapters])
        #expect(result.status == 0, "\(result.summary)")
        let found = try await Probe.chapters(output)
        #expect(found.map(\.title) == ["Prologue", "Chapter 1: Über"], "\(found)")
        #expect(abs((found.first?.start ?? -1) - 0) <= 0.001 && abs((found.last?.start ?? -1) - 1.5) <= 0.001, "\(found)")
        #expect(abs((found.last?.end ?? -1) - 3) <= 0.05, "\(found)")
    }

    @Test func chapterMistakesNameWhatIsWrongAndWriteNothing() async throws {
        let input = directory.file("in.wav")
        try TestSignals.noise(input, seconds: 2)
        let output = directory.file("book.m4b")
        let cases: [(String, String)] = [
            ("not json", "is not valid JSON"),
            (#"{"title": "One", "start_s": 0}"#, "must be a list of chapters such as [{\"title\": \"One\", \"start_s\": 0}], but it is an object"),
            ("[]", "but the list is empty"),
            (#"[{"title": "One"}]"#, "missing required field \"chapters[0].start_s\""),
            (#"[{"title": "", "start_s": 0}]"#, "field \"chapters[0].title\" must not be empty"),
            (#"[{"title": "One", "start_s": "0:00"}]"#, "field \"chapters[0].start_s\" must be a number from 0.0 to 10000000.0, but it is the string \"0:00\""),
            (#"[{"title": "One", "start_s": -1}]"#, "field \"chapters[0].start_s\" must be a number from 0.0"),
            (#"[{"title": "One", "start_s": 0, "end_s": 1}]"#, "unknown field \"chapters[0].end_s\""),
            (#"[{"title": "One", "start_s": 1}, {"title": "Two", "start_s": 0.5}]"#, "field \"chapters[1].start_s\" must be later than chapters[0]'s 1.0 s"),
            (#"[{"title": "One", "start_s": 0}, {"title": "Two", "start_s": 7}]"#, "chapter 2 starts at 7.0 s, after the audio's end (2.0 s)"),
        ]
        for (json, message) in cases {
            let result = try await encode([input, output, "--chapters", try chaptersFile(json)])
            #expect(result.status != 0, "\(json)")
            #expect(result.stderr.contains(message), "\(json): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: output), "\(json)")
        }
        let wav = try await encode([input, directory.file("book.wav"), "--chapters", try chaptersFile(#"[{"title": "One", "start_s": 0}]"#)])
        #expect(wav.stderr.contains("--chapters: wav holds no chapter markers; use one of mp3, m4b, m4a, opus, flac"), "\(wav.stderr)")
        let missing = try await encode([input, output, "--chapters", directory.file("nowhere.json")])
        #expect(missing.stderr.contains("--chapters: cannot read"), "\(missing.stderr)")
    }

    /// The peak RSS of `audiospool encode` for `seconds` of pink noise
    /// (8 kHz mono unless told) on tmpfs, in KB.
    func peakRSS(ext: String, seconds: Double, folder: TemporaryDirectory, rate: Int = 8000, kbps: Int = 32) async throws -> Int {
        let input = folder.file("\(Int(seconds)).wav")
        try await Speech.pinkNoise(input, seconds: seconds, rate: rate, channels: 1)
        defer { unlink(input) }
        let output = folder.file("\(Int(seconds)).\(ext)")
        defer { unlink(output) }
        let result = try await ChildProcess.run(
            "/usr/bin/time", ["-f", "peak_rss_kb %M", Repository.executable, "encode", input, output, "--bitrate-kbps", String(kbps)])
        #expect(result.status == 0, "\(result.summary)")
        let line = try #require(result.stderr.split(separator: "\n").last { $0.hasPrefix("peak_rss_kb ") })
        return try #require(Int(line.dropFirst("peak_rss_kb ".count)))
    }

    /// Opus holds nothing back: the peak RSS for 10 minutes is that of 1
    /// (the 3-hour figures are bench/encode.sh's; 3 hours of Opus take
    /// too long for a debug build on a shared machine).
    @Test func opusTakesTheSameMemoryForTenTimesTheAudio() async throws {
        let folder = TemporaryDirectory(in: "/dev/shm")
        let short = try await peakRSS(ext: "opus", seconds: 60, folder: folder)
        let long = try await peakRSS(ext: "opus", seconds: 600, folder: folder)
        // 4 MB for the allocator's noise between two runs; a buffer that grew
        // with the audio would be tens of MB here.
        #expect(long <= short + 4096, "peak RSS \(long) KB for 10 min, \(short) KB for 1 min")
    }

    /// M4B holds nothing back either: Mp4Writer keeps the packets' sizes in
    /// a temporary file, not memory, until it writes `moov`. An hour
    /// against 10 minutes (3 hours take too long in a debug build;
    /// bench/RESULTS.md has them), at 22.05 kHz mono, 21.5 packets a
    /// second: libavformat's muxer, which kept 64 bytes a packet, grew by
    /// 4.1 MB here, and the margin is half that.
    @Test func m4bTakesTheSameMemoryForAnHourAsForTenMinutes() async throws {
        let folder = TemporaryDirectory(in: "/dev/shm")
        let short = try await peakRSS(ext: "m4b", seconds: 600, folder: folder, rate: 22050)
        let long = try await peakRSS(ext: "m4b", seconds: 3600, folder: folder, rate: 22050)
        let oldTable = (3600 - 600) * 22050 / 1024 * 64 / 1024
        #expect(long <= short + oldTable / 2, "peak RSS \(long) KB for 1 h, \(short) KB for 10 min; the old muxer's table: \(oldTable) KB")
    }

    /// FFmpeg is loaded only for AAC: an MP3, FLAC or WAV encode maps none
    /// of its libraries (the loader's own log says which it loads), and
    /// takes that much less memory.
    @Test func onlyAnAACEncodeLoadsFFmpeg() async throws {
        let input = directory.file("in.wav")
        try TestSignals.noise(input, seconds: 1)
        var peaks: [String: Int] = [:]
        for ext in ["mp3", "flac", "wav", "m4a"] {
            let result = try await ChildProcess.run(
                "/usr/bin/time", ["-f", "peak_rss_kb %M", Repository.executable, "encode", input, directory.file("out.\(ext)")],
                environment: ["LD_DEBUG": "files"])
            #expect(result.status == 0, "\(result.summary)")
            let loadsFFmpeg = result.stderr.contains("file=libavcodec.so")
            #expect(loadsFFmpeg == (ext == "m4a"), "\(ext): \(result.stderr.split(separator: "\n").filter { $0.contains("libav") }.prefix(3))")
            let line = try #require(result.stderr.split(separator: "\n").last { $0.hasPrefix("peak_rss_kb ") })
            peaks[ext] = Int(line.dropFirst("peak_rss_kb ".count))
        }
        // FFmpeg's libraries are tens of MB; an MP3 encode does not carry them.
        let mp3 = try #require(peaks["mp3"])
        let m4a = try #require(peaks["m4a"])
        #expect(mp3 + 10_000 < m4a, "peak RSS: MP3 \(mp3) KB, M4A \(m4a) KB")
    }
}
