import Foundation

/// Writes the spool's documents and lines: the same bytes as Foundation's
/// JSONEncoder with `withoutEscapingSlashes` (and `prettyPrinted` and
/// `sortedKeys` where asked), at a fraction of its cost. A job writes a
/// dozen small documents and lines (owner.json, attempts, result.json,
/// events, the engine's request), and Foundation's encoder, which tracks
/// coding paths and casts every value to look for its special types, was a
/// tenth of a job's CPU (bench/RESULTS.md). Reading stays with the strict
/// readers: this only writes what the supervisor itself made.
///
/// Like JSONEncoder's defaults: `Data` as base64, `URL` as its absolute
/// string, `Date` as its own Codable form (seconds since 2001), and a
/// non-finite number is an error. Unsorted keys come in the order encoded.
public struct DocumentEncoder: Sendable {
    public var prettyPrinted: Bool
    public var sortedKeys: Bool

    public init(prettyPrinted: Bool, sortedKeys: Bool) {
        self.prettyPrinted = prettyPrinted
        self.sortedKeys = sortedKeys
    }

    /// A file a person reads: indented, keys sorted (JSONEncoder.document()).
    public static let document = DocumentEncoder(prettyPrinted: true, sortedKeys: true)

    /// One compact line (JSONEncoder.line(sortedKeys:)).
    public static func line(sortedKeys: Bool = false) -> DocumentEncoder {
        DocumentEncoder(prettyPrinted: false, sortedKeys: sortedKeys)
    }

    public func encode<T: Encodable>(_ value: T) throws -> Data {
        Data(try bytes(value))
    }

    /// The document's UTF-8 bytes.
    public func bytes<T: Encodable>(_ value: T) throws -> [UInt8] {
        let node = try DocumentNode.make(value)
        var writer = DocumentWriter(prettyPrinted: prettyPrinted, sortedKeys: sortedKeys)
        writer.output.reserveCapacity(256)
        writer.write(node, depth: 0)
        return writer.output
    }
}

/// A value being encoded. Containers are classes so a nested container
/// fills its parent in place, as Encoder's API expects.
enum DocumentNode {
    case null
    case bool(Bool)
    /// A number, already in its JSON form.
    case number(String)
    case string(String)
    case array(DocumentArray)
    case object(DocumentObject)
    /// What a `superEncoder` was given, read when the document is written.
    case deferred(DocumentNodeEncoder)

    static func make<T: Encodable>(_ value: T) throws -> DocumentNode {
        if let special = try special(value) { return special }
        let encoder = DocumentNodeEncoder()
        try value.encode(to: encoder)
        return encoder.node ?? .object(DocumentObject())
    }

    /// JSONEncoder's own forms for the Foundation types it treats apart;
    /// a type check, not a cast, for everything else.
    private static func special<T: Encodable>(_ value: T) throws -> DocumentNode? {
        if T.self == JSONValue.self { return try node(value as! JSONValue) }
        if T.self == String.self { return .string(value as! String) }
        if T.self == Int.self { return .number(String(value as! Int)) }
        if T.self == Double.self { return try number(value as! Double) }
        if T.self == Bool.self { return .bool(value as! Bool) }
        if T.self == Data.self { return .string((value as! Data).base64EncodedString()) }
        if T.self == URL.self { return .string((value as! URL).absoluteString) }
        if T.self == Decimal.self { return .number((value as! Decimal).description) }
        return nil
    }

    /// JSONValue as its own `encode(to:)` writes it, without an Encoder a value.
    static func node(_ value: JSONValue) throws -> DocumentNode {
        switch value {
        case .null: return .null
        case .bool(let bool): return .bool(bool)
        case .number(let number):
            if let int = Int(exactly: number) { return .number(String(int)) }
            return try self.number(number)
        case .string(let string): return .string(string)
        case .array(let items):
            let array = DocumentArray()
            array.items.reserveCapacity(items.count)
            for item in items { array.items.append(try node(item)) }
            return .array(array)
        case .object(let fields):
            let object = DocumentObject()
            object.entries.reserveCapacity(fields.count)
            for (key, field) in fields { object.entries.append((key, try node(field))) }
            return .object(object)
        }
    }

    /// Doubles and Floats as JSONEncoder writes them: their shortest
    /// round-tripping form, without a trailing ".0".
    static func number<F: BinaryFloatingPoint & CustomStringConvertible>(_ value: F) throws -> DocumentNode {
        guard value.isFinite else {
            throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "\(value) is not a JSON number"))
        }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        return .number(text)
    }
}

final class DocumentArray {
    var items: [DocumentNode] = []
}

final class DocumentObject {
    var entries: [(key: String, value: DocumentNode)] = []
}

/// Serialises a node as JSONEncoder does: pretty printing is two spaces a
/// level and `"key" : value`, and an empty container is written with a
/// blank line inside it.
struct DocumentWriter {
    let prettyPrinted: Bool
    let sortedKeys: Bool
    var output: [UInt8] = []

    mutating func write(_ node: DocumentNode, depth: Int) {
        switch node {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let value): output.append(contentsOf: (value ? "true" : "false").utf8)
        case .number(let text): output.append(contentsOf: text.utf8)
        case .string(let text): writeString(text)
        case .deferred(let encoder): write(encoder.node ?? .object(DocumentObject()), depth: depth)
        case .array(let array):
            output.append(UInt8(ascii: "["))
            for (index, item) in array.items.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                newline(depth + 1)
                write(item, depth: depth + 1)
            }
            close(UInt8(ascii: "]"), empty: array.items.isEmpty, depth: depth)
        case .object(let object):
            output.append(UInt8(ascii: "{"))
            let entries = sortedKeys ? object.entries.sorted { $0.key < $1.key } : object.entries
            for (index, entry) in entries.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                newline(depth + 1)
                writeString(entry.key)
                output.append(contentsOf: prettyPrinted ? " : ".utf8 : ":".utf8)
                write(entry.value, depth: depth + 1)
            }
            close(UInt8(ascii: "}"), empty: object.entries.isEmpty, depth: depth)
        }
    }

    private mutating func newline(_ depth: Int) {
        guard prettyPrinted else { return }
        output.append(UInt8(ascii: "\n"))
        output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * depth))
    }

    private mutating func close(_ bracket: UInt8, empty: Bool, depth: Int) {
        if prettyPrinted && empty { output.append(UInt8(ascii: "\n")) }
        newline(depth)
        output.append(bracket)
    }

    private mutating func writeString(_ text: String) {
        output.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            // Runs that need no escape are copied whole.
            var start = 0
            for index in bytes.indices {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
                escape(byte)
                start = index + 1
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
        }
        output.append(UInt8(ascii: "\""))
    }

    private mutating func escape(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""): output.append(contentsOf: #"\""#.utf8)
        case UInt8(ascii: "\\"): output.append(contentsOf: #"\\"#.utf8)
        case 0x0A: output.append(contentsOf: #"\n"#.utf8)
        case 0x0D: output.append(contentsOf: #"\r"#.utf8)
        case 0x09: output.append(contentsOf: #"\t"#.utf8)
        case 0x08: output.append(contentsOf: #"\b"#.utf8)
        case 0x0C: output.append(contentsOf: #"\f"#.utf8)
        default:
            let digits: StaticString = "0123456789abcdef"
            output.append(contentsOf: #"\u00"#.utf8)
            output.append(digits.utf8Start[Int(byte >> 4)])
            output.append(digits.utf8Start[Int(byte & 0xF)])
        }
    }
}
