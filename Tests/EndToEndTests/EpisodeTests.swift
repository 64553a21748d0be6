import AudioSpoolTestKit
import Foundation
import Glibc
import Spool
import Testing

/// Scripts and chapters with the tone engine: segments retried alone, a
/// failed line named and finished by `audiospool retry`, the lexicon. Tone
/// logs each run ("run job=") and what it was given to say ("said job="),
/// so what ran, and how often, is read from the engine's own log.
@Suite(.timeLimit(.minutes(5))) struct EpisodeTests {
    /// Four lines; the third, two sentences, is slow, so it can be caught running.
    static let script = """
        [{"text": "One two."}, {"text": "Three four."},
         {"text": "Five six seven. Eight nine.", "params": {"pace": 0.25}}, {"text": "Ten."}]
        """

    func said(_ fixture: SpoolFixture, _ id: String) -> [String] {
        let log = (try? String(contentsOfFile: fixture.spool.state.log(engine: "tone"), encoding: .utf8)) ?? ""
        return log.split(separator: "\n").filter { $0.hasPrefix("said job=\(id) ") }.map { String($0.dropFirst("said job=\(id) text=".count)) }
    }

    /// Waits until tone is saying `text` for `id`, does `first`, and kills tone (the supervisor's only child).
    func killTone(
        saying text: String, _ fixture: SpoolFixture, _ id: String, supervisor: ChildProcess, first: () async throws -> Void = {}
    ) async throws {
        try await waitUntil("tone says \(text)", timeout: .seconds(60)) { said(fixture, id).contains(text) }
        try await first()
        let engines = try await children(of: try #require(supervisor.pid))
        #expect(engines.count == 1, "one tone instance: \(engines)")
        kill(try #require(engines.first), SIGKILL)
    }

    @Test func anEngineKilledDuringLineThreeRerunsOnlyThatSegment() async throws {
        let fixture = try SpoolFixture(config: ["engines": ["tone": ["instances": 1]]])
        let supervisor = try await fixture.startSupervisor()
        try fixture.drop("episode.json", #"{"engine": "tone", "task": "tts", "max_attempts": 3, "script": \#(Self.script), "output": {"format": "wav"}}"#)
        try await killTone(saying: "Five six seven.", fixture, "episode", supervisor: supervisor)
        try await fixture.waitFor("episode", in: .done, timeout: .seconds(90))
        supervisor.signal(SIGTERM)
        let exit = await supervisor.wait()
        #expect(exit.stderr.contains("segment failed; running it again"), "\(exit.summary)")
        // Every segment once, the killed one twice; the job itself ran once.
        #expect(said(fixture, "episode") == ["One two.", "Three four.", "Five six seven.", "Five six seven.", "Eight nine.", "Ten."])
        let result = try #require(fixture.json(.done, "episode", "result.json"))
        #expect(result["attempts"] as? Int == 1)
        let lines = try #require(result["lines"] as? [[String: Any]])
        #expect(lines.map { $0["segments"] as? Int } == [1, 1, 2, 1])
        #expect(lines.allSatisfy { $0["device"] as? String == "cpu" && $0["engine"] as? String == "tone" })
        // 10 words of 0.2 s; pauses: tone's 300 ms after each line, 100 ms between line 3's sentences.
        let (properties, samples) = try TestSignals.read(fixture.spool.path(of: .done, "episode") + "/output.wav")
        let seconds = Double(samples.count) / Double(properties.sampleRate)
        #expect(abs(seconds - (10 * 0.2 + 3 * 0.3 + 0.1)) < 0.01, "\(seconds) s")
    }

    @Test func aLineThatRunsOutOfAttemptsNamesItselfAndRetryFinishesTheRest() async throws {
        let fixture = try SpoolFixture(config: ["engines": ["tone": ["instances": 1]]])
        let supervisor = try await fixture.startSupervisor()
        let chapters = #"[{"title": "Start", "text": "Zero."}, {"title": "Middle", "script": \#(Self.script)}]"#
        try fixture.drop("book.json", #"{"engine": "tone", "task": "tts", "max_attempts": 1, "chapters": \#(chapters), "output": {"format": "wav"}}"#)
        try await killTone(saying: "Five six seven.", fixture, "book", supervisor: supervisor) {
            // While line 3 runs: three segments done, one running, two to go; in chapter 2.
            try await waitUntil("status.json counts line 3 running", timeout: .seconds(2)) {
                guard let status = fixture.json(.cur, "book", "status.json"),
                      let counts = status["segments"] as? [String: Int], let chapters = status["chapters"] as? [[String: Any]]
                else { return false }
                return counts == ["done": 3, "failed": 0, "running": 1, "pending": 2] && status["message"] as? String == "chapter 2 of 2"
                    && (chapters.last?["segments"] as? [String: Int]) == ["done": 2, "failed": 0, "running": 1, "pending": 2]
                    && (chapters.first?["segments"] as? [String: Int])?["done"] == 1 && status["eta_s"] is Double
            }
        }
        try await fixture.waitFor("book", in: .failed, timeout: .seconds(60))

        let failure = try #require(fixture.json(.failed, "book", "error.json"))
        let line = try #require(failure["line"] as? [String: Any], "\(failure)")
        #expect(line["chapter"] as? Int == 2 && line["chapter_title"] as? String == "Middle" && line["line"] as? Int == 3)
        #expect(line["field"] as? String == "chapters[1].script[2]" && line["text"] as? String == "Five six seven.")
        #expect(line["segments_kept"] as? Int == 3, "\(line)")
        let message = (failure["error"] as? [String: Any])?["message"] as? String ?? ""
        #expect(message.hasPrefix("line 3 of chapter 2 (\"Middle\")"), "\(message)")
        #expect(FileManager.default.fileExists(atPath: fixture.spool.path(of: .failed, "book") + "/segments/00001.wav"), "kept for retry")

        let before = said(fixture, "book").count
        let retry = try await fixture.cli("retry", "book", engines: false)
        #expect(retry.status == 0, "\(retry.summary)")
        try await fixture.waitFor("book", in: .done, timeout: .seconds(60))
        supervisor.signal(SIGTERM)
        _ = await supervisor.wait()
        #expect(Array(said(fixture, "book").dropFirst(before)) == ["Five six seven.", "Eight nine.", "Ten."], "only what was missing")
        let result = try #require(fixture.json(.done, "book", "result.json"))
        let marks = try #require(result["chapters"] as? [[String: Any]])
        #expect(marks.map { $0["title"] as? String } == ["Start", "Middle"])
        // "Zero." is 0.2 s, then the default 2 s between chapters.
        #expect(marks.last?["start_s"] as? Double == 2.2)
    }

    @Test func theLexiconChangesWhatIsSaidButNotTheSubtitles() async throws {
        let fixture = try SpoolFixture(config: ["lexicon": ["files": ["en": "lexicons/en.json"]]])
        try FileManager.default.createDirectory(atPath: fixture.spool.root + "/lexicons", withIntermediateDirectories: true)
        try Data(#"{"colour": "kulur", "Worcester": "Wooster"}"#.utf8).write(to: URL(fileURLWithPath: fixture.spool.root + "/lexicons/en.json"))
        try fixture.drop(
            "words.json",
            #"{"engine": "tone", "task": "tts", "text": "The colour of Worcester sauce. Worcestershire stays.", "lexicon": {"Worcester": "Wuster"}, "subtitles": ["srt"], "output": {"format": "wav"}}"#)
        let run = try await fixture.runUntilIdle()
        #expect(run.status == 0, "\(run.summary)")
        // Two tone instances: the sentences may be said in either order.
        #expect(said(fixture, "words").sorted() == ["The kulur of Wuster sauce.", "Worcestershire stays."], "the job's entry over the spool's; whole words only")
        let srt = try String(contentsOfFile: fixture.spool.path(of: .done, "words") + "/output.srt", encoding: .utf8)
        #expect(srt.contains("The colour of Worcester sauce.\n") && srt.contains("Worcestershire stays.\n"), "\(srt)")
        #expect(!srt.contains("Wuster") && !srt.contains("kulur"))
    }

    @Test func aBadLineFailsTheJobNamingIt() async throws {
        let fixture = try SpoolFixture()
        try fixture.drop("nope.json", #"{"script": [{"text": "Hi.", "engine": "tone", "task": "tts"}]}"#)
        try fixture.drop("engine.json", #"{"task": "tts", "script": [{"text": "Hi.", "engine": "tone"}, {"text": "Ho.", "engine": "nosuch"}]}"#)
        try fixture.drop("split.json", #"{"engine": "tone", "task": "tts", "text": "Hi.", "output": {"format": "mp3", "split": "chapters"}}"#)
        _ = try await fixture.runUntilIdle()
        func message(_ id: String) -> String {
            ((fixture.json(.failed, id, "error.json")?["error"] as? [String: Any])?["message"] as? String) ?? "not failed"
        }
        #expect(message("nope").contains("unknown field \"script[0].task\""), "\(message("nope"))")
        #expect(message("engine").hasPrefix("script[1]: "), "\(message("engine"))")
        #expect(message("engine").contains("nosuch"))
        #expect(message("split").contains("field \"output.split\" cuts the audio at its chapters"), "\(message("split"))")
    }
}
