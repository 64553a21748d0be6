import Basics
import Foundation
import Glibc

/// What the supervisor carries from one attempt of a job to the next,
/// kept in `state/carried/<inode>.json`, keyed by the job folder's inode
/// (a rename keeps it). Only this is trusted: the folder's own
/// attempts.json and segments/ are the submitter's to forge, so a job's
/// attempt count and its finished segments are believed only when this
/// record vouches for them (SPOOL.md, "What a submitter controls").
public struct CarriedRecord: Codable, Sendable, Equatable {
    public var id: String
    public var attempts: [AttemptRecord]
    /// The inode of the `segments/` folder the supervisor made, if any.
    public var segments: UInt64?

    public init(id: String, attempts: [AttemptRecord] = [], segments: UInt64? = nil) {
        self.id = id
        self.attempts = attempts
        self.segments = segments
    }
}

extension Spool {
    private func carriedFile(_ folder: JobFolder) -> String? {
        var status = stat()
        guard lstat(folder.path, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else { return nil }
        // The inode alone: new/ and cur/ are one file system, and a device
        // number differs between the hosts that share it over NFS.
        return state.carried(inode: UInt64(status.st_ino))
    }

    /// The supervisor's own record of the job in `folder`, if it has one.
    public func carried(_ folder: JobFolder) -> CarriedRecord? {
        guard let file = carriedFile(folder) else { return nil }
        return state.read(CarriedRecord.self, from: file)
    }

    /// Saves the record, and attempts.json in the folder for people to read.
    /// With `durable` both are synced (file, rename, folder), so an attempt
    /// that started is still counted after a crash.
    public func save(_ record: CarriedRecord, for folder: JobFolder, durable: Bool = false) throws(FileSystemError) {
        guard let file = carriedFile(folder) else { throw FileSystemError("stat", folder.path) }
        try FileSystem.createDirectories(state.carried)
        try state.write(record, to: file, durable: durable)
        try folder.writeAttempts(record.attempts, durable: durable)
    }

    /// A job failed with finished segments: its record keeps vouching for
    /// them (and no attempts: `audiospool retry` gives a fresh budget), so
    /// the retried job makes only what is missing.
    public func keepSegmentsForRetry(_ folder: JobFolder, durable: Bool = false) throws(FileSystemError) {
        // Made when the attempt began; without it there is nothing to vouch with.
        guard let file = carriedFile(folder), var record = carried(folder) else { return }
        record.attempts = []
        guard let segments = (try? folder.directory())?.info("segments"), segments.type == .directory else {
            forgetCarried(folder)
            return
        }
        record.segments = segments.inode
        try FileSystem.createDirectories(state.carried)
        try state.write(record, to: file, durable: durable)
    }

    /// Drops the record: the job is finished (done/ or failed/).
    public func forgetCarried(_ folder: JobFolder) {
        if let file = carriedFile(folder) { unlink(file) }
    }

    /// Removes an entry of a job folder; one nested too deep to remove (a
    /// planted tree, or an engine's) is moved to `state/planted/` instead,
    /// out of the job, and left for the operator.
    public func removePlanted(_ name: String, from directory: ConfinedDirectory) throws(FileSystemError) {
        do {
            try directory.remove(name)
        } catch where error.errno == .tooManySymbolicLinkLevels {
            try FileSystem.createDirectories(state.planted)
            try directory.move(name, outTo: state.planted + "/" + Self.uniqueName())
        }
    }

    /// Run on every claimed job before anything else reads it: removes
    /// every entry a submitter may have planted under a name the
    /// supervisor writes (status.json, result.json, error.json, owner.json,
    /// attempts.json, work/, segments/, hidden temporaries), whatever it is
    /// (file, folder, symlink, FIFO), except attempts.json and segments/
    /// that this spool's own record vouches for. Returns that record (empty
    /// for a job never run before).
    public func admit(_ claimed: ClaimedJob) throws(FileSystemError) -> CarriedRecord {
        let folder = JobFolder(path: claimed.directory)
        var record = carried(folder)
        // A record left by a job removed by hand is not this one's, though
        // its inode may have been reused: it names the job it was made for.
        if let stale = record, claimed.submission.stem != stale.id, !claimed.submission.stem.hasPrefix(stale.id + "-") {
            forgetCarried(folder)
            record = nil
        }
        let directory = try folder.directory()
        for name in try directory.list() {
            let keep: Bool
            switch name {
            case "segments":
                keep = record?.segments != nil && directory.info(name).map { $0.type == .directory && $0.inode == record?.segments } == true
            case "attempts.json":
                keep = false  // rewritten from the record below
            default:
                keep = !JobFolderNames.supervisorEntries.contains(name) && !JobFolderNames.isTemporary(name)
            }
            if !keep { try removePlanted(name, from: directory) }
        }
        var trusted = record ?? CarriedRecord(id: claimed.id)
        trusted.id = claimed.id
        if trusted.segments != nil && !directory.exists("segments") { trusted.segments = nil }
        return trusted
    }
}
