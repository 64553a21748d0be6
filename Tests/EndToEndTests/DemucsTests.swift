import AudioSpoolTestKit
import Foundation
import Testing

extension HeavyEngineTests {
    /// The real Demucs engine (demucs 4.1, its own environment) on tiny random
    /// HTDemucs models in a hub cache (`Tests/Fixtures/Models/make_demucs_model.py`),
    /// loaded through `Separator("htdemucs")` offline. Random weights make
    /// noise-like stems, so the tests check their count, names, length and
    /// channels, not what they sound like.
    @Suite(.timeLimit(.minutes(10))) struct DemucsTests {
        func fixture(_ config: [String: Any] = [:]) async throws -> SpoolFixture {
            let cache = try await TinyModels.hubCache(for: "demucs")
            // One torch thread: the suite shares the cores with timing-sensitive tests.
            var settings: [String: Any] = [
                "separation_engine": "demucs",
                "engines": ["demucs": ["config": ["hub_cache": cache, "offline": true, "threads": 1]]],
            ]
            settings.merge(config) { $1 }
            return try SpoolFixture(config: settings)
        }

        /// A stereo mix: a bass line left, a melody right, and some noise on both.
        func mix(_ path: String, seconds: Double, rate: Int = 44100) throws {
            var state: UInt64 = 7
            try TestSignals.write(path, rate: rate, channels: 2, seconds: seconds) { frame, channel in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let time = Double(frame) / Double(rate)
                let tone = channel == 0 ? sin(2 * .pi * 110 * time) : sin(2 * .pi * 660 * time)
                return Float(0.4 * tone) + 0.05 * (Float(state >> 40) / Float(1 << 24) * 2 - 1)
            }
        }

        @Test func separatesIntoFourStemsAndIntoTwo() async throws {
            let cache = try await TinyModels.hubCache(for: "demucs")
            // The spool's defaults for dropped songs: FLAC, and the six-stem model.
            let fixture = try await fixture([
                "output": ["format": "flac"],
                "engines": ["demucs": ["config": ["hub_cache": cache, "offline": true, "threads": 1, "defaults": ["model": "htdemucs_6s"]]]],
            ])
            let sources = TemporaryDirectory()
            try mix(sources.file("mix.wav"), seconds: 3)
            // A 48 kHz FLAC: the host decodes and resamples it for the model.
            try mix(sources.file("mix48.wav"), seconds: 2.5, rate: 48000)
            let flac = try await ChildProcess.run("/usr/bin/ffmpeg", ["-v", "error", "-i", sources.file("mix48.wav"), sources.file("mix48.flac")])
            try #require(flac.status == 0, "\(flac.summary)")

            let four = try await fixture.submit(
                "--engine", "demucs", "--input", sources.file("mix48.flac"), "--param", "model=htdemucs", "--id", "four")
            let two = try await fixture.submit(
                "--engine", "demucs", "--input", sources.file("mix.wav"), "--param", "model=htdemucs", "--param", "two_stems=vocals",
                "--format", "mp3", "--id", "two")
            // Dropped into new/: separated with the spool's defaults.
            try fixture.drop("song.wav", try Data(contentsOf: URL(fileURLWithPath: sources.file("mix.wav"))))
            let run = try await fixture.runUntilIdle()
            #expect(run.status == 0, "\(run.summary)")

            let expected: [(id: String, stems: [String], format: String, seconds: Double)] = [
                (four, ["bass", "drums", "other", "vocals"], "flac", 2.5),
                (two, ["no_vocals", "vocals"], "mp3", 3),
                ("song", ["bass", "drums", "guitar", "other", "piano", "vocals"], "flac", 3),
            ]
            for job in expected {
                let result = try #require(fixture.json(.done, job.id, "result.json"), "\(job.id) is not done: \(fixture.entries(.failed))")
                #expect((result["engine"] as? [String: Any])?["name"] as? String == "demucs")
                let folder = fixture.spool.path(of: .done, job.id)
                let outputs = (result["outputs"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }.sorted()
                #expect(outputs == job.stems.map { "\($0).\(job.format)" }, "\(job.id): \(outputs)")
                for stem in job.stems {
                    let probe = try await Probe(folder + "/\(stem).\(job.format)")
                    #expect(probe.codec == job.format && probe.channels == 2 && probe.sampleRate == 44100, "\(job.id)/\(stem): \(probe)")
                    // MP3 adds an encoder delay's worth of padding at most.
                    #expect(abs(probe.duration - job.seconds) < 0.1, "\(job.id)/\(stem): \(probe.duration) s, not \(job.seconds)")
                }
            }
            let stem = try Audio(fixture.spool.path(of: .done, four) + "/drums.flac")
            #expect(stem.samples.contains { abs($0) > 1e-4 }, "a stem of silence")
            let job = try #require(fixture.json(.done, "song", "job.json"))
            #expect(job["engine"] as? String == "demucs" && job["task"] as? String == "separate")
        }

        @Test func badParamsFailAsBadInput() async throws {
            let fixture = try await fixture()
            let sources = TemporaryDirectory()
            try mix(sources.file("mix.wav"), seconds: 1)
            let cases: [(param: String, message: String)] = [
                ("two_stems=kazoo", "param 'two_stems' must be one of ['bass', 'drums', 'other', 'vocals'], got 'kazoo'"),
                ("model=htdemucs_9s", "param 'model' must be one of"),
                ("segment_s=60", "param 'segment_s' must be at most 7.8, got 60.0"),
                ("segment_s=0.1", "param 'segment_s' must be at least 0.25, got 0.1"),
                ("shifts=-1", "param 'shifts' must be at least 0, got -1"),
                ("shifts=1.5", "param 'shifts' must be int, got 1.5"),
                ("overlap=1", "param 'overlap' must be at most 0.99, got 1.0"),
                ("chunk_s=0.5", "param 'chunk_s' must be at least 1.0, got 0.5"),
                ("chunk_s=long", "param 'chunk_s' must be float, got 'long'"),
                ("segment=2", "unknown param 'segment' (known: chunk_s, model, overlap, segment_s, shifts, two_stems)"),
            ]
            var ids: [String] = []
            for (index, item) in cases.enumerated() {
                ids.append(try await fixture.submit("--engine", "demucs", "--input", sources.file("mix.wav"), "--param", item.param, "--id", "bad\(index)"))
            }
            _ = try await fixture.runUntilIdle()
            for (id, item) in zip(ids, cases) {
                let error = try #require(fixture.json(.failed, id, "error.json"), "\(id) (\(item.param)) did not fail")
                let reason = try #require(error["error"] as? [String: Any])
                #expect(reason["kind"] as? String == "bad_input", "\(item.param): \(reason)")
                #expect((reason["message"] as? String)?.contains(item.message) == true, "\(item.param): \(reason)")
            }
        }

        /// Cancelled in the middle of a chunk (one chunk written, more to
        /// come): the engine stops within the chunk.
        @Test func cancelStopsMidTrackAndKeepsTheModelLoaded() async throws {
            let fixture = try await miniFixture()
            let sources = TemporaryDirectory()
            try mix(sources.file("long.wav"), seconds: 30)
            try mix(sources.file("short.wav"), seconds: 1)
            let supervisor = try await fixture.startSupervisor()
            let id = try await fixture.submit("--engine", "demucs", "--input", sources.file("long.wav"), "--param", "chunk_s=1.5")
            // Progress per chunk: segments_done of segments_total chunks.
            try await waitUntil("\(id) has separated a chunk", timeout: .seconds(120)) {
                let status = fixture.json(.cur, id, "status.json")
                return (status?["segments_done"] as? Int ?? 0) >= 1 && status?["segments_total"] as? Int == 20
            }
            let logFile = fixture.spool.state.log(engine: "demucs")
            let chunksBefore = Self.chunkTimings((try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "").count
            let cancel = try await fixture.cli("cancel", id, engines: false)
            #expect(cancel.status == 0, "\(cancel.summary)")
            try await fixture.waitFor(id, in: .failed, timeout: .seconds(20))
            // Within one chunk: at most the chunk under way when the cancel came was finished.
            let chunksAfter = Self.chunkTimings(try String(contentsOfFile: logFile, encoding: .utf8)).count
            #expect(chunksAfter - chunksBefore <= 1, "\(chunksAfter - chunksBefore) more chunks separated after the cancel")
            let error = try #require(fixture.json(.failed, id, "error.json")?["error"] as? [String: Any])
            #expect(error["kind"] as? String == "cancelled", "\(error)")

            // The engine stopped by itself (raising from the Separator's
            // callback) rather than being killed: the next job finds it loaded.
            let next = try await fixture.submit("--engine", "demucs", "--input", sources.file("short.wav"))
            try await fixture.waitFor(next, in: .done, timeout: .seconds(120))
            supervisor.signal(SIGTERM)
            _ = await supervisor.wait()
            let log = try String(contentsOfFile: fixture.spool.state.log(engine: "demucs"), encoding: .utf8)
            #expect(log.components(separatedBy: "demucs on cpu").count - 1 == 1, "one start: \(log.suffix(3000))")
        }
    }
}
