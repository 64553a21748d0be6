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
    /// A script's or chapters' job: the line whose segment ran out of attempts.
    public var line: FailedLine?

    public struct FailedLine: Codable, Sendable, Equatable {
        /// From 1; nil without chapters.
        public var chapter: Int?
        public var chapterTitle: String?
        /// In its chapter (or the script), from 1.
        public var line: Int
        /// The job's field: `chapters[1].script[2]`.
        public var field: String
        public var engine: String
        /// The segment, from 1 through the whole job, and its text.
        public var segment: Int
        public var text: String
        /// Segments finished and kept for `audiospool retry`.
        public var segmentsKept: Int

        public init(chapter: Int?, chapterTitle: String?, line: Int, field: String, engine: String, segment: Int, text: String, segmentsKept: Int) {
            self.chapter = chapter
            self.chapterTitle = chapterTitle
            self.line = line
            self.field = field
            self.engine = engine
            self.segment = segment
            self.text = text
            self.segmentsKept = segmentsKept
        }

        enum CodingKeys: String, CodingKey {
            case chapter, line, field, engine, segment, text
            case chapterTitle = "chapter_title"
            case segmentsKept = "segments_kept"
        }
    }

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
        case id, status, error, attempts, history, engine, metadata, poison, line
        case failedAt = "failed_at"
    }
}
