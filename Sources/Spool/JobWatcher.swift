import Basics
import Foundation
import Glibc
import Synchronization

/// Tells which jobs changed, for readers that follow jobs (`serve`'s event
/// streams and speech requests): one inotify descriptor watches `new/`,
/// `cur/`, `done/` and `failed/` (a job moving between them) and, while
/// someone follows it, a running job's folder and its `segments/` (its
/// status.json and finished segments are renamed in there). It says only
/// *which* job changed; the caller reads the files. `init` throws where
/// inotify cannot be had, and the caller polls instead.
public final class JobWatcher: Sendable {
    /// What changed: a job id, or nil after an overflow (anything may have).
    public typealias Handler = @Sendable (_ job: String?) -> Void

    private let reader: InotifyReader
    /// Watch descriptor → what it watches: a spool folder (job = nil) or a job's folder.
    private let watches: Mutex<[Int32: (folder: String, job: String?)]>
    private let spool: Spool
    /// Who keeps an index of `new/` from these events (serve's queue index),
    /// so one descriptor, not two, wakes for each delivery.
    private let entriesOfNew = Mutex<NewEntries?>(nil)

    public struct NewEntries: Sendable {
        public var events: @Sendable ([SpoolWatcher.Event]) -> Void
        /// The watcher has stopped: the index must look for itself.
        public var ended: @Sendable () -> Void

        public init(events: @escaping @Sendable ([SpoolWatcher.Event]) -> Void, ended: @escaping @Sendable () -> Void) {
            self.events = events
            self.ended = ended
        }
    }

    /// How long a read waits for more events after one (InotifyReader).
    static let gatherMilliseconds: Int32 = 2

    static let mask = UInt32(IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_CLOSE_WRITE | IN_ONLYDIR)

    public init(spool: Spool) throws(FileSystemError) {
        self.spool = spool
        reader = try InotifyReader(for: spool.root)
        var watches: [Int32: (folder: String, job: String?)] = [:]
        for folder in Spool.Folder.allCases {
            let path = spool.path(of: folder)
            guard let wd = reader.watch(path, mask: Self.mask) else { throw FileSystemError("inotify_add_watch", path) }
            watches[wd] = (path, nil)
        }
        self.watches = Mutex(watches)
    }

    /// Watches a running job's folder and its `segments/`, if there. A
    /// watch on a folder follows it when it is renamed to `done/`; inotify
    /// drops it when the folder goes.
    public func follow(_ id: String) {
        guard Spool.isJobID(id) else { return }
        for path in [spool.path(of: .cur, id), spool.path(of: .cur, id) + "/segments"] {
            // IN_DONT_FOLLOW: a submitter's symlink is not watched through.
            guard let wd = reader.watch(path, mask: Self.mask | UInt32(IN_DONT_FOLLOW)) else { continue }
            watches.withLock { $0[wd] = (path, id) }
        }
    }

    /// Also reports what happens in `new/`, as a `SpoolWatcher` of it
    /// would, from now until `stop()` (or `reportNewEntries(to: nil)`).
    /// Events before the watcher starts wait in the kernel for it.
    public func reportNewEntries(to subscriber: NewEntries?) {
        entriesOfNew.withLock { $0 = subscriber }
    }

    /// Calls `handler` for each changed job, on a thread of its own, until `stop()`.
    public func start(_ handler: @escaping Handler) {
        // Readers of jobs wait on people (an event stream, a speech
        // request): a few milliseconds more lets a burst of deliveries wake
        // this thread once, not once each.
        reader.start(name: "job-watcher", gatherMilliseconds: Self.gatherMilliseconds, { [self] events in
            var changed: Set<String> = []
            var overflow = false
            var inNew: [SpoolWatcher.Event] = []
            self.watches.withLock { watches in
                for event in events {
                    if event.has(IN_Q_OVERFLOW) { overflow = true; continue }
                    if event.has(IN_IGNORED) { watches[event.watch] = nil; continue }
                    guard let watched = watches[event.watch] else { continue }
                    if let job = watched.job {
                        changed.insert(job)
                    } else if !event.name.isEmpty, !event.name.hasPrefix(".") {
                        // Entries of new/ are named `ID.json`, `ID.txt`, …; job folders by their id.
                        let isNew = watched.folder == self.spool.new
                        if isNew, let translated = SpoolWatcher.translate(event) { inNew.append(translated) }
                        changed.insert(isNew ? Submission.stem(of: event.name) : event.name)
                    }
                }
            }
            if let subscriber = entriesOfNew.withLock({ $0 }) {
                if overflow { inNew.append(.overflow) }
                if !inNew.isEmpty { subscriber.events(inNew) }
            }
            if overflow { handler(nil) }
            for job in changed { handler(job) }
        }, failed: { [self] in
            endReports()
            handler(nil)
        })
    }

    public func stop() {
        reader.stop()
        endReports()
    }

    private func endReports() {
        entriesOfNew.withLock { subscriber in
            defer { subscriber = nil }
            return subscriber
        }?.ended()
    }
}
