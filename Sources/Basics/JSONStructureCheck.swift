import Foundation

/// What Foundation's decoder does not catch in a strict document, found in
/// one pass over its bytes before it is decoded: a key given twice (the
/// decoder keeps one silently, `jq` shows the other, so the file would no
/// longer show what ran), nesting deep enough to exhaust the decoder, and a
/// number no Double holds. Malformed JSON is left to the decoder to report:
/// the scan stops at the first byte it does not expect.
struct JSONStructureCheck {
    /// Arrays and objects inside one another, the document's own object included.
    static let maxDepth = 64

    private struct Container {
        var isObject: Bool
        var keys: Set<String> = []
        var key: String?
        var index = 0
        var expectingKey: Bool
    }

    private let bytes: [UInt8]
    private let what: String
    private var stack: [Container] = []
    private var position = 0

    private init(_ data: Data, what: String) {
        self.bytes = [UInt8](data)
        self.what = what
    }

    static func check(_ data: Data, what: String) throws(DocumentError) {
        var scan = JSONStructureCheck(data, what: what)
        try scan.run()
    }

    private mutating func run() throws(DocumentError) {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }  // a byte-order mark
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"), UInt8(ascii: ":"):
                position += 1
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                guard stack.count < Self.maxDepth else {
                    throw DocumentError("\(what) nests arrays and objects more than \(Self.maxDepth) levels deep (at \(place))")
                }
                let isObject = byte == UInt8(ascii: "{")
                stack.append(Container(isObject: isObject, expectingKey: isObject))
                position += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                guard !stack.isEmpty else { return }
                stack.removeLast()
                position += 1
            case UInt8(ascii: ","):
                guard !stack.isEmpty else { return }
                if stack[stack.count - 1].isObject { stack[stack.count - 1].expectingKey = true } else { stack[stack.count - 1].index += 1 }
                position += 1
            case UInt8(ascii: "\""):
                guard let literal = readString() else { return }
                if let top = stack.last, top.isObject, top.expectingKey { try addKey(literal) }
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                try readNumber()
            case UInt8(ascii: "a")...UInt8(ascii: "z"):
                position += 1  // true, false, null
            default:
                return  // BOM, garbage: the decoder says what is wrong
            }
        }
    }

    /// The raw string literal, quotes included; nil if it never ends.
    private mutating func readString() -> ArraySlice<UInt8>? {
        let start = position
        position += 1
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: "\\"): position += 2
            case UInt8(ascii: "\""):
                position += 1
                return bytes[start..<position]
            default: position += 1
            }
        }
        return nil
    }

    private mutating func addKey(_ literal: ArraySlice<UInt8>) throws(DocumentError) {
        // Escapes decoded, so that "a" and "\u0061" are the same key.
        let raw = String(decoding: literal.dropFirst().dropLast(), as: UTF8.self)
        let key = literal.contains(UInt8(ascii: "\\")) ? (try? JSONDecoder().decode(String.self, from: Data(literal))) ?? raw : raw
        let top = stack.count - 1
        guard stack[top].keys.insert(key).inserted else {
            stack[top].key = key
            throw DocumentError("\(what) gives the field \"\(path)\" more than once; give each field once")
        }
        stack[top].key = key
        stack[top].expectingKey = false
    }

    private mutating func readNumber() throws(DocumentError) {
        let start = position
        while position < bytes.count, Self.isNumberByte(bytes[position]) { position += 1 }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        if let value = Double(text), !value.isFinite {
            throw DocumentError("\(what) has the number \(text) at \(place), which is out of range (at most about 1.8e308)")
        }
    }

    private static func isNumberByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+")
            || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
    }

    private var place: String {
        let path = path
        if path.isEmpty { return "the top level" }
        return path.count > 80 ? "\"\(path.prefix(80))…\"" : "\"\(path)\""
    }

    /// Where the scan is, as field names in messages read ("params.a[2]").
    private var path: String {
        var path = ""
        for container in stack {
            if container.isObject {
                guard let key = container.key else { break }
                path += path.isEmpty ? key : ".\(key)"
            } else {
                path += "[\(container.index)]"
            }
        }
        return path
    }
}
