import AudioSpoolTestKit
import Basics
import Foundation
import Glibc
import Spool
import Testing

/// serve's answers to requests sent again, slowly, or with more than
/// their engine takes, and its readiness judged on its own clock.
@Suite(.timeLimit(.minutes(3))) struct HTTPServeRequestTests {
    private func tone(_ edit: @escaping (inout [String: Any]) -> Void = { _ in }) throws -> EngineVariants {
        let engines = try EngineVariants()
        try engines.add("tone", from: Repository.engines + "/tone", edit: edit)
        return engines
    }

    private let json = ["-H", "Content-Type: application/json", "--data-binary"]

    @Test func anIdempotencyKeySentAgainIsTheSameJob() async throws {
        let engines = try tone()
        let fixture = try SpoolFixture(engines: engines.path)
        let serve = try await ServeProcess.start(fixture)
        let job = #"{"engine": "tone", "params": {"seconds": 0.1}}"#
        let first = try await serve.curl("/v1/jobs", ["-H", "Idempotency-Key: order-17"] + json + [job])
        #expect(first.status == 202, "\(first.text)")
        let id = try #require(first.json["id"] as? String)
        let again = try await serve.curl("/v1/jobs", ["-H", "Idempotency-Key: order-17"] + json + [job])
        #expect(again.status == 200, "\(again.text)")
        #expect(again.json["id"] as? String == id && again.json["state"] as? String == "queued")
        #expect(again.headers["idempotent-replayed"] == "true")
        // Several at once: still the one job.
        let replies = try await withThrowingTaskGroup(of: ServeProcess.Reply.self) { group in
            for _ in 0..<6 { group.addTask { try await serve.curl("/v1/jobs", ["-H", "Idempotency-Key: order-18"] + json + [job]) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let ids = Set(replies.compactMap { $0.json["id"] as? String })
        #expect(ids.count == 1 && replies.allSatisfy { [200, 202].contains($0.status) }, "\(replies.map { "\($0.status) \($0.text)" })")
        #expect(replies.filter { $0.status == 202 }.count == 1)
        #expect(fixture.entries(.new).count == 2, "\(fixture.entries(.new))")
        // The key names one job: another job under it is refused, and nothing is delivered.
        let other = try await serve.curl("/v1/jobs", ["-H", "Idempotency-Key: order-17"] + json + [#"{"engine": "tone", "params": {"seconds": 0.2}}"#])
        #expect(other.status == 409 && other.error.kind == "conflict", "\(other.text)")
        #expect(other.error.message?.contains("Idempotency-Key") == true)
        #expect(fixture.entries(.new).count == 2)
        // Once it has run, the key still finds it (in done/).
        _ = try await fixture.runUntilIdle()
        let later = try await serve.curl("/v1/jobs", ["-H", "Idempotency-Key: order-17"] + json + [job])
        #expect(later.status == 200 && later.json["id"] as? String == id && later.json["state"] as? String == "done", "\(later.text)")
        #expect(fixture.entries(.new).isEmpty && fixture.entries(.done).count == 2)
        withExtendedLifetime(engines) {}
    }

    @Test func aSlowBodyAndAnOversizedHeadGetJSONErrors() async throws {
        let engines = try tone()
        let fixture = try SpoolFixture(
            engines: engines.path, config: ["http": ["header_timeout_s": 1, "min_body_bytes_per_s": 1024, "max_header_bytes": 8192]])
        let serve = try await ServeProcess.start(fixture)
        // A body sent a byte at a time, well under 1 KiB/s: cut after about 1 s (header_timeout_s) with a 408.
        let drip = try SlowClient(port: serve.port)
        try drip.send("POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n")
        let (seconds, answer) = try drip.drip(byte: "{", every: 0.1, limit: 20)
        #expect(seconds < 10, "a body sent a byte at a time held its connection for \(seconds) s")
        #expect(answer.hasPrefix("HTTP/1.1 408"), "\(answer)")
        #expect(answer.contains(#""kind":"timeout""#) && answer.contains("min_body_bytes_per_s"), "\(answer)")
        // A body that stops: the idle timeout closes the connection.
        let stalled = try SlowClient(port: serve.port)
        try stalled.send("POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"engine\"")
        let stalledFor = try stalled.secondsUntilClosed(limit: 20)
        #expect(stalledFor < 10, "a stalled body held its connection for \(stalledFor) s")

        // A head over max_header_bytes: 431 with our JSON error, not a bare 400.
        let header = try await serve.curl("/v1/jobs", ["-H", "X-Big: " + String(repeating: "a", count: 9000)])
        #expect(header.status == 431, "\(header.status) \(header.text)")
        #expect(header.error.kind == "too_large" && header.error.message?.contains("http.max_header_bytes") == true, "\(header.text)")
        #expect(fixture.entries(.new).isEmpty)
        #expect(try await serve.curl("/healthz").status == 200, "the server did not survive")
        withExtendedLifetime(engines) {}
    }

    /// `instructions` reaches an engine whose task lists it in engine.json's
    /// `params` (tone, so declared, refuses it by name: it really arrived),
    /// and is left out for one that does not.
    @Test func instructionsGoOnlyToATaskThatTakesThem() async throws {
        let declared = try EngineVariants()
        try declared.add("tone", from: Repository.engines + "/tone") { manifest in
            var tasks = manifest["tasks"] as! [String: Any]
            var tts = tasks["tts"] as! [String: Any]
            tts["params"] = ["instructions"]
            tasks["tts"] = tts
            manifest["tasks"] = tasks
        }
        let body = #"{"model": "tone", "input": "one two", "voice": "alloy", "response_format": "wav", "instructions": "Speak cheerfully."}"#
        let plain = try tone()
        for (engines, takesThem) in [(plain, false), (declared, true)] {
            let fixture = try SpoolFixture(engines: engines.path, config: ["http": ["speech_timeout_s": 60]])
            _ = try await fixture.startSupervisor()
            let serve = try await ServeProcess.start(fixture)
            let reply = try await serve.curl("/v1/audio/speech", json + [body])
            let id = try #require(fixture.entries(.done).first ?? fixture.entries(.failed).first, "\(reply.status) \(reply.text)")
            let folder: Spool.Folder = fixture.entries(.done).isEmpty ? .failed : .done
            let params = fixture.json(folder, id, "job.json")?["params"] as? [String: Any] ?? [:]
            if takesThem {
                #expect(params["instructions"] as? String == "Speak cheerfully.", "\(params)")
                // tone itself takes no such param: its refusal names it, so it reached the engine.
                let message = (fixture.json(.failed, id, "error.json")?["error"] as? [String: Any])?["message"] as? String
                #expect(message?.contains("instructions") == true, "\(message ?? "no error.json")")
            } else {
                #expect(params["instructions"] == nil, "\(params)")
                #expect(reply.status == 200 && folder == .done, "\(reply.status) \(reply.text)")
            }
        }
    }

    /// Another host's heartbeat is judged by whether this server sees it
    /// change, never by comparing its clock with ours.
    /// SIGTERM ends open event streams at once, so serve stops when asked
    /// (systemd, a rolling update), not after the notifier's next safety-net
    /// tick (5 s), which is what kept it before; a waiting speech request is
    /// told to come back (503), not that its job timed out.
    @Test func aShutdownEndsOpenEventStreams() async throws {
        let fixture = try SpoolFixture()
        let serve = try await ServeProcess.start(fixture)
        let streamed = fixture.directory.file("events.txt")
        let stream = try await ChildProcess.start("/usr/bin/curl", ["-sN", "--max-time", "60", "-o", streamed, serve.base + "/v1/events"])
        try await waitUntil("the stream is open") { (try? String(contentsOfFile: streamed, encoding: .utf8))?.contains("event: ready") == true }
        // A speech request waiting for a job no supervisor runs.
        async let speech = serve.curl("/v1/audio/speech", json + [#"{"model": "tone", "input": "Hello there.", "response_format": "wav"}"#])
        try await waitUntil("the speech job is queued") { !fixture.entries(.new).isEmpty }
        #expect(!stream.hasExited)
        let asked = ContinuousClock.now
        serve.process.signal(SIGTERM)
        let result = await serve.process.wait(timeout: .seconds(30))
        let took = ContinuousClock.now - asked
        #expect(result.status == 0, "\(result.stderr)")
        #expect(took < .seconds(2), "serve took \(took) to stop with an event stream open")
        let feed = await stream.wait(timeout: .seconds(5))
        #expect(feed.status == 0, "the stream was cut, not ended: \(feed.status)")
        // Told to come back, in OpenAI's shape; the job stays queued.
        let waited = try await speech
        #expect(waited.status == 503, "\(waited.text)")
        #expect(waited.headers["retry-after"] == "1")
        let error = waited.json["error"] as? [String: Any]
        #expect(error?["type"] as? String == "api_error" && (error?["message"] as? String)?.contains("the server is stopping") == true, "\(waited.text)")
        #expect(fixture.entries(.new).count == 1)
    }

    @Test func readinessJudgesAnotherHostsHeartbeatOnThisServersClock() async throws {
        let engines = try tone()
        let fixture = try SpoolFixture(engines: engines.path)
        let serve = try await ServeProcess.start(fixture)
        let remote = try RemoteHeartbeat(fixture)
        // A heartbeat whose time reads as now on our clock, but that never changes: not known to beat.
        try remote.beat(Timestamp.now())
        #expect(try await serve.curl("/readyz").status == 503)
        #expect(try await serve.curl("/readyz").status == 503)
        // It changes, though its clock is decades behind ours: it beats.
        try remote.beat("2001-01-01T00:00:05Z")
        let ready = try await serve.curl("/readyz")
        #expect(ready.status == 200, "\(ready.text)")
        try remote.beat("2001-01-01T00:00:10Z")
        #expect(try await serve.curl("/readyz").status == 200)
        // Then it stops: stale once 15 s of this server's clock pass without a change.
        try await waitUntilAsync("readyz sees the heartbeat stop", timeout: .seconds(40)) {
            try await serve.curl("/readyz").status == 503
        }
        withExtendedLifetime(engines) {}
    }
}
