import Foundation
import Spool

/// The supervisors' heartbeats, read in this one place: `/readyz` needs
/// some supervisor alive, and `/v1/engines` their engines' voices.
enum Heartbeats {
    /// What every host's supervisor last published (state/hosts/<host>/supervisor.json).
    static func supervisors(_ spool: Spool) -> [SupervisorState] {
        spool.supervisorStates()
    }

    /// Whether any supervisor wrote its heartbeat recently and still runs.
    static func anyFresh(_ spool: Spool, now: Date = Date()) -> Bool {
        supervisors(spool).contains { $0.isLive(now: now) }
    }
}
