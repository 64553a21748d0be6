import AudioSpoolTestKit
import Basics
import Foundation
import Glibc
import Testing

extension HeavyEngineTests.DemucsTests {
    /// After the first chunk, status.json's `eta_s` is right within 20 %:
    /// compared with the time the engine then took for the rest, both read
    /// on disk (the status's `updated_at`; result.json's `finished_at` less
    /// its `encode_s`). The engine starts fresh, so its start-up and the
    /// model's loading come before the first progress: an ETA that took
    /// them for the work's pace would be several times too long. The ETA
    /// can only know the pace so far; so that load on the machine changing
    /// the pace later does not fail the test, the ETA is scaled by the pace
    /// of the later chunks against the first, from the engine's own
    /// timings of each chunk (its log).
    @Test func theETAAfterTheFirstChunkIsRightWithinTwentyPercent() async throws {
        let fixture = try await miniFixture()
        let sources = TemporaryDirectory()
        try mix(sources.file("mix.wav"), seconds: 36)
        let supervisor = try await fixture.startSupervisor()
        defer { supervisor.signal(SIGKILL) }
        let id = try await fixture.submit(
            "--engine", "demucs", "--input", sources.file("mix.wav"), "--param", "chunk_s=6", "--param", "shifts=0", "--format", "wav")

        // The first status.json written after chunk 1, with its ETA.
        var first: (eta: Double, at: Date, done: Int, total: Int)?
        let deadline = ContinuousClock.now + .seconds(400)
        while !FileManager.default.fileExists(atPath: fixture.spool.path(of: .done, id)) {
            try #require(!FileManager.default.fileExists(atPath: fixture.spool.path(of: .failed, id)), "\(id) failed")
            try #require(ContinuousClock.now < deadline, "\(id) did not finish")
            if first == nil, let status = fixture.json(.cur, id, "status.json"), status["state"] as? String == "running",
               let done = status["segments_done"] as? Int, done >= 1, let total = status["segments_total"] as? Int, done < total,
               let eta = status["eta_s"] as? Double, let at = (status["updated_at"] as? String).flatMap(Timestamp.parse) {
                first = (eta, at, done, total)
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        let seen = try #require(first, "no status.json between the first chunk and the last")
        let timings = try #require(fixture.json(.done, id, "result.json")?["timings"] as? [String: Any])
        let finished = try #require((timings["finished_at"] as? String).flatMap(Timestamp.parse))
        let engineEnd = finished.addingTimeInterval(-(timings["encode_s"] as? Double ?? 0))
        let actual = engineEnd.timeIntervalSince(seen.at)

        // The engine's pace: seconds per apply_model segment, chunk by chunk.
        let log = try String(contentsOfFile: fixture.spool.state.log(engine: "demucs"), encoding: .utf8)
        let chunks = Self.chunkTimings(log)
        try #require(chunks.count == seen.total && chunks.count >= 4, "\(chunks) of \(seen.total): \(log.suffix(2000))")
        let pace = { (part: ArraySlice<(units: Int, seconds: Double)>) in part.map(\.seconds).reduce(0, +) / Double(part.map(\.units).reduce(0, +)) }
        let soFar = pace(chunks.prefix(seen.done))
        let later = pace(chunks.dropFirst(seen.done))
        let expected = seen.eta * later / soFar
        #expect(abs(expected - actual) <= 0.2 * actual,
                "ETA \(seen.eta) s after chunk \(seen.done) of \(seen.total) (\(expected) s at the later chunks' pace, \(later / soFar)x); the engine took \(actual) s; chunks \(chunks)")
        supervisor.signal(SIGTERM)
        _ = await supervisor.wait()
    }

    /// `chunk N of M (U segments, …) took S s`, as the engine logs each chunk.
    static func chunkTimings(_ log: String) -> [(units: Int, seconds: Double)] {
        log.split(separator: "\n").compactMap { line in
            guard let match = line.firstMatch(of: /chunk (\d+) of (\d+) \((\d+) segments, [0-9.]+ s of audio\) took ([0-9.]+) s/),
                  let units = Int(match.3), let seconds = Double(match.4)
            else { return nil }
            return (units, seconds)
        }
    }
}
