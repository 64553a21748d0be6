import Basics

/// `cur/<id>/status.json`: what a running job is doing now. Replaced
/// atomically on every change, so it is always complete JSON.
public struct JobStatus: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable {
        /// Claimed; its engine is being found or started.
        case starting
        /// The engine is working on it.
        case running
        /// The engine is done; outputs are being encoded.
        case encoding
    }

    public var id: String
    /// The host whose supervisor runs it (HostIdentity.name).
    public var host: String?
    public var state: State
    public var engine: String
    public var device: String?
    /// Why a `gpu-preferred` engine's run is on the CPU, as result.json will say.
    public var fallbackReason: String?
    public var attempt: Int
    /// 0…1.
    public var progress: Double
    public var segmentsDone: Int?
    public var segmentsTotal: Int?
    public var message: String?
    public var startedAt: String
    public var updatedAt: String
    /// Seconds left, estimated from progress so far.
    public var etaSeconds: Double?
    /// A script's or chapters' segments by state, for the whole job.
    public var segments: SegmentCounts?
    /// The same for each chapter.
    public var chapters: [ChapterCounts]?

    /// Segments `done`, `failed` (the last try failed; retried or given up),
    /// `running` and `pending` (not started yet).
    public struct SegmentCounts: Codable, Sendable, Equatable {
        public var done = 0
        public var failed = 0
        public var running = 0
        public var pending = 0

        public init() {}
    }

    public struct ChapterCounts: Codable, Sendable, Equatable {
        public var title: String
        public var segments: SegmentCounts

        public init(title: String, segments: SegmentCounts) {
            self.title = title
            self.segments = segments
        }
    }

    public init(id: String, state: State, engine: String, attempt: Int, startedAt: String) {
        self.id = id
        host = HostIdentity.name
        self.state = state
        self.engine = engine
        self.attempt = attempt
        self.progress = 0
        self.startedAt = startedAt
        self.updatedAt = startedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, host, state, engine, device, attempt, progress, message, segments, chapters
        case segmentsDone = "segments_done"
        case segmentsTotal = "segments_total"
        case startedAt = "started_at"
        case updatedAt = "updated_at"
        case etaSeconds = "eta_s"
        case fallbackReason = "fallback_reason"
    }
}
