import Basics
import Foundation
import Glibc
import Logging
import Spool

/// `state/engines/<host>-<pid>.json`: one file per running engine process,
/// naming the supervisor that started it. Engines must exit when their stdin
/// closes (PROTOCOL.md), which is how they learn their supervisor died; one
/// that does not is killed, with its process group, by the next supervisor
/// to start on the host.
struct EngineRecords: Sendable {
    let state: Spool.State
    let logger: Logger

    struct Record: Codable {
        var engine: String
        var pid: Int32
        var processStart: UInt64
        var supervisor: Owner

        enum CodingKeys: String, CodingKey {
            case engine, pid, supervisor
            case processStart = "process_start"
        }
    }

    init(spool: Spool, logger: Logger) {
        state = spool.state
        self.logger = logger
        try? FileSystem.createDirectories(state.engines)
    }

    func started(engine: String, pid: Int32) {
        guard let start = HostIdentity.processStart(of: pid) else { return }
        let record = Record(engine: engine, pid: pid, processStart: start, supervisor: .current())
        try? state.write(record, to: state.engineRecord(host: HostIdentity.name, pid: pid))
    }

    func exited(pid: Int32) {
        unlink(state.engineRecord(host: HostIdentity.name, pid: pid))
    }

    /// Kills engines left behind by dead supervisors on this host.
    func killLeftovers() {
        let prefix = HostIdentity.name + "-"
        for name in (try? FileSystem.list(state.engines)) ?? [] where name.hasPrefix(prefix) && name.hasSuffix(".json") {
            let path = state.engines + "/" + name
            guard let record = state.read(Record.self, from: path) else {
                unlink(path)
                continue
            }
            guard record.supervisor.isDeadOnThisHost else { continue }
            if HostIdentity.processStart(of: record.pid) == record.processStart {
                logger.warning("killing an engine its dead supervisor left running", metadata: ["engine": "\(record.engine)", "pid": "\(record.pid)"])
                kill(-record.pid, SIGKILL)
                kill(record.pid, SIGKILL)
            }
            unlink(path)
        }
    }
}
