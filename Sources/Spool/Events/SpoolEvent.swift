import Basics
import Glibc

/// One line of `state/events.jsonl`: a job changing state (SPOOL.md,
/// "state/events.jsonl").
public struct SpoolEvent: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// Delivered into `new/` by `audiospool submit`.
        case submitted
        /// Claimed into `cur/` for an attempt.
        case claimed
        /// Crossed 25%, 50% or 75%.
        case progress
        /// An attempt failed; the job is back in `new/` for another.
        case retried
        /// The supervisor stopped; the job is back in `new/`, the attempt not counted.
        case interrupted
        case done
        case failed
        case cancelled
        /// Its supervisor was lost; orphan recovery put it back in `new/`.
        case recovered
        /// `audiospool retry` moved it from `failed/` back to `new/`.
        case resubmitted
    }

    public var time: String
    public var job: String
    public var event: Kind
    public var host: String
    public var pid: Int32
    public var engine: String?
    public var attempt: Int?
    public var progress: Double?
    /// The error kind of a failed attempt.
    public var kind: String?
    public var message: String?
    /// When a retried job may run again.
    public var retryAt: String?
    /// How long the attempt took (done, failed).
    public var seconds: Double?
    /// Its name in `new/`, when that is not the id (a job file, a renamed retry).
    public var entry: String?

    public init(job: String, event: Kind, time: String = Timestamp.now()) {
        self.time = time
        self.job = job
        self.event = event
        host = HostIdentity.name
        pid = getpid()
    }

    enum CodingKeys: String, CodingKey {
        case time, job, event, host, pid, engine, attempt, progress, kind, message, seconds, entry
        case retryAt = "retry_at"
    }
}
