import Foundation
import Glibc

/// fsync, the one place the spool asks for it (config.json's `durable`).
/// SPOOL.md, "Crashes and power loss", says which orderings these make:
/// a file's data is synced before the rename that publishes it, and the
/// folder that holds the new name after it ("All File Systems Are Not
/// Created Equal", OSDI '14: neither is implied by the other on ext4,
/// XFS or btrfs).
extension FileSystem {
    /// `fsync(fd)`, retried on EINTR.
    public static func sync(descriptor fd: Int32, path: String) throws(FileSystemError) {
        while fsync(fd) != 0 {
            if Glibc.errno == EINTR { continue }
            throw FileSystemError("fsync", path)
        }
    }

    /// Syncs a folder's entries: the names created, renamed in or removed.
    public static func syncDirectory(_ path: String) throws(FileSystemError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw FileSystemError("open (to fsync)", path) }
        defer { close(fd) }
        try sync(descriptor: fd, path: path)
    }

    /// Syncs a regular file's data, without following a symlink.
    public static func syncFile(_ path: String) throws(FileSystemError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0 else { throw FileSystemError("open (to fsync)", path) }
        defer { close(fd) }
        try sync(descriptor: fd, path: path)
    }

    /// The folder a path names an entry of ("." for a bare name).
    public static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Creates `path`, which must not exist, holding `data`; with `durable`
    /// its data is synced before it is closed (its name is not: the caller
    /// syncs the folder once the name is where it belongs).
    public static func writeNew(_ data: Data, to path: String, durable: Bool) throws(FileSystemError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o666)
        guard fd >= 0 else { throw FileSystemError("create", path) }
        do throws(FileSystemError) {
            try fill(fd, with: data, durable: durable, path: path)
        } catch {
            unlink(path)
            throw error
        }
    }

    /// Writes `data` to the new file `fd`, syncs it with `durable`, and
    /// closes it, whatever happens; the caller removes the file on an
    /// error. `path` names it in the error only, so it is made only then.
    public static func fill(_ fd: Int32, with data: Data, durable: Bool, path: @autoclosure () -> String) throws(FileSystemError) {
        var failure: FileSystemError?
        do throws(FileSystemError) { try writeAll(data, to: fd, path: "") } catch { failure = error }
        if failure == nil && durable {
            do throws(FileSystemError) { try sync(descriptor: fd, path: "") } catch { failure = error }
        }
        if close(fd) != 0 && failure == nil { failure = FileSystemError("close", "") }
        if var failure {
            failure.path = path()
            throw failure
        }
    }
}
