import Basics

/// One line of a job's `script` (SPOOL.md, "Scripts and chapters"): a text
/// spoken by its own engine and voice, with its own params and inputs. What
/// a line leaves out it takes from the job.
public struct ScriptLine: Sendable, Equatable {
    public var text: String
    /// The engine; nil: the job's `engine`.
    public var engine: String?
    /// The engine's `voice` param, for this line.
    public var voice: String?
    /// Over the job's params, for this line.
    public var params: [String: JSONValue]
    /// Silence after the line; nil: the engine's paragraph pause.
    public var pauseAfterMilliseconds: Int?
    /// Over the job's inputs, for this line (an XTTS `reference`).
    public var inputs: [String: String]

    public init(
        text: String, engine: String? = nil, voice: String? = nil, params: [String: JSONValue] = [:],
        pauseAfterMilliseconds: Int? = nil, inputs: [String: String] = [:]
    ) {
        self.text = text
        self.engine = engine
        self.voice = voice
        self.params = params
        self.pauseAfterMilliseconds = pauseAfterMilliseconds
        self.inputs = inputs
    }

    public static let pauseRange = 0...60_000
}

/// One chapter of a job's `chapters`: a title and its text or its script.
public struct Chapter: Sendable, Equatable {
    public var title: String
    public var text: String?
    public var script: [ScriptLine]?

    public init(title: String, text: String? = nil, script: [ScriptLine]? = nil) {
        self.title = title
        self.text = text
        self.script = script
    }

    /// Every container's limits (AudioCodec's ChapterMark).
    public static let maximumCount = 255
    public static let maximumTitleBytes = 1024
}

/// The subtitle files a job may ask for beside its audio.
public enum SubtitleFormat: String, Sendable, CaseIterable, Encodable {
    case srt, vtt
}

extension ScriptLine {
    static func parseList(_ items: [JSONValue], path: String) throws(DocumentError) -> [ScriptLine] {
        let example = "{\"text\": \"Hello.\", \"engine\": \"piper\"}"
        guard !items.isEmpty else { throw DocumentError("field \"\(path)\" must list at least one line such as \(example)") }
        var lines: [ScriptLine] = []
        for (index, item) in items.enumerated() {
            let linePath = "\(path)[\(index)]"
            guard case .object(let fields) = item else {
                throw DocumentError("\(linePath) must be a line such as \(example), but it is \(JSONObjectReader.show(item))")
            }
            var reader = JSONObjectReader(fields, path: linePath)
            let text = try reader.requiredString("text")
            guard !text.utf8.contains(0) else { throw DocumentError("field \"\(reader.name("text"))\" contains a NUL character") }
            guard text.contains(where: { !$0.isWhitespace }) else {
                throw DocumentError("field \"\(reader.name("text"))\" is only blanks; a line needs something to say")
            }
            var line = ScriptLine(text: text)
            line.engine = try reader.string("engine")
            if line.engine?.isEmpty == true { throw DocumentError("field \"\(reader.name("engine"))\" must not be empty") }
            line.voice = try reader.string("voice")
            if let params = try reader.object("params") {
                line.params = params.fields
                if line.voice != nil, params.fields["voice"] != nil {
                    throw DocumentError("give either \"\(reader.name("voice"))\" or \"\(reader.name("params")).voice\", not both")
                }
            }
            line.pauseAfterMilliseconds = try reader.int("pause_after_ms", in: pauseRange)
            line.inputs = try reader.stringMap("inputs") ?? [:]
            for (name, file) in line.inputs {
                guard JobSpec.isValidInputName(name) else {
                    throw DocumentError("input name \"\(reader.name("inputs")).\(name)\" must be letters, digits, \"_\" or \"-\"")
                }
                try JobSpec.checkRelativePath(file, field: "\(reader.name("inputs")).\(name)")
            }
            try reader.rejectUnknownFields()
            lines.append(line)
        }
        return lines
    }
}

extension Chapter {
    static func parseList(_ items: [JSONValue], path: String) throws(DocumentError) -> [Chapter] {
        let example = "{\"title\": \"One\", \"text\": \"…\"}"
        guard !items.isEmpty else { throw DocumentError("field \"\(path)\" must list at least one chapter such as \(example)") }
        guard items.count <= maximumCount else {
            throw DocumentError("field \"\(path)\" holds \(items.count) chapters; at most \(maximumCount) fit in every container")
        }
        var chapters: [Chapter] = []
        for (index, item) in items.enumerated() {
            let chapterPath = "\(path)[\(index)]"
            guard case .object(let fields) = item else {
                throw DocumentError("\(chapterPath) must be a chapter such as \(example), but it is \(JSONObjectReader.show(item))")
            }
            var reader = JSONObjectReader(fields, path: chapterPath)
            let title = try reader.requiredString("title")
            guard title.utf8.count <= maximumTitleBytes else {
                throw DocumentError("field \"\(reader.name("title"))\" is \(title.utf8.count) bytes, over the limit of \(maximumTitleBytes)")
            }
            guard !title.utf8.contains(0) else { throw DocumentError("field \"\(reader.name("title"))\" contains a NUL character") }
            var chapter = Chapter(title: title)
            chapter.text = try reader.string("text")
            if let script = try reader.array("script") { chapter.script = try ScriptLine.parseList(script, path: reader.name("script")) }
            switch (chapter.text, chapter.script) {
            case (nil, nil):
                throw DocumentError("\(chapterPath) needs \"text\" or \"script\", and gives neither")
            case (.some, .some):
                throw DocumentError("\(chapterPath): give either \"text\" or \"script\", not both")
            case (.some(let text), nil):
                guard !text.utf8.contains(0) else { throw DocumentError("field \"\(reader.name("text"))\" contains a NUL character") }
                guard text.contains(where: { !$0.isWhitespace }) else {
                    throw DocumentError("field \"\(reader.name("text"))\" is empty or only blanks")
                }
            default:
                break
            }
            try reader.rejectUnknownFields()
            chapters.append(chapter)
        }
        return chapters
    }

    /// The chapter's lines: its script, or its text as one line of the job's engine.
    public var lines: [ScriptLine] { script ?? [ScriptLine(text: text ?? "")] }
}

extension ScriptLine: Encodable {
    enum CodingKeys: String, CodingKey {
        case text, engine, voice, params, inputs
        case pauseAfterMilliseconds = "pause_after_ms"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(text, forKey: .text)
        try container.encodeIfPresent(engine, forKey: .engine)
        try container.encodeIfPresent(voice, forKey: .voice)
        if !params.isEmpty { try container.encode(params, forKey: .params) }
        try container.encodeIfPresent(pauseAfterMilliseconds, forKey: .pauseAfterMilliseconds)
        if !inputs.isEmpty { try container.encode(inputs, forKey: .inputs) }
    }
}

extension Chapter: Encodable {
    enum CodingKeys: String, CodingKey { case title, text, script }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(title, forKey: .title)
        try container.encodeIfPresent(text, forKey: .text)
        try container.encodeIfPresent(script, forKey: .script)
    }
}
