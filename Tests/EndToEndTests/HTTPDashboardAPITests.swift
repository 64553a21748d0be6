import AudioSpoolTestKit
import Foundation
import Glibc
import Spool
import Testing

/// What the dashboard needs of `serve`, over real HTTP with curl: its
/// files with a strict policy, the one event stream of every job (by
/// tenant), the farm, and what a form offers.
@Suite(.timeLimit(.minutes(5))) struct HTTPDashboardAPITests {
    func engines() throws -> EngineVariants {
        let engines = try EngineVariants()
        try engines.add("tone", from: Repository.engines + "/tone")
        try engines.add("echo-input", from: Repository.fixtureEngines + "/echo-input")
        return engines
    }

    @Test func thePageIsServedUnderAStrictPolicy() async throws {
        let engines = try engines()
        let fixture = try SpoolFixture(engines: engines.path)
        let serve = try await ServeProcess.start(fixture)
        let page = try await serve.curl("/")
        #expect(page.status == 200 && page.headers["content-type"] == "text/html; charset=utf-8", "\(page.headers)")
        let policy = try #require(page.headers["content-security-policy"])
        for directive in ["default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "connect-src 'self'"] {
            #expect(policy.contains(directive), "\(policy)")
        }
        #expect(!policy.contains("unsafe-inline") && !policy.contains("unsafe-eval"))
        #expect(page.headers["x-content-type-options"] == "nosniff")
        // Nothing inline that the policy would block: every script has a src and no body, no style or on… attributes.
        let html = page.text
        let scripts = html.components(separatedBy: "<script").dropFirst()
        var scriptNames: [String] = []
        for script in scripts {
            let tag = try #require(script.firstMatch(of: #/^ src="/dashboard/([a-z]+\.js)" defer></script>/#), "\(script.prefix(80))")
            scriptNames.append(String(tag.1))
        }
        #expect(scriptNames.first == "page.js" && scriptNames.last == "dashboard.js", "state first, wiring last: \(scriptNames)")
        #expect(html.range(of: #"\s(style|on[a-z]+)\s*="#, options: .regularExpression) == nil)
        #expect(!html.contains("<style"))

        let files = scriptNames.map { ($0, "text/javascript") } + [("dashboard.css", "text/css"), ("favicon.svg", "image/svg+xml")]
        for (name, type) in files {
            let file = try await serve.curl("/dashboard/" + name)
            #expect(file.status == 200 && file.headers["content-type"]?.hasPrefix(type) == true, "\(name): \(file.headers)")
            #expect(file.headers["content-security-policy"] == policy && file.headers["x-content-type-options"] == "nosniff")
            let etag = try #require(file.headers["etag"])
            #expect(try await serve.curl("/dashboard/" + name, ["-H", "If-None-Match: \(etag)"]).status == 304)
        }
        // The scripts build no HTML from strings.
        for name in scriptNames {
            let script = try await serve.curl("/dashboard/" + name)
            for sink in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("] {
                #expect(!script.text.contains(sink), "\(name) uses \(sink)")
            }
        }
        // The contract is compiled in as well (an installed binary has no resource folder): the file, byte for byte.
        let contract = try await serve.curl("/openapi.json")
        #expect(contract.body == FileManager.default.contents(atPath: Repository.root + "/Sources/HTTPAPI/openapi.json"))
        let missing = try await serve.curl("/dashboard/openapi.json")
        #expect(missing.status == 404 && missing.error.kind == "not_found")
        #expect(try await serve.curl("/dashboard/..%2Fopenapi.json").status == 404)
    }

    @Test func oneStreamFollowsEveryJobOfItsTenant() async throws {
        let engines = try engines()
        let fixture = try SpoolFixture(engines: engines.path, config: ["tts_engine": "tone", "separation_engine": "echo-input", "gpus": ["fake": 1]])
        let keys = fixture.directory.file("keys")
        try "alice:alice-secret-key-0001\nbob:bob-secret-key-000002\nops:ops-secret-key-000003:admin\n"
            .write(toFile: keys, atomically: true, encoding: .utf8)
        let supervisor = try await fixture.startSupervisor()
        let serve = try await ServeProcess.start(fixture, ["--api-keys", keys])
        #expect(try await serve.curl("/v1/events").status == 401)
        #expect(try await serve.curl("/v1/farm").status == 401)

        let streams = try await [
            EventStream(serve, key: "alice-secret-key-0001", in: fixture), EventStream(serve, key: "bob-secret-key-000002", in: fixture),
            EventStream(serve, key: "ops-secret-key-000003", in: fixture),
        ]
        for stream in streams { try await waitUntil("the stream is ready") { stream.text.hasPrefix("event: ready\n") } }
        let (alice, bob, ops) = (streams[0], streams[1], streams[2])

        func submit(_ job: String, key: String) async throws -> String {
            let reply = try await serve.curl("/v1/jobs", ["-H", "Content-Type: application/json", "--data-binary", job], key: key)
            return try #require(reply.json["id"] as? String, "\(reply.text)")
        }
        // Alice's beeps take a second or two (pace), so the stream sees them run.
        let alices = try await submit(#"{"engine": "tone", "task": "tts", "text": "one two three four five six", "params": {"pace": 0.5}}"#, key: "alice-secret-key-0001")
        let bobs = try await submit(#"{"engine": "tone", "params": {"seconds": 0.2}}"#, key: "bob-secret-key-000002")
        for (stream, id) in [(alice, alices), (bob, bobs), (ops, alices), (ops, bobs)] {
            try await waitUntil("\(id) is done on a stream", timeout: .seconds(90)) { stream.events(of: id).contains { $0["state"] as? String == "done" } }
        }
        #expect(!alice.text.contains(bobs) && !bob.text.contains(alices), "a stream showed another tenant's job")
        let seen = alice.events(of: alices)
        #expect(seen.contains { $0["state"] as? String == "running" }, "\(seen)")
        #expect(seen.contains { ($0["progress"] as? Double ?? 0) > 0 && ($0["progress"] as? Double ?? 1) < 1 }, "no progress between 0 and 1: \(seen)")
        // The done event carries what a card shows: the result and the output links, and the text.
        let done = try #require(seen.last)
        #expect((done["links"] as? [String: Any])?["outputs"] is [String: Any])
        #expect(done["text_preview"] as? String == "one two three four five six")
        #expect((done["metadata"] as? [String: Any])?["submitted_by"] as? String == "alice")

        // A job removed from done/ is `removed` on the streams that showed it.
        try FileManager.default.removeItem(atPath: fixture.spool.path(of: .done, bobs))
        try await waitUntil("bob's stream says it was removed", timeout: .seconds(30)) { bob.text.contains(#"event: removed"# + "\n" + #"data: {"id":"\#(bobs)"}"#) }
        #expect(!alice.text.contains("event: removed"))

        // The farm: this supervisor, live, with tone; the fake GPU's slot.
        let farm = try await serve.curl("/v1/farm", key: "bob-secret-key-000002")
        #expect(farm.status == 200, "\(farm.text)")
        let supervisors = try #require(farm.json["supervisors"] as? [[String: Any]])
        #expect(supervisors.count == 1 && supervisors.first?["live"] as? Bool == true, "\(farm.text)")
        #expect(((supervisors.first?["engines"] as? [[String: Any]]) ?? []).contains { $0["name"] as? String == "tone" }, "\(farm.text)")
        #expect((supervisors.first?["heartbeat_age_s"] as? Double ?? 99) < 15)
        let hosts = try #require(farm.json["gpus"] as? [String: [String: Any]])
        let slots = hosts.values.flatMap { $0["slots"] as? [[String: Any]] ?? [] }
        #expect(slots.count == 1 && slots.first?["held"] as? Bool == false, "\(farm.text)")

        // What a form offers: the formats and presets a job may ask for, and where dropped files go.
        let offered = try await serve.curl("/v1/engines", key: "alice-secret-key-0001")
        #expect((offered.json["formats"] as? [String])?.contains("mp3") == true)
        #expect(offered.json["loudness_presets"] as? [String] == ["podcast", "audiobook", "broadcast"])
        #expect(offered.json["tts_engine"] as? String == "tone" && offered.json["separation_engine"] as? String == "echo-input")
        for stream in streams { stream.stop() }
        supervisor.signal(SIGTERM)
        await supervisor.wait()
    }
}

/// `curl -N` on /v1/events, its output in a file read while it runs.
final class EventStream: Sendable {
    let process: ChildProcess
    let file: String

    init(_ serve: ServeProcess, key: String, in fixture: SpoolFixture) async throws {
        file = fixture.directory.file("events-\(UUID().uuidString)")
        process = try await ChildProcess.start(
            "/usr/bin/curl", ["-sN", "-o", file, "-H", "Authorization: Bearer \(key)", serve.base + "/v1/events"])
    }

    var text: String { (try? String(contentsOfFile: file, encoding: .utf8)) ?? "" }

    /// The `job` events' documents of one job, in order.
    func events(of id: String) -> [[String: Any]] {
        text.components(separatedBy: "\n\n").compactMap { block -> [String: Any]? in
            guard block.hasPrefix("event: job\ndata: ") else { return nil }
            let data = Data(block.dropFirst("event: job\ndata: ".count).utf8)
            guard let job = try? JSONSerialization.jsonObject(with: data) as? [String: Any], job["id"] as? String == id else { return nil }
            return job
        }
    }

    func stop() {
        process.signal(SIGTERM)
    }

    deinit {
        process.signal(SIGKILL)
    }
}
