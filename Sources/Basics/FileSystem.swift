import CSystemShims
import Foundation
import Glibc
import SystemPackage

/// A failed file-system call, with the path and the system's reason.
public struct FileSystemError: Error, Sendable, CustomStringConvertible {
    public var operation: String
    public var path: String
    public var errno: Errno

    public init(_ operation: String, _ path: String, _ errno: Errno = Errno(rawValue: Glibc.errno)) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    public var description: String { "\(operation) '\(path)': \(errno)" }
}

/// The few file-system calls the spool makes, as thin wrappers that keep
/// their atomicity visible: nothing here copies when it could rename.
public enum FileSystem {
    public enum EntryType: Sendable, Equatable {
        case regular, directory, symlink, other
    }

    public struct EntryInfo: Sendable {
        public var type: EntryType
        public var size: Int64
        public var modified: Date
        /// The inode's change time: a rename sets it, so it tells how long
        /// ago an entry arrived where it is.
        public var changed: Date
        public var inode: UInt64

        package init(_ status: stat) {
            switch status.st_mode & S_IFMT {
            case S_IFREG: type = .regular
            case S_IFDIR: type = .directory
            case S_IFLNK: type = .symlink
            default: type = .other
            }
            size = Int64(status.st_size)
            modified = Date(timeIntervalSince1970: Double(status.st_mtim.tv_sec) + Double(status.st_mtim.tv_nsec) / 1e9)
            changed = Date(timeIntervalSince1970: Double(status.st_ctim.tv_sec) + Double(status.st_ctim.tv_nsec) / 1e9)
            inode = UInt64(status.st_ino)
        }
    }

    /// `lstat`: never follows a symlink, never opens the file (a FIFO would block).
    public static func info(_ path: String) -> EntryInfo? {
        var status = stat()
        guard retryingStale({ lstat(path, &status) }) == 0 else { return nil }
        return EntryInfo(status)
    }

    public static func exists(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    public static func isDirectory(_ path: String) -> Bool {
        info(path)?.type == .directory
    }

    /// Creates a folder and any missing parents (like `mkdir -p`). Modes
    /// here are 0777 and 0666 less the umask, which the spool's config sets.
    public static func createDirectories(_ path: String, mode: mode_t = 0o777) throws(FileSystemError) {
        if isDirectory(path) { return }
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            try createDirectories(String(path[..<slash]), mode: mode)
        }
        if mkdir(path, mode) != 0 && Glibc.errno != EEXIST {
            throw FileSystemError("mkdir", path)
        }
    }

    /// `mkdir` that fails if the folder exists: the spool's way to reserve a name.
    /// Returns false if the name is taken.
    public static func reserveDirectory(_ path: String) throws(FileSystemError) -> Bool {
        if mkdir(path, 0o777) == 0 { return true }
        if Glibc.errno == EEXIST { return false }
        throw FileSystemError("mkdir", path)
    }

    /// `rename(2)`: atomic within one file system.
    public static func rename(_ from: String, _ to: String) throws(FileSystemError) {
        let before = info(from)
        if retryingStale({ Glibc.rename(from, to) }) != 0 {
            let failure = FileSystemError("rename to '\(to)'", from)
            if renameHappened(failure, before: before, from: from, to: to) { return }
            throw failure
        }
    }

    /// Moves an entry to a name that must not exist yet, atomically: a
    /// delivery may never replace a job already waiting. A watcher sees the
    /// rename as a move-in. Where the file system cannot (NFS), a file is
    /// hard-linked and unlinked instead, as maildir does.
    public static func moveWithoutReplacing(_ from: String, _ to: String) throws(FileSystemError) {
        if audiospool_rename_noreplace(from, to) == 0 { return }
        guard Glibc.errno == EINVAL || Glibc.errno == ENOSYS, info(from)?.type == .regular else {
            throw FileSystemError("rename to '\(to)'", from)
        }
        guard link(from, to) == 0 else { throw FileSystemError("link to '\(to)'", from) }
        unlink(from)
    }

    /// Names in a folder, without `.` and `..`, unsorted.
    public static func list(_ path: String) throws(FileSystemError) -> [String] {
        var directory = opendir(path)
        if directory == nil && Glibc.errno == ESTALE { directory = opendir(path) }
        guard let directory else { throw FileSystemError("opendir", path, Glibc.errno == ESTALE ? .noSuchFileOrDirectory : Errno(rawValue: Glibc.errno)) }
        defer { closedir(directory) }
        return names(in: directory)
    }

