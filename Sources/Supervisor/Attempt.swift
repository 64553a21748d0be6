import Basics
import Foundation
import Logging
import Spool

/// One attempt at a claimed job, made once by JobRunner.run and handed to
/// every step of it: the job as claimed, its folder, its number and the
/// logger that names it.
struct Attempt: Sendable {
    let claimed: ClaimedJob
    let folder: JobFolder
    let claimedAt: Date
    var logger: Logger
    /// The supervisor's own record of every attempt so far, this one last.
    var history: [AttemptRecord] = []

    init(_ claimed: ClaimedJob, logger: Logger) {
        self.claimed = claimed
        folder = JobFolder(path: claimed.directory)
        claimedAt = claimed.claimedAt
        self.logger = logger
        self.logger[metadataKey: "job"] = "\(claimed.id)"
    }

    var id: String { claimed.id }
    /// This attempt's number, from 1.
    var number: Int { history.count }

    /// The record of this attempt, after `earlier` ones.
    func record(after earlier: [AttemptRecord]) -> [AttemptRecord] {
        earlier + [AttemptRecord(number: earlier.count + 1, host: HostIdentity.name, pid: getpid(), startedAt: Timestamp.string(claimedAt))]
    }
}
