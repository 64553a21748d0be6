import Basics
import Foundation
import Synchronization

/// How many jobs `done/` and `failed/` hold, kept without listing them on
/// every look: counted once, then moved by the transitions this process
/// reports (`add`, `remove`), and recounted only when a folder's
/// modification time shows a change and the last count is older than
/// `recountInterval` (other supervisors, `audiospool retry`, an `rm`). An
/// idle supervisor over a million finished jobs so reads neither folder.
public final class FinishedCounts: Sendable {
    public let spool: Spool
    public let recountInterval: Duration

    private struct Tally {
        var count: Int
        /// The folder's mtime when it was last counted.
        var modified: Date?
        var countedAt: ContinuousClock.Instant
    }

    private let tallies: Mutex<[Spool.Folder: Tally]>

    public init(spool: Spool, recountInterval: Duration = .seconds(60)) {
        self.spool = spool
        self.recountInterval = recountInterval
        var tallies: [Spool.Folder: Tally] = [:]
        for folder in Self.folders { tallies[folder] = Self.count(folder, in: spool) }
        self.tallies = Mutex(tallies)
    }

    static let folders: [Spool.Folder] = [.done, .failed]

    /// This process moved `n` jobs into `folder`.
    public func add(_ folder: Spool.Folder, _ n: Int = 1) {
        tallies.withLock { $0[folder]?.count += n }
    }

    /// This process removed `n` jobs from `folder` (retention).
    public func remove(_ folder: Spool.Folder, _ n: Int = 1) {
        tallies.withLock { tallies in
            if let tally = tallies[folder] { tallies[folder]?.count = max(0, tally.count - n) }
        }
    }

    /// The counts now: one `stat` per folder, and a recount of a folder only
    /// where it changed and its count is older than `recountInterval`.
    public func current(now: ContinuousClock.Instant = .now) -> [Spool.Folder: Int] {
        var result: [Spool.Folder: Int] = [:]
        for folder in Self.folders {
            let modified = FileSystem.info(spool.path(of: folder))?.modified
            let stale = tallies.withLock { tallies -> Bool in
                guard let tally = tallies[folder] else { return true }
                return tally.modified != modified && now - tally.countedAt >= recountInterval
            }
            if stale {
                let fresh = Self.count(folder, in: spool, now: now)
                tallies.withLock { $0[folder] = fresh }
            }
            result[folder] = tallies.withLock { $0[folder]?.count ?? 0 }
        }
        return result
    }

    /// Lists the folder: its mtime first, so a change during the listing
    /// shows as a change next time.
    private static func count(_ folder: Spool.Folder, in spool: Spool, now: ContinuousClock.Instant = .now) -> Tally {
        let path = spool.path(of: folder)
        let modified = FileSystem.info(path)?.modified
        let count = ((try? FileSystem.list(path)) ?? []).filter { !$0.hasPrefix(".") }.count
        return Tally(count: count, modified: modified, countedAt: now)
    }
}
