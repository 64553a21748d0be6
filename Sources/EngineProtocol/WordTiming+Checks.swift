extension [WordTiming] {
    /// How far past the audio's end a word may reach: an engine that
    /// rounds its times to the millisecond, or counts a last partial frame.
    public static let endTolerance = 0.01

    /// What makes these words invalid for `audioSeconds` of audio
    /// (PROTOCOL.md, run): each has text, starts at or after 0 and after the
    /// previous one ends, ends at or after it starts, and within the audio.
    /// nil when they are valid.
    public func problem(audioSeconds: Double) -> String? {
        var previousEnd = 0.0
        for (index, word) in enumerated() {
            let which = "word \(index) (\"\(word.text.prefix(40))\")"
            if word.text.allSatisfy(\.isWhitespace) {
                return "word \(index) has no text"
            }
            guard word.startSeconds.isFinite, word.endSeconds.isFinite else {
                return "\(which) has a time that is not a finite number"
            }
            if word.startSeconds < previousEnd {
                let what = index == 0 ? "before the audio's start" : "before the previous word ends (\(Self.format(previousEnd)))"
                return "\(which) starts at \(Self.format(word.startSeconds)), \(what): words come in order, without overlaps"
            }
            if word.endSeconds < word.startSeconds {
                return "\(which) ends at \(Self.format(word.endSeconds)), before it starts at \(Self.format(word.startSeconds))"
            }
            if word.endSeconds > audioSeconds + Self.endTolerance {
                return "\(which) ends at \(Self.format(word.endSeconds)), past the end of the audio (\(Self.format(audioSeconds)))"
            }
            previousEnd = word.endSeconds
        }
        return nil
    }

    private static func format(_ seconds: Double) -> String {
        let milliseconds = (seconds * 1000).rounded()
        return "\(milliseconds / 1000) s"
    }
}
