import Synchronization

/// Jobs whose cancellation someone asked for. When a job's task is
/// cancelled, this tells a user's cancel (fail the job as `cancelled`) from
/// a shutdown (put it back in `new/`).
final class Cancellations: Sendable {
    private let requested = Mutex<Set<String>>([])

    func request(_ id: String) {
        requested.withLock { _ = $0.insert(id) }
    }

    func isRequested(_ id: String) -> Bool {
        requested.withLock { $0.contains(id) }
    }

    func forget(_ id: String) {
        requested.withLock { _ = $0.remove(id) }
    }
}
