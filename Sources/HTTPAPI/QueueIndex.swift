import Basics
import Foundation
import Glibc
import Logging
import ServiceLifecycle
import Spool
import Synchronization

/// The pending jobs of `new/` as `serve` needs them: each entry's name,
/// priority and arrival, for `queue_position`, the queue's counts, and
/// finding a queued job without listing `new/`.
///
/// While it runs (a Service beside the server), a watcher of `new/` keeps
/// it current: inotify, or polling where the spool's `watch` says so (a
/// shared file system), as the supervisor watches. Then `new/` is listed
/// only at the start, after lost events, and every `reconcileInterval` as
/// a safety net (off the requests' path), so a request costs the same
/// whether one job is pending or fifty thousand. Not running (or without a watcher), it lists `new/` at
/// most every `maxAge`, and only names not seen before are read.
final class QueueIndex: Service, Sendable {
    static let maxAge: Duration = .milliseconds(250)
    static let reconcileInterval: Duration = .seconds(30)

    struct Pending: Sendable {
        var id: String
        var priority: Int
        var arrived: Date
        /// When this server learnt of it: a listing begun before then may not show it yet.
        var seen: ContinuousClock.Instant

        var key: ArrivalOrder.Key { ArrivalOrder.Key(arrived: arrived, id: id) }
    }

    struct State {
        /// By entry name in new/ (`ID.json`, `ID`, …).
        var entries: [String: Pending] = [:]
        /// Entry name by job id.
        var names: [String: String] = [:]
        /// Per priority (0–9), in claim order.
        var order = Array(repeating: ArrivalOrder(), count: 10)
        var listedAt: ContinuousClock.Instant?
        var listing = false
        /// A watcher's events keep the entries current.
        var watching = false
        /// The watcher's events that came while a listing was made: applied after it.
        var held: [SpoolWatcher.Event]?
        /// A forced listing was asked for while another was under way.
        var again = false
        /// Entry names this server is delivering: their arrival is not read
        /// back from the file (`delivered` says what it is).
        var delivering: Set<String> = []
        /// Of those, the ones already gone again (claimed before `delivered`
        /// was told): they must not be added after their removal.
        var vanished: Set<String> = []
        /// Entries a lookup found before the watcher reported them, and
        /// when. A poller that never listed one never reports it gone, so
        /// one still unconfirmed after `confirmWithin` is looked at again.
        var unconfirmed: [String: ContinuousClock.Instant] = [:]

        mutating func insert(_ name: String, _ pending: Pending) {
            remove(name)
            entries[name] = pending
            names[pending.id] = name
            order[pending.priority].insert(pending.key)
        }

        mutating func remove(_ name: String) {
            guard let old = entries.removeValue(forKey: name) else { return }
            if names[old.id] == name { names[old.id] = nil }
            order[old.priority].remove(old.key)
        }
    }

    let spool: Spool
    let config: SpoolConfig
    let logger: Logger
    /// Whose inotify watcher reports `new/` (when the spool is not polled).
    let notifier: SpoolNotifier?
    let drops: JobSchedule.DropEngines
    let state = Mutex(State())

    /// How long a watcher may take to report an entry: two of its polls
    /// (inotify reports at once, and reports the entry's going whatever it saw).
    let confirmWithin: Duration

    init(spool: Spool, config: SpoolConfig, logger: Logger, notifier: SpoolNotifier? = nil) {
        self.spool = spool
        self.config = config
        self.logger = logger
        self.notifier = notifier
        drops = JobSchedule.DropEngines(config)
        confirmWithin = .milliseconds(2 * max(50, config.pollIntervalMilliseconds))
    }

