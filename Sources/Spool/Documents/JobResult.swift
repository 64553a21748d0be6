import Basics

/// `done/<id>/result.json`.
public struct JobResult: Codable, Sendable, Equatable {
    public var id: String
    public var status = "done"
    public var engine: EngineRef
    public var task: String
    public var device: String
    /// Why a job whose engine prefers a GPU ran on the CPU.
    public var fallbackReason: String?
    /// How many attempts it took (1 if it worked the first time).
    public var attempts: Int
    public var timings: Timings
    public var outputs: [Output]
    public var metadata: JSONValue?
    /// The engine's figures about the run (PROTOCOL.md, run's `details`).
    public var details: [String: JSONValue]?
    /// Finished from an earlier job's result (`cachedFrom`), without running the engine.
    public var cached: Bool? = false
    public var cachedFrom: String?
    /// The key that identifies this result (SPOOL.md, "Idempotency").
    public var idempotencyKey: String?
    /// A script's or chapters' lines: where each ran.
    public var lines: [Line]?
    /// Chapters, as marked in the joined outputs.
    public var chapters: [ChapterEntry]?
    /// Subtitle files beside the audio.
    public var subtitles: [SubtitleFile]?

    public struct Line: Codable, Sendable, Equatable {
        /// From 1; nil without chapters.
        public var chapter: Int?
        public var line: Int
        public var engine: String
        public var device: String
        public var fallbackReason: String?
        public var segments: Int
        /// Where its audio starts in the joined output.
        public var startSeconds: Double

        public init(chapter: Int?, line: Int, engine: String, device: String, fallbackReason: String?, segments: Int, startSeconds: Double) {
            self.chapter = chapter
            self.line = line
            self.engine = engine
            self.device = device
            self.fallbackReason = fallbackReason
            self.segments = segments
            self.startSeconds = startSeconds
        }

        enum CodingKeys: String, CodingKey {
            case chapter, line, engine, device, segments
            case fallbackReason = "fallback_reason"
            case startSeconds = "start_s"
        }
    }

    public struct ChapterEntry: Codable, Sendable, Equatable {
        public var title: String
        public var startSeconds: Double
        public var durationSeconds: Double

        public init(title: String, startSeconds: Double, durationSeconds: Double) {
            self.title = title
            self.startSeconds = startSeconds
            self.durationSeconds = durationSeconds
        }

        enum CodingKeys: String, CodingKey {
            case title
            case startSeconds = "start_s"
            case durationSeconds = "duration_s"
        }
    }

    public struct SubtitleFile: Codable, Sendable, Equatable {
        public var path: String
        public var format: String
        public var cues: Int
        public var bytes: Int64
        public var sha256: String

        public init(path: String, format: String, cues: Int, bytes: Int64, sha256: String) {
            self.path = path
            self.format = format
            self.cues = cues
            self.bytes = bytes
            self.sha256 = sha256
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, status, engine, task, device, attempts, timings, outputs, metadata, details, cached, lines, chapters, subtitles
        case fallbackReason = "fallback_reason"
        case cachedFrom = "cached_from"
        case idempotencyKey = "idempotency_key"
    }

    public struct EngineRef: Codable, Sendable, Equatable {
        public var name: String
        public var version: String

        public init(name: String, version: String) {
            self.name = name
            self.version = version
        }
    }

    public struct Timings: Codable, Sendable, Equatable {
        public var claimedAt: String
        public var finishedAt: String
        /// Seconds in the engine, in encoding, and from claim to finish.
        public var engineSeconds: Double
        public var encodeSeconds: Double
        public var totalSeconds: Double

        public init(claimedAt: String, finishedAt: String, engineSeconds: Double, encodeSeconds: Double, totalSeconds: Double) {
            self.claimedAt = claimedAt
            self.finishedAt = finishedAt
            self.engineSeconds = engineSeconds
            self.encodeSeconds = encodeSeconds
            self.totalSeconds = totalSeconds
        }

        enum CodingKeys: String, CodingKey {
            case claimedAt = "claimed_at"
            case finishedAt = "finished_at"
            case engineSeconds = "engine_s"
            case encodeSeconds = "encode_s"
            case totalSeconds = "total_s"
        }
    }

    /// One encoded file, beside result.json.
    public struct Output: Codable, Sendable, Equatable {
        /// Relative to the job folder.
        public var path: String
        /// The engine's name for it ("output", "vocals", …).
        public var name: String
        public var format: String
        public var sampleRate: Int
        public var channels: Int
        public var durationSeconds: Double
        public var bytes: Int64
        public var sha256: String
        /// Measured on the final audio of a normalised output (SPOOL.md).
        public var loudnessLUFS: Double?
        public var truePeakDB: Double?
        public var loudnessRangeLU: Double?
        public var rmsDB: Double?
        public var peakDB: Double?
        /// The limiter's largest gain reduction, when it acted.
        public var limiterMaxDB: Double?
        /// A file of one chapter (`split`), from 1.
        public var chapter: Int?

        public init(
            path: String, name: String, format: String, sampleRate: Int, channels: Int, durationSeconds: Double,
            bytes: Int64, sha256: String
        ) {
            self.path = path
            self.name = name
            self.format = format
            self.sampleRate = sampleRate
            self.channels = channels
            self.durationSeconds = durationSeconds
            self.bytes = bytes
            self.sha256 = sha256
        }

        enum CodingKeys: String, CodingKey {
            case path, name, format, channels, bytes, sha256, chapter
            case sampleRate = "sample_rate"
            case durationSeconds = "duration_s"
            case loudnessLUFS = "loudness_lufs"
            case truePeakDB = "true_peak_db"
            case loudnessRangeLU = "loudness_range_lu"
            case rmsDB = "rms_db"
            case peakDB = "peak_db"
            case limiterMaxDB = "limiter_max_db"
        }
    }

    public init(
        id: String, engine: EngineRef, task: String, device: String, fallbackReason: String? = nil, attempts: Int,
        timings: Timings, outputs: [Output], metadata: JSONValue?, details: [String: JSONValue]? = nil
    ) {
        self.id = id
        self.engine = engine
        self.task = task
        self.device = device
        self.fallbackReason = fallbackReason
        self.attempts = attempts
        self.timings = timings
        self.outputs = outputs
        self.metadata = metadata
        self.details = details
    }
}
