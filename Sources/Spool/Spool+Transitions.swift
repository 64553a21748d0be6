import Glibc

extension Spool {
    /// Moves a finished job from `cur/` to `done/` or `failed/` with one
    /// rename, so the job appears there complete or not at all. Returns the
    /// id it ended under (the same, unless that name was somehow taken).
    @discardableResult
    public func finish(_ id: String, into folder: Folder) throws(FileSystemError) -> String {
        precondition(folder == .done || folder == .failed)
        return try move(path(of: .cur, id), into: folder, preferring: id)
    }

    /// Puts a claimed job back in `new/` as a job folder, for another attempt.
    @discardableResult
    public func requeue(_ id: String) throws(FileSystemError) -> String {
        try move(path(of: .cur, id), into: .new, preferring: id)
    }

    /// Moves a job folder into `folder` under `id`, or the first free
    /// `id-N`. rename(2) never replaces a non-empty folder, so an existing
    /// job is never overwritten.
    public func move(_ source: String, into folder: Folder, preferring id: String) throws(FileSystemError) -> String {
        for candidate in Self.candidateIDs(for: id) {
            let target = path(of: folder, candidate)
            if FileSystem.exists(target) { continue }
            do {
                try FileSystem.rename(source, target)
                return candidate
            } catch where error.errno == .directoryNotEmpty || error.errno == .fileExists {
                continue
            }
        }
        throw FileSystemError("rename (no free name)", source, .fileExists)
    }

    /// Marks a running job alive: its owner.json's modification time is its
    /// heartbeat (SPOOL.md, "Supervisors stopping and dying").
    public func heartbeat(_ id: String) {
        utimes(JobFolder(path: path(of: .cur, id)).ownerFile, nil)
    }

    /// `audiospool retry`: a failed job back to `new/` with a fresh attempt
    /// budget. Its error.json goes first, so the job never shows in `new/`
    /// still carrying its old verdict. Returns its name in `new/`.
    @discardableResult
    public func retryFailed(_ id: String) throws(FileSystemError) -> String {
        let folder = JobFolder(path: path(of: .failed, id))
        guard FileSystem.isDirectory(folder.path) else {
            throw FileSystemError("find a failed job", folder.path, .noSuchFileOrDirectory)
        }
        try FileSystem.removeTree(folder.errorFile)
        try FileSystem.removeTree(folder.attemptsFile)
        return try move(folder.path, into: .new, preferring: id)
    }
}
