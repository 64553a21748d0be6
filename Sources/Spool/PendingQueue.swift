import Basics
import Foundation

/// The entries of `new/` this supervisor knows about, and which to claim
/// next: highest priority first, oldest first within a priority.
///
/// An entry is claimed only when it is complete. It is complete when it was
/// renamed in (the maildir way), when its writer closed it, or, for an entry
/// seen only by a scan, when it has not changed for `settle` seconds. A
/// complete entry with a `not_before` (its own, or a retry's backoff) waits
/// until then. With an engine filter, a complete entry for an engine the
/// filter leaves out is never queued: it stays in `new/` for a supervisor
/// that runs that engine.
public struct PendingQueue {
    public let spool: Spool
    public var settle: TimeInterval
    public var defaultPriority: Int
    public var limits: SpoolLimits
    /// The engines this supervisor takes jobs for; nil: every engine.
    public var filter: EngineFilter?
    /// Where dropped texts and songs go, to tell their engine.
    public var drops = JobSchedule.DropEngines(SpoolConfig())

    private enum Readiness {
        case ready
        /// Created in place or seen by a scan only: wait for its writer to
        /// close it, or until it stops changing.
        case settling(size: Int64, modified: Date)
        /// Complete, but not to run before this time.
        case delayed(until: Date, priority: Int)
        /// Complete, for an engine the filter leaves out: never claimed here.
        case elsewhere(engine: String)
    }

    private struct Entry {
        var readiness: Readiness
        var sequence: Int
    }

    private var entries: [String: Entry] = [:]
    /// The names whose entry is settling, so looking at them again costs
    /// what they are, not what the whole queue is.
    private var settling = Set<String>()
    /// One FIFO per priority (index = priority), of (name, sequence).
    private var buckets: [[(name: String, sequence: Int)]] = Array(repeating: [], count: 10)
    private var heads = Array(repeating: 0, count: 10)
    private var sequence = 0

    public init(spool: Spool, settle: TimeInterval, defaultPriority: Int, limits: SpoolLimits) {
        self.spool = spool
        self.settle = settle
        self.defaultPriority = defaultPriority
        self.limits = limits
    }

