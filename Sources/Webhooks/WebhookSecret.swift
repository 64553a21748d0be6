import Basics
import Foundation
import Glibc

/// The spool's webhook key, `state/webhook-secret`: one line,
/// `whsec_` and the base64 of 32 random bytes, as Standard Webhooks'
/// libraries take it (the HMAC key is the decoded bytes). Made on first
/// use, mode 0600, appearing whole or not at all: written to an exclusive
/// temporary (`O_EXCL | O_NOFOLLOW`) and hard-linked into place, so two
/// supervisors starting at once agree on one key. Never followed through
/// a symlink.
public struct WebhookSecret: Sendable, Equatable {
    /// The HMAC key.
    public let key: Data

    public static let prefix = "whsec_"

    public struct Problem: Error, CustomStringConvertible {
        public var description: String
    }

    public init(key: Data) {
        self.key = key
    }

    /// The key in `path`, made first if there is none.
    public static func loadOrCreate(at path: String) throws -> WebhookSecret {
        if let secret = try load(path) { return secret }
        var bytes = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for index in bytes.indices { bytes[index] = generator.next() }
        let text = prefix + Data(bytes).base64EncodedString() + "\n"
        let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw FileSystemError("create", temporary) }
        defer { unlink(temporary) }
        var failure: FileSystemError?
        do { try FileSystem.writeAll(Data(text.utf8), to: fd, path: temporary) } catch { failure = error }
        if failure == nil && fsync(fd) != 0 { failure = FileSystemError("fsync", temporary) }
        close(fd)
        if let failure { throw failure }
        // link(2) fails if the name exists: whoever linked first made the key.
        if link(temporary, path) != 0 && Glibc.errno != EEXIST { throw FileSystemError("link to '\(path)'", temporary) }
        guard let secret = try load(path) else { throw Problem(description: "\(path) vanished as it was made") }
        return secret
    }

    /// nil if there is no file yet.
    static func load(_ path: String) throws -> WebhookSecret? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        if fd < 0 && Glibc.errno == ENOENT { return nil }
        guard fd >= 0 else { throw FileSystemError("open", path) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FileSystemError("fstat", path) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw Problem(description: "\(path) is not a regular file") }
        let data = try FileSystem.readAll(fd, path: path, limit: 4096)
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix(prefix), let key = Data(base64Encoded: String(text.dropFirst(prefix.count))), key.count >= 16 else {
            throw Problem(description: "\(path) is not \"whsec_\" and the base64 of at least 16 bytes")
        }
        return WebhookSecret(key: key)
    }
}
