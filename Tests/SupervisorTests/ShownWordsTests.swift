import EngineProtocol
@testable import Supervisor
import Testing

/// An engine's timed words (of the respelled text) given back the job's
/// own spelling, or nil where they cannot be (the segment's cue is then its
/// sentence).
@Suite struct ShownWordsTests {
    /// Words at 0.0–0.4, 0.5–0.9, …: each text a timed word of the engine's.
    func timed(_ texts: String...) -> [WordTiming] {
        texts.enumerated().map { WordTiming(text: $1, startSeconds: Double($0) * 0.5, endSeconds: Double($0) * 0.5 + 0.4) }
    }

    func texts(_ words: [TimedWord]?) -> [String]? { words?.map(\.text) }

    @Test func unchangedWordsAreThemselves() {
        let words = ShownWords.map(timed("Hello", "there,", "world."), spoken: "Hello there, world.", shown: "Hello there, world.")
        #expect(texts(words) == ["Hello", "there,", "world."])
        #expect(words?.map(\.start) == [0, 0.5, 1.0] && words?.map(\.end) == [0.4, 0.9, 1.4])
    }

    @Test func aRespelledWordIsTheWrittenOne() {
        let words = ShownWords.map(timed("Hello", "from", "Wuster's", "sauce."), spoken: "Hello from Wuster's sauce.", shown: "Hello from Worcester's sauce.")
        #expect(texts(words) == ["Hello", "from", "Worcester's", "sauce."])
    }

    /// "NYC" spoken as three words is one written word, timed from the first to the last.
    @Test func aRespellingOfSeveralWordsIsOneWrittenWord() throws {
        let words = try #require(ShownWords.map(timed("In", "New", "York", "City", "today."), spoken: "In New York City today.", shown: "In NYC today."))
        #expect(words.map(\.text) == ["In", "NYC", "today."])
        #expect(words[1].start == 0.5 && words[1].end == 1.9)
        // Two written words respelled as one spoken word: one timed word, both written.
        let joined = ShownWords.map(timed("See", "Noyork", "now."), spoken: "See Noyork now.", shown: "See New York now.")
        #expect(texts(joined) == ["See", "New York", "now."])
    }

    /// An engine that speaks "from the" as one timed word, and leaves out a lone dash.
    @Test func groupedWordsAndUntimedDashesKeepEveryWrittenWord() {
        let words = ShownWords.map(timed("Hello", "from the", "sea", "and sky."), spoken: "Hello from the sea — and sky.", shown: "Hello from the sea — and sky.")
        #expect(texts(words) == ["Hello", "from the", "sea —", "and sky."])
    }

    @Test func wordsThatAreNotTheTextsAreNone() {
        #expect(ShownWords.map(timed("Hello", "world."), spoken: "Hello there, world.", shown: "Hello there, world.") == nil, "a word left out")
        #expect(ShownWords.map(timed("Hello", "there,", "world.", "again"), spoken: "Hello there, world.", shown: "Hello there, world.") == nil, "a word too many")
        #expect(ShownWords.map(timed("there,", "Hello", "world."), spoken: "Hello there, world.", shown: "Hello there, world.") == nil, "out of order")
        #expect(ShownWords.map(timed("Hello", "there"), spoken: "Hello there,", shown: "Hello there,") == nil, "respelled by the engine")
        #expect(ShownWords.map([], spoken: "Hello.", shown: "Hello.") == nil)
    }
}
