import AudioSpoolTestKit
import Basics
import Foundation
import Glibc
import Testing

/// `audiospool health`, the supervisors' liveness probe: 0 while this
/// host's supervisor publishes its heartbeat, 1 with the reason otherwise.
@Suite(.timeLimit(.minutes(2))) struct HealthCommandTests {
    @Test func healthFollowsTheHeartbeat() async throws {
        let fixture = try SpoolFixture()
        let none = try await fixture.cli("health", engines: false)
        #expect(none.status == 1 && none.stderr.contains("no supervisor of host \(HostIdentity.name) has published a heartbeat"), "\(none.summary)")

        let supervisor = try await fixture.startSupervisor()
        try await waitUntil("supervisor.json is written") { FileManager.default.fileExists(atPath: fixture.spool.state.supervisorFile) }
        let alive = try await fixture.cli("health", engines: false)
        #expect(alive.status == 0 && alive.stdout.contains("ok: the supervisor of host \(HostIdentity.name) (pid \(supervisor.pid ?? 0))"), "\(alive.summary)")
        let elsewhere = try await fixture.cli("health", "--host", "another-host", engines: false)
        #expect(elsewhere.status == 1 && elsewhere.stderr.contains("another-host"), "\(elsewhere.summary)")
        let fromEnvironment = try await ChildProcess.run(
            Repository.executable, ["health", "--spool", fixture.spool.root], environment: ["AUDIOSPOOL_HOST": "another-host"])
        #expect(fromEnvironment.status == 1, "\(fromEnvironment.summary)")

        // Stalled: the heartbeat (every 2 s) goes stale.
        supervisor.signal(SIGSTOP)
        var stalled = try await fixture.cli("health", "--max-age", "3", engines: false)
        try await waitUntilAsync("health sees the heartbeat go stale", timeout: .seconds(20)) {
            stalled = try await fixture.cli("health", "--max-age", "3", engines: false)
            return stalled.status != 0
        }
        #expect(stalled.status == 1 && stalled.stderr.contains("is not publishing"), "\(stalled.summary)")
        supervisor.signal(SIGCONT)
        try await waitUntilAsync("health recovers") { try await fixture.cli("health", "--max-age", "3", engines: false).status == 0 }

        supervisor.signal(SIGTERM)
        #expect(await supervisor.wait().status == 0)
        let stopped = try await fixture.cli("health", engines: false)
        #expect(stopped.status == 1 && stopped.stderr.contains("has stopped"), "\(stopped.summary)")
    }
}