    /// Entries known, ready or not.
    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }
    /// Entries that are waiting to become complete.
    public var waitingCount: Int {
        settling.count
    }
    /// Complete entries left for supervisors that run their engine, by engine.
    public var leftForOthers: [String: Int] {
        entries.values.reduce(into: [:]) { counts, entry in
            if case .elsewhere(let engine) = entry.readiness { counts[engine, default: 0] += 1 }
        }
    }

    /// How far ahead `run --until-idle` waits for delayed entries.
    public static let idleHorizon: TimeInterval = 60

    /// Whether anything can run now or is about to: entries ready or still
    /// arriving, or delayed ones due within `horizon` (a retry's backoff).
    /// `run --until-idle` waits for these, not for jobs set for later.
    public func hasWork(now: Date = Date(), horizon: TimeInterval = idleHorizon) -> Bool {
        entries.values.contains { entry in
            switch entry.readiness {
            case .delayed(let until, _): until.timeIntervalSince(now) <= horizon
            case .elsewhere: false
            case .ready, .settling: true
            }
        }
    }

    /// When the earliest delayed entry is due, if any is delayed.
    public var nextDue: Date? {
        entries.values.compactMap { if case .delayed(let until, _) = $0.readiness { until } else { nil } }.min()
    }

    /// Moves delayed entries whose time has come into the queue.
    public mutating func promoteDue(now: Date = Date()) {
        for (name, entry) in entries {
            guard case .delayed(let until, let priority) = entry.readiness, until <= now else { continue }
            enqueue(name, priority: priority)
        }
    }

    public mutating func handle(_ event: SpoolWatcher.Event, now: Date = Date()) {
        switch event {
        case .arrived(let name), .closed(let name):
            markReady(name)
        case .created(let name, _):
            // A file gets its close event when the copy ends; a folder copied
            // in place has no such event and settles by its contents' times.
            guard entries[name] == nil, !name.hasPrefix(".") else { return }
            entries[name] = Entry(readiness: .settling(size: -1, modified: now), sequence: 0)
            settling.insert(name)
        case .removed(let name):
            entries[name] = nil
            settling.remove(name)
        case .overflow:
            break  // the caller rescans
        }
    }

    /// Reconciles with a listing of `new/`: adds what events missed, drops
    /// what is gone, and promotes settled entries.
    public mutating func rescan(now: Date = Date()) throws(FileSystemError) {
        let names = Set(try FileSystem.list(spool.new).filter { !$0.hasPrefix(".") })
        for name in entries.keys where !names.contains(name) {
            entries[name] = nil
            settling.remove(name)
        }
        var settled: [String] = []
        for name in names {
            switch entries[name]?.readiness {
            case .ready?, .delayed?, .elsewhere?:
                continue
            case .settling(let size, let modified)?:
                guard let (newSize, newModified) = fingerprint(name) else { continue }
                if newSize == size && newModified == modified && now.timeIntervalSince(newModified) >= settle {
                    settled.append(name)
                } else {
                    entries[name]?.readiness = .settling(size: newSize, modified: newModified)
                }
            case nil:
                guard let (size, modified) = fingerprint(name) else { continue }
                if now.timeIntervalSince(modified) >= settle {
                    settled.append(name)
                } else {
                    entries[name] = Entry(readiness: .settling(size: size, modified: modified), sequence: 0)
                    settling.insert(name)
                }
            }
        }
        // A listing comes in no useful order: queued oldest first (by when
        // each entry arrived in new/), as events would have queued them.
        let arrivals = settled.map { (arrived: FileSystem.info(spool.path(of: .new, $0))?.changed ?? now, name: $0) }
        for entry in arrivals.sorted(by: { ($0.arrived, $0.name) < ($1.arrived, $1.name) }) {
            markReady(entry.name)
        }
    }

    /// Looks again at the entries still settling whose quiet time is over,
    /// each by its own deadline: no listing of `new/`.
    public mutating func recheckSettling(now: Date = Date()) {
        for name in settling {
            guard case .settling(let size, let modified)? = entries[name]?.readiness else {
                settling.remove(name)
                continue
            }
            guard now.timeIntervalSince(modified) >= settle else { continue }
            guard let (newSize, newModified) = fingerprint(name) else {
                entries[name] = nil
                settling.remove(name)
                continue
            }
            if newSize == size && newModified == modified {
                markReady(name)
            } else {
                entries[name]?.readiness = .settling(size: newSize, modified: newModified)
            }
        }
    }

    /// The next entry to claim, removed from the queue; nil if none is ready.
    public mutating func next() -> Submission? {
        for priority in stride(from: 9, through: 0, by: -1) {
            while heads[priority] < buckets[priority].count {
                let (name, sequence) = buckets[priority][heads[priority]]
                heads[priority] += 1
                if heads[priority] == buckets[priority].count {
                    buckets[priority].removeAll(keepingCapacity: true)
                    heads[priority] = 0
                }
                guard let entry = entries[name], entry.sequence == sequence, case .ready = entry.readiness else {
                    continue
                }
                entries[name] = nil
                if let info = FileSystem.info(spool.path(of: .new, name)),
                   let submission = Submission.classify(name, type: info.type) {
                    return submission
                }
            }
        }
        return nil
    }

    private mutating func markReady(_ name: String, now: Date = Date()) {
        guard !name.hasPrefix(".") else { return }
        switch entries[name]?.readiness {
        case .ready?, .delayed?, .elsewhere?: return
        case .settling?, nil: break
        }
        settling.remove(name)
        guard let info = FileSystem.info(spool.path(of: .new, name)),
              let submission = Submission.classify(name, type: info.type)
        else { return }
        let schedule = JobSchedule.peek(submission, in: spool, defaultPriority: defaultPriority, limits: limits, drops: drops)
        if let filter, let engine = schedule.engine, !filter.accepts(engine) {
            entries[name] = Entry(readiness: .elsewhere(engine: engine), sequence: 0)
            return
        }
        if let notBefore = schedule.notBefore, notBefore > now {
            entries[name] = Entry(readiness: .delayed(until: notBefore, priority: schedule.priority), sequence: 0)
        } else {
            enqueue(name, priority: schedule.priority)
        }
    }

    private mutating func enqueue(_ name: String, priority: Int) {
        sequence += 1
        entries[name] = Entry(readiness: .ready, sequence: sequence)
        buckets[priority].append((name, sequence))
    }

    /// Size and newest modification time; for a folder, over its direct contents.
    private func fingerprint(_ name: String) -> (Int64, Date)? {
        let path = spool.path(of: .new, name)
        guard let info = FileSystem.info(path) else { return nil }
        guard info.type == .directory else { return (info.size, info.modified) }
        var size: Int64 = 0
        var modified = info.modified
        for child in (try? FileSystem.list(path)) ?? [] {
            guard let childInfo = FileSystem.info(path + "/" + child) else { continue }
            size += childInfo.size
            modified = max(modified, childInfo.modified)
        }
        return (size, modified)
    }
}
