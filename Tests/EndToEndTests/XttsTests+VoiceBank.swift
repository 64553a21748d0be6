import AudioSpoolTestKit
import Foundation
import Glibc
import Testing

extension HeavyEngineTests.XttsTests {
    /// A voice saved once in the spool's bank: jobs name it, its latents are
    /// computed by the first engine process and loaded by the next (a second
    /// supervisor on the same spool), an unknown name fails listing the saved
    /// ones, and removing it empties the bank.
    @Test func aSavedVoiceIsUsedByNameAndItsLatentsOutliveTheEngine() async throws {
        let fixture = try await fixture()
        let sources = TemporaryDirectory()
        try reference(sources.file("me.wav"), seconds: 2)
        let added = try await fixture.cli("voices", "add", "me", sources.file("me.wav"))
        #expect(added.status == 0, "\(added.summary)")
        let folder = fixture.spool.voices + "/xtts/me"
        let decoded = try Audio(folder + "/reference.wav")
        #expect(decoded.properties.sampleRate == 22050 && decoded.properties.channels == 1, "\(decoded.properties)")
        let again = try await fixture.cli("voices", "add", "me", sources.file("me.wav"))
        #expect(again.status != 0 && again.stderr.contains("exists"), "\(again.summary)")
        let hidden = try await fixture.cli("voices", "add", "../up", sources.file("me.wav"))
        #expect(hidden.status != 0 && hidden.stderr.contains("cannot name a voice"), "\(hidden.summary)")
        let listed = try await fixture.cli("voices", "list", "--json", engines: false)
        #expect(listed.stdout.contains("\"me\""), "\(listed.summary)")

        let first = try await fixture.submit("--engine", "xtts", "--text", "Hello there.", "--param", "voice=me")
        let unknown = try await fixture.submit("--engine", "xtts", "--text", "Hello.", "--param", "voice=nobody")
        _ = try await fixture.runUntilIdle()
        #expect(fixture.json(.done, first, "result.json") != nil, "\(fixture.entries(.failed))")
        let error = try #require(fixture.json(.failed, unknown, "error.json")?["error"] as? [String: Any])
        #expect(error["kind"] as? String == "bad_input", "\(error)")
        #expect((error["message"] as? String)?.contains("unknown voice 'nobody'; saved voices: me") == true, "\(error)")
        let latents = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix("latents-") && $0.hasSuffix(".pt") }
        #expect(latents.count == 1, "\(latents)")

        // A second supervisor, so a second engine process: it loads the latents.
        let second = try await fixture.submit("--engine", "xtts", "--text", "Hello again.", "--param", "voice=me")
        _ = try await fixture.runUntilIdle()
        #expect(fixture.json(.done, second, "result.json") != nil, "\(fixture.entries(.failed))")
        let log = try String(contentsOfFile: fixture.spool.state.log(engine: "xtts"), encoding: .utf8)
        #expect(log.components(separatedBy: "voice me (").count - 1 == 1, "analysed once: \(log.suffix(3000))")
        #expect(log.components(separatedBy: "voice me latents loaded from the bank").count - 1 == 1, "\(log.suffix(3000))")

        // The handshake lists the saved voice after the model's own.
        let handshake = try await fixture.cli("engines", "voices", "xtts", "--json")
        let reported = try JSONSerialization.jsonObject(with: Data(handshake.stdout.utf8)) as? [String: [[String: Any]]]
        #expect(reported?["xtts"]?.compactMap { $0["id"] as? String } == ["xtts_v2", "me"], "\(handshake.summary)")

        let removed = try await fixture.cli("voices", "remove", "me", engines: false)
        #expect(removed.status == 0, "\(removed.summary)")
        #expect(!FileManager.default.fileExists(atPath: folder))
        let empty = try await fixture.cli("voices", "list", "--json", engines: false)
        #expect(!empty.stdout.contains("\"me\""), "\(empty.summary)")
    }

    /// A voice added while supervisors run: the running supervisor lists it
    /// (supervisor.json, so `GET /v1/audio/voices`) and so does `engines
    /// voices`, without a restart, and a job uses it at once. Two
    /// supervisors on the spool (hosts a and b) share the one bank: the
    /// latents a computed, b loads (each host's engine log says which), and
    /// a removed voice leaves the lists.
    @Test func aVoiceAddedWhileSupervisorsRunIsListedAndItsLatentsSharedByHosts() async throws {
        let fixture = try await fixture()
        let sources = TemporaryDirectory()
        try reference(sources.file("me.wav"), seconds: 2)
        let a = try await fixture.startSupervisor("--host", "a")
        defer { a.signal(SIGKILL) }
        // a's engine is running before the voice exists.
        let warm = try await fixture.submit("--engine", "xtts", "--text", "Hello.", "--input", "reference=" + sources.file("me.wav"))
        try await fixture.waitFor(warm, in: .done, timeout: .seconds(300))
        func listed(_ host: String) -> [String]? {
            fixture.spool.supervisorState(ofHost: host)?.state.engines.first { $0.name == "xtts" }?.voices
        }
        try await waitUntil("a lists the model's voice") { listed("a") == ["xtts_v2"] }
        let serve = try await ServeProcess.start(fixture)

        let added = try await fixture.cli("voices", "add", "late", sources.file("me.wav"))
        #expect(added.status == 0, "\(added.summary)")
        try await waitUntil("a lists the voice added while it runs", timeout: .seconds(20)) { listed("a") == ["xtts_v2", "late"] }
        let http = try await serve.curl("/v1/audio/voices")
        let engines = http.json["engines"] as? [String: Any]
        #expect((engines?["xtts"] as? [String: Any])?["voices"] as? [String] == ["late", "xtts_v2"], "\(http.text)")
        let handshake = try await fixture.cli("engines", "voices", "xtts", "--json")
        #expect(handshake.stdout.contains("\"late\""), "\(handshake.summary)")

        let first = try await fixture.submit("--engine", "xtts", "--text", "Hello there.", "--param", "voice=late")
        try await fixture.waitFor(first, in: .done, timeout: .seconds(300))
        a.signal(SIGTERM)
        #expect(await a.wait().status == 0)
        let logA = try String(contentsOfFile: fixture.spool.state.host("a").log(engine: "xtts"), encoding: .utf8)
        #expect(logA.components(separatedBy: "voice late (").count - 1 == 1, "a saves the latents to the bank (it analysed the same recording as the warm job's reference): \(logA.suffix(3000))")
        #expect(logA.components(separatedBy: "xtts on ").count - 1 == 1, "a's one engine served both jobs: \(logA.suffix(3000))")

        let b = try await fixture.startSupervisor("--host", "b")
        defer { b.signal(SIGKILL) }
        let second = try await fixture.submit("--engine", "xtts", "--text", "Hello again.", "--param", "voice=late")
        try await fixture.waitFor(second, in: .done, timeout: .seconds(300))
        let logB = try String(contentsOfFile: fixture.spool.state.host("b").log(engine: "xtts"), encoding: .utf8)
        #expect(logB.contains("voice late latents loaded from the bank"), "\(logB.suffix(3000))")
        #expect(!logB.contains("voice late ("), "b must not compute them again: \(logB.suffix(3000))")

        let removed = try await fixture.cli("voices", "remove", "late", engines: false)
        #expect(removed.status == 0, "\(removed.summary)")
        try await waitUntil("b no longer lists the removed voice", timeout: .seconds(20)) { listed("b") == ["xtts_v2"] }
        b.signal(SIGTERM)
        _ = await b.wait()
        serve.process.signal(SIGTERM)
    }
}
