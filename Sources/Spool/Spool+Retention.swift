import Basics
import Foundation
import Glibc

extension Spool {
    /// A finished job old enough to be removed.
    public struct ExpiredJob: Sendable, Equatable {
        public var folder: Folder
        public var id: String
        /// Seconds since it finished.
        public var age: TimeInterval
    }

    /// Jobs in `done/` and `failed/` older than their retention (0 days:
    /// kept for ever). A job's age is that of its result.json or
    /// error.json, written just before it was moved there; the folder's
    /// own time when it has neither.
    public func expiredJobs(doneDays: Double, failedDays: Double, now: Date = Date()) -> [ExpiredJob] {
        var expired: [ExpiredJob] = []
        for (folder, days) in [(Folder.done, doneDays), (.failed, failedDays)] where days > 0 {
            for id in ((try? FileSystem.list(path(of: folder))) ?? []).sorted() where !id.hasPrefix(".") {
                let job = JobFolder(path: path(of: folder, id))
                let marker = folder == .done ? job.resultFile : job.errorFile
                guard let finished = (FileSystem.info(marker) ?? FileSystem.info(job.path))?.modified else { continue }
                let age = now.timeIntervalSince(finished)
                if age > days * 86400 { expired.append(ExpiredJob(folder: folder, id: id, age: age)) }
            }
        }
        return expired
    }

    /// Removes one expired job. It is first renamed to a hidden name, so a
    /// reader never sees a half-removed folder, and its entry in the
    /// idempotency index goes with it.
    public func remove(_ job: ExpiredJob) throws(FileSystemError) {
        let source = path(of: job.folder, job.id)
        if job.folder == .done, let key = JobFolder(path: source).read(JobResult.self, from: JobFolder(path: source).resultFile)?.idempotencyKey {
            state.resultIndex.remove(key: key, ifItNames: job.id)
        }
        // A failed script keeps its segments' record for a retry that never came.
        if job.folder == .failed { forgetCarried(JobFolder(path: source)) }
        let doomed = path(of: job.folder) + "/.removing-" + job.id + "-" + String(UInt32.random(in: 0...UInt32.max))
        try FileSystem.rename(source, doomed)
        try FileSystem.removeTree(doomed)
    }
}
