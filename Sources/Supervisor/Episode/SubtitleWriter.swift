import Foundation

/// A word an engine timed, in seconds from the start of its segment's audio.
struct TimedWord: Sendable, Equatable, Codable {
    var text: String
    var start: Double
    var end: Double
}

/// One segment of the stitched audio, where it lies in it (seconds), the
/// text it shows (as the job wrote it), and its words' times when its
/// engine reported them.
struct TimedSegment: Sendable, Equatable {
    var start: Double
    var duration: Double
    var text: String
    var words: [TimedWord]? = nil
}

/// Subtitles from the stitched audio's own timeline: one cue per sentence
/// segment, or, where word timings are given, one per phrase; SRT, WebVTT,
/// and `words.json`. Times are cut (not rounded) to milliseconds, so a cue
/// never ends after the next one starts, nor after the audio ends.
enum SubtitleWriter {
    struct Cue: Sendable, Equatable {
        var start: Double
        var end: Double
        var text: String
    }

    /// A phrase ends after a word that ends a clause, or at this many words.
    static let phraseWords = 8

    static func cues(_ segments: [TimedSegment]) -> [Cue] {
        segments.flatMap { segment -> [Cue] in
            guard let words = segment.words, !words.isEmpty else {
                return [Cue(start: segment.start, end: segment.start + segment.duration, text: segment.text)]
            }
            var cues: [Cue] = []
            var phrase: [TimedWord] = []
            func closePhrase() {
                guard let first = phrase.first, let last = phrase.last else { return }
                let start = segment.start + min(max(0, first.start), segment.duration)
                let end = segment.start + min(max(last.end, first.start), segment.duration)
                cues.append(Cue(start: start, end: end, text: phrase.map(\.text).joined(separator: " ")))
                phrase = []
            }
            for word in words {
                phrase.append(word)
                if phrase.count >= phraseWords || word.text.last.map({ ",;:.!?…—".contains($0) }) == true { closePhrase() }
            }
            closePhrase()
            return cues
        }
    }

    static func srt(_ cues: [Cue]) -> String {
        cues.enumerated().map { index, cue in
            "\(index + 1)\n\(time(cue.start, separator: ",")) --> \(time(cue.end, separator: ","))\n\(oneBlock(cue.text))\n"
        }
        .joined(separator: "\n")
    }

    static func vtt(_ cues: [Cue]) -> String {
        "WEBVTT\n\n" + cues.map { cue in
            // "-->" would end a WebVTT cue's timing line; "&" and "<" start markup.
            let text = oneBlock(cue.text).replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: "-->", with: "--&gt;")
            return "\(time(cue.start, separator: ".")) --> \(time(cue.end, separator: "."))\n\(text)\n"
        }
        .joined(separator: "\n")
    }

    /// Every timed word, at its place in the stitched audio; nil when no
    /// segment has word timings.
    static func wordsDocument(_ segments: [TimedSegment]) throws -> Data? {
        guard segments.contains(where: { $0.words?.isEmpty == false }) else { return nil }
        struct Word: Encodable {
            var text: String
            var start_s: Double
            var end_s: Double
        }
        let words = segments.flatMap { segment in
            (segment.words ?? []).map { word in
                Word(
                    text: word.text, start_s: milliseconds(segment.start + min(max(0, word.start), segment.duration)),
                    end_s: milliseconds(segment.start + min(max(0, word.end), segment.duration)))
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(["words": words])
    }

    private static func milliseconds(_ seconds: Double) -> Double {
        (seconds * 1000).rounded(.down) / 1000
    }

    /// A blank line would end the cue: the text is kept to one block.
    private static func oneBlock(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    /// `HH:MM:SS,mmm` (SRT) or `HH:MM:SS.mmm` (WebVTT), cut to the millisecond.
    static func time(_ seconds: Double, separator: String) -> String {
        // A hair over, so 1.234 stored as 1.23399999 still shows 1.234.
        let total = Int64((max(0, seconds) * 1000 + 1e-6).rounded(.down))
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let millis = total % 1000
        let shown = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return "\(two(total / 3_600_000)):\(two(total / 60000 % 60)):\(two(total / 1000 % 60))\(separator)\(shown)"
    }
}
