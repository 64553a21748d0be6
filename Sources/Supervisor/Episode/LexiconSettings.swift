import Basics
import Foundation
import Spool

/// config.json's `lexicon` section (SPOOL.md, "Lexicons"): a respelling
/// file per language, for every job of the spool, and the language of a
/// job that names none (its params' `language`, or a line's).
public struct LexiconSettings: Sendable, Equatable {
    /// Language → a JSON object file of respellings, relative to the spool.
    public var files: [String: String]
    public var defaultLanguage: String

    /// The spool's respellings for `language`, read from its file; empty
    /// when the language has none. A file that cannot be read or is not a
    /// lexicon fails the job, naming it: the operator's mistake must show.
    func respellings(for language: String, spool: String) throws(JobError) -> [String: String] {
        guard let file = files[language] else { return [:] }
        let path = file.hasPrefix("/") ? file : spool + "/" + file
        guard let data = FileManager.default.contents(atPath: path) else {
            throw JobError(.internal, "config.json's lexicon.files.\(language) names \(path), which cannot be read")
        }
        do throws(DocumentError) {
            let reader = try JSONObjectReader.parse(data, what: "lexicon file \(path)")
            var map: [String: String] = [:]
            for (word, value) in reader.fields {
                guard case .string(let respelling) = value else { throw reader.mismatch(word, "a string (the respelling)", value) }
                map[word] = respelling
            }
            return try JobSpec.checkLexicon(map, field: path)
        } catch {
            throw JobError(.internal, "config.json's lexicon.files.\(language): \(error.message)")
        }
    }
}

extension LexiconSettings: ConfigSection {
    public static let configKey = "lexicon"

    public init() {
        files = [:]
        defaultLanguage = "en"
    }

    public init(config reader: JSONObjectReader) throws(DocumentError) {
        var reader = reader
        self.init()
        if let files = try reader.stringMap("files") {
            for (language, file) in files where file.isEmpty || language.isEmpty {
                throw DocumentError("field \"\(reader.name("files")).\(language)\" must name a file of respellings, relative to the spool")
            }
            self.files = files
        }
        if let language = try reader.string("default_language") {
            guard !language.isEmpty else { throw DocumentError("field \"\(reader.name("default_language"))\" must not be empty") }
            defaultLanguage = language
        }
        try reader.rejectUnknownFields()
    }

    public var configValue: JSONValue {
        .object([
            "files": .object(files.mapValues { .string($0) }),
            "default_language": .string(defaultLanguage),
        ])
    }
}
