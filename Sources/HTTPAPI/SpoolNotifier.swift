import Foundation
import Logging
import ServiceLifecycle
import Spool
import Synchronization

/// Wakes whoever follows a job (an event stream, a waiting speech request)
/// when the spool's files say it changed. One inotify watcher serves every
/// follower; where inotify cannot be had (a network file system), one
/// shared poll wakes them all: never a timer per client.
final class SpoolNotifier: Service, Sendable {
    /// How often the fallback wakes followers; also the longest a follower
    /// sleeps with inotify, as a safety net for a missed event.
    static let pollInterval: Duration = .milliseconds(500)
    static let safetyNet: Duration = .seconds(5)

    private struct Follower {
        var job: String
        var continuation: AsyncStream<Void>.Continuation
    }

    private let spool: Spool
    private let logger: Logger
    private let watcher: JobWatcher?
    /// config.json's `watch` polls here (a shared file system): inotify
    /// sees only this host's changes, so the safety net looks at everything.
    private let othersUnseen: Bool
    private let followers = Mutex<[UUID: Follower]>([:])
    /// Stopping: a follower that comes now is ended at once.
    private let stopped = Atomic<Bool>(false)
    /// Followers of every job (`GET /v1/events`).
    private let feeds = Mutex<[UUID: JobFeed]>([:])

    init(spool: Spool, logger: Logger, watch: WatchMode.Resolved? = nil) {
        self.spool = spool
        self.logger = logger
        othersUnseen = watch?.mode == .poll
        do {
            watcher = try JobWatcher(spool: spool)
        } catch {
            logger.warning("no inotify for the spool; following jobs by polling", metadata: ["error": "\(error)"])
            watcher = nil
        }
    }

    var usesInotify: Bool { watcher != nil }

    /// Has the watcher report `new/`'s entries to `subscriber` as well (the
    /// queue index), so one inotify descriptor wakes per delivery; false
    /// without inotify.
    func reportNewEntries(to subscriber: JobWatcher.NewEntries?) -> Bool {
        guard let watcher else { return false }
        watcher.reportNewEntries(to: subscriber)
        return true
    }

    func run() async throws {
        if let watcher { watcher.start { [weak self] job in self?.changed(job) } }
        // Cancelled the moment a shutdown begins, so the event streams end
        // then and let the server stop, not one sleep later.
        await cancelWhenGracefulShutdown { [self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: watcher == nil ? Self.pollInterval : Self.safetyNet)
                guard !Task.isCancelled else { break }
                // Polling, anything may have changed. With inotify, each
                // follower of one job looks again (a safety net for a missed
                // event costs one job's files), but a follower of every job
                // only looks again at what it was unsure of: a look at every
                // queued job, per client, every 5 s, cost what the queue holds.
                // On a shared file system inotify misses other hosts' changes: everything, as polling.
                if watcher == nil || othersUnseen { changed(nil) } else { recheck() }
            }
        }
        watcher?.stop()
        finishAll()
    }

    /// A stream that yields once now and then whenever `job` may have
    /// changed, until the caller stops iterating.
    func changes(of job: String) -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let key = UUID()
        followers.withLock { $0[key] = Follower(job: job, continuation: continuation) }
        continuation.onTermination = { [weak self] _ in
            _ = self?.followers.withLock { $0.removeValue(forKey: key) }
        }
        watcher?.follow(job)
        continuation.yield()
        if stopped.load(ordering: .acquiring) { continuation.finish() }
        return stream
    }

    /// Which jobs changed, for a follower of them all: each wake drains
    /// the ids gathered since the last (nil: anything may have, look again).
    func changesOfAll() -> JobFeed {
        let feed = JobFeed()
        feeds.withLock { $0[feed.key] = feed }
        if stopped.load(ordering: .acquiring) { feed.finish() }
        return feed
    }

    /// The follower of every job has gone.
    func unfollow(_ feed: JobFeed) {
        _ = feeds.withLock { $0.removeValue(forKey: feed.key) }
        feed.finish()
    }

    /// Follows a running job's folder for a follower of every job, who
    /// learns of the job only when it changes.
    func follow(_ job: String) {
        watcher?.follow(job)
    }

    /// A running job's folder is watched once someone follows it, but it
    /// may have been claimed after they started: follow again on each change.
    private func changed(_ job: String?) {
        let woken = followers.withLock { followers in
            followers.values.filter { job == nil || $0.job == job }
        }
        for follower in woken {
            if job != nil { watcher?.follow(follower.job) }
            follower.continuation.yield()
        }
        let feeds = feeds.withLock { Array($0.values) }
        if let job, !feeds.isEmpty { watcher?.follow(job) }
        for feed in feeds { feed.add(job) }
    }

    /// The safety net's wake with inotify: see `run`.
    private func recheck() {
        for follower in followers.withLock({ Array($0.values) }) { follower.continuation.yield() }
        for feed in feeds.withLock({ Array($0.values) }) { feed.wake() }
    }

    private func finishAll() {
        stopped.store(true, ordering: .releasing)
        let all = followers.withLock { followers in
            defer { followers = [:] }
            return Array(followers.values)
        }
        for follower in all { follower.continuation.finish() }
        for feed in feeds.withLock({ feeds in defer { feeds = [:] }; return Array(feeds.values) }) { feed.finish() }
    }
}
