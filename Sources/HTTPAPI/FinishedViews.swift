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
        /// `metadata.submitted_by`: who else may see it.
        var owner: String?
        /// The whole response body (JSON and a newline).
        var body: ByteBuffer
    }

    /// The folder an answer was made from.
    struct Identity: Sendable, Equatable {
        var folder: Spool.Folder
        var inode: UInt64
        var changed: Date
    }

    private let spool: Spool
    /// Enough for every job a busy spool keeps a day.
    private let views = KeptByIdentity<Identity, View>(capacity: 20_000)

    init(spool: Spool) {
        self.spool = spool
    }

    /// The kept answer for `id`, if its folder is still the one it was made from.
    func view(of id: String) -> View? {
        guard let (identity, view) = views.entry(id) else { return nil }
        guard let info = FileSystem.info(spool.path(of: identity.folder, id)), info.type == .directory,
            Identity(folder: identity.folder, inode: info.inode, changed: info.changed) == identity
        else {
            views.remove(id)
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
        views.keep(entry.id, Identity(folder: entry.folder, inode: after.inode, changed: after.changed), View(owner: owner, body: body))
    }
}
