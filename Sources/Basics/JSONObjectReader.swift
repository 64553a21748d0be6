import Foundation

/// A document we could not accept, with a message a person can act on.
public struct DocumentError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// Reads the fields of one JSON object strictly: every field it does not
/// read is reported as unknown, and every type mismatch names the field, what
/// was expected and what was found. Jobs, the spool config and engine
/// manifests are all read this way, so their errors read alike.
public struct JSONObjectReader {
    public let fields: [String: JSONValue]
    /// Where this object sits in its document ("output", "engines.tone").
    public let path: String
    /// Every key asked for, present or not: the known fields an error names.
    private var asked: [String] = []
    /// The keys asked for that the object has. Only these are hashed into a
    /// set: a document reader asks for dozens of optional fields, and a job
    /// has a few (serve parses one per submission).
    private var consumed: Set<String> = []

    public init(_ fields: [String: JSONValue], path: String = "") {
        self.fields = fields
        self.path = path
    }

    /// Parses `data` as a JSON object. `what` names the document in messages.
    public static func parse(_ data: Data, what: String) throws(DocumentError) -> JSONObjectReader {
        // Checked first: JSON text is UTF-8, and Foundation would otherwise
        // report a bad string as a confusing type mismatch.
        // ASCII (most documents) is UTF-8 without making a String of it.
        guard data.allSatisfy({ $0 < 0x80 }) || String(validatingUTF8Data: data) != nil else {
            throw DocumentError("\(what) is not valid JSON: it is not UTF-8 text")
        }
        try JSONStructureCheck.check(data, what: what)
        let value: JSONValue
        if let parsed = JSONValue.parse(data) {
            // A strict parse reads what Foundation's decoder reads, at a
            // fraction of its cost; only a text it refuses goes to the
            // decoder, for its words on what is wrong.
            value = parsed
        } else {
            do {
                value = try JSONDecoder().decode(JSONValue.self, from: data)
            } catch {
                throw DocumentError("\(what) is not valid JSON: \(Self.describe(error))")
            }
        }
        guard case .object(let fields) = value else {
            throw DocumentError("\(what) must be a JSON object, but it is \(show(value))")
        }
        return JSONObjectReader(fields)
    }

    public func name(_ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    public mutating func value(_ key: String) -> JSONValue? {
        asked.append(key)
        guard let value = fields[key] else { return nil }
        consumed.insert(key)
        return value == .null ? nil : value
    }

    public mutating func string(_ key: String) throws(DocumentError) -> String? {
        guard let value = value(key) else { return nil }
        guard case .string(let string) = value else { throw mismatch(key, "a string", value) }
        return string
    }

    public mutating func requiredString(_ key: String) throws(DocumentError) -> String {
        guard let string = try string(key) else { throw DocumentError("missing required field \"\(name(key))\"") }
        guard !string.isEmpty else { throw DocumentError("field \"\(name(key))\" must not be empty") }
        return string
    }

    public mutating func int(_ key: String, in range: ClosedRange<Int>) throws(DocumentError) -> Int? {
        guard let value = value(key) else { return nil }
        let expected = "an integer from \(range.lowerBound) to \(range.upperBound)"
        guard case .number(let number) = value, let int = Int(exactly: number) else {
            throw mismatch(key, expected, value)
        }
        guard range.contains(int) else { throw DocumentError("field \"\(name(key))\" must be \(expected), got \(int)") }
        return int
    }

    public mutating func double(_ key: String, in range: ClosedRange<Double>) throws(DocumentError) -> Double? {
        guard let value = value(key) else { return nil }
        let expected = "a number from \(range.lowerBound) to \(range.upperBound)"
        guard case .number(let number) = value else { throw mismatch(key, expected, value) }
        guard range.contains(number) else { throw DocumentError("field \"\(name(key))\" must be \(expected), got \(number)") }
        return number
    }

    public mutating func bool(_ key: String) throws(DocumentError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard case .bool(let bool) = value else { throw mismatch(key, "true or false", value) }
        return bool
    }

    public mutating func object(_ key: String) throws(DocumentError) -> JSONObjectReader? {
        guard let value = value(key) else { return nil }
        guard case .object(let fields) = value else { throw mismatch(key, "an object", value) }
        return JSONObjectReader(fields, path: name(key))
    }

    public mutating func array(_ key: String) throws(DocumentError) -> [JSONValue]? {
        guard let value = value(key) else { return nil }
        guard case .array(let items) = value else { throw mismatch(key, "an array", value) }
        return items
    }

    public mutating func stringArray(_ key: String) throws(DocumentError) -> [String]? {
        guard let items = try array(key) else { return nil }
        var strings: [String] = []
        for (index, item) in items.enumerated() {
            guard case .string(let string) = item else { throw mismatch("\(key)[\(index)]", "a string", item) }
            strings.append(string)
        }
        return strings
    }

    /// An object whose values must all be strings (`inputs`, `env`).
    public mutating func stringMap(_ key: String) throws(DocumentError) -> [String: String]? {
        guard let reader = try object(key) else { return nil }
        var map: [String: String] = [:]
        for (field, value) in reader.fields {
            guard case .string(let string) = value else { throw reader.mismatch(field, "a string", value) }
            map[field] = string
        }
        return map
    }

    /// Fails on the first field nobody asked for: a typo such as "ouptut"
    /// should not be silently ignored.
    public func rejectUnknownFields() throws(DocumentError) {
        guard consumed.count < fields.count else { return }
        let unknown = fields.keys.filter { !consumed.contains($0) }.sorted()
        guard let first = unknown.first else { return }
        let known = Set(asked).sorted().map { "\"\($0)\"" }.joined(separator: ", ")
        throw DocumentError("unknown field \"\(name(first))\" (known fields: \(known))")
    }

    public func mismatch(_ key: String, _ expected: String, _ found: JSONValue) -> DocumentError {
        DocumentError("field \"\(name(key))\" must be \(expected), but it is \(Self.show(found))")
    }

    public static func show(_ value: JSONValue) -> String {
        switch value {
        case .string(let string):
            let shown = string.count > 40 ? String(string.prefix(40)) + "…" : string
            return "the string \"\(shown)\""
        case .number(let number):
            return "the number \(Int(exactly: number).map(String.init) ?? String(number))"
        case .bool(let bool): return "\(bool)"
        case .null: return "null"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// Foundation's decoding errors, shortened to the part a person needs.
    public static func describe(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            if let underlying = context.underlyingError as NSError?,
               let detail = underlying.userInfo[NSDebugDescriptionErrorKey] as? String {
                return detail
            }
            return "\(at(context.codingPath))\(context.debugDescription)"
        }
        // Never Swift's dump of the error: it names Swift types, not fields.
        switch error as? DecodingError {
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(at(context.codingPath))\(context.debugDescription)"
        case .keyNotFound(let key, let context):
            return "\(at(context.codingPath))missing field \"\(key.stringValue)\""
        default:
            return error.localizedDescription
        }
    }

    private static func at(_ path: [any CodingKey]) -> String {
        guard !path.isEmpty else { return "" }
        let name = path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return "at \"\(name.hasPrefix(".") ? String(name.dropFirst()) : name)\": "
    }
}

extension String {
    /// The text of `data` if it is valid UTF-8.
    init?(validatingUTF8Data data: Data) {
        guard let text = String(bytes: data, encoding: .utf8) else { return nil }
        self = text
    }
}
