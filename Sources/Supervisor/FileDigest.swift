import Crypto
import Foundation
import Spool

/// The sha256 and size of a file, read in chunks.
enum FileDigest {
    static func sha256(of path: String) throws(FileSystemError) -> (hex: String, bytes: Int64) {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw FileSystemError("open", path) }
        defer { try? handle.close() }
        var hasher = SHA256()
        var bytes: Int64 = 0
        while true {
            let chunk: Data
            do {
                chunk = try handle.read(upToCount: 1 << 20) ?? Data()
            } catch {
                throw FileSystemError("read", path, .ioError)
            }
            if chunk.isEmpty { break }
            hasher.update(data: chunk)
            bytes += Int64(chunk.count)
        }
        let hex = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        return (hex, bytes)
    }
}
