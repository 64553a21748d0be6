import Foundation

/// `state/results/<key>`: the job in `done/` holding the key's result, and
/// the sha256 of each output as the supervisor encoded it (output path →
/// hex), so a later job is handed only those bytes (SPOOL.md, "Idempotency").
public struct ResultIndexEntry: Codable, Sendable, Equatable {
    public var id: String
    public var outputs: [String: String]

    public init(id: String, outputs: [String: String]) {
        self.id = id
        self.outputs = outputs
    }

    /// Keys are sha256 hex digests; anything else (a key read from a
    /// result.json someone edited) never becomes a path.
    public static func isKey(_ key: String) -> Bool {
        key.utf8.count == 64 && key.utf8.allSatisfy { ("0"..."9").contains(Character(UnicodeScalar($0))) || ("a"..."f").contains(Character(UnicodeScalar($0))) }
    }
}
