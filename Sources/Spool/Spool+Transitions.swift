import Basics
import Foundation
import Glibc

extension Spool {
    /// Moves a finished job from `cur/` to `done/` or `failed/` with one
    /// rename, so the job appears there complete or not at all. Returns the
    /// id it ended under (the same, unless that name was somehow taken).
    /// With `durable` the target folder is synced after the rename: the
    /// caller has synced the job folder's files and entries before it.
    @discardableResult
    public func finish(_ id: String, into folder: Folder, durable: Bool = false) throws(FileSystemError) -> String {
        precondition(folder == .done || folder == .failed)
        return try move(path(of: .cur, id), into: folder, preferring: id, durable: durable)
    }

    /// Puts a claimed job back in `new/` as a job folder, for another attempt.
    @discardableResult
    public func requeue(_ id: String, durable: Bool = false) throws(FileSystemError) -> String {
        try move(path(of: .cur, id), into: .new, preferring: id, durable: durable)
    }

    /// Moves a job folder into `folder` under `id`, or the first free
    /// `id-N`. rename(2) never replaces a non-empty folder, so an existing
    /// job is never overwritten. With `durable` the target folder is synced
    /// after the rename: the caller has synced the job folder before it.
    public func move(
        _ source: String, into folder: Folder, preferring id: String, durable: Bool = false
    ) throws(FileSystemError) -> String {
        for candidate in Self.candidateIDs(for: id) {
            let target = path(of: folder, candidate)
            if FileSystem.exists(target) { continue }
            do {
                try FileSystem.rename(source, target)
                if durable { try FileSystem.syncDirectory(path(of: folder)) }
                return candidate
            } catch where error.errno == .directoryNotEmpty || error.errno == .fileExists {
                continue
            }
        }
        throw FileSystemError("rename (no free name)", source, .fileExists)
    }

    /// Asks for a job's cancellation by dropping `cancel/<id>` (written in
    /// `tmp/`, renamed in, like any delivery).
    public func requestCancel(_ id: String) throws(FileSystemError) {
        guard Self.isJobID(id) else { throw FileSystemError("cancel", id, .invalidArgument) }
        let staging = tmp + "/" + Self.uniqueName()
        try FileSystem.writeAtomically(Data(), to: staging)
        do {
            try FileSystem.rename(staging, cancel + "/" + id)
        } catch {
            unlink(staging)
            throw error
        }
    }

    /// Marks a running job alive: its owner.json's modification time is its
    /// heartbeat (SPOOL.md, "Supervisors stopping and dying").
    /// Only while the claim is still `token`'s: a supervisor that woke
    /// from a stall must not keep its successor's job alive.
    public func heartbeat(_ id: String, token: String) {
        guard Self.isJobID(id) else { return }
        let folder = JobFolder(path: path(of: .cur, id))
        guard let directory = try? folder.directory(),
              let data = try? directory.read("owner.json", limit: 1 << 16),
              (try? JSONDecoder().decode(Owner.self, from: data))?.token == token
        else { return }
        directory.touch("owner.json")
    }

    /// `audiospool retry`: a failed job back to `new/` with a fresh attempt
    /// budget. Its error.json goes first, so the job never shows in `new/`
    /// still carrying its old verdict. Returns its name in `new/`.
    @discardableResult
    public func retryFailed(_ id: String) throws(FileSystemError) -> String {
        let folder = JobFolder(path: path(of: .failed, id))
        guard Self.isJobID(id), FileSystem.isDirectory(folder.path) else {
            throw FileSystemError("find a failed job", folder.path, .noSuchFileOrDirectory)
        }
        try folder.remove(folder.errorFile)
        try folder.remove(folder.attemptsFile)
        let entry = try move(folder.path, into: .new, preferring: id)
        record(.resubmitted, job: id) { if entry != id { $0.entry = entry } }
        return entry
    }

    /// Fails a job still waiting in `new/` as cancelled, without running
    /// it. It is claimed like any job, so only one process does this.
    /// Returns false if it was not in `new/` or someone else claimed it first.
    @discardableResult
    public func cancelPending(_ id: String, durable: Bool = true) throws(FileSystemError) -> Bool {
        guard Self.isJobID(id) else { return false }
        let entries = ((try? FileSystem.list(new)) ?? []).filter { $0 == id || Submission.stem(of: $0) == id }
        guard let entry = entries.first, let info = FileSystem.info(path(of: .new, entry)),
              let submission = Submission.classify(entry, type: info.type),
              let claimed = try claim(submission)
        else { return false }
        let folder = JobFolder(path: claimed.directory)
        let history = try admit(claimed).attempts
        let failure = JobFailure(
            id: claimed.id, error: .init(kind: .cancelled, message: "cancelled by request before it ran"),
            attempts: history.count, history: history, engine: nil, failedAt: Timestamp.now(), metadata: nil)
        try folder.write(failure, to: folder.errorFile, durable: durable)
        let directory = try folder.directory()
        for leftover in ["attempts.json", "segments", "work"] { try removePlanted(leftover, from: directory) }
        if durable { try directory.sync() }
        forgetCarried(folder)
        let id = try finish(claimed.id, into: .failed, durable: durable)
        record(.cancelled, job: id) { $0.message = failure.error.message }
        return true
    }
}
