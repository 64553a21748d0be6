import AudioSpoolTestKit
import Foundation
import Glibc
import Spool
import Synchronization
import Testing

/// A supervisor in the background, and things going wrong around it.
@Suite(.timeLimit(.minutes(3))) struct LivenessTests {
    /// Waits until the job is running in its engine, and returns the engine's pid.
    /// The jobs here take seconds, so this sees them mid-run.
    func runningEngine(_ fixture: SpoolFixture, _ id: String, supervisor: ChildProcess) async throws -> Int32 {
        try await waitUntil("\(id) is running") {
            if FileManager.default.fileExists(atPath: fixture.spool.path(of: .done, id)) {
                throw TimedOut(description: "\(id) finished before the test could act on it")
            }
            return (fixture.json(.cur, id, "status.json")?["progress"] as? Double ?? 0) > 0
        }
        let engines = try await children(of: try #require(supervisor.pid))
        return try #require(engines.first, "the engine should be the supervisor's child")
    }

    @Test func anEngineKilledMidJobIsRestartedAndTheJobRetried() async throws {
        let fixture = try SpoolFixture()
        let supervisor = try await fixture.startSupervisor()
        let id = try await fixture.submit("--engine", "tone", "--param", "seconds=6", "--param", "pace=3")
        let engine = try await runningEngine(fixture, id, supervisor: supervisor)
        kill(engine, SIGKILL)

        try await fixture.waitFor(id, in: .done)
        let result = try #require(fixture.json(.done, id, "result.json"))
        #expect(result["attempts"] as? Int == 2)
        supervisor.signal(SIGTERM)
        let exit = await supervisor.wait()
        #expect(exit.status == 0, "\(exit.summary)")
        #expect(exit.stderr.contains("will retry"))
    }

    @Test func sigtermLetsTheRunningJobFinish() async throws {
        let fixture = try SpoolFixture()
        let supervisor = try await fixture.startSupervisor()
        let id = try await fixture.submit("--engine", "tone", "--param", "seconds=3", "--param", "pace=2")
        let engine = try await runningEngine(fixture, id, supervisor: supervisor)
        supervisor.signal(SIGTERM)
        let exit = await supervisor.wait()
        #expect(exit.status == 0, "\(exit.summary)")
        #expect(fixture.entries(.done) == [id])
        #expect(kill(engine, 0) != 0, "the engine must not outlive the supervisor")
    }

    @Test func pastTheGracePeriodRunningJobsGoBackToNew() async throws {
        let fixture = try SpoolFixture(config: ["shutdown_grace_s": 0.2])
        let supervisor = try await fixture.startSupervisor()
        let id = try await fixture.submit("--engine", "tone", "--param", "seconds=30", "--param", "pace=1")
        _ = try await runningEngine(fixture, id, supervisor: supervisor)
        supervisor.signal(SIGTERM)
        let exit = await supervisor.wait()
        #expect(exit.status == 0, "\(exit.summary)")
        #expect(fixture.entries(.new) == [id])
        #expect(fixture.entries(.cur).isEmpty)
        let state = fixture.spool.state(of: id)
        if case .pending(_, let attempts, _)? = state {
            #expect(attempts.isEmpty, "an interrupted attempt does not count")
            #expect(fixture.events(of: id).filter { $0 != "progress" } == ["submitted", "claimed", "interrupted"])
        } else {
            Issue.record("expected \(id) pending, got \(String(describing: state))")
        }
    }

    @Test func aJobOrphanedByAKilledSupervisorIsRecoveredOnRestart() async throws {
        let fixture = try SpoolFixture()
        let supervisor = try await fixture.startSupervisor()
        let id = try await fixture.submit("--engine", "tone", "--param", "seconds=3", "--param", "pace=2")
        let engine = try await runningEngine(fixture, id, supervisor: supervisor)
        supervisor.signal(SIGKILL)
        _ = await supervisor.wait()
        #expect(fixture.entries(.cur) == [id], "the job is stranded in cur/")
        // The engine sees stdin close and exits by itself.
        try await waitUntil("the orphaned engine exits", timeout: .seconds(10)) { kill(engine, 0) != 0 }

        let run = try await fixture.runUntilIdle()
        #expect(run.status == 0, "\(run.summary)")
        #expect(run.stderr.contains("recovered orphan"))
        let result = try #require(fixture.json(.done, id, "result.json"))
        #expect(result["attempts"] as? Int == 2)
        #expect(fixture.events(of: id).filter { $0 != "progress" } == ["submitted", "claimed", "recovered", "claimed", "done"])
    }
}

/// Heartbeats, TTLs and supervisors that stall or leave engines behind.
@Suite(.timeLimit(.minutes(3))) struct OwnershipTests {
    /// A job in cur/ as another host's supervisor would have left it.
    func strandedJob(_ fixture: SpoolFixture, _ id: String, heartbeatAge: TimeInterval) throws {
        let folder = fixture.spool.path(of: .cur, id)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try #"{"engine": "tone", "params": {"seconds": 0.1}}"#.write(toFile: folder + "/job.json", atomically: false, encoding: .utf8)
        let attempts = #"[{"number": 1, "host": "elsewhere", "pid": 4242, "started_at": "2026-01-01T00:00:00.000Z"}]"#
        try attempts.write(toFile: folder + "/attempts.json", atomically: false, encoding: .utf8)
        let owner = #"{"host": "elsewhere", "boot_id": "x", "pid": 4242, "process_start": 1, "claimed_at": "2026-01-01T00:00:00.000Z"}"#
        try owner.write(toFile: folder + "/owner.json", atomically: false, encoding: .utf8)
        let beat = Date().addingTimeInterval(-heartbeatAge)
        try FileManager.default.setAttributes([.modificationDate: beat], ofItemAtPath: folder + "/owner.json")
        try FileManager.default.setAttributes([.modificationDate: beat], ofItemAtPath: folder)
    }

    @Test func anotherHostsJobIsRecoveredOnlyWhenItsHeartbeatStops() async throws {
        // Heartbeats are judged on the watcher's own clock: "silent" beat a
        // moment ago and never again; "skewed" beats on, by a clock ten
        // minutes slow, so every beat it writes looks ten minutes old.
        let fixture = try SpoolFixture(config: ["orphan_ttl_s": 3, "heartbeat_s": 0.5])
        try strandedJob(fixture, "silent", heartbeatAge: 0)
        try strandedJob(fixture, "skewed", heartbeatAge: 600)
        // A dead host whose clock ran ten minutes ahead: its last beat is in
        // the future, and still it is recovered once that beat stops.
        try strandedJob(fixture, "ahead", heartbeatAge: -600)
        let skewedOwner = fixture.spool.path(of: .cur, "skewed") + "/owner.json"
        // Beaten from a thread of its own: a task could wait behind the
        // other tests' work on the cooperative pool past orphan_ttl_s.
        let stopBeating = Atomic<Bool>(false)
        let beating = Thread {
            while !stopBeating.load(ordering: .relaxed) {
                try? FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-600)], ofItemAtPath: skewedOwner)
                Thread.sleep(forTimeInterval: 0.3)
            }
        }
        beating.start()
        defer { stopBeating.store(true, ordering: .relaxed) }
        let supervisor = try await fixture.startSupervisor()
        try await fixture.waitFor("silent", in: .done, timeout: .seconds(30))
        try await fixture.waitFor("ahead", in: .done, timeout: .seconds(30))
        supervisor.signal(SIGTERM)
        let run = await supervisor.wait()
        let result = try #require(fixture.json(.done, "silent", "result.json"), "the silent host's job was not recovered")
        #expect(result["attempts"] as? Int == 2)
        #expect(fixture.json(.done, "ahead", "result.json")?["attempts"] as? Int == 2)
        #expect(run.stderr.contains("no heartbeat from pid 4242 on elsewhere"), "\(run.stderr.suffix(1500))")
        #expect(fixture.entries(.cur) == ["skewed"], "a job whose heartbeat goes on is left to its host, whatever its clock says")
    }

    @Test func aStalledSupervisorLeavesItsRecoveredJobAlone() async throws {
        let fixture = try SpoolFixture(config: ["orphan_ttl_s": 1.5, "heartbeat_s": 0.3])
        let stalled = try await fixture.startSupervisor()
        let id = try await fixture.submit("--engine", "tone", "--param", "seconds=4", "--param", "pace=2")
        // A first engine start can take long while the suite's first tests build their environments and models.
        try await waitUntil("\(id) runs", timeout: .seconds(90)) { (fixture.json(.cur, id, "status.json")?["progress"] as? Double ?? 0) > 0 }
        stalled.signal(SIGSTOP)
        let other = try await fixture.startSupervisor()
        try await fixture.waitFor(id, in: .done, timeout: .seconds(30))
        stalled.signal(SIGCONT)
        // SIGTERM lets the woken supervisor finish its run (within the grace
        // period) and try to publish before it exits.
        stalled.signal(SIGTERM)
        other.signal(SIGTERM)
        let first = await stalled.wait()
        _ = await other.wait()
        #expect(first.stderr.contains("lost the job to orphan recovery"), "\(first.stderr.suffix(1500))")
        #expect(fixture.entries(.done) == [id] && fixture.entries(.cur).isEmpty && fixture.entries(.new).isEmpty, "exactly one result")
        #expect(fixture.json(.done, id, "result.json")?["attempts"] as? Int == 2)
    }

    @Test func anEngineThatIgnoresEOFIsKilledByTheNextSupervisor() async throws {
        let fixture = try SpoolFixture(engines: Repository.fixtureEngines)
        let supervisor = try await fixture.startSupervisor()
        try fixture.drop("stuck.json", #"{"engine": "ignore-eof", "max_attempts": 1}"#)
        try await waitUntil("the job runs") { fixture.json(.cur, "stuck", "status.json")?["state"] as? String == "running" }
        let supervisorPID = try #require(supervisor.pid)
        let engine = try #require(try await children(of: supervisorPID).first)
        supervisor.signal(SIGKILL)
        _ = await supervisor.wait()
        try await Task.sleep(for: .seconds(1))  // a window in which a good engine would have exited
        #expect(kill(engine, 0) == 0, "this engine ignores EOF, so it is still there")
        let run = try await fixture.runUntilIdle()
        #expect(run.status == 0, "\(run.summary)")
        #expect(run.stderr.contains("killing an engine its dead supervisor left running"))
        try await waitUntil("the leftover engine is gone", timeout: .seconds(5)) { kill(engine, 0) != 0 }
        #expect(fixture.json(.failed, "stuck", "error.json") != nil, "recovered past its last attempt, so failed")
    }
}
