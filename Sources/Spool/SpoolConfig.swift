import Basics
import Foundation
import Glibc

/// The spool's own settings, in `config.json` at its root. The supervisor
/// writes the defaults there on first start, so operators can see and edit them.
public struct SpoolConfig: Sendable, Equatable {
    /// The engine that speaks dropped `.txt` files.
    public var ttsEngine = "piper"
    /// The engine that separates dropped audio files.
    public var separationEngine = "demucs"
    /// The output of jobs that do not name one.
    public var output: [OutputSpec] = [OutputSpec(format: .mp3)]
    public var priority = 5
    public var maxAttempts = 3
    /// Jobs running at once, across all engines.
    public var concurrency = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// The safety-net scan of `new/`, in case an inotify event was lost.
    public var rescanIntervalSeconds = 5.0
    /// How `new/`, `cancel/` and the engines folder are watched: inotify,
    /// polling (a network file system: inotify sees only this host's
    /// changes), or `auto`, which polls where `statfs` says the spool is on
    /// one (`WatchMode.resolve`).
    public var watch = WatchMode.auto
    /// In poll mode, how often `new/` and `cancel/` are listed.
    public var pollIntervalMilliseconds = 250
    /// How long an entry found without a close-write or rename event must
    /// stay unchanged before it is read (it may still be being copied).
    public var settleSeconds = 1.0
    /// On SIGTERM, how long running jobs may take to finish before they are
    /// cancelled and put back in `new/`.
    public var shutdownGraceSeconds = 30.0
    /// Write results with fsync before renaming them into place.
    public var durable = true
    /// A retry waits about base × 2^(attempt − 1) seconds (±25%), at most max.
    public var retryBackoffSeconds = 2.0
    public var retryBackoffMaxSeconds = 300.0
    /// How often running jobs' heartbeats are written, and how old one may
    /// get before its job counts as orphaned (also on other hosts).
    public var heartbeatSeconds = 5.0
    public var orphanTTLSeconds = 60.0
    /// A job that has killed its engine this many times is failed as poison.
    public var poisonAfter = 2
    /// Idle engine instances are pinged this often; one that does not answer is replaced.
    public var enginePingSeconds = 30.0
    /// Finished jobs are removed from `done/` and `failed/` this many days
    /// after they got there (0: kept for ever). Failed jobs are kept longer
    /// by default: someone has to look at them.
    public var doneRetentionDays = 7.0
    public var failedRetentionDays = 30.0
    public var limits = SpoolLimits()
    /// The supervisor's umask, for everything it and its engines create:
    /// jobs hold people's text and voices, so not world-readable.
    public var umask: mode_t = 0o027
    /// How long an idle engine instance stays loaded (Ollama's keep_alive
    /// default); an engine's manifest may say otherwise. Negative: forever.
    public var keepAliveSeconds = 300.0
    /// The sections other modules own, as written: `gpus` (Leases),
    /// `instance_limits` and `engines` (EngineHost), `http` (HTTPConfig), `webhooks` (Webhooks). The spool knows only
    /// that each is an object; `section(_:)` has its module read it.
    public var sections: [String: [String: JSONValue]] = [:]

    public init() {}

    /// The defaults with these sections at theirs, every field shown: a new
    /// spool's config.json.
    public init(sections: [any ConfigSection.Type]) {
        for section in sections { self.sections[section.configKey] = section.init().configValue.objectValue ?? [:] }
    }

    /// One section, read by its own type: its defaults where config.json
    /// has none.
    public func section<Section: ConfigSection>(_ type: Section.Type) throws(DocumentError) -> Section {
        guard let fields = sections[Section.configKey] else { return Section() }
        return try Section(config: JSONObjectReader(fields, path: Section.configKey))
    }

    /// Reads each of these sections, for the first error.
    public func check(_ types: [any ConfigSection.Type]) throws(DocumentError) {
        for type in types { _ = try section(type) }
    }
}

