import EngineHost
import Foundation
import Spool

/// `segments/plan.json` of a script or chapters job: every line split into
/// segments, what each segment says (respelled) and shows (as written), and
/// the silence after it. Written once, so every attempt works on the same
/// segments, and `segments/00001.wav`, … are numbered through the whole job.
struct EpisodePlan: Codable, Sendable, Equatable {
    struct Line: Codable, Sendable, Equatable {
        var chapter: Int?
        /// In its chapter (or the script), from 1.
        var number: Int
        var engine: String
    }

    struct Segment: Codable, Sendable, Equatable {
        /// The line's index in `lines`.
        var line: Int
        /// What the engine is given: the text with the lexicon's respellings.
        var text: String
        /// What subtitles show: the text as the job wrote it.
        var shown: String
        /// Silence after it, before the next segment.
        var pauseMilliseconds: Int

        enum CodingKeys: String, CodingKey {
            case line, text, shown
            case pauseMilliseconds = "pause_ms"
        }
    }

    struct ChapterSpan: Codable, Sendable, Equatable {
        var title: String
        /// Its segments: `first ..< first + count`.
        var first: Int
        var count: Int

        var range: Range<Int> { first..<(first + count) }
    }

    var lines: [Line]
    var segments: [Segment]
    /// Empty without chapters.
    var chapters: [ChapterSpan]

    /// A line's end is a paragraph's; a chapter's end is this, unless the job says.
    static let defaultChapterPauseMilliseconds = 2000

    /// Splits `lines` as their engines segment text (each engine's
    /// `max_chars`; one segment for an engine that does not segment), with
    /// pauses from the job's `pauses`, each line's `pause_after_ms` and
    /// `chapter_pause_ms`. `lexicon` gives each line's respellings.
    static func make(_ lines: [PreparedLine], spec: JobSpec, lexicon: (PreparedLine) -> Lexicon) -> EpisodePlan {
        var plan = EpisodePlan(lines: [], segments: [], chapters: [])
        for (index, line) in lines.enumerated() {
            plan.lines.append(Line(chapter: line.chapter, number: line.number, engine: line.manifest.name))
            if let chapter = line.chapter, chapter >= plan.chapters.count, let title = spec.chapters?[chapter].title {
                plan.chapters.append(ChapterSpan(title: title, first: plan.segments.count, count: 0))
            }
            let respell = lexicon(line)
            let segmentation = line.manifest.tasks[line.task]?.segmentation
            var pieces = segmentation.map { TextSegmenter(maxCharacters: $0.maxCharacters).segments(line.text) } ?? []
            // An engine that does not segment, or a line of only punctuation: one segment.
            if pieces.isEmpty { pieces = [TextSegmenter.Segment(TextSegmenter.collapseSpaces(line.text), end: .paragraph)] }
            let sentence = spec.pauses?.sentenceMilliseconds ?? segmentation?.sentencePauseMilliseconds ?? 0
            let paragraph = spec.pauses?.paragraphMilliseconds ?? segmentation?.paragraphPauseMilliseconds ?? 0
            for (pieceIndex, piece) in pieces.enumerated() {
                var pause =
                    switch piece.end {
                    case .clause: sentence / 2
                    case .sentence: sentence
                    case .paragraph: paragraph
                    }
                if pieceIndex == pieces.count - 1 {
                    pause = line.pauseAfterMilliseconds ?? paragraph
                    if index + 1 < lines.count, lines[index + 1].chapter != line.chapter {
                        pause = spec.chapterPauseMilliseconds ?? line.pauseAfterMilliseconds ?? defaultChapterPauseMilliseconds
                    }
                    if index == lines.count - 1 { pause = 0 }
                }
                plan.segments.append(Segment(line: index, text: respell.apply(piece.text), shown: piece.text, pauseMilliseconds: pause))
            }
            if !plan.chapters.isEmpty { plan.chapters[plan.chapters.count - 1].count += pieces.count }
        }
        return plan
    }

    /// The segments of each line, in order.
    func segments(ofLine line: Int) -> [Int] {
        segments.indices.filter { segments[$0].line == line }
    }

    /// The chapter a segment is in (nil without chapters).
    func chapter(ofSegment index: Int) -> Int? {
        chapters.firstIndex { $0.range.contains(index) }
    }
}
