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