extension SpoolConfig {
    public static func parse(_ data: Data) throws(DocumentError) -> SpoolConfig {
        var reader = try JSONObjectReader.parse(data, what: "config.json")
        var config = SpoolConfig()
        if let engine = try reader.string("tts_engine") { config.ttsEngine = engine }
        if let engine = try reader.string("separation_engine") { config.separationEngine = engine }
        if let output = reader.value("output") {
            if case .array(let items) = output {
                // An empty list would finish every job with no audio.
                guard !items.isEmpty else { throw DocumentError("field \"output\" must list at least one output") }
                config.output = try items.enumerated().map { index, item throws(DocumentError) in
                    try OutputSpec.parse(item, path: "output[\(index)]")
                }
            } else {
                config.output = [try OutputSpec.parse(output, path: "output")]
            }
        }
        if let value = try reader.int("priority", in: JobSpec.priorities) { config.priority = value }
        if let value = try reader.int("max_attempts", in: 1...100) { config.maxAttempts = value }
        if let value = try reader.int("concurrency", in: 1...4096) { config.concurrency = value }
        if let value = try reader.double("rescan_interval_s", in: 0.05...3600) { config.rescanIntervalSeconds = value }
        if let text = try reader.string("watch") {
            guard let mode = WatchMode(rawValue: text) else {
                throw DocumentError("field \"watch\" must be \"auto\", \"inotify\" or \"poll\", got \"\(text)\"")
            }
            config.watch = mode
        }
        if let value = try reader.int("poll_interval_ms", in: 10...60000) { config.pollIntervalMilliseconds = value }
        if let value = try reader.double("settle_s", in: 0...3600) { config.settleSeconds = value }
        if let value = try reader.double("shutdown_grace_s", in: 0...86400) { config.shutdownGraceSeconds = value }
        if let value = try reader.bool("durable") { config.durable = value }
        if let value = try reader.double("retry_backoff_s", in: 0...86400) { config.retryBackoffSeconds = value }
        if let value = try reader.double("retry_backoff_max_s", in: 0...86400) { config.retryBackoffMaxSeconds = value }
        if let value = try reader.double("heartbeat_s", in: 0.05...3600) { config.heartbeatSeconds = value }
        if let value = try reader.double("orphan_ttl_s", in: 0.2...86400) { config.orphanTTLSeconds = value }
        guard config.orphanTTLSeconds > 2 * config.heartbeatSeconds else {
            throw DocumentError("orphan_ttl_s (\(config.orphanTTLSeconds)) must be more than twice heartbeat_s (\(config.heartbeatSeconds))")
        }
        if let value = try reader.int("poison_after", in: 1...100) { config.poisonAfter = value }
        if let value = try reader.double("engine_ping_s", in: 0.1...86400) { config.enginePingSeconds = value }
        if let value = try reader.double("done_retention_days", in: 0...36500) { config.doneRetentionDays = value }
        if let value = try reader.double("failed_retention_days", in: 0...36500) { config.failedRetentionDays = value }
        if let text = try reader.string("umask") {
            guard let mask = mode_t(text, radix: 8), mask <= 0o777, text.allSatisfy({ ("0"..."7").contains($0) }) else {
                throw DocumentError("field \"umask\" must be an octal string from \"000\" to \"777\", such as \"027\", got \"\(text)\"")
            }
            // The owner must keep reading and writing what it made.
            guard mask & 0o700 == 0 else {
                throw DocumentError("field \"umask\" must leave the owner's permissions (its first digit 0), got \"\(text)\"")
            }
            config.umask = mask
        }
        if var limits = try reader.object("limits") {
            if let value = try limits.int("max_job_bytes", in: 1...(1 << 30)) { config.limits.maxJobBytes = value }
            if let value = try limits.int("max_text_chars", in: 1...(1 << 30)) { config.limits.maxTextCharacters = value }
            if let value = try limits.int("max_input_bytes", in: 1...Int.max) { config.limits.maxInputBytes = Int64(value) }
            if let value = try limits.int("max_engine_line_bytes", in: 1024...(1 << 30)) { config.limits.maxEngineLineBytes = value }
            try limits.rejectUnknownFields()
        }
        if let gpus = try reader.object("gpus") { config.sections["gpus"] = gpus.fields }
        if let value = try reader.double("keep_alive_s", in: -1...(365 * 86400.0)) { config.keepAliveSeconds = value }
        if let limits = try reader.object("instance_limits") { config.sections["instance_limits"] = limits.fields }
        if let engines = try reader.object("engines") { config.sections["engines"] = engines.fields }
        if let http = try reader.object("http") { config.sections["http"] = http.fields }
        if let webhooks = try reader.object("webhooks") { config.sections["webhooks"] = webhooks.fields }
        if let lexicon = try reader.object("lexicon") { config.sections["lexicon"] = lexicon.fields }
        try reader.rejectUnknownFields()
        return config
    }

