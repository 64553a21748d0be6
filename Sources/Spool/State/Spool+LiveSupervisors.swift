import Basics
import Foundation

extension Spool {
    /// The supervisors running now, as a reader that looks once (the CLI)
    /// can tell. This host's are judged by their `updated_at` on our clock,
    /// which wrote it. Another host's clock need not agree with ours: one
    /// whose `updated_at` is off from our clock by `staleAfter` or more,
    /// either way, is read again until it changes (live) or `watch` has
    /// passed without a change (gone). `watch` defaults to two publishes
    /// and a margin, so a live one is always seen to beat.
    public func liveSupervisors(
        now: Date = Date(), watch: Duration = SupervisorState.publishInterval * 2 + .milliseconds(500)
    ) -> [SupervisorState] {
        var live: [SupervisorState] = []
        var doubtful: [SupervisorState] = []
        for state in supervisorStates() where state.state == "running" {
            guard let updated = Timestamp.parse(state.updatedAt) else { continue }
            if state.host == HostIdentity.name {
                if state.isLive(now: now) { live.append(state) }
            } else if abs(now.timeIntervalSince(updated)) < SupervisorState.staleAfter {
                live.append(state)
            } else {
                doubtful.append(state)
            }
        }
        let deadline = ContinuousClock.now + watch
        while !doubtful.isEmpty, ContinuousClock.now < deadline {
            // Another host's writes reach no inotify of ours: reading again is the only way to see one.
            Thread.sleep(forTimeInterval: 0.1)
            doubtful.removeAll { before in
                guard let current = supervisorState(ofHost: before.host)?.state, current.updatedAt != before.updatedAt else { return false }
                if current.state == "running" { live.append(current) }
                return true
            }
        }
        return live
    }
}
