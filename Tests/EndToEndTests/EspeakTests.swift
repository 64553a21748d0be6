import AudioSpoolTestKit
import Foundation
import Testing

/// The espeak engine (Node.js, no SDK) through the whole spool.
@Suite(.timeLimit(.minutes(3))) struct EspeakTests {
    @Test func speaksTextIntoAudio() async throws {
        let fixture = try SpoolFixture()
        try fixture.drop("hello.json", #"{"engine": "espeak", "text": "Hello, world. This is espeak.", "params": {"voice": "en-us", "speed": 160}}"#)
        let run = try await fixture.runUntilIdle()
        #expect(run.status == 0, "\(run.summary)")
        #expect(fixture.entries(.done) == ["hello"], "\(fixture.entries(.failed)) \(run.summary)")
        let audio = try Audio(fixture.spool.path(of: .done, "hello") + "/output.wav")
        #expect(audio.properties.sampleRate == 22050)
        #expect(audio.seconds > 1 && audio.seconds < 10, "\(audio.seconds) s")
        let peak = audio.samples.map { abs($0) }.max() ?? 0
        #expect(peak > 0.05, "speech, not silence")
    }

    @Test func anUnknownVoiceFailsAsBadInputNamingIt() async throws {
        let fixture = try SpoolFixture()
        try fixture.drop("bad.json", #"{"engine": "espeak", "text": "Hello.", "params": {"voice": "klingon"}}"#)
        _ = try await fixture.runUntilIdle()
        let document = try #require(fixture.json(.failed, "bad", "error.json"))
        let error = try #require(document["error"] as? [String: Any])
        #expect(error["kind"] as? String == "bad_input")
        #expect((error["message"] as? String)?.contains("klingon") == true, "\(error)")
    }
}
