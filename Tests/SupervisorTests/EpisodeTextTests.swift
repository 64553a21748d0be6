import AudioSpoolTestKit
import Basics
import Foundation
import Spool
@testable import Supervisor
import Testing

/// The lexicon's respellings, the subtitle files, chapter file names and
/// the lexicon's config section: the text side of scripts and chapters.
@Suite struct EpisodeTextTests {
    @Test func respellingsAreWholeWordsAndFollowTheCase() {
        let lexicon = Lexicon(["worcester": "wuster", "NASA": "nassa", "New York": "Noo York"])
        #expect(lexicon.apply("Worcester's sauce, from worcester, WORCESTER!") == "Wuster's sauce, from wuster, WUSTER!")
        #expect(lexicon.apply("Worcestershire and Aworcester stay.") == "Worcestershire and Aworcester stay.", "never inside a longer word")
        #expect(lexicon.apply("NASA and nasa") == "nassa and nasa", "an entry with capitals matches only that spelling")
        #expect(lexicon.apply("New York, new york.") == "Noo York, new york.", "a phrase with capitals matches only that spelling")
        #expect(Lexicon([:]).apply("Unchanged.") == "Unchanged.")
    }

    @Test func aJobsEntriesOverrideTheSpools() {
        let spool = Lexicon(["tomato": "tomahto", "gif": "jif"])
        let merged = spool.merged(with: ["gif": "ghif"])
        #expect(merged.apply("A gif of a tomato.") == "A ghif of a tomahto.")
    }

    let segments = [
        TimedSegment(start: 0, duration: 1.2345, text: "Hello there."),
        TimedSegment(start: 1.4345, duration: 0.5, text: "A <b> & --> c.\nNext line"),
    ]

    @Test func srtHasOneNumberedCuePerSegment() {
        let srt = SubtitleWriter.srt(SubtitleWriter.cues(segments))
        #expect(srt == "1\n00:00:00,000 --> 00:00:01,234\nHello there.\n\n2\n00:00:01,434 --> 00:00:01,934\nA <b> & --> c. Next line\n")
    }

    @Test func vttEscapesMarkupAndTheArrow() {
        let vtt = SubtitleWriter.vtt(SubtitleWriter.cues(segments))
        #expect(vtt.hasPrefix("WEBVTT\n\n00:00:00.000 --> 00:00:01.234\nHello there.\n\n"))
        #expect(vtt.contains("00:00:01.434 --> 00:00:01.934\nA &lt;b> &amp; --&gt; c. Next line\n"))
    }

    @Test func timesAreCutToTheMillisecondSoCuesNeverOverlap() {
        #expect(SubtitleWriter.time(3723.4567, separator: ",") == "01:02:03,456")
        #expect(SubtitleWriter.time(1.234, separator: ".") == "00:00:01.234")
        // Back to back: the first ends where the second starts, not after.
        let cues = SubtitleWriter.cues([TimedSegment(start: 0, duration: 0.99999, text: "a"), TimedSegment(start: 0.99999, duration: 1, text: "b")])
        #expect(SubtitleWriter.time(cues[0].end, separator: ",") <= SubtitleWriter.time(cues[1].start, separator: ","))
    }

    @Test func wordTimingsMakePhraseCuesAndWordsJSON() throws {
        let words = [
            TimedWord(text: "Hello", start: 0.1, end: 0.4), TimedWord(text: "there,", start: 0.45, end: 0.8),
            TimedWord(text: "my", start: 1.0, end: 1.1), TimedWord(text: "friend.", start: 1.15, end: 9.0),
        ]
        let timed = [TimedSegment(start: 10, duration: 1.5, text: "Hello there, my friend.", words: words)]
        let cues = SubtitleWriter.cues(timed)
        #expect(cues.map(\.text) == ["Hello there,", "my friend."])
        #expect(cues[0].start == 10.1 && cues[0].end == 10.8)
        #expect(cues[1].end == 11.5, "a word past its segment's end is held to it")
        let document = try #require(try SubtitleWriter.wordsDocument(timed))
        let object = try #require(try JSONSerialization.jsonObject(with: document) as? [String: [[String: Any]]])
        let listed = try #require(object["words"])
        #expect(listed.map { $0["text"] as? String } == ["Hello", "there,", "my", "friend."])
        #expect(listed.map { $0["start_s"] as? Double } == [10.1, 10.45, 11, 11.15])
        #expect(try SubtitleWriter.wordsDocument(segments) == nil, "no words, no words.json")
    }

    @Test func chapterFileNamesAreSlugs() {
        #expect(JobRunner.slug("Chapter 3: The Rain in Spain!") == "chapter-3-the-rain-in-spain")
        #expect(JobRunner.slug("Été à Paris") == "ete-a-paris")
        #expect(JobRunner.slug("???") == "chapter")
        #expect(JobRunner.slug(String(repeating: "ab ", count: 30)).count <= 40)
    }

    @Test func theLexiconSectionIsReadStrictly() throws {
        let reader = JSONObjectReader(["files": .object(["en": .string("lexicons/en.json")]), "default_language": .string("en")], path: "lexicon")
        let settings = try LexiconSettings(config: reader)
        #expect(settings.files == ["en": "lexicons/en.json"])
        #expect(throws: DocumentError.self) { try LexiconSettings(config: JSONObjectReader(["file": .string("x")], path: "lexicon")) }
        #expect(LexiconSettings().configValue == .object(["files": .object([:]), "default_language": .string("en")]))
    }

    @Test func theSpoolsLexiconFileIsReadAndABadOneNamed() throws {
        let folder = TemporaryDirectory()
        try Data(#"{"Worcester": "Wuster"}"#.utf8).write(to: URL(fileURLWithPath: folder.path + "/en.json"))
        try Data(#"{"Worcester": 1}"#.utf8).write(to: URL(fileURLWithPath: folder.path + "/fr.json"))
        var settings = LexiconSettings()
        settings.files = ["en": "en.json", "fr": "fr.json", "de": "missing.json"]
        #expect(try settings.respellings(for: "en", spool: folder.path) == ["Worcester": "Wuster"])
        #expect(try settings.respellings(for: "es", spool: folder.path) == [:])
        #expect(throws: JobError.self) { try settings.respellings(for: "fr", spool: folder.path) }
        do {
            _ = try settings.respellings(for: "de", spool: folder.path)
            Issue.record("a missing file was accepted")
        } catch {
            #expect(error.message.contains("lexicon.files.de"), "\(error.message)")
        }
    }

    @Test func theTimelineCountsEachSegmentAndEachPauseAsTheStitcherDoes() {
        // 22050 Hz: 150 ms is 3307.5 frames, which StitchedSource rounds to 3308.
        let timeline = EpisodeTimeline(sampleRate: 22050, frames: [1000, 2000, 500], pausesMilliseconds: [150, 2000, 0])
        #expect(timeline.gaps == [3308, 44100, 0])
        #expect(timeline.starts(0..<3) == [0, 4308, 50408])
        #expect(timeline.starts(1..<3) == [0, 46100], "a chapter's file starts at its own first segment")
        #expect(timeline.gapSeconds(0..<2, pauses: [150, 2000, 0]) == [0.15, 2.0])
    }
}
