import Basics
import Foundation
import Spool

/// The listings of `new/`: at the start, after lost events and as the
/// safety net (or, without a watcher, at most every `maxAge`), and the
/// look again at what lookups noticed and no watcher confirmed.
extension QueueIndex {
    /// One entry of new/, as a pending job; nil for names the spool ignores.
    func read(_ name: String, seen: ContinuousClock.Instant) -> Pending? {
        guard !name.hasPrefix("."), let info = FileSystem.info(spool.path(of: .new, name)),
            let submission = Submission.classify(name, type: info.type)
        else { return nil }
        let schedule = JobSchedule.peek(submission, in: spool, defaultPriority: config.priority, limits: config.limits, drops: drops)
        return Pending(id: submission.stem, priority: Self.clamp(schedule.priority), arrived: info.changed, seen: seen)
    }

    func refreshIfStale() {
        refresh(force: false)
        confirmNoticed()
    }

    /// Entries a lookup added that the watcher has not reported within
    /// `confirmWithin`: one claimed before a poller listed it would stay
    /// until the next reconciliation. A `stat` each, and only for those.
    private func confirmNoticed() {
        let now = ContinuousClock.now
        let overdue = state.withLock { state -> [String] in
            state.unconfirmed.isEmpty ? [] : state.unconfirmed.filter { now - $0.value >= confirmWithin }.map(\.key)
        }
        for name in overdue {
            let present = FileSystem.info(spool.path(of: .new, name)) != nil
            state.withLock { state in
                guard state.unconfirmed[name] != nil else { return }
                if present {
                    state.unconfirmed[name] = now
                } else {
                    state.unconfirmed[name] = nil
                    state.remove(name)
                }
            }
        }
    }

    /// Lists `new/` again if the last listing is older than `maxAge` (while
    /// watching: only after lost events) and no other request is listing it
    /// now (that one's answer will do).
    func refresh(force: Bool) {
        let now = ContinuousClock.now
        let due = state.withLock { state -> Bool in
            let stale = state.listedAt.map { !state.watching && now - $0 >= Self.maxAge } ?? true
            guard !state.listing else {
                // The listing under way may have read new/ before the watcher
                // started (a request's, as the server starts): list again after it.
                if force { state.again = true }
                return false
            }
            guard force || stale else { return false }
            state.listing = true
            if state.watching || state.held != nil { state.held = state.held ?? [] }
            return true
        }
        guard due else { return }
        let names = (try? FileSystem.list(spool.new)) ?? []
        let known = state.withLock { $0.entries }
        var listed: [String: Pending] = [:]
        listed.reserveCapacity(names.count)
        for name in names where !name.hasPrefix(".") {
            // Only a name not seen before costs a stat and a read.
            if let pending = known[name] {
                listed[name] = pending
            } else if let pending = read(name, seen: now) {
                listed[name] = pending
            }
        }
        // The differences from what the index held are found outside the
        // lock, and only they are applied under it: with 300,000 pending,
        // comparing every entry under the lock held each request up for
        // tens of milliseconds. Meanwhile the watcher's events are held
        // (applied below, in order) and requests only add what they learn
        // of (seen from `now` on), which stays, listed or not.
        let removed = known.compactMap { name, pending in listed[name] == nil && pending.seen < now ? name : nil }
        let changed = listed.filter { name, pending in
            known[name].map { $0.key != pending.key || $0.priority != pending.priority } ?? true
        }
        var held = state.withLock { state -> [SpoolWatcher.Event] in
            for name in removed where state.entries[name].map({ $0.seen < now }) ?? false { state.remove(name) }
            for (name, pending) in changed where !(state.entries[name].map { $0.seen >= now } ?? false) { state.insert(name, pending) }
            // The listing confirms (or removed) what lookups noticed before it began.
            state.unconfirmed = state.unconfirmed.filter { $0.value >= now }
            state.listedAt = now
            let events = state.held ?? []
            if state.held != nil { state.held = [] }
            return events
        }
        // The events that came meanwhile, in order, until none is left.
        var again = false
        repeat {
            for event in held { applyNow(event) }
            held = state.withLock { state in
                let more = state.held ?? []
                state.held = more.isEmpty ? nil : []
                if more.isEmpty {
                    state.listing = false
                    again = state.again
                    state.again = false
                }
                return more
            }
        } while !held.isEmpty
        if again { refresh(force: true) }
    }
}
