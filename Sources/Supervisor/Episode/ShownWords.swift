import EngineProtocol

/// An engine's timed words, given back the job's own spelling. The engine
/// speaks a segment's `text` (with the lexicon's respellings) and times the
/// words of that; subtitles show its `shown` text (as the job wrote it).
///
/// The two texts are compared word by word (words: runs of non-space): a
/// word the lexicon left alone is itself, and a run the lexicon changed
/// ("Wuster's" for "Worcester's", "Noo Yawk" for "New York") stands for the
/// written run it replaced, timed from the first of its spoken words to the
/// last. A written word without a letter or digit ("—"), which no engine
/// times, goes with the word before it.
///
/// When the engine's words do not spell the spoken text (in order, each
/// one or more of its words, leaving out only words without a letter or
/// digit), the segment has no word times: its cue is its sentence's.
enum ShownWords {
    /// Beyond this many word pairs the comparison is not made (a text an
    /// engine speaks whole, not in sentences): sentence cues.
    static let comparisonLimit = 1_000_000

    /// The words of `shown`, timed; nil when `words` cannot be matched.
    static func map(_ words: [WordTiming], spoken: String, shown: String) -> [TimedWord]? {
        let spokenWords = spoken.split(whereSeparator: \.isWhitespace).map(String.init)
        let shownWords = shown.split(whereSeparator: \.isWhitespace).map(String.init)
        guard !words.isEmpty, let parts = parts(of: spokenWords, timed: words),
              let sources = sources(of: spokenWords, in: shownWords)
        else { return nil }
        // Each timed word's written words; overlapping ones are one word.
        var merged: [(written: Range<Int>, start: Double, end: Double)] = []
        var pendingStart: Double?
        for (word, spokenParts) in zip(words, parts) {
            let ranges = spokenParts.map { sources[$0] }.filter { !$0.isEmpty }
            guard let lower = ranges.map(\.lowerBound).min(), let upper = ranges.map(\.upperBound).max() else {
                // Spoken words the job did not write: their time goes to a neighbour.
                if merged.isEmpty { pendingStart = pendingStart ?? word.startSeconds } else { merged[merged.count - 1].end = word.endSeconds }
                continue
            }
            if let last = merged.last, lower < last.written.upperBound {
                merged[merged.count - 1].written = last.written.lowerBound..<max(upper, last.written.upperBound)
                merged[merged.count - 1].end = word.endSeconds
            } else {
                merged.append((lower..<upper, pendingStart ?? word.startSeconds, word.endSeconds))
                pendingStart = nil
            }
        }
        guard !merged.isEmpty else { return nil }
        // Every written word shows: those between two timed ones join the first.
        return merged.indices.map { index in
            let from = index == 0 ? 0 : merged[index].written.lowerBound
            let to = index + 1 < merged.count ? merged[index + 1].written.lowerBound : shownWords.count
            return TimedWord(text: shownWords[from..<to].joined(separator: " "), start: merged[index].start, end: merged[index].end)
        }
    }

    /// For each timed word, the spoken words it is (one, or several an
    /// engine speaks as one: "from the"); nil when the timed words are not
    /// the spoken ones, in order, less words without a letter or digit.
    private static func parts(of spoken: [String], timed: [WordTiming]) -> [[Int]]? {
        var parts: [[Int]] = []
        var next = 0
        for word in timed {
            var indices: [Int] = []
            for part in word.text.split(whereSeparator: \.isWhitespace) {
                while next < spoken.count, spoken[next] != part {
                    guard !isWord(spoken[next]) else { return nil }
                    next += 1
                }
                guard next < spoken.count else { return nil }
                indices.append(next)
                next += 1
            }
            parts.append(indices)
        }
        guard spoken[next...].allSatisfy({ !isWord($0) }) else { return nil }
        return parts
    }

    /// For each spoken word, the written words it stands for: itself where
    /// the two texts agree (their longest common run of words), else the
    /// whole written run between the same two agreeing words.
    private static func sources(of spoken: [String], in shown: [String]) -> [Range<Int>]? {
        if spoken == shown { return spoken.indices.map { $0..<($0 + 1) } }
        guard spoken.count * shown.count <= comparisonLimit else { return nil }
        // lengths[i][j]: the longest common subsequence of spoken[i...] and shown[j...].
        var lengths = [[Int]](repeating: [Int](repeating: 0, count: shown.count + 1), count: spoken.count + 1)
        for i in spoken.indices.reversed() {
            for j in shown.indices.reversed() {
                lengths[i][j] = spoken[i] == shown[j] ? lengths[i + 1][j + 1] + 1 : max(lengths[i + 1][j], lengths[i][j + 1])
            }
        }
        var pairs: [(Int, Int)] = []
        var (i, j) = (0, 0)
        while i < spoken.count, j < shown.count {
            if spoken[i] == shown[j] {
                pairs.append((i, j))
                (i, j) = (i + 1, j + 1)
            } else if lengths[i + 1][j] >= lengths[i][j + 1] {
                i += 1
            } else {
                j += 1
            }
        }
        var sources = [Range<Int>](repeating: 0..<0, count: spoken.count)
        var previous = (-1, -1)
        for pair in pairs + [(spoken.count, shown.count)] {
            for changed in (previous.0 + 1)..<pair.0 { sources[changed] = (previous.1 + 1)..<pair.1 }
            if pair.0 < spoken.count { sources[pair.0] = pair.1..<(pair.1 + 1) }
            previous = pair
        }
        return sources
    }

    /// A word an engine times: one holding a letter or a digit.
    private static func isWord(_ word: String) -> Bool {
        word.contains { $0.isLetter || $0.isNumber }
    }
}
