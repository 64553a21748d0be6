import Basics
import Crypto
import Foundation
import Spool

/// The sha256 and size of a file, read in chunks.
enum FileDigest {
    /// Of an open file (the caller keeps the descriptor).
    static func sha256(descriptor: Int32, name: String) throws(FileSystemError) -> (hex: String, bytes: Int64) {
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: false)
        var hasher = SHA256()
        var bytes: Int64 = 0
        while true {
            let chunk: Data
            do {
                chunk = try handle.read(upToCount: 1 << 20) ?? Data()
            } catch {
                throw FileSystemError("read", name, .ioError)
            }
            if chunk.isEmpty { break }
            hasher.update(data: chunk)
            bytes += Int64(chunk.count)
        }
        let hex = hasher.finalize().hexString
        return (hex, bytes)
    }

    /// Of `name` in a job folder, reached without following a symlink.
    static func sha256(of name: String, in folder: ConfinedDirectory) throws(FileSystemError) -> (hex: String, bytes: Int64) {
        let fd = try folder.openRegular(name, O_RDONLY)
        defer { close(fd) }
        return try sha256(descriptor: fd, name: folder.full(name))
    }
}
