import AudioSpoolTestKit
import Foundation
import Glibc
import Spool
import Testing

/// Long texts: split into sentences, run in parallel, stitched in order,
/// resumed after a crash. The tone engine's `tts` is segmented and beeps at
/// a pitch set by each word's length, so order and timing can be measured.
@Suite(.timeLimit(.minutes(3))) struct LongTextTests {
    /// The pitch tone uses for a word of `length` letters.
    func pitch(_ length: Int) -> Double { 300 + 40 * Double(length % 10) }

    func frequency(_ samples: [Float], rate: Int, from start: Double, seconds: Double) -> Double {
        let first = Int(start * Double(rate))
        return TestSignals.frequency(Array(samples[first..<(first + Int(seconds * Double(rate)))]), channels: 1, rate: rate)
    }

    @Test func paragraphsAndSentencesAreStitchedInOrderWithTheirPauses() async throws {
        let fixture = try SpoolFixture()
        let text = "A a a. Bbbbb bbbbb bbbbb!\n\nCcc ccc."
        try fixture.drop("story.json", #"{"engine": "tone", "task": "tts", "text": "\#(text.replacingOccurrences(of: "\n", with: "\\n"))"}"#)
        let run = try await fixture.runUntilIdle()
        #expect(run.status == 0, "\(run.summary)")
        let folder = fixture.spool.path(of: .done, "story")
        #expect(!FileManager.default.fileExists(atPath: folder + "/segments"), "segments are tidied away")
        let (properties, samples) = try TestSignals.read(folder + "/output.wav")
        // 8 words of 0.2 s, a 0.1 s sentence pause, a 0.3 s paragraph pause.
        let seconds = Double(samples.count) / Double(properties.sampleRate)
        #expect(abs(seconds - 2.0) < 0.01, "\(seconds) s")
        let rate = properties.sampleRate
        #expect(abs(frequency(samples, rate: rate, from: 0.0, seconds: 0.15) - pitch(1)) < 15)
        #expect(abs(frequency(samples, rate: rate, from: 0.7, seconds: 0.15) - pitch(5)) < 15)
        #expect(abs(frequency(samples, rate: rate, from: 1.6, seconds: 0.15) - pitch(3)) < 15)
        // The pauses are silence.
        #expect(samples[Int(0.62 * Double(rate))..<Int(0.68 * Double(rate))].allSatisfy { $0 == 0 })
        #expect(samples[Int(1.33 * Double(rate))..<Int(1.57 * Double(rate))].allSatisfy { $0 == 0 })
    }

    @Test func aJobCanSetItsOwnPauses() async throws {
        let fixture = try SpoolFixture()
        try fixture.drop("slow.json", #"{"engine": "tone", "task": "tts", "text": "One two. Three.\n\nFour.", "pauses": {"sentence_ms": 500, "paragraph_ms": 1000}}"#)
        _ = try await fixture.runUntilIdle()
        let (properties, samples) = try TestSignals.read(fixture.spool.path(of: .done, "slow") + "/output.wav")
        let seconds = Double(samples.count) / Double(properties.sampleRate)
        let expected: Double = 4 * 0.2 + 0.5 + 1.0
        #expect(abs(seconds - expected) < 0.01, "\(seconds) s")
    }

    @Test func afterASupervisorIsKilledOnlyTheMissingSegmentsAreRedone() async throws {
        let fixture = try SpoolFixture(config: ["engines": ["tone": ["instances": 2]]])
        // 12 sentences; each takes 0.3 s at pace 2.
        let sentences = (1...12).map { index in "Sentence \(String(repeating: "x", count: index % 9 + 1)) here." }
        let text = sentences.joined(separator: " ")
        let supervisor = try await fixture.startSupervisor()
        let id = try await fixture.submit("--engine", "tone", "--task", "tts", "--text", text, "--param", "pace=2")
        let segments = fixture.spool.path(of: .cur, id) + "/segments"
        func finished() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: segments)) ?? []).filter { $0.hasSuffix(".wav") }
        }
        try await waitUntil("some segments are done") { finished().count >= 3 }
        supervisor.signal(SIGKILL)
        _ = await supervisor.wait()
        let kept = finished().count
        #expect(kept >= 3 && kept < 12, "\(kept) segments done when the supervisor died")
        let log = fixture.spool.state.log(engine: "tone")
        let before = try String(contentsOfFile: log, encoding: .utf8)

        let run = try await fixture.runUntilIdle()
        #expect(run.status == 0, "\(run.summary)")
        let after = try String(contentsOfFile: log, encoding: .utf8).dropFirst(before.count)
        let rerun = after.components(separatedBy: "\n").filter { $0.hasPrefix("run job=\(id) ") }.count
        #expect(rerun == 12 - kept, "only the \(12 - kept) missing segments run again, not \(rerun)")
        #expect(run.stderr.contains("resuming"))

        let result = try #require(fixture.json(.done, id, "result.json"))
        #expect(result["attempts"] as? Int == 2)
        let (properties, samples) = try TestSignals.read(fixture.spool.path(of: .done, id) + "/output.wav")
        // 36 words of 0.2 s and 11 sentence pauses of 0.1 s.
        let seconds = Double(samples.count) / Double(properties.sampleRate)
        let expected: Double = 36 * 0.2 + 11 * 0.1
        #expect(abs(seconds - expected) < 0.01, "\(seconds) s")
        // The last sentence's middle word ("xxxx", length 4) sits where it should.
        let lastMiddle: Double = 33 * 0.2 + 11 * 0.1 + 0.2
        #expect(abs(frequency(samples, rate: properties.sampleRate, from: lastMiddle, seconds: 0.15) - pitch(4)) < 15)
    }

    /// The first segment runs alone (it is what a streamed answer waits
    /// for), then the rest two at a time.
    @Test func theFirstSegmentRunsAloneAndTheRestInParallel() async throws {
        let fixture = try SpoolFixture(config: ["engines": ["tone": ["instances": 2]]])
        let text = (1...6).map { "Sentence number \(String(repeating: "x", count: $0)) here." }.joined(separator: " ")
        let supervisor = try await fixture.startSupervisor()
        let id = try await fixture.submit("--engine", "tone", "--task", "tts", "--text", text, "--param", "pace=2")
        try await waitUntil("the job is done", timeout: .seconds(60)) { fixture.entries(.done).contains(id) }
        _ = supervisor
        let log = try String(contentsOfFile: fixture.spool.state.log(engine: "tone"), encoding: .utf8)
        // "ran job=ID started=S ended=E", one per segment.
        let runs: [(started: Double, ended: Double)] = log.components(separatedBy: "\n").filter { $0.hasPrefix("ran job=\(id) ") }.compactMap { line in
            let fields = Dictionary(uniqueKeysWithValues: line.split(separator: " ").compactMap { field -> (String, Double)? in
                let parts = field.split(separator: "=", maxSplits: 1)
                return parts.count == 2 ? (String(parts[0]), Double(parts[1]) ?? -1) : nil
            })
            guard let started = fields["started"], let ended = fields["ended"] else { return nil }
            return (started, ended)
        }.sorted { $0.started < $1.started }
        try #require(runs.count == 6, "\(log)")
        #expect(runs.dropFirst().allSatisfy { $0.started >= runs[0].ended }, "the first segment ran beside another: \(runs)")
        let overlapping = zip(runs.dropFirst(), runs.dropFirst(2)).contains { $1.started < $0.ended }
        #expect(overlapping, "after the first, segments ran one at a time: \(runs)")
    }
}
