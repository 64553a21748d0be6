import Basics
import Foundation

/// How urgently, and from when, an entry of `new/` wants to run: read from
/// its job.json (`priority`, `not_before`) and, for a job back for another
/// attempt, the supervisor's record of its attempts (`retry_at`). Read without claiming, so a
/// broken file just means the defaults: it fails properly once claimed.
public struct JobSchedule: Sendable, Equatable {
    public var priority: Int
    /// Not to be claimed before this time.
    public var notBefore: Date?
    /// The engine the job wants: its job.json's `engine`, or the spool's
    /// `tts_engine` or `separation_engine` for a dropped text or song; nil
    /// when it cannot be read (the job fails as `bad_input` once claimed).
    public var engine: String?

    public init(priority: Int, notBefore: Date? = nil, engine: String? = nil) {
        self.priority = priority
        self.notBefore = notBefore
        self.engine = engine
    }

    /// The engines dropped texts and songs go to (config.json's
    /// `tts_engine` and `separation_engine`).
    public struct DropEngines: Sendable, Equatable {
        public var tts: String
        public var separation: String

        public init(tts: String, separation: String) {
            self.tts = tts
            self.separation = separation
        }

        public init(_ config: SpoolConfig) {
            self.init(tts: config.ttsEngine, separation: config.separationEngine)
        }

        /// A default config's: made once (a SpoolConfig asks how many cores there are).
        public static let defaults = DropEngines(SpoolConfig())
    }

    /// The entry is only looked at: its job.json is read through the
    /// no-follow helpers (a job folder's through `ConfinedDirectory`), at
    /// most `limits.maxJobBytes` of it.
    public static func peek(
        _ submission: Submission, in spool: Spool, defaultPriority: Int, limits: SpoolLimits,
        drops: DropEngines = .defaults
    ) -> JobSchedule {
        var schedule = JobSchedule(priority: defaultPriority)
        let entry = spool.path(of: .new, submission.entryName)
        let jobFile: String
        switch submission.kind {
        case .jobFile: jobFile = entry
        case .jobDirectory: jobFile = entry + "/job.json"
        case .text:
            schedule.engine = drops.tts
            return schedule
        case .audio:
            schedule.engine = drops.separation
            return schedule
        case .rejected: return schedule
        }
        let peeked: Peek? =
            submission.kind == .jobDirectory
            ? (try? ConfinedDirectory(path: entry).read("job.json", limit: limits.maxJobBytes)).flatMap { try? JSONDecoder().decode(Peek.self, from: $0) }
            : read(jobFile, limit: limits.maxJobBytes)
        if let peek = peeked {
            if let priority = peek.priority, JobSpec.priorities.contains(priority) { schedule.priority = priority }
            schedule.notBefore = peek.notBefore.flatMap(Timestamp.parse)
            schedule.engine = peek.engine
        }
        // The backoff is the supervisor's own record's, never a submitted attempts.json's.
        if submission.kind == .jobDirectory, let attempts = spool.carried(JobFolder(path: entry))?.attempts,
           let retry = attempts.last?.retryAt.flatMap(Timestamp.parse) {
            schedule.notBefore = max(schedule.notBefore ?? retry, retry)
        }
        return schedule
    }

    private struct Peek: Decodable {
        var priority: Int?
        var notBefore: String?
        var engine: String?

        enum CodingKeys: String, CodingKey {
            case priority, engine
            case notBefore = "not_before"
        }

        init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            priority = try container.decodeIfPresent(Int.self, forKey: .priority)
            notBefore = try container.decodeIfPresent(String.self, forKey: .notBefore)
            // An engine that is not a string fails at the claim; it must not
            // cost the job its priority and not_before before then.
            engine = try? container.decodeIfPresent(String.self, forKey: .engine)
        }
    }

    private static func read<T: Decodable>(_ path: String, limit: Int) -> T? {
        guard let info = FileSystem.info(path), info.type == .regular, info.size <= Int64(limit),
              let data = try? FileSystem.read(path, limit: limit)
        else { return nil }
        return try? JSONDecoder().decode(T.self, from: data)
    }
}
