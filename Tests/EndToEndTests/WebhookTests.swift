import AudioSpoolTestKit
import Basics
import Foundation
import Glibc
import Spool
import Testing

/// Webhooks from the real supervisor, for jobs of the real tone engine, to a
/// real receiver on loopback (Tests/Fixtures/Webhooks/receiver.py), which
/// checks each signature itself with Python's hmac.
@Suite(.timeLimit(.minutes(3))) struct WebhookTests {
    @Test func aSignedWebhookCarriesTheResultAndTheError() async throws {
        let receiver = try await Receiver.start()
        let fixture = try webhookSpool(allowing: ["127.0.0.1:\(receiver.port)"])
        try receiver.verifies(with: fixture.spool.state.webhookSecretFile)
        _ = try await fixture.startSupervisor()
        try fixture.drop("ok.json", #"{"engine": "tone", "params": {"seconds": 0.1}, "webhook": {"url": "\#(receiver.url)/done", "events": ["done"]}}"#)
        try fixture.drop("bad.json", #"{"engine": "tone", "task": "nope", "webhook": {"url": "\#(receiver.url)/failed"}}"#)
        try await waitUntil("both webhooks arrived") { receiver.requests().count == 2 }
        let requests = receiver.requests()
        let done = try #require(requests.first { $0["path"] as? String == "/done" })
        let failed = try #require(requests.first { $0["path"] as? String == "/failed" })
        #expect(done["verified"] as? Bool == true, "\(done)")
        #expect(failed["verified"] as? Bool == true, "\(failed)")
        #expect(done["content_type"] as? String == "application/json")
        // The body is result.json, byte for byte; the failure's is error.json.
        let result = try String(contentsOfFile: fixture.spool.path(of: .done, "ok") + "/result.json", encoding: .utf8)
        let error = try String(contentsOfFile: fixture.spool.path(of: .failed, "bad") + "/error.json", encoding: .utf8)
        #expect(done["body"] as? String == result)
        #expect(failed["body"] as? String == error)
        // The secret is the owner's alone.
        var info = stat()
        #expect(lstat(fixture.spool.state.webhookSecretFile, &info) == 0)
        #expect(info.st_mode & S_IFMT == S_IFREG && info.st_mode & 0o777 == 0o600)
        try await waitUntil("the records are gone") { fixture.pendingWebhooks().isEmpty }
        let delivered = fixture.spool.events.read().filter { $0.event == .webhookDelivered }
        #expect(Set(delivered.map(\.job)) == ["ok", "bad"])
        #expect(delivered.allSatisfy { $0.httpStatus == 200 && $0.attempt == 1 })
        #expect(Set(delivered.compactMap(\.webhook)) == Set(requests.compactMap { $0["id"] as? String }))
    }

    @Test func aFailingReceiverIsRetriedUntilItTakesTheWebhook() async throws {
        let receiver = try await Receiver.start("--fail-first", "1")
        let fixture = try webhookSpool(allowing: ["http://127.0.0.1:\(receiver.port)/hooks/"])
        try receiver.verifies(with: fixture.spool.state.webhookSecretFile)
        _ = try await fixture.startSupervisor()
        try fixture.drop("retry.json", #"{"engine": "tone", "params": {"seconds": 0.1}, "webhook": {"url": "\#(receiver.url)/hooks/a"}}"#)
        try await waitUntil("the webhook was delivered") { fixture.spool.events.read().contains { $0.event == .webhookDelivered } }
        let requests = receiver.requests()
        #expect(requests.map { $0["status"] as? Int } == [500, 200])
        #expect(Set(requests.map { $0["id"] as? String }).count == 1, "one webhook, sent twice")
        #expect(requests.allSatisfy { $0["verified"] as? Bool == true })
        #expect(fixture.events(of: "retry").suffix(2) == ["webhook_failed", "webhook_delivered"])
        let failedAttempt = try #require(fixture.spool.events.read().first { $0.event == .webhookFailed })
        #expect(failedAttempt.httpStatus == 500)
        #expect(failedAttempt.retryAt != nil)
    }

    @Test func aDisallowedDestinationIsNeverCalled() async throws {
        let receiver = try await Receiver.start()
        // Each job names the receiver, in a way the allow-list does not allow.
        let fixture = try webhookSpool(allowing: ["localhost:\(receiver.port)", "http://127.0.0.1:\(receiver.port)/allowed/"])
        _ = try await fixture.startSupervisor()
        let urls = [
            "address": "\(receiver.url)/x",  // the host entry names localhost, not its address
            "scheme": "https://127.0.0.1:\(receiver.port)/allowed/x",
            "dots": "\(receiver.url)/allowed/../x",
        ]
        for (id, url) in urls {
            try fixture.drop("\(id).json", #"{"engine": "tone", "params": {"seconds": 0.1}, "webhook": {"url": "\#(url)"}}"#)
        }
        for id in urls.keys {
            try await fixture.waitFor(id, in: .failed)
            let error = try #require(fixture.json(.failed, id, "error.json")?["error"] as? [String: Any])
            #expect(error["kind"] as? String == "bad_input")
            let message = try #require(error["message"] as? String)
            #expect(message.contains("webhook.url") && message.contains("is not allowed by config.json's webhooks.allow"), "\(message)")
        }
        #expect(fixture.entries(.done).isEmpty, "refused before running")
        // Give a stray delivery every chance to show.
        try await Task.sleep(for: .seconds(1))
        #expect(receiver.requests().isEmpty)
        #expect(fixture.pendingWebhooks().isEmpty)
        #expect(fixture.spool.events.read().filter { $0.event == .webhookRefused }.count == urls.count)
    }

    /// This host's name, allow-listed, resolves to loopback (on this
    /// machine's /etc/hosts): the resolved-address check stops it.
    @Test(.enabled(if: Self.hostNameIsLoopback(), "this host's name does not resolve to loopback here"))
    func aNameThatResolvesToThisHostIsNeverCalled() async throws {
        let receiver = try await Receiver.start()
        let host = HostIdentity.name
        let fixture = try webhookSpool(allowing: ["\(host):\(receiver.port)"], maxAttempts: 2)
        _ = try await fixture.startSupervisor()
        try fixture.drop("named.json", #"{"engine": "tone", "params": {"seconds": 0.1}, "webhook": {"url": "http://\#(host):\#(receiver.port)/x"}}"#)
        try await waitUntil("the webhook was given up") { fixture.spool.events.read().contains { $0.event == .webhookGaveUp } }
        #expect(fixture.entries(.done) == ["named"], "allowed at the claim, by name")
        let gaveUp = try #require(fixture.spool.events.read().first { $0.event == .webhookGaveUp })
        #expect(gaveUp.message?.contains("(loopback)") == true, "\(gaveUp.message ?? "")")
        #expect(receiver.requests().isEmpty)
    }

    static func hostNameIsLoopback() -> Bool {
        guard HostIdentity.name != "localhost", !HostIdentity.name.hasSuffix(".localhost") else { return false }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(HostIdentity.name, nil, &hints, &list) == 0, let first = list else { return false }
        defer { freeaddrinfo(first) }
        guard let address = first.pointee.ai_addr, Int32(address.pointee.sa_family) == AF_INET else { return false }
        let ipv4 = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr.s_addr }
        return withUnsafeBytes(of: ipv4) { $0[0] } == 127
    }

    @Test func aRedirectIsNotFollowed() async throws {
        let elsewhere = try await Receiver.start()
        let redirecting = try await Receiver.start("--redirect", "\(elsewhere.url)/stolen")
        // Both are allowed: a redirect is refused even to an allowed place.
        let fixture = try webhookSpool(allowing: ["127.0.0.1:\(redirecting.port)", "127.0.0.1:\(elsewhere.port)"], maxAttempts: 2)
        _ = try await fixture.startSupervisor()
        try fixture.drop("moved.json", #"{"engine": "tone", "params": {"seconds": 0.1}, "webhook": {"url": "\#(redirecting.url)/hook"}}"#)
        try await waitUntil("the webhook was given up") { fixture.spool.events.read().contains { $0.event == .webhookGaveUp } }
        #expect(redirecting.requests().count == 2)
        #expect(elsewhere.requests().isEmpty)
        let gaveUp = try #require(fixture.spool.events.read().first { $0.event == .webhookGaveUp })
        #expect(gaveUp.httpStatus == 302)
        #expect(gaveUp.message?.contains("redirects are never followed") == true, "\(gaveUp.message ?? "")")
        #expect(fixture.pendingWebhooks().isEmpty)
    }

    @Test func aPendingWebhookIsDeliveredAfterTheSupervisorIsKilled() async throws {
        // A port with nobody on it: the receiver is down.
        let port = try await Receiver.start().stopAndFreePort()
        let fixture = try webhookSpool(allowing: ["127.0.0.1:\(port)"], backoffSeconds: 600)
        let first = try await fixture.startSupervisor()
        try fixture.drop("later.json", #"{"engine": "tone", "params": {"seconds": 0.1}, "webhook": {"url": "http://127.0.0.1:\#(port)/hook"}}"#)
        try await waitUntil("the first attempt failed") { fixture.spool.events.read().contains { $0.event == .webhookFailed } }
        #expect(fixture.pendingWebhooks().count == 1)
        first.signal(SIGKILL)
        await first.wait()
        let receiver = try await Receiver.start("--port", "\(port)")
        try receiver.verifies(with: fixture.spool.state.webhookSecretFile)
        // The next attempt was due in ten minutes; a starting supervisor resumes at once.
        _ = try await fixture.startSupervisor()
        try await waitUntil("the webhook arrived after the restart") { receiver.requests().count == 1 }
        let request = try #require(receiver.requests().first)
        #expect(request["verified"] as? Bool == true)
        #expect(request["body"] as? String == (try String(contentsOfFile: fixture.spool.path(of: .done, "later") + "/result.json", encoding: .utf8)))
        try await waitUntil("the record is gone") { fixture.pendingWebhooks().isEmpty }
        let delivered = try #require(fixture.spool.events.read().first { $0.event == .webhookDelivered })
        #expect(delivered.attempt == 2)
    }

    private func webhookSpool(allowing allow: [String], maxAttempts: Int = 5, backoffSeconds: Double = 0.1) throws -> SpoolFixture {
        try SpoolFixture(config: [
            "webhooks": ["allow": allow, "timeout_s": 2, "max_attempts": maxAttempts, "backoff_s": backoffSeconds, "backoff_max_s": 600]
        ])
    }
}

extension SpoolFixture {
    func pendingWebhooks() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: spool.state.webhooks)) ?? []).filter { !$0.hasPrefix(".") }
    }
}

/// Tests/Fixtures/Webhooks/receiver.py, on a port of its own on 127.0.0.1.
final class Receiver: Sendable {
    let directory: TemporaryDirectory
    let process: ChildProcess
    let port: Int

    var url: String { "http://127.0.0.1:\(port)" }

    private init(process: ChildProcess, port: Int, directory: TemporaryDirectory) {
        self.process = process
        self.port = port
        self.directory = directory
    }

    /// The receiver checks signatures with the key in this file (the
    /// spool's state/webhook-secret, which the supervisor makes on first use).
    func verifies(with secretFile: String) throws {
        try FileManager.default.createSymbolicLink(atPath: directory.path + "/secret", withDestinationPath: secretFile)
    }

    static func start(_ arguments: String...) async throws -> Receiver {
        let directory = TemporaryDirectory()
        let portFile = directory.path + "/port"
        let process = try await ChildProcess.start(
            "/usr/bin/python3",
            [Repository.root + "/Tests/Fixtures/Webhooks/receiver.py", "--port-file", portFile, "--log", directory.path + "/requests.jsonl",
             "--secret-file", directory.path + "/secret"] + arguments)
        try await waitUntil("the receiver listens") { FileManager.default.fileExists(atPath: portFile) }
        let port = try #require(Int(try String(contentsOfFile: portFile, encoding: .utf8)))
        return Receiver(process: process, port: port, directory: directory)
    }

    /// Stops the receiver; its port is then free (nothing listens on it).
    func stopAndFreePort() async -> Int {
        process.signal(SIGKILL)
        await process.wait()
        return port
    }

    /// Every request so far, oldest first.
    func requests() -> [[String: Any]] {
        guard let text = try? String(contentsOfFile: directory.path + "/requests.jsonl", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    deinit {
        process.signal(SIGKILL)
    }
}
