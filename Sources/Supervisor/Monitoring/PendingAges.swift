import Basics
import Foundation
import Spool
import Synchronization

/// When each entry of `new/` arrived there (its inode change time, which
/// the rename into `new/` sets), remembered across looks: each look lists
/// `new/` and stats only the entries it has not seen before, so a backlog
/// of 50,000 costs one `readdir`, not 50,000 `stat`s, every time.
final class PendingAges: Sendable {
    let directory: String
    private let arrivals = Mutex<[String: Date]>([:])

    init(directory: String) {
        self.directory = directory
    }

    /// How many entries wait, and how long the oldest has.
    func look(now: Date = Date()) -> (count: Int, oldestAge: Double) {
        let names = ((try? FileSystem.list(directory)) ?? []).filter { !$0.hasPrefix(".") }
        return arrivals.withLock { known in
            var current: [String: Date] = [:]
            current.reserveCapacity(names.count)
            for name in names {
                if let seen = known[name] ?? FileSystem.info(directory + "/" + name)?.changed { current[name] = seen }
            }
            known = current
            guard let oldest = current.values.min() else { return (names.count, 0) }
            return (names.count, max(0, now.timeIntervalSince(oldest)).rounded(toPlaces: 3))
        }
    }
}
