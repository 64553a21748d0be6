import Basics
import Foundation
import Glibc
import Synchronization

/// `tmp/` and `new/` held open for a process that delivers many jobs
/// (`serve`): each delivery of a job.json names its files relative to
/// them, syncs `new/` through the descriptor it holds, and reads the new
/// entry's change time beside it, so no path is walked again. `submit`
/// makes one for a single delivery (`Spool.deliver`).
///
/// A folder replaced while held (the spool made again under the same path)
/// is a deleted folder, in which nothing can be created: the first ENOENT
/// opens both again, and the delivery is made once more.
public final class DeliveryFolders: Sendable {
    public let spool: Spool
    private let held = Mutex<Folders?>(nil)

    struct Folders: @unchecked Sendable {
        var tmp: ConfinedDirectory
        var new: ConfinedDirectory
    }

    public init(spool: Spool) {
        self.spool = spool
    }

    /// Delivers a job with no files of its own as `new/<id>.json`: written
    /// under a unique name in `tmp/`, then moved in without replacing
    /// anything. With `durable`, the file is synced before the move and
    /// `new/` after it. Returns the entry and when the move made it (its
    /// change time, as supervisors order the queue), nil if it is gone by then.
    public func deliver(job: Data, id: String, durable: Bool) throws(FileSystemError) -> (entry: String, arrived: Date?) {
        let entry = id + ".json"
        var again = false
        while true {
            let folders = try opened(again: again)
            let staging = Spool.uniqueName()
            do throws(FileSystemError) {
                try folders.tmp.createNew(staging, holding: job, durable: durable)
                do throws(FileSystemError) {
                    try folders.tmp.move(staging, to: folders.new, as: entry)
                } catch {
                    unlinkat(folders.tmp.descriptor, staging, 0)
                    throw error
                }
                if durable { try folders.new.sync() }
            } catch where error.errno == .noSuchFileOrDirectory && !again {
                again = true
                continue
            }
            let arrived = folders.new.info(entry)?.changed
            spool.record(.submitted, job: id) { $0.entry = entry }
            return (entry, arrived)
        }
    }

    private func opened(again: Bool) throws(FileSystemError) -> Folders {
        if !again, let folders = held.withLock({ $0 }) { return folders }
        let folders = Folders(tmp: try ConfinedDirectory(spoolFolder: spool.tmp), new: try ConfinedDirectory(spoolFolder: spool.new))
        held.withLock { $0 = folders }
        return folders
    }
}
