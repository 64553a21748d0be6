import Basics
import Foundation

extension Spool {
    /// How many jobs each folder holds (dot files, being temporaries, excluded).
    public func counts(of folders: [Folder] = Folder.allCases) -> [Folder: Int] {
        var counts: [Folder: Int] = [:]
        for folder in folders {
            counts[folder] = folder == .cur ? runningFolders().count : ((try? FileSystem.list(path(of: folder))) ?? []).filter { !$0.hasPrefix(".") }.count
        }
        return counts
    }

    /// The status.json of every running job, oldest first.
    public func runningStatuses() -> [JobStatus] {
        return runningFolders().compactMap { job in
            let folder = JobFolder(path: job.path)
            return folder.read(JobStatus.self, from: folder.statusFile)
        }
        .sorted { $0.startedAt < $1.startedAt }
    }

    /// One job as the spool sees it now.
    public enum JobState: Sendable {
        /// In `new/` (`entry` is its name there); `attempts` were made
        /// before; not to run before `notBefore`.
        case pending(entry: String, attempts: [AttemptRecord], notBefore: Date?)
        /// In `cur/`; nil status while it is being claimed.
        case running(JobStatus?)
        case done(JobResult?)
        case failed(JobFailure?)

        public var name: String {
            switch self {
            case .pending: "pending"
            case .running: "running"
            case .done: "done"
            case .failed: "failed"
            }
        }
    }

    public func state(of id: String) -> JobState? {
        switch locate(id) {
        case .cur?:
            let folder = JobFolder(path: runningFolder(of: id) ?? path(of: .cur, id))
            return .running(folder.read(JobStatus.self, from: folder.statusFile))
        case .done?:
            let folder = JobFolder(path: path(of: .done, id))
            return .done(folder.read(JobResult.self, from: folder.resultFile))
        case .failed?:
            let folder = JobFolder(path: path(of: .failed, id))
            return .failed(folder.read(JobFailure.self, from: folder.errorFile))
        case .new?:
            let entries = ((try? FileSystem.list(new)) ?? []).filter { $0 == id || Submission.stem(of: $0) == id }
            let entry = entries.first ?? id
            let attempts = carried(JobFolder(path: path(of: .new, entry)))?.attempts ?? []
            let info = FileSystem.info(path(of: .new, entry))
            let schedule = info.flatMap { Submission.classify(entry, type: $0.type) }
                .map { JobSchedule.peek($0, in: self, defaultPriority: 0, limits: SpoolLimits()) }
            return .pending(entry: entry, attempts: attempts, notBefore: schedule?.notBefore)
        case nil:
            return nil
        }
    }
}
