import AudioSpoolTestKit
import Foundation
import Glibc
import Spool
import Testing

/// Another host's supervisor, as its heartbeat file makes it look: a
/// `supervisor.json` under `state/hosts/<host>/` whose `updated_at` the test
/// sets, written atomically as a supervisor writes it.
struct RemoteHeartbeat {
    let host: Spool.State.Host

    init(_ fixture: SpoolFixture, host name: String = "elsewhere") throws {
        host = fixture.spool.state.host(name)
        try FileManager.default.createDirectory(atPath: host.path, withIntermediateDirectories: true)
    }

    func beat(_ time: String) throws {
        var state = SupervisorState(version: "test", startedAt: "2001-01-01T00:00:00Z")
        state.host = host.name
        state.pid = 4242
        state.updatedAt = time
        try JSONEncoder().encode(state).write(to: URL(fileURLWithPath: host.supervisorFile + ".tmp"))
        #expect(rename(host.supervisorFile + ".tmp", host.supervisorFile) == 0)
    }
}
