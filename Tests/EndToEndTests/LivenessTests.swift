import AudioSpoolTestKit
import Foundation
import Glibc
import Spool
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
    }
}
