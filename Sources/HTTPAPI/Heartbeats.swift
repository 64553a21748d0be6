import Basics
import Foundation
import Spool
import Synchronization

/// The supervisors' heartbeats, read in this one place: `/readyz` needs
/// some supervisor alive, `/v1/farm` each one's liveness, and `/v1/engines`
/// their engines' voices.
///
/// Whether a heartbeat is fresh is judged as the supervisors judge each
/// other's (OrphanRecovery): hosts' clocks need not agree, so another
/// host's `updated_at` is never compared with our clock, only with what we
/// saw of it before, and how long ago that was is measured on our own
/// monotonic clock. A heartbeat of this host was written by our clock, so
/// its age is read directly, as `audiospool health` reads it.
final class Heartbeats: Sendable {
    /// A heartbeat older than this is stale (SupervisorState's figure, as `health` and the supervisors).
    static let staleAfter = SupervisorState.staleAfter

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

    /// A supervisor's heartbeat as this observer judges it.
    struct Observed: Sendable {
        var state: SupervisorState
        /// It says it runs and has beaten within `staleAfter` (the rule below).
        var live: Bool
        /// On this host, seconds since its `updated_at`; on another, seconds
        /// of our clock since we saw it change, or, never seen to change,
        /// since we first saw it once that is past `staleAfter` (nil before:
        /// not known yet). Either way, at least how long it has not beaten.
        var ageSeconds: Double?
    }

    /// Every supervisor, each judged live or not: on this host by its
    /// `updated_at`; on another, by our having seen its `updated_at` change
    /// within `staleAfter` of our clock (a heartbeat seen once and never
    /// again is not yet known to beat). Each call is a look: `/readyz` and
    /// `/v1/farm` watch the same heartbeats.
    func observe(now: ContinuousClock.Instant = .now, wallClock: Date = Date()) -> [Observed] {
        let states = supervisors()
        return sightings.withLock { sightings in
            let present = Set(states.map(Self.key))
            sightings = sightings.filter { present.contains($0.key) }
            return states.map { state in
                let key = Self.key(state)
                var seen = sightings[key] ?? Sighting(beat: state.updatedAt, since: now, changed: false)
                if seen.beat != state.updatedAt { seen = Sighting(beat: state.updatedAt, since: now, changed: true) }
                sightings[key] = seen
                if state.host == HostIdentity.name {
                    let age = Timestamp.parse(state.updatedAt).map { (wallClock.timeIntervalSince($0) * 1000).rounded() / 1000 }
                    return Observed(state: state, live: state.isLive(now: wallClock, staleAfter: Self.staleAfter), ageSeconds: age)
                }
                // Unchanged since we first saw it: its age is not known until we have watched it longer than staleAfter.
                let watched = ((now - seen.since).seconds * 1000).rounded() / 1000
                let age = seen.changed || watched >= Self.staleAfter ? watched : nil
                return Observed(state: state, live: state.state == "running" && seen.changed && watched < Self.staleAfter, ageSeconds: age)
            }
        }
    }

    /// Whether some supervisor that says it runs is live (`observe`): what `/readyz` needs.
    func anyFresh(now: ContinuousClock.Instant = .now, wallClock: Date = Date()) -> Bool {
        observe(now: now, wallClock: wallClock).contains { $0.live }
    }

    private static func key(_ state: SupervisorState) -> String {
        "\(state.host)\u{0}\(state.pid)"
    }
}

extension Duration {
    fileprivate var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
