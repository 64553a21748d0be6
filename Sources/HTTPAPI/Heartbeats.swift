import Basics
import Foundation
import Spool
import Synchronization

/// The supervisors' heartbeats, read in this one place: `/readyz` needs
/// some supervisor alive, and `/v1/engines` their engines' voices.
///
/// Whether a heartbeat is fresh is judged as the supervisors judge each
/// other's (OrphanRecovery): hosts' clocks need not agree, so another
/// host's `updated_at` is never compared with our clock, only with what we
/// saw of it before, and how long ago that was is measured on our own
/// monotonic clock. A heartbeat of this host was written by our clock, so
/// its age is read directly, as `audiospool health` reads it.
final class Heartbeats: Sendable {
    /// A heartbeat older than this (15 s, as `health` and the supervisors) is stale.
    static let staleAfter: TimeInterval = 15

    private struct Sighting {
        var beat: String
        var since: ContinuousClock.Instant
        /// Seen to change since we first saw it: a beat we watched happen.
        var changed: Bool
    }

    private let spool: Spool
    private let sightings = Mutex<[String: Sighting]>([:])

    init(spool: Spool) {
        self.spool = spool
    }

    /// What every host's supervisor last published (state/hosts/<host>/supervisor.json).
    func supervisors() -> [SupervisorState] {
        spool.supervisorStates()
    }

    /// Whether some supervisor that says it runs has beaten within
    /// `staleAfter`: on this host by its `updated_at`; on another, by our
    /// having seen its `updated_at` change within `staleAfter` of our
    /// clock (a heartbeat seen once and never again is not yet known to beat).
    func anyFresh(now: ContinuousClock.Instant = .now, wallClock: Date = Date()) -> Bool {
        let states = supervisors()
        return sightings.withLock { sightings in
            var fresh = false
            let present = Set(states.map { "\($0.host)\u{0}\($0.pid)" })
            sightings = sightings.filter { present.contains($0.key) }
            for state in states where state.state == "running" {
                let key = "\(state.host)\u{0}\(state.pid)"
                let beat = state.updatedAt
                if var seen = sightings[key] {
                    if seen.beat != beat {
                        seen = Sighting(beat: beat, since: now, changed: true)
                        sightings[key] = seen
                    }
                    if state.host != HostIdentity.name, seen.changed, (now - seen.since).seconds < Self.staleAfter { fresh = true }
                } else {
                    sightings[key] = Sighting(beat: beat, since: now, changed: false)
                }
                if state.host == HostIdentity.name, state.isLive(now: wallClock, staleAfter: Self.staleAfter) { fresh = true }
            }
            return fresh
        }
    }
}

extension Duration {
    fileprivate var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
