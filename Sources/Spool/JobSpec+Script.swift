import Basics

/// The fields of a job made of lines and chapters (SPOOL.md, "Scripts and
/// chapters"): `script`, `chapters`, `chapter_pause_ms`, `subtitles` and
/// `lexicon`, read strictly like the rest of job.json.
extension JobSpec {
    /// Whether the job is spoken line by line (a script or chapters), not as one text.
    public var isEpisode: Bool { script != nil || chapters != nil }

    /// Every line of the job, in order, with its chapter's index (nil
    /// without chapters) and its number in that chapter (from 1).
    public var allLines: [(chapter: Int?, number: Int, line: ScriptLine)] {
        if let chapters {
            return chapters.enumerated().flatMap { index, chapter in
                chapter.lines.enumerated().map { (index, $0.offset + 1, $0.element) }
            }
        }
        return (script ?? []).enumerated().map { (nil, $0.offset + 1, $0.element) }
    }

    public static let chapterPauseRange = 0...60_000
    public static let maximumLexiconEntries = 10_000

    /// Reads the episode fields. `engine` is what the job named (nil when
    /// absent); the job's engine is returned: the named one, else the
    /// first line's, when every line names its own.
    static func parseEpisode(
        _ reader: inout JSONObjectReader, into spec: inout JobSpec, engine: String?, limits: SpoolLimits
    ) throws(DocumentError) -> String {
        if let items = try reader.array("script") { spec.script = try ScriptLine.parseList(items, path: "script") }
        if let items = try reader.array("chapters") { spec.chapters = try Chapter.parseList(items, path: "chapters") }
        let given = [spec.text != nil ? "\"text\"" : nil, spec.textFile != nil ? "\"text_file\"" : nil,
                     spec.script != nil ? "\"script\"" : nil, spec.chapters != nil ? "\"chapters\"" : nil].compactMap { $0 }
        if given.count > 1 {
            throw DocumentError("give one of \"text\", \"text_file\", \"script\" or \"chapters\", not \(given.joined(separator: " and "))")
        }
        spec.chapterPauseMilliseconds = try reader.int("chapter_pause_ms", in: chapterPauseRange)
        if spec.chapterPauseMilliseconds != nil, spec.chapters == nil {
            throw DocumentError("field \"chapter_pause_ms\" is the silence between chapters; give \"chapters\" too")
        }
        if let formats = try reader.stringArray("subtitles") {
            guard !formats.isEmpty else { throw DocumentError("field \"subtitles\" must list \"srt\", \"vtt\" or both, but the list is empty") }
            for (index, name) in formats.enumerated() {
                guard let format = SubtitleFormat(rawValue: name) else {
                    throw DocumentError("field \"subtitles[\(index)]\" must be \"srt\" or \"vtt\", got \"\(name)\"")
                }
                guard !spec.subtitles.contains(format) else { throw DocumentError("field \"subtitles\" names \"\(name)\" twice") }
                spec.subtitles.append(format)
            }
            if spec.text == nil, spec.textFile == nil, !spec.isEpisode {
                throw DocumentError("field \"subtitles\" times the job's text; give \"text\", \"text_file\", \"script\" or \"chapters\" too")
            }
        }
        if let lexicon = try reader.stringMap("lexicon") { spec.lexicon = try checkLexicon(lexicon, field: "lexicon") }
        let characters = spec.allLines.reduce(0) { $0 + $1.line.text.count }
        if characters > limits.maxTextCharacters {
            throw DocumentError("the job's lines have \(characters) characters in all, over the limit of \(limits.maxTextCharacters)")
        }
        if let engine { return engine }
        let lines = spec.allLines
        guard !lines.isEmpty else { throw DocumentError("missing required field \"engine\"") }
        if let chapter = spec.chapters?.firstIndex(where: { $0.script == nil }) {
            throw DocumentError("missing required field \"engine\": chapters[\(chapter)] gives \"text\", which is spoken by the job's engine")
        }
        if let unnamed = lines.first(where: { $0.line.engine == nil }) {
            let path = unnamed.chapter.map { "chapters[\($0)].script[\(unnamed.number - 1)]" } ?? "script[\(unnamed.number - 1)]"
            throw DocumentError("missing required field \"engine\": \(path) names no engine of its own")
        }
        return lines[0].line.engine!
    }

    /// A lexicon's entries: whole words or phrases to their respellings.
    public static func checkLexicon(_ lexicon: [String: String], field: String) throws(DocumentError) -> [String: String] {
        guard lexicon.count <= maximumLexiconEntries else {
            throw DocumentError("field \"\(field)\" has \(lexicon.count) entries, over the limit of \(maximumLexiconEntries)")
        }
        for (word, respelling) in lexicon.sorted(by: { $0.key < $1.key }) {
            guard word.contains(where: { $0.isLetter || $0.isNumber }), word.count <= 200 else {
                throw DocumentError("field \"\(field)\" has the entry \"\(word.prefix(40))\"; an entry is a word or phrase of 1 to 200 characters")
            }
            guard !word.utf8.contains(0), !respelling.utf8.contains(0) else {
                throw DocumentError("field \"\(field).\(word)\" contains a NUL character")
            }
            guard respelling.count <= 1000 else {
                throw DocumentError("field \"\(field).\(word)\" is \(respelling.count) characters, over the limit of 1000")
            }
        }
        return lexicon
    }

    /// `split` asks for chapters: only a job with chapters has them.
    static func checkSplit(_ spec: JobSpec) throws(DocumentError) {
        for (index, output) in spec.outputs.enumerated() where output.split != nil && spec.chapters == nil {
            let field = spec.outputs.count == 1 ? "output.split" : "outputs[\(index)].split"
            throw DocumentError("field \"\(field)\" cuts the audio at its chapters; give \"chapters\" too")
        }
    }
}
