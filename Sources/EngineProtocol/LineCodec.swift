import Basics
import Foundation

/// Turns messages into protocol lines and back: one compact JSON object per
/// line, UTF-8, newline-terminated. JSON escapes every newline inside strings,
/// so a raw newline only ever ends a message.
public struct LineCodec: Sendable {
    public init() {}

    public func encode(_ message: some Encodable) throws -> [UInt8] {
        var bytes = try DocumentEncoder.line().bytes(message)
        bytes.append(0x0A)
        return bytes
    }

    public func envelope(of line: String) throws -> Envelope {
        try JSONDecoder().decode(Envelope.self, from: Data(line.utf8))
    }

    public func decode<T: Decodable>(_ type: T.Type, from line: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(line.utf8))
    }
}
