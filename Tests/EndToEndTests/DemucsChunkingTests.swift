import AudioSpoolTestKit
import Foundation
import Testing

extension HeavyEngineTests.DemucsTests {
    /// The tiny model trained on half-second segments (`htdemucs_mini` in
    /// make_demucs_model.py): several times cheaper per second than the
    /// real architecture's, so a test can go through many chunks. Chunking
    /// does not depend on the segment: it is laid on whatever grid the
    /// model's segment makes.
    func miniFixture(_ config: [String: Any] = [:]) async throws -> SpoolFixture {
        let cache = try await TinyModels.hubCache(for: "demucs")
        let engine: [String: Any] = ["hub_cache": cache, "offline": true, "threads": 1, "models": ["htdemucs", "htdemucs_mini"], "default_model": "htdemucs_mini"]
        return try SpoolFixture(config: ["engines": ["demucs": ["config": engine.merging(config) { $1 }]]])
    }

    static let stems = ["bass", "drums", "other", "vocals"]

    /// Chunked separation against whole-file separation (one chunk holding
    /// the whole input, normalised as `Separator` normalises it) with
    /// `shifts: 0`: every stem's SNR at least 40 dB, and no larger jump
    /// from sample to sample near a chunk boundary than elsewhere.
    @Test func chunksMatchTheWholeFileWithoutSeams() async throws {
        let fixture = try await miniFixture()
        let sources = TemporaryDirectory()
        try mix(sources.file("mix.wav"), seconds: 9)
        let common = ["--engine", "demucs", "--input", sources.file("mix.wav"), "--param", "shifts=0", "--format", "wav", "--bit-depth", "32f"]
        let whole = try await fixture.submit(common + ["--param", "chunk_s=3600", "--id", "whole"])
        let chunked = try await fixture.submit(common + ["--param", "chunk_s=1.5", "--id", "chunked"])
        let run = try await fixture.runUntilIdle()
        #expect(run.status == 0, "\(run.summary)")
        let result = try #require(fixture.json(.done, chunked, "result.json"), "\(fixture.entries(.failed))")
        let details = try #require(result["details"] as? [String: Any], "\(result)")
        // 1.5 s is four strides of the 0.5 s segment (overlap 0.25): 66,148 frames.
        let chunk = try #require(details["chunk_s"] as? Double)
        #expect(abs(chunk - 66148.0 / 44100) < 1e-5 && details["segment_s"] as? Double == 0.5 && details["oom_retries"] as? Int == 0, "\(details)")
        let boundaries = Array(stride(from: 66148, to: 9 * 44100 - 16536, by: 66148))
        #expect(boundaries.count == 5)
        for stem in Self.stems {
            let reference = try Audio(fixture.spool.path(of: .done, whole) + "/\(stem).wav")
            let audio = try Audio(fixture.spool.path(of: .done, chunked) + "/\(stem).wav")
            #expect(audio.samples.count == reference.samples.count && audio.samples.count == 9 * 44100 * 2, "\(stem)")
            var signal = 0.0, noise = 0.0
            for (a, b) in zip(reference.samples, audio.samples) {
                signal += Double(a) * Double(a)
                noise += Double(a - b) * Double(a - b)
            }
            let snr = 10 * log10(signal / max(noise, 1e-30))
            #expect(snr >= 40, "\(stem): SNR \(snr) dB")
            // The largest sample-to-sample step within 2,000 frames of each
            // boundary, against the largest anywhere else.
            let jumps = Self.jumps(audio.samples, channels: 2)
            var near = 0.0, elsewhere = 0.0
            for (frame, jump) in jumps.enumerated() {
                if boundaries.contains(where: { abs($0 - frame) < 2000 }) { near = max(near, jump) } else { elsewhere = max(elsewhere, jump) }
            }
            #expect(near <= elsewhere, "\(stem): a jump of \(near) at a boundary, at most \(elsewhere) elsewhere")
        }
    }

    static func jumps(_ samples: [Float], channels: Int) -> [Double] {
        let frames = samples.count / channels
        guard frames > 1 else { return [] }
        return (1..<frames).map { frame in
            (0..<channels).map { Double(abs(samples[frame * channels + $0] - samples[(frame - 1) * channels + $0])) }.max() ?? 0
        }
    }

