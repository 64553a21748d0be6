import Foundation
import Synchronization

/// The jobs that changed since a follower of every job last looked: ids
/// gather in a set (a job that changes ten times is looked at once), and a
/// wake-up stream of one tells the follower to drain them.
final class JobFeed: Sendable {
    struct Changes: Sendable {
        var jobs: Set<String> = []
        /// Anything may have changed (an inotify overflow, a poll).
        var anything = false
    }

    let key = UUID()
    private let pending = Mutex(Changes())
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() {
        (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func add(_ job: String?) {
        pending.withLock { changes in
            if let job { changes.jobs.insert(job) } else { changes.anything = true }
        }
        continuation.yield()
    }

    /// Wakes the follower to look again at what it was unsure of, with nothing new.
    func wake() {
        continuation.yield()
    }

    func finish() {
        continuation.finish()
    }

    /// Waits until something changed (or the server stops: nil), then hands over what did.
    func next() async -> Changes? {
        var iterator = stream.makeAsyncIterator()
        guard await iterator.next() != nil else { return nil }
        return pending.withLock { changes in
            defer { changes = Changes() }
            return changes
        }
    }

    deinit {
        continuation.finish()
    }
}
