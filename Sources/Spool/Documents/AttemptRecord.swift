/// One attempt at a job, kept in `attempts.json` in the job folder so the
/// count survives requeues and supervisor crashes.
public struct AttemptRecord: Codable, Sendable, Equatable {
    public var number: Int
    public var host: String
    public var pid: Int32
    public var startedAt: String
    public var endedAt: String?
    public var error: JobFailure.Reason?
    /// When the job may be tried again (the retry backoff), if it will be.
    public var retryAt: String?

    public init(number: Int, host: String, pid: Int32, startedAt: String) {
        self.number = number
        self.host = host
        self.pid = pid
        self.startedAt = startedAt
    }

    enum CodingKeys: String, CodingKey {
        case number, host, pid, error
        case startedAt = "started_at"
        case endedAt = "ended_at"
        case retryAt = "retry_at"
    }
}
