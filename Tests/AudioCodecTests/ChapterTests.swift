import AudioCodec
import AudioSpoolTestKit
import Foundation
import Testing

/// Chapter markers in every container that has them, read back by
/// `ffprobe -show_chapters`.
@Suite(.timeLimit(.minutes(3))) struct ChapterTests {
    let directory = TemporaryDirectory()
    let source: String
    static let seconds = 4.0
    static let chapters = [
        ChapterMark(title: "Opening", startSeconds: 0), ChapterMark(title: "Café ☕ — the middle", startSeconds: 1.25),
        ChapterMark(title: "The End", startSeconds: 3.5),
    ]

    init() throws {
        source = directory.file("source.wav")
        try TestSignals.noise(source, rate: 48000, channels: 2, seconds: Self.seconds)
    }

    static func format(_ ext: String) -> EncoderSettings.Format {
        switch ext {
        case "mp3": .mp3(.cbr(kbps: 96))
        case "opus": .opus(kbps: 64)
        case "flac": .flac(compressionLevel: 5, bitsPerSample: 16)
        case "m4a": .aac(kbps: 64, container: .m4a)
        default: .aac(kbps: 64, container: .m4b)
        }
    }

    @Test(arguments: ["mp3", "m4b", "m4a", "opus", "flac"])
    func chaptersReadBackWithTheirTitlesAndTimes(ext: String) async throws {
        let path = directory.file("book.\(ext)")
        let settings = EncoderSettings(format: Self.format(ext), tags: AudioTags(title: "The Book", artist: "Joe"), chapters: Self.chapters)
        try Transcoder().encode(input: source, output: path, settings: settings)
        let found = try await Probe.chapters(path)
        #expect(found.map(\.title) == Self.chapters.map(\.title), "\(found)")
        for (chapter, mark) in zip(found, Self.chapters) {
            #expect(abs(chapter.start - mark.startSeconds) <= 0.001, "\(chapter)")
        }
        // Each ends where the next starts; the last at the end of the audio.
        for (chapter, next) in zip(found, found.dropFirst()) { #expect(abs(chapter.end - next.start) <= 0.001, "\(found)") }
        #expect(abs((found.last?.end ?? 0) - Self.seconds) <= 0.05, "\(found)")
        // Tags are still there beside the chapters.
        let tags = try await Probe(path).tags
        #expect(tags["title"] == "The Book" && tags["artist"] == "Joe", "\(tags)")
        #expect(abs(try await Probe(path).duration - Self.seconds) <= 0.05)
    }

    @Test func aChapterAfterTheEndIsRefusedAndLeavesNothing() {
        let path = directory.file("late.mp3")
        let late = Self.chapters + [ChapterMark(title: "Beyond", startSeconds: 9)]
        #expect(throws: AudioError.self) {
            try Transcoder().encode(input: source, output: path, settings: EncoderSettings(format: .mp3(.cbr(kbps: 96)), chapters: late))
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    /// FLAC also gets a cuesheet: one track per chapter at its first sample,
    /// and the lead-out at the end of the audio (written when it is known),
    /// as metaflac lists it; the file still tests clean.
    @Test(arguments: [48000, 22050])
    func aFlacHasACuesheetOfItsChapters(rate: Int) async throws {
        let path = directory.file("cue-\(rate).flac")
        let settings = EncoderSettings(format: Self.format("flac"), sampleRate: rate, tags: AudioTags(title: "The Book"), chapters: Self.chapters)
        try Transcoder().encode(input: source, output: path, settings: settings)
        let listed = try await ChildProcess.run("/usr/bin/metaflac", ["--list", "--block-type=CUESHEET", path])
        #expect(listed.status == 0, "\(listed.summary)")
        let lines = listed.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let offsets = lines.filter { $0.hasPrefix("offset: ") }.compactMap { Int($0.dropFirst("offset: ".count)) }
        let numbers = lines.filter { $0.hasPrefix("number: ") }.compactMap { Int($0.dropFirst("number: ".count)) }
        // Per track: its offset, then its index's (0); the lead-out has no index.
        let trackOffsets = Self.chapters.indices.map { offsets[2 * $0] }
        #expect(trackOffsets == Self.chapters.map { Int(($0.startSeconds * 1000).rounded()) * rate / 1000 }, "\(listed.stdout)")
        #expect(offsets.last == Int(Self.seconds) * rate, "the lead-out at the audio's end: \(listed.stdout)")
        // Tracks 1, 2, 3, each with index 01, then the lead-out.
        #expect(numbers == [1, 1, 2, 1, 3, 1] && lines.contains("number: 255 (LEAD-OUT)"), "\(listed.stdout)")
        #expect(lines.contains("is CD: false"), "\(listed.stdout)")
        let test = try await ChildProcess.run("/usr/bin/flac", ["--test", "--silent", path])
        #expect(test.status == 0, "\(test.summary)")
        // And ffprobe still reads three chapters, titled, not six.
        #expect(try await Probe.chapters(path).map(\.title) == Self.chapters.map(\.title))
    }

    @Test func chaptersOutOfOrderAreRefused() throws {
        let path = directory.file("order.flac")
        let swapped = [Self.chapters[1], Self.chapters[0]]
        do {
            try Transcoder().encode(input: source, output: path, settings: EncoderSettings(format: Self.format("flac"), chapters: swapped))
            Issue.record("chapters out of order were accepted")
        } catch {
            #expect(error.message.contains("chapter 2 starts at 0.0 s, not after chapter 1"), "\(error.message)")
        }
    }
}
