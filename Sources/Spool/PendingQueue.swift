import Foundation

/// The entries of `new/` this supervisor knows about, and which to claim
/// next: highest priority first, oldest first within a priority.
///
/// An entry is claimed only when it is complete. It is complete when it was
/// renamed in (the maildir way), when its writer closed it, or, for an entry
/// seen only by a scan, when it has not changed for `settle` seconds.
public struct PendingQueue {
    public let spool: Spool
    public var settle: TimeInterval
    public var defaultPriority: Int
    public var limits: SpoolLimits

    private enum Readiness {
        case ready
        /// Created in place or seen by a scan only: wait for its writer to
        /// close it, or until it stops changing.
        case settling(size: Int64, modified: Date)
    }

    private struct Entry {
        var readiness: Readiness
        var sequence: Int
    }

    private var entries: [String: Entry] = [:]
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
        entries.values.filter { if case .ready = $0.readiness { false } else { true } }.count
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
        case .removed(let name):
            entries[name] = nil
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
        }
        for name in names {
            switch entries[name]?.readiness {
            case .ready?:
                continue
            case .settling(let size, let modified)?:
                guard let (newSize, newModified) = fingerprint(name) else { continue }
                if newSize == size && newModified == modified && now.timeIntervalSince(newModified) >= settle {
                    markReady(name)
                } else {
                    entries[name]?.readiness = .settling(size: newSize, modified: newModified)
                }
            case nil:
                guard let (size, modified) = fingerprint(name) else { continue }
                if now.timeIntervalSince(modified) >= settle {
                    markReady(name)
                } else {
                    entries[name] = Entry(readiness: .settling(size: size, modified: modified), sequence: 0)
                }
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

    private mutating func markReady(_ name: String) {
        guard !name.hasPrefix(".") else { return }
        if case .ready? = entries[name]?.readiness { return }
        guard let info = FileSystem.info(spool.path(of: .new, name)),
              let submission = Submission.classify(name, type: info.type)
        else { return }
        sequence += 1
        entries[name] = Entry(readiness: .ready, sequence: sequence)
        buckets[priority(of: submission)].append((name, sequence))
    }

    /// Reads only the priority; a job that cannot be read here runs at the
    /// default priority and fails properly once claimed.
    private func priority(of submission: Submission) -> Int {
        let file: String
        switch submission.kind {
        case .jobFile: file = spool.path(of: .new, submission.entryName)
        case .jobDirectory: file = spool.path(of: .new, submission.entryName) + "/job.json"
        case .text, .audio, .rejected: return defaultPriority
        }
        guard let info = FileSystem.info(file), info.type == .regular, info.size <= Int64(limits.maxJobBytes),
              let data = try? FileSystem.read(file, limit: limits.maxJobBytes),
              let peek = try? JSONDecoder().decode(PriorityPeek.self, from: data),
              let priority = peek.priority, JobSpec.priorities.contains(priority)
        else { return defaultPriority }
        return priority
    }

    private struct PriorityPeek: Decodable {
        var priority: Int?
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
