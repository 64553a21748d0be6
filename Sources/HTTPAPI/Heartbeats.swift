import Foundation
import Spool

/// The supervisors' heartbeats, read in this one place: `/readyz` needs
/// some supervisor alive, and `/v1/engines` their engines' voices.
enum Heartbeats {
    /// What the supervisors of this spool last published (state/supervisor.json).
    static func supervisors(_ spool: Spool) -> [SupervisorState] {
        spool.supervisorState().map { [$0] } ?? []
    }

    /// Whether any supervisor wrote its heartbeat recently and still runs.
    static func anyFresh(_ spool: Spool, now: Date = Date()) -> Bool {
        supervisors(spool).contains { $0.isLive(now: now) }
    }
}
