import Basics
import Foundation

/// A job as submitted (`job.json`, SPOOL.md "Job schema"). Parsing is strict
/// and every error names the field; checks that need the engines or the job's
/// files happen later, in the supervisor.
public struct JobSpec: Sendable, Equatable {
    public var engine: String
    /// The engine's task; nil means the engine's first task.
    public var task: String?
    public var text: String?
    /// A UTF-8 text file in the job folder, instead of `text`.
    public var textFile: String?
    /// Input name → path relative to the job folder.
    public var inputs: [String: String]
    /// Engine parameters, passed through unchanged.
    public var params: [String: JSONValue]
    /// What to encode; empty means the spool's default output.
    public var outputs: [OutputSpec]
    /// 0 (lowest) … 9 (highest); nil means the spool default.
    public var priority: Int?
    public var maxAttempts: Int?
    /// Anything the submitter wants echoed in result.json and error.json.
    public var metadata: JSONValue?
    /// Silence between sentences and between paragraphs of a segmented
    /// text, overriding the engine's defaults.
    public var pauses: Pauses?
    /// Not to run before this time.
    public var notBefore: Date?
    /// Jobs with the same key share one result (SPOOL.md, "Idempotency").
    public var idempotencyKey: String?
    /// false: always run, even if an identical job has a result.
    public var cache: Bool?
    /// Where to POST the result when the job ends.
    public var webhook: Webhook?
    /// Lines spoken each by its own engine, instead of `text`.
    public var script: [ScriptLine]?
    /// Titled chapters, each a text or a script, instead of `text`.
    public var chapters: [Chapter]?
    /// Silence between chapters.
    public var chapterPauseMilliseconds: Int?
    /// Subtitle files to write beside the audio.
    public var subtitles: [SubtitleFormat] = []
    /// Whole words to their respellings, applied before the text is spoken.
    public var lexicon: [String: String] = [:]

    public struct Pauses: Sendable, Equatable, Encodable {
        public var sentenceMilliseconds: Int?
        public var paragraphMilliseconds: Int?

        public init(sentenceMilliseconds: Int? = nil, paragraphMilliseconds: Int? = nil) {
            self.sentenceMilliseconds = sentenceMilliseconds
            self.paragraphMilliseconds = paragraphMilliseconds
        }

        enum CodingKeys: String, CodingKey {
            case sentenceMilliseconds = "sentence_ms"
            case paragraphMilliseconds = "paragraph_ms"
        }
    }

    public init(
        engine: String, task: String? = nil, text: String? = nil, textFile: String? = nil,
        inputs: [String: String] = [:], params: [String: JSONValue] = [:], outputs: [OutputSpec] = [],
        priority: Int? = nil, maxAttempts: Int? = nil, metadata: JSONValue? = nil
    ) {
        self.engine = engine
        self.task = task
        self.text = text
        self.textFile = textFile
        self.inputs = inputs
        self.params = params
        self.outputs = outputs
        self.priority = priority
        self.maxAttempts = maxAttempts
        self.metadata = metadata
    }

    public static let priorities = 0...9
}