    /// The file's contents for a new spool: every setting, at its default.
    public func rendered() -> Data {
        var object: [String: JSONValue] = [
            "tts_engine": .string(ttsEngine),
            "separation_engine": .string(separationEngine),
            "priority": .number(Double(priority)),
            "max_attempts": .number(Double(maxAttempts)),
            "concurrency": .number(Double(concurrency)),
            "rescan_interval_s": .number(rescanIntervalSeconds),
            "settle_s": .number(settleSeconds),
            "watch": .string(watch.rawValue),
            "poll_interval_ms": .number(Double(pollIntervalMilliseconds)),
            "shutdown_grace_s": .number(shutdownGraceSeconds),
            "durable": .bool(durable),
            "retry_backoff_s": .number(retryBackoffSeconds),
            "retry_backoff_max_s": .number(retryBackoffMaxSeconds),
            "heartbeat_s": .number(heartbeatSeconds),
            "orphan_ttl_s": .number(orphanTTLSeconds),
            "poison_after": .number(Double(poisonAfter)),
            "engine_ping_s": .number(enginePingSeconds),
            "keep_alive_s": .number(keepAliveSeconds),
            "done_retention_days": .number(doneRetentionDays),
            "failed_retention_days": .number(failedRetentionDays),
            "umask": .string(String(format: "%03o", umask)),
            "limits": .object([
                "max_job_bytes": .number(Double(limits.maxJobBytes)),
                "max_text_chars": .number(Double(limits.maxTextCharacters)),
                "max_input_bytes": .number(Double(limits.maxInputBytes)),
                "max_engine_line_bytes": .number(Double(limits.maxEngineLineBytes)),
            ]),
        ]
        for (key, fields) in sections { object[key] = .object(fields) }
        let outputs = (try? JSONDecoder().decode([JSONValue].self, from: JSONEncoder().encode(output))) ?? []
        object["output"] = outputs.count == 1 ? outputs[0] : .array(outputs)
        let encoder = JSONEncoder.document()
        return ((try? encoder.encode(object)) ?? Data("{}".utf8)) + Data("\n".utf8)
    }
}

extension SpoolConfig {
    /// The wait before attempt `attempt + 1`, after `attempt` failed: doubling
    /// from `retry_backoff_s`, capped, with ±25% jitter so retries of jobs
    /// that failed together do not come back together.
    public func retryDelay(afterAttempt attempt: Int) -> TimeInterval {
        let exponential = retryBackoffSeconds * pow(2, Double(max(0, attempt - 1)))
        return min(retryBackoffMaxSeconds, exponential) * Double.random(in: 0.75...1.25)
    }
}

extension Spool {
    /// Reads `config.json`, or returns the defaults if there is none, and
    /// has each of `sections` read, so its errors are found now.
    public func loadConfig(checking sections: [any ConfigSection.Type] = []) throws(DocumentError) -> SpoolConfig {
        guard FileSystem.exists(configFile) else { return SpoolConfig() }
        let data: Data
        do {
            data = try FileSystem.read(configFile, limit: 1 << 20)
        } catch {
            throw DocumentError("cannot read \(configFile): \(error.errno)")
        }
        do {
            let config = try SpoolConfig.parse(data)
            try config.check(sections)
            return config
        } catch {
            throw DocumentError("\(configFile): \(error.message)")
        }
    }

    /// Writes `config` (the defaults, with every module's section: see
    /// `SpoolConfig(sections:)`) if the spool has none (never overwrites).
    public func writeDefaultConfigIfMissing(_ config: SpoolConfig) throws(FileSystemError) {
        guard !FileSystem.exists(configFile) else { return }
        try FileSystem.writeAtomically(config.rendered(), to: configFile)
    }
}
