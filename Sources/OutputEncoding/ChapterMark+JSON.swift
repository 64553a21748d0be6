import AudioCodec
import Basics
import Foundation

/// Chapters as a JSON list of `{"title": …, "start_s": …}`, read strictly
/// (`audiospool encode --chapters FILE`): every mistake names the item and
/// field, what was expected and what was found.
extension ChapterMark {
    public static func parseList(_ data: Data, what: String) throws(DocumentError) -> [ChapterMark] {
        guard String(data: data, encoding: .utf8) != nil else { throw DocumentError("\(what) is not valid JSON: it is not UTF-8 text") }
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw DocumentError("\(what) is not valid JSON: \(JSONObjectReader.describe(error))")
        }
        return try parseList(value, path: "chapters", what: what)
    }

    /// `value` as chapters; `path` names the list in messages ("chapters").
    public static func parseList(_ value: JSONValue, path: String, what: String) throws(DocumentError) -> [ChapterMark] {
        let example = "a list of chapters such as [{\"title\": \"One\", \"start_s\": 0}]"
        guard case .array(let items) = value else {
            throw DocumentError("\(what) must be \(example), but it is \(describe(value))")
        }
        guard !items.isEmpty else { throw DocumentError("\(what) must be \(example), but the list is empty") }
        guard items.count <= maximumCount else {
            throw DocumentError("\(what) holds \(items.count) chapters; at most \(maximumCount) fit in every container")
        }
        var chapters: [ChapterMark] = []
        for (index, item) in items.enumerated() {
            let itemPath = "\(path)[\(index)]"
            guard case .object(let fields) = item else {
                throw DocumentError("\(itemPath) must be an object such as {\"title\": \"One\", \"start_s\": 0}, but it is \(describe(item))")
            }
            var reader = JSONObjectReader(fields, path: itemPath)
            let title = try reader.requiredString("title")
            guard title.utf8.count <= maximumTitleBytes else {
                throw DocumentError("field \"\(reader.name("title"))\" is \(title.utf8.count) bytes, over the limit of \(maximumTitleBytes)")
            }
            guard !title.utf8.contains(0) else { throw DocumentError("field \"\(reader.name("title"))\" contains a NUL character") }
            guard let start = try reader.double("start_s", in: 0...(1e7)) else {
                throw DocumentError("missing required field \"\(reader.name("start_s"))\" (seconds from the start of the audio)")
            }
            try reader.rejectUnknownFields()
            if let previous = chapters.last, (start * 1000).rounded() <= (previous.startSeconds * 1000).rounded() {
                throw DocumentError(
                    "field \"\(reader.name("start_s"))\" must be later than \(path)[\(index - 1)]'s \(previous.startSeconds) s (by 1 ms at least), got \(start)")
            }
            chapters.append(ChapterMark(title: title, startSeconds: start))
        }
        return chapters
    }

    private static func describe(_ value: JSONValue) -> String {
        switch value {
        case .array: "an array"
        case .object: "an object"
        case .string(let text): "the string \"\(text.prefix(40))\""
        case .number(let number): "the number \(number)"
        case .bool(let bool): "\(bool)"
        case .null: "null"
        }
    }
}
