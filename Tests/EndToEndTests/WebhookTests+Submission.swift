import AudioSpoolTestKit
import Basics
import Foundation
import Glibc
import Spool
import Testing

/// Webhooks at the edges of a job's life: refused when submitted off the
/// allow-list, sent for a job cancelled before it ran, and sent once when
/// two supervisors share the spool.
@Suite(.timeLimit(.minutes(3))) struct WebhookSubmissionTests {
    /// The spool, and its engines folder (which lives as long as its object).
    private func spool(allowing allow: [String], concurrency: Int = 2) throws -> (SpoolFixture, EngineVariants) {
        let engines = try EngineVariants()
        try engines.add("tone", from: Repository.engines + "/tone")
        return (try SpoolFixture(engines: engines.path, config: [
            "concurrency": concurrency,
            "webhooks": ["allow": allow, "timeout_s": 2, "max_attempts": 3, "backoff_s": 0.1, "backoff_max_s": 1],
        ]), engines)
    }

    @Test func aWebhookOffTheAllowListIsRefusedWhenSubmitted() async throws {
        let (fixture, engines) = try spool(allowing: ["127.0.0.1:9"])
        let serve = try await ServeProcess.start(fixture)
        let refused = #"{"engine": "tone", "params": {"seconds": 0.1}, "webhook": {"url": "http://example.com/hook"}}"#
        let reply = try await serve.curl("/v1/jobs", ["-H", "Content-Type: application/json", "--data-binary", refused])
        #expect(reply.status == 400, "\(reply.text)")
        #expect(reply.error.kind == "bad_input")
        #expect(reply.error.message?.contains("http://example.com/hook is not allowed by config.json's webhooks.allow") == true, "\(reply.text)")

        let file = fixture.directory.file("hooked.json")
        try refused.write(toFile: file, atomically: true, encoding: .utf8)
        let cli = try await fixture.cli("submit", file)
        #expect(cli.status != 0, "\(cli.summary)")
        #expect(cli.stderr.contains("is not allowed by config.json's webhooks.allow"), "\(cli.summary)")
        #expect(fixture.entries(.new).isEmpty, "a refused job was delivered")

        // An allowed one is taken by both.
        let allowed = #"{"engine": "tone", "params": {"seconds": 0.1}, "webhook": {"url": "http://127.0.0.1:9/hook"}}"#
        #expect(try await serve.curl("/v1/jobs", ["-H", "Content-Type: application/json", "--data-binary", allowed]).status == 202)
        try allowed.write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try await fixture.cli("submit", file).status == 0)
        #expect(fixture.entries(.new).count == 2)
        withExtendedLifetime(engines) {}
    }

    @Test func aJobCancelledBeforeItRanSendsItsFailedWebhook() async throws {
        let receiver = try await Receiver.start()
        let (fixture, engines) = try spool(allowing: ["127.0.0.1:\(receiver.port)"])
        try receiver.verifies(with: fixture.spool.state.webhookSecretFile)
        _ = try await fixture.startSupervisor()
        let serve = try await ServeProcess.start(fixture)
        // Both wait in new/ (not before 2099): one is cancelled through serve, one with the CLI.
        func later(_ path: String) -> String {
            #"{"engine": "tone", "params": {"seconds": 0.1}, "not_before": "2099-01-01T00:00:00Z", "webhook": {"url": "\#(receiver.url)/\#(path)", "events": ["failed"]}}"#
        }
        let submitted = try await serve.curl("/v1/jobs", ["-H", "Content-Type: application/json", "--data-binary", later("http")])
        let viaHTTP = try #require(submitted.json["id"] as? String, "\(submitted.text)")
        try fixture.drop("viacli.json", later("cli"))
        try await waitUntil("both wait in new/") { fixture.entries(.new).count == 2 }
        #expect(try await serve.curl("/v1/jobs/\(viaHTTP)", ["-X", "DELETE"]).json["state"] as? String == "cancelled")
        let cancel = try await fixture.cli("cancel", "viacli", engines: false)
        #expect(cancel.status == 0 && cancel.stdout.contains("cancelled before it ran"), "\(cancel.summary)")

        try await waitUntil("both webhooks arrived", timeout: .seconds(60)) { receiver.requests().count == 2 }
        for (id, path) in [(viaHTTP, "/http"), ("viacli", "/cli")] {
            let request = try #require(receiver.requests().first { $0["path"] as? String == path })
            #expect(request["verified"] as? Bool == true, "\(request)")
            let error = try String(contentsOfFile: fixture.spool.path(of: .failed, id) + "/error.json", encoding: .utf8)
            #expect(request["body"] as? String == error)
            #expect(error.contains(#""cancelled""#), "\(error)")
        }
        try await waitUntil("the records are gone") { fixture.pendingWebhooks().isEmpty }
        withExtendedLifetime(engines) {}
    }

    /// Two supervisors (two hosts' names, one spool) finish jobs side by
    /// side; each records the webhooks of its own, and the one that holds
    /// state/webhooks.lock sends them: each exactly once.
    @Test func twoSupervisorsSendEachWebhookOnce() async throws {
        let receiver = try await Receiver.start()
        // One job at a time each, so both take a share of the jobs.
        let (fixture, engines) = try spool(allowing: ["127.0.0.1:\(receiver.port)"], concurrency: 1)
        try receiver.verifies(with: fixture.spool.state.webhookSecretFile)
        _ = try await fixture.startSupervisor("--host", "host-a")
        _ = try await fixture.startSupervisor("--host", "host-b")
        try await waitUntil("both supervisors are up", timeout: .seconds(60)) {
            Set(fixture.spool.supervisorStates().filter { $0.state == "running" }.map(\.host)) == ["host-a", "host-b"]
        }
        let jobs = (0..<12).map { "hook\($0)" }
        for (index, id) in jobs.enumerated() {
            try fixture.drop("\(id).json", #"{"engine": "tone", "params": {"seconds": 0.05, "frequency": \#(300 + index)}, "webhook": {"url": "\#(receiver.url)/\#(id)"}}"#)
        }
        try await waitUntil("every job is done", timeout: .seconds(120)) { fixture.entries(.done).count == jobs.count }
        try await waitUntil("every webhook was delivered", timeout: .seconds(60)) {
            fixture.spool.allEvents().filter { $0.event == .webhookDelivered }.count >= jobs.count
        }
        try await waitUntil("the records are gone") { fixture.pendingWebhooks().isEmpty }
        let events = fixture.spool.allEvents()
        // Both supervisors ran jobs, so both recorded webhooks.
        let finishers = Set(events.filter { $0.event == .done }.map(\.host))
        #expect(finishers.count == 2, "one supervisor ran every job (\(finishers)); the test shows nothing")
        let requests = receiver.requests()
        #expect(requests.count == jobs.count, "\(requests.count) requests for \(jobs.count) webhooks")
        #expect(Set(requests.compactMap { $0["path"] as? String }) == Set(jobs.map { "/" + $0 }))
        #expect(Set(requests.compactMap { $0["id"] as? String }).count == jobs.count)
        let delivered = events.filter { $0.event == .webhookDelivered }
        #expect(delivered.count == jobs.count && Set(delivered.map(\.job)) == Set(jobs))
        withExtendedLifetime(engines) {}
    }
}