extension JobSpec {
    /// Parses a job document. `limits` bound what a hostile file can make us hold.
    public static func parse(_ data: Data, limits: SpoolLimits = SpoolLimits()) throws(DocumentError) -> JobSpec {
        guard data.count <= limits.maxJobBytes else {
            throw DocumentError("job file is \(data.count) bytes, over the limit of \(limits.maxJobBytes)")
        }
        guard !data.isEmpty else { throw DocumentError("job file is empty") }
        var reader = try JSONObjectReader.parse(data, what: "job file")
        let engine = try reader.string("engine")
        if engine?.isEmpty == true { throw DocumentError("field \"engine\" must not be empty") }
        var spec = JobSpec(engine: engine ?? "")
        spec.task = try reader.string("task")
        spec.text = try reader.string("text")
        spec.textFile = try reader.string("text_file")
        if spec.text != nil && spec.textFile != nil {
            throw DocumentError("give either \"text\" or \"text_file\", not both")
        }
        if let text = spec.text, text.count > limits.maxTextCharacters {
            throw DocumentError("field \"text\" has \(text.count) characters, over the limit of \(limits.maxTextCharacters)")
        }
        // An engine would stop speaking at a NUL, silently.
        if let text = spec.text, text.utf8.contains(0) {
            throw DocumentError("field \"text\" contains a NUL character")
        }
        if let file = spec.textFile { try checkRelativePath(file, field: "text_file") }
        spec.inputs = try reader.stringMap("inputs") ?? [:]
        for (name, path) in spec.inputs {
            guard isValidInputName(name) else {
                throw DocumentError("input name \"\(name)\" must be letters, digits, \"_\" or \"-\"")
            }
            try checkRelativePath(path, field: "inputs.\(name)")
        }
        if let params = try reader.object("params") { spec.params = params.fields }
        let single = reader.value("output")
        let several = try reader.array("outputs")
        if single != nil && several != nil { throw DocumentError("give either \"output\" or \"outputs\", not both") }
        if let single { spec.outputs = [try OutputSpec.parse(single, path: "output")] }
        if let several {
            guard !several.isEmpty else { throw DocumentError("field \"outputs\" must list at least one output") }
            spec.outputs = try several.enumerated().map { index, item throws(DocumentError) in
                try OutputSpec.parse(item, path: "outputs[\(index)]")
            }
        }
        spec.priority = try reader.int("priority", in: priorities)
        spec.maxAttempts = try reader.int("max_attempts", in: 1...100)
        spec.metadata = reader.value("metadata")
        if var pauses = try reader.object("pauses") {
            spec.pauses = Pauses(
                sentenceMilliseconds: try pauses.int("sentence_ms", in: 0...10_000),
                paragraphMilliseconds: try pauses.int("paragraph_ms", in: 0...10_000))
            try pauses.rejectUnknownFields()
        }
        if let text = try reader.string("not_before") {
            guard let date = Timestamp.parse(text) else {
                throw DocumentError("field \"not_before\" must be an ISO 8601 time such as \"2026-11-23T18:00:00Z\", got \"\(text)\"")
            }
            spec.notBefore = date
        }
        if let key = try reader.string("idempotency_key") {
            guard !key.isEmpty, key.utf8.count <= 256 else {
                throw DocumentError("field \"idempotency_key\" must be 1 to 256 bytes")
            }
            spec.idempotencyKey = key
        }
        spec.cache = try reader.bool("cache")
        if let webhook = try reader.object("webhook") { spec.webhook = try Webhook.parse(webhook) }
        let jobEngine = try parseEpisode(&reader, into: &spec, engine: engine, limits: limits)
        spec.engine = jobEngine
        try checkSplit(spec)
        try reader.rejectUnknownFields()
        return spec
    }

    static func isValidInputName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64
            && name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-") }
    }

    /// Input paths are relative and stay inside the job folder; symlinks are
    /// checked again when the file is opened (JobFolder.resolveInput).
    static func checkRelativePath(_ path: String, field: String) throws(DocumentError) {
        if path.isEmpty { throw DocumentError("field \"\(field)\" must not be empty") }
        if path.hasPrefix("/") { throw DocumentError("field \"\(field)\" must be a path relative to the job folder, not \"\(path)\"") }
        if path.split(separator: "/").contains("..") {
            throw DocumentError("field \"\(field)\" must stay inside the job folder (\"..\" is not allowed): \"\(path)\"")
        }
        if path.utf8.contains(0) { throw DocumentError("field \"\(field)\" contains a NUL byte") }
    }
}

extension JobSpec: Encodable {
    enum CodingKeys: String, CodingKey {
        case engine, task, text, inputs, params, priority, metadata, output, outputs, pauses, cache, webhook
        case script, chapters, subtitles, lexicon
        case chapterPauseMilliseconds = "chapter_pause_ms"
        case notBefore = "not_before"
        case idempotencyKey = "idempotency_key"
        case textFile = "text_file"
        case maxAttempts = "max_attempts"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(engine, forKey: .engine)
        try container.encodeIfPresent(task, forKey: .task)
        try container.encodeIfPresent(text, forKey: .text)
        try container.encodeIfPresent(textFile, forKey: .textFile)
        if !inputs.isEmpty { try container.encode(inputs, forKey: .inputs) }
        if !params.isEmpty { try container.encode(params, forKey: .params) }
        if outputs.count == 1 { try container.encode(outputs[0], forKey: .output) }
        if outputs.count > 1 { try container.encode(outputs, forKey: .outputs) }
        try container.encodeIfPresent(priority, forKey: .priority)
        try container.encodeIfPresent(maxAttempts, forKey: .maxAttempts)
        try container.encodeIfPresent(metadata, forKey: .metadata)
        try container.encodeIfPresent(pauses, forKey: .pauses)
        try container.encodeIfPresent(notBefore.map(Timestamp.string), forKey: .notBefore)
        try container.encodeIfPresent(idempotencyKey, forKey: .idempotencyKey)
        try container.encodeIfPresent(cache, forKey: .cache)
        try container.encodeIfPresent(webhook, forKey: .webhook)
        try container.encodeIfPresent(script, forKey: .script)
        try container.encodeIfPresent(chapters, forKey: .chapters)
        try container.encodeIfPresent(chapterPauseMilliseconds, forKey: .chapterPauseMilliseconds)
        if !subtitles.isEmpty { try container.encode(subtitles, forKey: .subtitles) }
        if !lexicon.isEmpty { try container.encode(lexicon, forKey: .lexicon) }
    }
}
