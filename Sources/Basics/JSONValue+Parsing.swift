import Foundation

extension JSONValue {
    /// Parses one JSON text (RFC 8259: no comments, no trailing commas, no
    /// NaN, nothing after the value) without Foundation's decoder, for the
    /// small documents the supervisor rereads many times a job (owner.json
    /// before every write, for fencing). Nil for anything that is not such
    /// a text, nested deeper than `maxDepth`, or holding a number no Double
    /// holds. Of an object's repeated key, the first value counts, as in
    /// JSONDecoder. Documents
    /// from submitters go through JSONObjectReader, whose messages name
    /// what is wrong; this only says whether.
    public static func parse(_ bytes: some Collection<UInt8>, maxDepth: Int = 64) -> JSONValue? {
        let parsed: JSONValue?? = bytes.withContiguousStorageIfAvailable { buffer in
            var parser = JSONTextParser(bytes: buffer, maxDepth: maxDepth)
            guard let value = parser.value(depth: 0) else { return nil }
            parser.skipSpace()
            // Not `? value : nil`: JSONValue is itself ExpressibleByNilLiteral.
            return parser.offset == buffer.count ? Optional(value) : .none
        }
        if let parsed { return parsed }
        return parse(Array(bytes), maxDepth: maxDepth)
    }
}

private struct JSONTextParser {
    let bytes: UnsafeBufferPointer<UInt8>
    let maxDepth: Int
    var offset = 0

    init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    var current: UInt8? { offset < bytes.count ? bytes[offset] : nil }

    mutating func skipSpace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { offset += 1 }
    }

    mutating func value(depth: Int) -> JSONValue? {
        guard depth <= maxDepth else { return nil }
        skipSpace()
        guard let byte = current else { return nil }
        switch byte {
        case UInt8(ascii: "{"): return object(depth: depth)
        case UInt8(ascii: "["): return array(depth: depth)
        case UInt8(ascii: "\""): return string().map(JSONValue.string)
        case UInt8(ascii: "t"): return literal("true") ? .some(.bool(true)) : .none
        case UInt8(ascii: "f"): return literal("false") ? .some(.bool(false)) : .none
        case UInt8(ascii: "n"): return literal("null") ? .some(.null) : .none
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number()
        default: return nil
        }
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard bytes.count - offset >= count else { return false }
        for index in 0..<count where bytes[offset + index] != word.utf8Start[index] { return false }
        offset += count
        return true
    }

    private mutating func object(depth: Int) -> JSONValue? {
        offset += 1
        var fields: [String: JSONValue] = [:]
        skipSpace()
        if current == UInt8(ascii: "}") {
            offset += 1
            return .object(fields)
        }
        while true {
            skipSpace()
            guard current == UInt8(ascii: "\""), let key = string() else { return nil }
            skipSpace()
            guard current == UInt8(ascii: ":") else { return nil }
            offset += 1
            guard let field = value(depth: depth + 1) else { return nil }
            if fields[key] == nil { fields[key] = field }
            skipSpace()
            switch current {
            case UInt8(ascii: ","): offset += 1
            case UInt8(ascii: "}"):
                offset += 1
                return .object(fields)
            default: return nil
            }
        }
    }

    private mutating func array(depth: Int) -> JSONValue? {
        offset += 1
        var items: [JSONValue] = []
        skipSpace()
        if current == UInt8(ascii: "]") {
            offset += 1
            return .array(items)
        }
        while true {
            guard let item = value(depth: depth + 1) else { return nil }
            items.append(item)
            skipSpace()
            switch current {
            case UInt8(ascii: ","): offset += 1
            case UInt8(ascii: "]"):
                offset += 1
                return .array(items)
            default: return nil
            }
        }
    }

    /// A string, from its opening quote; the text must be valid UTF-8.
    private mutating func string() -> String? {
        offset += 1
        var text: [UInt8] = []
        var start = offset
        while true {
            guard let byte = current else { return nil }
            switch byte {
            case UInt8(ascii: "\""):
                text.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<offset]))
                offset += 1
                return String(validating: text, as: UTF8.self)
            case UInt8(ascii: "\\"):
                text.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<offset]))
                offset += 1
                guard escape(into: &text) else { return nil }
                start = offset
            case 0..<0x20:
                return nil  // a raw control character
            default:
                offset += 1
            }
        }
    }

    private mutating func escape(into text: inout [UInt8]) -> Bool {
        guard let byte = current else { return false }
        offset += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): text.append(byte)
        case UInt8(ascii: "b"): text.append(0x08)
        case UInt8(ascii: "f"): text.append(0x0C)
        case UInt8(ascii: "n"): text.append(0x0A)
        case UInt8(ascii: "r"): text.append(0x0D)
        case UInt8(ascii: "t"): text.append(0x09)
        case UInt8(ascii: "u"):
            guard var scalar = hex4() else { return false }
            if (0xD800..<0xDC00).contains(scalar) {
                // A high surrogate must be followed by its low one.
                guard literal("\\u"), let low = hex4(), (0xDC00..<0xE000).contains(low) else { return false }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let unicode = Unicode.Scalar(scalar) else { return false }
            text.append(contentsOf: String(Character(unicode)).utf8)
        default: return false
        }
        return true
    }

    private mutating func hex4() -> UInt32? {
        guard bytes.count - offset >= 4 else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
            offset += 1
        }
        return value
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, read as a Double.
    private mutating func number() -> JSONValue? {
        let start = offset
        if current == UInt8(ascii: "-") { offset += 1 }
        if current == UInt8(ascii: "0") {
            offset += 1
        } else {
            guard digits() > 0 else { return nil }
        }
        if current == UInt8(ascii: ".") {
            offset += 1
            guard digits() > 0 else { return nil }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            offset += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { offset += 1 }
            guard digits() > 0 else { return nil }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self)
        guard let number = Double(text), number.isFinite else { return nil }
        // Too small for a Double, as JSONDecoder says, rather than 0.
        if number == 0, text.prefix { $0 != "e" && $0 != "E" }.contains(where: { ("1"..."9").contains($0) }) { return nil }
        return .number(number)
    }

    private mutating func digits() -> Int {
        let start = offset
        while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { offset += 1 }
        return offset - start
    }
}
