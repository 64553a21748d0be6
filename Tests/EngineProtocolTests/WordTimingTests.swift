import EngineProtocol
import Foundation
import Testing

@Suite struct WordTimingTests {
    let codec = LineCodec()

    @Test func aRunResultCarriesItsWordsWithSnakeCaseTimes() throws {
        let line = #"{"jsonrpc":"2.0","id":2,"result":{"outputs":[{"name":"output","path":"output.wav"}],"words":[{"text":"Hello","start_s":0.05,"end_s":0.4},{"text":"there.","start_s":0.4,"end_s":0.81}]}}"#
        let result = try codec.decode(Response<RunResult>.self, from: line).result
        #expect(result.words == [WordTiming(text: "Hello", startSeconds: 0.05, endSeconds: 0.4), WordTiming(text: "there.", startSeconds: 0.4, endSeconds: 0.81)])
        let again = String(decoding: try codec.encode(Response(id: .int(2), result: result)), as: UTF8.self)
        #expect(again.contains(#""start_s":0.05"#) && again.contains(#""end_s":0.81"#))
    }

    @Test func aResultWithoutWordsHasNone() throws {
        let line = #"{"jsonrpc":"2.0","id":2,"result":{"outputs":[{"name":"output","path":"output.wav"}]}}"#
        #expect(try codec.decode(Response<RunResult>.self, from: line).result.words == nil)
        let encoded = String(decoding: try codec.encode(Response(id: .int(2), result: RunResult(outputs: []))), as: UTF8.self)
        #expect(!encoded.contains("words"))
    }

    /// Strict like the rest: a time that is not a number, or a word without one, is not a result.
    @Test(arguments: [
        #"[{"text":"Hi","start_s":"0","end_s":0.2}]"#,
        #"[{"text":"Hi","end_s":0.2}]"#,
        #"[{"text":7,"start_s":0,"end_s":0.2}]"#,
        #"{"text":"Hi","start_s":0,"end_s":0.2}"#,
    ])
    func malformedWordsAreRejected(words: String) {
        let line = #"{"jsonrpc":"2.0","id":2,"result":{"outputs":[{"name":"output","path":"output.wav"}],"words":"# + words + "}}"
        #expect(throws: (any Error).self) { try codec.decode(Response<RunResult>.self, from: line) }
    }

    @Test func validWordsHaveNoProblem() {
        let words = [WordTiming(text: "a", startSeconds: 0, endSeconds: 0.5), WordTiming(text: "b", startSeconds: 0.5, endSeconds: 1.005)]
        #expect(words.problem(audioSeconds: 1) == nil)
        #expect([WordTiming]().problem(audioSeconds: 1) == nil)
    }

    @Test(arguments: [
        ([WordTiming(text: " ", startSeconds: 0, endSeconds: 0.1)], "word 0 has no text"),
        ([WordTiming(text: "a", startSeconds: -0.1, endSeconds: 0.1)], "before the audio's start"),
        (
            [WordTiming(text: "a", startSeconds: 0, endSeconds: 0.5), WordTiming(text: "b", startSeconds: 0.4, endSeconds: 0.6)],
            "before the previous word ends (0.5 s)"
        ),
        ([WordTiming(text: "a", startSeconds: 0.5, endSeconds: 0.4)], "before it starts"),
        ([WordTiming(text: "a", startSeconds: 0.5, endSeconds: 1.2)], "past the end of the audio (1.0 s)"),
        ([WordTiming(text: "a", startSeconds: .nan, endSeconds: 0.2)], "not a finite number"),
    ] as [([WordTiming], String)])
    func invalidWordsNameTheirProblem(words: [WordTiming], problem: String) {
        let found = words.problem(audioSeconds: 1)
        #expect(found?.contains(problem) == true, "\(found ?? "nil")")
    }
}
