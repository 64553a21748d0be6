import Synchronization

/// How many speech requests are waiting for their jobs: bounded, so a
/// burst of callers gets 429 rather than piling up connections.
final class WaiterCount: Sendable {
    private let count = Mutex(0)
    let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    /// Takes a place, or false if all are taken.
    func enter() -> Bool {
        count.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    func leave() {
        count.withLock { $0 -= 1 }
    }
}

/// Gives a waiter's place back when the last holder (the handler, or the
/// response body still streaming) lets go of it.
final class WaiterPlace: Sendable {
    private let waiters: WaiterCount

    init(_ waiters: WaiterCount) {
        self.waiters = waiters
    }

    deinit {
        waiters.leave()
    }
}
