import Basics
import Foundation
import Spool
import Synchronization

/// The pending jobs of `new/` as `queue_position` needs them: each entry's
/// priority and arrival, kept between requests. Reading every pending job
/// for each answer made submissions cost what the queue holds; here `new/`
/// is listed at most every `maxAge`, only names not seen before are read,
/// and this server's own deliveries are counted the moment they are made.
/// So a position is exact for this server's jobs and at most `maxAge` late
/// for other submitters' and the supervisors' claims.
final class QueueIndex: Sendable {
    static let maxAge: Duration = .milliseconds(250)

    struct Pending: Sendable {
        var id: String
        var priority: Int
        var arrived: Date
        /// When this server learnt of it: a listing begun before then may not show it yet.
        var seen: ContinuousClock.Instant
    }

    private struct State {
        /// By entry name in new/ (`ID.json`, `ID`, …).
        var entries: [String: Pending] = [:]
        /// Entries per priority (0–9), so a new job's place costs ten additions.
        var counts = Array(repeating: 0, count: 10)
        var listedAt: ContinuousClock.Instant?
        var listing = false

        mutating func insert(_ name: String, _ pending: Pending) {
            if let old = entries.updateValue(pending, forKey: name) { counts[old.priority] -= 1 }
            counts[pending.priority] += 1
        }
    }

    let spool: Spool
    let config: SpoolConfig
    private let state = Mutex(State())

    init(spool: Spool, config: SpoolConfig) {
        self.spool = spool
        self.config = config
    }

    /// A job this server has just delivered into `new/` as `entry`.
    func delivered(entry: String, id: String, priority: Int?) {
        let pending = Pending(id: id, priority: Self.clamp(priority ?? config.priority), arrived: Date(), seen: .now)
        state.withLock { $0.insert(entry, pending) }
    }

    /// The place of a job this server has just delivered: after every
    /// pending job of its priority or higher (1: claimed next).
    func positionOfNewest(priority: Int?) -> Int {
        refreshIfStale()
        let priority = Self.clamp(priority ?? config.priority)
        return state.withLock { state in max(1, state.counts[priority...].reduce(0, +)) }
    }

    /// The place of any pending job, in the order supervisors claim:
    /// highest priority first, then by arrival (SPOOL.md, "Claiming").
    func position(of id: String) -> Int? {
        refreshIfStale()
        // Delivered by someone else since the last listing: look again now.
        if state.withLock({ !$0.entries.values.contains { $0.id == id } }) { refreshIfStale(force: true) }
        return state.withLock { state -> Int? in
            guard let mine = state.entries.values.first(where: { $0.id == id }) else { return nil }
            var ahead = 0
            for other in state.entries.values where other.id != id {
                if (other.priority, mine.arrived, id) > (mine.priority, other.arrived, other.id) { ahead += 1 }
            }
            return ahead + 1
        }
    }

    /// How many jobs are pending.
    func count() -> Int {
        refreshIfStale()
        return state.withLock { $0.entries.count }
    }

    /// When the longest-waiting pending job arrived.
    func oldestArrival() -> Date? {
        refreshIfStale()
        return state.withLock { $0.entries.values.map(\.arrived).min() }
    }

    /// Lists `new/` again if the last listing is older than `maxAge` and
    /// no other request is listing it now (that one's answer will do).
    private func refreshIfStale(force: Bool = false) {
        let now = ContinuousClock.now
        let due = state.withLock { state -> Bool in
            guard !state.listing, force || state.listedAt.map({ now - $0 >= Self.maxAge }) ?? true else { return false }
            state.listing = true
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
                continue
            }
            guard let info = FileSystem.info(spool.path(of: .new, name)), let submission = Submission.classify(name, type: info.type)
            else { continue }
            let schedule = JobSchedule.peek(submission, in: spool, defaultPriority: config.priority, limits: config.limits)
            listed[name] = Pending(id: submission.stem, priority: Self.clamp(schedule.priority), arrived: info.changed, seen: now)
        }
        state.withLock { state in
            // What was learnt of after the listing began stays, listed or not.
            for (name, pending) in state.entries where pending.seen >= now && listed[name] == nil { listed[name] = pending }
            state.entries = listed
            state.counts = Array(repeating: 0, count: 10)
            for pending in listed.values { state.counts[pending.priority] += 1 }
            state.listedAt = now
            state.listing = false
        }
    }

    private static func clamp(_ priority: Int) -> Int { min(9, max(0, priority)) }
}