    /// A test-only config makes the first try of chunk 2 run out of memory:
    /// it is tried again with half the segment, and every stem is whole.
    /// When halving reaches the floor the job fails as `oom`.
    @Test func outOfMemoryRetriesTheChunkSmallerThenFails() async throws {
        let fixture = try await miniFixture(["inject_oom": ["chunk": 2, "attempts": 1]])
        let sources = TemporaryDirectory()
        try mix(sources.file("mix.wav"), seconds: 5)
        let id = try await fixture.submit("--engine", "demucs", "--input", sources.file("mix.wav"), "--param", "shifts=0", "--param", "chunk_s=1.5", "--format", "wav")
        let run = try await fixture.runUntilIdle()
        #expect(run.status == 0, "\(run.summary)")
        let result = try #require(fixture.json(.done, id, "result.json"), "\(fixture.entries(.failed))")
        let details = try #require(result["details"] as? [String: Any], "\(result)")
        #expect(details["oom_retries"] as? Int == 1 && details["segment_s"] as? Double == 0.25, "\(details)")
        #expect(result["attempts"] as? Int == 1, "retried inside the attempt: \(result)")
        for stem in Self.stems {
            let audio = try Audio(fixture.spool.path(of: .done, id) + "/\(stem).wav")
            #expect(audio.samples.count == 5 * 44100 * 2 && audio.samples.contains { $0 != 0 }, "\(stem): \(audio.seconds) s")
        }
        let log = try String(contentsOfFile: fixture.spool.state.log(engine: "demucs"), encoding: .utf8)
        #expect(log.contains("out of memory in chunk 2 (MemoryError: injected out of memory (chunk 2, attempt 1)); retrying with segment_s 0.25"), "\(log.suffix(2000))")

        // Always out of memory: smaller until the floor, then `oom`.
        let always = try await miniFixture(["inject_oom": ["chunk": 1, "attempts": 1000]])
        let failing = try await always.submit("--engine", "demucs", "--input", sources.file("mix.wav"), "--param", "chunk_s=1.5", "--max-attempts", "1")
        _ = try await always.runUntilIdle()
        let error = try #require(always.json(.failed, failing, "error.json")?["error"] as? [String: Any], "\(always.entries(.done))")
        #expect(error["kind"] as? String == "oom", "\(error)")
        #expect((error["message"] as? String)?.contains("out of memory separating chunk 1 even with segment_s 0.25 and chunk_s 0.75 (after 2 retries)") == true, "\(error)")
    }

    /// Peak memory is flat in the input's length: 30 chunks take no more
    /// than 1.5 times one chunk's, sampled from /proc while the engine runs.
    /// What a job adds to the loaded engine is held to the same bound, as
    /// that is where holding the whole input would show (45 s of stems
    /// alone are 240 MB at whole-file separation's ~94 bytes a frame).
    @Test func peakMemoryIsFlatInTheInputsLength() async throws {
        let fixture = try await miniFixture()
        let sources = TemporaryDirectory()
        try mix(sources.file("short.wav"), seconds: 1.5)
        try mix(sources.file("long.wav"), seconds: 45)
        let supervisor = try await fixture.startSupervisor()
        defer { supervisor.signal(SIGKILL) }
        let warm = try await fixture.submit("--engine", "demucs", "--input", sources.file("short.wav"), "--param", "chunk_s=1.5")
        try await fixture.waitFor(warm, in: .done, timeout: .seconds(300))
        let supervisorPID = try #require(supervisor.pid)
        let engine = try #require(try await children(of: supervisorPID).first)
        let idle = try #require(Self.residentBytes(engine))

        var peaks: [Int] = []
        for (name, count) in [("short", 1), ("long", 30)] {
            let id = try await fixture.submit("--engine", "demucs", "--input", sources.file("\(name).wav"), "--param", "chunk_s=1.5", "--param", "shifts=0")
            var peak = 0
            while !FileManager.default.fileExists(atPath: fixture.spool.path(of: .done, id)) {
                #expect(!FileManager.default.fileExists(atPath: fixture.spool.path(of: .failed, id)), "\(id) failed")
                if FileManager.default.fileExists(atPath: fixture.spool.path(of: .failed, id)) { return }
                peak = max(peak, Self.residentBytes(engine) ?? 0)
                try await Task.sleep(for: .milliseconds(20))
            }
            let result = try #require(fixture.json(.done, id, "result.json"))
            #expect((result["outputs"] as? [Any])?.count == 4, "\(name): \(count) chunks")
            peaks.append(peak)
        }
        let log = try String(contentsOfFile: fixture.spool.state.log(engine: "demucs"), encoding: .utf8)
        #expect(log.contains("separated 45.0 s in 30 chunks") && log.contains("separated 1.5 s in 1 chunks"), "\(log.suffix(2000))")
        let (short, long) = (peaks[0], peaks[1])
        #expect(Double(long) <= 1.5 * Double(short), "peak RSS \(long >> 20) MiB for 30 chunks, \(short >> 20) MiB for one")
        // What each job added on top of the idle engine, with 64 MiB for the
        // allocator's slack (seen up to 50 MiB under load); holding the whole
        // input would add about 190 MiB here.
        #expect(Double(long - idle) <= 1.5 * Double(short - idle) + 64 * 1_048_576,
                "30 chunks added \((long - idle) >> 20) MiB to the idle engine's \(idle >> 20) MiB, one chunk \((short - idle) >> 20) MiB")
    }

    /// VmRSS of `pid`, from /proc.
    static func residentBytes(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { return nil }
        return kilobytes * 1024
    }
}
