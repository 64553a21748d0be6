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
        /// Its webhook was delivered (answered 2xx).
        case webhookDelivered = "webhook_delivered"
        /// A delivery attempt of its webhook failed; another follows at `retry_at`.
        case webhookFailed = "webhook_failed"
        /// Its webhook's last attempt failed, or it can no longer be sent; it is dropped.
        case webhookGaveUp = "webhook_gave_up"
        /// Its webhook was not sent: the allow-list does not allow its URL.
        case webhookRefused = "webhook_refused"
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
    /// For webhook events: the webhook's id (its `webhook-id` header).
    public var webhook: String?
    /// For webhook events: the receiver's HTTP status, when it answered.
    public var httpStatus: Int?

    public init(job: String, event: Kind, time: String = Timestamp.now()) {
        self.time = time
        self.job = job
        self.event = event
        host = HostIdentity.name
        pid = getpid()
    }

    enum CodingKeys: String, CodingKey {
        case time, job, event, host, pid, engine, attempt, progress, kind, message, seconds, entry, webhook
        case retryAt = "retry_at"
        case httpStatus = "http_status"
    }
}
