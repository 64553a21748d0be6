import Foundation

/// Splits text for speech into segments an engine can say in one go: by
/// paragraph, then by sentence, each at most `maxCharacters` long.
///
/// Sentences end at `.`, `!`, `?` or `…` (with any closing quotes or
/// brackets) followed by a space and a word that could start a sentence.
/// A full stop after a known abbreviation ("Dr.", "e.g."), an initial
/// ("J. R. R."), or inside a number ("3.14") ends nothing. A sentence too
/// long for one segment is split at a clause mark (`,` `;` `:` `—`) if it
/// can be, else at a space, else (one enormous word) anywhere.
public struct TextSegmenter: Sendable {
    public struct Segment: Sendable, Equatable, Codable {
        public enum End: String, Sendable, Codable {
            /// Part of a sentence that was too long: a short breath follows.
            case clause
            case sentence
            case paragraph
        }

        public var text: String
        public var end: End

        public init(_ text: String, end: End) {
            self.text = text
            self.end = end
        }
    }

    public var maxCharacters: Int

    public init(maxCharacters: Int) {
        self.maxCharacters = max(20, maxCharacters)
    }

    /// Words whose full stop does not end a sentence (compared lowercased,
    /// without the stop).
    static let abbreviations: Set<String> = [
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "vs", "e.g", "i.e", "cf", "inc", "ltd", "co", "corp",
        "no", "nos", "fig", "figs", "vol", "vols", "p", "pp", "ed", "eds", "approx", "dept", "est", "gen", "gov",
        "lt", "col", "capt", "sgt", "rev", "hon", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
        "oct", "nov", "dec", "u.s", "u.k", "a.m", "p.m", "al", "ca", "mme", "mlle",
    ]

    public func segments(_ text: String) -> [Segment] {
        var result: [Segment] = []
        for paragraph in Self.paragraphs(text) {
            let sentences = Self.sentences(paragraph)
            for (index, sentence) in sentences.enumerated() {
                let pieces = split(sentence)
                for (pieceIndex, piece) in pieces.enumerated() {
                    let last = pieceIndex == pieces.count - 1
                    let end: Segment.End = !last ? .clause : (index == sentences.count - 1 ? .paragraph : .sentence)
                    result.append(Segment(piece, end: end))
                }
            }
        }
        return result
    }

    /// Blank lines separate paragraphs; single line breaks are just wrapping.
    static func paragraphs(_ text: String) -> [String] {
        var paragraphs: [String] = []
        var current: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty {
                if !current.isEmpty { paragraphs.append(current.joined(separator: " ")) }
                current = []
            } else {
                current.append(Substring(trimmed))
            }
        }
        if !current.isEmpty { paragraphs.append(current.joined(separator: " ")) }
        return paragraphs.map(collapseSpaces).filter { !$0.isEmpty }
    }

    static func collapseSpaces(_ text: String) -> String {
        text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    static func sentences(_ paragraph: String) -> [String] {
        let characters = Array(paragraph)
        var sentences: [String] = []
        var start = 0
        var index = 0
        while index < characters.count {
            let character = characters[index]
            guard ".!?…".contains(character) else {
                index += 1
                continue
            }
            // Take the whole run of terminators and closing marks: "?!", '."', ')'.
            var end = index + 1
            while end < characters.count && (".!?…".contains(characters[end]) || closers.contains(characters[end])) {
                end += 1
            }
            if end == characters.count || (characters[end] == " " && startsSentence(characters, from: end + 1)),
               !(character == "." && end == index + 1 && isAbbreviation(characters, dotAt: index)) {
                sentences.append(String(characters[start..<end]).trimmingCharacters(in: .whitespaces))
                start = end
            }
            index = end
        }
        if start < characters.count {
            let rest = String(characters[start...]).trimmingCharacters(in: .whitespaces)
            if !rest.isEmpty { sentences.append(rest) }
        }
        return sentences
    }

    static let closers: Set<Character> = ["\"", "'", "”", "’", "»", ")", "]"]
    static let openers: Set<Character> = ["\"", "'", "“", "‘", "«", "(", "["]

    /// Whether the text from `index` could begin a sentence: anything but a
    /// lower-case letter ("etc. and so on" goes on; "etc. The next" ends).
    static func startsSentence(_ characters: [Character], from index: Int) -> Bool {
        guard index < characters.count else { return true }
        let first = characters[index]
        return !(first.isLetter && first.isLowercase)
    }

    /// "Dr." or "e.g." or an initial ("J."): a full stop that ends a word, not a sentence.
    static func isAbbreviation(_ characters: [Character], dotAt dot: Int) -> Bool {
        var start = dot
        while start > 0 && !characters[start - 1].isWhitespace && !openers.contains(characters[start - 1]) {
            start -= 1
        }
        let word = String(characters[start..<dot])
        if word.count == 1, let letter = word.first, letter.isUppercase { return true }
        return abbreviations.contains(word.lowercased())
    }

    /// A sentence in pieces of at most `maxCharacters`.
    func split(_ sentence: String) -> [String] {
        var pieces: [String] = []
        var rest = Substring(sentence)
        while rest.count > maxCharacters {
            let window = rest.prefix(maxCharacters)
            let minimum = window.index(window.startIndex, offsetBy: maxCharacters / 3)
            let clause = window[minimum...].lastIndex { ",;:—–".contains($0) }.map { window.index(after: $0) }
            let space = window[minimum...].lastIndex(of: " ")
            let cut = clause ?? space ?? window.endIndex
            pieces.append(String(rest[..<cut]).trimmingCharacters(in: .whitespaces))
            rest = rest[cut...].drop { $0 == " " }
        }
        if !rest.isEmpty { pieces.append(String(rest)) }
        return pieces
    }
}
