import Foundation

/// Respellings of words an engine says wrong ("Worcester" → "Wuster"):
/// whole words (or phrases) only, never inside a longer word, and case-aware.
/// An entry written with capitals ("NASA") matches only that spelling; an
/// all-lowercase entry ("worcester") matches any case, and its respelling
/// takes the found word's case (lower, Capitalised or UPPER).
struct Lexicon: Sendable, Equatable {
    private struct Entry: Sendable, Equatable {
        var word: [Character]
        var respelling: String
        var exactCase: Bool
    }

    /// Longest first, so "New York City" wins over "New York".
    private let entries: [Entry]

    init(_ respellings: [String: String]) {
        entries = respellings.map { word, respelling in
            Entry(word: Array(word), respelling: respelling, exactCase: word != word.lowercased())
        }
        .sorted { $0.word.count != $1.word.count ? $0.word.count > $1.word.count : String($0.word) < String($1.word) }
    }

    var isEmpty: Bool { entries.isEmpty }

    /// `overrides` over `self`: a job's entries over the spool's.
    func merged(with overrides: [String: String]) -> Lexicon {
        var all: [String: String] = [:]
        for entry in entries { all[String(entry.word)] = entry.respelling }
        for (word, respelling) in overrides { all[word] = respelling }
        return Lexicon(all)
    }

    func apply(_ text: String) -> String {
        guard !entries.isEmpty else { return text }
        let characters = Array(text)
        var result = ""
        var index = 0
        while index < characters.count {
            if index == 0 || !Self.isWordCharacter(characters[index - 1]), let (entry, length) = match(characters, at: index) {
                result += Self.shaped(entry, like: characters[index..<(index + length)])
                index += length
            } else {
                result.append(characters[index])
                index += 1
            }
        }
        return result
    }

    private func match(_ characters: [Character], at start: Int) -> (Entry, Int)? {
        for entry in entries {
            let end = start + entry.word.count
            guard end <= characters.count else { continue }
            if end < characters.count, Self.isWordCharacter(characters[end]) { continue }
            let found = characters[start..<end]
            let same = entry.exactCase
                ? found.elementsEqual(entry.word)
                : found.elementsEqual(entry.word) { $0.lowercased() == $1.lowercased() }
            if same { return (entry, entry.word.count) }
        }
        return nil
    }

    /// The respelling in the case the text used.
    private static func shaped(_ entry: Entry, like found: ArraySlice<Character>) -> String {
        guard !entry.exactCase else { return entry.respelling }
        let letters = found.filter(\.isLetter)
        if letters.count > 1, letters.allSatisfy(\.isUppercase) { return entry.respelling.uppercased() }
        if letters.first?.isUppercase == true {
            return entry.respelling.prefix(1).uppercased() + entry.respelling.dropFirst()
        }
        return entry.respelling
    }

    static func isWordCharacter(_ character: Character) -> Bool {
        // Not an apostrophe: "Worcester's" holds the word "Worcester".
        character.isLetter || character.isNumber || character == "_"
    }
}
