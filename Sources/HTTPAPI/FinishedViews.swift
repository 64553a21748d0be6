import Basics
import Foundation
import NIOCore
import Spool
import Synchronization

/// The answers of `GET /v1/jobs/{id}` for finished jobs, kept: a job in
/// `done/` or `failed/` does not change there, so its document is read,
/// decoded and encoded once, not on every poll. A kept answer is used only
/// while the folder is the very one it was made from (its inode and change
/// time: a rename, as retry and retention make, changes both or removes
/// it), so what the spool says still wins, and nothing of it must survive a
/// restart.
final class FinishedViews: Sendable {
    struct View: Sendable {
        var folder: Spool.Folder
        var inode: UInt64
        var changed: Date
        /// `metadata.submitted_by`: who else may see it.
        var owner: String?
        /// The whole response body (JSON and a newline).
        var body: ByteBuffer
    }

    /// Enough for every job a busy spool keeps a day; past it, half of them go
    /// (any half: a dropped answer is only made again).
    static let capacity = 20_000

    private let spool: Spool
    private let views = Mutex<[String: View]>([:])

    init(spool: Spool) {
        self.spool = spool
    }

    /// The kept answer for `id`, if its folder is still the one it was made from.
    func view(of id: String) -> View? {
        guard let view = views.withLock({ $0[id] }) else { return nil }
        guard let info = FileSystem.info(spool.path(of: view.folder, id)), info.type == .directory,
            info.inode == view.inode, info.changed == view.changed
        else {
            _ = views.withLock { $0.removeValue(forKey: id) }
            return nil
        }
        return view
    }

    /// Keeps the answer made for a finished job, as its folder is now.
    func keep(_ entry: JobCatalog.Entry, owner: String?, body: ByteBuffer, folderBefore: FileSystem.EntryInfo) {
        guard entry.folder == .done || entry.folder == .failed, entry.name == entry.id else { return }
        // Made from what was read between these two looks: kept only if nothing moved meanwhile.
        guard let after = FileSystem.info(spool.path(of: entry.folder, entry.id)), after.inode == folderBefore.inode,
            after.changed == folderBefore.changed
        else { return }
        let view = View(folder: entry.folder, inode: after.inode, changed: after.changed, owner: owner, body: body)
        views.withLock { views in
            if views.count >= Self.capacity { views = Dictionary(uniqueKeysWithValues: views.prefix(Self.capacity / 2).map { ($0.key, $0.value) }) }
            views[entry.id] = view
        }
    }
}
