import AudioSpoolTestKit
import Crypto
import Foundation
import Glibc
import Spool
import Testing

/// `audiospool serve` over real HTTP, spoken to with curl: the jobs API
/// with a real supervisor and the tone engine, keys and tenants, and
/// requests meant to break it.
@Suite(.timeLimit(.minutes(5))) struct HTTPServeTests {
    /// tone, and echo-input (a separation engine that takes an input).
    func engines() throws -> EngineVariants {
        let engines = try EngineVariants()
        try engines.add("tone", from: Repository.engines + "/tone")
        try engines.add("echo-input", from: Repository.fixtureEngines + "/echo-input")
        return engines
    }

    func json(_ object: Any) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    @Test func theJobsAPIWithCurl() async throws {
        let engines = try engines()
        let fixture = try SpoolFixture(engines: engines.path)
        let supervisor = try await fixture.startSupervisor()
        let serve = try await ServeProcess.start(fixture)

        // JSON submission → 202, then the events until done.
        let job = #"{"engine": "tone", "params": {"seconds": 0.5, "frequency": 440}, "output": {"format": "wav"}}"#
        let submitted = try await serve.curl("/v1/jobs", ["-H", "Content-Type: application/json", "-H", "Idempotency-Key: first-tone", "--data-binary", job])
        #expect(submitted.status == 202, "\(submitted.text)")
        let id = try #require(submitted.json["id"] as? String)
        #expect(submitted.json["state"] as? String == "queued")
        #expect((submitted.json["links"] as? [String: Any])?["self"] as? String == "/v1/jobs/\(id)")
        let events = try await serve.curl("/v1/jobs/\(id)/events", ["-N"])
        #expect(events.status == 200 && events.headers["content-type"] == "text/event-stream", "\(events.headers)")
        #expect(events.text.contains("event: state"))
        #expect(events.text.contains(#""state":"done""#), "\(events.text)")

        let done = try await serve.curl("/v1/jobs/\(id)")
        #expect(done.json["state"] as? String == "done")
        let result = try #require(done.json["result"] as? [String: Any])
        #expect(fixture.json(.done, id, "job.json")?["idempotency_key"] as? String == "first-tone")
        let output = try #require((result["outputs"] as? [[String: Any]])?.first)
        let name = try #require(output["path"] as? String)

        // The download is the file result.json describes.
        let download = try await serve.curl("/v1/jobs/\(id)/outputs/\(name)")
        #expect(download.status == 200)
        #expect(download.headers["content-type"] == "audio/wav")
        #expect(download.headers["content-length"] == String(download.body.count))
        let digest = SHA256.hash(data: download.body).map { String(format: "%02x", $0) }.joined()
        #expect(digest == output["sha256"] as? String)
        #expect(download.headers["etag"] == "\"\(digest)\"")
        let notModified = try await serve.curl("/v1/jobs/\(id)/outputs/\(name)", ["-H", "If-None-Match: \"\(digest)\""])
        #expect(notModified.status == 304)

        // Range.
        let range = try await serve.curl("/v1/jobs/\(id)/outputs/\(name)", ["-H", "Range: bytes=10-109"])
        #expect(range.status == 206)
        #expect(range.body == download.body[10..<110])
        #expect(range.headers["content-range"] == "bytes 10-109/\(download.body.count)")
        let suffix = try await serve.curl("/v1/jobs/\(id)/outputs/\(name)", ["-H", "Range: bytes=-20"])
        #expect(suffix.body == download.body.suffix(20))
        let outside = try await serve.curl("/v1/jobs/\(id)/outputs/\(name)", ["-H", "Range: bytes=99999999-"])
        #expect(outside.status == 416)

        // Multipart: a WAV to a separation engine, as its input "audio".
        let wav = fixture.directory.file("song.wav")
        try TestSignals.sine(wav, frequency: 330, seconds: 0.5)
        let multipart = try await serve.curl("/v1/jobs", [
            "-F", #"job={"engine": "echo-input", "inputs": {"audio": "song.wav"}, "output": {"format": "flac"}};type=application/json"#,
            "-F", "audio=@\(wav)",
        ])
        #expect(multipart.status == 202, "\(multipart.text)")
        let separated = try #require(multipart.json["id"] as? String)
        try await waitUntilAsync("the multipart job is done", timeout: .seconds(60)) {
            try await serve.curl("/v1/jobs/\(separated)").json["state"] as? String == "done"
        }
        let separatedResult = try #require(fixture.json(.done, separated, "result.json"))
        #expect((separatedResult["outputs"] as? [[String: Any]])?.first?["format"] as? String == "flac")
        // A named input with no part carrying it is refused before delivery.
        let missing = try await serve.curl("/v1/jobs", ["-F", #"job={"engine": "echo-input", "inputs": {"audio": "song.wav"}}"#])
        #expect(missing.status == 400)
        #expect(missing.error.message?.contains("no part named \"audio\"") == true, "\(missing.text)")

        // Cancel a job still waiting (not_before in the future), then retry it.
        let later = #"{"engine": "tone", "params": {"seconds": 0.2}, "not_before": "2099-01-01T00:00:00Z"}"#
        let waiting = try await serve.curl("/v1/jobs", ["--data-binary", later, "-H", "Content-Type: application/json"])
        let waitingID = try #require(waiting.json["id"] as? String)
        let queued = try await serve.curl("/v1/jobs/\(waitingID)")
        #expect(queued.json["state"] as? String == "queued")
        #expect(queued.json["queue_position"] as? Int == 1)
        let cancelled = try await serve.curl("/v1/jobs/\(waitingID)", ["-X", "DELETE"])
        #expect(cancelled.status == 202, "\(cancelled.text)")
        #expect(cancelled.json["state"] as? String == "cancelled")
        let again = try await serve.curl("/v1/jobs/\(waitingID)", ["-X", "DELETE"])
        #expect(again.status == 409)
        let retried = try await serve.curl("/v1/jobs/\(waitingID)/retry", ["-X", "POST"])
        #expect(retried.status == 202, "\(retried.text)")
        #expect(retried.json["state"] as? String == "queued")
        #expect(fixture.entries(.failed).isEmpty)

        // A failed job (a bad param the engine refuses) can be retried too.
        let bad = try await serve.curl("/v1/jobs", ["--data-binary", #"{"engine": "tone", "params": {"seconds": -1}}"#, "-H", "Content-Type: application/json"])
        let badID = try #require(bad.json["id"] as? String)
        try await waitUntilAsync("the bad job failed") { try await serve.curl("/v1/jobs/\(badID)").json["state"] as? String == "failed" }
        let failed = try await serve.curl("/v1/jobs/\(badID)")
        #expect((failed.json["error"] as? [String: Any]).flatMap { $0["error"] as? [String: Any] }?["kind"] as? String == "bad_input")
        #expect(try await serve.curl("/v1/jobs/\(badID)/retry", ["-X", "POST"]).status == 202)

        // Listing: newest first, paged with the cursor.
        let first = try await serve.curl("/v1/jobs?limit=2")
        let page = try #require(first.json["jobs"] as? [[String: Any]])
        #expect(page.count == 2)
        let cursor = try #require(first.json["next_cursor"] as? String)
        let second = try await serve.curl("/v1/jobs?limit=10&cursor=\(cursor)")
        let rest = try #require(second.json["jobs"] as? [[String: Any]])
        let all = (page + rest).compactMap { $0["id"] as? String }
        #expect(Set(all) == [id, separated, waitingID, badID] && all.count == 4, "\(all)")
        #expect(try await serve.curl("/v1/jobs?state=done").json["jobs"].map { ($0 as? [Any])?.count } == 2)

        let queue = try await serve.curl("/v1/queue")
        #expect((queue.json["counts"] as? [String: Any])?["done"] as? Int == 2, "\(queue.text)")
        let listed = try await serve.curl("/v1/engines")
        #expect((listed.json["engines"] as? [[String: Any]])?.compactMap { $0["name"] as? String }.contains("tone") == true)
        #expect(try await serve.curl("/readyz").status == 200)
        supervisor.signal(SIGTERM)
        await supervisor.wait()
    }

    @Test func keysAndTenants() async throws {
        let engines = try engines()
        let fixture = try SpoolFixture(engines: engines.path)
        let keys = fixture.directory.file("keys")
        try """
            # name:key[:admin]
            alice:alice-secret-key-0001
            bob:bob-secret-key-000002
            ops:ops-secret-key-000003:admin
            """.write(toFile: keys, atomically: true, encoding: .utf8)
        let serve = try await ServeProcess.start(fixture, ["--api-keys", keys])
        #expect(try await serve.curl("/v1/jobs").status == 401)
        let wrong = try await serve.curl("/v1/jobs", key: "alice-secret-key-0002")
        #expect(wrong.status == 401 && wrong.error.kind == "unauthorized")
        #expect(try await serve.curl("/healthz").status == 200)

        let job = #"{"engine": "tone", "params": {"seconds": 0.2}, "metadata": {"title": "mine"}}"#
        let submitted = try await serve.curl("/v1/jobs", ["--data-binary", job, "-H", "Content-Type: application/json"], key: "alice-secret-key-0001")
        let id = try #require(submitted.json["id"] as? String, "\(submitted.text)")
        let file = try Data(contentsOf: URL(fileURLWithPath: fixture.spool.path(of: .new, id + ".json")))
        let delivered = try #require(try JSONSerialization.jsonObject(with: file) as? [String: Any])
        #expect((delivered["metadata"] as? [String: Any])?["submitted_by"] as? String == "alice")
        #expect((delivered["metadata"] as? [String: Any])?["title"] as? String == "mine")
        let forged = try await serve.curl(
            "/v1/jobs", ["-H", "Content-Type: application/json", "--data-binary", #"{"engine": "tone", "metadata": {"submitted_by": "bob"}}"#],
            key: "alice-secret-key-0001")
        #expect(forged.status == 400 && forged.error.message?.contains("set by the server") == true, "\(forged.text)")

        _ = try await fixture.runUntilIdle()
        let name = try #require((fixture.json(.done, id, "result.json")?["outputs"] as? [[String: Any]])?.first?["path"] as? String)
        for (path, method) in [("/v1/jobs/\(id)", "GET"), ("/v1/jobs/\(id)/outputs/\(name)", "GET"), ("/v1/jobs/\(id)", "DELETE"), ("/v1/jobs/\(id)/events", "GET")] {
            let reply = try await serve.curl(path, ["-X", method], key: "bob-secret-key-000002")
            #expect(reply.status == 404 && reply.error.kind == "not_found", "\(method) \(path): \(reply.status) \(reply.text)")
        }
        #expect((try await serve.curl("/v1/jobs", key: "bob-secret-key-000002").json["jobs"] as? [Any])?.isEmpty == true)
        #expect((try await serve.curl("/v1/jobs", key: "alice-secret-key-0001").json["jobs"] as? [Any])?.count == 1)
        #expect((try await serve.curl("/v1/jobs", key: "ops-secret-key-000003").json["jobs"] as? [Any])?.count == 1)
        #expect(try await serve.curl("/v1/jobs/\(id)/outputs/\(name)", key: "alice-secret-key-0001").status == 200)
        #expect(try await serve.curl("/v1/jobs/\(id)", key: "ops-secret-key-000003").status == 200)
        let log = await serve.process.wait(timeout: .zero)
        #expect(!log.stderr.contains("secret-key"), "a key reached the log")
    }

    @Test func listeningBeyondLoopbackNeedsKeys() async throws {
        let engines = try engines()
        let fixture = try SpoolFixture(engines: engines.path)
        let refused = try await fixture.cli("serve", "--listen", "0.0.0.0:\(try Loopback.freePort())")
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("refusing to listen on 0.0.0.0 without --api-keys"), "\(refused.summary)")
    }

    @Test func hostileRequests() async throws {
        let engines = try engines()
        let fixture = try SpoolFixture(
            engines: engines.path, config: ["http": ["max_body_bytes": 65536, "header_timeout_s": 1, "max_header_bytes": 8192]])
        let serve = try await ServeProcess.start(fixture)
        try fixture.drop("victim.json", #"{"engine": "tone", "params": {"seconds": 0.2}}"#)
        _ = try await fixture.runUntilIdle()
        let name = try #require((fixture.json(.done, "victim", "result.json")?["outputs"] as? [[String: Any]])?.first?["path"] as? String)

        func expectError(_ reply: ServeProcess.Reply, _ status: Int, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(reply.status == status, "\(reply.status) \(reply.text)", sourceLocation: sourceLocation)
            #expect(reply.error.message?.contains(message) == true, "\(reply.text)", sourceLocation: sourceLocation)
        }
        // Traversal in {id} and {name}: decoded, then refused.
        for path in ["/v1/jobs/..%2F..%2Fetc", "/v1/jobs/%2E%2E", "/v1/jobs/victim%00", "/v1/jobs/.hidden"] {
            let reply = try await serve.curl(path, ["--path-as-is"])
            #expect([400, 404].contains(reply.status) && reply.error.kind != nil, "\(path): \(reply.status) \(reply.text)")
        }
        for file in ["..%2Fjob.json", "%2E%2E%2F%2E%2E%2Fconfig.json", "job.json", "output%00.wav", ".hidden"] {
            let reply = try await serve.curl("/v1/jobs/victim/outputs/\(file)", ["--path-as-is"])
            #expect([400, 404].contains(reply.status) && reply.error.kind != nil, "\(file): \(reply.status) \(reply.text)")
        }
        // An output swapped for a symlink is not followed.
        let output = fixture.spool.path(of: .done, "victim") + "/" + name
        try FileManager.default.removeItem(atPath: output)
        try FileManager.default.createSymbolicLink(atPath: output, withDestinationPath: "/etc/passwd")
        expectError(try await serve.curl("/v1/jobs/victim/outputs/\(name)"), 404, "no output")

        let post = ["-H", "Content-Type: application/json", "--data-binary"]
        expectError(try await serve.curl("/v1/jobs", post + [#"{"engine": "tone", "#]), 400, "not valid JSON")
        expectError(try await serve.curl("/v1/jobs", post + [#"{"engine": "tone", "ouptut": {}}"#]), 400, "ouptut")
        let unknown = try await serve.curl("/v1/jobs", post + [#"{"engine": "nosuch"}"#])
        expectError(unknown, 400, "nosuch")
        #expect(fixture.entries(.new).isEmpty, "a refused job was delivered")
        expectError(try await serve.curl("/v1/jobs", post + [String(repeating: "x", count: 70000)]), 413, "over the limit")
        let header = try await serve.curl("/v1/jobs", ["-H", "X-Big: " + String(repeating: "a", count: 9000)])
        #expect(header.status == 431 && header.error.kind == "too_large", "\(header.status) \(header.text)")

        // A slow client: half a request head, then nothing. The server hangs up.
        let slow = try SlowClient(port: serve.port)
        try slow.send("GET /v1/jobs HTTP/1.1\r\nHost: x\r\n")
        let closedAfter = try slow.secondsUntilClosed(limit: 10)
        #expect(closedAfter < 5, "a slow client held its connection for \(closedAfter) s")

        let route = try await serve.curl("/v1/nothing")
        #expect(route.status == 404 && route.error.kind == "not_found")
        #expect(try await serve.curl("/healthz").status == 200, "the server did not survive")
    }
}

/// schemathesis (an independent fuzzer) against the live server's own
/// /openapi.json: every check, bounded examples, no failure.
@Suite(.timeLimit(.minutes(5))) struct HTTPServeSchemathesisTests {
    @Test func schemathesisFindsNothing() async throws {
        let schemathesis = try await TestTools.program("schemathesis", in: "schemathesis")
        let engines = try EngineVariants()
        try engines.add("tone", from: Repository.engines + "/tone")
        let fixture = try SpoolFixture(engines: engines.path, config: ["http": ["speech_timeout_s": 5, "max_body_bytes": 1 << 20]])
        let keys = fixture.directory.file("keys")
        try "fuzz:fuzz-secret-key-00001\n".write(toFile: keys, atomically: true, encoding: .utf8)
        // A real supervisor, so /readyz is ready and submitted jobs run.
        let supervisor = try await fixture.startSupervisor()
        let serve = try await ServeProcess.start(fixture, ["--api-keys", keys])
        let run = try await ChildProcess.run(
            schemathesis,
            [
                "--config-file", Repository.root + "/Tests/Tools/schemathesis/schemathesis.toml",
                "run", serve.base + "/openapi.json", "--url", serve.base, "--checks", "all", "--max-examples", "25",
                "--header", "Authorization: Bearer fuzz-secret-key-00001", "--seed", "16",
            ],
            // Its cache (.schemathesis/) goes in the test's folder, not the repository.
            environment: ["SCHEMATHESIS_HOOKS": "", "NO_COLOR": "1"], directory: fixture.directory.path)
        #expect(run.status == 0, "\(run.stdout.suffix(6000))")
        #expect(try await serve.curl("/healthz").status == 200)
        supervisor.signal(SIGKILL)
    }
}

/// The official OpenAI client against serve, with the real Piper voice.
@Suite(.timeLimit(.minutes(5))) struct HTTPServeOpenAITests {
    @Test func theOpenAIClientSpeaksAndStreams() async throws {
        let python = try await TestTools.program("python", in: "openai")
        let fixture = try SpoolFixture(config: ["tts_engine": "piper", "concurrency": 2])
        let supervisor = try await fixture.startSupervisor()
        let serve = try await ServeProcess.start(fixture)
        let sentences = [
            "It was a bright cold day in April, and the clocks were striking thirteen.",
            "Winston Smith slipped quickly through the glass doors of Victory Mansions.",
            "The hallway smelt of boiled cabbage and old rag mats.",
            "At one end of it a coloured poster, too large for indoor display, had been tacked to the wall.",
            "It depicted simply an enormous face, more than a metre wide.",
            "Winston made for the stairs, since it was no use trying the lift.",
            "Even at the best of times it was seldom working.",
            "The flat was seven flights up, and Winston, who was thirty-nine, went slowly.",
        ]
        let long = (sentences + sentences).joined(separator: " ")
        let textFile = fixture.directory.file("long.txt")
        try long.write(toFile: textFile, atomically: true, encoding: .utf8)
        let run = try await ChildProcess.run(
            python, [Repository.root + "/Tests/Tools/openai/speech_check.py", serve.base, fixture.directory.path, textFile])
        #expect(run.status == 0, "\(run.summary)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.summary)")

        let short = try await Probe(fixture.directory.file("short.mp3"))
        #expect(short.codec == "mp3" && short.sampleRate == 22050)
        #expect(short.duration > 2 && short.duration < 10, "\(short.duration) s for 14 words")
        #expect((report["opus"] as? String)?.contains("mp3, flac, wav, pcm") == true, "\(report)")
        #expect((report["model"] as? String)?.contains("no-such-model") == true, "\(report)")

        // The first bytes came while the job was still being spoken.
        #expect(report["state_at_first_byte"] as? String != "done", "\(report)")
        let streamed = try await Probe(fixture.directory.file("long.mp3"))
        let words = Double(long.split(separator: " ").count)
        #expect(streamed.duration > words / 4.5 && streamed.duration < words / 1.5, "\(streamed.duration) s for \(words) words")
        supervisor.signal(SIGTERM)
        await supervisor.wait()
    }
}

/// The speech route's bounds, with tone's "tts" task (a beep per word) and
/// no supervisor, so callers wait.
@Suite(.timeLimit(.minutes(2))) struct HTTPServeSpeechLimitTests {
    @Test func tooManyWaitersAndADeepQueueGet429() async throws {
        let engines = try EngineVariants()
        try engines.add("tone", from: Repository.engines + "/tone")
        let fixture = try SpoolFixture(
            engines: engines.path, config: ["http": ["max_speech_waiters": 1, "speech_timeout_s": 4, "retry_after_s": 7, "max_queue_depth": 1]])
        let serve = try await ServeProcess.start(fixture)
        let body = ["-H", "Content-Type: application/json", "--data-binary", #"{"model": "tone", "input": "one two three", "voice": "alloy"}"#]
        async let waiting = serve.curl("/v1/audio/speech", body)
        try await waitUntil("the first caller's job is delivered") { !fixture.entries(.new).isEmpty }
        let refused = try await serve.curl("/v1/audio/speech", body)
        #expect(refused.status == 429, "\(refused.text)")
        #expect(refused.headers["retry-after"] == "7")
        #expect((refused.json["error"] as? [String: Any])?["type"] as? String == "rate_limit_error", "\(refused.text)")
        let timedOut = try await waiting
        #expect(timedOut.status == 504, "\(timedOut.text)")
        // Two jobs now wait in new/, over max_queue_depth.
        try fixture.drop("other.json", #"{"engine": "tone"}"#)
        let deep = try await serve.curl("/v1/audio/speech", body)
        #expect(deep.status == 429 && (deep.json["error"] as? [String: Any])?["message"].map { "\($0)" }?.contains("max_queue_depth") == true, "\(deep.text)")
        let format = try await serve.curl("/v1/audio/speech", ["-H", "Content-Type: application/json", "--data-binary", #"{"model": "tone", "input": "hi", "response_format": "aac"}"#])
        #expect(format.status == 400 && format.text.contains("mp3, flac, wav, pcm"), "\(format.text)")
    }
}

/// A raw TCP client that sends part of a request and waits.
final class SlowClient {
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else { throw CocoaError(.fileReadUnknown) }
    }

    deinit { close(fd) }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        guard write(fd, bytes, bytes.count) == bytes.count else { throw CocoaError(.fileWriteUnknown) }
    }

    /// Seconds until the server closes the connection (reads until EOF).
    func secondsUntilClosed(limit: Double) throws -> Double {
        try drip(byte: nil, every: 0.2, limit: limit).seconds
    }

    /// Sends `byte` every `every` seconds (nothing, if nil) until the server
    /// closes the connection: the seconds that took, and what it answered.
    func drip(byte: Character?, every: Double, limit: Double) throws -> (seconds: Double, answer: String) {
        let start = Date()
        var answer = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        var pollfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while Date().timeIntervalSince(start) < limit {
            if poll(&pollfd, 1, Int32(every * 1000)) > 0 {
                let count = read(fd, &buffer, buffer.count)
                if count <= 0 { return (Date().timeIntervalSince(start), String(decoding: answer, as: UTF8.self)) }
                answer.append(contentsOf: buffer[0..<count])
            } else if let byte {
                let bytes = Array(String(byte).utf8)
                // A refused write means the server has hung up: read what it said.
                _ = Glibc.send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL))
            }
        }
        return (limit, String(decoding: answer, as: UTF8.self))
    }
}
