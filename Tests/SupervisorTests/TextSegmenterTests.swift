import Supervisor
import Testing

@Suite struct TextSegmenterTests {
    let segmenter = TextSegmenter(maxCharacters: 120)

    func texts(_ text: String) -> [String] {
        segmenter.segments(text).map(\.text)
    }

    @Test func paragraphsThenSentences() {
        let segments = segmenter.segments("First one. Second one!\nStill the second paragraph? No.\n\n  Next paragraph here.  ")
        #expect(segments.map(\.text) == ["First one.", "Second one!", "Still the second paragraph?", "No.", "Next paragraph here."])
        #expect(segments.map(\.end) == [.sentence, .sentence, .sentence, .paragraph, .paragraph])
    }

    @Test func abbreviationsInitialsAndNumbersDoNotEndSentences() {
        #expect(texts("Dr. Smith met Mrs. Jones at 3.30 p.m. on St. Mark's day. Then J. R. R. Tolkien arrived.")
            == ["Dr. Smith met Mrs. Jones at 3.30 p.m. on St. Mark's day.", "Then J. R. R. Tolkien arrived."])
        #expect(texts("Pi is 3.14159, e.g. in circles. It is irrational.") == ["Pi is 3.14159, e.g. in circles.", "It is irrational."])
        #expect(texts("We bought apples, pears, etc. and went home.") == ["We bought apples, pears, etc. and went home."])
    }

    @Test func quotesStayWithTheirSentence() {
        #expect(texts(#""Is it late?" she asked. "Yes." He left."#) == [#""Is it late?" she asked."#, #""Yes.""#, "He left."])
        #expect(texts("He said “stop.” Then silence.") == ["He said “stop.”", "Then silence."])
        #expect(texts("Wait... What was that?! (Nothing.) Fine.") == ["Wait...", "What was that?!", "(Nothing.)", "Fine."])
    }

    @Test func longSentencesSplitAtClausesThenWords() {
        let clause = String(repeating: "word ", count: 15) + "and then, " + String(repeating: "more ", count: 20) + "end."
        let pieces = segmenter.segments(clause)
        #expect(pieces.allSatisfy { $0.text.count <= 120 })
        #expect(pieces.first?.text.hasSuffix("then,") == true, "\(pieces)")
        #expect(pieces.dropLast().allSatisfy { $0.end == .clause })
        #expect(pieces.last?.end == .paragraph)
        #expect(pieces.map(\.text).joined(separator: " ") == clause.trimmingCharacters(in: .whitespaces))
    }

    @Test func textWithoutPunctuationSplitsAtWordBoundaries() {
        let words = (1...100).map { "word\($0)" }
        let pieces = texts(words.joined(separator: " "))
        #expect(pieces.count > 1)
        #expect(pieces.allSatisfy { $0.count <= 120 })
        #expect(pieces.joined(separator: " ").split(separator: " ").map(String.init) == words, "no word is cut or lost")
    }

    @Test func anEnormousWordIsCutAnyway() {
        let pieces = texts(String(repeating: "x", count: 300))
        #expect(pieces.map(\.count) == [120, 120, 60])
    }

    @Test func nothingToSay() {
        #expect(texts("  \n\n \t ").isEmpty)
    }
}
