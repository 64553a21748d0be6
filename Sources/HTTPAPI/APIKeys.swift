import Basics
import Crypto
import Foundation

/// `--api-keys FILE`: one `name:key` per line (`name:key:admin` for a key
/// that sees every job), `#` starts a comment. Keys are compared in
/// constant time, as their SHA-256 digests, and never logged or shown.
public struct APIKeys: Sendable {
    public struct Caller: Sendable, Equatable {
        public var name: String
        public var isAdmin: Bool

        /// Whether this caller may see a job submitted by `owner` (nil: no
        /// `submitted_by`, a job dropped into the folder by hand: admins only).
        public func mayAccess(owner: String?) -> Bool {
            isAdmin || owner == name
        }
    }

    private struct Entry: Sendable {
        var caller: Caller
        var digest: [UInt8]
    }

    private let entries: [Entry]

    public static func parse(_ text: String, file: String) throws(DocumentError) -> APIKeys {
        var entries: [Entry] = []
        var names: Set<String> = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            let parts = trimmed.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            let where_ = "\(file) line \(index + 1)"
            guard parts.count == 2 || (parts.count == 3 && parts[2] == "admin") else {
                throw DocumentError("\(where_): expected name:key or name:key:admin")
            }
            let name = parts[0]
            guard !name.isEmpty, name.utf8.count <= 64,
                name.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_-.@".unicodeScalars.contains($0)) })
            else {
                throw DocumentError("\(where_): a key's name must be 1 to 64 letters, digits, \"_\", \"-\", \".\" or \"@\"")
            }
            guard parts[1].utf8.count >= 16, !parts[1].contains(where: \.isWhitespace) else {
                throw DocumentError("\(where_): the key of \(name) must be at least 16 characters, without blanks")
            }
            guard names.insert(name).inserted else { throw DocumentError("\(where_): \(name) is given twice") }
            entries.append(Entry(caller: Caller(name: name, isAdmin: parts.count == 3), digest: Self.digest(parts[1])))
        }
        guard !entries.isEmpty else { throw DocumentError("\(file) holds no key (one name:key per line)") }
        return APIKeys(entries: entries)
    }

    public static func load(_ file: String) throws(DocumentError) -> APIKeys {
        guard let data = try? FileSystem.read(file, limit: 1 << 20), let text = String(data: data, encoding: .utf8) else {
            throw DocumentError("cannot read the key file \(file)")
        }
        return try parse(text, file: file)
    }

    /// The caller whose key this is. Every entry is compared, each in
    /// constant time, so neither the match nor its position shows in the timing.
    public func caller(key: String) -> Caller? {
        let presented = Self.digest(key)
        var found: Caller?
        for entry in entries where Self.equal(entry.digest, presented) {
            found = entry.caller
        }
        return found
    }

    private static func digest(_ key: String) -> [UInt8] {
        Array(SHA256.hash(data: Data(key.utf8)))
    }

    private static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
