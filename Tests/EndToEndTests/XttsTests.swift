import AudioSpoolTestKit
import Foundation
import Testing

extension HeavyEngineTests {
    /// The real XTTS engine (coqui-tts 0.28, its own environment) on a tiny
    /// random XTTS v2 in a hub cache (`Tests/Fixtures/Models/make_xtts_model.py`),
    /// loaded by its model name offline. Random weights speak noise, so the
    /// tests check the audio's shape, the voice cache and the errors, not words.
    @Suite(.timeLimit(.minutes(15))) struct XttsTests {
        func fixture(_ config: [String: Any] = [:]) async throws -> SpoolFixture {
            let cache = try await TinyModels.hubCache(for: "xtts")
            // One torch thread: the suite shares the cores with timing-sensitive tests.
            var settings: [String: Any] = [
                "engines": ["xtts": ["config": ["hub_cache": cache, "offline": true, "tos_agreed": true, "threads": 1]]],
            ]
            settings.merge(config) { $1 }
            return try SpoolFixture(config: settings)
        }

        /// A voice-like reference: a 140 Hz buzz with harmonics, wavering, in syllables.
        func reference(_ path: String, seconds: Double = 3) throws {
            let rate = 44100
            try TestSignals.write(path, rate: rate, channels: 2, seconds: seconds) { frame, _ in
                let time = Double(frame) / Double(rate)
                let pitch = 140 * (1 + 0.05 * sin(2 * .pi * 3 * time))
                let voice = (1...6).reduce(0.0) { sum, harmonic in sum + sin(2 * .pi * pitch * Double(harmonic) * time) / Double(harmonic) }
                let syllables = 0.5 + 0.5 * sin(2 * .pi * 4 * time)
                return Float(0.25 * voice * syllables)
            }
        }

        @Test func clonesAVoiceIntoMP3() async throws {
            let fixture = try await fixture()
            let sources = TemporaryDirectory()
            try reference(sources.file("me.wav"))
            let text = "Hello there. This voice was cloned from a reference recording. It is spoken in three sentences."
            let id = try await fixture.submit(
                "--engine", "xtts", "--text", text, "--input", "reference=" + sources.file("me.wav"),
                "--param", "language=en", "--param", "temperature=0.7", "--param", "speed=1.1", "--format", "mp3")
            let run = try await fixture.runUntilIdle()
            #expect(run.status == 0, "\(run.summary)")

            let result = try #require(fixture.json(.done, id, "result.json"), "not done: \(fixture.entries(.failed))")
            #expect((result["engine"] as? [String: Any])?["name"] as? String == "xtts")
            let folder = fixture.spool.path(of: .done, id)
            let probe = try await Probe(folder + "/output.mp3")
            #expect(probe.codec == "mp3" && probe.channels == 1 && probe.sampleRate == 24000, "\(probe)")
            #expect(probe.duration > 0.2, "\(probe.duration) s")
            let decoded = try Audio(folder + "/output.mp3")
            #expect(decoded.properties.sampleRate == 24000 && decoded.seconds > 0.2)
            // Three sentences, three runs; the voice analysed once for all of them.
            let log = try String(contentsOfFile: fixture.spool.state.log(engine: "xtts"), encoding: .utf8)
            let runs = log.components(separatedBy: "\n").filter { $0.hasPrefix("run job=\(id) ") }
            #expect(runs.count == 3, "\(runs)")
            #expect(log.components(separatedBy: " analysed").count - 1 == 1, "the voice is analysed once: \(log.suffix(2000))")
            let outputs = try #require(result["outputs"] as? [[String: Any]])
            #expect(outputs.first?["sample_rate"] as? Int == 24000, "\(outputs)")
        }

        /// The model from a local folder (`model_dir`) instead of by name: no
        /// licence flag, no hub. Good jobs run; bad params fail as bad_input.
        @Test func aLocalModelFolderLoadsAndBadParamsFailAsBadInput() async throws {
            let cache = try await TinyModels.hubCache(for: "xtts")
            let folder = cache + "/models--tts-hub--XTTS-v2/snapshots/" + String(repeating: "0", count: 40)
            let fixture = try await fixture(["engines": ["xtts": ["config": ["model_dir": folder, "threads": 1]]]])
            let sources = TemporaryDirectory()
            try reference(sources.file("me.wav"), seconds: 1.5)
            let cases: [(args: [String], message: String)] = [
                (["--param", "language=xx"], "param 'language' must be one of"),
                (["--param", "temperature=-1"], "param 'temperature' must be at least 0.01, got -1.0"),
                (["--param", "top_k=many"], "param 'top_k' must be int, got 'many'"),
                ([], "task 'tts' needs a voice: a 'reference' input"),
            ]
            var ids: [String] = []
            for (index, item) in cases.enumerated() {
                let reference = item.args.isEmpty ? [] : ["--input", "reference=" + sources.file("me.wav")]
                ids.append(try await fixture.submit(
                    ["--engine", "xtts", "--text", "Hi.", "--id", "bad\(index)"] + reference + item.args))
            }
            let good = try await fixture.submit("--engine", "xtts", "--text", "Hi.", "--input", "reference=" + sources.file("me.wav"))
            _ = try await fixture.runUntilIdle()
            #expect(fixture.json(.done, good, "result.json") != nil, "\(fixture.entries(.failed))")
            for (id, item) in zip(ids, cases) {
                let error = try #require(fixture.json(.failed, id, "error.json"), "\(id) (\(item.args)) did not fail")
                let reason = try #require(error["error"] as? [String: Any])
                #expect(reason["kind"] as? String == "bad_input", "\(item.args): \(reason)")
                #expect((reason["message"] as? String)?.contains(item.message) == true, "\(item.args): \(reason)")
            }
        }
    }
}
