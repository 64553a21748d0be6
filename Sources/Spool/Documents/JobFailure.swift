import Basics
import EngineProtocol

/// `failed/<id>/error.json`.
public struct JobFailure: Codable, Sendable, Equatable {
    public var id: String
    public var status = "failed"
    public var error: Reason
    /// How many attempts were made (0 if the job was rejected before running).
    public var attempts: Int
    /// Every attempt, with its error.
    public var history: [AttemptRecord]
    public var engine: String?
    public var failedAt: String
    public var metadata: JSONValue?
    /// The job killed its engine again and again and was stopped, so the
    /// other jobs can go on (the circuit breaker).
    public var poison: Bool?

    public struct Reason: Codable, Sendable, Equatable {
        public var kind: ErrorKind
        public var message: String

        public init(kind: ErrorKind, message: String) {
            self.kind = kind
            self.message = message
        }
    }

    public init(
        id: String, error: Reason, attempts: Int, history: [AttemptRecord], engine: String?, failedAt: String,
        metadata: JSONValue?
    ) {
        self.id = id
        self.error = error
        self.attempts = attempts
        self.history = history
        self.engine = engine
        self.failedAt = failedAt
        self.metadata = metadata
    }

    enum CodingKeys: String, CodingKey {
        case id, status, error, attempts, history, engine, metadata, poison
        case failedAt = "failed_at"
    }
}