    /// Watches `new/` until the server stops.
    func run() async throws {
        guard let stopWatching = startWatching() else {
            try? await gracefulShutdown()
            return
        }
        refresh(force: true)
        state.withLock { $0.watching = true }
        // The safety net runs here, never in a request, and on a thread of
        // its own at a lower priority: with 350,000 pending a listing takes
        // a core for a few hundred milliseconds, which requests had to share.
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.reconcileInterval)
                if !Task.isCancelled { await Self.inBackground { self.refresh(force: true) } }
            }
        }
        stopWatching()
        state.withLock { $0.watching = false }
    }

    /// Starts the events of `new/`, before the first listing so nothing
    /// falls between the two: the notifier's inotify watcher's, or a
    /// `SpoolWatcher` of its own where config.json's `watch` polls (or
    /// there is no inotify). Returns how to stop them; nil if neither.
    private func startWatching() -> (@Sendable () -> Void)? {
        let watch = config.watch.resolve(at: spool.root, intervalMilliseconds: config.pollIntervalMilliseconds)
        state.withLock { $0.held = [] }
        let reports = JobWatcher.NewEntries(
            events: { [weak self] events in for event in events { self?.apply(event) } },
            // The notifier stops first at a shutdown: the index looks for itself while requests drain.
            ended: { [weak self] in self?.state.withLock { $0.watching = false } })
        if watch.pollInterval == nil, let notifier, notifier.reportNewEntries(to: reports) {
            return { _ = notifier.reportNewEntries(to: nil) }
        }
        do {
            let watcher = try SpoolWatcher(directory: spool.new, poll: watch.pollInterval)
            watcher.start { [weak self] event in self?.apply(event) }
            return { watcher.stop() }
        } catch {
            state.withLock { $0.held = nil }
            logger.warning("not watching new/; the queue is listed again at most every 250 ms", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// A job this server is about to deliver, under either name `deliver` may give it.
    func delivering(id: String) {
        state.withLock { $0.delivering.formUnion([id + ".json", id]) }
    }

    /// The delivery of `id` failed (or found the name taken). If it got as
    /// far as new/ (a failed fsync after the rename), the entry is read.
    func abandoned(id: String) {
        state.withLock { state in
            state.delivering.subtract([id + ".json", id])
            state.vanished.subtract([id + ".json", id])
        }
        for name in [id + ".json", id] where state.withLock({ $0.entries[name] == nil }) {
            if let pending = read(name, seen: .now) { state.withLock { $0.insert(name, pending) } }
        }
    }

    /// A job this server has just delivered into `new/` as `entry`; when
    /// it arrived is read here.
    func delivered(entry: String, id: String, priority: Int?) {
        delivered(entry: entry, id: id, priority: priority, arrived: FileSystem.info(spool.path(of: .new, entry))?.changed)
    }

    /// The same, with when the rename made it (its change time, as
    /// supervisors order the queue) as the delivery read it; nil: gone already.
    func delivered(entry: String, id: String, priority: Int?, arrived: Date?) {
        let pending = Pending(id: id, priority: Self.clamp(priority ?? config.priority), arrived: arrived ?? Date(), seen: .now)
        state.withLock { state in
            state.delivering.subtract([id + ".json", id])
            let claimed = state.vanished.remove(entry) != nil
            state.vanished.subtract([id + ".json", id])
            if arrived != nil && !claimed { state.insert(entry, pending) }
        }
    }

    /// A pending entry a lookup found before the watcher reported it (on a
    /// shared file system a listing can lag what a `stat` sees): known from now.
    func noticed(entry name: String) {
        guard state.withLock({ $0.entries[name] == nil && !$0.delivering.contains(name) }), let pending = read(name, seen: .now) else { return }
        state.withLock { state in
            state.insert(name, pending)
            state.unconfirmed[name] = pending.seen
        }
    }

    /// The place of a job this server has just delivered: after every
    /// pending job of its priority or higher (1: claimed next).
    func positionOfNewest(priority: Int?) -> Int {
        refreshIfStale()
        let priority = Self.clamp(priority ?? config.priority)
        return state.withLock { state in max(1, state.order[priority...].reduce(0) { $0 + $1.count }) }
    }

    /// The place of any pending job, in the order supervisors claim:
    /// highest priority first, then by arrival (SPOOL.md, "Claiming").
    func position(of id: String) -> Int? {
        refreshIfStale()
        return state.withLock { state -> Int? in
            guard let name = state.names[id], let mine = state.entries[name] else { return nil }
            let higher = state.order[(mine.priority + 1)...].reduce(0) { $0 + $1.count }
            return higher + state.order[mine.priority].rank(of: mine.key) + 1
        }
    }

    /// The entry name of a pending job, if known.
    func name(of id: String) -> String? {
        refreshIfStale()
        return state.withLock { $0.names[id] }
    }

    /// The ids of every pending job.
    func pendingIDs() -> Set<String> {
        refreshIfStale()
        return state.withLock { Set($0.names.keys) }
    }

    /// Whether a watcher keeps the index current, so a job it does not know
    /// of is not in `new/` (or arrived within the watcher's delay).
    var isWatching: Bool { state.withLock { $0.watching } }

    /// How many jobs are pending.
    func count() -> Int {
        refreshIfStale()
        return state.withLock { $0.entries.count }
    }

    /// When the longest-waiting pending job arrived.
    func oldestArrival() -> Date? {
        refreshIfStale()
        return state.withLock { $0.order.compactMap(\.first?.arrived).min() }
    }

    /// What the watcher saw; held while a listing is being made.
    private func apply(_ event: SpoolWatcher.Event) {
        let heldBack = state.withLock { state -> Bool in
            guard state.held != nil else { return false }
            // In place: a listing of a deep queue can hold thousands.
            state.held!.append(event)
            return true
        }
        if !heldBack { applyNow(event) }
    }

    func applyNow(_ event: SpoolWatcher.Event) {
        let name: String
        switch event {
        case .overflow:
            state.withLock { $0.listedAt = nil }
            refresh(force: true)
            return
        case .removed(let removed):
            state.withLock { state in
                state.remove(removed)
                state.unconfirmed[removed] = nil
                if state.delivering.contains(removed) { state.vanished.insert(removed) }
            }
            return
        case .arrived(let arrived), .closed(let arrived): name = arrived
        case .created(let created, _): name = created
        }
        // This server's own deliveries are known already; a file written in place is read again once closed.
        if case .closed = event {} else if state.withLock({ $0.unconfirmed[name] = nil; return $0.entries[name] != nil || $0.delivering.contains(name) }) { return }
        guard let pending = read(name, seen: .now) else { return }
        state.withLock { $0.insert(name, pending) }
    }

    static func clamp(_ priority: Int) -> Int { min(9, max(0, priority)) }
}

extension QueueIndex {
    /// Runs `work` on a thread of its own at nice 10, so it takes only the
    /// CPU that requests leave, and returns when it is done.
    static func inBackground(_ work: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let thread = Thread {
                // On Linux a nice value is a thread's own: PRIO_PROCESS with
                // `who` 0 is the calling thread, not its process.
                setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
                work()
                done.resume()
            }
            thread.name = "queue-listing"
            thread.start()
        }
    }
}