    package static func names(in directory: OpaquePointer) -> [String] {
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Removes a file or a whole tree; missing is fine. Never follows symlinks.
    public static func removeTree(_ path: String) throws(FileSystemError) {
        guard let info = info(path) else { return }
        if info.type == .directory {
            for name in try list(path) {
                try removeTree(path + "/" + name)
            }
            if rmdir(path) != 0 && Glibc.errno != ENOENT { throw FileSystemError("rmdir", path) }
        } else if unlink(path) != 0 && Glibc.errno != ENOENT {
            throw FileSystemError("unlink", path)
        }
    }

    public static func read(_ path: String, limit: Int) throws(FileSystemError) -> Data {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0 else { throw FileSystemError("open", path) }
        defer { close(fd) }
        return try readAll(fd, path: path, limit: limit)
    }

    /// Reads `fd` to its end, failing past `limit` bytes. `expected` (the
    /// size fstat gave, if known) sizes the first read: a small document is
    /// then one read and the one that finds its end.
    public static func readAll(_ fd: Int32, path: String, limit: Int, expected: Int = 0) throws(FileSystemError) -> Data {
        // One byte past the limit tells a file over it.
        let cap = limit < Int.max ? limit + 1 : Int.max
        var data = Data(count: Swift.min(cap, Swift.max(4096, expected + 1)))
        var filled = 0
        while true {
            if filled == data.count { data.count = Swift.min(cap, data.count * 2) }
            let count = data.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if count < 0 {
                if Glibc.errno == EINTR { continue }
                throw FileSystemError("read", path)
            }
            if count == 0 { break }
            filled += count
            if filled > limit {
                throw FileSystemError("read (over the \(limit)-byte limit)", path, .fileTooLarge)
            }
        }
        data.count = filled
        return data
    }

    /// Writes all of `data` to `fd`.
    package static func writeAll(_ data: Data, to fd: Int32, path: String) throws(FileSystemError) {
        var failure: FileSystemError?
        data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if Glibc.errno == EINTR { continue }
                    failure = FileSystemError("write", path)
                    return
                }
                offset += written
            }
        }
        if let failure { throw failure }
    }

    /// Writes a file under a hidden temporary name, then renames it into
    /// place, so a reader sees the old file or the new one, never a part.
    /// With `durable`: the file is synced before the rename and its folder
    /// after it, so the new contents survive a crash (FileSystem+Durability).
    public static func writeAtomically(_ data: Data, to path: String, durable: Bool = false) throws(FileSystemError) {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let temporary = "\(folder).\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw FileSystemError("create", temporary) }
        var failure: FileSystemError?
        do { try writeAll(data, to: fd, path: temporary) } catch { failure = error }
        if failure == nil && durable {
            do throws(FileSystemError) { try sync(descriptor: fd, path: temporary) } catch { failure = error }
        }
        if close(fd) != 0 && failure == nil { failure = FileSystemError("close", temporary) }
        if failure == nil && Glibc.rename(temporary, path) != 0 { failure = FileSystemError("rename to '\(path)'", temporary) }
        if let failure {
            unlink(temporary)
            throw failure
        }
        if durable { try syncDirectory(parentDirectory(of: path)) }
    }

    /// Creates `path` holding `data` only if it does not exist yet; returns
    /// false if it does. The file appears whole or not at all (written under
    /// a temporary name, then hard-linked into place), so a process killed
    /// midway can never leave an empty lock file behind.
    public static func createExclusively(_ data: Data, at path: String) throws(FileSystemError) -> Bool {
        let staging = path + ".staging-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try writeAtomically(data, to: staging)
        defer { unlink(staging) }
        if link(staging, path) == 0 { return true }
        if Glibc.errno == EEXIST { return false }
        throw FileSystemError("link to '\(path)'", staging)
    }

    /// Copies a regular file (used by `submit`, never by the supervisor).
    public static func copyFile(_ from: String, _ to: String) throws(FileSystemError) {
        do {
            try FileManager.default.copyItem(atPath: from, toPath: to)
        } catch {
            throw FileSystemError("copy to '\(to)'", from, .ioError)
        }
    }
}
