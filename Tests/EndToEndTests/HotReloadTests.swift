import AudioSpoolTestKit
import Basics
import Foundation
import Glibc
import Spool
import Testing

/// A running supervisor picks up new and changed engine folders: new jobs
/// use the new version, a running job finishes on the old instance, which
/// then shuts down.
@Suite(.timeLimit(.minutes(3))) struct HotReloadTests {
    /// An engine folder running the from-protocol engine, reporting `version`.
    static func writeEngine(_ directory: TemporaryDirectory, _ name: String, version: String) throws {
        let manifest = """
            {"version": "\(version)", "command": ["python3", "\(Repository.fixtureEngines)/from-protocol/engine.py"],
             "tasks": {"tts": {"text": "required"}}, "instances": {"max": 1}, "env": {"VERSION": "\(version)"},
             "timeouts": {"start_s": 20, "shutdown_s": 2}}
            """
        try FileManager.default.createDirectory(atPath: directory.file(name), withIntermediateDirectories: true)
        // Written aside and renamed, as an operator's deploy would.
        let staging = directory.file(name + "/.engine.json.tmp")
        try Data(manifest.utf8).write(to: URL(fileURLWithPath: staging))
        #expect(rename(staging, directory.file(name + "/engine.json")) == 0)
    }

    static func version(_ fixture: SpoolFixture, _ id: String) -> String? {
        (fixture.json(.done, id, "result.json")?["engine"] as? [String: Any])?["version"] as? String
    }

    @Test func newJobsUseTheNewVersionWhileARunningJobFinishesOnTheOld() async throws {
        let engines = TemporaryDirectory(prefix: "audiospool-engines")
        try Self.writeEngine(engines, "echo", version: "1")
        let fixture = try SpoolFixture(engines: engines.path)
        let supervisor = try await fixture.startSupervisor()

        // About 6 s of work (0.02 s a word), so it is still running across the change.
        let long = Array(repeating: "word", count: 300).joined(separator: " ")
        try fixture.drop("long.json", #"{"engine": "echo", "text": "\#(long)"}"#)
        try await waitUntil("long is running") { (fixture.json(.cur, "long", "status.json")?["progress"] as? Double ?? 0) > 0 }
        let supervisorPID = try #require(supervisor.pid)
        let oldEngine = try #require(try await children(of: supervisorPID).first)

        try Self.writeEngine(engines, "echo", version: "2")
        try Self.writeEngine(engines, "fresh", version: "7")
        // Written after echo's, so once fresh is loaded echo v2 is too.
        try await waitUntil("the supervisor has loaded fresh", timeout: .seconds(20)) {
            fixture.spool.supervisorState()?.engines.contains { $0.name == "fresh" } == true
        }
        try fixture.drop("short.json", #"{"engine": "echo", "text": "two words"}"#)
        try fixture.drop("new-engine.json", #"{"engine": "fresh", "text": "hello"}"#)

        try await fixture.waitFor("short", in: .done)
        try await fixture.waitFor("new-engine", in: .done)
        #expect(Self.version(fixture, "short") == "2")
        #expect(Self.version(fixture, "new-engine") == "7")
        // The old instance counts against the limit of 1 until it is gone, so
        // "short" waited for "long", which finished where it started.
        try await fixture.waitFor("long", in: .done)
        #expect(Self.version(fixture, "long") == "1")
        #expect(fixture.json(.done, "long", "result.json")?["attempts"] as? Int == 1, "the reload did not interrupt it")
        // Drained, the old instance shuts down; the new ones stay.
        try await waitUntil("the old instance exited") { kill(oldEngine, 0) != 0 || Self.isZombie(oldEngine) }
        #expect(try await children(of: supervisorPID).count == 2)

        supervisor.signal(SIGTERM)
        let exit = await supervisor.wait()
        #expect(exit.status == 0, "\(exit.summary)")
        #expect(exit.stderr.contains("engine loaded"), "\(exit.stderr)")
    }

    /// `"watch": "poll"` (what `auto` picks on a network file system): new
    /// jobs, cancel requests and engine changes are all found by looking,
    /// with inotify unused and the safety-net rescan an hour away.
    @Test func inPollModeNewJobsCancelsAndEnginesAreFoundByLooking() async throws {
        let engines = TemporaryDirectory(prefix: "audiospool-engines")
        try Self.writeEngine(engines, "echo", version: "1")
        let fixture = try SpoolFixture(engines: engines.path, config: ["watch": "poll", "poll_interval_ms": 100, "rescan_interval_s": 3600])
        let supervisor = try await fixture.startSupervisor()
        try await waitUntil("supervisor.json says it polls", timeout: .seconds(30)) {
            fixture.spool.supervisorState()?.watch == WatchMode.Resolved(mode: .poll, intervalMilliseconds: 100, reason: "config.json")
        }
        try fixture.drop("first.json", #"{"engine": "echo", "text": "found by a poll"}"#)
        try await fixture.waitFor("first", in: .done, timeout: .seconds(30))

        let long = Array(repeating: "word", count: 1000).joined(separator: " ")
        try fixture.drop("long.json", #"{"engine": "echo", "text": "\#(long)"}"#)
        try await waitUntil("long is running") { (fixture.json(.cur, "long", "status.json")?["progress"] as? Double ?? 0) > 0 }
        try fixture.spool.requestCancel("long")
        try await fixture.waitFor("long", in: .failed, timeout: .seconds(30))

        try Self.writeEngine(engines, "fresh", version: "7")
        try await waitUntil("the supervisor has loaded fresh", timeout: .seconds(20)) {
            fixture.spool.supervisorState()?.engines.contains { $0.name == "fresh" } == true
        }
        try fixture.drop("new-engine.json", #"{"engine": "fresh", "text": "hello"}"#)
        try await fixture.waitFor("new-engine", in: .done, timeout: .seconds(30))
        #expect(Self.version(fixture, "new-engine") == "7")
        supervisor.signal(SIGTERM)
        let exit = await supervisor.wait()
        #expect(exit.stderr.contains("watch=poll") && exit.stderr.contains("watch_reason=config.json"), "\(exit.stderr.prefix(1500))")
    }

    @Test func anEngineBrokenByAnUpdateFailsNewJobsWithItsProblem() async throws {
        let engines = TemporaryDirectory(prefix: "audiospool-engines")
        try Self.writeEngine(engines, "echo", version: "1")
        let fixture = try SpoolFixture(engines: engines.path)
        let supervisor = try await fixture.startSupervisor()
        try fixture.drop("before.json", #"{"engine": "echo", "text": "fine"}"#)
        try await fixture.waitFor("before", in: .done)

        try Data(#"{"command": ["python3"], "tasks": {}}"#.utf8).write(to: URL(fileURLWithPath: engines.file("echo/engine.json")))
        try await waitUntil("the supervisor sees echo broken", timeout: .seconds(20)) {
            fixture.spool.supervisorState()?.engines.contains { $0.name == "echo" && $0.state == "broken" } == true
        }
        try fixture.drop("after.json", #"{"engine": "echo", "text": "not fine"}"#)
        try await fixture.waitFor("after", in: .failed)
        let error = try #require(fixture.json(.failed, "after", "error.json")?["error"] as? [String: Any])
        #expect((error["message"] as? String)?.contains("broken") == true, "\(error)")
        supervisor.signal(SIGTERM)
        _ = await supervisor.wait()
    }

    static func isZombie(_ pid: Int32) -> Bool {
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        return stat.split(separator: ")").last?.split(separator: " ").first == "Z"
    }
}
