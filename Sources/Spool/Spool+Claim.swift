import Basics
import Foundation
import Glibc

/// A job this supervisor owns: its folder in `cur/` is private to it.
public struct ClaimedJob: Sendable, Equatable {
    public var id: String
    /// `cur/<id>`.
    public var directory: String
    public var submission: Submission
    /// This claim's fencing token, for its owner.json (Spool+Fencing).
    public var token: String = Owner.newToken()
    /// When the claiming rename succeeded: the `claimed` event's time, and
    /// the attempt's start (not when bookkeeping after it was done).
    public var claimedAt = Date()
}

extension Spool {
    /// Claims an entry of `new/` with one atomic rename into `cur/<id>/`.
    /// Returns nil if another supervisor claimed it first (or it vanished).
    ///
    /// The id is reserved first with an exclusive `mkdir` of `cur/<id>`,
    /// made unique on collision with a job of that name (`NAME-2`, `NAME-3`,
    /// …). The claim is then the rename: a folder job replaces the empty
    /// reserved folder, a file moves inside it. Of two supervisors racing for
    /// one entry, the one that finds the name reserved backs off, so a job
    /// keeps its name; and only one rename can succeed, so the loser of that
    /// removes its empty reservation.
    public func claim(_ submission: Submission) throws(FileSystemError) -> ClaimedJob? {
        let source = path(of: .new, submission.entryName)
        for id in Self.candidateIDs(for: submission.stem) {
            if FileSystem.exists(path(of: .done, id)) || FileSystem.exists(path(of: .failed, id)) { continue }
            let directory = path(of: .cur, id)
            guard try FileSystem.reserveDirectory(directory) else {
                // An empty folder is another supervisor's reservation, most
                // likely for this very entry: let it win rather than give the
                // job a new name. (One left by a dead claimer is removed by
                // orphan recovery, and the entry is claimed then.)
                if (try? FileSystem.list(directory))?.isEmpty == true { return nil }
                continue
            }
            let target = submission.kind == .jobDirectory ? directory : directory + "/" + submission.claimedName
            do {
                try FileSystem.rename(source, target)
            } catch {
                rmdir(directory)
                if error.errno == .noSuchFileOrDirectory { return nil }
                throw error
            }
            return ClaimedJob(id: id, directory: directory, submission: submission)
        }
        return nil
    }

    /// `NAME`, `NAME-2`, … `NAME-999`; ids are kept short enough that the
    /// suffix and our temporary names always fit in a file name.
    static func candidateIDs(for stem: String) -> some Sequence<String> {
        var base = stem.isEmpty ? "job" : stem
        while base.utf8.count > 180 { base.removeLast() }
        // Made one at a time: nearly every job takes the first.
        return (1...999).lazy.map { $0 == 1 ? base : "\(base)-\($0)" }
    }
}
