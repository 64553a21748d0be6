import Basics
import CSystemShims
import Foundation
import Glibc
import SystemPackage

/// A folder opened once, in which every name is resolved beneath it and no
/// symlink is ever followed: the one way the supervisor creates, writes,
/// reads and removes files inside a job folder (SPOOL.md, "What a submitter
/// controls"). A submitter owns what it dropped and may plant symlinks at
/// any time, even while the job runs, so a check followed by an open by path
/// is not enough; every call here works relative to a directory descriptor.
///
/// Names are relative paths without `.`, `..` or empty components. On Linux
/// 5.6+ opens go through `openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)`;
/// elsewhere each component is opened with `O_NOFOLLOW`.
public final class ConfinedDirectory: @unchecked Sendable {
    /// For messages only; never reopened by path.
    public let path: String
    public let descriptor: Int32

    /// Opens `path` itself with `O_NOFOLLOW`: a job folder that is a symlink is refused.
    public init(path: String) throws(FileSystemError) {
        let fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw FileSystemError("open folder", path) }
        self.path = path
        self.descriptor = fd
    }

    /// Opens one of the spool's own folders (`tmp/`, `new/`), which the
    /// operator controls: a symlink to it is followed. Names beneath it are
    /// confined as in any other.
    public init(spoolFolder path: String) throws(FileSystemError) {
        let fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw FileSystemError("open folder", path) }
        self.path = path
        self.descriptor = fd
    }

    private init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    deinit { Glibc.close(descriptor) }

    // MARK: Opening

    /// Opens `name` beneath this folder; the caller owns the descriptor.
    public func open(_ name: String, _ flags: Int32, mode: mode_t = 0o666) throws(FileSystemError) -> Int32 {
        _ = try Self.components(name)
        var fd = audiospool_openat_beneath(descriptor, name, flags | O_NOFOLLOW | O_CLOEXEC, mode)
        // EAGAIN: a rename raced the lookup (openat2(2) asks for a retry).
        for _ in 0..<8 where fd < 0 && Glibc.errno == EAGAIN {
            fd = audiospool_openat_beneath(descriptor, name, flags | O_NOFOLLOW | O_CLOEXEC, mode)
        }
        if fd >= 0 { return fd }
        guard Glibc.errno == ENOSYS else { throw FileSystemError("open", full(name)) }
        return try openWalking(name, flags, mode: mode)
    }

    /// `open` without openat2 (before Linux 5.6): every folder on the way
    /// is opened with `O_NOFOLLOW`, one component at a time. Public so the
    /// tests hold it to the same rules on kernels that have openat2.
    public func openWalking(_ name: String, _ flags: Int32, mode: mode_t = 0o666) throws(FileSystemError) -> Int32 {
        let components = try Self.components(name)
        let flags = flags | O_NOFOLLOW | O_CLOEXEC
        var parent = descriptor
        defer { if parent != descriptor { Glibc.close(parent) } }
        for component in components.dropLast() {
            let next = openat(parent, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard next >= 0 else { throw FileSystemError("open", full(name)) }
            if parent != descriptor { Glibc.close(parent) }
            parent = next
        }
        let opened = openat(parent, components.last!, flags, mode)
        guard opened >= 0 else { throw FileSystemError("open", full(name)) }
        return opened
    }

    /// A folder beneath this one (which must exist and be a real folder).
    public func directory(_ name: String) throws(FileSystemError) -> ConfinedDirectory {
        if name == "." { return self }
        let fd = try open(name, O_RDONLY | O_DIRECTORY)
        return ConfinedDirectory(descriptor: fd, path: full(name))
    }

    /// Makes `name` and any missing folders on the way (`mkdir -p`), each
    /// with mkdirat; an existing entry that is not a real folder (a symlink
    /// planted there) fails.
    @discardableResult
    public func makeDirectories(_ name: String, mode: mode_t = 0o777) throws(FileSystemError) -> ConfinedDirectory {
        var current = self
        for component in try Self.components(name) {
            if mkdirat(current.descriptor, component, mode) != 0 && Glibc.errno != EEXIST {
                throw FileSystemError("mkdir", current.full(component))
            }
            current = try current.directory(component)
        }
        return current
    }

    /// The folder holding `name`, and `name`'s last component.
    private func parent(of name: String) throws(FileSystemError) -> (ConfinedDirectory, String) {
        let components = try Self.components(name)
        let folder = components.count == 1 ? self : try directory(components.dropLast().joined(separator: "/"))
        return (folder, components.last!)
    }

    // MARK: Inspecting

    /// `fstatat(AT_SYMLINK_NOFOLLOW)`; nil if missing or unreachable.
    public func info(_ name: String) -> FileSystem.EntryInfo? {
        guard let (folder, leaf) = try? parent(of: name) else { return nil }
        var status = stat()
        guard fstatat(folder.descriptor, leaf, &status, AT_SYMLINK_NOFOLLOW) == 0 else { return nil }
        return FileSystem.EntryInfo(status)
    }

    public func exists(_ name: String) -> Bool { info(name) != nil }

    /// Names in `name` (default: this folder), without `.` and `..`.
    public func list(_ name: String = ".") throws(FileSystemError) -> [String] {
        let folder = try directory(name)
        let copy = dup(folder.descriptor)
        guard copy >= 0, let stream = fdopendir(copy) else { throw FileSystemError("opendir", full(name)) }
        defer { closedir(stream) }
        return FileSystem.names(in: stream)
    }

    // MARK: Reading and writing

    /// Reads a regular file (never a FIFO or device: it is opened
    /// non-blocking and checked before a byte is read).
    public func read(_ name: String, limit: Int) throws(FileSystemError) -> Data {
        // Left non-blocking: a read of a regular file never is (open(2)),
        // which saves the two fcntl calls of openRegular.
        let fd = try open(name, O_RDONLY | O_NONBLOCK)
        defer { Glibc.close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            throw FileSystemError("open (not a regular file)", full(name), .invalidArgument)
        }
        return try FileSystem.readAll(fd, path: full(name), limit: limit, expected: Int(status.st_size))
    }

    /// Opens a regular file for reading or writing; anything else fails
    /// with `EINVAL` (a FIFO is opened non-blocking, so this never hangs).
    public func openRegular(_ name: String, _ flags: Int32) throws(FileSystemError) -> Int32 {
        let fd = try open(name, flags | O_NONBLOCK)
        var status = stat()
        guard fstat(fd, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            Glibc.close(fd)
            throw FileSystemError("open (not a regular file)", full(name), .invalidArgument)
        }
        // Back to blocking I/O for the reader. F_SETFL takes only the status
        // flags (O_APPEND, O_NONBLOCK, ...) of `flags`, which are all it had.
        _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK)
        return fd
    }

    /// A new, empty file beside `name` under a hidden name no one can
    /// predict (`.NAME.tmp-<random>`), created with `O_CREAT | O_EXCL`.
    /// Returns its descriptor (read-write, the caller's) and its name.
    public func createTemporary(for name: String, mode: mode_t = 0o666) throws(FileSystemError) -> (fd: Int32, name: String) {
        let (folder, leaf) = try parent(of: name)
        let prefix = name.dropLast(leaf.count)
        for _ in 0..<16 {
            let temporary = ".\(leaf).tmp-\(Self.randomSuffix())"
            let fd = openat(folder.descriptor, temporary, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
            if fd >= 0 { return (fd, prefix + temporary) }
            if Glibc.errno != EEXIST { throw FileSystemError("create", full(prefix + temporary)) }
        }
        throw FileSystemError("create a temporary for", full(name), .fileExists)
    }

    /// Writes `name` under a temporary name, then renames it into place: a
    /// reader sees the old file or the new one. An entry of that name that
    /// is a symlink is replaced, never followed. With `durable` the file's
    /// data is synced before the rename; the folder's entry is the caller's
    /// to sync (`sync()`), once for all it wrote.
    public func writeAtomically(_ data: Data, to name: String, durable: Bool = false) throws(FileSystemError) {
        let (fd, temporary) = try createTemporary(for: name)
        var failure: FileSystemError?
        do throws(FileSystemError) {
            try FileSystem.writeAll(data, to: fd, path: full(temporary))
        } catch {
            failure = error
        }
        if failure == nil && durable {
            do throws(FileSystemError) { try FileSystem.sync(descriptor: fd, path: full(temporary)) } catch { failure = error }
        }
        if Glibc.close(fd) != 0 && failure == nil { failure = FileSystemError("close", full(temporary)) }
        if failure == nil {
            do throws(FileSystemError) { try rename(temporary, to: name) } catch { failure = error }
        }
        if let failure {
            try? remove(temporary)
            throw failure
        }
    }

    /// Syncs this folder's entries (names made, renamed or removed in it).
    public func sync() throws(FileSystemError) {
        try FileSystem.sync(descriptor: descriptor, path: path)
    }

    /// Syncs the data of the regular file `name`.
    public func syncFile(_ name: String) throws(FileSystemError) {
        let fd = try openRegular(name, O_RDONLY)
        defer { Glibc.close(fd) }
        try FileSystem.sync(descriptor: fd, path: full(name))
    }

    /// `renameat` of two names beneath this folder; with `replacing: false`
    /// an existing target makes it fail (`RENAME_NOREPLACE`).
    public func rename(_ from: String, to: String, replacing: Bool = true) throws(FileSystemError) {
        let (source, sourceLeaf) = try parent(of: from)
        let (target, targetLeaf) = try parent(of: to)
        let status =
            replacing
            ? renameat(source.descriptor, sourceLeaf, target.descriptor, targetLeaf)
            : audiospool_renameat_noreplace(source.descriptor, sourceLeaf, target.descriptor, targetLeaf)
        if status != 0 { throw FileSystemError("rename to '\(full(to))'", full(from)) }
    }

    /// Removes a file, a symlink (not what it points to) or a whole tree;
    /// missing is fine.
    public func remove(_ name: String) throws(FileSystemError) {
        let (folder, leaf) = try parent(of: name)
        try Self.remove(leaf, in: folder, depth: 0)
    }

    /// Folders nested deeper than this are not removed (each level holds a
    /// descriptor and a stack frame): such a tree is moved aside instead
    /// (Spool.admit), so a submitter cannot exhaust either.
    public static let removalDepthLimit = 64

    private static func remove(_ leaf: String, in folder: ConfinedDirectory, depth: Int) throws(FileSystemError) {
        var status = stat()
        guard fstatat(folder.descriptor, leaf, &status, AT_SYMLINK_NOFOLLOW) == 0 else { return }
        if status.st_mode & S_IFMT == S_IFDIR {
            guard depth < removalDepthLimit else {
                throw FileSystemError("remove (nested deeper than \(removalDepthLimit) folders)", folder.full(leaf), .tooManySymbolicLinkLevels)
            }
            let inner = try folder.directory(leaf)
            for name in try inner.list() { try remove(name, in: inner, depth: depth + 1) }
            if unlinkat(folder.descriptor, leaf, AT_REMOVEDIR) != 0 && Glibc.errno != ENOENT {
                throw FileSystemError("rmdir", folder.full(leaf))
            }
        } else if unlinkat(folder.descriptor, leaf, 0) != 0 && Glibc.errno != ENOENT {
            throw FileSystemError("unlink", folder.full(leaf))
        }
    }

    /// Moves `name` out of this folder to `path` (an absolute path on the
    /// same file system), without following anything.
    public func move(_ name: String, outTo path: String) throws(FileSystemError) {
        let (folder, leaf) = try parent(of: name)
        if renameat(folder.descriptor, leaf, AT_FDCWD, path) != 0 { throw FileSystemError("rename to '\(path)'", full(name)) }
    }

    /// Sets a file's modification time to now, without following a symlink.
    public func touch(_ name: String) {
        guard let (folder, leaf) = try? parent(of: name) else { return }
        utimensat(folder.descriptor, leaf, nil, AT_SYMLINK_NOFOLLOW)
    }

    /// Puts the open regular file `fd` at `name` here: a hard link
    /// (through /proc/self/fd) where allowed, else a copy. A path handed to
    /// an engine then names exactly the file that was checked.
    public func place(descriptor fd: Int32, as name: String) throws(FileSystemError) {
        let (folder, leaf) = try parent(of: name)
        if linkat(AT_FDCWD, "/proc/self/fd/\(fd)", folder.descriptor, leaf, AT_SYMLINK_FOLLOW) == 0 { return }
        let (copy, temporary) = try createTemporary(for: name)
        defer { Glibc.close(copy) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var offset: off_t = 0
        while true {
            let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, offset) }
            if count < 0 && Glibc.errno == EINTR { continue }
            guard count >= 0 else { try? remove(temporary); throw FileSystemError("read", full(name)) }
            if count == 0 { break }
            do throws(FileSystemError) {
                try FileSystem.writeAll(Data(buffer[0..<count]), to: copy, path: full(temporary))
            } catch {
                try? remove(temporary)
                throw error
            }
            offset += off_t(count)
        }
        try rename(temporary, to: name, replacing: false)
    }

    // MARK: Names

    public func full(_ name: String) -> String { name == "." ? path : path + "/" + name }

    static func components(_ name: String) throws(FileSystemError) -> [String] {
        // By bytes: String's `contains("\0")` goes through Foundation's NSString search.
        let parts = name.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        let dot = UInt8(ascii: ".")
        guard parts.allSatisfy({ part in
            !part.isEmpty && !part.contains(0) && !(part.count <= 2 && part.allSatisfy { $0 == dot })
        }) else { throw FileSystemError("resolve (not a plain relative path)", name, .invalidArgument) }
        return parts.count == 1 ? [name] : parts.map { String(Substring($0)) }
    }

    static func randomSuffix() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(generator.next(), radix: 36) + String(generator.next(), radix: 36)
    }
}
